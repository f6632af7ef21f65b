//! DNS nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, health_check, row, seconds};
use super::{KindView, Outline, polygon};
use crate::sim::model::*;

impl KindView for DnsSpec {
    const GLYPH: &str = "📖";
    const ACCENT: Color = Color::srgb(0.80, 0.80, 0.60);
    const SHORT_NAME: &str = "dns";
    const GROUP: &str = "Edge";
    const ABOUT: &str = "resolves users to entry points; answers cached for a TTL";
    // No worker limit: no utilisation ring, no queue bar.
    const GAUGES: bool = false;

    fn outline() -> Outline {
        ShapeBuilder::with(&polygon(3, 48.0))
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let d = self;
        seconds(ui, "TTL", "How long resolvers keep an answer before asking again.", &mut d.ttl_s, 1e7);
        row(ui, "resolvers", "Independent caching resolvers the users sit behind.", |ui| {
            ui.add(drag(&mut d.resolvers).range(1..=1_000_000));
        });
        row(ui, "lookup time", "Extra time for a request whose resolver has to ask.", |ui| {
            dist(ui, "dns-lookup", &mut d.lookup)
        });
        health_check(ui, &mut d.health_check);
    }
}
