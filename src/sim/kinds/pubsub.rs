//! A pub/sub topic: every message goes to every subscriber.

use serde::{Deserialize, Serialize};

use super::*;

/// A topic: acknowledges the publisher once the message is stored, then
/// delivers one copy to every subscriber (each outgoing link) at once.
/// Failed deliveries are retried by the links' retry policies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PubSubSpec {
    /// Time to accept (persist) one message.
    pub service: Dist,
}

impl Default for PubSubSpec {
    fn default() -> Self {
        Self { service: Dist::Const(0.5) }
    }
}

impl Kind for PubSubSpec {
    const LABEL: &str = "pub/sub topic";
    const PRICE_PER_HOUR: f64 = 0.05;
    type State = ();

    fn prepare(&self) -> Prepared {
        Prepared::new(UNLIMITED, UNLIMITED, self.service.sampler()).after(AfterService::Store)
    }

    /// Every subscriber gets a copy.
    fn reach(&self) -> Reach {
        Reach::Each
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let p = self;
        c.dist("service", &p.service)
    }
}
