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

/// Each user asked about so far: online?, until when.
#[derive(Default, Clone)]
pub struct Presence {
    pub spells: std::collections::HashMap<u64, (bool, Nanos)>,
}

impl DevicesSpec {
    /// Is this user's phone online now, and until when does that last?
    /// Each user alternates online and offline spells (exponential, means
    /// `session` and `session × (1 − p) / p`); the state is drawn only when
    /// asked, exactly, from the last known state.
    pub fn presence(&self, seen: &mut Presence, user: u64, now: Nanos, rng: &mut SimRng) -> (bool, Nanos) {
        let (p, session) = (self.online_share.clamp(0.0, 1.0), self.mean_session_s);
        if p >= 1.0 || p <= 0.0 {
            return (p >= 1.0, Nanos::MAX);
        }
        let on_mean = crate::sim::time::secs_to_nanos(session.max(1e-3)) as f64;
        let off_mean = on_mean * (1.0 - p) / p;
        let known = seen.spells.get(&user).copied();
        let online = match known {
            Some((state, until)) if now < until => return (state, until),
            // The known spell ended at `until`: from then on the state is
            // the other one, and t later it is online with probability
            // p ± (…) e^(−t (a+b)), a two-state Markov chain.
            Some((state, until)) => {
                let rate = 1.0 / on_mean + 1.0 / off_mean;
                let decay = libm::exp(-((now - until) as f64) * rate);
                let p_on = if state { p - p * decay } else { p + (1.0 - p) * decay };
                rng.chance(p_on)
            }
            None => rng.chance(p),
        };
        // Spells are memoryless: the rest of this one is a fresh draw.
        let left = rng.exp(if online { on_mean } else { off_mean }) as Nanos;
        let until = now + left.max(1);
        seen.spells.insert(user, (online, until));
        (online, until)
    }
}

impl Kind for DevicesSpec {
    const LABEL: &str = "devices";
    const PRICE_PER_HOUR: f64 = 0.0;
    const PRICING: &str = "nothing: they stand for the users";
    type State = Presence;

    fn counters(&self, _: &Presence, node: &Facts) -> Vec<(&'static str, f64)> {
        let s = node.stats;
        vec![("delivered", s.delivered as f64), ("offline", s.offline as f64), ("woken_by_push", s.woken as f64)]
    }

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
