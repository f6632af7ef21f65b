//! The leaderless quorum store against what probability says.
//!
//! Copies apply each write after i.i.d. exponential lags of mean m. A write
//! succeeds when the W-th copy has it; by memorylessness the other N − W are
//! then still Exp(m) away, and the W that have it are a uniformly random set.
//! A read takes the first R answers (a uniformly random R-set), so a read τ
//! after the latest success is stale with probability
//! C(N−W, R)/C(N, R) · e^(−Rτ/m), zero whenever R + W > N. With one write
//! every D seconds (D ≫ m) and Poisson reads, τ is uniform over the interval
//! and the stale share is C(N−W, R)/C(N, R) · m/(R·D).

use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::model::*;
use systemdecoder::sim::report::Report;

use crate::helpers::*;

fn choose(n: u32, k: u32) -> f64 {
    if k > n {
        return 0.0;
    }
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

fn store(n: u32, r: u32, w: u32, lag_ms: f64, read_repair: bool) -> NodeSpec {
    node(
        "kv",
        NodeKind::QuorumStore(QuorumStoreSpec {
            replicas: n,
            read_quorum: r,
            write_quorum: w,
            read: Dist::Exp(1.0),
            lag: Dist::Exp(lag_ms),
            timeout_ms: 5_000.0,
            read_repair,
        }),
    )
}

/// One writer every `every_s` seconds and Poisson readers, all on one key.
fn run_key(kv: NodeSpec, every_s: f64, reads_per_s: f64, seconds: f64) -> Report {
    let writer = client(
        "writer",
        ClientSpec {
            traffic: Traffic::Constant { rate: 1.0 / every_s },
            write_ratio: 1.0,
            keys: 1,
            ..Default::default()
        },
    );
    let readers = client(
        "readers",
        ClientSpec { traffic: Traffic::Poisson { rate: reads_per_s }, write_ratio: 0.0, keys: 1, ..Default::default() },
    );
    let s = scenario(vec![writer, readers, kv], vec![link("writer", "kv", 0.5), link("readers", "kv", 0.5)]);
    run(&s, 3, 2.0 * every_s, seconds)
}

fn count(r: &Report, what: &str) -> f64 {
    node_report(r, "kv").detail.get(what).copied().unwrap_or_else(|| panic!("no counter {what}"))
}

#[test]
fn overlapping_quorums_never_read_stale_data() {
    // R + W > N: (3, 2, 2) and (5, 1, 5). Lags long against the read rate.
    for (n, r, w) in [(3, 2, 2), (5, 1, 5)] {
        let rep = run_key(store(n, r, w, 200.0, false), 0.5, 2000.0, 20.0);
        let reads = count(&rep, "reads");
        assert!(reads > 30_000.0, "{reads} reads");
        assert_eq!(count(&rep, "stale_reads"), 0.0, "N={n} R={r} W={w}: stale reads with R + W > N");
    }
}

#[test]
fn sloppy_quorums_read_stale_data_as_often_as_theory_says() {
    // m = 5 ms and a write every 50 ms: e^(−R·D/m) is negligible, and 2000
    // writes a run keep the spread between writes' luck near 2 %.
    let (m, d) = (0.005, 0.05);
    for (n, r, w, seconds) in [(3u32, 1u32, 1u32, 100.0), (5, 2, 2, 100.0)] {
        let rep = run_key(store(n, r, w, m * 1e3, false), d, 2000.0, seconds);
        let share = count(&rep, "stale_reads") / count(&rep, "reads");
        let theory = choose(n - w, r) / choose(n, r) * m / (r as f64 * d);
        close(&format!("stale share N={n} R={r} W={w}"), share, theory, 0.06);
    }
}

#[test]
fn read_repair_cuts_stale_reads() {
    let without = run_key(store(5, 2, 1, 100.0, false), 1.0, 2000.0, 60.0);
    let with = run_key(store(5, 2, 1, 100.0, true), 1.0, 2000.0, 60.0);
    let share = |r: &Report| count(r, "stale_reads") / count(r, "reads");
    assert!(count(&with, "repairs") > 0.0);
    assert!(
        share(&with) < 0.8 * share(&without),
        "read repair: {:.4} stale vs {:.4} without",
        share(&with),
        share(&without)
    );
}

/// A write fails when fewer than W copies apply it within the timeout:
/// each copy makes it with p = 1 − e^(−T/m), so success is a binomial tail.
#[test]
fn writes_fail_when_fewer_than_w_copies_answer_in_time() {
    let (m, t) = (10.0, 20.0);
    let p = 1.0 - (-t / m as f64).exp();
    for (n, w) in [(3u32, 3u32), (3, 2), (5, 4)] {
        let kv = node(
            "kv",
            NodeKind::QuorumStore(QuorumStoreSpec {
                replicas: n,
                read_quorum: 1,
                write_quorum: w,
                read: Dist::Exp(1.0),
                lag: Dist::Exp(m),
                timeout_ms: t,
                read_repair: false,
            }),
        );
        let writers = client(
            "writers",
            ClientSpec {
                traffic: Traffic::Poisson { rate: 2000.0 },
                write_ratio: 1.0,
                keys: 1000,
                ..Default::default()
            },
        );
        let rep = run(&scenario(vec![writers, kv], vec![link("writers", "kv", 0.5)]), 5, 0.0, 15.0);
        let ok: f64 = (w..=n).map(|k| choose(n, k) * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32)).sum();
        let failed = count(&rep, "failed_writes") / count(&rep, "writes");
        close(&format!("failed writes N={n} W={w}"), failed, 1.0 - ok, 0.06);
        // The clients see those failures as timeouts, once the timeout has
        // passed (writes decided in the last 20 ms are still on their way).
        let seen = rep.failed.get("timeout").copied().unwrap_or(0) as f64;
        let decided = count(&rep, "failed_writes");
        assert!(seen <= decided && seen >= decided - 2000.0 * t / 1e3, "{seen} timeouts, {decided} failed writes");
    }
}

/// A read waits for the R-th fastest of N exponential answers:
/// mean m · (1/N + 1/(N−1) + … + 1/(N−R+1)).
#[test]
fn read_latency_is_the_r_th_fastest_answer() {
    let m = 4.0;
    let (n, r) = (5u32, 3u32);
    let kv = node(
        "kv",
        NodeKind::QuorumStore(QuorumStoreSpec {
            replicas: n,
            read_quorum: r,
            write_quorum: 3,
            read: Dist::Exp(m),
            lag: Dist::Exp(1.0),
            timeout_ms: 1e6,
            read_repair: false,
        }),
    );
    let readers = client(
        "readers",
        ClientSpec { traffic: Traffic::Poisson { rate: 2000.0 }, write_ratio: 0.0, keys: 100, ..Default::default() },
    );
    let rep = run(&scenario(vec![readers, kv], vec![link("readers", "kv", 0.0)]), 9, 0.0, 20.0);
    let theory = m * (0..r).map(|i| 1.0 / (n - i) as f64).sum::<f64>();
    close("mean read time at the store", node_report(&rep, "kv").sojourn_ms.mean, theory, 0.03);
}
