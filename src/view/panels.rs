//! The egui panels: time controls and live numbers on top, the inspector on
//! the right, charts at the bottom, labels over the canvas, a help overlay.

use std::f32::consts::TAU;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, DragValue, FontId, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use egui_plot::{Legend, Line, Plot, PlotPoints};

use super::canvas::edge_ends;
use super::files::{self, Document};
use super::packets::PacketCount;
use super::state::{CanvasRect, ContextMenu, FaultStrength, FileUi, PaletteDrag, Panels, Selection};
use super::{chaos_menu, inspector, lesson_panel, theme};
use crate::chaos::ChaosCommand;
use crate::edit::{Edit, EditBatch, EditFeedback, EditHistory, HistoryRequest, Revision};
use crate::scenario::LoadedScenario;
use crate::sim::metrics::Window;
use crate::sim::model::*;
use crate::sim::{LinkParams, NodeLive, NodeParams, Sim, SimNode, SimSpeed};

pub const SPEEDS: [f64; 9] = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 100.0];

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, style).add_systems(Update, shortcuts).add_systems(EguiPrimaryContextPass, draw_ui);
}

fn style(mut contexts: EguiContexts) {
    let Ok(ctx) = contexts.ctx_mut() else { return };
    let mut v = egui::Visuals::dark();
    v.panel_fill = Color32::from_rgba_unmultiplied(16, 21, 32, 240);
    v.window_fill = Color32::from_rgb(20, 26, 38);
    v.extreme_bg_color = Color32::from_rgb(10, 14, 22);
    ctx.set_visuals(v);
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
                if let Ok(n) = names.get(e) {
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
    if keys.just_pressed(KeyCode::Escape) {
        *selection = Selection::None;
        panels.help = false;
    }
}

fn fmt_rate(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.2}M/s", r / 1e6)
    } else if r >= 1e4 {
        format!("{:.1}k/s", r / 1e3)
    } else {
        format!("{r:.0}/s")
    }
}

/// The newest closed window, or the live one while none has closed yet.
fn latest(sim: &Sim) -> Window {
    sim.windows.history.back().cloned().unwrap_or_else(|| sim.live_window())
}

/// Everything the panels read and write, in one place.
#[derive(SystemParam)]
struct UiState<'w, 's> {
    sim: Option<Res<'w, Sim>>,
    speed: ResMut<'w, SimSpeed>,
    panels: ResMut<'w, Panels>,
    selection: Res<'w, Selection>,
    scenario: Option<Res<'w, LoadedScenario>>,
    packets: Res<'w, PacketCount>,
    time: Res<'w, Time>,
    nodes: Query<'w, 's, (&'static SimNode, &'static Name, &'static mut NodeParams, &'static NodeLive)>,
    links: Query<'w, 's, &'static mut LinkParams>,
    cams: Query<'w, 's, (&'static Camera, &'static GlobalTransform)>,
    edits: MessageWriter<'w, EditBatch>,
    history: MessageWriter<'w, HistoryRequest>,
    undo_state: Res<'w, EditHistory>,
    feedback: Res<'w, EditFeedback>,
    palette_drag: ResMut<'w, PaletteDrag>,
    canvas_rect: ResMut<'w, CanvasRect>,
    files: ResMut<'w, FileUi>,
    chaos: MessageWriter<'w, ChaosCommand>,
    document: Res<'w, Document>,
    revision: Res<'w, Revision>,
    strength: ResMut<'w, FaultStrength>,
    menu: ResMut<'w, ContextMenu>,
    lesson: ResMut<'w, lesson_panel::LessonState>,
    commands: Commands<'w, 's>,
}

/// The whole egui frame: panels docked around the canvas, then labels
/// painted over whatever canvas area is left.
fn draw_ui(mut contexts: EguiContexts, mut st: UiState, mut fps: Local<f32>, mut toast: Local<(u64, f64)>) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let dt = st.time.delta_secs().max(1e-4);
    *fps = if *fps == 0.0 { 1.0 / dt } else { *fps * 0.95 + 0.05 / dt };
    let mut root = egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    );
    top_bar(&mut root, &mut st, *fps);
    charts(&mut root, &st);
    palette(&mut root, &mut st);
    inspector_panel(&mut root, &mut st);
    let free = root.available_rect_before_wrap();
    st.canvas_rect.0 = Some(free);
    canvas_labels(&ctx, &st, free);
    drop_from_palette(&ctx, &mut st, free);
    feedback_toast(&ctx, &st, free, &mut toast);
    help_window(&ctx, &mut st.panels);
    faults_window(&ctx, &mut st);
    context_menu(&ctx, &mut st);
    let now_s = st.time.elapsed_secs_f64();
    let sim = st.sim.as_deref();
    if let Some(lesson_panel::Action::Load(s, before)) = lesson_panel::window(&ctx, &mut st.lesson, sim, now_s) {
        st.lesson.showing = Some(before);
        st.lesson.outcomes.clear();
        st.commands.queue(move |w: &mut World| super::files::open_scenario(w, &s, None));
    }
    Ok(())
}

