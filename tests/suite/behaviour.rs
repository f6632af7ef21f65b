//! Each node kind, routing policy, flow and resilience policy behaves as a
//! practitioner expects, measured on the engine's own numbers.

use systemdecoder::headless;
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::model::*;
use systemdecoder::sim::report::Report;
use systemdecoder::sim::{NodeParams, Sim, SimNode};

use crate::helpers::*;

fn retry(timeout_ms: f64, max_retries: u32) -> Option<RetryPolicy> {
    Some(RetryPolicy { timeout_ms, max_retries, backoff_ms: 1.0, max_backoff_ms: 10.0, jitter: 1.0, budget: None })
}

fn lossy(from: &str, to: &str, loss: f64) -> LinkSpec {
    let mut l = link(from, to, 1.0);
    l.loss = loss;
    l
}

#[test]
fn link_loss_rate_and_instant_failure_without_a_timeout() {
    let s = scenario(vec![poisson("c", 2000.0), service("s", 64, Dist::Exp(1.0))], vec![lossy("c", "s", 0.1)]);
    let r = run(&s, 1, 0.0, 100.0);
    let l = &r.links[0];
    close("link loss rate", l.loss_rate, 0.1, 0.02);
    // Lost going out or coming back: 1 - 0.9² of requests fail.
    let resolved = (r.completed + r.failed_total) as f64;
    close("failed share", r.failed["packet_loss"] as f64 / resolved, 0.19, 0.02);
    assert_eq!(r.failed["timeout"], 0);
}

#[test]
fn retries_turn_loss_into_extra_load_and_rare_timeouts() {
    // Each attempt survives both directions with p = 0.81; with 3 retries a
    // request fails with 0.19^4 = 0.13 %, and the service sees
    // 0.9 × (1 + 0.19 + 0.19² + 0.19³) = 1.111 arrivals per request.
    let c = client(
        "c",
        ClientSpec { traffic: Traffic::Poisson { rate: 2000.0 }, retry: retry(50.0, 3), ..Default::default() },
    );
    let s = scenario(vec![c, service("s", 64, Dist::Exp(1.0))], vec![lossy("c", "s", 0.1)]);
    let r = run(&s, 2, 0.0, 200.0);
    assert_eq!(r.failed["packet_loss"], 0, "a timeout watches every attempt");
    let fail = r.failed["timeout"] as f64 / (r.completed + r.failed_total) as f64;
    close("failure share after 3 retries", fail, 0.19f64.powi(4), 0.15);
    let per_request = node_report(&r, "s").arrivals as f64 / r.created as f64;
    close("service arrivals per request", per_request, 0.9 * (1.0 + 0.19 + 0.19 * 0.19 + 0.19f64.powi(3)), 0.01);
    // Latency counts from the first attempt, so retried requests are slow.
    assert!(r.latency_ms.p999 > 50.0, "p99.9 {} includes a timeout", r.latency_ms.p999);
}

#[test]
fn client_timeouts_abandon_slow_answers() {
    let c = client(
        "c",
        ClientSpec { traffic: Traffic::Poisson { rate: 50.0 }, retry: retry(5.0, 0), ..Default::default() },
    );
    let s = scenario(vec![c, service("s", 100, Dist::Const(10.0))], vec![link("c", "s", 0.0)]);
    let r = run(&s, 3, 0.0, 50.0);
    assert_eq!(r.completed, 0);
    assert!(r.failed["timeout"] > 2000);
    // The abandoned work was still done by the service.
    assert!(node_report(&r, "s").completions >= r.failed["timeout"] - 1);
}

#[test]
fn per_hop_retries_multiply_work_on_a_slow_callee() {
    // The caller gives up after 10 ms and retries twice: a 50 ms service
    // receives three copies of every request and none succeeds.
    let mut l = link("api", "slow", 0.0);
    l.retry = retry(10.0, 2);
    let s = scenario(
        vec![poisson("c", 20.0), service("api", 100, Dist::Const(0.0)), service("slow", 1000, Dist::Const(50.0))],
        vec![link("c", "api", 0.0), l],
    );
    let r = run(&s, 4, 0.0, 100.0);
    assert_eq!(r.completed, 0);
    let created = r.created as f64;
    close("copies per request", node_report(&r, "slow").arrivals as f64 / created, 3.0, 0.01);
    close("all requests time out", r.failed["timeout"] as f64, created - r.in_flight as f64, 0.0001);
}

#[test]
fn per_hop_retries_recover_lost_messages() {
    // Hop success 0.8² = 0.64 per attempt; 4 attempts fail with 0.36^4.
    let mut l = lossy("api", "db", 0.2);
    l.retry = retry(20.0, 3);
    let s = scenario(
        vec![poisson("c", 1000.0), service("api", 1000, Dist::Const(0.0)), service("db", 1000, Dist::Exp(1.0))],
        vec![link("c", "api", 0.0), l],
    );
    let r = run(&s, 5, 0.0, 200.0);
    let fail = r.failed_total as f64 / (r.completed + r.failed_total) as f64;
    close("failure share", fail, 0.36f64.powi(4), 0.1);
    assert_eq!(r.failed_total, r.failed["timeout"]);
}

