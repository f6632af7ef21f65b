//! The engine against closed-form queueing results. Service times are in ms,
//! so a service with mean 1 ms has μ = 1000/s. Runs are long enough that the
//! sampling error is well inside the tolerances (a fixed seed makes each run
//! reproducible; the tolerances are set from the run length, not tuned to it).

use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::model::*;

use crate::helpers::*;

#[test]
fn mm1_mean_and_p99_sojourn() {
    // ρ = 0.8: W = 1/(μ-λ) = 5 ms; the sojourn is exponential, so its p99 is
    // W·ln(100) = 23.03 ms; Lq = ρ²/(1-ρ) = 3.2.
    let s = scenario(vec![poisson("c", 800.0), service("s", 1, Dist::Exp(1.0))], vec![link("c", "s", 0.0)]);
    let r = run(&s, 11, 20.0, 2000.0);
    let n = node_report(&r, "s");
    close("M/M/1 mean sojourn (ms)", n.sojourn_ms.mean, 5.0, 0.03);
    close("M/M/1 p99 sojourn (ms)", n.sojourn_ms.p99, 5.0 * 100f64.ln(), 0.05);
    close("M/M/1 utilisation", n.utilization.unwrap(), 0.8, 0.01);
    close("M/M/1 mean queue length", n.mean_queue_len, 3.2, 0.05);
    // With zero-latency links the client sees exactly the node's sojourn.
    close("end-to-end mean (ms)", r.latency_ms.mean, 5.0, 0.03);
}

fn mmc_wait(c: u32, rate: f64, seconds: f64) {
    let s = scenario(vec![poisson("c", rate), service("s", c, Dist::Exp(1.0))], vec![link("c", "s", 0.0)]);
    let r = run(&s, 5, 20.0, seconds);
    let n = node_report(&r, "s");
    let (lambda, mu) = (rate / 1000.0, 1.0); // per ms
    let a = lambda / mu;
    let wq = erlang_c(c, a) / (c as f64 * mu - lambda);
    close(&format!("M/M/{c} mean wait (ms), Erlang C"), n.mean_wait_ms, wq, 0.03);
    close(&format!("M/M/{c} mean sojourn (ms)"), n.sojourn_ms.mean, wq + 1.0 / mu, 0.02);
    close(&format!("M/M/{c} utilisation"), n.utilization.unwrap(), a / c as f64, 0.01);
}

#[test]
fn mmc_mean_wait_matches_erlang_c_for_2_servers() {
    mmc_wait(2, 1600.0, 1500.0);
}

#[test]
fn mmc_mean_wait_matches_erlang_c_for_8_servers() {
    mmc_wait(8, 6400.0, 600.0);
}

#[test]
fn mm1k_blocking_probability() {
    // K = 5 places (1 in service + 4 waiting), ρ = 0.9:
    // P_block = (1-ρ)ρ^K / (1-ρ^(K+1)) = 0.12602.
    let mut srv = service("s", 1, Dist::Exp(1.0));
    if let NodeKind::Service(sp) = &mut srv.kind {
        sp.queue_limit = Some(4);
    }
    let s = scenario(vec![poisson("c", 900.0), srv], vec![link("c", "s", 0.0)]);
    let r = run(&s, 3, 10.0, 1000.0);
    let n = node_report(&r, "s");
    let rho: f64 = 0.9;
    let p = (1.0 - rho) * rho.powi(5) / (1.0 - rho.powi(6));
    close("M/M/1/5 blocking probability", n.rejected as f64 / n.arrivals as f64, p, 0.03);
    // Every rejection reaches the client as a queue_full failure.
    assert_eq!(r.failed["queue_full"], n.rejected);
}

