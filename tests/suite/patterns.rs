//! Mechanisms added for the concept catalogue, each against its theory or
//! its defining behaviour: database contention (the Universal Scalability
//! Law), fallbacks (graceful degradation), a balancer's slow start.

use systemdecoder::headless::run_scenario;
use systemdecoder::learn::run_measured;
use systemdecoder::scenario::Scenario;

fn parse(text: &str) -> Scenario {
    Scenario::parse("test.ron", text).unwrap_or_else(|e| panic!("{e}")).0
}

fn saturated_db(pool: u32) -> Scenario {
    parse(&format!(
        r#"(version: 1, name: "t", seed: 2, nodes: [
            (id: "u", kind: Client(traffic: Poisson(rate: 3000.0))),
            (id: "db", kind: Database(pool: {pool}, queue_limit: 200, read: Exp(10.0),
                contention: (sigma: 0.05, kappa: 0.002))),
        ], links: [(from: "u", to: "db")])"#
    ))
}

/// USL: with N queries always running, each takes S(1 + σ(N−1) + κN(N−1)).
fn usl(n: f64) -> f64 {
    n / (0.010 * (1.0 + 0.05 * (n - 1.0) + 0.002 * n * (n - 1.0)))
}

#[test]
fn a_saturated_database_follows_the_universal_scalability_law() {
    for pool in [8, 22, 64] {
        let r = run_scenario(&saturated_db(pool), "t", 2, 2.0, 20.0);
        let want = usl(pool as f64);
        let got = r.throughput_rps;
        assert!((got / want - 1.0).abs() < 0.03, "pool {pool}: {got:.0}/s, USL says {want:.0}/s");
    }
    // Past the peak (√((1−σ)/κ) ≈ 22 connections) more connections serve less.
    let (x22, x64) = (usl(22.0), usl(64.0));
    assert!(x64 < 0.75 * x22);
}

#[test]
fn a_fallback_answers_for_a_dependency_that_is_down() {
    let with = |fallback: &str| {
        parse(&format!(
            r#"(version: 1, name: "t", seed: 3, nodes: [
                (id: "u", kind: Client(traffic: Poisson(rate: 200.0))),
                (id: "app", kind: Service(workers: 16, service: Exp(2.0))),
                (id: "recs", kind: Service(workers: 16, service: Exp(2.0))),
            ], links: [(from: "u", to: "app"), (from: "app", to: "recs"{fallback})],
            chaos: [(at_s: 5.0, for_s: 5.0, fault: Kill(node: "recs"))])"#
        ))
    };
    let plain = run_scenario(&with(""), "t", 3, 0.0, 15.0);
    assert!(plain.error_rate > 0.25, "the outage fails requests without a fallback: {}", plain.error_rate);
    let r = run_scenario(&with(", fallback: true"), "t", 3, 0.0, 15.0);
    assert_eq!(r.failed_total, 0, "every request was answered");
    let fell = r.links.iter().find(|l| l.to == "recs").unwrap().fallbacks;
    // About 5 s × 200/s calls met the dead dependency.
    assert!((800..=1200).contains(&fell), "fallbacks {fell}");
}

#[test]
fn slow_start_ramps_a_restarted_backend_in() {
    let with = |slow: &str| {
        parse(&format!(
            r#"(version: 1, name: "t", seed: 4, nodes: [
                (id: "u", kind: Client(traffic: Poisson(rate: 400.0))),
                (id: "lb", kind: LoadBalancer(policy: RoundRobin{slow})),
                (id: "a", kind: Service(workers: 8, service: Exp(5.0))),
                (id: "b", kind: Service(workers: 8, service: Exp(5.0))),
                (id: "c", kind: Service(workers: 8, service: Exp(5.0))),
                (id: "d", kind: Service(workers: 8, service: Exp(5.0))),
            ], links: [(from: "u", to: "lb"), (from: "lb", to: "a"), (from: "lb", to: "b"),
                (from: "lb", to: "c"), (from: "lb", to: "d")],
            chaos: [(at_s: 10.0, fault: Restart(node: "b", warmup_s: 30.0))])"#
        ))
    };
    // The share of b's arrivals in the 10 s after its restart (windows 11..20).
    let share = |s: &Scenario| {
        let (r, w) = run_measured(s, "t", 0.0, 40.0);
        let b = r.nodes.iter().position(|n| n.id == "b").unwrap();
        let apps: Vec<usize> =
            ["a", "b", "c", "d"].iter().map(|id| r.nodes.iter().position(|n| n.id == *id).unwrap()).collect();
        let win: Vec<_> = w.iter().filter(|x| x.t > 10.5 && x.t <= 20.5).collect();
        let of = |i: usize| win.iter().map(|x| x.nodes[i].arrivals).sum::<u64>() as f64;
        of(b) / apps.iter().map(|&i| of(i)).sum::<f64>()
    };
    let plain = share(&with(""));
    assert!((plain - 0.25).abs() < 0.03, "round robin gives b its quarter at once: {plain}");
    // Accepted with probability t/30 over the first 10 s: a sixth of its
    // quarter on average.
    let ramped = share(&with(", slow_start_s: 30.0"));
    assert!((ramped - 0.25 / 6.0).abs() < 0.015, "slow start: {ramped}");
}