fn balanced(policy: LbPolicy, rate: f64, slow_second: bool) -> Report {
    let mut nodes = vec![poisson("c", rate), lb("lb", policy)];
    let mut links = vec![link("c", "lb", 0.0)];
    for i in 0..4 {
        let mean = if slow_second && i == 1 { 4.0 } else { 1.0 };
        nodes.push(service(&format!("s{i}"), 1, Dist::Exp(mean)));
        links.push(link("lb", &format!("s{i}"), 0.0));
    }
    run(&scenario(nodes, links), 8, 5.0, 200.0)
}

#[test]
fn round_robin_splits_evenly() {
    let r = balanced(LbPolicy::RoundRobin, 2000.0, false);
    let counts: Vec<u64> = (0..4).map(|i| node_report(&r, &format!("s{i}")).arrivals).collect();
    let max = *counts.iter().max().unwrap();
    let min = *counts.iter().min().unwrap();
    assert!(max - min <= 1, "round robin counts {counts:?}");
}

#[test]
fn least_connections_avoids_a_slow_backend_and_beats_random() {
    let lc = balanced(LbPolicy::LeastConnections, 2400.0, true);
    let rnd = balanced(LbPolicy::Random, 2400.0, true);
    let share = |r: &Report| node_report(r, "s1").arrivals as f64 / r.created as f64;
    assert!(share(&lc) < 0.15, "least connections sent {:.3} to the slow backend", share(&lc));
    close("random share", share(&rnd), 0.25, 0.02);
    assert!(
        lc.latency_ms.p99 < rnd.latency_ms.p99 / 2.0,
        "lc p99 {} vs random {}",
        lc.latency_ms.p99,
        rnd.latency_ms.p99
    );
}

#[test]
fn power_of_two_choices_cuts_the_tail_versus_random() {
    let p2c = balanced(LbPolicy::PowerOfTwoChoices, 3200.0, false);
    let rnd = balanced(LbPolicy::Random, 3200.0, false);
    // Both random at heart, but p2c looks at queue lengths: at ρ = 0.8 its
    // mean latency is far below the M/M/1 value random splitting gives (5 ms).
    close("random ≈ M/M/1", rnd.latency_ms.mean, 5.0, 0.05);
    assert!(
        p2c.latency_ms.mean < 0.6 * rnd.latency_ms.mean,
        "p2c {} vs random {}",
        p2c.latency_ms.mean,
        rnd.latency_ms.mean
    );
    assert!(p2c.latency_ms.p99 < 0.6 * rnd.latency_ms.p99);
}

#[test]
fn consistent_hashing_is_sticky_and_spreads_many_keys() {
    let mut nodes = vec![
        client("one-key", ClientSpec { traffic: Traffic::Poisson { rate: 200.0 }, keys: 1, ..Default::default() }),
        client(
            "many",
            ClientSpec { traffic: Traffic::Poisson { rate: 4000.0 }, keys: 1_000_000, ..Default::default() },
        ),
        lb("sticky", LbPolicy::ConsistentHash),
        lb("spread", LbPolicy::ConsistentHash),
    ];
    let mut links = vec![link("one-key", "sticky", 0.0), link("many", "spread", 0.0)];
    for i in 0..4 {
        nodes.push(service(&format!("a{i}"), 100, Dist::Exp(1.0)));
        nodes.push(service(&format!("b{i}"), 100, Dist::Exp(1.0)));
        links.push(link("sticky", &format!("a{i}"), 0.0));
        links.push(link("spread", &format!("b{i}"), 0.0));
    }
    let r = run(&scenario(nodes, links), 6, 0.0, 50.0);
    let a: Vec<u64> = (0..4).map(|i| node_report(&r, &format!("a{i}")).arrivals).collect();
    assert_eq!(a.iter().filter(|&&n| n > 0).count(), 1, "one key must always land on one backend: {a:?}");
    let b: Vec<u64> = (0..4).map(|i| node_report(&r, &format!("b{i}")).arrivals).collect();
    let total: u64 = b.iter().sum();
    for n in &b {
        let share = *n as f64 / total as f64;
        assert!((0.12..0.38).contains(&share), "hash ring shares {b:?}");
    }
}

fn app_and_db(blocking: bool, rate: f64, queue_limit: Option<u32>) -> Report {
    let app = node(
        "app",
        NodeKind::Service(ServiceSpec {
            workers: 4,
            queue_limit,
            service: Dist::Exp(1.0),
            blocking,
            ..Default::default()
        }),
    );
    let db = node(
        "db",
        NodeKind::Database(DatabaseSpec {
            pool: 1000,
            queue_limit: None,
            read: Dist::Const(20.0),
            write: Dist::Const(20.0),
            contention: None,
            idempotent: false,
        }),
    );
    let s = scenario(vec![poisson("c", rate), app, db], vec![link("c", "app", 0.0), link("app", "db", 0.0)]);
    run(&s, 7, 5.0, 100.0)
}

