//! The palette on the left: every kind a person can add, in groups; click
//! one to add it in the middle of the view, or drag it onto the canvas.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::egui::{self, Align2, FontId, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::super::state::{CanvasRect, PaletteDrag, Panels};
use super::super::{kinds, theme};
use super::layout::{PanelSet, RootUi};
use crate::edit::{Edit, EditBatch};
use crate::sim::model::*;
use crate::sim::{NodeLive, NodeParams, SimNode};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        (palette.in_set(PanelSet::Palette), drop_from_palette.in_set(PanelSet::PaletteDrop)),
    );
}

/// The names in use, so a new node gets a fresh one, and where nodes are,
/// so it lands where nothing is.
type NodeNames<'w, 's> =
    Query<'w, 's, (&'static Name, &'static NodeParams), (With<SimNode>, With<NodeParams>, With<NodeLive>)>;

/// What the palette and a drop from it read and write.
#[derive(SystemParam)]
struct Palette<'w, 's> {
    panels: ResMut<'w, Panels>,
    canvas: Res<'w, CanvasRect>,
    palette_drag: ResMut<'w, PaletteDrag>,
    cams: Query<'w, 's, (&'static Camera, &'static GlobalTransform)>,
    names: NodeNames<'w, 's>,
    edits: MessageWriter<'w, EditBatch>,
    lesson: Option<Res<'w, super::super::lesson_panel::LessonState>>,
}

/// One button: what it adds (a kind, in a zone) and what it says.
struct Entry {
    group: String,
    kind: NodeKind,
    zone: Option<String>,
    label: String,
    what: String,
}

/// The palette's buttons: every kind, or while a level is played its
/// templates (one per zone where the level asks for one).
fn entries(st: &Palette) -> Vec<Entry> {
    let level = st.lesson.as_ref().and_then(|l| l.levels.level());
    let Some(l) = level else {
        return kinds::palette()
            .into_iter()
            .map(|(g, kind, what)| Entry {
                group: g.to_string(),
                label: kind.label().to_string(),
                kind,
                zone: None,
                what: what.to_string(),
            })
            .collect();
    };
    let mut out = Vec::new();
    for t in &l.level.palette {
        let price =
            NodeSpec { id: String::new(), kind: t.kind.clone(), pos: (0.0, 0.0), zone: None, price_per_hour: None }
                .price_per_hour();
        let what = format!(
            "{} at ${}/h; you set {}",
            t.kind.label(),
            crate::learn::level::money(price),
            if t.edit.is_empty() { "nothing".to_string() } else { t.edit.join(", ") }
        );
        let zones: Vec<Option<String>> =
            if t.zones.is_empty() { vec![None] } else { t.zones.iter().cloned().map(Some).collect() };
        for zone in zones {
            let label = zone.as_ref().map_or(t.name.clone(), |z| format!("{} ({z})", t.name));
            out.push(Entry { group: "This level".into(), kind: t.kind.clone(), zone, label, what: what.clone() });
        }
    }
    out
}

fn palette(mut root: ResMut<RootUi>, mut st: Palette) {
    let Some(root) = root.get() else { return };
    // On a narrow window the palette is a drawer, opened from the top bar.
    let compact = st.panels.compact;
    if !(if compact { st.panels.palette } else { st.panels.inspector }) {
        return;
    }
    let mut clicked = None;
    egui::Panel::left("palette").resizable(false).exact_size(150.0).show(root, |ui| {
        ui.horizontal(|ui| {
            ui.label(RichText::new("Add").strong());
            if compact && ui.button("Close").clicked() {
                st.panels.palette = false;
            }
        });
        ui.label(RichText::new(if compact { "tap to add, or drag" } else { "drag onto the canvas" }).weak().small());
        ui.add_space(4.0);
        egui::ScrollArea::vertical().show(ui, |ui| {
            let mut group = String::new();
            let all = entries(&st);
            if all.is_empty() {
                ui.label(RichText::new("Nothing to add in this level").small().weak());
            }
            for e in all {
                if e.group != group {
                    group = e.group.clone();
                    ui.add_space(2.0);
                    ui.label(RichText::new(&group).small().weak());
                }
                let accent = theme::to_egui(kinds::accent(&e.kind));
                let text = RichText::new(format!("{}  {}", kinds::glyph(&e.kind), e.label)).color(accent);
                let r = ui
                    .add_sized([136.0, 24.0], egui::Button::new(text).sense(egui::Sense::click_and_drag()))
                    .on_hover_text(&e.what);
                if r.drag_started() {
                    st.palette_drag.0 = Some((e.kind.clone(), e.zone.clone()));
                }
                if r.clicked() {
                    clicked = Some((e.kind, e.zone));
                }
            }
        });
    });
    if let Some((kind, zone)) = clicked {
        // A click drops it in the middle of the free canvas (or of the
        // view, before the canvas is known); a drawer closes to show it.
        let centre = st.cams.single().ok().map_or(Vec2::ZERO, |(cam, tf)| {
            // (A drawer is about to close: the canvas will reach the left edge.)
            let left = |r: egui::Rect| if compact { 0.0 } else { r.left() };
            let middle = st.canvas.0.map(|r| Vec2::new((left(r) + r.right()) / 2.0, r.center().y));
            middle.and_then(|m| cam.viewport_to_world_2d(tf, m).ok()).unwrap_or(tf.translation().truncate())
        });
        add_node(&st.names, &mut st.edits, kind, zone, centre);
        st.panels.palette = false;
    }
}

