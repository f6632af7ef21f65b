//! The top bar: the file's name and menu, time controls, the live numbers,
//! and on the right the panel toggles, undo, cost and frame rate.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::EguiPrimaryContextPass;
use bevy_egui::egui::{self, Color32, RichText};

use super::super::files::{self, Document};
use super::super::lesson_panel::LessonState;
use super::super::packets::PacketCount;
use super::super::state::{FileUi, Panels};
use super::super::theme;
use super::layout::{PanelSet, RootUi};
use crate::edit::{EditHistory, HistoryRequest, Revision};
use crate::scenario::LoadedScenario;
use crate::sim::metrics::Window;
use crate::sim::{Sim, SimSpeed};

/// The speed factors on offer, slowest first (also stepped by + and -).
pub const SPEEDS: [f64; 9] = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 100.0];

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, top_bar.in_set(PanelSet::TopBar));
}

/// What the top bar reads and writes.
#[derive(SystemParam)]
struct TopBar<'w> {
    sim: Option<Res<'w, Sim>>,
    speed: ResMut<'w, SimSpeed>,
    panels: ResMut<'w, Panels>,
    scenario: Option<Res<'w, LoadedScenario>>,
    packets: Res<'w, PacketCount>,
    time: Res<'w, Time>,
    history: MessageWriter<'w, HistoryRequest>,
    undo_state: Res<'w, EditHistory>,
    files: ResMut<'w, FileUi>,
    document: Res<'w, Document>,
    revision: Res<'w, Revision>,
    lesson: ResMut<'w, LessonState>,
    tidy: MessageWriter<'w, super::super::tidy::TidyUp>,
    embed: Option<Res<'w, super::super::state::Embed>>,
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
    sim.windows().history.back().map(|w| (**w).clone()).unwrap_or_else(|| sim.live_window())
}

fn top_bar(mut root: ResMut<RootUi>, mut st: TopBar, mut fps: Local<f32>) {
    let dt = st.time.delta_secs().max(1e-4);
    *fps = if *fps == 0.0 { 1.0 / dt } else { *fps * 0.95 + 0.05 / dt };
    let fps = *fps;
    let Some(root) = root.get() else { return };
    let TopBar {
        sim,
        speed,
        panels,
        scenario,
        packets,
        history,
        undo_state,
        files,
        document,
        revision,
        lesson,
        tidy,
        embed,
        ..
    } = &mut st;
    egui::Panel::top("top").show(root, |ui| {
        ui.horizontal_wrapped(|ui| {
            if embed.is_some() {
                // An embed: the system's name, play controls, live numbers.
                let name = scenario.as_deref().map_or("", |s| s.0.name.as_str());
                ui.label(RichText::new(name).color(Color32::from_rgb(140, 190, 255)));
                ui.separator();
                time_controls(ui, speed);
                if let Some(sim) = &sim {
                    live_numbers(ui, sim, speed, false);
                }
                return;
            }
            if panels.compact {
                let title = files::title(document, revision, scenario.as_deref());
                compact_bar(ui, &title, sim.as_deref(), speed, panels, (history, undo_state), files, lesson, tidy);
                if let Some(sim) = &sim {
                    live_numbers(ui, sim, speed, true);
                }
                return;
            }
            // The product name is in the window title; the bar shows the file.
            ui.label(
                RichText::new(files::title(document, revision, scenario.as_deref()))
                    .color(Color32::from_rgb(140, 190, 255)),
            );
            file_menu(ui, files);
            if ui.button("🔗 Share").on_hover_text("A link that carries this whole system").clicked() {
                files.want_share = true;
            }
            ui.separator();
            time_controls(ui, speed);
            if let Some(sim) = &sim {
                live_numbers(ui, sim, speed, false);
            }
            // A narrow window, or wide numbers: the panel toggles, cost and
            // fps go on a second row rather than over the live numbers. They
            // need the width they took last frame (with some slack before
            // going back to one row, so changing numbers do not make it flicker).
            let (id, width_id) = (egui::Id::new("top-bar-two-rows"), egui::Id::new("top-bar-right-width"));
            let room = ui.max_rect().right() - ui.cursor().left();
            let need = ui.data(|d| d.get_temp::<f32>(width_id)).unwrap_or(RIGHT_CLUSTER_GUESS) + 4.0;
            let two_rows = ui.data(|d| d.get_temp::<bool>(id)).unwrap_or(false);
            let two_rows = if two_rows { room < need + 60.0 } else { room < need };
            ui.data_mut(|d| d.insert_temp(id, two_rows));
            if two_rows {
                ui.end_row();
            }
            let right = ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(RichText::new(format!("{fps:.0} fps\n{} packets", packets.0)).weak().small());
                if let Some(sim) = &sim {
                    let cost = crate::sim::report::Cost::of(sim);
                    // An empty system costs 0, not "-0.00".
                    let per_hour = if cost.per_hour > 0.0 { cost.per_hour } else { 0.0 };
                    ui.label(RichText::new(format!("${per_hour:.2}/h")).monospace())
                        .on_hover_text(format!("Running cost: ${:.0} a month", cost.per_month));
                }
                undo_redo(ui, undo_state, history);
                if ui.button("Tidy").on_hover_text("Lay the diagram out left to right by call depth (T)").clicked() {
                    tidy.write(super::super::tidy::TidyUp);
                }
                toggles(ui, sim.as_deref(), panels, lesson);
            });
            ui.data_mut(|d| d.insert_temp(width_id, right.response.rect.width()));
        });
    });
}

