//! Hedged requests (`hedge_after_ms` on a link): against order statistics
//! at low load, and the pair's rules (first success wins, an early error
//! waits for the other copy, the abandoned copy never answers twice).

use systemdecoder::chaos::Fault;
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::metrics::FailReason;
use systemdecoder::sim::model::*;
use systemdecoder::sim::report::Report;

use crate::helpers::*;

const S: u64 = 1_000_000_000;

fn hedged(mut l: LinkSpec, after_ms: f64) -> LinkSpec {
    l.hedge_after_ms = Some(after_ms);
    l
}

fn hop_timeout(mut l: LinkSpec, timeout_ms: f64) -> LinkSpec {
    l.retry = Some(RetryPolicy { timeout_ms, max_retries: 0, ..Default::default() });
    l
}

/// users → (hedged) lb → `backends` identical services, every link instant.
fn replicas(rate: f64, backends: usize, workers: u32, service_time: Dist, hedge_ms: Option<f64>) -> Scenario {
    let mut nodes = vec![poisson("users", rate), lb("lb", LbPolicy::RoundRobin)];
    let mut first = link("users", "lb", 0.0);
    first.hedge_after_ms = hedge_ms;
    let mut links = vec![first];
    for i in 1..=backends {
        nodes.push(service(&format!("r{i}"), workers, service_time.clone()));
        links.push(link("lb", &format!("r{i}"), 0.0));
    }
    scenario(nodes, links)
}

fn hedges(r: &Report) -> u64 {
    r.links.iter().map(|l| l.hedges).sum()
}

#[test]
fn hedging_matches_the_order_statistics_at_low_load() {
    // No queueing (300 workers for ~5 busy at a time): the answer comes at
    // T = min(X1, d + X2) with X1, X2 ~ Exp(mean m). P(T > t) = e^(-t/m)
    // before d and e^(-t/m) e^(-(t-d)/m) after it, so
    //   E[T] = ∫ P(T > t) dt = m (1 - e^(-d/m)) + (m/2) e^(-d/m) = m - (m/2) e^(-d/m),
    //   p99 = (d + m ln 100) / 2   (when e^(-d/m) > 1 %),
    // and a hedge is sent when X1 > d: a share e^(-d/m) of the requests.
    let (m, d) = (10.0, 10.0);
    let s = replicas(2000.0, 3, 100, Dist::Exp(m), Some(d));
    let r = run(&s, 11, 1.0, 31.0);
    assert_eq!(r.failed_total, 0);
    let tail = (-d / m as f64).exp();
    println!("requests {} hedges {}", r.completed, hedges(&r));
    close("hedge share e^(-d/m)", hedges(&r) as f64 / r.created as f64, tail, 0.03);
    close("mean m - m/2 e^(-d/m)", r.latency_ms.mean, m - m / 2.0 * tail, 0.02);
    close("p99 (d + m ln 100) / 2", r.latency_ms.p99, (d + m * 100f64.ln()) / 2.0, 0.03);
    // Without the hedge: one exponential, p99 = m ln 100 = 46 ms.
    let plain = run(&replicas(2000.0, 3, 100, Dist::Exp(m), None), 11, 1.0, 11.0);
    assert_eq!(hedges(&plain), 0);
    close("p99 without hedging, m ln 100", plain.latency_ms.p99, m * 100f64.ln(), 0.04);
    // Every hedge is one more request for the backends: the extra load.
    let arrivals: u64 = (1..=3).map(|i| node_report(&r, &format!("r{i}")).arrivals).sum();
    let made = r.created + hedges(&r);
    assert!(arrivals.abs_diff(made) <= 400, "backends received {arrivals}, requests and hedges {made}");
}

