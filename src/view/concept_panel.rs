//! The concepts tab of the learning window: a browser (groups, search,
//! done marks) and one concept at a time — its card, a question to answer
//! before the run, the before and after designs with the checkpoint judged
//! live, and experiments that notice when the learner makes the change.

use std::collections::{BTreeMap, BTreeSet};

use bevy_egui::egui::{self, Color32, RichText};

use crate::learn::concept::{Design, Group, Loaded};
use crate::learn::metric::{Check, Measured, Outcome, judge_all, measured_windows};
use crate::scenario::Scenario;
use crate::sim::Sim;
use crate::sim::report::Report;

pub const GOOD: Color32 = Color32::from_rgb(120, 220, 140);
pub const BAD: Color32 = Color32::from_rgb(240, 110, 110);

/// Where the learner is among the concepts.
#[derive(Default)]
pub struct ConceptState {
    /// The concept open (its id); None: the browser.
    pub open: Option<String>,
    pub search: String,
    /// The answer picked for the open concept's question.
    pub pick: Option<usize>,
    /// Which design is on the canvas: Before, After, or an experiment
    /// done for the learner (its index); None: something else.
    pub showing: Option<Showing>,
    /// The checkpoint and each experiment's expectation, as last judged.
    pub outcomes: Vec<Outcome>,
    pub tries: Vec<Vec<Outcome>>,
    /// Whether each experiment's change is on the canvas.
    pub made: Vec<bool>,
    pub judged_at: f64,
    /// The design on the canvas, exported now and then (to notice changes).
    pub design: Option<Scenario>,
    pub kept: Kept,
    /// The prediction's run, under way: the concept, the choice picked, the run.
    pub measuring: Option<(String, usize, Job<Option<f64>>)>,
}

/// Work done off the frame: on a thread on the desktop (a run inside a
/// frame would wait on the frame's own task pool), at once in the browser
/// (one thread; the runs are short).
pub struct Job<T>(JobInner<T>);

enum JobInner<T> {
    #[cfg(not(target_arch = "wasm32"))]
    Thread(std::sync::Arc<std::sync::Mutex<Option<T>>>),
    #[cfg(target_arch = "wasm32")]
    Done(Option<T>),
}

impl<T: Send + 'static> Job<T> {
    pub fn start(f: impl FnOnce() -> T + Send + 'static) -> Job<T> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let slot = std::sync::Arc::new(std::sync::Mutex::new(None));
            let out = slot.clone();
            std::thread::spawn(move || {
                let v = f();
                if let Ok(mut s) = out.lock() {
                    *s = Some(v);
                }
            });
            Job(JobInner::Thread(slot))
        }
        #[cfg(target_arch = "wasm32")]
        {
            Job(JobInner::Done(Some(f())))
        }
    }

    /// The result, once (None: not yet, or a thread that died).
    pub fn poll(&mut self) -> Option<T> {
        match &mut self.0 {
            #[cfg(not(target_arch = "wasm32"))]
            JobInner::Thread(slot) => slot.lock().ok()?.take(),
            #[cfg(target_arch = "wasm32")]
            JobInner::Done(v) => v.take(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Showing {
    Design(Design),
    Experiment(usize),
}

/// What is remembered between runs.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Kept {
    /// Concepts whose after design met the checkpoint.
    pub done: BTreeSet<String>,
    /// Answers given: the choice picked and the measured value.
    pub answers: BTreeMap<String, (usize, Option<f64>)>,
}

fn kept_path() -> std::path::PathBuf {
    super::store::data_dir().join("concepts.ron")
}

/// A row of links to `concepts` (at most four) after `heading`; returns the
/// one clicked. The inspector and the fault menus link concepts this way.
pub fn links(ui: &mut egui::Ui, heading: &str, concepts: &[Loaded]) -> Option<&'static str> {
    let mut open = None;
    if !concepts.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(heading).weak());
            for l in concepts.iter().take(4) {
                if ui.link(RichText::new(&l.concept.title).small()).clicked() {
                    open = Some(l.id());
                }
            }
        });
    }
    open
}

pub fn load_kept() -> Kept {
    super::store::read(&kept_path()).and_then(|t| ron::from_str(&t).ok()).unwrap_or_default()
}

fn save_kept(k: &Kept) {
    if let Ok(text) = ron::to_string(k) {
        // Best effort: losing done marks is not losing work.
        let _ = super::store::write(&kept_path(), &text);
    }
}

impl ConceptState {
    /// Open a concept (None: the browser), forgetting the last one's state.
    pub fn enter(&mut self, id: Option<String>) {
        let kept = std::mem::take(&mut self.kept);
        *self = ConceptState { open: id, search: std::mem::take(&mut self.search), kept, ..Default::default() };
    }

