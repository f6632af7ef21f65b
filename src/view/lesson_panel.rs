//! The lesson window: a home list of lessons, then one step at a time —
//! its story, buttons to load the failing "before" design and the design
//! that fixes it, the checkpoint judged live on the running simulation,
//! and the way forward. Progress is remembered between runs.

use std::collections::BTreeMap;

use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, RichText};

use super::concept_panel::{self, ConceptState, Showing};
use super::level_panel::{self, LevelAction, LevelState};
use crate::learn::{BUNDLED, Loaded, Measured, Outcome, Step, judge_all, metric::measured_windows};
use crate::sim::Sim;
use crate::sim::report::Report;

/// The tabs of the learning window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    #[default]
    Lessons,
    Concepts,
    Levels,
}

/// Where the learner is.
#[derive(Resource, Default)]
pub struct LessonState {
    pub open: bool,
    /// The lesson being played (its id) and step index.
    pub lesson: Option<String>,
    pub step: usize,
    /// Which of the step's scenarios is on the canvas: Some(true) the
    /// "before" one, Some(false) the design, None something else.
    pub showing: Option<bool>,
    /// The checkpoint as last judged, and when (app seconds).
    pub outcomes: Vec<Outcome>,
    judged_at: f64,
    /// Steps passed, per lesson (the furthest reached).
    pub progress: BTreeMap<String, usize>,
    pub tab: Tab,
    /// The tour of the app, at this step (started from the lessons' home).
    pub tour: Option<usize>,
    pub concepts: ConceptState,
    pub levels: LevelState,
}

pub(super) fn plugin(app: &mut App) {
    let progress = load_progress();
    // The first time, the lessons are the home screen.
    let open = progress.is_empty();
    let concepts = ConceptState { kept: concept_panel::load_kept(), ..default() };
    let levels = LevelState { kept: level_panel::load_kept(), ..default() };
    app.insert_resource(LessonState { open, progress, concepts, levels, ..default() });
}

fn progress_path() -> std::path::PathBuf {
    super::store::data_dir().join("progress.ron")
}

fn load_progress() -> BTreeMap<String, usize> {
    super::store::read(&progress_path()).and_then(|t| ron::from_str(&t).ok()).unwrap_or_default()
}

fn save_progress(p: &BTreeMap<String, usize>) {
    if let Ok(text) = ron::to_string(p) {
        // Best effort: losing progress marks is not losing work.
        let _ = super::store::write(&progress_path(), &text);
    }
}

/// What the window asks the app to do.
pub enum Action {
    /// Open this scenario of the current step (true: the "before" one).
    Load(crate::scenario::Scenario, bool),
    /// Open this design of the open concept.
    Concept(crate::scenario::Scenario, Showing),
    /// Something the levels tab asks for.
    Level(LevelAction),
}

