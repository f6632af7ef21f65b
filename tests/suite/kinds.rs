//! The component catalogue beyond the basic kinds: each kind and policy
//! shows the mechanism that makes it different, measured, and where theory
//! gives a number, against that number.

use systemdecoder::chaos::Fault;
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::Engine;
use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::metrics::{FailReason, Window};
use systemdecoder::sim::model::*;
use systemdecoder::sim::report::Report;

use crate::helpers::*;

const S: u64 = 1_000_000_000;

fn engine(s: &Scenario, seed: u64, faults: &[&str]) -> Engine {
    let mut e = s.engine(seed);
    for f in faults {
        Fault::parse_cli(f).unwrap().schedule(&mut e).unwrap();
    }
    e
}

fn report(e: &Engine) -> Report {
    let r = Report::from_engine(e, "test", 0);
    assert_eq!(r.conservation, "ok");
    r
}

/// Sum a window statistic over sim seconds (from, to].
fn sum(e: &Engine, from: f64, to: f64, f: impl Fn(&Window) -> f64) -> f64 {
    e.windows().history.iter().filter(|w| w.t > from && w.t <= to).map(|w| f(w)).sum()
}

fn only(mut l: LinkSpec, types: &[&str]) -> LinkSpec {
    l.only = types.iter().map(|t| t.to_string()).collect();
    l
}

fn mix(types: &[(&str, f64, bool)]) -> Vec<RequestType> {
    types
        .iter()
        .map(|&(name, share, write)| RequestType { name: name.into(), share, write, ..Default::default() })
        .collect()
}

fn database(id: &str) -> NodeSpec {
    node(id, NodeKind::Database(DatabaseSpec { pool: 64, ..Default::default() }))
}

/// Erlang B: blocking probability of M/G/c/c with offered load a.
fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

#[test]
fn gateway_routes_each_request_type_to_its_service() {
    let c = client(
        "c",
        ClientSpec {
            traffic: Traffic::Poisson { rate: 1000.0 },
            mix: mix(&[("read", 0.6, false), ("upload", 0.3, true), ("search", 0.1, false)]),
            ..Default::default()
        },
    );
    let gw = node("gw", NodeKind::Gateway(GatewaySpec::default()));
    let s = scenario(
        vec![c, gw, service("reads", 64, Dist::Exp(1.0)), service("uploads", 64, Dist::Exp(1.0))],
        vec![
            link("c", "gw", 1.0),
            only(link("gw", "reads", 1.0), &["read"]),
            only(link("gw", "uploads", 1.0), &["upload"]),
        ],
    );
    let r = run(&s, 1, 0.0, 60.0);
    let total = r.created as f64;
    close("reads share", node_report(&r, "reads").arrivals as f64 / total, 0.6, 0.02);
    close("uploads share", node_report(&r, "uploads").arrivals as f64 / total, 0.3, 0.03);
    // Nobody serves search: exactly those fail, as no_route.
    close("search fails", r.failed["no_route"] as f64 / total, 0.1, 0.05);
    assert_eq!(r.failed_total, r.failed["no_route"]);
}

#[test]
fn reads_go_to_the_cache_and_writes_to_the_database() {
    // A service calls each link that carries the request's type, in order.
    let c =
        client("c", ClientSpec { traffic: Traffic::Poisson { rate: 500.0 }, write_ratio: 0.25, ..Default::default() });
    let s = scenario(
        vec![
            c,
            service("app", 64, Dist::Exp(1.0)),
            node("cache", NodeKind::Cache(CacheSpec::default())),
            database("db"),
        ],
        vec![
            link("c", "app", 1.0),
            only(link("app", "cache", 1.0), &["read"]),
            only(link("app", "db", 1.0), &["write"]),
            link("cache", "db", 1.0),
        ],
    );
    let r = run(&s, 2, 0.0, 60.0);
    let cache = node_report(&r, "cache");
    close("cache sees only reads", cache.arrivals as f64 / r.created as f64, 0.75, 0.02);
    // The database gets every write plus the cache's misses (20 % of reads).
    let expected = r.created as f64 * (0.25 + 0.75 * 0.2);
    close("database arrivals", node_report(&r, "db").arrivals as f64, expected, 0.03);
}

#[test]
fn service_time_by_request_type() {
    let c = client(
        "c",
        ClientSpec {
            traffic: Traffic::Poisson { rate: 100.0 },
            mix: mix(&[("get", 0.8, false), ("search", 0.2, false)]),
            ..Default::default()
        },
    );
    let mut app = ServiceSpec { workers: 1000, service: Dist::Const(2.0), ..Default::default() };
    app.by_type.insert("search".into(), Dist::Const(50.0));
    let s = scenario(vec![c, node("app", NodeKind::Service(app))], vec![link("c", "app", 0.0)]);
    let r = run(&s, 3, 0.0, 100.0);
    close("mean latency", r.latency_ms.mean, 0.8 * 2.0 + 0.2 * 50.0, 0.03);
}

fn serverless(concurrency: u32, service: Dist, cold_ms: f64, keep_warm_s: f64) -> NodeSpec {
    node(
        "fn",
        NodeKind::Serverless(ServerlessSpec {
            concurrency,
            service,
            cold_start: Dist::Const(cold_ms),
            keep_warm_s,
            provisioned: 0,
        }),
    )
}

#[test]
fn serverless_cold_starts_follow_the_idle_gaps() {
    // One request a second, instances kept warm 0.5 s: a request starts
    // cold when nothing ran in the last 0.5 s (plus the 1 ms of work),
    // which for Poisson arrivals happens with probability e^-0.501.
    let run_with = |cold_ms: f64| {
        let s = scenario(
            vec![poisson("c", 1.0), serverless(100, Dist::Const(1.0), cold_ms, 0.5)],
            vec![link("c", "fn", 0.0)],
        );
        run(&s, 4, 0.0, 4000.0)
    };
    let r = run_with(0.0);
    let f = node_report(&r, "fn");
    close("cold share", f.detail["cold_starts"] / f.arrivals as f64, (-0.501f64).exp(), 0.02);
    // With a 200 ms start-up, cold requests pay it (and while one starts,
    // the next arrival finds no warm instance either: more cold starts).
    let r = run_with(200.0);
    let f = node_report(&r, "fn");
    let share = f.detail["cold_starts"] / f.arrivals as f64;
    assert!(share > (-0.501f64).exp(), "cold share {share}");
    close("mean latency", r.latency_ms.mean, 1.0 + 200.0 * share, 0.01);
    // It scales to zero: nothing is alive long after the last request.
    assert!(f.detail["instances_now"] <= 1.0);
}

