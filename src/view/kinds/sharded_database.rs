//! Sharded database nodes: their look on the canvas and in the palette, their
//! editors in the inspector.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{drag, pool_and_times, row};
use super::{KindView, Outline, rect};
use crate::sim::model::*;

impl KindView for ShardedDatabaseSpec {
    const GLYPH: &str = "⊞";
    const ACCENT: Color = Color::srgb(0.55, 0.85, 0.40);
    const SHORT_NAME: &str = "shards";
    const GROUP: &str = "Data";
    const ABOUT: &str = "keys split over shards; hot keys hurt one";
    const MEMBER: &str = "shard";

    // A cylinder cut into slices.
    fn outline() -> Outline {
        
            ShapeBuilder::with(&rect(96.0, 68.0, 6.0))
                .add(&shapes::Ellipse { radii: Vec2::new(48.0, 11.0), center: Vec2::new(0.0, 34.0) })
                .add(&shapes::Line(Vec2::new(-16.0, 24.0), Vec2::new(-16.0, -34.0)))
                .add(&shapes::Line(Vec2::new(16.0, 24.0), Vec2::new(16.0, -34.0)))
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let d = self;
        row(ui, "shards", "Partitions; each key lives on one (hashing), each has its own pool.", |ui| {
            ui.add(drag(&mut d.shards).range(1..=250));
        });
        pool_and_times(ui, &mut d.pool, &mut d.queue_limit, &mut d.read, &mut d.write, "per shard");
    }
}
