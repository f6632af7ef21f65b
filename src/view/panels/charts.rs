//! The charts along the bottom: throughput, latency, errors, and the
//! selected node's utilisation and queue, over the last minute of sim time,
//! with fault starts and ends marked.

use bevy::prelude::*;
use bevy_egui::EguiPrimaryContextPass;
use bevy_egui::egui::{self, Color32, RichText};
use egui_plot::{Legend, Line, Plot, PlotPoints};

use super::super::lesson_panel::{self, LessonState};
use super::super::state::{Embed, Panels, Selection};
use super::super::theme;
use super::layout::{PanelSet, RootUi};
use crate::learn::Measured;
use crate::learn::insight::{Insight, RECENT_S, SHOWN, insights};
use crate::sim::metrics::Window;
use crate::sim::{Sim, SimNode};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, charts.in_set(PanelSet::Charts));
}

fn series(h: &[Window], live: &Window, f: impl Fn(&Window) -> f64) -> PlotPoints<'static> {
    h.iter().chain(std::iter::once(live)).map(|w| [w.t, f(w)]).collect::<Vec<_>>().into()
}

/// Like [`series`], for a figure some windows lack (a request type with no
/// answer in that second): only the windows that have it.
fn sparse_series(h: &[Window], live: &Window, f: impl Fn(&Window) -> Option<f64>) -> PlotPoints<'static> {
    h.iter().chain(std::iter::once(live)).filter_map(|w| Some([w.t, f(w)?])).collect::<Vec<_>>().into()
}

/// Colours for one line per request type or client.
const GROUP_COLOURS: [Color32; 6] = [
    Color32::from_rgb(240, 130, 190),
    Color32::from_rgb(150, 150, 255),
    Color32::from_rgb(230, 220, 120),
    Color32::from_rgb(255, 160, 110),
    Color32::from_rgb(170, 230, 140),
    Color32::from_rgb(90, 210, 210),
];

/// The groups the latency chart splits the p99 by: request types when the
/// clients have a mix of them, otherwise clients when there are several
/// (label, index, whether the index is a client's).
fn latency_groups(sim: &crate::sim::Engine) -> Vec<(String, usize, bool)> {
    let g = sim.global();
    let types: Vec<usize> =
        (0..g.by_type.len()).filter(|&i| g.by_type[i].completed + g.by_type[i].failed > 0).collect();
    if types.len() > 1 {
        return types.into_iter().map(|i| (sim.class_name(i as u8).to_string(), i, false)).collect();
    }
    let clients: Vec<usize> =
        (0..g.by_client.len()).filter(|&i| g.by_client[i].completed + g.by_client[i].failed > 0).collect();
    if clients.len() > 1 {
        return clients.into_iter().map(|i| (sim.nodes()[i].spec.id.clone(), i, true)).collect();
    }
    Vec::new()
}

/// One chart, `w` × `h`, fixed in place (no dragging or zooming).
pub(super) fn plot(id: &str, w: f32, h: f32) -> Plot<'static> {
    Plot::new(id.to_string())
        .height(h)
        .width(w)
        .legend(Legend::default())
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .include_y(0.0)
        .x_axis_label("sim s")
}

/// Insights as last judged (once a second of app time) and when.
#[derive(Default)]
struct Seen {
    at: f64,
    list: Vec<Insight>,
}

/// Width of the insights column.
const INSIGHTS_W: f32 = 270.0;

