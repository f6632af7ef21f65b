//! Small builders so each test states its topology in a few lines.

use systemdecoder::headless::run_scenario;
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::model::*;
use systemdecoder::sim::report::Report;

pub fn scenario(nodes: Vec<NodeSpec>, links: Vec<LinkSpec>) -> Scenario {
    Scenario {
        version: 1,
        name: "test".into(),
        description: String::new(),
        seed: 1,
        duration_s: 10.0,
        warmup_s: 0.0,
        nodes,
        links,
        chaos: Vec::new(),
        monkey: None,
        scale: None,
    }
}

pub fn node(id: &str, kind: NodeKind) -> NodeSpec {
    NodeSpec { id: id.into(), kind, pos: (0.0, 0.0), zone: None, price_per_hour: None }
}

pub fn poisson(id: &str, rate: f64) -> NodeSpec {
    node(id, NodeKind::Client(ClientSpec { traffic: Traffic::Poisson { rate }, ..Default::default() }))
}

pub fn client(id: &str, spec: ClientSpec) -> NodeSpec {
    node(id, NodeKind::Client(spec))
}

pub fn service(id: &str, workers: u32, service: Dist) -> NodeSpec {
    node(
        id,
        NodeKind::Service(ServiceSpec { workers, queue_limit: None, service, blocking: false, ..Default::default() }),
    )
}

pub fn lb(id: &str, policy: LbPolicy) -> NodeSpec {
    node(id, NodeKind::LoadBalancer(LoadBalancerSpec { policy, ..Default::default() }))
}

pub fn link(from: &str, to: &str, ms: f64) -> LinkSpec {
    LinkSpec::new(from, to, ms)
}

/// Check the scenario like a file would be, then run it.
pub fn run(s: &Scenario, seed: u64, warmup: f64, seconds: f64) -> Report {
    let text = s.to_ron();
    let (checked, _) = Scenario::parse("test.ron", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let r = run_scenario(&checked, "test", seed, warmup, seconds);
    assert_eq!(r.conservation, "ok");
    r
}

pub fn node_report<'a>(r: &'a Report, id: &str) -> &'a systemdecoder::sim::report::NodeReport {
    r.nodes.iter().find(|n| n.id == id).unwrap_or_else(|| panic!("no node {id}"))
}

/// |measured - expected| / expected <= tol, with a helpful message.
#[track_caller]
pub fn close(what: &str, measured: f64, expected: f64, tol: f64) {
    let rel = (measured - expected).abs() / expected.abs().max(1e-12);
    println!(
        "{what}: measured {measured:.4}, expected {expected:.4} ({:+.2}%)",
        (measured - expected) / expected.abs().max(1e-12) * 100.0
    );
    assert!(
        rel <= tol,
        "{what}: measured {measured:.5}, theory {expected:.5} (off by {:.2}%, allowed {:.2}%)",
        rel * 100.0,
        tol * 100.0
    );
}

/// Erlang C: probability an arrival waits in M/M/c with offered load a = λ/μ.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / (k + 1) as f64;
    }
    let last = term * c as f64 / (c as f64 - a);
    last / (sum + last)
}

/// Every `.rs` file at or below `p` (a file or a folder; nothing if absent).
pub fn rust_files(p: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap() {
            rust_files(&e.unwrap().path(), out);
        }
    } else if p.is_file() && p.extension().is_some_and(|e| e == "rs") {
        out.push(p.to_path_buf());
    }
}

/// The items of a `use` group's top level, from just after its `{`:
/// `a, b::{c, d}} …` gives `a` and `b::{c, d}`.
pub fn group_items(group: &str) -> Vec<String> {
    let mut items = Vec::new();
    let (mut depth, mut item) = (0, String::new());
    for ch in group.chars() {
        match ch {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        item.push(ch);
    }
    items.push(item);
    items
}

/// Every finding that does not hold, over `items` checked on every core
/// (`check` gives an item's name and its findings as (holds, says)).
pub fn failing_findings<T: Sync>(
    items: &[T],
    check: impl Fn(&T) -> (String, Vec<(bool, String)>) + Sync,
) -> Vec<String> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(items.len().max(1));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let check = &check;
                s.spawn(move || {
                    let mut bad = Vec::new();
                    for item in items.iter().skip(t).step_by(threads) {
                        let (name, findings) = check(item);
                        bad.extend(
                            findings.into_iter().filter(|(ok, _)| !ok).map(|(_, says)| format!("{name}: {says}")),
                        );
                    }
                    bad
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}
