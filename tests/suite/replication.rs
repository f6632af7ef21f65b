//! Replicated databases: synchronous replication (a write is confirmed once
//! every replica has it) and read-your-writes (a key written lately is read
//! from the primary).

use systemdecoder::chaos::Fault;
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::Engine;
use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::model::*;
use systemdecoder::sim::report::Report;

use crate::helpers::*;

const S: u64 = 1_000_000_000;

/// `rate` requests a second, `write_ratio` of them writes, over 100 keys,
/// to `db` (a pool big enough that nothing queues).
fn design(rate: f64, write_ratio: f64, db: ReplicatedDatabaseSpec) -> Scenario {
    let c =
        client("c", ClientSpec { traffic: Traffic::Poisson { rate }, write_ratio, keys: 100, ..Default::default() });
    let db = node("db", NodeKind::ReplicatedDatabase(ReplicatedDatabaseSpec { replicas: 2, pool: 256, ..db }));
    scenario(vec![c, db], vec![link("c", "db", 1.0)])
}

/// 400 requests a second to two replicas whose lags are Exp(`lag_ms`).
fn store(write_ratio: f64, lag_ms: f64, sync: bool) -> Scenario {
    let db = ReplicatedDatabaseSpec {
        read: Dist::Const(1.0),
        write: Dist::Const(2.0),
        lag: Dist::Exp(lag_ms),
        failover_s: 5.0,
        sync_replication: sync,
        ..Default::default()
    };
    design(400.0, write_ratio, db)
}

fn run(s: &Scenario, faults: &[&str], secs: u64) -> (Engine, Report) {
    let mut e = s.engine(21);
    for f in faults {
        Fault::parse_cli(f).unwrap().schedule(&mut e).unwrap();
    }
    e.run_until(secs * S);
    let r = Report::from_engine(&e, "test", 0);
    assert_eq!(r.conservation, "ok");
    (e, r)
}

#[test]
fn a_synchronous_write_waits_for_the_slower_of_two_replicas() {
    // The slower of two Exp(L) lags has mean L + L/2: with L = 20 ms and
    // 2 ms of work, a write holds its connection 32 ms on average.
    let (_, r) = run(&store(1.0, 20.0, true), &[], 60);
    let db = node_report(&r, "db");
    close("mean write time at the database", db.sojourn_ms.mean, 2.0 + 1.5 * 20.0, 0.02);
    // Asynchronous: the write's own 2 ms.
    let (_, r) = run(&store(1.0, 20.0, false), &[], 60);
    close("asynchronous write time", node_report(&r, "db").sojourn_ms.mean, 2.0, 0.01);
}

#[test]
fn a_failover_loses_confirmed_writes_only_when_replication_is_asynchronous() {
    // 200 writes a second, 50 ms behind: about 10 confirmed and not yet on a
    // replica at any moment.
    let (_, r) = run(&store(0.5, 50.0, false), &["failover db at 10s"], 30);
    let lost = node_report(&r, "db").detail["lost_writes"];
    assert!((2.0..=30.0).contains(&lost), "asynchronous: {lost} lost");
    assert!(node_report(&r, "db").detail["stale_reads"] > 0.0);
    let (_, r) = run(&store(0.5, 50.0, true), &["failover db at 10s"], 30);
    let db = node_report(&r, "db");
    assert_eq!((db.detail["lost_writes"], db.detail["stale_reads"]), (0.0, 0.0), "synchronous: nothing lost or stale");
    // Writes confirmed after the election wait for the one replica left.
    assert!(r.failed["node_down"] > 0, "writes during the election fail, as before");
}

#[test]
fn after_a_promotion_writes_wait_for_the_replicas_that_are_left() {
    let (mut e, _) = run(&store(1.0, 20.0, true), &["failover db at 5s"], 12);
    e.reset_stats();
    e.run_until(60 * S);
    let r = Report::from_engine(&e, "test", 0);
    // One replica left: the wait is one Exp(20 ms) lag.
    close("mean write time with one replica", node_report(&r, "db").sojourn_ms.mean, 2.0 + 20.0, 0.03);
}

/// 1 000 requests a second, half writes, over 100 keys (5 writes a second
/// per key), replicas 50 ms behind, reads of keys written in the last
/// `window` ms sent to the primary.
fn read_your_writes(window: Option<f64>) -> Scenario {
    let db = ReplicatedDatabaseSpec {
        read: Dist::Const(1.0),
        write: Dist::Const(1.0),
        lag: Dist::Const(50.0),
        read_your_writes_ms: window,
        ..Default::default()
    };
    design(1000.0, 0.5, db)
}

