//! Object storage nodes: their look on the canvas and in the palette, their
//! editors in the inspector.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, row};
use super::{KindView, Outline};
use crate::sim::model::*;

impl KindView for ObjectStorageSpec {
    const GLYPH: &str = "📦";
    const ACCENT: Color = Color::srgb(0.85, 0.70, 0.50);
    const SHORT_NAME: &str = "blobs";
    const GROUP: &str = "Data";
    const ABOUT: &str = "blobs: first byte, then size / throughput";
    // No worker limit: no utilisation ring, no queue bar.
    const GAUGES: bool = false;

    // A bucket.
    fn outline() -> Outline {
        
            ShapeBuilder::with(&shapes::RoundedPolygon {
                points: vec![
                    Vec2::new(-44.0, 30.0),
                    Vec2::new(44.0, 30.0),
                    Vec2::new(32.0, -34.0),
                    Vec2::new(-32.0, -34.0)
                ],
                radius: 6.0,
                closed: true,
            })
            .add(&shapes::Ellipse { radii: Vec2::new(44.0, 8.0), center: Vec2::new(0.0, 30.0) })
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let o = self;
        row(ui, "first byte", "Time before an object starts to stream.", |ui| dist(ui, "os-fb", &mut o.first_byte));
        row(ui, "throughput", "Per-connection transfer rate: size / rate is added to each request.", |ui| {
            ui.add(drag(&mut o.mbps).range(0.001..=1e6).speed(1.0).suffix(" Mb/s"));
        });
    }
}
