//! Idempotency keys: a database recognises a write it already applied.

use systemdecoder::chaos::Fault;
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::model::*;

use crate::helpers::*;

const S: u64 = 1_000_000_000;

/// 200 requests a second, `write_ratio` of them writes, straight to a
/// database (fast, plenty of connections: nothing queues).
fn writes(write_ratio: f64, idempotent: bool) -> Scenario {
    let c = client("c", ClientSpec { traffic: Traffic::Poisson { rate: 200.0 }, write_ratio, ..Default::default() });
    let db = node(
        "db",
        NodeKind::Database(DatabaseSpec {
            pool: 64,
            write: Dist::Exp(1.0),
            read: Dist::Exp(1.0),
            idempotent,
            ..Default::default()
        }),
    );
    scenario(vec![c, db], vec![link("c", "db", 1.0)])
}

fn counter(e: &systemdecoder::sim::Engine, name: &str) -> Option<f64> {
    let span = e.now();
    e.nodes()[1].counters(e.now(), span).into_iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

fn run(s: &Scenario, faults: &[&str]) -> systemdecoder::sim::Engine {
    let mut e = s.engine(5);
    for f in faults {
        Fault::parse_cli(f).unwrap().schedule(&mut e).unwrap();
    }
    e.run_until(20 * S);
    e.check_conservation().unwrap();
    e
}

#[test]
fn a_write_delivered_twice_is_applied_twice_without_keys_and_once_with_them() {
    // Every request on the link is delivered twice: each write reaches the
    // database two times, for the same request.
    let e = run(&writes(1.0, false), &["duplicate c->db 100%"]);
    let arrivals = e.nodes()[1].stats.arrivals as f64;
    assert!(arrivals > 7_000.0, "{arrivals}");
    let doubled = counter(&e, "duplicate_effects").expect("listed once a write is doubled");
    close("every second arrival is a duplicate effect", doubled, arrivals / 2.0, 0.01);

    let e = run(&writes(1.0, true), &["duplicate c->db 100%"]);
    assert_eq!(counter(&e, "duplicate_effects"), Some(0.0));
    let recognised = counter(&e, "deduplicated").unwrap();
    close("every copy recognised", recognised, e.nodes()[1].stats.arrivals as f64 / 2.0, 0.01);
}

#[test]
fn reads_and_single_writes_are_never_duplicates() {
    // Reads, delivered twice, change nothing.
    let e = run(&writes(0.0, false), &["duplicate c->db 100%"]);
    assert_eq!(counter(&e, "duplicate_effects"), None, "not listed when nothing was doubled");
    // Writes delivered once: none doubled, none recognised.
    let e = run(&writes(1.0, true), &[]);
    assert_eq!((counter(&e, "duplicate_effects"), counter(&e, "deduplicated")), (Some(0.0), Some(0.0)));
}

#[test]
fn idempotent_is_optional_in_files_and_kept_when_saved() {
    let text = writes(1.0, true).to_ron();
    assert!(text.contains("idempotent: true"), "{text}");
    let (s, _) = Scenario::parse("db.ron", &text).unwrap();
    assert!(matches!(&s.nodes[1].kind, NodeKind::Database(d) if d.idempotent));
    assert!(!writes(1.0, false).to_ron().contains("idempotent"), "the default is not written out");
}

/// Orders through a queue to a consumer that writes them to a database
/// whose writes take LogNormal(200, 300) ms; the queue redelivers after
/// `visibility_ms` when given.
fn queued(visibility_ms: Option<f64>, idempotent: bool) -> Scenario {
    let c =
        client("c", ClientSpec { traffic: Traffic::Poisson { rate: 400.0 }, write_ratio: 1.0, ..Default::default() });
    let q = node(
        "q",
        NodeKind::Queue(QueueSpec {
            capacity: None,
            consumers: 512,
            visibility_timeout_ms: visibility_ms,
            max_receives: Some(20),
            ..Default::default()
        }),
    );
    let db = node(
        "db",
        NodeKind::Database(DatabaseSpec {
            pool: 512,
            write: Dist::LogNormal { mean: 200.0, std_dev: 300.0 },
            idempotent,
            ..Default::default()
        }),
    );
    scenario(vec![c, q, db], vec![link("c", "q", 1.0), link("q", "db", 1.0)])
}

#[test]
fn each_queued_job_is_its_own_request_and_a_redelivery_is_the_same_one() {
    let db_counter = |e: &systemdecoder::sim::Engine, name: &str| {
        e.nodes()[2].counters(e.now(), e.now()).into_iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    };
    // Delivered once each: eight thousand different jobs, none a duplicate.
    let e = run(&queued(None, false), &[]);
    assert!(e.nodes()[2].stats.arrivals > 7_000, "{}", e.nodes()[2].stats.arrivals);
    assert_eq!(db_counter(&e, "duplicate_effects"), None, "no write is doubled");
    // Redelivered after 1 s: a write still running then is applied again.
    // P(LogNormal(200, 300) > 1 000 ms) = 1 − Φ((ln 1000 − μ) / σ) = 2.14 %.
    let e = run(&queued(Some(1000.0), false), &[]);
    let jobs = e.nodes()[1].stats.arrivals as f64;
    let doubled = db_counter(&e, "duplicate_effects").unwrap();
    close("doubled writes: the share slower than the timeout", doubled / jobs, 0.0214, 0.2);
    // With keys every redelivery is recognised, and none is applied twice.
    let e = run(&queued(Some(1000.0), true), &[]);
    assert_eq!(db_counter(&e, "duplicate_effects"), Some(0.0));
    let recognised = db_counter(&e, "deduplicated").unwrap();
    close("recognised: the share slower than the timeout", recognised / jobs, 0.0214, 0.2);
}
