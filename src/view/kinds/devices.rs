//! Devices nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, row, seconds, slider};
use super::{KindView, Outline, rect};
use crate::sim::model::*;

impl KindView for DevicesSpec {
    const GLYPH: &str = "📱";
    const ACCENT: Color = Color::srgb(0.55, 0.90, 1.0);
    const SHORT_NAME: &str = "phones";
    const GROUP: &str = "Users";
    const ABOUT: &str = "recipients' phones: online/offline churn, delivery time";
    // No worker limit: no utilisation ring, no queue bar.
    const GAUGES: bool = false;

    // A phone.
    fn outline() -> Outline {
        
            ShapeBuilder::with(&rect(52.0, 84.0, 10.0))
                .add(&shapes::Line(Vec2::new(-10.0, -34.0), Vec2::new(10.0, -34.0)))
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let d = self;
        row(ui, "users", "Recipients; a message goes to the user its key names.", |ui| {
            ui.add(drag(&mut d.users).range(1u64..=10_000_000_000u64).speed(100.0));
        });
        row(ui, "online", "Share of the time a phone is online.", |ui| {
            ui.add(slider(&mut d.online_share, 0.0..=1.0));
        });
        seconds(
            ui,
            "session",
            "Mean length of an online spell (offline spells follow from the share).",
            &mut d.mean_session_s,
            1e7,
        );
        row(ui, "ack time", "Time for a phone to take a message and acknowledge it.", |ui| {
            dist(ui, "dev-svc", &mut d.service)
        });
        row(ui, "open on push", "Share of push notifications that make an offline user open the app.", |ui| {
            ui.add(slider(&mut d.open_on_push, 0.0..=1.0));
        });
    }
}
