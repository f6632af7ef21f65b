//! Worker stations: admission, queueing (FIFO, priority, LIFO under load),
//! service, and what a node does when its work is done.

use super::*;

impl Engine {
    pub(super) fn request_arrived(&mut self, n: u32, m: u32) {
        let now = self.now;
        let msg = &mut self.msgs[m as usize];
        msg.place = Place::AtNode { node: n };
        msg.arrived = now;
        let node = &mut self.nodes[n as usize];
        node.stats.arrivals += 1;
        if !self.admit(n, m) {
            return;
        }
        let k = match self.pick_member(n, m) {
            Ok(k) => k,
            Err(reason) => {
                self.reject(n, m, reason);
                return;
            }
        };
        self.msgs[m as usize].member = k as u8;
        self.queue_or_serve(n, m, k);
    }

    /// Refusals and special handling before a request may queue: a crashed
    /// node, a full disk or queue, an empty token bucket, a phone that is
    /// offline. False when the request has been answered here already.
    fn admit(&mut self, n: u32, m: u32) -> bool {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        if let NodeKind::Client(_) = node.spec.kind {
            // A client accepts nothing; validation prevents links into one.
            self.reject(n, m, FailReason::NoRoute);
            return false;
        }
        if node.fx.down {
            // Connection refused: the caller learns at once.
            node.stats.rejected += 1;
            self.fail_here(m, FailReason::NodeDown);
            return false;
        }
        if node.fx.disk_full && self.msgs[m as usize].op == Op::Write {
            self.reject(n, m, FailReason::DiskFull);
            return false;
        }
        let full = match &node.spec.kind {
            NodeKind::Queue(q) => {
                let held = node.queue_len() + node.busy as usize;
                q.capacity.is_some_and(|c| held >= c as usize)
            }
            _ => false,
        };
        if full {
            self.reject(n, m, FailReason::QueueFull);
            return false;
        }
        if node.prep.hooks.admit {
            let job = job_of(&self.msgs[m as usize], &self.reqs, now, 1.0, node.busy);
            if let Err(reason) = node.spec.kind.admit(&mut node.state, job) {
                self.reject(n, m, reason);
                return false;
            }
        }
        if let NodeKind::WebsocketGateway(w) = &self.nodes[n as usize].spec.kind {
            let (connections, max) = (w.connections, w.max_connections);
            let key = self.msgs[m as usize].key;
            let class = self.msgs[m as usize].class;
            // Phones beyond the connection limit never got a connection.
            if connections > max
                && class != self.class_id("connect")
                && hash64(&key.to_le_bytes(), 13) % connections as u64 >= max as u64
            {
                self.nodes[n as usize].stats.offline += 1;
                let msg = &mut self.msgs[m as usize];
                msg.resp = true;
                msg.error = Some(FailReason::Offline);
                self.return_up(m);
                return false;
            }
        }
        if let NodeKind::Devices(d) = &self.nodes[n as usize].spec.kind {
            let (users, session, open) = (d.users.max(1), d.mean_session_s, d.open_on_push);
            let user = self.msgs[m as usize].key % users;
            let (online, until) = self.presence(n, user);
            if self.msgs[m as usize].class == self.class_id("push") {
                // A notification: shown at once; it may make the user open
                // the app, which connects and collects what was held.
                if !online && self.rng.chance(open) {
                    self.wake(n, user, session);
                }
                self.respond(m);
                return false;
            }
            if !online {
                // Unreachable, not overloaded: counted apart from rejections.
                self.nodes[n as usize].stats.offline += 1;
                let msg = &mut self.msgs[m as usize];
                msg.retry_at = until;
                msg.offline_node = n;
                msg.resp = true;
                msg.error = Some(FailReason::Offline);
                self.return_up(m);
                return false;
            }
        }
        true
    }

