//! Autoscaling groups: periodic reviews of utilisation, instances that
//! take time to boot.

use super::*;

impl Engine {
    pub(super) fn start_autoscaler(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        let NodeKind::Autoscaling(a) = &node.spec.kind else { return };
        node.scale_epoch = node.scale_epoch.next();
        node.booting = 0;
        node.scale_mark = (node.stats.busy.area_to(self.now), self.now);
        let (epoch, every) = (node.scale_epoch, secs_to_nanos(a.interval_s).max(1));
        self.at(self.now + every, What::Scale { node: n, epoch });
    }

    /// Target tracking: size the group so the last interval's busy time
    /// would have run at the target utilisation.
    pub(super) fn autoscale(&mut self, n: u32, epoch: Gen) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        if node.scale_epoch != epoch || node.removed {
            return;
        }
        let NodeKind::Autoscaling(a) = node.spec.kind.clone() else { return };
        let area = node.stats.busy.area_to(now);
        let (mark, since) = node.scale_mark;
        node.scale_mark = (area, now);
        let capacity = node.prep.workers.max(1) as f64;
        let util = if now > since { area.saturating_sub(mark) as f64 / (now - since) as f64 / capacity } else { 0.0 };
        let (lo, hi) = (a.min.max(1), a.max.max(a.min.max(1)));
        let target = a.target_utilization.max(0.01);
        let desired = ((node.instances as f64 * util / target).ceil() as u32).clamp(lo, hi);
        // Scale in only to a size that would still run 10 % under the
        // target, so the group does not flap around it.
        let smaller = ((node.instances as f64 * util / (0.9 * target)).ceil() as u32).clamp(lo, hi);
        let total = node.instances + node.booting;
        if !node.fx.down && desired > total {
            let count = desired - total;
            node.booting += count;
            node.last_scale = now;
            node.stats.scale_ups += 1;
            node.stats.instances.set(now, (node.instances + node.booting) as u64);
            self.at(now + secs_to_nanos(a.boot_s), What::Booted { node: n, epoch, count });
        } else if smaller < node.instances
            && node.booting == 0
            && now.saturating_sub(node.last_scale) >= secs_to_nanos(a.cooldown_s)
        {
            // Scale in: the removed instances finish what they are doing.
            node.instances = smaller;
            node.last_scale = now;
            node.stats.scale_downs += 1;
            node.fit_capacity();
            node.stats.instances.set(now, node.instances as u64);
        }
        self.at(now + secs_to_nanos(a.interval_s).max(1), What::Scale { node: n, epoch });
    }

    pub(super) fn booted(&mut self, n: u32, epoch: Gen, count: u32) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        if node.scale_epoch != epoch || node.removed {
            return;
        }
        node.booting = node.booting.saturating_sub(count);
        node.instances += count;
        node.fit_capacity();
        node.stats.instances.set(now, (node.instances + node.booting) as u64);
        self.drain_queue(n);
    }
}
