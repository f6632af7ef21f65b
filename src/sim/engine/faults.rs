//! Faults inside the engine: scheduling them, combining the active ones into
//! per-node and per-link effects, and the transitions (a crash fails the work
//! in progress; a pause freezes it exactly and resumes it later).

use serde::Serialize;

use super::*;

/// Faults compose (throttles and spikes multiply, skews too), but never
/// past this factor, whatever how many are stacked.
const MAX_COMBINED: f64 = 1000.0;
/// Added link latency in all: 100 hours, far inside the nanosecond clock.
const MAX_ADDED_LATENCY: Nanos = 360_000_000_000_000;

/// What a fault does, resolved to engine indices.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    NodeDown(u32),
    NodePause(u32),
    NodeSlow(u32, f64),
    Spike(u32, f64),
    LinkLatency(u32, Nanos, f64),
    LinkLoss(u32, f64),
    LinkBandwidth(u32, f64),
    LinkBlackhole(u32),
    LinkCorrupt(u32, f64),
    LinkDuplicate(u32, f64),
    DiskFull(u32),
    ClockSkew(u32, f64),
    HotKey(u32, f64),
    PoolLeak(u32, u32),
    /// Cache emptied; warms back over this long.
    CacheFlush(u32, Nanos),
    /// Crash and immediate restart, slow until warm after this long.
    Restart(u32, Nanos),
    /// Growing slowdown, then a crash after this long.
    MemoryLeak(u32, Nanos),
    /// This many requests from a client at the same instant.
    Herd(u32, u32),
    /// Replicated database: this much extra replication lag (ms).
    ReplicaLag(u32, f64),
    /// Replicated database: the primary fails; a replica takes over.
    LeaderFailover(u32),
    /// Replicated database: this many replicas are down (their zone is out).
    ReplicasDown(u32, u32),
}

#[derive(Clone)]
pub(super) struct ActiveFault {
    label: String,
    effects: Vec<Effect>,
    start: Nanos,
    end: Option<Nanos>,
    active: bool,
    healed: bool,
    group: Vec<String>,
}

/// A fault as reports and the UI show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultRecord {
    pub id: u32,
    pub fault: String,
    pub start_s: f64,
    pub end_s: Option<f64>,
    pub active: bool,
    /// A partition's cut-off nodes (to draw the cut).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<String>,
}

/// What the chaos monkey may break.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum MonkeyFault {
    Kill,
    Pause,
    CpuThrottle,
    Restart,
    Latency,
    PacketLoss,
}

/// Random faults at exponential intervals (mean `interval`), each lasting
/// `duration`, drawn from their own seeded stream so a run replays exactly.
#[derive(Clone, Debug)]
pub struct Monkey {
    pub interval: Nanos,
    pub duration: Nanos,
    pub faults: Vec<MonkeyFault>,
    pub(super) rng: SimRng,
    pub(super) epoch: Gen,
}

impl Monkey {
    pub fn new(interval: Nanos, duration: Nanos, faults: Vec<MonkeyFault>, seed: u64) -> Self {
        // A separate stream: turning the monkey on changes nothing else.
        Self {
            interval: interval.max(1),
            duration,
            faults,
            rng: SimRng::seeded(seed ^ 0x6d6f_6e6b_6579),
            epoch: Gen::default(),
        }
    }
}

impl Engine {
    /// Start (or stop, with `None`) the chaos monkey.
    pub fn set_monkey(&mut self, monkey: Option<Monkey>) {
        let epoch = self.monkey.as_ref().map_or(Gen::default(), |m| m.epoch.next());
        self.monkey = monkey.map(|mut m| {
            m.epoch = epoch;
            m
        });
        self.next_monkey();
    }

    pub fn monkey(&self) -> Option<&Monkey> {
        self.monkey.as_ref()
    }

    fn next_monkey(&mut self) {
        let now = self.now;
        let Some(m) = self.monkey.as_mut() else { return };
        if m.faults.is_empty() {
            return;
        }
        let gap = m.rng.exp(m.interval as f64) as Nanos;
        let epoch = m.epoch;
        self.at(now + gap.max(1), What::Monkey { epoch });
    }