fn top_bar(root: &mut egui::Ui, st: &mut UiState, fps: f32) {
    let UiState {
        sim, speed, panels, scenario, packets, history, undo_state, files, document, revision, lesson, ..
    } = st;
    egui::Panel::top("top").show(root, |ui| {
        ui.horizontal_wrapped(|ui| {
            // The product name is in the window title; the bar shows the file.
            ui.label(
                RichText::new(files::title(document, revision, scenario.as_deref()))
                    .color(Color32::from_rgb(140, 190, 255)),
            );
            ui.menu_button("File", |ui| {
                if ui.button("New  (Ctrl+N)").clicked() {
                    files.want_new = true;
                    ui.close();
                }
                if ui.button("Open…  (Ctrl+O)").clicked() {
                    files.browser = true;
                    ui.close();
                }
                if ui.button("Save  (Ctrl+S)").clicked() {
                    files.want_save = true;
                    ui.close();
                }
                if ui.button("Save as…  (Ctrl+Shift+S)").clicked() {
                    files.save_as = true;
                    ui.close();
                }
                ui.separator();
                if ui.button("Share link…").clicked() {
                    files.want_share = true;
                    ui.close();
                }
                if cfg!(target_arch = "wasm32") {
                    if ui.button("Download .ron").clicked() {
                        files.want_download = true;
                        ui.close();
                    }
                    if ui.button("Upload .ron…").clicked() {
                        files.want_upload = true;
                        ui.close();
                    }
                }
            });
            if ui.button("🔗 Share").on_hover_text("A link that carries this whole system").clicked() {
                files.want_share = true;
            }
            ui.separator();
            let play = if speed.paused { "▶" } else { "⏸" };
            let tip = if speed.paused { "Play (Space)" } else { "Pause (Space)" };
            if ui.button(play).on_hover_text(tip).clicked() {
                speed.paused = !speed.paused;
            }
            if ui.button("⏭").on_hover_text("Step one tick (N)").clicked() {
                speed.paused = true;
                speed.step_once = true;
            }
            let label = |s: f64| if s < 1.0 { format!("×{s}") } else { format!("×{s:.0}") };
            egui::ComboBox::from_id_salt("speed")
                .width(64.0)
                .selected_text(label(speed.factor))
                .show_ui(ui, |ui| {
                    for s in SPEEDS {
                        if ui.selectable_label((speed.factor - s).abs() < 1e-9, label(s)).clicked() {
                            speed.set_factor(s);
                        }
                    }
                })
                .response
                .on_hover_text("Simulation speed (+ / -)");
            if let Some(sim) = &sim {
                ui.separator();
                ui.label(RichText::new(format!("{:.2} s", sim.now() as f64 / 1e9)).monospace())
                    .on_hover_text("Sim clock");
                if speed.behind > 0 && !speed.paused {
                    ui.label(RichText::new("sim behind").color(theme::to_egui(theme::WARN)))
                        .on_hover_text("The machine cannot simulate this fast; time runs slower than asked.");
                }
                ui.separator();
                let w = latest(sim);
                let err_pct = if w.throughput_rps + w.errors_rps > 0.0 {
                    100.0 * w.errors_rps / (w.throughput_rps + w.errors_rps)
                } else {
                    0.0
                };
                let stat = |ui: &mut egui::Ui, k: &str, v: String, c: Color32| {
                    ui.label(RichText::new(k).weak());
                    ui.label(RichText::new(v).monospace().color(c));
                };
                let plain = Color32::from_gray(220);
                stat(ui, "done", fmt_rate(w.throughput_rps), plain);
                stat(ui, "p50", format!("{:.1} ms", w.latency_ms.p50), plain);
                let p99c = if w.latency_ms.p99 > 500.0 { theme::to_egui(theme::BAD) } else { plain };
                stat(ui, "p99", format!("{:.1} ms", w.latency_ms.p99), p99c);
                let ec = if err_pct > 1.0 { theme::to_egui(theme::BAD) } else { plain };
                stat(ui, "err", format!("{err_pct:.2}%"), ec);
                stat(ui, "flight", format!("{}", w.in_flight), plain);
            }
            // A narrow window: the panel toggles, cost and fps go on a second
            // row rather than over the live numbers (with some slack before
            // going back to one row, so changing numbers do not make it flicker).
            let id = egui::Id::new("top-bar-two-rows");
            let room = ui.max_rect().right() - ui.cursor().left();
            let two_rows = ui.data(|d| d.get_temp::<bool>(id)).unwrap_or(false);
            let two_rows = if two_rows { room < 520.0 } else { room < 460.0 };
            ui.data_mut(|d| d.insert_temp(id, two_rows));
            if two_rows {
                ui.end_row();
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(RichText::new(format!("{fps:.0} fps\n{} packets", packets.0)).weak().small());
                if let Some(sim) = &sim {
                    let cost = crate::sim::report::Cost::of(sim);
                    // An empty system costs 0, not "-0.00".
                    let per_hour = if cost.per_hour > 0.0 { cost.per_hour } else { 0.0 };
                    ui.label(RichText::new(format!("${per_hour:.2}/h")).monospace())
                        .on_hover_text(format!("Running cost: ${:.0} a month", cost.per_month));
                }
                if ui
                    .add_enabled(!undo_state.redo.is_empty(), egui::Button::new("Redo"))
                    .on_hover_text("Ctrl+Shift+Z")
                    .clicked()
                {
                    history.write(HistoryRequest::Redo);
                }
                if ui
                    .add_enabled(!undo_state.undo.is_empty(), egui::Button::new("Undo"))
                    .on_hover_text("Ctrl+Z")
                    .clicked()
                {
                    history.write(HistoryRequest::Undo);
                }
                let active = sim.as_ref().map_or(0, |s| s.active_fault_count());
                let label = if active > 0 {
                    RichText::new(format!("⚠ Chaos ({active})")).color(theme::to_egui(theme::BAD))
                } else {
                    RichText::new("Chaos")
                };
                if ui.selectable_label(panels.faults, label).on_hover_text("Active faults; heal them here").clicked() {
                    panels.faults = !panels.faults;
                }
                if ui.selectable_label(lesson.open, "📖 Lessons").on_hover_text("Guided lessons").clicked() {
                    lesson.open = !lesson.open;
                }
                if ui.selectable_label(panels.help, "?").on_hover_text("Shortcuts (F1)").clicked() {
                    panels.help = !panels.help;
                }
                if ui.selectable_label(panels.charts, "Charts").on_hover_text("C").clicked() {
                    panels.charts = !panels.charts;
                }
                if ui.selectable_label(panels.inspector, "Inspector").on_hover_text("I").clicked() {
                    panels.inspector = !panels.inspector;
                }
            });
        });
    });
}

fn series(h: &[Window], live: &Window, f: impl Fn(&Window) -> f64) -> PlotPoints<'static> {
    h.iter().chain(std::iter::once(live)).map(|w| [w.t, f(w)]).collect::<Vec<_>>().into()
}

