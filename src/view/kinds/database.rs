//! Database nodes: their look on the canvas and in the palette, their
//! editors in the inspector.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, optional_limit, row, workers};
use super::{KindView, Outline, rect};
use crate::sim::model::*;

impl KindView for DatabaseSpec {
    const GLYPH: &str = "🗄";
    const ACCENT: Color = Color::srgb(0.40, 0.85, 0.60);
    const SHORT_NAME: &str = "db";
    const GROUP: &str = "Data";
    const ABOUT: &str = "connection pool; reads and writes";

    fn outline() -> Outline {
        
            ShapeBuilder::with(&rect(80.0, 68.0, 6.0))
                .add(&shapes::Ellipse { radii: Vec2::new(40.0, 11.0), center: Vec2::new(0.0, 34.0) })
                .add(&shapes::Ellipse { radii: Vec2::new(40.0, 11.0), center: Vec2::new(0.0, 12.0) })
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let d = self;
        workers(ui, "pool", "Connections: queries running at the same time.", &mut d.pool);
        optional_limit(
            ui,
            "queue",
            "Queries waiting for a connection; beyond it they are rejected.",
            &mut d.queue_limit,
            100,
        );
        row(ui, "read time", "Time for one read query.", |ui| dist(ui, "db-read", &mut d.read));
        row(ui, "write time", "Time for one write query.", |ui| dist(ui, "db-write", &mut d.write));
        let tip = "Coordination cost (Universal Scalability Law): with b queries running each takes \
                   1 + σ(b−1) + κ·b(b−1) times as long; past √((1−σ)/κ) connections, more serve less.";
        row(ui, "contention", tip, |ui| {
            let mut on = d.contention.is_some();
            if ui.checkbox(&mut on, "").changed() {
                d.contention = on.then_some(Contention { sigma: 0.05, kappa: 0.002 });
            }
            if let Some(c) = &mut d.contention {
                ui.add(drag(&mut c.sigma).range(0.0..=1.0).speed(0.001).prefix("σ "));
                ui.add(drag(&mut c.kappa).range(0.0..=1.0).speed(0.0001).prefix("κ "));
            }
        });
        let tip = "Idempotency keys: a write for a request already applied (a retry whose first \
                   attempt did commit, a copy delivered twice) is answered without applying it again.";
        row(ui, "idempotent", tip, |ui| {
            ui.checkbox(&mut d.idempotent, "");
        });
    }
}
