//! The levels tab of the learning window: the campaign (chapters that
//! unlock in order, stars earned), then one level at a time — its brief,
//! goals and budget against the live cost while the player builds, the
//! graded test played fast-forward on the canvas with a progress bar, and
//! the result: every check with its value, the stars, and what went wrong
//! first with the concept that explains it. Stars and each level's best
//! design are kept between runs.

use std::collections::BTreeMap;

use bevy_egui::egui::{self, Color32, RichText};

use super::concept_panel::{BAD, GOOD, Job};
use crate::learn::level::{Draft, Grade, Loaded, chapter_name, money};
use crate::scenario::Scenario;
use crate::sim::Sim;
use crate::sim::report::Cost;

/// Where the player is in the campaign.
#[derive(Default)]
pub struct LevelState {
    /// The level being played (its id); None: the campaign.
    pub open: Option<String>,
    pub kept: LevelKept,
    /// The graded test under way or just finished.
    pub test: Option<Test>,
    /// The speed the player had before the test played fast-forward.
    pub test_speed: Option<f64>,
    /// Share the design once it is back on the canvas.
    pub share_next: bool,
    /// A level made in the editor or opened from a link.
    pub custom: Option<Loaded>,
    /// The level editor: the design it starts from and the goals so far.
    pub draft: Option<(Scenario, Draft)>,
    /// Why the level just made could not be played.
    pub editor_error: Option<String>,
}

/// A graded test: the player's design (given back afterwards), the grade
/// being worked out off the frame, and the graded run's length.
pub struct Test {
    pub design: Scenario,
    job: Job<Result<Grade, String>>,
    pub grade: Option<Result<Grade, String>>,
    pub end_s: f64,
    /// The run on the canvas reached its end (or the player skipped it).
    pub shown: bool,
}

/// What is kept between runs.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct LevelKept {
    /// Best stars per level (1 = passed).
    pub stars: BTreeMap<String, u8>,
    /// The best design tested per level (the latest of the best), as
    /// scenario text.
    pub designs: BTreeMap<String, String>,
}

fn kept_path() -> std::path::PathBuf {
    super::store::data_dir().join("levels.ron")
}

pub fn load_kept() -> LevelKept {
    super::store::read(&kept_path()).and_then(|t| ron::from_str(&t).ok()).unwrap_or_default()
}

fn save_kept(k: &LevelKept) {
    if let Ok(text) = ron::to_string(k) {
        // Best effort: the design itself is also in the autosave.
        let _ = super::store::write(&kept_path(), &text);
    }
}

/// What the tab asks the app to do.
pub enum LevelAction {
    /// Put this design on the canvas.
    Load(Scenario),
    /// Grade the design on the canvas.
    Test,
    /// Open the level editor on the design on the canvas.
    Edit,
    /// Share the level being played (one made in the editor) as a link.
    ShareLevel,
}

impl LevelState {
    /// Whether chapter `n` is open: the first always, the next once every
    /// level of the one before is passed.
    pub fn unlocked(&self, n: u32) -> bool {
        n <= 1
            || Loaded::all()
                .iter()
                .flatten()
                .filter(|l| l.level.chapter == n - 1)
                .all(|l| self.kept.stars.get(l.id()).is_some_and(|s| *s > 0))
    }

    /// The level being played, if it loads.
    pub fn level(&self) -> Option<Loaded> {
        let id = self.open.as_deref()?;
        match self.custom {
            Some(c) if c.id() == id => Some(c),
            _ => Loaded::get(id).ok(),
        }
    }

    /// Play a level made in the editor or opened from a link; its canvas.
    pub fn open_custom(&mut self, l: Loaded) -> Option<Scenario> {
        self.custom = Some(l);
        self.open = Some(l.id().to_string());
        self.test = None;
        self.draft = None;
        self.design_for(&l)
    }

    /// The design to start a level from: the best one tested, or its canvas.
    pub fn design_for(&self, l: &Loaded) -> Option<Scenario> {
        let mine = self.kept.designs.get(l.id()).and_then(|t| Scenario::parse("my design", t).ok().map(|(s, _)| s));
        mine.or_else(|| l.start().ok())
    }

