//! The order the panels are drawn in, and the root `Ui` they share.
//!
//! Docked panels (top bar, charts, palette, inspector) each take their room
//! from what the ones before them left, so they must be laid out in the same
//! order every frame, inside one root `Ui`; whatever remains is the canvas.
//! Each panel is its own system in the `EguiPrimaryContextPass` schedule
//! (bevy_egui runs that whole schedule inside one egui pass); [`PanelSet`]
//! chains them: open the root, the docked panels, note the free canvas,
//! the overlays drawn on top of it, close the root.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::super::state::{CanvasRect, Embed, FitView, Panels};

/// One step of the frame's UI, in drawing order.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PanelSet {
    /// The root `Ui` covering the window is made.
    Open,
    TopBar,
    Charts,
    /// Under the canvas, above the charts.
    Timeline,
    Palette,
    Inspector,
    /// What the docked panels left is the canvas ([`CanvasRect`]).
    Free,
    /// Drawn over the free canvas, in this order.
    Labels,
    PaletteDrop,
    Toast,
    Help,
    Chaos,
    ContextMenu,
    Lesson,
    /// The tour, over everything.
    Tour,
    /// The root `Ui` is dropped, which registers its final size.
    Close,
}

/// The root `Ui` of this egui pass, while the panels are being laid out.
#[derive(Resource, Default)]
pub struct RootUi(Option<egui::Ui>);

impl RootUi {
    /// The root to dock a panel in (None when there is no egui context).
    pub fn get(&mut self) -> Option<&mut egui::Ui> {
        self.0.as_mut()
    }
}

pub(super) fn plugin(app: &mut App) {
    use PanelSet::*;
    app.init_resource::<RootUi>()
        .configure_sets(
            EguiPrimaryContextPass,
            (
                Open,
                TopBar,
                Charts,
                Timeline,
                Palette,
                Inspector,
                Free,
                Labels,
                PaletteDrop,
                Toast,
                Help,
                Chaos,
                ContextMenu,
                Lesson,
                Tour,
                Close,
            )
                .chain(),
        )
        .add_systems(EguiPrimaryContextPass, (open.in_set(Open), free.in_set(Free), close.in_set(Close)));
}

fn open(
    mut contexts: EguiContexts,
    mut root: ResMut<RootUi>,
    mut panels: ResMut<Panels>,
    embed: Option<Res<Embed>>,
    mut fit: MessageWriter<FitView>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    // Follow the window's width (an embed has its own small layout,
    // whatever its frame's width).
    let compact = embed.is_none() && ctx.viewport_rect().width() < Panels::COMPACT_BELOW;
    if compact != panels.compact {
        panels.set_compact(compact);
        // The canvas has a new shape: frame the system in it.
        fit.write(FitView);
    }
    root.0 = Some(egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    ));
    Ok(())
}

fn free(mut root: ResMut<RootUi>, mut canvas: ResMut<CanvasRect>) {
    if let Some(root) = root.get() {
        canvas.0 = Some(root.available_rect_before_wrap());
    }
}

fn close(mut root: ResMut<RootUi>) {
    root.0 = None;
}
