//! Everything a level claims, checked: the reference earns every star,
//! the start, the naive design and the traps fail, grading repeats.

use super::*;

impl Loaded {
    /// Run everything the level claims: every file parses and keeps the
    /// rules; the reference earns every star on every seed, the start and
    /// the naive design fail, and so does every trap; grading twice gives
    /// the same numbers.
    pub fn verify(&self) -> Vec<crate::learn::concept::Finding> {
        use crate::learn::concept::Finding;
        let l = self.level;
        let mut out = Vec::new();
        let mut say = |ok: bool, says: String| out.push(Finding { ok, says });
        let known: Vec<&str> = crate::learn::concept::BUNDLED.iter().map(|b| b.id).collect();
        for c in &l.concepts {
            if !known.contains(&c.as_str()) {
                say(false, format!("concepts: no concept \"{c}\""));
            }
        }
        let start = match self.start() {
            Ok(s) => s,
            Err(e) => {
                say(false, e);
                return out;
            }
        };
        for id in &l.locked {
            if !start.nodes.iter().any(|n| &n.id == id) {
                say(false, format!("locked: start.ron has no node \"{id}\""));
            }
        }
        let seeds = self.seeds(None);
        let summary = |g: &Grade| -> String {
            if !g.problems.is_empty() {
                return format!("breaks the rules: {}", g.problems.join("; "));
            }
            let Some(w) = g.worst() else { return "no run".into() };
            let shown: Vec<String> = w.verdicts.iter().flatten().map(|v| format!("{} = {}", v.says, v.shown)).collect();
            format!("{} star(s); worst seed {}: {}", g.stars(), w.seed, shown.join("; "))
        };
        let mut designs: Vec<(String, bool, String)> = vec![
            ("reference.ron".into(), true, "earns every star on every seed".into()),
            ("start.ron".into(), false, "fails as it starts".into()),
            ("naive.ron".into(), false, "fails".into()),
        ];
        designs.extend(l.traps.iter().map(|t| (t.file.clone(), false, format!("fails ({})", t.says))));
        let mut reference = None;
        for (file, best, claim) in designs {
            let design = match self.scenario(&file) {
                Ok(s) => s,
                Err(e) => {
                    say(false, e.to_string());
                    continue;
                }
            };
            // A design that must fail needs only one seed that fails it:
            // seeds are graded one at a time until one does.
            let graded = if best {
                self.grade(&design, &seeds)
            } else {
                let mut last = Err("no seeds".to_string());
                for &seed in &seeds {
                    last = self.grade(&design, &[seed]);
                    if last.as_ref().is_ok_and(|g| !g.passed()) {
                        break;
                    }
                }
                last
            };
            match graded {
                Ok(g) => {
                    let ok = if best { g.stars() == 3 } else { !g.passed() };
                    // Every design must keep the rules: one that fails only
                    // for breaking them proves nothing about the run (a trap
                    // is a shortcut a player could really build).
                    let legal = g.problems.is_empty();
                    say(ok && legal, format!("{file} {claim}: {}", summary(&g)));
                    if best {
                        reference = Some((design, g));
                    }
                }
                Err(e) => say(false, format!("{file}: {e}")),
            }
        }
        // Grading again gives the same bits (on the first seed: the runs
        // are independent).
        if let Some((design, g)) = reference
            && let Ok(again) = self.grade(&design, &seeds[..1])
        {
            let same = g.runs.iter().zip(&again.runs).all(|(a, b)| a.report == b.report);
            say(same, format!("grading is {}deterministic", if same { "" } else { "not " }));
        }
        out
    }
}
