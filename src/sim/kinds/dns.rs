//! DNS: users' resolvers cache an answer for its TTL and, on a miss, look up
//! the next healthy entry point (the lookup time is paid per miss).

use serde::{Deserialize, Serialize};

use super::*;

/// Name resolution in front of several entry points (DNS load balancing).
/// Users sit behind `resolvers` caching resolvers (a user always uses the
/// same one). A resolver keeps its answer for `ttl_s`; when it has none, it
/// asks (taking `lookup` time) and gets the next healthy entry point in
/// turn. So after a failure, users keep going to the dead address until
/// their resolver's answer expires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DnsSpec {
    pub ttl_s: f64,
    pub resolvers: u32,
    pub lookup: Dist,
    /// Stop handing out entry points that fail their health checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
}

impl Default for DnsSpec {
    fn default() -> Self {
        Self { ttl_s: 60.0, resolvers: 100, lookup: Dist::Const(30.0), health_check: None }
    }
}

/// Each resolver's cached answer: (outgoing link index, expires at).
#[derive(Default, Clone)]
pub struct Resolvers {
    pub answers: Vec<(u32, Nanos)>,
}

impl DnsSpec {
    /// The resolver a user (key) goes through.
    pub fn resolver_of(&self, key: u64) -> usize {
        (hash64(&key.to_le_bytes(), 3) % self.resolvers.max(1) as u64) as usize
    }
}

impl Kind for DnsSpec {
    const LABEL: &str = "DNS";
    const PRICE_PER_HOUR: f64 = 0.01;
    type State = Resolvers;

    fn counters(&self, _: &Resolvers, node: &Facts) -> Vec<(&'static str, f64)> {
        vec![("lookups", node.stats.lookups as f64)]
    }

    fn prepare(&self) -> Prepared {
        let hooks = Hooks { adjust: true, ..Default::default() };
        Prepared { hooks, ..Prepared::new(UNLIMITED, UNLIMITED, self.lookup.sampler()) }.after(AfterService::Resolve)
    }

    /// Only a resolver without a fresh answer has to ask.
    fn adjust(&self, r: &mut Resolvers, job: Job, _: &mut SimRng) -> Adjust {
        let fresh = r.answers.get(self.resolver_of(job.key)).is_some_and(|&(_, exp)| exp > job.now);
        Adjust { skip: fresh, ..Default::default() }
    }

    fn crashed(&self, r: &mut Resolvers, _now: Nanos) {
        r.answers.clear();
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let d = self;
        c.number("ttl_s", d.ttl_s, 0.0, 1e7)?;
        c.count("resolvers", d.resolvers, 1, 1_000_000)?;
        c.dist("lookup", &d.lookup)?;
        health_check(c, &d.health_check)
    }
}
