//! A database: a connection pool with a queue, reads and writes timed apart.

use serde::{Deserialize, Serialize};

use super::*;

/// A database: a connection pool (its workers) with separate read and write costs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSpec {
    /// Connections in the pool: queries running at once.
    pub pool: u32,
    pub queue_limit: Option<u32>,
    pub read: Dist,
    pub write: Dist,
    /// Coordination cost of concurrent queries (the Universal Scalability
    /// Law): with b queries running, each takes 1 + σ(b−1) + κ·b(b−1) times
    /// as long. Beyond b* = √((1−σ)/κ) more connections lower throughput.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contention: Option<Contention>,
    /// Idempotency keys: a write for a request whose write the database
    /// has already applied (a retry after a timeout whose first attempt
    /// did commit, a delivery made twice) is recognised and answered
    /// without applying it again. Without them it is applied twice, and
    /// counted as a duplicate effect (a double charge).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub idempotent: bool,
}

/// How long a database remembers which requests' writes it applied: two
/// minutes, far beyond any retry policy's horizon. The record holds one
/// entry per write in that time (unlike the per-key records, which the
/// number of keys bounds), so it is kept no longer than that.
pub const KEYS_KEPT: Nanos = 120_000_000_000;

/// The requests whose writes a database applied, and when.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    at: crate::sim::recent::Recent<Nanos>,
    /// Writes applied a second time for the same request.
    pub duplicates: u64,
    /// Writes recognised by their idempotency key and not applied again.
    pub deduplicated: u64,
}

impl Applied {
    /// A write for `request` starts now: whether it was applied before
    /// (within [`KEYS_KEPT`]).
    fn seen(&mut self, request: u64, now: Nanos) -> bool {
        let fresh = |t: &Nanos| now.saturating_sub(*t) <= KEYS_KEPT;
        self.at.insert(request, now, fresh).is_some_and(|t| now.saturating_sub(t) <= KEYS_KEPT)
    }
}

/// σ (serial share: queueing for locks) and κ (coherency: every pair of
/// queries costs a little).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contention {
    pub sigma: f64,
    pub kappa: f64,
}

impl Contention {
    /// How much slower a query is with `busy` running, this one included.
    pub fn slower(&self, busy: u32) -> f64 {
        let b = busy.max(1) as f64;
        self.sigma * (b - 1.0) + self.kappa * b * (b - 1.0)
    }
}

/// Connections of a database's pool a dollar buys an hour ($0.0125 each):
/// a managed database is billed by its size, and its pool follows its vCPUs.
pub const CONNECTIONS_PER_DOLLAR: f64 = 80.0;

impl Default for DatabaseSpec {
    fn default() -> Self {
        Self {
            pool: 16,
            queue_limit: None,
            read: Dist::Exp(2.0),
            write: Dist::Exp(8.0),
            contention: None,
            idempotent: false,
        }
    }
}

impl Kind for DatabaseSpec {
    const LABEL: &str = "database";
    const PRICE_PER_HOUR: f64 = 0.20;
    const PRICING: &str = "$0.0125 per pool connection-hour (a pool of 16: $0.20)";

    fn price_per_hour(&self) -> f64 {
        self.pool as f64 / super::database::CONNECTIONS_PER_DOLLAR
    }
    type State = Applied;

    fn prepare(&self) -> Prepared {
        // Every database notes which requests it wrote for (writes only).
        let hooks = Hooks { adjust: true, ..Default::default() };
        let station = Prepared::new(self.pool, limit(self.queue_limit), self.read.sampler());
        Prepared { write: self.write.sampler(), hooks, ..station }.after(AfterService::Respond)
    }

    fn adjust(&self, applied: &mut Applied, job: Job, _rng: &mut SimRng) -> Adjust {
        let slower = self.contention.map_or(0.0, |c| c.slower(job.busy));
        if job.write && applied.seen(job.request, job.now) {
            if self.idempotent {
                // Found under its key: answered from the stored result.
                applied.deduplicated += 1;
                return Adjust { skip: true, ..Adjust::default() };
            }
            applied.duplicates += 1;
        }
        Adjust { slower, ..Adjust::default() }
    }

    fn counters(&self, applied: &Applied, _: &Facts) -> Vec<(&'static str, f64)> {
        // Listed once it matters: with keys, or once a write was doubled.
        if self.idempotent || applied.duplicates > 0 {
            vec![("duplicate_effects", applied.duplicates as f64), ("deduplicated", applied.deduplicated as f64)]
        } else {
            Vec::new()
        }
    }

    fn reset_counters(&self, applied: &mut Applied, _now: Nanos) {
        applied.duplicates = 0;
        applied.deduplicated = 0;
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let d = self;
        c.count("pool", d.pool, 1, MAX_COUNT)?;
        if let Some(q) = d.queue_limit {
            c.count("queue_limit", q, 0, MAX_COUNT)?;
        }
        c.dist("read", &d.read)?;
        c.dist("write", &d.write)?;
        if let Some(k) = d.contention {
            c.field("contention", |c| {
                c.number("sigma", k.sigma, 0.0, 1.0)?;
                c.number("kappa", k.kappa, 0.0, 1.0)
            })?;
        }
        Ok(())
    }
}
