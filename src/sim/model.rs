//! What a system is made of: node kinds, links and policies, as plain data.
//!
//! These types are both the scenario file schema (serde/RON) and the
//! parameters the engine runs with, so a file, the editor and the engine can
//! never disagree about what a field means. All durations are milliseconds.

use serde::{Deserialize, Serialize};

use super::dist::Dist;

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
    Gateway(GatewaySpec),
    Serverless(ServerlessSpec),
    Autoscaling(AutoscalingSpec),
    ShardedDatabase(ShardedDatabaseSpec),
    ReplicatedDatabase(ReplicatedDatabaseSpec),
    PubSub(PubSubSpec),
    Cdn(CdnSpec),
    Dns(DnsSpec),
    ObjectStorage(ObjectStorageSpec),
    Stream(StreamSpec),
    Devices(DevicesSpec),
    Inbox(InboxSpec),
    WebsocketGateway(WebsocketGatewaySpec),
    PushService(PushServiceSpec),
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
            NodeKind::Gateway(_) => 0.05,
            // Per instance-hour of execution (about 1 GB of memory); idle
            // instances cost nothing.
            NodeKind::Serverless(_) => 0.06,
            // Per instance: the group's cost follows its instance count.
            NodeKind::Autoscaling(_) => 0.10,
            // Per shard / per member (primary or replica).
            NodeKind::ShardedDatabase(_) | NodeKind::ReplicatedDatabase(_) => 0.20,
            NodeKind::PubSub(_) => 0.05,
            NodeKind::Cdn(_) => 0.08,
            NodeKind::Dns(_) => 0.01,
            NodeKind::ObjectStorage(_) => 0.03,
            NodeKind::Stream(_) => 0.15,
            // The users' own phones.
            NodeKind::Devices(_) => 0.0,
            NodeKind::Inbox(_) => 0.10,
            NodeKind::WebsocketGateway(_) => 0.10,
            NodeKind::PushService(_) => 0.01,
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
            NodeKind::Gateway(_) => "API gateway",
            NodeKind::Serverless(_) => "serverless function",
            NodeKind::Autoscaling(_) => "autoscaling group",
            NodeKind::ShardedDatabase(_) => "sharded database",
            NodeKind::ReplicatedDatabase(_) => "replicated database",
            NodeKind::PubSub(_) => "pub/sub topic",
            NodeKind::Cdn(_) => "CDN",
            NodeKind::Dns(_) => "DNS",
            NodeKind::ObjectStorage(_) => "object storage",
            NodeKind::Stream(_) => "stream",
            NodeKind::Devices(_) => "devices",
            NodeKind::Inbox(_) => "offline inbox",
            NodeKind::WebsocketGateway(_) => "websocket gateway",
            NodeKind::PushService(_) => "push notifications",
        }
    }

    /// One of every kind, with default parameters.
    pub fn catalogue() -> Vec<NodeKind> {
        use NodeKind as K;
        let all = vec![
            K::Client(Default::default()),
            K::LoadBalancer(Default::default()),
            K::Service(Default::default()),
            K::Cache(Default::default()),
            K::Database(Default::default()),
            K::Queue(Default::default()),
            K::RateLimiter(Default::default()),
            K::Gateway(Default::default()),
            K::Serverless(Default::default()),
            K::Autoscaling(Default::default()),
            K::ShardedDatabase(Default::default()),
            K::ReplicatedDatabase(Default::default()),
            K::PubSub(Default::default()),
            K::Cdn(Default::default()),
            K::Dns(Default::default()),
            K::ObjectStorage(Default::default()),
            K::Stream(Default::default()),
            K::Devices(Default::default()),
            K::Inbox(Default::default()),
            K::WebsocketGateway(Default::default()),
            K::PushService(Default::default()),
        ];
        // A new kind fails to compile here: add it to the list above too.
        for k in &all {
            match k {
                K::Client(_) | K::LoadBalancer(_) | K::Service(_) | K::Cache(_) | K::Database(_) | K::Queue(_) => {}
                K::RateLimiter(_) | K::Gateway(_) | K::Serverless(_) | K::Autoscaling(_) => {}
                K::ShardedDatabase(_) | K::ReplicatedDatabase(_) | K::PubSub(_) | K::Cdn(_) | K::Dns(_) => {}
                K::ObjectStorage(_) | K::Stream(_) | K::Devices(_) | K::Inbox(_) | K::WebsocketGateway(_) => {}
                K::PushService(_) => {}
            }
        }
        all
    }

    /// Caching behaviour, for the kinds that cache.
    pub fn caching(&self) -> Option<Caching> {
        match self {
            NodeKind::Cache(c) => {
                Some(Caching { hit_ratio: c.hit_ratio, capacity: c.capacity, ttl_ms: c.ttl_ms, coalesce: c.coalesce })
            }
            NodeKind::Cdn(c) => {
                Some(Caching { hit_ratio: c.hit_ratio, capacity: c.capacity, ttl_ms: c.ttl_ms, coalesce: c.coalesce })
            }
            _ => None,
        }
    }

    /// Independent pools inside the node (shards, or primary + replicas).
    pub fn members(&self) -> u32 {
        match self {
            NodeKind::ShardedDatabase(d) => d.shards.max(1),
            NodeKind::ReplicatedDatabase(d) => 1 + d.replicas,
            _ => 1,
        }
    }
}