/// Draw the window; returns what to do.
pub fn window(ctx: &egui::Context, st: &mut LessonState, sim: Option<&Sim>, now_s: f64) -> Option<Action> {
    if !st.open {
        return None;
    }
    let mut action = None;
    let mut open = true;
    egui::Window::new("Learn")
        .open(&mut open)
        .default_width(super::state::fit_width(ctx, 380.0))
        .default_pos([170.0, 60.0])
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut st.tab, Tab::Lessons, "Lessons");
                ui.selectable_value(&mut st.tab, Tab::Concepts, "Concepts");
                ui.selectable_value(&mut st.tab, Tab::Levels, "Levels");
            });
            ui.separator();
            if st.tab == Tab::Levels {
                let (a, concept) = level_panel::tab(ui, &mut st.levels, sim);
                action = a.map(Action::Level);
                if let Some(id) = concept {
                    open_concept(st, &id);
                }
                return;
            }
            if st.tab == Tab::Concepts {
                if let Some((s, showing)) = concept_panel::tab(ui, &mut st.concepts, sim, now_s) {
                    action = Some(Action::Concept(s, showing));
                }
                return;
            }
            let Some(id) = st.lesson.clone() else {
                home(ui, st);
                return;
            };
            let loaded = match Loaded::bundled(&id) {
                Ok(l) => l,
                Err(e) => {
                    ui.colored_label(Color32::LIGHT_RED, e);
                    return;
                }
            };
            let steps = &loaded.lesson.steps;
            st.step = st.step.min(steps.len().saturating_sub(1));
            let step = &steps[st.step];
            ui.horizontal(|ui| {
                if ui.small_button("◀ Lessons").clicked() {
                    st.lesson = None;
                    st.showing = None;
                }
                ui.label(RichText::new(&loaded.lesson.title).strong());
                ui.label(RichText::new(format!("step {} of {}", st.step + 1, steps.len())).weak());
            });
            ui.separator();
            ui.heading(&step.title);
            ui.label(&step.story);
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if let Some(before) = &step.before {
                    let b = ui
                        .button("Show the problem")
                        .on_hover_text("Load the previous design facing this step's demand");
                    if b.clicked() {
                        if let Ok(s) = loaded.scenario(before) {
                            action = Some(Action::Load(s, true));
                        }
                    }
                }
                let label = if step.before.is_some() { "Load the fix" } else { "Load the design" };
                if ui.button(label).clicked() {
                    if let Ok(s) = loaded.scenario(&step.scenario) {
                        action = Some(Action::Load(s, false));
                    }
                }
            });
            if !step.watch.is_empty() {
                let what = step.watch.join(", ");
                let chart =
                    if step.chart.is_empty() { String::new() } else { format!(" and the {} chart", step.chart) };
                ui.label(RichText::new(format!("Watch: {what}{chart} (circled on the canvas)")).weak());
            }
            ui.separator();
            checkpoint(ui, st, step, sim, now_s, &id);
            if !step.try_this.is_empty() {
                ui.add_space(4.0);
                ui.label(RichText::new(format!("Try this: {}", step.try_this)).italics());
            }
            ui.separator();
            ui.horizontal(|ui| {
                if ui.add_enabled(st.step > 0, egui::Button::new("◀ Back")).clicked() {
                    st.step -= 1;
                    st.showing = None;
                    st.outcomes.clear();
                }
                if ui.add_enabled(st.step + 1 < steps.len(), egui::Button::new("Next ▶")).clicked() {
                    st.step += 1;
                    st.showing = None;
                    st.outcomes.clear();
                }
            });
        });
    if !open {
        st.open = false;
    }
    action
}

/// The step's checkpoint: each condition passed, failed or not yet judged
/// on the design that is running, and what that means.
fn checkpoint(ui: &mut egui::Ui, st: &mut LessonState, step: &Step, sim: Option<&Sim>, now_s: f64, id: &str) {
    ui.label(RichText::new("Checkpoint").strong());
    // Judge once a second of app time, on the run so far.
    if let (Some(sim), Some(_)) = (sim, st.showing) {
        if now_s - st.judged_at > 1.0 {
            st.judged_at = now_s;
            let r = Report::from_engine(sim, "", 0);
            let w = measured_windows(sim);
            st.outcomes = if sim.now() as f64 / 1e9 >= step.warmup_s + 2.0 {
                judge_all(&step.checkpoint, Measured { report: &r, windows: &w })
            } else {
                Vec::new()
            };
        }
    }
    let judged = st.showing.is_some() && st.outcomes.len() == step.checkpoint.len();
    concept_panel::checks(ui, &step.checkpoint, judged.then_some(&st.outcomes[..]));
    let passed = judged && st.outcomes.iter().all(|o| o.pass);
    match (st.showing, passed) {
        (None, _) => {
            ui.label(RichText::new("Load a design to measure it.").weak());
        }
        (Some(true), false) => {
            ui.label(RichText::new("The previous design does not make it. Watch why, then load the fix.").weak());
        }
        (Some(false), true) => {
            ui.colored_label(Color32::from_rgb(120, 220, 140), "Checkpoint passed.");
            let best = st.progress.entry(id.to_string()).or_default();
            if *best < st.step + 1 {
                *best = st.step + 1;
                save_progress(&st.progress);
            }
        }
        _ => {
            ui.label(RichText::new("Measuring while it runs…").weak());
        }
    }
}

