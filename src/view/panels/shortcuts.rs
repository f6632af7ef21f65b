//! The keyboard: play, pause, step, speed, undo, delete, panel toggles.

use bevy::prelude::*;
use bevy_egui::EguiContexts;

use super::super::state::{Panels, Selection};
use super::top_bar::SPEEDS;
use crate::edit::{Edit, EditBatch, HistoryRequest};
use crate::sim::{LinkParams, SimNode, SimSpeed};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, shortcuts);
}

#[allow(clippy::too_many_arguments)]
fn shortcuts(
    keys: Res<ButtonInput<KeyCode>>,
    mut speed: ResMut<SimSpeed>,
    mut panels: ResMut<Panels>,
    mut selection: ResMut<Selection>,
    mut contexts: EguiContexts,
    mut edits: MessageWriter<EditBatch>,
    mut history: MessageWriter<HistoryRequest>,
    names: Query<&Name, With<SimNode>>,
    links: Query<&LinkParams>,
    lesson: Option<Res<super::super::lesson_panel::LessonState>>,
    mut fit: MessageWriter<super::super::state::FitView>,
    mut tidy: MessageWriter<super::super::tidy::TidyUp>,
) {
    // Typing into a text field must not pause the simulation.
    if contexts.ctx_mut().is_ok_and(|c| c.egui_wants_keyboard_input()) {
        return;
    }
    let ctrl = keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight, KeyCode::SuperLeft, KeyCode::SuperRight]);
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    if ctrl && keys.just_pressed(KeyCode::KeyZ) {
        history.write(if shift { HistoryRequest::Redo } else { HistoryRequest::Undo });
        return;
    }
    if ctrl && keys.just_pressed(KeyCode::KeyY) {
        history.write(HistoryRequest::Redo);
        return;
    }
    if keys.any_just_pressed([KeyCode::Delete, KeyCode::Backspace]) {
        match *selection {
            Selection::Node(e) => {
                // A node the level locks stays.
                let level = lesson.as_ref().and_then(|l| l.levels.level());
                if let Ok(n) = names.get(e)
                    && !level.is_some_and(|l| l.level.locked.iter().any(|id| id == n.as_str()))
                {
                    edits.write(EditBatch::user(vec![Edit::RemoveNode(n.to_string())]));
                }
            }
            Selection::Link(e) => {
                if let Ok(l) = links.get(e) {
                    edits.write(EditBatch::user(vec![Edit::RemoveLink { from: l.0.from.clone(), to: l.0.to.clone() }]));
                }
            }
            Selection::None => {}
        }
        *selection = Selection::None;
        return;
    }
    if ctrl {
        return;
    }
    if keys.just_pressed(KeyCode::Space) {
        speed.paused = !speed.paused;
    }
    if keys.just_pressed(KeyCode::KeyN) || keys.just_pressed(KeyCode::Period) {
        speed.paused = true;
        speed.step_once = true;
    }
    let i = SPEEDS.iter().position(|s| *s >= speed.factor).unwrap_or(3);
    if keys.just_pressed(KeyCode::Equal) || keys.just_pressed(KeyCode::NumpadAdd) {
        speed.set_factor(SPEEDS[(i + 1).min(SPEEDS.len() - 1)]);
    }
    if keys.just_pressed(KeyCode::Minus) || keys.just_pressed(KeyCode::NumpadSubtract) {
        speed.set_factor(SPEEDS[i.saturating_sub(1)]);
    }
    if keys.just_pressed(KeyCode::F1) || keys.just_pressed(KeyCode::Slash) {
        panels.help = !panels.help;
    }
    if keys.just_pressed(KeyCode::KeyI) {
        panels.inspector = !panels.inspector;
    }
    if keys.just_pressed(KeyCode::KeyC) {
        panels.charts = !panels.charts;
    }
    if keys.just_pressed(KeyCode::KeyT) {
        tidy.write(super::super::tidy::TidyUp);
    }
    if keys.just_pressed(KeyCode::KeyF) || keys.just_pressed(KeyCode::Home) {
        fit.write(super::super::state::FitView);
    }
    if keys.just_pressed(KeyCode::Escape) {
        *selection = Selection::None;
        panels.help = false;
    }
}