fn charts(root: &mut egui::Ui, st: &UiState) {
    let Some(sim) = &st.sim else { return };
    if !st.panels.charts {
        return;
    }
    // The last 60 s of sim time, plus the window still filling (so the
    // charts move every frame, not once per sim second).
    let all: Vec<Window> = sim.windows.history.iter().rev().take(60).rev().cloned().collect();
    let live = sim.live_window();
    let blue = Color32::from_rgb(110, 170, 255);
    let green = theme::to_egui(theme::OK);
    let amber = theme::to_egui(theme::WARN);
    let red = theme::to_egui(theme::BAD);
    // The chart a lesson step asks to watch stands out.
    let emphasised = lesson_panel::watched_chart(&st.lesson);
    let heading = |text: &str, id: &str| {
        if emphasised.as_deref() == Some(id) {
            RichText::new(format!("{text}  ◀ watch this")).color(theme::to_egui(theme::WARN)).strong()
        } else {
            RichText::new(text)
        }
    };
    egui::Panel::bottom("charts").resizable(true).default_size(200.0).min_size(120.0).show(root, |ui| {
        let h = (ui.available_height() - 24.0).max(150.0);
        let w = (ui.available_width() - 30.0) / 4.0;
        ui.horizontal(|ui| {
            let plot = |id: &str| {
                Plot::new(id.to_string())
                    .height(h)
                    .width(w)
                    .legend(Legend::default())
                    .allow_drag(false)
                    .allow_zoom(false)
                    .allow_scroll(false)
                    .include_y(0.0)
                    .x_axis_label("sim s")
            };
            // Fault starts (red) and ends (green) on every chart.
            let log = sim.fault_log();
            let t0 = all.first().map_or(0.0, |w| w.t - 1.0);
            let marks = |p: &mut egui_plot::PlotUi| {
                for f in &log {
                    if f.start_s >= t0 && f.start_s <= live.t {
                        p.vline(egui_plot::VLine::new("fault", f.start_s).color(red).width(1.0));
                    }
                    if let Some(e) = f.end_s.filter(|e| *e >= t0 && *e <= live.t) {
                        p.vline(egui_plot::VLine::new("healed", e).color(green).width(1.0));
                    }
                }
            };
            ui.vertical(|ui| {
                ui.label(heading("Throughput (req/s)", "throughput"));
                plot("throughput").show(ui, |p| {
                    marks(p);
                    p.line(Line::new("offered", series(&all, &live, |w| w.offered_rps)).color(blue));
                    p.line(Line::new("completed", series(&all, &live, |w| w.throughput_rps)).color(green));
                });
            });
            ui.vertical(|ui| {
                ui.label(heading("Latency (ms)", "latency"));
                plot("latency").show(ui, |p| {
                    marks(p);
                    p.line(Line::new("p50", series(&all, &live, |w| w.latency_ms.p50)).color(green));
                    p.line(Line::new("p99", series(&all, &live, |w| w.latency_ms.p99)).color(amber));
                    if sim.global.delivery.count() > 0 {
                        // One-way: from the sender to the recipient's phone.
                        let violet = Color32::from_rgb(190, 140, 255);
                        p.line(Line::new("delivery p99", series(&all, &live, |w| w.delivery_ms.p99)).color(violet));
                        if sim.global.delivery_first.count() < sim.global.delivery.count() {
                            // Without the time recipients were offline.
                            let lilac = Color32::from_rgb(120, 200, 255);
                            let first = series(&all, &live, |w| w.delivery_first_ms.p99);
                            p.line(Line::new("first-try p99", first).color(lilac));
                        }
                    }
                });
            });
            ui.vertical(|ui| {
                ui.label(heading("Errors (req/s)", "errors"));
                plot("errors").show(ui, |p| {
                    marks(p);
                    p.line(Line::new("failed", series(&all, &live, |w| w.errors_rps)).color(red));
                    if sim.global.lost > 0 || all.iter().any(|w| w.lost_rps > 0.0) {
                        // Worse than a failed send: lost after "sent".
                        let magenta = Color32::from_rgb(255, 90, 200);
                        p.line(Line::new("lost after sent", series(&all, &live, |w| w.lost_rps)).color(magenta));
                    }
                });
            });
            let sel = match *st.selection {
                Selection::Node(e) => st.nodes.get(e).ok(),
                _ => None,
            };
            ui.vertical(|ui| match sel {
                Some((n, name, _, _)) => {
                    let i = n.0 as usize;
                    ui.label(format!("{name}: utilisation % and queue"));
                    let get =
                        |w: &Window, f: fn(&crate::sim::metrics::NodeWindow) -> f64| w.nodes.get(i).map_or(0.0, f);
                    plot("node").show(ui, |p| {
                        marks(p);
                        p.line(
                            Line::new("util %", series(&all, &live, |w| get(w, |n| n.utilization * 100.0))).color(blue),
                        );
                        p.line(Line::new("queue", series(&all, &live, |w| get(w, |n| n.mean_queue))).color(amber));
                    });
                }
                None => {
                    ui.label("Selected node");
                    ui.add_space(20.0);
                    ui.label(RichText::new("Click a node to chart its utilisation and queue.").weak());
                }
            });
        });
    });
}

