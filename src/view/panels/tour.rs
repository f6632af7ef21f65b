//! A first look around, four steps long, started from the lessons' home
//! ("Take the tour"): each step dims the window but for one area (the
//! palette, the canvas, the charts, the top bar) and says what it is for.

use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::super::lesson_panel::LessonState;
use super::super::state::CanvasRect;
use super::super::theme;
use super::layout::PanelSet;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, tour.in_set(PanelSet::Tour));
}

/// Which part of the window a step is about.
#[derive(Clone, Copy)]
enum Area {
    Palette,
    Canvas,
    Charts,
    TopBar,
}

const STEPS: [(Area, &str, &str); 4] = [
    (
        Area::Palette,
        "The parts",
        "Every kind of node a system is built from: clients, balancers, services, caches, databases, queues and more. Drag one onto the canvas to add it, or click it; hover it to read what it does.",
    ),
    (
        Area::Canvas,
        "Your system, running",
        "Packets travel the links: blue requests, green answers, red errors. A node's ring fills with its load and its bar with its queue. Click a node to see and change its settings; drag from its rim to another node to connect them; right-click it to break it.",
    ),
    (
        Area::Charts,
        "What it does",
        "Throughput, latency and errors second by second, and a few plain words on what stands out, each with the concept that explains it. The timeline above takes you back to any moment of the run.",
    ),
    (
        Area::TopBar,
        "Break it, then learn why",
        "Chaos injects faults or lets a monkey loose; Learn holds the lessons, the concepts and the challenge levels; Tidy lays the diagram out. Space pauses, and ? lists every shortcut.",
    ),
];

fn tour(mut contexts: EguiContexts, canvas: Res<CanvasRect>, mut lesson: ResMut<LessonState>) -> Result {
    let Some(step) = lesson.tour else { return Ok(()) };
    let Some((area, title, says)) = STEPS.get(step).copied() else {
        lesson.tour = None;
        return Ok(());
    };
    let ctx = contexts.ctx_mut()?;
    let screen = ctx.content_rect();
    let free = canvas.0.unwrap_or(screen);
    let target = match area {
        Area::Palette => {
            egui::Rect::from_min_max(egui::pos2(screen.left(), free.top()), egui::pos2(free.left(), free.bottom()))
        }
        Area::Canvas => free,
        Area::Charts => egui::Rect::from_min_max(egui::pos2(screen.left(), free.bottom()), screen.max),
        Area::TopBar => egui::Rect::from_min_max(screen.min, egui::pos2(screen.right(), free.top())),
    };
    // Everything but the target, dimmed; the target outlined.
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Foreground, egui::Id::new("tour-dim")));
    let dim = Color32::from_black_alpha(200);
    for r in [
        egui::Rect::from_min_max(screen.min, egui::pos2(screen.right(), target.top())),
        egui::Rect::from_min_max(egui::pos2(screen.left(), target.bottom()), screen.max),
        egui::Rect::from_min_max(egui::pos2(screen.left(), target.top()), egui::pos2(target.left(), target.bottom())),
        egui::Rect::from_min_max(egui::pos2(target.right(), target.top()), egui::pos2(screen.right(), target.bottom())),
    ] {
        painter.rect_filled(r, 0.0, dim);
    }
    let gold = theme::to_egui(theme::SELECTED);
    painter.rect_stroke(target.shrink(1.0), 4.0, egui::Stroke::new(2.0, gold), egui::StrokeKind::Inside);
    // The card, beside the target where there is room.
    let (anchor, pivot) = match area {
        Area::Palette => (egui::pos2(target.right() + 16.0, target.top() + 40.0), egui::Align2::LEFT_TOP),
        Area::Canvas => (egui::pos2(target.center().x, target.top() + 24.0), egui::Align2::CENTER_TOP),
        Area::Charts => (egui::pos2(target.center().x, target.top() - 16.0), egui::Align2::CENTER_BOTTOM),
        Area::TopBar => (egui::pos2(target.right() - 16.0, target.bottom() + 16.0), egui::Align2::RIGHT_TOP),
    };
    let mut next = Some(step);
    egui::Area::new(egui::Id::new("tour-card")).order(egui::Order::Tooltip).pivot(pivot).fixed_pos(anchor).show(
        ctx,
        |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_max_width(380.0);
                ui.label(RichText::new(format!("{} of {}", step + 1, STEPS.len())).weak().small());
                ui.label(RichText::new(title).strong().color(gold));
                ui.label(says);
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    if step > 0 && ui.button("Back").clicked() {
                        next = Some(step - 1);
                    }
                    let last = step + 1 == STEPS.len();
                    if ui.button(if last { "Done" } else { "Next" }).clicked() {
                        next = (!last).then_some(step + 1);
                    }
                    if !last && ui.button("Skip the tour").clicked() {
                        next = None;
                    }
                });
            });
        },
    );
    lesson.tour = next;
    Ok(())
}
