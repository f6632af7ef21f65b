//! Inputs a person or a damaged file can produce, generated: every number
//! field of every kind at extreme values, and scenario files cut, flipped
//! and filled with NaN and infinities. Invariant: a clear error or a run
//! that keeps every request; never a panic.
//!
//! `SYSTEMDECODER_FUZZ=N` multiplies the number of damaged files (the
//! README gives the figures of a long run).

use systemdecoder::headless::run_scenario;
use systemdecoder::scenario::{Scenario, bundled::BUNDLED};
use systemdecoder::sim::dist::SimRng;
use systemdecoder::sweep::{self, Vary};

/// The bundled scenarios of one folder.
fn bundled(folder: &str) -> Vec<(String, String)> {
    BUNDLED.iter().filter(|(p, _)| p.contains(folder)).map(|(p, t)| (p.to_string(), t.to_string())).collect()
}

/// A run just long enough to exercise the engine on what was accepted.
fn short_run(s: &Scenario, what: &str) {
    let r = run_scenario(s, what, 1, 0.0, 0.002);
    assert_eq!(r.conservation, "ok", "{what}");
}

#[test]
fn every_number_field_of_every_kind_at_extremes() {
    let extremes = [0.0, 1.0, 1e-9, 0.5, 1e9, 1e15, -1.0, 4_294_967_296.0];
    let (mut refused, mut ran) = (0, 0);
    for (path, text) in bundled("kinds/") {
        let (base, _) = Scenario::parse(&path, &text).expect("bundled");
        for n in &base.nodes {
            for f in sweep::fields(n) {
                for v in extremes {
                    let name = format!("{}.{}={v}", n.id, f.name);
                    let Ok(vary) = Vary::parse(&name, &base) else {
                        refused += 1;
                        continue;
                    };
                    let mut s = base.clone();
                    if vary.apply(&mut s, vary.values[0]).is_err() || s.check().is_err() {
                        refused += 1;
                        continue;
                    }
                    // Accepted values must survive the trip through a file.
                    let (back, _) =
                        Scenario::parse("x.ron", &s.to_ron()).unwrap_or_else(|e| panic!("{path} {name}: {e}"));
                    short_run(&back, &format!("{path} {name}"));
                    ran += 1;
                }
            }
        }
    }
    println!("extreme values: {ran} accepted and run, {refused} refused");
    assert!(ran > 500 && refused > 200, "both sides exercised ({ran} ran, {refused} refused)");
}

/// Replace one number in the text by `with`.
fn replace_number(text: &str, rng: &mut SimRng, with: &str) -> String {
    let starts: Vec<usize> = text
        .char_indices()
        .filter(|&(i, c)| {
            c.is_ascii_digit() && !text[..i].ends_with(|p: char| p.is_ascii_alphanumeric() || p == '.' || p == '-')
        })
        .map(|(i, _)| i)
        .collect();
    if starts.is_empty() {
        return text.to_string();
    }
    let i = starts[rng.below(starts.len() as u32) as usize];
    let end = text[i..].find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e')).map_or(text.len(), |k| i + k);
    format!("{}{with}{}", &text[..i], &text[end..])
}

/// One damaged copy: a number made extreme, a cut, a flipped byte, a line
/// repeated or removed.
fn damage(text: &str, rng: &mut SimRng) -> String {
    let mut t = text.to_string();
    for _ in 0..=rng.below(3) {
        t = match rng.below(7) {
            0 => {
                let with = ["NaN", "inf", "-inf", "1e308", "-0", "0", "99999999999999999999", "1e-320", "-1"];
                let w = with[rng.below(with.len() as u32) as usize];
                replace_number(&t, rng, w)
            }
            1 => {
                let cut = rng.below(t.len().max(1) as u32) as usize;
                t[..t.floor_char_boundary(cut)].to_string()
            }
            2 => {
                let mut b = t.into_bytes();
                if !b.is_empty() {
                    let i = rng.below(b.len() as u32) as usize;
                    b[i] = [b'(', b')', b'[', b']', b',', b':', b'"', 0x1b, 0xff, b'\n'][rng.below(10) as usize];
                }
                String::from_utf8_lossy(&b).into_owned()
            }
            3 | 4 => {
                let lines: Vec<&str> = t.lines().collect();
                let i = rng.below(lines.len().max(1) as u32) as usize;
                let mut out: Vec<&str> = lines.clone();
                if rng.chance(0.5) && i < out.len() {
                    out.remove(i);
                } else if i < lines.len() {
                    out.insert(i, lines[i]);
                }
                out.join("\n")
            }
            _ => {
                let w = (rng.below(1000) as f64 / 7.0).to_string();
                replace_number(&t, rng, &w)
            }
        };
    }
    t
}

