//! Gateway nodes: their look on the canvas and in the palette, their
//! editors in the inspector.

use bevy::prelude::*;
use bevy_egui::egui::{self, Ui};
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, optional_limit, row, workers};
use super::{KindView, Outline};
use crate::sim::model::*;

impl KindView for GatewaySpec {
    const GLYPH: &str = "🛡";
    const ACCENT: Color = Color::srgb(0.60, 0.65, 1.0);
    const SHORT_NAME: &str = "gateway";
    const GROUP: &str = "Edge";
    const ABOUT: &str = "checks each request, routes it by type";

    // A shield: the front door.
    fn outline() -> Outline {
        ShapeBuilder::with(&shapes::RoundedPolygon {
            points: vec![
                Vec2::new(-44.0, 32.0),
                Vec2::new(44.0, 32.0),
                Vec2::new(44.0, -4.0),
                Vec2::new(0.0, -40.0),
                Vec2::new(-44.0, -4.0)
            ],
            radius: 8.0,
            closed: true,
        })
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let g = self;
        workers(ui, "workers", "Requests checked at the same time.", &mut g.workers);
        optional_limit(
            ui,
            "queue",
            "Requests waiting to be checked; beyond it they are rejected.",
            &mut g.queue_limit,
            1000,
        );
        row(ui, "auth time", "Time to authenticate and route one request.", |ui| dist(ui, "gw-auth", &mut g.auth));
        ui.label(egui::RichText::new("Routes each request to one link that carries its type.").weak().small());
    }
}