#[test]
fn modulo_hashing_moves_most_keys_when_a_backend_leaves() {
    // Four caches behind a hashing balancer; one dies at 20 s. The reads
    // that reach the database in the next 10 s are the keys that moved.
    let misses = |policy: &str| {
        let s = parse(&format!(
            r#"(version: 1, name: "t", seed: 5, nodes: [
                (id: "u", kind: Client(traffic: Poisson(rate: 1000.0), keys: 2000)),
                (id: "lb", kind: LoadBalancer(policy: {policy},
                    health_check: (interval_ms: 200.0, unhealthy_after: 1, healthy_after: 1))),
                (id: "c1", kind: Cache(capacity: 5000)), (id: "c2", kind: Cache(capacity: 5000)),
                (id: "c3", kind: Cache(capacity: 5000)), (id: "c4", kind: Cache(capacity: 5000)),
                (id: "db", kind: Database(pool: 64, read: Exp(2.0))),
            ], links: [(from: "u", to: "lb"), (from: "lb", to: "c1"), (from: "lb", to: "c2"),
                (from: "lb", to: "c3"), (from: "lb", to: "c4"), (from: "c1", to: "db"), (from: "c2", to: "db"),
                (from: "c3", to: "db"), (from: "c4", to: "db")],
            chaos: [(at_s: 20.0, fault: Kill(node: "c4"))])"#
        ));
        let r = run_scenario(&s, "t", 5, 20.0, 10.0);
        r.nodes.iter().find(|n| n.id == "db").unwrap().arrivals
    };
    let (ring, modulo) = (misses("ConsistentHash"), misses("ModuloHash"));
    // The ring moves the dead cache's 500 keys; modulo three moves about
    // three keys in four (and the dead cache's too).
    assert!((400..=650).contains(&ring), "consistent hashing: {ring} misses");
    assert!(modulo > 2 * ring, "modulo hashing: {modulo} misses against {ring}");
}

#[test]
fn a_propagated_deadline_drops_work_nobody_waits_for() {
    let with = |propagate: &str| {
        parse(&format!(
            r#"(version: 1, name: "t", seed: 6, nodes: [
                (id: "u", kind: Client(traffic: Poisson(rate: 300.0), retry: (timeout_ms: 100.0, max_retries: 0){propagate})),
                (id: "api", kind: Service(workers: 2, service: Exp(5.0))),
            ], links: [(from: "u", to: "api")])"#
        ))
    };
    // 300/s against 400/s of capacity, but bursts queue past the deadline;
    // an overload (a spike ×2) makes most of the queue stale.
    let mut plain = with("");
    let mut fresh = with(", propagate_deadline: true");
    for s in [&mut plain, &mut fresh] {
        s.chaos.push(systemdecoder::chaos::Fault::parse_cli("spike u x2 at 5s for 10s").unwrap());
    }
    let a = run_scenario(&plain, "t", 6, 5.0, 15.0);
    let b = run_scenario(&fresh, "t", 6, 5.0, 15.0);
    let expired = b.nodes.iter().find(|n| n.id == "api").unwrap().expired;
    assert!(expired > 1000, "queued work past its deadline is dropped: {expired}");
    assert!(b.throughput_rps > 1.5 * a.throughput_rps, "answers in time: {} vs {}", b.throughput_rps, a.throughput_rps);
}