#[test]
fn blocking_calls_hold_workers_until_the_database_answers() {
    // 100/s × (1 ms own work + 20 ms waiting on the database) over 4 workers.
    let blocking = app_and_db(true, 100.0, None);
    let free = app_and_db(false, 100.0, None);
    close("blocking utilisation", node_report(&blocking, "app").utilization.unwrap(), 100.0 * 0.021 / 4.0, 0.03);
    close("non-blocking utilisation", node_report(&free, "app").utilization.unwrap(), 100.0 * 0.001 / 4.0, 0.05);
    // At 300/s the blocking pool (capacity 4/21 ms = 190/s) runs dry and
    // its bounded queue rejects; the non-blocking one barely notices.
    let blocking = app_and_db(true, 300.0, Some(50));
    let free = app_and_db(false, 300.0, Some(50));
    assert!(blocking.failed["queue_full"] as f64 > 0.3 * blocking.created as f64);
    assert_eq!(free.failed_total, 0);
}

#[test]
fn cache_hits_stop_at_the_cache_and_misses_reach_the_database() {
    let cache = node(
        "cache",
        NodeKind::Cache(CacheSpec { hit_ratio: 0.7, workers: 100, service: Dist::Const(0.1), ..Default::default() }),
    );
    let db = node("db", NodeKind::Database(DatabaseSpec { pool: 100, ..Default::default() }));
    let s = scenario(vec![poisson("c", 1000.0), cache, db], vec![link("c", "cache", 0.0), link("cache", "db", 0.0)]);
    let r = run(&s, 8, 0.0, 100.0);
    let ratio = node_report(&r, "db").arrivals as f64 / node_report(&r, "cache").arrivals as f64;
    close("miss ratio", ratio, 0.3, 0.02);
}

#[test]
fn database_times_reads_and_writes_separately() {
    let c =
        client("c", ClientSpec { traffic: Traffic::Poisson { rate: 50.0 }, write_ratio: 0.25, ..Default::default() });
    let db = node(
        "db",
        NodeKind::Database(DatabaseSpec {
            pool: 1000,
            queue_limit: None,
            read: Dist::Exp(1.0),
            write: Dist::Exp(5.0),
            contention: None,
            idempotent: false,
        }),
    );
    let r = run(&scenario(vec![c, db], vec![link("c", "db", 0.0)]), 9, 0.0, 400.0);
    close("mean query time", node_report(&r, "db").sojourn_ms.mean, 0.75 * 1.0 + 0.25 * 5.0, 0.03);
}

#[test]
fn database_pool_limits_concurrency() {
    let db = node(
        "db",
        NodeKind::Database(DatabaseSpec {
            pool: 2,
            queue_limit: Some(0),
            read: Dist::Exp(1.0),
            write: Dist::Exp(1.0),
            contention: None,
            idempotent: false,
        }),
    );
    let r = run(&scenario(vec![poisson("c", 1000.0), db], vec![link("c", "db", 0.0)]), 10, 0.0, 300.0);
    // M/M/2/2 (Erlang B): P_block = (a²/2)/(1 + a + a²/2) with a = 1.
    close("Erlang B blocking", r.failed["queue_full"] as f64 / r.created as f64, 0.5 / 2.5, 0.03);
}

#[test]
fn queue_acks_producers_at_once_and_consumers_drain_it() {
    let q = node(
        "q",
        NodeKind::Queue(QueueSpec { capacity: None, consumers: 2, service: Dist::Const(0.2), ..Default::default() }),
    );
    let worker = service("worker", 1, Dist::Exp(5.0));
    let s = scenario(vec![poisson("c", 100.0), q, worker], vec![link("c", "q", 1.0), link("q", "worker", 1.0)]);
    let r = run(&s, 11, 0.0, 300.0);
    // The producer waits for the enqueue only: 1 + 0.2 + 1 ms.
    close("producer latency (ms)", r.latency_ms.mean, 2.2, 0.001);
    let q = node_report(&r, "q");
    assert!(q.jobs_done as f64 > 0.99 * r.created as f64);
    close("worker utilisation", node_report(&r, "worker").utilization.unwrap(), 0.5, 0.03);
    let jl = q.job_latency_ms.expect("queue reports job latency");
    assert!(jl.mean > 7.0, "enqueue→processed includes the worker's time: {}", jl.mean);
}

#[test]
fn full_queue_rejects_producers() {
    let q = node(
        "q",
        NodeKind::Queue(QueueSpec {
            capacity: Some(10),
            consumers: 1,
            service: Dist::Const(0.0),
            ..Default::default()
        }),
    );
    let s = scenario(
        vec![poisson("c", 400.0), q, service("worker", 1, Dist::Const(5.0))],
        vec![link("c", "q", 0.0), link("q", "worker", 0.0)],
    );
    let r = run(&s, 12, 5.0, 100.0);
    // The consumer manages 200/s of the 400/s offered: about half bounce.
    close("rejected share", r.failed["queue_full"] as f64 / r.created as f64, 0.5, 0.05);
}

