//! Chaos: faults a person injects live, schedules in a scenario file
//! (`at_s: 30, for_s: 20, fault: Kill(node: "app-2")`) or passes on the command
//! line (`--chaos "kill app-2 at 10s for 5s"`). Names follow the industry's
//! tools (Gremlin, Chaos Mesh, Toxiproxy). The engine carries them out; this
//! module is the model, its checks and the wiring into the app; each fault
//! has its own file in `faults/`.

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::sim::time::secs_to_nanos;
use crate::sim::{Sim, SimSystems};

pub mod faults;

pub use faults::*;

/// The chaos monkey in a scenario file: random faults from `faults` at a
/// mean interval, each lasting `duration_s`; reproducible from the seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonkeySpec {
    pub mean_interval_s: f64,
    #[serde(default = "ten")]
    pub duration_s: f64,
    #[serde(default = "all_monkey_faults")]
    pub faults: Vec<crate::sim::engine::MonkeyFault>,
}

fn ten() -> f64 {
    10.0
}

pub fn all_monkey_faults() -> Vec<crate::sim::engine::MonkeyFault> {
    use crate::sim::engine::MonkeyFault::*;
    vec![Kill, Pause, CpuThrottle, Restart, Latency, PacketLoss]
}

impl MonkeySpec {
    pub fn monkey(&self, seed: u64) -> crate::sim::engine::Monkey {
        crate::sim::engine::Monkey::new(
            secs_to_nanos(self.mean_interval_s),
            secs_to_nanos(self.duration_s),
            self.faults.clone(),
            seed,
        )
    }
}

/// A fault on a schedule (times in sim seconds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledFault {
    pub at_s: f64,
    /// How long it lasts; absent: until the end of the run.
    #[serde(default)]
    pub for_s: Option<f64>,
    pub fault: Fault,
}

impl ScheduledFault {
    /// Put it on the engine's schedule.
    pub fn schedule(&self, sim: &mut crate::sim::Engine) -> Result<u32, String> {
        let effects = self.fault.effects(sim)?;
        let start = secs_to_nanos(self.at_s);
        let end = self.for_s.map(|d| start + secs_to_nanos(d));
        let id = sim.schedule_fault(self.fault.label(), effects, start, end);
        sim.set_fault_group(id, self.fault.group());
        Ok(id)
    }
}

/// Live chaos from the app: start a fault now, or heal one.
#[derive(Message, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ChaosCommand {
    Inject(Fault),
    /// Start a fault now, healing itself after this many seconds.
    InjectFor(Fault, f64),
    Heal(u32),
    HealAll,
    /// Start the monkey (mean seconds between faults), or stop it.
    Monkey(Option<f64>),
}

impl ChaosCommand {
    /// Carry it out on the engine now (the app and replays both do it
    /// this way); an error says why a fault could not be applied.
    pub fn apply(&self, sim: &mut crate::sim::Engine) -> Result<(), String> {
        match self {
            ChaosCommand::Inject(f) | ChaosCommand::InjectFor(f, _) => {
                let end = match self {
                    ChaosCommand::InjectFor(_, s) if s.is_finite() && *s > 0.0 => Some(secs_to_nanos(*s)),
                    _ => None,
                };
                let now = sim.now();
                let effects = f.effects(sim)?;
                let id = sim.schedule_fault(f.label(), effects, now, end.map(|d| now + d));
                sim.set_fault_group(id, f.group());
            }
            ChaosCommand::Heal(id) => sim.heal(*id),
            ChaosCommand::Monkey(interval) => {
                let seed = sim.now();
                let m = interval.filter(|s| s.is_finite() && *s > 0.0).map(|s| {
                    MonkeySpec { mean_interval_s: s, duration_s: 10.0, faults: all_monkey_faults() }.monkey(seed)
                });
                sim.set_monkey(m);
            }
            ChaosCommand::HealAll => {
                let active: Vec<u32> = sim.fault_log().iter().filter(|f| f.active).map(|f| f.id).collect();
                for id in active {
                    sim.heal(id);
                }
            }
        }
        Ok(())
    }
}

/// A live fault that could not be applied (its target is gone), and why.
#[derive(Message, Clone, Debug)]
pub struct ChaosRefused(pub String);

/// A command that reached the engine, in the order they did (recordings
/// read these).
#[derive(Message, Clone, Debug)]
pub struct ChaosApplied(pub ChaosCommand);

/// Where live chaos reaches the engine within a tick's edits.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApplyChaos;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<ChaosCommand>().add_message::<ChaosRefused>().add_message::<ChaosApplied>().add_systems(
        FixedUpdate,
        apply_chaos.in_set(SimSystems::ApplyEdits).in_set(ApplyChaos).run_if(resource_exists::<Sim>),
    );
}

fn apply_chaos(
    mut commands: MessageReader<ChaosCommand>,
    mut sim: ResMut<Sim>,
    mut refused: MessageWriter<ChaosRefused>,
    mut applied: MessageWriter<ChaosApplied>,
) {
    for c in commands.read() {
        match c.apply(&mut sim) {
            Ok(()) => {
                applied.write(ChaosApplied(c.clone()));
            }
            Err(e) => {
                refused.write(ChaosRefused(e));
            }
        }
    }
}
