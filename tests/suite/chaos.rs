//! One test per fault type: the effect a practitioner expects, measured.

use systemdecoder::chaos;
use systemdecoder::chaos::{Fault, ScheduledFault};
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::Engine;
use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::metrics::{FailReason, Window};
use systemdecoder::sim::model::*;

use crate::helpers::*;

const S: u64 = 1_000_000_000;

fn engine(s: &Scenario, faults: &[&str]) -> Engine {
    let mut e = s.engine(7);
    for f in faults {
        Fault::parse_cli(f).unwrap().schedule(&mut e).unwrap();
    }
    e
}

/// Sum a window statistic over sim seconds [from, to).
fn sum(e: &Engine, from: f64, to: f64, f: impl Fn(&Window) -> f64) -> f64 {
    e.windows().history.iter().filter(|w| w.t > from && w.t <= to).map(|w| f(w)).sum()
}

fn four_servers(retry: Option<RetryPolicy>) -> Scenario {
    let c = client("c", ClientSpec { traffic: Traffic::Poisson { rate: 2000.0 }, retry, ..Default::default() });
    let mut nodes = vec![c, lb("lb", LbPolicy::RoundRobin)];
    let mut links = vec![link("c", "lb", 1.0)];
    for i in 1..=4 {
        nodes.push(service(&format!("s{i}"), 8, Dist::Exp(2.0)));
        links.push(link("lb", &format!("s{i}"), 1.0));
    }
    scenario(nodes, links)
}

#[test]
fn kill_one_of_four_fails_a_quarter_then_recovers() {
    // No health checks yet: round robin keeps sending a quarter of the
    // traffic to the dead server, whose callers are refused at once.
    let mut e = engine(&four_servers(None), &["kill s2 at 10s for 10s"]);
    e.run_until(30 * S);
    let errors = sum(&e, 11.0, 20.0, |w| w.errors_rps);
    let offered = sum(&e, 11.0, 20.0, |w| w.offered_rps);
    close("error share while s2 is down", errors / offered, 0.25, 0.05);
    assert_eq!(sum(&e, 21.0, 30.0, |w| w.errors_rps), 0.0, "healed: no more errors");
    assert!(e.ledger().requests_failed[FailReason::NodeDown.index()] > 0);
    e.check_conservation().unwrap();
}

#[test]
fn kill_with_retries_is_mostly_masked() {
    let retry = RetryPolicy {
        timeout_ms: 1000.0,
        max_retries: 2,
        backoff_ms: 1.0,
        max_backoff_ms: 5.0,
        jitter: 1.0,
        budget: None,
    };
    let mut e = engine(&four_servers(Some(retry)), &["kill s2 at 10s for 10s"]);
    e.run_until(30 * S);
    // Each attempt lands on the dead server with p = 1/4 (the round-robin
    // turn is shared with everyone else's requests), so a request fails only
    // if all three attempts do: 1/64 of those sent while s2 is down.
    let failed: u64 = e.ledger().requests_failed.iter().sum();
    let during = sum(&e, 10.0, 20.0, |w| w.offered_rps);
    close("failed share with 2 retries", failed as f64 / during, 1.0 / 64.0, 0.15);
    assert!(e.global().retries > 4000, "retries {}", e.global().retries);
}

#[test]
fn pause_freezes_work_exactly_and_resumes_it() {
    // One request at t = 1 s into a 100 ms service; the node freezes from
    // 1.05 s to 1.25 s, so the answer comes 200 ms late: 300 ms in all.
    let c = client("c", ClientSpec { traffic: Traffic::Constant { rate: 1.0 }, ..Default::default() });
    let s = scenario(vec![c, service("s", 1, Dist::Const(100.0))], vec![link("c", "s", 0.0)]);
    let mut e = engine(&s, &[]);
    ScheduledFault { at_s: 1.05, for_s: Some(0.2), fault: Fault::Pause(chaos::Pause { node: "s".into() }) }
        .schedule(&mut e)
        .unwrap();
    e.run_until(3 * S + S / 2);
    let w = &e.windows().history;
    assert_eq!(w[1].latency_ms.mean, 300.0, "paused request");
    assert_eq!(w[2].latency_ms.mean, 100.0, "after the pause");
}

