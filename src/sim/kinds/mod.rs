//! Node kinds, one file each: its parameters with their defaults (the
//! scenario file's schema), its name and price, and what the engine needs to
//! run it. This file is the registry: adding a kind is a new file plus one
//! line in the list at the bottom, and everything that goes over all kinds
//! (the enum, its matches, the palette's catalogue) is generated from it.

use serde::{Deserialize, Serialize};

use super::check::{Checker, Fail, MAX_COUNT, MAX_RATE, MAX_USERS, Seg, health_check, type_name};
use super::dist::{Dist, Sampler, SimRng, hash64};
use super::metrics::{FailReason, NodeStats};
use super::model::{Caching, HealthCheck, RetryPolicy};
use super::time::Nanos;

/// What every node kind provides.
pub trait Kind {
    /// The name people see.
    const LABEL: &str;
    /// Rough on-demand cloud price in $/hour for one instance of the
    /// default size (a general-purpose 2-vCPU VM running 4 workers is about
    /// $0.10/h; a managed database of the same size about twice that).
    const PRICE_PER_HOUR: f64;
    /// How the price follows the size, in words (the README's price list
    /// and the inspector say it).
    const PRICING: &str = "a flat price";

    /// Price in $/hour of one instance of this size, the way cloud bills
    /// work: per worker (vCPU), per connection of a database's pool, per
    /// thousand cache entries, per partition. By default the flat price.
    fn price_per_hour(&self) -> f64 {
        Self::PRICE_PER_HOUR
    }

    /// Instances billed, when the kind bills differently from "each
    /// member, all the time" (serverless: busy instances, and warm idle
    /// ones at a share). `None`: the engine's instance count.
    fn billed(&self, _state: &Self::State, _node: &Facts) -> Option<Billed> {
        None
    }

    /// What the engine keeps for a node of this kind while it runs, beside
    /// the worker stations every node has (`()` for most kinds).
    type State: Default + Clone;

    /// Its state when the node starts running at `now`.
    fn start(&self, _now: Nanos) -> Self::State {
        Self::State::default()
    }

    /// Its parameters pre-digested for the engine's hot path.
    fn prepare(&self) -> Prepared;

    /// Let a request in, or refuse it (before it may queue). Called when
    /// `prepare` sets `hooks.admit`.
    fn admit(&self, _state: &mut Self::State, _job: Job) -> Result<(), FailReason> {
        Ok(())
    }

    /// Change the standard service of one request (a cold start, a
    /// transfer time, an answer already cached). Called when `prepare` sets
    /// `hooks.adjust`.
    fn adjust(&self, _state: &mut Self::State, _job: Job, _rng: &mut SimRng) -> Adjust {
        Adjust::default()
    }

    /// A queue's batch: does this other message of the call (`message` as
    /// in [`Job::message`]) fail the whole call (a poison message in the
    /// batch)? Asked for each message after the first, while none has, when
    /// `prepare` sets `hooks.adjust`.
    fn fails_item(&self, _state: &mut Self::State, _message: u64) -> Option<FailReason> {
        None
    }

    /// A worker finished a request (and is free again). Called when
    /// `prepare` sets `hooks.released`.
    fn released(&self, _state: &mut Self::State, _now: Nanos) {}

    /// The node crashed at `now`: forget what a restart would not remember.
    fn crashed(&self, _state: &mut Self::State, _now: Nanos) {}

    /// Serve one request its own way instead of the stations' standard
    /// service time (only asked when `prepare` sets `hooks.serve`).
    fn serve(&self, _state: &mut Self::State, _job: Job, _rng: &mut SimRng) -> Served {
        Served { time: 0, error: None }
    }

    /// Its own counters, the one source for reports and the inspector:
    /// `(name, value)` pairs from its state and what the engine counted for
    /// it. Names are snake_case; the inspector shows them as words.
    fn counters(&self, _state: &Self::State, _node: &Facts) -> Vec<(&'static str, f64)> {
        Vec::new()
    }

    /// Start its counters again at `now` (statistics restart after the warm-up).
    fn reset_counters(&self, _state: &mut Self::State, _now: Nanos) {}

    /// Check the parameters (ranges, names), naming the field that is wrong.
    fn check(&self, c: &mut Checker) -> Result<(), Fail>;

    /// Independent pools inside the node (shards, primary and replicas).
    fn members(&self) -> u32 {
        1
    }

