//! Inbox nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::{self, Ui};
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, row, workers};
use super::{KindView, Outline, rect};
use crate::sim::engine::{LinkRt, NodeRt};
use crate::sim::model::*;
use crate::sim::time::Nanos;

impl KindView for InboxSpec {
    const GLYPH: &str = "✉";
    const ACCENT: Color = Color::srgb(0.90, 0.75, 1.0);
    const SHORT_NAME: &str = "inbox";
    const GROUP: &str = "Messaging";
    const ABOUT: &str = "store-and-forward: holds messages for offline phones";

    // An envelope.
    fn outline() -> Outline {
        
            ShapeBuilder::with(&rect(96.0, 60.0, 6.0))
                .add(&shapes::Line(Vec2::new(-48.0, 30.0), Vec2::new(0.0, -4.0)))
                .add(&shapes::Line(Vec2::new(0.0, -4.0), Vec2::new(48.0, 30.0)))
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let i = self;
        row(ui, "store time", "Time to store a message before the sender is acknowledged.", |ui| {
            dist(ui, "inbox-svc", &mut i.service)
        });
        workers(ui, "deliveries", "Deliveries in progress at once.", &mut i.deliveries);
        row(ui, "retry after", "Failures other than an offline phone are retried after this long.", |ui| {
            ui.add(drag(&mut i.retry_ms).range(0.001..=3.6e6).speed(10.0).suffix(" ms"));
        });
        ui.label(egui::RichText::new("Offline phones get their messages when they come back; links carrying \"push\" get a notification.").weak().small());
    }

    fn live(&self, ui: &mut Ui, n: &NodeRt, _links: &[LinkRt], _now: Nanos) {
        ui.label(format!("delivered {}", n.stats.jobs_done));
    }
}