/// What a cache or CDN does with lookups.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Caching {
    pub hit_ratio: f64,
    pub capacity: Option<u32>,
    pub ttl_ms: Option<f64>,
    pub coalesce: bool,
}

/// One kind of request in a client's traffic mix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequestType {
    /// Links can be limited to some types (`only`), and services can time
    /// each type differently (`by_type`).
    pub name: String,
    /// Relative weight in the mix.
    pub share: f64,
    /// Writes change data: databases time them as writes, replicas receive
    /// them, full disks refuse them.
    pub write: bool,
    /// Bytes on the wire; absent: the client's own sizes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_bytes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_bytes: Option<u32>,
}

impl Default for RequestType {
    fn default() -> Self {
        Self { name: "read".into(), share: 1.0, write: false, request_bytes: None, response_bytes: None }
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
    /// Traffic mix by request type; empty: reads and writes by `write_ratio`
    /// (named "read" and "write").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mix: Vec<RequestType>,
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
            mix: Vec::new(),
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
    /// Open loop with a daily rhythm: Poisson whose rate swings around
    /// `mean_rate` by ± `amplitude` (0–1) of it, a sine with `period_s`
    /// (86 400 for a day) peaking at `peak_at_s` into each period.
    Diurnal { mean_rate: f64, amplitude: f64, period_s: f64, peak_at_s: f64 },
    /// Polling: `users` apps each ask "anything new?" every `interval_s`
    /// (`users / interval_s` requests a second). Each user receives
    /// `messages_per_min` messages a minute, so a poll comes back empty with
    /// probability e^(−rate × interval); empty answers are small. A message
    /// waits for the next poll: its delivery time is that wait plus the
    /// poll's round trip.
    Polling { users: f64, interval_s: f64, messages_per_min: f64 },
    /// Long polling: each of `users` apps always has one request open; the
    /// server holds it until a message for that user arrives (each user
    /// receives `messages_per_min`) or `timeout_s` passes, and the app asks
    /// again at once. Few empty answers and fast delivery, but every user
    /// holds a connection (and, on a blocking server, a worker) all the time.
    LongPolling { users: u32, timeout_s: f64, messages_per_min: f64 },
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
    /// At random, in proportion to each link's `weight` (canary releases,
    /// mixed instance sizes).
    Weighted,
}

pub const LB_POLICIES: [LbPolicy; 6] = [
    LbPolicy::RoundRobin,
    LbPolicy::LeastConnections,
    LbPolicy::Random,
    LbPolicy::PowerOfTwoChoices,
    LbPolicy::ConsistentHash,
    LbPolicy::Weighted,
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
    /// Service time per request type, where it differs from `service`.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub by_type: std::collections::BTreeMap<String, Dist>,
    /// Load shedding: how the queue behaves under overload.
    #[serde(skip_serializing_if = "Shedding::is_off")]
    pub shedding: Shedding,
    /// Scatter-gather: call all outgoing links at once (not one after the
    /// other) and answer when the slowest is back.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fan_out: bool,
}

impl Default for ServiceSpec {
    fn default() -> Self {
        Self {
            workers: 4,
            queue_limit: None,
            service: Dist::Exp(10.0),
            blocking: false,
            by_type: Default::default(),
            shedding: Shedding::default(),
            fan_out: false,
        }
    }
}

/// Queue discipline under overload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Shedding {
    /// Adaptive LIFO: once more than this many wait, serve the newest
    /// first (and when the queue is full, drop the oldest). Under overload
    /// the oldest have probably been given up on by their callers already;
    /// serving the newest keeps answers in time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifo_above: Option<u32>,
    /// Request types served before all others, and shed last: when the queue
    /// is full, one of them pushes out the newest other request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub priority: Vec<String>,
}

