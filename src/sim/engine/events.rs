//! Events: what can happen, and their order (time, then sequence number).

use super::*;

#[derive(Clone, Copy, Debug)]
pub(super) enum What {
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