    /// Caching behaviour, for the kinds that cache.
    fn caching(&self) -> Option<Caching> {
        None
    }

    /// How many of its outgoing links one request goes on to (the work
    /// a request implies, checked before a run). By default what
    /// `prepare`'s `after` does.
    fn reach(&self) -> Reach {
        self.prepare().after.reach()
    }

    /// Waiting places in all (every pool's queue together) if bounded:
    /// what a full queue bar means.
    fn queue_capacity(&self) -> Option<u32> {
        let limit = self.prepare().queue_limit;
        (limit != UNLIMITED).then(|| limit.saturating_mul(self.members()))
    }
}

/// Instances billed: how many now, and instance-nanoseconds since
/// statistics restarted (for the time-averaged bill).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Billed {
    pub now: f64,
    pub area: f64,
}

/// What the engine knows of a running node, for its kind's counters.
pub struct Facts<'a> {
    pub stats: &'a NodeStats,
    pub now: Nanos,
    /// Time since statistics (re)started.
    pub span: Nanos,
    /// Workers busy now.
    pub busy: u32,
    /// Requests waiting in its pools' queues now.
    pub queued: u64,
    /// Async jobs set aside to be tried again later.
    pub backing_off: u64,
    /// Stream: messages appended and not yet consumed, by consumer group.
    pub group_lags: Vec<u64>,
}

/// Workers and queue places without a limit.
pub const UNLIMITED: u32 = u32::MAX;

fn limit(q: Option<u32>) -> u32 {
    q.unwrap_or(UNLIMITED)
}

/// A kind's parameters as the engine's worker stations use them.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub workers: u32,
    pub queue_limit: u32,
    pub service: Sampler,
    pub write: Sampler,
    pub blocking: bool,
    /// Service time by request type, where a service sets one.
    pub by_class: Vec<(u8, Sampler)>,
    /// Load shedding: request types served first (bits), and the queue
    /// length beyond which the newest is served first.
    pub priority_mask: u64,
    pub lifo_above: u32,
    /// Which of the kind's own hooks the engine calls (skipping the others
    /// keeps the hot path as short as before they existed).
    pub hooks: Hooks,
    /// What the node does with a request once served.
    pub after: AfterService,
    /// Service time added per message a call carries (a queue's batch
    /// carries several; any other call one).
    pub per_item: Nanos,
}

/// The optional hooks a kind implements (see [`Kind::admit`],
/// [`Kind::adjust`], [`Kind::serve`], [`Kind::released`]); its `prepare`
/// turns them on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hooks {
    pub admit: bool,
    pub adjust: bool,
    /// Requests are served by the kind's own `Kind::serve` instead of the
    /// station's service time.
    pub serve: bool,
    pub released: bool,
}

/// What a node does with a request once its service time is over: the
/// engine's mechanisms a kind is built from. The engine acts on these and
/// never on the kind itself.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AfterService {
    /// Nothing arrives at it (a client).
    Nothing,
    /// Answer the caller.
    Respond,
    /// Call downstream, link by link; a blocking node keeps its worker
    /// until the calls are answered.
    CallDownstream,
    /// Pass the request on downstream without holding a worker.
    PassOn,
    /// Choose one backend by the balancing policy and pass it on.
    Balance,
    /// Pass it to the outgoing link that carries its request type.
    RouteByType,
    /// Resolve a name (a cached answer or a fresh lookup) and pass it on.
    Resolve,
    /// Look the key up: answer a hit, fetch a miss from downstream.
    Lookup,
    /// Keep it as an async job, acknowledge, deliver later.
    Store,
    /// Append it to a partition of the log and acknowledge.
    Append,
    /// Record the write for the replicas (stale reads) and answer.
    Replicate,
    /// Acknowledge, then deliver it with this probability (best effort).
    Push { delivery_ratio: f64 },
    /// Hand the message to the user's phone and acknowledge it.
    Deliver,
}

impl AfterService {
    /// How many outgoing links a request goes on to after this.
    pub fn reach(self) -> Reach {
        use AfterService::*;
        match self {
            CallDownstream | Lookup | PassOn | Append => Reach::Each,
            Balance | RouteByType | Resolve | Store | Push { .. } => Reach::One,
            Nothing | Respond | Replicate | Deliver => Reach::Nothing,
        }
    }
}