#[allow(clippy::too_many_arguments)]
fn charts(
    mut root: ResMut<RootUi>,
    sim: Option<Res<Sim>>,
    panels: Res<Panels>,
    embed: Option<Res<Embed>>,
    mut lesson: ResMut<LessonState>,
    selection: Res<Selection>,
    nodes: Query<(&SimNode, &Name)>,
    time: Res<Time>,
    mut seen: Local<Seen>,
) {
    let Some(root) = root.get() else { return };
    let Some(sim) = &sim else { return };
    if !panels.charts {
        return;
    }
    let now_s = time.elapsed_secs_f64();
    if now_s - seen.at >= 1.0 {
        seen.at = now_s;
        let report = crate::sim::report::Report::from_engine(sim, "", 0);
        let windows = crate::learn::metric::last_measured_windows(sim, RECENT_S);
        seen.list = insights(Measured { report: &report, windows: &windows });
    }
    // The last 60 s of sim time, plus the window still filling (so the
    // charts move every frame, not once per sim second).
    let all: Vec<Window> = sim.windows().history.iter().rev().take(60).rev().map(|w| (**w).clone()).collect();
    let live = sim.live_window();
    let blue = Color32::from_rgb(110, 170, 255);
    let green = theme::to_egui(theme::OK);
    let amber = theme::to_egui(theme::WARN);
    let red = theme::to_egui(theme::BAD);
    // The chart a lesson step asks to watch stands out.
    let emphasised = lesson_panel::watched_chart(&lesson);
    let heading = |text: &str, id: &str| {
        if emphasised.as_deref() == Some(id) {
            RichText::new(format!("{text}  ◀ watch this")).color(theme::to_egui(theme::WARN)).strong()
        } else {
            RichText::new(text)
        }
    };
    egui::Panel::bottom("charts").resizable(true).default_size(200.0).min_size(120.0).show(root, |ui| {
        let h = (ui.available_height() - 24.0).max(150.0);
        let embed = embed.as_deref().copied();
        // An embed shows its one chart across the page.
        let w = if embed.is_some() {
            ui.available_width() - 20.0
        } else {
            (ui.available_width() - 40.0 - INSIGHTS_W) / 4.0
        };
        ui.horizontal(|ui| {
            let plot = |id: &str| plot(id, w, h);
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
            // One chart under its heading (its id is the embed's name for
            // it), unless an embed shows another.
            let chart = |ui: &mut egui::Ui, which: Embed, title: &str, lines: &dyn Fn(&mut egui_plot::PlotUi)| {
                if embed.is_none_or(|e| e == which) {
                    ui.vertical(|ui| {
                        ui.label(heading(title, which.name()));
                        plot(which.name()).show(ui, |p| {
                            marks(p);
                            lines(p);
                        });
                    });
                }
            };
            chart(ui, Embed::Throughput, "Throughput (req/s)", &|p| {
                p.line(Line::new("offered", series(&all, &live, |w| w.offered_rps)).color(blue));
                p.line(Line::new("completed", series(&all, &live, |w| w.throughput_rps)).color(green));
            });
            chart(ui, Embed::Latency, "Latency (ms)", &|p| {
                p.line(Line::new("p50", series(&all, &live, |w| w.latency_ms.p50)).color(green));
                p.line(Line::new("p99", series(&all, &live, |w| w.latency_ms.p99)).color(amber));
                // Several request types (or clients): each one's p99, so a
                // slow kind of request is not hidden in the mix.
                for (k, (label, i, client)) in latency_groups(sim).into_iter().enumerate() {
                    let of = move |w: &Window| {
                        let v = if client { &w.client_p99_ms } else { &w.type_p99_ms };
                        v.get(i).copied().flatten()
                    };
                    let colour = GROUP_COLOURS[k % GROUP_COLOURS.len()];
                    p.line(Line::new(format!("p99 {label}"), sparse_series(&all, &live, of)).color(colour).width(1.0));
                }
                if sim.global().delivery.count() > 0 {
                    // One-way: from the sender to the recipient's phone.
                    let violet = Color32::from_rgb(190, 140, 255);
                    p.line(Line::new("delivery p99", series(&all, &live, |w| w.delivery_ms.p99)).color(violet));
                    if sim.global().delivery_first.count() < sim.global().delivery.count() {
                        // Without the time recipients were offline.
                        let lilac = Color32::from_rgb(120, 200, 255);
                        let first = series(&all, &live, |w| w.delivery_first_ms.p99);
                        p.line(Line::new("first-try p99", first).color(lilac));
                    }
                }
            });
            chart(ui, Embed::Errors, "Errors (req/s)", &|p| {
                p.line(Line::new("failed", series(&all, &live, |w| w.errors_rps)).color(red));
                if sim.global().lost > 0 || all.iter().any(|w| w.lost_rps > 0.0) {
                    // Worse than a failed send: lost after "sent".
                    let magenta = Color32::from_rgb(255, 90, 200);
                    p.line(Line::new("lost after sent", series(&all, &live, |w| w.lost_rps)).color(magenta));
                }
            });
            if embed.is_some() {
                return;
            }
            let sel = match *selection {
                Selection::Node(e) => nodes.get(e).ok(),
                _ => None,
            };
            ui.vertical(|ui| match sel {
                Some((n, name)) => {
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
            ui.vertical(|ui| {
                ui.set_width(INSIGHTS_W);
                if let Some(id) = insight_list(ui, &seen.list, h) {
                    lesson_panel::open_concept(&mut lesson, id);
                }
            });
        });
    });
}

/// What stands out in the last seconds, a few lines at most, each with a
/// link to the concept that explains it; returns a concept to open.
fn insight_list(ui: &mut egui::Ui, list: &[Insight], h: f32) -> Option<&'static str> {
    ui.label("What stands out");
    let mut open = None;
    egui::ScrollArea::vertical().id_salt("insights").max_height(h).show(ui, |ui| {
        if list.is_empty() {
            ui.add_space(20.0);
            ui.label(RichText::new("Nothing unusual in the last seconds.").weak());
        }
        for i in list.iter().take(SHOWN) {
            ui.label(RichText::new(&i.says).small());
            let title = crate::learn::concept::Loaded::get(i.concept).map_or(i.concept, |l| l.concept.title.as_str());
            if ui.link(RichText::new(format!("Learn: {title}")).small()).clicked() {
                open = Some(i.concept);
            }
            ui.add_space(4.0);
        }
    });
    open
}