    /// Serve at once if a worker is free, else queue (priority types first,
    /// newest first under load), else refuse.
    fn queue_or_serve(&mut self, n: u32, m: u32, k: usize) {
        let now = self.now;
        let urgent = node_urgent(&self.nodes[n as usize], self.msgs[m as usize].class);
        let node = &mut self.nodes[n as usize];
        let limit = node.prep.queue_limit as usize;
        let free = node.members[k].busy < node.capacity() && node.fx.paused_since.is_none();
        let member = &mut node.members[k];
        if free {
            self.start_service(n, m);
        } else if member.queue_len() < limit {
            if urgent {
                member.urgent.push_back(m)
            } else {
                member.queue.push_back(m)
            }
            node.stats.queue.add(now, 1);
        } else if urgent && !member.queue.is_empty() {
            // Priority sheds the newest ordinary request to make room.
            let victim = member.queue.pop_back().expect("not empty");
            member.urgent.push_back(m);
            self.reject(n, victim, FailReason::QueueFull);
        } else if !urgent && member.queue.len() > node.prep.lifo_above as usize {
            // Serving newest first, a full queue drops its oldest instead.
            let victim = member.queue.pop_front().expect("not empty");
            member.queue.push_back(m);
            self.reject(n, victim, FailReason::QueueFull);
        } else if let NodeKind::Serverless(_) = node.spec.kind {
            self.reject(n, m, FailReason::Throttled);
        } else {
            self.reject(n, m, FailReason::QueueFull);
        }
    }

    /// Which pool serves this message: a shard by key, the primary for
    /// writes, a replica for reads; 0 for single-pool nodes.
    pub(super) fn pick_member(&mut self, n: u32, m: u32) -> Result<usize, FailReason> {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        let msg = &self.msgs[m as usize];
        match &node.spec.kind {
            NodeKind::ShardedDatabase(_) => {
                Ok((hash64(&msg.key.to_le_bytes(), 7) % node.members.len() as u64) as usize)
            }
            NodeKind::ReplicatedDatabase(d) => {
                let Standing { electing, replicas } = node.fx.standing(node.members.len() - 1, now);
                if msg.op == Op::Write {
                    return if electing { Err(FailReason::NodeDown) } else { Ok(0) };
                }
                // Read-your-writes: a key written within the window is read
                // where every write is, on the primary.
                let fresh_needed = match (&node.state, d.read_your_writes_ms) {
                    (KindState::ReplicatedDatabase(r), Some(w)) => r.written_within(msg.key, now, ms_to_nanos(w)),
                    _ => false,
                };
                if fresh_needed && !electing {
                    return Ok(0);
                }
                let primary_reads = (d.read_from_primary || replicas == 0) && !electing;
                let choices = replicas + primary_reads as usize;
                if choices == 0 {
                    return Err(FailReason::NodeDown);
                }
                let pick = node.rr as usize % choices;
                node.rr = node.rr.wrapping_add(1);
                Ok(if primary_reads { pick } else { pick + 1 })
            }
            _ => Ok(0),
        }
    }

    pub(super) fn reject(&mut self, n: u32, m: u32, reason: FailReason) {
        self.nodes[n as usize].stats.rejected += 1;
        let msg = &mut self.msgs[m as usize];
        msg.resp = true;
        msg.error = Some(reason);
        self.return_up(m);
    }