/// How many of a node's outgoing links one request goes on to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// None: the node answers itself.
    Nothing,
    /// One of them (a balancer's choice, a queue's consumer).
    One,
    /// Each of them, in turn or at once (by its call probability).
    Each,
}

/// A field at its zero value is left out of saved files.
pub(crate) fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// A request as a kind's own service sees it.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    pub write: bool,
    pub key: u64,
    /// The request it belongs to: the same for every retry and copy of it.
    pub request: u64,
    /// What it carries: the same for every retry and copy of it, and for
    /// an async job (which belongs to no request of its own) the request
    /// its producer sent, so every redelivery of a stored message is the
    /// same message.
    pub message: u64,
    pub now: Nanos,
    /// Service times are multiplied by this (CPU throttle, warm-up).
    pub slow: f64,
    /// Its size: the request's for a write, the answer's for a read.
    pub bytes: u32,
    /// Requests in service at the node, this one included.
    pub busy: u32,
}

/// How a kind changes one request's standard service.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Adjust {
    /// No service time at all (the answer was at hand).
    pub skip: bool,
    /// Time added to the sampled service time.
    pub extra: Nanos,
    /// It paid a cold start (counted by the node).
    pub cold_start: bool,
    /// The service time is multiplied by 1 + this (contention).
    pub slower: f64,
    /// It fails with this reason once its service time is over (a
    /// message the service cannot process).
    pub fail: Option<FailReason>,
}

/// How long serving took, and whether it failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Served {
    pub time: Nanos,
    pub error: Option<FailReason>,
}

impl Prepared {
    /// A station with this many workers, queue places and service time;
    /// writes take as long as reads, nothing else special.
    pub fn new(workers: u32, queue_limit: u32, service: Sampler) -> Self {
        Prepared {
            workers,
            queue_limit,
            service,
            write: service,
            blocking: false,
            by_class: Vec::new(),
            priority_mask: 0,
            lifo_above: u32::MAX,
            hooks: Hooks::default(),
            after: AfterService::Respond,
            per_item: 0,
        }
    }

    /// The same, doing `after` once a request is served.
    pub fn after(self, after: AfterService) -> Self {
        Prepared { after, ..self }
    }
}

