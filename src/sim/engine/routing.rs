//! Routing: load-balancing policies, consistent hashing, weights, health
//! checks, DNS resolution.

use super::*;

pub(super) const RING_POINTS: u64 = 64;

impl Engine {
    /// DNS: the user's resolver answers from its cache, or asks again and
    /// gets the next healthy entry point; returns the outgoing link index.
    pub(super) fn resolve(&mut self, n: u32, m: u32) -> Option<usize> {
        let now = self.now;
        let key = self.msgs[m as usize].key;
        let node = &mut self.nodes[n as usize];
        let NodeKind::Dns(d) = &node.spec.kind else { return None };
        let len = node.out.len();
        if len == 0 {
            return None;
        }
        let KindState::Dns(cache) = &mut node.state else { return None };
        let (resolvers, ttl) = (d.resolvers.max(1) as usize, secs_to_nanos(d.ttl_s));
        if cache.answers.len() != resolvers {
            cache.answers = vec![(0, 0); resolvers];
        }
        let r = d.resolver_of(key);
        let (cached, expires) = cache.answers[r];
        if expires > now && (cached as usize) < len {
            return Some(cached as usize);
        }
        node.stats.lookups += 1;
        let any_healthy = node.healthy.iter().any(|h| *h);
        let mut i = node.rr as usize % len;
        for _ in 0..len {
            i = node.rr as usize % len;
            node.rr = node.rr.wrapping_add(1);
            if node.healthy[i] || !any_healthy {
                break;
            }
        }
        if let KindState::Dns(cache) = &mut node.state {
            cache.answers[r] = (i as u32, now + ttl);
        }
        Some(i)
    }

    /// Next outgoing link, taking turns, among those that carry `class`.
    pub(super) fn pick_carrier(&mut self, n: u32, class: u8) -> Option<usize> {
        let len = self.nodes[n as usize].out.len();
        for _ in 0..len {
            let node = &mut self.nodes[n as usize];
            let i = node.rr as usize % len;
            node.rr = node.rr.wrapping_add(1);
            if self.carries(self.nodes[n as usize].out[i], class) {
                return Some(i);
            }
        }
        None
    }

    pub(super) fn pick_backend(&mut self, n: u32, m: u32) -> Option<usize> {
        let len = self.nodes[n as usize].out.len();
        if len == 0 {
            return None;
        }
        let node = &self.nodes[n as usize];
        let class = self.msgs[m as usize].class;
        if node.typed_links {
            let any = node.out.iter().any(|&l| self.carries(l, class));
            return any.then(|| self.pick_healthy(n, m));
        }
        debug_assert_eq!(node.unhealthy as usize, node.healthy.iter().filter(|h| !**h).count());
        // Some backends out of rotation, but not all (then all get traffic).
        let some_out = node.unhealthy > 0 && (node.unhealthy as usize) < node.healthy.len();
        if some_out || node.ejecting(self.now) {
            return Some(self.pick_healthy(n, m));
        }
        let policy = match &self.nodes[n as usize].spec.kind {
            NodeKind::LoadBalancer(lb) => lb.policy,
            _ => return Some(0),
        };
        Some(match policy {
            LbPolicy::RoundRobin => {
                let node = &mut self.nodes[n as usize];
                let i = node.rr as usize % len;
                node.rr = node.rr.wrapping_add(1);
                i
            }
            LbPolicy::Random => self.rng.below(len as u32) as usize,
            LbPolicy::LeastConnections => {
                let node = &mut self.nodes[n as usize];
                // Ties go round-robin so equal backends share the load.
                let start = node.rr as usize % len;
                node.rr = node.rr.wrapping_add(1);
                let mut best = start;
                for k in 1..len {
                    let i = (start + k) % len;
                    if node.outstanding[i] < node.outstanding[best] {
                        best = i;
                    }
                }
                best
            }
            LbPolicy::PowerOfTwoChoices => {
                let a = self.rng.below(len as u32) as usize;
                if len == 1 {
                    return Some(a);
                }
                let mut b = self.rng.below(len as u32 - 1) as usize;
                if b >= a {
                    b += 1;
                }
                let o = &self.nodes[n as usize].outstanding;
                if o[b] < o[a] { b } else { a }
            }
            LbPolicy::Weighted => {
                let all: Vec<usize> = (0..len).collect();
                self.pick_weighted(n, &all)
            }
            LbPolicy::ModuloHash => (self.msgs[m as usize].key % len as u64) as usize,
            LbPolicy::ConsistentHash => {
                let node = &self.nodes[n as usize];
                let h = hash64(&self.msgs[m as usize].key.to_le_bytes(), 0);
                let ring = &node.ring;
                if ring.is_empty() {
                    0
                } else {
                    let pos = ring.partition_point(|&(p, _)| p < h);
                    ring[pos % ring.len()].1 as usize
                }
            }
        })
    }

