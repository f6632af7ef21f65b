//! The lesson window; a step that brings its own design loads it.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::super::files;
use super::super::lesson_panel::{self, LessonState};
use super::layout::PanelSet;
use crate::sim::Sim;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, lesson_window.in_set(PanelSet::Lesson));
    app.add_systems(Update, export_design);
}

/// While a concept's design is on the canvas, keep a copy of it as the
/// learner edits it (once a second), so its experiments notice changes.
fn export_design(world: &mut World, mut last: Local<f64>) {
    let now = world.resource::<Time>().elapsed_secs_f64();
    if now - *last < 1.0 || !world.resource::<LessonState>().concepts.wants_design() {
        return;
    }
    *last = now;
    let design = crate::scenario::export(world);
    world.resource_mut::<LessonState>().concepts.design = design;
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
    match lesson_panel::window(ctx, &mut lesson, sim.as_deref(), now_s) {
        Some(lesson_panel::Action::Load(s, before)) => {
            lesson.showing = Some(before);
            lesson.outcomes.clear();
            commands.queue(move |w: &mut World| files::open_scenario(w, &s, None));
        }
        Some(lesson_panel::Action::Concept(s, showing)) => {
            let c = &mut lesson.concepts;
            c.showing = Some(showing);
            c.outcomes.clear();
            c.tries.clear();
            c.made.clear();
            c.design = Some(s.clone());
            commands.queue(move |w: &mut World| files::open_scenario(w, &s, None));
        }
        None => {}
    }
    Ok(())
}