#[test]
fn pause_queues_arrivals_and_drains_them_after() {
    let s = scenario(vec![poisson("c", 500.0), service("s", 4, Dist::Exp(2.0))], vec![link("c", "s", 0.0)]);
    let mut e = engine(&s, &["pause s at 5s for 2s"]);
    e.run_until(6 * S + S / 2);
    let q = e.nodes()[1].queue_len();
    assert!(q > 500, "arrivals wait while frozen: {q}");
    assert_eq!(
        e.nodes()[1].stats.completions,
        e.windows().history.iter().take(5).map(|w| w.nodes[1].completions).sum::<u64>()
            + sum(&e, 5.0, 6.0, |w| w.nodes[1].completions as f64) as u64
    );
    e.run_until(12 * S);
    assert!(e.nodes()[1].queue_len() < 50, "drained after the pause");
    assert_eq!(e.ledger().requests_failed.iter().sum::<u64>(), 0);
    e.check_conservation().unwrap();
}

#[test]
fn cpu_throttle_pushes_a_busy_server_past_saturation() {
    // ρ = 0.6; twice as slow means ρ = 1.2: the queue grows without bound.
    let s = scenario(vec![poisson("c", 600.0), service("s", 1, Dist::Exp(1.0))], vec![link("c", "s", 0.0)]);
    let mut e = engine(&s, &["throttle s x2 at 10s"]);
    e.run_until(10 * S);
    let before = e.nodes()[1].queue_len();
    e.run_until(40 * S);
    let after = e.nodes()[1].queue_len();
    // 600/s arrive, 500/s leave: the backlog grows by ~100 a second.
    assert!(before < 50 && after > 2500, "queue {before} -> {after}");
    let w = e.windows().history.back().unwrap();
    assert!(w.nodes[1].utilization > 0.999, "saturated: {}", w.nodes[1].utilization);
}

#[test]
fn link_latency_adds_to_both_directions() {
    let s = scenario(vec![poisson("c", 200.0), service("s", 100, Dist::Const(1.0))], vec![link("c", "s", 5.0)]);
    let mut e = engine(&s, &["latency c->s +100ms at 10s for 10s"]);
    e.run_until(30 * S);
    let h = &e.windows().history;
    close("mean before", h[5].latency_ms.mean, 11.0, 0.001);
    close("mean during", h[15].latency_ms.mean, 211.0, 0.001);
    close("mean after", h[25].latency_ms.mean, 11.0, 0.001);
}

#[test]
fn packet_loss_on_the_request_path() {
    let s = scenario(vec![poisson("c", 2000.0), service("s", 100, Dist::Exp(1.0))], vec![link("c", "s", 1.0)]);
    let mut e = engine(&s, &["loss c->s 20% at 0s"]);
    e.run_until(50 * S);
    let failed = e.ledger().requests_failed[FailReason::PacketLoss.index()] as f64;
    let done = (e.ledger().requests_completed + e.ledger().requests_failed.iter().sum::<u64>()) as f64;
    close("failed share, 1 - 0.8²", failed / done, 0.36, 0.02);
}

#[test]
fn bandwidth_cap_queues_messages_on_the_wire() {
    let c = client(
        "c",
        ClientSpec {
            traffic: Traffic::Poisson { rate: 500.0 },
            request_bytes: 1000,
            response_bytes: 1,
            ..Default::default()
        },
    );
    let s = scenario(vec![c, service("s", 1000, Dist::Const(0.0))], vec![link("c", "s", 0.0)]);
    let mut e = engine(&s, &["bandwidth c->s 8Mbps at 0s"]);
    e.run_until(500 * S);
    // 1000 bytes at 8 Mbit/s = 1 ms each: an M/D/1 wire at ρ = 0.5.
    close("M/D/1 through a throttled link (ms)", e.global().latency.mean_ms(), 1.501, 0.02);
}

#[test]
fn blackhole_shows_up_as_timeouts_not_errors() {
    let c = client(
        "c",
        ClientSpec {
            traffic: Traffic::Poisson { rate: 1000.0 },
            retry: Some(RetryPolicy { timeout_ms: 100.0, max_retries: 0, ..Default::default() }),
            ..Default::default()
        },
    );
    let s = scenario(vec![c, service("s", 100, Dist::Exp(1.0))], vec![link("c", "s", 1.0)]);
    let mut e = engine(&s, &["blackhole c->s at 10s for 5s"]);
    e.run_until(10 * S);
    assert_eq!(e.ledger().requests_failed.iter().sum::<u64>(), 0);
    e.run_until(10 * S + 85_000_000);
    // Nothing fails until the first timeouts expire (answers of requests
    // sent just before 10 s are the first to vanish).
    assert_eq!(e.ledger().requests_failed.iter().sum::<u64>(), 0, "silence first");
    e.run_until(20 * S);
    let timeouts = e.ledger().requests_failed[FailReason::Timeout.index()];
    close("timeouts ≈ requests sent into the hole", timeouts as f64, 5000.0, 0.05);
    assert_eq!(e.ledger().requests_failed.iter().sum::<u64>(), timeouts);
    e.check_conservation().unwrap();
}

