//! Breaking things: the Chaos window (active faults with Heal buttons,
//! scheduled and past ones on a timeline, the chaos monkey) and the
//! right-click fault menu over the canvas.

use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, Color32, FontId, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::super::chaos_menu;
use super::super::state::{ContextMenu, FaultStrength, Panels, Selection};
use super::super::theme;
use super::layout::PanelSet;
use crate::chaos::ChaosCommand;
use crate::sim::{LinkParams, NodeLive, NodeParams, Sim, SimNode};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        (faults_window.in_set(PanelSet::Chaos), context_menu.in_set(PanelSet::ContextMenu)),
    );
}

/// Active faults with a Heal button each, the scheduled ones, the chaos
/// monkey switch, and the faults already over.
fn faults_window(
    mut contexts: EguiContexts,
    mut panels: ResMut<Panels>,
    sim: Option<Res<Sim>>,
    mut chaos: MessageWriter<ChaosCommand>,
    mut lesson: ResMut<super::super::lesson_panel::LessonState>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if !panels.faults {
        return Ok(());
    }
    let Some(sim) = &sim else { return Ok(()) };
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
                        chaos.write(ChaosCommand::Heal(f.id));
                    }
                    // The concept about this fault (its label starts with the verb).
                    let verb = f.fault.split_whitespace().next().unwrap_or("");
                    if let Some(c) = crate::learn::concept::about(verb).first() {
                        if ui.link(RichText::new("Learn").small()).on_hover_text(&c.concept.title).clicked() {
                            super::super::lesson_panel::open_concept(&mut lesson, c.id());
                        }
                    }
                });
            }
            if ui.button("Heal all").clicked() {
                chaos.write(ChaosCommand::HealAll);
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
            chaos.write(ChaosCommand::Monkey(monkey.then_some(20.0)));
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
    panels.faults = open;
    Ok(())
}

/// The right-click menu: the faults for the node or link under the click,
/// with their strength; closes on a pick, Escape or a click elsewhere.
fn context_menu(
    mut contexts: EguiContexts,
    nodes: Query<(&Name, &NodeParams), (With<SimNode>, With<NodeLive>)>,
    links: Query<&LinkParams>,
    mut strength: ResMut<FaultStrength>,
    mut chaos: MessageWriter<ChaosCommand>,
    mut menu: ResMut<ContextMenu>,
    mut lesson: ResMut<super::super::lesson_panel::LessonState>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let target = menu.target;
    if target == Selection::None {
        return Ok(());
    }
    let zones: Vec<(String, Option<String>)> = nodes.iter().map(|(n, p)| (n.to_string(), p.0.zone.clone())).collect();
    let mut picked = chaos_menu::Picked::default();
    let mut gone = false;
    let area = egui::Area::new(egui::Id::new("fault-menu"))
        .order(egui::Order::Foreground)
        .fixed_pos(menu.at)
        .constrain(true)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_max_width(300.0);
                match target {
                    Selection::Node(e) => {
                        let Ok((name, params)) = nodes.get(e) else {
                            gone = true;
                            return;
                        };
                        ui.label(RichText::new(format!("Break {name}")).strong());
                        chaos_menu::strength(ui, &mut strength, chaos_menu::Target::of(&params.0.kind));
                        let zone = params.0.zone.clone();
                        let members: Vec<String> = zones
                            .iter()
                            .filter(|(_, z)| zone.is_some() && *z == zone)
                            .map(|(n, _)| n.clone())
                            .collect();
                        picked = chaos_menu::node_faults(
                            ui,
                            &strength,
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
                        chaos_menu::strength(ui, &mut strength, chaos_menu::Target::Link);
                        picked = chaos_menu::link_faults(ui, &strength, &lp.0.from, &lp.0.to);
                    }
                    Selection::None => {}
                }
            });
        });
    // (Where the press began: a finger's first frame has no hover yet.)
    let pressed_at = ctx.input(|i| i.pointer.any_pressed().then(|| i.pointer.press_origin()).flatten());
    let clicked_elsewhere = pressed_at.is_some_and(|p| !area.response.rect.contains(p));
    let done = picked.fault.is_some() || picked.concept.is_some();
    if let Some(f) = picked.fault {
        chaos.write(ChaosCommand::InjectFor(f, strength.for_s));
    }
    if let Some(id) = picked.concept {
        super::super::lesson_panel::open_concept(&mut lesson, id);
    }
    if done || gone || clicked_elsewhere || ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
        menu.target = Selection::None;
    }
    Ok(())
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
