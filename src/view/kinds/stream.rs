//! Stream nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::{self, Ui};
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, row};
use super::{KindView, Outline, rect};
use crate::sim::engine::{LinkRt, NodeRt};
use crate::sim::model::*;
use crate::sim::time::Nanos;

impl KindView for StreamSpec {
    const GLYPH: &str = "☰";
    const ACCENT: Color = Color::srgb(0.95, 0.85, 0.50);
    const SHORT_NAME: &str = "stream";
    const GROUP: &str = "Messaging";
    const ABOUT: &str = "partitioned log; each link a consumer group";

    // A log: a long queue with lanes (partitions).
    fn outline() -> Outline {
        
            ShapeBuilder::with(&rect(120.0, 52.0, 8.0))
                .add(&shapes::Line(Vec2::new(-60.0, 9.0), Vec2::new(60.0, 9.0)))
                .add(&shapes::Line(Vec2::new(-60.0, -9.0), Vec2::new(60.0, -9.0)))
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let st = self;
        row(
            ui,
            "partitions",
            "Each key goes to one partition; each is consumed in order, one message at a time.",
            |ui| {
                ui.add(drag(&mut st.partitions).range(1..=10_000));
            },
        );
        row(ui, "append time", "Time to store one message before the producer is acknowledged.", |ui| {
            dist(ui, "st-svc", &mut st.service)
        });
        row(ui, "retry after", "A failed delivery holds its partition and is tried again after this long.", |ui| {
            ui.add(drag(&mut st.retry_ms).range(0.001..=3.6e6).speed(10.0).suffix(" ms"));
        });
        row(
            ui,
            "max attempts",
            "Attempts a failing message gets before it goes to the dead-letter queue and its partition moves on. Off: it is retried for ever and blocks its partition.",
            |ui| {
                let mut on = st.max_attempts.is_some();
                if ui.checkbox(&mut on, "dead-letter").changed() {
                    st.max_attempts = on.then_some(3);
                }
                if let Some(k) = &mut st.max_attempts {
                    ui.add(drag(k).range(1..=250));
                }
            },
        );
        ui.label(
            egui::RichText::new("Every outgoing link is a consumer group that reads every message.").weak().small(),
        );
    }

    fn live(&self, ui: &mut Ui, n: &NodeRt, links: &[LinkRt], _now: Nanos) {
        ui.label(format!("consumed {}", n.stats.jobs_done));
        if self.max_attempts.is_some() {
            ui.label(format!("dead-lettered {}", n.stats.dead_lettered));
        }
        for (l, lag) in n.out.iter().zip(n.group_lags()) {
            let to = links.get(*l as usize).map_or("?", |k| k.spec.to.as_str());
            ui.label(format!("  group {to}: lag {lag}"));
        }
    }
}
