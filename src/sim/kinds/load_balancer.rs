//! A load balancer: spreads calls over its outgoing links by a policy, and
//! takes unhealthy backends out of rotation when it health-checks them or,
//! with outlier ejection, when their answers keep failing.

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
    /// Outlier ejection: a backend whose answers fail several times in a
    /// row is taken out of rotation for a while, whatever its health
    /// checks say (a passive check, on the real traffic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outlier_ejection: Option<OutlierEjection>,
}

/// When a balancer ejects a backend, for how long, and how many at most.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutlierEjection {
    /// Failed answers in a row that eject a backend.
    pub consecutive_errors: u32,
    /// Seconds an ejected backend stays out; then it gets traffic again
    /// (and is ejected again if it still fails).
    pub eject_s: f64,
    /// The largest share of the backends out at once: ejection never
    /// takes the last ones (at least one is always allowed out, and one
    /// always stays in).
    pub max_ejected: f64,
}

impl Default for OutlierEjection {
    fn default() -> Self {
        Self { consecutive_errors: 5, eject_s: 30.0, max_ejected: 0.5 }
    }
}

impl OutlierEjection {
    /// How many of `backends` may be out at once.
    pub fn most_out(&self, backends: usize) -> usize {
        ((self.max_ejected.clamp(0.0, 1.0) * backends as f64) as usize).max(1).min(backends.saturating_sub(1))
    }
}

impl Default for LoadBalancerSpec {
    fn default() -> Self {
        Self {
            policy: LbPolicy::RoundRobin,
            service: Dist::Const(0.0),
            health_check: None,
            slow_start_s: None,
            outlier_ejection: None,
        }
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
        if let Some(o) = &lb.outlier_ejection {
            c.field("outlier_ejection", |c| {
                c.count("consecutive_errors", o.consecutive_errors, 1, 1_000_000)?;
                c.number("eject_s", o.eject_s, 0.001, 86_400.0)?;
                c.number("max_ejected", o.max_ejected, 0.0, 1.0)
            })?;
        }
        health_check(c, &lb.health_check)
    }

    fn counters(&self, _: &(), node: &Facts) -> Vec<(&'static str, f64)> {
        match self.outlier_ejection {
            Some(_) => vec![("ejections", node.stats.ejections as f64)],
            None => Vec::new(),
        }
    }
}
