//! Concepts: every folder is bundled and parses, and everything each
//! concept claims holds when run — the after design meets the checkpoint,
//! the before design misses it, the prediction's measured value falls in
//! exactly one choice, and every experiment fails unchanged, passes changed
//! and is noticed.

use systemdecoder::learn::concept::{BUNDLED, Group, Loaded};

#[test]
fn every_concept_folder_is_bundled_and_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/concepts");
    for f in std::fs::read_dir(dir).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        assert!(BUNDLED.iter().any(|b| b.id == name), "scenarios/concepts/{name} is not registered in BUNDLED");
    }
    let mut ids = std::collections::BTreeSet::new();
    for l in Loaded::all() {
        let l = l.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.concept.id, l.id(), "a concept's id is its folder's name");
        assert!(ids.insert(l.id()), "{} registered twice", l.id());
        assert!(l.concept.predict.choices.len() >= 2, "{}: a question needs choices", l.id());
        assert!(!l.concept.checkpoint.is_empty(), "{}: no checkpoint", l.id());
    }
}

#[test]
fn every_concept_holds_what_it_claims() {
    let all: Vec<Loaded> = Loaded::all().into_iter().map(|l| l.unwrap()).collect();
    let failures = crate::helpers::failing_findings(&all, |l| {
        (l.id().to_string(), l.verify().into_iter().map(|f| (f.ok, f.says)).collect())
    });
    assert!(failures.is_empty(), "concepts that do not hold:\n{}", failures.join("\n"));
}

#[test]
fn an_experiment_that_changes_nothing_is_not_noticed_and_a_wrong_check_fails() {
    let l = Loaded::get("utilisation-knee").unwrap();
    let x = &l.concept.try_this[0];
    let after = l.scenario(systemdecoder::learn::concept::Design::After).unwrap();
    assert!(!x.made(&after, &after, &[]));
    let changed = x.apply(&after).unwrap();
    assert!(x.made(&after, &changed, &[]));
    // Moving the other way is not the change asked for.
    let mut fewer = after.clone();
    systemdecoder::sweep::Vary::parse("api.workers=4", &fewer).unwrap().apply(&mut fewer, 4.0).unwrap();
    assert!(!x.made(&after, &fewer, &[]));
    // A word: switching the balancer's policy, noticed only for the one asked.
    let l = Loaded::get("least-connections-black-hole").unwrap();
    let x = l.concept.try_this.iter().find(|x| x.set.iter().any(|(f, _)| f == "lb.policy")).unwrap();
    let before = l.scenario(systemdecoder::learn::concept::Design::Before).unwrap();
    let policy = |p: &str| {
        let mut s = before.clone();
        let v = serde_json::json!(p);
        systemdecoder::sweep::Param::parse("lb.policy", &s, systemdecoder::sweep::Leaf::Word, &v)
            .unwrap()
            .put(&mut s, v)
            .unwrap();
        s
    };
    assert!(!x.made(&before, &before, &[]));
    assert!(!x.made(&before, &policy("PowerOfTwoChoices"), &[]));
    assert!(x.made(&before, &policy("RoundRobin"), &[]));
    assert!(x.apply(&before).is_ok_and(|s| x.made(&before, &s, &[])));
    // A link's field that the design leaves unset (no hedging): noticed at the value.
    let hedge = systemdecoder::learn::concept::Experiment {
        says: String::new(),
        on: systemdecoder::learn::concept::Design::Before,
        set: vec![("users->lb.hedge_after_ms".into(), systemdecoder::learn::concept::Setting::Number(20.0))],
        chaos: vec![],
        expect: vec![],
    };
    let hedged = hedge.apply(&before).unwrap();
    assert!(!hedge.made(&before, &before, &[]) && hedge.made(&before, &hedged, &[]));
    // A word that is not one of the field's choices is refused by name.
    let wrong = systemdecoder::learn::concept::Experiment {
        set: vec![("lb.policy".into(), systemdecoder::learn::concept::Setting::Word("RoundRobbin".into()))],
        ..hedge.clone()
    };
    let e = wrong.apply(&before).unwrap_err();
    assert!(e.contains("lb.policy") && e.contains("RoundRobbin"), "{e}");
    // The checkpoint judged on the before design fails.
    let run = l.evaluate(systemdecoder::learn::concept::Design::Before).unwrap();
    assert!(!run.passed());
    assert!(Group::ALL.contains(&l.concept.group));
}

#[test]
fn the_readme_lists_every_concept() {
    let readme = include_str!("../../README.md");
    for b in BUNDLED {
        assert!(readme.contains(&format!("(`{}`)", b.id)), "README.md does not list the concept {}", b.id);
    }
}
