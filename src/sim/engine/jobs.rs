//! Async jobs: queues and streams store them, deliver them to consumers,
//! set failed ones aside and redeliver them.

use super::*;

impl Engine {
    /// The `k`-th message `m` carries: itself, then its batch's riders.
    fn carried(&self, m: u32, k: usize) -> u32 {
        if k == 0 { m } else { self.msgs[m as usize].riders[k - 1] }
    }

    /// A new job at `n` carrying what message `item` carries (operation,
    /// key, sizes, type, send time and payload), counted in the books.
    fn job_carrying(&mut self, n: u32, item: u32) -> u32 {
        let msg = &self.msgs[item as usize];
        let (op, key, rq, rs) = (msg.op, msg.key, msg.req_bytes, msg.resp_bytes);
        let (class, sent, payload) = (msg.class, msg.sent, msg.payload);
        let job = self.new_msg(NONE, n, op, key, rq, rs);
        let j = &mut self.msgs[job as usize];
        j.class = class;
        j.sent = sent;
        j.payload = payload;
        self.ledger.jobs_created += 1;
        self.ledger.jobs_live += 1;
        job
    }

    /// Store what a producer sent: one job for a queue, one per subscriber
    /// (each aimed at its link) for a topic.
    pub(super) fn store_jobs(&mut self, n: u32, m: u32) {
        let copies = match self.nodes[n as usize].spec.kind {
            NodeKind::PubSub(_) => self.nodes[n as usize].out.len(),
            _ => 1,
        };
        // A batch from another queue is stored as the messages it carries,
        // each with its own key, type and payload.
        let items = self.msgs[m as usize].items() as usize;
        for sub in 0..copies {
            for k in 0..items {
                let job = self.job_carrying(n, self.carried(m, k));
                // For a topic, the subscriber's link index.
                self.msgs[job as usize].member = sub as u8;
                self.nodes[n as usize].buffer.push_back(job);
            }
        }
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.stats.queue.set(now, node.queue_len() as u64);
    }

    /// Stream: append a copy for every consumer group to the key's partition.
    pub(super) fn append(&mut self, n: u32, m: u32) {
        // A batch from a queue is appended as the messages it carries.
        let items = self.msgs[m as usize].items() as usize;
        self.sync_groups(n);
        for k in 0..items {
            let item = self.carried(m, k);
            let p = self.partition_of(n, self.msgs[item as usize].key);
            for g in 0..self.nodes[n as usize].groups.len() {
                let job = self.job_carrying(n, item);
                self.nodes[n as usize].groups[g].lanes[p].0.push_back(job);
                self.dispatch_lane(n, g, p);
            }
        }
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.stats.queue.set(now, node.queue_len() as u64);
    }

    pub(super) fn partition_of(&self, n: u32, key: u64) -> usize {
        let parts = match &self.nodes[n as usize].spec.kind {
            NodeKind::Stream(s) => s.partitions.max(1),
            _ => 1,
        };
        (hash64(&key.to_le_bytes(), 11) % parts as u64) as usize
    }

    /// Stream: one consumer group per outgoing link, each with every
    /// partition (a changed partition count applies to groups made later).
    pub(super) fn sync_groups(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        let NodeKind::Stream(s) = &node.spec.kind else { return };
        let parts = s.partitions.max(1) as usize;
        for &l in &node.out {
            if !node.groups.iter().any(|g| g.link == l) {
                node.groups.push(Group { link: l, lanes: (0..parts).map(|_| (VecDeque::new(), false)).collect() });
            }
        }
        for g in &mut node.groups {
            if g.lanes.len() < parts {
                g.lanes.resize_with(parts, || (VecDeque::new(), false));
            }
        }
    }

