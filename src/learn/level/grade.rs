//! Graded runs: the scenario of each seed, every goal judged, the stars,
//! and what went wrong first.

use super::*;

impl Level {
    /// The scenario graded on `seed`: the design with the level's run.
    pub fn graded_scenario(&self, start: &Scenario, design: &Scenario, seed: u64) -> Result<Scenario, String> {
        let mut s = design.clone();
        s.seed = seed;
        s.warmup_s = self.warmup_s;
        s.duration_s = self.warmup_s + self.measure_s;
        // Names from the level and the design are shown escaped.
        let shown = crate::sim::check::shown_line;
        s.chaos = self.resolve_chaos(design, seed).map_err(|e| shown(&e))?;
        s.monkey = self.monkey.clone();
        s.scale = start.scale.clone();
        s.check().map_err(|e| format!("{}: {}", shown(&e.path), shown(&e.message)))?;
        Ok(s)
    }
}

/// One judged condition, ready to show.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub says: String,
    /// The measured value (or the design's), as a person reads it.
    pub shown: String,
    pub pass: bool,
}

/// The run on one seed.
pub struct SeedRun {
    pub seed: u64,
    pub report: Report,
    pub windows: Vec<Window>,
    /// Per goal (pass, second star, third star).
    pub verdicts: Vec<Vec<Verdict>>,
}

impl SeedRun {
    pub fn measured(&self) -> Measured<'_> {
        Measured { report: &self.report, windows: &self.windows }
    }

    /// Whether goal `g` holds on this seed.
    pub fn meets(&self, g: usize) -> bool {
        self.verdicts.get(g).is_some_and(|v| v.iter().all(|x| x.pass))
    }
}

/// A graded design.
pub struct Grade {
    /// Rules of the level the design breaks (then nothing ran).
    pub problems: Vec<String>,
    pub runs: Vec<SeedRun>,
}

impl Grade {
    pub fn passed(&self) -> bool {
        self.problems.is_empty() && !self.runs.is_empty() && self.runs.iter().all(|r| r.meets(0))
    }

    /// 0 to 3: passing is one, each star goal met on every seed one more
    /// (the third needs the second).
    pub fn stars(&self) -> u8 {
        if !self.passed() {
            return 0;
        }
        let all = |g: usize| self.runs.iter().all(|r| r.meets(g));
        1 + u8::from(all(1)) + u8::from(all(1) && all(2))
    }

    /// The seed that did worst (first failing, else the first).
    pub fn worst(&self) -> Option<&SeedRun> {
        let score = |r: &SeedRun| (0..3).take_while(|g| r.meets(*g)).count();
        self.runs.iter().min_by_key(|r| score(r))
    }
}

/// Judge the design rules of a goal.
fn judge_rules(rules: &[Rule], design: &Scenario) -> Vec<Verdict> {
    rules
        .iter()
        .map(|r| match r {
            Rule::OneOf { field, values, says } => {
                let v = field_text(design, field).unwrap_or_else(|| "missing".into());
                Verdict { says: says.clone(), pass: values.contains(&v), shown: v }
            }
            Rule::Set { field, says } => {
                let v = field_text(design, field).unwrap_or_else(|| "missing".into());
                let set = v != "none" && v != "missing";
                Verdict { says: says.clone(), pass: set, shown: if set { "set".into() } else { "not set".into() } }
            }
            Rule::Reaches { from, to, says } => {
                let pass = rules::reaches(design, from, to);
                Verdict { says: says.clone(), pass, shown: if pass { "yes".into() } else { "no path".into() } }
            }
            Rule::Count { kind, at_least, at_most, says } => {
                let n = design.nodes.iter().filter(|n| &variant(n) == kind).count() as u32;
                let pass = at_least.is_none_or(|lo| n >= lo) && at_most.is_none_or(|hi| n <= hi);
                Verdict { says: says.clone(), shown: format!("{n} × {kind}"), pass }
            }
        })
        .collect()
}

