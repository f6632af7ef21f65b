//! The timeline under the canvas: the whole recorded run, with its faults
//! (red) and edits (blue) marked; drag anywhere to see that moment and play
//! on from it. A change made in the past starts a new branch; "Compare"
//! sets it against the one it left. The recording saves as a replay file
//! or travels as a link.

use bevy::prelude::*;
use bevy_egui::EguiPrimaryContextPass;
use bevy_egui::egui::{self, Color32, RichText, Sense, Stroke, pos2, vec2};
use egui_plot::{Line, PlotPoints, VLine};

use super::super::export::{ExportJob, MAX_FRAMES, StartExport};
use super::super::state::{FileUi, Panels};
use super::super::theme;
use super::layout::{PanelSet, RootUi};
use crate::replay::record::{Branch, Recorder, Scrub};
use crate::replay::{Replay, seconds};
use crate::sim::metrics::Window;
use crate::sim::time::{NANOS_PER_SEC, Nanos};
use crate::sim::{Engine, Sim};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<CompareUi>().init_resource::<ExportForm>().add_systems(
        EguiPrimaryContextPass,
        (timeline.in_set(PanelSet::Timeline), (compare, export_form, saved_runs).in_set(PanelSet::Chaos)),
    );
}

/// The comparison window: open?, and which earlier branch.
#[derive(Resource, Default)]
struct CompareUi {
    open: bool,
    branch: usize,
}

/// The GIF export form: open?, and its choices.
#[derive(Resource)]
struct ExportForm {
    open: bool,
    from_s: f64,
    to_s: f64,
    fps: u32,
    width: u32,
    charts: bool,
}

impl Default for ExportForm {
    fn default() -> Self {
        ExportForm { open: false, from_s: 0.0, to_s: 10.0, fps: 15, width: 720, charts: false }
    }
}

/// Where exports go: the data folder's `exports` (desktop), or just the
/// file name (the browser downloads it).
fn export_path(name: &str, ext: &str) -> std::path::PathBuf {
    let base = super::super::browser::file_name(name).replace(".ron", "");
    let file = format!("{base}-{}.{ext}", stamp());
    if cfg!(target_arch = "wasm32") { file.into() } else { super::super::files::data_dir().join("exports").join(file) }
}

/// Seconds since 1970 (desktop), for unique file names; the browser's
/// downloads are renamed by the browser itself.
fn stamp() -> u64 {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
    }
    #[cfg(target_arch = "wasm32")]
    {
        0
    }
}

fn export_form(
    mut contexts: bevy_egui::EguiContexts,
    mut form: ResMut<ExportForm>,
    rec: Res<Recorder>,
    mut export: MessageWriter<StartExport>,
) {
    if !form.open {
        return;
    }
    let Ok(ctx) = contexts.ctx_mut() else { return };
    let Some(replay) = rec.replay.as_ref() else { return };
    let end_s = replay.end_ns as f64 / 1e9;
    let mut open = true;
    let mut go = false;
    egui::Window::new("Export a GIF")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            egui::Grid::new("gif-form").num_columns(2).show(ui, |g| {
                g.label("from (sim s)");
                g.add(egui::DragValue::new(&mut form.from_s).range(0.0..=end_s).speed(0.1));
                g.end_row();
                g.label("to (sim s)");
                g.add(egui::DragValue::new(&mut form.to_s).range(0.0..=end_s).speed(0.1));
                g.end_row();
                g.label("frames a second");
                g.add(egui::DragValue::new(&mut form.fps).range(1..=30));
                g.end_row();
                g.label("width (px)");
                g.add(egui::DragValue::new(&mut form.width).range(160..=1600).speed(10));
                g.end_row();
                g.label("charts too");
                g.checkbox(&mut form.charts, "");
                g.end_row();
            });
            form.to_s = form.to_s.max(form.from_s);
            let frames = job(&form, replay).frame_count();
            let fits = frames <= MAX_FRAMES;
            ui.label(
                RichText::new(format!("{frames} frames; the run is replayed exactly while they are taken"))
                    .weak()
                    .small(),
            );
            if !fits {
                ui.label(
                    RichText::new(format!("at most {MAX_FRAMES} frames: a shorter stretch or fewer a second"))
                        .color(theme::to_egui(theme::BAD)),
                );
            }
            go = ui.add_enabled(fits, egui::Button::new("Export")).clicked();
        });
    if go {
        export.write(StartExport(job(&form, replay)));
        open = false;
    }
    form.open = open;
}