    /// Start grading `design`: every seed off the frame; the first seed's
    /// run is what the canvas plays.
    pub fn start_test(&mut self, design: Scenario) -> Option<Scenario> {
        let l = self.level()?;
        let start = l.start().ok()?;
        let seed = *l.level.seeds.first()?;
        let shown = l.level.graded_scenario(&start, &design, seed).ok();
        let d = design.clone();
        let job = Job::start(move || l.grade(&d, &l.seeds(None)));
        let end_s = l.level.warmup_s + l.level.measure_s;
        // A design breaking the rules has no run to watch.
        let problems = l.level.problems(&start, &design);
        self.test = Some(Test { design, job, grade: None, end_s, shown: shown.is_none() || !problems.is_empty() });
        if problems.is_empty() { shown } else { None }
    }

    /// "none", "running", "grading", "broken", "passed:N" (stars) or
    /// "failed" (the page reports it for the browser test).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn test_state(&self) -> String {
        let Some(t) = &self.test else { return "none".into() };
        match &t.grade {
            _ if !t.shown => "running".into(),
            None => "grading".into(),
            Some(Err(_)) => "broken".into(),
            Some(Ok(g)) if !g.problems.is_empty() => "broken".into(),
            Some(Ok(g)) if g.passed() => format!("passed:{}", g.stars()),
            Some(Ok(_)) => "failed".into(),
        }
    }

    /// Poll the grade; once shown, keep the stars and the design.
    fn settle(&mut self) {
        let (Some(t), Some(id)) = (&mut self.test, &self.open) else { return };
        if t.grade.is_none()
            && let Some(g) = t.job.poll()
        {
            // The design kept is the best one: a try that earns fewer stars
            // than the best so far does not replace it.
            let stars = g.as_ref().map_or(0, |g| g.stars());
            let best = self.kept.stars.entry(id.clone()).or_default();
            if stars >= *best {
                *best = stars;
                self.kept.designs.insert(id.clone(), t.design.to_ron());
            }
            save_kept(&self.kept);
            t.grade = Some(g);
        }
    }
}