#[test]
fn closed_loop_users_obey_the_response_time_law() {
    let c = client("c", ClientSpec { traffic: Traffic::Closed { users: 50, think_ms: 100.0 }, ..Default::default() });
    let s = scenario(vec![c, service("s", 1, Dist::Exp(1.5))], vec![link("c", "s", 2.0)]);
    let r = run(&s, 13, 10.0, 300.0);
    // Interactive response time law: X = N / (R + Z).
    close("throughput", r.throughput_rps, 50.0 / ((r.latency_ms.mean + 100.0) / 1000.0), 0.01);
    assert!(r.in_flight <= 50);
}

#[test]
fn constant_and_burst_traffic_rates() {
    let c = client("c", ClientSpec { traffic: Traffic::Constant { rate: 1000.0 }, ..Default::default() });
    let r = run(&scenario(vec![c, service("s", 10, Dist::Const(0.1))], vec![link("c", "s", 0.0)]), 1, 0.0, 10.0);
    assert!((r.created as i64 - 10_000).abs() <= 1, "created {}", r.created);

    let burst = Traffic::Burst { rate: 100.0, burst_rate: 1000.0, period_s: 5.0, burst_s: 1.0 };
    let c = client("c", ClientSpec { traffic: burst, ..Default::default() });
    let r = run(&scenario(vec![c, service("s", 100, Dist::Const(0.1))], vec![link("c", "s", 0.0)]), 1, 0.0, 500.0);
    close("burst mean rate", r.offered_rps, (1000.0 + 4.0 * 100.0) / 5.0, 0.02);
}

#[test]
fn no_route_fails_fast() {
    let s = scenario(vec![poisson("c", 100.0), lb("lb", LbPolicy::RoundRobin)], vec![link("c", "lb", 1.0)]);
    let r = run(&s, 1, 0.0, 10.0);
    assert_eq!(r.completed, 0);
    assert!(r.failed["no_route"] > 900);
}

#[test]
fn live_edits_apply_on_the_next_tick() {
    let s = scenario(vec![poisson("c", 100.0), service("s", 100, Dist::Exp(1.0))], vec![link("c", "s", 1.0)]);
    let mut app = headless::app(&s, 1);
    headless::run(&mut app, 0.0, 10.0, |_| {});
    let before = app.world().resource::<Sim>().global().created;
    // Raise the client's rate tenfold through its entity, as the editor would.
    let world = app.world_mut();
    let mut q = world.query::<(&SimNode, &mut NodeParams)>();
    for (n, mut p) in q.iter_mut(world) {
        if n.0 == 0 {
            p.0.kind =
                NodeKind::Client(ClientSpec { traffic: Traffic::Poisson { rate: 1000.0 }, ..Default::default() });
        }
    }
    headless::run(&mut app, 0.0, 10.0, |_| {});
    let after = app.world().resource::<Sim>().global().created - before;
    close("rate after the edit", after as f64 / 10.0, 1000.0, 0.05);
    assert!(app.world().resource::<Sim>().check_conservation().is_ok());
    let _ = Scenario::parse;
}

#[test]
fn deleting_busy_nodes_and_links_fails_their_work_without_losing_any() {
    // A busy system with blocking calls, a queue and retries; delete pieces
    // of it while messages are everywhere, then add new ones.
    let (s, _) = Scenario::parse("three-tier.ron", include_str!("../../scenarios/examples/three-tier.ron")).unwrap();
    let mut e = s.engine(3);
    let id =
        |e: &systemdecoder::sim::Engine, name: &str| e.nodes().iter().position(|n| n.spec.id == name).unwrap() as u32;
    e.run_until(2_000_000_000);
    assert!(e.live_messages() > 10);
    let app2 = id(&e, "app-2");
    let retries_before = e.global().retries;
    e.remove_node(app2);
    e.check_conservation().unwrap();
    let cache_db = e.links().iter().position(|l| l.spec.from == "cache" && l.spec.to == "db").unwrap() as u32;
    e.remove_link(cache_db);
    e.run_until(4_000_000_000);
    e.check_conservation().unwrap();
    // The client retries what failed there (reason `removed`) elsewhere.
    assert!(e.global().retries > retries_before, "work at the deleted node must fail and be retried");
    // Misses now have nowhere to go but the cache answers hits; add a new
    // database and wire it in.
    let db2 = e.add_node(node("db-2", NodeKind::Database(DatabaseSpec::default())));
    let cache = id(&e, "cache");
    e.add_link(link("cache", "db-2", 1.0), cache, db2);
    let before = e.nodes()[db2 as usize].stats.arrivals;
    e.run_until(8_000_000_000);
    e.check_conservation().unwrap();
    assert!(e.nodes()[db2 as usize].stats.arrivals > before + 100, "the new database receives misses");
    // Deleting the client ends its traffic; everything in flight resolves.
    let users = id(&e, "users");
    e.remove_node(users);
    e.run_until(20_000_000_000);
    e.check_conservation().unwrap();
    assert_eq!(e.live_requests(), 0);
}