#[test]
fn serverless_concurrency_limit_throttles_like_erlang_b() {
    // No waiting room: M/D/10/10, whose refusals follow Erlang B exactly
    // (it depends only on the mean service time).
    let s =
        scenario(vec![poisson("c", 200.0), serverless(10, Dist::Const(100.0), 0.0, 60.0)], vec![link("c", "fn", 0.0)]);
    let r = run(&s, 5, 10.0, 400.0);
    let share = r.failed["throttled"] as f64 / (r.completed + r.failed_total) as f64;
    close("throttled share", share, erlang_b(10, 20.0), 0.03);
}

fn autoscaled(max: u32) -> Scenario {
    let group = AutoscalingSpec {
        min: 2,
        max,
        initial: 2,
        workers_per_instance: 4,
        service: Dist::Exp(10.0),
        target_utilization: 0.6,
        interval_s: 10.0,
        boot_s: 20.0,
        cooldown_s: 60.0,
        ..Default::default()
    };
    scenario(vec![poisson("c", 400.0), node("web", NodeKind::Autoscaling(group))], vec![link("c", "web", 1.0)])
}

#[test]
fn autoscaling_adds_instances_after_the_boot_delay_and_latency_recovers() {
    // 400/s on 2 instances of 4 workers at 10 ms is 50 % busy. At 60 s the
    // load triples, past what 2 instances can serve.
    let spike = ["spike c x3 at 60s"];
    let mut fixed = engine(&autoscaled(2), 9, &spike);
    let mut scaled = engine(&autoscaled(20), 9, &spike);
    fixed.run_until(240 * S);
    scaled.run_until(62 * S);
    assert_eq!(scaled.nodes()[1].group().unwrap().instances, 2, "nothing new serves before the boot delay");
    scaled.run_until(240 * S);
    let p99 = |e: &Engine, from: f64, to: f64| {
        let n = sum(e, from, to, |_| 1.0);
        sum(e, from, to, |w| w.latency_ms.p99) / n
    };
    let r = report(&scaled);
    let web = node_report(&r, "web");
    // 1200/s needs 3 instances at 100 %; at 60 % it settles at 5.
    assert!((5.0..=6.0).contains(&web.detail["instances_now"]), "instances {}", web.detail["instances_now"]);
    assert!(web.detail["scale_ups"] >= 1.0);
    let (before, after) = (p99(&scaled, 30.0, 60.0), p99(&scaled, 180.0, 240.0));
    println!("p99 before {before:.1} ms, recovered {after:.1} ms, fixed {:.1} ms", p99(&fixed, 180.0, 240.0));
    assert!(after < 2.0 * before, "p99 recovers: {after} vs {before} before the spike");
    assert!(p99(&fixed, 180.0, 240.0) > 20.0 * after, "without scaling the queue grows without bound");
    // It pays for what it ran: the time-averaged instance count.
    let expected = 0.10 * web.detail["instances_mean"];
    close("cost per hour", r.cost.per_hour, expected, 1e-9);
}

#[test]
fn autoscaling_scales_in_after_the_cooldown() {
    let mut s = autoscaled(20);
    if let NodeKind::Autoscaling(a) = &mut s.nodes[1].kind {
        a.initial = 10;
    }
    let mut e = engine(&s, 10, &[]);
    e.run_until(50 * S);
    assert_eq!(e.nodes()[1].group().unwrap().instances, 10, "no scale-in within the first 60 s cooldown");
    e.run_until(300 * S);
    // 400/s needs 1 instance at 100 % and 2 (the minimum) at 60 %.
    assert!(e.nodes()[1].group().unwrap().instances <= 3, "instances {}", e.nodes()[1].group().unwrap().instances);
}

fn sharded() -> NodeSpec {
    node("db", NodeKind::ShardedDatabase(ShardedDatabaseSpec { shards: 4, pool: 8, ..Default::default() }))
}

#[test]
fn sharding_spreads_keys_and_a_hot_key_loads_one_shard() {
    let s = scenario(vec![poisson("c", 2000.0), sharded()], vec![link("c", "db", 1.0)]);
    let mut e = engine(&s, 11, &["hotkey c 50% at 30s"]);
    e.run_until(30 * S);
    let even = report(&e).nodes[1].members_served.clone().unwrap();
    let (lo, hi) = (*even.iter().min().unwrap() as f64, *even.iter().max().unwrap() as f64);
    assert!(hi / lo < 1.05, "uniform keys spread evenly: {even:?}");
    e.reset_stats();
    e.run_until(60 * S);
    let hot = report(&e).nodes[1].members_served.clone().unwrap();
    let total: u64 = hot.iter().sum();
    // Half the requests on one shard, plus its quarter of the rest.
    close("hot shard share", *hot.iter().max().unwrap() as f64 / total as f64, 0.5 + 0.5 / 4.0, 0.02);
}

fn replicated(lag_ms: f64) -> NodeSpec {
    node(
        "db",
        NodeKind::ReplicatedDatabase(ReplicatedDatabaseSpec {
            replicas: 2,
            pool: 32,
            read: Dist::Const(1.0),
            write: Dist::Const(1.0),
            lag: Dist::Const(lag_ms),
            failover_s: 5.0,
            ..Default::default()
        }),
    )
}

fn writers(rate: f64, keys: u64) -> NodeSpec {
    client("c", ClientSpec { traffic: Traffic::Poisson { rate }, write_ratio: 0.5, keys, ..Default::default() })
}

