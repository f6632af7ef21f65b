//! Stale cache hits: when each key was last written at a store, so a cache
//! can tell a hit on a copy read before that write. Kept only once a cache
//! holds keys (`capacity`): without one nothing here runs.
//!
//! Keys name the same data everywhere in a design: a write of key 7 at any
//! store (database, sharded or replicated database, object storage, quorum
//! store) makes every cached copy of key 7 read before it stale. A store
//! reads and writes at the end of its service: a write commits then, and a
//! read returns the value as of then.

use super::*;

/// How long a key's last write is remembered: a copy older than this is
/// not checked (exact for any TTL up to ten minutes).
pub(super) const WRITES_KEPT: Nanos = 600_000_000_000;

/// The last write of each key.
#[derive(Clone, Default)]
pub(super) struct LastWrites {
    at: crate::sim::recent::Recent<Nanos>,
}

impl LastWrites {
    fn wrote(&mut self, key: u64, now: Nanos) {
        self.at.insert(key, now, |&t| now.saturating_sub(t) <= WRITES_KEPT);
    }

    /// Whether `key` was written after `fetched` (a copy read then is stale).
    pub(super) fn written_since(&self, key: u64, fetched: Nanos) -> bool {
        self.at.get(key).is_some_and(|t| t > fetched)
    }
}

impl Engine {
    /// Start keeping last writes once a cache holds keys.
    pub(super) fn note_caches(&mut self) {
        if self.writes.is_none()
            && self.nodes.iter().any(|n| matches!(&n.spec.kind, NodeKind::Cache(c) if c.capacity.is_some()))
        {
            self.writes = Some(Box::default());
        }
    }

    /// Node `n` served `m` without an error: if it is a store, a write
    /// commits now and a read carries back the value as of now.
    pub(super) fn stored(&mut self, n: u32, m: u32) {
        let Some(w) = self.writes.as_mut() else { return };
        let store = matches!(
            self.nodes[n as usize].spec.kind,
            NodeKind::Database(_)
                | NodeKind::ShardedDatabase(_)
                | NodeKind::ReplicatedDatabase(_)
                | NodeKind::ObjectStorage(_)
                | NodeKind::QuorumStore(_)
        );
        let msg = &mut self.msgs[m as usize];
        if !store || msg.error.is_some() {
            return;
        }
        if msg.op == Op::Write {
            w.wrote(msg.key, self.now);
        }
        msg.fetched = self.now;
    }
}