/// The GIF the form asks for.
fn job(form: &ExportForm, replay: &Replay) -> ExportJob {
    ExportJob {
        from: crate::sim::time::secs_to_nanos(form.from_s),
        to: crate::sim::time::secs_to_nanos(form.to_s),
        fps: form.fps,
        width: form.width,
        charts: form.charts,
        gif: Some(export_path(&replay.scenario.name, "gif")),
        png: None,
        exit: false,
    }
}

/// Where a drag last asked to go, so a still pointer does not seek again.
#[derive(Default)]
struct Dragging(Option<Nanos>);

#[allow(clippy::too_many_arguments)]
fn timeline(
    mut root: ResMut<RootUi>,
    rec: Res<Recorder>,
    sim: Option<Res<Sim>>,
    panels: Res<Panels>,
    embed: Option<Res<super::super::state::Embed>>,
    mut scrub: MessageWriter<Scrub>,
    mut compare_ui: ResMut<CompareUi>,
    mut commands: Commands,
    (mut last, mut form, mut export): (Local<Dragging>, ResMut<ExportForm>, MessageWriter<StartExport>),
) {
    let (Some(root), Some(sim), Some(replay)) = (root.get(), sim, rec.replay.as_ref()) else { return };
    if !panels.charts || embed.is_some() {
        return;
    }
    let now = sim.now();
    let end = replay.end_ns.max(now);
    egui::Panel::bottom("timeline").resizable(false).exact_size(30.0).show(root, |ui| {
        ui.horizontal_centered(|ui| {
            let behind = rec.playback.is_some();
            let state = if behind { "◀ Past" } else { "Recording" };
            let colour = if behind { theme::to_egui(theme::WARN) } else { theme::to_egui(theme::OK) };
            ui.label(RichText::new(state).color(colour).strong()).on_hover_text(if behind {
                "Showing a past moment: playing on replays what happened; a change starts a new branch"
            } else {
                "Recording: every edit and fault is kept with its time; drag the bar to look back"
            });
            ui.label(RichText::new(format!("branch {}", rec.name)).weak()).on_hover_text(branch_hint(&rec));
            let right = 330.0;
            let width = (ui.available_width() - right).max(120.0);
            let (rect, resp) = ui.allocate_exact_size(vec2(width, 18.0), Sense::click_and_drag());
            draw_bar(ui, rect, replay, &rec, now, end);
            let at = |x: f32| ((x - rect.left()) / rect.width()).clamp(0.0, 1.0) as f64 * end as f64;
            if let Some(p) = resp.hover_pos() {
                let t = at(p.x) as Nanos;
                let near = nearest_step(replay, t, end as f64 / rect.width() as f64 * 4.0);
                let tip = match near {
                    Some(label) => format!("{} — {label}", seconds(t)),
                    None => format!("{}: drag or click to see this moment", seconds(t)),
                };
                resp.clone().on_hover_text_at_pointer(tip);
            }
            if resp.dragged() || resp.clicked() {
                if let Some(p) = resp.interact_pointer_pos() {
                    // Whole milliseconds: a seek is exact whatever it is.
                    let t = (at(p.x) as Nanos / 1_000_000) * 1_000_000;
                    if last.0 != Some(t) {
                        last.0 = Some(t);
                        scrub.write(Scrub::To(t));
                    }
                }
            } else {
                last.0 = None;
            }
            ui.label(RichText::new(format!("{} / {}", short(now), short(end))).monospace().small());
            if ui
                .add_enabled(behind, egui::Button::new("Live ▶"))
                .on_hover_text("Back to where the run had got to")
                .clicked()
            {
                scrub.write(Scrub::Latest);
            }
            if ui
                .add_enabled(!rec.branches.is_empty(), egui::Button::new("Compare"))
                .on_hover_text("Set this branch against the one it left: charts overlaid, key figures side by side")
                .clicked()
            {
                compare_ui.open = !compare_ui.open;
                compare_ui.branch = rec.branches.len().saturating_sub(1);
            }
            ui.menu_button("Replay", |ui| {
                if ui.button("Save replay file").on_hover_text("Everything needed to play this run again").clicked() {
                    let replay = with_end(replay, now);
                    commands.queue(move |w: &mut World| save_replay(w, &replay));
                    ui.close();
                }
                if ui.button("Share as a link").clicked() {
                    let replay = with_end(replay, now);
                    commands.queue(move |w: &mut World| share_replay(w, &replay));
                    ui.close();
                }
                if ui
                    .button("Compare with a saved run…")
                    .on_hover_text("Open a replay file beside this run: charts overlaid, figures side by side")
                    .clicked()
                {
                    commands.queue(|w: &mut World| {
                        #[cfg(target_arch = "wasm32")]
                        match super::super::browser::pick_file() {
                            Ok(()) => w.resource_mut::<FileUi>().upload_to_compare = true,
                            Err(e) => {
                                super::super::files::status(w, format!("could not open the file picker: {e}"), true)
                            }
                        }
                        #[cfg(not(target_arch = "wasm32"))]
                        {
                            w.resource_mut::<FileUi>().saved_runs = true;
                        }
                    });
                    ui.close();
                }
                ui.separator();
                if ui
                    .button("Export GIF…")
                    .on_hover_text("An animated picture of the canvas over a stretch of time")
                    .clicked()
                {
                    let end_s = end as f64 / 1e9;
                    form.from_s = (end_s - 10.0).max(0.0);
                    form.to_s = end_s;
                    form.open = true;
                    ui.close();
                }
                if ui.button("Save picture (PNG)").on_hover_text("The diagram as it is now").clicked() {
                    let job = ExportJob {
                        from: now,
                        to: now,
                        fps: 1,
                        width: 4096,
                        charts: false,
                        gif: None,
                        png: Some(export_path(&replay.scenario.name, "png")),
                        exit: false,
                    };
                    export.write(StartExport(job));
                    ui.close();
                }
                if ui
                    .button("Export chart data (CSV)")
                    .on_hover_text("Every sim second's figures, one row each")
                    .clicked()
                {
                    let csv = crate::replay::chart_csv(&sim, 0.0, f64::MAX);
                    let path = export_path(&replay.scenario.name, "csv");
                    commands.queue(move |w: &mut World| {
                        let rows = csv.lines().count().saturating_sub(1);
                        match super::super::export::save(&path, csv.as_bytes(), "text/csv") {
                            Ok(()) => super::super::files::status(
                                w,
                                format!("exported {} ({rows} rows)", path.display()),
                                false,
                            ),
                            Err(e) => super::super::files::status(w, e, true),
                        }
                    });
                    ui.close();
                }
            });
        });
    });
}