/// The width of the bar's right-hand buttons before they are first drawn.
const RIGHT_CLUSTER_GUESS: f32 = 460.0;

/// A narrow window's bar: one menu for the file, sharing, tidying and the
/// panels; the palette drawer, undo, the play controls and the lessons
/// within a thumb's reach.
#[allow(clippy::too_many_arguments)]
fn compact_bar(
    ui: &mut egui::Ui,
    title: &str,
    sim: Option<&Sim>,
    speed: &mut ResMut<SimSpeed>,
    panels: &mut ResMut<Panels>,
    (history, undo_state): (&mut MessageWriter<HistoryRequest>, &EditHistory),
    files: &mut ResMut<FileUi>,
    lesson: &mut ResMut<LessonState>,
    tidy: &mut MessageWriter<super::super::tidy::TidyUp>,
) {
    ui.menu_button(RichText::new("☰").size(18.0), |ui| {
        ui.label(RichText::new(title).color(Color32::from_rgb(140, 190, 255)));
        ui.separator();
        file_items(ui, files);
        ui.separator();
        if ui.button("Tidy the diagram").clicked() {
            tidy.write(super::super::tidy::TidyUp);
            ui.close();
        }
        if ui.add_enabled(!undo_state.redo.is_empty(), egui::Button::new("Redo")).clicked() {
            history.write(HistoryRequest::Redo);
        }
        ui.separator();
        ui.vertical(|ui| toggles(ui, sim, panels, lesson));
    })
    .response
    .on_hover_text("Menu: file, share, tidy, panels");
    let add = ui.selectable_label(panels.palette, RichText::new("+ Add").strong());
    if add.on_hover_text("Nodes to add").clicked() {
        panels.palette = !panels.palette;
    }
    if ui.add_enabled(!undo_state.undo.is_empty(), egui::Button::new("Undo")).on_hover_text("Ctrl+Z").clicked() {
        history.write(HistoryRequest::Undo);
    }
    time_controls(ui, speed);
    if ui.selectable_label(lesson.open, "📖 Learn").clicked() {
        lesson.open = !lesson.open;
    }
    if sim.is_some_and(|s| s.active_fault_count() > 0) {
        chaos_toggle(ui, sim, panels, "");
    }
}

fn file_menu(ui: &mut egui::Ui, files: &mut ResMut<FileUi>) {
    ui.menu_button("File", |ui| file_items(ui, files));
}

/// New, open, save, share, and in the browser download and upload.
fn file_items(ui: &mut egui::Ui, files: &mut ResMut<FileUi>) {
    // A menu item: clicked, it closes the menu.
    let item = |ui: &mut egui::Ui, label: &str| {
        let clicked = ui.button(label).clicked();
        if clicked {
            ui.close();
        }
        clicked
    };
    files.want_new |= item(ui, "New  (Ctrl+N)");
    files.browser |= item(ui, "Open…  (Ctrl+O)");
    files.want_save |= item(ui, "Save  (Ctrl+S)");
    files.save_as |= item(ui, "Save as…  (Ctrl+Shift+S)");
    ui.separator();
    files.want_share |= item(ui, "Share link…");
    if cfg!(target_arch = "wasm32") {
        files.want_download |= item(ui, "Download .ron");
        files.want_upload |= item(ui, "Upload .ron…");
    }
}

