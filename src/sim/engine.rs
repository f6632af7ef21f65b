//! The discrete-event core.
//!
//! Every state change happens at an exact nanosecond timestamp taken from a
//! single priority queue of events, ordered by (time, sequence number). A
//! fixed tick only decides how far the clock may run before control returns
//! to Bevy, so statistics are identical for any tick size, and the same
//! scenario and seed always give the same bits.
//!
//! Nodes and links live here as plain arrays (their Bevy entities carry the
//! editable specs and the published stats); in-flight messages live in a
//! recycled arena rather than as entities, because a busy minute creates
//! millions of them and spawning an entity each would cost more than the
//! whole simulation.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

mod faults;

pub use faults::{FaultRecord, Monkey, MonkeyFault};
/// Fault effects, for the chaos module to build.
pub mod faults_api {
    pub use super::faults::Effect;
}

use super::dist::{Sampler, SimRng};
use super::metrics::{FailReason, GlobalStats, LinkStats, NodeStats, Windows};
use super::model::*;
use super::time::{Nanos, ms_to_nanos, secs_to_nanos};

/// Deepest call chain a request may have (client → … → deepest callee).
pub const MAX_DEPTH: usize = 16;
const NONE: u32 = u32::MAX;
const NO_ORPHAN: u8 = u8::MAX;
/// A retry budget saves up at most this many retries.
const RETRY_TOKENS_MAX: f64 = 10.0;
/// Size of an empty poll's answer.
const EMPTY_ANSWER_BYTES: u32 = 200;
/// A coalescing cache stops waiting for a fetch silent this long.
const FETCH_PRESUMED_LOST: Nanos = 5_000_000_000;

/// Counters that must balance at every instant (the conservation invariant).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    pub requests_created: u64,
    pub requests_completed: u64,
    pub requests_failed: super::metrics::ByReason,
    pub requests_live: u64,
    pub jobs_created: u64,
    pub jobs_done: u64,
    pub jobs_failed: super::metrics::ByReason,
    pub jobs_live: u64,
    pub messages_created: u64,
    /// Messages that ended: answered, lost, or abandoned after a timeout.
    pub messages_ended: u64,
    pub messages_lost: u64,
    pub messages_abandoned: u64,
}

