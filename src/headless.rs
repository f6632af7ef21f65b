//! Running a scenario headless, as fast as the machine allows: the CLI,
//! lessons and tests drive the simulation this way (no window, no clock).

use bevy::prelude::*;

use crate::scenario::Scenario;
use crate::sim::Sim;
use crate::sim::report::Report;
use crate::sim::time::{Nanos, SimSpeed, secs_to_nanos};

/// A Bevy app with just the simulation, ready to run a scenario headless.
pub fn app(scenario: &Scenario, seed: u64) -> App {
    let mut app = App::new();
    app.add_plugins(crate::CorePlugin);
    crate::scenario::spawn(app.world_mut(), scenario, seed);
    app
}

/// Run the app's simulation for `seconds` of sim time as fast as possible by
/// driving `FixedUpdate` directly in chunks, resetting statistics after
/// `warmup` seconds. `progress` gets the fraction done after each chunk.
pub fn run(app: &mut App, warmup: f64, seconds: f64, mut progress: impl FnMut(f64)) {
    const CHUNK: Nanos = 100_000_000; // 0.1 s of sim time per FixedUpdate
    {
        let mut speed = app.world_mut().resource_mut::<SimSpeed>();
        *speed = SimSpeed { paused: false, factor: 1.0, tick: CHUNK, max_chunk: CHUNK, ..default() };
    }
    let warm = secs_to_nanos(warmup);
    let end = warm + secs_to_nanos(seconds);
    let start = app.world().resource::<Sim>().now();
    let mut warmed = warm == 0;
    loop {
        let now = app.world().resource::<Sim>().now();
        if now >= start + end {
            break;
        }
        let target = if warmed { start + end } else { start + warm };
        let step = (target - now).min(CHUNK);
        app.world_mut().resource_mut::<SimSpeed>().tick = step;
        app.world_mut().run_schedule(FixedUpdate);
        if !warmed && app.world().resource::<Sim>().now() >= start + warm {
            app.world_mut().resource_mut::<Sim>().reset_stats();
            warmed = true;
        }
        progress((app.world().resource::<Sim>().now() - start) as f64 / end.max(1) as f64);
    }
}

/// Load-free convenience: run a scenario headless and summarise it.
pub fn run_scenario(scenario: &Scenario, name: &str, seed: u64, warmup: f64, seconds: f64) -> Report {
    let mut app = app(scenario, seed);
    run(&mut app, warmup, seconds, |_| {});
    Report::from_engine(&app.world().resource::<Sim>().0, name, seed)
}