#[test]
fn a_hedge_is_sent_only_when_the_answer_is_late() {
    // 5 ms answers and a 10 ms hedge: never needed, and the run is the
    // same as without the field.
    let quick = run(&replicas(500.0, 2, 50, Dist::Const(5.0), Some(10.0)), 3, 0.0, 5.0);
    let plain = run(&replicas(500.0, 2, 50, Dist::Const(5.0), None), 3, 0.0, 5.0);
    assert_eq!(hedges(&quick), 0);
    assert_eq!(quick.completed, plain.completed);
    assert_eq!(quick.latency_ms.p99, plain.latency_ms.p99);
    // 20 ms answers and a 10 ms hedge: every request is hedged, the
    // original still answers first (20 ms, the copy would take 30), and
    // each request is finished exactly once.
    let slow = run(&replicas(500.0, 2, 50, Dist::Const(20.0), Some(10.0)), 3, 0.0, 5.0);
    assert!(slow.created - hedges(&slow) <= slow.in_flight, "every request older than 10 ms is hedged");
    assert_eq!(slow.completed + slow.in_flight, slow.created);
    assert_eq!(slow.failed_total, 0);
    assert!((slow.latency_ms.max - 20.0).abs() < 0.1, "the first answer wins: {}", slow.latency_ms.max);
    // The backends did the work twice.
    let arrivals: u64 = (1..=2).map(|i| node_report(&slow, &format!("r{i}")).arrivals).sum();
    assert!(arrivals >= 2 * slow.completed, "{arrivals} arrivals for {} requests", slow.completed);
}

/// users → (hedged at 10 ms) lb → a (50 ms, timed out at 20 ms), b (`b_ms`,
/// timed out at 30 ms): one request a second, so round robin sends every
/// original to a and every copy to b.
fn error_first(b_ms: f64) -> Report {
    let nodes = vec![
        client("users", ClientSpec { traffic: Traffic::Constant { rate: 1.0 }, ..Default::default() }),
        lb("lb", LbPolicy::RoundRobin),
        service("a", 4, Dist::Const(50.0)),
        service("b", 4, Dist::Const(b_ms)),
    ];
    let links = vec![
        hedged(link("users", "lb", 0.0), 10.0),
        hop_timeout(link("lb", "a", 0.0), 20.0),
        hop_timeout(link("lb", "b", 0.0), 30.0),
    ];
    // Stop half a second after the last request: all are resolved.
    run(&scenario(nodes, links), 5, 0.0, 30.5)
}

#[test]
fn an_early_error_waits_for_the_other_copy() {
    // The original's timeout error comes back at 20 ms; the copy, sent at
    // 10 ms, answers at 35 ms: the request succeeds, at 35 ms.
    let r = error_first(25.0);
    assert!(r.created >= 29);
    assert_eq!(hedges(&r), r.created);
    assert_eq!(r.failed_total, 0, "{:?}", r.failed);
    assert_eq!(r.completed, r.created);
    assert!((r.latency_ms.p50 - 35.0).abs() < 0.1 && (r.latency_ms.max - 35.0).abs() < 0.1, "{:?}", r.latency_ms);
    // Both copies fail (the copy times out at 40 ms): one failure each.
    let both = error_first(50.0);
    assert_eq!(both.completed, 0);
    assert_eq!(both.failed_total, both.created);
    assert_eq!(both.failed.get(FailReason::Timeout.name()).copied(), Some(both.created));
}

