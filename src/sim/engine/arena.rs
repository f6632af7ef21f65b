//! The message and request arenas (recycled slots, never entities) and the
//! ledger that proves nothing is created or lost unaccounted.

use super::*;

/// Counters that must balance at every instant (the conservation invariant).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    pub requests_created: u64,
    pub requests_completed: u64,
    pub requests_failed: crate::sim::metrics::ByReason,
    pub requests_live: u64,
    pub jobs_created: u64,
    pub jobs_done: u64,
    pub jobs_failed: crate::sim::metrics::ByReason,
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
pub(super) struct Hop {
    /// When the message arrived at the caller (for its sojourn).
    pub(super) entered: Nanos,
    /// When the caller's per-hop timeout fires (0: no timeout).
    pub(super) deadline: Nanos,
    pub(super) link: u32,
    /// Distinguishes this call from later ones at the same depth.
    pub(super) serial: Gen,
    /// Next outgoing link (index) the caller considers after this answer.
    pub(super) next_call: u8,
    /// The caller keeps a worker while it waits.
    pub(super) blocking: bool,
    pub(super) attempt: u8,
    /// The caller's incarnation when it called (a crash forgets calls).
    pub(super) life: Gen,
    /// Which copy of a repeated call this is (0 for the first, or for a
    /// link without `repeat`); the call asks for the key this many places
    /// after the message's own.
    pub(super) rep: u16,
    /// Where `link` was among the caller's outgoing links when it called
    /// (a hint: a link deleted since moves the later ones down).
    pub(super) index: u8,
}

impl Hop {
    /// The index of this call's link among node `n`'s outgoing links, if
    /// it is still one of them.
    #[inline]
    pub(super) fn out_index(&self, n: &NodeRt) -> Option<usize> {
        match n.out.get(self.index as usize) {
            Some(&l) if l == self.link => Some(self.index as usize),
            _ => n.out.iter().position(|&l| l == self.link),
        }
    }
}

/// The calls a message is waiting on, outermost first. Only the first
/// `depth` hops (the message's) mean anything; the rest are left from
/// earlier use of the slot. It grows to the deepest chain the slot has
/// seen (at most [`MAX_DEPTH`]), so a message waiting one call deep holds
/// one hop, not sixteen.
#[derive(Clone, Debug, Default)]
pub(super) struct Stack(Vec<Hop>);

impl Stack {
    /// Put `hop` at depth `d`: the next place down, or one the slot has
    /// had before.
    #[inline]
    pub(super) fn set(&mut self, d: usize, hop: Hop) {
        if d < self.0.len() {
            self.0[d] = hop;
        } else {
            debug_assert_eq!(d, self.0.len(), "hops are pushed one depth at a time");
            self.0.push(hop);
        }
    }
}

impl std::ops::Index<usize> for Stack {
    type Output = Hop;
    #[inline]
    fn index(&self, d: usize) -> &Hop {
        &self.0[d]
    }
}

impl std::ops::IndexMut<usize> for Stack {
    #[inline]
    fn index_mut(&mut self, d: usize) -> &mut Hop {
        &mut self.0[d]
    }
}