fn inspector_panel(root: &mut egui::Ui, st: &mut UiState) {
    if !st.panels.inspector {
        return;
    }
    let UiState { selection, nodes, links, sim, edits, chaos, strength, .. } = st;
    let types = inspector::type_names(nodes.iter().map(|(_, _, p, _)| &p.0.kind), links.iter().map(|l| &l.0));
    egui::Panel::right("inspector").resizable(true).default_size(300.0).show(root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| match **selection {
            Selection::Node(e) => {
                let zones: Vec<(String, Option<String>)> =
                    nodes.iter().map(|(_, n, p, _)| (n.to_string(), p.0.zone.clone())).collect();
                let Ok((_, name, mut params, live)) = nodes.get_mut(e) else { return };
                ui.heading(format!("{} {}", inspector::kind_glyph(&params.0.kind), name));
                ui.label(RichText::new(params.0.kind.label()).weak());
                ui.separator();
                let mut spec = params.0.clone();
                inspector::node(ui, &mut spec.kind, &types);
                ui.horizontal(|ui| {
                    ui.label("price").on_hover_text("What this node costs to run, in $ per hour.");
                    let mut p = spec.price_per_hour();
                    let r = ui.add(DragValue::new(&mut p).range(0.0..=1e6).speed(0.005).prefix("$").suffix("/h"));
                    if r.changed() {
                        spec.price_per_hour = Some(p);
                    }
                    ui.label(RichText::new(format!("${:.0}/month", p * 730.0)).weak());
                });
                ui.horizontal(|ui| {
                    ui.label("zone").on_hover_text("Availability zone, for zone-outage drills (empty: none).");
                    let mut z = spec.zone.clone().unwrap_or_default();
                    if ui.add(egui::TextEdit::singleline(&mut z).desired_width(90.0)).changed() {
                        spec.zone = (!z.trim().is_empty()).then(|| z.trim().to_string());
                    }
                });
                if spec != params.0 {
                    // Show it at once; the edit (with its undo step) reaches
                    // the engine on the next tick.
                    params.0 = spec.clone();
                    edits.write(EditBatch::user(vec![Edit::SetNode(spec)]));
                }
                if ui.button("🗑 Delete node").on_hover_text("Delete (its links go too; work in flight there fails)").clicked() {
                    edits.write(EditBatch::user(vec![Edit::RemoveNode(name.to_string())]));
                }
                ui.separator();
                ui.label(RichText::new("Break it").strong())
                    .on_hover_text("Faults start now and last until healed, or for the time set (Chaos in the top bar). Right-click a node or link for the same.");
                chaos_menu::strength(ui, strength, chaos_menu::Target::of(&params.0.kind));
                let zone = params.0.zone.clone();
                let members: Vec<String> =
                    zones.iter().filter(|(_, z)| zone.is_some() && *z == zone).map(|(n, _)| n.clone()).collect();
                if let Some(f) = chaos_menu::node_faults(ui, strength, name.as_str(), &params.0.kind, zone.as_deref(), &members) {
                    chaos.write(ChaosCommand::InjectFor(f, strength.for_s));
                }
                ui.separator();
                if matches!(params.0.kind, NodeKind::Client(_)) {
                    // A client has no workers or queue; the charts show its traffic.
                    return;
                }
                ui.label(RichText::new("Live").strong());
                let workers = if live.workers == u32::MAX { "∞".to_string() } else { live.workers.to_string() };
                ui.label(format!("busy {} / {workers} · queued {}", live.busy, live.queued));
                if live.workers != u32::MAX {
                    ui.label(format!("utilisation {:.1}% (last second)", live.utilization * 100.0));
                }
                if live.rejected_last_window > 0 {
                    ui.colored_label(theme::to_egui(theme::BAD), format!("{} rejected last second", live.rejected_last_window));
                }
                if let Some(sim) = sim {
                    if let Some(n) = sim.nodes.iter().find(|n| n.spec.id == name.as_str() && !n.removed) {
                        let s = &n.stats;
                        ui.label(format!(
                            "since start: {} arrivals, sojourn mean {:.2} ms, p99 {:.2} ms",
                            s.arrivals,
                            s.sojourn.mean_ms(),
                            s.sojourn.quantile_ms(0.99)
                        ));
                        kind_live(ui, n, &sim.links, sim.now());
                    }
                }
            }
            Selection::Link(e) => {
                let Ok(mut lp) = links.get_mut(e) else { return };
                ui.heading(format!("{} -> {}", lp.0.from, lp.0.to));
                ui.label(RichText::new("link").weak());
                ui.separator();
                let mut spec = lp.0.clone();
                inspector::link(ui, &mut spec, &types);
                if spec != lp.0 {
                    lp.0 = spec.clone();
                    edits.write(EditBatch::user(vec![Edit::SetLink(spec)]));
                }
                if ui.button("🗑 Delete link").on_hover_text("Delete").clicked() {
                    edits.write(EditBatch::user(vec![Edit::RemoveLink { from: lp.0.from.clone(), to: lp.0.to.clone() }]));
                }
                ui.separator();
                ui.label(RichText::new("Break it").strong())
                    .on_hover_text("Faults start now and last until healed, or for the time set (Chaos in the top bar).");
                chaos_menu::strength(ui, strength, chaos_menu::Target::Link);
                if let Some(f) = chaos_menu::link_faults(ui, strength, &lp.0.from, &lp.0.to) {
                    chaos.write(ChaosCommand::InjectFor(f, strength.for_s));
                }
            }
            Selection::None => {
                ui.heading("Inspector");
                ui.label("Click a node or a link to see and change its parameters. Changes apply to the running simulation at once.");
                ui.add_space(8.0);
                ui.label(RichText::new("Drag a node to move it; Shift-drag from one node to another to connect them; drag empty space to pan; scroll to zoom. Add nodes from the palette on the left.").weak());
            }
        });
    });
}

fn help_window(ctx: &egui::Context, panels: &mut Panels) {
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
                    ("Shift + drag", "from one node to another: connect them"),
                    ("palette", "drag a kind onto the canvas (or click it)"),
                    ("Delete", "delete the selected node or link"),
                    ("Ctrl+Z", "undo"),
                    ("Ctrl+Shift+Z / Ctrl+Y", "redo"),
                    ("Ctrl+N / O / S", "new, open, save (Ctrl+Shift+S: save as)"),
                    ("Ctrl+Q", "quit (unsaved work is kept for next time)"),
                    ("drag empty space", "pan (also right/middle drag, arrow keys)"),
                    ("wheel", "zoom at the cursor"),
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
}

