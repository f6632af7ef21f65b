//! An offline inbox: holds messages for a recipient who is away and
//! delivers them when the phone is back (optionally durable).

use serde::{Deserialize, Serialize};

use super::*;

/// Store-and-forward for messages: acknowledges the sender once stored,
/// then delivers over its links (to the recipient's phone, through
/// gateways). If the recipient is offline, it keeps the message and
/// delivers it when the phone comes back online (it syncs on connect), and
/// sends a push notification over the links that carry the type "push".
/// Nothing is dropped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InboxSpec {
    /// Time to store one message.
    pub service: Dist,
    /// Deliveries in progress at once.
    pub deliveries: u32,
    /// Other failures are retried after this long.
    pub retry_ms: f64,
    /// Stored messages survive a crash of the inbox (written to a
    /// replicated log): they are delivered after it restarts. Otherwise a
    /// crash loses them.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub durable: bool,
}

impl Default for InboxSpec {
    fn default() -> Self {
        Self { service: Dist::Const(1.0), deliveries: 10_000, retry_ms: 1000.0, durable: false }
    }
}

impl Kind for InboxSpec {
    const LABEL: &str = "offline inbox";
    const PRICE_PER_HOUR: f64 = 0.10;
    type State = ();

    fn counters(&self, _: &(), node: &Facts) -> Vec<(&'static str, f64)> {
        let s = node.stats;
        vec![
            ("held", s.held as f64),
            ("pushes", s.pushes as f64),
            ("pushes_failed", s.pushes_failed as f64),
            ("redeliveries", s.redeliveries as f64),
            ("waiting", (node.queued + node.backing_off) as f64),
        ]
    }

    fn prepare(&self) -> Prepared {
        Prepared::new(UNLIMITED, UNLIMITED, self.service.sampler()).after(AfterService::Store)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let i = self;
        c.dist("service", &i.service)?;
        c.count("deliveries", i.deliveries, 1, MAX_COUNT)?;
        c.number("retry_ms", i.retry_ms, 0.001, 3.6e6)
    }
}