impl std::ops::Index<std::ops::Range<usize>> for Stack {
    type Output = [Hop];
    fn index(&self, r: std::ops::Range<usize>) -> &[Hop] {
        &self.0[r]
    }
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
pub(super) struct Msg {
    pub(super) era: Gen,
    pub(super) live: bool,
    /// Request slot, or `NONE` for an async job.
    pub(super) req: u32,
    /// The node that created it (client or queue).
    pub(super) origin: u32,
    pub(super) born: Nanos,
    pub(super) op: Op,
    pub(super) key: u64,
    pub(super) resp: bool,
    pub(super) error: Option<FailReason>,
    /// Discard when it returns to this depth (its caller gave up on it).
    pub(super) orphan_depth: u8,
    pub(super) depth: u8,
    pub(super) serial: Gen,
    /// Bumped at each service start, so a stale completion is recognised.
    pub(super) svc: Gen,
    /// When the current service (or its last stretch, after a pause) began.
    pub(super) svc_start: Nanos,
    pub(super) stack: Stack,
    pub(super) arrived: Nanos,
    pub(super) place: Place,
    pub(super) req_bytes: u32,
    pub(super) resp_bytes: u32,
    /// Request type (index into the engine's type names).
    pub(super) class: u8,
    /// Which pool of a multi-pool node (shard, replica) serves it.
    pub(super) member: u8,
    /// Async jobs: deliveries so far that failed or timed out.
    pub(super) receives: u8,
    /// When the original sender sent it (jobs keep their producer's), for
    /// one-way delivery times.
    pub(super) sent: Nanos,
    /// What it carries, the same for every retry and copy of it: a
    /// client's request (its slot and generation, as `Job::request`), or
    /// for a stored job the request its producer sent (so every consumer
    /// group and every redelivery sees the same payload).
    pub(super) payload: u64,
    /// Set by an offline phone: when it will be back online.
    pub(super) retry_at: Nanos,
    /// A fan-out branch: the message waiting for it (NONE otherwise), that
    /// message's era, and the depth at which the branch ends.
    pub(super) parent: u32,
    pub(super) parent_era: Gen,
    pub(super) fork_depth: u8,
    /// A long poll: the first service holds it this long.
    pub(super) hold: Nanos,
    /// The devices node that found its recipient offline (NONE: none).
    pub(super) offline_node: u32,
    /// A call on its path failed and its caller answered instead (a
    /// degraded answer: caches do not keep it).
    pub(super) fallback: bool,
    /// When its client gives up, if the client propagates its deadline
    /// (`Nanos::MAX`: no deadline travels with it).
    pub(super) deadline: Nanos,
    /// Hedged requests: the other copy of the call at depth `hedge_depth`
    /// (`NONE`: not one of a pair) and its era; `hedge_copy` marks the
    /// copy sent second (see `hedge.rs`).
    pub(super) twin: u32,
    pub(super) twin_era: Gen,
    pub(super) hedge_depth: u8,
    pub(super) hedge_copy: bool,
    /// When the value it carries back was read (or written) at a store,
    /// or taken from a cached copy of that age: what a cache it fills
    /// remembers (`Nanos::MAX`: no store answered it).
    pub(super) fetched: Nanos,
    /// Async jobs: which job it is, the same for every delivery and copy of
    /// it (a request's identity is its slot and era instead).
    pub(super) job: u64,
    /// A queue's batch: the other jobs delivered with this one (it carries
    /// them). They wait at their queue, off its buffer, and share this
    /// one's fate when it comes back (see `at_origin` and `job_back`).
    pub(super) riders: Vec<u32>,
}

impl Msg {
    /// Messages this call carries: itself and its batch's riders.
    #[inline]
    pub(super) fn items(&self) -> u32 {
        1 + self.riders.len() as u32
    }
}

/// A logical request of a client: may take several attempts.
#[derive(Clone, Debug, Default)]
pub(super) struct Req {
    pub(super) era: Gen,
    pub(super) live: bool,
    pub(super) client: u32,
    pub(super) created: Nanos,
    pub(super) attempt: u8,
    pub(super) msg: u32,
    pub(super) msg_gen: Gen,
    /// Polling clients: this poll brings messages.
    pub(super) full_poll: bool,
    /// Long polling: how long the server holds this poll.
    pub(super) hold: Nanos,
    /// What the request asks, drawn at its first attempt: a retry asks the
    /// same thing again (same operation, type, key and sizes).
    pub(super) ask: Option<Ask>,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Ask {
    pub(super) op: Op,
    pub(super) class: u8,
    pub(super) key: u64,
    pub(super) req_bytes: u32,
    pub(super) resp_bytes: u32,
}

impl Engine {
    pub(super) fn new_msg(&mut self, req: u32, origin: u32, op: Op, key: u64, req_bytes: u32, resp_bytes: u32) -> u32 {
        let slot = match self.free_msgs.pop() {
            Some(s) => s,
            None => {
                self.msgs.push(Msg {
                    era: Gen::default(),
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
                    serial: Gen::default(),
                    svc: Gen::default(),
                    svc_start: 0,
                    stack: Stack::default(),
                    arrived: 0,
                    place: Place::AtNode { node: origin },
                    req_bytes: 0,
                    resp_bytes: 0,
                    class: 0,
                    member: 0,
                    receives: 0,
                    sent: 0,
                    payload: 0,
                    retry_at: 0,
                    parent: NONE,
                    parent_era: Gen::default(),
                    fork_depth: 0,
                    hold: 0,
                    offline_node: NONE,
                    fallback: false,
                    deadline: Nanos::MAX,
                    twin: NONE,
                    twin_era: Gen::default(),
                    hedge_depth: 0,
                    hedge_copy: false,
                    fetched: Nanos::MAX,
                    job: 0,
                    riders: Vec::new(),
                });
                (self.msgs.len() - 1) as u32
            }
        };
        let m = &mut self.msgs[slot as usize];
        m.era = m.era.next();
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
        // A request's own identity; a job takes its producer's (set where
        // it is stored) or, made by the system itself, a serial number.
        // Mixed with the seed: slots and generations repeat from run to
        // run, what they carry should not.
        let id = match self.reqs.get(req as usize) {
            Some(r) if req != NONE => (req as u64) << 32 | r.era.raw() as u64,
            _ => 1 << 63 | self.ledger.messages_created,
        };
        m.payload = id ^ self.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        m.retry_at = 0;
        m.parent = NONE;
        m.hold = 0;
        m.offline_node = NONE;
        m.fallback = false;
        m.deadline = Nanos::MAX;
        m.twin = NONE;
        m.fetched = Nanos::MAX;
        // Every message made has its own number: a job keeps it as its
        // identity.
        m.job = if req == NONE { self.ledger.messages_created } else { 0 };
        m.riders.clear();
        self.live_msgs += 1;
        self.ledger.messages_created += 1;
        slot
    }

