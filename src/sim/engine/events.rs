//! Events: what can happen, and their order (time, then sequence number).

use super::*;

/// A generation: the one way the engine recognises a stale event. Whatever
/// an event is for (a message slot, a request, a service run, a call, a
/// node's timers, its life between crashes) carries a generation that moves
/// on when that thing is reused, restarted or forgotten; the event carries
/// the generation it was scheduled under and is ignored if they differ.
/// Cheaper than finding and removing events from the queue, and exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct Gen(u32);

impl Gen {
    /// Its number (to tell things apart, never to order them).
    #[inline]
    pub(super) fn raw(self) -> u32 {
        self.0
    }

    /// The next generation (what was scheduled under this one is stale).
    #[inline]
    pub(super) fn next(self) -> Gen {
        Gen(self.0.wrapping_add(1))
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) enum What {
    ClientFire {
        node: u32,
        epoch: Gen,
        arrive: bool,
    },
    UserWake {
        node: u32,
        epoch: Gen,
    },
    Arrive {
        msg: u32,
        era: Gen,
    },
    ServiceDone {
        msg: u32,
        era: Gen,
        svc: Gen,
    },
    FaultStart {
        id: u32,
    },
    FaultEnd {
        id: u32,
    },
    FaultTick,
    Monkey {
        epoch: Gen,
    },
    HealthCheck {
        node: u32,
        epoch: Gen,
    },
    ReqTimeout {
        req: u32,
        era: Gen,
        attempt: u8,
    },
    ClientRetry {
        req: u32,
        era: Gen,
    },
    HopTimeout {
        msg: u32,
        era: Gen,
        depth: u8,
        serial: Gen,
    },
    HopRetry {
        msg: u32,
        era: Gen,
    },
    /// A call over a hedged link has waited `hedge_after_ms`: send a copy.
    Hedge {
        msg: u32,
        era: Gen,
        depth: u8,
        serial: Gen,
    },
    /// An autoscaling group reviews its size.
    Scale {
        node: u32,
        epoch: Gen,
    },
    /// Instances an autoscaling group ordered are ready.
    Booted {
        node: u32,
        epoch: Gen,
        count: u32,
    },
    /// A failed async job becomes visible in its queue again.
    Requeue {
        msg: u32,
        era: Gen,
    },
    /// A queue's consumers stop waiting for a full batch.
    Linger {
        node: u32,
    },
    /// A websocket gateway's phones reconnect, one after another.
    Reconnect {
        node: u32,
        epoch: Gen,
        left: u32,
    },
}

#[derive(Clone, Copy)]
pub(super) struct Ev {
    pub(super) t: Nanos,
    pub(super) seq: u64,
    pub(super) what: What,
}

impl Ev {
    /// Its place in the order (time, then sequence number) as one number.
    #[inline]
    fn key(&self) -> u128 {
        ((self.t as u128) << 64) | self.seq as u128
    }
}

/// The key of an empty lane: later than any event's, since sequence
/// numbers never get that far.
const EMPTY: u128 = u128::MAX;

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
    // Reversed: std's BinaryHeap (the tests' reference) is a max-heap and
    // we want the earliest first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.t, o.seq).cmp(&(self.t, self.seq))
    }
}

/// A min-heap of events, earliest (time, then sequence number) at the root,
/// with four children to a parent: half as deep as a binary heap, so taking
/// the earliest moves half as many events. Sequence numbers are unique, so
/// the order is total and the same as any other heap's.
#[derive(Clone)]
struct Heap {
    v: Vec<Ev>,
}

impl Heap {
    fn with_capacity(n: usize) -> Self {
        Heap { v: Vec::with_capacity(n) }
    }

    #[inline]
    fn peek(&self) -> Option<&Ev> {
        self.v.first()
    }

    // Push and pop stay out of line: inlined into the queue's, they would
    // lengthen the lanes' path, which most events take.
    #[inline(never)]
    fn push(&mut self, ev: Ev) {
        let key = ev.key();
        let mut i = self.v.len();
        self.v.push(ev);
        // Move parents down into the hole until `ev` fits there.
        while i > 0 {
            let p = (i - 1) / 4;
            if self.v[p].key() <= key {
                break;
            }
            self.v[i] = self.v[p];
            i = p;
        }
        self.v[i] = ev;
    }

    #[inline(never)]
    fn pop(&mut self) -> Option<Ev> {
        let last = self.v.pop()?;
        let Some(&top) = self.v.first() else { return Some(last) };
        // Sift the last event down from the root: the least child moves up
        // into the hole until `last` fits there.
        let (n, key) = (self.v.len(), last.key());
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            let c = if first + 4 <= n {
                // A full family: the least of four, in three comparisons.
                let k = &self.v[first..first + 4];
                let a = if k[1].key() < k[0].key() { 1 } else { 0 };
                let b = if k[3].key() < k[2].key() { 3 } else { 2 };
                first + if k[b].key() < k[a].key() { b } else { a }
            } else if first < n {
                (first..n).min_by_key(|&j| self.v[j].key()).unwrap_or(first)
            } else {
                break;
            };
            if self.v[c].key() >= key {
                break;
            }
            self.v[i] = self.v[c];
            i = c;
        }
        self.v[i] = last;
        Some(top)
    }
}