/// The recording as far as the run on screen has got (while live) or whole.
fn with_end(replay: &Replay, now: Nanos) -> Replay {
    let mut r = replay.clone();
    r.end_ns = r.end_ns.max(now);
    r
}

fn branch_hint(rec: &Recorder) -> String {
    // Saved runs added to compare with are named by their file.
    match rec.branches.iter().rev().find(|b| !b.name.contains('.')) {
        Some(b) => format!("Branch {} left branch {} at {}", rec.name, b.name, seconds(b.parted_at)),
        None => "The only branch of this run so far".into(),
    }
}

/// "1:05" or "12.3 s".
fn short(t: Nanos) -> String {
    let s = t as f64 / NANOS_PER_SEC as f64;
    if s >= 60.0 { format!("{}:{:04.1}", (s / 60.0) as u64, s % 60.0) } else { format!("{s:.1} s") }
}

fn nearest_step(replay: &Replay, t: Nanos, within: f64) -> Option<String> {
    let near: Vec<_> = replay
        .steps
        .iter()
        .filter(|s| (s.at_ns as f64 - t as f64).abs() <= within.max(1.0))
        .map(|s| s.input.label())
        .collect();
    match near.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [first, rest @ ..] => Some(format!("{first} and {} more", rest.len())),
    }
}