#[test]
fn replica_reads_are_stale_as_often_as_the_lag_predicts() {
    // Writes to a key arrive at 500/s ÷ 100 keys = 5/s. A replica read is
    // stale when the key was written in the last 50 ms: 1 - e^(-5 × 0.05).
    let s = scenario(vec![writers(1000.0, 100), replicated(50.0)], vec![link("c", "db", 1.0)]);
    let r = run(&s, 12, 1.0, 200.0);
    let db = node_report(&r, "db");
    let reads = db.arrivals as f64 * 0.5;
    close("stale share", db.detail["stale_reads"] / reads, 1.0 - (-0.25f64).exp(), 0.03);
    let served = db.members_served.clone().unwrap();
    // Writes on the primary, reads shared by the two replicas.
    close("primary share", served[0] as f64 / db.arrivals as f64, 0.5, 0.02);
    close("replica balance", served[1] as f64 / served[2] as f64, 1.0, 0.02);
}

#[test]
fn replica_lag_fault_makes_more_reads_stale() {
    let s = scenario(vec![writers(1000.0, 100), replicated(5.0)], vec![link("c", "db", 1.0)]);
    let mut e = engine(&s, 13, &["lag db +95ms at 50s"]);
    e.run_until(50 * S);
    let calm = report(&e).nodes[1].detail["stale_reads"];
    e.reset_stats();
    e.run_until(100 * S);
    let lagging = report(&e).nodes[1].detail["stale_reads"];
    assert!(lagging > 10.0 * calm, "stale reads {calm} → {lagging}");
}

#[test]
fn leader_failover_fails_writes_until_a_replica_is_promoted() {
    let s = scenario(vec![writers(1000.0, 1_000_000), replicated(50.0)], vec![link("c", "db", 1.0)]);
    let mut e = engine(&s, 14, &["failover db at 20s for 60s"]);
    e.run_until(100 * S);
    let r = report(&e);
    // 500 writes/s fail for the 5 s election; reads carry on.
    close("writes refused", r.failed["node_down"] as f64, 500.0 * 5.0, 0.1);
    let down = |from, to| sum(&e, from, to, |w| w.failed[FailReason::NodeDown.index()] as f64);
    assert_eq!(down(26.0, 100.0), 0.0, "writes work again once a replica is promoted");
    // Writes acknowledged in the last 50 ms had not reached a replica.
    let lost = r.nodes[1].detail["lost_writes"];
    assert!((5.0..=60.0).contains(&lost), "lost writes {lost} (about 500/s × 50 ms)");
}

#[test]
fn pub_sub_delivers_a_copy_to_every_subscriber() {
    let topic = node("topic", NodeKind::PubSub(PubSubSpec::default()));
    let subs = ["email", "push", "audit"];
    let mut nodes = vec![poisson("c", 300.0), topic];
    let mut links = vec![link("c", "topic", 1.0)];
    for s in subs {
        nodes.push(service(s, 16, Dist::Exp(2.0)));
        links.push(link("topic", s, 1.0));
    }
    let r = run(&scenario(nodes, links), 15, 0.0, 30.0);
    let published = node_report(&r, "topic").arrivals as f64;
    for s in subs {
        close(s, node_report(&r, s).arrivals as f64, published, 0.001);
    }
    close("deliveries done", node_report(&r, "topic").jobs_done as f64, 3.0 * published, 0.001);
}

fn queue(visibility_timeout_ms: Option<f64>, max_receives: Option<u32>) -> NodeSpec {
    node(
        "q",
        NodeKind::Queue(QueueSpec {
            capacity: None,
            consumers: 8,
            visibility_timeout_ms,
            max_receives,
            ..Default::default()
        }),
    )
}

#[test]
fn failed_messages_are_redelivered_then_dead_lettered() {
    // Half the messages are lost each way: a delivery works with p = 1/4.
    // With 3 receives, 0.75³ of the messages end in the dead-letter queue.
    let mut flaky = link("q", "worker", 1.0);
    flaky.loss = 0.5;
    let s = scenario(
        vec![poisson("c", 200.0), queue(Some(20.0), Some(3)), service("worker", 64, Dist::Exp(1.0))],
        vec![link("c", "q", 1.0), flaky],
    );
    let r = run(&s, 16, 0.0, 100.0);
    let q = node_report(&r, "q");
    let jobs = (q.jobs_done as f64 + q.detail["dead_lettered"]).max(1.0);
    close("dead-lettered share", q.detail["dead_lettered"] / jobs, 0.75f64.powi(3), 0.04);
    close("redeliveries per message", q.detail["redeliveries"] / jobs, 0.75 + 0.75 * 0.75, 0.03);
}

#[test]
fn a_visibility_timeout_shorter_than_the_work_duplicates_it() {
    // Work takes 100 ms, the queue waits 50 ms: every message is delivered
    // twice (both copies are worked on) and then dead-lettered.
    let s = scenario(
        vec![poisson("c", 50.0), queue(Some(50.0), Some(2)), service("worker", 64, Dist::Const(100.0))],
        vec![link("c", "q", 0.0), link("q", "worker", 0.0)],
    );
    let r = run(&s, 17, 0.0, 60.0);
    let q = node_report(&r, "q");
    close("deliveries per message", node_report(&r, "worker").arrivals as f64 / q.arrivals as f64, 2.0, 0.01);
    close("dead-lettered", q.detail["dead_lettered"], q.arrivals as f64, 0.01);
}

fn hot_cache(coalesce: bool) -> Scenario {
    let c = client("c", ClientSpec { traffic: Traffic::Poisson { rate: 1000.0 }, keys: 1, ..Default::default() });
    let cache = CacheSpec { capacity: Some(10), ttl_ms: Some(1000.0), coalesce, ..Default::default() };
    let db = node("db", NodeKind::Database(DatabaseSpec { pool: 1000, read: Dist::Const(50.0), ..Default::default() }));
    scenario(
        vec![c, node("cache", NodeKind::Cache(cache)), db],
        vec![link("c", "cache", 0.0), link("cache", "db", 0.0)],
    )
}

#[test]
fn coalescing_stops_the_stampede_when_a_hot_key_expires() {
    // One key, read 1000 times a second, valid for 1 s, 50 ms to fetch.
    let stampede = run(&hot_cache(false), 18, 0.0, 20.0);
    let calm = run(&hot_cache(true), 18, 0.0, 20.0);
    let fetches = |r: &Report| node_report(r, "db").arrivals as f64;
    // Without coalescing every read in the 50 ms fetch window misses too.
    assert!(fetches(&stampede) > 20.0 * 40.0, "stampede fetches {}", fetches(&stampede));
    // With it, one fetch per expiry (the first miss included): about 20.
    assert!(fetches(&calm) <= 21.0, "coalesced fetches {}", fetches(&calm));
    assert!(node_report(&calm, "cache").detail["coalesced"] > 900.0);
    // Waiting for the fetch in flight still gets an answer, not an error.
    assert_eq!(calm.failed_total, 0);
}