#[test]
fn edits_apply_in_the_fixed_step_and_undo_redo_restores_them() {
    use systemdecoder::edit::{Edit, EditBatch, EditFeedback, EditHistory, HistoryRequest};
    use systemdecoder::sim::{LinkParams, SimLink};
    let s = scenario(
        vec![poisson("c", 500.0), lb("lb", LbPolicy::RoundRobin), service("a", 4, Dist::Exp(1.0))],
        vec![link("c", "lb", 1.0), link("lb", "a", 1.0)],
    );
    let mut app = headless::app(&s, 1);
    let step = |app: &mut bevy::app::App, secs: f64| headless::run(app, 0.0, secs, |_| {});
    let count = |app: &mut bevy::app::App| {
        let w = app.world_mut();
        let nodes = w.query::<&SimNode>().iter(w).count();
        let links = w.query::<&SimLink>().iter(w).count();
        (nodes, links)
    };
    step(&mut app, 2.0);
    // Add a second backend and wire it in: one undo step.
    app.world_mut().write_message(EditBatch::user(vec![
        Edit::AddNode(service("b", 4, Dist::Exp(1.0))),
        Edit::AddLink(link("lb", "b", 1.0)),
    ]));
    step(&mut app, 2.0);
    assert_eq!(count(&mut app), (4, 3));
    let b = app.world().resource::<Sim>().nodes().iter().position(|n| n.spec.id == "b").unwrap();
    assert!(app.world().resource::<Sim>().nodes()[b].stats.arrivals > 300, "the new backend takes traffic");
    // A link into a client is refused with a reason, and changes nothing.
    app.world_mut().write_message(EditBatch::user(vec![Edit::AddLink(link("a", "c", 1.0))]));
    step(&mut app, 0.5);
    assert_eq!(count(&mut app), (4, 3));
    assert!(app.world().resource::<EditFeedback>().error.as_deref().unwrap_or("").contains("client"));
    // Delete the first backend with traffic in flight; undo brings it and
    // its link back; redo deletes it again.
    app.world_mut().write_message(EditBatch::user(vec![Edit::RemoveNode("a".into())]));
    step(&mut app, 1.0);
    assert_eq!(count(&mut app), (3, 2));
    app.world_mut().write_message(HistoryRequest::Undo);
    step(&mut app, 1.0);
    assert_eq!(count(&mut app), (4, 3));
    let w = app.world_mut();
    let back: Vec<String> = w.query::<&LinkParams>().iter(w).map(|l| format!("{}->{}", l.0.from, l.0.to)).collect();
    assert!(back.contains(&"lb->a".to_string()), "{back:?}");
    app.world_mut().write_message(HistoryRequest::Redo);
    step(&mut app, 1.0);
    assert_eq!(count(&mut app), (3, 2));
    // Slider-like bursts of parameter edits are one undo step.
    let undo_before = app.world().resource::<EditHistory>().undo.len();
    for workers in [5, 6, 7, 8] {
        app.world_mut().write_message(EditBatch::user(vec![Edit::SetNode(service("b", workers, Dist::Exp(1.0)))]));
        step(&mut app, 0.02);
    }
    assert_eq!(app.world().resource::<EditHistory>().undo.len(), undo_before + 1);
    assert!(app.world().resource::<Sim>().check_conservation().is_ok());
}

#[test]
fn a_spent_frame_budget_slows_the_clock_instead_of_the_frame() {
    use systemdecoder::sim::{FrameBudget, SimSpeed};
    let s = scenario(vec![poisson("c", 1000.0), service("s", 4, Dist::Exp(1.0))], vec![link("c", "s", 1.0)]);
    let mut app = headless::app(&s, 1);
    app.world_mut().resource_mut::<SimSpeed>().set_factor(100.0);
    // No time at all per frame: the tick is dropped and flagged, not owed.
    app.world_mut().insert_resource(FrameBudget::new(std::time::Duration::ZERO));
    app.world_mut().run_schedule(bevy::app::FixedUpdate);
    assert_eq!(app.world().resource::<Sim>().now(), 0);
    assert!(app.world().resource::<SimSpeed>().behind > 0);
    // A generous budget simulates the whole tick (×100 of 1/64 s).
    app.world_mut().insert_resource(FrameBudget::new(std::time::Duration::from_secs(60)));
    app.world_mut().run_schedule(bevy::app::FixedUpdate);
    assert_eq!(app.world().resource::<Sim>().now(), 1_000_000_000 / 64 * 100);
    assert_eq!(app.world().resource::<SimSpeed>().behind, 0);
}