/// Names, glyphs, live numbers and link latencies drawn over the canvas.
fn canvas_labels(ctx: &egui::Context, st: &UiState, free: egui::Rect) {
    let Ok((cam, tf)) = st.cams.single() else { return };
    let (nodes, links) = (&st.nodes, &st.links);
    // Stay inside the free canvas, not over the panels.
    let painter = ctx.layer_painter(egui::LayerId::background()).with_clip_rect(free);
    let to_screen = |p: Vec2| cam.world_to_viewport(tf, p.extend(0.0)).ok().map(|v| egui::pos2(v.x, v.y));
    let pos_of = |id: &str| {
        nodes.iter().find(|(_, n, _, _)| n.as_str() == id).map(|(_, _, p, _)| Vec2::new(p.0.pos.0, p.0.pos.1))
    };
    // A lesson step's nodes to watch: a dashed amber circle each.
    for id in lesson_panel::watched(&st.lesson) {
        let (Some(c), Some(edge)) =
            (pos_of(&id).and_then(|c| to_screen(c)), pos_of(&id).and_then(|c| to_screen(c + Vec2::new(78.0, 0.0))))
        else {
            continue;
        };
        let r = (edge.x - c.x).abs();
        let amber = theme::to_egui(theme::WARN);
        let points: Vec<egui::Pos2> = (0..=48)
            .map(|i| c + egui::vec2(r * (i as f32 / 48.0 * TAU).cos(), r * (i as f32 / 48.0 * TAU).sin()))
            .collect();
        painter.extend(egui::Shape::dashed_line(&points, egui::Stroke::new(2.0, amber), 8.0, 6.0));
    }
    // A partition: a dashed red fence around the nodes it cuts off.
    if let Some(sim) = &st.sim {
        for f in sim.fault_log().iter().filter(|f| f.active && !f.group.is_empty()) {
            let corners: Vec<egui::Pos2> = f
                .group
                .iter()
                .filter_map(|id| pos_of(id))
                .flat_map(|c| [c + Vec2::new(-75.0, -85.0), c + Vec2::new(75.0, 95.0)])
                .filter_map(|p| to_screen(p))
                .collect();
            if corners.is_empty() {
                continue;
            }
            let fence = egui::Rect::from_points(&corners);
            let red = theme::to_egui(theme::BAD);
            let stroke = egui::Stroke::new(2.0, red);
            let (a, b, c, d) = (fence.left_top(), fence.right_top(), fence.right_bottom(), fence.left_bottom());
            for (p, q) in [(a, b), (b, c), (c, d), (d, a)] {
                painter.extend(egui::Shape::dashed_line(&[p, q], stroke, 10.0, 6.0));
            }
            painter.text(
                d + egui::vec2(6.0, -4.0),
                Align2::LEFT_BOTTOM,
                "partitioned",
                FontId::proportional(12.0),
                red,
            );
        }
    }
    for l in links.iter() {
        let (Some(a), Some(b)) = (pos_of(&l.0.from), pos_of(&l.0.to)) else { continue };
        if edge_ends(a, b).is_none() {
            continue;
        }
        // Beside the line, not on it, so packets stay visible.
        let side = (b - a).normalize_or_zero().perp();
        let side = if side.y < 0.0 { -side } else { side };
        let Some(mid) = to_screen((a + b) / 2.0 + side * 14.0) else { continue };
        let mut text = format!("{:.1} ms", l.0.latency.mean_ms());
        if l.0.loss > 0.0 {
            text.push_str(&format!(" · {:.1}% loss", l.0.loss * 100.0));
        }
        if !l.0.only.is_empty() {
            text.push_str(&format!(" · {}", l.0.only.join(", ")));
        }
        painter.text(mid, Align2::CENTER_CENTER, text, FontId::proportional(11.0), Color32::from_gray(150));
    }
    for (_, name, p, live) in nodes.iter() {
        let c = Vec2::new(p.0.pos.0, p.0.pos.1);
        let Some(centre) = to_screen(c) else { continue };
        let Some(top) = to_screen(c + Vec2::new(0.0, 70.0)) else { continue };
        // Live numbers sit right of the queue bar, clear of neighbours.
        let Some(bottom) = to_screen(c + Vec2::new(48.0, -70.0)) else { continue };
        let accent = theme::to_egui(theme::accent(&p.0.kind));
        painter.text(
            centre,
            Align2::CENTER_CENTER,
            inspector::kind_glyph(&p.0.kind),
            FontId::proportional(20.0),
            accent,
        );
        painter.text(top, Align2::CENTER_BOTTOM, name.as_str(), FontId::proportional(14.0), Color32::from_gray(230));
        if live.down || live.paused {
            let (text, colour) = if live.down { ("× DOWN", theme::BAD) } else { ("⏸ PAUSED", theme::WARN) };
            if let Some(p) = to_screen(c + Vec2::new(0.0, 50.0)) {
                painter.text(p, Align2::CENTER_BOTTOM, text, FontId::proportional(12.0), theme::to_egui(colour));
            }
        }
        let mut info = String::new();
        if live.slow != 1.0 {
            info.push_str(&format!("CPU ×{} · ", live.slow));
        }
        if live.workers != u32::MAX {
            info.push_str(&format!("{:.0}%", live.utilization * 100.0));
        }
        if live.queued > 0 {
            if !info.is_empty() {
                info.push_str(" · ");
            }
            info.push_str(&format!("q {}", live.queued));
        }
        painter.text(bottom, Align2::LEFT_CENTER, info, FontId::monospace(11.0), Color32::from_gray(170));
        if live.rejected_last_window > 0 {
            if let Some(badge) = to_screen(c + Vec2::new(40.0, 40.0)) {
                painter.circle_filled(badge, 9.0, theme::to_egui(theme::BAD));
                let n = live.rejected_last_window;
                let t = if n > 99 { "99+".to_string() } else { n.to_string() };
                painter.text(badge, Align2::CENTER_CENTER, t, FontId::proportional(9.0), Color32::WHITE);
            }
        }
    }
}

/// What only this kind can tell: instances, cold starts, stale reads…
fn kind_live(
    ui: &mut egui::Ui,
    n: &crate::sim::engine::NodeRt,
    links: &[crate::sim::engine::LinkRt],
    now: crate::sim::time::Nanos,
) {
    let s = &n.stats;
    match &n.spec.kind {
        NodeKind::Serverless(_) => {
            ui.label(format!("instances alive {} · cold starts {}", n.live_instances(now), s.cold_starts));
        }
        NodeKind::Autoscaling(_) => {
            let booting = if n.booting > 0 { format!(" (+{} booting)", n.booting) } else { String::new() };
            ui.label(format!(
                "instances {}{booting} · scaled out {}×, in {}×",
                n.instances, s.scale_ups, s.scale_downs
            ));
        }
        NodeKind::ReplicatedDatabase(_) => {
            ui.label(format!("stale reads {} · writes lost in failover {}", s.stale_reads, s.lost_writes));
            if let Some((_, elected)) = n.fx.failover {
                let state =
                    if now < elected { "electing a new primary: writes fail" } else { "running on a promoted replica" };
                ui.colored_label(theme::to_egui(theme::BAD), state);
            }
        }
        NodeKind::Queue(_) => {
            ui.label(format!(
                "delivered {} · redelivered {} · dead letters {}",
                s.jobs_done, s.redeliveries, s.dead_lettered
            ));
        }
        NodeKind::PubSub(_) => {
            ui.label(format!("deliveries done {}", s.jobs_done));
        }
        NodeKind::Cache(_) | NodeKind::Cdn(_) => {
            let lookups = (s.hits + s.misses).max(1);
            ui.label(format!(
                "hit ratio {:.1}% · coalesced misses {}",
                s.hits as f64 * 100.0 / lookups as f64,
                s.coalesced
            ));
        }
        NodeKind::Dns(_) => {
            ui.label(format!("resolver lookups {}", s.lookups));
        }
        NodeKind::Client(c)
            if matches!(
                c.traffic,
                crate::sim::model::Traffic::Polling { .. } | crate::sim::model::Traffic::LongPolling { .. }
            ) =>
        {
            let polls = (s.polls_empty + s.polls_full).max(1);
            ui.label(format!("polls {} · empty {:.1}%", polls, s.polls_empty as f64 * 100.0 / polls as f64));
        }
        NodeKind::PushService(_) => {
            ui.label(format!("notifications passed on {}", s.pushes));
        }
        NodeKind::Devices(_) => {
            ui.label(format!("delivered {} · found offline {} · woken by a push {}", s.delivered, s.offline, s.woken));
        }
        NodeKind::WebsocketGateway(w) => {
            ui.label(format!(
                "connections {} of {} · refused over the limit {} · reconnects {}",
                w.connections.min(w.max_connections),
                w.max_connections,
                s.offline,
                s.reconnects
            ));
        }
        NodeKind::Inbox(_) => {
            ui.label(format!("held for offline phones {} · push notifications {}", s.held, s.pushes));
            ui.label(format!("waiting now {} · delivered {}", n.queue_len() as u64 + n.backing_off, s.jobs_done));
        }
        NodeKind::Stream(_) => {
            ui.label(format!("consumed {} · retried {}", s.jobs_done, s.redeliveries));
            for (l, lag) in n.out.iter().zip(n.group_lags()) {
                let to = links.get(*l as usize).map_or("?", |k| k.spec.to.as_str());
                ui.label(format!("  group {to}: lag {lag}"));
            }
        }
        _ => {}
    }
    if n.members.len() > 1 {
        let what = if matches!(n.spec.kind, NodeKind::ShardedDatabase(_)) { "shard" } else { "member" };
        egui::Grid::new("members").striped(true).show(ui, |ui| {
            ui.label(what);
            ui.label("busy");
            ui.label("queued");
            ui.label("served");
            ui.end_row();
            for (i, m) in n.members.iter().enumerate() {
                let label = match (&n.spec.kind, i) {
                    (NodeKind::ReplicatedDatabase(_), 0) => "primary".to_string(),
                    (NodeKind::ReplicatedDatabase(_), i) => format!("replica {i}"),
                    _ => format!("{i}"),
                };
                ui.label(label);
                ui.label(format!("{}/{}", m.busy, n.workers() / n.members.len() as u32));
                ui.label(format!("{}", m.queue_len()));
                ui.label(format!("{}", m.served));
                ui.end_row();
            }
        });
    }
}

