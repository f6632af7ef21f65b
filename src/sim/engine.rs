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
}

#[derive(Clone, Copy, Debug)]
enum What {
    ClientFire { node: u32, epoch: u32, arrive: bool },
    UserWake { node: u32, epoch: u32 },
    Arrive { msg: u32, era: u32 },
    ServiceDone { msg: u32, era: u32, svc: u32 },
    FaultStart { id: u32 },
    FaultEnd { id: u32 },
    FaultTick,
    Monkey { epoch: u32 },
    HealthCheck { node: u32, epoch: u32 },
    ReqTimeout { req: u32, era: u32, attempt: u8 },
    ClientRetry { req: u32, era: u32 },
    HopTimeout { msg: u32, era: u32, depth: u8, serial: u32 },
    HopRetry { msg: u32, era: u32 },
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
}

/// A node's runtime state.
pub struct NodeRt {
    pub spec: NodeSpec,
    /// Outgoing links in the order they were declared.
    pub out: Vec<u32>,
    prep: Prepared,
    pub busy: u32,
    queue: VecDeque<u32>,
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
        NodeRt {
            prep: prepare(&spec.kind),
            spec,
            out: Vec::new(),
            busy: 0,
            queue: VecDeque::new(),
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
        }
    }

    /// Start using outgoing link `l` (per-link state stays index-aligned).
    fn attach(&mut self, l: u32) {
        self.out.push(l);
        self.outstanding.push(0);
        self.healthy.push(true);
        self.streak.push(0);
    }

    pub fn queue_len(&self) -> usize {
        self.queue.len() + self.buffer.len()
    }
    /// Workers, or `u32::MAX` for unlimited.
    pub fn workers(&self) -> u32 {
        self.prep.workers
    }

    /// Workers usable now (leaked connections excluded).
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
        };
        e.windows.rebase(e.nodes.len(), e.links.len());
        for n in 0..e.nodes.len() {
            e.build_ring(n);
            e.start_client(n as u32);
            e.start_health_checks(n as u32);
        }
        e
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
        let old_hc = match &node.spec.kind {
            NodeKind::LoadBalancer(lb) => lb.health_check.clone(),
            _ => None,
        };
        node.prep = prepare(&spec.kind);
        node.spec = spec;
        // Key popularity may have changed: rebuild the sampler when next used.
        node.zipf = None;
        match (old, new) {
            (Some(Traffic::Closed { .. }), Some(Traffic::Closed { users, think_ms })) => {
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
        let lb = |k: &NodeKind| match k {
            NodeKind::LoadBalancer(lb) => lb.health_check.clone(),
            _ => None,
        };
        if lb(&self.nodes[n].spec.kind) != old_hc {
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
            link.prepare();
        }
    }

    /// Add a node to the running system; returns its index.
    pub fn add_node(&mut self, spec: NodeSpec) -> u32 {
        let n = self.nodes.len() as u32;
        self.nodes.push(NodeRt::new(spec, self.now));
        self.start_client(n);
        self.start_health_checks(n);
        n
    }

    /// Add a link between two live nodes; returns its index.
    pub fn add_link(&mut self, spec: LinkSpec, from: u32, to: u32) -> u32 {
        let l = self.links.len() as u32;
        self.links.push(LinkRt::new(spec, from, to, self.now));
        self.nodes[from as usize].attach(l);
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
        self.build_ring(from);
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
        let queued: Vec<u32> = node.queue.drain(..).collect();
        let jobs: Vec<u32> = node.buffer.drain(..).collect();
        node.stats.queue.set(now, 0);
        for m in queued {
            self.fail_here(m, FailReason::Removed);
        }
        for j in jobs {
            self.ledger.jobs_live -= 1;
            self.ledger.jobs_failed[FailReason::Removed.index()] += 1;
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
        let nodes: Vec<_> = self.nodes.iter().map(|n| (&n.stats, n.prep.workers)).collect();
        let links: Vec<_> = self.links.iter().map(|l| &l.stats).collect();
        self.windows.close(&self.global, &nodes, &links);
    }

    /// The current, still-open one-second window up to now.
    pub fn live_window(&self) -> super::metrics::Window {
        let nodes: Vec<_> = self.nodes.iter().map(|n| (&n.stats, n.prep.workers)).collect();
        let links: Vec<_> = self.links.iter().map(|l| &l.stats).collect();
        self.windows.partial(&self.global, &nodes, &links, self.now)
    }

    /// Conservation check: recount the live arenas and compare with the ledger.
    pub fn check_conservation(&self) -> Result<(), String> {
        let live_msgs = self.msgs.iter().filter(|m| m.live).count() as u64;
        let live_reqs = self.reqs.iter().filter(|r| r.live).count() as u64;
        // An orphaned copy is not the job of record; its replacement is.
        let live_jobs =
            self.msgs.iter().filter(|m| m.live && m.req == NONE && m.orphan_depth == NO_ORPHAN).count() as u64;
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
        match c.traffic.clone() {
            Traffic::Closed { users, think_ms } => {
                node.users = users;
                for _ in 0..users {
                    let think = self.rng.exp(think_ms.max(0.0) * 1e6) as Nanos;
                    self.at(self.now + think, What::UserWake { node: n, epoch });
                }
            }
            _ => {
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
        let (write_ratio, keys, rq, rs) = (c.write_ratio, c.keys.max(1), c.request_bytes, c.response_bytes);
        let retry = c.retry.clone();
        let zipf_s = c.zipf;
        let op = if self.rng.chance(write_ratio) { Op::Write } else { Op::Read };
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
        let (mg,) = (self.msgs[m as usize].era,);
        let r = &mut self.reqs[req as usize];
        r.msg = m;
        r.msg_gen = mg;
        let i = self.pick_round_robin(client);
        self.call(client, m, i, NONE as u8, false, 0, self.now);
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
        let (client, created) = (r.client, r.created);
        self.free_reqs.push(req);
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
        if let NodeKind::Client(ClientSpec { traffic: Traffic::Closed { users, think_ms }, .. }) = node.spec.kind {
            if node.users > users {
                node.users -= 1;
            } else {
                let epoch = node.epoch;
                let think = self.rng.exp(think_ms.max(0.0) * 1e6) as Nanos;
                self.at(now + think, What::UserWake { node: client, epoch });
            }
        }
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
        self.live_msgs += 1;
        self.ledger.messages_created += 1;
        slot
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
                self.release(n, hop.entered);
            }
        }
    }

    /// Look the key up in a cache with a capacity (`None`: this cache has
    /// no capacity and uses its fixed hit ratio).
    fn cache_lookup(&mut self, n: u32, m: u32) -> Option<bool> {
        let now = self.now;
        let key = self.msgs[m as usize].key;
        let node = &mut self.nodes[n as usize];
        let NodeKind::Cache(c) = &node.spec.kind else { return None };
        let capacity = c.capacity?;
        let store = node.store.get_or_insert_with(|| Box::new(LruStore::new(capacity)));
        Some(store.get(key, now))
    }

    fn cache_fill(&mut self, n: u32, m: u32) {
        let now = self.now;
        let key = self.msgs[m as usize].key;
        let node = &mut self.nodes[n as usize];
        let NodeKind::Cache(c) = &node.spec.kind else { return };
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
                    self.release(node, entered);
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
        let orig = self.msgs[m as usize].clone();
        let copy = self.new_msg(orig.req, orig.origin, orig.op, orig.key, orig.req_bytes, orig.resp_bytes);
        let c = &mut self.msgs[copy as usize];
        c.born = orig.born;
        c.stack = orig.stack;
        c.depth = orig.depth;
        c.serial = orig.serial;
        c.orphan_depth = orig.depth - 1;
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
        let hop_watched = msg.stack[..d].iter().any(|h| self.links[h.link as usize].spec.retry.is_some());
        let client_watched = msg.req != NONE && self.client_spec(msg.origin).retry.is_some();
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
                let held = node.buffer.len() + node.queue.len() + node.busy as usize;
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
        if node.busy < node.capacity() && node.fx.paused_since.is_none() {
            self.start_service(n, m);
        } else if node.queue.len() < node.prep.queue_limit as usize {
            node.queue.push_back(m);
            let len = node.queue.len() as u64;
            node.stats.queue.set(now, len);
        } else {
            self.reject(n, m, FailReason::QueueFull);
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
        let node = &mut self.nodes[n as usize];
        node.busy += 1;
        node.stats.busy.set(now, node.busy as u64);
        node.stats.wait_sum_ns += (now - self.msgs[m as usize].arrived) as u128;
        node.stats.waits += 1;
        let s = if self.msgs[m as usize].op == Op::Write { node.prep.write } else { node.prep.service };
        let slow = node.fx.service_factor(now);
        if s.is_zero() {
            self.service_done(m);
        } else {
            let mut d = s.sample(&mut self.rng);
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

    /// Free one worker of `n` and give it the next queued message.
    fn release(&mut self, n: u32, entered: Nanos) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.busy = node.busy.saturating_sub(1);
        node.stats.busy.set(now, node.busy as u64);
        node.stats.completions += 1;
        node.stats.sojourn.record(now - entered);
        self.drain_queue(n);
    }

    fn drain_queue(&mut self, n: u32) {
        let now = self.now;
        loop {
            let node = &mut self.nodes[n as usize];
            if node.busy >= node.capacity() || node.fx.paused_since.is_some() || node.fx.down {
                return;
            }
            let Some(next) = node.queue.pop_front() else { return };
            let len = node.queue.len() as u64;
            node.stats.queue.set(now, len);
            self.start_service(n, next);
        }
    }

    fn service_done(&mut self, m: u32) {
        let Place::AtNode { node: n } = self.msgs[m as usize].place else { return };
        if self.nodes[n as usize].removed {
            self.fail_here(m, FailReason::Removed);
            return;
        }
        let entered = self.msgs[m as usize].arrived;
        let hit_ratio = match &self.nodes[n as usize].spec.kind {
            NodeKind::Cache(c) => c.hit_ratio,
            _ => 0.0,
        };
        match self.nodes[n as usize].spec.kind {
            NodeKind::LoadBalancer(_) => {
                self.release(n, entered);
                match self.pick_backend(n, m) {
                    Some(i) => self.call(n, m, i, NONE as u8, false, 0, entered),
                    None => self.reject(n, m, FailReason::NoRoute),
                }
            }
            NodeKind::Cache(_) => {
                let hit = match self.cache_lookup(n, m) {
                    Some(hit) => hit,
                    None => {
                        let hit_ratio = hit_ratio * self.nodes[n as usize].fx.warmth(self.now);
                        self.rng.chance(hit_ratio)
                    }
                } || self.nodes[n as usize].out.is_empty();
                let stats = &mut self.nodes[n as usize].stats;
                if hit {
                    stats.hits += 1;
                } else {
                    stats.misses += 1;
                }
                if hit {
                    self.release(n, entered);
                    self.respond(m);
                } else {
                    self.release(n, entered);
                    self.continue_calls(n, m, 0, false, entered);
                }
            }
            NodeKind::Service(_) => {
                let blocking = self.nodes[n as usize].prep.blocking;
                self.continue_calls(n, m, 0, blocking, entered);
                if !blocking {
                    self.release(n, entered);
                }
            }
            NodeKind::Database(_) => {
                self.release(n, entered);
                self.respond(m);
            }
            NodeKind::Queue(_) => {
                self.release(n, entered);
                let msg = &self.msgs[m as usize];
                let (op, key, rq, rs) = (msg.op, msg.key, msg.req_bytes, msg.resp_bytes);
                let job = self.new_msg(NONE, n, op, key, rq, rs);
                self.ledger.jobs_created += 1;
                self.ledger.jobs_live += 1;
                let node = &mut self.nodes[n as usize];
                node.buffer.push_back(job);
                let held = (node.buffer.len() + node.queue.len()) as u64;
                node.stats.queue.set(self.now, held);
                // Acknowledge the producer now; delivery happens later.
                self.respond(m);
                self.dispatch_jobs(n);
            }
            NodeKind::RateLimiter(_) => {
                self.release(n, entered);
                self.continue_calls(n, m, 0, false, entered);
            }
            NodeKind::Client(_) => {}
        }
    }

    /// Make the next downstream call from `from` on, or answer if none is due.
    /// `holding`: the caller still holds a worker (blocking mode).
    fn continue_calls(&mut self, n: u32, m: u32, from: u8, holding: bool, entered: Nanos) {
        let out_len = self.nodes[n as usize].out.len();
        let mut i = from as usize;
        while i < out_len {
            let link = self.nodes[n as usize].out[i];
            if self.rng.chance(self.links[link as usize].spec.call_probability) {
                self.call(n, m, i, (i + 1) as u8, holding, 0, entered);
                return;
            }
            i += 1;
        }
        if holding {
            self.release(n, entered);
        }
        self.respond(m);
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
            if hop.blocking {
                self.release(n, hop.entered);
            }
            self.return_up(m);
            return;
        }
        match self.nodes[n as usize].spec.kind {
            NodeKind::Cache(_) => {
                // The miss came back with the value: keep it.
                self.cache_fill(n, m);
                self.continue_calls(n, m, hop.next_call, hop.blocking, hop.entered)
            }
            NodeKind::Service(_) | NodeKind::RateLimiter(_) => {
                self.continue_calls(n, m, hop.next_call, hop.blocking, hop.entered)
            }
            _ => {
                if hop.blocking {
                    self.release(n, hop.entered);
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
        if req == NONE {
            // An async job came back to its queue: delivered or failed.
            let now = self.now;
            let node = &mut self.nodes[origin as usize];
            node.consumers_busy = node.consumers_busy.saturating_sub(1);
            self.ledger.jobs_live -= 1;
            match error {
                None => {
                    self.ledger.jobs_done += 1;
                    node.stats.jobs_done += 1;
                    node.stats.job_latency.record(now - born);
                }
                Some(r) => self.ledger.jobs_failed[r.index()] += 1,
            }
            self.end_msg(m);
            self.dispatch_jobs(origin);
            return;
        }
        let r = &self.reqs[req as usize];
        let current = r.live && r.msg == m && r.msg_gen == self.msgs[m as usize].era;
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
        let copy = msg.clone();
        let (req, origin, op, key, rq, rs) = (msg.req, msg.origin, msg.op, msg.key, msg.req_bytes, msg.resp_bytes);
        self.msgs[m as usize].orphan_depth = depth;
        let m2 = self.new_msg(req, origin, op, key, rq, rs);
        let era2 = self.msgs[m2 as usize].era;
        {
            let c = &mut self.msgs[m2 as usize];
            c.born = copy.born;
            c.stack = copy.stack;
            c.serial = copy.serial;
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
        loop {
            let node = &mut self.nodes[n as usize];
            let consumers = match &node.spec.kind {
                NodeKind::Queue(q) => q.consumers,
                _ => return,
            };
            if node.consumers_busy >= consumers || node.out.is_empty() {
                return;
            }
            let Some(job) = node.buffer.pop_front() else { return };
            node.consumers_busy += 1;
            let held = (node.buffer.len() + node.queue.len()) as u64;
            node.stats.queue.set(self.now, held);
            let i = self.pick_round_robin(n);
            let now = self.now;
            self.call(n, job, i, NONE as u8, false, 0, now);
        }
    }

    // ----- routing ----------------------------------------------------

    fn pick_round_robin(&mut self, n: u32) -> usize {
        let node = &mut self.nodes[n as usize];
        let i = node.rr as usize % node.out.len();
        node.rr = node.rr.wrapping_add(1);
        i
    }

    fn pick_backend(&mut self, n: u32, m: u32) -> Option<usize> {
        let len = self.nodes[n as usize].out.len();
        if len == 0 {
            return None;
        }
        let node = &self.nodes[n as usize];
        if node.healthy.iter().any(|h| !h) && node.healthy.iter().any(|h| *h) {
            return Some(self.pick_healthy(n, m));
        }
        let policy = match &self.nodes[n as usize].spec.kind {
            NodeKind::LoadBalancer(lb) => lb.policy,
            _ => return Some(0),
        };
        Some(match policy {
            LbPolicy::RoundRobin => self.pick_round_robin(n),
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

    /// Like `pick_backend`, among the backends in rotation only.
    fn pick_healthy(&mut self, n: u32, m: u32) -> usize {
        let node = &self.nodes[n as usize];
        let ok: Vec<usize> = (0..node.out.len()).filter(|&i| node.healthy[i]).collect();
        let policy = match &node.spec.kind {
            NodeKind::LoadBalancer(lb) => lb.policy,
            _ => LbPolicy::RoundRobin,
        };
        match policy {
            LbPolicy::RoundRobin => {
                let node = &mut self.nodes[n as usize];
                loop {
                    let i = node.rr as usize % node.out.len();
                    node.rr = node.rr.wrapping_add(1);
                    if node.healthy[i] {
                        return i;
                    }
                }
            }
            LbPolicy::Random => ok[self.rng.below(ok.len() as u32) as usize],
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
                    .find(|&i| node.healthy[i])
                    .unwrap_or(ok[0])
            }
        }
    }

    fn start_health_checks(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        let NodeKind::LoadBalancer(lb) = &node.spec.kind else { return };
        node.epoch = node.epoch.wrapping_add(1);
        let (epoch, hc) = (node.epoch, lb.health_check.clone());
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
        let NodeKind::LoadBalancer(LoadBalancerSpec { health_check: Some(hc), .. }) = &node.spec.kind else { return };
        let hc = hc.clone();
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