#[test]
fn partition_cuts_a_group_off_and_heals() {
    let c = client(
        "c",
        ClientSpec {
            traffic: Traffic::Poisson { rate: 500.0 },
            retry: Some(RetryPolicy { timeout_ms: 200.0, max_retries: 0, ..Default::default() }),
            ..Default::default()
        },
    );
    let api = service("api", 200, Dist::Const(1.0));
    let db = node("db", NodeKind::Database(DatabaseSpec { pool: 100, ..Default::default() }));
    let s = scenario(vec![c, api, db], vec![link("c", "api", 1.0), link("api", "db", 1.0)]);
    let mut e = engine(&s, &["partition db at 10s for 5s"]);
    e.run_until(25 * S);
    let h = &e.windows().history;
    assert_eq!(h[8].errors_rps, 0.0);
    assert!(h[12].errors_rps > 400.0, "cut off: everything times out ({})", h[12].errors_rps);
    assert_eq!(h[12].failed[FailReason::Timeout.index()] as f64, h[12].errors_rps, "timeouts, not instant errors");
    assert_eq!(h[20].errors_rps, 0.0, "healed");
}

#[test]
fn traffic_spike_multiplies_the_offered_rate() {
    let s = scenario(vec![poisson("c", 300.0), service("s", 100, Dist::Exp(1.0))], vec![link("c", "s", 1.0)]);
    let mut e = engine(&s, &["spike c x3 at 10s for 10s"]);
    e.run_until(30 * S);
    close("before", sum(&e, 0.0, 10.0, |w| w.offered_rps) / 10.0, 300.0, 0.05);
    close("during", sum(&e, 10.0, 20.0, |w| w.offered_rps) / 10.0, 900.0, 0.05);
    close("after", sum(&e, 20.0, 30.0, |w| w.offered_rps) / 10.0, 300.0, 0.05);
}

#[test]
fn faults_compose_and_are_listed() {
    let s = scenario(vec![poisson("c", 100.0), service("s", 4, Dist::Exp(1.0))], vec![link("c", "s", 1.0)]);
    let mut e = engine(&s, &["throttle s x2 at 1s for 10s", "throttle s x3 at 2s for 1s", "latency c->s +10ms at 0s"]);
    e.run_until(2 * S + S / 2);
    assert_eq!(e.nodes()[1].fx.slow, 6.0, "throttles multiply");
    e.run_until(4 * S);
    assert_eq!(e.nodes()[1].fx.slow, 2.0);
    let log = e.fault_log();
    assert_eq!(log.len(), 3);
    assert_eq!(log[1].fault, "throttle s x3");
    assert_eq!((log[1].start_s, log[1].end_s), (2.0, Some(3.0)));
    assert!(log[2].active && log[2].end_s.is_none());
    e.heal(2);
    assert!(!e.fault_log()[2].active);
    assert_eq!(e.links()[0].fx.extra_latency, 0);
}

#[test]
fn scheduled_chaos_in_a_file_and_its_errors() {
    let text = r#"(
        version: 1, name: "chaos", duration_s: 10.0,
        nodes: [
            (id: "c", kind: Client(traffic: Poisson(rate: 100.0))),
            (id: "s", kind: Service()),
        ],
        links: [(from: "c", to: "s")],
        chaos: [
            (at_s: 2.0, for_s: 3.0, fault: Kill(node: "s")),
            (at_s: 1.0, fault: Latency(from: "c", to: "s", add_ms: 5.0, jitter_ms: 1.0)),
        ],
    )"#;
    let (s, _) = Scenario::parse("chaos.ron", text).unwrap();
    let r = systemdecoder::headless::run_scenario(&s, "chaos", 1, 0.0, 10.0);
    assert_eq!(r.faults.len(), 2);
    assert!(r.failed["node_down"] > 100);
    assert_eq!(Scenario::parse("again.ron", &s.to_ron()).unwrap().0, s);
    let e = Scenario::parse("bad.ron", &text.replace("Kill(node: \"s\")", "Kill(node: \"x\")")).unwrap_err();
    assert_eq!(e.path, "chaos[0].fault.node", "{e}");
    assert!(e.line > 0 && e.message.contains("\"x\""), "{e}");
    let e = Scenario::parse("bad.ron", &text.replace("for_s: 3.0", "for_s: -3.0")).unwrap_err();
    assert_eq!(e.path, "chaos[0].for_s", "{e}");
    assert!(Fault::parse_cli("kill").is_err());
    assert!(Fault::parse_cli("loss a->b lots").is_err());
    assert_eq!(Fault::parse_cli("spike users x3 at 20s for 5s").unwrap().for_s, Some(5.0));
}