/// Every kind a person can add, in groups, with a one-line description.
pub fn palette_kinds() -> Vec<(&'static str, NodeKind, &'static str)> {
    use NodeKind as K;
    vec![
        ("Users", K::Client(ClientSpec::default()), "users sending requests (open or closed loop, polling)"),
        ("Users", K::Devices(DevicesSpec::default()), "recipients' phones: online/offline churn, delivery time"),
        ("Edge", K::Dns(DnsSpec::default()), "resolves users to entry points; answers cached for a TTL"),
        ("Edge", K::Cdn(CdnSpec::default()), "edge cache in front of an origin"),
        ("Edge", K::LoadBalancer(LoadBalancerSpec::default()), "spreads requests over its links"),
        ("Edge", K::Gateway(GatewaySpec::default()), "checks each request, routes it by type"),
        ("Edge", K::RateLimiter(RateLimiterSpec::default()), "token bucket: rejects beyond its rate"),
        (
            "Edge",
            K::WebsocketGateway(WebsocketGatewaySpec::default()),
            "persistent connections: pushes messages to phones",
        ),
        ("Compute", K::Service(ServiceSpec::default()), "workers behind a queue; calls its links"),
        ("Compute", K::Autoscaling(AutoscalingSpec::default()), "instances follow the load (target utilisation)"),
        ("Compute", K::Serverless(ServerlessSpec::default()), "an instance per request; cold starts, scale to zero"),
        ("Data", K::Cache(CacheSpec::default()), "answers hits; misses go on"),
        ("Data", K::Database(DatabaseSpec::default()), "connection pool; reads and writes"),
        (
            "Data",
            K::ReplicatedDatabase(ReplicatedDatabaseSpec::default()),
            "primary for writes, replicas for reads; lag",
        ),
        ("Data", K::ShardedDatabase(ShardedDatabaseSpec::default()), "keys split over shards; hot keys hurt one"),
        ("Data", K::ObjectStorage(ObjectStorageSpec::default()), "blobs: first byte, then size / throughput"),
        ("Messaging", K::Queue(QueueSpec::default()), "acks producers, consumers drain it"),
        ("Messaging", K::PubSub(PubSubSpec::default()), "every subscriber link gets a copy"),
        ("Messaging", K::Stream(StreamSpec::default()), "partitioned log; each link a consumer group"),
        ("Messaging", K::Inbox(InboxSpec::default()), "store-and-forward: holds messages for offline phones"),
        ("Messaging", K::PushService(PushServiceSpec::default()), "push notifications: best effort, may wake a phone"),
    ]
}

fn short_name(kind: &NodeKind) -> &'static str {
    match kind {
        NodeKind::Client(_) => "users",
        NodeKind::LoadBalancer(_) => "lb",
        NodeKind::Service(_) => "service",
        NodeKind::Cache(_) => "cache",
        NodeKind::Database(_) => "db",
        NodeKind::Queue(_) => "queue",
        NodeKind::RateLimiter(_) => "limiter",
        NodeKind::Gateway(_) => "gateway",
        NodeKind::Serverless(_) => "fn",
        NodeKind::Autoscaling(_) => "asg",
        NodeKind::ShardedDatabase(_) => "shards",
        NodeKind::ReplicatedDatabase(_) => "rdb",
        NodeKind::PubSub(_) => "topic",
        NodeKind::Cdn(_) => "cdn",
        NodeKind::Dns(_) => "dns",
        NodeKind::ObjectStorage(_) => "blobs",
        NodeKind::Stream(_) => "stream",
        NodeKind::Devices(_) => "phones",
        NodeKind::Inbox(_) => "inbox",
        NodeKind::WebsocketGateway(_) => "ws",
        NodeKind::PushService(_) => "push",
    }
}

/// A fresh id such as `service-3`, unused by any node.
fn fresh_id(st: &UiState, kind: &NodeKind) -> String {
    let base = short_name(kind);
    (1..)
        .map(|i| format!("{base}-{i}"))
        .find(|id| !st.nodes.iter().any(|(_, n, _, _)| n.as_str() == id))
        .unwrap_or_else(|| base.to_string())
}

fn add_node(st: &mut UiState, kind: NodeKind, at: Vec2) {
    let id = fresh_id(st, &kind);
    st.edits.write(EditBatch::user(vec![Edit::AddNode(NodeSpec {
        id,
        kind,
        pos: (at.x, at.y),
        zone: None,
        price_per_hour: None,
    })]));
}

fn palette(root: &mut egui::Ui, st: &mut UiState) {
    if !st.panels.inspector {
        return;
    }
    let mut clicked = None;
    egui::Panel::left("palette").resizable(false).exact_size(150.0).show(root, |ui| {
        ui.label(RichText::new("Add").strong());
        ui.label(RichText::new("drag onto the canvas").weak().small());
        ui.add_space(4.0);
        egui::ScrollArea::vertical().show(ui, |ui| {
            let mut group = "";
            for (g, kind, what) in palette_kinds() {
                if g != group {
                    group = g;
                    ui.add_space(2.0);
                    ui.label(RichText::new(g).small().weak());
                }
                let accent = theme::to_egui(theme::accent(&kind));
                let text = RichText::new(format!("{}  {}", inspector::kind_glyph(&kind), kind.label())).color(accent);
                let r = ui
                    .add_sized([136.0, 24.0], egui::Button::new(text).sense(egui::Sense::click_and_drag()))
                    .on_hover_text(what);
                if r.drag_started() {
                    st.palette_drag.0 = Some(kind.clone());
                }
                if r.clicked() {
                    clicked = Some(kind);
                }
            }
        });
    });
    if let Some(kind) = clicked {
        // A click drops it in the middle of the view.
        let centre = st.cams.single().ok().map_or(Vec2::ZERO, |(_, tf)| tf.translation().truncate());
        add_node(st, kind, centre);
    }
}

