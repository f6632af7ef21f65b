//! The What-if window: vary one parameter of the design over a range and
//! watch p99, throughput, errors and cost plotted against it as the runs
//! finish: on worker threads on the desktop, a slice per frame in the
//! browser, so the canvas keeps running either way. Clicking a point picks
//! it; "Apply" puts that value into the design (one undo step).

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, DragValue, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use egui_plot::{Line, Plot, PlotPoints, Points, VLine};

use super::super::state::{Panels, Selection};
use super::super::theme;
use super::layout::PanelSet;
use crate::edit::{Edit, EditBatch};
use crate::scenario;
use crate::sim::NodeParams;
use crate::sweep::{self, Plan, Run, Stepper, Sweep, Vary};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<WhatIf>()
        .add_systems(Update, (start, collect).chain())
        .add_systems(EguiPrimaryContextPass, window.in_set(PanelSet::Help));
    #[cfg(target_arch = "wasm32")]
    app.init_non_send::<Slices>();
}

/// What the window asks and what came back.
#[derive(Resource)]
struct WhatIf {
    node: String,
    field: String,
    from: f64,
    to: f64,
    points: usize,
    seconds: f64,
    seeds: u64,
    /// "Run" was pressed: the next `start` builds and launches the sweep.
    requested: bool,
    job: Option<Job>,
    error: Option<String>,
    /// The point picked in a plot (its parameter value).
    picked: Option<f64>,
    /// The canvas selection last seen: selecting another node there
    /// switches the window to it.
    seen: Option<Entity>,
}

impl Default for WhatIf {
    fn default() -> Self {
        WhatIf {
            node: String::new(),
            field: String::new(),
            from: 1.0,
            to: 2.0,
            points: 8,
            seconds: 10.0,
            seeds: 1,
            requested: false,
            job: None,
            error: None,
            picked: None,
            seen: None,
        }
    }
}

/// A sweep running or done.
struct Job {
    vary: Vary,
    /// What the design had when the sweep started.
    current: Option<f64>,
    total: usize,
    runs: Vec<Run>,
    /// Native: runs arrive from the worker threads.
    incoming: Mutex<Receiver<Run>>,
    cancel: Arc<AtomicBool>,
}