/// The list of lessons, with how far the learner got in each.
fn home(ui: &mut egui::Ui, st: &mut LessonState) {
    ui.horizontal(|ui| {
        ui.label("New here?");
        if ui
            .button("Take the tour")
            .on_hover_text("Four steps: the parts, the canvas, the charts, breaking things")
            .clicked()
        {
            st.tour = Some(0);
            // Out of the way of what the tour shows.
            st.open = false;
        }
    });
    ui.separator();
    ui.label("Guided lessons: each step is a design, the demand that breaks it, and the fix.");
    ui.separator();
    for b in BUNDLED {
        let Ok(l) = Loaded::bundled(b.id) else { continue };
        let done = st.progress.get(b.id).copied().unwrap_or(0);
        ui.label(RichText::new(&l.lesson.title).strong());
        ui.label(&l.lesson.summary);
        ui.horizontal(|ui| {
            ui.label(RichText::new(format!("{done} of {} steps passed", l.lesson.steps.len())).weak());
            let label = if done == 0 { "Start" } else { "Continue" };
            if ui.button(label).clicked() {
                st.lesson = Some(b.id.to_string());
                st.step = done.min(l.lesson.steps.len() - 1);
                st.showing = None;
                st.outcomes.clear();
            }
        });
        ui.separator();
    }
}

/// Show a concept in the learning window (from an insight or an inspector link).
pub fn open_concept(st: &mut LessonState, id: &str) {
    st.open = true;
    st.tab = Tab::Concepts;
    st.concepts.enter(Some(id.to_string()));
}

/// Show a level in the learning window; its design to put on the canvas
/// (None: no such level, and the campaign shows).
pub fn open_level(st: &mut LessonState, id: &str) -> Option<crate::scenario::Scenario> {
    st.open = true;
    st.tab = Tab::Levels;
    let l = crate::learn::level::Loaded::get(id).ok()?;
    st.levels.open = Some(id.to_string());
    st.levels.test = None;
    st.levels.design_for(&l)
}

/// The chart the current step or concept asks to watch, if any.
pub fn watched_chart(st: &LessonState) -> Option<String> {
    if st.open && st.tab == Tab::Concepts {
        let c = crate::learn::concept::Loaded::get(st.concepts.open.as_deref()?).ok()?;
        return Some(c.concept.chart.clone()).filter(|c| !c.is_empty());
    }
    let (Some(id), true) = (&st.lesson, st.open) else { return None };
    let l = Loaded::bundled(id).ok()?;
    l.lesson.steps.get(st.step).map(|s| s.chart.clone()).filter(|c| !c.is_empty())
}

/// The ids of the nodes the current step or concept asks to watch.
pub fn watched(st: &LessonState) -> Vec<String> {
    if st.open && st.tab == Tab::Concepts {
        // Circled only on the concept's own designs, not on whatever else
        // is on the canvas.
        if st.concepts.showing.is_none() {
            return Vec::new();
        }
        let open = st.concepts.open.as_deref().and_then(|id| crate::learn::concept::Loaded::get(id).ok());
        return open.map(|c| c.concept.watch.clone()).unwrap_or_default();
    }
    let (Some(id), true) = (&st.lesson, st.open) else { return Vec::new() };
    Loaded::bundled(id).ok().and_then(|l| l.lesson.steps.get(st.step).map(|s| s.watch.clone())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(st: &mut LessonState) -> Option<Action> {
        let ctx = egui::Context::default();
        let mut action = None;
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| action = window(ui.ctx(), st, None, 0.0));
        out.textures_delta.clear();
        action
    }

    #[test]
    fn the_home_screen_and_every_step_draw() {
        let mut st = LessonState { open: true, ..Default::default() };
        assert!(frame(&mut st).is_none());
        let steps = Loaded::bundled("whatsapp").unwrap().lesson.steps.len();
        st.lesson = Some("whatsapp".into());
        for i in 0..steps {
            st.step = i;
            assert!(frame(&mut st).is_none(), "nothing loads without a click");
            assert!(!watched(&st).is_empty(), "step {} names nodes to watch", i + 1);
        }
        st.open = false;
        assert!(watched(&st).is_empty(), "no circles when the window is closed");
    }
}
