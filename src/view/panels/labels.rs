//! Names, glyphs, live numbers and link latencies drawn over the canvas,
//! with the nodes a lesson asks to watch and the fences of partitions.

use std::f32::consts::TAU;

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, FontId};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::super::canvas::edge_ends;
use super::super::lesson_panel::{self, LessonState};
use super::super::state::CanvasRect;
use super::super::{kinds, theme};
use super::layout::PanelSet;
use crate::sim::{LinkParams, NodeLive, NodeParams, Sim, SimNode};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, canvas_labels.in_set(PanelSet::Labels));
}

/// Names, glyphs, live numbers and link latencies drawn over the canvas.
fn canvas_labels(
    mut contexts: EguiContexts,
    canvas: Res<CanvasRect>,
    cams: Query<(&Camera, &GlobalTransform)>,
    nodes: Query<(&SimNode, &Name, &NodeParams, &NodeLive)>,
    links: Query<&LinkParams>,
    lesson: Res<LessonState>,
    sim: Option<Res<Sim>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Some(free) = canvas.0 else { return Ok(()) };
    let Ok((cam, tf)) = cams.single() else { return Ok(()) };
    // Stay inside the free canvas, not over the panels.
    let painter = ctx.layer_painter(egui::LayerId::background()).with_clip_rect(free);
    let to_screen = |p: Vec2| cam.world_to_viewport(tf, p.extend(0.0)).ok().map(|v| egui::pos2(v.x, v.y));
    let pos_of = |id: &str| {
        nodes.iter().find(|(_, n, _, _)| n.as_str() == id).map(|(_, _, p, _)| Vec2::new(p.0.pos.0, p.0.pos.1))
    };
    // A lesson step's nodes to watch: a dashed amber circle each.
    for id in lesson_panel::watched(&lesson) {
        let (Some(c), Some(edge)) =
            (pos_of(&id).and_then(|c| to_screen(c)), pos_of(&id).and_then(|c| to_screen(c + Vec2::new(78.0, 0.0))))
        else {
            continue;
        };
        let r = (edge.x - c.x).abs();
        let amber = theme::to_egui(theme::WARN);
        let points: Vec<egui::Pos2> = (0..=48)
            .map(|i| c + egui::vec2(r * (i as f32 / 48.0 * TAU).cos(), r * (i as f32 / 48.0 * TAU).sin()))
            .collect();
        painter.extend(egui::Shape::dashed_line(&points, egui::Stroke::new(2.0, amber), 8.0, 6.0));
    }
    // A partition: a dashed red fence around the nodes it cuts off.
    if let Some(sim) = &sim {
        for f in sim.fault_log().iter().filter(|f| f.active && !f.group.is_empty()) {
            let corners: Vec<egui::Pos2> = f
                .group
                .iter()
                .filter_map(|id| pos_of(id))
                .flat_map(|c| [c + Vec2::new(-75.0, -85.0), c + Vec2::new(75.0, 95.0)])
                .filter_map(|p| to_screen(p))
                .collect();
            if corners.is_empty() {
                continue;
            }
            let fence = egui::Rect::from_points(&corners);
            let red = theme::to_egui(theme::BAD);
            let stroke = egui::Stroke::new(2.0, red);
            let (a, b, c, d) = (fence.left_top(), fence.right_top(), fence.right_bottom(), fence.left_bottom());
            for (p, q) in [(a, b), (b, c), (c, d), (d, a)] {
                painter.extend(egui::Shape::dashed_line(&[p, q], stroke, 10.0, 6.0));
            }
            painter.text(
                d + egui::vec2(6.0, -4.0),
                Align2::LEFT_BOTTOM,
                "partitioned",
                FontId::proportional(12.0),
                red,
            );
        }
    }
    for l in links.iter() {
        let (Some(a), Some(b)) = (pos_of(&l.0.from), pos_of(&l.0.to)) else { continue };
        if edge_ends(a, b).is_none() {
            continue;
        }
        // Beside the line, not on it, so packets stay visible.
        let side = (b - a).normalize_or_zero().perp();
        let side = if side.y < 0.0 { -side } else { side };
        let Some(mid) = to_screen((a + b) / 2.0 + side * 14.0) else { continue };
        let mut text = format!("{:.1} ms", l.0.latency.mean_ms());
        if l.0.loss > 0.0 {
            text.push_str(&format!(" · {:.1}% loss", l.0.loss * 100.0));
        }
        if !l.0.only.is_empty() {
            text.push_str(&format!(" · {}", l.0.only.join(", ")));
        }
        painter.text(mid, Align2::CENTER_CENTER, text, FontId::proportional(11.0), Color32::from_gray(150));
    }
    for (_, name, p, live) in nodes.iter() {
        node_label(&painter, &to_screen, name, p, live);
    }
    Ok(())
}

/// A node's glyph and name, whether it is down or paused, its load and
/// queue beside the queue bar, and a badge for requests it turned away.
fn node_label(
    painter: &egui::Painter,
    to_screen: &impl Fn(Vec2) -> Option<egui::Pos2>,
    name: &Name,
    p: &NodeParams,
    live: &NodeLive,
) {
    let c = Vec2::new(p.0.pos.0, p.0.pos.1);
    let Some(centre) = to_screen(c) else { return };
    let Some(top) = to_screen(c + Vec2::new(0.0, 70.0)) else { return };
    // Live numbers sit right of the queue bar, clear of neighbours.
    let Some(bottom) = to_screen(c + Vec2::new(48.0, -70.0)) else { return };
    let accent = theme::to_egui(kinds::accent(&p.0.kind));
    painter.text(centre, Align2::CENTER_CENTER, kinds::glyph(&p.0.kind), FontId::proportional(20.0), accent);
    painter.text(top, Align2::CENTER_BOTTOM, name.as_str(), FontId::proportional(14.0), Color32::from_gray(230));
    if live.down || live.paused {
        let (text, colour) = if live.down { ("× DOWN", theme::BAD) } else { ("⏸ PAUSED", theme::WARN) };
        if let Some(p) = to_screen(c + Vec2::new(0.0, 50.0)) {
            painter.text(p, Align2::CENTER_BOTTOM, text, FontId::proportional(12.0), theme::to_egui(colour));
        }
    }
    let mut info = String::new();
    if live.slow != 1.0 {
        info.push_str(&format!("CPU ×{} · ", live.slow));
    }
    if live.workers != u32::MAX {
        info.push_str(&format!("{:.0}%", live.utilization * 100.0));
    }
    if live.queued > 0 {
        if !info.is_empty() {
            info.push_str(" · ");
        }
        info.push_str(&format!("q {}", live.queued));
    }
    painter.text(bottom, Align2::LEFT_CENTER, info, FontId::monospace(11.0), Color32::from_gray(170));
    if live.rejected_last_window > 0 {
        if let Some(badge) = to_screen(c + Vec2::new(40.0, 40.0)) {
            painter.circle_filled(badge, 9.0, theme::to_egui(theme::BAD));
            let n = live.rejected_last_window;
            let t = if n > 99 { "99+".to_string() } else { n.to_string() };
            painter.text(badge, Align2::CENTER_CENTER, t, FontId::proportional(9.0), Color32::WHITE);
        }
    }
}