    /// A new message that copies `m` (same request, path, tags and times),
    /// counted as a message of its own.
    pub(super) fn clone_msg(&mut self, m: u32) -> u32 {
        let orig = self.msgs[m as usize].clone();
        let c = self.new_msg(orig.req, orig.origin, orig.op, orig.key, orig.req_bytes, orig.resp_bytes);
        let era = self.msgs[c as usize].era;
        // A copy is nobody's hedge twin until it is made one.
        self.msgs[c as usize] = Msg { era, live: true, twin: NONE, ..orig };
        c
    }

    /// Drop the calls of message `m` from `depth` down (they are another
    /// copy's to finish), giving back the keys their repeated copies asked for.
    pub(super) fn cut_stack(&mut self, m: u32, depth: usize) {
        let msg = &mut self.msgs[m as usize];
        for k in depth..msg.depth as usize {
            msg.key = msg.key.wrapping_sub(msg.stack[k].rep as u64);
        }
        msg.depth = msg.depth.min(depth as u8);
    }

    /// A message that will never come back: the callers of its calls from
    /// `from_depth` down stop waiting for it (their connection counts drop
    /// and blocking workers are freed), as when a connection is reset.
    pub(super) fn release_stack(&mut self, m: u32, from_depth: usize) {
        let msg = &self.msgs[m as usize];
        let depth = msg.depth as usize;
        let hops: Vec<Hop> = msg.stack[from_depth.min(depth)..depth].to_vec();
        for hop in hops.into_iter().rev() {
            let n = self.links[hop.link as usize].from;
            let node = &mut self.nodes[n as usize];
            if let Some(i) = hop.out_index(node) {
                node.outstanding[i] = node.outstanding[i].saturating_sub(1);
            }
            if hop.blocking && hop.life == node.life && !node.removed {
                self.release(n, 0, hop.entered);
            }
        }
    }

    pub(super) fn end_msg(&mut self, m: u32) {
        let msg = &mut self.msgs[m as usize];
        debug_assert!(msg.live);
        msg.live = false;
        self.free_msgs.push(m);
        self.live_msgs -= 1;
        self.ledger.messages_ended += 1;
    }
}