/// Play / pause, one step, and the speed.
fn time_controls(ui: &mut egui::Ui, speed: &mut ResMut<SimSpeed>) {
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
}

/// The sim clock and the last second's throughput, latency and errors
/// (on a narrow window the essentials: clock, done, p99, errors).
fn live_numbers(ui: &mut egui::Ui, sim: &Sim, speed: &SimSpeed, compact: bool) {
    // (On a narrow window they take a row of their own unless the buttons
    // left room for them, as on a tablet.)
    if compact && ui.available_size_before_wrap().x < 330.0 {
        ui.end_row();
    } else {
        ui.separator();
    }
    ui.label(RichText::new(format!("{:.2} s", sim.now() as f64 / 1e9)).monospace()).on_hover_text("Sim clock");
    if speed.behind > 0 && !speed.paused {
        ui.label(RichText::new("sim behind").color(theme::to_egui(theme::WARN)))
            .on_hover_text("The machine cannot simulate this fast; time runs slower than asked.");
    }
    if !compact {
        ui.separator();
    }
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
    if !compact {
        stat(ui, "p50", format!("{:.1} ms", w.latency_ms.p50), plain);
    }
    let p99c = if w.latency_ms.p99 > 500.0 { theme::to_egui(theme::BAD) } else { plain };
    stat(ui, "p99", format!("{:.1} ms", w.latency_ms.p99), p99c);
    let ec = if err_pct > 1.0 { theme::to_egui(theme::BAD) } else { plain };
    stat(ui, "err", format!("{err_pct:.2}%"), ec);
    if !compact {
        stat(ui, "flight", format!("{}", w.in_flight), plain);
    }
}

fn undo_redo(ui: &mut egui::Ui, undo_state: &EditHistory, history: &mut MessageWriter<HistoryRequest>) {
    if ui.add_enabled(!undo_state.redo.is_empty(), egui::Button::new("Redo")).on_hover_text("Ctrl+Shift+Z").clicked() {
        history.write(HistoryRequest::Redo);
    }
    if ui.add_enabled(!undo_state.undo.is_empty(), egui::Button::new("Undo")).on_hover_text("Ctrl+Z").clicked() {
        history.write(HistoryRequest::Undo);
    }
}

/// The chaos window's switch, named `name` (none: just the warning and
/// the count), red with the count of active faults while there are any.
fn chaos_toggle(ui: &mut egui::Ui, sim: Option<&Sim>, panels: &mut ResMut<Panels>, name: &str) {
    let active = sim.map_or(0, |s| s.active_fault_count());
    let label = if active > 0 {
        let text = if name.is_empty() { format!("⚠ {active}") } else { format!("⚠ {name} ({active})") };
        RichText::new(text).color(theme::to_egui(theme::BAD))
    } else {
        RichText::new(name)
    };
    if ui.selectable_label(panels.faults, label).on_hover_text("Active faults; heal them here").clicked() {
        panels.faults = !panels.faults;
    }
}

/// Chaos, lessons, help, charts and inspector, each shown or hidden.
fn toggles(ui: &mut egui::Ui, sim: Option<&Sim>, panels: &mut ResMut<Panels>, lesson: &mut ResMut<LessonState>) {
    chaos_toggle(ui, sim, panels, "Chaos");
    if ui.selectable_label(panels.what_if, "What-if").on_hover_text("Vary a parameter, compare the runs").clicked() {
        panels.what_if = !panels.what_if;
    }
    if ui.selectable_label(lesson.open, "📖 Learn").on_hover_text("Guided lessons and concepts").clicked() {
        lesson.open = !lesson.open;
    }
    let help = if panels.compact { "? Shortcuts" } else { "?" };
    if ui.selectable_label(panels.help, help).on_hover_text("Shortcuts (F1)").clicked() {
        panels.help = !panels.help;
    }
    if ui.selectable_label(panels.charts, "Charts").on_hover_text("C").clicked() {
        panels.charts = !panels.charts;
    }
    if ui.selectable_label(panels.inspector, "Inspector").on_hover_text("I").clicked() {
        panels.inspector = !panels.inspector;
    }
}