    /// The monkey strikes: a random fault on a random target.
    pub(super) fn monkey_strikes(&mut self, epoch: Gen) {
        let Some(m) = self.monkey.as_mut() else { return };
        if m.epoch != epoch {
            return;
        }
        let kind = m.faults[m.rng.below(m.faults.len() as u32) as usize];
        let duration = m.duration;
        let servers: Vec<u32> = (0..self.nodes.len() as u32)
            .filter(|&n| {
                let node = &self.nodes[n as usize];
                !node.removed && !matches!(node.spec.kind, NodeKind::Client(_))
            })
            .collect();
        let links: Vec<u32> = (0..self.links.len() as u32).filter(|&l| !self.links[l as usize].removed).collect();
        let m = self.monkey.as_mut().expect("checked above");
        let pick = |rng: &mut SimRng, v: &[u32]| (!v.is_empty()).then(|| v[rng.below(v.len() as u32) as usize]);
        let choice = match kind {
            MonkeyFault::Latency | MonkeyFault::PacketLoss => pick(&mut m.rng, &links).map(|l| (false, l)),
            _ => pick(&mut m.rng, &servers).map(|n| (true, n)),
        };
        if let Some((is_node, i)) = choice {
            let name = if is_node {
                self.nodes[i as usize].spec.id.clone()
            } else {
                format!("{}->{}", self.links[i as usize].spec.from, self.links[i as usize].spec.to)
            };
            let (label, effect) = match kind {
                MonkeyFault::Kill => (format!("kill {name}"), Effect::NodeDown(i)),
                MonkeyFault::Pause => (format!("pause {name}"), Effect::NodePause(i)),
                MonkeyFault::CpuThrottle => (format!("throttle {name} x3"), Effect::NodeSlow(i, 3.0)),
                MonkeyFault::Restart => (format!("restart {name} warm 10s"), Effect::Restart(i, 10 * 1_000_000_000)),
                MonkeyFault::Latency => (format!("latency {name} +200ms"), Effect::LinkLatency(i, 200_000_000, 50e6)),
                MonkeyFault::PacketLoss => (format!("loss {name} 20%"), Effect::LinkLoss(i, 0.2)),
            };
            let now = self.now;
            self.schedule_fault(format!("monkey: {label}"), vec![effect], now, Some(now + duration));
        }
        self.next_monkey();
    }

    /// Schedule a fault from `start` (now, if earlier) until `end` (None:
    /// until healed). Returns its id.
    pub fn schedule_fault(&mut self, label: String, effects: Vec<Effect>, start: Nanos, end: Option<Nanos>) -> u32 {
        let id = self.faults.len() as u32;
        let start = start.max(self.now);
        let end = end.map(|e| e.max(start));
        self.faults.push(ActiveFault { label, effects, start, end, active: false, healed: false, group: Vec::new() });
        self.at(start, What::FaultStart { id });
        if let Some(e) = end {
            self.at(e, What::FaultEnd { id });
        }
        id
    }

    /// Name the nodes a fault cuts off (a partition), for drawing.
    pub fn set_fault_group(&mut self, id: u32, group: Vec<String>) {
        if let Some(f) = self.faults.get_mut(id as usize) {
            f.group = group;
        }
    }

    /// End a fault now (or cancel it if it has not started).
    pub fn heal(&mut self, id: u32) {
        let now = self.now;
        let Some(f) = self.faults.get_mut(id as usize) else { return };
        if f.healed {
            return;
        }
        f.healed = true;
        f.end = Some(now.max(f.start));
        if f.active {
            f.active = false;
            self.refresh_fx();
        }
    }

    /// How many faults are in effect now (cheap: no records built).
    pub fn active_fault_count(&self) -> usize {
        self.faults.iter().filter(|f| f.active).count()
    }

    /// Every fault so far, in order.
    pub fn fault_log(&self) -> Vec<FaultRecord> {
        self.faults
            .iter()
            .enumerate()
            .map(|(i, f)| FaultRecord {
                id: i as u32,
                fault: f.label.clone(),
                start_s: f.start as f64 / 1e9,
                end_s: f.end.map(|e| e as f64 / 1e9),
                active: f.active,
                group: f.group.clone(),
            })
            .collect()
    }

    pub(super) fn fault_start(&mut self, id: u32) {
        let f = &mut self.faults[id as usize];
        if f.healed || f.active {
            return;
        }
        f.active = true;
        let start = f.start;
        let effects = f.effects.clone();
        for e in effects {
            match e {
                // A leak ends in a crash: look again when it is due.
                Effect::MemoryLeak(_, after) => self.at(start + after, What::FaultTick),
                Effect::Herd(n, count) => {
                    for _ in 0..count {
                        self.new_request(n);
                    }
                }
                _ => {}
            }
        }
        self.refresh_fx();
    }

