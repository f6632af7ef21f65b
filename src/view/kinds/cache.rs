//! Cache nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, optional_limit, row, slider, workers};
use super::{KindView, Outline, polygon};
use crate::sim::engine::{LinkRt, NodeRt};
use crate::sim::model::*;
use crate::sim::time::Nanos;

impl KindView for CacheSpec {
    const GLYPH: &str = "⚡";
    const ACCENT: Color = Color::srgb(0.98, 0.62, 0.30);
    const SHORT_NAME: &str = "cache";
    const GROUP: &str = "Data";
    const ABOUT: &str = "answers hits; misses go on";

    fn outline() -> Outline {
        ShapeBuilder::with(&polygon(8, 42.0))
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let c = self;
        optional_limit(
            ui,
            "capacity",
            "Keys it holds (least recently used evicted): hits then come from the keys clients ask for.",
            &mut c.capacity,
            1000,
        );
        if c.capacity.is_none() {
            row(ui, "hit ratio", "Share of requests answered by the cache; misses go to its links.", |ui| {
                ui.add(slider(&mut c.hit_ratio, 0.0..=1.0));
            });
        } else {
            row(ui, "TTL", "How long a cached key stays valid (unchecked: until evicted).", |ui| {
                let mut on = c.ttl_ms.is_some();
                if ui.checkbox(&mut on, "expires").changed() {
                    c.ttl_ms = on.then_some(60_000.0);
                }
                if let Some(t) = &mut c.ttl_ms {
                    ui.add(drag(t).range(0.001..=3.6e9).speed(100.0).suffix(" ms"));
                }
            });
            ui.checkbox(&mut c.coalesce, "coalesce misses").on_hover_text(
                "Misses for a key already being fetched wait for that fetch instead of all going to the database (no stampede).",
            );
        }
        workers(ui, "workers", "Lookups served at the same time.", &mut c.workers);
        row(ui, "lookup time", "Time for one lookup.", |ui| dist(ui, "cache-svc", &mut c.service));
    }

    fn live(&self, ui: &mut Ui, n: &NodeRt, _links: &[LinkRt], _now: Nanos) {
        let s = &n.stats;
        let lookups = (s.hits + s.misses).max(1);
        ui.label(format!(
            "hit ratio {:.1}% · coalesced misses {}",
            s.hits as f64 * 100.0 / lookups as f64,
            s.coalesced
        ));
    }
}
