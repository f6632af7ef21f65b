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

/// Sim time per `FixedUpdate` when running headless.
const CHUNK: Nanos = 100_000_000;

/// A headless run in progress, advanced a chunk (0.1 s of sim time) at a
/// time: statistics restart after the warm-up, and it ends after the
/// measured seconds.
pub struct Runner {
    start: Nanos,
    warm: Nanos,
    end: Nanos,
    warmed: bool,
}

impl Runner {
    /// Prepare `app` to run `seconds` after `warmup` seconds, from its
    /// current time.
    pub fn new(app: &mut App, warmup: f64, seconds: f64) -> Runner {
        {
            let mut speed = app.world_mut().resource_mut::<SimSpeed>();
            *speed = SimSpeed { paused: false, factor: 1.0, tick: CHUNK, max_chunk: CHUNK, ..default() };
        }
        let warm = secs_to_nanos(warmup);
        let start = app.world().resource::<Sim>().now();
        Runner { start, warm, end: warm + secs_to_nanos(seconds), warmed: warm == 0 }
    }

    /// Simulate one more chunk; false once the run is over.
    pub fn step(&mut self, app: &mut App) -> bool {
        let now = app.world().resource::<Sim>().now();
        if now >= self.start + self.end {
            return false;
        }
        let target = if self.warmed { self.start + self.end } else { self.start + self.warm };
        let step = (target - now).min(CHUNK);
        app.world_mut().resource_mut::<SimSpeed>().tick = step;
        app.world_mut().run_schedule(FixedUpdate);
        if !self.warmed && app.world().resource::<Sim>().now() >= self.start + self.warm {
            app.world_mut().resource_mut::<Sim>().reset_stats();
            self.warmed = true;
        }
        true
    }

    /// The share of the run done.
    pub fn progress(&self, app: &App) -> f64 {
        (app.world().resource::<Sim>().now() - self.start) as f64 / self.end.max(1) as f64
    }
}

/// Run the app's simulation for `seconds` of sim time as fast as possible by
/// driving `FixedUpdate` directly in chunks, resetting statistics after
/// `warmup` seconds. `progress` gets the fraction done after each chunk.
pub fn run(app: &mut App, warmup: f64, seconds: f64, mut progress: impl FnMut(f64)) {
    let mut runner = Runner::new(app, warmup, seconds);
    while runner.step(app) {
        progress(runner.progress(app));
    }
}

/// Load-free convenience: run a scenario headless and summarise it.
pub fn run_scenario(scenario: &Scenario, name: &str, seed: u64, warmup: f64, seconds: f64) -> Report {
    let mut app = app(scenario, seed);
    run(&mut app, warmup, seconds, |_| {});
    Report::from_engine(&app.world().resource::<Sim>().0, name, seed)
}
