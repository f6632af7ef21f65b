//! Rate limiter nodes: their look on the canvas and in the palette, their
//! editors in the inspector.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{drag, row, slider};
use super::{KindView, Outline};
use crate::sim::model::*;

impl KindView for RateLimiterSpec {
    const GLYPH: &str = "⛔";
    const ACCENT: Color = Color::srgb(0.95, 0.45, 0.55);
    const SHORT_NAME: &str = "limiter";
    const GROUP: &str = "Edge";
    const ABOUT: &str = "token bucket: rejects beyond its rate";

    fn outline() -> Outline {
        ShapeBuilder::with(&shapes::RoundedPolygon {
            points: vec![
                Vec2::new(-46.0, 30.0),
                Vec2::new(46.0, 30.0),
                Vec2::new(14.0, -32.0),
                Vec2::new(-14.0, -32.0)
            ],
            radius: 6.0,
            closed: true,
        })
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let rl = self;
        row(ui, "rate", "Tokens added per second: the sustained rate let through.", |ui| {
            ui.add(slider(&mut rl.rate, 0.0..=1_000_000.0).logarithmic(true).suffix(" /s"));
        });
        row(ui, "burst", "Most tokens saved up: how big a burst passes at once.", |ui| {
            ui.add(drag(&mut rl.burst).range(1..=10_000_000));
        });
    }
}
