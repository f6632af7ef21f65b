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
//!
//! The mechanisms each have a file: `events` (the queue's entries), `arena`
//! (messages, requests, the ledger), `node` and `link` (runtime state),
//! `clients`, `stations` (admission and service), `calls` (the call stack),
//! `jobs` (queues and streams), `stores`, `phones`, `autoscale`, `routing`,
//! `topology` (live changes), `faults` and `hedge` (hedged requests).

use std::cmp::Ordering;
use std::collections::VecDeque;

mod arena;
mod autoscale;
mod calls;
mod clients;
mod events;
mod faults;
mod freshness;
mod hedge;
mod jobs;
mod link;
mod node;
mod outliers;
mod phones;
mod routing;
mod stations;
mod stores;
mod topology;

pub use arena::*;
use events::*;
use freshness::*;
pub use link::*;
pub use node::*;
use outliers::*;
use stores::*;

pub use faults::{FaultRecord, Monkey, MonkeyFault};
/// Fault effects, for the chaos module to build.
pub mod faults_api {
    pub use super::faults::Effect;
}

use super::dist::{Sampler, SimRng, hash64};
use super::metrics::{FailReason, GlobalStats, LinkStats, NodeStats, Tally, Windows};
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

/// The whole running system.
#[derive(Clone)]
pub struct Engine {
    now: Nanos,
    queue: Queue,
    rng: SimRng,
    nodes: Vec<NodeRt>,
    links: Vec<LinkRt>,
    msgs: Vec<Msg>,
    free_msgs: Vec<u32>,
    reqs: Vec<Req>,
    free_reqs: Vec<u32>,
    global: GlobalStats,
    windows: Windows,
    ledger: Ledger,
    live_msgs: u64,
    /// When statistics were last reset (end of warm-up).
    stats_since: Nanos,
    /// Jobs lost before the statistics last restarted (the ledger is
    /// never reset; reports count from the restart).
    jobs_failed_before: u64,
    /// More than one client: requests are also tallied by client (one
    /// client's tally would repeat the global figures; tallies start when
    /// a second client appears).
    several_clients: bool,
    events_processed: u64,
    /// Faults scheduled, active or healed (see `faults.rs`).
    faults: Vec<faults::ActiveFault>,
    monkey: Option<faults::Monkey>,
    /// Request type names; a message's `class` indexes this.
    classes: Vec<String>,
    /// Messages inboxes hold for an offline phone: (devices node, user).
    held: std::collections::HashMap<(u32, u64), Vec<(u32, Gen)>>,
    /// What one simulated copy stands for (reports scale totals by it).
    scale: Option<Scale>,
    /// The seed the run started from.
    seed: u64,
    /// When each key was last written at a store: kept only once a cache
    /// holds keys, to tell its stale hits (see `freshness.rs`).
    writes: Option<Box<LastWrites>>,
}

