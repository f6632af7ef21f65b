//! What-if sweeps: run one scenario over a grid of parameter values and
//! several seeds, and summarise each point with confidence intervals.
//!
//! A parameter is named by node id and field (`app-1.workers`,
//! `users.rate`, `db.read`): the field is found in the node's description
//! as a scenario file would write it, so every field of every kind can be
//! varied without a list to keep up to date. Every point is built and
//! checked like a scenario file before anything runs.

mod results;
mod step;
mod vary;

pub use results::*;
pub use step::*;
pub use vary::*;

use crate::scenario::Scenario;

/// At most this many runs in one sweep (points × seeds).
pub const MAX_RUNS: usize = 1_000_000;

/// A sweep ready to run: every point built and checked.
#[derive(Clone)]
pub struct Plan {
    /// The parameters varied, in the order given.
    pub vary: Vec<Vary>,
    /// Each point's values (one per parameter) and its scenario.
    pub points: Vec<(Vec<f64>, Scenario)>,
    pub seeds: Vec<u64>,
    pub warmup_s: f64,
    pub seconds: f64,
}

impl Plan {
    /// Every combination of the parameters' values (the first parameter
    /// varies slowest), each applied to `base` and checked.
    pub fn new(base: &Scenario, vary: Vec<Vary>, seeds: Vec<u64>, warmup_s: f64, seconds: f64) -> Result<Plan, String> {
        if seeds.is_empty() {
            return Err("--seeds must be at least 1".into());
        }
        if !(seconds.is_finite() && seconds > 0.0 && seconds <= 1e6) {
            return Err(format!("--seconds must be between 0 and 1000000, got {seconds}"));
        }
        if !(warmup_s.is_finite() && (0.0..=1e6).contains(&warmup_s)) {
            return Err(format!("--warmup must be between 0 and 1000000, got {warmup_s}"));
        }
        let count = vary.iter().try_fold(1usize, |n, v| n.checked_mul(v.values.len()));
        match count.and_then(|n| n.checked_mul(seeds.len())) {
            Some(runs) if runs <= MAX_RUNS => {}
            _ => return Err(format!("too many runs (points × seeds); the limit is {MAX_RUNS}")),
        }
        let mut points = Vec::new();
        let mut index = vec![0usize; vary.len()];
        loop {
            let values: Vec<f64> = vary.iter().zip(&index).map(|(v, &i)| v.values[i]).collect();
            let mut s = base.clone();
            for (v, &x) in vary.iter().zip(&values) {
                v.apply(&mut s, x)?;
            }
            s.check().map_err(|e| format!("{}: {}: {}", describe(&vary, &values), e.path, e.message))?;
            points.push((values, s));
            // The next combination, the last parameter fastest.
            let mut k = vary.len();
            loop {
                if k == 0 {
                    return Ok(Plan { vary, points, seeds, warmup_s, seconds });
                }
                k -= 1;
                index[k] += 1;
                if index[k] < vary[k].values.len() {
                    break;
                }
                index[k] = 0;
            }
        }
    }

    /// Every run as (point, seed), point by point; `shard` (i of n, from 1)
    /// keeps every n-th, so n machines share a sweep without overlap.
    pub fn runs(&self, shard: Option<(usize, usize)>) -> Vec<(usize, u64)> {
        let all = (0..self.points.len()).flat_map(|p| self.seeds.iter().map(move |&s| (p, s)));
        match shard {
            Some((i, n)) => all.enumerate().filter(|(k, _)| k % n == i - 1).map(|(_, r)| r).collect(),
            None => all.collect(),
        }
    }
}

/// `app-1.workers=4, users.rate=1000` for messages.
fn describe(vary: &[Vary], values: &[f64]) -> String {
    vary.iter().zip(values).map(|(v, x)| format!("{}={x}", v.name())).collect::<Vec<_>>().join(", ")
}

/// Parse `I/N` (1 ≤ I ≤ N).
pub fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let bad = || format!("--shard wants I/N with 1 ≤ I ≤ N, e.g. 2/8; got \"{text}\"");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if i == 0 || n == 0 || i > n { Err(bad()) } else { Ok((i, n)) }
}

/// `f` over `items` on `threads` threads, results in the items' order (each
/// item is its own deterministic work, so the result does not depend on the
/// number of threads).
pub fn par_map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    if threads <= 1 || items.len() <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads.min(items.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    done.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// The cores to use (one where threads are not available, as in a browser).
pub fn cores() -> usize {
    if cfg!(target_arch = "wasm32") { 1 } else { std::thread::available_parallelism().map_or(1, |n| n.get()) }
}
