//! Hedged requests (Dean & Barroso, "The Tail at Scale"): a call over a
//! link with `hedge_after_ms` that has had no answer after that long is
//! sent once more over the same link. The two copies are a pair: the
//! first success to come back continues the call and the other copy is
//! abandoned (it still does its work; its answer is discarded when it
//! arrives); an error that comes back first is set aside while the other
//! copy is still out, and only the second error counts.
//!
//! The pair is two messages pointing at each other (`twin`, with its era),
//! both waiting on the same call at `hedge_depth`: the shared calls above
//! it are counted once (one connection, one worker held), each copy's own
//! calls below it are its own. A timeout above or at the pair gives up on
//! both; a timeout below it hands the pair on to the message that carries
//! the call from there. Nothing here runs unless a link has the field.

use super::*;

impl Engine {
    /// A call went out over a hedged link: schedule the hedge.
    pub(super) fn schedule_hedge(&mut self, m: u32, top: usize) {
        let msg = &self.msgs[m as usize];
        let hop = msg.stack[top];
        let Some(after) = self.links[hop.link as usize].spec.hedge_after_ms else { return };
        let era = msg.era;
        let t = self.now + ms_to_nanos(after).max(1);
        self.at(t, What::Hedge { msg: m, era, depth: top as u8, serial: hop.serial });
    }

    /// The hedge is due: if that call is still unanswered (and its caller
    /// still waits for it), send a copy of the request over the same link.
    pub(super) fn hedge(&mut self, m: u32, era: Gen, depth: u8, serial: Gen) {
        if !self.msg_ok(m, era) {
            return;
        }
        let d = depth as usize;
        let msg = &self.msgs[m as usize];
        // Answered, given up (timed out, retried) or already one of a pair:
        // nothing to do. One hedge per attempt of a call.
        if msg.depth as usize <= d || msg.stack[d].serial != serial || msg.orphan_depth != NO_ORPHAN || msg.twin != NONE
        {
            return;
        }
        let hop = msg.stack[d];
        let link = &self.links[hop.link as usize];
        let caller = &self.nodes[link.from as usize];
        let closed = link.spec.circuit_breaker.is_none() || link.breaker.state == BreakerState::Closed;
        if link.removed
            || !closed
            || caller.removed
            || caller.fx.down
            || caller.life != hop.life
            || self.live_msgs >= crate::sim::metrics::MAX_LIVE_MESSAGES
        {
            return;
        }
        let c = self.clone_msg(m);
        let ce = self.msgs[c as usize].era;
        self.cut_stack(c, d + 1);
        {
            let copy = &mut self.msgs[c as usize];
            copy.resp = false;
            copy.error = None;
            copy.twin = m;
            copy.twin_era = era;
            copy.hedge_depth = depth;
            copy.hedge_copy = true;
        }
        {
            let orig = &mut self.msgs[m as usize];
            orig.twin = c;
            orig.twin_era = ce;
            orig.hedge_depth = depth;
            orig.hedge_copy = false;
        }
        // The caller's timeouts watch the copy too: whichever fires first
        // gives up on both, the other then finds its message an orphan.
        for k in 0..=d {
            let h = self.msgs[c as usize].stack[k];
            if h.deadline > 0 && h.deadline >= self.now {
                self.at(h.deadline, What::HopTimeout { msg: c, era: ce, depth: k as u8, serial: h.serial });
            }
        }
        self.links[hop.link as usize].stats.hedges += 1;
        let bytes = self.msgs[c as usize].req_bytes;
        self.transit(c, hop.link, false, bytes);
    }

    /// Is message `m` one of a hedge pair that still stands?
    pub(super) fn paired(&self, m: u32) -> bool {
        let msg = &self.msgs[m as usize];
        if msg.twin == NONE {
            return false;
        }
        let t = &self.msgs[msg.twin as usize];
        t.live && t.era == msg.twin_era && t.twin == m && t.twin_era == msg.era
    }

    /// The other copy of `m`'s pair and the depth of the shared call, if
    /// the pair still stands.
    fn pair_of(&self, m: u32) -> Option<(u32, usize)> {
        let msg = &self.msgs[m as usize];
        self.paired(m).then_some((msg.twin, msg.hedge_depth as usize))
    }

    /// Dissolve `m`'s pair; returns the other copy if the pair stood.
    fn unpair(&mut self, m: u32) -> Option<u32> {
        let pair = self.pair_of(m);
        self.msgs[m as usize].twin = NONE;
        let (t, _) = pair?;
        self.msgs[t as usize].twin = NONE;
        Some(t)
    }

