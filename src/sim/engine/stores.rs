//! Data stores' extras: cache keys with LRU and expiry, coalesced misses,
//! and replication lag (stale reads).

use super::*;

/// A cache's keys with least-recently-used eviction and expiry times.
#[derive(Clone)]
pub(super) struct LruStore {
    pub(super) capacity: usize,
    /// key -> (recency stamp, expires at, when its value was read at the store)
    pub(super) entries: std::collections::HashMap<u64, (u64, Nanos, Nanos)>,
    /// recency stamp -> key, oldest first
    pub(super) order: std::collections::BTreeMap<u64, u64>,
    pub(super) stamp: u64,
}

impl LruStore {
    pub(super) fn new(capacity: u32) -> Self {
        Self { capacity: capacity.max(1) as usize, entries: Default::default(), order: Default::default(), stamp: 0 }
    }

    /// Hit (and refresh its recency) if present and not expired: when the
    /// copy was read at the store.
    pub(super) fn get(&mut self, key: u64, now: Nanos) -> Option<Nanos> {
        let &(old, expires, fetched) = self.entries.get(&key)?;
        self.order.remove(&old);
        if expires <= now {
            self.entries.remove(&key);
            return None;
        }
        self.stamp += 1;
        self.order.insert(self.stamp, key);
        self.entries.insert(key, (self.stamp, expires, fetched));
        Some(fetched)
    }

    pub(super) fn put(&mut self, key: u64, expires: Nanos, fetched: Nanos) {
        if let Some((old, ..)) = self.entries.remove(&key) {
            self.order.remove(&old);
        }
        while self.entries.len() >= self.capacity {
            let Some((_, victim)) = self.order.pop_first() else { break };
            self.entries.remove(&victim);
        }
        self.stamp += 1;
        self.order.insert(self.stamp, key);
        self.entries.insert(key, (self.stamp, expires, fetched));
    }

    /// Forget a key (a write made the cached copy stale).
    pub(super) fn remove(&mut self, key: u64) {
        if let Some((old, ..)) = self.entries.remove(&key) {
            self.order.remove(&old);
        }
    }

    pub(super) fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }
}

impl Engine {
    /// Look the key up in a cache with a capacity (`None`: this cache has
    /// no capacity and uses its fixed hit ratio). A hit on a copy read
    /// before the key's last write is stale.
    pub(super) fn cache_lookup(&mut self, n: u32, m: u32) -> Option<bool> {
        let now = self.now;
        let key = self.msgs[m as usize].key;
        let node = &mut self.nodes[n as usize];
        let capacity = node.spec.kind.caching()?.capacity?;
        let store = node.store.get_or_insert_with(|| Box::new(LruStore::new(capacity)));
        let Some(fetched) = store.get(key, now) else { return Some(false) };
        if let Some(w) = &self.writes {
            if w.written_since(key, fetched) {
                node.stats.stale_hits += 1;
            }
            // The answer is as old as the copy (for a cache in front).
            self.msgs[m as usize].fetched = fetched;
        }
        Some(true)
    }

    /// Keep the value `m` brings back (read at the store when `m` says,
    /// else now).
    pub(super) fn cache_fill(&mut self, n: u32, m: u32) {
        let now = self.now;
        let msg = &self.msgs[m as usize];
        let (key, fetched) = (msg.key, if msg.fetched == Nanos::MAX { now } else { msg.fetched });
        let node = &mut self.nodes[n as usize];
        let Some(c) = node.spec.kind.caching() else { return };
        let (Some(capacity), ttl) = (c.capacity, c.ttl_ms) else { return };
        let expires = ttl.map_or(Nanos::MAX, |t| now + ms_to_nanos(t));
        let store = node.store.get_or_insert_with(|| Box::new(LruStore::new(capacity)));
        store.capacity = capacity.max(1) as usize;
        store.put(key, expires, fetched);
    }