#[test]
fn read_your_writes_sends_fresh_keys_to_the_primary() {
    // A key's latest write is Exp(5/s) old. Reads of keys written in the
    // last 100 ms go to the primary: 1 − e^(−0.5) of them, and none of the
    // rest can be stale (the lag is 50 ms).
    let (_, r) = run(&read_your_writes(Some(100.0)), &[], 60);
    let db = node_report(&r, "db");
    let served = db.members_served.clone().unwrap();
    let (writes, reads) = (db.arrivals as f64 * 0.5, db.arrivals as f64 * 0.5);
    close("reads on the primary", (served[0] as f64 - writes) / reads, 1.0 - (-0.5f64).exp(), 0.03);
    // Stale reads are judged when the read ends: the only ones left are
    // reads during which their key's write committed on the primary (a
    // write concurrent with the read), at most 1 − e^(−5 × 1 ms) ≈ 0.5 %.
    let left = db.detail["stale_reads"] / reads;
    assert!(left < 0.006, "stale with the window: {left}");
    // A window shorter than the lag: a read is stale when the key's latest
    // write is 20 to 50 ms old, e^(−0.1) − e^(−0.25) of reads.
    let (_, r) = run(&read_your_writes(Some(20.0)), &[], 60);
    let db = node_report(&r, "db");
    let stale = db.detail["stale_reads"] / (db.arrivals as f64 * 0.5);
    close("stale with a 20 ms window", stale, (-0.1f64).exp() - (-0.25f64).exp(), 0.04);
    // Without it: written in the last 50 ms, 1 − e^(−0.25).
    let (_, r) = run(&read_your_writes(None), &[], 60);
    let db = node_report(&r, "db");
    close("stale without", db.detail["stale_reads"] / (db.arrivals as f64 * 0.5), 1.0 - (-0.25f64).exp(), 0.03);
}

/// 400 requests a second, a quarter of them writes, to a primary and two
/// replicas placed in zones a, b and c (or as given).
fn zoned(zones: [&str; 3]) -> Scenario {
    let db = ReplicatedDatabaseSpec {
        read: Dist::Const(1.0),
        write: Dist::Const(2.0),
        lag: Dist::Exp(5.0),
        failover_s: 5.0,
        zones: zones.iter().map(|z| z.to_string()).collect(),
        ..Default::default()
    };
    design(400.0, 0.25, db)
}

#[test]
fn members_in_zones_of_their_own_fail_alone() {
    let failed = |r: &Report| r.failed.get("node_down").copied().unwrap_or(0) as f64;
    // A replica's zone: reads move to the other replica; only the few reads
    // in service there at that instant fail.
    let (_, r) = run(&zoned(["a", "b", "c"]), &["zone c at 10s for 10s"], 30);
    assert!(failed(&r) <= 5.0, "{} failed", failed(&r));
    let served = node_report(&r, "db").members_served.clone().unwrap();
    assert!(served[2] * 3 < served[1] * 2, "the replica out for a third of the run served less: {served:?}");
    // Both replicas' zones: the primary serves the reads meanwhile.
    let (_, r) = run(&zoned(["a", "b", "c"]), &["zone b at 10s for 10s", "zone c at 10s for 10s"], 30);
    assert!(failed(&r) <= 5.0, "{} failed", failed(&r));
    // The primary's zone: writes (100 a second) fail until a replica in
    // another zone is promoted 5 s later; reads carry on.
    let (_, r) = run(&zoned(["a", "b", "c"]), &["zone a at 10s for 10s"], 30);
    close("writes lost to the election", failed(&r), 100.0 * 5.0, 0.15);
    // Every member in the zone: no replica to promote, so everything fails
    // for the whole outage, as when the node itself is in the zone.
    let (_, r) = run(&zoned(["a", "a", "a"]), &["zone a at 10s for 10s"], 30);
    close("everything fails for 10 s", failed(&r), 400.0 * 10.0, 0.1);
    // Zones that do not fit the members are refused by name.
    let mut bad = zoned(["a", "b", "c"]);
    if let NodeKind::ReplicatedDatabase(d) = &mut bad.nodes[1].kind {
        d.zones.pop();
    }
    let e = bad.check().unwrap_err();
    assert!(e.path.contains("zones") && e.message.contains("one zone per member"), "{}: {}", e.path, e.message);
}
