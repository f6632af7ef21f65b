//! Random marathons of what a person can do (add, delete, connect, edit any
//! number to extreme values, break and heal, undo and redo, let time pass),
//! sent through the same edit and fault messages the app sends. After every
//! step: no panic, and every request accounted for. At the end: undoing
//! everything gives back the starting design, redoing everything the final
//! one, saving and loading changes nothing, and the recording of the whole
//! session replays to the same bits.
//!
//! CI runs a few hundred sequences; `SYSTEMDECODER_MARATHON=N` runs N
//! (the README gives the figures of a long run).

use bevy::app::App;
use systemdecoder::chaos::{Aim, ChaosCommand, Fault, Strength};
use systemdecoder::edit::{Edit, EditBatch, EditHistory, HistoryRequest};
use systemdecoder::headless;
use systemdecoder::scenario::{self, Scenario};
use systemdecoder::sim::Sim;
use systemdecoder::sim::dist::{Dist, SimRng};
use systemdecoder::sim::model::*;
use systemdecoder::sweep::{self, Vary};

use crate::helpers::*;

/// Numbers a person can type into an editor, the silly ones included.
const VALUES: [f64; 12] = [0.0, 1.0, 2.0, 0.5, 1e-3, 3.0, 10.0, 64.0, 1e6, 1e9, 1e12, -1.0];

fn design(app: &mut App) -> Scenario {
    scenario::export(app.world_mut()).expect("a design is open")
}

fn pick<'a, T>(rng: &mut SimRng, xs: &'a [T]) -> Option<&'a T> {
    (!xs.is_empty()).then(|| &xs[rng.below(xs.len() as u32) as usize])
}

/// One random action, as messages the app would send.
fn act(app: &mut App, rng: &mut SimRng, serial: &mut u32) {
    let s = design(app);
    let ids: Vec<String> = s.nodes.iter().map(|n| n.id.clone()).collect();
    let w = app.world_mut();
    match rng.below(12) {
        0 => {
            let kinds = NodeKind::catalogue();
            let kind = pick(rng, &kinds).expect("kinds").clone();
            *serial += 1;
            w.write_message(EditBatch::user(vec![Edit::AddNode(node(&format!("m{serial}"), kind))]));
        }
        1 => {
            if let Some(id) = pick(rng, &ids) {
                w.write_message(EditBatch::user(vec![Edit::RemoveNode(id.clone())]));
            }
        }
        2 | 3 => {
            if let (Some(a), Some(b)) = (pick(rng, &ids), pick(rng, &ids)) {
                w.write_message(EditBatch::user(vec![Edit::AddLink(link(a, b, rng.below(5) as f64))]));
            }
        }
        4 => {
            if let Some(l) = pick(rng, &s.links) {
                w.write_message(EditBatch::user(vec![Edit::RemoveLink { from: l.from.clone(), to: l.to.clone() }]));
            }
        }
        5 | 6 => {
            // Any number field of any node to any value; the edit is checked
            // like a file and refused when wrong.
            let Some(n) = pick(rng, &s.nodes) else { return };
            let fields = sweep::fields(n);
            let Some(f) = pick(rng, &fields) else { return };
            let v = *pick(rng, &VALUES).expect("values");
            let Ok(vary) = Vary::parse(&format!("{}.{}={v}", n.id, f.name), &s) else { return };
            let mut spec = n.clone();
            if vary.apply_to_node(&mut spec, v).is_ok() {
                w.write_message(EditBatch::user(vec![Edit::SetNode(spec)]));
            }
        }
        7 => {
            if let Some(l) = pick(rng, &s.links) {
                let mut l = l.clone();
                l.latency = Dist::Exp(*pick(rng, &VALUES).expect("values"));
                l.loss = [0.0, 0.1, 1.0][rng.below(3) as usize];
                w.write_message(EditBatch::user(vec![Edit::SetLink(l)]));
            }
        }
        8 => {
            // A fault from the menu, as a person would pick it.
            let strength = Strength {
                factor: [0.01, 2.0, 1000.0][rng.below(3) as usize],
                add_ms: [0.0, 100.0, 60_000.0][rng.below(3) as usize],
                share: [0.0, 0.2, 1.0][rng.below(3) as usize],
                mbps: [0.001, 1.0, 1e6][rng.below(3) as usize],
                for_s: 0.0,
            };
            let menu = if rng.chance(0.3) {
                match pick(rng, &s.links) {
                    Some(l) => Fault::menu(&Aim::Link { from: &l.from, to: &l.to }, &strength),
                    None => Vec::new(),
                }
            } else {
                match pick(rng, &s.nodes) {
                    Some(n) => Fault::menu(
                        &Aim::Node { id: &n.id, kind: &n.kind, zone: n.zone.as_deref(), zone_members: &ids },
                        &strength,
                    ),
                    None => Vec::new(),
                }
            };
            if let Some(m) = pick(rng, &menu) {
                let cmd = if rng.chance(0.5) {
                    ChaosCommand::InjectFor(m.fault.clone(), [0.1, 1.0, 5.0][rng.below(3) as usize])
                } else {
                    ChaosCommand::Inject(m.fault.clone())
                };
                w.write_message(cmd);
            }
        }
        9 => {
            w.write_message(if rng.chance(0.5) { ChaosCommand::HealAll } else { ChaosCommand::Heal(rng.below(8)) });
        }
        10 => {
            w.write_message(HistoryRequest::Undo);
        }
        _ => {
            w.write_message(HistoryRequest::Redo);
        }
    }
}

