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
}

impl Default for DatabaseSpec {
    fn default() -> Self {
        Self { pool: 16, queue_limit: None, read: Dist::Exp(2.0), write: Dist::Exp(8.0) }
    }
}

impl Kind for DatabaseSpec {
    const LABEL: &str = "database";
    const PRICE_PER_HOUR: f64 = 0.20;
    type State = ();

    fn prepare(&self) -> Prepared {
        Prepared { write: self.write.sampler(), ..Prepared::new(self.pool, limit(self.queue_limit), self.read.sampler()) }.after(AfterService::Respond)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let d = self;
        c.count("pool", d.pool, 1, MAX_COUNT)?;
        if let Some(q) = d.queue_limit {
            c.count("queue_limit", q, 0, MAX_COUNT)?;
        }
        c.dist("read", &d.read)?;
        c.dist("write", &d.write)
    }
}
