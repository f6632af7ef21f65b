//! A sweep run a slice at a time, for a caller that must stay responsive:
//! the app's What-if panel runs it on a worker thread on the desktop and a
//! few slices per frame in the browser. Same runs, same numbers as
//! [`super::execute`].

use bevy::prelude::App;

use super::{Metrics, Plan, Run};
use crate::headless::{self, Runner};
use crate::sim::Sim;
use crate::sim::report::Report;

pub struct Stepper {
    plan: Plan,
    name: String,
    runs: Vec<(usize, u64)>,
    next: usize,
    current: Option<(App, Runner)>,
}

impl Stepper {
    pub fn new(plan: Plan, name: &str) -> Stepper {
        let runs = plan.runs(None);
        Stepper::with_runs(plan, name, runs)
    }

    /// Only these runs (point, seed): a slice, as [`Plan::runs`] gives.
    pub fn with_runs(plan: Plan, name: &str, runs: Vec<(usize, u64)>) -> Stepper {
        Stepper { plan, name: name.to_string(), runs, next: 0, current: None }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Simulate at most `chunks` tenths of a second (sim time, across runs);
    /// returns the runs that finished meanwhile, in order.
    pub fn advance(&mut self, chunks: usize) -> Vec<Run> {
        let mut done = Vec::new();
        for _ in 0..chunks {
            if self.current.is_none() {
                let Some(&(p, seed)) = self.runs.get(self.next) else { break };
                let mut app = headless::app(&self.plan.points[p].1, seed);
                let runner = Runner::new(&mut app, self.plan.warmup_s, self.plan.seconds);
                self.current = Some((app, runner));
            }
            let (app, runner) = self.current.as_mut().expect("just set");
            if !runner.step(app) {
                let (p, seed) = self.runs[self.next];
                let r = Report::from_engine(&app.world().resource::<Sim>().0, &self.name, seed);
                done.push(Run { values: self.plan.points[p].0.clone(), seed, metrics: Metrics::of(&r) });
                self.current = None;
                self.next += 1;
            }
        }
        done
    }

    /// Every run has finished.
    pub fn finished(&self) -> bool {
        self.next >= self.runs.len()
    }

    /// The share of all runs done.
    pub fn progress(&self) -> f64 {
        let within = self.current.as_ref().map_or(0.0, |(app, r)| r.progress(app));
        (self.next as f64 + within) / self.runs.len().max(1) as f64
    }
}