    pub(super) fn fault_tick(&mut self) {
        self.refresh_fx();
    }

    pub(super) fn fault_end(&mut self, id: u32) {
        let f = &mut self.faults[id as usize];
        if !f.active {
            return;
        }
        f.active = false;
        f.healed = true;
        self.refresh_fx();
    }

    /// Recombine every active fault into node and link effects (faults
    /// compose: throttles multiply, latencies add, losses combine), then
    /// carry out what changed.
    /// The active faults' effects, folded per node and per link.
    fn combine_effects(&self) -> Combined {
        let mut down = vec![false; self.nodes.len()];
        let mut paused = vec![false; self.nodes.len()];
        let mut slow = vec![1.0f64; self.nodes.len()];
        let mut spike = vec![1.0f64; self.nodes.len()];
        let mut links = vec![LinkFx::default(); self.links.len()];
        let mut other = vec![NodeFx::default(); self.nodes.len()];
        let mut restarts = Vec::new();
        let now = self.now;
        for f in self.faults.iter().filter(|f| f.active) {
            for e in &f.effects {
                match *e {
                    Effect::NodeDown(n) => down[n as usize] = true,
                    Effect::DiskFull(n) => other[n as usize].disk_full = true,
                    Effect::ClockSkew(n, k) => {
                        let s = &mut other[n as usize].skew;
                        *s = (*s * k).clamp(1.0 / MAX_COMBINED, MAX_COMBINED);
                    }
                    Effect::HotKey(n, share) => other[n as usize].hot = other[n as usize].hot.max(share),
                    Effect::PoolLeak(n, k) => other[n as usize].leaked = other[n as usize].leaked.saturating_add(k),
                    Effect::CacheFlush(n, warm) => other[n as usize].cold = Some((f.start, f.start + warm)),
                    Effect::Restart(n, warm) => {
                        other[n as usize].warming = Some((f.start, f.start + warm));
                        if f.start == now && !self.nodes[n as usize].fx.warming.is_some_and(|w| w.0 == now) {
                            restarts.push(n);
                        }
                    }
                    Effect::MemoryLeak(n, after) => {
                        other[n as usize].leaking = Some((f.start, f.start + after));
                        if now >= f.start + after {
                            down[n as usize] = true;
                        }
                    }
                    Effect::Herd(..) => {}
                    Effect::ReplicaLag(n, ms) => other[n as usize].extra_lag_ms += ms,
                    Effect::ReplicasDown(n, k) => other[n as usize].replicas_down += k,
                    Effect::LeaderFailover(n) => {
                        let elect = match &self.nodes[n as usize].spec.kind {
                            NodeKind::ReplicatedDatabase(d) => secs_to_nanos(d.failover_s),
                            _ => 0,
                        };
                        other[n as usize].failover = Some((f.start, f.start + elect));
                    }
                    Effect::LinkCorrupt(l, p) => {
                        let x = &mut links[l as usize].corrupt;
                        *x = 1.0 - (1.0 - *x) * (1.0 - p);
                    }
                    Effect::LinkDuplicate(l, p) => {
                        let x = &mut links[l as usize].duplicate;
                        *x = 1.0 - (1.0 - *x) * (1.0 - p);
                    }
                    Effect::NodePause(n) => paused[n as usize] = true,
                    Effect::NodeSlow(n, k) => slow[n as usize] = (slow[n as usize] * k).min(MAX_COMBINED),
                    Effect::Spike(n, k) => spike[n as usize] = (spike[n as usize] * k).min(MAX_COMBINED),
                    Effect::LinkLatency(l, add, jitter) => {
                        links[l as usize].extra_latency =
                            links[l as usize].extra_latency.saturating_add(add).min(MAX_ADDED_LATENCY);
                        links[l as usize].extra_jitter += jitter;
                    }
                    Effect::LinkLoss(l, p) => {
                        let x = &mut links[l as usize].extra_loss;
                        *x = 1.0 - (1.0 - *x) * (1.0 - p);
                    }
                    Effect::LinkBandwidth(l, mbps) => {
                        let b = &mut links[l as usize].bandwidth_mbps;
                        *b = Some(b.map_or(mbps, |x| x.min(mbps)));
                    }
                    Effect::LinkBlackhole(l) => links[l as usize].blackhole = true,
                }
            }
        }
        Combined { down, paused, slow, spike, links, other, restarts }
    }

