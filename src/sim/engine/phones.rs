//! Phones and message delivery: who is online, inboxes that hold messages
//! for offline users, push notifications, websocket reconnect storms.

use super::*;

impl Engine {
    /// Is this user's phone online now, and until when does that last?
    /// (see `DevicesSpec::presence`).
    pub(super) fn presence(&mut self, n: u32, user: u64) -> (bool, Nanos) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        match (&node.spec.kind, &mut node.state) {
            (NodeKind::Devices(d), KindState::Devices(seen)) => d.presence(seen, user, now, &mut self.rng),
            _ => (true, Nanos::MAX),
        }
    }

    /// An offline user opens the app: online now for a fresh session, and
    /// every inbox holding messages for them delivers at once.
    pub(super) fn wake(&mut self, n: u32, user: u64, session: f64) {
        let left = self.rng.exp(secs_to_nanos(session.max(1e-3)) as f64) as Nanos;
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        if let KindState::Devices(seen) = &mut node.state {
            seen.spells.insert(user, (true, now + left.max(1)));
        }
        node.stats.woken += 1;
        for (m, era) in self.held.remove(&(n, user)).unwrap_or_default() {
            if self.msg_ok(m, era) && matches!(self.msgs[m as usize].place, Place::Backoff { .. }) {
                self.at(now, What::Requeue { msg: m, era });
            }
        }
    }

    /// An inbox delivery failed: keep the message. An offline phone gets it
    /// when it is back online (and a push notification now, the first
    /// time); any other failure is retried a little later.
    pub(super) fn inbox_keeps(&mut self, n: u32, m: u32, reason: FailReason) {
        let now = self.now;
        let push = self.class_id("push");
        let node = &mut self.nodes[n as usize];
        node.consumers_busy = node.consumers_busy.saturating_sub(1);
        let NodeKind::Inbox(spec) = &node.spec.kind else { return };
        let retry = ms_to_nanos(spec.retry_ms).max(1);
        let msg = &self.msgs[m as usize];
        if msg.class == push {
            // A notification is best effort: one that fails is given up
            // (counted apart); the message it announced is still held.
            node.stats.pushes_failed += 1;
            self.ledger.jobs_live -= 1;
            self.ledger.jobs_done += 1;
            self.end_msg(m);
            self.dispatch_jobs(n);
            return;
        }
        let (first, back_at, devices) = (msg.receives == 0, msg.retry_at, msg.offline_node);
        if reason == FailReason::Offline && devices != NONE {
            // Remember who waits for this phone, in case a push wakes it.
            if let NodeKind::Devices(d) = &self.nodes[devices as usize].spec.kind {
                let user = msg.key % d.users.max(1);
                let era = msg.era;
                let list = self.held.entry((devices, user)).or_default();
                list.retain(|&(h, e)| self.msgs[h as usize].live && self.msgs[h as usize].era == e);
                list.push((m, era));
            }
        }
        let node = &mut self.nodes[n as usize];
        let at = if reason == FailReason::Offline && back_at > now { back_at } else { now + retry };
        if reason == FailReason::Offline {
            node.stats.held += 1;
        } else {
            node.stats.redeliveries += 1;
        }
        let msg = &mut self.msgs[m as usize];
        msg.receives = msg.receives.saturating_add(1);
        self.set_aside(n, m, at);
        if first && reason == FailReason::Offline {
            self.send_push(n, m);
        }
        self.dispatch_jobs(n);
    }

    /// A push notification for a held message, over the first link that
    /// carries the type "push" (none: no notification).
    pub(super) fn send_push(&mut self, n: u32, m: u32) {
        let push = self.class_id("push");
        let node = &self.nodes[n as usize];
        let Some(i) = node.out.iter().position(|&l| self.links[l as usize].mask & (1u64 << push) != 0) else { return };
        // Its answer frees a delivery slot like any other job's.
        self.nodes[n as usize].consumers_busy += 1;
        self.notify(n, m, i);
    }

    /// A push provider passes a notification on towards the phone.
    pub(super) fn forward_push(&mut self, n: u32, m: u32) {
        let push = self.class_id("push");
        let Some(i) = self.pick_carrier(n, push) else { return };
        self.notify(n, m, i);
    }

    /// A notification about message `m`, as an async job of `n` over its
    /// outgoing link `i`.
    pub(super) fn notify(&mut self, n: u32, m: u32, i: usize) {
        let push = self.class_id("push");
        let (key, sent) = (self.msgs[m as usize].key, self.msgs[m as usize].sent);
        let job = self.new_msg(NONE, n, Op::Read, key, 300, 100);
        self.msgs[job as usize].class = push;
        self.msgs[job as usize].sent = sent;
        self.ledger.jobs_created += 1;
        self.ledger.jobs_live += 1;
        self.nodes[n as usize].stats.pushes += 1;
        let now = self.now;
        self.call(n, job, i, NONE as u8, false, 0, now);
    }

    /// One phone reconnects ("connect" over the links that carry it); the
    /// next follows after an even share of the reconnect window.
    pub(super) fn reconnect(&mut self, n: u32, epoch: Gen, left: u32) {
        let node = &self.nodes[n as usize];
        let NodeKind::WebsocketGateway(w) = &node.spec.kind else { return };
        if node.epoch != epoch || node.removed || node.fx.down || left == 0 {
            return;
        }
        let count = w.connections.min(w.max_connections).max(1);
        let gap = (secs_to_nanos(w.reconnect_s.max(0.0)) / count as u64).max(1);
        self.nodes[n as usize].stats.reconnects += 1;
        let connect = self.class_id("connect");
        let node = &self.nodes[n as usize];
        let target = node.out.iter().position(|&l| self.links[l as usize].mask & (1u64 << connect) != 0);
        if let Some(i) = target {
            let job = self.new_msg(NONE, n, Op::Read, left as u64, 500, 500);
            self.msgs[job as usize].class = connect;
            self.ledger.jobs_created += 1;
            self.ledger.jobs_live += 1;
            self.nodes[n as usize].consumers_busy += 1;
            let now = self.now;
            self.call(n, job, i, NONE as u8, false, 0, now);
        }
        if left > 1 {
            self.at(self.now + gap, What::Reconnect { node: n, epoch, left: left - 1 });
        }
    }
}
