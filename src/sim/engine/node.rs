//! A node's runtime state: its worker pools and queues, the parameters
//! pre-digested for the hot path, and the combined effect of active faults.

use super::*;

/// One pool of workers with its own queue. Most nodes have one; a sharded
/// database has one per shard, a replicated one per primary/replica.
#[derive(Default, Clone)]
pub struct Member {
    pub busy: u32,
    pub(super) queue: VecDeque<u32>,
    /// Priority request types wait here and are served first.
    pub(super) urgent: VecDeque<u32>,
    /// Requests served, for spotting a hot shard.
    pub served: u64,
}

impl Member {
    pub fn queue_len(&self) -> usize {
        self.queue.len() + self.urgent.len()
    }

    pub(super) fn drain_all(&mut self) -> Vec<u32> {
        self.urgent.drain(..).chain(self.queue.drain(..)).collect()
    }
}

/// A stream's consumer group: the link it reads over, and per partition
/// the messages waiting and whether one is being delivered.
#[derive(Clone)]
pub(super) struct Group {
    pub(super) link: u32,
    pub(super) lanes: Vec<(VecDeque<u32>, bool)>,
}

/// One type of request in a client's mix, ready to draw.
#[derive(Clone, Copy, Debug)]
pub(super) struct MixEntry {
    pub(super) cumulative: f64,
    pub(super) class: u8,
    pub(super) write: bool,
    pub(super) req_bytes: u32,
    pub(super) resp_bytes: u32,
}

/// A node's runtime state.
#[derive(Clone)]
pub struct NodeRt {
    pub spec: NodeSpec,
    /// Outgoing links in the order they were declared.
    pub out: Vec<u32>,
    pub(super) prep: Prepared,
    pub busy: u32,
    /// Worker pools with their queues (`busy` is their total).
    pub members: Vec<Member>,
    /// Calls sent over each outgoing link and not yet answered.
    pub(super) outstanding: Vec<u32>,
    /// Load balancers with health checks: is each backend in rotation, and
    /// its streak of probe results (> 0: passes in a row, < 0: failures).
    pub(super) healthy: Vec<bool>,
    /// Per outgoing link: the backend's life last seen and when it came
    /// back (for a balancer's slow start).
    pub(super) joined: Vec<(Option<Gen>, Option<Nanos>)>,
    pub(super) streak: Vec<i32>,
    /// Per outgoing link: a balancer's outlier ejection (see `outliers`).
    pub(super) ejection: Vec<Ejection>,
    /// When the last ejection in force ends (before it, some backend may
    /// be out of rotation).
    pub(super) ejected_till: Nanos,
    pub(super) rr: u32,
    pub(super) ring: Vec<(u64, u32)>,
    pub(super) epoch: Gen,
    /// Closed loop: users currently in the system or thinking.
    pub(super) users: u32,
    /// Async jobs stored by a queue node, not yet delivered.
    pub(super) buffer: VecDeque<u32>,
    /// Cache with a capacity: the keys it holds.
    pub(super) store: Option<Box<LruStore>>,
    /// Client: key popularity (Zipf), if not uniform.
    pub(super) zipf: Option<crate::sim::dist::Zipf>,
    /// Client: retry-budget tokens.
    pub(super) retry_tokens: f64,
    pub(super) consumers_busy: u32,
    /// Queue: when its pending linger wake-up fires (0: none pending).
    pub(super) linger_at: Nanos,
    pub stats: NodeStats,
    /// Deleted from the running system; its index is never reused.
    pub removed: bool,
    /// What active faults do to this node right now.
    pub fx: NodeFx,
    /// Incarnation: bumped by every crash, which forgets calls in progress.
    pub(super) life: Gen,
    /// Client: its traffic mix by request type (empty: read/write ratio).
    pub(super) mix: Vec<MixEntry>,
    /// Autoscaling: the review timer's generation, and the busy-time mark
    /// of the last review.
    pub(super) scale_epoch: Gen,
    pub(super) scale_mark: (u128, Nanos),
    /// Caches that coalesce: keys being fetched, since when, and the
    /// misses waiting for them.
    pub(super) fetching: std::collections::BTreeMap<u64, (Nanos, Vec<(u32, Gen)>)>,
    /// Some outgoing link carries only some request types.
    pub(super) typed_links: bool,
    /// An open-loop client's own lane in the event queue for its arrivals.
    pub(super) arrival_lane: Option<u8>,
    /// How many of `healthy` are false (so routing knows without looking).
    pub(super) unhealthy: u32,
    /// Stream: consumer groups with their partitions.
    pub(super) groups: Vec<Group>,
    /// Fan-out: messages waiting for their branches.
    pub(super) forks: std::collections::HashMap<u32, Fork>,
    /// What its kind keeps while it runs (see `kinds::Kind::State`).
    pub state: KindState,
    /// Async jobs set aside here for a later try (see `set_aside`).
    pub(super) backing_off: u64,
    /// Its queue is being drained, and a worker freed meanwhile (see
    /// `drain_queue`).
    pub(super) draining: bool,
    pub(super) drain_again: bool,
}

