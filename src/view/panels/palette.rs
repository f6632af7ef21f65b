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

/// The names in use, so a new node gets a fresh one.
type NodeNames<'w, 's> = Query<'w, 's, &'static Name, (With<SimNode>, With<NodeParams>, With<NodeLive>)>;

/// What the palette and a drop from it read and write.
#[derive(SystemParam)]
struct Palette<'w, 's> {
    panels: Res<'w, Panels>,
    palette_drag: ResMut<'w, PaletteDrag>,
    cams: Query<'w, 's, (&'static Camera, &'static GlobalTransform)>,
    names: NodeNames<'w, 's>,
    edits: MessageWriter<'w, EditBatch>,
}

fn palette(mut root: ResMut<RootUi>, mut st: Palette) {
    let Some(root) = root.get() else { return };
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
            for (g, kind, what) in kinds::palette() {
                if g != group {
                    group = g;
                    ui.add_space(2.0);
                    ui.label(RichText::new(g).small().weak());
                }
                let accent = theme::to_egui(kinds::accent(&kind));
                let text = RichText::new(format!("{}  {}", kinds::glyph(&kind), kind.label())).color(accent);
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
        add_node(&st.names, &mut st.edits, kind, centre);
    }
}

/// Follow the pointer with the dragged kind; drop it where released.
fn drop_from_palette(mut contexts: EguiContexts, canvas: Res<CanvasRect>, mut st: Palette) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Some(free) = canvas.0 else { return Ok(()) };
    let Some(kind) = st.palette_drag.0.clone() else { return Ok(()) };
    let pointer = ctx.input(|i| i.pointer.latest_pos());
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
    let Some(p) = pointer.filter(|p| free.contains(*p)) else { return Ok(()) };
    let Ok((cam, tf)) = st.cams.single() else { return Ok(()) };
    if let Ok(world) = cam.viewport_to_world_2d(tf, Vec2::new(p.x, p.y)) {
        add_node(&st.names, &mut st.edits, kind, world);
    }
    Ok(())
}

/// A fresh id such as `service-3`, unused by any node.
fn fresh_id(names: &NodeNames, kind: &NodeKind) -> String {
    let base = kinds::short_name(kind);
    (1..)
        .map(|i| format!("{base}-{i}"))
        .find(|id| !names.iter().any(|n| n.as_str() == id))
        .unwrap_or_else(|| base.to_string())
}

fn add_node(names: &NodeNames, edits: &mut MessageWriter<EditBatch>, kind: NodeKind, at: Vec2) {
    let id = fresh_id(names, &kind);
    edits.write(EditBatch::user(vec![Edit::AddNode(NodeSpec {
        id,
        kind,
        pos: (at.x, at.y),
        zone: None,
        price_per_hour: None,
    })]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_palette_offers_every_kind_once() {
        let mut offered: Vec<&str> = kinds::palette().iter().map(|(_, k, _)| k.label()).collect();
        let mut all: Vec<&str> = NodeKind::catalogue().iter().map(|k| k.label()).collect();
        offered.sort();
        all.sort();
        assert_eq!(offered, all);
    }
}