fn db_behind_client(write_ratio: f64) -> Scenario {
    let c = client("c", ClientSpec { traffic: Traffic::Poisson { rate: 1000.0 }, write_ratio, ..Default::default() });
    let db = node(
        "db",
        NodeKind::Database(DatabaseSpec {
            pool: 50,
            queue_limit: None,
            read: Dist::Exp(2.0),
            write: Dist::Exp(2.0),
            contention: None,
            idempotent: false,
        }),
    );
    scenario(vec![c, db], vec![link("c", "db", 1.0)])
}

#[test]
fn restart_fails_work_in_flight_then_warms_up() {
    let mut e = engine(&db_behind_client(0.0), &["restart db warm 10s at 10s"]);
    e.run_until(30 * S);
    assert!(e.ledger().requests_failed[FailReason::NodeDown.index()] > 0, "the crash fails what was in service");
    let h = &e.windows().history;
    let mean_sojourn = |i: usize| h[i].nodes[1].utilization * 50.0 / h[i].nodes[1].completions.max(1) as f64 * 1000.0;
    // Cold: ~3× slower just after the restart; warm again 10 s later.
    assert!(mean_sojourn(10) > 2.4 * mean_sojourn(5), "{} vs {}", mean_sojourn(10), mean_sojourn(5));
    close("warm again", mean_sojourn(25), mean_sojourn(5), 0.1);
}

#[test]
fn memory_leak_slows_then_crashes() {
    let mut e = engine(&db_behind_client(0.0), &["leak db crash 20s at 5s"]);
    e.run_until(24 * S);
    let h = &e.windows().history;
    let busy = |i: usize| h[i].nodes[1].utilization;
    assert!(busy(22) > 3.0 * busy(4), "slower and slower: {} -> {}", busy(4), busy(22));
    assert_eq!(e.ledger().requests_failed[FailReason::NodeDown.index()], 0);
    e.run_until(30 * S);
    assert!(e.ledger().requests_failed[FailReason::NodeDown.index()] > 4000, "crashed after 20 s");
}

#[test]
fn disk_full_fails_writes_only() {
    let mut e = engine(&db_behind_client(0.3), &["diskfull db at 0s"]);
    e.run_until(30 * S);
    let done = (e.ledger().requests_completed + e.ledger().requests_failed.iter().sum::<u64>()) as f64;
    close("writes fail", e.ledger().requests_failed[FailReason::DiskFull.index()] as f64 / done, 0.3, 0.03);
    assert_eq!(
        e.ledger().requests_failed.iter().sum::<u64>(),
        e.ledger().requests_failed[FailReason::DiskFull.index()]
    );
}

#[test]
fn clock_skew_makes_timeouts_fire_early() {
    let retry = Some(RetryPolicy { timeout_ms: 100.0, max_retries: 0, ..Default::default() });
    let c = client("c", ClientSpec { traffic: Traffic::Poisson { rate: 100.0 }, retry, ..Default::default() });
    let s = scenario(vec![c, service("s", 100, Dist::Const(50.0))], vec![link("c", "s", 0.0)]);
    let mut e = engine(&s, &["skew c x0.1 at 10s"]);
    e.run_until(10 * S);
    assert_eq!(e.ledger().requests_failed.iter().sum::<u64>(), 0, "50 ms answers beat a 100 ms timeout");
    e.run_until(20 * S);
    let t = e.ledger().requests_failed[FailReason::Timeout.index()] as f64;
    close("with the clock 10× fast, every request times out", t, 1000.0, 0.1);
}

#[test]
fn corrupted_answers_are_errors() {
    let s = scenario(vec![poisson("c", 1000.0), service("s", 100, Dist::Exp(1.0))], vec![link("c", "s", 1.0)]);
    let mut e = engine(&s, &["corrupt c->s 10% at 0s"]);
    e.run_until(50 * S);
    let done = (e.ledger().requests_completed + e.ledger().requests_failed.iter().sum::<u64>()) as f64;
    close("corrupt share", e.ledger().requests_failed[FailReason::Corrupt.index()] as f64 / done, 0.1, 0.03);
}