    fn refresh_fx(&mut self) {
        let Combined { down, paused, slow, spike, links, other, restarts } = self.combine_effects();
        for (l, fx) in links.into_iter().enumerate() {
            self.links[l].fx = fx;
            self.refresh_fast(l);
        }
        // A restart is a crash followed at once by a cold start.
        for n in restarts {
            if !self.nodes[n as usize].fx.down {
                self.crash(n);
                self.nodes[n as usize].fx.down = false;
                self.restart_generation(n);
                self.start_reconnects(n);
            }
        }
        for n in 0..self.nodes.len() {
            let was = self.nodes[n].fx.clone();
            if other[n].cold.is_some() && other[n].cold != was.cold {
                // A flush empties a cache that holds real keys.
                self.cache_clear(n as u32);
            }
            let fx = &mut self.nodes[n].fx;
            fx.slow = slow[n];
            let o = &other[n];
            fx.disk_full = o.disk_full;
            fx.skew = o.skew;
            fx.hot = o.hot;
            fx.leaked = o.leaked;
            fx.cold = o.cold;
            fx.warming = o.warming;
            fx.leaking = o.leaking;
            fx.extra_lag_ms = o.extra_lag_ms;
            let failed_over = o.failover.is_some() && fx.failover.is_none();
            fx.failover = o.failover;
            let replicas_lost = o.replicas_down > fx.replicas_down;
            fx.replicas_down = o.replicas_down;
            let freed = was.leaked > fx.leaked;
            let spike_changed = fx.spike != spike[n];
            fx.spike = spike[n];
            let n32 = n as u32;
            if failed_over {
                self.primary_fails(n32);
            }
            if replicas_lost {
                self.replicas_fail(n32);
            }
            if down[n] && !was.down {
                self.crash(n32);
            } else if !down[n] && was.down {
                self.nodes[n].fx.down = false;
                self.restart_generation(n32);
                // Every phone that was connected comes back at once.
                self.start_reconnects(n32);
                // A durable store picks up where it stopped.
                self.dispatch_jobs(n32);
            }
            if paused[n] && was.paused_since.is_none() {
                self.nodes[n].fx.paused_since = Some(self.now);
            } else if !paused[n] && was.paused_since.is_some() {
                self.resume(n32);
            }
            if spike_changed && self.nodes[n].fx.generating() {
                self.restart_generation(n32);
            }
            if freed {
                self.drain_queue(n32);
            }
        }
    }

    /// A client starts sending again (after a crash, pause or rate change).
    fn restart_generation(&mut self, n: u32) {
        if matches!(self.nodes[n as usize].spec.kind, NodeKind::Client(_)) {
            self.start_client(n);
        }
    }

