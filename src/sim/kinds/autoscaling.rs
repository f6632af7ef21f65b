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

/// A running group's size.
#[derive(Default, Clone)]
pub struct ScalingGroup {
    /// Instances serving.
    pub instances: u32,
    /// Instances ordered and not ready yet.
    pub booting: u32,
    /// When it last grew or shrank.
    pub last_scale: Nanos,
}

/// What a review decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resize {
    Hold,
    /// Order this many more instances (they take `boot_s` to be ready).
    Out(u32),
    /// Shrink to this many at once (the removed ones finish their work).
    In(u32),
}

impl AutoscalingSpec {
    /// A size within the group's bounds.
    pub fn clamp(&self, instances: u32) -> u32 {
        instances.clamp(self.min.max(1), self.max.max(self.min.max(1)))
    }

    /// Target tracking: size the group so the last interval's utilisation
    /// `util` would have run at the target. A crashed group does not grow.
    pub fn review(&self, g: &mut ScalingGroup, util: f64, now: Nanos, down: bool) -> Resize {
        let target = self.target_utilization.max(0.01);
        let desired = self.clamp((g.instances as f64 * util / target).ceil() as u32);
        // Scale in only to a size that would still run 10 % under the
        // target, so the group does not flap around it.
        let smaller = self.clamp((g.instances as f64 * util / (0.9 * target)).ceil() as u32);
        let total = g.instances + g.booting;
        if !down && desired > total {
            let count = desired - total;
            g.booting += count;
            g.last_scale = now;
            Resize::Out(count)
        } else if smaller < g.instances
            && g.booting == 0
            && now.saturating_sub(g.last_scale) >= crate::sim::time::secs_to_nanos(self.cooldown_s)
        {
            g.instances = smaller;
            g.last_scale = now;
            Resize::In(smaller)
        } else {
            Resize::Hold
        }
    }
}

impl Kind for AutoscalingSpec {
    const LABEL: &str = "autoscaling group";
    const PRICE_PER_HOUR: f64 = 0.10;
    const PRICING: &str = "$0.025 per worker-hour of each instance, booting ones included";

    fn price_per_hour(&self) -> f64 {
        self.workers_per_instance.max(1) as f64 / super::service::WORKERS_PER_DOLLAR
    }
    type State = ScalingGroup;

    fn counters(&self, group: &ScalingGroup, node: &Facts) -> Vec<(&'static str, f64)> {
        let s = node.stats;
        vec![
            ("scale_ups", s.scale_ups as f64),
            ("scale_downs", s.scale_downs as f64),
            ("instances_now", group.instances as f64),
            ("instances_mean", s.instances.area_to(node.now) as f64 / node.span.max(1) as f64),
        ]
    }

    fn start(&self, now: Nanos) -> ScalingGroup {
        ScalingGroup { instances: self.clamp(self.initial), booting: 0, last_scale: now }
    }

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
