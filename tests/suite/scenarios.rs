//! Scenario files: every shipped file works, errors are precise, nothing
//! panics on bad input, and files survive a round trip.

use std::path::{Path, PathBuf};

use systemdecoder::headless::{self, run_scenario};
use systemdecoder::scenario::{self, Scenario, ScenarioError};
use systemdecoder::sim::{NodeKind, NodeParams, SimNode};

fn err(text: &str) -> ScenarioError {
    match Scenario::parse("bad.ron", text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

const GOOD: &str = r#"(
    version: 1,
    name: "ok",
    nodes: [
        (id: "c", kind: Client(traffic: Poisson(rate: 10.0))),
        (id: "s", kind: Service(workers: 2, service: Exp(5.0))),
    ],
    links: [
        (from: "c", to: "s"),
    ],
)"#;

#[test]
fn a_minimal_file_loads_with_defaults() {
    let (s, warnings) = Scenario::parse("good.ron", GOOD).unwrap();
    assert!(warnings.is_empty());
    assert_eq!(s.duration_s, 60.0);
    assert_eq!(s.links[0].call_probability, 1.0);
}

#[test]
fn syntax_error_names_line_and_column() {
    let e = err("(\n  version: 1,\n  name: \"x\"\n  nodes: [],\n)");
    assert_eq!((e.file.as_str(), e.line), ("bad.ron", 4), "{e}");
    assert!(e.to_string().starts_with("bad.ron:4:"), "{e}");
    assert!(!e.to_string().contains('?'), "no made-up field path: {e}");
}

#[test]
fn unknown_node_in_a_link_names_the_field() {
    let text = GOOD.replace(r#"(from: "c", to: "s")"#, r#"(from: "c", to: "nowhere")"#);
    let e = err(&text);
    assert_eq!(e.path, "links[0].to");
    assert_eq!((e.line, e.col), (9, 25), "{e}");
    assert!(e.message.contains("nowhere"));
}

#[test]
fn negative_and_nan_numbers_are_refused_with_their_path() {
    let e = err(&GOOD.replace("workers: 2", "workers: -2"));
    assert_eq!(e.line, 6, "{e}");
    assert!(e.path.contains("workers"), "{e}");

    let e = err(&GOOD.replace("rate: 10.0", "rate: NaN"));
    assert_eq!(e.path, "nodes[0].kind.traffic.rate", "{e}");
    assert_eq!((e.line, e.col), (5, 55), "{e}");
    assert!(e.message.contains("finite"));

    let e = err(&GOOD.replace("Exp(5.0)", "Exp(-5.0)"));
    assert_eq!(e.path, "nodes[1].kind.service", "{e}");

    let e = err(&GOOD.replace("(from: \"c\", to: \"s\")", "(from: \"c\", to: \"s\", loss: 1.5)"));
    assert_eq!(e.path, "links[0].loss", "{e}");
}

#[test]
fn typos_unknown_fields_and_versions_are_refused() {
    let e = err(&GOOD.replace("workers: 2", "worker: 2"));
    assert!(e.message.contains("worker"), "{e}");
    let e = err(&GOOD.replace("version: 1", "version: 7"));
    assert_eq!(e.path, "version");
    let e = err(&GOOD.replace("Service(", "Servise("));
    assert!(e.message.contains("Servise"), "{e}");
    let e = err(&GOOD.replace("(id: \"s\"", "(id: \"c\""));
    assert!(e.message.contains("duplicate"), "{e}");
}

#[test]
fn a_cycle_with_no_exit_is_refused() {
    let text = GOOD
        .replace(
            r#"(id: "s", kind: Service(workers: 2, service: Exp(5.0))),"#,
            r#"(id: "s", kind: Service()), (id: "t", kind: Service()),"#,
        )
        .replace(r#"(from: "c", to: "s"),"#, r#"(from: "c", to: "s"), (from: "s", to: "t"), (from: "t", to: "s"),"#);
    let e = err(&text);
    assert!(e.message.contains("s -> t -> s"), "{e}");
    assert!(e.path.starts_with("links["), "{e}");
}

#[test]
fn huge_and_binary_files_are_refused_without_reading_them() {
    let dir = std::env::temp_dir().join(format!("sd-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("huge.ron");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(2 * 1024 * 1024 * 1024).unwrap(); // sparse: no disk used
    let e = Scenario::load(&big).unwrap_err();
    assert!(e.message.contains("limit"), "{e}");
    let bin = dir.join("binary.ron");
    std::fs::write(&bin, [0xff, 0xfe, 0x00, 0x01]).unwrap();
    let e = Scenario::load(&bin).unwrap_err();
    assert!(e.message.contains("UTF-8"), "{e}");
    let e = Scenario::load(&dir.join("missing.ron")).unwrap_err();
    assert!(e.message.contains("cannot read"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn garbage_never_panics() {
    // Truncations and mutations of a real file: each must give an error or a
    // valid scenario, never a panic.
    let text = include_str!("../../scenarios/examples/three-tier.ron");
    for cut in (0..text.len()).step_by(97) {
        if text.is_char_boundary(cut) {
            let _ = Scenario::parse("cut.ron", &text[..cut]);
        }
    }
    for bad in [
        "",
        "(",
        ")",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "\"",
        "(version: 99999999999999999999)",
    ] {
        assert!(Scenario::parse("x.ron", bad).is_err());
    }
}

#[test]
fn round_trip_through_text_and_through_the_world() {
    for f in shipped() {
        let (s, _) = Scenario::load(&f).unwrap();
        let again = Scenario::parse("again.ron", &s.to_ron()).unwrap_or_else(|e| panic!("{e}")).0;
        assert_eq!(s, again, "{}", f.display());
    }
    // Spawn, edit one node as the editor would, export: the edit is kept.
    let (s, _) = Scenario::parse("good.ron", GOOD).unwrap();
    let mut app = headless::app(&s, 1);
    let world = app.world_mut();
    let mut q = world.query::<(&SimNode, &mut NodeParams)>();
    for (n, mut p) in q.iter_mut(world) {
        if let (1, NodeKind::Service(svc)) = (n.0, &mut p.0.kind) {
            svc.workers = 9;
        }
    }
    let out = scenario::export(app.world_mut()).unwrap();
    let NodeKind::Service(svc) = &out.nodes[1].kind else { panic!() };
    assert_eq!(svc.workers, 9);
    assert_eq!(out.links, s.links);
    assert_eq!(Scenario::parse("out.ron", &out.to_ron()).unwrap().0, out);
}

fn shipped() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if systemdecoder::scenario::is_scenario_file(&p) {
                out.push(p);
            }
        }
    }
    let mut v = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"), &mut v);
    v.sort();
    assert!(v.len() >= 2);
    v
}

#[test]
fn every_shipped_scenario_loads_and_runs() {
    for f in shipped() {
        let (s, warnings) = Scenario::load(&f).unwrap_or_else(|e| panic!("{e}"));
        // A level's canvas may be wasteful on purpose (a queue nobody
        // uses, for the player to find); every other file is clean.
        let level = f.components().any(|c| c.as_os_str() == "levels");
        assert!(level || warnings.is_empty(), "{}: {warnings:?}", f.display());
        let r = run_scenario(&s, &f.display().to_string(), s.seed, 0.0, 3.0);
        assert_eq!(r.conservation, "ok", "{}", f.display());
        assert!(r.completed > 0, "{}: nothing completed", f.display());
    }
}

#[test]
fn every_node_kind_has_a_shipped_scenario_and_a_round_trip() {
    let mut used = std::collections::BTreeSet::new();
    for f in shipped() {
        let (s, _) = Scenario::load(&f).unwrap();
        used.extend(s.nodes.iter().map(|n| n.kind.label()));
    }
    for kind in systemdecoder::sim::model::NodeKind::catalogue() {
        assert!(used.contains(kind.label()), "no shipped scenario uses a {}", kind.label());
        // Defaults write out and read back as the same thing.
        let text = ron::ser::to_string(&kind).unwrap();
        let back: systemdecoder::sim::model::NodeKind = ron::from_str(&text).unwrap();
        assert_eq!(back, kind, "{text}");
    }
}

#[test]
fn saves_are_atomic_and_read_back() {
    let dir = std::env::temp_dir().join(format!("sd-save-{}", std::process::id()));
    let path = dir.join("nested").join("mine.ron");
    let (s, _) = Scenario::parse("good.ron", GOOD).unwrap();
    scenario::write_atomic(&path, &s.to_ron()).unwrap();
    assert_eq!(Scenario::load(&path).unwrap().0, s);
    // Overwrite: the old file is replaced whole, and no temporary is left.
    let mut s2 = s.clone();
    s2.name = "changed".into();
    scenario::write_atomic(&path, &s2.to_ron()).unwrap();
    assert_eq!(Scenario::load(&path).unwrap().0.name, "changed");
    let leftovers: Vec<_> =
        std::fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    // A path that cannot be written fails cleanly and keeps the old file.
    let blocked = dir.join("nested").join("mine.ron").join("impossible.ron");
    assert!(scenario::write_atomic(&blocked, "x").is_err());
    assert_eq!(Scenario::load(&path).unwrap().0.name, "changed");
    std::fs::remove_dir_all(&dir).ok();
}

/// A scheduled fault is checked once, by its own rules, wherever it comes
/// from: a typo in its fields, a replica fault aimed at a plain service and
/// a share above 1 are refused with the field's path and line.
#[test]
fn scheduled_faults_are_checked_field_by_field() {
    let with = |chaos: &str| GOOD.replace("    ],\n)", &format!("    ],\n    chaos: [{chaos}],\n)"));
    let e = err(&with(r#"(at_s: 1.0, fault: Kill(nod: "s"))"#));
    assert!(e.message.contains("nod"), "{e}");
    let e = err(&with(r#"(at_s: 1.0, fault: ReplicaLag(node: "s", add_ms: 50.0))"#));
    assert_eq!(e.path, "chaos[0].fault.node", "{e}");
    assert!(e.message.contains("not a replicated database"), "{e}");
    assert_eq!(e.line, 11, "{e}");
    let e = err(&with(r#"(at_s: 1.0, fault: Corrupt(from: "c", to: "s", share: 1.5))"#));
    assert_eq!(e.path, "chaos[0].fault.share", "{e}");
    let ok = with(r#"(at_s: 1.0, for_s: 2.0, fault: PacketLoss(from: "c", to: "s", loss: 0.5))"#);
    let (s, _) = Scenario::parse("ok.ron", &ok).unwrap();
    assert_eq!(s.chaos[0].fault.label(), "loss c->s 50%");
}