#[test]
fn hedges_with_timeouts_retries_loss_crashes_and_jobs_keep_the_books() {
    // Hedges at two depths, per-hop and client timeouts with retries, loss,
    // a blackhole, a crash, hedged fan-out branches and a queue whose
    // deliveries are hedged too:
    // requests and jobs finish exactly once (the engine asserts a request
    // is live when it finishes) and the ledger balances at every step.
    let retry = RetryPolicy { timeout_ms: 60.0, max_retries: 2, backoff_ms: 5.0, ..Default::default() };
    let nodes = vec![
        client(
            "users",
            ClientSpec { traffic: Traffic::Poisson { rate: 800.0 }, retry: Some(retry), ..Default::default() },
        ),
        lb("lb", LbPolicy::RoundRobin),
        service("a", 8, Dist::LogNormal { mean: 6.0, std_dev: 12.0 }),
        service("b", 8, Dist::LogNormal { mean: 6.0, std_dev: 12.0 }),
        service("db", 16, Dist::Exp(3.0)),
        poisson("uploads", 200.0),
        node("jobs", NodeKind::Queue(QueueSpec { consumers: 16, ..Default::default() })),
        service("worker", 16, Dist::LogNormal { mean: 8.0, std_dev: 16.0 }),
        // A scatter-gather whose branches are hedged (and time out).
        client("searchers", ClientSpec { traffic: Traffic::Poisson { rate: 200.0 }, ..Default::default() }),
        node("search", NodeKind::Service(ServiceSpec { workers: 64, fan_out: true, ..Default::default() })),
        service("shard-1", 8, Dist::LogNormal { mean: 6.0, std_dev: 12.0 }),
        service("shard-2", 8, Dist::LogNormal { mean: 6.0, std_dev: 12.0 }),
    ];
    let mut links = vec![
        hedged(link("users", "lb", 1.0), 8.0),
        hop_timeout(hedged(link("lb", "a", 0.5), 5.0), 25.0),
        hop_timeout(link("lb", "b", 0.5), 25.0),
        hedged(hop_timeout(link("a", "db", 0.5), 15.0), 4.0),
        hedged(link("b", "db", 0.5), 4.0),
        link("uploads", "jobs", 1.0),
        hedged(link("jobs", "worker", 1.0), 12.0),
        link("searchers", "search", 1.0),
        hedged(link("search", "shard-1", 0.5), 10.0),
        hop_timeout(hedged(link("search", "shard-2", 0.5), 10.0), 30.0),
    ];
    links[3].loss = 0.02;
    links[4].loss = 0.02;
    links[6].loss = 0.02;
    links[9].loss = 0.02;
    let (s, _) = Scenario::parse("hedges.ron", &scenario(nodes, links).to_ron()).unwrap();
    // A blackhole keeps what it swallows (an abandoned copy that nothing
    // watches stays lost, hedged or not): the second run counts messages.
    let chaos =
        ["kill b at 3s for 2s", "duplicate lb->a 20% at 2s for 6s", "restart a at 7s", "kill shard-1 at 4s for 1s"];
    for blackhole in [true, false] {
        let mut e = s.engine(9);
        for f in chaos.iter().copied().chain(blackhole.then_some("blackhole a->db at 6s for 1s")) {
            Fault::parse_cli(f).unwrap().schedule(&mut e).unwrap();
        }
        for step in 1..=100 {
            e.run_until(step * S / 10);
            e.check_conservation().unwrap_or_else(|err| panic!("at {} s: {err}", step as f64 / 10.0));
        }
        let hedges: u64 = e.links().iter().map(|l| l.stats.hedges).sum();
        assert!(hedges > 1000, "hedges sent: {hedges}");
        let branch_hedges = e.links()[e.find_link("search", "shard-2").unwrap() as usize].stats.hedges;
        assert!(branch_hedges > 100, "fan-out branches hedged: {branch_hedges}");
        // Everything drains once the traffic stops.
        for n in ["users", "uploads", "searchers"] {
            let i = e.find_node(n).unwrap();
            e.remove_node(i);
        }
        e.run_until(40 * S);
        e.check_conservation().unwrap();
        assert_eq!(e.live_requests(), 0);
        if !blackhole {
            assert_eq!(e.live_messages(), 0, "every copy ended");
        }
    }
}

#[test]
fn hedge_after_ms_must_be_positive() {
    let file = |hedge: &str| {
        format!(
            "(version: 1, name: \"h\", nodes: [(id: \"users\", kind: Client(traffic: Poisson(rate: 10.0))), \
             (id: \"api\", kind: Service())], links: [(from: \"users\", to: \"api\"{hedge})])"
        )
    };
    for bad in ["0.0", "-5.0", "inf"] {
        let text = file(&format!(", hedge_after_ms: {bad}"));
        let err = Scenario::parse("bad.ron", &text).err().unwrap_or_else(|| panic!("accepted {bad}")).to_string();
        assert!(err.contains("links[0].hedge_after_ms"), "the error names the field: {err}");
    }
    let (s, _) = Scenario::parse("good.ron", &file(", hedge_after_ms: 15.0")).unwrap();
    assert_eq!(s.links[0].hedge_after_ms, Some(15.0));
    // Saved files keep the field, and files without it load as before.
    assert!(s.to_ron().contains("hedge_after_ms"));
    let (plain, _) = Scenario::parse("plain.ron", &file("")).unwrap();
    assert_eq!(plain.links[0].hedge_after_ms, None);
    assert!(!plain.to_ron().contains("hedge_after_ms"));
}

#[test]
fn hedged_runs_are_deterministic() {
    // Same file, same seed: the same bits, hedges and all.
    let (s, _) =
        Scenario::parse("after.ron", include_str!("../../scenarios/concepts/hedged-requests/after.ron")).unwrap();
    let json = || serde_json::to_string(&run(&s, 4, 1.0, 10.0)).unwrap();
    let first = json();
    assert!(first.contains("\"hedges\""));
    assert_eq!(first, json());
}