#[test]
fn cdn_answers_from_the_edge_and_fetches_misses_from_the_origin() {
    let c = client(
        "c",
        ClientSpec { traffic: Traffic::Poisson { rate: 1000.0 }, zipf: Some(1.0), keys: 10_000, ..Default::default() },
    );
    let cdn = node("cdn", NodeKind::Cdn(CdnSpec { capacity: Some(1000), ttl_ms: None, ..Default::default() }));
    let s = scenario(
        vec![c, cdn, service("origin", 64, Dist::Exp(5.0))],
        vec![link("c", "cdn", 5.0), link("cdn", "origin", 40.0)],
    );
    let r = run(&s, 19, 30.0, 60.0);
    let hit = node_report(&r, "cdn").hit_ratio.unwrap();
    assert!(hit > 0.6, "hit ratio {hit}");
    close("origin share", node_report(&r, "origin").arrivals as f64 / r.created as f64, 1.0 - hit, 0.05);
}

#[test]
fn dns_failover_waits_for_cached_answers_to_expire() {
    let dns = DnsSpec {
        ttl_s: 30.0,
        resolvers: 200,
        lookup: Dist::Const(20.0),
        health_check: Some(HealthCheck { interval_ms: 1000.0, unhealthy_after: 2, healthy_after: 2 }),
    };
    let c = client("c", ClientSpec { traffic: Traffic::Poisson { rate: 1000.0 }, ..Default::default() });
    let s = scenario(
        vec![
            c,
            node("dns", NodeKind::Dns(dns)),
            service("east", 64, Dist::Exp(1.0)),
            service("west", 64, Dist::Exp(1.0)),
        ],
        vec![link("c", "dns", 0.0), link("dns", "east", 10.0), link("dns", "west", 10.0)],
    );
    let mut e = engine(&s, 20, &["kill east at 60s"]);
    e.run_until(120 * S);
    let down = |from, to| sum(&e, from, to, |w| w.failed[FailReason::NodeDown.index()] as f64);
    // A load balancer with these checks would stop failing 2 s after the
    // kill; users of DNS keep going to the dead address until their
    // resolver's answer expires, up to a TTL later.
    assert!(down(70.0, 85.0) > 0.0, "failures continue after the health checks noticed");
    assert_eq!(down(93.0, 120.0), 0.0, "and end within one TTL");
    let r = report(&e);
    // Each of the 200 resolvers asks about once per 30 s.
    let lookups = node_report(&r, "dns").detail["lookups"];
    assert!((200.0 * 4.0..=200.0 * 6.0).contains(&lookups), "lookups {lookups}");
}

fn overloaded(shedding: Shedding, mix_: Vec<RequestType>) -> Scenario {
    // 1.5× more work than the service can do; callers give up after 1 s.
    let c = client(
        "c",
        ClientSpec {
            traffic: Traffic::Poisson { rate: 1500.0 },
            retry: Some(RetryPolicy { timeout_ms: 1000.0, ..Default::default() }),
            mix: mix_,
            ..Default::default()
        },
    );
    let app =
        ServiceSpec { workers: 10, queue_limit: Some(5000), service: Dist::Exp(10.0), shedding, ..Default::default() };
    scenario(vec![c, node("app", NodeKind::Service(app))], vec![link("c", "app", 1.0)])
}

#[test]
fn adaptive_lifo_keeps_answers_in_time_under_overload() {
    // FIFO: the queue fills, every request waits ~5 s and its caller has
    // long given up: the service works flat out for nobody. LIFO beyond a
    // short queue serves the newest, whose callers are still waiting.
    let fifo = run(&overloaded(Shedding::default(), Vec::new()), 21, 20.0, 60.0);
    let lifo = run(&overloaded(Shedding { lifo_above: Some(50), ..Default::default() }, Vec::new()), 21, 20.0, 60.0);
    println!("goodput fifo {:.0}/s, lifo {:.0}/s", fifo.throughput_rps, lifo.throughput_rps);
    assert!(fifo.throughput_rps < 100.0, "FIFO goodput collapses: {}", fifo.throughput_rps);
    // Capacity is 1000/s; nearly all of it reaches callers in time.
    assert!(lifo.throughput_rps > 900.0, "LIFO goodput {}", lifo.throughput_rps);
}

#[test]
fn priority_types_are_served_first_and_shed_last() {
    let m = || mix(&[("checkout", 0.2, false), ("browse", 0.8, false)]);
    let priority = || vec!["checkout".to_string()];
    // 300 checkouts a second fit easily in 1000/s of capacity: they never
    // wait behind browsing, so every one completes. Browsing, still FIFO,
    // collapses as before.
    let r = run(&overloaded(Shedding { priority: priority(), ..Default::default() }, m()), 22, 20.0, 60.0);
    close("completed = the checkouts", r.completed as f64 / 60.0, 300.0, 0.05);
    assert!(r.latency_ms.p99 < 200.0, "checkouts are fast: p99 {}", r.latency_ms.p99);
    // With LIFO for the rest too, browsing gets the remaining capacity.
    let both = Shedding { priority: priority(), lifo_above: Some(50) };
    let r = run(&overloaded(both, m()), 22, 20.0, 60.0);
    close("goodput with both", r.completed as f64 / 60.0, 1000.0, 0.05);
}

#[test]
fn object_storage_time_is_first_byte_plus_transfer() {
    let c = client(
        "c",
        ClientSpec { traffic: Traffic::Poisson { rate: 50.0 }, response_bytes: 1_000_000, ..Default::default() },
    );
    let store = ObjectStorageSpec { first_byte: Dist::Const(20.0), mbps: 100.0 };
    let s = scenario(vec![c, node("s3", NodeKind::ObjectStorage(store))], vec![link("c", "s3", 0.0)]);
    let r = run(&s, 23, 0.0, 30.0);
    // 1 MB at 100 Mbit/s is 80 ms; many at once do not slow each other.
    close("latency", r.latency_ms.mean, 20.0 + 80.0, 0.001);
}