/// Draw the tab.
pub fn tab(ui: &mut egui::Ui, st: &mut LevelState, sim: Option<&Sim>) -> (Option<LevelAction>, Option<String>) {
    st.settle();
    if st.draft.is_some() {
        return (editor(ui, st), None);
    }
    let Some(l) = st.level() else {
        return (campaign(ui, st), None);
    };
    let mut action = None;
    let mut concept = None;
    let v = l.level;
    ui.horizontal(|ui| {
        if ui.small_button("◀ Levels").clicked() {
            st.open = None;
            st.test = None;
        }
        ui.label(RichText::new(&v.title).strong());
        let from = if v.chapter == 0 { "made in the level editor".to_string() } else { chapter_name(v.chapter) };
        ui.label(RichText::new(from).weak());
    });
    ui.separator();
    if let Some(t) = &mut st.test {
        let mut share = false;
        let back = result(ui, &l, t, sim, &mut concept, &mut share);
        if share {
            // The design goes back on the canvas first: the link carries it.
            action = Some(LevelAction::Load(t.design.clone()));
            st.share_next = true;
            st.test = None;
        } else if back {
            action = Some(LevelAction::Load(t.design.clone()));
            st.test = None;
        }
        return (action, concept);
    }
    ui.label(&v.brief);
    ui.add_space(4.0);
    goals(ui, &l);
    if let Some(b) = v.budget_per_hour {
        let now = sim.map(|s| Cost::of(s).per_hour);
        ui.horizontal(|ui| {
            ui.label(RichText::new("Budget").strong());
            ui.label(format!("${}/h", money(b)));
            if let Some(c) = now {
                let colour = if c <= b + 1e-9 { GOOD } else { BAD };
                ui.colored_label(colour, format!("your design now: ${}/h", money(c)));
            }
        });
    }
    if !v.palette.is_empty() {
        ui.label(RichText::new("You may add (from the palette)").strong());
        for t in &v.palette {
            let n = crate::sim::model::NodeSpec {
                id: String::new(),
                kind: t.kind.clone(),
                pos: (0.0, 0.0),
                zone: None,
                price_per_hour: None,
            };
            let edit = if t.edit.is_empty() { String::new() } else { format!("; you set {}", t.edit.join(", ")) };
            ui.label(
                RichText::new(format!("{} ({}, ${}/h{edit})", t.name, t.kind.label(), money(n.price_per_hour())))
                    .small(),
            );
        }
    }
    if !v.locked.is_empty() {
        let editable =
            if v.editable.is_empty() { String::new() } else { format!(" (you may change {})", v.editable.join(", ")) };
        ui.label(RichText::new(format!("🔒 Locked: {}{editable}", v.locked.join(", "))).weak().small());
    }
    if !v.hint.is_empty() {
        ui.collapsing("Hint", |ui| ui.label(&v.hint));
    }
    ui.separator();
    ui.horizontal(|ui| {
        let run = ui.button(RichText::new("▶ Run the test").strong()).on_hover_text(format!(
            "The graded run: {} s with the level's traffic and faults, on {} seeds",
            v.warmup_s + v.measure_s,
            v.seeds.len()
        ));
        if run.clicked() {
            action = Some(LevelAction::Test);
        }
        if ui.button("Start over").on_hover_text("Put the level's starting canvas back").clicked()
            && let Ok(s) = l.start()
        {
            action = Some(LevelAction::Load(s));
        }
        if st.custom.is_some_and(|c| c.id() == l.id())
            && ui
                .button("Share this level")
                .on_hover_text("A link that carries the level: its rules and its canvas")
                .clicked()
        {
            action = Some(LevelAction::ShareLevel);
        }
    });
    (action, concept)
}

/// The level's goals: to pass, and each star.
fn goals(ui: &mut egui::Ui, l: &Loaded) {
    let names = ["To pass", "★★", "★★★"];
    for ((checks, rules), name) in l.level.goals().into_iter().zip(names) {
        ui.label(RichText::new(name).strong());
        for c in &checks {
            ui.label(format!("• {}", c.says));
        }
        for r in rules {
            let says = match r {
                crate::learn::level::Rule::OneOf { says, .. }
                | crate::learn::level::Rule::Set { says, .. }
                | crate::learn::level::Rule::Reaches { says, .. }
                | crate::learn::level::Rule::Count { says, .. } => says,
            };
            ui.label(format!("• {says}"));
        }
    }
}

/// The campaign: chapters, levels, stars.
fn campaign(ui: &mut egui::Ui, st: &mut LevelState) -> Option<LevelAction> {
    let all: Vec<Loaded> = Loaded::all().into_iter().flatten().collect();
    let passed = all.iter().filter(|l| st.kept.stars.get(l.id()).is_some_and(|s| *s > 0)).count();
    let stars: u32 = all.iter().map(|l| *st.kept.stars.get(l.id()).unwrap_or(&0) as u32).sum();
    ui.label(
        "Challenge levels: a situation, a budget and a test the simulation grades. Pass a chapter to open the next.",
    );
    ui.label(RichText::new(format!("{passed} of {} passed · {stars} of {} stars", all.len(), 3 * all.len())).weak());
    if ui
        .button("Make a level from the canvas")
        .on_hover_text("Turn the design on the canvas into a level: goals, budget, what is locked, what may be added")
        .clicked()
    {
        return Some(LevelAction::Edit);
    }
    ui.separator();
    let mut action = None;
    egui::ScrollArea::vertical().max_height(520.0).show(ui, |ui| {
        let (mut chapter, mut open) = (0, false);
        for l in &all {
            if l.level.chapter != chapter {
                chapter = l.level.chapter;
                ui.add_space(4.0);
                open = st.unlocked(chapter);
                let head = if open { chapter_name(chapter) } else { format!("🔒 {}", chapter_name(chapter)) };
                ui.label(RichText::new(head).strong());
            }
            let got = *st.kept.stars.get(l.id()).unwrap_or(&0);
            ui.horizontal(|ui| {
                let marks = "★".repeat(got as usize) + &"☆".repeat(3 - got.min(3) as usize);
                ui.label(RichText::new(marks).color(if got > 0 { Color32::GOLD } else { Color32::GRAY }));
                let label = if got > 0 { "Replay" } else { "Play" };
                let b = ui.add_enabled(open, egui::Button::new(label).small());
                ui.label(&l.level.title);
                if b.clicked() {
                    st.open = Some(l.id().to_string());
                    st.test = None;
                    action = st.design_for(l).map(LevelAction::Load);
                }
            });
        }
    });
    action
}

