//! An autoscaling group: instances of a service added and removed by a
//! periodic review of utilisation; new ones take time to boot. Priced per
//! instance: the group's cost follows its instance count. Its workers are set
//! from the instance count by the engine.

use serde::{Deserialize, Serialize};

use super::*;

/// A group of identical instances behind one queue whose size follows the
/// load (target tracking): every `interval_s` it compares the utilisation
/// of the last interval with `target_utilization` and asks for
/// `ceil(instances × utilisation / target)` instances, within `min`..`max`.
/// New instances serve after `boot_s`. It removes instances only when no
/// scaling happened in the last `cooldown_s`, and only down to a size that
/// would run 10 % under the target (so it does not flap around it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoscalingSpec {
    pub min: u32,
    pub max: u32,
    /// Instances at the start.
    pub initial: u32,
    pub workers_per_instance: u32,
    pub queue_limit: Option<u32>,
    pub service: Dist,
    pub target_utilization: f64,
    pub interval_s: f64,
    pub boot_s: f64,
    pub cooldown_s: f64,
    /// Like a service's `blocking`: workers wait for downstream calls.
    pub blocking: bool,
}

impl Default for AutoscalingSpec {
    fn default() -> Self {
        Self {
            min: 2,
            max: 10,
            initial: 2,
            workers_per_instance: 4,
            queue_limit: None,
            service: Dist::Exp(10.0),
            target_utilization: 0.6,
            interval_s: 10.0,
            boot_s: 30.0,
            cooldown_s: 60.0,
            blocking: false,
        }
    }
}

impl Kind for AutoscalingSpec {
    const LABEL: &str = "autoscaling group";
    const PRICE_PER_HOUR: f64 = 0.10;
    type State = ();

    fn prepare(&self) -> Prepared {
        Prepared { blocking: self.blocking, ..Prepared::new(self.workers_per_instance, limit(self.queue_limit), self.service.sampler()) }.after(AfterService::CallDownstream)
    }

    fn check(&self, c: &mut Checker) -> Result<(), Fail> {
        let a = self;
        c.count("min", a.min, 1, 10_000)?;
        c.count("max", a.max, a.min, 10_000)?;
        c.count("initial", a.initial, a.min, a.max)?;
        c.count("workers_per_instance", a.workers_per_instance, 1, 100_000)?;
        if let Some(q) = a.queue_limit {
            c.count("queue_limit", q, 0, MAX_COUNT)?;
        }
        c.dist("service", &a.service)?;
        c.number("target_utilization", a.target_utilization, 0.05, 1.0)?;
        c.number("interval_s", a.interval_s, 0.1, 3600.0)?;
        c.number("boot_s", a.boot_s, 0.0, 3600.0)?;
        c.number("cooldown_s", a.cooldown_s, 0.0, 86_400.0)
    }
}