impl Drop for Job {
    fn drop(&mut self) {
        // Workers stop at their next slice.
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// The browser has no threads: the sweep advances here between frames.
#[cfg(target_arch = "wasm32")]
#[derive(Default)]
struct Slices(Option<(Stepper, std::sync::mpsc::Sender<Run>, Arc<AtomicBool>)>);

/// Build the sweep from the design as it is now and set it going.
fn start(world: &mut World) {
    if !world.resource::<WhatIf>().requested {
        return;
    }
    world.resource_mut::<WhatIf>().requested = false;
    let result = (|| -> Result<Job, String> {
        let design = scenario::export(world).ok_or("no design is open")?;
        let w = world.resource::<WhatIf>();
        let spec = design.nodes.iter().find(|n| n.id == w.node).ok_or("pick a node")?;
        let field = sweep::fields(spec).into_iter().find(|f| f.name == w.field).ok_or("pick a parameter")?;
        let text = format!("{}.{}={}..{}:{}", w.node, w.field, w.from, w.to, w.points.max(1));
        let vary = Vary::parse(&text, &design)?;
        let seeds = (0..w.seeds.max(1)).map(|i| design.seed.wrapping_add(i)).collect();
        // A shorter warm-up than the file's: the panel is for quick answers.
        let plan = Plan::new(&design, vec![vary.clone()], seeds, design.warmup_s.min(10.0), w.seconds)?;
        let total = plan.points.len() * plan.seeds.len();
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        launch(world, plan, tx, cancel.clone());
        Ok(Job { vary, current: field.value, total, runs: Vec::new(), incoming: Mutex::new(rx), cancel })
    })();
    let mut w = world.resource_mut::<WhatIf>();
    w.picked = None;
    match result {
        Ok(job) => {
            w.job = Some(job);
            w.error = None;
        }
        Err(e) => {
            w.job = None;
            w.error = Some(e);
        }
    }
}

/// Native: one worker per core but one (the app keeps a core), each with a
/// slice of the runs.
#[cfg(not(target_arch = "wasm32"))]
fn launch(_world: &mut World, plan: Plan, tx: std::sync::mpsc::Sender<Run>, cancel: Arc<AtomicBool>) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.saturating_sub(1).max(1);
    for i in 1..=workers {
        let runs = plan.runs(Some((i, workers)));
        let (plan, tx, cancel) = (plan.clone(), tx.clone(), cancel.clone());
        std::thread::spawn(move || {
            let mut stepper = Stepper::with_runs(plan, "what-if", runs);
            while !stepper.finished() && !cancel.load(Ordering::Relaxed) {
                for r in stepper.advance(5) {
                    if tx.send(r).is_err() {
                        return;
                    }
                }
            }
        });
    }
}

#[cfg(target_arch = "wasm32")]
fn launch(world: &mut World, plan: Plan, tx: std::sync::mpsc::Sender<Run>, cancel: Arc<AtomicBool>) {
    world.non_send_mut::<Slices>().0 = Some((Stepper::new(plan, "what-if"), tx, cancel));
}

/// Take the runs that finished; in the browser, first run some for about
/// a third of a frame.
fn collect(mut w: ResMut<WhatIf>, #[cfg(target_arch = "wasm32")] mut slices: NonSendMut<Slices>) {
    #[cfg(target_arch = "wasm32")]
    if let Some((stepper, tx, cancel)) = &mut slices.0 {
        let t0 = bevy::platform::time::Instant::now();
        while !stepper.finished() && !cancel.load(Ordering::Relaxed) && t0.elapsed().as_secs_f64() < 0.006 {
            for r in stepper.advance(1) {
                let _ = tx.send(r);
            }
        }
        if stepper.finished() || cancel.load(Ordering::Relaxed) {
            slices.0 = None;
        }
    }
    let Some(job) = w.job.as_mut() else { return };
    let arrived: Vec<Run> = job.incoming.get_mut().map(|rx| rx.try_iter().collect()).unwrap_or_default();
    job.runs.extend(arrived);
}

#[allow(clippy::too_many_arguments)]
fn window(
    mut contexts: EguiContexts,
    mut panels: ResMut<Panels>,
    mut w: ResMut<WhatIf>,
    selection: Res<Selection>,
    nodes: Query<(Entity, &Name, &NodeParams)>,
    mut edits: MessageWriter<EditBatch>,
) -> Result {
    if !panels.what_if {
        if w.job.as_ref().is_some_and(|j| j.runs.len() < j.total) {
            // Closed while running: stop.
            w.job = None;
        }
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut open = true;
    // Follow the canvas: a node selected there becomes the one to vary
    // (not while a sweep runs).
    let selected = match *selection {
        Selection::Node(e) => Some(e),
        _ => None,
    };
    let running = w.job.as_ref().is_some_and(|j| j.runs.len() < j.total);
    if selected != w.seen && !running {
        w.seen = selected;
        if let Some((_, name, _)) = selected.and_then(|e| nodes.get(e).ok()) {
            if w.node != name.as_str() {
                w.node = name.to_string();
                w.field.clear();
            }
        }
    }
    let w = &mut *w;
    egui::Window::new("What-if")
        .open(&mut open)
        .default_width(super::super::state::fit_width(ctx, 620.0))
        .anchor(Align2::CENTER_TOP, [0.0, 48.0])
        .show(ctx, |ui| {
            ui.label(RichText::new("Vary one parameter, run the design at each value, compare.").weak());
            form(ui, w, &nodes);
            if let Some(e) = &w.error {
                ui.colored_label(theme::to_egui(theme::BAD), e);
            }
            if let Some(job) = &w.job {
                results(ui, job, &mut w.picked);
                if let Some(x) = w.picked {
                    let spec =
                        nodes.iter().find(|(_, n, _)| Some(n.as_str()) == job.vary.node()).map(|(_, _, p)| p.0.clone());
                    if let Some(mut spec) = spec {
                        let label = format!("Apply {} = {} to the design", job.vary.name(), number(x));
                        if ui.button(label).on_hover_text("One undo step, like any edit").clicked()
                            && job.vary.apply_to_node(&mut spec, x).is_ok()
                        {
                            edits.write(EditBatch::user(vec![Edit::SetNode(spec)]));
                        }
                    }
                }
            }
        });
    panels.what_if = open;
    Ok(())
}

/// Node, field, range, run length; the Run and Stop buttons.
fn form(ui: &mut egui::Ui, w: &mut WhatIf, nodes: &Query<(Entity, &Name, &NodeParams)>) {
    let mut ids: Vec<(String, &NodeParams)> = nodes.iter().map(|(_, n, p)| (n.to_string(), p)).collect();
    ids.sort_by(|a, b| a.0.cmp(&b.0));
    if w.node.is_empty() || !ids.iter().any(|(id, _)| *id == w.node) {
        w.node = ids.first().map(|(id, _)| id.clone()).unwrap_or_default();
        w.field.clear();
    }
    let fields = ids.iter().find(|(id, _)| *id == w.node).map(|(_, p)| sweep::fields(&p.0)).unwrap_or_default();
    if !fields.iter().any(|f| f.name == w.field) {
        // A sensible first field and range: the one a person most often
        // sizes, from half to twice its value.
        let pick = ["workers", "pool", "rate", "concurrency", "service"]
            .iter()
            .find_map(|n| fields.iter().find(|f| f.name == *n))
            .or(fields.first());
        if let Some(f) = pick {
            w.field = f.name.clone();
            let v = f.value.unwrap_or(1.0).max(if f.integer { 1.0 } else { 1e-3 });
            (w.from, w.to) = if f.integer { ((v / 2.0).floor().max(1.0), v * 2.0) } else { (v / 2.0, v * 2.0) };
        }
    }
    let running = w.job.as_ref().is_some_and(|j| j.runs.len() < j.total);
    ui.add_enabled_ui(!running, |ui| {
        egui::Grid::new("what-if-form").num_columns(4).show(ui, |ui| {
            ui.label("node");
            egui::ComboBox::from_id_salt("what-if-node").selected_text(&w.node).show_ui(ui, |ui| {
                for (id, _) in &ids {
                    ui.selectable_value(&mut w.node, id.clone(), id);
                }
            });
            ui.label("parameter");
            egui::ComboBox::from_id_salt("what-if-field").selected_text(&w.field).show_ui(ui, |ui| {
                for f in &fields {
                    let now = f.value.map_or("unset".to_string(), number);
                    ui.selectable_value(&mut w.field, f.name.clone(), format!("{}  ({now})", f.name));
                }
            });
            ui.end_row();
            ui.label("from");
            ui.add(DragValue::new(&mut w.from).speed(0.1).range(0.0..=1e9));
            ui.label("to");
            ui.add(DragValue::new(&mut w.to).speed(0.1).range(0.0..=1e9));
            ui.end_row();
            ui.label("points");
            ui.add(DragValue::new(&mut w.points).range(2..=50));
            ui.label("sim seconds each");
            ui.add(DragValue::new(&mut w.seconds).range(1.0..=600.0).suffix(" s"));
            ui.end_row();
            ui.label("seeds")
                .on_hover_text("Runs per point with different random seeds: the band shows the 95 % interval.");
            ui.add(DragValue::new(&mut w.seeds).range(1..=10));
            ui.end_row();
        });
    });
    ui.horizontal(|ui| {
        if running {
            let job = w.job.as_ref().expect("running");
            ui.add(
                egui::ProgressBar::new(job.runs.len() as f32 / job.total.max(1) as f32)
                    .desired_width(300.0)
                    .show_percentage(),
            );
            if ui.button("Stop").clicked() {
                w.job = None;
            }
        } else if ui.button("▶ Run").on_hover_text("Runs the design as it is now, once per value").clicked() {
            w.requested = true;
        }
    });
}

/// Four small plots against the parameter, and the picked point's numbers.
fn results(ui: &mut egui::Ui, job: &Job, picked: &mut Option<f64>) {
    let sweep = Sweep::from_runs("what-if", vec![job.vary.name().to_string()], 0.0, 0.0, job.runs.clone());
    let mut points = sweep.points.clone();
    points.sort_by(|a, b| a.values[0].total_cmp(&b.values[0]));
    if points.is_empty() {
        ui.label(RichText::new("The first runs are on their way…").weak());
        return;
    }
    let (blue, green, amber, red) = (
        Color32::from_rgb(110, 170, 255),
        theme::to_egui(theme::OK),
        theme::to_egui(theme::WARN),
        theme::to_egui(theme::BAD),
    );
    // Metric index (see sweep::METRICS), title, scale, colour.
    let charts = [
        (2, "p99 latency (ms)", 1.0, amber),
        (0, "throughput (req/s)", 1.0, green),
        (4, "errors (%)", 100.0, red),
        (5, "cost ($/hour)", 1.0, blue),
    ];
    let width = (ui.available_width() / 2.0 - 12.0).max(180.0);
    egui::Grid::new("what-if-plots").num_columns(2).show(ui, |ui| {
        for (i, (k, title, scale, colour)) in charts.into_iter().enumerate() {
            ui.vertical(|ui| {
                ui.label(title);
                let mean: Vec<[f64; 2]> = points.iter().map(|p| [p.values[0], p.mean[k] * scale]).collect();
                let r = Plot::new(format!("what-if-{k}"))
                    .width(width)
                    .height(130.0)
                    .allow_drag(false)
                    .allow_zoom(false)
                    .allow_scroll(false)
                    .include_y(0.0)
                    .x_axis_label(job.vary.name().to_string())
                    .show(ui, |p| {
                        for pt in points.iter().filter(|pt| pt.seeds > 1) {
                            let (x, m, c) = (pt.values[0], pt.mean[k] * scale, pt.ci95[k] * scale);
                            p.line(
                                Line::new("95 %", PlotPoints::from(vec![[x, m - c], [x, m + c]]))
                                    .color(colour.gamma_multiply(0.5)),
                            );
                        }
                        p.line(Line::new(title, PlotPoints::from(mean.clone())).color(colour));
                        p.points(Points::new(title, PlotPoints::from(mean.clone())).radius(3.0).color(colour));
                        if let Some(now) = job.current {
                            p.vline(VLine::new("now", now).color(Color32::GRAY).width(1.0));
                        }
                        if let Some(x) = *picked {
                            p.vline(VLine::new("picked", x).color(Color32::WHITE).width(1.5));
                        }
                        p.pointer_coordinate()
                    });
                if r.response.clicked() {
                    if let Some(at) = r.inner {
                        let nearest = points
                            .iter()
                            .min_by(|a, b| (a.values[0] - at.x).abs().total_cmp(&(b.values[0] - at.x).abs()));
                        *picked = nearest.map(|p| p.values[0]);
                    }
                }
            });
            if i % 2 == 1 {
                ui.end_row();
            }
        }
    });
    let done = job.runs.len() == job.total;
    let shown =
        picked.and_then(|x| points.iter().find(|p| p.values[0] == x)).or(if done { None } else { points.last() });
    match shown {
        Some(p) => {
            ui.label(RichText::new(format!("{} = {}", job.vary.name(), number(p.values[0]))).strong());
            ui.label(format!(
                "p99 {:.2} ms · p50 {:.2} ms · {:.0} req/s · errors {:.2} % · ${:.2}/h · busiest {} at {:.0} %",
                p.mean[2],
                p.mean[1],
                p.mean[0],
                p.mean[4] * 100.0,
                p.mean[5],
                p.busiest,
                p.mean[6] * 100.0
            ));
        }
        None => {
            ui.label(RichText::new("Click a point to see its numbers and apply it.").weak());
        }
    }
}

/// A value as people write it: no trailing zeros.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{x:.0}") } else { format!("{}", (x * 1e6).round() / 1e6) }
}