    pub(super) fn start_service(&mut self, n: u32, m: u32) {
        let now = self.now;
        let (k, class, write) = {
            let msg = &self.msgs[m as usize];
            (msg.member as usize, msg.class, msg.op == Op::Write)
        };
        let node = &mut self.nodes[n as usize];
        node.busy += 1;
        node.members[k].busy += 1;
        node.stats.busy.set(now, node.busy as u64);
        node.stats.wait_sum_ns += (now - self.msgs[m as usize].arrived) as u128;
        node.stats.waits += 1;
        if node.prep.hooks.serve {
            let job = job_of(&self.msgs[m as usize], &self.reqs, now, node.fx.service_factor(now), node.busy);
            if let Some(served) = node.spec.kind.serve(&mut node.state, job, &mut self.rng) {
                self.msgs[m as usize].error = served.error;
                self.service_ends_in(m, served.time);
                return;
            }
        }
        let mut s = if write { node.prep.write } else { node.prep.service };
        if let Some(&(_, by_type)) = node.prep.by_class.iter().find(|(c, _)| *c == class) {
            s = by_type;
        }
        let mut extra: Nanos = 0;
        let mut contention = 1.0;
        let hold = self.msgs[m as usize].hold;
        if hold > 0 && node.prep.after == AfterService::CallDownstream {
            // A long poll: the server holds it until there is news; the
            // news arrives at the end of the hold.
            extra += hold;
            let msg = &mut self.msgs[m as usize];
            msg.hold = 0;
            msg.sent = now + hold;
        }
        if node.prep.hooks.adjust {
            let job = job_of(&self.msgs[m as usize], &self.reqs, now, 1.0, node.busy);
            let adjust = node.spec.kind.adjust(&mut node.state, job, &mut self.rng);
            contention = 1.0 + adjust.slower;
            if adjust.cold_start {
                node.stats.cold_starts += 1;
            }
            if adjust.skip {
                s = Sampler::Const(0);
            }
            extra += adjust.extra;
            let mut fail = adjust.fail;
            // A batch fails as a whole if any message in it does.
            let riders = &self.msgs[m as usize].riders;
            for &r in riders {
                if fail.is_some() {
                    break;
                }
                fail = node.spec.kind.fails_item(&mut node.state, self.msgs[r as usize].payload);
            }
            if fail.is_some() {
                // Served in full, then it fails (see `service_done`).
                self.msgs[m as usize].error = fail;
            }
        }
        if node.prep.per_item > 0 {
            // Per-message work on top of the per-call draw (a batch
            // carries several messages).
            extra += node.prep.per_item.saturating_mul(self.msgs[m as usize].items() as Nanos);
        }
        let slow = node.fx.service_factor(now) * contention;
        // Synchronous replication: after its own work a write waits for the
        // replicas (their network and disks, not this node's speed).
        let replicas = if write && node.prep.after == AfterService::Replicate { self.replication_wait(n) } else { 0 };
        if s.is_zero() && extra == 0 && replicas == 0 {
            self.service_done(m);
        } else {
            let mut d = s.sample(&mut self.rng) + extra;
            if slow != 1.0 {
                d = (d as f64 * slow) as Nanos;
            }
            self.service_ends_in(m, d + replicas);
        }
    }

    /// The message's service (started now) ends after `d`.
    fn service_ends_in(&mut self, m: u32, d: Nanos) {
        let now = self.now;
        let msg = &mut self.msgs[m as usize];
        msg.svc = msg.svc.next();
        msg.svc_start = now;
        let (era, svc) = (msg.era, msg.svc);
        self.at(now + d, What::ServiceDone { msg: m, era, svc });
    }

