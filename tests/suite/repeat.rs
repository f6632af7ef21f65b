//! Repeated calls (`repeat` on a link): one after another from a service
//! (N round trips in series, the N+1 query pattern) or all at once from a
//! `fan_out` service (the slowest of N decides), checked against the sum
//! and the order statistics of the calls at low load. Each copy is a call
//! of its own: it is counted on the link and at the callee, asks for its
//! own key, and fails or is retried on its own.

use systemdecoder::headless::run_scenario;
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::model::*;
use systemdecoder::sim::report::Report;

use crate::helpers::*;

/// users → api → db: the api does no work of its own and calls the db
/// `n` times per request over a link of `latency_ms` each way; the db
/// takes Exp(`mean_ms`). Enough workers everywhere that nothing queues.
fn chain(rate: f64, n: u32, parallel: bool, latency_ms: f64, mean_ms: f64) -> Scenario {
    let api = node(
        "api",
        NodeKind::Service(ServiceSpec {
            workers: 5000,
            service: Dist::Const(0.0),
            fan_out: parallel,
            ..Default::default()
        }),
    );
    let mut calls = link("api", "db", latency_ms);
    calls.repeat = n;
    scenario(
        vec![poisson("users", rate), api, service("db", 5000, Dist::Exp(mean_ms))],
        vec![link("users", "api", 0.0), calls],
    )
}

fn link_report<'a>(r: &'a Report, from: &str, to: &str) -> &'a systemdecoder::sim::report::LinkReport {
    r.links.iter().find(|l| l.from == from && l.to == to).expect("link")
}

#[test]
fn serial_copies_add_up_their_round_trips() {
    // Ten calls in a row, each 2 × 2 ms on the wire plus Exp(5 ms) at the
    // db: a request takes 10 × (4 + 5) = 90 ms on average, and the db sees
    // ten arrivals for each request.
    let (n, l, m) = (10, 2.0, 5.0);
    let r = run(&chain(100.0, n, false, l, m), 3, 1.0, 31.0);
    assert_eq!(r.failed_total, 0);
    close("mean N (2L + m)", r.latency_ms.mean, n as f64 * (2.0 * l + m), 0.02);
    let (api, db) = (node_report(&r, "api").arrivals as f64, node_report(&r, "db").arrivals as f64);
    close("db arrivals per api arrival", db / api, n as f64, 0.01);
    // The link carries every copy, there and back.
    close("messages on api → db per request", link_report(&r, "api", "db").sent as f64 / api, 2.0 * n as f64, 0.01);
    // The sum of ten exponentials is an Erlang: its spread shrinks with
    // N (sd = √N m = 16 ms), so the p99 is far below ten single tails.
    assert!(r.latency_ms.p99 < 90.0 + 3.0 * 16.0 + 10.0, "p99 {}", r.latency_ms.p99);
}

#[test]
fn parallel_copies_wait_for_the_slowest() {
    // Eight copies at once: the answer comes with the slowest, the max of
    // eight Exp(m), whose mean is m H_8 (H_8 = 1 + 1/2 + … + 1/8 = 2.718),
    // plus one round trip on the wire.
    let (n, l, m) = (8, 2.0, 10.0);
    let h: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
    let r = run(&chain(200.0, n, true, l, m), 5, 1.0, 31.0);
    assert_eq!(r.failed_total, 0);
    close("mean 2L + m H_N", r.latency_ms.mean, 2.0 * l + m * h, 0.02);
    // p99: P(max ≤ t) = (1 − e^(−t/m))^N = 0.99 ⇒ t = −m ln(1 − 0.99^(1/N)).
    let p99 = 2.0 * l - m * (1.0 - 0.99f64.powf(1.0 / n as f64)).ln();
    close("p99 2L − m ln(1 − 0.99^(1/N))", r.latency_ms.p99, p99, 0.04);
    let (api, db) = (node_report(&r, "api").arrivals as f64, node_report(&r, "db").arrivals as f64);
    close("db arrivals per api arrival", db / api, n as f64, 0.01);
    close("messages on api → db per request", link_report(&r, "api", "db").sent as f64 / api, 2.0 * n as f64, 0.01);
    // The same copies one after another take N (2L + m) = 112 ms: far slower.
    let serial = run(&chain(200.0, n, false, l, m), 5, 1.0, 11.0);
    close("the same in series", serial.latency_ms.mean, n as f64 * (2.0 * l + m), 0.02);
}