/// Most lanes kept (see [`Queue`]); more would cost every pop a longer scan.
const MAX_LANES: usize = 8;

/// Most of them given to owners (see [`Queue::add_owned`]).
const MAX_OWNED: usize = 2;

/// Where the heap's top is, for [`Queue::first`]: not a lane.
const HEAP: usize = usize::MAX;

/// The pending events, earliest (time, then sequence number) first.
///
/// A heap holds most events. Events scheduled a fixed delay after
/// the current time (a link's constant latency) go to a FIFO lane for that
/// delay instead: the clock never goes back and sequence numbers only grow,
/// so a lane is sorted by (time, sequence) without any work, and popping
/// takes the least of the heap's top and the lanes' fronts. An owner that
/// schedules its events one after another in time (a client's next
/// arrival) may have a lane of its own, sorted for the same reason; an event
/// earlier than the last in its owner's lane goes to the heap instead. The
/// order is exactly the one a single heap gives; only the cost differs.
#[derive(Clone)]
pub(super) struct Queue {
    heap: Heap,
    /// The FIFO lanes, the first `used` of them in use, each for a delay
    /// or an owner.
    lanes: [VecDeque<Ev>; MAX_LANES],
    used: usize,
    /// (delay, its lane); the other lanes in use are owners'.
    delays: Vec<(Nanos, u8)>,
    /// The key of each lane's front event ([`EMPTY`] if none), kept up to
    /// date so that finding the next event reads no lane.
    fronts: [u128; MAX_LANES],
    seq: u64,
}

impl Queue {
    pub(super) fn new() -> Self {
        Queue {
            heap: Heap::with_capacity(1024),
            lanes: std::array::from_fn(|_| VecDeque::new()),
            used: 0,
            delays: Vec::new(),
            fronts: [EMPTY; MAX_LANES],
            seq: 0,
        }
    }

    /// A lane not in use yet, if there is one left.
    fn new_lane(&mut self) -> Option<u8> {
        (self.used < MAX_LANES).then(|| {
            self.used += 1;
            (self.used - 1) as u8
        })
    }

    /// Give events scheduled `delay` after their scheduling time a lane of
    /// their own (while there is room for another). Returns the lane's
    /// index, or `None` when every lane is taken.
    pub(super) fn add_lane(&mut self, delay: Nanos) -> Option<u8> {
        if let Some(i) = self.lane_of(delay) {
            return Some(i);
        }
        if self.delays.len() == MAX_LANES - MAX_OWNED {
            return None;
        }
        let i = self.new_lane()?;
        self.delays.push((delay, i));
        self.lanes[i as usize].reserve(256);
        Some(i)
    }

    /// The lane of events scheduled `delay` after their scheduling time,
    /// if that delay has one.
    pub(super) fn lane_of(&self, delay: Nanos) -> Option<u8> {
        self.delays.iter().find(|(d, _)| *d == delay).map(|&(_, i)| i)
    }

    /// A lane for an owner that schedules its events one after another in
    /// time (see [`Self::push_owned`]), while there is room for another.
    pub(super) fn add_owned(&mut self) -> Option<u8> {
        let owners = self.used - self.delays.len();
        if owners == MAX_OWNED {
            return None;
        }
        self.new_lane()
    }

    #[inline(always)]
    fn push_to(&mut self, i: usize, ev: Ev) {
        let lane = &mut self.lanes[i];
        if lane.is_empty() {
            self.fronts[i] = ev.key();
        }
        lane.push_back(ev);
    }

    #[inline(always)]
    fn next_ev(&mut self, t: Nanos, what: What) -> Ev {
        self.seq += 1;
        Ev { t, seq: self.seq, what }
    }

    /// Schedule `what` at `t`, scheduled at `now` (`t >= now`). Always
    /// inlined: the lane path is a few instructions, the heap's a call.
    #[inline(always)]
    pub(super) fn push(&mut self, now: Nanos, t: Nanos, what: What) {
        let ev = self.next_ev(t, what);
        let delay = t.wrapping_sub(now);
        match self.lane_of(delay) {
            Some(i) => self.push_to(i as usize, ev),
            None => self.heap.push(ev),
        }
    }

    /// Schedule `what` on lane `i`, whose delay takes it to `t` (what
    /// [`Self::push`] would find for itself, without looking).
    #[inline(always)]
    pub(super) fn push_lane(&mut self, i: u8, now: Nanos, t: Nanos, what: What) {
        debug_assert!(self.delays.contains(&(t - now, i)), "the lane of that delay");
        let ev = self.next_ev(t, what);
        self.push_to(i as usize, ev);
    }

