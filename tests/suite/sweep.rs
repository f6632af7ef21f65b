//! What-if sweeps: parameters found by name, grids in order, the same
//! numbers on any number of threads or machines, and figures that match
//! queueing theory point by point.

use systemdecoder::headless::run_scenario;
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::model::*;
use systemdecoder::sweep::{self, Leaf, Metrics, Param, Plan, Sweep, Vary};

use crate::helpers::*;

/// Poisson 1000/s into a service with Exp(4 ms) service and `c` workers.
fn mmc(c: u32) -> Scenario {
    let mut s =
        scenario(vec![poisson("users", 1000.0), service("app", c, Dist::Exp(4.0))], vec![link("users", "app", 1.0)]);
    s.warmup_s = 1.0;
    s
}

#[test]
fn values_parse_as_ranges_counts_and_lists() {
    assert_eq!(sweep::parse_values("2..5").unwrap(), vec![2.0, 3.0, 4.0, 5.0]);
    assert_eq!(sweep::parse_values("0..10:3").unwrap(), vec![0.0, 5.0, 10.0]);
    assert_eq!(sweep::parse_values("1.5, 3,7").unwrap(), vec![1.5, 3.0, 7.0]);
    assert_eq!(sweep::parse_values("4").unwrap(), vec![4.0]);
    for bad in ["5..1", "1..2.5", "a..b", "1..9:0", "1,,2", "nan", "0..100000"] {
        assert!(sweep::parse_values(bad).is_err(), "{bad} is refused");
    }
}

#[test]
fn parameters_are_found_by_node_and_field_name() {
    let s = mmc(4);
    let w = Vary::parse("app.workers=2..8:4", &s).unwrap();
    assert_eq!(w.param.path.last().unwrap(), "workers");
    assert_eq!(w.values, vec![2.0, 4.0, 6.0, 8.0], "whole-number fields take whole numbers");
    let rate = Vary::parse("users.rate=500,900.5", &s).unwrap();
    assert_eq!(rate.param.path.join("."), "kind.Client.traffic.Poisson.rate");
    assert_eq!(rate.values, vec![500.0, 900.5]);
    // A distribution's parameter by the field's own name.
    let svc = Vary::parse("app.service=2,3", &s).unwrap();
    assert_eq!(svc.param.path.join("."), "kind.Service.service.Exp");
    let mut t = s.clone();
    svc.apply(&mut t, 3.0).unwrap();
    let NodeKind::Service(sp) = &t.nodes[1].kind else { panic!() };
    assert_eq!(sp.service, Dist::Exp(3.0));
    // Mistakes are named before anything runs.
    let err = |text: &str| Vary::parse(text, &s).unwrap_err();
    assert!(err("nope.workers=1").contains("no node with that id (nodes: users, app)"), "{}", err("nope.workers=1"));
    assert!(err("app.wrokers=1").contains("no number field \"wrokers\""), "{}", err("app.wrokers=1"));
    assert!(err("app.workers").contains("NODE.FIELD=VALUES"));
    assert!(err("app.workers=3..1").contains("backwards"));
}

