//! Websocket gateway nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, row, seconds, workers};
use super::{KindView, Outline, rect};
use crate::sim::model::*;

impl KindView for WebsocketGatewaySpec {
    const GLYPH: &str = "🔌";
    const ACCENT: Color = Color::srgb(0.45, 0.95, 0.70);
    const SHORT_NAME: &str = "ws";
    const GROUP: &str = "Edge";
    const ABOUT: &str = "persistent connections: pushes messages to phones";

    // A hub with connections fanning out to the right.
    fn outline() -> Outline {
        
            ShapeBuilder::with(&rect(80.0, 64.0, 32.0))
                .add(&shapes::Line(Vec2::new(40.0, 18.0), Vec2::new(58.0, 26.0)))
                .add(&shapes::Line(Vec2::new(40.0, 0.0), Vec2::new(60.0, 0.0)))
                .add(&shapes::Line(Vec2::new(40.0, -18.0), Vec2::new(58.0, -26.0)))
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let w = self;
        row(ui, "connections", "Phones connected through this gateway.", |ui| {
            ui.add(drag(&mut w.connections).range(0..=1_000_000_000).speed(100.0));
        });
        row(ui, "max", "Most connections it can hold; phones beyond it cannot connect (offline).", |ui| {
            ui.add(drag(&mut w.max_connections).range(1..=1_000_000_000).speed(100.0));
        });
        workers(ui, "workers", "Messages pushed at the same time.", &mut w.workers);
        row(ui, "push time", "Time to push one message down its connection.", |ui| {
            dist(ui, "ws-svc", &mut w.service)
        });
        seconds(
            ui,
            "reconnect in",
            "After a crash, its phones reconnect within this window (\"connect\" requests).",
            &mut w.reconnect_s,
            3600.0,
        );
    }
}