#[test]
fn duplicated_requests_double_the_work_not_the_answers() {
    let s = scenario(vec![poisson("c", 1000.0), service("s", 100, Dist::Exp(1.0))], vec![link("c", "s", 1.0)]);
    let mut e = engine(&s, &["duplicate c->s 50% at 0s"]);
    e.run_until(50 * S);
    close("work per request", e.nodes()[1].stats.arrivals as f64 / e.ledger().requests_created as f64, 1.5, 0.01);
    assert_eq!(e.ledger().requests_failed.iter().sum::<u64>(), 0);
    assert!(e.ledger().messages_abandoned > 20_000, "the copies' answers are dropped");
    e.check_conservation().unwrap();
}

#[test]
fn zone_outage_takes_down_every_node_in_the_zone() {
    let mut s = four_servers(None);
    for n in &mut s.nodes {
        if n.id == "s1" || n.id == "s2" {
            n.zone = Some("eu-1a".into());
        }
    }
    let mut e = engine(&s, &["zone eu-1a at 5s for 5s"]);
    e.run_until(15 * S);
    let errors = sum(&e, 6.0, 10.0, |w| w.errors_rps);
    let offered = sum(&e, 6.0, 10.0, |w| w.offered_rps);
    close("half the servers are gone", errors / offered, 0.5, 0.05);
    assert_eq!(sum(&e, 11.0, 15.0, |w| w.errors_rps), 0.0);
}

#[test]
fn thundering_herd_arrives_at_one_instant() {
    let s = scenario(vec![poisson("c", 10.0), service("s", 10, Dist::Exp(5.0))], vec![link("c", "s", 0.0)]);
    let mut e = engine(&s, &["herd c 5000 at 10s"]);
    e.run_until(10 * S - 1);
    let before = e.ledger().requests_created;
    e.run_until(10 * S);
    assert_eq!(e.ledger().requests_created - before, 5000);
    assert!(e.nodes()[1].queue_len() >= 4990, "all but ten wait");
    e.run_until(20 * S);
    assert!(e.nodes()[1].queue_len() < 10, "drained at 2000/s");
}

#[test]
fn hot_key_concentrates_consistent_hashing_on_one_backend() {
    let c = client("c", ClientSpec { traffic: Traffic::Poisson { rate: 2000.0 }, ..Default::default() });
    let mut nodes = vec![c, lb("lb", LbPolicy::ConsistentHash)];
    let mut links = vec![link("c", "lb", 0.0)];
    for i in 0..4 {
        nodes.push(service(&format!("s{i}"), 100, Dist::Exp(1.0)));
        links.push(link("lb", &format!("s{i}"), 0.0));
    }
    let mut e = engine(&scenario(nodes, links), &["hotkey c 90% at 0s"]);
    e.run_until(20 * S);
    let max = (2..6).map(|i| e.nodes()[i].stats.arrivals).max().unwrap() as f64;
    assert!(max / e.ledger().requests_created as f64 > 0.9, "one backend gets the hot key");
}

#[test]
fn cache_flush_sends_every_request_to_the_database_then_warms() {
    let cache = node(
        "cache",
        NodeKind::Cache(CacheSpec { hit_ratio: 0.9, workers: 100, service: Dist::Const(0.1), ..Default::default() }),
    );
    let db = node("db", NodeKind::Database(DatabaseSpec { pool: 100, ..Default::default() }));
    let s = scenario(vec![poisson("c", 1000.0), cache, db], vec![link("c", "cache", 0.0), link("cache", "db", 0.0)]);
    let mut e = engine(&s, &["flush cache warm 10s at 10s"]);
    e.run_until(30 * S);
    let miss =
        |a: f64, b: f64| sum(&e, a, b, |w| w.nodes[2].arrivals as f64) / sum(&e, a, b, |w| w.nodes[1].arrivals as f64);
    close("before", miss(1.0, 10.0), 0.1, 0.1);
    assert!(miss(10.0, 11.0) > 0.85, "right after the flush nearly all miss: {}", miss(10.0, 11.0));
    // Warmth grows linearly: second 15–16 averages 55 % of the hit ratio.
    close("half warm after 5 s", miss(15.0, 16.0), 1.0 - 0.9 * 0.55, 0.1);
    close("warm again", miss(20.0, 30.0), 0.1, 0.1);
}

#[test]
fn pool_exhaustion_leaves_fewer_workers() {
    // 4 workers at 2 ms carry 2000/s; with 3 leaked, 500/s: a backlog grows.
    let s = scenario(vec![poisson("c", 1000.0), service("s", 4, Dist::Const(2.0))], vec![link("c", "s", 0.0)]);
    let mut e = engine(&s, &["exhaust s 3 at 5s for 5s"]);
    e.run_until(10 * S);
    assert!(e.nodes()[1].queue_len() > 2000, "queue {}", e.nodes()[1].queue_len());
    assert!(e.windows().history[8].nodes[1].utilization < 0.26);
    e.run_until(30 * S);
    assert!(e.nodes()[1].queue_len() < 10, "the leak is fixed: drained");
}