    /// The request's current message moves from one copy to the other.
    fn hand_over(&mut self, from: u32, to: u32) {
        let (req, era, to_era) =
            (self.msgs[from as usize].req, self.msgs[from as usize].era, self.msgs[to as usize].era);
        if req == NONE {
            return;
        }
        let r = &mut self.reqs[req as usize];
        if r.live && r.msg == from && r.msg_gen == era {
            r.msg = to;
            r.msg_gen = to_era;
        }
    }

    /// Stop waiting for copy `t` from depth `k` on: a copy lost on the way
    /// ends now (its own calls below the shared one at `h` are released);
    /// any other becomes an orphan, discarded when it gets back to `k`.
    fn abandon_copy(&mut self, t: u32, h: usize, k: usize) {
        if self.msgs[t as usize].place == Place::Lost {
            self.release_stack(t, h + 1);
            self.end_msg(t);
            return;
        }
        let o = &mut self.msgs[t as usize].orphan_depth;
        if *o == NO_ORPHAN || (*o as usize) < k {
            *o = k as u8;
        }
    }

    /// An answer to `m`'s call at depth `d` reached the caller and `m` has
    /// a twin: the first success wins and the other copy is abandoned; an
    /// error while the other copy is still out is set aside. True when `m`
    /// was set aside (it is gone).
    #[cold]
    pub(super) fn hedge_answered(&mut self, m: u32, d: usize) -> bool {
        let Some(t) = self.unpair(m) else { return false };
        let serial = self.msgs[m as usize].stack[d].serial;
        let twin = &self.msgs[t as usize];
        if twin.depth as usize <= d || twin.stack[d].serial != serial {
            return false;
        }
        if self.msgs[m as usize].error.is_none() {
            self.abandon_copy(t, d, d);
            self.hand_over(t, m);
            return false;
        }
        // Wait for the other copy: its answer (or its own error) decides.
        self.hand_over(m, t);
        self.ledger.messages_abandoned += 1;
        self.end_msg(m);
        true
    }

    /// The caller at depth `k` stopped waiting for `m` (a timeout there or
    /// at the client, `k` = 0). If `m` is one of a pair, the caller gives up
    /// on the other copy too when the pair is at `k` or below; when it is
    /// above `k`, `heir` (the message that carries the calls above `k`
    /// from now on) takes `m`'s place in the pair. Returns the depth from
    /// which `m`, if it was lost on the way, releases its calls (below the
    /// pair when the other copy still carries the shared ones).
    #[cold]
    pub(super) fn hedge_given_up(&mut self, m: u32, k: usize, heir: Option<u32>) -> usize {
        let Some((t, h)) = self.pair_of(m) else {
            self.msgs[m as usize].twin = NONE;
            return k + 1;
        };
        if h < k {
            if let Some(c) = heir {
                let (copy, ce, te) =
                    (self.msgs[m as usize].hedge_copy, self.msgs[c as usize].era, self.msgs[t as usize].era);
                let hc = &mut self.msgs[c as usize];
                (hc.twin, hc.twin_era, hc.hedge_depth, hc.hedge_copy) = (t, te, h as u8, copy);
                let tw = &mut self.msgs[t as usize];
                (tw.twin, tw.twin_era) = (c, ce);
            } else {
                self.unpair(m);
            }
            self.msgs[m as usize].twin = NONE;
            return k + 1;
        }
        if self.msgs[t as usize].place == Place::Lost {
            self.unpair(m);
            self.abandon_copy(t, h, k);
            return k + 1;
        }
        self.abandon_copy(t, h, k);
        let m_lost = self.msgs[m as usize].place == Place::Lost;
        if h == k || m_lost {
            self.unpair(m);
        }
        if m_lost { h + 1 } else { k + 1 }
    }

    /// An orphan lost on a link: if it is one of a pair, the other copy
    /// (an orphan too) carries the shared calls; returns the depth from
    /// which the lost one releases its own.
    #[cold]
    pub(super) fn hedge_orphan_lost(&mut self, m: u32, from: usize) -> usize {
        match self.pair_of(m) {
            Some((_, h)) => {
                self.unpair(m);
                from.max(h + 1)
            }
            None => {
                self.msgs[m as usize].twin = NONE;
                from
            }
        }
    }
}
