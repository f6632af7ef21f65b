//! Push service nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::{self, Ui};
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, row, slider};
use super::{KindView, Outline};
use crate::sim::model::*;

impl KindView for PushServiceSpec {
    const GLYPH: &str = "🔔";
    const ACCENT: Color = Color::srgb(1.0, 0.60, 0.60);
    const SHORT_NAME: &str = "push";
    const GROUP: &str = "Messaging";
    const ABOUT: &str = "push notifications: best effort, may wake a phone";
    // No worker limit: no utilisation ring, no queue bar.
    const GAUGES: bool = false;

    // A bell.
    fn outline() -> Outline {
        ShapeBuilder::with(&shapes::RoundedPolygon {
            points: vec![
                Vec2::new(0.0, 40.0),
                Vec2::new(26.0, 22.0),
                Vec2::new(30.0, -18.0),
                Vec2::new(42.0, -30.0),
                Vec2::new(-42.0, -30.0),
                Vec2::new(-30.0, -18.0),
                Vec2::new(-26.0, 22.0)
            ],
            radius: 8.0,
            closed: true,
        })
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let ps = self;
        row(ui, "accept time", "Time for the provider to accept a notification (the sender's wait).", |ui| {
            dist(ui, "push-accept", &mut ps.accept)
        });
        row(ui, "delivered", "Share of notifications that reach the phone (best effort).", |ui| {
            ui.add(slider(&mut ps.delivery_ratio, 0.0..=1.0));
        });
        ui.label(egui::RichText::new("Its link to the phones sets the delivery delay.").weak().small());
    }
}
