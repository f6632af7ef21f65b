//! Challenge levels: every folder is bundled and parses; everything each
//! level claims holds on every seed (the reference earns every star; the
//! start, the naive design and every trap fail while keeping the rules;
//! grading is deterministic); the rules of a design catch what they say.

use systemdecoder::learn::level::{BUNDLED, Loaded};
use systemdecoder::scenario::Scenario;

#[test]
fn every_level_folder_is_bundled_and_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/levels");
    for f in std::fs::read_dir(dir).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        assert!(BUNDLED.iter().any(|b| b.id == name), "scenarios/levels/{name} is not registered in BUNDLED");
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut chapter = 0;
    for l in Loaded::all() {
        let l = l.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.level.id, l.id(), "a level's id is its folder's name");
        assert!(ids.insert(l.id()), "{} registered twice", l.id());
        assert!(l.level.chapter >= chapter, "{}: chapters go in order", l.id());
        chapter = l.level.chapter;
        for t in &l.level.traps {
            assert!(l.scenario(&t.file).is_ok(), "{}: trap {} is not bundled", l.id(), t.file);
        }
    }
}

#[test]
fn every_level_holds_what_it_claims() {
    let all: Vec<Loaded> = Loaded::all().into_iter().map(|l| l.unwrap()).collect();
    let failures = crate::helpers::failing_findings(&all, |l| {
        (l.id().to_string(), l.verify().into_iter().map(|f| (f.ok, f.says)).collect())
    });
    assert!(failures.is_empty(), "levels that do not hold:\n{}", failures.join("\n"));
}

fn opening_day() -> (Loaded, Scenario) {
    let l = Loaded::get("opening-day").unwrap();
    let start = l.start().unwrap();
    (l, start)
}

fn edit(s: &Scenario, from: &str, to: &str) -> Scenario {
    let text = ron::ser::to_string(s).unwrap();
    assert!(text.contains(from), "{from} not in the design");
    ron::from_str(&text.replacen(from, to, 1)).unwrap()
}

#[test]
fn the_rules_of_a_design_catch_what_they_say() {
    let (l, start) = opening_day();
    let reference = l.scenario("reference.ron").unwrap();
    let problems = |d: &Scenario| l.level.problems(&start, d);
    assert!(problems(&start).is_empty(), "the start is legal");
    assert!(problems(&reference).is_empty(), "the reference is legal");
    // A locked node removed, or its workload changed.
    let mut gone = start.clone();
    gone.nodes.retain(|n| n.id != "edge");
    assert!(problems(&gone).iter().any(|p| p.contains("edge is locked")), "{:?}", problems(&gone));
    let faster = edit(&start, "rate:600.0", "rate:300.0");
    assert!(problems(&faster).iter().any(|p| p.contains("users is locked: its traffic")), "{:?}", problems(&faster));
    // An editable field of a locked node may change.
    let policy = edit(&start, "policy:RoundRobin", "policy:LeastConnections");
    assert!(problems(&policy).is_empty(), "{:?}", problems(&policy));
    // A template's fixed field, or an editable one past its bound.
    let quick = edit(&reference, "service:Exp(20.0)", "service:Exp(5.0)");
    assert!(problems(&quick).iter().any(|p| p.contains("service is fixed")), "{:?}", problems(&quick));
    let big = edit(&reference, "workers:7", "workers:64");
    assert!(problems(&big).iter().any(|p| p.contains("workers is at most 8")), "{:?}", problems(&big));
    // A kind the palette does not have; a price of one's own.
    let mut cache = reference.clone();
    cache.nodes.push(systemdecoder::sim::model::NodeSpec {
        id: "cache-1".into(),
        kind: systemdecoder::sim::model::NodeKind::Cache(Default::default()),
        pos: (0.0, 0.0),
        zone: None,
        price_per_hour: None,
    });
    assert!(problems(&cache).iter().any(|p| p.contains("not in this level's palette")), "{:?}", problems(&cache));
    let mut cheap = reference.clone();
    cheap.nodes.last_mut().unwrap().price_per_hour = Some(0.0);
    assert!(problems(&cheap).iter().any(|p| p.contains("price")), "{:?}", problems(&cheap));
    // Links keep the world's latency; their policy is the player's.
    let near = edit(&reference, "latency:Const(5.0)", "latency:Const(0.1)");
    assert!(problems(&near).iter().any(|p| p.contains("users → edge")), "{:?}", problems(&near));
    let mut retry = reference.clone();
    retry.links[1].retry = Some(Default::default());
    assert!(problems(&retry).is_empty(), "{:?}", problems(&retry));
    // A design breaking the rules is not graded, and fails.
    let g = l.grade(&big, &[1]).unwrap();
    assert!(!g.passed() && g.runs.is_empty() && g.stars() == 0);
}

