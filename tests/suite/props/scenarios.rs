//! Scenario files: generated systems give a located error or a valid run.

use super::*;

#[test]
fn generated_scenarios_give_located_errors_or_valid_runs() {
    const FILE: &str = "generated.ron";
    property("scenarios", 256, design(), &["refused", "ran"], |d| {
        let s = d.scenario();
        let checked = s.check();
        if let Err(e) = &checked {
            prop_assert!(!e.path.is_empty(), "the check names the field: {}", e);
            prop_assert!(printable(&e.to_string()), "{:?}", e.to_string());
        }
        let text = d.text(&s);
        let parsed = Scenario::parse(FILE, &text);
        if d.numbers.is_none() {
            match (&checked, &parsed) {
                (Ok(_), Ok((back, _))) => prop_assert_eq!(back, &s, "a file keeps every value"),
                (Err(a), Err(b)) => prop_assert_eq!((&a.path, &a.message), (&b.path, &b.message)),
                _ => prop_assert!(false, "check {:?} but the file {:?}\n{}", checked, parsed, text),
            }
        }
        match parsed {
            Err(e) => {
                located(&e, FILE)?;
                Ok("refused")
            }
            Ok((s, _)) => {
                prop_assert!(s.check().is_ok());
                let again = Scenario::parse(FILE, &s.to_ron()).map(|(s, _)| s);
                prop_assert_eq!(again.as_ref(), Ok(&s), "an accepted file survives saving");
                run_slice(&mut s.start(s.seed))?;
                Ok("ran")
            }
        }
    });
}