    /// A write the cache passed on came back acknowledged: drop the key
    /// again (`Invalidate`) or keep the value written (`WriteThrough`).
    pub(super) fn cache_written(&mut self, n: u32, m: u32) {
        let Some(c) = self.nodes[n as usize].spec.kind.caching() else { return };
        match c.write_policy {
            WritePolicy::Invalidate => {
                let key = self.msgs[m as usize].key;
                if let Some(store) = self.nodes[n as usize].store.as_mut() {
                    store.remove(key);
                }
            }
            WritePolicy::WriteThrough => {
                if !self.msgs[m as usize].fallback {
                    self.cache_fill(n, m);
                }
            }
        }
    }

    /// Coalescing cache miss: if the key is already being fetched, wait for
    /// that fetch (true); otherwise note that this miss fetches it (false).
    pub(super) fn wait_for_fetch(&mut self, n: u32, m: u32) -> bool {
        let now = self.now;
        let (key, era) = (self.msgs[m as usize].key, self.msgs[m as usize].era);
        let node = &mut self.nodes[n as usize];
        match node.fetching.get_mut(&key) {
            // A fetch silent for this long is presumed lost: fetch again.
            Some((since, waiters)) if now - *since < FETCH_PRESUMED_LOST => {
                waiters.push((m, era));
                node.stats.coalesced += 1;
                true
            }
            Some((since, _)) => {
                *since = now;
                false
            }
            None => {
                node.fetching.insert(key, (now, Vec::new()));
                false
            }
        }
    }

    /// A fetch for `key` ended: the misses waiting for it get its answer.
    pub(super) fn wake_waiters(&mut self, n: u32, key: u64, error: Option<FailReason>) {
        let Some((_, waiters)) = self.nodes[n as usize].fetching.remove(&key) else { return };
        for (w, era) in waiters {
            if self.msg_ok(w, era) && self.msgs[w as usize].place == (Place::AtNode { node: n }) {
                self.msgs[w as usize].error = error;
                self.respond(w);
            }
        }
    }

    /// How long a write to replicated database `n` waits, after its own
    /// work, for every replica to confirm it (synchronous replication; 0
    /// otherwise): the slowest of the replicas' lags, each drawn on its own.
    pub(super) fn replication_wait(&mut self, n: u32) -> Nanos {
        let node = &self.nodes[n as usize];
        let NodeKind::ReplicatedDatabase(d) = &node.spec.kind else { return 0 };
        if !d.sync_replication {
            return 0;
        }
        let (lag, extra) = (d.lag.sampler(), ms_to_nanos(node.fx.extra_lag_ms));
        // The replicas still standing (after a failover, one of them leads).
        let replicas = node.fx.standing(node.members.len() - 1, self.now).replicas;
        (0..replicas).map(|_| lag.sample(&mut self.rng) + extra).max().unwrap_or(0)
    }

    /// A write committed on the primary: it reaches the replicas after the
    /// replication lag. A replica read of a key whose latest write has not
    /// reached it yet is stale.
    pub(super) fn replicate(&mut self, n: u32, m: u32) {
        let now = self.now;
        let (op, key, k) = {
            let msg = &self.msgs[m as usize];
            (msg.op, msg.key, msg.member)
        };
        let NodeKind::ReplicatedDatabase(d) = &self.nodes[n as usize].spec.kind else { return };
        if self.nodes[n as usize].members.len() < 2 {
            return;
        }
        if op == Op::Write {
            if d.sync_replication {
                // Every replica had it before it was acknowledged.
                return;
            }
            let lag = d.lag.sampler().sample(&mut self.rng) + ms_to_nanos(self.nodes[n as usize].fx.extra_lag_ms);
            let keep = ms_to_nanos(d.read_your_writes_ms.unwrap_or(0.0));
            let node = &mut self.nodes[n as usize];
            if let KindState::ReplicatedDatabase(r) = &mut node.state {
                r.written(key, now + lag, now, keep);
            }
        } else if k != 0 {
            let node = &mut self.nodes[n as usize];
            if let KindState::ReplicatedDatabase(r) = &node.state
                && r.is_stale(key, now)
            {
                node.stats.stale_reads += 1;
            }
        }
    }
}
