//! CDN nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{CachingWords, caching, caching_live, dist, row};
use super::{KindView, Outline};
use crate::sim::engine::{LinkRt, NodeRt};
use crate::sim::model::*;
use crate::sim::time::Nanos;

impl KindView for CdnSpec {
    const GLYPH: &str = "🌐";
    const ACCENT: Color = Color::srgb(0.50, 0.80, 1.0);
    const SHORT_NAME: &str = "cdn";
    const GROUP: &str = "Edge";
    const ABOUT: &str = "edge cache in front of an origin";
    // No worker limit: no utilisation ring, no queue bar.
    const GAUGES: bool = false;

    // A globe.
    fn outline() -> Outline {
        
            ShapeBuilder::with(&shapes::Circle { radius: 40.0, center: Vec2::ZERO })
                .add(&shapes::Ellipse { radii: Vec2::new(16.0, 40.0), center: Vec2::ZERO })
                .add(&shapes::Line(Vec2::new(-40.0, 0.0), Vec2::new(40.0, 0.0)))
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let c = self;
        const WORDS: CachingWords = CachingWords {
            capacity: "Objects each edge holds (least recently used evicted).",
            default_capacity: 100_000,
            hit_ratio: "Share of requests the edge answers; misses go to the origin.",
            ttl: "How long a cached object stays valid.",
            default_ttl_ms: 300_000.0,
            coalesce: "Misses for an object already being fetched wait for that fetch.",
        };
        caching(ui, &WORDS, &mut c.capacity, &mut c.hit_ratio, &mut c.ttl_ms, &mut c.coalesce);
        row(ui, "edge time", "Time for the edge to answer.", |ui| dist(ui, "cdn-svc", &mut c.service));
    }

    fn live(&self, ui: &mut Ui, n: &NodeRt, _links: &[LinkRt], _now: Nanos) {
        caching_live(ui, n);
    }
}
