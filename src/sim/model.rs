//! What a system is made of: node kinds, links and policies, as plain data.
//!
//! These types are both the scenario file schema (serde/RON) and the
//! parameters the engine runs with, so a file, the editor and the engine can
//! never disagree about what a field means. All durations are milliseconds.
//! Each node kind's own parameters live in its file under `kinds/`; this
//! file holds what nodes and links share.

use serde::{Deserialize, Serialize};

use super::dist::Dist;
pub use super::kinds::*;

/// Scale by replica groups: a system too big to simulate message by
/// message is usually many identical, independent copies of one unit (a
/// cell of users with its own gateways, a region). We simulate one copy
/// exactly and multiply its counts and rates by `copies`; latencies and
/// ratios are those of the copy. This is exact when the copies share
/// nothing; shared parts must be modelled inside the copy at their share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub copies: f64,
    /// What one copy is, in words (for reports).
    #[serde(default)]
    pub of: String,
}

/// One node on the canvas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// Unique name, used by links and in reports.
    pub id: String,
    /// What the node is and its kind-specific parameters.
    pub kind: NodeKind,
    /// Canvas position (the simulation ignores it).
    #[serde(default)]
    pub pos: (f32, f32),
    /// Availability zone, for zone outages (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Price of this node in $ per hour; absent: the kind's default
    /// (see [`NodeKind::price_per_hour`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_hour: Option<f64>,
}

impl NodeSpec {
    /// What this node costs per hour.
    pub fn price_per_hour(&self) -> f64 {
        self.price_per_hour.unwrap_or_else(|| self.kind.price_per_hour())
    }
}

/// What a cache or CDN does with lookups.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Caching {
    pub hit_ratio: f64,
    pub capacity: Option<u32>,
    pub ttl_ms: Option<f64>,
    pub coalesce: bool,
    pub write_policy: WritePolicy,
}

/// Timeout plus retries with exponential backoff and jitter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Give up on one attempt after this long.
    pub timeout_ms: f64,
    /// Extra attempts after the first (0 = timeout only).
    pub max_retries: u32,
    /// Wait before retry n is `backoff_ms × 2^(n-1)`, capped at `max_backoff_ms`.
    pub backoff_ms: f64,
    pub max_backoff_ms: f64,
    /// Fraction of that wait that is randomised (0 = none, 1 = "full jitter").
    pub jitter: f64,
    /// Retry budget (client retries only): retries may add at most this
    /// share of the requests (0.1 = 10 %); each request earns that many
    /// tokens, each retry spends one, with 10 saved up at most. Absent: no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<f64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { timeout_ms: 1000.0, max_retries: 0, backoff_ms: 50.0, max_backoff_ms: 2000.0, jitter: 1.0, budget: None }
    }
}

/// Active health checks: every `interval_ms` the load balancer probes each
/// backend; a crashed, frozen or cut-off backend fails the probe. After
/// `unhealthy_after` failures in a row it gets no traffic, and after
/// `healthy_after` successes in a row it gets traffic again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthCheck {
    pub interval_ms: f64,
    pub unhealthy_after: u32,
    pub healthy_after: u32,
}

impl Default for HealthCheck {
    fn default() -> Self {
        Self { interval_ms: 1000.0, unhealthy_after: 3, healthy_after: 2 }
    }
}

/// A directed connection; responses travel back over it in reverse.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub from: String,
    pub to: String,
    /// One-way latency.
    #[serde(default = "default_latency")]
    pub latency: Dist,
    /// Extra delay drawn uniformly from [0, jitter_ms].
    #[serde(default)]
    pub jitter_ms: f64,
    /// Probability that a message crossing the link is lost.
    #[serde(default)]
    pub loss: f64,
    /// Megabits per second in each direction; `None` is unlimited.
    #[serde(default)]
    pub bandwidth_mbps: Option<f64>,
    /// Probability that the caller uses this link for a given request
    /// (services and caches call each outgoing link in order).
    #[serde(default = "one")]
    pub call_probability: f64,
    /// Per-hop timeout and retries made by the caller.
    #[serde(default)]
    pub retry: Option<RetryPolicy>,
    /// Stop calling a failing dependency for a while (fail fast instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circuit_breaker: Option<CircuitBreaker>,
    /// Bulkhead: at most this many calls over this link at once; more fail
    /// at once (`bulkhead_full`), so one slow dependency cannot take every
    /// worker of the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<u32>,
    /// Request types this link carries; empty: all. Callers skip links that
    /// do not carry a request's type (gateways and load balancers choose
    /// among those that do).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<String>,
    /// Share of traffic for a `Weighted` load balancer, relative to its
    /// other links.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: f64,
    /// Graceful degradation: a call over this link that fails for good
    /// (after its retries) is answered by the caller itself, with a default
    /// or cached answer, instead of failing the request. Counted as a
    /// fallback.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
    /// Hedged requests: a call over this link with no answer after this
    /// long is sent once more over the same link (a load balancer behind
    /// it routes the copy like any request); the first success wins and
    /// the other copy's answer is discarded when it comes. Absent: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hedge_after_ms: Option<f64>,
    /// The caller makes this many calls over the link for each request it
    /// handles (1: one call). A service calls the copies one after another,
    /// each waiting for the one before (the N+1 query pattern); a `fan_out`
    /// service sends them all at once and waits for the slowest. Each copy
    /// is a call of its own (latency, service at the callee, timeout,
    /// retries, loss) and asks for the key `k` places after the request's
    /// (copy 0 for the key itself), so copies spread over a sharded store
    /// and count as different entries in a cache. The request fails if any
    /// copy fails for good (unless the link has a `fallback`). Only callers
    /// that call their links in order repeat (services, autoscaling groups,
    /// serverless functions, rate limiters).
    #[serde(default = "one_call", skip_serializing_if = "is_one_call")]
    pub repeat: u32,
}

/// The most calls `repeat` may make over one link per request.
pub const MAX_REPEAT: u32 = 1000;

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

fn one_call() -> u32 {
    1
}

fn is_one_call(v: &u32) -> bool {
    *v == 1
}

/// A circuit breaker on the caller's side of a link. Closed: calls go
/// through; if at least `min_calls` calls in a `window_ms` window fail with
/// at least `failure_ratio`, it opens. Open: calls fail at once
/// (`circuit_open`) for `open_ms`. Half-open: `half_open_calls` trial calls go
/// through; all succeed → closed, any fails → open again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CircuitBreaker {
    pub failure_ratio: f64,
    pub min_calls: u32,
    pub window_ms: f64,
    pub open_ms: f64,
    pub half_open_calls: u32,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self { failure_ratio: 0.5, min_calls: 20, window_ms: 1000.0, open_ms: 5000.0, half_open_calls: 5 }
    }
}

fn default_latency() -> Dist {
    Dist::Const(1.0)
}

fn one() -> f64 {
    1.0
}

impl LinkSpec {
    pub fn new(from: &str, to: &str, latency_ms: f64) -> Self {
        Self {
            from: from.into(),
            to: to.into(),
            latency: Dist::Const(latency_ms),
            jitter_ms: 0.0,
            loss: 0.0,
            bandwidth_mbps: None,
            call_probability: 1.0,
            retry: None,
            circuit_breaker: None,
            max_concurrent: None,
            only: Vec::new(),
            weight: 1.0,
            fallback: false,
            hedge_after_ms: None,
            repeat: 1,
        }
    }
}
