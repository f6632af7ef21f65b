//! Outlier ejection: a balancer's passive health check. Health checks probe
//! whether a backend is alive; a backend can be alive and still fail every
//! request (its own database is gone, its disk is full, a bad deploy). A
//! balancer with `outlier_ejection` watches the answers instead: after
//! `consecutive_errors` failed answers in a row from one backend, that
//! backend is out of rotation for `eject_s`, then gets traffic again (and
//! is ejected again at once if it still fails).

use super::*;

/// One outgoing link's ejection state at a balancer.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Ejection {
    /// Failed answers in a row.
    errors: u32,
    /// Out of rotation until then (0: never ejected).
    until: Nanos,
}

impl NodeRt {
    /// Whether backend `i` is in rotation: healthy, and not ejected.
    #[inline]
    pub(super) fn in_rotation(&self, i: usize, now: Nanos) -> bool {
        self.healthy.get(i).copied().unwrap_or(true) && self.ejection.get(i).is_none_or(|e| e.until <= now)
    }

    /// Forget every ejection (the balancer started again).
    pub(super) fn reset_ejections(&mut self) {
        self.ejection.fill(Ejection::default());
        self.ejected_till = 0;
    }

    /// Whether some backend may be ejected now.
    #[inline]
    pub(super) fn ejecting(&self, now: Nanos) -> bool {
        self.ejected_till > now
    }
}

impl Engine {
    /// An answer came back to node `n` over its outgoing link `i`: a
    /// balancer with outlier ejection counts it.
    #[inline]
    pub(super) fn note_answer(&mut self, n: u32, i: usize, failed: bool) {
        if let NodeKind::LoadBalancer(LoadBalancerSpec { outlier_ejection: Some(_), .. }) =
            self.nodes[n as usize].spec.kind
        {
            self.count_outcome(n, i, failed);
        }
    }

    #[cold]
    fn count_outcome(&mut self, n: u32, i: usize, failed: bool) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        let NodeKind::LoadBalancer(LoadBalancerSpec { outlier_ejection: Some(o), .. }) = &node.spec.kind else {
            return;
        };
        let (threshold, eject, most_out) =
            (o.consecutive_errors.max(1), secs_to_nanos(o.eject_s).max(1), o.most_out(node.out.len()));
        let Some(e) = node.ejection.get_mut(i) else { return };
        if !failed {
            e.errors = 0;
            return;
        }
        if e.until > now {
            // Already out: answers to calls sent before it went out.
            return;
        }
        e.errors += 1;
        if e.errors < threshold {
            return;
        }
        e.errors = 0;
        let out = node.ejection.iter().filter(|e| e.until > now).count();
        if out >= most_out {
            return;
        }
        node.ejection[i].until = now + eject;
        node.ejected_till = node.ejected_till.max(now + eject);
        node.stats.ejections += 1;
    }
}