/// Follow the pointer with the dragged kind; drop it where released.
fn drop_from_palette(mut contexts: EguiContexts, mut st: Palette, mut held: Local<Option<egui::Pos2>>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Some(free) = st.canvas.0 else { return Ok(()) };
    let Some((kind, zone)) = st.palette_drag.0.clone() else { return Ok(()) };
    // A finger lifted is gone at once: drop where it was last seen.
    let pointer = ctx.input(|i| i.pointer.latest_pos()).or(*held);
    *held = pointer;
    let down = ctx.input(|i| i.pointer.primary_down());
    if down {
        if let Some(p) = pointer {
            let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Tooltip, egui::Id::new("palette-ghost")));
            let accent = theme::to_egui(kinds::accent(&kind));
            painter.circle_stroke(p, 22.0, egui::Stroke::new(2.0, accent));
            painter.text(p, Align2::CENTER_CENTER, kinds::glyph(&kind), FontId::proportional(18.0), accent);
        }
        return Ok(());
    }
    st.palette_drag.0 = None;
    *held = None;
    let Some(p) = pointer.filter(|p| free.contains(*p)) else { return Ok(()) };
    st.panels.palette = false;
    let Ok((cam, tf)) = st.cams.single() else { return Ok(()) };
    if let Ok(world) = cam.viewport_to_world_2d(tf, Vec2::new(p.x, p.y)) {
        add_node(&st.names, &mut st.edits, kind, zone, world);
    }
    Ok(())
}

/// A fresh id such as `service-3`, unused by any node.
fn fresh_id(names: &NodeNames, kind: &NodeKind) -> String {
    let base = kinds::short_name(kind);
    (1..)
        .map(|i| format!("{base}-{i}"))
        .find(|id| !names.iter().any(|(n, _)| n.as_str() == id))
        .unwrap_or_else(|| base.to_string())
}

fn add_node(names: &NodeNames, edits: &mut MessageWriter<EditBatch>, kind: NodeKind, zone: Option<String>, at: Vec2) {
    let id = fresh_id(names, &kind);
    let at = free_spot(names.iter().map(|(_, p)| Vec2::new(p.0.pos.0, p.0.pos.1)).collect(), at);
    edits.write(EditBatch::user(vec![Edit::AddNode(NodeSpec {
        id,
        kind,
        pos: (at.x, at.y),
        zone,
        price_per_hour: None,
    })]));
}

/// The nearest place to `at`, going down then right in steps of a node's
/// spacing (its ring and name clear of the next), with no node within
/// 0.6 of a spacing of it.
fn free_spot(taken: Vec<Vec2>, at: Vec2) -> Vec2 {
    const STEP: f32 = 150.0;
    let free = |p: Vec2| taken.iter().all(|q| q.distance(p) > STEP * 0.6);
    (0..64).map(|i| at + Vec2::new((i / 8) as f32 * STEP, -((i % 8) as f32) * STEP)).find(|p| free(*p)).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_node_lands_where_nothing_is() {
        let at = Vec2::new(10.0, 20.0);
        assert_eq!(free_spot(vec![], at), at);
        let below = free_spot(vec![at], at);
        assert_eq!(below, at + Vec2::new(0.0, -150.0));
        assert_eq!(free_spot(vec![at, below], at), at + Vec2::new(0.0, -300.0));
    }

    #[test]
    fn the_palette_offers_every_kind_once() {
        let mut offered: Vec<&str> = kinds::palette().iter().map(|(_, k, _)| k.label()).collect();
        let mut all: Vec<&str> = NodeKind::catalogue().iter().map(|k| k.label()).collect();
        offered.sort();
        all.sort();
        assert_eq!(offered, all);
    }
}
