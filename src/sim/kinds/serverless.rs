//! A serverless function: one request per instance and no waiting room; an
//! instance is held for the whole invocation, downstream calls included, and
//! a request that finds no warm instance pays a cold start. Priced per
//! instance-hour of execution (about 1 GB of memory). Idle instances the
//! provider keeps for a while cost nothing; instances kept ready on
//! purpose (provisioned concurrency) cost a quarter of that price all the
//! time, used or not, as cloud providers bill them.

use serde::{Deserialize, Serialize};

use super::*;

/// Functions as a service: each request runs in its own instance. A warm
/// idle instance takes it at once; otherwise a new instance starts cold
/// (extra `cold_start` time). Idle instances are reclaimed after
/// `keep_warm_s` (scale to zero), except `provisioned` ones, always kept
/// ready; beyond `concurrency` instances, requests are throttled (refused).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerlessSpec {
    pub concurrency: u32,
    pub service: Dist,
    pub cold_start: Dist,
    pub keep_warm_s: f64,
    /// Instances kept ready all the time (provisioned concurrency), billed
    /// at a quarter of the price whether busy or not.
    #[serde(skip_serializing_if = "is_zero")]
    pub provisioned: u32,
}

/// Share of the price a provisioned instance costs while it waits.
pub const PROVISIONED_SHARE: f64 = 0.25;

impl Default for ServerlessSpec {
    fn default() -> Self {
        Self { concurrency: 100, service: Dist::Exp(20.0), cold_start: Dist::Const(250.0), keep_warm_s: 300.0, provisioned: 0 }
    }
}

/// Warm idle instances: when each became idle (oldest first).
#[derive(Default, Clone)]
pub struct WarmPool {
    pub idle_since: Vec<Nanos>,
}

impl ServerlessSpec {
    /// Instances alive now: busy ones plus those idle for less than
    /// `keep_warm_s`, and at least the provisioned ones.
    pub fn alive(&self, pool: &WarmPool, busy: u32, now: Nanos) -> u32 {
        let keep = crate::sim::time::secs_to_nanos(self.keep_warm_s);
        let warm = pool.idle_since.iter().filter(|&&t| t + keep > now).count() as u32;
        let kept = (pool.idle_since.len() as u32).min(self.provisioned.saturating_sub(busy));
        busy + warm.max(kept)
    }

    /// Provisioned instances, ready at `now`.
    fn ready(&self, now: Nanos) -> WarmPool {
        WarmPool { idle_since: vec![now; self.provisioned as usize] }
    }
}

impl Kind for ServerlessSpec {
    const LABEL: &str = "serverless function";
    const PRICE_PER_HOUR: f64 = 0.06;
    const PRICING: &str =
        "$0.06 per busy instance-hour; each provisioned instance a quarter of that, all the time; idle instances the provider keeps warm are free";
    type State = WarmPool;

    fn start(&self, now: Nanos) -> WarmPool {
        self.ready(now)
    }

    fn billed(&self, _: &WarmPool, node: &Facts) -> Option<Billed> {
        let ready = PROVISIONED_SHARE * self.provisioned as f64;
        let busy_area = node.stats.busy.area_to(node.now) as f64;
        Some(Billed { now: node.busy as f64 + ready, area: busy_area + ready * node.span as f64 })
    }

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
        // The provider reclaims expired instances, but never below the
        // provisioned ones (those busy elsewhere count).
        let must_keep = (self.provisioned as usize).saturating_sub(job.busy.saturating_sub(1) as usize);
        let droppable = pool.idle_since.len().saturating_sub(must_keep);
        let expired = pool.idle_since.iter().take_while(|&&t| t + keep <= job.now).count().min(droppable);
        pool.idle_since.drain(..expired);
        if pool.idle_since.pop().is_some() {
            return Adjust::default();
        }
        Adjust { extra: self.cold_start.sampler().sample(rng), cold_start: true, ..Default::default() }
    }

    fn released(&self, pool: &mut WarmPool, now: Nanos) {
        pool.idle_since.push(now);
    }

    /// Warm instances are lost; the provisioned ones are made ready again.
    fn crashed(&self, pool: &mut WarmPool, now: Nanos) {
        *pool = self.ready(now);
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let f = self;
        c.count("concurrency", f.concurrency, 1, MAX_COUNT)?;
        c.dist("service", &f.service)?;
        c.dist("cold_start", &f.cold_start)?;
        c.number("keep_warm_s", f.keep_warm_s, 0.0, 1e7)?;
        c.count("provisioned", f.provisioned, 0, f.concurrency)
    }
}
