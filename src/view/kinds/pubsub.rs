//! Pub/sub nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::{self, Ui};
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, row};
use super::{KindView, Outline};
use crate::sim::engine::{LinkRt, NodeRt};
use crate::sim::model::*;
use crate::sim::time::Nanos;

impl KindView for PubSubSpec {
    const GLYPH: &str = "📢";
    const ACCENT: Color = Color::srgb(0.95, 0.65, 0.85);
    const SHORT_NAME: &str = "topic";
    const GROUP: &str = "Messaging";
    const ABOUT: &str = "every subscriber link gets a copy";
    // No worker limit: no utilisation ring, no queue bar.
    const GAUGES: bool = false;

    // A hub that fans out to three spokes.
    fn outline() -> Outline {
        
            ShapeBuilder::with(&shapes::Circle { radius: 30.0, center: Vec2::new(-10.0, 0.0) })
                .add(&shapes::Line(Vec2::new(18.0, 10.0), Vec2::new(46.0, 30.0)))
                .add(&shapes::Line(Vec2::new(20.0, 0.0), Vec2::new(50.0, 0.0)))
                .add(&shapes::Line(Vec2::new(18.0, -10.0), Vec2::new(46.0, -30.0)))
                .add(&shapes::Circle { radius: 5.0, center: Vec2::new(48.0, 32.0) })
                .add(&shapes::Circle { radius: 5.0, center: Vec2::new(54.0, 0.0) })
                .add(&shapes::Circle { radius: 5.0, center: Vec2::new(48.0, -32.0) })
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let p = self;
        row(ui, "publish time", "Time to store one message before the publisher is acknowledged.", |ui| {
            dist(ui, "ps-svc", &mut p.service)
        });
        ui.label(egui::RichText::new("Every outgoing link is a subscriber and gets a copy.").weak().small());
    }

    fn live(&self, ui: &mut Ui, n: &NodeRt, _links: &[LinkRt], _now: Nanos) {
        let s = &n.stats;
        ui.label(format!("deliveries done {}", s.jobs_done));
    }
}
