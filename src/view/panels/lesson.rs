//! The lesson window; a step that brings its own design loads it.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::super::files;
use super::super::lesson_panel::{self, LessonState};
use super::layout::PanelSet;
use crate::sim::Sim;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, lesson_window.in_set(PanelSet::Lesson));
}

fn lesson_window(
    mut contexts: EguiContexts,
    mut lesson: ResMut<LessonState>,
    sim: Option<Res<Sim>>,
    time: Res<Time>,
    mut commands: Commands,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let now_s = time.elapsed_secs_f64();
    if let Some(lesson_panel::Action::Load(s, before)) = lesson_panel::window(ctx, &mut lesson, sim.as_deref(), now_s) {
        lesson.showing = Some(before);
        lesson.outcomes.clear();
        commands.queue(move |w: &mut World| files::open_scenario(w, &s, None));
    }
    Ok(())
}
