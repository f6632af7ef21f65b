//! A cache in front of a slower store: hits answer at once, misses call
//! downstream and fill it; a capacity evicts the least recently used key,
//! a TTL expires entries, and coalescing lets one miss fetch for all.
//! Writes pass through to the store behind; the write policy says what the
//! cache does with its copy of the key, and hits on a copy older than the
//! key's last write are counted as stale.

use serde::{Deserialize, Serialize};

use super::*;

/// A cache in front of its outgoing links: hits answer here, misses go on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSpec {
    /// Used when `capacity` is unset: each lookup hits with this probability.
    pub hit_ratio: f64,
    pub workers: u32,
    pub service: Dist,
    /// Keys it can hold (least recently used evicted). When set, hits come
    /// from the actual keys requested and `hit_ratio` is ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
    /// How long a cached key stays valid (with `capacity`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_ms: Option<f64>,
    /// Request coalescing: while a key is being fetched, other misses for
    /// it wait for that fetch instead of each going to the backend (the cure
    /// for a stampede when a hot key expires). Needs `capacity`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub coalesce: bool,
    /// What a write passing through does to the cached copy of its key
    /// (it always goes on to the store: a cache never answers a write).
    #[serde(skip_serializing_if = "WritePolicy::is_default")]
    pub write_policy: WritePolicy,
}

/// What a cache does with the copy of a key that a write passing through
/// it changes. Either way the write goes on to the store behind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WritePolicy {
    /// Drop the copy as the write passes on, and again when the store
    /// acknowledges it (a read that fetched the old value while the write
    /// was queued does not stay): the next read misses and fetches the new
    /// value.
    #[default]
    Invalidate,
    /// Keep the copy (still current) until the store acknowledges the
    /// write, then hold the value written, with a fresh TTL: the next read
    /// hits. The write pays the store's write time on top of the cache's.
    /// Needs `capacity`.
    WriteThrough,
}

impl WritePolicy {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// Every write policy, for editors.
pub const WRITE_POLICIES: [WritePolicy; 2] = [WritePolicy::Invalidate, WritePolicy::WriteThrough];

impl Default for CacheSpec {
    fn default() -> Self {
        Self {
            hit_ratio: 0.8,
            workers: 64,
            service: Dist::Const(0.5),
            capacity: None,
            ttl_ms: None,
            coalesce: false,
            write_policy: WritePolicy::Invalidate,
        }
    }
}

impl Kind for CacheSpec {
    const LABEL: &str = "cache";
    const PRICE_PER_HOUR: f64 = 0.15;
    const PRICING: &str = "$0.05 plus $0.01 per 1 000 entries of capacity an hour (10 000 entries, or no capacity set: $0.15)";

    fn price_per_hour(&self) -> f64 {
        (5.0 + self.capacity.unwrap_or(10_000) as f64 / 1000.0) / 100.0
    }
    type State = ();

    fn counters(&self, _: &(), node: &Facts) -> Vec<(&'static str, f64)> {
        let mut out = coalesced(node);
        // Listed once it matters: a cache that holds keys and hears about
        // writes (or has served a stale copy, when writes go around it).
        let s = node.stats;
        if self.capacity.is_some() && (s.stale_hits > 0 || s.writes > 0 || !self.write_policy.is_default()) {
            out.push(("stale_hits", s.stale_hits as f64));
            if s.hits > 0 {
                out.push(("stale_hit_share", s.stale_hits as f64 / s.hits as f64));
            }
        }
        out
    }

    fn prepare(&self) -> Prepared {
        Prepared::new(self.workers, UNLIMITED, self.service.sampler()).after(AfterService::Lookup)
    }

    fn caching(&self) -> Option<Caching> {
        Some(Caching { hit_ratio: self.hit_ratio, capacity: self.capacity, ttl_ms: self.ttl_ms, coalesce: self.coalesce,
            write_policy: self.write_policy,
        })
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let cache = self;
        c.probability("hit_ratio", cache.hit_ratio)?;
        if let Some(cap) = cache.capacity {
            c.count("capacity", cap, 1, MAX_COUNT)?;
        }
        if let Some(t) = cache.ttl_ms {
            c.number("ttl_ms", t, 0.001, 3.6e9)?;
        }
        if cache.write_policy == WritePolicy::WriteThrough && cache.capacity.is_none() {
            return c.field("write_policy", |c| c.fail("WriteThrough needs a capacity (the keys the cache holds)"));
        }
        c.count("workers", cache.workers, 1, MAX_COUNT)?;
        c.dist("service", &cache.service)
    }
}

/// Misses that waited for another's fetch, where any did (caches that
/// coalesce).
pub(super) fn coalesced(node: &Facts) -> Vec<(&'static str, f64)> {
    if node.stats.coalesced == 0 {
        return Vec::new();
    }
    vec![("coalesced", node.stats.coalesced as f64)]
}
