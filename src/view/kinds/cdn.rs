//! CDN nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, optional_limit, row, slider};
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
        optional_limit(
            ui,
            "capacity",
            "Objects each edge holds (least recently used evicted).",
            &mut c.capacity,
            100_000,
        );
        if c.capacity.is_none() {
            row(ui, "hit ratio", "Share of requests the edge answers; misses go to the origin.", |ui| {
                ui.add(slider(&mut c.hit_ratio, 0.0..=1.0));
            });
        } else {
            row(ui, "TTL", "How long a cached object stays valid.", |ui| {
                let mut on = c.ttl_ms.is_some();
                if ui.checkbox(&mut on, "expires").changed() {
                    c.ttl_ms = on.then_some(300_000.0);
                }
                if let Some(t) = &mut c.ttl_ms {
                    ui.add(drag(t).range(0.001..=3.6e9).speed(100.0).suffix(" ms"));
                }
            });
            ui.checkbox(&mut c.coalesce, "coalesce misses")
                .on_hover_text("Misses for an object already being fetched wait for that fetch.");
        }
        row(ui, "edge time", "Time for the edge to answer.", |ui| dist(ui, "cdn-svc", &mut c.service));
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