impl Shedding {
    pub fn is_off(&self) -> bool {
        self.lifo_above.is_none() && self.priority.is_empty()
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
    /// Request coalescing: while a key is being fetched, other misses for
    /// it wait for that fetch instead of each going to the backend (the cure
    /// for a stampede when a hot key expires). Needs `capacity`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub coalesce: bool,
}

impl Default for CacheSpec {
    fn default() -> Self {
        Self { hit_ratio: 0.8, workers: 64, service: Dist::Const(0.5), capacity: None, ttl_ms: None, coalesce: false }
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
    /// A consumer must finish a message within this time, or the message
    /// becomes visible again and is delivered once more (the first consumer
    /// may still finish it: a duplicate). Absent: no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility_timeout_ms: Option<f64>,
    /// Deliveries a message gets (failures and timeouts count) before it is
    /// moved to the dead-letter queue. Absent: a failed message is dropped
    /// at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_receives: Option<u32>,
}

impl Default for QueueSpec {
    fn default() -> Self {
        Self {
            capacity: Some(10_000),
            consumers: 4,
            service: Dist::Const(0.2),
            visibility_timeout_ms: None,
            max_receives: None,
        }
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

/// Functions as a service: each request runs in its own instance. A warm
/// idle instance takes it at once; otherwise a new instance starts cold
/// (extra `cold_start` time). Idle instances are reclaimed after
/// `keep_warm_s` (scale to zero); beyond `concurrency` instances, requests
/// are throttled (refused).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerlessSpec {
    pub concurrency: u32,
    pub service: Dist,
    pub cold_start: Dist,
    pub keep_warm_s: f64,
}

impl Default for ServerlessSpec {
    fn default() -> Self {
        Self { concurrency: 100, service: Dist::Exp(20.0), cold_start: Dist::Const(250.0), keep_warm_s: 300.0 }
    }
}

/// A group of identical instances behind one queue whose size follows the
/// load (target tracking): every `interval_s` it compares the utilisation
/// of the last interval with `target_utilization` and asks for
/// `ceil(instances × utilisation / target)` instances, within `min`..`max`.
/// New instances serve after `boot_s`. It removes instances only when no
/// scaling happened in the last `cooldown_s`, and only down to a size that
/// would run 10 % under the target (so it does not flap around it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoscalingSpec {
    pub min: u32,
    pub max: u32,
    /// Instances at the start.
    pub initial: u32,
    pub workers_per_instance: u32,
    pub queue_limit: Option<u32>,
    pub service: Dist,
    pub target_utilization: f64,
    pub interval_s: f64,
    pub boot_s: f64,
    pub cooldown_s: f64,
    /// Like a service's `blocking`: workers wait for downstream calls.
    pub blocking: bool,
}

impl Default for AutoscalingSpec {
    fn default() -> Self {
        Self {
            min: 2,
            max: 10,
            initial: 2,
            workers_per_instance: 4,
            queue_limit: None,
            service: Dist::Exp(10.0),
            target_utilization: 0.6,
            interval_s: 10.0,
            boot_s: 30.0,
            cooldown_s: 60.0,
            blocking: false,
        }
    }
}

/// Data split over `shards` by key (a stable hash), each shard its own
/// database with a `pool` of connections: a hot key loads one shard only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShardedDatabaseSpec {
    pub shards: u32,
    /// Connections per shard.
    pub pool: u32,
    /// Waiting room per shard; `None` is unbounded.
    pub queue_limit: Option<u32>,
    pub read: Dist,
    pub write: Dist,
}

impl Default for ShardedDatabaseSpec {
    fn default() -> Self {
        Self { shards: 4, pool: 16, queue_limit: None, read: Dist::Exp(2.0), write: Dist::Exp(8.0) }
    }
}

/// A primary that takes the writes and `replicas` that serve the reads
/// (round robin), each with its own `pool`. A write reaches the replicas
/// `lag` after it commits; a replica read of a key written more recently
/// than that is counted as stale. If the primary fails, writes fail until a
/// replica is promoted (`failover_s`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplicatedDatabaseSpec {
    pub replicas: u32,
    /// Connections per member.
    pub pool: u32,
    pub queue_limit: Option<u32>,
    pub read: Dist,
    pub write: Dist,
    /// Replication lag (ms).
    pub lag: Dist,
    /// Reads go to the primary as well as the replicas.
    pub read_from_primary: bool,
    /// Time to detect a failed primary and promote a replica.
    pub failover_s: f64,
}

impl Default for ReplicatedDatabaseSpec {
    fn default() -> Self {
        Self {
            replicas: 2,
            pool: 16,
            queue_limit: None,
            read: Dist::Exp(2.0),
            write: Dist::Exp(8.0),
            lag: Dist::Exp(20.0),
            read_from_primary: false,
            failover_s: 15.0,
        }
    }
}

/// A topic: acknowledges the publisher once the message is stored, then
/// delivers one copy to every subscriber (each outgoing link) at once.
/// Failed deliveries are retried by the links' retry policies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PubSubSpec {
    /// Time to accept (persist) one message.
    pub service: Dist,
}