/// A topology the engine can run: nodes plus links between them by index.
pub struct Topology {
    pub nodes: Vec<NodeSpec>,
    pub links: Vec<LinkSpec>,
    pub link_ends: Vec<(u32, u32)>,
}

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
            queue: Queue::new(),
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
            jobs_failed_before: 0,
            several_clients: false,
            events_processed: 0,
            faults: Vec::new(),
            monkey: None,
            classes: vec!["read".into(), "write".into()],
            held: Default::default(),
            scale: None,
            seed,
            writes: None,
        };
        e.windows.rebase(e.nodes.len(), e.links.len());
        e.count_clients();
        e.note_caches();
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

    /// Does link `l` carry requests of this type?
    #[inline]
    fn carries(&self, l: u32, class: u8) -> bool {
        let mask = self.links[l as usize].mask;
        mask == 0 || mask & (1u64 << class) != 0
    }

    pub fn now(&self) -> Nanos {
        self.now
    }

    /// The seed this run started from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Every node, in topology order (deleted ones stay, marked `removed`).
    /// The engine's state is read through these and changed only through
    /// its methods.
    pub fn nodes(&self) -> &[NodeRt] {
        &self.nodes
    }

    /// Every link, in topology order.
    pub fn links(&self) -> &[LinkRt] {
        &self.links
    }

    /// Totals over the whole system since statistics started.
    pub fn global(&self) -> &GlobalStats {
        &self.global
    }

    /// The one-second windows of the recent past.
    pub fn windows(&self) -> &Windows {
        &self.windows
    }

    /// Every request, message and job, from creation to its end.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// When statistics last (re)started (the end of the warm-up).
    pub fn stats_since(&self) -> Nanos {
        self.stats_since
    }

    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// What one simulated copy stands for, if the system is scaled.
    pub fn scale(&self) -> Option<&Scale> {
        self.scale.as_ref()
    }

    /// Say what one simulated copy stands for (reports scale totals by it).
    pub fn set_scale(&mut self, scale: Option<Scale>) {
        self.scale = scale;
    }

    /// Live (unresolved) requests.
    pub fn live_requests(&self) -> u64 {
        self.ledger.requests_live
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
            n.spec.kind.reset_counters(&mut n.state, now);
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
        self.jobs_failed_before = self.ledger.jobs_failed.iter().sum();
    }

    /// Note whether there is more than one client (after a node is added,
    /// removed or changed).
    pub(super) fn count_clients(&mut self) {
        let clients = self.nodes.iter().filter(|n| !n.removed && matches!(n.spec.kind, NodeKind::Client(_))).count();
        self.several_clients = clients > 1;
    }

    /// Jobs lost after their sender was told "accepted", since the
    /// statistics last restarted.
    pub fn jobs_failed_measured(&self) -> u64 {
        self.ledger.jobs_failed.iter().sum::<u64>() - self.jobs_failed_before
    }

    /// Process every event up to and including `until`, then set the clock to it.
    pub fn run_until(&mut self, until: Nanos) {
        while let Some(ev) = self.queue.pop_until(until) {
            self.dispatch(ev);
        }
        while until >= self.windows.next_end {
            self.close_window();
        }
        self.now = until;
    }

    /// Like [`Engine::run_until`], but stops after `max_events` events,
    /// the clock at the last one handled, and returns `false`; the rest is
    /// handled by the next call exactly as if there had been no stop.
    pub fn run_some(&mut self, until: Nanos, max_events: u64) -> bool {
        for _ in 0..max_events {
            let Some(ev) = self.queue.pop_until(until) else {
                self.run_until(until);
                return true;
            };
            self.dispatch(ev);
        }
        false
    }

    /// Handle one event at its time (closing the one-second windows it is
    /// past first).
    #[inline]
    fn dispatch(&mut self, ev: events::Ev) {
        while ev.t >= self.windows.next_end {
            self.close_window();
        }
        self.now = ev.t;
        self.events_processed += 1;
        self.handle(ev.what);
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
        // Nor is the second copy of a hedged call while the first lives.
        let live_jobs = self
            .msgs
            .iter()
            .enumerate()
            .filter(|(_, m)| m.live && m.req == NONE && m.orphan_depth == NO_ORPHAN && m.parent == NONE)
            .filter(|&(i, m)| !(m.hedge_copy && self.paired(i as u32)))
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

    /// Message slots made so far: the most messages ever alive at once
    /// (slots are reused, and kept for reuse once a backlog drains).
    pub fn message_slots(&self) -> usize {
        self.msgs.len()
    }

    /// Roughly what a copy of this engine takes in memory (its arenas and
    /// an upper bound for its nodes' latency histograms), for budgets of
    /// copies kept.
    pub fn approx_bytes(&self) -> usize {
        use std::mem::size_of;
        self.msgs.len() * (size_of::<arena::Msg>() + 2 * size_of::<arena::Hop>())
            + self.reqs.len() * size_of::<arena::Req>()
            + self.nodes.len() * 200_000
            + self.links.len() * 1_000
    }

    /// The node with this id that is still in the system.
    pub fn find_node(&self, id: &str) -> Option<u32> {
        self.nodes.iter().position(|n| n.spec.id == id && !n.removed).map(|i| i as u32)
    }

    /// The link from `from` to `to` that is still in the system.
    pub fn find_link(&self, from: &str, to: &str) -> Option<u32> {
        self.links.iter().position(|l| l.spec.from == from && l.spec.to == to && !l.removed).map(|i| i as u32)
    }

    /// Nodes still in the system that are tagged with this zone.
    pub fn nodes_in_zone(&self, zone: &str) -> Vec<u32> {
        (0..self.nodes.len() as u32)
            .filter(|&i| {
                let n = &self.nodes[i as usize];
                !n.removed && n.spec.zone.as_deref() == Some(zone)
            })
            .collect()
    }

    /// Replicated databases with members in `zone` (by their own zones):
    /// the node, whether its primary is there, and how many replicas.
    pub fn members_in_zone(&self, zone: &str) -> Vec<(u32, bool, u32)> {
        (0..self.nodes.len() as u32)
            .filter_map(|i| {
                let n = &self.nodes[i as usize];
                let NodeKind::ReplicatedDatabase(d) = &n.spec.kind else { return None };
                if n.removed || d.zones.is_empty() {
                    return None;
                }
                let primary = d.zones[0] == zone;
                let replicas = d.zones[1..].iter().filter(|z| *z == zone).count() as u32;
                (primary || replicas > 0).then_some((i, primary, replicas))
            })
            .collect()
    }

    /// Links still in the system with one end inside `group` and the other outside.
    pub fn links_crossing(&self, group: &[u32]) -> Vec<u32> {
        (0..self.links.len() as u32)
            .filter(|&i| {
                let l = &self.links[i as usize];
                !l.removed && group.contains(&l.from) != group.contains(&l.to)
            })
            .collect()
    }

    #[inline]
    fn at(&mut self, t: Nanos, what: What) {
        self.queue.push(self.now, t, what);
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
            What::Hedge { msg, era, depth, serial } => self.hedge(msg, era, depth, serial),
            What::Scale { node, epoch } => self.autoscale(node, epoch),
            What::Booted { node, epoch, count } => self.booted(node, epoch, count),
            What::Reconnect { node, epoch, left } => self.reconnect(node, epoch, left),
            What::Linger { node } => self.linger_over(node),
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
    fn msg_ok(&self, msg: u32, era: Gen) -> bool {
        let m = &self.msgs[msg as usize];
        m.live && m.era == era
    }

    /// Empty a cache (flush fault).
    pub(super) fn cache_clear(&mut self, n: u32) {
        if let Some(s) = &mut self.nodes[n as usize].store {
            s.clear();
        }
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
}
