//! A serverless function: one request per instance and no waiting room; an
//! instance is held for the whole invocation, downstream calls included, and
//! a request that finds no warm instance pays a cold start. Priced per
//! instance-hour of execution (about 1 GB of memory); idle instances cost
//! nothing.

use serde::{Deserialize, Serialize};

use super::*;

/// Functions as a service: each request runs in its own instance. A warm
/// idle instance takes it at once; otherwise a new instance starts cold
/// (extra `cold_start` time). Idle instances are reclaimed after
/// `keep_warm_s` (scale to zero); beyond `concurrency` instances, requests
/// are throttled (refused).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerlessSpec {
    pub concurrency: u32,
    pub service: Dist,
    pub cold_start: Dist,
    pub keep_warm_s: f64,
}

impl Default for ServerlessSpec {
    fn default() -> Self {
        Self { concurrency: 100, service: Dist::Exp(20.0), cold_start: Dist::Const(250.0), keep_warm_s: 300.0 }
    }
}

/// Warm idle instances: when each became idle (oldest first).
#[derive(Default)]
pub struct WarmPool {
    pub idle_since: Vec<Nanos>,
}

impl ServerlessSpec {
    /// Instances alive now: busy ones plus those idle for less than `keep_warm_s`.
    pub fn alive(&self, pool: &WarmPool, busy: u32, now: Nanos) -> u32 {
        let keep = crate::sim::time::secs_to_nanos(self.keep_warm_s);
        busy + pool.idle_since.iter().filter(|&&t| t + keep > now).count() as u32
    }
}

impl Kind for ServerlessSpec {
    const LABEL: &str = "serverless function";
    const PRICE_PER_HOUR: f64 = 0.06;
    type State = WarmPool;

    fn counters(&self, pool: &WarmPool, node: &Facts) -> Vec<(&'static str, f64)> {
        vec![
            ("cold_starts", node.stats.cold_starts as f64),
            ("instances_now", self.alive(pool, node.busy, node.now) as f64),
        ]
    }

    fn prepare(&self) -> Prepared {
        let hooks = Hooks { adjust: true, released: true, ..Default::default() };
        let station = Prepared::new(self.concurrency, 0, self.service.sampler());
        Prepared { blocking: true, hooks, ..station }.after(AfterService::CallDownstream)
    }

    /// Reclaim instances idle too long; reuse the most recent one, or
    /// start a new one cold.
    fn adjust(&self, pool: &mut WarmPool, job: Job, rng: &mut SimRng) -> Adjust {
        let keep = crate::sim::time::secs_to_nanos(self.keep_warm_s);
        let expired = pool.idle_since.iter().take_while(|&&t| t + keep <= job.now).count();
        pool.idle_since.drain(..expired);
        if pool.idle_since.pop().is_some() {
            return Adjust::default();
        }
        Adjust { extra: self.cold_start.sampler().sample(rng), cold_start: true, ..Default::default() }
    }

    fn released(&self, pool: &mut WarmPool, now: Nanos) {
        pool.idle_since.push(now);
    }

    fn crashed(&self, pool: &mut WarmPool) {
        pool.idle_since.clear();
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let f = self;
        c.count("concurrency", f.concurrency, 1, MAX_COUNT)?;
        c.dist("service", &f.service)?;
        c.dist("cold_start", &f.cold_start)?;
        c.number("keep_warm_s", f.keep_warm_s, 0.0, 1e7)
    }
}