/// A message waiting for its fan-out branches.
#[derive(Clone)]
pub(super) struct Fork {
    pub(super) era: Gen,
    pub(super) pending: u32,
    pub(super) error: Option<FailReason>,
    pub(super) holding: bool,
    pub(super) entered: Nanos,
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
    pub(super) pauses: Vec<(Nanos, Nanos)>,
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
    pub(super) frozen: Vec<(u32, Gen, Gen, Nanos)>,
    /// Replicated database: extra replication lag (ms).
    pub extra_lag_ms: f64,
    /// Replicated database: the primary failed at .0; a replica takes over at .1.
    pub failover: Option<(Nanos, Nanos)>,
    /// Replicated database: replicas down (their zone is out).
    pub replicas_down: u32,
}

/// Who serves a replicated database now.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Standing {
    /// Its primary failed and no replica has taken over yet: writes fail.
    pub electing: bool,
    /// Replicas serving reads (after a failover, one of them leads).
    pub replicas: usize,
}

impl NodeFx {
    /// A replicated database with `replicas` replicas, now: a replica is
    /// promoted once the election is over, if one is standing.
    pub fn standing(&self, replicas: usize, now: Nanos) -> Standing {
        let up = replicas.saturating_sub(self.replicas_down as usize);
        let promoted = self.failover.is_some_and(|(_, elected)| now >= elected) && up > 0;
        Standing { electing: self.failover.is_some() && !promoted, replicas: up - promoted as usize }
    }

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
            replicas_down: 0,
        }
    }
}

impl NodeRt {
    /// A fresh node; its time integrals start at `now`.
    pub(super) fn new(spec: NodeSpec, now: Nanos) -> Self {
        let mut stats = NodeStats::default();
        stats.queue.restart(now);
        stats.busy.restart(now);
        let state = spec.kind.new_state(now);
        let mut node = NodeRt {
            prep: spec.kind.prepare(),
            state,
            members: (0..spec.kind.members()).map(|_| Member::default()).collect(),
            spec,
            out: Vec::new(),
            busy: 0,
            outstanding: Vec::new(),
            healthy: Vec::new(),
            joined: Vec::new(),
            streak: Vec::new(),
            ejection: Vec::new(),
            ejected_till: 0,
            rr: 0,
            ring: Vec::new(),
            epoch: Gen::default(),
            users: 0,
            buffer: VecDeque::new(),
            store: None,
            zipf: None,
            retry_tokens: RETRY_TOKENS_MAX,
            consumers_busy: 0,
            linger_at: 0,
            stats,
            removed: false,
            fx: NodeFx::default(),
            life: Gen::default(),
            mix: Vec::new(),
            scale_epoch: Gen::default(),
            scale_mark: (0, now),
            fetching: Default::default(),
            typed_links: false,
            arrival_lane: None,
            unhealthy: 0,
            groups: Vec::new(),
            forks: Default::default(),
            backing_off: 0,
            draining: false,
            drain_again: false,
        };
        node.fit_capacity();
        let instances = node.instances_now();
        node.stats.instances.set(now, instances as u64);
        node.stats.instances.restart(now);
        node
    }

    /// An autoscaling group's workers follow its instance count.
    pub(super) fn fit_capacity(&mut self) {
        if let (NodeKind::Autoscaling(a), KindState::Autoscaling(g)) = (&self.spec.kind, &self.state) {
            self.prep.workers = g.instances.saturating_mul(a.workers_per_instance.max(1));
        }
    }

    /// Instances running now (what the node costs): an autoscaling group's
    /// instances (booting ones included), a serverless function's busy
    /// ones, a multi-pool database's members; 1 for everything else.
    pub fn instances_now(&self) -> u32 {
        match &self.spec.kind {
            NodeKind::Autoscaling(_) => self.group().map_or(0, |g| g.instances + g.booting),
            NodeKind::Serverless(_) => self.busy,
            k => k.members(),
        }
    }

    /// An autoscaling group's size.
    pub fn group(&self) -> Option<&ScalingGroup> {
        match &self.state {
            KindState::Autoscaling(g) => Some(g),
            _ => None,
        }
    }