    /// "none", "measuring", "right" or "wrong": the question of concept `id`
    /// (the page reports it for the browser test).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn answer_state(&self, id: &str) -> &'static str {
        if self.measuring.is_some() {
            return "measuring";
        }
        let Some((picked, measured)) = self.kept.answers.get(id) else { return "none" };
        let right = Loaded::get(id).ok().zip(*measured).and_then(|(l, v)| l.concept.predict.answer(v));
        if right == Some(*picked) { "right" } else { "wrong" }
    }

    /// "none" (no design loaded), "measuring", "passed" or "missed", and on
    /// which design: e.g. "after:passed".
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn checkpoint_state(&self) -> String {
        let which = match self.showing {
            None => return "none".into(),
            Some(Showing::Design(Design::Before)) => "before",
            Some(Showing::Design(Design::After)) => "after",
            Some(Showing::Experiment(_)) => "experiment",
        };
        let state = if self.outcomes.is_empty() {
            "measuring"
        } else if self.outcomes.iter().all(|o| o.pass) {
            "passed"
        } else {
            "missed"
        };
        format!("{which}:{state}")
    }

    /// The design an open concept's experiments start from, if on the canvas.
    pub fn wants_design(&self) -> bool {
        self.open.is_some() && self.showing.is_some()
    }
}

/// Draw the concepts tab; returns a design to load.
pub fn tab(ui: &mut egui::Ui, st: &mut ConceptState, sim: Option<&Sim>, now_s: f64) -> Option<(Scenario, Showing)> {
    let Some(id) = st.open.clone() else {
        browser(ui, st);
        return None;
    };
    match Loaded::get(&id) {
        Ok(l) => page(ui, st, &l, sim, now_s),
        Err(e) => {
            ui.colored_label(BAD, e);
            if ui.small_button("◀ Concepts").clicked() {
                st.enter(None);
            }
            None
        }
    }
}

/// Groups of concepts with done marks, filtered by the search box.
fn browser(ui: &mut egui::Ui, st: &mut ConceptState) {
    let all: Vec<Loaded> = Loaded::all().into_iter().flatten().collect();
    let done = all.iter().filter(|l| st.kept.done.contains(l.id())).count();
    ui.label("Each concept is an experiment: predict, watch it break, load the fix, then try a change yourself.");
    ui.horizontal(|ui| {
        ui.label("🔍");
        ui.add(egui::TextEdit::singleline(&mut st.search).hint_text("search concepts").desired_width(180.0));
        ui.label(RichText::new(format!("{done} of {} done", all.len())).weak());
    });
    ui.separator();
    let needle = st.search.to_lowercase();
    let mut chosen = None;
    egui::ScrollArea::vertical().max_height(460.0).show(ui, |ui| {
        for g in Group::ALL {
            let here: Vec<&Loaded> = all
                .iter()
                .filter(|l| l.concept.group == g)
                .filter(|l| {
                    needle.is_empty()
                        || [&l.concept.title, &l.concept.what, &l.concept.meet]
                            .iter()
                            .any(|t| t.to_lowercase().contains(&needle))
                        || g.label().to_lowercase().contains(&needle)
                })
                .collect();
            if here.is_empty() {
                continue;
            }
            let n_done = here.iter().filter(|l| st.kept.done.contains(l.id())).count();
            let head = format!("{} ({n_done}/{})", g.label(), here.len());
            egui::CollapsingHeader::new(head).default_open(true).show(ui, |ui| {
                for l in here {
                    ui.horizontal(|ui| {
                        let (mark, colour) =
                            if st.kept.done.contains(l.id()) { ("✔", GOOD) } else { ("○", Color32::GRAY) };
                        ui.colored_label(colour, mark);
                        if ui.link(&l.concept.title).on_hover_text(&l.concept.what).clicked() {
                            chosen = Some(l.id().to_string());
                        }
                    });
                }
            });
        }
    });
    if chosen.is_some() {
        st.enter(chosen);
    }
}