fn draw_bar(ui: &egui::Ui, rect: egui::Rect, replay: &Replay, rec: &Recorder, now: Nanos, end: Nanos) {
    let p = ui.painter_at(rect.expand(4.0));
    let x = |t: Nanos| rect.left() + rect.width() * (t as f64 / end.max(1) as f64) as f32;
    let track =
        egui::Rect::from_min_max(pos2(rect.left(), rect.center().y - 3.0), pos2(rect.right(), rect.center().y + 3.0));
    p.rect_filled(track, 3.0, Color32::from_rgb(40, 48, 64));
    let played = egui::Rect::from_min_max(track.min, pos2(x(now), track.max.y));
    p.rect_filled(played, 3.0, Color32::from_rgb(80, 110, 160));
    // One mark per pixel column at most; faults win over edits.
    let mut columns: std::collections::BTreeMap<i32, bool> = Default::default();
    for s in &replay.steps {
        let c = columns.entry(x(s.at_ns) as i32).or_insert(false);
        *c |= s.input.is_chaos();
    }
    let red = theme::to_egui(theme::BAD);
    let blue = Color32::from_rgb(110, 170, 255);
    for (cx, chaos) in columns {
        let (colour, h) = if chaos { (red, 9.0) } else { (blue, 6.0) };
        let cx = cx as f32 + 0.5;
        p.line_segment([pos2(cx, rect.center().y - h), pos2(cx, rect.center().y + h)], Stroke::new(2.0, colour));
    }
    if let Some(b) = rec.branches.last() {
        let bx = x(b.parted_at);
        let y = rect.top();
        let yellow = theme::to_egui(theme::WARN);
        p.add(egui::Shape::convex_polygon(
            vec![pos2(bx - 5.0, y - 3.0), pos2(bx + 5.0, y - 3.0), pos2(bx, y + 4.0)],
            yellow,
            Stroke::NONE,
        ));
    }
    p.circle(pos2(x(now), rect.center().y), 6.0, Color32::WHITE, Stroke::new(1.5, Color32::from_rgb(30, 36, 48)));
}

/// Save the recording: a file in the data folder (desktop) or a download
/// (browser).
fn save_replay(world: &mut World, replay: &Replay) {
    let name = super::super::browser::file_name(&replay.scenario.name).replace(".ron", ".replay.ron");
    #[cfg(target_arch = "wasm32")]
    {
        let r = super::super::browser::download(&name, &replay.to_ron());
        let msg = r.map(|()| format!("downloaded {name}"));
        let (text, error) = match msg {
            Ok(m) => (m, false),
            Err(e) => (e, true),
        };
        super::super::files::status(world, text, error);
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let stamp = stamp();
        let path = super::super::files::data_dir()
            .join("replays")
            .join(name.replace(".replay.ron", &format!("-{stamp}.replay.ron")));
        match super::super::store::write(&path, &replay.to_ron()) {
            Ok(()) => super::super::files::status(
                world,
                format!("saved {} (play it headless: systemdecoder replay FILE)", path.display()),
                false,
            ),
            Err(e) => super::super::files::status(world, e, true),
        }
    }
}

fn share_replay(world: &mut World, replay: &Replay) {
    let base = super::super::browser::link_base();
    let base = base.split(['?', '#']).next().unwrap_or(&base).to_string();
    match replay.link(&base) {
        Ok(link) => world.resource_mut::<FileUi>().share = Some(link),
        Err(e) => super::super::files::status(world, e, true),
    }
}

/// Figures over a stretch of one-second windows.
struct Figures {
    throughput: f64,
    p50: f64,
    p99: f64,
    worst_p99: f64,
    errors: f64,
    error_share: f64,
}