#[test]
fn chaos_monkey_is_random_but_replays_exactly() {
    let (mut s, _) =
        Scenario::parse("three-tier.ron", include_str!("../../scenarios/examples/three-tier.ron")).unwrap();
    s.monkey = Some(systemdecoder::chaos::MonkeySpec {
        mean_interval_s: 5.0,
        duration_s: 2.0,
        faults: systemdecoder::chaos::all_monkey_faults(),
    });
    let a = systemdecoder::headless::run_scenario(&s, "m", 11, 0.0, 500.0);
    let b = systemdecoder::headless::run_scenario(&s, "m", 11, 0.0, 500.0);
    assert_eq!(a, b, "same seed, same faults, same numbers");
    close("faults per second", a.faults.len() as f64 / 500.0, 1.0 / 5.0, 0.15);
    assert!(a.faults.iter().all(|f| f.fault.starts_with("monkey: ")));
    let c = systemdecoder::headless::run_scenario(&s, "m", 12, 0.0, 500.0);
    assert_ne!(a.faults, c.faults, "another seed, another monkey");
    assert_eq!(a.conservation, "ok");
}

#[test]
fn a_frantic_monkey_never_breaks_the_books() {
    // Every shipped scenario, a fault every half second on average: nothing
    // panics and conservation holds at every tick (checked by the app).
    for text in [
        include_str!("../../scenarios/examples/three-tier.ron"),
        include_str!("../../scenarios/examples/async-queue.ron"),
        include_str!("../../scenarios/examples/retry-storm.ron"),
    ] {
        let (mut s, _) = Scenario::parse("x.ron", text).unwrap();
        s.monkey = Some(systemdecoder::chaos::MonkeySpec {
            mean_interval_s: 0.5,
            duration_s: 1.0,
            faults: systemdecoder::chaos::all_monkey_faults(),
        });
        let r = run(&s, 3, 0.0, 60.0);
        assert!(r.faults.len() > 80, "{}: {} faults", s.name, r.faults.len());
    }
}

#[test]
fn a_frantic_monkey_never_breaks_the_books_of_any_kind() {
    // The same for one scenario per node kind (fan-out, inboxes, streams,
    // replicas, shards, serverless, autoscaling…), 20 s each.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/kinds");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|f| f.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 15);
    for f in files {
        let (mut s, _) = Scenario::load(&f).unwrap();
        s.monkey = Some(systemdecoder::chaos::MonkeySpec {
            mean_interval_s: 0.5,
            duration_s: 1.0,
            faults: systemdecoder::chaos::all_monkey_faults(),
        });
        let r = run(&s, 4, 0.0, 20.0);
        assert!(r.faults.len() > 20, "{}: {} faults", s.name, r.faults.len());
    }
}

#[test]
fn lost_work_releases_workers_and_connections_once_abandoned() {
    // Blocking API in front of a lossy link; the client times out lost
    // requests. Once the loss heals, nothing may stay stuck: no worker held,
    // no connection counted, so least-connections spreads evenly again.
    let retry = Some(RetryPolicy { timeout_ms: 300.0, max_retries: 0, ..Default::default() });
    let c = client("c", ClientSpec { traffic: Traffic::Poisson { rate: 400.0 }, retry, ..Default::default() });
    let api = node(
        "api",
        NodeKind::Service(ServiceSpec {
            workers: 64,
            queue_limit: None,
            service: Dist::Exp(1.0),
            blocking: true,
            ..Default::default()
        }),
    );
    let mut nodes = vec![c, api, lb("lb", LbPolicy::LeastConnections)];
    let mut links = vec![link("c", "api", 1.0), link("api", "lb", 1.0)];
    for i in 0..2 {
        nodes.push(service(&format!("s{i}"), 32, Dist::Exp(2.0)));
        links.push(link("lb", &format!("s{i}"), 1.0));
    }
    let s = scenario(nodes, links);
    let mut e = engine(&s, &["loss lb->s0 30% at 5s for 10s"]);
    e.run_until(30 * S);
    assert!(e.ledger().requests_failed[FailReason::Timeout.index()] > 100);
    let h = &e.windows().history;
    let share = |i: usize| h[i].nodes[3].arrivals as f64 / (h[i].nodes[3].arrivals + h[i].nodes[4].arrivals) as f64;
    close("s0's share after healing", share(28), 0.5, 0.15);
    let api_busy = h[28].nodes[1].utilization * 64.0;
    assert!(api_busy < 10.0, "no API workers stuck on lost calls: {api_busy:.1} busy");
    e.check_conservation().unwrap();
}

