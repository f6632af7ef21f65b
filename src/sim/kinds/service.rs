//! An application service: a pool of workers with a queue, service times
//! (per request type if set), blocking or async calls downstream, and load
//! shedding (priority types, newest-first under load).

use serde::{Deserialize, Serialize};

use super::*;

/// An application server: `workers` parallel workers in front of a FIFO queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceSpec {
    pub workers: u32,
    /// Waiting room; `None` is unbounded. Arrivals beyond it are rejected.
    pub queue_limit: Option<u32>,
    pub service: Dist,
    /// How downstream calls hold resources: `false` frees the worker when its
    /// own work ends; `true` keeps it until every downstream call has
    /// answered (a thread-per-request server).
    pub blocking: bool,
    /// Service time per request type, where it differs from `service`.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub by_type: std::collections::BTreeMap<String, Dist>,
    /// Load shedding: how the queue behaves under overload.
    #[serde(skip_serializing_if = "Shedding::is_off")]
    pub shedding: Shedding,
    /// Scatter-gather: call all outgoing links at once (not one after the
    /// other) and answer when the slowest is back.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fan_out: bool,
    /// Poison messages: this share of the messages it is given are ones it
    /// cannot process (a malformed payload). It works on one for its usual
    /// service time, then fails it as `corrupt`; which messages are poison
    /// follows from the message itself, so every retry or redelivery of one
    /// fails again.
    #[serde(skip_serializing_if = "is_zero")]
    pub poison: f64,
    /// Work per message on top of `service`: a call carrying n messages (a
    /// queue's batch) takes one draw of `service` (the per-call overhead:
    /// parsing, a transaction, a round trip to a disk) plus n × this. A
    /// single request counts as one message. Absent: no per-message cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_item_ms: Option<f64>,
}

/// Salt for the poison draw: the same message is poison at every service
/// with the same share (it is the payload that is bad).
const POISON_SALT: u64 = 0x9015_0a11;

/// Is this message one of the `share` that no service can process? A
/// pure function of the message, so it is the same at every attempt.
pub fn is_poison(message: u64, share: f64) -> bool {
    // The hash's top 53 bits as a number in [0, 1).
    let u = (hash64(&message.to_le_bytes(), POISON_SALT) >> 11) as f64 / (1u64 << 53) as f64;
    share > 0.0 && u < share
}

/// What a service counts beside the stations' figures.
#[derive(Clone, Debug, Default)]
pub struct ServiceState {
    /// Attempts on a poison message (counted when the work starts; each
    /// fails when it ends).
    pub poisoned: u64,
}

/// What one worker (about half a vCPU) costs an hour: services and
/// autoscaling groups are billed by their size.
/// (Divided, not multiplied, so that round sizes give round prices.)
pub const WORKERS_PER_DOLLAR: f64 = 40.0;

impl Default for ServiceSpec {
    fn default() -> Self {
        Self {
            workers: 4,
            queue_limit: None,
            service: Dist::Exp(10.0),
            blocking: false,
            by_type: Default::default(),
            shedding: Shedding::default(),
            fan_out: false,
            poison: 0.0,
            per_item_ms: None,
        }
    }
}

/// Queue discipline under overload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Shedding {
    /// Adaptive LIFO: once more than this many wait, serve the newest
    /// first (and when the queue is full, drop the oldest). Under overload
    /// the oldest have probably been given up on by their callers already;
    /// serving the newest keeps answers in time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifo_above: Option<u32>,
    /// Request types served before all others, and shed last: when the queue
    /// is full, one of them pushes out the newest other request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub priority: Vec<String>,
}

impl Shedding {
    pub fn is_off(&self) -> bool {
        self.lifo_above.is_none() && self.priority.is_empty()
    }
}

impl Kind for ServiceSpec {
    const LABEL: &str = "service";
    const PRICE_PER_HOUR: f64 = 0.10;
    const PRICING: &str = "$0.025 per worker-hour (4 workers: $0.10)";

    fn price_per_hour(&self) -> f64 {
        self.workers as f64 / WORKERS_PER_DOLLAR
    }
    type State = ServiceState;

    fn prepare(&self) -> Prepared {
        // Only a service with poison messages looks at each one.
        let hooks = Hooks { adjust: self.poison > 0.0, ..Default::default() };
        Prepared {
            blocking: self.blocking,
            hooks,
            per_item: self.per_item_ms.map_or(0, crate::sim::time::ms_to_nanos),
            ..Prepared::new(self.workers, limit(self.queue_limit), self.service.sampler())
        }
        .after(AfterService::CallDownstream)
    }

    fn adjust(&self, st: &mut ServiceState, job: Job, _: &mut SimRng) -> Adjust {
        if is_poison(job.message, self.poison) {
            st.poisoned += 1;
            return Adjust { fail: Some(FailReason::Corrupt), ..Adjust::default() };
        }
        Adjust::default()
    }

    /// One poison message fails the whole batch it came in (counted once,
    /// as one failed attempt).
    fn fails_item(&self, st: &mut ServiceState, message: u64) -> Option<FailReason> {
        if is_poison(message, self.poison) {
            st.poisoned += 1;
            return Some(FailReason::Corrupt);
        }
        None
    }

    fn counters(&self, st: &ServiceState, _: &Facts) -> Vec<(&'static str, f64)> {
        if self.poison > 0.0 { vec![("poison_failures", st.poisoned as f64)] } else { Vec::new() }
    }

    fn reset_counters(&self, st: &mut ServiceState, _now: Nanos) {
        st.poisoned = 0;
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let s = self;
        c.count("workers", s.workers, 1, MAX_COUNT)?;
        if let Some(q) = s.queue_limit {
            c.count("queue_limit", q, 0, MAX_COUNT)?;
        }
        c.dist("service", &s.service)?;
        c.probability("poison", s.poison)?;
        if let Some(p) = s.per_item_ms {
            c.number("per_item_ms", p, 0.0, 3.6e6)?;
        }
        c.field("shedding", |c| {
            if let Some(t) = s.shedding.lifo_above {
                c.count("lifo_above", t, 0, MAX_COUNT)?;
            }
            c.field("priority", |c| s.shedding.priority.iter().try_for_each(|t| type_name(c, t)))
        })?;
        c.field("by_type", |c| {
            for (name, d) in &s.by_type {
                type_name(c, name)?;
                c.dist(name, d)?;
            }
            Ok(())
        })
    }
}
