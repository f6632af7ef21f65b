//! What a system is made of: node kinds, links and policies, as plain data.
//!
//! These types are both the scenario file schema (serde/RON) and the
//! parameters the engine runs with, so a file, the editor and the engine can
//! never disagree about what a field means. All durations are milliseconds.

use serde::{Deserialize, Serialize};

use super::dist::Dist;

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
    /// (see [`NodeKind::default_price_per_hour`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_hour: Option<f64>,
}

impl NodeSpec {
    /// What this node costs per hour.
    pub fn price_per_hour(&self) -> f64 {
        self.price_per_hour.unwrap_or_else(|| self.kind.default_price_per_hour())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum NodeKind {
    Client(ClientSpec),
    LoadBalancer(LoadBalancerSpec),
    Service(ServiceSpec),
    Cache(CacheSpec),
    Database(DatabaseSpec),
    Queue(QueueSpec),
    RateLimiter(RateLimiterSpec),
}

impl NodeKind {
    /// Rough on-demand cloud prices in $/hour for one instance of each kind
    /// (a general-purpose 2-vCPU VM is about $0.10/h; a managed database of
    /// the same size about twice that). Clients are the users: free.
    pub fn default_price_per_hour(&self) -> f64 {
        match self {
            NodeKind::Client(_) => 0.0,
            NodeKind::LoadBalancer(_) => 0.025,
            NodeKind::Service(_) => 0.10,
            NodeKind::Cache(_) => 0.15,
            NodeKind::Database(_) => 0.20,
            NodeKind::Queue(_) => 0.05,
            NodeKind::RateLimiter(_) => 0.02,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            NodeKind::Client(_) => "client",
            NodeKind::LoadBalancer(_) => "load balancer",
            NodeKind::Service(_) => "service",
            NodeKind::Cache(_) => "cache",
            NodeKind::Database(_) => "database",
            NodeKind::Queue(_) => "queue",
            NodeKind::RateLimiter(_) => "rate limiter",
        }
    }
}

/// A population of users sending requests and waiting for the answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientSpec {
    pub traffic: Traffic,
    /// Share of requests that are writes (databases time them differently).
    pub write_ratio: f64,
    /// Size of the key space requests draw from (consistent hashing and
    /// caches with a capacity use it).
    pub keys: u64,
    /// Key popularity: `None` is uniform; `Some(s)` is Zipf with exponent s
    /// (1.0 is typical: the k-th most popular key is asked k times less).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zipf: Option<f64>,
    /// Bytes on the wire, for links with a bandwidth limit.
    pub request_bytes: u32,
    pub response_bytes: u32,
    /// End-to-end timeout and retries for each request.
    pub retry: Option<RetryPolicy>,
}

impl Default for ClientSpec {
    fn default() -> Self {
        Self {
            traffic: Traffic::Poisson { rate: 100.0 },
            write_ratio: 0.0,
            keys: 1_000_000,
            zipf: None,
            request_bytes: 1_000,
            response_bytes: 4_000,
            retry: None,
        }
    }
}

/// How a client group generates requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Traffic {
    /// Open loop: independent arrivals at `rate` per second (exponential gaps).
    Poisson { rate: f64 },
    /// Open loop: exactly `rate` per second, evenly spaced.
    Constant { rate: f64 },
    /// Open loop: Poisson at `rate`, switching to `burst_rate` for `burst_s`
    /// seconds at the start of every `period_s`.
    Burst { rate: f64, burst_rate: f64, period_s: f64, burst_s: f64 },
    /// Closed loop: `users` people who each send one request, wait for the
    /// answer, think for an exponential time with mean `think_ms`, and repeat.
    Closed { users: u32, think_ms: f64 },
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
}

impl Default for LoadBalancerSpec {
    fn default() -> Self {
        Self { policy: LbPolicy::RoundRobin, service: Dist::Const(0.0), health_check: None }
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
}

pub const LB_POLICIES: [LbPolicy; 5] = [
    LbPolicy::RoundRobin,
    LbPolicy::LeastConnections,
    LbPolicy::Random,
    LbPolicy::PowerOfTwoChoices,
    LbPolicy::ConsistentHash,
];

/// An application server: `workers` parallel workers in front of a FIFO queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceSpec {
    pub workers: u32,
    /// Waiting room; `None` is unbounded. Arrivals beyond it are rejected.
    pub queue_limit: Option<u32>,
    pub service: Dist,
    /// How downstream calls hold resources: `false` frees the worker when its
    /// own work ends; `true` keeps it until every downstream call has
    /// answered (a thread-per-request server).
    pub blocking: bool,
}

impl Default for ServiceSpec {
    fn default() -> Self {
        Self { workers: 4, queue_limit: None, service: Dist::Exp(10.0), blocking: false }
    }
}

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
}

impl Default for CacheSpec {
    fn default() -> Self {
        Self { hit_ratio: 0.8, workers: 64, service: Dist::Const(0.5), capacity: None, ttl_ms: None }
    }
}

/// A database: a connection pool (its workers) with separate read and write costs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSpec {
    /// Connections in the pool: queries running at once.
    pub pool: u32,
    pub queue_limit: Option<u32>,
    pub read: Dist,
    pub write: Dist,
}

impl Default for DatabaseSpec {
    fn default() -> Self {
        Self { pool: 16, queue_limit: None, read: Dist::Exp(2.0), write: Dist::Exp(8.0) }
    }
}

/// A message queue: acknowledges the producer as soon as a message is stored,
/// then `consumers` deliveries at a time drain it over the outgoing links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueSpec {
    /// Messages it can hold; `None` is unbounded. A full queue rejects.
    pub capacity: Option<u32>,
    pub consumers: u32,
    /// Time to accept (persist) one message.
    pub service: Dist,
}

impl Default for QueueSpec {
    fn default() -> Self {
        Self { capacity: Some(10_000), consumers: 4, service: Dist::Const(0.2) }
    }
}

/// A token bucket in front of its outgoing links: `rate` tokens per second,
/// at most `burst` saved up; a request without a token is rejected
/// (`rate_limited`), the others pass on to the links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimiterSpec {
    pub rate: f64,
    pub burst: u32,
}

impl Default for RateLimiterSpec {
    fn default() -> Self {
        Self { rate: 100.0, burst: 20 }
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
        }
    }
}
