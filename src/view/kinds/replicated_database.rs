//! Replicated database nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, pool_and_times, row, seconds};
use super::super::theme;
use super::{KindView, Outline, rect};
use crate::sim::engine::{LinkRt, NodeRt};
use crate::sim::model::*;
use crate::sim::time::Nanos;

impl KindView for ReplicatedDatabaseSpec {
    const GLYPH: &str = "📚";
    const ACCENT: Color = Color::srgb(0.40, 0.85, 0.75);
    const SHORT_NAME: &str = "rdb";
    const GROUP: &str = "Data";
    const ABOUT: &str = "primary for writes, replicas for reads; lag";

    // A cylinder with a copy behind it.
    fn outline() -> Outline {
        
            ShapeBuilder::with(&rect(80.0, 68.0, 6.0))
                .add(&shapes::Ellipse { radii: Vec2::new(40.0, 11.0), center: Vec2::new(0.0, 34.0) })
                .add(&shapes::Ellipse { radii: Vec2::new(40.0, 11.0), center: Vec2::new(0.0, 12.0) })
                .add(&shapes::Line(Vec2::new(44.0, 30.0), Vec2::new(52.0, 30.0)))
                .add(&shapes::Line(Vec2::new(52.0, 30.0), Vec2::new(52.0, -26.0)))
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let d = self;
        row(ui, "replicas", "Copies that serve reads; the primary takes the writes.", |ui| {
            ui.add(drag(&mut d.replicas).range(0..=249));
        });
        pool_and_times(ui, &mut d.pool, &mut d.queue_limit, &mut d.read, &mut d.write, "per member");
        row(ui, "replication lag", "How long a write takes to reach the replicas.", |ui| {
            dist(ui, "rdb-lag", &mut d.lag)
        });
        ui.checkbox(&mut d.read_from_primary, "primary serves reads too")
            .on_hover_text("Reads are shared by the primary and the replicas.");
        ui.checkbox(&mut d.sync_replication, "synchronous replication").on_hover_text(
            "A write is confirmed only once every replica has it: a failover loses nothing, \
             and each write waits for the slowest replica.",
        );
        let tip = "Read-your-writes: a read of a key written less than this long ago goes to the primary.";
        row(ui, "read-your-writes", tip, |ui| {
            let mut on = d.read_your_writes_ms.is_some();
            if ui.checkbox(&mut on, "").changed() {
                d.read_your_writes_ms = on.then_some(1000.0);
            }
            if let Some(w) = &mut d.read_your_writes_ms {
                ui.add(drag(w).range(0.0..=3.6e6).speed(10.0).suffix(" ms"));
            }
        });
        seconds(
            ui,
            "failover",
            "Time to notice a dead primary and promote a replica.",
            &mut d.failover_s,
            86_400.0,
        );
        let tip = "A zone for each member, the primary first: a zone outage then takes only the members in it.";
        row(ui, "member zones", tip, |ui| {
            let mut on = !d.zones.is_empty();
            if ui.checkbox(&mut on, "").changed() {
                d.zones = if on { zone_names(1 + d.replicas as usize) } else { Vec::new() };
            }
        });
        if !d.zones.is_empty() {
            // One per member: follow the replica count.
            let members = 1 + d.replicas as usize;
            let more = zone_names(members);
            d.zones.resize_with(members, String::new);
            for (z, fresh) in d.zones.iter_mut().zip(more) {
                if z.is_empty() {
                    *z = fresh;
                }
            }
            for (i, z) in d.zones.iter_mut().enumerate() {
                row(ui, &format!("  {}", Self::member_label(i)), "Its availability zone.", |ui| {
                    ui.text_edit_singleline(z);
                });
            }
        }
    }

    fn member_label(i: usize) -> String {
        if i == 0 { "primary".to_string() } else { format!("replica {i}") }
    }

    fn live(&self, ui: &mut Ui, n: &NodeRt, _links: &[LinkRt], now: Nanos) {
        let standing = n.fx.standing(self.replicas as usize, now);
        if n.fx.failover.is_some() {
            let state = if standing.electing {
                "electing a new primary: writes fail"
            } else {
                "running on a promoted replica"
            };
            ui.colored_label(theme::to_egui(theme::BAD), state);
        }
        if n.fx.replicas_down > 0 {
            let down = n.fx.replicas_down.min(self.replicas);
            ui.colored_label(theme::to_egui(theme::BAD), format!("{down} of {} replicas down (zone out)", self.replicas));
        }
    }
}

/// Zones a, b, c, … for `n` members.
fn zone_names(n: usize) -> Vec<String> {
    (0..n).map(|i| ((b'a' + (i % 26) as u8) as char).to_string()).collect()
}