macro_rules! kinds {
    ($($variant:ident($spec:ident) in $file:ident,)*) => {
        $(mod $file;)*
        $(pub use $file::*;)*

        /// What a node is, with its kind's parameters.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub enum NodeKind {
            $($variant($spec),)*
        }

        /// A running node's kind-specific state (see [`Kind::State`]).
        #[derive(Clone)]
        pub enum KindState {
            $($variant(<$spec as Kind>::State),)*
        }

        impl NodeKind {
            /// Fresh state for a node of this kind starting at `now`.
            pub fn new_state(&self, now: Nanos) -> KindState {
                match self {
                    $(NodeKind::$variant(k) => KindState::$variant(k.start(now)),)*
                }
            }

            /// The kind's own service (see [`Kind::serve`]); `None` if the
            /// state belongs to another kind.
            pub fn serve(&self, state: &mut KindState, job: Job, rng: &mut SimRng) -> Option<Served> {
                match (self, state) {
                    $((NodeKind::$variant(k), KindState::$variant(s)) => Some(k.serve(s, job, rng)),)*
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            /// The kind's own admission (see [`Kind::admit`]).
            pub fn admit(&self, state: &mut KindState, job: Job) -> Result<(), FailReason> {
                match (self, state) {
                    $((NodeKind::$variant(k), KindState::$variant(s)) => k.admit(s, job),)*
                    #[allow(unreachable_patterns)]
                    _ => Ok(()),
                }
            }

            /// See [`Kind::fails_item`].
            pub fn fails_item(&self, state: &mut KindState, message: u64) -> Option<FailReason> {
                match (self, state) {
                    $((NodeKind::$variant(k), KindState::$variant(s)) => k.fails_item(s, message),)*
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            /// See [`Kind::adjust`].
            pub fn adjust(&self, state: &mut KindState, job: Job, rng: &mut SimRng) -> Adjust {
                match (self, state) {
                    $((NodeKind::$variant(k), KindState::$variant(s)) => k.adjust(s, job, rng),)*
                    #[allow(unreachable_patterns)]
                    _ => Adjust::default(),
                }
            }

            /// See [`Kind::released`].
            pub fn released(&self, state: &mut KindState, now: Nanos) {
                match (self, state) {
                    $((NodeKind::$variant(k), KindState::$variant(s)) => k.released(s, now),)*
                    #[allow(unreachable_patterns)]
                    _ => {}
                }
            }

            /// See [`Kind::crashed`].
            pub fn crashed(&self, state: &mut KindState, now: Nanos) {
                match (self, state) {
                    $((NodeKind::$variant(k), KindState::$variant(s)) => k.crashed(s, now),)*
                    #[allow(unreachable_patterns)]
                    _ => {}
                }
            }

            /// The kind's own counters (see [`Kind::counters`]).
            pub fn counters(&self, state: &KindState, node: &Facts) -> Vec<(&'static str, f64)> {
                match (self, state) {
                    $((NodeKind::$variant(k), KindState::$variant(s)) => k.counters(s, node),)*
                    #[allow(unreachable_patterns)]
                    _ => Vec::new(),
                }
            }

            pub fn reset_counters(&self, state: &mut KindState, now: Nanos) {
                match (self, state) {
                    $((NodeKind::$variant(k), KindState::$variant(s)) => k.reset_counters(s, now),)*
                    #[allow(unreachable_patterns)]
                    _ => {}
                }
            }

            pub fn label(&self) -> &'static str {
                match self {
                    $(NodeKind::$variant(_) => <$spec as Kind>::LABEL,)*
                }
            }

            /// Price in $/hour of one instance of this size (see [`Kind::price_per_hour`]).
            pub fn price_per_hour(&self) -> f64 {
                match self {
                    $(NodeKind::$variant(k) => k.price_per_hour(),)*
                }
            }

            /// How the price follows the size (see [`Kind::PRICING`]).
            pub fn pricing(&self) -> &'static str {
                match self {
                    $(NodeKind::$variant(_) => <$spec as Kind>::PRICING,)*
                }
            }

            /// See [`Kind::billed`].
            pub fn billed(&self, state: &KindState, node: &Facts) -> Option<Billed> {
                match (self, state) {
                    $((NodeKind::$variant(k), KindState::$variant(s)) => k.billed(s, node),)*
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            /// One of every kind, with default parameters.
            pub fn catalogue() -> Vec<NodeKind> {
                vec![$(NodeKind::$variant(<$spec>::default()),)*]
            }

            pub fn members(&self) -> u32 {
                match self {
                    $(NodeKind::$variant(k) => k.members(),)*
                }
            }

            pub fn caching(&self) -> Option<Caching> {
                match self {
                    $(NodeKind::$variant(k) => k.caching(),)*
                }
            }

            pub fn reach(&self) -> Reach {
                match self {
                    $(NodeKind::$variant(k) => k.reach(),)*
                }
            }

            pub fn queue_capacity(&self) -> Option<u32> {
                match self {
                    $(NodeKind::$variant(k) => k.queue_capacity(),)*
                }
            }

            pub fn check(&self, c: &mut Checker) -> Result<(), Fail> {
                match self {
                    $(NodeKind::$variant(k) => k.check(c),)*
                }
            }

            pub fn prepare(&self) -> Prepared {
                match self {
                    $(NodeKind::$variant(k) => k.prepare(),)*
                }
            }
        }
    };
}

kinds! {
    Client(ClientSpec) in client,
    LoadBalancer(LoadBalancerSpec) in load_balancer,
    Service(ServiceSpec) in service,
    Cache(CacheSpec) in cache,
    Database(DatabaseSpec) in database,
    Queue(QueueSpec) in queue,
    RateLimiter(RateLimiterSpec) in rate_limiter,
    Gateway(GatewaySpec) in gateway,
    Serverless(ServerlessSpec) in serverless,
    Autoscaling(AutoscalingSpec) in autoscaling,
    ShardedDatabase(ShardedDatabaseSpec) in sharded_database,
    ReplicatedDatabase(ReplicatedDatabaseSpec) in replicated_database,
    PubSub(PubSubSpec) in pubsub,
    Cdn(CdnSpec) in cdn,
    Dns(DnsSpec) in dns,
    ObjectStorage(ObjectStorageSpec) in object_storage,
    Stream(StreamSpec) in stream,
    Devices(DevicesSpec) in devices,
    Inbox(InboxSpec) in inbox,
    WebsocketGateway(WebsocketGatewaySpec) in websocket_gateway,
    PushService(PushServiceSpec) in push_service,
    QuorumStore(QuorumStoreSpec) in quorum_store,
}
