//! Outlier ejection: a balancer that judges backends by their answers.

use systemdecoder::chaos::Fault;
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::Engine;
use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::model::*;

use crate::helpers::*;

const S: u64 = 1_000_000_000;

/// 2 000 requests a second, round robin over four servers s1..s4, each of
/// which calls a store of its own (d1..d4) after 2 ms of work.
fn four_with_stores(ejection: Option<OutlierEjection>) -> Scenario {
    let mut balancer = lb("lb", LbPolicy::RoundRobin);
    if let NodeKind::LoadBalancer(l) = &mut balancer.kind {
        l.outlier_ejection = ejection;
    }
    let mut nodes = vec![poisson("c", 2000.0), balancer];
    let mut links = vec![link("c", "lb", 1.0)];
    for i in 1..=4 {
        nodes.push(service(&format!("s{i}"), 16, Dist::Exp(2.0)));
        nodes.push(service(&format!("d{i}"), 16, Dist::Exp(0.5)));
        links.push(link("lb", &format!("s{i}"), 0.5));
        links.push(link(&format!("s{i}"), &format!("d{i}"), 0.2));
    }
    scenario(nodes, links)
}

fn run(s: &Scenario, faults: &[&str], secs: u64) -> Engine {
    let mut e = s.engine(3);
    for f in faults {
        Fault::parse_cli(f).unwrap().schedule(&mut e).unwrap();
    }
    e.run_until(secs * S);
    e.check_conservation().unwrap();
    e
}

fn arrivals(e: &Engine, id: &str, from_s: usize, to_s: usize) -> u64 {
    let i = e.nodes().iter().position(|n| n.spec.id == id).unwrap();
    e.windows().history.range(from_s..to_s).map(|w| w.nodes[i].arrivals).sum()
}

fn errors(e: &Engine, from_s: usize, to_s: usize) -> f64 {
    e.windows().history.range(from_s..to_s).map(|w| w.errors_rps).sum()
}

fn ejections(e: &Engine) -> u64 {
    e.nodes()[1].stats.ejections
}

const FIVE_FOR_TWO_SECONDS: OutlierEjection = OutlierEjection { consecutive_errors: 5, eject_s: 2.0, max_ejected: 0.5 };

#[test]
fn a_backend_that_fails_every_answer_is_ejected_and_tried_again() {
    // s2 stays up (health checks would pass) but its store dies at 5 s, so
    // every request s2 handles fails after its 2 ms of work.
    let without = run(&four_with_stores(None), &["kill d2 at 5s"], 21);
    let lost = errors(&without, 6, 21);
    close("without ejection s2 fails its quarter", lost, 0.25 * 2000.0 * 15.0, 0.05);

    let e = run(&four_with_stores(Some(FIVE_FOR_TWO_SECONDS)), &["kill d2 at 5s"], 21);
    // Out for 2 s at a time: about one ejection every 2 s, each after five
    // failures plus the few requests already on their way to s2.
    let n = ejections(&e);
    assert!((7..=9).contains(&n), "{n} ejections in 16 s at 2 s each");
    let failed = errors(&e, 5, 21);
    assert!(failed <= n as f64 * 12.0, "{failed} errors for {n} ejections");
    assert!(failed >= n as f64 * 5.0, "each ejection takes five failures: {failed}");
    // s2 still gets its turns between ejections, and nothing like a quarter.
    let s2 = arrivals(&e, "s2", 6, 21);
    assert!(s2 > 0 && s2 < 200, "s2 handled {s2} requests while broken");
    // The other three carry everything else.
    let others: u64 = ["s1", "s3", "s4"].iter().map(|id| arrivals(&e, id, 6, 21)).sum();
    close("the others' share", others as f64, 2000.0 * 15.0, 0.03);
}

#[test]
fn ejection_never_takes_more_than_its_share_of_backends() {
    // Every store dies: every backend fails. At most half of the four may
    // be out at once, so two always get traffic (and fail it).
    let e = run(
        &four_with_stores(Some(FIVE_FOR_TWO_SECONDS)),
        &["kill d1 at 5s", "kill d2 at 5s", "kill d3 at 5s", "kill d4 at 5s"],
        15,
    );
    for t in 6..15 {
        let busy = ["s1", "s2", "s3", "s4"].iter().filter(|id| arrivals(&e, id, t, t + 1) > 0).count();
        assert!(busy >= 2, "second {t}: only {busy} backends in rotation");
    }
    // With one backend, none is ever taken out.
    let one = OutlierEjection { max_ejected: 1.0, ..FIVE_FOR_TWO_SECONDS };
    assert_eq!(one.most_out(1), 0);
    assert_eq!(one.most_out(4), 3);
    assert_eq!(OutlierEjection { max_ejected: 0.0, ..one }.most_out(4), 1, "at least one may go, as in Envoy");
}

#[test]
fn healthy_backends_route_exactly_as_without_ejection() {
    let with = run(&four_with_stores(Some(FIVE_FOR_TWO_SECONDS)), &[], 10);
    let without = run(&four_with_stores(None), &[], 10);
    assert_eq!(ejections(&with), 0);
    for id in ["s1", "s2", "s3", "s4"] {
        assert_eq!(arrivals(&with, id, 0, 10), arrivals(&without, id, 0, 10), "{id}");
    }
    assert_eq!(with.global().completed, without.global().completed);
}

#[test]
fn outlier_ejection_fields_are_checked_by_name() {
    let text = four_with_stores(Some(OutlierEjection { consecutive_errors: 0, ..FIVE_FOR_TWO_SECONDS })).to_ron();
    let e = Scenario::parse("lb.ron", &text).unwrap_err();
    assert!(e.to_string().contains("outlier_ejection.consecutive_errors"), "{e}");
    let text = four_with_stores(Some(OutlierEjection { eject_s: -1.0, ..FIVE_FOR_TWO_SECONDS })).to_ron();
    let e = Scenario::parse("lb.ron", &text).unwrap_err();
    assert!(e.to_string().contains("outlier_ejection.eject_s"), "{e}");
    // Omitted fields take their defaults.
    let text =
        four_with_stores(None).to_ron().replace("policy: RoundRobin", "policy: RoundRobin, outlier_ejection: ()");
    let (s, _) = Scenario::parse("lb.ron", &text).unwrap();
    let NodeKind::LoadBalancer(l) = &s.nodes[1].kind else { panic!() };
    assert_eq!(l.outlier_ejection, Some(OutlierEjection::default()));
}
