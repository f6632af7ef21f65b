//! A partitioned log (stream): producers append, each consumer group reads
//! every partition in order, one message at a time; lag is what is appended
//! but not yet consumed.

use serde::{Deserialize, Serialize};

use super::*;

/// A partitioned log (Kafka-like). Appends are acknowledged once stored;
/// each key always goes to the same partition. Every outgoing link is a
/// consumer group that reads every message, each partition strictly in
/// order, one message at a time: a slow or failing message holds up its
/// partition (it is retried every `retry_ms`) while the group's lag grows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StreamSpec {
    pub partitions: u32,
    /// Time to append one message.
    pub service: Dist,
    pub retry_ms: f64,
}

impl Default for StreamSpec {
    fn default() -> Self {
        Self { partitions: 8, service: Dist::Const(1.0), retry_ms: 1000.0 }
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
        vec![("lag", node.group_lags.iter().sum::<u64>() as f64), ("redeliveries", node.stats.redeliveries as f64)]
    }

    fn prepare(&self) -> Prepared {
        Prepared::new(UNLIMITED, UNLIMITED, self.service.sampler()).after(AfterService::Append)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let st = self;
        c.count("partitions", st.partitions, 1, 10_000)?;
        c.dist("service", &st.service)?;
        c.number("retry_ms", st.retry_ms, 0.001, 3.6e6)
    }
}