impl Ledger {
    /// `created = completed + failed + in flight` for requests, async jobs
    /// and raw messages; `Err` says which one does not balance.
    pub fn check(&self, live_messages: u64, live_requests: u64, live_jobs: u64) -> Result<(), String> {
        let rf: u64 = self.requests_failed.iter().sum();
        if self.requests_created != self.requests_completed + rf + self.requests_live
            || self.requests_live != live_requests
        {
            return Err(format!(
                "requests: created {} != completed {} + failed {} + in flight {} (counted {})",
                self.requests_created, self.requests_completed, rf, self.requests_live, live_requests
            ));
        }
        let jf: u64 = self.jobs_failed.iter().sum();
        if self.jobs_created != self.jobs_done + jf + self.jobs_live || self.jobs_live != live_jobs {
            return Err(format!(
                "async jobs: created {} != done {} + failed {} + in flight {} (counted {})",
                self.jobs_created, self.jobs_done, jf, self.jobs_live, live_jobs
            ));
        }
        if self.messages_created != self.messages_ended + live_messages {
            return Err(format!(
                "messages: created {} != ended {} + live {}",
                self.messages_created, self.messages_ended, live_messages
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
}

/// One call a message made and is waiting on; popped when the answer returns.
#[derive(Clone, Copy, Debug, Default)]
struct Hop {
    /// When the message arrived at the caller (for its sojourn).
    entered: Nanos,
    /// When the caller's per-hop timeout fires (0: no timeout).
    deadline: Nanos,
    link: u32,
    /// Distinguishes this call from later ones at the same depth.
    serial: u32,
    /// Next outgoing link (index) the caller considers after this answer.
    next_call: u8,
    /// The caller keeps a worker while it waits.
    blocking: bool,
    attempt: u8,
    /// The caller's incarnation when it called (a crash forgets calls).
    life: u32,
}

/// Where a message is, for drawing and for cleanup.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Place {
    /// Crossing a link; `back` means travelling against its direction.
    OnLink { link: u32, back: bool, depart: Nanos, arrive: Nanos },
    /// Queued or in service at a node.
    AtNode { node: u32 },
    /// Waiting out a retry backoff at a node.
    Backoff { node: u32 },
    /// Lost on a link; kept only until the timeout that watches for it fires.
    Lost,
}

#[derive(Clone, Debug)]
struct Msg {
    era: u32,
    live: bool,
    /// Request slot, or `NONE` for an async job.
    req: u32,
    /// The node that created it (client or queue).
    origin: u32,
    born: Nanos,
    op: Op,
    key: u64,
    resp: bool,
    error: Option<FailReason>,
    /// Discard when it returns to this depth (its caller gave up on it).
    orphan_depth: u8,
    depth: u8,
    serial: u32,
    /// Bumped at each service start, so a stale completion is recognised.
    svc: u32,
    /// When the current service (or its last stretch, after a pause) began.
    svc_start: Nanos,
    stack: [Hop; MAX_DEPTH],
    arrived: Nanos,
    place: Place,
    req_bytes: u32,
    resp_bytes: u32,
    /// Request type (index into the engine's type names).
    class: u8,
    /// Which pool of a multi-pool node (shard, replica) serves it.
    member: u8,
    /// Async jobs: deliveries so far that failed or timed out.
    receives: u8,
    /// When the original sender sent it (jobs keep their producer's), for
    /// one-way delivery times.
    sent: Nanos,
    /// Set by an offline phone: when it will be back online.
    retry_at: Nanos,
    /// A fan-out branch: the message waiting for it (NONE otherwise), that
    /// message's era, and the depth at which the branch ends.
    parent: u32,
    parent_era: u32,
    fork_depth: u8,
    /// A long poll: the first service holds it this long.
    hold: Nanos,
    /// The devices node that found its recipient offline (NONE: none).
    offline_node: u32,
}

/// A logical request of a client: may take several attempts.
#[derive(Clone, Debug, Default)]
struct Req {
    era: u32,
    live: bool,
    client: u32,
    created: Nanos,
    attempt: u8,
    msg: u32,
    msg_gen: u32,
    /// Polling clients: this poll brings messages.
    full_poll: bool,
    /// Long polling: how long the server holds this poll.
    hold: Nanos,
}

#[derive(Clone, Copy, Debug)]
enum What {
    ClientFire {
        node: u32,
        epoch: u32,
        arrive: bool,
    },
    UserWake {
        node: u32,
        epoch: u32,
    },
    Arrive {
        msg: u32,
        era: u32,
    },
    ServiceDone {
        msg: u32,
        era: u32,
        svc: u32,
    },
    FaultStart {
        id: u32,
    },
    FaultEnd {
        id: u32,
    },
    FaultTick,
    Monkey {
        epoch: u32,
    },
    HealthCheck {
        node: u32,
        epoch: u32,
    },
    ReqTimeout {
        req: u32,
        era: u32,
        attempt: u8,
    },
    ClientRetry {
        req: u32,
        era: u32,
    },
    HopTimeout {
        msg: u32,
        era: u32,
        depth: u8,
        serial: u32,
    },
    HopRetry {
        msg: u32,
        era: u32,
    },
    /// An autoscaling group reviews its size.
    Scale {
        node: u32,
        epoch: u32,
    },
    /// Instances an autoscaling group ordered are ready.
    Booted {
        node: u32,
        epoch: u32,
        count: u32,
    },
    /// A failed async job becomes visible in its queue again.
    Requeue {
        msg: u32,
        era: u32,
    },
    /// A websocket gateway's phones reconnect, one after another.
    Reconnect {
        node: u32,
        epoch: u32,
        left: u32,
    },
}

struct Ev {
    t: Nanos,
    seq: u64,
    what: What,
}

impl PartialEq for Ev {
    fn eq(&self, o: &Self) -> bool {
        self.t == o.t && self.seq == o.seq
    }
}
impl Eq for Ev {}
impl PartialOrd for Ev {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ev {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.t, o.seq).cmp(&(self.t, self.seq))
    }
}

/// Kind-specific parameters pre-digested for the hot path.
#[derive(Clone, Debug)]
struct Prepared {
    workers: u32,
    queue_limit: u32,
    service: Sampler,
    write: Sampler,
    blocking: bool,
    /// Service time by request type, where a service sets one.
    by_class: Vec<(u8, Sampler)>,
    /// Serverless: extra time when no warm instance is free.
    cold_start: Sampler,
    /// Load shedding: request types served first (bits), and the queue
    /// length beyond which the newest is served first.
    priority_mask: u64,
    lifo_above: u32,
}

/// One pool of workers with its own queue. Most nodes have one; a sharded
/// database has one per shard, a replicated one per primary/replica.
#[derive(Default)]
pub struct Member {
    pub busy: u32,
    queue: VecDeque<u32>,
    /// Priority request types wait here and are served first.
    urgent: VecDeque<u32>,
    /// Requests served, for spotting a hot shard.
    pub served: u64,
}

impl Member {
    pub fn queue_len(&self) -> usize {
        self.queue.len() + self.urgent.len()
    }

    fn drain_all(&mut self) -> Vec<u32> {
        self.urgent.drain(..).chain(self.queue.drain(..)).collect()
    }
}

/// A stream's consumer group: the link it reads over, and per partition
/// the messages waiting and whether one is being delivered.
struct Group {
    link: u32,
    lanes: Vec<(VecDeque<u32>, bool)>,
}

/// One type of request in a client's mix, ready to draw.
#[derive(Clone, Copy, Debug)]
struct MixEntry {
    cumulative: f64,
    class: u8,
    write: bool,
    req_bytes: u32,
    resp_bytes: u32,
}

/// A node's runtime state.
pub struct NodeRt {
    pub spec: NodeSpec,
    /// Outgoing links in the order they were declared.
    pub out: Vec<u32>,
    prep: Prepared,
    pub busy: u32,
    /// Worker pools with their queues (`busy` is their total).
    pub members: Vec<Member>,
    /// Calls sent over each outgoing link and not yet answered.
    pub outstanding: Vec<u32>,
    /// Load balancers with health checks: is each backend in rotation, and
    /// its streak of probe results (> 0: passes in a row, < 0: failures).
    pub healthy: Vec<bool>,
    streak: Vec<i32>,
    rr: u32,
    ring: Vec<(u64, u32)>,
    epoch: u32,
    /// Closed loop: users currently in the system or thinking.
    users: u32,
    /// Async jobs stored by a queue node, not yet delivered.
    buffer: VecDeque<u32>,
    /// Rate limiter: tokens in the bucket as of `tokens_at`.
    tokens: f64,
    tokens_at: Nanos,
    /// Cache with a capacity: the keys it holds.
    store: Option<Box<LruStore>>,
    /// Client: key popularity (Zipf), if not uniform.
    zipf: Option<super::dist::Zipf>,
    /// Client: retry-budget tokens.
    retry_tokens: f64,
    pub consumers_busy: u32,
    pub stats: NodeStats,
    /// Deleted from the running system; its index is never reused.
    pub removed: bool,
    /// What active faults do to this node right now.
    pub fx: NodeFx,
    /// Incarnation: bumped by every crash, which forgets calls in progress.
    life: u32,
    /// Client: its traffic mix by request type (empty: read/write ratio).
    mix: Vec<MixEntry>,
    /// Serverless: when each warm idle instance became idle (oldest first).
    warm: Vec<Nanos>,
    /// Autoscaling: instances serving, instances booting, last change,
    /// and the busy-time mark of the last review.
    pub instances: u32,
    pub booting: u32,
    last_scale: Nanos,
    scale_epoch: u32,
    scale_mark: (u128, Nanos),
    /// Replicated database: when the latest write of each recent key
    /// becomes visible on the replicas.
    replicated_at: std::collections::HashMap<u64, Nanos>,
    /// Caches that coalesce: keys being fetched, since when, and the
    /// misses waiting for them.
    fetching: std::collections::HashMap<u64, (Nanos, Vec<(u32, u32)>)>,
    /// DNS: each resolver's cached answer (backend index, expires at).
    resolvers: Vec<(u32, Nanos)>,
    /// Some outgoing link carries only some request types.
    typed_links: bool,
    /// Stream: consumer groups with their partitions.
    groups: Vec<Group>,
    /// Devices: each user asked about so far: online?, until when.
    presence: std::collections::HashMap<u64, (bool, Nanos)>,
    /// Fan-out: messages waiting for their branches.
    forks: std::collections::HashMap<u32, Fork>,
    /// Async jobs set aside here for a later try (see `set_aside`).
    pub backing_off: u64,
}

/// A message waiting for its fan-out branches.
struct Fork {
    era: u32,
    pending: u32,
    error: Option<FailReason>,
    holding: bool,
    entered: Nanos,
}

/// The combined effect of the active faults on a node.
#[derive(Clone, Debug)]
pub struct NodeFx {
    /// Crashed: work there fails, arrivals are refused.
    pub down: bool,
    /// Frozen since this time: nothing progresses until it resumes.
    pub paused_since: Option<Nanos>,
    /// Recent pauses that have ended, (start, end), so work in service
    /// across a pause is delayed by exactly its length.
    pauses: Vec<(Nanos, Nanos)>,
    /// Service times are multiplied by this (CPU throttle).
    pub slow: f64,
    /// Open-loop traffic rate multiplier (traffic spike on a client).
    pub spike: f64,
    /// Writes are refused (disk full).
    pub disk_full: bool,
    /// A client's clock runs at this rate: its timeouts fire after
    /// `timeout × skew` of real time.
    pub skew: f64,
    /// Share of a client's requests that all use the same key (hot key).
    pub hot: f64,
    /// Connections (workers) leaked and unusable.
    pub leaked: u32,
    /// Cache warming back up after a flush: (flushed at, warm at).
    pub cold: Option<(Nanos, Nanos)>,
    /// Warming up after a restart: (restarted at, warm at).
    pub warming: Option<(Nanos, Nanos)>,
    /// Leaking memory: (leak started, crash at).
    pub leaking: Option<(Nanos, Nanos)>,
    /// Work frozen mid-service: (message, era, service token, time left).
    frozen: Vec<(u32, u32, u32, Nanos)>,
    /// Replicated database: extra replication lag (ms).
    pub extra_lag_ms: f64,
    /// Replicated database: the primary failed at .0; a replica takes over at .1.
    pub failover: Option<(Nanos, Nanos)>,
}

impl NodeFx {
    /// A crashed or frozen client sends nothing.
    pub fn generating(&self) -> bool {
        !self.down && self.paused_since.is_none()
    }

    /// Service-time multiplier now: CPU throttle × restart warm-up (3× at
    /// restart, back to 1× when warm) × memory leak (1× growing to 5×).
    pub fn service_factor(&self, now: Nanos) -> f64 {
        let mut f = self.slow;
        if let Some((s, e)) = self.warming {
            if now < e && e > s {
                f *= 1.0 + 2.0 * (e - now) as f64 / (e - s) as f64;
            }
        }
        if let Some((s, c)) = self.leaking {
            if c > s {
                f *= 1.0 + 4.0 * (now.min(c) - s.min(now)) as f64 / (c - s) as f64;
            }
        }
        f
    }

    /// Share of a cache's normal hit ratio available now (0 right after a
    /// flush, back to 1 once warm).
    pub fn warmth(&self, now: Nanos) -> f64 {
        match self.cold {
            Some((s, e)) if now < e && e > s => (now.saturating_sub(s)) as f64 / (e - s) as f64,
            _ => 1.0,
        }
    }
}

impl Default for NodeFx {
    fn default() -> Self {
        Self {
            down: false,
            paused_since: None,
            pauses: Vec::new(),
            slow: 1.0,
            spike: 1.0,
            disk_full: false,
            skew: 1.0,
            hot: 0.0,
            leaked: 0,
            cold: None,
            warming: None,
            leaking: None,
            frozen: Vec::new(),
            extra_lag_ms: 0.0,
            failover: None,
        }
    }
}

/// The combined effect of the active faults on a link.
#[derive(Clone, Debug, Default)]
pub struct LinkFx {
    pub extra_latency: Nanos,
    pub extra_jitter: f64,
    pub extra_loss: f64,
    /// Bandwidth cap in Mbit/s, overriding the link's own.
    pub bandwidth_mbps: Option<f64>,
    /// Everything sent is silently dropped (nobody is told).
    pub blackhole: bool,
    /// Share of answers that arrive corrupted (the caller sees an error).
    pub corrupt: f64,
    /// Share of requests delivered twice (the copy's answer is discarded).
    pub duplicate: f64,
}

impl NodeRt {
    /// A fresh node; its time integrals start at `now`.
    fn new(spec: NodeSpec, now: Nanos) -> Self {
        let mut stats = NodeStats::default();
        stats.queue.restart(now);
        stats.busy.restart(now);
        let instances = match &spec.kind {
            NodeKind::Autoscaling(a) => a.initial.clamp(a.min.max(1), a.max.max(a.min.max(1))),
            k => k.members(),
        };
        stats.instances.set(now, instances as u64);
        stats.instances.restart(now);
        let mut node = NodeRt {
            prep: prepare(&spec.kind),
            members: (0..spec.kind.members()).map(|_| Member::default()).collect(),
            spec,
            out: Vec::new(),
            busy: 0,
            outstanding: Vec::new(),
            healthy: Vec::new(),
            streak: Vec::new(),
            rr: 0,
            ring: Vec::new(),
            epoch: 0,
            users: 0,
            buffer: VecDeque::new(),
            tokens: f64::INFINITY,
            tokens_at: 0,
            store: None,
            zipf: None,
            retry_tokens: RETRY_TOKENS_MAX,
            consumers_busy: 0,
            stats,
            removed: false,
            fx: NodeFx::default(),
            life: 0,
            mix: Vec::new(),
            warm: Vec::new(),
            instances,
            booting: 0,
            last_scale: now,
            scale_epoch: 0,
            scale_mark: (0, now),
            replicated_at: Default::default(),
            fetching: Default::default(),
            resolvers: Vec::new(),
            typed_links: false,
            groups: Vec::new(),
            presence: Default::default(),
            forks: Default::default(),
            backing_off: 0,
        };
        node.fit_capacity();
        node
    }

    /// An autoscaling group's workers follow its instance count.
    fn fit_capacity(&mut self) {
        if let NodeKind::Autoscaling(a) = &self.spec.kind {
            self.prep.workers = self.instances.saturating_mul(a.workers_per_instance.max(1));
        }
    }

    /// Instances running now (what the node costs): an autoscaling group's
    /// instances (booting ones included), a serverless function's busy
    /// ones, a multi-pool database's members; 1 for everything else.
    pub fn instances_now(&self) -> u32 {
        match &self.spec.kind {
            NodeKind::Autoscaling(_) => self.instances + self.booting,
            NodeKind::Serverless(_) => self.busy,
            k => k.members(),
        }
    }

    /// Serverless: instances alive (busy or warm and idle).
    pub fn live_instances(&self, now: Nanos) -> u32 {
        let NodeKind::Serverless(s) = &self.spec.kind else { return self.instances_now() };
        let keep = secs_to_nanos(s.keep_warm_s);
        self.busy + self.warm.iter().filter(|&&t| t + keep > now).count() as u32
    }

    /// Async jobs stored here (queue buffer, stream partitions).
    fn take_stored_jobs(&mut self) -> Vec<u32> {
        let mut jobs: Vec<u32> = self.buffer.drain(..).collect();
        for g in &mut self.groups {
            for lane in &mut g.lanes {
                jobs.extend(lane.0.drain(..));
                // Deliveries out now come back as failures and are dropped.
                lane.1 = false;
            }
        }
        jobs
    }

    /// Misses parked on keys being fetched (for a crash or removal).
    fn take_waiters(&mut self) -> Vec<u32> {
        self.fetching.drain().flat_map(|(_, (_, w))| w.into_iter().map(|(m, _)| m)).collect()
    }

    /// Start using outgoing link `l` (per-link state stays index-aligned).
    fn attach(&mut self, l: u32) {
        self.out.push(l);
        self.outstanding.push(0);
        self.healthy.push(true);
        self.streak.push(0);
    }

    pub fn queue_len(&self) -> usize {
        self.members.iter().map(|m| m.queue_len()).sum::<usize>() + self.buffer.len() + self.stream_lag()
    }

    /// Stream: messages not yet consumed, over all groups.
    pub fn stream_lag(&self) -> usize {
        self.groups.iter().map(|g| g.lanes.iter().map(|l| l.0.len() + l.1 as usize).sum::<usize>()).sum()
    }

    /// Stream: each consumer group's lag (messages appended, not yet consumed).
    pub fn group_lags(&self) -> Vec<usize> {
        self.groups.iter().map(|g| g.lanes.iter().map(|l| l.0.len() + l.1 as usize).sum()).collect()
    }
    /// Workers in all pools, or `u32::MAX` for unlimited.
    pub fn workers(&self) -> u32 {
        self.prep.workers.saturating_mul(self.members.len().max(1) as u32)
    }

    /// Workers usable now in each pool (leaked connections excluded).
    fn capacity(&self) -> u32 {
        self.prep.workers.saturating_sub(self.fx.leaked)
    }
}

/// A link's runtime state.
pub struct LinkRt {
    pub spec: LinkSpec,
    pub from: u32,
    pub to: u32,
    latency: Sampler,
    jitter: f64,
    /// When each direction's wire is free again (bandwidth limits only).
    wire_free: [Nanos; 2],
    ns_per_byte: f64,
    pub stats: LinkStats,
    pub removed: bool,
    pub fx: LinkFx,
    pub breaker: Breaker,
    /// Request types it carries, as bits of type indices (0: all).
    mask: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BreakerState {
    #[default]
    Closed,
    Open,
    HalfOpen,
}

/// A cache's keys with least-recently-used eviction and expiry times.
struct LruStore {
    capacity: usize,
    /// key -> (recency stamp, expires at)
    entries: std::collections::HashMap<u64, (u64, Nanos)>,
    /// recency stamp -> key, oldest first
    order: std::collections::BTreeMap<u64, u64>,
    stamp: u64,
}

impl LruStore {
    fn new(capacity: u32) -> Self {
        Self { capacity: capacity.max(1) as usize, entries: Default::default(), order: Default::default(), stamp: 0 }
    }

    /// Hit (and refresh its recency) if present and not expired.
    fn get(&mut self, key: u64, now: Nanos) -> bool {
        let Some(&(old, expires)) = self.entries.get(&key) else { return false };
        self.order.remove(&old);
        if expires <= now {
            self.entries.remove(&key);
            return false;
        }
        self.stamp += 1;
        self.order.insert(self.stamp, key);
        self.entries.insert(key, (self.stamp, expires));
        true
    }

    fn put(&mut self, key: u64, expires: Nanos) {
        if let Some((old, _)) = self.entries.remove(&key) {
            self.order.remove(&old);
        }
        while self.entries.len() >= self.capacity {
            let Some((_, victim)) = self.order.pop_first() else { break };
            self.entries.remove(&victim);
        }
        self.stamp += 1;
        self.order.insert(self.stamp, key);
        self.entries.insert(key, (self.stamp, expires));
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }
}

/// A link's circuit-breaker state (see [`CircuitBreaker`]).
#[derive(Clone, Debug, Default)]
pub struct Breaker {
    pub state: BreakerState,
    window_start: Nanos,
    calls: u32,
    failures: u32,
    opened_at: Nanos,
    trials_sent: u32,
    trials_ok: u32,
    /// How many times it has opened.
    pub opened: u64,
}

/// The whole running system.
pub struct Engine {
    now: Nanos,
    heap: BinaryHeap<Ev>,
    seq: u64,
    rng: SimRng,
    pub nodes: Vec<NodeRt>,
    pub links: Vec<LinkRt>,
    msgs: Vec<Msg>,
    free_msgs: Vec<u32>,
    reqs: Vec<Req>,
    free_reqs: Vec<u32>,
    pub global: GlobalStats,
    pub windows: Windows,
    pub ledger: Ledger,
    live_msgs: u64,
    /// When statistics were last reset (end of warm-up).
    pub stats_since: Nanos,
    pub events_processed: u64,
    /// Faults scheduled, active or healed (see `faults.rs`).
    faults: Vec<faults::ActiveFault>,
    monkey: Option<faults::Monkey>,
    /// Request type names; a message's `class` indexes this.
    classes: Vec<String>,
    /// Messages inboxes hold for an offline phone: (devices node, user).
    held: std::collections::HashMap<(u32, u64), Vec<(u32, u32)>>,
    /// What one simulated copy stands for (reports scale totals by it).
    pub scale: Option<Scale>,
}

/// A topology the engine can run: nodes plus links between them by index.
pub struct Topology {
    pub nodes: Vec<NodeSpec>,
    pub links: Vec<LinkSpec>,
    pub link_ends: Vec<(u32, u32)>,
}

fn prepare(kind: &NodeKind) -> Prepared {
    let unlimited = u32::MAX;
    let limit = |q: Option<u32>| q.unwrap_or(unlimited);
    let zero = Sampler::Const(0);
    let p = |workers: u32, queue_limit: u32, service: Sampler| Prepared {
        workers,
        queue_limit,
        service,
        write: service,
        blocking: false,
        by_class: Vec::new(),
        cold_start: zero,
        priority_mask: 0,
        lifo_above: u32::MAX,
    };
    match kind {
        NodeKind::Client(_) => p(unlimited, unlimited, zero),
        NodeKind::LoadBalancer(lb) => p(unlimited, unlimited, lb.service.sampler()),
        NodeKind::Service(s) => {
            Prepared { blocking: s.blocking, ..p(s.workers, limit(s.queue_limit), s.service.sampler()) }
        }
        NodeKind::Cache(c) => p(c.workers, unlimited, c.service.sampler()),
        NodeKind::Database(d) => {
            Prepared { write: d.write.sampler(), ..p(d.pool, limit(d.queue_limit), d.read.sampler()) }
        }
        NodeKind::Queue(q) => p(unlimited, unlimited, q.service.sampler()),
        NodeKind::RateLimiter(_) => p(unlimited, unlimited, zero),
        NodeKind::Gateway(g) => p(g.workers, limit(g.queue_limit), g.auth.sampler()),
        // One request per instance, no waiting room; the instance is held
        // for the whole invocation, downstream calls included.
        NodeKind::Serverless(f) => {
            Prepared { blocking: true, cold_start: f.cold_start.sampler(), ..p(f.concurrency, 0, f.service.sampler()) }
        }
        // Workers are set from the instance count (`fit_capacity`).
        NodeKind::Autoscaling(a) => {
            Prepared { blocking: a.blocking, ..p(a.workers_per_instance, limit(a.queue_limit), a.service.sampler()) }
        }
        NodeKind::ShardedDatabase(d) => {
            Prepared { write: d.write.sampler(), ..p(d.pool, limit(d.queue_limit), d.read.sampler()) }
        }
        NodeKind::ReplicatedDatabase(d) => {
            Prepared { write: d.write.sampler(), ..p(d.pool, limit(d.queue_limit), d.read.sampler()) }
        }
        NodeKind::PubSub(ps) => p(unlimited, unlimited, ps.service.sampler()),
        NodeKind::Cdn(c) => p(unlimited, unlimited, c.service.sampler()),
        // The lookup time is applied per request, only on a resolver miss.
        NodeKind::Dns(d) => p(unlimited, unlimited, d.lookup.sampler()),
        // Transfer time is added per request from its size.
        NodeKind::ObjectStorage(o) => p(unlimited, unlimited, o.first_byte.sampler()),
        NodeKind::Stream(st) => p(unlimited, unlimited, st.service.sampler()),
        NodeKind::Devices(d) => p(unlimited, unlimited, d.service.sampler()),
        NodeKind::Inbox(i) => p(unlimited, unlimited, i.service.sampler()),
        NodeKind::WebsocketGateway(w) => p(w.workers, unlimited, w.service.sampler()),
        NodeKind::PushService(ps) => p(unlimited, unlimited, ps.accept.sampler()),
    }
}

/// Does this request type jump the queue at this node?
#[inline]
fn node_urgent(node: &NodeRt, class: u8) -> bool {
    node.prep.priority_mask & (1u64 << class) != 0
}

/// Closed-loop traffic: users and think time (long polls re-poll at once).
fn closed_loop(t: &Traffic) -> Option<(u32, f64)> {
    match *t {
        Traffic::Closed { users, think_ms } => Some((users, think_ms)),
        Traffic::LongPolling { users, .. } => Some((users, 0.0)),
        _ => None,
    }
}

/// Health checks configured on a load balancer or DNS.
fn health_check_of(kind: &NodeKind) -> Option<HealthCheck> {
    match kind {
        NodeKind::LoadBalancer(lb) => lb.health_check.clone(),
        NodeKind::Dns(d) => d.health_check.clone(),
        _ => None,
    }
}

/// 64-bit FNV-1a, then a finaliser: stable across platforms and releases.
fn hash64(bytes: &[u8], salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

const RING_POINTS: u64 = 64;

impl Engine {
    pub fn new(topo: Topology, seed: u64) -> Self {
        let mut nodes: Vec<NodeRt> = topo.nodes.into_iter().map(|spec| NodeRt::new(spec, 0)).collect();
        let links: Vec<LinkRt> = topo
            .links
            .into_iter()
            .zip(topo.link_ends)
            .enumerate()
            .map(|(i, (spec, (from, to)))| {
                nodes[from as usize].attach(i as u32);
                LinkRt::new(spec, from, to, 0)
            })
            .collect();
        let mut e = Engine {
            now: 0,
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            rng: SimRng::seeded(seed),
            nodes,
            links,
            msgs: Vec::new(),
            free_msgs: Vec::new(),
            reqs: Vec::new(),
            free_reqs: Vec::new(),
            global: GlobalStats::default(),
            windows: Windows::new(),
            ledger: Ledger::default(),
            live_msgs: 0,
            stats_since: 0,
            events_processed: 0,
            faults: Vec::new(),
            monkey: None,
            classes: vec!["read".into(), "write".into()],
            held: Default::default(),
            scale: None,
        };
        e.windows.rebase(e.nodes.len(), e.links.len());
        for l in 0..e.links.len() {
            e.prepare_link(l);
        }
        for n in 0..e.nodes.len() {
            e.prepare_types(n);
            e.build_ring(n);
            e.start_client(n as u32);
            e.start_health_checks(n as u32);
            e.start_autoscaler(n as u32);
        }
        e
    }

    /// Index of a request type name (types are never forgotten; beyond 64
    /// names the last index is shared).
    fn class_id(&mut self, name: &str) -> u8 {
        match self.classes.iter().position(|c| c == name) {
            Some(i) => i as u8,
            None if self.classes.len() < 64 => {
                self.classes.push(name.to_string());
                (self.classes.len() - 1) as u8
            }
            None => 63,
        }
    }

    /// Name of a request type.
    pub fn class_name(&self, class: u8) -> &str {
        self.classes.get(class as usize).map_or("?", |s| s.as_str())
    }

    /// Resolve a node's request-type names (traffic mix, per-type times).
    fn prepare_types(&mut self, n: usize) {
        let kind = self.nodes[n].spec.kind.clone();
        let mut mix = Vec::new();
        let mut by_class = Vec::new();
        match &kind {
            NodeKind::Client(c) => {
                let mut cumulative = 0.0;
                for t in &c.mix {
                    cumulative += t.share.max(0.0);
                    let class = self.class_id(&t.name);
                    mix.push(MixEntry {
                        cumulative,
                        class,
                        write: t.write,
                        req_bytes: t.request_bytes.unwrap_or(c.request_bytes),
                        resp_bytes: t.response_bytes.unwrap_or(c.response_bytes),
                    });
                }
            }
            NodeKind::Service(s) => {
                for (name, d) in &s.by_type {
                    by_class.push((self.class_id(name), d.sampler()));
                }
            }
            _ => {}
        }
        let (mut priority_mask, mut lifo_above) = (0u64, u32::MAX);
        if let NodeKind::Service(s) = &kind {
            for name in &s.shedding.priority {
                priority_mask |= 1u64 << self.class_id(name);
            }
            lifo_above = s.shedding.lifo_above.unwrap_or(u32::MAX);
        }
        let node = &mut self.nodes[n];
        node.mix = mix;
        node.prep.by_class = by_class;
        node.prep.priority_mask = priority_mask;
        node.prep.lifo_above = lifo_above;
    }

    fn prepare_link(&mut self, l: usize) {
        let only = self.links[l].spec.only.clone();
        let mut mask = 0u64;
        for name in &only {
            mask |= 1u64 << self.class_id(name);
        }
        self.links[l].mask = mask;
        self.note_typed_links(self.links[l].from as usize);
    }

    /// Remember whether any of a node's links filters by type (so routing
    /// without types stays a fast path).
    fn note_typed_links(&mut self, n: usize) {
        let typed = self.nodes[n].out.iter().any(|&l| self.links[l as usize].mask != 0);
        self.nodes[n].typed_links = typed;
    }

    /// Does link `l` carry requests of this type?
    #[inline]
    fn carries(&self, l: u32, class: u8) -> bool {
        let mask = self.links[l as usize].mask;
        mask == 0 || mask & (1u64 << class) != 0
    }

    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Live (unresolved) requests.
    pub fn live_requests(&self) -> u64 {
        self.ledger.requests_live
    }

    /// Change a node's parameters in place; the next event uses them.
    /// Its kind may not change (that is a delete plus an add).
    pub fn set_node_spec(&mut self, n: usize, spec: NodeSpec) {
        let Some(node) = self.nodes.get_mut(n) else { return };
        if std::mem::discriminant(&node.spec.kind) != std::mem::discriminant(&spec.kind) {
            return;
        }
        let traffic = |k: &NodeKind| match k {
            NodeKind::Client(c) => Some(c.traffic.clone()),
            _ => None,
        };
        let (old, new) = (traffic(&node.spec.kind), traffic(&spec.kind));
        let old_hc = health_check_of(&node.spec.kind);
        let old_kind = std::mem::replace(&mut node.spec, spec).kind;
        node.prep = prepare(&node.spec.kind);
        // Key popularity may have changed: rebuild the sampler when next used.
        node.zipf = None;
        self.resize_members(n);
        self.prepare_types(n);
        let node = &mut self.nodes[n];
        if let (NodeKind::Autoscaling(a), NodeKind::Autoscaling(b)) = (&old_kind, &node.spec.kind.clone()) {
            node.instances = node.instances.clamp(b.min.max(1), b.max.max(b.min.max(1)));
            node.fit_capacity();
            if a != b {
                self.start_autoscaler(n as u32);
            }
        }
        let node = &mut self.nodes[n];
        if let (NodeKind::Dns(a), NodeKind::Dns(b)) = (&old_kind, &node.spec.kind) {
            if a.resolvers != b.resolvers {
                node.resolvers.clear();
            }
        }
        match (old, new) {
            (Some(a), Some(b))
                if std::mem::discriminant(&a) == std::mem::discriminant(&b) && closed_loop(&b).is_some() =>
            {
                let (users, think_ms) = closed_loop(&b).expect("checked");
                // Keep the people already there; add newcomers, and let
                // surplus users leave when their current request ends.
                if users > node.users {
                    let (extra, epoch) = (users - node.users, node.epoch);
                    node.users = users;
                    for _ in 0..extra {
                        let think = self.rng.exp(think_ms.max(0.0) * 1e6) as Nanos;
                        self.at(self.now + think, What::UserWake { node: n as u32, epoch });
                    }
                }
            }
            (Some(a), Some(b)) if a != b => self.start_client(n as u32),
            _ => {}
        }
        if health_check_of(&self.nodes[n].spec.kind) != old_hc {
            self.start_health_checks(n as u32);
        }
        self.build_ring(n);
        // More workers may now be free to take queued work.
        self.drain_queue(n as u32);
        self.dispatch_jobs(n as u32);
    }

    pub fn set_link_spec(&mut self, l: usize, spec: LinkSpec) {
        if let Some(link) = self.links.get_mut(l) {
            link.spec.latency = spec.latency;
            link.spec.jitter_ms = spec.jitter_ms;
            link.spec.loss = spec.loss;
            link.spec.bandwidth_mbps = spec.bandwidth_mbps;
            link.spec.call_probability = spec.call_probability;
            link.spec.retry = spec.retry;
            link.spec.circuit_breaker = spec.circuit_breaker;
            link.spec.max_concurrent = spec.max_concurrent;
            link.spec.only = spec.only;
            link.spec.weight = spec.weight;
            link.prepare();
            self.prepare_link(l);
        }
    }

    /// A multi-pool node changed its pool count: queued work of pools that
    /// go away moves to the last remaining one.
    fn resize_members(&mut self, n: usize) {
        let want = self.nodes[n].spec.kind.members() as usize;
        let node = &mut self.nodes[n];
        if node.members.len() == want {
            return;
        }
        let mut moved = Vec::new();
        while node.members.len() > want {
            let m = node.members.pop().expect("more than wanted");
            // Work in service there finishes and frees nobody's worker.
            node.busy -= m.busy;
            moved.extend(m.urgent);
            moved.extend(m.queue);
        }
        node.members.resize_with(want, Member::default);
        let last = (want - 1) as u8;
        for &m in &moved {
            self.msgs[m as usize].member = last;
        }
        self.nodes[n].members[last as usize].queue.extend(moved);
        let now = self.now;
        let node = &mut self.nodes[n];
        node.stats.busy.set(now, node.busy as u64);
        node.stats.instances.set(now, node.instances_now() as u64);
    }

    /// Add a node to the running system; returns its index.
    pub fn add_node(&mut self, spec: NodeSpec) -> u32 {
        let n = self.nodes.len() as u32;
        self.nodes.push(NodeRt::new(spec, self.now));
        self.prepare_types(n as usize);
        self.start_client(n);
        self.start_health_checks(n);
        self.start_autoscaler(n);
        n
    }

    /// Add a link between two live nodes; returns its index.
    pub fn add_link(&mut self, spec: LinkSpec, from: u32, to: u32) -> u32 {
        let l = self.links.len() as u32;
        self.links.push(LinkRt::new(spec, from, to, self.now));
        self.nodes[from as usize].attach(l);
        self.prepare_link(l as usize);
        self.build_ring(from as usize);
        // A queue that had nowhere to deliver may start now.
        self.dispatch_jobs(from);
        l
    }

    /// Delete a link. Messages on it fail (reason `removed`) when they would
    /// have arrived; callers stop using it at once.
    pub fn remove_link(&mut self, l: u32) {
        let Some(link) = self.links.get_mut(l as usize) else { return };
        if link.removed {
            return;
        }
        link.removed = true;
        let from = link.from as usize;
        let node = &mut self.nodes[from];
        if let Some(i) = node.out.iter().position(|&x| x == l) {
            node.out.remove(i);
            node.outstanding.remove(i);
            node.healthy.remove(i);
            node.streak.remove(i);
        }
        self.note_typed_links(from);
        self.build_ring(from);
        // A stream's consumer group on this link is gone with it.
        let node = &mut self.nodes[from];
        if let Some(g) = node.groups.iter().position(|g| g.link == l) {
            let group = node.groups.remove(g);
            for (jobs, _) in group.lanes {
                for j in jobs {
                    self.ledger.jobs_live -= 1;
                    self.ledger.jobs_failed[FailReason::Removed.index()] += 1;
                    self.global.lost += 1;
                    self.end_msg(j);
                }
            }
        }
    }

    /// Delete a node and its links. Work queued there fails now; work in
    /// service or in transit fails when it would have finished (reason
    /// `removed`); nothing is lost from the books.
    pub fn remove_node(&mut self, n: u32) {
        let Some(node) = self.nodes.get(n as usize) else { return };
        if node.removed {
            return;
        }
        let touching: Vec<u32> = (0..self.links.len() as u32)
            .filter(|&l| {
                let link = &self.links[l as usize];
                !link.removed && (link.from == n || link.to == n)
            })
            .collect();
        for l in touching {
            self.remove_link(l);
        }
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.removed = true;
        node.epoch = node.epoch.wrapping_add(1);
        let mut queued: Vec<u32> = node.members.iter_mut().flat_map(|k| k.drain_all()).collect();
        queued.extend(node.take_waiters());
        let jobs: Vec<u32> = node.take_stored_jobs();
        node.stats.queue.set(now, 0);
        for m in queued {
            if self.msgs[m as usize].live {
                self.fail_here(m, FailReason::Removed);
            }
        }
        // Jobs waiting here to be tried again (redeliveries, held messages).
        let waiting: Vec<u32> = (0..self.msgs.len() as u32)
            .filter(|&m| {
                let msg = &self.msgs[m as usize];
                msg.live && msg.depth == 0 && msg.req == NONE && msg.place == (Place::Backoff { node: n })
            })
            .collect();
        self.nodes[n as usize].backing_off = 0;
        for j in jobs.into_iter().chain(waiting) {
            self.ledger.jobs_live -= 1;
            self.ledger.jobs_failed[FailReason::Removed.index()] += 1;
            self.global.lost += 1;
            self.end_msg(j);
        }
    }

    /// The caller of the message's top call learns at once that it failed.
    fn fail_here(&mut self, m: u32, reason: FailReason) {
        let msg = &mut self.msgs[m as usize];
        msg.resp = true;
        msg.error = Some(reason);
        if msg.depth == 0 {
            self.at_origin(m);
        } else {
            self.answer_arrived(m);
        }
    }

    /// Forget all statistics gathered so far (e.g. after a warm-up period);
    /// the conservation ledger is never reset.
    pub fn reset_stats(&mut self) {
        let now = self.now;
        let in_flight = self.global.in_flight.value;
        self.global = GlobalStats::default();
        self.global.in_flight.set(now, in_flight);
        self.global.in_flight.restart(now);
        for n in &mut self.nodes {
            let (q, b) = (n.stats.queue.value, n.stats.busy.value);
            n.stats = NodeStats::default();
            n.stats.queue.set(now, q);
            n.stats.queue.restart(now);
            n.stats.busy.set(now, b);
            n.stats.busy.restart(now);
            n.stats.instances.set(now, n.instances_now() as u64);
            n.stats.instances.restart(now);
            n.scale_mark = (0, now);
            for k in &mut n.members {
                k.served = 0;
            }
        }
        for l in &mut self.links {
            let t = l.stats.in_transit.value;
            l.stats = LinkStats::default();
            l.stats.in_transit.set(now, t);
            l.stats.in_transit.restart(now);
        }
        self.windows.rebase(self.nodes.len(), self.links.len());
        self.stats_since = now;
    }

    /// Process every event up to and including `until`, then set the clock to it.
    pub fn run_until(&mut self, until: Nanos) {
        while let Some(ev) = self.heap.peek() {
            if ev.t > until {
                break;
            }
            let ev = self.heap.pop().expect("peeked");
            while ev.t >= self.windows.next_end {
                self.close_window();
            }
            self.now = ev.t;
            self.events_processed += 1;
            self.handle(ev.what);
        }
        while until >= self.windows.next_end {
            self.close_window();
        }
        self.now = until;
    }

    fn close_window(&mut self) {
        let nodes: Vec<_> = self.nodes.iter().map(|n| (&n.stats, n.workers())).collect();
        let links: Vec<_> = self.links.iter().map(|l| &l.stats).collect();
        self.windows.close(&self.global, &nodes, &links);
    }

    /// The current, still-open one-second window up to now.
    pub fn live_window(&self) -> super::metrics::Window {
        let nodes: Vec<_> = self.nodes.iter().map(|n| (&n.stats, n.workers())).collect();
        let links: Vec<_> = self.links.iter().map(|l| &l.stats).collect();
        self.windows.partial(&self.global, &nodes, &links, self.now)
    }

    /// Conservation check: recount the live arenas and compare with the ledger.
    pub fn check_conservation(&self) -> Result<(), String> {
        let live_msgs = self.msgs.iter().filter(|m| m.live).count() as u64;
        let live_reqs = self.reqs.iter().filter(|r| r.live).count() as u64;
        // An orphaned copy is not the job of record; its replacement is.
        let live_jobs = self
            .msgs
            .iter()
            .filter(|m| m.live && m.req == NONE && m.orphan_depth == NO_ORPHAN && m.parent == NONE)
            .count() as u64;
        if live_msgs != self.live_msgs {
            return Err(format!("message arena holds {live_msgs} live, counter says {}", self.live_msgs));
        }
        self.ledger.check(live_msgs, live_reqs, live_jobs)
    }

    /// Messages currently crossing links (for drawing packets).
    pub fn transits(&self) -> impl Iterator<Item = Transit> + '_ {
        self.msgs.iter().filter(|m| m.live).filter_map(|m| match m.place {
            Place::OnLink { link, back, depart, arrive } => {
                Some(Transit { link, back, depart, arrive, error: m.error.is_some(), response: m.resp })
            }
            _ => None,
        })
    }

    pub fn live_messages(&self) -> u64 {
        self.live_msgs
    }

    // ----- scheduling -------------------------------------------------

    #[inline]
    fn at(&mut self, t: Nanos, what: What) {
        self.seq += 1;
        self.heap.push(Ev { t, seq: self.seq, what });
    }

    fn handle(&mut self, what: What) {
        match what {
            What::ClientFire { node, epoch, arrive } => {
                if self.nodes[node as usize].epoch == epoch && self.nodes[node as usize].fx.generating() {
                    if arrive {
                        self.new_request(node);
                    }
                    self.schedule_next_arrival(node);
                }
            }
            What::UserWake { node, epoch } => {
                if self.nodes[node as usize].epoch == epoch && self.nodes[node as usize].fx.generating() {
                    self.new_request(node);
                }
            }
            What::Arrive { msg, era } => {
                if self.msg_ok(msg, era) {
                    self.arrive(msg);
                }
            }
            What::ServiceDone { msg, era, svc } => {
                if self.msg_ok(msg, era) && self.msgs[msg as usize].svc == svc {
                    self.service_done_or_freeze(msg, era, svc);
                }
            }
            What::FaultStart { id } => self.fault_start(id),
            What::FaultEnd { id } => self.fault_end(id),
            What::FaultTick => self.fault_tick(),
            What::Monkey { epoch } => self.monkey_strikes(epoch),
            What::HealthCheck { node, epoch } => self.health_check(node, epoch),
            What::ReqTimeout { req, era, attempt } => self.req_timeout(req, era, attempt),
            What::ClientRetry { req, era } => {
                let r = &self.reqs[req as usize];
                if r.live && r.era == era {
                    self.send_attempt(req);
                }
            }
            What::HopTimeout { msg, era, depth, serial } => self.hop_timeout(msg, era, depth, serial),
            What::Scale { node, epoch } => self.autoscale(node, epoch),
            What::Booted { node, epoch, count } => self.booted(node, epoch, count),
            What::Reconnect { node, epoch, left } => self.reconnect(node, epoch, left),
            What::Requeue { msg, era } => {
                if self.msg_ok(msg, era) {
                    self.requeue(msg);
                }
            }
            What::HopRetry { msg, era } => {
                if self.msg_ok(msg, era) && matches!(self.msgs[msg as usize].place, Place::Backoff { .. }) {
                    let m = &mut self.msgs[msg as usize];
                    m.resp = false;
                    m.error = None;
                    self.send_top(msg);
                }
            }
        }
    }

    #[inline]
    fn msg_ok(&self, msg: u32, era: u32) -> bool {
        let m = &self.msgs[msg as usize];
        m.live && m.era == era
    }

    // ----- clients ----------------------------------------------------

    fn start_client(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        let NodeKind::Client(c) = &node.spec.kind else { return };
        node.epoch = node.epoch.wrapping_add(1);
        let epoch = node.epoch;
        match closed_loop(&c.traffic) {
            Some((users, think_ms)) => {
                let long_poll = matches!(c.traffic, Traffic::LongPolling { .. });
                node.users = users;
                for _ in 0..users {
                    // Long-polling apps connect over the first second.
                    let think = if long_poll {
                        (self.rng.unit() * 1e9) as Nanos
                    } else {
                        self.rng.exp(think_ms.max(0.0) * 1e6) as Nanos
                    };
                    self.at(self.now + think, What::UserWake { node: n, epoch });
                }
            }
            None => {
                node.users = 0;
                self.schedule_next_arrival(n);
            }
        }
    }

    fn schedule_next_arrival(&mut self, n: u32) {
        let node = &self.nodes[n as usize];
        let NodeKind::Client(c) = &node.spec.kind else { return };
        let epoch = node.epoch;
        let now = self.now;
        let spike = node.fx.spike;
        match c.traffic {
            Traffic::Poisson { rate } if rate * spike > 0.0 => {
                let rate = rate * spike;
                let gap = self.rng.exp(1e9 / rate) as Nanos;
                self.at(now + gap.max(1), What::ClientFire { node: n, epoch, arrive: true });
            }
            Traffic::Polling { users, interval_s, .. } if users * spike > 0.0 && interval_s > 0.0 => {
                // Many apps polling on their own clocks: their polls merge
                // into a Poisson stream of users / interval a second.
                let rate = users * spike / interval_s;
                let gap = self.rng.exp(1e9 / rate) as Nanos;
                self.at(now + gap.max(1), What::ClientFire { node: n, epoch, arrive: true });
            }
            Traffic::Diurnal { mean_rate, amplitude, period_s, peak_at_s } if mean_rate * spike > 0.0 => {
                // Thinning: candidates at the peak rate, each kept with
                // rate(t) / peak (exact for a time-varying Poisson process).
                let a = amplitude.clamp(0.0, 1.0);
                let peak = mean_rate * spike * (1.0 + a);
                let gap = (self.rng.exp(1e9 / peak) as Nanos).max(1);
                let t = (now + gap) as f64 / 1e9;
                let phase = std::f64::consts::TAU * (t - peak_at_s) / period_s.max(1e-3);
                let keep = (1.0 + a * libm::cos(phase)) / (1.0 + a);
                let arrive = self.rng.chance(keep);
                self.at(now + gap, What::ClientFire { node: n, epoch, arrive });
            }
            Traffic::Constant { rate } if rate * spike > 0.0 => {
                let rate = rate * spike;
                let gap = (1e9 / rate) as Nanos;
                self.at(now + gap.max(1), What::ClientFire { node: n, epoch, arrive: true });
            }
            Traffic::Burst { rate, burst_rate, period_s, burst_s } => {
                let (rate, burst_rate) = (rate * spike, burst_rate * spike);
                let period = secs_to_nanos(period_s).max(1);
                let burst = secs_to_nanos(burst_s).min(period);
                let phase = now % period;
                let (r, boundary) =
                    if phase < burst { (burst_rate, now - phase + burst) } else { (rate, now - phase + period) };
                // Memoryless: if the next arrival would fall past the rate
                // change, stop at the boundary and draw again from there.
                let gap = if r > 0.0 { self.rng.exp(1e9 / r) as Nanos } else { Nanos::MAX / 4 };
                if now + gap < boundary {
                    self.at(now + gap.max(1), What::ClientFire { node: n, epoch, arrive: true });
                } else {
                    self.at(boundary.max(now + 1), What::ClientFire { node: n, epoch, arrive: false });
                }
            }
            _ => {}
        }
    }

    fn new_request(&mut self, client: u32) {
        let slot = match self.free_reqs.pop() {
            Some(s) => s,
            None => {
                self.reqs.push(Req::default());
                (self.reqs.len() - 1) as u32
            }
        };
        let r = &mut self.reqs[slot as usize];
        r.era = r.era.wrapping_add(1);
        r.live = true;
        r.client = client;
        r.created = self.now;
        r.attempt = 0;
        r.full_poll = false;
        if let NodeKind::Client(ClientSpec { traffic: Traffic::Polling { interval_s, messages_per_min, .. }, .. }) =
            self.nodes[client as usize].spec.kind
        {
            // Messages arrive for a user as a Poisson stream: none since the
            // last poll with probability e^(-rate × interval).
            let empty = libm::exp(-(messages_per_min / 60.0).max(0.0) * interval_s.max(0.0));
            let full = !self.rng.chance(empty);
            self.reqs[slot as usize].full_poll = full;
            let stats = &mut self.nodes[client as usize].stats;
            if full {
                stats.polls_full += 1;
            } else {
                stats.polls_empty += 1;
            }
        }
        self.reqs[slot as usize].hold = 0;
        if let NodeKind::Client(ClientSpec {
            traffic: Traffic::LongPolling { timeout_s, messages_per_min, .. }, ..
        }) = self.nodes[client as usize].spec.kind
        {
            // Held until the user's next message (exponential) or the timeout.
            let timeout = secs_to_nanos(timeout_s.max(0.0));
            let next = if messages_per_min > 0.0 { self.rng.exp(60e9 / messages_per_min) as Nanos } else { Nanos::MAX };
            let full = next < timeout;
            let r = &mut self.reqs[slot as usize];
            r.full_poll = full;
            r.hold = next.min(timeout);
            let stats = &mut self.nodes[client as usize].stats;
            if full {
                stats.polls_full += 1;
            } else {
                stats.polls_empty += 1;
            }
        }
        self.ledger.requests_created += 1;
        self.ledger.requests_live += 1;
        if let NodeKind::Client(ClientSpec { retry: Some(RetryPolicy { budget: Some(b), .. }), .. }) =
            &self.nodes[client as usize].spec.kind
        {
            let b = *b;
            let node = &mut self.nodes[client as usize];
            node.retry_tokens = (node.retry_tokens + b).min(RETRY_TOKENS_MAX);
        }
        self.global.created += 1;
        self.global.in_flight.add(self.now, 1);
        self.send_attempt(slot);
    }

    fn client_spec(&self, n: u32) -> &ClientSpec {
        match &self.nodes[n as usize].spec.kind {
            NodeKind::Client(c) => c,
            _ => unreachable!("requests are only created by clients"),
        }
    }

    fn send_attempt(&mut self, req: u32) {
        let (client, era, attempt) = {
            let r = &self.reqs[req as usize];
            (r.client, r.era, r.attempt)
        };
        if self.nodes[client as usize].out.is_empty() {
            self.finish_request(req, Some(FailReason::NoRoute));
            return;
        }
        let c = self.client_spec(client);
        let (write_ratio, keys, mut rq, mut rs) = (c.write_ratio, c.keys.max(1), c.request_bytes, c.response_bytes);
        let retry = c.retry.clone();
        let zipf_s = c.zipf;
        let (op, class) = if self.nodes[client as usize].mix.is_empty() {
            let op = if self.rng.chance(write_ratio) { Op::Write } else { Op::Read };
            (op, (op == Op::Write) as u8)
        } else {
            let mix = &self.nodes[client as usize].mix;
            let total = mix.last().map_or(0.0, |e| e.cumulative);
            let u = self.rng.unit() * total;
            let e = mix.iter().find(|e| u < e.cumulative).unwrap_or(&mix[mix.len() - 1]);
            (rq, rs) = (e.req_bytes, e.resp_bytes);
            (if e.write { Op::Write } else { Op::Read }, e.class)
        };
        let Some(first) = self.pick_carrier(client, class) else {
            self.finish_request(req, Some(FailReason::NoRoute));
            return;
        };
        if let Traffic::Polling { .. } | Traffic::LongPolling { .. } = self.client_spec(client).traffic {
            if !self.reqs[req as usize].full_poll {
                // "Nothing new": a small answer.
                rs = EMPTY_ANSWER_BYTES;
            }
        }
        let hot = self.nodes[client as usize].fx.hot;
        let zipf = match (zipf_s, &self.nodes[client as usize].zipf) {
            (Some(_), Some(z)) => Some(*z),
            (Some(s), None) => {
                let z = super::dist::Zipf::new(keys, s);
                self.nodes[client as usize].zipf = Some(z);
                Some(z)
            }
            _ => None,
        };
        let key = if hot > 0.0 && self.rng.chance(hot) {
            0
        } else if let Some(z) = zipf {
            // Rank 1 is key 0, the most popular.
            z.sample(&mut self.rng) - 1
        } else {
            self.rng.next_u64() % keys
        };
        let skew = self.nodes[client as usize].fx.skew;
        let m = self.new_msg(req, client, op, key, rq, rs);
        self.msgs[m as usize].class = class;
        self.msgs[m as usize].hold = self.reqs[req as usize].hold;
        let (mg,) = (self.msgs[m as usize].era,);
        let r = &mut self.reqs[req as usize];
        r.msg = m;
        r.msg_gen = mg;
        self.call(client, m, first, NONE as u8, false, 0, self.now);
        if let Some(p) = retry {
            let t = self.now + ms_to_nanos(p.timeout_ms * skew).max(1);
            self.at(t, What::ReqTimeout { req, era, attempt });
        }
    }

    fn req_timeout(&mut self, req: u32, era: u32, attempt: u8) {
        let r = &self.reqs[req as usize];
        if !r.live || r.era != era || r.attempt != attempt {
            return;
        }
        let (m, mg, client) = (r.msg, r.msg_gen, r.client);
        // The attempt still wanders somewhere: it finishes its journey but
        // is thrown away when it gets back.
        if self.msg_ok(m, mg) {
            let msg = &mut self.msgs[m as usize];
            if msg.place == Place::Lost {
                // The client gave up on a message lost on the way: every
                // call it was making is over (connections reset).
                self.release_stack(m, 1);
                self.end_msg(m);
            } else if msg.orphan_depth == NO_ORPHAN {
                msg.orphan_depth = 0;
            }
        }
        self.retry_or_fail(req, client, FailReason::Timeout);
    }

    /// A request's attempt failed: back off and try again, or give up.
    fn retry_or_fail(&mut self, req: u32, client: u32, reason: FailReason) {
        if self.nodes[client as usize].removed || self.nodes[client as usize].fx.down {
            self.finish_request(req, Some(reason));
            return;
        }
        let policy = self.client_spec(client).retry.clone();
        // Out of retry budget: fail now instead of adding load.
        let budget_ok = match policy.as_ref().and_then(|p| p.budget) {
            Some(_) => self.nodes[client as usize].retry_tokens >= 1.0,
            None => true,
        };
        let r = &mut self.reqs[req as usize];
        match policy {
            Some(p) if budget_ok && (r.attempt as u32) < p.max_retries.min(250) => {
                if p.budget.is_some() {
                    self.nodes[client as usize].retry_tokens -= 1.0;
                }
                let r = &mut self.reqs[req as usize];
                r.attempt += 1;
                let n = r.attempt;
                let era = r.era;
                self.global.retries += 1;
                let wait = self.backoff(&p, n);
                self.at(self.now + wait, What::ClientRetry { req, era });
            }
            _ => self.finish_request(req, Some(reason)),
        }
    }

    fn backoff(&mut self, p: &RetryPolicy, attempt: u8) -> Nanos {
        let exp = 2f64.powi((attempt as i32 - 1).clamp(0, 30));
        let w = (p.backoff_ms * exp).min(p.max_backoff_ms.max(p.backoff_ms));
        let j = p.jitter.clamp(0.0, 1.0);
        ms_to_nanos(w * (1.0 - j + j * self.rng.unit()))
    }

    fn finish_request(&mut self, req: u32, failure: Option<FailReason>) {
        let now = self.now;
        let r = &mut self.reqs[req as usize];
        debug_assert!(r.live);
        r.live = false;
        let (client, created, full_poll) = (r.client, r.created, r.full_poll);
        self.free_reqs.push(req);
        if full_poll && failure.is_none() {
            if let Traffic::Polling { interval_s, .. } = self.client_spec(client).traffic {
                // The messages it brings waited, on average, half an interval
                // for this poll (uniformly, for Poisson arrivals).
                let wait = (self.rng.unit() * interval_s.max(0.0) * 1e9) as Nanos;
                self.record_delivery(wait + (now - created));
            }
        }
        self.ledger.requests_live -= 1;
        self.global.in_flight.add(now, -1);
        match failure {
            None => {
                self.ledger.requests_completed += 1;
                self.global.completed += 1;
                self.global.latency.record(now - created);
                self.windows.latency.record(now - created);
            }
            Some(reason) => {
                self.ledger.requests_failed[reason.index()] += 1;
                self.global.failed[reason.index()] += 1;
            }
        }
        // A closed-loop user thinks, then asks again.
        let node = &mut self.nodes[client as usize];
        if node.removed || !node.fx.generating() {
            return;
        }
        let loop_ = match &node.spec.kind {
            NodeKind::Client(c) => closed_loop(&c.traffic),
            _ => None,
        };
        if let Some((users, think_ms)) = loop_ {
            if node.users > users {
                node.users -= 1;
            } else {
                let epoch = node.epoch;
                let think = self.rng.exp(think_ms.max(0.0) * 1e6) as Nanos;
                self.at(now + think, What::UserWake { node: client, epoch });
            }
        }
    }

    fn record_delivery(&mut self, d: Nanos) {
        self.global.delivery.record(d);
        self.windows.delivery.record(d);
    }

    // ----- messages ---------------------------------------------------

    fn new_msg(&mut self, req: u32, origin: u32, op: Op, key: u64, req_bytes: u32, resp_bytes: u32) -> u32 {
        let slot = match self.free_msgs.pop() {
            Some(s) => s,
            None => {
                self.msgs.push(Msg {
                    era: 0,
                    live: false,
                    req: NONE,
                    origin: 0,
                    born: 0,
                    op: Op::Read,
                    key: 0,
                    resp: false,
                    error: None,
                    orphan_depth: NO_ORPHAN,
                    depth: 0,
                    serial: 0,
                    svc: 0,
                    svc_start: 0,
                    stack: [Hop::default(); MAX_DEPTH],
                    arrived: 0,
                    place: Place::AtNode { node: origin },
                    req_bytes: 0,
                    resp_bytes: 0,
                    class: 0,
                    member: 0,
                    receives: 0,
                    sent: 0,
                    retry_at: 0,
                    parent: NONE,
                    parent_era: 0,
                    fork_depth: 0,
                    hold: 0,
                    offline_node: NONE,
                });
                (self.msgs.len() - 1) as u32
            }
        };
        let m = &mut self.msgs[slot as usize];
        m.era = m.era.wrapping_add(1);
        m.live = true;
        m.req = req;
        m.origin = origin;
        m.born = self.now;
        m.op = op;
        m.key = key;
        m.resp = false;
        m.error = None;
        m.orphan_depth = NO_ORPHAN;
        m.depth = 0;
        m.arrived = self.now;
        m.place = Place::AtNode { node: origin };
        m.req_bytes = req_bytes;
        m.resp_bytes = resp_bytes;
        m.class = (op == Op::Write) as u8;
        m.member = 0;
        m.receives = 0;
        m.sent = self.now;
        m.retry_at = 0;
        m.parent = NONE;
        m.hold = 0;
        m.offline_node = NONE;
        self.live_msgs += 1;
        self.ledger.messages_created += 1;
        slot
    }

    /// A new message that copies `m` (same request, path, tags and times),
    /// counted as a message of its own.
    fn clone_msg(&mut self, m: u32) -> u32 {
        let orig = self.msgs[m as usize].clone();
        let c = self.new_msg(orig.req, orig.origin, orig.op, orig.key, orig.req_bytes, orig.resp_bytes);
        let era = self.msgs[c as usize].era;
        self.msgs[c as usize] = Msg { era, live: true, ..orig };
        c
    }

    /// A message that will never come back: the callers of its calls from
    /// `from_depth` down stop waiting for it (their connection counts drop
    /// and blocking workers are freed), as when a connection is reset.
    fn release_stack(&mut self, m: u32, from_depth: usize) {
        let msg = &self.msgs[m as usize];
        let depth = msg.depth as usize;
        let hops: Vec<Hop> = msg.stack[from_depth.min(depth)..depth].to_vec();
        for hop in hops.into_iter().rev() {
            let n = self.links[hop.link as usize].from;
            let node = &mut self.nodes[n as usize];
            if let Some(i) = node.out.iter().position(|&l| l == hop.link) {
                node.outstanding[i] = node.outstanding[i].saturating_sub(1);
            }
            if hop.blocking && hop.life == node.life && !node.removed {
                self.release(n, 0, hop.entered);
            }
        }
    }

    /// Look the key up in a cache with a capacity (`None`: this cache has
    /// no capacity and uses its fixed hit ratio).
    fn cache_lookup(&mut self, n: u32, m: u32) -> Option<bool> {
        let now = self.now;
        let key = self.msgs[m as usize].key;
        let node = &mut self.nodes[n as usize];
        let capacity = node.spec.kind.caching()?.capacity?;
        let store = node.store.get_or_insert_with(|| Box::new(LruStore::new(capacity)));
        Some(store.get(key, now))
    }

    fn cache_fill(&mut self, n: u32, m: u32) {
        let now = self.now;
        let key = self.msgs[m as usize].key;
        let node = &mut self.nodes[n as usize];
        let Some(c) = node.spec.kind.caching() else { return };
        let (Some(capacity), ttl) = (c.capacity, c.ttl_ms) else { return };
        let expires = ttl.map_or(Nanos::MAX, |t| now + ms_to_nanos(t));
        let store = node.store.get_or_insert_with(|| Box::new(LruStore::new(capacity)));
        store.capacity = capacity.max(1) as usize;
        store.put(key, expires);
    }

    /// Empty a cache (flush fault).
    pub(super) fn cache_clear(&mut self, n: u32) {
        if let Some(s) = &mut self.nodes[n as usize].store {
            s.clear();
        }
    }

    /// May a call go over this link now? (Circuit breaker.)
    fn breaker_allows(&mut self, l: u32) -> bool {
        let now = self.now;
        let link = &mut self.links[l as usize];
        let Some(cb) = &link.spec.circuit_breaker else { return true };
        let b = &mut link.breaker;
        if b.state == BreakerState::Open {
            if now < b.opened_at + ms_to_nanos(cb.open_ms) {
                return false;
            }
            b.state = BreakerState::HalfOpen;
            b.trials_sent = 0;
            b.trials_ok = 0;
        }
        if b.state == BreakerState::HalfOpen {
            if b.trials_sent >= cb.half_open_calls.max(1) {
                return false;
            }
            b.trials_sent += 1;
        }
        true
    }

    /// A call over this link came back: count it towards the breaker.
    fn breaker_record(&mut self, l: u32, ok: bool) {
        let now = self.now;
        let link = &mut self.links[l as usize];
        let Some(cb) = &link.spec.circuit_breaker else { return };
        let b = &mut link.breaker;
        let open = |b: &mut Breaker| {
            b.state = BreakerState::Open;
            b.opened_at = now;
            b.opened += 1;
        };
        match b.state {
            BreakerState::Open => {}
            BreakerState::HalfOpen => {
                if !ok {
                    open(b);
                } else {
                    b.trials_ok += 1;
                    if b.trials_ok >= cb.half_open_calls.max(1) {
                        *b = Breaker { opened: b.opened, window_start: now, ..Breaker::default() };
                    }
                }
            }
            BreakerState::Closed => {
                if now.saturating_sub(b.window_start) >= ms_to_nanos(cb.window_ms) {
                    b.window_start = now;
                    b.calls = 0;
                    b.failures = 0;
                }
                b.calls += 1;
                b.failures += (!ok) as u32;
                if b.calls >= cb.min_calls.max(1) && b.failures as f64 >= cb.failure_ratio * b.calls as f64 {
                    open(b);
                }
            }
        }
    }

    fn end_msg(&mut self, m: u32) {
        let msg = &mut self.msgs[m as usize];
        debug_assert!(msg.live);
        msg.live = false;
        self.free_msgs.push(m);
        self.live_msgs -= 1;
        self.ledger.messages_ended += 1;
    }

    /// Push a call over outgoing link `i` of `node` and send the message.
    #[allow(clippy::too_many_arguments)]
    fn call(&mut self, node: u32, m: u32, i: usize, next_call: u8, blocking: bool, attempt: u8, entered: Nanos) {
        let link = self.nodes[node as usize].out[i];
        if let Some(max) = self.links[link as usize].spec.max_concurrent {
            if self.nodes[node as usize].outstanding[i] >= max {
                // The bulkhead is full: refuse at once, before any call is made.
                let msg = &mut self.msgs[m as usize];
                msg.resp = true;
                msg.error = Some(FailReason::BulkheadFull);
                if blocking {
                    self.release(node, 0, entered);
                }
                if self.branch_ends_here(m) {
                    self.branch_done(node, m, Some(FailReason::BulkheadFull));
                    return;
                }
                self.return_up(m);
                return;
            }
        }
        self.nodes[node as usize].outstanding[i] += 1;
        let msg = &mut self.msgs[m as usize];
        let d = msg.depth as usize;
        if d >= MAX_DEPTH {
            // Validation rejects such deep chains; stay safe anyway.
            self.nodes[node as usize].outstanding[i] -= 1;
            msg.resp = true;
            msg.error = Some(FailReason::NoRoute);
            self.return_up(m);
            return;
        }
        msg.serial = msg.serial.wrapping_add(1);
        let life = self.nodes[node as usize].life;
        msg.stack[d] = Hop { entered, deadline: 0, link, serial: msg.serial, next_call, blocking, attempt, life };
        msg.depth += 1;
        self.send_top(m);
    }

    /// Send the message over the link of its top call, forwards.
    fn send_top(&mut self, m: u32) {
        let top = self.msgs[m as usize].depth as usize - 1;
        let link = self.msgs[m as usize].stack[top].link;
        if !self.breaker_allows(link) {
            self.fail_here(m, FailReason::CircuitOpen);
            return;
        }
        let msg = &mut self.msgs[m as usize];
        let hop = msg.stack[top];
        let bytes = msg.req_bytes;
        if let Some(p) = &self.links[hop.link as usize].spec.retry {
            let t = self.now + ms_to_nanos(p.timeout_ms).max(1);
            msg.stack[top].deadline = t;
            let era = msg.era;
            self.at(t, What::HopTimeout { msg: m, era, depth: top as u8, serial: hop.serial });
        }
        self.transit(m, hop.link, false, bytes);
    }

    /// Put a message on a link; schedules its arrival or loses it.
    fn transit(&mut self, m: u32, link: u32, back: bool, bytes: u32) {
        if self.links[link as usize].removed {
            self.fail_here(m, FailReason::Removed);
            return;
        }
        let now = self.now;
        let l = &mut self.links[link as usize];
        l.stats.sent += 1;
        l.stats.bytes += bytes as u64;
        if l.fx.blackhole {
            // Silently dropped: only a timeout will ever notice.
            l.stats.lost += 1;
            self.ledger.messages_lost += 1;
            self.msgs[m as usize].place = Place::Lost;
            return;
        }
        let loss = 1.0 - (1.0 - l.spec.loss) * (1.0 - l.fx.extra_loss);
        if loss > 0.0 && self.rng.chance(loss) {
            l.stats.lost += 1;
            self.lose(m);
            return;
        }
        let dir = back as usize;
        let ns_per_byte = match l.fx.bandwidth_mbps {
            Some(mbps) if mbps > 0.0 => 8e3 / mbps,
            _ => l.ns_per_byte,
        };
        let depart = if ns_per_byte > 0.0 {
            // The wire is a FIFO server: serialisation delay = size / bandwidth.
            let start = l.wire_free[dir].max(now);
            l.wire_free[dir] = start + (bytes as f64 * ns_per_byte) as Nanos;
            l.wire_free[dir]
        } else {
            now
        };
        let mut delay = l.latency.sample(&mut self.rng);
        let l = &mut self.links[link as usize];
        if l.jitter > 0.0 {
            delay += (l.jitter * self.rng.unit()) as Nanos;
        }
        delay += l.fx.extra_latency;
        if l.fx.extra_jitter > 0.0 {
            delay += (l.fx.extra_jitter * self.rng.unit()) as Nanos;
        }
        let arrive = depart + delay;
        l.stats.in_transit.add(now, 1);
        let duplicate = !back && l.fx.duplicate > 0.0;
        let msg = &mut self.msgs[m as usize];
        msg.place = Place::OnLink { link, back, depart: now, arrive };
        let era = msg.era;
        self.at(arrive, What::Arrive { msg: m, era });
        if duplicate && self.rng.chance(self.links[link as usize].fx.duplicate) {
            self.duplicate(m, link, arrive);
        }
    }

    /// Deliver a second copy of a request: it does the work again, and its
    /// answer is discarded by the caller that never asked for it.
    fn duplicate(&mut self, m: u32, link: u32, arrive: Nanos) {
        let copy = self.clone_msg(m);
        let c = &mut self.msgs[copy as usize];
        c.orphan_depth = c.depth - 1;
        c.place = Place::OnLink { link, back: false, depart: self.now, arrive: arrive + 1 };
        let era = c.era;
        self.links[link as usize].stats.in_transit.add(self.now, 1);
        self.at(arrive + 1, What::Arrive { msg: copy, era });
    }

    /// A message vanished on a link. If a timeout is watching for it, the
    /// timeout will notice; otherwise the caller learns at once (as a reset
    /// connection would tell it) so no request is stranded forever.
    fn lose(&mut self, m: u32) {
        let msg = &self.msgs[m as usize];
        let d = msg.depth as usize;
        let orphan = msg.orphan_depth != NO_ORPHAN;
        // A fan-out branch is watched only by timeouts on its own calls.
        let base = if msg.parent != NONE { (msg.fork_depth as usize).min(d) } else { 0 };
        let hop_watched = msg.stack[base..d].iter().any(|h| self.links[h.link as usize].spec.retry.is_some());
        let client_watched = msg.req != NONE && msg.parent == NONE && self.client_spec(msg.origin).retry.is_some();
        self.ledger.messages_lost += 1;
        if orphan {
            let from = self.msgs[m as usize].orphan_depth as usize + 1;
            self.release_stack(m, from);
            self.end_msg(m);
            return;
        }
        if hop_watched || client_watched {
            self.msgs[m as usize].place = Place::Lost;
            return;
        }
        let msg = &mut self.msgs[m as usize];
        msg.resp = true;
        msg.error = Some(FailReason::PacketLoss);
        self.answer_arrived(m);
    }

    fn arrive(&mut self, m: u32) {
        let Place::OnLink { link, back, .. } = self.msgs[m as usize].place else {
            return;
        };
        self.links[link as usize].stats.in_transit.add(self.now, -1);
        if self.links[link as usize].removed {
            self.fail_here(m, FailReason::Removed);
            return;
        }
        if back {
            let corrupt = self.links[link as usize].fx.corrupt;
            if corrupt > 0.0 && self.msgs[m as usize].error.is_none() && self.rng.chance(corrupt) {
                // The bytes arrived but fail the checksum: an error answer.
                self.msgs[m as usize].error = Some(FailReason::Corrupt);
            }
            self.answer_arrived(m);
        } else {
            let to = self.links[link as usize].to;
            self.request_arrived(to, m);
        }
    }

    // ----- nodes: admission, service, calls ---------------------------

    fn request_arrived(&mut self, n: u32, m: u32) {
        let now = self.now;
        let msg = &mut self.msgs[m as usize];
        msg.place = Place::AtNode { node: n };
        msg.arrived = now;
        let node = &mut self.nodes[n as usize];
        node.stats.arrivals += 1;
        if let NodeKind::Client(_) = node.spec.kind {
            // A client accepts nothing; validation prevents links into one.
            self.reject(n, m, FailReason::NoRoute);
            return;
        }
        if node.fx.down {
            // Connection refused: the caller learns at once.
            node.stats.rejected += 1;
            self.fail_here(m, FailReason::NodeDown);
            return;
        }
        if node.fx.disk_full && self.msgs[m as usize].op == Op::Write {
            self.reject(n, m, FailReason::DiskFull);
            return;
        }
        let full = match &node.spec.kind {
            NodeKind::Queue(q) => {
                let held = node.queue_len() + node.busy as usize;
                q.capacity.is_some_and(|c| held >= c as usize)
            }
            _ => false,
        };
        if full {
            self.reject(n, m, FailReason::QueueFull);
            return;
        }
        if let NodeKind::RateLimiter(rl) = &node.spec.kind {
            // Refill continuously, spend one token per request.
            let (rate, burst) = (rl.rate.max(0.0), rl.burst.max(1) as f64);
            let elapsed = (now - node.tokens_at) as f64 / 1e9;
            node.tokens = (node.tokens + elapsed * rate).min(burst);
            node.tokens_at = now;
            if node.tokens < 1.0 {
                self.reject(n, m, FailReason::RateLimited);
                return;
            }
            node.tokens -= 1.0;
        }
        if let NodeKind::WebsocketGateway(w) = &self.nodes[n as usize].spec.kind {
            let (connections, max) = (w.connections, w.max_connections);
            let key = self.msgs[m as usize].key;
            let class = self.msgs[m as usize].class;
            // Phones beyond the connection limit never got a connection.
            if connections > max
                && class != self.class_id("connect")
                && hash64(&key.to_le_bytes(), 13) % connections as u64 >= max as u64
            {
                self.nodes[n as usize].stats.offline += 1;
                let msg = &mut self.msgs[m as usize];
                msg.resp = true;
                msg.error = Some(FailReason::Offline);
                self.return_up(m);
                return;
            }
        }
        if let NodeKind::Devices(d) = &self.nodes[n as usize].spec.kind {
            let (users, p, session, open) = (d.users.max(1), d.online_share, d.mean_session_s, d.open_on_push);
            let user = self.msgs[m as usize].key % users;
            let (online, until) = self.presence(n, user, p, session);
            if self.msgs[m as usize].class == self.class_id("push") {
                // A notification: shown at once; it may make the user open
                // the app, which connects and collects what was held.
                if !online && self.rng.chance(open) {
                    self.wake(n, user, session);
                }
                self.respond(m);
                return;
            }
            if !online {
                // Unreachable, not overloaded: counted apart from rejections.
                self.nodes[n as usize].stats.offline += 1;
                let msg = &mut self.msgs[m as usize];
                msg.retry_at = until;
                msg.offline_node = n;
                msg.resp = true;
                msg.error = Some(FailReason::Offline);
                self.return_up(m);
                return;
            }
        }
        let k = match self.pick_member(n, m) {
            Ok(k) => k,
            Err(reason) => {
                self.reject(n, m, reason);
                return;
            }
        };
        self.msgs[m as usize].member = k as u8;
        let urgent = node_urgent(&self.nodes[n as usize], self.msgs[m as usize].class);
        let node = &mut self.nodes[n as usize];
        let limit = node.prep.queue_limit as usize;
        let free = node.members[k].busy < node.capacity() && node.fx.paused_since.is_none();
        let member = &mut node.members[k];
        if free {
            self.start_service(n, m);
        } else if member.queue_len() < limit {
            if urgent {
                member.urgent.push_back(m)
            } else {
                member.queue.push_back(m)
            }
            node.stats.queue.add(now, 1);
        } else if urgent && !member.queue.is_empty() {
            // Priority sheds the newest ordinary request to make room.
            let victim = member.queue.pop_back().expect("not empty");
            member.urgent.push_back(m);
            self.reject(n, victim, FailReason::QueueFull);
        } else if !urgent && member.queue.len() > node.prep.lifo_above as usize {
            // Serving newest first, a full queue drops its oldest instead.
            let victim = member.queue.pop_front().expect("not empty");
            member.queue.push_back(m);
            self.reject(n, victim, FailReason::QueueFull);
        } else if let NodeKind::Serverless(_) = node.spec.kind {
            self.reject(n, m, FailReason::Throttled);
        } else {
            self.reject(n, m, FailReason::QueueFull);
        }
    }

    /// Is this user's phone online now, and until when does that last?
    /// Each user alternates online and offline spells (exponential, means
    /// `session` and `session × (1 − p) / p`); the state is drawn only when
    /// asked, exactly, from the last known state.
    fn presence(&mut self, n: u32, user: u64, p: f64, session: f64) -> (bool, Nanos) {
        let now = self.now;
        let p = p.clamp(0.0, 1.0);
        if p >= 1.0 || p <= 0.0 {
            return (p >= 1.0, Nanos::MAX);
        }
        let on_mean = secs_to_nanos(session.max(1e-3)) as f64;
        let off_mean = on_mean * (1.0 - p) / p;
        let known = self.nodes[n as usize].presence.get(&user).copied();
        let online = match known {
            Some((state, until)) if now < until => return (state, until),
            // The known spell ended at `until`: from then on the state is
            // the other one, and t later it is online with probability
            // p ± (…) e^(−t (a+b)), a two-state Markov chain.
            Some((state, until)) => {
                let rate = 1.0 / on_mean + 1.0 / off_mean;
                let decay = libm::exp(-((now - until) as f64) * rate);
                let p_on = if state { p - p * decay } else { p + (1.0 - p) * decay };
                self.rng.chance(p_on)
            }
            None => self.rng.chance(p),
        };
        // Spells are memoryless: the rest of this one is a fresh draw.
        let left = self.rng.exp(if online { on_mean } else { off_mean }) as Nanos;
        let until = now + left.max(1);
        let node = &mut self.nodes[n as usize];
        node.presence.insert(user, (online, until));
        (online, until)
    }

    /// An offline user opens the app: online now for a fresh session, and
    /// every inbox holding messages for them delivers at once.
    fn wake(&mut self, n: u32, user: u64, session: f64) {
        let left = self.rng.exp(secs_to_nanos(session.max(1e-3)) as f64) as Nanos;
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.presence.insert(user, (true, now + left.max(1)));
        node.stats.woken += 1;
        for (m, era) in self.held.remove(&(n, user)).unwrap_or_default() {
            if self.msg_ok(m, era) && matches!(self.msgs[m as usize].place, Place::Backoff { .. }) {
                self.at(now, What::Requeue { msg: m, era });
            }
        }
    }

    /// Which pool serves this message: a shard by key, the primary for
    /// writes, a replica for reads; 0 for single-pool nodes.
    fn pick_member(&mut self, n: u32, m: u32) -> Result<usize, FailReason> {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        let msg = &self.msgs[m as usize];
        match &node.spec.kind {
            NodeKind::ShardedDatabase(_) => {
                Ok((hash64(&msg.key.to_le_bytes(), 7) % node.members.len() as u64) as usize)
            }
            NodeKind::ReplicatedDatabase(d) => {
                let electing = node.fx.failover.is_some_and(|(_, elected)| now < elected);
                // After a failover one replica has become the primary.
                let promoted = node.fx.failover.is_some_and(|(_, elected)| now >= elected) as usize;
                let replicas = node.members.len() - 1 - promoted.min(node.members.len() - 1);
                if msg.op == Op::Write {
                    return if electing { Err(FailReason::NodeDown) } else { Ok(0) };
                }
                let primary_reads = (d.read_from_primary || replicas == 0) && !electing;
                let choices = replicas + primary_reads as usize;
                if choices == 0 {
                    return Err(FailReason::NodeDown);
                }
                let pick = node.rr as usize % choices;
                node.rr = node.rr.wrapping_add(1);
                Ok(if primary_reads { pick } else { pick + 1 })
            }
            _ => Ok(0),
        }
    }

    fn reject(&mut self, n: u32, m: u32, reason: FailReason) {
        self.nodes[n as usize].stats.rejected += 1;
        let msg = &mut self.msgs[m as usize];
        msg.resp = true;
        msg.error = Some(reason);
        self.return_up(m);
    }

    fn start_service(&mut self, n: u32, m: u32) {
        let now = self.now;
        let (k, class, write, key) = {
            let msg = &self.msgs[m as usize];
            (msg.member as usize, msg.class, msg.op == Op::Write, msg.key)
        };
        let node = &mut self.nodes[n as usize];
        node.busy += 1;
        node.members[k].busy += 1;
        node.stats.busy.set(now, node.busy as u64);
        node.stats.wait_sum_ns += (now - self.msgs[m as usize].arrived) as u128;
        node.stats.waits += 1;
        let mut s = if write { node.prep.write } else { node.prep.service };
        if let Some(&(_, by_type)) = node.prep.by_class.iter().find(|(c, _)| *c == class) {
            s = by_type;
        }
        let mut extra: Nanos = 0;
        let hold = self.msgs[m as usize].hold;
        if hold > 0
            && matches!(node.spec.kind, NodeKind::Service(_) | NodeKind::Autoscaling(_) | NodeKind::Serverless(_))
        {
            // A long poll: the server holds it until there is news; the
            // news arrives at the end of the hold.
            extra += hold;
            let msg = &mut self.msgs[m as usize];
            msg.hold = 0;
            msg.sent = now + hold;
        }
        match &node.spec.kind {
            NodeKind::Serverless(f) => {
                // Reclaim instances idle too long; reuse the most recent one.
                let keep = secs_to_nanos(f.keep_warm_s);
                let expired = node.warm.iter().take_while(|&&t| t + keep <= now).count();
                node.warm.drain(..expired);
                if node.warm.pop().is_none() {
                    node.stats.cold_starts += 1;
                    extra = node.prep.cold_start.sample(&mut self.rng);
                }
            }
            NodeKind::ObjectStorage(o) => {
                let bytes = if write { self.msgs[m as usize].req_bytes } else { self.msgs[m as usize].resp_bytes };
                if o.mbps > 0.0 {
                    extra = (bytes as f64 * 8e3 / o.mbps) as Nanos;
                }
            }
            NodeKind::Dns(d) => {
                // Only a resolver without a fresh answer has to ask.
                let r = (hash64(&key.to_le_bytes(), 3) % d.resolvers.max(1) as u64) as usize;
                if node.resolvers.get(r).is_some_and(|&(_, exp)| exp > now) {
                    s = Sampler::Const(0);
                }
            }
            _ => {}
        }
        let slow = node.fx.service_factor(now);
        if s.is_zero() && extra == 0 {
            self.service_done(m);
        } else {
            let mut d = s.sample(&mut self.rng) + extra;
            if slow != 1.0 {
                d = (d as f64 * slow) as Nanos;
            }
            let msg = &mut self.msgs[m as usize];
            msg.svc = msg.svc.wrapping_add(1);
            msg.svc_start = now;
            let (era, svc) = (msg.era, msg.svc);
            self.at(now + d, What::ServiceDone { msg: m, era, svc });
        }
    }

    /// Free one worker of pool `k` of `n` and give it the next queued message.
    fn release(&mut self, n: u32, k: usize, entered: Nanos) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.busy = node.busy.saturating_sub(1);
        if let Some(member) = node.members.get_mut(k) {
            member.busy = member.busy.saturating_sub(1);
            member.served += 1;
        }
        node.stats.busy.set(now, node.busy as u64);
        node.stats.completions += 1;
        node.stats.sojourn.record(now - entered);
        if let NodeKind::Serverless(_) = node.spec.kind {
            node.warm.push(now);
        }
        self.drain_queue(n);
    }

    fn drain_queue(&mut self, n: u32) {
        let now = self.now;
        for k in 0..self.nodes[n as usize].members.len() {
            loop {
                let node = &mut self.nodes[n as usize];
                if node.members[k].busy >= node.capacity() || node.fx.paused_since.is_some() || node.fx.down {
                    break;
                }
                let lifo = node.members[k].queue.len() > node.prep.lifo_above as usize;
                let member = &mut node.members[k];
                let next = match member.urgent.pop_front() {
                    Some(m) => Some(m),
                    None if lifo => member.queue.pop_back(),
                    None => member.queue.pop_front(),
                };
                let Some(next) = next else { break };
                node.stats.queue.add(now, -1);
                self.start_service(n, next);
            }
        }
    }

    fn service_done(&mut self, m: u32) {
        let Place::AtNode { node: n } = self.msgs[m as usize].place else { return };
        if self.nodes[n as usize].removed {
            self.fail_here(m, FailReason::Removed);
            return;
        }
        let entered = self.msgs[m as usize].arrived;
        let k = self.msgs[m as usize].member as usize;
        let caching = self.nodes[n as usize].spec.kind.caching();
        match self.nodes[n as usize].spec.kind {
            NodeKind::LoadBalancer(_) => {
                self.release(n, 0, entered);
                match self.pick_backend(n, m) {
                    Some(i) => self.call(n, m, i, NONE as u8, false, 0, entered),
                    None => self.reject(n, m, FailReason::NoRoute),
                }
            }
            NodeKind::Cache(_) | NodeKind::Cdn(_) => {
                let c = caching.expect("caches cache");
                let hit = match self.cache_lookup(n, m) {
                    Some(hit) => hit,
                    None => {
                        let hit_ratio = c.hit_ratio * self.nodes[n as usize].fx.warmth(self.now);
                        self.rng.chance(hit_ratio)
                    }
                } || self.nodes[n as usize].out.is_empty();
                let stats = &mut self.nodes[n as usize].stats;
                if hit {
                    stats.hits += 1;
                } else {
                    stats.misses += 1;
                }
                self.release(n, 0, entered);
                if hit {
                    self.respond(m);
                } else if !(c.coalesce && c.capacity.is_some() && self.wait_for_fetch(n, m)) {
                    self.continue_calls(n, m, 0, false, entered);
                }
            }
            NodeKind::Service(_) | NodeKind::Autoscaling(_) | NodeKind::Serverless(_) => {
                let blocking = self.nodes[n as usize].prep.blocking;
                self.continue_calls(n, m, 0, blocking, entered);
                if !blocking {
                    self.release(n, 0, entered);
                }
            }
            NodeKind::Database(_) | NodeKind::ShardedDatabase(_) | NodeKind::ObjectStorage(_) => {
                self.release(n, k, entered);
                self.respond(m);
            }
            NodeKind::Stream(_) => {
                self.release(n, 0, entered);
                self.append(n, m);
                self.respond(m);
            }
            NodeKind::ReplicatedDatabase(_) => {
                self.release(n, k, entered);
                self.replicate(n, m);
                self.respond(m);
            }
            NodeKind::PushService(ref ps) => {
                let ratio = ps.delivery_ratio;
                self.release(n, 0, entered);
                // Accepted: the sender hears back now; delivery is best effort.
                self.respond(m);
                if self.rng.chance(ratio) {
                    self.forward_push(n, m);
                }
            }
            NodeKind::Devices(_) => {
                self.release(n, 0, entered);
                let (sent, first) = (self.msgs[m as usize].sent, self.msgs[m as usize].receives == 0);
                self.record_delivery(self.now - sent);
                if first {
                    // Never held or retried: the system's own speed.
                    self.global.delivery_first.record(self.now - sent);
                    self.windows.delivery_first.record(self.now - sent);
                }
                self.nodes[n as usize].stats.delivered += 1;
                // The acknowledgement ("delivered ✓✓") goes back.
                self.respond(m);
            }
            NodeKind::Queue(_) | NodeKind::PubSub(_) | NodeKind::Inbox(_) => {
                self.release(n, 0, entered);
                self.store_jobs(n, m);
                // Acknowledge the producer now; delivery happens later.
                self.respond(m);
                self.dispatch_jobs(n);
            }
            NodeKind::RateLimiter(_) => {
                self.release(n, 0, entered);
                self.continue_calls(n, m, 0, false, entered);
            }
            NodeKind::Gateway(_) | NodeKind::WebsocketGateway(_) => {
                self.release(n, 0, entered);
                let class = self.msgs[m as usize].class;
                match self.pick_carrier(n, class) {
                    Some(i) => self.call(n, m, i, NONE as u8, false, 0, entered),
                    None => self.reject(n, m, FailReason::NoRoute),
                }
            }
            NodeKind::Dns(_) => {
                self.release(n, 0, entered);
                match self.resolve(n, m) {
                    Some(i) => self.call(n, m, i, NONE as u8, false, 0, entered),
                    None => self.reject(n, m, FailReason::NoRoute),
                }
            }
            NodeKind::Client(_) => {}
        }
    }

    /// Store what a producer sent: one job for a queue, one per subscriber
    /// (each aimed at its link) for a topic.
    fn store_jobs(&mut self, n: u32, m: u32) {
        let msg = &self.msgs[m as usize];
        let (op, key, rq, rs, class, sent) = (msg.op, msg.key, msg.req_bytes, msg.resp_bytes, msg.class, msg.sent);
        let copies = match self.nodes[n as usize].spec.kind {
            NodeKind::PubSub(_) => self.nodes[n as usize].out.len(),
            _ => 1,
        };
        for sub in 0..copies {
            let job = self.new_msg(NONE, n, op, key, rq, rs);
            let j = &mut self.msgs[job as usize];
            j.class = class;
            j.sent = sent;
            // For a topic, the subscriber's link index.
            j.member = sub as u8;
            self.ledger.jobs_created += 1;
            self.ledger.jobs_live += 1;
            self.nodes[n as usize].buffer.push_back(job);
        }
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.stats.queue.set(now, node.queue_len() as u64);
    }

    /// Stream: append a copy for every consumer group to the key's partition.
    fn append(&mut self, n: u32, m: u32) {
        let msg = &self.msgs[m as usize];
        let (op, key, rq, rs, class, sent) = (msg.op, msg.key, msg.req_bytes, msg.resp_bytes, msg.class, msg.sent);
        self.sync_groups(n);
        let p = self.partition_of(n, key);
        for g in 0..self.nodes[n as usize].groups.len() {
            let job = self.new_msg(NONE, n, op, key, rq, rs);
            self.msgs[job as usize].class = class;
            self.msgs[job as usize].sent = sent;
            self.ledger.jobs_created += 1;
            self.ledger.jobs_live += 1;
            self.nodes[n as usize].groups[g].lanes[p].0.push_back(job);
            self.dispatch_lane(n, g, p);
        }
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.stats.queue.set(now, node.queue_len() as u64);
    }

    fn partition_of(&self, n: u32, key: u64) -> usize {
        let parts = match &self.nodes[n as usize].spec.kind {
            NodeKind::Stream(s) => s.partitions.max(1),
            _ => 1,
        };
        (hash64(&key.to_le_bytes(), 11) % parts as u64) as usize
    }

    /// Stream: one consumer group per outgoing link, each with every
    /// partition (a changed partition count applies to groups made later).
    fn sync_groups(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        let NodeKind::Stream(s) = &node.spec.kind else { return };
        let parts = s.partitions.max(1) as usize;
        for &l in &node.out {
            if !node.groups.iter().any(|g| g.link == l) {
                node.groups.push(Group { link: l, lanes: (0..parts).map(|_| (VecDeque::new(), false)).collect() });
            }
        }
        for g in &mut node.groups {
            if g.lanes.len() < parts {
                g.lanes.resize_with(parts, || (VecDeque::new(), false));
            }
        }
    }

    /// Deliver the next message of a partition to its group, if none is out.
    fn dispatch_lane(&mut self, n: u32, g: usize, p: usize) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        if node.fx.down || node.fx.paused_since.is_some() {
            return;
        }
        let link = node.groups[g].link;
        let Some(i) = node.out.iter().position(|&l| l == link) else { return };
        let p = p % node.groups[g].lanes.len();
        let lane = &mut node.groups[g].lanes[p];
        if lane.1 {
            return;
        }
        let Some(job) = lane.0.pop_front() else { return };
        lane.1 = true;
        self.call(n, job, i, NONE as u8, false, 0, now);
    }

    /// Stream: a delivery came back; on success the partition moves on, on
    /// failure the same message is tried again later (order is kept).
    fn stream_job_back(&mut self, n: u32, m: u32, error: Option<FailReason>) {
        let now = self.now;
        let (link, key, born) = {
            let msg = &self.msgs[m as usize];
            (msg.stack[0].link, msg.key, msg.born)
        };
        let p = self.partition_of(n, key);
        let node = &mut self.nodes[n as usize];
        let Some(g) = node.groups.iter().position(|g| g.link == link) else {
            self.ledger.jobs_live -= 1;
            self.ledger.jobs_failed[error.unwrap_or(FailReason::Removed).index()] += 1;
            self.global.lost += 1;
            self.end_msg(m);
            return;
        };
        let p = p % node.groups[g].lanes.len();
        match error {
            None => {
                node.groups[g].lanes[p].1 = false;
                node.stats.jobs_done += 1;
                node.stats.job_latency.record(now - born);
                node.stats.queue.set(now, node.queue_len() as u64);
                self.ledger.jobs_live -= 1;
                self.ledger.jobs_done += 1;
                self.end_msg(m);
                self.dispatch_lane(n, g, p);
            }
            Some(_) => {
                node.stats.redeliveries += 1;
                let wait = match &node.spec.kind {
                    NodeKind::Stream(s) => ms_to_nanos(s.retry_ms).max(1),
                    _ => 1,
                };
                self.set_aside(n, m, now + wait);
            }
        }
    }

    /// A write committed on the primary: it reaches the replicas after the
    /// replication lag. A replica read of a key whose latest write has not
    /// reached it yet is stale.
    fn replicate(&mut self, n: u32, m: u32) {
        let now = self.now;
        let (op, key, k) = {
            let msg = &self.msgs[m as usize];
            (msg.op, msg.key, msg.member)
        };
        let NodeKind::ReplicatedDatabase(d) = &self.nodes[n as usize].spec.kind else { return };
        if self.nodes[n as usize].members.len() < 2 {
            return;
        }
        if op == Op::Write {
            let lag = d.lag.sampler().sample(&mut self.rng) + ms_to_nanos(self.nodes[n as usize].fx.extra_lag_ms);
            let node = &mut self.nodes[n as usize];
            node.replicated_at.insert(key, now + lag);
            if node.replicated_at.len() > 100_000 {
                node.replicated_at.retain(|_, &mut t| t > now);
            }
        } else if k != 0 {
            let node = &mut self.nodes[n as usize];
            if node.replicated_at.get(&key).is_some_and(|&t| t > now) {
                node.stats.stale_reads += 1;
            }
        }
    }

    /// Coalescing cache miss: if the key is already being fetched, wait for
    /// that fetch (true); otherwise note that this miss fetches it (false).
    fn wait_for_fetch(&mut self, n: u32, m: u32) -> bool {
        let now = self.now;
        let (key, era) = (self.msgs[m as usize].key, self.msgs[m as usize].era);
        let node = &mut self.nodes[n as usize];
        match node.fetching.get_mut(&key) {
            // A fetch silent for this long is presumed lost: fetch again.
            Some((since, waiters)) if now - *since < FETCH_PRESUMED_LOST => {
                waiters.push((m, era));
                node.stats.coalesced += 1;
                true
            }
            Some((since, _)) => {
                *since = now;
                false
            }
            None => {
                node.fetching.insert(key, (now, Vec::new()));
                false
            }
        }
    }

    /// A fetch for `key` ended: the misses waiting for it get its answer.
    fn wake_waiters(&mut self, n: u32, key: u64, error: Option<FailReason>) {
        let Some((_, waiters)) = self.nodes[n as usize].fetching.remove(&key) else { return };
        for (w, era) in waiters {
            if self.msg_ok(w, era) && self.msgs[w as usize].place == (Place::AtNode { node: n }) {
                self.msgs[w as usize].error = error;
                self.respond(w);
            }
        }
    }

    /// DNS: the user's resolver answers from its cache, or asks again and
    /// gets the next healthy entry point; returns the outgoing link index.
    fn resolve(&mut self, n: u32, m: u32) -> Option<usize> {
        let now = self.now;
        let key = self.msgs[m as usize].key;
        let node = &mut self.nodes[n as usize];
        let NodeKind::Dns(d) = &node.spec.kind else { return None };
        let len = node.out.len();
        if len == 0 {
            return None;
        }
        let (resolvers, ttl) = (d.resolvers.max(1) as usize, secs_to_nanos(d.ttl_s));
        if node.resolvers.len() != resolvers {
            node.resolvers = vec![(0, 0); resolvers];
        }
        let r = (hash64(&key.to_le_bytes(), 3) % resolvers as u64) as usize;
        let (cached, expires) = node.resolvers[r];
        if expires > now && (cached as usize) < len {
            return Some(cached as usize);
        }
        node.stats.lookups += 1;
        let any_healthy = node.healthy.iter().any(|h| *h);
        let mut i = node.rr as usize % len;
        for _ in 0..len {
            i = node.rr as usize % len;
            node.rr = node.rr.wrapping_add(1);
            if node.healthy[i] || !any_healthy {
                break;
            }
        }
        node.resolvers[r] = (i as u32, now + ttl);
        Some(i)
    }

    /// Make the next downstream call from `from` on, or answer if none is due.
    /// `holding`: the caller still holds a worker (blocking mode).
    fn continue_calls(&mut self, n: u32, m: u32, from: u8, holding: bool, entered: Nanos) {
        let out_len = self.nodes[n as usize].out.len();
        let class = self.msgs[m as usize].class;
        if from == 0 && matches!(&self.nodes[n as usize].spec.kind, NodeKind::Service(s) if s.fan_out) {
            self.fan_out(n, m, holding, entered);
            return;
        }
        let mut i = from as usize;
        while i < out_len {
            let link = self.nodes[n as usize].out[i];
            if self.carries(link, class) && self.rng.chance(self.links[link as usize].spec.call_probability) {
                self.call(n, m, i, (i + 1) as u8, holding, 0, entered);
                return;
            }
            i += 1;
        }
        if holding {
            self.release(n, 0, entered);
        }
        self.respond(m);
    }

    /// Scatter-gather: call every link (that carries the type and is drawn
    /// by its `call_probability`) at once, each as a branch of its own, and
    /// answer when the last branch is back; the slowest decides.
    fn fan_out(&mut self, n: u32, m: u32, holding: bool, entered: Nanos) {
        let class = self.msgs[m as usize].class;
        let out = self.nodes[n as usize].out.clone();
        let mut targets = Vec::new();
        for (i, &l) in out.iter().enumerate() {
            if self.carries(l, class) && self.rng.chance(self.links[l as usize].spec.call_probability) {
                targets.push(i);
            }
        }
        if targets.is_empty() {
            if holding {
                self.release(n, 0, entered);
            }
            self.respond(m);
            return;
        }
        let era = self.msgs[m as usize].era;
        self.nodes[n as usize]
            .forks
            .insert(m, Fork { era, pending: targets.len() as u32, error: None, holding, entered });
        for i in targets {
            let b = self.clone_msg(m);
            let branch = &mut self.msgs[b as usize];
            branch.orphan_depth = NO_ORPHAN;
            branch.parent = m;
            branch.parent_era = era;
            branch.fork_depth = branch.depth;
            self.call(n, b, i, NONE as u8, false, 0, entered);
        }
    }

    /// Is this a fan-out branch back where it started?
    fn branch_ends_here(&self, m: u32) -> bool {
        let msg = &self.msgs[m as usize];
        msg.parent != NONE && msg.depth == msg.fork_depth
    }

    /// A branch ended: when it is the last, the waiting message carries on
    /// (with the first error, if any branch failed).
    fn branch_done(&mut self, n: u32, b: u32, error: Option<FailReason>) {
        let (parent, era) = (self.msgs[b as usize].parent, self.msgs[b as usize].parent_era);
        self.end_msg(b);
        let waiting = self.msg_ok(parent, era) && self.msgs[parent as usize].place == (Place::AtNode { node: n });
        let node = &mut self.nodes[n as usize];
        let Some(fork) = node.forks.get_mut(&parent).filter(|f| f.era == era) else { return };
        fork.pending -= 1;
        fork.error = fork.error.or(error);
        if !waiting {
            // The waiting message is gone (its node crashed): forget it
            // once its branches are all back.
            if fork.pending == 0 {
                node.forks.remove(&parent);
            }
            return;
        }
        if fork.pending > 0 {
            return;
        }
        let fork = node.forks.remove(&parent).expect("found above");
        if fork.holding {
            self.release(n, 0, fork.entered);
        }
        let msg = &mut self.msgs[parent as usize];
        msg.resp = true;
        msg.error = fork.error;
        self.return_up(parent);
    }

    fn respond(&mut self, m: u32) {
        self.msgs[m as usize].resp = true;
        self.return_up(m);
    }

    /// Send an answer (or an error) back over the link of the top call.
    fn return_up(&mut self, m: u32) {
        let msg = &self.msgs[m as usize];
        if msg.depth == 0 {
            // Answered at its own origin (nothing was ever called).
            self.at_origin(m);
            return;
        }
        let link = msg.stack[msg.depth as usize - 1].link;
        let bytes = if msg.error.is_some() { 100 } else { msg.resp_bytes };
        self.transit(m, link, true, bytes);
    }

    /// An answer reached the caller of the top call: pop it and carry on.
    fn answer_arrived(&mut self, m: u32) {
        let msg = &mut self.msgs[m as usize];
        let d = msg.depth as usize - 1;
        let hop = msg.stack[d];
        msg.depth -= 1;
        let n = self.links[hop.link as usize].from;
        msg.place = Place::AtNode { node: n };
        if msg.orphan_depth as usize == d {
            // The caller stopped waiting for this one long ago.
            self.ledger.messages_abandoned += 1;
            self.end_msg(m);
            return;
        }
        match msg.error {
            Some(FailReason::CircuitOpen) => {}
            e => self.breaker_record(hop.link, e.is_none()),
        }
        let node = &mut self.nodes[n as usize];
        if let Some(i) = node.out.iter().position(|&l| l == hop.link) {
            node.outstanding[i] = node.outstanding[i].saturating_sub(1);
        }
        if hop.life != node.life {
            // The caller crashed (and maybe restarted) since it made this
            // call: the call, and any worker it held, died with it.
            self.msgs[m as usize].error = Some(FailReason::NodeDown);
            if self.branch_ends_here(m) {
                self.branch_done(n, m, Some(FailReason::NodeDown));
                return;
            }
            if d == 0 {
                self.at_origin(m);
            } else {
                self.return_up(m);
            }
            return;
        }
        if d == 0 {
            self.at_origin(m);
            return;
        }
        if self.nodes[n as usize].removed || self.nodes[n as usize].fx.down {
            // The caller is gone: pass the failure further up.
            let reason = if self.nodes[n as usize].removed { FailReason::Removed } else { FailReason::NodeDown };
            let msg = &mut self.msgs[m as usize];
            msg.error = Some(reason);
            if self.branch_ends_here(m) {
                self.branch_done(n, m, Some(reason));
                return;
            }
            self.return_up(m);
            return;
        }
        if let Some(reason) = self.msgs[m as usize].error {
            if let Some(p) = self.links[hop.link as usize].spec.retry.clone() {
                if (hop.attempt as u32) < p.max_retries.min(250) {
                    // Retry this hop after a backoff; a blocking caller
                    // keeps its worker meanwhile.
                    let wait = self.backoff(&p, hop.attempt + 1);
                    let node = &mut self.nodes[n as usize];
                    let i = node.out.iter().position(|&l| l == hop.link).unwrap_or(0);
                    node.outstanding[i] += 1;
                    let msg = &mut self.msgs[m as usize];
                    msg.serial = msg.serial.wrapping_add(1);
                    msg.stack[d] = Hop { attempt: hop.attempt + 1, serial: msg.serial, ..hop };
                    msg.depth += 1;
                    msg.place = Place::Backoff { node: n };
                    let era = msg.era;
                    self.at(self.now + wait, What::HopRetry { msg: m, era });
                    return;
                }
            }
            debug_assert!(reason.index() < super::metrics::FAIL_REASONS.len());
            if self.branch_ends_here(m) {
                self.branch_done(n, m, Some(reason));
                return;
            }
            if hop.blocking {
                self.release(n, 0, hop.entered);
            }
            if self.nodes[n as usize].spec.kind.caching().is_some() {
                let key = self.msgs[m as usize].key;
                self.wake_waiters(n, key, Some(reason));
            }
            self.return_up(m);
            return;
        }
        if self.branch_ends_here(m) {
            self.branch_done(n, m, None);
            return;
        }
        match self.nodes[n as usize].spec.kind {
            NodeKind::Cache(_) | NodeKind::Cdn(_) => {
                // The miss came back with the value: keep it.
                self.cache_fill(n, m);
                let key = self.msgs[m as usize].key;
                self.wake_waiters(n, key, None);
                self.continue_calls(n, m, hop.next_call, hop.blocking, hop.entered)
            }
            NodeKind::Service(_) | NodeKind::RateLimiter(_) | NodeKind::Autoscaling(_) | NodeKind::Serverless(_) => {
                self.continue_calls(n, m, hop.next_call, hop.blocking, hop.entered)
            }
            _ => {
                if hop.blocking {
                    self.release(n, 0, hop.entered);
                }
                self.return_up(m)
            }
        }
    }

    /// The message is back where it was created.
    fn at_origin(&mut self, m: u32) {
        let msg = &self.msgs[m as usize];
        let (req, origin, mut error, born) = (msg.req, msg.origin, msg.error, msg.born);
        if self.nodes[origin as usize].fx.down && error.is_none() {
            // The origin crashed while this was out: nobody receives it.
            error = Some(FailReason::NodeDown);
        }
        if req == NONE && matches!(self.nodes[origin as usize].spec.kind, NodeKind::Stream(_)) {
            self.stream_job_back(origin, m, error);
            return;
        }
        if req == NONE && matches!(self.nodes[origin as usize].spec.kind, NodeKind::Inbox(_)) && error.is_some() {
            self.inbox_keeps(origin, m, error.expect("checked"));
            return;
        }
        if req == NONE {
            // An async job came back to its queue: delivered or failed.
            let now = self.now;
            let node = &mut self.nodes[origin as usize];
            node.consumers_busy = node.consumers_busy.saturating_sub(1);
            let (max_receives, visibility) = match &node.spec.kind {
                NodeKind::Queue(q) => (q.max_receives, q.visibility_timeout_ms),
                _ => (None, None),
            };
            match (error, max_receives) {
                (None, _) => {
                    self.ledger.jobs_live -= 1;
                    self.ledger.jobs_done += 1;
                    node.stats.jobs_done += 1;
                    node.stats.job_latency.record(now - born);
                    self.end_msg(m);
                }
                (Some(r), Some(max)) if (self.msgs[m as usize].receives as u32 + 1) < max.min(250) => {
                    // Not deleted by a consumer: it becomes visible again
                    // (at once if its visibility timeout already ran out).
                    node.stats.redeliveries += 1;
                    self.msgs[m as usize].receives += 1;
                    let wait = if r == FailReason::Timeout { 0 } else { visibility.map_or(0, ms_to_nanos) };
                    self.set_aside(origin, m, now + wait);
                }
                (Some(r), max) => {
                    if max.is_some() {
                        // Out of deliveries: parked in the dead-letter queue.
                        node.stats.dead_lettered += 1;
                    }
                    self.ledger.jobs_live -= 1;
                    self.ledger.jobs_failed[r.index()] += 1;
                    self.global.lost += 1;
                    self.end_msg(m);
                }
            }
            self.dispatch_jobs(origin);
            return;
        }
        let r = &self.reqs[req as usize];
        let current = r.live && r.msg == m && r.msg_gen == self.msgs[m as usize].era;
        let long_poll_news = current
            && error.is_none()
            && r.full_poll
            && matches!(self.client_spec(origin).traffic, Traffic::LongPolling { .. });
        if long_poll_news {
            // From the message reaching the server to the app having it.
            let sent = self.msgs[m as usize].sent;
            self.record_delivery(self.now - sent);
        }
        self.end_msg(m);
        if !current {
            self.ledger.messages_abandoned += 1;
            return;
        }
        match error {
            None => self.finish_request(req, None),
            Some(reason) => self.retry_or_fail(req, origin, reason),
        }
    }

    /// A per-hop timeout fired: if that call is still unanswered, the caller
    /// stops waiting (the original keeps going as an orphan) and carries on
    /// with a copy as if a timeout error had come back.
    fn hop_timeout(&mut self, m: u32, era: u32, depth: u8, serial: u32) {
        if !self.msg_ok(m, era) {
            return;
        }
        let msg = &self.msgs[m as usize];
        let d = depth as usize;
        // Orphans are nobody's concern any more: their copy carries the
        // caller's timeouts from here on.
        if msg.depth as usize <= d || msg.stack[d].serial != serial || msg.orphan_depth != NO_ORPHAN {
            return;
        }
        let was_lost = msg.place == Place::Lost;
        let (copy, req) = (msg.clone(), msg.req);
        let m2 = self.clone_msg(m);
        self.msgs[m as usize].orphan_depth = depth;
        let era2 = self.msgs[m2 as usize].era;
        {
            let c = &mut self.msgs[m2 as usize];
            c.depth = depth + 1;
            c.resp = true;
            c.error = Some(FailReason::Timeout);
        }
        if req != NONE {
            let r = &mut self.reqs[req as usize];
            if r.msg == m && r.msg_gen == era {
                r.msg = m2;
                r.msg_gen = era2;
            }
        }
        // Timeouts of the calls above this one now watch the copy.
        for k in 0..d {
            let h = copy.stack[k];
            if h.deadline >= self.now && h.deadline > 0 {
                self.at(h.deadline, What::HopTimeout { msg: m2, era: era2, depth: k as u8, serial: h.serial });
            }
        }
        if was_lost {
            self.release_stack(m, d + 1);
            self.end_msg(m);
        }
        self.answer_arrived(m2);
    }

    fn dispatch_jobs(&mut self, n: u32) {
        if let NodeKind::Stream(_) = self.nodes[n as usize].spec.kind {
            self.sync_groups(n);
            for g in 0..self.nodes[n as usize].groups.len() {
                for p in 0..self.nodes[n as usize].groups[g].lanes.len() {
                    self.dispatch_lane(n, g, p);
                }
            }
            return;
        }
        loop {
            let node = &mut self.nodes[n as usize];
            let (consumers, visibility) = match &node.spec.kind {
                NodeKind::Queue(q) => (q.consumers, q.visibility_timeout_ms),
                NodeKind::Inbox(i) => (i.deliveries, None),
                // A topic pushes every copy at once.
                NodeKind::PubSub(_) => (u32::MAX, None),
                _ => return,
            };
            if node.consumers_busy >= consumers || node.out.is_empty() || node.fx.down {
                return;
            }
            let Some(job) = node.buffer.pop_front() else { return };
            node.consumers_busy += 1;
            let held = node.queue_len() as u64;
            node.stats.queue.set(self.now, held);
            let class = self.msgs[job as usize].class;
            let target = match node.spec.kind {
                NodeKind::PubSub(_) => Some(self.msgs[job as usize].member as usize).filter(|&i| i < node.out.len()),
                _ => self.pick_carrier(n, class),
            };
            let Some(i) = target else {
                // Nobody takes this type (or the subscriber left).
                self.msgs[job as usize].resp = true;
                self.msgs[job as usize].error = Some(FailReason::NoRoute);
                self.at_origin(job);
                continue;
            };
            let now = self.now;
            self.call(n, job, i, NONE as u8, false, 0, now);
            let msg = &mut self.msgs[job as usize];
            if let (Some(v), true) = (visibility, msg.live && msg.depth == 1 && !msg.resp) {
                // The consumer has this long before the job is visible again.
                let t = now + ms_to_nanos(v).max(1);
                msg.stack[0].deadline = t;
                let (era, serial) = (msg.era, msg.stack[0].serial);
                self.at(t, What::HopTimeout { msg: job, era, depth: 0, serial });
            }
        }
    }

    /// An inbox delivery failed: keep the message. An offline phone gets it
    /// when it is back online (and a push notification now, the first
    /// time); any other failure is retried a little later.
    fn inbox_keeps(&mut self, n: u32, m: u32, reason: FailReason) {
        let now = self.now;
        let push = self.class_id("push");
        let node = &mut self.nodes[n as usize];
        node.consumers_busy = node.consumers_busy.saturating_sub(1);
        let NodeKind::Inbox(spec) = &node.spec.kind else { return };
        let retry = ms_to_nanos(spec.retry_ms).max(1);
        let msg = &self.msgs[m as usize];
        if msg.class == push {
            // A notification is best effort: one that fails is given up
            // (counted apart); the message it announced is still held.
            node.stats.pushes_failed += 1;
            self.ledger.jobs_live -= 1;
            self.ledger.jobs_done += 1;
            self.end_msg(m);
            self.dispatch_jobs(n);
            return;
        }
        let (first, back_at, devices) = (msg.receives == 0, msg.retry_at, msg.offline_node);
        if reason == FailReason::Offline && devices != NONE {
            // Remember who waits for this phone, in case a push wakes it.
            if let NodeKind::Devices(d) = &self.nodes[devices as usize].spec.kind {
                let user = msg.key % d.users.max(1);
                let era = msg.era;
                let list = self.held.entry((devices, user)).or_default();
                list.retain(|&(h, e)| self.msgs[h as usize].live && self.msgs[h as usize].era == e);
                list.push((m, era));
            }
        }
        let node = &mut self.nodes[n as usize];
        let at = if reason == FailReason::Offline && back_at > now { back_at } else { now + retry };
        if reason == FailReason::Offline {
            node.stats.held += 1;
        } else {
            node.stats.redeliveries += 1;
        }
        let msg = &mut self.msgs[m as usize];
        msg.receives = msg.receives.saturating_add(1);
        self.set_aside(n, m, at);
        if first && reason == FailReason::Offline {
            self.send_push(n, m);
        }
        self.dispatch_jobs(n);
    }

    /// A push notification for a held message, over the first link that
    /// carries the type "push" (none: no notification).
    fn send_push(&mut self, n: u32, m: u32) {
        let push = self.class_id("push");
        let node = &self.nodes[n as usize];
        let Some(i) = node.out.iter().position(|&l| self.links[l as usize].mask & (1u64 << push) != 0) else { return };
        // Its answer frees a delivery slot like any other job's.
        self.nodes[n as usize].consumers_busy += 1;
        self.notify(n, m, i);
    }

    /// A push provider passes a notification on towards the phone.
    fn forward_push(&mut self, n: u32, m: u32) {
        let push = self.class_id("push");
        let Some(i) = self.pick_carrier(n, push) else { return };
        self.notify(n, m, i);
    }

    /// A notification about message `m`, as an async job of `n` over its
    /// outgoing link `i`.
    fn notify(&mut self, n: u32, m: u32, i: usize) {
        let push = self.class_id("push");
        let (key, sent) = (self.msgs[m as usize].key, self.msgs[m as usize].sent);
        let job = self.new_msg(NONE, n, Op::Read, key, 300, 100);
        self.msgs[job as usize].class = push;
        self.msgs[job as usize].sent = sent;
        self.ledger.jobs_created += 1;
        self.ledger.jobs_live += 1;
        self.nodes[n as usize].stats.pushes += 1;
        let now = self.now;
        self.call(n, job, i, NONE as u8, false, 0, now);
    }

    /// A websocket gateway is back: its phones reconnect over `reconnect_s`.
    pub(super) fn start_reconnects(&mut self, n: u32) {
        let node = &self.nodes[n as usize];
        let NodeKind::WebsocketGateway(w) = &node.spec.kind else { return };
        let count = w.connections.min(w.max_connections);
        if count > 0 {
            let epoch = node.epoch;
            self.at(self.now, What::Reconnect { node: n, epoch, left: count });
        }
    }

    /// One phone reconnects ("connect" over the links that carry it); the
    /// next follows after an even share of the reconnect window.
    fn reconnect(&mut self, n: u32, epoch: u32, left: u32) {
        let node = &self.nodes[n as usize];
        let NodeKind::WebsocketGateway(w) = &node.spec.kind else { return };
        if node.epoch != epoch || node.removed || node.fx.down || left == 0 {
            return;
        }
        let count = w.connections.min(w.max_connections).max(1);
        let gap = (secs_to_nanos(w.reconnect_s.max(0.0)) / count as u64).max(1);
        self.nodes[n as usize].stats.reconnects += 1;
        let connect = self.class_id("connect");
        let node = &self.nodes[n as usize];
        let target = node.out.iter().position(|&l| self.links[l as usize].mask & (1u64 << connect) != 0);
        if let Some(i) = target {
            let job = self.new_msg(NONE, n, Op::Read, left as u64, 500, 500);
            self.msgs[job as usize].class = connect;
            self.ledger.jobs_created += 1;
            self.ledger.jobs_live += 1;
            self.nodes[n as usize].consumers_busy += 1;
            let now = self.now;
            self.call(n, job, i, NONE as u8, false, 0, now);
        }
        if left > 1 {
            self.at(self.now + gap, What::Reconnect { node: n, epoch, left: left - 1 });
        }
    }

    /// Put a job of `n` aside until `at`, when it is tried again (a
    /// redelivery, a stream retry, a message held for an offline phone).
    fn set_aside(&mut self, n: u32, m: u32, at: Nanos) {
        let msg = &mut self.msgs[m as usize];
        msg.resp = false;
        msg.error = None;
        msg.place = Place::Backoff { node: n };
        let era = msg.era;
        self.nodes[n as usize].backing_off += 1;
        self.at(at, What::Requeue { msg: m, era });
    }

    /// A failed job is visible in its queue again.
    fn requeue(&mut self, m: u32) {
        // Only a job set aside (at its origin, depth 0) comes back here; a
        // stale wake-up for one that has moved on is ignored.
        let Place::Backoff { node: n } = self.msgs[m as usize].place else { return };
        if self.msgs[m as usize].depth != 0 {
            return;
        }
        let node = &mut self.nodes[n as usize];
        node.backing_off -= 1;
        let node = &self.nodes[n as usize];
        if let (NodeKind::Inbox(i), false, true) = (&node.spec.kind, node.removed, node.fx.down) {
            if i.durable {
                // Kept safe while the inbox is down: try again later.
                let at = self.now + ms_to_nanos(i.retry_ms).max(1);
                self.set_aside(n, m, at);
                return;
            }
        }
        if node.removed || node.fx.down {
            let reason = if node.removed { FailReason::Removed } else { FailReason::NodeDown };
            self.ledger.jobs_live -= 1;
            self.ledger.jobs_failed[reason.index()] += 1;
            self.global.lost += 1;
            self.end_msg(m);
            return;
        }
        self.msgs[m as usize].place = Place::AtNode { node: n };
        if let NodeKind::Stream(_) = self.nodes[n as usize].spec.kind {
            // Back to the head of its partition: order is kept.
            let (link, key) = (self.msgs[m as usize].stack[0].link, self.msgs[m as usize].key);
            let p = self.partition_of(n, key);
            let node = &mut self.nodes[n as usize];
            match node.groups.iter().position(|g| g.link == link) {
                Some(g) => {
                    let p = p % node.groups[g].lanes.len();
                    node.groups[g].lanes[p].0.push_front(m);
                    node.groups[g].lanes[p].1 = false;
                    self.dispatch_lane(n, g, p);
                }
                None => {
                    self.ledger.jobs_live -= 1;
                    self.ledger.jobs_failed[FailReason::Removed.index()] += 1;
                    self.global.lost += 1;
                    self.end_msg(m);
                }
            }
            return;
        }
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.buffer.push_back(m);
        node.stats.queue.set(now, node.queue_len() as u64);
        self.dispatch_jobs(n);
    }

    // ----- autoscaling --------------------------------------------------

    fn start_autoscaler(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        let NodeKind::Autoscaling(a) = &node.spec.kind else { return };
        node.scale_epoch = node.scale_epoch.wrapping_add(1);
        node.booting = 0;
        node.scale_mark = (node.stats.busy.area_to(self.now), self.now);
        let (epoch, every) = (node.scale_epoch, secs_to_nanos(a.interval_s).max(1));
        self.at(self.now + every, What::Scale { node: n, epoch });
    }

    /// Target tracking: size the group so the last interval's busy time
    /// would have run at the target utilisation.
    fn autoscale(&mut self, n: u32, epoch: u32) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        if node.scale_epoch != epoch || node.removed {
            return;
        }
        let NodeKind::Autoscaling(a) = node.spec.kind.clone() else { return };
        let area = node.stats.busy.area_to(now);
        let (mark, since) = node.scale_mark;
        node.scale_mark = (area, now);
        let capacity = node.prep.workers.max(1) as f64;
        let util = if now > since { area.saturating_sub(mark) as f64 / (now - since) as f64 / capacity } else { 0.0 };
        let (lo, hi) = (a.min.max(1), a.max.max(a.min.max(1)));
        let target = a.target_utilization.max(0.01);
        let desired = ((node.instances as f64 * util / target).ceil() as u32).clamp(lo, hi);
        // Scale in only to a size that would still run 10 % under the
        // target, so the group does not flap around it.
        let smaller = ((node.instances as f64 * util / (0.9 * target)).ceil() as u32).clamp(lo, hi);
        let total = node.instances + node.booting;
        if !node.fx.down && desired > total {
            let count = desired - total;
            node.booting += count;
            node.last_scale = now;
            node.stats.scale_ups += 1;
            node.stats.instances.set(now, (node.instances + node.booting) as u64);
            self.at(now + secs_to_nanos(a.boot_s), What::Booted { node: n, epoch, count });
        } else if smaller < node.instances
            && node.booting == 0
            && now.saturating_sub(node.last_scale) >= secs_to_nanos(a.cooldown_s)
        {
            // Scale in: the removed instances finish what they are doing.
            node.instances = smaller;
            node.last_scale = now;
            node.stats.scale_downs += 1;
            node.fit_capacity();
            node.stats.instances.set(now, node.instances as u64);
        }
        self.at(now + secs_to_nanos(a.interval_s).max(1), What::Scale { node: n, epoch });
    }