#[test]
fn retries_turn_a_busy_database_into_an_outage() {
    let (mut s, _) =
        Scenario::parse("retry-storm.ron", include_str!("../../scenarios/examples/retry-storm.ron")).unwrap();
    // Metastable: when the collapse starts depends on the draws, so several
    // seeds, each over the file's whole minute.
    for seed in 1..=4 {
        let storm = run(&s, seed, 5.0, 55.0);
        assert!(storm.error_rate > 0.5, "seed {seed}: with retries the system collapses: {:.3}", storm.error_rate);
        assert!(storm.throughput_rps < 0.5 * storm.offered_rps, "seed {seed}");
    }
    for n in &mut s.nodes {
        if let NodeKind::Client(c) = &mut n.kind {
            c.retry.as_mut().unwrap().max_retries = 0;
        }
    }
    let calm = run(&s, 5, 5.0, 55.0);
    assert!(calm.error_rate < 0.02, "without retries it copes: {:.4}", calm.error_rate);
    assert!(calm.throughput_rps > 0.95 * calm.offered_rps);
}

#[test]
fn one_second_windows_add_up_to_the_totals() {
    let s = scenario(vec![poisson("c", 2000.0), service("s", 4, Dist::Exp(1.0))], vec![lossy("c", "s", 0.01)]);
    let mut e = s.engine(4);
    e.run_until(30_000_000_000);
    let h = &e.windows().history;
    assert_eq!(h.len(), 30);
    let created: f64 = h.iter().map(|w| w.offered_rps).sum();
    assert_eq!(created as u64, e.global().created);
    let sent: u64 = h.iter().map(|w| w.links[0].sent).sum();
    let lost: u64 = h.iter().map(|w| w.links[0].lost).sum();
    assert_eq!((sent, lost), (e.links()[0].stats.sent, e.links()[0].stats.lost));
    let arrivals: u64 = h.iter().map(|w| w.nodes[1].arrivals).sum();
    assert_eq!(arrivals, e.nodes()[1].stats.arrivals);
    // Each window's utilisation is a time average over exactly one second.
    for w in h {
        assert!((w.nodes[1].utilization - 0.5).abs() < 0.08, "window at {} s: {}", w.t, w.nodes[1].utilization);
    }
}

#[test]
fn cost_adds_up_node_prices() {
    let (mut s, _) =
        Scenario::parse("three-tier.ron", include_str!("../../scenarios/examples/three-tier.ron")).unwrap();
    // lb 0.025 + 3 services of 4 workers at $0.025 + cache (no capacity)
    // 0.15 + db pool of 12 at $0.0125 (clients are free).
    let r = run(&s, 1, 0.0, 1.0);
    close("default $/hour", r.cost.per_hour, 0.025 + 0.3 + 0.15 + 0.15, 1e-9);
    close("$/month", r.cost.per_month, 730.0 * 0.625, 1e-9);
    s.nodes.iter_mut().find(|n| n.id == "db").unwrap().price_per_hour = Some(1.0);
    let r = run(&s, 1, 0.0, 1.0);
    close("with an expensive database", r.cost.per_hour, 0.475 + 1.0, 1e-9);
}

#[test]
fn a_bigger_node_costs_more_the_way_cloud_bills_do() {
    let price = |kind: NodeKind| node("x", kind).price_per_hour();
    // Per worker: one huge box costs as much as the small ones it replaces.
    let svc = |workers| NodeKind::Service(ServiceSpec { workers, ..Default::default() });
    assert_eq!(price(svc(4)), 0.10);
    assert_eq!(price(svc(500)), 12.5);
    close("8 workers = two boxes of 4", price(svc(8)), 2.0 * price(svc(4)), 1e-12);
    let db = |pool| NodeKind::Database(DatabaseSpec { pool, ..Default::default() });
    assert_eq!(price(db(16)), 0.20);
    assert_eq!(price(db(64)), 0.80);
    let replicated = NodeKind::ReplicatedDatabase(ReplicatedDatabaseSpec { pool: 32, ..Default::default() });
    assert_eq!(price(replicated), 0.40, "per member");
    let cache = |capacity| NodeKind::Cache(CacheSpec { capacity, ..Default::default() });
    assert_eq!(price(cache(None)), 0.15);
    assert_eq!(price(cache(Some(10_000))), 0.15);
    assert_eq!(price(cache(Some(100_000))), 1.05);
    let stream = |partitions| NodeKind::Stream(StreamSpec { partitions, ..Default::default() });
    assert_eq!(price(stream(8)), 0.15);
    assert_eq!(price(stream(32)), 0.51);
    let asg = NodeKind::Autoscaling(AutoscalingSpec { workers_per_instance: 8, ..Default::default() });
    assert_eq!(price(asg), 0.20, "per instance");
    // Every kind says how it is priced.
    for k in NodeKind::catalogue() {
        assert!(!k.pricing().is_empty(), "{}", k.label());
    }
}