    /// Schedule `what` at `t` (scheduled at `now`) on owner's lane `i`
    /// when it is no earlier than the lane's last event (so the lane stays
    /// sorted), else in the heap.
    #[inline]
    pub(super) fn push_owned(&mut self, i: u8, now: Nanos, t: Nanos, what: What) {
        let i = i as usize;
        if self.lanes[i].back().is_some_and(|last| last.t > t) {
            self.push(now, t, what);
            return;
        }
        let ev = self.next_ev(t, what);
        self.push_to(i, ev);
    }

    /// The earliest event's source (a lane's index, or [`HEAP`]) and key.
    #[inline]
    fn first(&self) -> (usize, u128) {
        let mut best = (HEAP, self.heap.peek().map_or(EMPTY, Ev::key));
        for (i, &key) in self.fronts[..self.used].iter().enumerate() {
            if key < best.1 {
                best = (i, key);
            }
        }
        best
    }

    /// Take the earliest event if it is due by `until`.
    #[inline]
    pub(super) fn pop_until(&mut self, until: Nanos) -> Option<Ev> {
        let (i, key) = self.first();
        if key == EMPTY || (key >> 64) as Nanos > until {
            return None;
        }
        if i == HEAP {
            return self.heap.pop();
        }
        let lane = &mut self.lanes[i];
        let ev = lane.pop_front();
        self.fronts[i] = lane.front().map_or(EMPTY, Ev::key);
        ev
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BinaryHeap;

    /// Lanes change the cost, never the order: random schedules, with
    /// delays that often hit a delay's lane, and an owner whose events
    /// mostly (not always) come in time order, pop exactly as from one heap.
    #[test]
    fn lanes_pop_in_the_order_of_a_single_heap() {
        let mut rng = SimRng::seeded(3);
        let mut q = Queue::new();
        let owner = q.add_owned().expect("room for an owner");
        let mut lanes = Vec::new();
        for d in [0, 1_000_000, 2_000_000] {
            lanes.push(q.add_lane(d).expect("room for a delay"));
        }
        assert_eq!(q.add_lane(1_000_000), Some(lanes[1]), "one lane per delay");
        let mut reference: BinaryHeap<Ev> = BinaryHeap::new();
        let (mut now, mut seq) = (0u64, 0u64);
        let mut popped = 0;
        let mut schedule = |q: &mut Queue, reference: &mut BinaryHeap<Ev>, rng: &mut SimRng, now: u64, id: u32| {
            let what = What::FaultStart { id };
            let t = match rng.below(6) {
                0 => {
                    q.push(now, now, what);
                    now
                }
                1 => {
                    q.push_lane(lanes[1], now, now + 1_000_000, what);
                    now + 1_000_000
                }
                2 => {
                    q.push(now, now + 2_000_000, what);
                    now + 2_000_000
                }
                3 => {
                    // Sometimes earlier than the owner's last event.
                    let t = now + rng.below(4_000_000) as u64;
                    q.push_owned(owner, now, t, what);
                    t
                }
                _ => {
                    let t = now + rng.below(3_000_000) as u64;
                    q.push(now, t, what);
                    t
                }
            };
            seq += 1;
            reference.push(Ev { t, seq, what });
        };
        for round in 0..20_000u32 {
            for _ in 0..(round % 3) {
                schedule(&mut q, &mut reference, &mut rng, now, round);
            }
            let until = now + rng.below(1_500_000) as u64;
            while let Some(ev) = q.pop_until(until) {
                let want = reference.pop().expect("the reference has it too");
                assert_eq!((ev.t, ev.seq), (want.t, want.seq));
                popped += 1;
                // Handling an event schedules more from its time, as the
                // engine does.
                if rng.chance(0.4) {
                    schedule(&mut q, &mut reference, &mut rng, ev.t, round);
                }
            }
            assert!(reference.peek().is_none_or(|e| e.t > until), "nothing due is left behind");
            now = until;
        }
        assert!(popped > 10_000);
        assert!(q.lanes[owner as usize].capacity() > 0, "the owner's lane was used");
    }

    /// Lanes run out gracefully: delays beyond the last lane, and owners
    /// beyond theirs, get none (their events go to the heap).
    #[test]
    fn lanes_are_bounded() {
        let mut q = Queue::new();
        let delays: Vec<_> = (0..10).map(|d| q.add_lane(d * 1000)).collect();
        assert_eq!(delays.iter().flatten().count(), MAX_LANES - MAX_OWNED);
        assert_eq!((0..5).filter_map(|_| q.add_owned()).count(), MAX_OWNED);
        let mut q = Queue::new();
        for d in 0..10 {
            q.add_lane(d);
        }
        assert!(q.add_owned().is_some(), "owners keep their share of lanes");
    }
}
