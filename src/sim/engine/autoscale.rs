//! Autoscaling groups: periodic reviews of utilisation (the decision is the
//! kind's, `AutoscalingSpec::review`), instances that take time to boot.

use super::*;

impl Engine {
    pub(super) fn start_autoscaler(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        let (NodeKind::Autoscaling(a), KindState::Autoscaling(g)) = (&node.spec.kind, &mut node.state) else { return };
        g.booting = 0;
        node.scale_epoch = node.scale_epoch.next();
        node.scale_mark = (node.stats.busy.area_to(self.now), self.now);
        let (epoch, every) = (node.scale_epoch, secs_to_nanos(a.interval_s).max(1));
        self.at(self.now + every, What::Scale { node: n, epoch });
    }

    /// Review the group's size from the last interval's busy time.
    pub(super) fn autoscale(&mut self, n: u32, epoch: Gen) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        if node.scale_epoch != epoch || node.removed {
            return;
        }
        let area = node.stats.busy.area_to(now);
        let (mark, since) = node.scale_mark;
        node.scale_mark = (area, now);
        let capacity = node.prep.workers.max(1) as f64;
        let util = if now > since { area.saturating_sub(mark) as f64 / (now - since) as f64 / capacity } else { 0.0 };
        let down = node.fx.down;
        let (NodeKind::Autoscaling(a), KindState::Autoscaling(g)) = (&node.spec.kind, &mut node.state) else { return };
        let (boot, every) = (secs_to_nanos(a.boot_s), secs_to_nanos(a.interval_s).max(1));
        match a.review(g, util, now, down) {
            Resize::Out(count) => {
                let total = g.instances + g.booting;
                node.stats.scale_ups += 1;
                node.stats.instances.set(now, total as u64);
                self.at(now + boot, What::Booted { node: n, epoch, count });
            }
            Resize::In(size) => {
                node.stats.scale_downs += 1;
                node.fit_capacity();
                node.stats.instances.set(now, size as u64);
            }
            Resize::Hold => {}
        }
        self.at(now + every, What::Scale { node: n, epoch });
    }

    pub(super) fn booted(&mut self, n: u32, epoch: Gen, count: u32) {
        let now = self.now;
        let node = &mut self.nodes[n as usize];
        if node.scale_epoch != epoch || node.removed {
            return;
        }
        let KindState::Autoscaling(g) = &mut node.state else { return };
        g.booting = g.booting.saturating_sub(count);
        g.instances += count;
        let total = g.instances + g.booting;
        node.fit_capacity();
        node.stats.instances.set(now, total as u64);
        self.drain_queue(n);
    }
}