#[test]
fn selectors_pick_from_the_design_by_seed() {
    use systemdecoder::chaos::{Fault, Kill, ScheduledFault};
    let (l, _) = opening_day();
    let design = Loaded::get("opening-day").unwrap().scenario("more-apps.ron").unwrap();
    let mut level = l.level.clone();
    let kill = |node: &str| ScheduledFault { at_s: 1.0, for_s: None, fault: Fault::Kill(Kill { node: node.into() }) };
    level.chaos = vec![kill("@node:Service"), kill("@node:Service#2")];
    let target =
        |seed| -> Vec<String> { level.resolve_chaos(&design, seed).unwrap().iter().map(|f| f.fault.label()).collect() };
    let mut seen = std::collections::BTreeSet::new();
    for seed in 1..=20 {
        let t = target(seed);
        assert_eq!(t, target(seed), "the same seed picks the same");
        assert_ne!(t[0], t[1], "#2 is another node");
        assert!(t[0].starts_with("kill app-"), "{t:?}");
        seen.insert(t[0].clone());
    }
    assert_eq!(seen.len(), 4, "every service gets picked on some seed: {seen:?}");
    level.chaos = vec![kill("@node:Cache")];
    assert!(level.resolve_chaos(&design, 1).unwrap_err().contains("0 to choose from"));
    level.chaos = vec![kill("@somewhere")];
    assert!(level.resolve_chaos(&design, 1).is_err());
}

#[test]
fn a_failed_run_says_what_went_wrong_first() {
    let (l, _) = opening_day();
    let naive = l.scenario("naive.ron").unwrap();
    let g = l.grade(&naive, &[1]).unwrap();
    assert!(!g.passed());
    let t = l.first_trouble(&g.runs[0]).expect("a failed run has a first bad second");
    // Two servers hold 600 a second; the trouble starts with the spike at 60 s.
    assert!((60.0..70.0).contains(&t.at_s), "{}", t.says());
    assert!(t.faults.iter().any(|f| f.contains("spike")), "{}", t.says());
    assert!(t.busiest.as_ref().is_some_and(|(id, u, _)| id.starts_with("app-") && *u > 0.95), "{}", t.says());
}

#[test]
fn the_readme_lists_every_level() {
    let readme = include_str!("../../README.md");
    for b in BUNDLED {
        assert!(readme.contains(&format!("(`{}`)", b.id)), "README.md does not list the level {}", b.id);
    }
}

#[test]
fn a_pick_between_two_varies_from_seed_to_seed() {
    use systemdecoder::chaos::{Fault, ScheduledFault, ZoneOutage};
    let (l, start) = opening_day();
    let mut level = l.level.clone();
    level.chaos = vec![ScheduledFault {
        at_s: 1.0,
        for_s: None,
        fault: Fault::ZoneOutage(ZoneOutage { zone: "@pick:a|b".into() }),
    }];
    let picks: Vec<String> = (1..=40).map(|seed| level.resolve_chaos(&start, seed).unwrap()[0].fault.label()).collect();
    let a = picks.iter().filter(|p| p.ends_with(" a")).count();
    assert!((10..=30).contains(&a), "a fair coin over 40 seeds: {a} of 40 picked a");
    // Not stuck in runs: neighbouring seeds differ about half the time.
    let changes = picks.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(changes >= 10, "{changes} changes between neighbouring seeds: {picks:?}");
}