#[test]
fn link_fields_and_words_are_found_like_node_fields() {
    let s = mmc(4);
    // A link's field, by its two ends.
    let lat = Vary::parse("users->app.latency=1,2.5", &s).unwrap();
    assert_eq!(lat.node(), None);
    assert_eq!(lat.param.path.join("."), "latency.Const");
    let mut t = s.clone();
    lat.apply(&mut t, 2.5).unwrap();
    assert_eq!(t.links[0].latency, Dist::Const(2.5));
    assert_eq!(lat.value(&t), Some(2.5));
    let err = |text: &str| Vary::parse(text, &s).unwrap_err();
    assert!(err("users->db.latency=1").contains("no link from \"users\" to that node (its links go to: app)"));
    assert!(err("users->app.latncy=1").contains("no number field \"latncy\""), "{}", err("users->app.latncy=1"));
    // A field at its default is not written out; it is found all the same.
    let hedge = Vary::parse("users->app.hedge_after_ms=20", &s).unwrap();
    assert_eq!(hedge.value(&s), None);
    hedge.apply(&mut t, 20.0).unwrap();
    assert_eq!(t.links[0].hedge_after_ms, Some(20.0));
    assert!(err("users->app.hedge_aftr_ms=20").contains("no number field \"hedge_aftr_ms\""));
    // Words: an unset zone, set to a name; the link's ends and the node's
    // id are not fields.
    let b = serde_json::json!("b");
    let zone = Param::parse("app.zone", &s, Leaf::Word, &b).unwrap();
    assert!(!zone.holds(&s, &b));
    zone.put(&mut t, b.clone()).unwrap();
    assert_eq!(t.nodes[1].zone.as_deref(), Some("b"));
    assert!(zone.holds(&t, &b));
    assert!(Param::parse("users->app.to", &s, Leaf::Word, &b).is_err());
    assert!(Param::parse("app.id", &s, Leaf::Word, &b).is_err());
    assert!(Param::parse("app.workers", &s, Leaf::Word, &b).is_err(), "a number is not a word");
}

#[test]
fn every_point_is_checked_like_a_file_before_any_run() {
    let s = mmc(4);
    let v = Vary::parse("app.workers=0..2", &s).unwrap();
    let e = Plan::new(&s, vec![v], vec![1], 0.0, 1.0).err().expect("0 workers is refused");
    assert!(e.contains("app.workers=0") && e.contains("workers"), "{e}");
    let grid = vec![Vary::parse("app.workers=2..4", &s).unwrap(), Vary::parse("users.rate=100,200", &s).unwrap()];
    let plan = Plan::new(&s, grid, vec![7, 8], 0.0, 1.0).unwrap();
    let values: Vec<Vec<f64>> = plan.points.iter().map(|(v, _)| v.clone()).collect();
    assert_eq!(
        values,
        vec![
            vec![2.0, 100.0],
            vec![2.0, 200.0],
            vec![3.0, 100.0],
            vec![3.0, 200.0],
            vec![4.0, 100.0],
            vec![4.0, 200.0]
        ],
        "every combination, the first parameter slowest"
    );
    assert_eq!(plan.runs(None).len(), 12);
    let slices: Vec<Vec<(usize, u64)>> = (1..=5).map(|i| plan.runs(Some((i, 5)))).collect();
    let mut all: Vec<(usize, u64)> = slices.concat();
    all.sort();
    assert_eq!(all, plan.runs(None), "slices cover every run once");
    assert!(
        sweep::parse_shard("0/3").is_err() && sweep::parse_shard("4/3").is_err() && sweep::parse_shard("x").is_err()
    );
}

/// Threads, slices and merging change nothing; each run is the plain run
/// of its point and seed.
#[test]
fn threads_and_shards_give_the_same_sweep() {
    let s = mmc(5);
    let plan = Plan::new(&s, vec![Vary::parse("app.workers=5..6", &s).unwrap()], vec![1, 2, 3], 0.5, 2.0).unwrap();
    let runs = plan.runs(None);
    let one = sweep::execute(&plan, "mmc", &runs, 1);
    let two = sweep::execute(&plan, "mmc", &runs, 2);
    assert_eq!(one, two);
    let (values, point) = &plan.points[1];
    let direct = run_scenario(point, "mmc", 2, 0.5, 2.0);
    assert_eq!(values, &vec![6.0]);
    assert_eq!(one.runs[4].metrics, Metrics::of(&direct), "run 4 is point 1, seed 2");
    let parts: Vec<Sweep> = (1..=3).map(|i| sweep::execute(&plan, "mmc", &plan.runs(Some((i, 3))), 2)).collect();
    let text: Vec<String> = parts.iter().map(|p| serde_json::to_string(p).unwrap()).collect();
    let back: Vec<Sweep> = text.iter().map(|t| serde_json::from_str(t).unwrap()).collect();
    assert_eq!(Sweep::merge(back).unwrap(), one, "merged slices are the whole sweep");
    let mut other = parts[0].clone();
    other.seconds = 9.0;
    assert!(Sweep::merge(vec![parts[1].clone(), other]).is_err(), "slices of different sweeps do not merge");
}