    /// Serverless: instances alive (busy or warm and idle).
    pub fn live_instances(&self, now: Nanos) -> u32 {
        match (&self.spec.kind, &self.state) {
            (NodeKind::Serverless(s), KindState::Serverless(pool)) => s.alive(pool, self.busy, now),
            _ => self.instances_now(),
        }
    }

    /// Async jobs stored here (queue buffer, stream partitions).
    pub(super) fn take_stored_jobs(&mut self) -> Vec<u32> {
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
    pub(super) fn take_waiters(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.fetching).into_iter().flat_map(|(_, (_, w))| w.into_iter().map(|(m, _)| m)).collect()
    }

    /// Start using outgoing link `l` (per-link state stays index-aligned).
    pub(super) fn attach(&mut self, l: u32) {
        self.out.push(l);
        self.outstanding.push(0);
        self.healthy.push(true);
        self.joined.push((None, None));
        self.streak.push(0);
        self.ejection.push(Ejection::default());
    }

    pub fn queue_len(&self) -> usize {
        self.members.iter().map(|m| m.queue_len()).sum::<usize>() + self.buffer.len() + self.stream_lag()
    }

    /// The kind's own counters at `now`, statistics having restarted `span`
    /// ago: the one source for reports and the inspector.
    pub fn counters(&self, now: Nanos, span: Nanos) -> Vec<(&'static str, f64)> {
        self.spec.kind.counters(&self.state, &self.facts(now, span))
    }

    /// Instances billed now and instance-nanoseconds billed since
    /// statistics restarted `span` before `now`.
    pub fn billed(&self, now: Nanos, span: Nanos) -> Billed {
        self.spec.kind.billed(&self.state, &self.facts(now, span)).unwrap_or_else(|| Billed {
            now: self.instances_now() as f64,
            area: self.stats.instances.area_to(now) as f64,
        })
    }

    fn facts(&self, now: Nanos, span: Nanos) -> Facts<'_> {
        Facts {
            stats: &self.stats,
            now,
            span,
            busy: self.busy,
            queued: self.queue_len() as u64,
            backing_off: self.backing_off,
            group_lags: self.group_lags().into_iter().map(|l| l as u64).collect(),
        }
    }

    /// Stream: messages not yet consumed, over all groups.
    pub fn stream_lag(&self) -> usize {
        self.groups.iter().map(|g| g.lanes.iter().map(|l| l.0.len() + l.1 as usize).sum::<usize>()).sum()
    }

    /// Stream: each consumer group's lag (messages appended, not yet consumed).
    pub fn group_lags(&self) -> Vec<usize> {
        self.groups.iter().map(|g| g.lanes.iter().map(|l| l.0.len() + l.1 as usize).sum()).collect()
    }

    /// Stream: each consumer group's lag partition by partition.
    pub fn partition_lags(&self) -> Vec<Vec<usize>> {
        self.groups.iter().map(|g| g.lanes.iter().map(|l| l.0.len() + l.1 as usize).collect()).collect()
    }
    /// Workers in all pools, or `u32::MAX` for unlimited.
    pub fn workers(&self) -> u32 {
        self.prep.workers.saturating_mul(self.members.len().max(1) as u32)
    }

    /// Workers on average since `now - span`: an autoscaling group's size
    /// changes, so its utilisation is busy time over the capacity it had
    /// (instances still booting count, as they are billed).
    pub fn mean_workers(&self, now: Nanos, span: Nanos) -> f64 {
        match &self.spec.kind {
            NodeKind::Autoscaling(a) if span > 0 => {
                let mean_instances = self.stats.instances.area_to(now) as f64 / span as f64;
                a.workers_per_instance.max(1) as f64 * mean_instances
            }
            _ => self.workers() as f64,
        }
    }

    /// Workers usable now in each pool (leaked connections excluded).
    pub(super) fn capacity(&self) -> u32 {
        self.prep.workers.saturating_sub(self.fx.leaked)
    }
}

/// Does this request type jump the queue at this node?
#[inline]
pub(super) fn node_urgent(node: &NodeRt, class: u8) -> bool {
    node.prep.priority_mask & (1u64 << class) != 0
}

/// Closed-loop traffic: users and think time (long polls re-poll at once).
pub(super) fn closed_loop(t: &Traffic) -> Option<(u32, f64)> {
    match *t {
        Traffic::Closed { users, think_ms } => Some((users, think_ms)),
        Traffic::LongPolling { users, .. } => Some((users, 0.0)),
        _ => None,
    }
}

/// Health checks configured on a load balancer or DNS.
pub(super) fn health_check_of(kind: &NodeKind) -> Option<HealthCheck> {
    match kind {
        NodeKind::LoadBalancer(lb) => lb.health_check.clone(),
        NodeKind::Dns(d) => d.health_check.clone(),
        _ => None,
    }
}