/// One concept: card, prediction, designs, checkpoint, experiments.
fn page(
    ui: &mut egui::Ui,
    st: &mut ConceptState,
    l: &Loaded,
    sim: Option<&Sim>,
    now_s: f64,
) -> Option<(Scenario, Showing)> {
    let c = l.concept;
    let mut load = None;
    ui.horizontal(|ui| {
        if ui.small_button("◀ Concepts").clicked() {
            st.enter(None);
        }
        ui.label(RichText::new(c.group.label()).weak());
    });
    if st.open.is_none() {
        return None;
    }
    ui.heading(&c.title);
    // Each concept its own scroll position: a new one starts at the top.
    let scroll = egui::ScrollArea::vertical().id_salt(l.id()).min_scrolled_height(460.0).max_height(560.0);
    scroll.show(ui, |ui| {
        ui.label(&c.what);
        egui::CollapsingHeader::new("Why it matters, and where you meet it").id_salt("why").show(ui, |ui| {
            ui.label(&c.why);
            ui.label(RichText::new(&c.meet).italics());
        });
        ui.separator();
        if let Some(x) = predict(ui, st, l) {
            load = Some(x);
        }
        ui.separator();
        ui.horizontal(|ui| {
            let b = ui.button("Show the problem").on_hover_text("Load the design that has the problem");
            if b.clicked() {
                load = l.scenario(Design::Before).ok().map(|s| (s, Showing::Design(Design::Before)));
            }
            if ui.button("Load the fix").clicked() {
                load = l.scenario(Design::After).ok().map(|s| (s, Showing::Design(Design::After)));
            }
        });
        if !c.watch.is_empty() {
            let chart = if c.chart.is_empty() { String::new() } else { format!(" and the {} chart", c.chart) };
            ui.label(RichText::new(format!("Watch: {}{chart} (circled on the canvas)", c.watch.join(", "))).weak());
        }
        judge(st, l, sim, now_s);
        ui.label(RichText::new("Checkpoint").strong());
        let judged = st.showing.is_some() && st.outcomes.len() == c.checkpoint.len();
        checks(ui, &c.checkpoint, judged.then_some(&st.outcomes[..]));
        let passed = judged && st.outcomes.iter().all(|o| o.pass);
        let note = match (st.showing, passed) {
            (None, _) => "Load a design to measure it.",
            (Some(Showing::Design(Design::Before)), false) => "This design misses it. Watch why, then load the fix.",
            (Some(Showing::Design(Design::After)), true) => "Checkpoint passed.",
            _ => "Measuring while it runs…",
        };
        if passed {
            ui.colored_label(GOOD, note);
            if st.showing == Some(Showing::Design(Design::After)) && st.kept.done.insert(l.id().to_string()) {
                save_kept(&st.kept);
            }
        } else {
            ui.label(RichText::new(note).weak());
        }
        if !c.try_this.is_empty() {
            ui.separator();
            ui.label(RichText::new("Try this").strong());
        }
        for (i, x) in c.try_this.iter().enumerate() {
            ui.label(RichText::new(&x.says).italics());
            ui.horizontal_wrapped(|ui| {
                let made = st.made.get(i).copied().unwrap_or(false);
                if made {
                    ui.colored_label(GOOD, "✔ change made");
                } else {
                    let from = match x.on {
                        Design::Before => "the problem",
                        Design::After => "the fix",
                    };
                    ui.label(RichText::new(format!("Start from {from} and make the change, or")).weak());
                }
                if ui.small_button("do it for me").clicked() {
                    load =
                        l.scenario(x.on).ok().and_then(|base| x.apply(&base).ok()).map(|s| (s, Showing::Experiment(i)));
                }
            });
            if st.made.get(i).copied().unwrap_or(false) {
                checks(ui, &x.expect, st.tries.get(i).map(|v| &v[..]));
            }
            ui.add_space(4.0);
        }
    });
    load
}

/// The question, or the answer next to what was measured.
fn predict(ui: &mut egui::Ui, st: &mut ConceptState, l: &Loaded) -> Option<(Scenario, Showing)> {
    let p = &l.concept.predict;
    ui.label(RichText::new("Predict first").strong());
    ui.label(&p.question);
    if let Some((picked, measured)) = st.kept.answers.get(l.id()).cloned() {
        let right = measured.and_then(|v| p.answer(v));
        for (i, ch) in p.choices.iter().enumerate() {
            let mark = match (i == picked, Some(i) == right) {
                (true, true) => RichText::new(format!("✔ {} (your answer)", ch.says)).color(GOOD),
                (true, false) => RichText::new(format!("✖ {} (your answer)", ch.says)).color(BAD),
                (false, true) => RichText::new(format!("✔ {}", ch.says)).color(GOOD),
                _ => RichText::new(format!("   {}", ch.says)).weak(),
            };
            ui.label(mark);
        }
        let v = measured.map_or("no data".into(), |v| p.metric.show(v));
        ui.label(RichText::new(format!("Measured: {v}")).strong());
        ui.label(&p.explain);
        if ui.small_button("ask me again").clicked() {
            st.kept.answers.remove(l.id());
            save_kept(&st.kept);
        }
        return None;
    }
    for (i, ch) in p.choices.iter().enumerate() {
        ui.radio_value(&mut st.pick, Some(i), &ch.says);
    }
    if let Some((id, picked, job)) = &mut st.measuring {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Running it…");
        });
        ui.ctx().request_repaint();
        if let Some(measured) = job.poll() {
            st.kept.answers.insert(id.clone(), (*picked, measured));
            save_kept(&st.kept);
            st.measuring = None;
        }
        return None;
    }
    let go = ui.add_enabled(st.pick.is_some(), egui::Button::new("Lock in my answer and run"));
    if go.clicked() {
        let picked = st.pick?;
        // A short headless run of the design the question is about, while
        // the same design plays on the canvas.
        let id = l.id();
        let job = Job::start(move || Loaded::get(id).ok()?.measure_prediction().ok().flatten());
        st.measuring = Some((id.to_string(), picked, job));
        return l.scenario(p.on).ok().map(|s| (s, Showing::Design(p.on)));
    }
    None
}