/// The graded test: its progress on the canvas, then the result. Returns
/// whether the player asked for their design back.
fn result(
    ui: &mut egui::Ui,
    l: &Loaded,
    t: &mut Test,
    sim: Option<&Sim>,
    concept: &mut Option<String>,
    share: &mut bool,
) -> bool {
    let now = sim.map_or(0.0, |s| s.now() as f64 / 1e9);
    if now >= t.end_s {
        t.shown = true;
    }
    if !t.shown {
        ui.label(RichText::new("Running the test").strong());
        ui.label(
            RichText::new(format!(
                "Seed {} of {} on the canvas, fast-forward: the level's traffic waves and faults come as they are scheduled.",
                1,
                l.level.seeds.len()
            ))
            .weak(),
        );
        ui.add(egui::ProgressBar::new((now / t.end_s) as f32).text(format!("{now:.0} of {:.0} s", t.end_s)));
        let ready = t.grade.is_some();
        if ui.add_enabled(ready, egui::Button::new("Skip to the result")).clicked() {
            t.shown = true;
        }
        return false;
    }
    let Some(grade) = &t.grade else {
        ui.label("Grading the other seeds…");
        ui.spinner();
        return false;
    };
    let g = match grade {
        Ok(g) => g,
        Err(e) => {
            ui.colored_label(BAD, format!("The test could not run: {e}"));
            return ui.button("Back to my design").clicked();
        }
    };
    if !g.problems.is_empty() {
        ui.colored_label(BAD, RichText::new("Not graded: the design breaks the level's rules").strong());
        for p in &g.problems {
            ui.label(format!("• {p}"));
        }
        return ui.button("Back to my design").clicked();
    }
    let stars = g.stars();
    let headline = if g.passed() {
        RichText::new(format!("Passed  {}", "★".repeat(stars as usize) + &"☆".repeat(3 - stars as usize)))
            .color(Color32::GOLD)
    } else {
        RichText::new("Not passed").color(BAD)
    };
    ui.label(headline.heading());
    if let Some(w) = g.worst() {
        // "The worst" only where the seeds differ in the goals they meet.
        let score = |r: &crate::learn::level::SeedRun| (0..3).take_while(|k| r.meets(*k)).count();
        let differ = g.runs.iter().any(|r| score(r) != score(w));
        let which = if differ { format!("seed {} (the worst)", w.seed) } else { format!("seed {}", w.seed) };
        ui.label(
            RichText::new(format!(
                "Graded on {} seeds; shown: {which}. Cost ${}/h.",
                g.runs.len(),
                money(w.report.cost.per_hour)
            ))
            .weak(),
        );
        for (name, verdicts) in ["To pass", "★★", "★★★"].iter().zip(&w.verdicts) {
            ui.label(RichText::new(*name).strong());
            for x in verdicts {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(if x.pass { GOOD } else { BAD }, if x.pass { "✔" } else { "✖" });
                    ui.label(&x.says);
                    ui.label(RichText::new(format!("({})", x.shown)).weak());
                });
            }
        }
        if let Some(trouble) = l.first_trouble(w) {
            ui.separator();
            ui.label(RichText::new("What went wrong first").strong());
            ui.label(trouble.says());
            if let Some(i) = &trouble.insight {
                ui.label(RichText::new(&i.says).italics());
                if ui.link(format!("Learn: {}", concept_title(i.concept))).clicked() {
                    *concept = Some(i.concept.to_string());
                }
            }
        } else if let Some(x) = w.verdicts.first().and_then(|v| v.iter().find(|x| !x.pass)) {
            // No bad second to point at (a backlog, a bill): the check missed.
            ui.separator();
            ui.label(RichText::new("What went wrong").strong());
            ui.label(format!("{}: measured {}.", x.says, x.shown));
        }
    }
    ui.separator();
    if g.passed() {
        ui.label(&l.level.debrief);
    } else if !l.level.hint.is_empty() {
        ui.label(RichText::new(format!("Hint: {}", l.level.hint)).italics());
    }
    let links: Vec<&String> = l.level.concepts.iter().collect();
    if !links.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Concepts:").weak());
            for c in links {
                if ui.link(concept_title(c)).clicked() {
                    *concept = Some(c.clone());
                }
            }
        });
    }
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let back =
            ui.button(if g.passed() { "Back to my design" } else { "Back to my design and try again" }).clicked();
        if g.passed()
            && ui.button("Share this solution").on_hover_text("A link that opens this level with your design").clicked()
        {
            *share = true;
        }
        back
    })
    .inner
}

