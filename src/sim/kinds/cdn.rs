//! A CDN edge: a cache close to the users in front of an origin.

use serde::{Deserialize, Serialize};

use super::*;

/// A content delivery network: edge locations answer what they hold; a
/// miss fetches from the origin (the outgoing links) and keeps the answer.
/// Misses for a key already being fetched wait for that fetch (`coalesce`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CdnSpec {
    /// Used when `capacity` is unset.
    pub hit_ratio: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_ms: Option<f64>,
    pub coalesce: bool,
    /// Time for the edge to answer.
    pub service: Dist,
}

impl Default for CdnSpec {
    fn default() -> Self {
        Self { hit_ratio: 0.95, capacity: None, ttl_ms: Some(300_000.0), coalesce: true, service: Dist::Const(1.0) }
    }
}

impl Kind for CdnSpec {
    const LABEL: &str = "CDN";
    const PRICE_PER_HOUR: f64 = 0.08;
    const PRICING: &str = "$0.03 plus $0.005 per 1 000 entries of capacity an hour (10 000 entries, or no capacity set: $0.08)";

    fn price_per_hour(&self) -> f64 {
        (3.0 + self.capacity.unwrap_or(10_000) as f64 / 2000.0) / 100.0
    }
    type State = ();

    fn counters(&self, _: &(), node: &Facts) -> Vec<(&'static str, f64)> {
        super::cache::coalesced(node)
    }

    fn prepare(&self) -> Prepared {
        Prepared::new(UNLIMITED, UNLIMITED, self.service.sampler()).after(AfterService::Lookup)
    }

    fn caching(&self) -> Option<Caching> {
        Some(Caching { hit_ratio: self.hit_ratio, capacity: self.capacity, ttl_ms: self.ttl_ms, coalesce: self.coalesce,
            write_policy: WritePolicy::Invalidate,
        })
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let cdn = self;
        c.probability("hit_ratio", cdn.hit_ratio)?;
        if let Some(cap) = cdn.capacity {
            c.count("capacity", cap, 1, MAX_COUNT)?;
        }
        if let Some(t) = cdn.ttl_ms {
            c.number("ttl_ms", t, 0.001, 3.6e9)?;
        }
        c.dist("service", &cdn.service)
    }
}
