//! Service nodes: their look on the canvas and in the palette, their
//! editors in the inspector.

use bevy::prelude::*;
use bevy_egui::egui::{ComboBox, Ui};
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, optional_limit, row, workers};
use super::{KindView, Outline, rect};
use crate::sim::model::*;

impl KindView for ServiceSpec {
    const GLYPH: &str = "⚙";
    const ACCENT: Color = Color::srgb(0.35, 0.80, 0.95);
    const SHORT_NAME: &str = "service";
    const GROUP: &str = "Compute";
    const ABOUT: &str = "workers behind a queue; calls its links";

    fn outline() -> Outline {
        ShapeBuilder::with(&rect(96.0, 64.0, 12.0))
    }

    fn editors(&mut self, ui: &mut Ui, types: &[String]) {
        let s = self;
        workers(ui, "workers", "Requests served at the same time; the rest wait in the queue.", &mut s.workers);
        optional_limit(
            ui,
            "queue",
            "Waiting room; arrivals beyond it are rejected (queue_full).",
            &mut s.queue_limit,
            100,
        );
        row(ui, "service time", "Time one worker spends on a request.", |ui| dist(ui, "svc", &mut s.service));
        row(
            ui,
            "per message",
            "Extra time for each message a call carries (a queue's batch carries many, any other call one).",
            |ui| {
                let mut on = s.per_item_ms.is_some();
                if ui.checkbox(&mut on, "on").changed() {
                    s.per_item_ms = on.then_some(1.0);
                }
                if let Some(p) = &mut s.per_item_ms {
                    ui.add(drag(p).range(0.0..=3.6e6).speed(0.1).suffix(" ms"));
                }
            },
        );
        let mut remove = None;
        for (name, d) in s.by_type.iter_mut() {
            row(ui, &format!("  {name}"), "Service time for this request type.", |ui| {
                dist(ui, &format!("svc-{name}"), d);
                if ui.small_button("✖").clicked() {
                    remove = Some(name.clone());
                }
            });
        }
        if let Some(name) = remove {
            s.by_type.remove(&name);
        }
        ui.horizontal(|ui| {
            ui.label("time by type").on_hover_text("Give one request type its own service time.");
            ComboBox::from_id_salt("svc-by-type").selected_text("add…").show_ui(ui, |ui| {
                let free: Vec<&String> = types.iter().filter(|t| !s.by_type.contains_key(*t)).collect();
                for t in free {
                    if ui.selectable_label(false, t).clicked() {
                        s.by_type.insert(t.clone(), s.service.clone());
                    }
                }
            });
        });
        row(ui, "LIFO above", "Once more than this many wait, serve the newest first (adaptive LIFO).", |ui| {
            let mut on = s.shedding.lifo_above.is_some();
            if ui.checkbox(&mut on, "on").changed() {
                s.shedding.lifo_above = on.then_some(50);
            }
            if let Some(t) = &mut s.shedding.lifo_above {
                ui.add(drag(t).range(0..=10_000_000));
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.label("priority").on_hover_text("Request types served first and shed last when the queue is full.");
            for t in types {
                let mut on = s.shedding.priority.contains(t);
                if ui.checkbox(&mut on, t.as_str()).changed() {
                    if on {
                        s.shedding.priority.push(t.clone());
                    } else {
                        s.shedding.priority.retain(|x| x != t);
                    }
                }
            }
        });
        row(
            ui,
            "poison share",
            "Share of messages it cannot process (a malformed payload): each fails after its service time, and fails again on every retry.",
            |ui| {
                ui.add(drag(&mut s.poison).range(0.0..=1.0).speed(0.0005).max_decimals(4));
            },
        );
        ui.checkbox(&mut s.fan_out, "fan out (scatter-gather)").on_hover_text(
            "Call every link at once and answer when the slowest is back, instead of one after another.",
        );
        ui.checkbox(&mut s.blocking, "blocking calls").on_hover_text(
            "Hold the worker until every downstream call answers (thread-per-request), instead of freeing it when its own work ends.",
        );
    }
}