    /// A balancer's slow start: a backend that came back within the last
    /// `slow_start_s` keeps a request with probability (time back /
    /// slow_start_s); otherwise another backend (at random) takes it.
    #[inline]
    pub(super) fn slow_start(&mut self, n: u32, i: usize) -> usize {
        match &self.nodes[n as usize].spec.kind {
            NodeKind::LoadBalancer(lb) if lb.slow_start_s.is_some() => self.ramp(n, i),
            _ => i,
        }
    }

    #[cold]
    fn ramp(&mut self, n: u32, i: usize) -> usize {
        let ramp = match &self.nodes[n as usize].spec.kind {
            NodeKind::LoadBalancer(lb) => lb.slow_start_s.map_or(0, secs_to_nanos),
            _ => 0,
        };
        let len = self.nodes[n as usize].out.len();
        if ramp == 0 || len < 2 {
            return i;
        }
        let now = self.now;
        let backend = self.links[self.nodes[n as usize].out[i] as usize].to;
        let life = self.nodes[backend as usize].life;
        let node = &mut self.nodes[n as usize];
        let j = &mut node.joined[i];
        match j.0 {
            // A restart (a new life) counts as coming back.
            Some(seen) if seen != life => j.1 = Some(now),
            _ => {}
        }
        j.0 = Some(life);
        let Some(since) = j.1 else { return i };
        let back = now.saturating_sub(since);
        if back >= ramp {
            j.1 = None;
            return i;
        }
        if self.rng.chance(back as f64 / ramp as f64) {
            return i;
        }
        let others: Vec<usize> = (0..len).filter(|&k| k != i && self.nodes[n as usize].in_rotation(k, now)).collect();
        if others.is_empty() {
            return i;
        }
        others[self.rng.below(others.len() as u32) as usize]
    }

    /// One of `among` (outgoing link indices) at random, by link weight.
    pub(super) fn pick_weighted(&mut self, n: u32, among: &[usize]) -> usize {
        let node = &self.nodes[n as usize];
        let w = |i: usize| self.links[node.out[i] as usize].spec.weight.max(0.0);
        let total: f64 = among.iter().map(|&i| w(i)).sum();
        if total <= 0.0 {
            return among[0];
        }
        let mut u = self.rng.unit() * total;
        for &i in among {
            u -= w(i);
            if u < 0.0 {
                return i;
            }
        }
        among[among.len() - 1]
    }

    /// Like `pick_backend`, among the backends in rotation (healthy and not
    /// ejected) that carry the message's type; failing that among the
    /// healthy ones, and failing that among all that carry it.
    pub(super) fn pick_healthy(&mut self, n: u32, m: u32) -> usize {
        let node = &self.nodes[n as usize];
        let class = self.msgs[m as usize].class;
        let carry: Vec<usize> = (0..node.out.len()).filter(|&i| self.carries(node.out[i], class)).collect();
        let mut ok: Vec<usize> = carry.iter().copied().filter(|&i| node.in_rotation(i, self.now)).collect();
        if ok.is_empty() {
            ok = carry.iter().copied().filter(|&i| node.healthy[i]).collect();
        }
        if ok.is_empty() {
            ok = carry;
        }
        let policy = match &node.spec.kind {
            NodeKind::LoadBalancer(lb) => lb.policy,
            _ => LbPolicy::RoundRobin,
        };
        match policy {
            LbPolicy::RoundRobin => {
                let node = &mut self.nodes[n as usize];
                let i = ok[node.rr as usize % ok.len()];
                node.rr = node.rr.wrapping_add(1);
                i
            }
            LbPolicy::Random => ok[self.rng.below(ok.len() as u32) as usize],
            LbPolicy::Weighted => self.pick_weighted(n, &ok),
            LbPolicy::LeastConnections => {
                let node = &mut self.nodes[n as usize];
                let start = node.rr as usize % ok.len();
                node.rr = node.rr.wrapping_add(1);
                let mut best = ok[start];
                for k in 1..ok.len() {
                    let i = ok[(start + k) % ok.len()];
                    if node.outstanding[i] < node.outstanding[best] {
                        best = i;
                    }
                }
                best
            }
            LbPolicy::PowerOfTwoChoices => {
                // Two different backends, as when all are healthy: drawing
                // the same one twice would feed a slow one its share blind.
                let ia = self.rng.below(ok.len() as u32) as usize;
                if ok.len() == 1 {
                    return ok[ia];
                }
                let mut ib = self.rng.below(ok.len() as u32 - 1) as usize;
                if ib >= ia {
                    ib += 1;
                }
                let (a, b) = (ok[ia], ok[ib]);
                let o = &self.nodes[n as usize].outstanding;
                if o[b] < o[a] { b } else { a }
            }
            // Modulo the backends in rotation: when one leaves, most keys move.
            LbPolicy::ModuloHash => ok[(self.msgs[m as usize].key % ok.len() as u64) as usize],
            LbPolicy::ConsistentHash => {
                // Walk the ring past unhealthy backends: only their keys move.
                let h = hash64(&self.msgs[m as usize].key.to_le_bytes(), 0);
                let node = &self.nodes[n as usize];
                let ring = &node.ring;
                if ring.is_empty() {
                    return ok[0];
                }
                let pos = ring.partition_point(|&(p, _)| p < h);
                (0..ring.len())
                    .map(|k| ring[(pos + k) % ring.len()].1 as usize)
                    .find(|i| ok.contains(i))
                    .unwrap_or(ok[0])
            }
        }
    }