#[test]
fn repeat_one_is_no_repeat_at_all() {
    // A file that says `repeat: 1` runs exactly as one without the field,
    // and saving leaves the field out (old files, links and hashes hold).
    let plain = chain(300.0, 1, false, 1.0, 4.0);
    let text = plain.to_ron();
    assert!(!text.contains("repeat"), "{text}");
    let said = text.replace("latency: Const(1.0)", "latency: Const(1.0), repeat: 1");
    assert_ne!(said, text);
    let (a, _) = Scenario::parse("a.ron", &text).unwrap();
    let (b, _) = Scenario::parse("b.ron", &said).unwrap();
    assert_eq!(run_scenario(&a, "same", 9, 1.0, 10.0), run_scenario(&b, "same", 9, 1.0, 10.0));
    // And a fan-out service with one copy per link is the plain fan-out.
    let fan = chain(300.0, 1, true, 1.0, 4.0);
    let r = run(&fan, 9, 1.0, 10.0);
    assert_eq!(node_report(&r, "api").arrivals, node_report(&r, "db").arrivals);
}

#[test]
fn each_copy_asks_for_its_own_key() {
    // The api reads four rows per request through a balancer that sends
    // each key to backend key mod 4: copies 0 to 3 ask for keys k to k + 3,
    // so every backend gets exactly one copy of every request (had the
    // copies shared the key, one backend would get all four).
    let mut nodes =
        vec![poisson("users", 200.0), service("api", 1000, Dist::Const(0.0)), lb("shards", LbPolicy::ModuloHash)];
    let mut calls = link("api", "shards", 0.5);
    calls.repeat = 4;
    let mut links = vec![link("users", "api", 0.5), calls];
    for i in 0..4 {
        nodes.push(service(&format!("s{i}"), 1000, Dist::Exp(2.0)));
        links.push(link("shards", &format!("s{i}"), 0.5));
    }
    let r = run(&scenario(nodes, links), 2, 0.0, 10.0);
    let api = node_report(&r, "api").arrivals;
    for i in 0..4 {
        let got = node_report(&r, &format!("s{i}")).arrivals;
        assert!(got.abs_diff(api) <= 3, "s{i}: {got} copies for {api} requests");
    }
}

#[test]
fn one_copy_failing_for_good_fails_the_request() {
    // 5 % of messages are lost each way on api → db, and a lost call times
    // out after 50 ms. A copy gets through (there and back) with
    // probability s = 0.95², so a request of five copies succeeds with
    // s^5 = 60 %; with one retry per copy, each copy fails only when both
    // tries do, (1 − s)², and the request fails with 1 − (1 − (1 − s)²)^5.
    let p = 0.05;
    let s = (1.0 - p) * (1.0f64 - p);
    let lossy = |retries: u32| {
        let mut sc = chain(300.0, 5, false, 1.0, 2.0);
        let l = &mut sc.links[1];
        l.loss = p;
        l.retry = Some(RetryPolicy { timeout_ms: 50.0, max_retries: retries, backoff_ms: 0.0, ..Default::default() });
        sc
    };
    let share = |r: &Report| r.failed_total as f64 / (r.completed + r.failed_total) as f64;
    let bare = run(&lossy(0), 4, 2.0, 32.0);
    close("failed share 1 − s^5", share(&bare), 1.0 - s.powi(5), 0.03);
    let retried = run(&lossy(1), 4, 2.0, 32.0);
    close("failed share 1 − (1 − (1 − s)²)^5", share(&retried), 1.0 - (1.0 - (1.0 - s).powi(2)).powi(5), 0.12);
}

#[test]
fn repeat_is_checked_by_name() {
    for bad in [0, MAX_REPEAT + 1] {
        let text = chain(10.0, bad, false, 1.0, 1.0).to_ron();
        let e = Scenario::parse("r.ron", &text).unwrap_err();
        assert!(e.to_string().contains("links[1].repeat"), "{e}");
        assert!(e.to_string().contains(&format!("got {bad}")), "{e}");
    }
    assert!(Scenario::parse("r.ron", &chain(10.0, MAX_REPEAT, false, 1.0, 1.0).to_ron()).is_ok());
    // A balancer picks one backend per request: repeating is not its job.
    let mut s = chain(10.0, 1, false, 1.0, 1.0);
    s.nodes[1].kind = NodeKind::LoadBalancer(LoadBalancerSpec::default());
    s.links[1].repeat = 3;
    let e = Scenario::parse("r.ron", &s.to_ron()).unwrap_err();
    assert!(e.to_string().contains("links[1].repeat") && e.to_string().contains("\"api\""), "{e}");
}