    fn booted(&mut self, n: u32, epoch: u32, count: u32) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        if node.scale_epoch != epoch || node.removed {
            return;
        }
        node.booting = node.booting.saturating_sub(count);
        node.instances += count;
        node.fit_capacity();
        node.stats.instances.set(now, (node.instances + node.booting) as u64);
        self.drain_queue(n);
    }

    // ----- routing ----------------------------------------------------

    /// Next outgoing link, taking turns, among those that carry `class`.
    fn pick_carrier(&mut self, n: u32, class: u8) -> Option<usize> {
        let len = self.nodes[n as usize].out.len();
        for _ in 0..len {
            let node = &mut self.nodes[n as usize];
            let i = node.rr as usize % len;
            node.rr = node.rr.wrapping_add(1);
            if self.carries(self.nodes[n as usize].out[i], class) {
                return Some(i);
            }
        }
        None
    }

    fn pick_backend(&mut self, n: u32, m: u32) -> Option<usize> {
        let len = self.nodes[n as usize].out.len();
        if len == 0 {
            return None;
        }
        let node = &self.nodes[n as usize];
        let class = self.msgs[m as usize].class;
        if node.typed_links {
            let any = node.out.iter().any(|&l| self.carries(l, class));
            return any.then(|| self.pick_healthy(n, m));
        }
        if node.healthy.iter().any(|h| !h) && node.healthy.iter().any(|h| *h) {
            return Some(self.pick_healthy(n, m));
        }
        let policy = match &self.nodes[n as usize].spec.kind {
            NodeKind::LoadBalancer(lb) => lb.policy,
            _ => return Some(0),
        };
        Some(match policy {
            LbPolicy::RoundRobin => {
                let node = &mut self.nodes[n as usize];
                let i = node.rr as usize % len;
                node.rr = node.rr.wrapping_add(1);
                i
            }
            LbPolicy::Random => self.rng.below(len as u32) as usize,
            LbPolicy::LeastConnections => {
                let node = &mut self.nodes[n as usize];
                // Ties go round-robin so equal backends share the load.
                let start = node.rr as usize % len;
                node.rr = node.rr.wrapping_add(1);
                let mut best = start;
                for k in 1..len {
                    let i = (start + k) % len;
                    if node.outstanding[i] < node.outstanding[best] {
                        best = i;
                    }
                }
                best
            }
            LbPolicy::PowerOfTwoChoices => {
                let a = self.rng.below(len as u32) as usize;
                if len == 1 {
                    return Some(a);
                }
                let mut b = self.rng.below(len as u32 - 1) as usize;
                if b >= a {
                    b += 1;
                }
                let o = &self.nodes[n as usize].outstanding;
                if o[b] < o[a] { b } else { a }
            }
            LbPolicy::Weighted => {
                let all: Vec<usize> = (0..len).collect();
                self.pick_weighted(n, &all)
            }
            LbPolicy::ConsistentHash => {
                let node = &self.nodes[n as usize];
                let h = hash64(&self.msgs[m as usize].key.to_le_bytes(), 0);
                let ring = &node.ring;
                if ring.is_empty() {
                    0
                } else {
                    let pos = ring.partition_point(|&(p, _)| p < h);
                    ring[pos % ring.len()].1 as usize
                }
            }
        })
    }

    /// One of `among` (outgoing link indices) at random, by link weight.
    fn pick_weighted(&mut self, n: u32, among: &[usize]) -> usize {
        let node = &self.nodes[n as usize];
        let w = |i: usize| self.links[node.out[i] as usize].spec.weight.max(0.0);
        let total: f64 = among.iter().map(|&i| w(i)).sum();
        if total <= 0.0 {
            return among[0];
        }
        let mut u = self.rng.unit() * total;
        for &i in among {
            u -= w(i);
            if u < 0.0 {
                return i;
            }
        }
        among[among.len() - 1]
    }

    /// Like `pick_backend`, among the backends in rotation that carry the
    /// message's type (or among those that carry it, if none is healthy).
    fn pick_healthy(&mut self, n: u32, m: u32) -> usize {
        let node = &self.nodes[n as usize];
        let class = self.msgs[m as usize].class;
        let carry: Vec<usize> = (0..node.out.len()).filter(|&i| self.carries(node.out[i], class)).collect();
        let mut ok: Vec<usize> = carry.iter().copied().filter(|&i| node.healthy[i]).collect();
        if ok.is_empty() {
            ok = carry;
        }
        let policy = match &node.spec.kind {
            NodeKind::LoadBalancer(lb) => lb.policy,
            _ => LbPolicy::RoundRobin,
        };
        match policy {
            LbPolicy::RoundRobin => {
                let node = &mut self.nodes[n as usize];
                let i = ok[node.rr as usize % ok.len()];
                node.rr = node.rr.wrapping_add(1);
                i
            }
            LbPolicy::Random => ok[self.rng.below(ok.len() as u32) as usize],
            LbPolicy::Weighted => self.pick_weighted(n, &ok),
            LbPolicy::LeastConnections => {
                let node = &mut self.nodes[n as usize];
                let start = node.rr as usize % ok.len();
                node.rr = node.rr.wrapping_add(1);
                let mut best = ok[start];
                for k in 1..ok.len() {
                    let i = ok[(start + k) % ok.len()];
                    if node.outstanding[i] < node.outstanding[best] {
                        best = i;
                    }
                }
                best
            }
            LbPolicy::PowerOfTwoChoices => {
                let a = ok[self.rng.below(ok.len() as u32) as usize];
                if ok.len() == 1 {
                    return a;
                }
                let b = ok[self.rng.below(ok.len() as u32) as usize];
                let o = &self.nodes[n as usize].outstanding;
                if o[b] < o[a] { b } else { a }
            }
            LbPolicy::ConsistentHash => {
                // Walk the ring past unhealthy backends: only their keys move.
                let h = hash64(&self.msgs[m as usize].key.to_le_bytes(), 0);
                let node = &self.nodes[n as usize];
                let ring = &node.ring;
                if ring.is_empty() {
                    return ok[0];
                }
                let pos = ring.partition_point(|&(p, _)| p < h);
                (0..ring.len())
                    .map(|k| ring[(pos + k) % ring.len()].1 as usize)
                    .find(|i| ok.contains(i))
                    .unwrap_or(ok[0])
            }
        }
    }

    fn start_health_checks(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        if !matches!(node.spec.kind, NodeKind::LoadBalancer(_) | NodeKind::Dns(_)) {
            return;
        }
        node.epoch = node.epoch.wrapping_add(1);
        let (epoch, hc) = (node.epoch, health_check_of(&node.spec.kind));
        for h in &mut node.healthy {
            *h = true;
        }
        for s in &mut node.streak {
            *s = 0;
        }
        if let Some(hc) = hc {
            let t = self.now + ms_to_nanos(hc.interval_ms).max(1);
            self.at(t, What::HealthCheck { node: n, epoch });
        }
    }

    /// Probe every backend: a crashed, frozen, deleted or cut-off one fails.
    fn health_check(&mut self, n: u32, epoch: u32) {
        let node = &self.nodes[n as usize];
        if node.epoch != epoch || node.removed {
            return;
        }
        let Some(hc) = health_check_of(&node.spec.kind) else { return };
        let results: Vec<bool> = node
            .out
            .iter()
            .map(|&l| {
                let link = &self.links[l as usize];
                let b = &self.nodes[link.to as usize];
                !link.removed && !link.fx.blackhole && !b.removed && !b.fx.down && b.fx.paused_since.is_none()
            })
            .collect();
        let down = self.nodes[n as usize].fx.down;
        let node = &mut self.nodes[n as usize];
        if !down {
            for (i, ok) in results.into_iter().enumerate() {
                let s = &mut node.streak[i];
                *s = if ok { (*s).max(0) + 1 } else { (*s).min(0) - 1 };
                if node.healthy[i] && -*s >= hc.unhealthy_after.max(1) as i32 {
                    node.healthy[i] = false;
                } else if !node.healthy[i] && *s >= hc.healthy_after.max(1) as i32 {
                    node.healthy[i] = true;
                }
            }
        }
        let t = self.now + ms_to_nanos(hc.interval_ms).max(1);
        self.at(t, What::HealthCheck { node: n, epoch });
    }

    /// Hash ring for consistent hashing: each backend (by its node id) gets
    /// several points, so adding one moves only ~1/n of the keys.
    fn build_ring(&mut self, n: usize) {
        let node = &self.nodes[n];
        let mut ring = Vec::new();
        if matches!(&node.spec.kind, NodeKind::LoadBalancer(lb) if lb.policy == LbPolicy::ConsistentHash) {
            for (i, &l) in node.out.iter().enumerate() {
                let id = self.nodes[self.links[l as usize].to as usize].spec.id.as_bytes();
                for v in 0..RING_POINTS {
                    ring.push((hash64(id, v + 1), i as u32));
                }
            }
            ring.sort_unstable();
        }
        self.nodes[n].ring = ring;
    }
}

impl LinkRt {
    fn new(spec: LinkSpec, from: u32, to: u32, now: Nanos) -> Self {
        let mut link = LinkRt {
            from,
            to,
            latency: spec.latency.sampler(),
            jitter: 0.0,
            wire_free: [0; 2],
            ns_per_byte: 0.0,
            spec,
            stats: LinkStats::default(),
            removed: false,
            fx: LinkFx::default(),
            breaker: Breaker::default(),
            mask: 0,
        };
        link.stats.in_transit.restart(now);
        link.prepare();
        link
    }

    fn prepare(&mut self) {
        self.latency = self.spec.latency.sampler();
        self.jitter = self.spec.jitter_ms.max(0.0) * 1e6;
        self.ns_per_byte = match self.spec.bandwidth_mbps {
            Some(mbps) if mbps > 0.0 => 8e3 / mbps,
            _ => 0.0,
        };
    }
}

/// A packet on a link, for drawing.
#[derive(Clone, Copy, Debug)]
pub struct Transit {
    pub link: u32,
    pub back: bool,
    pub depart: Nanos,
    pub arrive: Nanos,
    pub error: bool,
    pub response: bool,
}
