//! The call stack: a message calls downstream nodes one after another or
//! all at once (fan-out), waits with per-hop timeouts and retries, and
//! carries the answer back to the caller.

use super::*;

impl Engine {
    /// Push a call over outgoing link `i` of `node` and send the message.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn call(
        &mut self,
        node: u32,
        m: u32,
        i: usize,
        next_call: u8,
        blocking: bool,
        attempt: u8,
        entered: Nanos,
    ) {
        self.call_copy(node, m, i, next_call, blocking, attempt, entered, 0);
    }

    /// [`Self::call`] for copy `rep` of a repeated call (see
    /// [`LinkSpec::repeat`]): it asks for the key `rep` places on.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn call_copy(
        &mut self,
        node: u32,
        m: u32,
        i: usize,
        next_call: u8,
        blocking: bool,
        attempt: u8,
        entered: Nanos,
        rep: u16,
    ) {
        let link = self.nodes[node as usize].out[i];
        if let Some(max) = self.links[link as usize].spec.max_concurrent {
            if self.nodes[node as usize].outstanding[i] >= max {
                if self.links[link as usize].spec.fallback {
                    // The bulkhead is full and the caller has a fallback:
                    // it answers for itself, as for any call failing for good.
                    self.links[link as usize].stats.fallbacks += 1;
                    let msg = &mut self.msgs[m as usize];
                    msg.resp = true;
                    msg.error = None;
                    msg.fallback = true;
                    self.carry_on(node, m, next_call, blocking, entered, Some((i, rep)));
                    return;
                }
                // The bulkhead is full: refuse at once, before any call is made.
                let msg = &mut self.msgs[m as usize];
                msg.resp = true;
                msg.error = Some(FailReason::BulkheadFull);
                if blocking {
                    self.release(node, 0, entered);
                }
                if self.branch_ends_here(m) {
                    self.branch_done(node, m, Some(FailReason::BulkheadFull));
                    return;
                }
                self.return_up(m);
                return;
            }
        }
        self.nodes[node as usize].outstanding[i] += 1;
        let msg = &mut self.msgs[m as usize];
        let d = msg.depth as usize;
        if d >= MAX_DEPTH {
            // Validation rejects such deep chains; stay safe anyway.
            self.nodes[node as usize].outstanding[i] -= 1;
            msg.resp = true;
            msg.error = Some(FailReason::NoRoute);
            self.return_up(m);
            return;
        }
        msg.serial = msg.serial.next();
        msg.key = msg.key.wrapping_add(rep as u64);
        let life = self.nodes[node as usize].life;
        msg.stack.set(
            d,
            Hop {
                entered,
                deadline: 0,
                link,
                serial: msg.serial,
                next_call,
                blocking,
                attempt,
                life,
                rep,
                index: i.min(255) as u8,
            },
        );
        msg.depth += 1;
        self.send_top(m);
    }

    /// Send the message over the link of its top call, forwards.
    pub(super) fn send_top(&mut self, m: u32) {
        let top = self.msgs[m as usize].depth as usize - 1;
        let link = self.msgs[m as usize].stack[top].link;
        if !self.breaker_allows(link) {
            self.fail_here(m, FailReason::CircuitOpen);
            return;
        }
        let msg = &mut self.msgs[m as usize];
        let hop = msg.stack[top];
        // A batch carries the bytes of all its messages.
        let bytes = msg.req_bytes.saturating_mul(msg.items());
        if let Some(p) = &self.links[hop.link as usize].spec.retry {
            let t = self.now + ms_to_nanos(p.timeout_ms).max(1);
            msg.stack[top].deadline = t;
            let era = msg.era;
            self.at(t, What::HopTimeout { msg: m, era, depth: top as u8, serial: hop.serial });
        }
        if self.links[hop.link as usize].spec.hedge_after_ms.is_some() {
            self.schedule_hedge(m, top);
        }
        self.transit(m, hop.link, false, bytes);
    }

    /// Make the next downstream call from `from` on, or answer if none is due.
    /// `holding`: the caller still holds a worker (blocking mode).
    pub(super) fn continue_calls(&mut self, n: u32, m: u32, from: u8, holding: bool, entered: Nanos) {
        let out_len = self.nodes[n as usize].out.len();
        let class = self.msgs[m as usize].class;
        if from == 0 && matches!(&self.nodes[n as usize].spec.kind, NodeKind::Service(s) if s.fan_out) {
            self.fan_out(n, m, holding, entered);
            return;
        }
        let mut i = from as usize;
        while i < out_len {
            let link = self.nodes[n as usize].out[i];
            if self.carries(link, class) && self.rng.chance(self.links[link as usize].spec.call_probability) {
                self.call(n, m, i, (i + 1) as u8, holding, 0, entered);
                return;
            }
            i += 1;
        }
        if holding {
            self.release(n, 0, entered);
        }
        self.respond(m);
    }

    /// Scatter-gather: call every link (that carries the type and is drawn
    /// by its `call_probability`) at once, each as a branch of its own, and
    /// answer when the last branch is back; the slowest decides. A link
    /// with `repeat: N` gets N branches, copies 0 to N − 1.
    pub(super) fn fan_out(&mut self, n: u32, m: u32, holding: bool, entered: Nanos) {
        let class = self.msgs[m as usize].class;
        let out = self.nodes[n as usize].out.clone();
        let mut targets = Vec::new();
        for (i, &l) in out.iter().enumerate() {
            let (p, copies) = (self.links[l as usize].spec.call_probability, self.links[l as usize].spec.repeat);
            if self.carries(l, class) && self.rng.chance(p) {
                let copies = copies.clamp(1, MAX_REPEAT) as u16;
                targets.extend((0..copies).map(|rep| (i, rep)));
            }
        }
        if targets.is_empty() {
            if holding {
                self.release(n, 0, entered);
            }
            self.respond(m);
            return;
        }
        if self.live_msgs + targets.len() as u64 > crate::sim::metrics::MAX_LIVE_MESSAGES {
            // Memory stays bounded, however many copies are asked for.
            if holding {
                self.release(n, 0, entered);
            }
            let msg = &mut self.msgs[m as usize];
            msg.resp = true;
            msg.error = Some(FailReason::SimLimit);
            self.return_up(m);
            return;
        }
        let era = self.msgs[m as usize].era;
        self.nodes[n as usize]
            .forks
            .insert(m, Fork { era, pending: targets.len() as u32, error: None, holding, entered });
        for (i, rep) in targets {
            let b = self.clone_msg(m);
            let branch = &mut self.msgs[b as usize];
            branch.orphan_depth = NO_ORPHAN;
            branch.parent = m;
            branch.parent_era = era;
            branch.fork_depth = branch.depth;
            self.call_copy(n, b, i, NONE as u8, false, 0, entered, rep);
        }
    }

    /// Is this a fan-out branch back where it started?
    pub(super) fn branch_ends_here(&self, m: u32) -> bool {
        let msg = &self.msgs[m as usize];
        msg.parent != NONE && msg.depth == msg.fork_depth
    }

    /// A branch ended: when it is the last, the waiting message carries on
    /// (with the first error, if any branch failed).
    pub(super) fn branch_done(&mut self, n: u32, b: u32, error: Option<FailReason>) {
        let (parent, era) = (self.msgs[b as usize].parent, self.msgs[b as usize].parent_era);
        self.end_msg(b);
        let waiting = self.msg_ok(parent, era) && self.msgs[parent as usize].place == (Place::AtNode { node: n });
        let node = &mut self.nodes[n as usize];
        let Some(fork) = node.forks.get_mut(&parent).filter(|f| f.era == era) else { return };
        fork.pending -= 1;
        fork.error = fork.error.or(error);
        if !waiting {
            // The waiting message is gone (its node crashed): forget it
            // once its branches are all back.
            if fork.pending == 0 {
                node.forks.remove(&parent);
            }
            return;
        }
        if fork.pending > 0 {
            return;
        }
        let fork = node.forks.remove(&parent).expect("found above");
        if fork.holding {
            self.release(n, 0, fork.entered);
        }
        let msg = &mut self.msgs[parent as usize];
        msg.resp = true;
        msg.error = fork.error;
        self.return_up(parent);
    }

    pub(super) fn respond(&mut self, m: u32) {
        self.msgs[m as usize].resp = true;
        self.return_up(m);
    }

    /// Send an answer (or an error) back over the link of the top call.
    pub(super) fn return_up(&mut self, m: u32) {
        let msg = &self.msgs[m as usize];
        if msg.depth == 0 {
            // Answered at its own origin (nothing was ever called).
            self.at_origin(m);
            return;
        }
        let link = msg.stack[msg.depth as usize - 1].link;
        let bytes = if msg.error.is_some() { 100 } else { msg.resp_bytes };
        self.transit(m, link, true, bytes);
    }

    /// An answer reached the caller of the top call: pop it and carry on.
    pub(super) fn answer_arrived(&mut self, m: u32) {
        let msg = &mut self.msgs[m as usize];
        let d = msg.depth as usize - 1;
        let hop = msg.stack[d];
        msg.depth -= 1;
        // Back to the key the caller asked with (a repeated call's copy
        // asked for one further on).
        msg.key = msg.key.wrapping_sub(hop.rep as u64);
        let n = self.links[hop.link as usize].from;
        msg.place = Place::AtNode { node: n };
        if msg.orphan_depth as usize == d {
            // The caller stopped waiting for this one long ago.
            self.ledger.messages_abandoned += 1;
            self.end_msg(m);
            return;
        }
        if msg.twin != NONE && msg.hedge_depth as usize == d && self.hedge_answered(m, d) {
            return;
        }
        let msg = &self.msgs[m as usize];
        match msg.error {
            Some(FailReason::CircuitOpen) => {}
            e => self.breaker_record(hop.link, e.is_none()),
        }
        let node = &mut self.nodes[n as usize];
        let index = hop.out_index(node);
        if let Some(i) = index {
            node.outstanding[i] = node.outstanding[i].saturating_sub(1);
            let failed = self.msgs[m as usize].error.is_some();
            self.note_answer(n, i, failed);
        }
        let node = &self.nodes[n as usize];
        if hop.life != node.life {
            // The caller crashed (and maybe restarted) since it made this
            // call: the call, and any worker it held, died with it.
            self.msgs[m as usize].error = Some(FailReason::NodeDown);
            if self.branch_ends_here(m) {
                self.branch_done(n, m, Some(FailReason::NodeDown));
                return;
            }
            if d == 0 {
                self.at_origin(m);
            } else {
                self.return_up(m);
            }
            return;
        }
        let origin_up = !(self.nodes[n as usize].removed || self.nodes[n as usize].fx.down);
        if origin_up && self.msgs[m as usize].error.is_some() && self.falls_back(hop.link, hop.attempt) {
            // Degrade instead of failing: the caller answers for itself.
            self.links[hop.link as usize].stats.fallbacks += 1;
            self.msgs[m as usize].error = None;
            self.msgs[m as usize].fallback = true;
        }
        if d == 0 && (self.msgs[m as usize].error.is_none() || !origin_up) {
            self.at_origin(m);
            return;
        }
        if d > 0 && !origin_up {
            // The caller is gone: pass the failure further up.
            let reason = if self.nodes[n as usize].removed { FailReason::Removed } else { FailReason::NodeDown };
            let msg = &mut self.msgs[m as usize];
            msg.error = Some(reason);
            if self.branch_ends_here(m) {
                self.branch_done(n, m, Some(reason));
                return;
            }
            self.return_up(m);
            return;
        }
        if let Some(reason) = self.msgs[m as usize].error {
            if let Some(p) = self.links[hop.link as usize].spec.retry.clone() {
                if (hop.attempt as u32) < p.max_retries.min(250) {
                    // Retry this hop after a backoff; a blocking caller
                    // keeps its worker meanwhile.
                    let wait = self.backoff(&p, hop.attempt + 1);
                    let node = &mut self.nodes[n as usize];
                    let i = hop.out_index(node).unwrap_or(0);
                    node.outstanding[i] += 1;
                    let msg = &mut self.msgs[m as usize];
                    msg.serial = msg.serial.next();
                    msg.stack[d] = Hop { attempt: hop.attempt + 1, serial: msg.serial, ..hop };
                    msg.depth += 1;
                    msg.key = msg.key.wrapping_add(hop.rep as u64);
                    msg.place = Place::Backoff { node: n };
                    let era = msg.era;
                    self.at(self.now + wait, What::HopRetry { msg: m, era });
                    return;
                }
            }
            debug_assert!(reason.index() < crate::sim::metrics::FAIL_REASONS.len());
            if d == 0 {
                // The first hop failed for good: its origin (a client, a
                // topic, a queue) decides what comes next.
                self.at_origin(m);
                return;
            }
            if self.branch_ends_here(m) {
                self.branch_done(n, m, Some(reason));
                return;
            }
            if hop.blocking {
                self.release(n, 0, hop.entered);
            }
            if self.nodes[n as usize].spec.kind.caching().is_some() {
                let key = self.msgs[m as usize].key;
                self.wake_waiters(n, key, Some(reason));
            }
            self.return_up(m);
            return;
        }
        self.carry_on(n, m, hop.next_call, hop.blocking, hop.entered, index.map(|i| (i, hop.rep)));
    }

    /// A call of node `n` was answered (or stood in for by a fallback):
    /// the node makes the next copy of a repeated call, carries on with its
    /// next call, or answers its own caller. `answered`: the outgoing link
    /// (index) of the call and which copy it was.
    fn carry_on(
        &mut self,
        n: u32,
        m: u32,
        next_call: u8,
        blocking: bool,
        entered: Nanos,
        answered: Option<(usize, u16)>,
    ) {
        if self.branch_ends_here(m) {
            self.branch_done(n, m, None);
            return;
        }
        match self.nodes[n as usize].spec.kind {
            NodeKind::Cache(_) | NodeKind::Cdn(_) => {
                // The miss came back with the value: keep it (not a
                // fallback's stand-in).
                let msg = &self.msgs[m as usize];
                if msg.op == Op::Write {
                    self.cache_written(n, m);
                } else if !msg.fallback {
                    self.cache_fill(n, m);
                }
                let key = self.msgs[m as usize].key;
                self.wake_waiters(n, key, None);
                self.continue_calls(n, m, next_call, blocking, entered)
            }
            NodeKind::Service(_) | NodeKind::RateLimiter(_) | NodeKind::Autoscaling(_) | NodeKind::Serverless(_) => {
                if let Some((i, rep)) = answered {
                    let link = self.nodes[n as usize].out[i];
                    if (rep as u32 + 1) < self.links[link as usize].spec.repeat.min(MAX_REPEAT) {
                        // One after another: the next copy goes out now.
                        self.call_copy(n, m, i, next_call, blocking, 0, entered, rep + 1);
                        return;
                    }
                }
                self.continue_calls(n, m, next_call, blocking, entered)
            }
            _ => {
                if blocking {
                    self.release(n, 0, entered);
                }
                self.return_up(m)
            }
        }
    }

    /// Whether a failed call over `link` (at this attempt) is answered by
    /// its caller's fallback: the link has one and no retry is left.
    fn falls_back(&self, link: u32, attempt: u8) -> bool {
        let spec = &self.links[link as usize].spec;
        spec.fallback && spec.retry.as_ref().is_none_or(|p| attempt as u32 >= p.max_retries.min(250))
    }

    /// The message is back where it was created.
    pub(super) fn at_origin(&mut self, m: u32) {
        let msg = &self.msgs[m as usize];
        let (req, origin, mut error) = (msg.req, msg.origin, msg.error);
        if self.nodes[origin as usize].fx.down && error.is_none() {
            // The origin crashed while this was out: nobody receives it.
            error = Some(FailReason::NodeDown);
        }
        if req == NONE && matches!(self.nodes[origin as usize].spec.kind, NodeKind::Stream(_)) {
            self.stream_job_back(origin, m, error);
            return;
        }
        if req == NONE && matches!(self.nodes[origin as usize].spec.kind, NodeKind::Inbox(_)) && error.is_some() {
            self.inbox_keeps(origin, m, error.expect("checked"));
            return;
        }
        if req == NONE {
            // An async job came back to its queue: delivered or failed,
            // and with it every message of its batch.
            let node = &mut self.nodes[origin as usize];
            node.consumers_busy = node.consumers_busy.saturating_sub(1);
            let riders = std::mem::take(&mut self.msgs[m as usize].riders);
            self.job_back(origin, m, error);
            for r in riders {
                self.job_back(origin, r, error);
            }
            self.dispatch_jobs(origin);
            return;
        }
        let r = &self.reqs[req as usize];
        let current = r.live && r.msg == m && r.msg_gen == self.msgs[m as usize].era;
        let long_poll_news = current
            && error.is_none()
            && r.full_poll
            && matches!(self.client_spec(origin).traffic, Traffic::LongPolling { .. });
        if long_poll_news {
            // From the message reaching the server to the app having it.
            let sent = self.msgs[m as usize].sent;
            self.record_delivery(self.now - sent);
        }
        self.end_msg(m);
        if !current {
            self.ledger.messages_abandoned += 1;
            return;
        }
        match error {
            None => self.finish_request(req, None),
            Some(reason) => self.retry_or_fail(req, origin, reason),
        }
    }

    /// A per-hop timeout fired: if that call is still unanswered, the caller
    /// stops waiting (the original keeps going as an orphan) and carries on
    /// with a copy as if a timeout error had come back.
    pub(super) fn hop_timeout(&mut self, m: u32, era: Gen, depth: u8, serial: Gen) {
        if !self.msg_ok(m, era) {
            return;
        }
        let msg = &self.msgs[m as usize];
        let d = depth as usize;
        // Orphans are nobody's concern any more: their copy carries the
        // caller's timeouts from here on.
        if msg.depth as usize <= d || msg.stack[d].serial != serial || msg.orphan_depth != NO_ORPHAN {
            return;
        }
        let was_lost = msg.place == Place::Lost;
        let (copy, req) = (msg.clone(), msg.req);
        let m2 = self.clone_msg(m);
        self.msgs[m as usize].orphan_depth = depth;
        let release_from = if copy.twin != NONE { self.hedge_given_up(m, d, Some(m2)) } else { d + 1 };
        let era2 = self.msgs[m2 as usize].era;
        self.cut_stack(m2, depth as usize + 1);
        {
            let c = &mut self.msgs[m2 as usize];
            c.resp = true;
            c.error = Some(FailReason::Timeout);
        }
        if req != NONE {
            let r = &mut self.reqs[req as usize];
            if r.msg == m && r.msg_gen == era {
                r.msg = m2;
                r.msg_gen = era2;
            }
        }
        // Timeouts of the calls above this one now watch the copy.
        for k in 0..d {
            let h = copy.stack[k];
            if h.deadline >= self.now && h.deadline > 0 {
                self.at(h.deadline, What::HopTimeout { msg: m2, era: era2, depth: k as u8, serial: h.serial });
            }
        }
        if was_lost {
            self.release_stack(m, release_from);
            self.end_msg(m);
        }
        self.answer_arrived(m2);
    }

    /// The caller of the message's top call learns at once that it failed.
    pub(super) fn fail_here(&mut self, m: u32, reason: FailReason) {
        let msg = &mut self.msgs[m as usize];
        msg.resp = true;
        msg.error = Some(reason);
        if msg.depth == 0 {
            self.at_origin(m);
        } else {
            self.answer_arrived(m);
        }
    }
}