#[test]
fn the_key_comes_back_after_hedges_timeouts_and_retries() {
    // Every request asks for key 0. A front service calls the api (hedged,
    // timed out, retried), which reads four copies through a hedged, timed
    // out and retried link to one balanced group; then both make one call
    // to a group that sends key k to backend k mod 4. Whatever happened to
    // the copies (a timeout at the front copies a message that is deep in
    // one of them), those calls must ask for key 0 again: only t0 ever
    // hears from them.
    let users =
        client("users", ClientSpec { traffic: Traffic::Poisson { rate: 300.0 }, keys: 1, ..Default::default() });
    let mut nodes = vec![
        users,
        service("front", 2000, Dist::Const(0.0)),
        service("api", 2000, Dist::Const(0.0)),
        lb("reads", LbPolicy::ModuloHash),
        lb("audit", LbPolicy::ModuloHash),
    ];
    let impatient = |mut l: LinkSpec, hedge: f64, timeout: f64| {
        l.hedge_after_ms = Some(hedge);
        l.retry = Some(RetryPolicy { timeout_ms: timeout, max_retries: 2, backoff_ms: 1.0, ..Default::default() });
        l
    };
    let mut copies = impatient(link("api", "reads", 0.5), 4.0, 8.0);
    copies.repeat = 4;
    let mut links = vec![
        link("users", "front", 0.5),
        impatient(link("front", "api", 0.5), 18.0, 30.0),
        link("front", "audit", 0.5),
        copies,
        link("api", "audit", 0.5),
    ];
    for i in 0..4 {
        nodes.push(service(&format!("r{i}"), 2000, Dist::Exp(6.0)));
        links.push(link("reads", &format!("r{i}"), 0.5));
        nodes.push(service(&format!("t{i}"), 2000, Dist::Exp(1.0)));
        links.push(link("audit", &format!("t{i}"), 0.5));
    }
    let r = run(&scenario(nodes, links), 8, 0.0, 10.0);
    let hedges = |from: &str| r.links.iter().filter(|l| l.from == from).map(|l| l.hedges).sum::<u64>();
    println!("hedges {} {}, {} failed, {} completed", hedges("front"), hedges("api"), r.failed_total, r.completed);
    assert!(hedges("front") > 300 && hedges("api") > 1000);
    assert!(r.failed_total > 0 && r.completed > 2000, "{} failed, {} completed", r.failed_total, r.completed);
    assert!(node_report(&r, "t0").arrivals > 2000);
    for i in 1..4 {
        assert_eq!(node_report(&r, &format!("t{i}")).arrivals, 0, "t{i}");
        // The copies spread over all four readers.
        assert!(node_report(&r, &format!("r{i}")).arrivals > 2000, "r{i}");
    }
}

#[test]
fn each_copy_is_a_write_of_its_own_even_behind_a_queue() {
    // Writes reach a database that recognises a write it already applied
    // (idempotent): five copies of one write are five different writes
    // (five keys), and so are the writes of different queued jobs. None
    // may be taken for a repeat of another, directly or through a queue.
    let db = || {
        node(
            "db",
            NodeKind::Database(DatabaseSpec {
                pool: 64,
                read: Dist::Exp(1.0),
                write: Dist::Exp(1.0),
                idempotent: true,
                ..Default::default()
            }),
        )
    };
    let writers = || {
        client(
            "users",
            ClientSpec { traffic: Traffic::Poisson { rate: 100.0 }, write_ratio: 1.0, ..Default::default() },
        )
    };
    let mut copies = link("api", "db", 0.5);
    copies.repeat = 5;
    let direct = scenario(
        vec![writers(), service("api", 64, Dist::Exp(1.0)), db()],
        vec![link("users", "api", 0.5), copies.clone()],
    );
    let queued = scenario(
        vec![
            writers(),
            node("jobs", NodeKind::Queue(QueueSpec { consumers: 8, ..Default::default() })),
            service("api", 64, Dist::Exp(1.0)),
            db(),
        ],
        vec![link("users", "jobs", 0.5), link("jobs", "api", 0.5), copies],
    );
    for (what, s) in [("direct", direct), ("through a queue", queued)] {
        let r = run(&s, 6, 0.0, 10.0);
        let d = &node_report(&r, "db").detail;
        assert_eq!((d.get("deduplicated"), d.get("duplicate_effects")), (Some(&0.0), Some(&0.0)), "{what}");
        let (api, db) = (node_report(&r, "api").arrivals, node_report(&r, "db").arrivals);
        assert!(db.abs_diff(5 * api) <= 20 && api > 800, "{what}: {db} writes for {api} calls");
    }
}
