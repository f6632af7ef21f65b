//! Quorum store nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::{self, Ui};
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{dist, drag, row};
use super::super::theme;
use super::{KindView, Outline};
use crate::sim::engine::{LinkRt, NodeRt};
use crate::sim::model::*;
use crate::sim::time::Nanos;

impl KindView for QuorumStoreSpec {
    const GLYPH: &str = "🔁";
    const ACCENT: Color = Color::srgb(0.62, 0.90, 0.50);
    const SHORT_NAME: &str = "kv";
    const GROUP: &str = "Data";
    const ABOUT: &str = "leaderless: N copies, reads wait for R, writes for W";
    /// Its copies are not worker pools: the live lines say what they do.
    const POOL_TABLE: bool = false;

    // Copies on a ring: no leader.
    fn outline() -> Outline {
        ShapeBuilder::with(&shapes::Circle { radius: 40.0, center: Vec2::ZERO })
            .add(&shapes::Circle { radius: 13.0, center: Vec2::new(0.0, 40.0) })
            .add(&shapes::Circle { radius: 13.0, center: Vec2::new(34.6, -20.0) })
            .add(&shapes::Circle { radius: 13.0, center: Vec2::new(-34.6, -20.0) })
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let q = self;
        row(ui, "copies (N)", "Every key is stored on this many copies.", |ui| {
            ui.add(drag(&mut q.replicas).range(1..=MAX_REPLICAS));
        });
        let n = q.replicas.clamp(1, MAX_REPLICAS);
        row(ui, "read quorum (R)", "A read returns the newest of the first R answers.", |ui| {
            ui.add(drag(&mut q.read_quorum).range(1..=n));
        });
        row(ui, "write quorum (W)", "A write succeeds once W copies have applied it.", |ui| {
            ui.add(drag(&mut q.write_quorum).range(1..=n));
        });
        let (r, w) = (q.read_quorum, q.write_quorum);
        let verdict = if r + w > n {
            format!("R + W = {} > N = {n}: every read sees the latest successful write.", r + w)
        } else {
            format!("R + W = {} ≤ N = {n}: a read can miss the latest write.", r + w)
        };
        ui.label(egui::RichText::new(verdict).weak().small());
        row(ui, "read time", "One copy's time to answer a read.", |ui| dist(ui, "kv-read", &mut q.read));
        row(ui, "replication lag", "One copy's time to receive and apply a write.", |ui| {
            dist(ui, "kv-lag", &mut q.lag)
        });
        row(ui, "timeout", "The coordinator gives up when too few copies answered by then.", |ui| {
            ui.add(drag(&mut q.timeout_ms).range(0.001..=3_600_000.0).speed(1.0).suffix(" ms"));
        });
        ui.checkbox(&mut q.read_repair, "read repair")
            .on_hover_text("A read that finds older copies among its answers updates them.");
    }

    fn live(&self, ui: &mut Ui, n: &NodeRt, _links: &[LinkRt], _now: Nanos) {
        if let KindState::QuorumStore(st) = &n.state {
            let (reads, stale) = (st.counts.reads, st.counts.stale_reads);
            ui.label(format!("stale {:.2}% of reads", stale as f64 * 100.0 / reads.max(1) as f64));
        }
        if self.read_quorum + self.write_quorum <= self.replicas {
            ui.colored_label(theme::to_egui(theme::BAD), "R + W ≤ N: reads can miss the latest write");
        }
    }
}