    /// Crash: everything queued, in service or stored at the node fails at
    /// once (reason `node_down`), as callers see a reset connection.
    fn crash(&mut self, n: u32) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.fx.down = true;
        node.life = node.life.next();
        node.epoch = node.epoch.next();
        node.fx.frozen.clear();
        let mut queued: Vec<u32> = node.members.iter_mut().flat_map(|k| k.drain_all()).collect();
        queued.extend(node.take_waiters());
        // A durable store keeps what it holds; the rest is gone.
        let durable = matches!(&node.spec.kind, NodeKind::Inbox(i) if i.durable);
        let jobs: Vec<u32> = if durable { Vec::new() } else { node.take_stored_jobs() };
        for k in &mut node.members {
            k.busy = 0;
        }
        node.spec.kind.crashed(&mut node.state, now);
        if node.spec.kind.caching().is_some() {
            // A cache's memory is gone with it: it comes back cold.
            node.store = None;
        }
        node.busy = 0;
        node.consumers_busy = 0;
        node.stats.queue.set(now, 0);
        node.stats.busy.set(now, 0);
        for j in jobs {
            self.ledger.jobs_live -= 1;
            self.ledger.jobs_failed[FailReason::NodeDown.index()] += 1;
            self.global.lost += 1;
            self.end_msg(j);
        }
        // Work in service or backing off here: find it in the arena.
        let here: Vec<u32> = (0..self.msgs.len() as u32)
            .filter(|&m| {
                let msg = &self.msgs[m as usize];
                msg.live
                    && matches!(msg.place, Place::AtNode { node } | Place::Backoff { node } if node == n)
                    && msg.depth > 0
            })
            .collect();
        for m in queued.into_iter().chain(here) {
            let msg = &mut self.msgs[m as usize];
            // Failing one may already have moved another on (a fan-out
            // branch completing its waiting message).
            if !msg.live || !matches!(msg.place, Place::AtNode { node } | Place::Backoff { node } if node == n) {
                continue;
            }
            // Its pending completion (if any) is now stale.
            msg.svc = msg.svc.next();
            self.fail_here(m, FailReason::NodeDown);
        }
    }

    /// A replicated database loses its primary: work there fails, and
    /// acknowledged writes not yet on a replica are lost with it.
    fn primary_fails(&mut self, n: u32) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        if node.members.len() < 2 {
            return;
        }
        if let KindState::ReplicatedDatabase(r) = &mut node.state {
            node.stats.lost_writes += r.forget_unreplicated(now);
        }
        self.members_fail(n, 0..1);
    }

    /// Replicas of a replicated database went down: reads queued or in
    /// service there fail. The replicas standing are the first ones, so
    /// those that fail are the last.
    fn replicas_fail(&mut self, n: u32) {
        let node = &self.nodes[n as usize];
        let all = node.members.len();
        let standing = all.saturating_sub(1 + node.fx.replicas_down as usize);
        self.members_fail(n, 1 + standing..all);
    }

    /// Work queued or in service at these members of `n` fails.
    fn members_fail(&mut self, n: u32, which: std::ops::Range<usize>) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        let which = which.start.min(node.members.len())..which.end.min(node.members.len());
        let queued: Vec<u32> = node.members[which.clone()].iter_mut().flat_map(|k| k.drain_all()).collect();
        node.stats.queue.add(now, -(queued.len() as i64));
        let here: Vec<u32> = (0..self.msgs.len() as u32)
            .filter(|&m| {
                let msg = &self.msgs[m as usize];
                msg.live
                    && which.contains(&(msg.member as usize))
                    && msg.depth > 0
                    && msg.place == (Place::AtNode { node: n })
            })
            .filter(|m| !queued.contains(m))
            .collect();
        let node = &mut self.nodes[n as usize];
        for k in which {
            node.busy -= node.members[k].busy.min(node.busy);
            node.members[k].busy = 0;
        }
        node.stats.busy.set(now, node.busy as u64);
        for m in queued.into_iter().chain(here) {
            let msg = &mut self.msgs[m as usize];
            msg.svc = msg.svc.next();
            self.fail_here(m, FailReason::NodeDown);
        }
    }

    /// Resume a paused node: frozen work continues where it stopped.
    fn resume(&mut self, n: u32) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        let Some(since) = node.fx.paused_since.take() else { return };
        node.fx.pauses.push((since, now));
        if node.fx.pauses.len() > 32 {
            node.fx.pauses.remove(0);
        }
        let frozen = std::mem::take(&mut node.fx.frozen);
        for (m, era, svc, left) in frozen {
            if self.msg_ok(m, era) && self.msgs[m as usize].svc == svc {
                self.msgs[m as usize].svc_start = now;
                self.at(now + left, What::ServiceDone { msg: m, era, svc });
            }
        }
        self.drain_queue(n);
        self.restart_generation(n);
    }

    /// A service would end now. If the node was frozen for part of it, the
    /// work still has that long to go: freeze it, or push the end back.
    pub(super) fn service_done_or_freeze(&mut self, m: u32, era: Gen, svc: Gen) {
        let Place::AtNode { node: n } = self.msgs[m as usize].place else { return };
        let now = self.now;
        let start = self.msgs[m as usize].svc_start;
        let fx = &self.nodes[n as usize].fx;
        let overlap: Nanos = fx.pauses.iter().map(|&(p, r)| r.min(now).saturating_sub(p.max(start))).sum();
        if let Some(p) = fx.paused_since {
            let left = now - p.max(start) + overlap;
            self.nodes[n as usize].fx.frozen.push((m, era, svc, left));
            return;
        }
        if overlap > 0 {
            self.msgs[m as usize].svc_start = now;
            self.at(now + overlap, What::ServiceDone { msg: m, era, svc });
            return;
        }
        self.service_done(m);
    }
}

/// What the active faults add up to (see `combine_effects`).
struct Combined {
    down: Vec<bool>,
    paused: Vec<bool>,
    slow: Vec<f64>,
    spike: Vec<f64>,
    links: Vec<LinkFx>,
    /// The rest of each node's effects, in the shape they are kept in.
    other: Vec<NodeFx>,
    /// Nodes whose restart begins now.
    restarts: Vec<u32>,
}