#[test]
fn health_checks_turn_a_kill_into_a_short_error_burst() {
    // With probes every 500 ms and 2 failures to eject, the dead server gets
    // a quarter of the traffic for ~1 s, then none; once healed it returns
    // after 2 good probes and the four share the load again.
    let mut s = four_servers(None);
    for n in &mut s.nodes {
        if let NodeKind::LoadBalancer(lb) = &mut n.kind {
            lb.health_check = Some(HealthCheck { interval_ms: 500.0, unhealthy_after: 2, healthy_after: 2 });
        }
    }
    let mut e = engine(&s, &["kill s2 at 10.2s for 10s"]);
    e.run_until(30 * S);
    let burst = sum(&e, 10.0, 12.0, |w| w.errors_rps);
    close("errors: a quarter of ~1 s of traffic", burst, 0.25 * 2000.0 * 0.8, 0.2);
    assert_eq!(sum(&e, 12.0, 20.0, |w| w.errors_rps), 0.0, "ejected: no more errors");
    let after = sum(&e, 12.0, 20.0, |w| w.throughput_rps) / 8.0;
    close("the other three carry everything", after, 2000.0, 0.03);
    let h = &e.windows().history;
    close("s2 back in rotation", h[25].nodes[3].arrivals as f64, 500.0, 0.15);
}

#[test]
fn circuit_breaker_opens_on_a_dead_dependency_and_closes_after_it_heals() {
    let api = node(
        "api",
        NodeKind::Service(ServiceSpec {
            workers: 100,
            queue_limit: None,
            service: Dist::Const(1.0),
            blocking: false,
            ..Default::default()
        }),
    );
    let db = node("db", NodeKind::Database(DatabaseSpec { pool: 100, ..Default::default() }));
    let mut to_db = link("api", "db", 1.0);
    to_db.circuit_breaker = Some(CircuitBreaker {
        failure_ratio: 0.5,
        min_calls: 20,
        window_ms: 1000.0,
        open_ms: 2000.0,
        half_open_calls: 5,
    });
    let s = scenario(vec![poisson("c", 500.0), api, db], vec![link("c", "api", 1.0), to_db]);
    let mut e = engine(&s, &["kill db at 5s for 10s"]);
    e.run_until(30 * S);
    let h = &e.windows().history;
    let db_load = |a: usize, b: usize| h.range(a..b).map(|w| w.nodes[2].arrivals).sum::<u64>();
    // Once open, the dead database is spared: only a few half-open trials.
    assert!(db_load(7, 15) < 40, "calls reaching the dead db while open: {}", db_load(7, 15));
    let open_fails: f64 = sum(&e, 6.0, 15.0, |w| w.failed[FailReason::CircuitOpen.index()] as f64);
    assert!(open_fails > 0.9 * sum(&e, 6.0, 15.0, |w| w.errors_rps), "failures are fast circuit_open ones");
    assert!(e.links()[1].breaker.opened >= 2, "re-opens after failed half-open trials");
    // Healed at 15 s: within one open period plus the trials it closes again.
    assert_eq!(sum(&e, 19.0, 30.0, |w| w.errors_rps), 0.0);
    assert_eq!(e.links()[1].breaker.state, systemdecoder::sim::engine::BreakerState::Closed);
}

#[test]
fn a_load_balancer_added_while_running_starts_its_health_checks() {
    let s = scenario(vec![poisson("c", 500.0)], vec![]);
    let mut e = s.engine(1);
    let hc = Some(HealthCheck { interval_ms: 200.0, unhealthy_after: 2, healthy_after: 2 });
    let lb =
        e.add_node(node("lb", NodeKind::LoadBalancer(LoadBalancerSpec { health_check: hc, ..Default::default() })));
    e.add_link(link("c", "lb", 0.0), 0, lb);
    for i in 0..2 {
        let n = e.add_node(service(&format!("s{i}"), 10, Dist::Exp(1.0)));
        e.add_link(link("lb", &format!("s{i}"), 0.0), lb, n);
    }
    Fault::parse_cli("kill s1 at 1s").unwrap().schedule(&mut e).unwrap();
    e.run_until(5 * S);
    assert_eq!(sum(&e, 2.0, 5.0, |w| w.errors_rps), 0.0, "the dead backend was ejected");
}