fn figures(ws: &[&Window]) -> Option<Figures> {
    if ws.is_empty() {
        return None;
    }
    let n = ws.len() as f64;
    let mean = |f: fn(&Window) -> f64| ws.iter().map(|w| f(w)).sum::<f64>() / n;
    let offered: f64 = ws.iter().map(|w| w.offered_rps).sum();
    let errors: f64 = ws.iter().map(|w| w.errors_rps).sum();
    Some(Figures {
        throughput: mean(|w| w.throughput_rps),
        p50: mean(|w| w.latency_ms.p50),
        p99: mean(|w| w.latency_ms.p99),
        worst_p99: ws.iter().map(|w| w.latency_ms.p99).fold(0.0, f64::max),
        errors: mean(|w| w.errors_rps),
        error_share: if offered > 0.0 { errors / offered * 100.0 } else { 0.0 },
    })
}

/// The windows of `e` that closed between `from` and `to` (sim seconds).
fn span(e: &Engine, from: f64, to: f64) -> Vec<&Window> {
    e.windows().history.iter().filter(|w| w.t > from && w.t <= to).map(|w| &**w).collect()
}

/// The desktop's saved runs (the data folder's `replays/`), or a path:
/// one to compare with.
#[allow(unused_mut, unused_variables)]
fn saved_runs(
    mut contexts: bevy_egui::EguiContexts,
    mut files: ResMut<FileUi>,
    mut commands: Commands,
    mut path: Local<String>,
) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        if !files.saved_runs {
            return;
        }
        let Ok(ctx) = contexts.ctx_mut() else { return };
        let dir = super::super::files::data_dir().join("replays");
        let mut found: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| crate::replay::is_replay_source(&p.to_string_lossy()))
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found.reverse();
        let mut open = true;
        let mut chosen = None;
        egui::Window::new("Compare with a saved run")
            .open(&mut open)
            .collapsible(false)
            .default_width(460.0)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                if found.is_empty() {
                    ui.label(
                        RichText::new(format!("No saved runs in {} yet (Replay → Save replay file).", dir.display()))
                            .weak(),
                    );
                }
                egui::ScrollArea::vertical().max_height(240.0).show(ui, |ui| {
                    for p in &found {
                        let name = p.file_name().map_or(String::new(), |n| n.to_string_lossy().to_string());
                        if ui.button(name).clicked() {
                            chosen = Some(p.clone());
                        }
                    }
                });
                ui.horizontal(|ui| {
                    ui.label("or a file:");
                    ui.text_edit_singleline(&mut *path);
                    if ui.button("Compare").clicked() && !path.trim().is_empty() {
                        chosen = Some(std::path::PathBuf::from(path.trim()));
                    }
                });
            });
        if let Some(p) = chosen {
            open = false;
            let name = p.file_name().map_or("saved run".into(), |n| n.to_string_lossy().to_string());
            commands.queue(move |w: &mut World| {
                let loaded = crate::replay::Replay::load(&p).map_err(|e| e.to_string());
                super::super::files::compare_with(w, name, loaded);
            });
        }
        files.saved_runs = open;
    }
}

fn compare(
    mut contexts: bevy_egui::EguiContexts,
    mut ui_state: ResMut<CompareUi>,
    rec: Res<Recorder>,
    sim: Option<Res<Sim>>,
    mut files: ResMut<FileUi>,
) {
    if std::mem::take(&mut files.compare_open) {
        ui_state.open = true;
        ui_state.branch = rec.branches.len().saturating_sub(1);
    }
    if !ui_state.open || rec.branches.is_empty() {
        return;
    }
    let (Ok(ctx), Some(sim)) = (contexts.ctx_mut(), sim) else { return };
    let mut open = true;
    let pick = ui_state.branch.min(rec.branches.len() - 1);
    let mut chosen = pick;
    egui::Window::new("Compare branches")
        .open(&mut open)
        .default_width(super::super::state::fit_width(ctx, 720.0))
        .show(ctx, |ui| {
            ui.label(format!("Branch {} (now) against", rec.name));
            egui::ComboBox::from_id_salt("compare-against").selected_text(label(&rec.branches[pick])).show_ui(
                ui,
                |ui| {
                    for (i, b) in rec.branches.iter().enumerate() {
                        ui.selectable_value(&mut chosen, i, label(b));
                    }
                },
            );
            let b = &rec.branches[pick];
            compare_body(ui, b, &rec.name, &sim);
        });
    ui_state.branch = chosen;
    ui_state.open = open;
}