/// Follow the pointer with the dragged kind; drop it where released.
fn drop_from_palette(ctx: &egui::Context, st: &mut UiState, free: egui::Rect) {
    let Some(kind) = st.palette_drag.0.clone() else { return };
    let pointer = ctx.input(|i| i.pointer.latest_pos());
    let down = ctx.input(|i| i.pointer.primary_down());
    if down {
        if let Some(p) = pointer {
            let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Tooltip, egui::Id::new("palette-ghost")));
            let accent = theme::to_egui(theme::accent(&kind));
            painter.circle_stroke(p, 22.0, egui::Stroke::new(2.0, accent));
            painter.text(p, Align2::CENTER_CENTER, inspector::kind_glyph(&kind), FontId::proportional(18.0), accent);
        }
        return;
    }
    st.palette_drag.0 = None;
    let Some(p) = pointer.filter(|p| free.contains(*p)) else { return };
    let Ok((cam, tf)) = st.cams.single() else { return };
    if let Ok(world) = cam.viewport_to_world_2d(tf, Vec2::new(p.x, p.y)) {
        add_node(st, kind, world);
    }
}

/// A refused edit says why, for a few seconds.
fn feedback_toast(ctx: &egui::Context, st: &UiState, free: egui::Rect, shown: &mut (u64, f64)) {
    let now = st.time.elapsed_secs_f64();
    if st.feedback.serial != shown.0 {
        *shown = (st.feedback.serial, now);
    }
    let Some(msg) = &st.feedback.error else { return };
    if st.feedback.serial == 0 || now - shown.1 > 4.0 {
        return;
    }
    egui::Area::new(egui::Id::new("edit-toast")).fixed_pos(free.center_top() + egui::vec2(-200.0, 12.0)).show(
        ctx,
        |ui| {
            egui::Frame::popup(ui.style()).fill(Color32::from_rgb(70, 24, 28)).show(ui, |ui| {
                ui.set_max_width(400.0);
                ui.label(RichText::new(format!("Not applied: {msg}")).color(Color32::WHITE));
            });
        },
    );
}

/// Active faults with a Heal button each, the scheduled ones, the chaos
/// monkey switch, and the faults already over.
fn faults_window(ctx: &egui::Context, st: &mut UiState) {
    if !st.panels.faults {
        return;
    }
    let Some(sim) = &st.sim else { return };
    let log = sim.fault_log();
    let now_s = sim.now() as f64 / 1e9;
    let monkey_on = sim.monkey().is_some();
    let mut open = true;
    let window = egui::Window::new("Chaos").open(&mut open).default_width(320.0);
    window.anchor(Align2::RIGHT_TOP, [-330.0, 40.0]).show(ctx, |ui| {
        fault_timeline(ui, &log, now_s);
        let active: Vec<_> = log.iter().filter(|f| f.active).collect();
        if active.is_empty() {
            let hint =
                "No active faults. Right-click a node or link to break it (or use \"Break it\" in the inspector).";
            ui.label(RichText::new(hint).weak());
        } else {
            for f in &active {
                ui.horizontal(|ui| {
                    ui.colored_label(theme::to_egui(theme::BAD), &f.fault);
                    ui.label(RichText::new(format!("since {:.1} s", f.start_s)).weak());
                    if ui.button("Heal").clicked() {
                        st.chaos.write(ChaosCommand::Heal(f.id));
                    }
                });
            }
            if ui.button("Heal all").clicked() {
                st.chaos.write(ChaosCommand::HealAll);
            }
        }
        let upcoming: Vec<_> = log.iter().filter(|f| !f.active && f.start_s > now_s).collect();
        if !upcoming.is_empty() {
            ui.separator();
            ui.label(RichText::new("Scheduled").weak());
            for f in upcoming.iter().take(8) {
                let until = f.end_s.map_or(String::new(), |e| format!(" for {:.0} s", e - f.start_s));
                ui.label(RichText::new(format!("at {:.0} s: {}{until}", f.start_s, f.fault)).small());
            }
        }
        ui.separator();
        let mut monkey = monkey_on;
        let tip = "A random fault (kill, pause, throttle, restart, latency, loss) every 20 s on average, 10 s each";
        if ui.checkbox(&mut monkey, "Chaos monkey").on_hover_text(tip).changed() {
            st.chaos.write(ChaosCommand::Monkey(monkey.then_some(20.0)));
        }
        let past: Vec<_> = log.iter().filter(|f| !f.active && f.end_s.is_some_and(|e| e <= now_s)).collect();
        if !past.is_empty() {
            ui.separator();
            ui.label(RichText::new("Earlier").weak());
            for f in past.iter().rev().take(8) {
                let text = format!("{}  {:.1}–{:.1} s", f.fault, f.start_s, f.end_s.unwrap_or(0.0));
                ui.label(RichText::new(text).weak().small());
            }
        }
    });
    st.panels.faults = open;
}

/// The right-click menu: the faults for the node or link under the click,
/// with their strength; closes on a pick, Escape or a click elsewhere.
fn context_menu(ctx: &egui::Context, st: &mut UiState) {
    let target = st.menu.target;
    if target == Selection::None {
        return;
    }
    let UiState { nodes, links, strength, chaos, menu, .. } = st;
    let zones: Vec<(String, Option<String>)> =
        nodes.iter().map(|(_, n, p, _)| (n.to_string(), p.0.zone.clone())).collect();
    let mut picked = None;
    let mut gone = false;
    let area = egui::Area::new(egui::Id::new("fault-menu")).order(egui::Order::Foreground).fixed_pos(menu.at).show(
        ctx,
        |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_max_width(300.0);
                match target {
                    Selection::Node(e) => {
                        let Ok((_, name, params, _)) = nodes.get(e) else {
                            gone = true;
                            return;
                        };
                        ui.label(RichText::new(format!("Break {name}")).strong());
                        chaos_menu::strength(ui, strength, chaos_menu::Target::of(&params.0.kind));
                        let zone = params.0.zone.clone();
                        let members: Vec<String> = zones
                            .iter()
                            .filter(|(_, z)| zone.is_some() && *z == zone)
                            .map(|(n, _)| n.clone())
                            .collect();
                        picked = chaos_menu::node_faults(
                            ui,
                            strength,
                            name.as_str(),
                            &params.0.kind,
                            zone.as_deref(),
                            &members,
                        );
                    }
                    Selection::Link(e) => {
                        let Ok(lp) = links.get(e) else {
                            gone = true;
                            return;
                        };
                        ui.label(RichText::new(format!("Break {} -> {}", lp.0.from, lp.0.to)).strong());
                        chaos_menu::strength(ui, strength, chaos_menu::Target::Link);
                        picked = chaos_menu::link_faults(ui, strength, &lp.0.from, &lp.0.to);
                    }
                    Selection::None => {}
                }
            });
        },
    );
    let clicked_elsewhere = ctx.input(|i| i.pointer.any_pressed()) && !area.response.contains_pointer();
    let done = picked.is_some();
    if let Some(f) = picked {
        chaos.write(ChaosCommand::InjectFor(f, strength.for_s));
    }
    if done || gone || clicked_elsewhere || ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
        menu.target = Selection::None;
    }
}