    pub(super) fn start_health_checks(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        if !matches!(node.spec.kind, NodeKind::LoadBalancer(_) | NodeKind::Dns(_)) {
            return;
        }
        node.epoch = node.epoch.next();
        let (epoch, hc) = (node.epoch, health_check_of(&node.spec.kind));
        node.healthy.fill(true);
        node.unhealthy = 0;
        for s in &mut node.streak {
            *s = 0;
        }
        node.reset_ejections();
        if let Some(hc) = hc {
            let t = self.now + ms_to_nanos(hc.interval_ms).max(1);
            self.at(t, What::HealthCheck { node: n, epoch });
        }
    }

    /// Probe every backend: a crashed, frozen, deleted or cut-off one fails.
    pub(super) fn health_check(&mut self, n: u32, epoch: Gen) {
        let node = &self.nodes[n as usize];
        if node.epoch != epoch || node.removed {
            return;
        }
        let Some(hc) = health_check_of(&node.spec.kind) else { return };
        let results: Vec<bool> = node
            .out
            .iter()
            .map(|&l| {
                let link = &self.links[l as usize];
                let b = &self.nodes[link.to as usize];
                !link.removed && !link.fx.blackhole && !b.removed && !b.fx.down && b.fx.paused_since.is_none()
            })
            .collect();
        let down = self.nodes[n as usize].fx.down;
        let node = &mut self.nodes[n as usize];
        if !down {
            for (i, ok) in results.into_iter().enumerate() {
                let s = &mut node.streak[i];
                *s = if ok { (*s).max(0) + 1 } else { (*s).min(0) - 1 };
                if node.healthy[i] && -*s >= hc.unhealthy_after.max(1) as i32 {
                    node.healthy[i] = false;
                    node.unhealthy += 1;
                } else if !node.healthy[i] && *s >= hc.healthy_after.max(1) as i32 {
                    node.healthy[i] = true;
                    node.unhealthy -= 1;
                    node.joined[i].1 = Some(self.now);
                }
            }
        }
        let t = self.now + ms_to_nanos(hc.interval_ms).max(1);
        self.at(t, What::HealthCheck { node: n, epoch });
    }

    /// Hash ring for consistent hashing: each backend (by its node id) gets
    /// several points, so adding one moves only ~1/n of the keys.
    pub(super) fn build_ring(&mut self, n: usize) {
        let node = &self.nodes[n];
        let mut ring = Vec::new();
        if matches!(&node.spec.kind, NodeKind::LoadBalancer(lb) if lb.policy == LbPolicy::ConsistentHash) {
            for (i, &l) in node.out.iter().enumerate() {
                let id = self.nodes[self.links[l as usize].to as usize].spec.id.as_bytes();
                for v in 0..RING_POINTS {
                    ring.push((hash64(id, v + 1), i as u32));
                }
            }
            ring.sort_unstable();
        }
        self.nodes[n].ring = ring;
    }
}
