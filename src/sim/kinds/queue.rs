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
    /// Consumer batching: a consumer takes up to this many messages in one
    /// delivery, which crosses the outgoing link as one call. Per-call costs
    /// (the link's latency, the consumer's own per-call service time) are
    /// paid once per batch; the bytes, and a consumer's `per_item_ms`, once
    /// per message. The whole batch succeeds or fails together: a failed or
    /// timed-out batch makes every message in it visible again, and each
    /// counts the receive against its own `max_receives`. Absent: one
    /// message per delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u32>,
    /// With batching, how long a free consumer waits for a full batch: once
    /// the oldest waiting message has waited this long, it takes what is
    /// there. Waiting adds at most this much to a message's time in the
    /// queue. Absent: take what is waiting at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linger_ms: Option<f64>,
}

impl Default for QueueSpec {
    fn default() -> Self {
        Self {
            capacity: Some(10_000),
            consumers: 4,
            service: Dist::Const(0.2),
            visibility_timeout_ms: None,
            max_receives: None,
            batch_size: None,
            linger_ms: None,
        }
    }
}

/// The largest batch a consumer may take.
pub const MAX_BATCH: u32 = 10_000;

impl QueueSpec {
    /// Messages per delivery (1: no batching) and the linger in ms.
    pub fn batching(&self) -> (u32, f64) {
        (self.batch_size.unwrap_or(1).clamp(1, MAX_BATCH), self.linger_ms.unwrap_or(0.0).max(0.0))
    }
}

impl Kind for QueueSpec {
    const LABEL: &str = "queue";
    const PRICE_PER_HOUR: f64 = 0.05;
    type State = ();

    fn counters(&self, _: &(), node: &Facts) -> Vec<(&'static str, f64)> {
        // Without redelivery or batching there is nothing to count beyond
        // the standard figures.
        let mut out = Vec::new();
        if self.max_receives.is_some() || self.visibility_timeout_ms.is_some() {
            out.push(("redeliveries", node.stats.redeliveries as f64));
            out.push(("dead_lettered", node.stats.dead_lettered as f64));
        }
        if self.batch_size.is_some() {
            let s = &node.stats;
            out.push(("batches", s.batches as f64));
            // Rounded to hundredths: a figure to read, not to compute with.
            let mean = if s.batches == 0 { 0.0 } else { s.batched as f64 / s.batches as f64 };
            out.push(("mean_batch", (mean * 100.0).round() / 100.0));
        }
        out
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
        if let Some(b) = q.batch_size {
            c.count("batch_size", b, 1, MAX_BATCH)?;
        }
        if let Some(l) = q.linger_ms {
            c.number("linger_ms", l, 0.0, 3.6e6)?;
            if q.batch_size.is_none() {
                return c.field("linger_ms", |c| c.fail("only means something with batch_size (set it, or remove linger_ms)"));
            }
        }
        c.dist("service", &q.service)
    }
}
