//! Insights: every rule speaks on a run that shows its problem, and none
//! speaks on the default scenario or on healthy designs.

use systemdecoder::learn::concept::{Design, Loaded};
use systemdecoder::learn::insight::{Insight, insights};
use systemdecoder::learn::{Measured, run_measured};
use systemdecoder::scenario::Scenario;

fn seen(s: &Scenario, warmup: f64, seconds: f64) -> Vec<Insight> {
    let (r, w) = run_measured(s, "t", warmup, seconds);
    insights(Measured { report: &r, windows: &w })
}

fn parse(text: &str) -> Scenario {
    Scenario::parse("t.ron", text).unwrap_or_else(|e| panic!("{e}")).0
}

fn concept(id: &str, d: Design) -> Scenario {
    Loaded::get(id).unwrap().scenario(d).unwrap()
}

fn rules(v: &[Insight]) -> Vec<&str> {
    v.iter().map(|i| i.rule).collect()
}

#[track_caller]
fn fires(rule: &str, s: &Scenario, warmup: f64, seconds: f64) {
    let v = seen(s, warmup, seconds);
    let hit = v.iter().find(|i| i.rule == rule).unwrap_or_else(|| panic!("{rule} did not fire; saw {:?}", rules(&v)));
    assert!(Loaded::get(hit.concept).is_ok(), "{rule} links to a concept that exists: {}", hit.concept);
    assert!(hit.says.chars().any(|c| c.is_ascii_digit()), "{rule} says its numbers: {}", hit.says);
}

const OVERLOAD: &str = r#"(version: 1, name: "t", seed: 1, nodes: [
    (id: "u", kind: Client(traffic: Poisson(rate: 400.0))),
    (id: "api", kind: Service(workers: 2, service: Exp(10.0))),
], links: [(from: "u", to: "api")])"#;

#[test]
fn a_full_node_with_a_growing_queue_is_called_out() {
    fires("saturated", &parse(OVERLOAD), 2.0, 10.0);
    let backlog = parse(
        r#"(version: 1, name: "t", seed: 1, nodes: [
        (id: "u", kind: Client(traffic: Poisson(rate: 300.0))),
        (id: "q", kind: Queue(consumers: 2)),
        (id: "w", kind: Service(workers: 2, service: Exp(10.0))),
    ], links: [(from: "u", to: "q"), (from: "q", to: "w")])"#,
    );
    let v = seen(&backlog, 2.0, 10.0);
    assert!(v.iter().any(|i| i.rule == "saturated" && i.concept == "queue-load-levelling"), "{:?}", rules(&v));
    // A stream held up by messages that always fail is not short of
    // consumers: the remark names poison messages, and the fix silences it.
    let concept_of = |v: &[Insight]| v.iter().find(|i| i.rule == "saturated").map(|i| i.concept);
    let v = seen(&concept("poison-messages", Design::Before), 5.0, 60.0);
    assert_eq!(concept_of(&v), Some("poison-messages"), "{:?}", rules(&v));
    let v = seen(&concept("poison-messages", Design::After), 5.0, 60.0);
    assert_eq!(concept_of(&v), None, "{:?}", rules(&v));
    let v = seen(&concept("stream-partitions-lag", Design::Before), 5.0, 60.0);
    assert_ne!(concept_of(&v), Some("poison-messages"), "slow consumers are not poison: {:?}", rules(&v));
}

#[test]
fn a_balancer_feeding_a_dead_server_is_called_out() {
    fires("black_hole", &concept("least-connections-black-hole", Design::Before), 10.0, 20.0);
    let v = seen(&concept("least-connections-black-hole", Design::After), 10.0, 20.0);
    assert!(!rules(&v).contains(&"black_hole"), "health checks fixed it: {:?}", rules(&v));
}

#[test]
fn failures_by_reason_are_called_out() {
    let timeouts = parse(
        r#"(version: 1, name: "t", seed: 1, nodes: [
        (id: "u", kind: Client(traffic: Poisson(rate: 100.0), retry: (timeout_ms: 50.0, max_retries: 0))),
        (id: "api", kind: Service(workers: 50, service: Exp(100.0))),
    ], links: [(from: "u", to: "api")])"#,
    );
    fires("timeout", &timeouts, 2.0, 10.0);
    let full = OVERLOAD.replace("workers: 2,", "workers: 2, queue_limit: 20,");
    fires("queue_full", &parse(&full), 2.0, 10.0);
    fires("rate_limited", &concept("token-bucket", Design::After), 5.0, 30.0);
    let down = OVERLOAD.replace("workers: 2,", "workers: 8,").replace(
        "links: [(from: \"u\", to: \"api\")])",
        "links: [(from: \"u\", to: \"api\")], chaos: [(at_s: 3.0, fault: Kill(node: \"api\"))])",
    );
    fires("node_down", &parse(&down), 2.0, 10.0);
}

#[test]
fn counters_of_single_nodes_are_called_out() {
    fires("retry_storm", &concept("retry-budget", Design::Before), 5.0, 30.0);
    fires("stale_reads", &concept("replication-lag", Design::Before), 5.0, 30.0);
    fires("stale_reads", &concept("quorum-reads-writes", Design::Before), 5.0, 30.0);
    fires("cold_starts", &concept("serverless-cold-starts", Design::Before), 5.0, 60.0);
    fires("duplicate_effects", &concept("idempotency-keys", Design::Before), 5.0, 30.0);
    fires("duplicate_effects", &concept("exactly-once-effect", Design::Before), 5.0, 30.0);
    fires("lost_writes", &concept("sync-replication", Design::Before), 5.0, 25.0);
    // Their fixes silence them.
    fires("stale_hits", &concept("cache-invalidation", Design::Before), 5.0, 25.0);
    for (rule, id) in [
        ("duplicate_effects", "idempotency-keys"),
        ("lost_writes", "sync-replication"),
        ("stale_hits", "cache-invalidation"),
        ("stale_reads", "quorum-reads-writes"),
        ("duplicate_effects", "exactly-once-effect"),
    ] {
        let v = seen(&concept(id, Design::After), 5.0, 25.0);
        assert!(!rules(&v).contains(&rule), "{id}'s fix: {:?}", rules(&v));
    }
    let misses = parse(
        r#"(version: 1, name: "t", seed: 1, nodes: [
        (id: "u", kind: Client(traffic: Poisson(rate: 200.0), keys: 100000)),
        (id: "c", kind: Cache(capacity: 100, ttl_ms: 60000.0)),
        (id: "db", kind: Database(pool: 16, read: Exp(5.0))),
    ], links: [(from: "u", to: "c"), (from: "c", to: "db")])"#,
    );
    fires("cache_misses", &misses, 2.0, 10.0);
}

#[test]
fn healthy_runs_draw_no_remark() {
    let default = systemdecoder::scenario::default_scenario().unwrap();
    let healthy = [
        ("default", default),
        ("utilisation-knee after", concept("utilisation-knee", Design::After)),
        ("cache-aside after", concept("cache-aside", Design::After)),
        ("read-replicas after", concept("read-replicas", Design::After)),
    ];
    for (name, s) in healthy {
        let v = seen(&s, 5.0, 30.0);
        assert!(v.is_empty(), "{name}: {:?}", v.iter().map(|i| &i.says).collect::<Vec<_>>());
    }
}