    /// Free one worker of pool `k` of `n` and give it the next queued message.
    pub(super) fn release(&mut self, n: u32, k: usize, entered: Nanos) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.busy = node.busy.saturating_sub(1);
        if let Some(member) = node.members.get_mut(k) {
            member.busy = member.busy.saturating_sub(1);
            member.served += 1;
        }
        node.stats.busy.set(now, node.busy as u64);
        node.stats.completions += 1;
        node.stats.sojourn.record(now - entered);
        if node.prep.hooks.released {
            node.spec.kind.released(&mut node.state, now);
        }
        self.drain_queue(n);
    }

    pub(super) fn drain_queue(&mut self, n: u32) {
        // A service that takes no time ends inside `start_service`, frees
        // its worker and would drain again from in here: a queue of 100 000
        // (after a pause) would nest 100 000 calls deep. The inner call
        // only asks this loop to go round once more.
        let node = &mut self.nodes[n as usize];
        if node.draining {
            node.drain_again = true;
            return;
        }
        if node.members.iter().all(|m| m.queue_len() == 0) {
            // Nothing waits (the usual case): nothing to start.
            return;
        }
        self.nodes[n as usize].draining = true;
        loop {
            self.nodes[n as usize].drain_again = false;
            self.drain_once(n);
            if !self.nodes[n as usize].drain_again {
                break;
            }
        }
        self.nodes[n as usize].draining = false;
    }

    fn drain_once(&mut self, n: u32) {
        let now = self.now;
        for k in 0..self.nodes[n as usize].members.len() {
            loop {
                let node = &mut self.nodes[n as usize];
                if node.members[k].busy >= node.capacity() || node.fx.paused_since.is_some() || node.fx.down {
                    break;
                }
                let lifo = node.members[k].queue.len() > node.prep.lifo_above as usize;
                let member = &mut node.members[k];
                let next = match member.urgent.pop_front() {
                    Some(m) => Some(m),
                    None if lifo => member.queue.pop_back(),
                    None => member.queue.pop_front(),
                };
                let Some(next) = next else { break };
                node.stats.queue.add(now, -1);
                if now >= self.msgs[next as usize].deadline {
                    // Its caller gave up already: serving it helps no one.
                    self.nodes[n as usize].stats.expired += 1;
                    self.reject(n, next, FailReason::Timeout);
                    continue;
                }
                self.start_service(n, next);
            }
        }
    }

    pub(super) fn service_done(&mut self, m: u32) {
        let Place::AtNode { node: n } = self.msgs[m as usize].place else { return };
        if self.nodes[n as usize].removed {
            self.fail_here(m, FailReason::Removed);
            return;
        }
        let entered = self.msgs[m as usize].arrived;
        let k = self.msgs[m as usize].member as usize;
        match self.nodes[n as usize].prep.after {
            AfterService::Balance => {
                self.release(n, 0, entered);
                match self.pick_backend(n, m) {
                    Some(i) => {
                        let i = self.slow_start(n, i);
                        self.call(n, m, i, NONE as u8, false, 0, entered)
                    }
                    None => self.reject(n, m, FailReason::NoRoute),
                }
            }
            AfterService::Lookup => {
                let Some(c) = self.nodes[n as usize].spec.kind.caching() else { return };
                if self.msgs[m as usize].op == Op::Write {
                    // A write is not answered from the cache: it goes on to
                    // the store behind. Invalidating drops the cached copy
                    // of its key now (and again when the store acknowledges
                    // it); writing through keeps it until then.
                    let key = self.msgs[m as usize].key;
                    let node = &mut self.nodes[n as usize];
                    node.stats.writes += 1;
                    if c.write_policy == WritePolicy::Invalidate
                        && let Some(store) = node.store.as_mut()
                    {
                        store.remove(key);
                    }
                    self.release(n, 0, entered);
                    if self.nodes[n as usize].out.is_empty() {
                        self.respond(m);
                    } else {
                        self.continue_calls(n, m, 0, false, entered);
                    }
                    return;
                }
                let hit = match self.cache_lookup(n, m) {
                    Some(hit) => hit,
                    None => {
                        let hit_ratio = c.hit_ratio * self.nodes[n as usize].fx.warmth(self.now);
                        self.rng.chance(hit_ratio)
                    }
                } || self.nodes[n as usize].out.is_empty();
                let stats = &mut self.nodes[n as usize].stats;
                if hit {
                    stats.hits += 1;
                } else {
                    stats.misses += 1;
                }
                self.release(n, 0, entered);
                if !hit && self.writes.is_some() {
                    // What comes back is read afresh, not what it carried.
                    self.msgs[m as usize].fetched = Nanos::MAX;
                }
                if hit {
                    self.respond(m);
                } else if !(c.coalesce && c.capacity.is_some() && self.wait_for_fetch(n, m)) {
                    self.continue_calls(n, m, 0, false, entered);
                }
            }
            AfterService::CallDownstream if self.msgs[m as usize].error.is_some() => {
                // Its work failed (a message it cannot process): no calls
                // downstream, the caller hears of the failure.
                self.release(n, 0, entered);
                self.respond(m);
            }
            AfterService::CallDownstream => {
                let blocking = self.nodes[n as usize].prep.blocking;
                self.continue_calls(n, m, 0, blocking, entered);
                if !blocking {
                    self.release(n, 0, entered);
                }
            }
            AfterService::Respond => {
                self.release(n, k, entered);
                if self.writes.is_some() {
                    self.stored(n, m);
                }
                self.respond(m);
            }
            AfterService::Append => {
                self.release(n, 0, entered);
                self.append(n, m);
                self.respond(m);
            }
            AfterService::Replicate => {
                self.release(n, k, entered);
                if self.writes.is_some() {
                    self.stored(n, m);
                }
                self.replicate(n, m);
                self.respond(m);
            }
            AfterService::Push { delivery_ratio: ratio } => {
                self.release(n, 0, entered);
                // Accepted: the sender hears back now; delivery is best effort.
                self.respond(m);
                if self.rng.chance(ratio) {
                    self.forward_push(n, m);
                }
            }
            AfterService::Deliver => {
                self.release(n, 0, entered);
                let (sent, first) = (self.msgs[m as usize].sent, self.msgs[m as usize].receives == 0);
                self.record_delivery(self.now - sent);
                if first {
                    // Never held or retried: the system's own speed.
                    self.global.delivery_first.record(self.now - sent);
                    self.windows.delivery_first.record(self.now - sent);
                }
                self.nodes[n as usize].stats.delivered += 1;
                // The acknowledgement ("delivered ✓✓") goes back.
                self.respond(m);
            }
            AfterService::Store => {
                self.release(n, 0, entered);
                self.store_jobs(n, m);
                // Acknowledge the producer now; delivery happens later.
                self.respond(m);
                self.dispatch_jobs(n);
            }
            AfterService::PassOn => {
                self.release(n, 0, entered);
                self.continue_calls(n, m, 0, false, entered);
            }
            AfterService::RouteByType => {
                self.release(n, 0, entered);
                let class = self.msgs[m as usize].class;
                match self.pick_carrier(n, class) {
                    Some(i) => self.call(n, m, i, NONE as u8, false, 0, entered),
                    None => self.reject(n, m, FailReason::NoRoute),
                }
            }
            AfterService::Resolve => {
                self.release(n, 0, entered);
                match self.resolve(n, m) {
                    Some(i) => self.call(n, m, i, NONE as u8, false, 0, entered),
                    None => self.reject(n, m, FailReason::NoRoute),
                }
            }
            AfterService::Nothing => {}
        }
    }
}

/// A request as a kind's hooks see it: read or write, its key, its size.
fn job_of(msg: &Msg, reqs: &[Req], now: Nanos, slow: f64, busy: u32) -> Job {
    let write = msg.op == Op::Write;
    let bytes = if write { msg.req_bytes } else { msg.resp_bytes };
    // The request's identity across its retries and copies: its slot and
    // the slot's generation (a reused slot is another request); a job's,
    // its number (the top bit keeps the two apart). Each copy of a repeated
    // call is a write of its own (to another key); a retry of a copy is the
    // same write again.
    let mut request = match reqs.get(msg.req as usize) {
        Some(r) => (msg.req as u64) << 32 | r.era.raw() as u64,
        None => msg.job | 1 << 63,
    };
    // Which copy at each depth (repeat is at most 1 000).
    let copy =
        msg.stack[0..msg.depth as usize].iter().fold(0u64, |a, h| a.wrapping_mul(1_001).wrapping_add(h.rep as u64));
    if copy > 0 {
        request = hash64(&request.to_le_bytes(), copy);
    }
    Job { write, key: msg.key, request, message: msg.payload, now, slow, bytes, busy }
}