fn stream(consumer_ms: f64) -> Scenario {
    let log = node(
        "log",
        NodeKind::Stream(StreamSpec {
            partitions: 4,
            service: Dist::Const(1.0),
            retry_ms: 100.0,
            ..Default::default()
        }),
    );
    scenario(
        vec![
            client("c", ClientSpec { traffic: Traffic::Poisson { rate: 200.0 }, keys: 1000, ..Default::default() }),
            log,
            service("billing", 64, Dist::Const(consumer_ms)),
            service("search", 64, Dist::Const(1.0)),
        ],
        vec![link("c", "log", 1.0), link("log", "billing", 1.0), link("log", "search", 1.0)],
    )
}

#[test]
fn a_stream_delivers_every_message_to_every_group_in_partition_order() {
    let r = run(&stream(2.0), 24, 0.0, 30.0);
    let appended = node_report(&r, "log").arrivals as f64;
    close("billing", node_report(&r, "billing").arrivals as f64, appended, 0.001);
    close("search", node_report(&r, "search").arrivals as f64, appended, 0.001);
    // One message at a time per partition: 4 partitions × 1/(4 ms) = 1000/s
    // of capacity per group, so at 200/s the lag stays near zero.
    assert!(node_report(&r, "log").detail["lag"] < 20.0);
}

#[test]
fn a_slow_consumer_group_lags_without_slowing_the_others() {
    // Billing takes 30 ms a message: 4 partitions in order give it only
    // 4 / 34 ms ≈ 118/s against 200/s appended, however many workers it has.
    let mut e = stream(30.0).engine(25);
    e.run_until(60 * S);
    let lags = e.nodes()[1].group_lags();
    println!("lags {lags:?}");
    assert!(lags[0] > 3000, "billing lags by ~(200 − 118)/s × 60 s: {}", lags[0]);
    assert!(lags[1] < 20, "search keeps up: {}", lags[1]);
    let r = report(&e);
    assert_eq!(r.failed_total, 0, "producers are never held up");
}

fn polling(users: f64, interval_s: f64, messages_per_min: f64) -> NodeSpec {
    client("c", ClientSpec { traffic: Traffic::Polling { users, interval_s, messages_per_min }, ..Default::default() })
}

#[test]
fn polling_costs_users_over_interval_and_most_polls_are_empty() {
    // 1 000 users polling every 3 s, each receiving 2 messages a minute:
    // 333 polls a second, of which e^(−2/60 × 3) = 90.5 % find nothing.
    let s = scenario(vec![polling(1000.0, 3.0, 2.0), service("api", 64, Dist::Exp(2.0))], vec![link("c", "api", 20.0)]);
    let r = run(&s, 26, 0.0, 300.0);
    close("polls a second", r.offered_rps, 1000.0 / 3.0, 0.01);
    let c = node_report(&r, "c");
    let (empty, full) = (c.detail["polls_empty"], c.detail["polls_full"]);
    close("empty share", empty / (empty + full), (-0.1f64).exp(), 0.01);
    // A message waits for the next poll (1.5 s on average), then its trip.
    close("delivery mean", r.delivery.as_ref().unwrap().ms.mean, 1500.0 + 42.0, 0.03);
    // Nobody talking does not make polling any cheaper.
    let quiet = run(
        &scenario(vec![polling(1000.0, 3.0, 0.0), service("api", 64, Dist::Exp(2.0))], vec![link("c", "api", 20.0)]),
        26,
        0.0,
        60.0,
    );
    close("polls when nobody talks", quiet.offered_rps, 1000.0 / 3.0, 0.02);
    assert_eq!(node_report(&quiet, "c").detail["polls_full"], 0.0);
}

fn devices(online_share: f64, mean_session_s: f64) -> NodeSpec {
    node(
        "phones",
        NodeKind::Devices(DevicesSpec {
            users: 10_000,
            online_share,
            mean_session_s,
            service: Dist::Const(1.0),
            open_on_push: 0.0,
        }),
    )
}

fn chat_senders(rate: f64) -> NodeSpec {
    client("senders", ClientSpec { traffic: Traffic::Poisson { rate }, keys: 10_000, ..Default::default() })
}

#[test]
fn devices_are_offline_as_often_as_their_churn_says() {
    // Sent straight to the phones: 30 % of messages find them offline.
    let s = scenario(vec![chat_senders(500.0), devices(0.7, 60.0)], vec![link("senders", "phones", 10.0)]);
    let r = run(&s, 27, 0.0, 200.0);
    let resolved = (r.completed + r.failed_total) as f64;
    close("offline share", r.failed["offline"] as f64 / resolved, 0.3, 0.02);
    // A delivered message: 10 ms there, 1 ms on the phone.
    close("delivery", r.delivery.as_ref().unwrap().ms.mean, 11.0, 0.001);
}

fn chat_with_inbox(push: bool) -> Scenario {
    let inbox = node("inbox", NodeKind::Inbox(InboxSpec::default()));
    let mut nodes = vec![chat_senders(200.0), inbox, devices(0.7, 60.0)];
    let mut links = vec![link("senders", "inbox", 10.0), only(link("inbox", "phones", 10.0), &["read", "write"])];
    if push {
        nodes.push(service("apns", 64, Dist::Const(5.0)));
        links.push(only(link("inbox", "apns", 10.0), &["push"]));
    }
    scenario(nodes, links)
}