#[test]
fn jackson_tandem_network() {
    // Two M/M/1 stations in series (Burke: the first one's departures are
    // Poisson), λ = 0.7/ms, μ1 = 1/ms, μ2 = 1/1.2 ms:
    // W = 1/(μ1-λ) + 1/(μ2-λ) = 3.333 + 7.5 ms.
    let s = scenario(
        vec![poisson("c", 700.0), service("s1", 1, Dist::Exp(1.0)), service("s2", 1, Dist::Exp(1.2))],
        vec![link("c", "s1", 0.0), link("s1", "s2", 0.0)],
    );
    let r = run(&s, 21, 20.0, 2000.0);
    close("station 1 sojourn (ms)", node_report(&r, "s1").sojourn_ms.mean, 1.0 / 0.3, 0.03);
    close("station 2 sojourn (ms)", node_report(&r, "s2").sojourn_ms.mean, 1.0 / (1.0 / 1.2 - 0.7), 0.03);
    close("end-to-end (ms)", r.latency_ms.mean, 1.0 / 0.3 + 1.0 / (1.0 / 1.2 - 0.7), 0.03);
}

#[test]
fn littles_law_holds_globally_and_per_node() {
    let (s, _) = systemdecoder::scenario::Scenario::parse(
        "three-tier.ron",
        include_str!("../../scenarios/examples/three-tier.ron"),
    )
    .unwrap();
    let r = run(&s, 9, 10.0, 300.0);
    assert_eq!(r.failed_total, 0, "the check below assumes no failures");
    // L = λW for the whole system: time-average requests in flight equals
    // throughput times mean latency.
    close("global L vs λW", r.mean_in_flight, r.throughput_rps * r.latency_ms.mean / 1000.0, 0.02);
    for n in r.nodes.iter().filter(|n| n.completions > 10_000) {
        let l = n.mean_queue_len + n.mean_busy;
        let lambda = n.completions as f64 / r.measured_seconds;
        close(&format!("{}: L vs λW", n.id), l, lambda * n.sojourn_ms.mean / 1000.0, 0.02);
    }
}

#[test]
fn md1_queue_on_a_bandwidth_limited_wire() {
    // 1000-byte requests over 8 Mbit/s take exactly 1 ms to serialise: the
    // wire is an M/D/1 queue at ρ = 0.5, so W = 1 + λS²/(2(1-ρ)) = 1.5 ms.
    // Responses are 1 byte (1 µs) so the way back adds almost nothing.
    let c = client(
        "c",
        ClientSpec {
            traffic: Traffic::Poisson { rate: 500.0 },
            request_bytes: 1000,
            response_bytes: 1,
            ..Default::default()
        },
    );
    let mut l = link("c", "s", 0.0);
    l.bandwidth_mbps = Some(8.0);
    let s = scenario(vec![c, service("s", 1000, Dist::Const(0.0))], vec![l]);
    let r = run(&s, 4, 10.0, 1000.0);
    close("M/D/1 wire sojourn + 1 µs back (ms)", r.latency_ms.mean, 1.5 + 0.001, 0.02);
}

#[test]
fn web3tier_benchmark_round_trip() {
    // 8.2 ms of fixed delays plus queueing: the database is M/M/16 at 75 %
    // (Erlang C wait 0.102 ms, taken by 30 % of requests); the apps get
    // round-robin (Erlang-4) arrivals, so they wait less than M/M/8's
    // 0.056 ms. Hence 8.231 ms < mean < 8.287 ms.
    let (s, _) =
        systemdecoder::scenario::Scenario::parse("web3tier.ron", include_str!("../../scenarios/bench/web3tier.ron"))
            .unwrap();
    let r = run(&s, 1, 2.0, 20.0);
    println!("web3tier mean round trip: {:.4} ms", r.latency_ms.mean);
    assert!((8.225..8.29).contains(&r.latency_ms.mean), "mean {}", r.latency_ms.mean);
    let db = node_report(&r, "db");
    close("database mean wait (Erlang C, approx.)", db.mean_wait_ms, erlang_c(16, 12.0) / 2.0, 0.15);
}
