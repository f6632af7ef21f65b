//! Queue nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, optional_limit, row, workers};
use super::{KindView, Outline, rect};
use crate::sim::engine::{LinkRt, NodeRt};
use crate::sim::model::*;
use crate::sim::time::Nanos;

impl KindView for QueueSpec {
    const GLYPH: &str = "📨";
    const ACCENT: Color = Color::srgb(0.95, 0.80, 0.35);
    const SHORT_NAME: &str = "queue";
    const GROUP: &str = "Messaging";
    const ABOUT: &str = "acks producers, consumers drain it";

    fn outline() -> Outline {
        
            ShapeBuilder::with(&rect(112.0, 44.0, 22.0))
                .add(&shapes::Line(Vec2::new(-24.0, -14.0), Vec2::new(-24.0, 14.0)))
                .add(&shapes::Line(Vec2::new(0.0, -14.0), Vec2::new(0.0, 14.0)))
                .add(&shapes::Line(Vec2::new(24.0, -14.0), Vec2::new(24.0, 14.0)))
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let q = self;
        optional_limit(
            ui,
            "capacity",
            "Messages it can hold; a full queue rejects producers.",
            &mut q.capacity,
            10_000,
        );
        workers(ui, "consumers", "Messages delivered to consumers at the same time.", &mut q.consumers);
        row(ui, "enqueue time", "Time to store one message before the producer is acknowledged.", |ui| {
            dist(ui, "q-svc", &mut q.service)
        });
        row(
            ui,
            "visibility",
            "A consumer must finish within this time, or the message is delivered again.",
            |ui| {
                let mut on = q.visibility_timeout_ms.is_some();
                if ui.checkbox(&mut on, "limited").changed() {
                    q.visibility_timeout_ms = on.then_some(30_000.0);
                }
                if let Some(v) = &mut q.visibility_timeout_ms {
                    ui.add(drag(v).range(0.001..=3.6e9).speed(10.0).suffix(" ms"));
                }
            },
        );
        row(ui, "max receives", "Deliveries before a failing message goes to the dead-letter queue.", |ui| {
            let mut on = q.max_receives.is_some();
            if ui.checkbox(&mut on, "redeliver").changed() {
                q.max_receives = on.then_some(3);
            }
            if let Some(r) = &mut q.max_receives {
                ui.add(drag(r).range(1..=250));
            }
        });
        row(ui, "batch", "Messages a consumer takes in one call: the call's fixed cost is paid once per batch.", |ui| {
            let mut on = q.batch_size.is_some();
            if ui.checkbox(&mut on, "batch").changed() {
                q.batch_size = on.then_some(10);
                // A linger only means something with batches.
                q.linger_ms = on.then_some(10.0);
            }
            if let Some(b) = &mut q.batch_size {
                ui.add(drag(b).range(1..=MAX_BATCH));
            }
        });
        if q.batch_size.is_some() {
            row(
                ui,
                "linger",
                "How long a free consumer waits for a full batch before it sends what is there.",
                |ui| {
                    let mut on = q.linger_ms.is_some();
                    if ui.checkbox(&mut on, "wait").changed() {
                        q.linger_ms = on.then_some(10.0);
                    }
                    if let Some(l) = &mut q.linger_ms {
                        ui.add(drag(l).range(0.0..=3.6e6).speed(1.0).suffix(" ms"));
                    }
                },
            );
        }
    }

    fn live(&self, ui: &mut Ui, n: &NodeRt, _links: &[LinkRt], _now: Nanos) {
        // Batches and their mean size are among the counters above.
        ui.label(format!("delivered {}", n.stats.jobs_done));
    }
}
