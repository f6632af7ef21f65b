//! A replicated database: a primary takes writes, replicas serve reads after
//! a replication lag (stale reads), and a replica takes over when the primary
//! fails. Priced per member (primary or replica).

use serde::{Deserialize, Serialize};

use super::*;

/// A primary that takes the writes and `replicas` that serve the reads
/// (round robin), each with its own `pool`. A write reaches the replicas
/// `lag` after it commits; a replica read of a key written more recently
/// than that is counted as stale. If the primary fails, writes fail until a
/// replica is promoted (`failover_s`), and acknowledged writes that had not
/// reached the replicas yet are lost. With `sync_replication` the primary
/// acknowledges a write only once every replica has it: nothing
/// acknowledged is lost and no replica read is stale, and each write holds
/// its connection for the slowest replica's lag.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplicatedDatabaseSpec {
    pub replicas: u32,
    /// Connections per member.
    pub pool: u32,
    pub queue_limit: Option<u32>,
    pub read: Dist,
    pub write: Dist,
    /// Replication lag (ms).
    pub lag: Dist,
    /// Reads go to the primary as well as the replicas.
    pub read_from_primary: bool,
    /// Time to detect a failed primary and promote a replica.
    pub failover_s: f64,
    /// Synchronous replication: a write is acknowledged once every replica
    /// has it (each replica's lag drawn on its own; the write waits for
    /// the slowest).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sync_replication: bool,
    /// Read-your-writes: a read of a key written less than this long ago
    /// goes to the primary, which has every write (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_your_writes_ms: Option<f64>,
    /// Availability zone of each member, the primary first (one name per
    /// member, or none). A zone outage then takes out only the members in
    /// that zone: the primary's zone fails over to a replica elsewhere,
    /// a replica's zone leaves the others serving reads. A zone on the node
    /// itself still takes the whole node.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
}

impl Default for ReplicatedDatabaseSpec {
    fn default() -> Self {
        Self {
            replicas: 2,
            pool: 16,
            queue_limit: None,
            read: Dist::Exp(2.0),
            write: Dist::Exp(8.0),
            lag: Dist::Exp(20.0),
            read_from_primary: false,
            failover_s: 15.0,
            sync_replication: false,
            read_your_writes_ms: None,
            zones: Vec::new(),
        }
    }
}

/// For each recent key: when its latest write committed on the primary,
/// and when it becomes visible on the replicas.
#[derive(Default, Clone)]
pub struct Replication {
    written: crate::sim::recent::Recent<(Nanos, Nanos)>,
}

impl Replication {
    /// A write of `key` committed now and reaches the replicas at `at`.
    /// Entries older than `keep` (and already on the replicas) are let go.
    pub fn written(&mut self, key: u64, at: Nanos, now: Nanos, keep: Nanos) {
        self.written.insert(key, (now, at), |&(w, t)| t > now || now.saturating_sub(w) <= keep);
    }

    /// A replica read of `key` now misses its latest write.
    pub fn is_stale(&self, key: u64, now: Nanos) -> bool {
        self.written.get(key).is_some_and(|(_, t)| t > now)
    }

    /// `key` was written within `window` before `now`.
    pub fn written_within(&self, key: u64, now: Nanos, window: Nanos) -> bool {
        self.written.get(key).is_some_and(|(w, _)| now.saturating_sub(w) < window)
    }

    /// The primary died: writes not yet on a replica are lost; how many.
    pub fn forget_unreplicated(&mut self, now: Nanos) -> u64 {
        let lost = self.written.values().filter(|&(_, t)| t > now).count() as u64;
        self.written.clear();
        lost
    }
}

impl Kind for ReplicatedDatabaseSpec {
    const LABEL: &str = "replicated database";
    const PRICE_PER_HOUR: f64 = 0.20;
    const PRICING: &str = "$0.0125 per pool connection-hour for each member (primary and replicas)";

    fn price_per_hour(&self) -> f64 {
        self.pool as f64 / super::database::CONNECTIONS_PER_DOLLAR
    }
    type State = Replication;

    fn counters(&self, _: &Replication, node: &Facts) -> Vec<(&'static str, f64)> {
        vec![("stale_reads", node.stats.stale_reads as f64), ("lost_writes", node.stats.lost_writes as f64)]
    }

    fn prepare(&self) -> Prepared {
        Prepared { write: self.write.sampler(), ..Prepared::new(self.pool, limit(self.queue_limit), self.read.sampler()) }.after(AfterService::Replicate)
    }

    fn members(&self) -> u32 {
        1 + self.replicas
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let d = self;
        c.count("replicas", d.replicas, 0, 249)?;
        c.count("pool", d.pool, 1, MAX_COUNT)?;
        if let Some(q) = d.queue_limit {
            c.count("queue_limit", q, 0, MAX_COUNT)?;
        }
        c.dist("read", &d.read)?;
        c.dist("write", &d.write)?;
        c.dist("lag", &d.lag)?;
        if let Some(w) = d.read_your_writes_ms {
            c.number("read_your_writes_ms", w, 0.0, 3.6e6)?;
        }
        c.field("zones", |c| {
            if !d.zones.is_empty() && d.zones.len() != 1 + d.replicas as usize {
                return c.fail(format!(
                    "one zone per member, the primary first: {} for a primary and {} replicas, got {}",
                    1 + d.replicas,
                    d.replicas,
                    d.zones.len()
                ));
            }
            match d.zones.iter().find(|z| z.trim().is_empty() || !crate::sim::check::printable(z)) {
                Some(_) => c.fail("a zone needs a name of printable characters"),
                None => Ok(()),
            }
        })?;
        c.number("failover_s", d.failover_s, 0.0, 86_400.0)
    }
}
