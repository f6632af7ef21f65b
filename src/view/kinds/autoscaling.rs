//! Autoscaling nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::Ui;
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, optional_limit, row, seconds, slider, workers};
use super::{KindView, Outline, rect};
use crate::sim::engine::{LinkRt, NodeRt};
use crate::sim::model::*;
use crate::sim::time::Nanos;

impl KindView for AutoscalingSpec {
    const GLYPH: &str = "📈";
    const ACCENT: Color = Color::srgb(0.35, 0.90, 0.85);
    const SHORT_NAME: &str = "asg";
    const GROUP: &str = "Compute";
    const ABOUT: &str = "instances follow the load (target utilisation)";

    // A stack of instances.
    fn outline() -> Outline {
        
            ShapeBuilder::with(&rect(88.0, 56.0, 10.0))
                .add(&shapes::Line(Vec2::new(-36.0, 36.0), Vec2::new(52.0, 36.0)))
                .add(&shapes::Line(Vec2::new(52.0, 36.0), Vec2::new(52.0, -20.0)))
                .add(&shapes::Line(Vec2::new(-28.0, 44.0), Vec2::new(60.0, 44.0)))
                .add(&shapes::Line(Vec2::new(60.0, 44.0), Vec2::new(60.0, -12.0)))
        
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let a = self;
        row(ui, "instances", "Fewest and most instances the group may run.", |ui| {
            ui.add(drag(&mut a.min).range(1..=a.max).prefix("min "));
            ui.add(drag(&mut a.max).range(a.min..=10_000).prefix("max "));
        });
        a.initial = a.initial.clamp(a.min, a.max);
        row(ui, "at start", "Instances running when the simulation starts.", |ui| {
            ui.add(drag(&mut a.initial).range(a.min..=a.max));
        });
        workers(ui, "workers each", "Requests one instance serves at the same time.", &mut a.workers_per_instance);
        optional_limit(
            ui,
            "queue",
            "Shared waiting room; arrivals beyond it are rejected.",
            &mut a.queue_limit,
            1000,
        );
        row(ui, "service time", "Time one worker spends on a request.", |ui| dist(ui, "as-svc", &mut a.service));
        row(ui, "target", "Utilisation the group steers towards.", |ui| {
            ui.add(slider(&mut a.target_utilization, 0.05..=1.0));
        });
        seconds(
            ui,
            "review every",
            "How often it compares utilisation with the target.",
            &mut a.interval_s,
            3600.0,
        );
        seconds(ui, "boot time", "Delay before a new instance takes traffic.", &mut a.boot_s, 3600.0);
        seconds(ui, "cooldown", "No scale-in within this long of the last change.", &mut a.cooldown_s, 86_400.0);
        ui.checkbox(&mut a.blocking, "blocking calls")
            .on_hover_text("Hold the worker until every downstream call answers.");
    }

    fn live(&self, ui: &mut Ui, n: &NodeRt, _links: &[LinkRt], _now: Nanos) {
        if let Some(g) = n.group().filter(|g| g.booting > 0) {
            ui.label(format!("booting {} more", g.booting));
        }
    }
}
