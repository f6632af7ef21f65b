//! Same scenario + seed ⇒ the same bits, whatever the tick size.

use systemdecoder::headless::{self, run_scenario};
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::report::Report;
use systemdecoder::sim::{Sim, SimSpeed};

fn default_scenario() -> Scenario {
    Scenario::parse("three-tier.ron", include_str!("../../scenarios/examples/three-tier.ron")).unwrap().0
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

#[test]
fn same_file_and_seed_give_identical_json() {
    let s = default_scenario();
    let a = serde_json::to_string(&run_scenario(&s, "x", 42, 1.0, 20.0)).unwrap();
    let b = serde_json::to_string(&run_scenario(&s, "x", 42, 1.0, 20.0)).unwrap();
    assert_eq!(a, b);
    let c = serde_json::to_string(&run_scenario(&s, "x", 43, 1.0, 20.0)).unwrap();
    assert_ne!(a, c, "a different seed must give a different run");
}

/// Golden value: the summary of a fixed run, hashed. It changes only when the
/// model's behaviour changes on purpose; then update it and say why.
const GOLDEN: u64 = 0xea3f_9ebd_b4a7_e26f;

#[test]
fn golden_hash_of_the_default_scenario() {
    let r = run_scenario(&default_scenario(), "golden", 1234, 0.0, 30.0);
    let json = serde_json::to_string(&r).unwrap();
    let h = fnv1a(&json);
    assert_eq!(h, GOLDEN, "golden run changed: hash {h:#018x}\n{json}");
}

/// Drive the app with a given fixed-tick size for `seconds` of sim time.
fn run_with_tick(tick_ns: u64, seconds: u64) -> Report {
    let s = default_scenario();
    let mut app = headless::app(&s, 5);
    {
        let mut speed = app.world_mut().resource_mut::<SimSpeed>();
        speed.tick = tick_ns;
        speed.max_chunk = tick_ns;
    }
    let ticks = seconds * 1_000_000_000 / tick_ns;
    for _ in 0..ticks {
        app.world_mut().run_schedule(bevy::app::FixedUpdate);
    }
    Report::from_engine(&app.world().resource::<Sim>().0, "tick", 5)
}

#[test]
fn tick_size_does_not_change_the_statistics() {
    // 1 ms ticks vs 250 ms ticks vs one 10 s chunk: identical to the bit,
    // because events carry exact timestamps and run in timestamp order.
    let fine = run_with_tick(1_000_000, 10);
    let coarse = run_with_tick(250_000_000, 10);
    assert_eq!(fine, coarse);
    let mut app = headless::app(&default_scenario(), 5);
    headless::run(&mut app, 0.0, 10.0, |_| {});
    let chunked = Report::from_engine(&app.world().resource::<Sim>().0, "tick", 5);
    assert_eq!(fine, chunked);
}