#[test]
fn a_template_takes_links_only_from_the_kinds_it_names() {
    // Blast radius: databases are fed by app servers; a router linked
    // straight to a database would skip the app servers' work.
    let l = Loaded::get("blast-radius").unwrap();
    let start = l.start().unwrap();
    let mut shortcut = l.scenario("reference.ron").unwrap();
    shortcut.links.retain(|k| !(k.from == "router" && k.to == "app-1"));
    let mut direct = shortcut.links.iter().find(|k| k.from == "router").unwrap().clone();
    direct.to = "db-1".into();
    shortcut.links.push(direct);
    let problems = l.level.problems(&start, &shortcut);
    assert!(problems.iter().any(|p| p.contains("db-1 takes links only from Service")), "{problems:?}");
}

#[test]
fn a_link_drawn_in_a_level_keeps_its_rules() {
    let (l, start) = opening_day();
    let mut design = l.scenario("reference.ron").unwrap();
    // Drawn from the locked balancer to a new server: the level's latency.
    design.links.retain(|k| k.to != "app-3");
    design.links.push(l.level.new_link(&start, "edge", "app-3"));
    assert!(l.level.problems(&start, &design).is_empty(), "{:?}", l.level.problems(&start, &design));
    // Drawn from the users: their own distance, not the template's.
    let from_users = l.level.new_link(&start, "users", "app-1");
    assert_eq!(from_users.latency, systemdecoder::sim::dist::Dist::Const(5.0));
}

#[test]
fn a_level_made_from_a_design_travels_as_a_link_and_grades() {
    use systemdecoder::learn::level::{Draft, is_level_link};
    let design = systemdecoder::scenario::default_scenario().unwrap();
    let r = systemdecoder::headless::run_scenario(&design, "default", design.seed, 0.0, 10.0);
    let mut draft = Draft::for_design(&design, &r);
    draft.title = "Three tiers, tight".into();
    draft.measure_s = 20.0;
    draft.locked.retain(|id| id != "app-3");
    draft.templates.push("app-3".into());
    let pack = draft.level(&design);
    assert_eq!(pack.level.id, "three-tiers-tight");
    assert!(pack.level.locked.contains(&"users".to_string()), "clients are always locked");
    // Offered: a service's size and policy are the player's, its times are not.
    let t = &pack.level.palette[0];
    assert!(t.edit.contains(&"workers".to_string()) && !t.edit.contains(&"service".to_string()), "{:?}", t.edit);
    assert!(!t.edit.contains(&"by_type".to_string()));
    let l = Loaded::from_pack(pack.clone()).unwrap();
    let link = l.link("http://localhost:8000/?level=x").unwrap();
    assert!(is_level_link(&link) && link.starts_with("http://localhost:8000/#l="), "{link}");
    let back = Loaded::from_link(&link).unwrap();
    assert_eq!(back.level, l.level);
    // The starting design is legal and graded (its own goals are met with room).
    let g = back.grade(&back.start().unwrap(), &[1]).unwrap();
    assert!(g.problems.is_empty(), "{:?}", g.problems);
    assert!(g.passed(), "{:?}", g.runs[0].verdicts);
    // A damaged link is refused with a reason, never a panic.
    let cut = &link[..link.len() - 10];
    assert!(Loaded::from_link(cut).is_err());
    assert!(Loaded::from_link("http://x/#l=!!!").err().is_some_and(|e| e.contains("base64")));
}

#[test]
fn one_node_is_judged_as_the_inspector_needs() {
    let (l, start) = opening_day();
    let reference = l.scenario("reference.ron").unwrap();
    let node = |s: &Scenario, id: &str| s.nodes.iter().find(|n| n.id == id).unwrap().clone();
    let v = l.level;
    for n in &reference.nodes {
        assert_eq!(v.node_problem(&start, n), None, "{}", n.id);
    }
    let policy = node(&edit(&start, "policy:RoundRobin", "policy:Random"), "edge");
    assert_eq!(v.node_problem(&start, &policy), None, "an editable field of a locked node");
    let rate = node(&edit(&start, "rate:600.0", "rate:300.0"), "users");
    assert!(v.node_problem(&start, &rate).is_some_and(|p| p.contains("users is locked")));
    let fast = node(&edit(&reference, "service:Exp(20.0)", "service:Exp(5.0)"), "app-1");
    assert!(v.node_problem(&start, &fast).is_some_and(|p| p.contains("service is fixed")));
}
