//! Live changes to the running system: parameters, nodes and links added
//! or removed while work is in flight, with nothing lost from the books.

use super::*;

impl Engine {
    /// Change a node's parameters in place; the next event uses them.
    /// Its kind may not change (that is a delete plus an add).
    pub fn set_node_spec(&mut self, n: usize, spec: NodeSpec) {
        let Some(node) = self.nodes.get_mut(n) else { return };
        if std::mem::discriminant(&node.spec.kind) != std::mem::discriminant(&spec.kind) {
            return;
        }
        let traffic = |k: &NodeKind| match k {
            NodeKind::Client(c) => Some(c.traffic.clone()),
            _ => None,
        };
        let (old, new) = (traffic(&node.spec.kind), traffic(&spec.kind));
        let old_hc = health_check_of(&node.spec.kind);
        let old_kind = std::mem::replace(&mut node.spec, spec).kind;
        node.prep = node.spec.kind.prepare();
        // Key popularity may have changed: rebuild the sampler when next used.
        node.zipf = None;
        self.resize_members(n);
        self.prepare_types(n);
        let node = &mut self.nodes[n];
        if let (NodeKind::Autoscaling(a), NodeKind::Autoscaling(b), KindState::Autoscaling(g)) =
            (&old_kind, &node.spec.kind.clone(), &mut node.state)
        {
            g.instances = b.clamp(g.instances);
            node.fit_capacity();
            if a != b {
                self.start_autoscaler(n as u32);
            }
        }
        let node = &mut self.nodes[n];
        if let (NodeKind::Dns(a), NodeKind::Dns(b)) = (&old_kind, &node.spec.kind) {
            if let (true, KindState::Dns(cache)) = (a.resolvers != b.resolvers, &mut node.state) {
                // Other resolvers: the users' cached answers are theirs no more.
                cache.answers.clear();
            }
        }
        match (old, new) {
            (Some(a), Some(b))
                if std::mem::discriminant(&a) == std::mem::discriminant(&b) && closed_loop(&b).is_some() =>
            {
                let (users, think_ms) = closed_loop(&b).expect("checked");
                // Keep the people already there; add newcomers, and let
                // surplus users leave when their current request ends.
                if users > node.users {
                    let (extra, epoch) = (users - node.users, node.epoch);
                    node.users = users;
                    for _ in 0..extra {
                        let think = self.rng.exp(think_ms.max(0.0) * 1e6) as Nanos;
                        self.at(self.now + think, What::UserWake { node: n as u32, epoch });
                    }
                }
            }
            (Some(a), Some(b)) if a != b => self.start_client(n as u32),
            _ => {}
        }
        if health_check_of(&self.nodes[n].spec.kind) != old_hc {
            self.start_health_checks(n as u32);
        }
        self.build_ring(n);
        self.note_caches();
        // More workers may now be free to take queued work.
        self.drain_queue(n as u32);
        self.dispatch_jobs(n as u32);
    }

    pub fn set_link_spec(&mut self, l: usize, spec: LinkSpec) {
        if let Some(link) = self.links.get_mut(l) {
            link.spec.latency = spec.latency;
            link.spec.jitter_ms = spec.jitter_ms;
            link.spec.loss = spec.loss;
            link.spec.bandwidth_mbps = spec.bandwidth_mbps;
            link.spec.call_probability = spec.call_probability;
            link.spec.retry = spec.retry;
            link.spec.circuit_breaker = spec.circuit_breaker;
            link.spec.max_concurrent = spec.max_concurrent;
            link.spec.only = spec.only;
            link.spec.weight = spec.weight;
            link.prepare();
            self.prepare_link(l);
        }
    }

    /// A multi-pool node changed its pool count: queued work of pools that
    /// go away moves to the last remaining one.
    pub(super) fn resize_members(&mut self, n: usize) {
        let want = self.nodes[n].spec.kind.members() as usize;
        let node = &mut self.nodes[n];
        if node.members.len() == want {
            return;
        }
        let mut moved = Vec::new();
        while node.members.len() > want {
            let m = node.members.pop().expect("more than wanted");
            // Work in service there finishes and frees nobody's worker.
            node.busy -= m.busy;
            moved.extend(m.urgent);
            moved.extend(m.queue);
        }
        node.members.resize_with(want, Member::default);
        let last = (want - 1) as u8;
        for &m in &moved {
            self.msgs[m as usize].member = last;
        }
        self.nodes[n].members[last as usize].queue.extend(moved);
        let now = self.now;
        let node = &mut self.nodes[n];
        node.stats.busy.set(now, node.busy as u64);
        node.stats.instances.set(now, node.instances_now() as u64);
    }

    /// Add a node to the running system; returns its index.
    pub fn add_node(&mut self, spec: NodeSpec) -> u32 {
        let n = self.nodes.len() as u32;
        self.nodes.push(NodeRt::new(spec, self.now));
        self.prepare_types(n as usize);
        self.start_client(n);
        self.start_health_checks(n);
        self.start_autoscaler(n);
        self.count_clients();
        self.note_caches();
        n
    }

    /// Add a link between two live nodes; returns its index.
    pub fn add_link(&mut self, spec: LinkSpec, from: u32, to: u32) -> u32 {
        let l = self.links.len() as u32;
        self.links.push(LinkRt::new(spec, from, to, self.now));
        self.nodes[from as usize].attach(l);
        self.prepare_link(l as usize);
        self.build_ring(from as usize);
        // A queue that had nowhere to deliver may start now.
        self.dispatch_jobs(from);
        l
    }

