//! The lesson window; a step that brings its own design loads it.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::super::files;
use super::super::lesson_panel::{self, LessonState};
use super::super::level_panel::LevelAction;
use super::layout::PanelSet;
use crate::sim::{Sim, SimSpeed};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, lesson_window.in_set(PanelSet::Lesson));
    app.add_systems(Update, (export_design, stop_at_the_end));
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
        Some(lesson_panel::Action::Level(LevelAction::Load(s))) => {
            commands.queue(move |w: &mut World| {
                files::open_scenario(w, &s, None);
                if std::mem::take(&mut w.resource_mut::<LessonState>().levels.share_next) {
                    w.resource_mut::<super::super::state::FileUi>().want_share = true;
                }
                // Back from a test: the player's own pace again.
                if let Some(f) = w.resource_mut::<LessonState>().levels.test_speed.take() {
                    let mut speed = w.resource_mut::<SimSpeed>();
                    speed.set_factor(f);
                    speed.paused = false;
                }
            });
        }
        Some(lesson_panel::Action::Level(LevelAction::Test)) => {
            commands.queue(|w: &mut World| {
                let Some(design) = crate::scenario::export(w) else { return };
                let shown = w.resource_mut::<LessonState>().levels.start_test(design);
                if let Some(s) = shown {
                    files::open_scenario(w, &s, None);
                    let mut speed = w.resource_mut::<SimSpeed>();
                    let before = speed.factor;
                    speed.set_factor(TEST_SPEED);
                    speed.paused = false;
                    w.resource_mut::<LessonState>().levels.test_speed = Some(before);
                }
            });
        }
        Some(lesson_panel::Action::Level(LevelAction::Edit)) => {
            commands.queue(|w: &mut World| {
                let Some(design) = crate::scenario::export(w) else { return };
                let report = w.get_resource::<Sim>().map(|s| crate::sim::report::Report::from_engine(s, "", 0));
                if let Some(r) = report {
                    let draft = crate::learn::level::Draft::for_design(&design, &r);
                    w.resource_mut::<LessonState>().levels.draft = Some((design, draft));
                }
            });
        }
        Some(lesson_panel::Action::Level(LevelAction::ShareLevel)) => {
            commands.queue(|w: &mut World| {
                let Some(l) = w.resource::<LessonState>().levels.level() else { return };
                match l.link(&super::super::browser::link_base()) {
                    Ok(link) => w.resource_mut::<super::super::state::FileUi>().share = Some(link),
                    Err(e) => files::status(w, e, true),
                }
            });
        }
        None => {}
    }
    Ok(())
}

/// How much faster than real time a level's graded run plays on the canvas.
const TEST_SPEED: f64 = 20.0;

/// The graded run stops at its end, where the result is judged.
fn stop_at_the_end(lesson: Res<LessonState>, sim: Option<Res<Sim>>, mut speed: ResMut<SimSpeed>) {
    let (Some(t), Some(sim)) = (&lesson.levels.test, sim) else { return };
    if lesson.levels.test_speed.is_some() && !speed.paused && sim.now() as f64 / 1e9 >= t.end_s {
        speed.paused = true;
    }
}
