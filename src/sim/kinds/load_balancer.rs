//! A load balancer: spreads calls over its outgoing links by a policy, and
//! takes unhealthy backends out of rotation when it health-checks them.

use serde::{Deserialize, Serialize};

use super::*;

/// Spreads requests over the node's outgoing links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoadBalancerSpec {
    pub policy: LbPolicy,
    /// Time to route one request (usually negligible).
    pub service: Dist,
    /// Probe backends and stop sending to the ones that fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    /// Slow start: a backend that comes back (healthy again, or restarted)
    /// gets a share of its traffic that grows from nothing to full over
    /// this many seconds, so a cold instance is not flooded at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slow_start_s: Option<f64>,
}

impl Default for LoadBalancerSpec {
    fn default() -> Self {
        Self { policy: LbPolicy::RoundRobin, service: Dist::Const(0.0), health_check: None, slow_start_s: None }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LbPolicy {
    RoundRobin,
    /// Fewest requests outstanding (sent and not yet answered).
    LeastConnections,
    Random,
    /// Pick two backends at random, use the one with fewer outstanding.
    PowerOfTwoChoices,
    /// The request's key picks the backend on a hash ring (sticky).
    ConsistentHash,
    /// The request's key modulo the number of backends in rotation (sticky,
    /// but when that number changes almost every key moves).
    ModuloHash,
    /// At random, in proportion to each link's `weight` (canary releases,
    /// mixed instance sizes).
    Weighted,
}

pub const LB_POLICIES: [LbPolicy; 7] = [
    LbPolicy::RoundRobin,
    LbPolicy::LeastConnections,
    LbPolicy::Random,
    LbPolicy::PowerOfTwoChoices,
    LbPolicy::ConsistentHash,
    LbPolicy::ModuloHash,
    LbPolicy::Weighted,
];

impl Kind for LoadBalancerSpec {
    const LABEL: &str = "load balancer";
    const PRICE_PER_HOUR: f64 = 0.025;
    type State = ();

    fn prepare(&self) -> Prepared {
        Prepared::new(UNLIMITED, UNLIMITED, self.service.sampler()).after(AfterService::Balance)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let lb = self;
        c.dist("service", &lb.service)?;
        if let Some(t) = lb.slow_start_s {
            c.number("slow_start_s", t, 0.0, 86_400.0)?;
        }
        health_check(c, &lb.health_check)
    }
}
