//! The shortcuts window.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::super::state::Panels;
use super::layout::PanelSet;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, help_window.in_set(PanelSet::Help));
}

/// The keyboard and mouse shortcuts (F1 or ?).
fn help_window(mut contexts: EguiContexts, mut panels: ResMut<Panels>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut open = panels.help;
    egui::Window::new("Shortcuts").open(&mut open).collapsible(false).anchor(Align2::CENTER_CENTER, [0.0, 0.0]).show(
        ctx,
        |ui| {
            egui::Grid::new("keys").num_columns(2).striped(true).show(ui, |ui| {
                for (k, what) in [
                    ("Space", "play / pause"),
                    ("N or .", "step one tick (pauses)"),
                    ("+ / -", "faster / slower"),
                    ("click", "select a node or link"),
                    ("right-click", "break a node or link (fault menu)"),
                    ("drag a node", "move it"),
                    ("Drag from a node's rim", "to another node: connect them (or Shift + drag)"),
                    ("palette", "drag a kind onto the canvas (or click it)"),
                    ("Delete", "delete the selected node or link"),
                    ("Ctrl+Z", "undo"),
                    ("Ctrl+Shift+Z / Ctrl+Y", "redo"),
                    ("Ctrl+N / O / S", "new, open, save (Ctrl+Shift+S: save as)"),
                    ("Ctrl+Q", "quit (unsaved work is kept for next time)"),
                    ("drag empty space", "pan (also right/middle drag, arrow keys)"),
                    ("wheel", "zoom at the cursor"),
                    ("F or Home", "frame the whole system"),
                    ("T", "tidy: lay the diagram out left to right (Ctrl+Z puts it back)"),
                    ("I / C", "show or hide inspector / charts"),
                    ("Esc", "clear selection, close this"),
                    ("F1 or ?", "this help"),
                ] {
                    ui.label(RichText::new(k).monospace().strong());
                    ui.label(what);
                    ui.end_row();
                }
            });
        },
    );
    panels.help = open;
    Ok(())
}