impl Default for PubSubSpec {
    fn default() -> Self {
        Self { service: Dist::Const(0.5) }
    }
}

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

/// Object storage (S3-like): every request gets its own connection; it
/// takes `first_byte` to start, then the object streams at `mbps` (reads
/// send the client's `response_bytes`, writes its `request_bytes`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObjectStorageSpec {
    pub first_byte: Dist,
    /// Per-connection throughput, megabits per second.
    pub mbps: f64,
}

impl Default for ObjectStorageSpec {
    fn default() -> Self {
        Self { first_byte: Dist::LogNormal { mean: 20.0, std_dev: 10.0 }, mbps: 400.0 }
    }
}

/// A partitioned log (Kafka-like). Appends are acknowledged once stored;
/// each key always goes to the same partition. Every outgoing link is a
/// consumer group that reads every message, each partition strictly in
/// order, one message at a time: a slow or failing message holds up its
/// partition (it is retried every `retry_ms`) while the group's lag grows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StreamSpec {
    pub partitions: u32,
    /// Time to append one message.
    pub service: Dist,
    pub retry_ms: f64,
}

impl Default for StreamSpec {
    fn default() -> Self {
        Self { partitions: 8, service: Dist::Const(1.0), retry_ms: 1000.0 }
    }
}

/// The recipients' phones: where one-way messages end. Each message is for
/// the user its key names (`key mod users`). A user is online a share
/// `online_share` of the time, in sessions averaging `mean_session_s`
/// (online and offline spells are exponential). An online phone takes the
/// message (its delivery time is recorded, from the moment the sender sent
/// it) and acknowledges it; an offline one cannot be reached (`offline`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DevicesSpec {
    pub users: u64,
    pub online_share: f64,
    pub mean_session_s: f64,
    /// Time for a phone to take a message and acknowledge it.
    pub service: Dist,
    /// Share of push notifications that make an offline user open the app
    /// (it comes online and its inbox delivers at once).
    pub open_on_push: f64,
}

impl Default for DevicesSpec {
    fn default() -> Self {
        Self {
            users: 1_000_000,
            online_share: 0.8,
            mean_session_s: 300.0,
            service: Dist::Const(5.0),
            open_on_push: 0.3,
        }
    }
}

/// A push-notification provider (APNs, FCM): accepts a notification
/// (`accept` time) and answers at once; then, best effort, delivers it to
/// the phone over its outgoing link with probability `delivery_ratio`
/// (the link's latency is the provider's delay). An offline phone that gets
/// it may wake up (see `Devices::open_on_push`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushServiceSpec {
    pub accept: Dist,
    pub delivery_ratio: f64,
}

impl Default for PushServiceSpec {
    fn default() -> Self {
        Self { accept: Dist::Const(20.0), delivery_ratio: 0.95 }
    }
}

/// Store-and-forward for messages: acknowledges the sender once stored,
/// then delivers over its links (to the recipient's phone, through
/// gateways). If the recipient is offline, it keeps the message and
/// delivers it when the phone comes back online (it syncs on connect), and
/// sends a push notification over the links that carry the type "push".
/// Nothing is dropped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InboxSpec {
    /// Time to store one message.
    pub service: Dist,
    /// Deliveries in progress at once.
    pub deliveries: u32,
    /// Other failures are retried after this long.
    pub retry_ms: f64,
    /// Stored messages survive a crash of the inbox (written to a
    /// replicated log): they are delivered after it restarts. Otherwise a
    /// crash loses them.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub durable: bool,
}

impl Default for InboxSpec {
    fn default() -> Self {
        Self { service: Dist::Const(1.0), deliveries: 10_000, retry_ms: 1000.0, durable: false }
    }
}

/// Persistent connections (websockets): `connections` phones stay
/// connected through it, at most `max_connections` (the others cannot
/// connect, and look offline). A message for a phone is pushed down its
/// open connection (`service` each, `workers` at once) over the link that
/// carries its type: nothing flows when nobody talks. After a crash, every
/// phone that was connected reconnects within `reconnect_s`: each reconnect
/// is a request of type "connect" over the links that carry it (to
/// authenticate and restore the session) — a reconnect storm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebsocketGatewaySpec {
    pub connections: u32,
    pub max_connections: u32,
    pub workers: u32,
    pub service: Dist,
    pub reconnect_s: f64,
}

impl Default for WebsocketGatewaySpec {
    fn default() -> Self {
        Self { connections: 50_000, max_connections: 100_000, workers: 64, service: Dist::Const(0.2), reconnect_s: 5.0 }
    }
}

impl Default for DnsSpec {
    fn default() -> Self {
        Self { ttl_s: 60.0, resolvers: 100, lookup: Dist::Const(30.0), health_check: None }
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
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
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
        }
    }
}