/// The design's nodes and links, as saved.
fn saved(s: &Scenario) -> (Vec<NodeSpec>, Vec<LinkSpec>) {
    let mut nodes = s.nodes.clone();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    let mut links = s.links.clone();
    links.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    (nodes, links)
}

fn step(app: &mut App, secs: f64) {
    headless::run(app, 0.0, secs, |_| {});
    let sim = app.world().resource::<Sim>();
    if let Err(e) = sim.check_conservation() {
        panic!("conservation broken at {} s: {e}", sim.now() as f64 / 1e9);
    }
}

fn marathon(base: &Scenario, seed: u64, actions: usize) {
    let mut rng = SimRng::seeded(seed);
    let mut app = crate::replay::recording_app(base, seed);
    let start = saved(&design(&mut app));
    let mut serial = 0;
    for _ in 0..actions {
        act(&mut app, &mut rng, &mut serial);
        step(&mut app, [0.01, 0.1, 0.3][rng.below(3) as usize]);
    }
    let end = design(&mut app);
    end.check().unwrap_or_else(|e| panic!("seed {seed}: the design became invalid: {e}"));
    // Save and load: the same design.
    let (loaded, _) = Scenario::parse("saved.ron", &end.to_ron()).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    assert_eq!(saved(&loaded), saved(&end), "seed {seed}: save then load");
    // Undo everything: the design we started from; redo as many steps: the
    // end again (steps undone before the end stay undone).
    let undo = app.world().resource::<EditHistory>().undo.len();
    for _ in 0..undo {
        app.world_mut().write_message(HistoryRequest::Undo);
        step(&mut app, 0.01);
    }
    assert_eq!(saved(&design(&mut app)), start, "seed {seed}: undoing all {undo} steps");
    for _ in 0..undo {
        app.world_mut().write_message(HistoryRequest::Redo);
        step(&mut app, 0.01);
    }
    assert_eq!(saved(&design(&mut app)), saved(&end), "seed {seed}: redoing the {undo} steps");
    // The whole session, recorded, replays to the same bits.
    let rec = crate::replay::recording(&app);
    let back = systemdecoder::replay::Replay::parse("marathon.replay.ron", &rec.to_ron())
        .unwrap_or_else(|e| panic!("seed {seed}: the recording does not load: {e}"));
    let played = back.play().unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let live = crate::replay::report(&app.world().resource::<Sim>().0);
    assert_eq!(crate::replay::report(&played), live, "seed {seed}: the replay of {} steps", rec.steps.len());
}

fn base() -> Scenario {
    let mut s = scenario(
        vec![
            poisson("users", 300.0),
            lb("lb", LbPolicy::RoundRobin),
            service("a", 4, Dist::Exp(2.0)),
            service("b", 4, Dist::Exp(2.0)),
        ],
        vec![link("users", "lb", 1.0), link("lb", "a", 1.0), link("lb", "b", 1.0)],
    );
    s.nodes[2].zone = Some("z1".into());
    s
}

#[test]
fn random_marathons_keep_every_request_and_every_design() {
    let runs: u64 = std::env::var("SYSTEMDECODER_MARATHON").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let t0 = std::time::Instant::now();
    let bundled = scenario::bundled::BUNDLED
        .iter()
        .filter(|(p, _)| p.contains("examples/"))
        .map(|(p, text)| Scenario::parse(p, text).expect("bundled").0)
        .collect::<Vec<_>>();
    // Seeds shared out over every core (each thread has apps of its own).
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    std::thread::scope(|s| {
        for t in 0..threads {
            let bundled = &bundled;
            s.spawn(move || {
                for seed in (t..runs).step_by(threads as usize) {
                    let base = if seed % 3 == 0 { base() } else { bundled[seed as usize % bundled.len()].clone() };
                    marathon(&base, seed, 30);
                }
            });
        }
    });
    println!("{runs} marathons of 30 actions in {:.1} s on {threads} threads", t0.elapsed().as_secs_f64());
}