#[test]
fn damaged_scenario_files_give_errors_or_valid_runs() {
    let scale: u32 = std::env::var("SYSTEMDECODER_FUZZ").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let files: Vec<(String, String)> = ["examples/", "kinds/", "lessons/"].iter().flat_map(|f| bundled(f)).collect();
    let mut rng = SimRng::seeded(11);
    let (mut errors, mut ran) = (0u32, 0u32);
    for round in 0..30 * scale {
        for (path, text) in &files {
            let bad = damage(text, &mut rng);
            match Scenario::parse(path, &bad) {
                Err(e) => {
                    errors += 1;
                    let shown = e.to_string();
                    assert!(shown.starts_with(path.as_str()), "the error names the file: {shown}");
                    assert!(!shown.chars().any(systemdecoder::sim::check::unprintable), "{shown:?}");
                }
                Ok((s, _)) => {
                    // Run only some: most accepted damage is a changed number.
                    if round % 5 == 0 {
                        if let Some(trace) = std::env::var_os("SYSTEMDECODER_FUZZ_TRACE") {
                            std::fs::write(trace, &bad).expect("trace");
                        }
                        short_run(&s, path);
                    }
                    ran += 1;
                }
            }
        }
    }
    println!("damaged files: {} tried, {errors} refused with an error, {ran} accepted", errors + ran);
    assert!(errors > 100 && ran > 100, "both sides exercised ({errors} errors, {ran} accepted)");
}

/// Damaged concept files (as `systemdecoder concept DIR` reads them while
/// one is written): an error naming the file, or a concept whose claims can
/// be checked; never a panic.
#[test]
fn damaged_concept_files_give_errors_or_checkable_concepts() {
    use systemdecoder::learn::concept::Loaded;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/concepts/utilisation-knee");
    let read = |f: &str| std::fs::read_to_string(root.join(f)).unwrap();
    let (concept, before, after) = (read("concept.ron"), read("before.ron"), read("after.ron"));
    let dir = std::env::temp_dir().join(format!("systemdecoder-concept-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = SimRng::seeded(12);
    let (mut errors, mut checked) = (0u32, 0u32);
    for round in 0..60 {
        // Damage one of the three files at a time.
        let which = round % 3;
        let texts = [&concept, &before, &after].map(|t| t.to_string());
        let mut texts = texts;
        texts[which] = damage(&texts[which], &mut rng);
        for (name, t) in ["concept.ron", "before.ron", "after.ron"].iter().zip(&texts) {
            std::fs::write(dir.join(name), t).unwrap();
        }
        match Loaded::from_dir(&dir) {
            Err(e) => {
                errors += 1;
                assert!(e.contains("concept.ron"), "the error names the file: {e}");
            }
            Ok(l) => {
                // A damaged design shows up as a finding, not a panic.
                let findings = l.verify();
                assert!(!findings.is_empty());
                if findings.iter().any(|f| !f.ok) {
                    errors += 1;
                } else {
                    checked += 1;
                }
            }
        }
    }
    // A run a learner could not wait for is refused, naming the field.
    let endless: String = concept
        .lines()
        .map(|l| if l.trim_start().starts_with("measure_s:") { "    measure_s: 1e12," } else { l })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("concept.ron"), endless).unwrap();
    let e = Loaded::from_dir(&dir).err().expect("refused");
    assert!(e.contains("measure_s"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
    println!("damaged concepts: {errors} refused or failing a check, {checked} holding");
    assert!(errors > 10, "damage was noticed ({errors})");
}

/// Damaged level files (as `systemdecoder level DIR` reads them while one
/// is written, or as a player's design arrives): an error naming the file,
/// or a level whose claims can be checked; never a panic.
#[test]
fn damaged_level_files_give_errors_or_checkable_levels() {
    use systemdecoder::learn::level::Loaded;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/levels/opening-day");
    let names = ["level.ron", "start.ron", "reference.ron", "naive.ron", "more-apps.ron"];
    let originals: Vec<String> = names.iter().map(|f| std::fs::read_to_string(root.join(f)).unwrap()).collect();
    let dir = std::env::temp_dir().join(format!("systemdecoder-level-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = SimRng::seeded(13);
    let mut errors = 0u32;
    for round in 0..40 {
        let which = round % names.len();
        for (i, (name, t)) in names.iter().zip(&originals).enumerate() {
            let t = if i == which { damage(t, &mut rng) } else { t.clone() };
            std::fs::write(dir.join(name), t).unwrap();
        }
        match Loaded::from_dir(&dir) {
            Err(e) => {
                errors += 1;
                assert!(names.iter().any(|n| e.contains(n)), "the error names the file: {e}");
            }
            Ok(l) => {
                // Only the rules and the shortest run: damage shows as a
                // finding or a failed grade, not a panic.
                let Ok(start) = l.start() else {
                    errors += 1;
                    continue;
                };
                for f in &names[1..] {
                    if let Ok(d) = l.scenario(f) {
                        let _ = l.level.problems(&start, &d);
                    } else {
                        errors += 1;
                    }
                }
            }
        }
    }
    // A graded run nobody could wait for is refused, naming the field.
    std::fs::write(dir.join("level.ron"), originals[0].replace("measure_s: 110.0", "measure_s: 1e12")).unwrap();
    let e = Loaded::from_dir(&dir).err().expect("refused");
    assert!(e.contains("measure_s"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(errors > 10, "damage was noticed ({errors})");
}