fn label(b: &Branch) -> String {
    format!("{} (parted at {}, ran to {})", branch_word(&b.name), seconds(b.parted_at), seconds(b.replay.end_ns))
}

/// "branch A", or a saved run's file name, shortened.
fn branch_word(name: &str) -> String {
    if !name.contains('.') {
        return format!("branch {name}");
    }
    let stem = name.trim_end_matches(".replay.ron").trim_end_matches(".ron");
    if stem.chars().count() > 22 {
        format!("{}…", stem.chars().take(21).collect::<String>())
    } else {
        stem.to_string()
    }
}

fn compare_body(ui: &mut egui::Ui, b: &Branch, current: &str, sim: &Engine) {
    let from = b.parted_at as f64 / 1e9;
    let to = (b.end.now().min(sim.now()) as f64 / 1e9).floor();
    ui.label(format!(
        "Since they parted at {}: {} against branch {current}, over the seconds both have run ({:.0} s).",
        seconds(b.parted_at),
        branch_word(&b.name),
        (to - from).max(0.0)
    ));
    let (fa, fb) = (figures(&span(&b.end, from, to)), figures(&span(sim, from, to)));
    match (fa, fb) {
        (Some(a), Some(c)) => {
            egui::Grid::new("compare-grid").striped(true).num_columns(4).show(ui, |g| {
                g.strong("");
                g.strong(branch_word(&b.name));
                g.strong(format!("branch {current}"));
                g.strong("change");
                g.end_row();
                let rows: [(&str, f64, f64, &str); 6] = [
                    ("throughput (req/s)", a.throughput, c.throughput, ""),
                    ("p50 latency (ms)", a.p50, c.p50, ""),
                    ("p99 latency (ms, mean of seconds)", a.p99, c.p99, ""),
                    ("worst second's p99 (ms)", a.worst_p99, c.worst_p99, ""),
                    ("errors (req/s)", a.errors, c.errors, ""),
                    ("errors (% of offered)", a.error_share, c.error_share, "points"),
                ];
                for (name, x, y, unit) in rows {
                    g.label(name);
                    g.label(format!("{x:.1}"));
                    g.label(format!("{y:.1}"));
                    let d = y - x;
                    let pct = if x.abs() > 1e-9 && unit.is_empty() {
                        format!(" ({:+.0} %)", d / x * 100.0)
                    } else {
                        String::new()
                    };
                    g.label(format!("{d:+.1}{pct}"));
                    g.end_row();
                }
            });
        }
        _ => {
            ui.label(RichText::new("Let this branch run a second or more to compare it.").weak());
        }
    }
    let grey = Color32::from_rgb(150, 160, 180);
    let amber = theme::to_egui(theme::WARN);
    let line = |e: &Engine, f: fn(&Window) -> f64| -> PlotPoints<'static> {
        e.windows().history.iter().map(|w| [w.t, f(w)]).collect::<Vec<_>>().into()
    };
    let charts: [(&str, fn(&Window) -> f64); 3] = [
        ("throughput (req/s)", |w| w.throughput_rps),
        ("p99 latency (ms)", |w| w.latency_ms.p99),
        ("errors (req/s)", |w| w.errors_rps),
    ];
    ui.horizontal(|ui| {
        let w = (ui.available_width() - 20.0) / 3.0;
        for (title, f) in charts {
            ui.vertical(|ui| {
                ui.label(title);
                super::charts::plot(&format!("compare-{title}"), w, 160.0).show(ui, |p| {
                    p.vline(VLine::new("parted", from).color(Color32::WHITE).width(1.0));
                    p.line(Line::new(branch_word(&b.name), line(&b.end, f)).color(grey));
                    p.line(Line::new(format!("branch {current}"), line(sim, f)).color(amber));
                });
            });
        }
    });
}