    /// Deliver the next message of a partition to its group, if none is out.
    pub(super) fn dispatch_lane(&mut self, n: u32, g: usize, p: usize) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        if node.fx.down || node.fx.paused_since.is_some() {
            return;
        }
        let link = node.groups[g].link;
        let Some(i) = node.out.iter().position(|&l| l == link) else { return };
        let p = p % node.groups[g].lanes.len();
        let lane = &mut node.groups[g].lanes[p];
        if lane.1 {
            return;
        }
        let Some(job) = lane.0.pop_front() else { return };
        lane.1 = true;
        self.call(n, job, i, NONE as u8, false, 0, now);
    }

    /// Stream: a delivery came back; on success the partition moves on, on
    /// failure the same message is tried again later (order is kept).
    pub(super) fn stream_job_back(&mut self, n: u32, m: u32, error: Option<FailReason>) {
        let now = self.now;
        let (link, key, born) = {
            let msg = &self.msgs[m as usize];
            (msg.stack[0].link, msg.key, msg.born)
        };
        let p = self.partition_of(n, key);
        let node = &mut self.nodes[n as usize];
        let Some(g) = node.groups.iter().position(|g| g.link == link) else {
            self.ledger.jobs_live -= 1;
            self.ledger.jobs_failed[error.unwrap_or(FailReason::Removed).index()] += 1;
            self.global.lost += 1;
            self.end_msg(m);
            return;
        };
        let p = p % node.groups[g].lanes.len();
        match error {
            None => {
                node.groups[g].lanes[p].1 = false;
                node.stats.jobs_done += 1;
                node.stats.job_latency.record(now - born);
                node.stats.queue.set(now, node.queue_len() as u64);
                self.ledger.jobs_live -= 1;
                self.ledger.jobs_done += 1;
                self.end_msg(m);
                self.dispatch_lane(n, g, p);
            }
            Some(r) => {
                let (wait, max_attempts) = match &node.spec.kind {
                    NodeKind::Stream(s) => (ms_to_nanos(s.retry_ms).max(1), s.max_attempts),
                    _ => (1, None),
                };
                let msg = &mut self.msgs[m as usize];
                msg.receives = msg.receives.saturating_add(1);
                if max_attempts.is_some_and(|k| msg.receives as u32 >= k.min(250)) {
                    // Out of attempts: parked in the dead-letter queue, and
                    // the partition moves on to the next message.
                    node.groups[g].lanes[p].1 = false;
                    node.stats.dead_lettered += 1;
                    node.stats.queue.set(now, node.queue_len() as u64);
                    self.ledger.jobs_live -= 1;
                    self.ledger.jobs_failed[r.index()] += 1;
                    self.global.lost += 1;
                    self.end_msg(m);
                    self.dispatch_lane(n, g, p);
                    return;
                }
                node.stats.redeliveries += 1;
                self.set_aside(n, m, now + wait);
            }
        }
    }

    pub(super) fn dispatch_jobs(&mut self, n: u32) {
        if let NodeKind::Stream(_) = self.nodes[n as usize].spec.kind {
            self.sync_groups(n);
            for g in 0..self.nodes[n as usize].groups.len() {
                for p in 0..self.nodes[n as usize].groups[g].lanes.len() {
                    self.dispatch_lane(n, g, p);
                }
            }
            return;
        }
        loop {
            let now = self.now;
            let node = &mut self.nodes[n as usize];
            let (consumers, visibility, (batch, linger)) = match &node.spec.kind {
                NodeKind::Queue(q) => (q.consumers, q.visibility_timeout_ms, q.batching()),
                NodeKind::Inbox(i) => (i.deliveries, None, (1, 0.0)),
                // A topic pushes every copy at once.
                NodeKind::PubSub(_) => (u32::MAX, None, (1, 0.0)),
                _ => return,
            };
            if node.consumers_busy >= consumers || node.out.is_empty() || node.fx.down {
                return;
            }
            if batch > 1 && node.buffer.len() < batch as usize && linger > 0.0 {
                // Not a full batch yet: wait until the oldest message has
                // lingered long enough, then take what is there.
                let Some(&head) = node.buffer.front() else { return };
                let due = self.msgs[head as usize].arrived.saturating_add(ms_to_nanos(linger));
                if due > now {
                    if node.linger_at <= now {
                        node.linger_at = due;
                        self.at(due, What::Linger { node: n });
                    }
                    return;
                }
            }
            let Some(job) = node.buffer.pop_front() else { return };
            node.consumers_busy += 1;
            let held = node.queue_len() as u64;
            node.stats.queue.set(self.now, held);
            let class = self.msgs[job as usize].class;
            let target = match node.spec.kind {
                NodeKind::PubSub(_) => Some(self.msgs[job as usize].member as usize).filter(|&i| i < node.out.len()),
                _ => self.pick_carrier(n, class),
            };
            let Some(i) = target else {
                // Nobody takes this type (or the subscriber left).
                self.msgs[job as usize].resp = true;
                self.msgs[job as usize].error = Some(FailReason::NoRoute);
                self.at_origin(job);
                continue;
            };
            if batch > 1 {
                self.gather_batch(n, job, i, batch);
            }
            self.call(n, job, i, NONE as u8, false, 0, now);
            let msg = &mut self.msgs[job as usize];
            if let (Some(v), true) = (visibility, msg.live && msg.depth == 1 && !msg.resp) {
                // The consumer has this long before the job is visible again.
                let t = now + ms_to_nanos(v).max(1);
                msg.stack[0].deadline = t;
                let (era, serial) = (msg.era, msg.stack[0].serial);
                self.at(t, What::HopTimeout { msg: job, era, depth: 0, serial });
            }
        }
    }

    /// A job delivered by a queue (or a topic, an inbox) is back with its
    /// outcome: done, visible again later, or dead-lettered (dropped).
    /// A batch's messages come here one by one with the batch's outcome.
    pub(super) fn job_back(&mut self, origin: u32, m: u32, error: Option<FailReason>) {
        let now = self.now;
        let born = self.msgs[m as usize].born;
        let node = &mut self.nodes[origin as usize];
        let (max_receives, visibility) = match &node.spec.kind {
            NodeKind::Queue(q) => (q.max_receives, q.visibility_timeout_ms),
            _ => (None, None),
        };
        match (error, max_receives) {
            (None, _) => {
                self.ledger.jobs_live -= 1;
                self.ledger.jobs_done += 1;
                node.stats.jobs_done += 1;
                node.stats.job_latency.record(now - born);
                self.end_msg(m);
            }
            (Some(r), Some(max)) if (self.msgs[m as usize].receives as u32 + 1) < max.min(250) => {
                // Not deleted by a consumer: it becomes visible again
                // (at once if its visibility timeout already ran out).
                node.stats.redeliveries += 1;
                self.msgs[m as usize].receives += 1;
                let wait = if r == FailReason::Timeout { 0 } else { visibility.map_or(0, ms_to_nanos) };
                self.set_aside(origin, m, now + wait);
            }
            (Some(r), max) => {
                if max.is_some() {
                    // Out of deliveries: parked in the dead-letter queue.
                    node.stats.dead_lettered += 1;
                }
                self.ledger.jobs_live -= 1;
                self.ledger.jobs_failed[r.index()] += 1;
                self.global.lost += 1;
                self.end_msg(m);
            }
        }
    }

    /// A queue's consumer takes the next messages after `job` (up to
    /// `batch` in all, stopping at one its link `i` does not carry) to
    /// deliver with it as one call. They wait at the queue, off its buffer,
    /// until `job` comes back with the batch's outcome.
    fn gather_batch(&mut self, n: u32, job: u32, i: usize, batch: u32) {
        let link = self.nodes[n as usize].out[i];
        let mut riders = std::mem::take(&mut self.msgs[job as usize].riders);
        riders.clear();
        while riders.len() + 1 < batch as usize {
            let Some(&next) = self.nodes[n as usize].buffer.front() else { break };
            if !self.carries(link, self.msgs[next as usize].class) {
                break;
            }
            self.nodes[n as usize].buffer.pop_front();
            riders.push(next);
        }
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.stats.batches += 1;
        node.stats.batched += 1 + riders.len() as u64;
        node.stats.queue.set(now, node.queue_len() as u64);
        self.msgs[job as usize].riders = riders;
    }

    /// A queue's linger ran out: its free consumers take what is waiting.
    pub(super) fn linger_over(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        if node.linger_at <= self.now {
            node.linger_at = 0;
        }
        self.dispatch_jobs(n);
    }

    /// Put a job of `n` aside until `at`, when it is tried again (a
    /// redelivery, a stream retry, a message held for an offline phone).
    pub(super) fn set_aside(&mut self, n: u32, m: u32, at: Nanos) {
        let msg = &mut self.msgs[m as usize];
        msg.resp = false;
        msg.error = None;
        msg.place = Place::Backoff { node: n };
        let era = msg.era;
        self.nodes[n as usize].backing_off += 1;
        self.at(at, What::Requeue { msg: m, era });
    }

    /// A failed job is visible in its queue again.
    pub(super) fn requeue(&mut self, m: u32) {
        // Only a job set aside (at its origin, depth 0) comes back here; a
        // stale wake-up for one that has moved on is ignored.
        let Place::Backoff { node: n } = self.msgs[m as usize].place else { return };
        if self.msgs[m as usize].depth != 0 {
            return;
        }
        let node = &mut self.nodes[n as usize];
        node.backing_off -= 1;
        let node = &self.nodes[n as usize];
        if let (NodeKind::Inbox(i), false, true) = (&node.spec.kind, node.removed, node.fx.down) {
            if i.durable {
                // Kept safe while the inbox is down: try again later.
                let at = self.now + ms_to_nanos(i.retry_ms).max(1);
                self.set_aside(n, m, at);
                return;
            }
        }
        if node.removed || node.fx.down {
            let reason = if node.removed { FailReason::Removed } else { FailReason::NodeDown };
            self.ledger.jobs_live -= 1;
            self.ledger.jobs_failed[reason.index()] += 1;
            self.global.lost += 1;
            self.end_msg(m);
            return;
        }
        self.msgs[m as usize].place = Place::AtNode { node: n };
        if let NodeKind::Stream(_) = self.nodes[n as usize].spec.kind {
            // Back to the head of its partition: order is kept.
            let (link, key) = (self.msgs[m as usize].stack[0].link, self.msgs[m as usize].key);
            let p = self.partition_of(n, key);
            let node = &mut self.nodes[n as usize];
            match node.groups.iter().position(|g| g.link == link) {
                Some(g) => {
                    let p = p % node.groups[g].lanes.len();
                    node.groups[g].lanes[p].0.push_front(m);
                    node.groups[g].lanes[p].1 = false;
                    self.dispatch_lane(n, g, p);
                }
                None => {
                    self.ledger.jobs_live -= 1;
                    self.ledger.jobs_failed[FailReason::Removed.index()] += 1;
                    self.global.lost += 1;
                    self.end_msg(m);
                }
            }
            return;
        }
        let now = self.now;
        // Visible again from now (a batch's linger counts from here).
        self.msgs[m as usize].arrived = now;
        let node = &mut self.nodes[n as usize];
        node.buffer.push_back(m);
        node.stats.queue.set(now, node.queue_len() as u64);
        self.dispatch_jobs(n);
    }
}
