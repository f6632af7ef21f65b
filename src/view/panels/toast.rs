//! A refused edit says why, over the top of the canvas, for a few seconds.

use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::super::state::CanvasRect;
use super::layout::PanelSet;
use crate::edit::EditFeedback;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, feedback_toast.in_set(PanelSet::Toast));
}

/// A refused edit says why, for a few seconds.
fn feedback_toast(
    mut contexts: EguiContexts,
    canvas: Res<CanvasRect>,
    time: Res<Time>,
    feedback: Res<EditFeedback>,
    mut shown: Local<(u64, f64)>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Some(free) = canvas.0 else { return Ok(()) };
    let now = time.elapsed_secs_f64();
    if feedback.serial != shown.0 {
        *shown = (feedback.serial, now);
    }
    let Some(msg) = &feedback.error else { return Ok(()) };
    if feedback.serial == 0 || now - shown.1 > 4.0 {
        return Ok(());
    }
    egui::Area::new(egui::Id::new("edit-toast")).fixed_pos(free.center_top() + egui::vec2(-200.0, 12.0)).show(
        ctx,
        |ui| {
            egui::Frame::popup(ui.style()).fill(Color32::from_rgb(70, 24, 28)).show(ui, |ui| {
                ui.set_max_width(400.0);
                ui.label(RichText::new(format!("Not applied: {msg}")).color(Color32::WHITE));
            });
        },
    );
    Ok(())
}
