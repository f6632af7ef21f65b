//! A client: the users. Open-loop (Poisson, constant, bursts), closed-loop
//! (users who think between requests), polling and long polling; its traffic
//! mix, key popularity, timeouts and retries. Clients are free: they are the
//! users, not infrastructure.

use serde::{Deserialize, Serialize};

use super::*;

/// A population of users sending requests and waiting for the answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientSpec {
    pub traffic: Traffic,
    /// Share of requests that are writes (databases time them differently).
    pub write_ratio: f64,
    /// Size of the key space requests draw from (consistent hashing and
    /// caches with a capacity use it).
    pub keys: u64,
    /// Key popularity: `None` is uniform; `Some(s)` is Zipf with exponent s
    /// (1.0 is typical: the k-th most popular key is asked k times less).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zipf: Option<f64>,
    /// Bytes on the wire, for links with a bandwidth limit.
    pub request_bytes: u32,
    pub response_bytes: u32,
    /// End-to-end timeout and retries for each request.
    pub retry: Option<RetryPolicy>,
    /// Requests carry their deadline (sent time + the retry timeout): a
    /// node drops queued work whose caller has already given up instead of
    /// serving it (counted as `expired`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub propagate_deadline: bool,
    /// Traffic mix by request type; empty: reads and writes by `write_ratio`
    /// (named "read" and "write").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mix: Vec<RequestType>,
}

impl Default for ClientSpec {
    fn default() -> Self {
        Self {
            traffic: Traffic::Poisson { rate: 100.0 },
            write_ratio: 0.0,
            keys: 1_000_000,
            zipf: None,
            request_bytes: 1_000,
            response_bytes: 4_000,
            retry: None,
            propagate_deadline: false,
            mix: Vec::new(),
        }
    }
}

/// One kind of request in a client's traffic mix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequestType {
    /// Links can be limited to some types (`only`), and services can time
    /// each type differently (`by_type`).
    pub name: String,
    /// Relative weight in the mix.
    pub share: f64,
    /// Writes change data: databases time them as writes, replicas receive
    /// them, full disks refuse them.
    pub write: bool,
    /// Bytes on the wire; absent: the client's own sizes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_bytes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_bytes: Option<u32>,
}

impl Default for RequestType {
    fn default() -> Self {
        Self { name: "read".into(), share: 1.0, write: false, request_bytes: None, response_bytes: None }
    }
}

/// How a client group generates requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Traffic {
    /// Open loop: independent arrivals at `rate` per second (exponential gaps).
    Poisson { rate: f64 },
    /// Open loop: exactly `rate` per second, evenly spaced.
    Constant { rate: f64 },
    /// Open loop: Poisson at `rate`, switching to `burst_rate` for `burst_s`
    /// seconds at the start of every `period_s`.
    Burst { rate: f64, burst_rate: f64, period_s: f64, burst_s: f64 },
    /// Closed loop: `users` people who each send one request, wait for the
    /// answer, think for an exponential time with mean `think_ms`, and repeat.
    Closed { users: u32, think_ms: f64 },
    /// Open loop with a daily rhythm: Poisson whose rate swings around
    /// `mean_rate` by ± `amplitude` (0–1) of it, a sine with `period_s`
    /// (86 400 for a day) peaking at `peak_at_s` into each period.
    Diurnal { mean_rate: f64, amplitude: f64, period_s: f64, peak_at_s: f64 },
    /// Polling: `users` apps each ask "anything new?" every `interval_s`
    /// (`users / interval_s` requests a second). Each user receives
    /// `messages_per_min` messages a minute, so a poll comes back empty with
    /// probability e^(−rate × interval); empty answers are small. A message
    /// waits for the next poll: its delivery time is that wait plus the
    /// poll's round trip.
    Polling { users: f64, interval_s: f64, messages_per_min: f64 },
    /// Long polling: each of `users` apps always has one request open; the
    /// server holds it until a message for that user arrives (each user
    /// receives `messages_per_min`) or `timeout_s` passes, and the app asks
    /// again at once. Few empty answers and fast delivery, but every user
    /// holds a connection (and, on a blocking server, a worker) all the time.
    LongPolling { users: u32, timeout_s: f64, messages_per_min: f64 },
}

impl Traffic {
    /// The most requests a second this traffic sends, where that follows
    /// from its parameters (a closed loop's depends on the answers).
    pub fn peak_rate(&self) -> Option<f64> {
        match *self {
            Traffic::Poisson { rate } | Traffic::Constant { rate } => Some(rate),
            Traffic::Burst { rate, burst_rate, .. } => Some(rate.max(burst_rate)),
            Traffic::Diurnal { mean_rate, amplitude, .. } => Some(mean_rate * (1.0 + amplitude)),
            Traffic::Polling { users, interval_s, .. } => Some(users / interval_s),
            // Each user asks again after every message and every timeout.
            Traffic::LongPolling { users, timeout_s, messages_per_min } => {
                Some(users as f64 * (1.0 / timeout_s + messages_per_min / 60.0))
            }
            Traffic::Closed { .. } => None,
        }
    }
}

