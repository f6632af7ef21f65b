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
    /// A websocket gateway's phones reconnect, one after another.
    Reconnect {
        node: u32,
        epoch: Gen,
        left: u32,
    },
}

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