/// Point by point, an M/M/c sweep over workers gives utilisation λ/(cμ)
/// and the confidence interval over seeds is honest about its width.
#[test]
fn a_worker_sweep_follows_mmc_theory() {
    let s = mmc(5);
    let plan = Plan::new(&s, vec![Vary::parse("app.workers=5..8", &s).unwrap()], vec![1, 2, 3, 4], 1.0, 20.0).unwrap();
    let out = sweep::execute(&plan, "mmc", &plan.runs(None), 2);
    assert_eq!(out.points.len(), 4);
    for p in &out.points {
        let c = p.values[0];
        assert_eq!(p.seeds, 4);
        assert_eq!(p.busiest, "app");
        close(&format!("utilisation at c = {c}"), p.mean[6], 4.0 / c, 0.03);
        close(&format!("throughput at c = {c}"), p.mean[0], 1000.0, 0.03);
        assert!(p.ci95[6] > 0.0 && p.ci95[6] < 0.03, "interval {}", p.ci95[6]);
    }
    // More workers, less waiting: p99 falls as c grows.
    let p99: Vec<f64> = out.points.iter().map(|p| p.mean[2]).collect();
    assert!(p99.windows(2).all(|w| w[1] < w[0]), "p99 by workers {p99:?}");
}

#[test]
fn student_t_quantiles() {
    close("t(1)", sweep::student_t95(1), 12.706, 1e-9);
    close("t(10)", sweep::student_t95(10), 2.228, 1e-9);
    close("t(∞)", sweep::student_t95(1000), 1.960, 1e-9);
}

/// The slice-at-a-time runner the app uses gives the sweep's runs exactly.
#[test]
fn stepping_a_sweep_gives_the_same_runs() {
    let s = mmc(5);
    let make = || Plan::new(&s, vec![Vary::parse("app.workers=5..6", &s).unwrap()], vec![1, 2], 0.5, 1.0).unwrap();
    let plan = make();
    let whole = sweep::execute(&plan, "mmc", &plan.runs(None), 1);
    let mut stepper = sweep::Stepper::new(make(), "mmc");
    let mut runs = Vec::new();
    let mut calls = 0;
    while !stepper.finished() {
        let before = stepper.progress();
        runs.extend(stepper.advance(3));
        assert!(stepper.progress() >= before, "progress only grows");
        calls += 1;
    }
    assert_eq!(runs, whole.runs);
    assert!(calls > 8, "it really ran in slices ({calls} calls)");
    assert!(stepper.advance(5).is_empty() && stepper.progress() == 1.0);
}

/// The app lists a node's fields by names a sweep accepts.
#[test]
fn a_nodes_fields_are_listed_by_names_that_find_them() {
    let s = mmc(4);
    for n in &s.nodes {
        let fields = sweep::fields(n);
        assert!(!fields.is_empty(), "{} has fields", n.id);
        for f in fields {
            let v = Vary::parse(&format!("{}.{}=1", n.id, f.name), &s).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                v.param.path.iter().rev().find(|k| !k.starts_with(char::is_uppercase)).unwrap(),
                f.name.rsplit('.').next().unwrap()
            );
        }
    }
    let app = sweep::fields(&s.nodes[1]);
    let workers = app.iter().find(|f| f.name == "workers").expect("workers is listed");
    assert_eq!((workers.value, workers.integer), (Some(4.0), true));
    let service = app.iter().find(|f| f.name == "service").expect("the service time is listed");
    assert_eq!((service.value, service.integer), (Some(4.0), false));
    let users = sweep::fields(&s.nodes[0]);
    assert!(users.iter().any(|f| f.name == "rate" && f.value == Some(1000.0)), "{users:?}");
}
