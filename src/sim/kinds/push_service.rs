//! A push-notification provider: best-effort delivery that can wake an
//! offline user's phone.

use serde::{Deserialize, Serialize};

use super::*;

/// A push-notification provider (APNs, FCM): accepts a notification
/// (`accept` time) and answers at once; then, best effort, delivers it to
/// the phone over its outgoing link with probability `delivery_ratio`
/// (the link's latency is the provider's delay). An offline phone that gets
/// it may wake up (see `Devices::open_on_push`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushServiceSpec {
    pub accept: Dist,
    pub delivery_ratio: f64,
}

impl Default for PushServiceSpec {
    fn default() -> Self {
        Self { accept: Dist::Const(20.0), delivery_ratio: 0.95 }
    }
}

impl Kind for PushServiceSpec {
    const LABEL: &str = "push notifications";
    const PRICE_PER_HOUR: f64 = 0.01;
    type State = ();

    fn counters(&self, _: &(), node: &Facts) -> Vec<(&'static str, f64)> {
        vec![("forwarded", node.stats.pushes as f64)]
    }

    fn prepare(&self) -> Prepared {
        Prepared::new(UNLIMITED, UNLIMITED, self.accept.sampler()).after(AfterService::Push { delivery_ratio: self.delivery_ratio })
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let ps = self;
        c.dist("accept", &ps.accept)?;
        c.probability("delivery_ratio", ps.delivery_ratio)
    }
}
