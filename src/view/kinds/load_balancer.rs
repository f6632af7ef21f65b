//! Load balancer nodes: their look on the canvas and in the palette, their
//! editors in the inspector.

use bevy::prelude::*;
use bevy_egui::egui::{ComboBox, Ui};
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, health_check, row};
use super::{KindView, Outline, polygon};
use crate::sim::model::*;

impl KindView for LoadBalancerSpec {
    const GLYPH: &str = "⚖";
    const ACCENT: Color = Color::srgb(0.70, 0.55, 1.0);
    const SHORT_NAME: &str = "lb";
    const GROUP: &str = "Edge";
    const ABOUT: &str = "spreads requests over its links";
    // No worker limit: no utilisation ring, no queue bar.
    const GAUGES: bool = false;

    fn outline() -> Outline {
        ShapeBuilder::with(&polygon(6, 44.0))
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let lb = self;
        row(ui, "policy", "How the next backend is chosen.", |ui| {
            ComboBox::from_id_salt("lb-policy").selected_text(format!("{:?}", lb.policy)).show_ui(ui, |ui| {
                for p in LB_POLICIES {
                    ui.selectable_value(&mut lb.policy, p, format!("{p:?}"));
                }
            });
        });
        row(ui, "routing time", "Time to route one request.", |ui| dist(ui, "lb-svc", &mut lb.service));
        health_check(ui, &mut lb.health_check);
        let tip = "A backend that comes back (healthy again, or restarted) gets a share of traffic \
                   growing from nothing to full over this time.";
        row(ui, "slow start", tip, |ui| {
            let mut on = lb.slow_start_s.is_some();
            if ui.checkbox(&mut on, "").changed() {
                lb.slow_start_s = on.then_some(30.0);
            }
            if let Some(t) = &mut lb.slow_start_s {
                ui.add(drag(t).range(0.0..=86_400.0).speed(0.5).suffix(" s"));
            }
        });
        let tip = "Judge backends by their answers: after this many failures in a row a backend is \
                   out of rotation for a while, whatever its health checks say.";
        row(ui, "outlier ejection", tip, |ui| {
            let mut on = lb.outlier_ejection.is_some();
            if ui.checkbox(&mut on, "").changed() {
                lb.outlier_ejection = on.then(OutlierEjection::default);
            }
            if let Some(o) = &mut lb.outlier_ejection {
                ui.add(drag(&mut o.consecutive_errors).range(1..=1_000_000).suffix(" errors"));
                ui.add(drag(&mut o.eject_s).range(0.001..=86_400.0).speed(0.5).suffix(" s out"));
            }
        });
        if let Some(o) = &mut lb.outlier_ejection {
            let tip = "The largest share of the backends out at once (at least one may go; one always stays).";
            row(ui, "most ejected", tip, |ui| {
                ui.add(drag(&mut o.max_ejected).range(0.0..=1.0).speed(0.01));
            });
        }
    }
}
