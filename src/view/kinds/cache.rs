//! Cache nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::{ComboBox, Ui};
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{CachingWords, caching, caching_live, dist, row, workers};
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
        const WORDS: CachingWords = CachingWords {
            capacity: "Keys it holds (least recently used evicted): hits then come from the keys clients ask for.",
            default_capacity: 1000,
            hit_ratio: "Share of requests answered by the cache; misses go to its links.",
            ttl: "How long a cached key stays valid (unchecked: until evicted).",
            default_ttl_ms: 60_000.0,
            coalesce: "Misses for a key already being fetched wait for that fetch instead of all going to the database (no stampede).",
        };
        caching(ui, &WORDS, &mut c.capacity, &mut c.hit_ratio, &mut c.ttl_ms, &mut c.coalesce);
        let tip = "What a write passing through does to the cached copy of its key (the write always goes on \
                   to the store). Invalidate: drop it, so the next read fetches the new value. WriteThrough \
                   (needs a capacity): keep the value written once the store has it, so the next read hits.";
        row(ui, "write policy", tip, |ui| {
            ComboBox::from_id_salt("cache-write-policy").selected_text(format!("{:?}", c.write_policy)).show_ui(
                ui,
                |ui| {
                    for p in WRITE_POLICIES {
                        ui.selectable_value(&mut c.write_policy, p, format!("{p:?}"));
                    }
                },
            );
        });
        workers(ui, "workers", "Lookups served at the same time.", &mut c.workers);
        row(ui, "lookup time", "Time for one lookup.", |ui| dist(ui, "cache-svc", &mut c.service));
    }

    fn live(&self, ui: &mut Ui, n: &NodeRt, _links: &[LinkRt], _now: Nanos) {
        caching_live(ui, n);
    }
}