#[test]
fn the_inbox_holds_messages_for_offline_phones_and_loses_none() {
    let s = chat_with_inbox(true);
    let mut e = s.engine(28);
    e.run_until(300 * S);
    // Senders stop; every held message is delivered by the time its phone
    // is back (offline spells of ~26 s, so 300 s more is plenty).
    let mut quiet = s.nodes[0].clone();
    quiet.kind =
        NodeKind::Client(ClientSpec { traffic: Traffic::Poisson { rate: 0.0 }, keys: 10_000, ..Default::default() });
    e.set_node_spec(0, quiet);
    e.run_until(600 * S);
    let r = report(&e);
    let inbox = node_report(&r, "inbox");
    assert_eq!(r.failed_total, 0, "senders are acknowledged once the message is stored");
    assert_eq!(e.ledger().jobs_failed.iter().sum::<u64>(), 0, "no message is ever dropped");
    // 30 % find the phone offline; each gets one push notification.
    let first_tries = inbox.arrivals as f64;
    close("held share", inbox.detail["held"] / first_tries, 0.3, 0.04);
    close("pushes", inbox.detail["pushes"], inbox.detail["held"], 0.001);
    // A held message waits out the rest of the offline spell: memoryless,
    // so 60 s × 0.3 / 0.7 = 25.7 s on average. Overall: 30 % of that.
    close("mean delivery", r.delivery.as_ref().unwrap().ms.mean, 0.3 * 25_714.0 + 21.0, 0.08);
    // Everything sent has been delivered.
    let phones = node_report(&r, "phones");
    assert_eq!(phones.detail["delivered"], first_tries);
    assert_eq!(inbox.detail["waiting"], 0.0);
}

fn scatter(shards: usize) -> Scenario {
    let mut search = ServiceSpec { workers: 1000, service: Dist::Const(0.0), fan_out: true, ..Default::default() };
    search.blocking = false;
    let mut nodes = vec![poisson("c", 100.0), node("search", NodeKind::Service(search))];
    let mut links = vec![link("c", "search", 0.0)];
    for i in 0..shards {
        nodes.push(service(&format!("shard-{i}"), 1000, Dist::Exp(10.0)));
        links.push(link("search", &format!("shard-{i}"), 0.0));
    }
    scenario(nodes, links)
}

#[test]
fn fan_out_waits_for_the_slowest_of_its_branches() {
    // Ten uncontended shards, Exp(10 ms) each: the answer takes the
    // maximum of ten, 10 ms × H₁₀ = 29.29 ms on average, and its p99 is
    // that of the maximum: −10 ms × ln(1 − 0.99^(1/10)) = 68.9 ms.
    let r = run(&scatter(10), 29, 0.0, 300.0);
    let h10: f64 = (1..=10).map(|k| 1.0 / k as f64).sum();
    close("mean of the max", r.latency_ms.mean, 10.0 * h10, 0.02);
    close("p99 of the max", r.latency_ms.p99, -10.0 * (1.0 - 0.99f64.powf(0.1)).ln(), 0.03);
    for i in 0..10 {
        close(
            "every shard sees every query",
            node_report(&r, &format!("shard-{i}")).arrivals as f64,
            r.created as f64,
            0.001,
        );
    }
}

#[test]
fn one_dead_branch_fails_the_fan_out_and_crashes_lose_nothing() {
    let s = scatter(4);
    let mut e =
        engine(&s, 30, &["kill shard-2 at 10s for 10s", "kill search at 30s for 5s", "pause shard-1 at 40s for 3s"]);
    e.run_until(60 * S);
    e.check_conservation().unwrap();
    let down = |from, to| sum(&e, from, to, |w| w.failed[FailReason::NodeDown.index()] as f64);
    let done = |from, to| sum(&e, from, to, |w| w.throughput_rps);
    assert!(down(11.0, 19.0) > 700.0, "with one shard down every query fails");
    assert!(done(21.0, 29.0) > 700.0, "and they work again when it is back");
    assert_eq!(down(36.0, 60.0), 0.0);
}

#[test]
fn long_polling_holds_a_request_per_user_and_answers_news_at_once() {
    // 10 000 apps, 30 s timeout, 2 messages a minute each: a poll is held
    // min(30 s, Exp(30 s)), 30 × (1 − e^−1) = 18.96 s on average, and ends
    // with news with probability 1 − e^−1. Every user holds one request at
    // the server nearly all the time.
    let c = client(
        "c",
        ClientSpec {
            traffic: Traffic::LongPolling { users: 10_000, timeout_s: 30.0, messages_per_min: 2.0 },
            ..Default::default()
        },
    );
    let s = scenario(vec![c, service("api", 100_000, Dist::Const(1.0))], vec![link("c", "api", 20.0)]);
    let r = run(&s, 31, 60.0, 600.0);
    let held = 30.0 * (1.0 - (-1.0f64).exp());
    close("polls a second", r.offered_rps, 10_000.0 / (held + 0.041), 0.02);
    let c = node_report(&r, "c");
    let (empty, full) = (c.detail["polls_empty"], c.detail["polls_full"]);
    close("polls with news", full / (empty + full), 1.0 - (-1.0f64).exp(), 0.01);
    close(
        "requests held at the server",
        node_report(&r, "api").mean_busy,
        10_000.0 * (held + 0.001) / (held + 0.041),
        0.01,
    );
    // News goes out the moment it arrives: 1 ms to answer, one 20 ms trip.
    close("delivery", r.delivery.as_ref().unwrap().ms.mean, 21.0, 0.01);
}

fn websockets(connections: u32, max_connections: u32, rate: f64) -> Scenario {
    let ws = WebsocketGatewaySpec {
        connections,
        max_connections,
        workers: 256,
        service: Dist::Const(0.2),
        reconnect_s: 5.0,
    };
    scenario(
        vec![
            chat_senders(rate),
            node("ws", NodeKind::WebsocketGateway(ws)),
            devices(1.0, 60.0),
            service("sessions", 64, Dist::Exp(2.0)),
        ],
        vec![
            link("senders", "ws", 10.0),
            only(link("ws", "phones", 10.0), &["read", "write"]),
            only(link("ws", "sessions", 1.0), &["connect"]),
        ],
    )
}

#[test]
fn websockets_carry_only_the_messages_and_cap_connections() {
    // 50 000 phones connected: traffic is the 100 messages a second, not a
    // poll per phone; every one is pushed straight down (10 + 0.2 + 10 + 1).
    let r = run(&websockets(50_000, 100_000, 100.0), 32, 0.0, 60.0);
    close("gateway traffic = messages", node_report(&r, "ws").arrivals as f64 / 60.0, 100.0, 0.03);
    close("delivery", r.delivery.as_ref().unwrap().ms.mean, 21.2, 0.001);
    assert_eq!(node_report(&r, "sessions").arrivals, 0, "no reconnects without a crash");
    // 150 000 phones on a gateway for 100 000: a third cannot connect.
    let r = run(&websockets(150_000, 100_000, 100.0), 32, 0.0, 60.0);
    let refused = node_report(&r, "ws").detail["refused_over_limit"];
    close("refused share", refused / node_report(&r, "ws").arrivals as f64, 1.0 / 3.0, 0.05);
}