    /// Delete a link. Messages on it fail (reason `removed`) when they would
    /// have arrived; callers stop using it at once.
    pub fn remove_link(&mut self, l: u32) {
        let Some(link) = self.links.get_mut(l as usize) else { return };
        if link.removed {
            return;
        }
        link.removed = true;
        let from = link.from as usize;
        self.refresh_fast(l as usize);
        let node = &mut self.nodes[from];
        if let Some(i) = node.out.iter().position(|&x| x == l) {
            node.out.remove(i);
            node.outstanding.remove(i);
            if !node.healthy.remove(i) {
                node.unhealthy -= 1;
            }
            node.joined.remove(i);
            node.streak.remove(i);
            node.ejection.remove(i);
        }
        self.note_typed_links(from);
        self.build_ring(from);
        // A stream's consumer group on this link is gone with it.
        let node = &mut self.nodes[from];
        if let Some(g) = node.groups.iter().position(|g| g.link == l) {
            let group = node.groups.remove(g);
            for (jobs, _) in group.lanes {
                for j in jobs {
                    self.ledger.jobs_live -= 1;
                    self.ledger.jobs_failed[FailReason::Removed.index()] += 1;
                    self.global.lost += 1;
                    self.end_msg(j);
                }
            }
        }
    }

    /// Delete a node and its links. Work queued there fails now; work in
    /// service or in transit fails when it would have finished (reason
    /// `removed`); nothing is lost from the books.
    pub fn remove_node(&mut self, n: u32) {
        let Some(node) = self.nodes.get(n as usize) else { return };
        if node.removed {
            return;
        }
        let touching: Vec<u32> = (0..self.links.len() as u32)
            .filter(|&l| {
                let link = &self.links[l as usize];
                !link.removed && (link.from == n || link.to == n)
            })
            .collect();
        for l in touching {
            self.remove_link(l);
        }
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        node.removed = true;
        node.epoch = node.epoch.next();
        let mut queued: Vec<u32> = node.members.iter_mut().flat_map(|k| k.drain_all()).collect();
        queued.extend(node.take_waiters());
        let jobs: Vec<u32> = node.take_stored_jobs();
        node.stats.queue.set(now, 0);
        self.count_clients();
        for m in queued {
            if self.msgs[m as usize].live {
                self.fail_here(m, FailReason::Removed);
            }
        }
        // Jobs waiting here to be tried again (redeliveries, held messages).
        let waiting: Vec<u32> = (0..self.msgs.len() as u32)
            .filter(|&m| {
                let msg = &self.msgs[m as usize];
                msg.live && msg.depth == 0 && msg.req == NONE && msg.place == (Place::Backoff { node: n })
            })
            .collect();
        self.nodes[n as usize].backing_off = 0;
        for j in jobs.into_iter().chain(waiting) {
            self.ledger.jobs_live -= 1;
            self.ledger.jobs_failed[FailReason::Removed.index()] += 1;
            self.global.lost += 1;
            self.end_msg(j);
        }
    }

    /// Resolve a node's request-type names (traffic mix, per-type times).
    pub(super) fn prepare_types(&mut self, n: usize) {
        let kind = self.nodes[n].spec.kind.clone();
        let mut mix = Vec::new();
        let mut by_class = Vec::new();
        match &kind {
            NodeKind::Client(c) => {
                let mut cumulative = 0.0;
                for t in &c.mix {
                    cumulative += t.share.max(0.0);
                    let class = self.class_id(&t.name);
                    mix.push(MixEntry {
                        cumulative,
                        class,
                        write: t.write,
                        req_bytes: t.request_bytes.unwrap_or(c.request_bytes),
                        resp_bytes: t.response_bytes.unwrap_or(c.response_bytes),
                    });
                }
            }
            NodeKind::Service(s) => {
                for (name, d) in &s.by_type {
                    by_class.push((self.class_id(name), d.sampler()));
                }
            }
            _ => {}
        }
        let (mut priority_mask, mut lifo_above) = (0u64, u32::MAX);
        if let NodeKind::Service(s) = &kind {
            for name in &s.shedding.priority {
                priority_mask |= 1u64 << self.class_id(name);
            }
            lifo_above = s.shedding.lifo_above.unwrap_or(u32::MAX);
        }
        let node = &mut self.nodes[n];
        node.mix = mix;
        node.prep.by_class = by_class;
        node.prep.priority_mask = priority_mask;
        node.prep.lifo_above = lifo_above;
    }

    pub(super) fn prepare_link(&mut self, l: usize) {
        let only = self.links[l].spec.only.clone();
        let mut mask = 0u64;
        for name in &only {
            mask |= 1u64 << self.class_id(name);
        }
        self.links[l].mask = mask;
        self.note_typed_links(self.links[l].from as usize);
        if let Sampler::Const(delay) = self.links[l].latency {
            self.queue.add_lane(delay);
        }
        self.refresh_fast(l);
    }

    /// Remember whether any of a node's links filters by type (so routing
    /// without types stays a fast path).
    pub(super) fn note_typed_links(&mut self, n: usize) {
        let typed = self.nodes[n].out.iter().any(|&l| self.links[l as usize].mask != 0);
        self.nodes[n].typed_links = typed;
    }
}
