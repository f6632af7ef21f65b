//! The egui panels: time controls and live numbers on top, the palette on
//! the left, the inspector on the right, charts at the bottom with the
//! run's timeline above them, labels over
//! the canvas, and the windows (chaos, help, lessons, what-if) above it. One system
//! per panel, drawn in the order [`layout::PanelSet`] sets.

mod chaos;
mod charts;
mod help;
mod inspector_panel;
mod labels;
mod layout;
mod lesson;
mod palette;
mod shortcuts;
mod timeline;
mod toast;
mod top_bar;
mod tour;
mod what_if;

use bevy::prelude::*;
use bevy_egui::EguiContexts;
use bevy_egui::egui::{self, Color32};

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((
        layout::plugin,
        top_bar::plugin,
        charts::plugin,
        palette::plugin,
        inspector_panel::plugin,
        labels::plugin,
        toast::plugin,
        help::plugin,
        chaos::plugin,
        lesson::plugin,
        tour::plugin,
        shortcuts::plugin,
        what_if::plugin,
        timeline::plugin,
    ))
    .add_systems(Startup, style);
}

fn style(mut contexts: EguiContexts) {
    let Ok(ctx) = contexts.ctx_mut() else { return };
    let mut v = egui::Visuals::dark();
    v.panel_fill = Color32::from_rgba_unmultiplied(16, 21, 32, 240);
    v.window_fill = Color32::from_rgb(20, 26, 38);
    v.extreme_bg_color = Color32::from_rgb(10, 14, 22);
    ctx.set_visuals(v);
}