#[test]
fn a_websocket_gateway_crash_brings_a_reconnect_storm() {
    // The 50 000 phones that were connected all reconnect within 5 s of the
    // restart: 10 000 session requests a second, out of nowhere.
    let mut e = engine(&websockets(50_000, 100_000, 100.0), 33, &["kill ws at 10s for 5s"]);
    e.run_until(40 * S);
    let r = report(&e);
    assert_eq!(node_report(&r, "ws").detail["reconnects"], 50_000.0);
    assert_eq!(node_report(&r, "sessions").arrivals, 50_000);
    let arrivals = |from, to| sum(&e, from, to, |w| w.nodes[3].arrivals as f64);
    assert_eq!(arrivals(0.0, 15.0), 0.0);
    close("all within the window", arrivals(15.0, 20.0), 50_000.0, 0.001);
}

#[test]
fn diurnal_traffic_follows_its_sine() {
    // Mean 100/s swinging ±50 % over a 100 s "day", peaking at 25 s.
    let c = client(
        "c",
        ClientSpec {
            traffic: Traffic::Diurnal { mean_rate: 100.0, amplitude: 0.5, period_s: 100.0, peak_at_s: 25.0 },
            ..Default::default()
        },
    );
    let s = scenario(vec![c, service("s", 64, Dist::Exp(1.0))], vec![link("c", "s", 1.0)]);
    let mut e = s.engine(34);
    // Six days: the 600 one-second windows the history keeps.
    e.run_until(600 * S);
    // Expected arrivals in the one-second window ending at t.
    let expected = |t: f64| {
        let k = std::f64::consts::TAU / 100.0;
        100.0 + 50.0 / k * ((k * (t - 25.0)).sin() - (k * (t - 26.0)).sin())
    };
    let in_part = |from: f64, to: f64| {
        e.windows()
            .history
            .iter()
            .filter(|w| (w.t % 100.0) > from && (w.t % 100.0) <= to)
            .map(|w| w.offered_rps)
            .sum::<f64>()
    };
    let theory = |from: f64, to: f64| {
        (0..6)
            .flat_map(|p| ((from as i64 + 1)..=(to as i64)).map(move |t| (p * 100 + t) as f64))
            .map(expected)
            .sum::<f64>()
    };
    close("busy quarter", in_part(12.0, 37.0), theory(12.0, 37.0), 0.03);
    close("quiet quarter", in_part(62.0, 87.0), theory(62.0, 87.0), 0.04);
    close("whole days", e.global().created as f64, 100.0 * 600.0, 0.01);
}

#[test]
fn a_weighted_balancer_splits_by_weight() {
    let mut heavy = link("lb", "b", 1.0);
    heavy.weight = 3.0;
    let s = scenario(
        vec![
            poisson("c", 1000.0),
            lb("lb", LbPolicy::Weighted),
            service("a", 64, Dist::Exp(1.0)),
            service("b", 64, Dist::Exp(1.0)),
        ],
        vec![link("c", "lb", 1.0), link("lb", "a", 1.0), heavy],
    );
    let r = run(&s, 35, 0.0, 60.0);
    close("canary share", node_report(&r, "a").arrivals as f64 / r.created as f64, 0.25, 0.02);
}

fn chat_with_push(open_on_push: f64) -> Scenario {
    let phones =
        DevicesSpec { users: 10_000, online_share: 0.7, mean_session_s: 60.0, service: Dist::Const(1.0), open_on_push };
    scenario(
        vec![
            chat_senders(200.0),
            node("inbox", NodeKind::Inbox(InboxSpec::default())),
            node("apns", NodeKind::PushService(PushServiceSpec { accept: Dist::Const(20.0), delivery_ratio: 1.0 })),
            node("phones", NodeKind::Devices(phones)),
        ],
        vec![
            link("senders", "inbox", 10.0),
            only(link("inbox", "phones", 10.0), &["read", "write"]),
            only(link("inbox", "apns", 10.0), &["push"]),
            link("apns", "phones", 200.0),
        ],
    )
}

#[test]
fn push_notifications_wake_offline_users_and_speed_up_delivery() {
    let run_for = |open| {
        let s = chat_with_push(open);
        let mut e = s.engine(36);
        e.run_until(300 * S);
        let mut quiet = s.nodes[0].clone();
        quiet.kind = NodeKind::Client(ClientSpec {
            traffic: Traffic::Poisson { rate: 0.0 },
            keys: 10_000,
            ..Default::default()
        });
        e.set_node_spec(0, quiet);
        e.run_until(600 * S);
        report(&e)
    };
    let ignored = run_for(0.0);
    let opened = run_for(0.5);
    let mean = |r: &Report| r.delivery.as_ref().unwrap().ms.mean;
    let phones = node_report(&opened, "phones");
    let pushes = node_report(&opened, "apns").detail["forwarded"];
    // Half of the notifications bring their user online (a push reaches
    // the phone ~250 ms after the failed delivery).
    close("woken share", phones.detail["woken_by_push"] / pushes, 0.5, 0.05);
    // Held messages wait ~26 s unless woken (~0.3 s), and a woken user
    // stays online for a session, so later messages find them online too:
    // the mean falls by more than half.
    println!("mean delivery ignored {:.0} ms, opened {:.0} ms", mean(&ignored), mean(&opened));
    assert!(mean(&opened) < 0.5 * mean(&ignored));
    assert!(mean(&opened) > 0.2 * mean(&ignored), "users who ignore the push still wait");
    assert_eq!(opened.failed_total, 0);
    assert_eq!(phones.detail["delivered"], node_report(&opened, "inbox").arrivals as f64, "nothing lost");
}