#[test]
fn provisioned_serverless_instances_cost_a_quarter_and_never_start_cold() {
    let f = |keep_warm_s, provisioned| {
        let fn_ = NodeKind::Serverless(ServerlessSpec {
            concurrency: 100,
            service: Dist::Const(0.1),
            cold_start: Dist::Const(0.0),
            keep_warm_s,
            provisioned,
        });
        scenario(vec![poisson("c", 1.0), node("fn", fn_)], vec![link("c", "fn", 0.0)])
    };
    let cold = |r: &Report| node_report(r, "fn").detail["cold_starts"];
    // Instances the provider keeps warm for a while are free: only busy
    // time is billed.
    let r = run(&f(1e6, 0), 4, 20.0, 200.0);
    close("kept warm by the provider", r.cost.per_hour, 0.06 * node_report(&r, "fn").mean_busy, 1e-9);
    // Scaled to zero at once: every request starts an instance.
    let r = run(&f(0.0, 0), 4, 0.0, 200.0);
    assert!(cold(&r) >= r.created as f64 * 0.99, "cold starts {} of {}", cold(&r), r.created);
    // Two provisioned instances: never a cold start (requests hardly ever
    // overlap), and a quarter of the price for each, busy or not.
    let r = run(&f(0.0, 2), 4, 20.0, 200.0);
    assert_eq!(cold(&r), 0.0);
    close("provisioned", r.cost.per_hour, 0.06 * (node_report(&r, "fn").mean_busy + 0.5), 1e-9);
}

#[test]
fn rate_limiter_passes_its_rate_and_rejects_the_rest() {
    let rl = node("limit", NodeKind::RateLimiter(RateLimiterSpec { rate: 100.0, burst: 10 }));
    let s = scenario(
        vec![poisson("c", 300.0), rl, service("s", 10, Dist::Exp(1.0))],
        vec![link("c", "limit", 1.0), link("limit", "s", 1.0)],
    );
    let r = run(&s, 2, 5.0, 200.0);
    close("let through", node_report(&r, "s").arrivals as f64 / r.measured_seconds, 100.0, 0.02);
    close("rejected", r.failed["rate_limited"] as f64 / r.measured_seconds, 200.0, 0.02);
    // Under the rate, a burst within the bucket passes untouched.
    let rl = node("limit", NodeKind::RateLimiter(RateLimiterSpec { rate: 100.0, burst: 50 }));
    let s = scenario(
        vec![poisson("c", 50.0), rl, service("s", 10, Dist::Exp(1.0))],
        vec![link("c", "limit", 1.0), link("limit", "s", 1.0)],
    );
    let r = run(&s, 2, 0.0, 100.0);
    assert_eq!(r.failed_total, 0);
}

/// Che's approximation of an LRU cache's hit ratio: find T with
/// Σ (1 - e^(-p_i T)) = C, then hit = Σ p_i (1 - e^(-p_i T)).
fn che_hit_ratio(keys: usize, s: f64, capacity: f64) -> f64 {
    let w: Vec<f64> = (1..=keys).map(|k| (k as f64).powf(-s)).collect();
    let total: f64 = w.iter().sum();
    let p: Vec<f64> = w.iter().map(|x| x / total).collect();
    let filled = |t: f64| p.iter().map(|pi| 1.0 - (-pi * t).exp()).sum::<f64>();
    let (mut lo, mut hi) = (0.0, 1e12);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if filled(mid) < capacity { lo = mid } else { hi = mid }
    }
    p.iter().map(|pi| pi * (1.0 - (-pi * lo).exp())).sum()
}

#[test]
fn lru_cache_over_zipf_keys_matches_ches_approximation() {
    // Zipf(1.0) over 10 000 keys, a cache holding 10 % of them.
    let c = client(
        "c",
        ClientSpec { traffic: Traffic::Poisson { rate: 2000.0 }, keys: 10_000, zipf: Some(1.0), ..Default::default() },
    );
    let cache = node(
        "cache",
        NodeKind::Cache(CacheSpec {
            capacity: Some(1000),
            workers: 100,
            service: Dist::Const(0.1),
            ..Default::default()
        }),
    );
    let db = node("db", NodeKind::Database(DatabaseSpec { pool: 100, ..Default::default() }));
    let s = scenario(vec![c, cache, db], vec![link("c", "cache", 0.0), link("cache", "db", 0.0)]);
    let r = run(&s, 5, 30.0, 200.0);
    let measured = node_report(&r, "cache").hit_ratio.unwrap();
    close("LRU hit ratio vs Che", measured, che_hit_ratio(10_000, 1.0, 1000.0), 0.02);
}

#[test]
fn ttl_bounds_the_hit_ratio_of_a_hot_key() {
    // One key at 100/s, cached for 50 ms after each miss: each miss is
    // followed on average by λτ = 5 hits, so the hit ratio is 5/6.
    let c = client("c", ClientSpec { traffic: Traffic::Poisson { rate: 100.0 }, keys: 1, ..Default::default() });
    let cache = node(
        "cache",
        NodeKind::Cache(CacheSpec {
            capacity: Some(10),
            ttl_ms: Some(50.0),
            service: Dist::Const(0.0),
            ..Default::default()
        }),
    );
    let db = node("db", NodeKind::Database(DatabaseSpec { read: Dist::Const(0.0), ..Default::default() }));
    let s = scenario(vec![c, cache, db], vec![link("c", "cache", 0.0), link("cache", "db", 0.0)]);
    let r = run(&s, 6, 0.0, 500.0);
    close("hit ratio with a TTL", node_report(&r, "cache").hit_ratio.unwrap(), 5.0 / 6.0, 0.02);
}

