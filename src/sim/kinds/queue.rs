//! A message queue: acknowledges a producer at once, stores the job, and
//! delivers it to consumers; failed deliveries come back after a visibility
//! timeout and end in a dead-letter count after too many tries.

use serde::{Deserialize, Serialize};

use super::*;

/// A message queue: acknowledges the producer as soon as a message is stored,
/// then `consumers` deliveries at a time drain it over the outgoing links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueSpec {
    /// Messages it can hold; `None` is unbounded. A full queue rejects.
    pub capacity: Option<u32>,
    pub consumers: u32,
    /// Time to accept (persist) one message.
    pub service: Dist,
    /// A consumer must finish a message within this time, or the message
    /// becomes visible again and is delivered once more (the first consumer
    /// may still finish it: a duplicate). Absent: no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility_timeout_ms: Option<f64>,
    /// Deliveries a message gets (failures and timeouts count) before it is
    /// moved to the dead-letter queue. Absent: a failed message is dropped
    /// at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_receives: Option<u32>,
}

impl Default for QueueSpec {
    fn default() -> Self {
        Self {
            capacity: Some(10_000),
            consumers: 4,
            service: Dist::Const(0.2),
            visibility_timeout_ms: None,
            max_receives: None,
        }
    }
}

impl Kind for QueueSpec {
    const LABEL: &str = "queue";
    const PRICE_PER_HOUR: f64 = 0.05;
    type State = ();

    fn counters(&self, _: &(), node: &Facts) -> Vec<(&'static str, f64)> {
        // Without redelivery there is nothing to count beyond the standard
        // figures.
        if self.max_receives.is_none() && self.visibility_timeout_ms.is_none() {
            return Vec::new();
        }
        vec![("redeliveries", node.stats.redeliveries as f64), ("dead_lettered", node.stats.dead_lettered as f64)]
    }

    /// The buffer of stored jobs (its consumers take them from there).
    fn queue_capacity(&self) -> Option<u32> {
        self.capacity
    }

    fn prepare(&self) -> Prepared {
        Prepared::new(UNLIMITED, UNLIMITED, self.service.sampler()).after(AfterService::Store)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let q = self;
        if let Some(cap) = q.capacity {
            c.count("capacity", cap, 1, MAX_COUNT)?;
        }
        c.count("consumers", q.consumers, 1, MAX_COUNT)?;
        if let Some(v) = q.visibility_timeout_ms {
            c.number("visibility_timeout_ms", v, 0.001, 3.6e9)?;
        }
        if let Some(r) = q.max_receives {
            c.count("max_receives", r, 1, 250)?;
        }
        c.dist("service", &q.service)
    }
}
