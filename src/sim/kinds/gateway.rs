//! An API gateway: authenticates each request, then routes it by type.

use serde::{Deserialize, Serialize};

use super::*;

/// The front door: checks each request (authentication, parsing) with
/// `workers` in parallel, then routes it to exactly one outgoing link: one
/// that carries the request's type (see `LinkSpec::only`), taking turns
/// where several do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewaySpec {
    pub workers: u32,
    pub queue_limit: Option<u32>,
    /// Time to authenticate and route one request.
    pub auth: Dist,
}

impl Default for GatewaySpec {
    fn default() -> Self {
        Self { workers: 64, queue_limit: Some(1000), auth: Dist::Const(1.0) }
    }
}

impl Kind for GatewaySpec {
    const LABEL: &str = "API gateway";
    const PRICE_PER_HOUR: f64 = 0.05;
    const PRICING: &str = "$0.05 per 64 workers an hour";

    fn price_per_hour(&self) -> f64 {
        self.workers as f64 / 1280.0
    }
    type State = ();

    fn prepare(&self) -> Prepared {
        Prepared::new(self.workers, limit(self.queue_limit), self.auth.sampler()).after(AfterService::RouteByType)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let g = self;
        c.count("workers", g.workers, 1, MAX_COUNT)?;
        if let Some(q) = g.queue_limit {
            c.count("queue_limit", q, 0, MAX_COUNT)?;
        }
        c.dist("auth", &g.auth)
    }
}