#[test]
fn a_fault_injected_live_for_a_while_heals_itself() {
    use systemdecoder::chaos::ChaosCommand;
    use systemdecoder::headless;
    use systemdecoder::sim::Sim;
    // What the right-click menu sends: kill a for 2 s, starting now.
    let s = scenario(vec![poisson("c", 500.0), service("a", 8, Dist::Exp(1.0))], vec![link("c", "a", 1.0)]);
    let mut app = headless::app(&s, 1);
    headless::run(&mut app, 0.0, 1.0, |_| {});
    app.world_mut().write_message(ChaosCommand::InjectFor(Fault::Kill(chaos::Kill { node: "a".into() }), 2.0));
    headless::run(&mut app, 0.0, 5.0, |_| {});
    let sim = app.world().resource::<Sim>();
    let log = sim.fault_log();
    assert_eq!(log.len(), 1);
    assert!(!log[0].active, "healed after its 2 s");
    let length = log[0].end_s.unwrap() - log[0].start_s;
    assert!((length - 2.0).abs() < 1e-9, "lasted {length} s");
    let down = sum(sim, 0.0, 10.0, |w| w.failed[FailReason::NodeDown.index()] as f64);
    close("refused while down", down, 1000.0, 0.1);
}

/// The fault menu is made of the faults' own entries: aimed at a node of
/// every kind and at a link, every button injects a fault that passes its
/// checks on that system, and every registered fault has a button somewhere.
#[test]
fn fault_menu_offers_every_fault_and_only_valid_ones() {
    let kinds = NodeKind::catalogue();
    let mut nodes: Vec<NodeSpec> = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let mut n = node(&format!("n{i}"), kind.clone());
        n.zone = Some("z".into());
        nodes.push(n);
    }
    let clients: Vec<usize> = (0..kinds.len()).filter(|&i| matches!(kinds[i], NodeKind::Client(_))).collect();
    assert!(!clients.is_empty(), "the catalogue has a client");
    let links: Vec<LinkSpec> = (0..kinds.len())
        .filter(|i| *i != clients[0])
        .map(|i| link(&format!("n{}", clients[0]), &format!("n{i}"), 1.0))
        .collect();
    let e = scenario(nodes.clone(), links.clone()).engine(1);
    let members: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    let s = chaos::Strength::default();
    let mut offered = std::collections::BTreeSet::new();
    let mut check = |entries: Vec<chaos::MenuEntry>, what: &str| {
        for m in entries {
            assert!(!m.label.is_empty() && !m.tip.is_empty(), "{what}: a button has words");
            if let Err(err) = m.fault.effects(&e) {
                panic!("{what}: the \"{}\" button's fault is refused: {err}", m.label);
            }
            offered.insert(format!("{:?}", std::mem::discriminant(&m.fault)));
        }
    };
    for (i, kind) in kinds.iter().enumerate() {
        let id = format!("n{i}");
        let aim = chaos::Aim::Node { id: &id, kind, zone: Some("z"), zone_members: &members };
        let entries = Fault::menu(&aim, &s);
        assert!(!entries.is_empty(), "{}: some fault applies", kind.label());
        check(entries, kind.label());
    }
    let l = &links[0];
    let entries = Fault::menu(&chaos::Aim::Link { from: &l.from, to: &l.to }, &s);
    assert!(entries.iter().all(|m| m.fault.group().is_empty()), "link faults cut no group off");
    check(entries, "a link");
    assert_eq!(offered.len(), Fault::usages().len(), "every registered fault has a button in the menu");
}

/// A fault's label begins with its verb: the Chaos window finds the concept
/// about an active fault from its label (the engine keeps only labels).
#[test]
fn every_fault_label_begins_with_its_verb() {
    use systemdecoder::chaos::{Aim, Strength};
    let members = vec!["n".to_string()];
    let mut faults: Vec<Fault> = Vec::new();
    for kind in NodeKind::catalogue() {
        let aim = Aim::Node { id: "n", kind: &kind, zone: Some("z"), zone_members: &members };
        faults.extend(Fault::menu(&aim, &Strength::default()).into_iter().map(|e| e.fault));
    }
    faults.extend(Fault::menu(&Aim::Link { from: "a", to: "b" }, &Strength::default()).into_iter().map(|e| e.fault));
    let mut verbs: Vec<&str> = faults.iter().map(|f| f.verb()).collect();
    verbs.sort();
    verbs.dedup();
    assert!(verbs.len() >= 20, "the menus offer {verbs:?}");
    for f in &faults {
        assert_eq!(f.label().split_whitespace().next(), Some(f.verb()), "{}", f.label());
    }
}
