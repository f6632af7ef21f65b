//! Lesson, concept and level files, mutated one token at a time.

use super::*;

// ---------------------------------------------------------------------------
// 5. Lessons, concepts and levels

fn case_path(what: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("systemdecoder-props-{what}-{}", std::process::id()))
}

/// A fresh folder for one case's files.
fn case_dir(what: &str) -> std::path::PathBuf {
    let dir = case_path(what);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}

/// Any changes to a bundled lesson file: an error naming the file and the
/// place, or a lesson that can be written out and read back.
#[test]
fn mutated_lessons_give_located_errors_or_load() {
    use systemdecoder::learn::{BUNDLED as LESSONS, Lesson};
    let strategy = (any::<Index>(), prop::collection::vec(mutation(), 1..5));
    property("lessons", 128, strategy, &["refused", "loaded"], |(which, m)| {
        let b = which.get(LESSONS);
        let name = format!("scenarios/lessons/{}/lesson.ron", b.id);
        match systemdecoder::scenario::parse_ron::<Lesson>(&name, &mutate(b.lesson, &m)) {
            Err(e) => {
                located(&e, &name)?;
                Ok("refused")
            }
            Ok(l) => {
                let text = systemdecoder::scenario::to_pretty_ron(&l, 6);
                prop_assert!(systemdecoder::scenario::parse_ron::<Lesson>(&name, &text).is_ok(), "{}", text);
                Ok("loaded")
            }
        }
    });
}

/// Any changes to one file of a bundled concept, read as `systemdecoder
/// concept DIR` reads it: an error naming the file, or a concept whose
/// designs parse (or give a located error) and run, and whose experiments
/// apply (or say why not).
#[test]
fn mutated_concepts_give_errors_naming_the_file_or_load() {
    use systemdecoder::learn::concept::{BUNDLED as CONCEPTS, Design, Loaded};
    let strategy = (any::<Index>(), 0..3usize, prop::collection::vec(mutation(), 1..4), extreme_f64());
    property("concepts", 128, strategy, &["refused", "loaded"], |(which, file, m, v)| {
        let b = which.get(CONCEPTS);
        let names = ["concept.ron", "before.ron", "after.ron"];
        let dir = case_dir("concept");
        for (i, (name, text)) in names.iter().zip([b.concept, b.before, b.after]).enumerate() {
            let text = if i == file { mutate(text, &m) } else { text.to_string() };
            std::fs::write(dir.join(name), text).expect("written");
        }
        let l = match Loaded::from_dir(&dir) {
            Err(e) => {
                prop_assert!(e.contains("concept.ron"), "the error names the file: {}", e);
                prop_assert!(printable(&e), "{:?}", e);
                return Ok("refused");
            }
            Ok(l) => l,
        };
        let c = l.concept;
        prop_assert!(c.check().is_ok());
        let _ = c.predict.answer(v);
        for d in [Design::Before, Design::After] {
            match l.scenario(d) {
                Err(e) => located(&e, &format!("scenarios/concepts/{}/{}", l.id(), d.file()))?,
                Ok(s) => {
                    run_slice(&mut s.start(s.seed))?;
                    for x in c.try_this.iter().filter(|x| x.on == d) {
                        match x.apply(&s) {
                            Ok(changed) => {
                                prop_assert!(changed.check().is_ok());
                                let _ = x.made(&s, &changed, &[]);
                            }
                            Err(e) => prop_assert!(!e.is_empty()),
                        }
                    }
                }
            }
        }
        Ok("loaded")
    });
    let _ = std::fs::remove_dir_all(case_path("concept"));
}

/// Any changes to one file of a bundled level, read as `systemdecoder
/// level DIR` reads it: an error naming a file of the level, or a level
/// whose designs are judged by its rules and whose graded run (faults
/// aimed by seed) checks and runs, or says why not.
#[test]
fn mutated_levels_give_errors_naming_the_file_or_load() {
    use systemdecoder::learn::level::{BUNDLED as LEVELS, Loaded};
    let strategy = (any::<Index>(), any::<Index>(), prop::collection::vec(mutation(), 1..4), any::<u64>());
    property("levels", 128, strategy, &["refused", "loaded"], |(which, file, m, seed)| {
        let b = which.get(LEVELS);
        let changed = file.index(b.files.len());
        let dir = case_dir("level");
        for (i, (name, text)) in b.files.iter().enumerate() {
            let text = if i == changed { mutate(text, &m) } else { text.to_string() };
            std::fs::write(dir.join(name), text).expect("written");
        }
        let l = match Loaded::from_dir(&dir) {
            Err(e) => {
                let in_folder = e.contains(&*dir.to_string_lossy());
                prop_assert!(
                    in_folder || b.files.iter().any(|(n, _)| e.contains(n)),
                    "the error names the file: {}",
                    e
                );
                prop_assert!(printable(&e), "{:?}", e);
                return Ok("refused");
            }
            Ok(l) => l,
        };
        prop_assert!(l.level.check().is_ok());
        let start = match l.start() {
            Ok(s) => s,
            Err(e) => {
                prop_assert!(e.contains("start.ron") && printable(&e), "{:?}", e);
                return Ok("refused");
            }
        };
        // Every design judged by the rules; one graded and run (the one
        // changed, or the reference when the rules were).
        let designs: Vec<_> = b.files.iter().skip(1).filter_map(|(name, _)| l.scenario(name).ok()).collect();
        for design in &designs {
            for p in l.level.problems(&start, design) {
                prop_assert!(!p.is_empty());
            }
        }
        if let Ok(design) = l.scenario(b.files[if changed == 0 { 2 } else { changed }].0) {
            match l.level.graded_scenario(&start, &design, seed) {
                Ok(s) => {
                    prop_assert!(s.check().is_ok());
                    run_slice(&mut s.start(seed))?;
                }
                Err(e) => prop_assert!(!e.is_empty() && printable(&e), "{:?}", e),
            }
        }
        Ok("loaded")
    });
    let _ = std::fs::remove_dir_all(case_path("level"));
}