/// Every fault as a bar on a time axis (past grey, active red, scheduled
/// amber) with a line at "now"; hover a bar for its name and times.
fn fault_timeline(ui: &mut egui::Ui, log: &[crate::sim::engine::FaultRecord], now_s: f64) {
    if log.is_empty() {
        return;
    }
    let rows = log.len().min(12);
    let shown = &log[log.len() - rows..];
    let end_of = |f: &crate::sim::engine::FaultRecord| f.end_s.unwrap_or(f.start_s.max(now_s) + 10.0);
    let t1 = shown.iter().map(end_of).fold(now_s + 5.0, f64::max);
    let t0 = shown.iter().map(|f| f.start_s).fold(now_s, f64::min).min(t1 - 10.0).max(0.0);
    let (rect, _) =
        ui.allocate_exact_size(egui::vec2(ui.available_width(), 10.0 * rows as f32 + 16.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, Color32::from_gray(24));
    let x = |t: f64| rect.left() + 4.0 + (rect.width() - 8.0) * ((t - t0) / (t1 - t0).max(1e-9)) as f32;
    let pointer = ui.ctx().pointer_hover_pos();
    for (i, f) in shown.iter().enumerate() {
        let y = rect.top() + 4.0 + 10.0 * i as f32;
        let colour = if f.active {
            theme::to_egui(theme::BAD)
        } else if f.start_s > now_s {
            theme::to_egui(theme::WARN)
        } else {
            Color32::from_gray(110)
        };
        let bar = egui::Rect::from_min_max(
            egui::pos2(x(f.start_s), y),
            egui::pos2(x(end_of(f)).max(x(f.start_s) + 3.0), y + 7.0),
        );
        painter.rect_filled(bar, 2.0, colour);
        if pointer.is_some_and(|p| bar.expand(2.0).contains(p)) {
            let until = f.end_s.map_or("the end".to_string(), |e| format!("{e:.1} s"));
            egui::Tooltip::always_open(
                ui.ctx().clone(),
                ui.layer_id(),
                egui::Id::new(("fault-bar", f.id)),
                egui::PopupAnchor::Pointer,
            )
            .show(|ui| ui.label(format!("{}: {:.1} s to {until}", f.fault, f.start_s)));
        }
    }
    let now_x = x(now_s);
    painter.line_segment(
        [egui::pos2(now_x, rect.top()), egui::pos2(now_x, rect.bottom())],
        egui::Stroke::new(1.5, Color32::WHITE),
    );
    let label = |t: f64, align| {
        painter.text(
            egui::pos2(x(t), rect.bottom() - 1.0),
            align,
            format!("{t:.0} s"),
            FontId::proportional(9.0),
            Color32::from_gray(140),
        )
    };
    label(t0, Align2::LEFT_BOTTOM);
    label(t1, Align2::RIGHT_BOTTOM);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::engine::{Engine, Topology};

    /// Run one egui frame off screen (there is no renderer: the texture
    /// uploads are dropped on purpose).
    fn frame(mut add: impl FnMut(&mut egui::Ui)) {
        let ctx = egui::Context::default();
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| add(ui));
        out.textures_delta.clear();
    }

    #[test]
    fn the_palette_offers_every_kind_once() {
        let mut offered: Vec<&str> = palette_kinds().iter().map(|(_, k, _)| k.label()).collect();
        let mut all: Vec<&str> = NodeKind::catalogue().iter().map(|k| k.label()).collect();
        offered.sort();
        all.sort();
        assert_eq!(offered, all);
    }

    #[test]
    fn every_kind_has_editors_and_live_numbers() {
        // One node of each kind, each feeding the next where it can, run for
        // a few seconds; then the inspector's editors and live lines draw
        // for every one of them without a fault.
        let kinds = NodeKind::catalogue();
        let nodes: Vec<NodeSpec> = kinds
            .iter()
            .enumerate()
            .map(|(i, k)| NodeSpec {
                id: format!("n{i}"),
                kind: k.clone(),
                pos: (0.0, 0.0),
                zone: None,
                price_per_hour: None,
            })
            .collect();
        let links: Vec<LinkSpec> = (1..nodes.len()).map(|i| LinkSpec::new(&nodes[0].id, &nodes[i].id, 1.0)).collect();
        let link_ends = (1..nodes.len()).map(|i| (0u32, i as u32)).collect();
        let mut e = Engine::new(Topology { nodes: nodes.clone(), links: links.clone(), link_ends }, 1);
        e.run_until(3_000_000_000);
        let types = inspector::type_names(kinds.iter(), links.iter());
        for (i, kind) in kinds.iter().enumerate() {
            let mut edited = kind.clone();
            frame(|ui| inspector::node(ui, &mut edited, &types));
            assert_eq!(&edited, kind, "drawing the editors changes nothing");
            frame(|ui| kind_live(ui, &e.nodes[i], &e.links, e.now()));
            let s = FaultStrength::default();
            frame(|ui| assert!(chaos_menu::node_faults(ui, &s, "n", kind, Some("z"), &[]).is_none()));
            assert!(!inspector::kind_glyph(kind).is_empty());
        }
        let mut l = links[0].clone();
        frame(|ui| inspector::link(ui, &mut l, &types));
        assert_eq!(l, links[0]);
    }

    #[test]
    fn showing_a_shipped_scenario_in_the_inspector_changes_nothing() {
        // Widgets must never rewrite a value merely by drawing it (e.g. a
        // slider clamping 30 000 workers to its own range).
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "ron") && p.file_name().is_some_and(|n| n != "lesson.ron")
                {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"), &mut files);
        for f in files {
            let (s, _) = crate::scenario::Scenario::load(&f).unwrap();
            let types = inspector::type_names(s.nodes.iter().map(|n| &n.kind), s.links.iter());
            for n in &s.nodes {
                let mut k = n.kind.clone();
                frame(|ui| inspector::node(ui, &mut k, &types));
                assert_eq!(k, n.kind, "{}: {}", f.display(), n.id);
            }
            for l in &s.links {
                let mut edited = l.clone();
                frame(|ui| inspector::link(ui, &mut edited, &types));
                assert_eq!(&edited, l, "{}: {} -> {}", f.display(), l.from, l.to);
            }
        }
    }
}
