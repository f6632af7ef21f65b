//! A sharded database: keys hashed over shards, each its own pool and queue
//! (a hot key makes a hot shard). Priced per shard.

use serde::{Deserialize, Serialize};

use super::*;

/// Data split over `shards` by key (a stable hash), each shard its own
/// database with a `pool` of connections: a hot key loads one shard only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShardedDatabaseSpec {
    pub shards: u32,
    /// Connections per shard.
    pub pool: u32,
    /// Waiting room per shard; `None` is unbounded.
    pub queue_limit: Option<u32>,
    pub read: Dist,
    pub write: Dist,
}

impl Default for ShardedDatabaseSpec {
    fn default() -> Self {
        Self { shards: 4, pool: 16, queue_limit: None, read: Dist::Exp(2.0), write: Dist::Exp(8.0) }
    }
}

impl Kind for ShardedDatabaseSpec {
    const LABEL: &str = "sharded database";
    const PRICE_PER_HOUR: f64 = 0.20;
    const PRICING: &str = "$0.0125 per pool connection-hour for each shard";

    fn price_per_hour(&self) -> f64 {
        self.pool as f64 / super::database::CONNECTIONS_PER_DOLLAR
    }
    type State = ();

    fn prepare(&self) -> Prepared {
        Prepared { write: self.write.sampler(), ..Prepared::new(self.pool, limit(self.queue_limit), self.read.sampler()) }.after(AfterService::Respond)
    }

    fn members(&self) -> u32 {
        self.shards.max(1)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let d = self;
        c.count("shards", d.shards, 1, 250)?;
        c.count("pool", d.pool, 1, MAX_COUNT)?;
        if let Some(q) = d.queue_limit {
            c.count("queue_limit", q, 0, MAX_COUNT)?;
        }
        c.dist("read", &d.read)?;
        c.dist("write", &d.write)
    }
}
