//! The users' phones as recipients: online or offline over time, so a
//! message may find its recipient away. They are the users' own: free.

use serde::{Deserialize, Serialize};

use super::*;

/// The recipients' phones: where one-way messages end. Each message is for
/// the user its key names (`key mod users`). A user is online a share
/// `online_share` of the time, in sessions averaging `mean_session_s`
/// (online and offline spells are exponential). An online phone takes the
/// message (its delivery time is recorded, from the moment the sender sent
/// it) and acknowledges it; an offline one cannot be reached (`offline`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DevicesSpec {
    pub users: u64,
    pub online_share: f64,
    pub mean_session_s: f64,
    /// Time for a phone to take a message and acknowledge it.
    pub service: Dist,
    /// Share of push notifications that make an offline user open the app
    /// (it comes online and its inbox delivers at once).
    pub open_on_push: f64,
}

impl Default for DevicesSpec {
    fn default() -> Self {
        Self {
            users: 1_000_000,
            online_share: 0.8,
            mean_session_s: 300.0,
            service: Dist::Const(5.0),
            open_on_push: 0.3,
        }
    }
}

impl Kind for DevicesSpec {
    const LABEL: &str = "devices";
    const PRICE_PER_HOUR: f64 = 0.0;
    type State = ();

    fn prepare(&self) -> Prepared {
        Prepared::new(UNLIMITED, UNLIMITED, self.service.sampler()).after(AfterService::Deliver)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let d = self;
        c.field("users", |c| if d.users == 0 { c.fail("must be at least 1") } else { Ok(()) })?;
        c.probability("online_share", d.online_share)?;
        c.number("mean_session_s", d.mean_session_s, 0.001, 1e7)?;
        c.probability("open_on_push", d.open_on_push)?;
        c.dist("service", &d.service)
    }
}