/// The level editor: goals, budget and rules for the design on the canvas,
/// then play it or share it.
fn editor(ui: &mut egui::Ui, st: &mut LevelState) -> Option<LevelAction> {
    let Some((design, d)) = &mut st.draft else { return None };
    let mut play = None;
    let mut close = false;
    ui.horizontal(|ui| {
        if ui.small_button("◀ Levels").clicked() {
            close = true;
        }
        ui.label(RichText::new("Make a level").strong());
    });
    ui.label(
        RichText::new("The canvas as it is becomes the level's start; its scheduled faults become the level's test.")
            .weak(),
    );
    ui.horizontal(|ui| {
        ui.label("Title");
        ui.text_edit_singleline(&mut d.title);
    });
    ui.label("Brief (the situation and what is asked)");
    ui.text_edit_multiline(&mut d.brief);
    egui::Grid::new("level-goals").num_columns(2).show(ui, |ui| {
        ui.label("Budget");
        ui.add(egui::DragValue::new(&mut d.budget_per_hour).range(0.0..=1000.0).speed(0.01).prefix("$").suffix("/h"));
        ui.end_row();
        ui.label("To pass: p99 at most");
        ui.add(egui::DragValue::new(&mut d.p99_ms).range(1.0..=600_000.0).speed(1.0).suffix(" ms"));
        ui.end_row();
        ui.label("and errors at most");
        let mut pct = d.error_rate * 100.0;
        if ui.add(egui::DragValue::new(&mut pct).range(0.0..=100.0).speed(0.01).suffix(" %")).changed() {
            d.error_rate = pct / 100.0;
        }
        ui.end_row();
        ui.label("★★: p99 at most");
        ui.add(egui::DragValue::new(&mut d.star_p99_ms).range(1.0..=600_000.0).speed(1.0).suffix(" ms"));
        ui.end_row();
        ui.label("★★★: bill at most");
        ui.add(egui::DragValue::new(&mut d.star_cost).range(0.0..=1000.0).speed(0.01).prefix("$").suffix("/h"));
        ui.end_row();
        ui.label("Graded run");
        ui.horizontal(|ui| {
            ui.add(egui::DragValue::new(&mut d.warmup_s).range(0.0..=600.0).suffix(" s warm-up"));
            ui.add(egui::DragValue::new(&mut d.measure_s).range(1.0..=1200.0).suffix(" s measured"));
        });
        ui.end_row();
    });
    ui.label(RichText::new("Nodes: locked ones stay as they are; offered ones are in the palette").strong());
    egui::ScrollArea::vertical().max_height(180.0).show(ui, |ui| {
        for n in design.nodes.iter().filter(|n| n.kind.label() != "client") {
            ui.horizontal(|ui| {
                let mut locked = d.locked.contains(&n.id);
                if ui.checkbox(&mut locked, "locked").changed() {
                    toggle(&mut d.locked, &n.id, locked);
                }
                let mut offered = d.templates.contains(&n.id);
                if ui.checkbox(&mut offered, "offered").changed() {
                    toggle(&mut d.templates, &n.id, offered);
                }
                ui.label(format!("{} ({})", n.id, n.kind.label()));
            });
        }
    });
    if let Some(e) = &st.editor_error {
        ui.colored_label(BAD, e);
    }
    ui.separator();
    ui.horizontal(|ui| {
        if ui.button(RichText::new("▶ Play it").strong()).on_hover_text("Play the level; share it from there").clicked()
        {
            play = Some(d.level(design));
        }
        if ui.button("Cancel").clicked() {
            close = true;
        }
    });
    if close {
        st.draft = None;
        st.editor_error = None;
        return None;
    }
    match play.map(Loaded::from_pack) {
        Some(Ok(l)) => {
            st.editor_error = None;
            st.open_custom(l).map(LevelAction::Load)
        }
        Some(Err(e)) => {
            st.editor_error = Some(e);
            None
        }
        None => None,
    }
}