#[test]
fn a_retry_budget_caps_the_extra_load_retries_add() {
    let policy = |budget| RetryPolicy {
        timeout_ms: 50.0,
        max_retries: 3,
        backoff_ms: 1.0,
        max_backoff_ms: 10.0,
        jitter: 1.0,
        budget,
    };
    let make = |budget| {
        let c = client(
            "c",
            ClientSpec {
                traffic: Traffic::Poisson { rate: 2000.0 },
                retry: Some(policy(budget)),
                ..Default::default()
            },
        );
        scenario(vec![c, service("s", 64, Dist::Exp(1.0))], vec![lossy("c", "s", 0.1)])
    };
    let free = run(&make(None), 2, 0.0, 100.0);
    let capped = run(&make(Some(0.05)), 2, 0.0, 100.0);
    // Unlimited: ~23 % of requests are retried (0.19 + 0.19² + …).
    assert!(free.retries as f64 > 0.2 * free.created as f64);
    // Budgeted: at most 5 % (plus the 10 saved up), and the rest fail instead.
    assert!(capped.retries as f64 <= 0.05 * capped.created as f64 + 10.0, "{} retries", capped.retries);
    assert!(capped.retries as f64 > 0.045 * capped.created as f64, "the budget is used");
    assert!(capped.failed_total > 10 * free.failed_total.max(1));
}

#[test]
fn a_bulkhead_caps_calls_to_a_slow_dependency() {
    // 500/s into a 100 ms dependency would keep 50 calls in flight; the
    // bulkhead allows 10, so ~100/s get through and the rest fail at once.
    let mut to_slow = link("api", "slow", 0.0);
    to_slow.max_concurrent = Some(10);
    let s = scenario(
        vec![poisson("c", 500.0), service("api", 1000, Dist::Const(0.0)), service("slow", 1000, Dist::Const(100.0))],
        vec![link("c", "api", 0.0), to_slow],
    );
    let r = run(&s, 3, 5.0, 100.0);
    close("through the bulkhead", r.throughput_rps, 100.0, 0.05);
    close("refused at once", r.failed["bulkhead_full"] as f64 / r.measured_seconds, 400.0, 0.05);
    assert_eq!(r.failed_total, r.failed["bulkhead_full"]);
}

#[test]
fn a_full_bulkhead_with_a_fallback_answers_instead_of_failing() {
    // As above, but the caller has a default answer: the 400/s the
    // bulkhead turns away are answered by the fallback, none fail.
    let mut to_slow = link("api", "slow", 0.0);
    to_slow.max_concurrent = Some(10);
    to_slow.fallback = true;
    let s = scenario(
        vec![poisson("c", 500.0), service("api", 1000, Dist::Const(0.0)), service("slow", 1000, Dist::Const(100.0))],
        vec![link("c", "api", 0.0), to_slow],
    );
    let r = run(&s, 3, 5.0, 100.0);
    assert_eq!(r.failed_total, 0);
    close("answered", r.throughput_rps, 500.0, 0.03);
    let fallbacks = r.links.iter().find(|l| l.to == "slow").unwrap().fallbacks as f64 / r.measured_seconds;
    close("by the fallback", fallbacks, 400.0, 0.05);
    assert!(r.nodes.iter().find(|n| n.id == "slow").unwrap().arrivals as f64 / r.measured_seconds > 90.0);
}

#[test]
fn each_window_has_the_p99_of_each_request_type_and_client() {
    // Two request types (10 ms and 100 ms of work, constant, no queueing)
    // from two clients: each window splits the p99 by type and by client.
    let typed = |id: &str| {
        client(
            id,
            ClientSpec {
                traffic: Traffic::Poisson { rate: 200.0 },
                mix: vec![
                    RequestType { name: "quick".into(), share: 0.5, ..Default::default() },
                    RequestType { name: "slow".into(), share: 0.5, ..Default::default() },
                ],
                ..Default::default()
            },
        )
    };
    let mut app_node = service("s", 1000, Dist::Const(10.0));
    if let NodeKind::Service(s) = &mut app_node.kind {
        s.by_type.insert("slow".into(), Dist::Const(100.0));
    }
    let s = scenario(vec![typed("a"), typed("b"), app_node], vec![link("a", "s", 0.0), link("b", "s", 0.0)]);
    let mut e = s.engine(2);
    e.run_until(5_000_000_000);
    let w = &e.windows().history[3];
    let index = |name: &str| (0..64u8).find(|&i| e.class_name(i) == name).unwrap() as usize;
    let (quick, slow) = (index("quick"), index("slow"));
    close("quick p99", w.type_p99_ms[quick].unwrap(), 10.0, 0.02);
    close("slow p99", w.type_p99_ms[slow].unwrap(), 100.0, 0.02);
    // Both clients send the same mix: about the same p99 (the slow type's).
    for c in [0, 1] {
        close("a client's p99", w.client_p99_ms[c].unwrap(), 100.0, 0.02);
    }
    assert_eq!(w.client_p99_ms.get(2).copied().flatten(), None, "the service is no client");
}
