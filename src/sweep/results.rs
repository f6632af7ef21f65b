//! Running a sweep's runs on every core, and what each point comes to:
//! the mean over seeds with a 95 % confidence interval.

use serde::{Deserialize, Serialize};

use super::Plan;
use crate::headless::run_scenario;
use crate::sim::report::Report;

/// What one run measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub throughput_rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    /// Failed share of resolved requests.
    pub error_rate: f64,
    pub cost_per_hour: f64,
    /// The node with the highest utilisation, and that utilisation.
    pub busiest: String,
    pub busiest_utilization: f64,
}

impl Metrics {
    pub fn of(r: &Report) -> Metrics {
        let busiest = r
            .nodes
            .iter()
            .filter_map(|n| n.utilization.map(|u| (n.id.clone(), u)))
            .fold(None::<(String, f64)>, |best, (id, u)| match best {
                Some((_, b)) if b >= u => best,
                _ => Some((id, u)),
            })
            .unwrap_or_default();
        Metrics {
            throughput_rps: r.throughput_rps,
            p50_ms: r.latency_ms.p50,
            p99_ms: r.latency_ms.p99,
            p999_ms: r.latency_ms.p999,
            error_rate: r.error_rate,
            cost_per_hour: r.cost.per_hour,
            busiest: busiest.0,
            busiest_utilization: busiest.1,
        }
    }

    /// The numbers, in the order of [`METRICS`].
    fn numbers(&self) -> [f64; 7] {
        [
            self.throughput_rps,
            self.p50_ms,
            self.p99_ms,
            self.p999_ms,
            self.error_rate,
            self.cost_per_hour,
            self.busiest_utilization,
        ]
    }
}

/// The metrics' names in tables and CSV columns.
pub const METRICS: [&str; 7] =
    ["throughput_rps", "p50_ms", "p99_ms", "p999_ms", "error_rate", "cost_per_hour", "busiest_utilization"];

/// One run: a point's parameter values, a seed, what it measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub values: Vec<f64>,
    pub seed: u64,
    pub metrics: Metrics,
}

/// A point over all its seeds: each metric's mean and the half-width of
/// its 95 % confidence interval (0 with one seed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub values: Vec<f64>,
    pub seeds: usize,
    pub mean: Vec<f64>,
    pub ci95: Vec<f64>,
    /// The busiest node in most of its runs.
    pub busiest: String,
}

/// A sweep's output: enough to print it again or merge it with others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    pub scenario: String,
    pub vary: Vec<String>,
    pub seconds: f64,
    pub warmup_s: f64,
    pub metrics: Vec<String>,
    pub runs: Vec<Run>,
    pub points: Vec<Point>,
}

/// Run `runs` (point, seed) of `plan` on `threads` threads. The result does
/// not depend on the number of threads: each run is its own deterministic
/// simulation, and results are put back in the runs' order.
pub fn execute(plan: &Plan, name: &str, runs: &[(usize, u64)], threads: usize) -> Sweep {
    let one = |&(p, seed): &(usize, u64)| {
        let (values, s) = &plan.points[p];
        let r = run_scenario(s, name, seed, plan.warmup_s, plan.seconds);
        Run { values: values.clone(), seed, metrics: Metrics::of(&r) }
    };
    let results = super::par_map(runs, threads, one);
    Sweep::from_runs(
        name,
        plan.vary.iter().map(|v| v.name().to_string()).collect(),
        plan.seconds,
        plan.warmup_s,
        results,
    )
}

impl Sweep {
    /// Group runs by point (in the order points first appear) and summarise.
    pub fn from_runs(scenario: &str, vary: Vec<String>, seconds: f64, warmup_s: f64, runs: Vec<Run>) -> Sweep {
        let mut groups: Vec<(Vec<f64>, Vec<&Run>)> = Vec::new();
        for r in &runs {
            match groups.iter_mut().find(|(v, _)| *v == r.values) {
                Some((_, g)) => g.push(r),
                None => groups.push((r.values.clone(), vec![r])),
            }
        }
        let points = groups.into_iter().map(|(values, g)| summarise(values, &g)).collect();
        Sweep {
            scenario: scenario.to_string(),
            vary,
            seconds,
            warmup_s,
            metrics: METRICS.iter().map(|m| m.to_string()).collect(),
            runs,
            points,
        }
    }

    /// Put slices of one sweep (`--shard`) back together. They must be of
    /// the same scenario, parameters and run length; a run present twice
    /// counts once.
    pub fn merge(parts: Vec<Sweep>) -> Result<Sweep, String> {
        let mut parts = parts.into_iter();
        let first = parts.next().ok_or("nothing to merge")?;
        let mut runs = first.runs.clone();
        for p in parts {
            if (&p.scenario, &p.vary, p.seconds, p.warmup_s)
                != (&first.scenario, &first.vary, first.seconds, first.warmup_s)
            {
                return Err(format!(
                    "these are slices of different sweeps ({} varying {} for {} s, and {} varying {} for {} s)",
                    first.scenario,
                    first.vary.join(", "),
                    first.seconds,
                    p.scenario,
                    p.vary.join(", "),
                    p.seconds
                ));
            }
            for r in p.runs {
                if !runs.iter().any(|x| x.values == r.values && x.seed == r.seed) {
                    runs.push(r);
                }
            }
        }
        // Points in the order of their values, seeds in order: the same
        // table however the slices were cut.
        runs.sort_by(|a, b| {
            a.values
                .iter()
                .zip(&b.values)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.seed.cmp(&b.seed))
        });
        Ok(Sweep::from_runs(&first.scenario, first.vary, first.seconds, first.warmup_s, runs))
    }
}

fn summarise(values: Vec<f64>, runs: &[&Run]) -> Point {
    let n = runs.len();
    let mut mean = Vec::new();
    let mut ci95 = Vec::new();
    for k in 0..METRICS.len() {
        let xs: Vec<f64> = runs.iter().map(|r| r.metrics.numbers()[k]).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let half = if n < 2 {
            0.0
        } else {
            let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64;
            student_t95(n - 1) * (var / n as f64).sqrt()
        };
        mean.push(m);
        ci95.push(half);
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for r in runs {
        match counts.iter_mut().find(|(id, _)| *id == r.metrics.busiest) {
            Some((_, c)) => *c += 1,
            None => counts.push((&r.metrics.busiest, 1)),
        }
    }
    let busiest = counts.iter().max_by_key(|(_, c)| *c).map(|(id, _)| id.to_string()).unwrap_or_default();
    Point { values, seeds: n, mean, ci95, busiest }
}

/// The two-sided 95 % quantile of Student's t with `df` degrees of freedom.
pub fn student_t95(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        31..=60 => 2.000,
        61..=120 => 1.980,
        _ => 1.960,
    }
}
