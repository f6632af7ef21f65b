//! Lessons: every bundled lesson loads, every step's design meets its
//! checkpoint, and the previous design facing the step's demand does not.

use systemdecoder::learn::{BUNDLED, Loaded, evaluate};

#[test]
fn every_lesson_file_is_bundled_and_every_step_scenario_exists() {
    for b in BUNDLED {
        let loaded = Loaded::bundled(b.id).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.lesson.id, b.id);
        for s in &loaded.lesson.steps {
            for f in std::iter::once(&s.scenario).chain(s.before.iter()) {
                loaded.scenario(f).unwrap_or_else(|e| panic!("{}: {e}", s.title));
            }
            assert!(!s.checkpoint.is_empty(), "{}: no checkpoint", s.title);
        }
        // Nothing in the lesson's folder is left out of the program.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lessons").join(b.id);
        for f in std::fs::read_dir(dir).unwrap() {
            let name = f.unwrap().file_name().into_string().unwrap();
            if name != "lesson.ron" {
                assert!(b.files.iter().any(|(n, _)| *n == name), "{name} is not bundled");
            }
        }
    }
}

#[test]
fn each_step_passes_with_its_design_and_fails_with_the_previous_one() {
    for b in BUNDLED {
        let loaded = Loaded::bundled(b.id).unwrap();
        for s in &loaded.lesson.steps {
            let (_, after) = evaluate(&loaded, s, false).unwrap();
            for o in &after {
                assert!(o.pass, "{}: \"{}\" not met by its design (measured {:?})", s.title, o.says, o.value);
            }
            if s.before.is_some() {
                let (_, before) = evaluate(&loaded, s, true).unwrap();
                assert!(
                    before.iter().any(|o| !o.pass),
                    "{}: the previous design already meets the checkpoint",
                    s.title
                );
            }
        }
    }
}
