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

#[derive(Clone)]
pub(super) struct Ev {
    pub(super) t: Nanos,
    pub(super) seq: u64,
    pub(super) what: What,
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

/// Most lanes kept (see [`Queue`]); more would cost every pop a longer scan.
const MAX_LANES: usize = 6;

/// The pending events, earliest (time, then sequence number) first.
///
/// A binary heap holds most events. Events scheduled a fixed delay after
/// the current time (a link's constant latency) go to a FIFO lane for that
/// delay instead: the clock never goes back and sequence numbers only grow,
/// so a lane is sorted by (time, sequence) without any work, and popping
/// takes the least of the heap's top and the lanes' fronts. The order is
/// exactly the one a single heap gives; only the cost differs.
#[derive(Clone)]
pub(super) struct Queue {
    heap: BinaryHeap<Ev>,
    /// (delay, events scheduled that long after their scheduling time).
    lanes: Vec<(Nanos, VecDeque<Ev>)>,
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
        Queue { heap: BinaryHeap::with_capacity(1024), lanes: Vec::new(), seq: 0 }
    }

    /// Give events scheduled `delay` after their scheduling time a lane of
    /// their own (while there is room for another).
    pub(super) fn add_lane(&mut self, delay: Nanos) {
        if self.lanes.len() < MAX_LANES && !self.lanes.iter().any(|(d, _)| *d == delay) {
            self.lanes.push((delay, VecDeque::with_capacity(256)));
        }
    }

    /// Schedule `what` at `t`, scheduled at `now` (`t >= now`).
    #[inline]
    pub(super) fn push(&mut self, now: Nanos, t: Nanos, what: What) {
        self.seq += 1;
        let ev = Ev { t, seq: self.seq, what };
        let delay = t.wrapping_sub(now);
        for (d, lane) in &mut self.lanes {
            if *d == delay {
                lane.push_back(ev);
                return;
            }
        }
        self.heap.push(ev);
    }

    /// The earliest event's source and time.
    #[inline]
    fn first(&self) -> Option<(Source, Nanos)> {
        let mut best = self.heap.peek().map(|e| (Source::Heap, e.t, e.seq));
        for (i, (_, lane)) in self.lanes.iter().enumerate() {
            if let Some(e) = lane.front() {
                if best.is_none_or(|(_, t, s)| (e.t, e.seq) < (t, s)) {
                    best = Some((Source::Lane(i), e.t, e.seq));
                }
            }
        }
        best.map(|(src, t, _)| (src, t))
    }

    /// Take the earliest event if it is due by `until`.
    #[inline]
    pub(super) fn pop_until(&mut self, until: Nanos) -> Option<Ev> {
        match self.first()? {
            (_, t) if t > until => None,
            (Source::Heap, _) => self.heap.pop(),
            (Source::Lane(i), _) => self.lanes[i].1.pop_front(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
