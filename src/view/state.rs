//! The UI state several view modules share: what is selected, where the
//! free canvas is, what is being dragged, which menus and panels are open,
//! and requests between them. It sits at the bottom of the view: every
//! other view module may use it, and it uses none of them.

use bevy::prelude::*;
use bevy_egui::egui;

use crate::sim::NodeKind;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<FitView>()
        .init_resource::<Selection>()
        .init_resource::<CanvasRect>()
        .init_resource::<PaletteDrag>()
        .init_resource::<ContextMenu>()
        .init_resource::<FaultStrength>()
        .init_resource::<Panels>()
        .init_resource::<FileUi>();
}

/// Frame the whole system in the view (after a load, or on request).
#[derive(Message, Clone, Copy, Debug, Default)]
pub struct FitView;

/// World units per screen pixel at which [`FitView`] frames nodes spread
/// from `lo` to `hi` (their centres) on a free canvas of `free` pixels:
/// with room for their rings and names, enlarged at most 2.5 times.
pub(crate) fn fit_scale(lo: Vec2, hi: Vec2, free: Vec2) -> f32 {
    let size = (hi - lo) + Vec2::splat(260.0);
    (size.x / free.x).max(size.y / free.y).max(0.4)
}

/// What the person has selected, if anything.
#[derive(Resource, Default, Debug, Clone, Copy, PartialEq)]
pub enum Selection {
    #[default]
    None,
    Node(Entity),
    Link(Entity),
}

/// The part of the window not covered by panels, in logical pixels
/// (written by the panels each frame).
#[derive(Resource, Default, Clone, Copy)]
pub struct CanvasRect(pub Option<egui::Rect>);

/// A node kind being dragged out of the palette (and the zone it goes in).
#[derive(Resource, Default)]
pub struct PaletteDrag(pub Option<(NodeKind, Option<String>)>);

/// The right-click menu: what it is for and where it opened (screen points).
#[derive(Resource, Default)]
pub struct ContextMenu {
    pub target: Selection,
    pub at: egui::Pos2,
}

/// How hard and how long the buttons break things; shared by the inspector
/// and the menu so a setting sticks.
#[derive(Resource, Clone, Debug, Default, Deref, DerefMut)]
pub struct FaultStrength(pub crate::chaos::Strength);

/// Panel visibility, toggled from the top bar or the keyboard.
#[derive(Resource, Clone)]
pub struct Panels {
    pub inspector: bool,
    pub charts: bool,
    pub help: bool,
    pub faults: bool,
    pub what_if: bool,
    /// A narrow window (a phone, a split screen): the palette and the
    /// inspector become drawers, the charts start closed, the top bar
    /// keeps its rarer buttons in a menu.
    pub compact: bool,
    /// The palette drawer is open (narrow windows only).
    pub palette: bool,
}

impl Default for Panels {
    fn default() -> Self {
        Self {
            inspector: true,
            charts: true,
            help: false,
            faults: false,
            what_if: false,
            compact: false,
            palette: false,
        }
    }
}

impl Panels {
    /// Below this width (logical pixels) the window is narrow.
    pub const COMPACT_BELOW: f32 = 900.0;

    /// Go narrow (closing the charts and the drawers) or wide again
    /// (opening the charts).
    pub fn set_compact(&mut self, compact: bool) {
        self.compact = compact;
        self.charts = !compact;
        self.palette = false;
    }
}

/// A window's width that fits the screen: `want`, or the screen's width
/// less a margin on a narrow one.
pub fn fit_width(ctx: &egui::Context, want: f32) -> f32 {
    want.min(ctx.content_rect().width() - 16.0).max(200.0)
}

/// The page is an embed (`?embed=CHART` in the browser, `--embed CHART`
/// on the desktop): only the canvas, the play controls and this one chart,
/// for a course page or a blog post. Nothing it does is saved.
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Embed {
    Throughput,
    Latency,
    Errors,
}

impl Embed {
    /// From the address or the command line: `throughput`, `latency` or
    /// `errors` (anything else, or nothing, is latency).
    pub fn named(name: &str) -> Embed {
        match name {
            "throughput" => Embed::Throughput,
            "errors" => Embed::Errors,
            _ => Embed::Latency,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Embed::Throughput => "throughput",
            Embed::Latency => "latency",
            Embed::Errors => "errors",
        }
    }
}

/// One of the system's file dialogs (on the desktop).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemDialog {
    Open,
    SaveAs,
}

/// What the file dialogs show.
#[derive(Resource, Default)]
pub struct FileUi {
    pub browser: bool,
    pub save_as: bool,
    pub path_text: String,
    /// Last outcome: text, is it an error, when (real seconds).
    pub status: Option<(String, bool, f64)>,
    /// An autosave from a previous session: where, and when it was written.
    pub recovery: Option<(std::path::PathBuf, String)>,
    /// Requests from buttons and shortcuts.
    pub want_save: bool,
    pub want_new: bool,
    pub want_share: bool,
    /// Browser only: download what is running / open an uploaded file.
    pub want_download: bool,
    pub want_upload: bool,
    /// The next uploaded file is a saved run to compare with (browser).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub upload_to_compare: bool,
    /// Open the comparison of branches (set when a saved run was added).
    pub compare_open: bool,
    /// The list of saved runs to compare with is shown (desktop).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub saved_runs: bool,
    /// The system's file dialogs are offered (the desktop, when a person
    /// drives the window) and one was asked for.
    pub system_dialogs: bool,
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub want_system_dialog: Option<SystemDialog>,
    /// The last share link made, shown until closed.
    pub share: Option<String>,
    /// A message that stays until dismissed (e.g. a link that did not open).
    pub notice: Option<String>,
}