#[test]
fn every_kind_survives_edits_and_deletion_while_busy() {
    // Client → kind → service (and phones), running; then its parameters
    // are replaced by the defaults, then it is deleted, all mid-run. The
    // books must balance throughout and nothing may stay stranded.
    for kind in NodeKind::catalogue() {
        if matches!(kind, NodeKind::Client(_)) {
            continue;
        }
        let label = kind.label();
        let mut mid = node("mid", kind.clone());
        if let NodeKind::Autoscaling(a) = &mut mid.kind {
            a.interval_s = 1.0;
            a.boot_s = 1.0;
        }
        let c = client(
            "c",
            ClientSpec {
                traffic: Traffic::Poisson { rate: 500.0 },
                keys: 1000,
                retry: Some(RetryPolicy { timeout_ms: 500.0, max_retries: 1, ..Default::default() }),
                ..Default::default()
            },
        );
        let phones = node("phones", NodeKind::Devices(DevicesSpec { users: 1000, ..Default::default() }));
        let s = scenario(
            vec![c, mid, service("s", 64, Dist::Exp(2.0)), phones],
            vec![link("c", "mid", 1.0), link("mid", "s", 1.0), link("mid", "phones", 1.0)],
        );
        let mut e = engine(&s, 37, &["kill mid at 2s for 1s", "restart s at 4s"]);
        e.run_until(5 * S);
        e.check_conservation().unwrap_or_else(|err| panic!("{label}: {err}"));
        let mut edited = s.nodes[1].clone();
        edited.kind = kind.clone();
        e.set_node_spec(1, edited);
        e.run_until(8 * S);
        e.check_conservation().unwrap_or_else(|err| panic!("{label} after an edit: {err}"));
        e.remove_node(1);
        e.run_until(40 * S);
        e.check_conservation().unwrap_or_else(|err| panic!("{label} after deletion: {err}"));
        // Everything from before the deletion has ended one way or another.
        assert_eq!(e.live_requests(), 0, "{label}: requests stranded");
        assert_eq!(e.ledger().jobs_live, 0, "{label}: async jobs stranded");
    }
}

#[test]
fn one_scaled_copy_reports_what_ten_real_copies_do() {
    // Ten identical, independent cells (client → gateway → service) against
    // one cell marked as one of ten copies: the same totals.
    let cell = |i: usize| {
        (
            vec![poisson(&format!("c{i}"), 2000.0), service(&format!("s{i}"), 16, Dist::Exp(4.0))],
            vec![link(&format!("c{i}"), &format!("s{i}"), 5.0)],
        )
    };
    let mut all = scenario(Vec::new(), Vec::new());
    for i in 0..10 {
        let (n, l) = cell(i);
        all.nodes.extend(n);
        all.links.extend(l);
    }
    let (n, l) = cell(0);
    let mut one = scenario(n, l);
    one.scale = Some(Scale { copies: 10.0, of: "cells".into() });
    let real = run(&all, 38, 5.0, 60.0);
    let scaled = run(&one, 39, 5.0, 60.0);
    let w = scaled.whole_system.as_ref().unwrap();
    close("offered", w.offered_rps, real.offered_rps, 0.01);
    close("completed", w.throughput_rps, real.throughput_rps, 0.01);
    close("per minute", w.offered_per_min, real.offered_rps * 60.0, 0.01);
    close("cost", w.cost_per_hour, real.cost.per_hour, 1e-9);
    // Latency is the copy's own, the same as in any of the ten.
    close("p50", scaled.latency_ms.p50, real.latency_ms.p50, 0.03);
    close("p99", scaled.latency_ms.p99, real.latency_ms.p99, 0.05);
    assert!(real.whole_system.is_none());
}

/// What a full queue bar means: every pool's waiting places together, a
/// queue's job buffer, nothing for unbounded queues.
#[test]
fn queue_capacity_counts_every_pool() {
    let sharded =
        NodeKind::ShardedDatabase(ShardedDatabaseSpec { shards: 4, queue_limit: Some(10), ..Default::default() });
    assert_eq!(sharded.queue_capacity(), Some(40));
    let replicated = NodeKind::ReplicatedDatabase(ReplicatedDatabaseSpec {
        replicas: 2,
        queue_limit: Some(5),
        ..Default::default()
    });
    assert_eq!(replicated.queue_capacity(), Some(15));
    let queue = NodeKind::Queue(QueueSpec { capacity: Some(500), ..Default::default() });
    assert_eq!(queue.queue_capacity(), Some(500));
    let service = NodeKind::Service(ServiceSpec { queue_limit: None, ..Default::default() });
    assert_eq!(service.queue_capacity(), None);
    let bounded = NodeKind::Service(ServiceSpec { queue_limit: Some(7), ..Default::default() });
    assert_eq!(bounded.queue_capacity(), Some(7));
}

/// The registry lists every kind once, each with a distinct name, and every
/// kind's defaults pass its own checks.
#[test]
fn every_registered_kind_has_a_name_and_valid_defaults() {
    let all = NodeKind::catalogue();
    assert_eq!(all.len(), 22);
    let mut labels: Vec<&str> = all.iter().map(|k| k.label()).collect();
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), all.len(), "two kinds share a name");
    for k in &all {
        let mut c = systemdecoder::sim::check::Checker::default();
        assert_eq!(k.check(&mut c), Ok(()), "{}: defaults fail their own checks", k.label());
        assert!(k.price_per_hour() >= 0.0);
    }
}

/// The README's price list is each kind's own: its default size's price and
/// how the price follows the size.
#[test]
fn readme_lists_every_kinds_price() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("| kind | default size costs |").expect("README has the price list");
    let end = start + readme[start..].find("<!-- end of prices -->").expect("price list ends");
    let listed: Vec<&str> = readme[start..end].lines().skip(2).filter(|l| !l.is_empty()).collect();
    let want: Vec<String> = NodeKind::catalogue()
        .iter()
        .map(|k| {
            let p = k.price_per_hour();
            let price = if p == 0.0 {
                "free".to_string()
            } else {
                let s = format!("{p:.3}");
                let s = s.strip_suffix('0').unwrap_or(&s);
                format!("${s} an hour")
            };
            format!("| {} | {price} | {} |", k.label(), k.pricing())
        })
        .collect();
    assert_eq!(listed, want, "the README's price list should read:\n{}", want.join("\n"));
}
