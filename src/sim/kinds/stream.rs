//! A partitioned log (stream): producers append, each consumer group reads
//! every partition in order, one message at a time; lag is what is appended
//! but not yet consumed.

use serde::{Deserialize, Serialize};

use super::*;

/// A partitioned log (Kafka-like). Appends are acknowledged once stored;
/// each key always goes to the same partition. Every outgoing link is a
/// consumer group that reads every message, each partition strictly in
/// order, one message at a time: a slow or failing message holds up its
/// partition (it is retried every `retry_ms`, up to `max_attempts` times if
/// set) while the group's lag grows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StreamSpec {
    pub partitions: u32,
    /// Time to append one message.
    pub service: Dist,
    pub retry_ms: f64,
    /// Deliveries a message gets in a consumer group (failures count)
    /// before it is moved to a dead-letter count and its partition moves on.
    /// Absent: it is retried for ever, and a message that always fails (a
    /// poison message) holds up its partition for good.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
}

impl Default for StreamSpec {
    fn default() -> Self {
        Self { partitions: 8, service: Dist::Const(1.0), retry_ms: 1000.0, max_attempts: None }
    }
}

impl Kind for StreamSpec {
    const LABEL: &str = "stream";
    const PRICE_PER_HOUR: f64 = 0.15;
    const PRICING: &str = "$0.03 plus $0.015 per partition-hour (8 partitions: $0.15)";

    fn price_per_hour(&self) -> f64 {
        (2.0 + self.partitions as f64) * 3.0 / 200.0
    }
    type State = ();

    fn counters(&self, _: &(), node: &Facts) -> Vec<(&'static str, f64)> {
        let mut out =
            vec![("lag", node.group_lags.iter().sum::<u64>() as f64), ("redeliveries", node.stats.redeliveries as f64)];
        if self.max_attempts.is_some() {
            // A failing message holds its partition while it waits to be
            // tried again: one per stalled partition (of every group).
            out.push(("dead_lettered", node.stats.dead_lettered as f64));
            out.push(("stalled_partitions", node.backing_off as f64));
        }
        out
    }

    fn prepare(&self) -> Prepared {
        Prepared::new(UNLIMITED, UNLIMITED, self.service.sampler()).after(AfterService::Append)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let st = self;
        c.count("partitions", st.partitions, 1, 10_000)?;
        c.dist("service", &st.service)?;
        c.number("retry_ms", st.retry_ms, 0.001, 3.6e6)?;
        if let Some(k) = st.max_attempts {
            // A message's attempts are counted in a byte.
            c.count("max_attempts", k, 1, 250)?;
        }
        Ok(())
    }
}
