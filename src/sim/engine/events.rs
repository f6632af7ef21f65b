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
const MAX_LANES: usize = 6;

/// The pending events, earliest (time, then sequence number) first.
///
/// A heap holds most events. Events scheduled a fixed delay after
/// the current time (a link's constant latency) go to a FIFO lane for that
/// delay instead: the clock never goes back and sequence numbers only grow,
/// so a lane is sorted by (time, sequence) without any work, and popping
/// takes the least of the heap's top and the lanes' fronts. The order is
/// exactly the one a single heap gives; only the cost differs.
#[derive(Clone)]
pub(super) struct Queue {
    heap: Heap,
    /// (delay, events scheduled that long after their scheduling time).
    lanes: Vec<(Nanos, VecDeque<Ev>)>,
    /// The key of each lane's front event ([`EMPTY`] if none), kept up to
    /// date so that finding the next event reads no lane.
    fronts: [u128; MAX_LANES],
    seq: u64,
}

/// Where the next event is: the heap or lane `i`.
#[derive(Clone, Copy)]
enum Source {
    Heap,
    Lane(usize),
}

impl Queue {
    pub(super) fn new() -> Self {
        Queue { heap: Heap::with_capacity(1024), lanes: Vec::new(), fronts: [EMPTY; MAX_LANES], seq: 0 }
    }

    /// Give events scheduled `delay` after their scheduling time a lane of
    /// their own (while there is room for another).
    pub(super) fn add_lane(&mut self, delay: Nanos) {
        if self.lanes.len() < MAX_LANES && !self.lanes.iter().any(|(d, _)| *d == delay) {
            self.lanes.push((delay, VecDeque::with_capacity(256)));
        }
    }

    /// Schedule `what` at `t`, scheduled at `now` (`t >= now`). Always
    /// inlined: the lane path is a few instructions, the heap's a call.
    #[inline(always)]
    pub(super) fn push(&mut self, now: Nanos, t: Nanos, what: What) {
        self.seq += 1;
        let ev = Ev { t, seq: self.seq, what };
        let delay = t.wrapping_sub(now);
        for (i, (d, lane)) in self.lanes.iter_mut().enumerate() {
            if *d == delay {
                if lane.is_empty() {
                    self.fronts[i] = ev.key();
                }
                lane.push_back(ev);
                return;
            }
        }
        self.heap.push(ev);
    }

    /// The earliest event's source and time.
    #[inline]
    fn first(&self) -> Option<(Source, Nanos)> {
        let mut best = (Source::Heap, self.heap.peek().map_or(EMPTY, Ev::key));
        for (i, &key) in self.fronts[..self.lanes.len()].iter().enumerate() {
            if key < best.1 {
                best = (Source::Lane(i), key);
            }
        }
        (best.1 != EMPTY).then_some((best.0, (best.1 >> 64) as Nanos))
    }

    /// Take the earliest event if it is due by `until`.
    #[inline]
    pub(super) fn pop_until(&mut self, until: Nanos) -> Option<Ev> {
        match self.first()? {
            (_, t) if t > until => None,
            (Source::Heap, _) => self.heap.pop(),
            (Source::Lane(i), _) => {
                let lane = &mut self.lanes[i].1;
                let ev = lane.pop_front();
                self.fronts[i] = lane.front().map_or(EMPTY, Ev::key);
                ev
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BinaryHeap;

    /// Lanes change the cost, never the order: random schedules, with
    /// delays that often hit a lane, pop exactly as from one heap.
    #[test]
    fn lanes_pop_in_the_order_of_a_single_heap() {
        let mut rng = SimRng::seeded(3);
        let mut q = Queue::new();
        for d in [0, 1_000_000, 2_000_000] {
            q.add_lane(d);
        }
        let mut reference: BinaryHeap<Ev> = BinaryHeap::new();
        let (mut now, mut seq) = (0u64, 0u64);
        let mut popped = 0;
        let mut schedule = |q: &mut Queue, reference: &mut BinaryHeap<Ev>, rng: &mut SimRng, now: u64, id: u32| {
            let delay = match rng.below(4) {
                0 => 0,
                1 => 1_000_000,
                2 => 2_000_000,
                _ => rng.below(3_000_000) as u64,
            };
            let what = What::FaultStart { id };
            q.push(now, now + delay, what);
            seq += 1;
            reference.push(Ev { t: now + delay, seq, what });
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
    }
}
