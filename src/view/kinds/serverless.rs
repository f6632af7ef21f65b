//! Serverless nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, row, seconds, slider};
use super::{KindView, Outline};
use crate::sim::model::*;

impl KindView for ServerlessSpec {
    const GLYPH: &str = "λ";
    const ACCENT: Color = Color::srgb(1.0, 0.70, 0.45);
    const SHORT_NAME: &str = "fn";
    const GROUP: &str = "Compute";
    const ABOUT: &str = "an instance per request; cold starts, scale to zero";

    fn outline() -> Outline {
        ShapeBuilder::with(&shapes::RoundedPolygon {
            points: vec![Vec2::new(0.0, 48.0), Vec2::new(48.0, 0.0), Vec2::new(0.0, -48.0), Vec2::new(-48.0, 0.0)],
            radius: 8.0,
            closed: true,
        })
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let f = self;
        row(ui, "concurrency", "Most instances at once; requests beyond it are throttled.", |ui| {
            ui.add(slider(&mut f.concurrency, 1..=100_000).logarithmic(true));
        });
        row(ui, "run time", "Time one invocation takes (downstream calls come on top).", |ui| {
            dist(ui, "fn-svc", &mut f.service)
        });
        row(ui, "cold start", "Extra time when no warm instance is free and a new one starts.", |ui| {
            dist(ui, "fn-cold", &mut f.cold_start)
        });
        seconds(
            ui,
            "keep warm",
            "Idle instances are reclaimed after this long (scale to zero).",
            &mut f.keep_warm_s,
            1e7,
        );
    }
}