fn toggle(list: &mut Vec<String>, id: &str, on: bool) {
    list.retain(|x| x != id);
    if on {
        list.push(id.to_string());
    }
}

fn concept_title(id: &str) -> String {
    crate::learn::concept::Loaded::get(id).map_or(id.to_string(), |c| c.concept.title.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(st: &mut LevelState) -> Option<LevelAction> {
        let ctx = egui::Context::default();
        let mut action = None;
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| action = tab(ui, st, None).0);
        out.textures_delta.clear();
        action
    }

    #[test]
    fn the_campaign_and_every_level_draw_and_chapters_open_in_order() {
        let mut st = LevelState::default();
        assert!(frame(&mut st).is_none(), "nothing loads without a click");
        assert!(st.unlocked(1) && !st.unlocked(2), "the first chapter is open, the second not yet");
        for l in Loaded::all() {
            let l = l.unwrap();
            st.open = Some(l.id().to_string());
            assert!(frame(&mut st).is_none());
            assert!(st.design_for(&l).is_some(), "{}: a design to start from", l.id());
        }
        for l in Loaded::all().into_iter().flatten().filter(|l| l.level.chapter == 1) {
            st.kept.stars.insert(l.id().to_string(), 1);
        }
        assert!(st.unlocked(2), "passing every level of chapter 1 opens chapter 2");
        assert!(!st.unlocked(3));
    }

    #[test]
    fn every_level_text_can_be_drawn_with_the_fonts_we_ship() {
        let ctx = egui::Context::default();
        let mut out = ctx.run_ui(egui::RawInput::default(), |_| {});
        out.textures_delta.clear();
        let font = egui::FontId::proportional(14.0);
        let mut missing = Vec::new();
        // The panel's own marks (★ ✔ 🔒) come from the emoji font the app
        // loads, and are seen in its screenshots; the levels' texts must
        // draw with the text font.
        for l in Loaded::all() {
            let l = l.unwrap();
            let (id, v) = (l.id(), l.level);
            let mut texts = vec![v.title.clone(), v.brief.clone(), v.debrief.clone(), v.hint.clone()];
            texts.extend(v.palette.iter().map(|p| p.name.clone()));
            texts.extend(v.traps.iter().map(|p| p.says.clone()));
            for (checks, rules) in v.goals() {
                texts.extend(checks.iter().map(|c| c.says.clone()));
                texts.extend(rules.iter().map(|r| format!("{r:?}")));
            }
            for t in texts {
                for ch in t.chars() {
                    if !ctx.fonts_mut(|f| f.has_glyph(&font, ch)) {
                        missing.push(format!("{id}: '{ch}' in \"{t}\""));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "characters the font cannot draw:\n{}", missing.join("\n"));
    }
}