/// Each check passed, failed or not yet judged, with its value.
pub fn checks(ui: &mut egui::Ui, checks: &[Check], outcomes: Option<&[Outcome]>) {
    for (i, c) in checks.iter().enumerate() {
        let (mark, colour, value) = match outcomes.and_then(|o| o.get(i)) {
            Some(o) if o.pass => ("✔", GOOD, o.value),
            Some(o) => ("✖", BAD, o.value),
            None => ("…", Color32::GRAY, None),
        };
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(colour, mark);
            ui.label(&c.says);
            if let Some(v) = value {
                ui.label(RichText::new(format!("({})", c.metric.show(v))).weak());
            }
        });
    }
}

/// Judge the checkpoint and the experiments once a second of app time, on
/// the run so far (after its warm-up and two seconds more).
fn judge(st: &mut ConceptState, l: &Loaded, sim: Option<&Sim>, now_s: f64) {
    let (Some(sim), Some(_)) = (sim, st.showing) else { return };
    if now_s - st.judged_at <= 1.0 {
        return;
    }
    st.judged_at = now_s;
    let c = l.concept;
    if (sim.now() as f64 / 1e9) < c.warmup_s + 2.0 {
        st.outcomes.clear();
        st.tries.clear();
        return;
    }
    let r = Report::from_engine(sim, "", 0);
    let w = measured_windows(sim);
    let m = Measured { report: &r, windows: &w };
    st.outcomes = judge_all(&c.checkpoint, m);
    st.tries = c.try_this.iter().map(|x| judge_all(&x.expect, m)).collect();
    let faults = sim.fault_log();
    st.made = c
        .try_this
        .iter()
        .map(|x| match (&st.design, l.scenario(x.on)) {
            (Some(now), Ok(base)) => x.made(&base, now, &faults),
            _ => false,
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ctx: &egui::Context, st: &mut ConceptState) -> Option<(Scenario, Showing)> {
        let mut out = None;
        let mut o = ctx.run_ui(egui::RawInput::default(), |ui| out = tab(ui, st, None, 0.0));
        o.textures_delta.clear();
        out
    }

    #[test]
    fn the_browser_and_every_concept_page_draw() {
        let ctx = egui::Context::default();
        let mut st = ConceptState::default();
        assert!(frame(&ctx, &mut st).is_none());
        st.search = "cache".into();
        assert!(frame(&ctx, &mut st).is_none());
        for l in Loaded::all() {
            let l = l.unwrap();
            st.enter(Some(l.id().to_string()));
            assert!(frame(&ctx, &mut st).is_none(), "nothing loads without a click");
            // Answered: the measured value and the explanation show.
            st.kept.answers.insert(l.id().to_string(), (0, Some(1.0)));
            assert!(frame(&ctx, &mut st).is_none());
        }
    }

    #[test]
    fn every_concept_text_can_be_drawn_with_the_fonts_we_ship() {
        let ctx = egui::Context::default();
        let _ = frame(&ctx, &mut ConceptState::default());
        let font = egui::FontId::proportional(14.0);
        let mut missing = Vec::new();
        for l in Loaded::all() {
            let l = l.unwrap();
            let c = l.concept;
            let p = &c.predict;
            let texts = [&c.title, &c.what, &c.why, &c.meet, &p.question, &p.explain]
                .into_iter()
                .chain(p.choices.iter().map(|x| &x.says))
                .chain(c.checkpoint.iter().map(|x| &x.says))
                .chain(
                    c.try_this.iter().flat_map(|x| std::iter::once(&x.says).chain(x.expect.iter().map(|e| &e.says))),
                );
            for t in texts {
                for ch in t.chars() {
                    if !ctx.fonts_mut(|f| f.has_glyph(&font, ch)) {
                        missing.push(format!("{}: '{ch}' in \"{t}\"", l.id()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "characters the font cannot draw:\n{}", missing.join("\n"));
    }
}