impl Loaded {
    /// Grade a design on `seeds`: its problems by the level's rules, or
    /// every goal judged on each seed's run.
    pub fn grade(&self, design: &Scenario, seeds: &[u64]) -> Result<Grade, String> {
        let l = self.level;
        let start = self.start()?;
        let mut problems = l.problems(&start, design);
        // The level's faults need their targets in the design: one it
        // cannot aim at (no node of the kind, a removed node) fails it.
        if problems.is_empty() {
            for &seed in seeds {
                if let Err(e) = l.graded_scenario(&start, design, seed) {
                    problems.push(format!("the level's run cannot be set up on this design: {e}"));
                    break;
                }
            }
        }
        if !problems.is_empty() {
            return Ok(Grade { problems, runs: Vec::new() });
        }
        let goals = l.goals();
        let rules: Vec<Vec<Verdict>> = goals.iter().map(|(_, r)| judge_rules(r, design)).collect();
        let runs = crate::sweep::par_map(seeds, crate::sweep::cores(), |&seed| -> Result<SeedRun, String> {
            let s = l.graded_scenario(&start, design, seed)?;
            let (report, windows) =
                crate::learn::run_measured(&s, &format!("{} (seed {seed})", l.id), l.warmup_s, l.measure_s);
            let m = Measured { report: &report, windows: &windows };
            let verdicts = goals
                .iter()
                .zip(&rules)
                .map(|((checks, _), rules)| {
                    let mut v: Vec<Verdict> = checks
                        .iter()
                        .zip(judge_all(checks, m))
                        .map(|(c, o)| Verdict {
                            says: o.says,
                            shown: o.value.map_or("no data".into(), |v| c.metric.show(v)),
                            pass: o.pass,
                        })
                        .collect();
                    v.extend(rules.iter().cloned());
                    v
                })
                .collect();
            Ok(SeedRun { seed, report, windows, verdicts })
        });
        Ok(Grade { problems, runs: runs.into_iter().collect::<Result<_, _>>()? })
    }

    /// What went wrong first on a run that missed a pass check: the first
    /// bad second, the faults on at that moment, the busiest node then,
    /// and the concept that explains it.
    pub fn first_trouble(&self, run: &SeedRun) -> Option<Trouble> {
        if run.meets(0) {
            return None;
        }
        let p99_goal = self.level.pass.checks.iter().find_map(|c| match c.metric {
            Metric::LatencyP99Ms | Metric::WorstSecondP99Ms => c.at_most,
            _ => None,
        });
        let err_goal = self.level.pass.checks.iter().find_map(|c| match c.metric {
            Metric::ErrorRate | Metric::WorstSecondErrorRate => c.at_most,
            _ => None,
        });
        let bad = |w: &Window| {
            let resolved = w.throughput_rps + w.errors_rps;
            let errors = if resolved > 0.0 { w.errors_rps / resolved } else { 0.0 };
            errors > err_goal.unwrap_or(0.01).max(0.01) || p99_goal.is_some_and(|g| w.latency_ms.p99 > g)
        };
        let i = run.windows.iter().position(bad)?;
        let w = &run.windows[i];
        let resolved = w.throughput_rps + w.errors_rps;
        let errors = if resolved > 0.0 { w.errors_rps / resolved } else { 0.0 };
        let at = w.t - 1.0;
        let faults: Vec<String> = run
            .report
            .faults
            .iter()
            .filter(|f| f.start_s <= w.t && f.end_s.is_none_or(|e| e >= at))
            .map(|f| f.fault.clone())
            .collect();
        let busiest = w
            .nodes
            .iter()
            .zip(&run.report.nodes)
            // Nodes without a worker limit have no "busy" to speak of.
            .filter(|(n, r)| n.utilization.is_finite() && r.utilization.is_some())
            .max_by(|a, b| a.0.utilization.total_cmp(&b.0.utilization))
            .filter(|(n, _)| n.utilization > 0.0)
            .map(|(n, r)| (r.id.clone(), n.utilization, n.queue_now));
        let upto = &run.windows[..(i + 3).min(run.windows.len())];
        let insight =
            crate::learn::insight::insights(Measured { report: &run.report, windows: upto }).into_iter().next();
        Some(Trouble { at_s: at, errors, p99_ms: w.latency_ms.p99, faults, busiest, insight })
    }
}

/// What went wrong first, for the result screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Trouble {
    /// Start of the first bad second.
    pub at_s: f64,
    pub errors: f64,
    pub p99_ms: f64,
    /// Faults on at that moment.
    pub faults: Vec<String>,
    /// The busiest node that second: id, utilisation, queue.
    pub busiest: Option<(String, f64, u64)>,
    /// What the numbers say, with its concept.
    pub insight: Option<crate::learn::insight::Insight>,
}

impl Trouble {
    pub fn says(&self) -> String {
        let mut s = format!(
            "It first went wrong at {:.0} s: {:.1} % errors, p99 {:.0} ms.",
            self.at_s,
            self.errors * 100.0,
            self.p99_ms
        );
        if !self.faults.is_empty() {
            s += &format!(" Then: {}.", self.faults.join(", "));
        }
        if let Some((id, u, q)) = &self.busiest {
            s += &format!(" Busiest: {id}, {:.0} % busy, {q} waiting.", u * 100.0);
        }
        s
    }
}