impl Kind for ClientSpec {
    const LABEL: &str = "client";
    const PRICE_PER_HOUR: f64 = 0.0;
    const PRICING: &str = "nothing: they stand for the users";
    type State = ();

    fn counters(&self, _: &(), node: &Facts) -> Vec<(&'static str, f64)> {
        if !matches!(self.traffic, Traffic::Polling { .. } | Traffic::LongPolling { .. }) {
            return Vec::new();
        }
        vec![("polls_empty", node.stats.polls_empty as f64), ("polls_full", node.stats.polls_full as f64)]
    }

    fn prepare(&self) -> Prepared {
        Prepared::new(UNLIMITED, UNLIMITED, Sampler::Const(0)).after(AfterService::Nothing)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let cl = self;
        c.field("traffic", |c| match cl.traffic {
            Traffic::Poisson { rate } | Traffic::Constant { rate } => c.number("rate", rate, 0.0, MAX_RATE),
            Traffic::Burst { rate, burst_rate, period_s, burst_s } => {
                c.number("rate", rate, 0.0, MAX_RATE)?;
                c.number("burst_rate", burst_rate, 0.0, MAX_RATE)?;
                c.number("period_s", period_s, 1e-6, 1e7)?;
                c.number("burst_s", burst_s, 0.0, period_s)
            }
            Traffic::Closed { users, think_ms } => {
                simulated_users(c, users)?;
                c.number("think_ms", think_ms, 0.0, 3.6e6)
            }
            Traffic::Diurnal { mean_rate, amplitude, period_s, peak_at_s } => {
                c.number("mean_rate", mean_rate, 0.0, MAX_RATE / 2.0)?;
                c.number("amplitude", amplitude, 0.0, 1.0)?;
                c.number("period_s", period_s, 1e-3, 1e8)?;
                c.number("peak_at_s", peak_at_s, -1e8, 1e8)
            }
            Traffic::LongPolling { users, timeout_s, messages_per_min } => {
                simulated_users(c, users)?;
                c.number("timeout_s", timeout_s, 1e-3, 1e6)?;
                // Every user polls again at least once per timeout.
                let floor = users as f64 / MAX_RATE;
                if timeout_s < floor {
                    return c.field("timeout_s", |c| {
                        c.fail(format!(
                            "{users} users polling every {timeout_s} s would send more than {MAX_RATE} requests a second; the timeout must be at least {floor} s"
                        ))
                    });
                }
                c.number("messages_per_min", messages_per_min, 0.0, 1e6)
            }
            Traffic::Polling { users, interval_s, messages_per_min } => {
                c.number("users", users, 0.0, 1e10)?;
                c.number("interval_s", interval_s, 1e-3, 1e6)?;
                c.number("messages_per_min", messages_per_min, 0.0, 1e6)?;
                if users / interval_s > MAX_RATE {
                    return c.fail(format!(
                        "{users} users polling every {interval_s} s is {:.3e} polls a second; the simulator runs at most {MAX_RATE:e} a second per client",
                        users / interval_s
                    ));
                }
                Ok(())
            }
        })?;
        c.probability("write_ratio", cl.write_ratio)?;
        c.field("keys", |c| if cl.keys == 0 { c.fail("must be at least 1") } else { Ok(()) })?;
        if let Some(z) = cl.zipf {
            c.number("zipf", z, 0.01, 10.0)?;
        }
        if !cl.mix.is_empty() {
            c.field("mix", |c| {
                for (i, t) in cl.mix.iter().enumerate() {
                    c.at(Seg::Index(i), |c| {
                        c.field("name", |c| type_name(c, &t.name))?;
                        c.number("share", t.share, 0.0, 1e9)
                    })?;
                }
                if cl.mix.iter().map(|t| t.share).sum::<f64>() <= 0.0 {
                    return c.fail("the shares add up to 0: no request type would ever be sent");
                }
                Ok(())
            })?;
        }
        c.retry(&cl.retry)
    }
}

/// Users simulated one by one: a clear limit and what to do beyond it.
fn simulated_users(c: &mut Checker, users: u32) -> Result<(), Fail> {
    if users > MAX_USERS {
        return c.field("users", |c| {
            c.fail(format!(
                "at most {MAX_USERS} users are simulated one by one, got {users}; for more, use an open-loop rate (Poisson) or the scenario's `scale`"
            ))
        });
    }
    Ok(())
}
