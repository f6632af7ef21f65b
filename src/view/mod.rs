//! Everything a person sees: the window, the canvas, packets and panels.
//! The view reads simulation components and writes only view state and the
//! editable parameter components, which the simulation picks up on its next
//! fixed tick.

mod browser;
mod canvas;
mod capture;
mod chaos_menu;
mod concept_panel;
pub mod export;
mod files;
mod inspector;
mod kinds;
mod lesson_panel;
mod level_panel;
mod packets;
mod panels;
mod pointer;
mod random_input;
mod state;
mod store;
#[cfg(not(target_arch = "wasm32"))]
mod system_dialog;
pub mod theme;
mod tidy;
pub mod web;

use std::path::PathBuf;

use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};

use crate::scenario::{self, Scenario};
use crate::sim::SimSpeed;
use state::FitView;

/// How the app was asked to start.
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// Save a screenshot after `frames` frames, check it, and exit.
    pub screenshot: Option<PathBuf>,
    pub frames: u32,
    /// Initial simulation speed factor.
    pub speed: f64,
    /// The file the scenario came from (None: the bundled default).
    pub path: Option<PathBuf>,
    /// Something to tell the person at once (e.g. why a link did not open).
    pub notice: Option<String>,
    /// The scenario came from a share link.
    pub from_link: bool,
    /// A concept to open in the learning window (its id).
    pub concept: Option<String>,
    /// A level to play (its id): its last tested design or its canvas.
    pub level: Option<String>,
    /// A level link (a level made in the editor) to play.
    pub level_link: Option<String>,
    /// A recorded run to play back from the start.
    pub replay: Option<crate::replay::Replay>,
    /// Export pictures of the run, then close.
    pub export: Option<export::ExportJob>,
    /// Drive the window with random input for this many seconds (with
    /// this seed), then close.
    pub random_input: Option<(f64, u64)>,
    /// Show only the canvas, the play controls and this chart.
    pub embed: Option<String>,
}

/// Open the window on `scenario` and run until it is closed.
pub fn run_app(scenario: &Scenario, opts: AppOptions) -> AppExit {
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: format!("SystemDecoder — {}", scenario.name),
                    resolution: WindowResolution::new(1440, 860),
                    present_mode: PresentMode::AutoVsync,
                    // In the browser: the page's canvas, as large as the page.
                    canvas: Some("#systemdecoder".into()),
                    fit_canvas_to_parent: true,
                    ..default()
                }),
                ..default()
            })
            .set(LogPlugin { custom_layer: capture::error_counter_layer, ..default() }),
    );
    app.add_plugins((
        bevy_egui::EguiPlugin::default(),
        bevy_prototype_lyon::prelude::ShapePlugin,
        bevy_pancam::PanCamPlugin,
        crate::CorePlugin,
        ViewPlugin,
    ));
    // The simulation gets at most this much of each frame; beyond it the
    // clock slows down ("sim behind") rather than the window freezing.
    app.insert_resource(crate::sim::FrameBudget::new(std::time::Duration::from_millis(10)));
    if opts.speed > 0.0 {
        app.world_mut().resource_mut::<SimSpeed>().set_factor(opts.speed);
    }
    if let Some(path) = &opts.screenshot {
        app.insert_resource(capture::CaptureRequest { path: path.clone(), frames: opts.frames.max(1) });
    }
    if let Some((seconds, seed)) = opts.random_input {
        app.insert_resource(random_input::RandomInput { seconds, seed });
    }
    if let Some(chart) = &opts.embed {
        let embed = state::Embed::named(chart);
        info!("embed: the canvas, the play controls and the {} chart", embed.name());
        app.insert_resource(embed);
        app.insert_resource(state::Panels { inspector: false, ..default() });
    }
    let ephemeral = opts.screenshot.is_some() || opts.export.is_some() || opts.embed.is_some();
    if ephemeral {
        app.insert_resource(files::Ephemeral);
    }
    // The system's file dialogs, for a person at the desktop (not for
    // pictures made from the command line, nor under random input).
    app.world_mut().resource_mut::<state::FileUi>().system_dialogs =
        cfg!(not(target_arch = "wasm32")) && !ephemeral && opts.random_input.is_none();
    scenario::spawn(app.world_mut(), scenario, scenario.seed);
    if let Some(r) = opts.replay.clone() {
        files::open_replay(app.world_mut(), r);
    }
    if let Some(job) = opts.export.clone() {
        app.world_mut().write_message(export::StartExport(job));
    }
    app.world_mut().resource_mut::<files::Document>().path = opts.path.clone();
    app.world_mut().resource_mut::<state::FileUi>().notice = opts.notice.clone();
    // Lessons greet a first start on the default scenario; someone who
    // opened a file or a link wants to see that first.
    if opts.path.is_some() || opts.from_link || opts.replay.is_some() || opts.embed.is_some() {
        app.world_mut().resource_mut::<lesson_panel::LessonState>().open = false;
    }
    if let Some(id) = &opts.level {
        let mut learn = app.world_mut().resource_mut::<lesson_panel::LessonState>();
        let design = lesson_panel::open_level(&mut learn, id);
        // A shared solution brings its own design.
        if let Some(s) = design.filter(|_| !opts.from_link) {
            scenario::spawn(app.world_mut(), &s, s.seed);
        }
    }
    if let Some(link) = &opts.level_link {
        match crate::learn::level::Loaded::from_link(link) {
            Ok(l) => {
                let mut learn = app.world_mut().resource_mut::<lesson_panel::LessonState>();
                learn.open = true;
                learn.tab = lesson_panel::Tab::Levels;
                if let Some(s) = learn.levels.open_custom(l) {
                    scenario::spawn(app.world_mut(), &s, s.seed);
                }
            }
            Err(e) => {
                app.world_mut().resource_mut::<state::FileUi>().notice =
                    Some(format!("This level link could not be opened. {e}"));
            }
        }
    }
    if let Some(id) = &opts.concept {
        // An unknown id opens the concept list (it says what is missing).
        lesson_panel::open_concept(&mut app.world_mut().resource_mut::<lesson_panel::LessonState>(), id);
    }
    app.run()
}

/// The view's plugin tree.
pub struct ViewPlugin;

impl Plugin for ViewPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins((
            state::plugin,
            pointer::plugin,
            canvas::plugin,
            packets::plugin,
            panels::plugin,
            capture::plugin,
            files::plugin,
            lesson_panel::plugin,
            browser::plugin,
            export::plugin,
            random_input::plugin,
            tidy::plugin,
            // Every run on screen is recorded (the timeline's past).
            crate::replay::record::plugin,
        ));
        #[cfg(not(target_arch = "wasm32"))]
        app.add_plugins(system_dialog::plugin);
        app.add_systems(PostStartup, |mut w: MessageWriter<FitView>| {
            w.write(FitView);
        });
        app.add_systems(Update, (refit_while_starting, fit_view.run_if(on_message::<FitView>), window_title).chain());
    }
}

fn window_title(
    mut windows: Query<&mut Window>,
    doc: Res<files::Document>,
    rev: Res<crate::edit::Revision>,
    loaded: Option<Res<scenario::LoadedScenario>>,
) {
    let t = format!("SystemDecoder — {}", files::title(&doc, &rev, loaded.as_deref()));
    for mut w in &mut windows {
        if w.title != t {
            w.title = t.clone();
        }
    }
}

/// A window (or a browser canvas fitting its page) may settle its size
/// after the first frame: frame the system again while it does, before the
/// person has had a chance to move the view.
fn refit_while_starting(
    mut resized: MessageReader<bevy::window::WindowResized>,
    time: Res<Time<Real>>,
    mut fit: MessageWriter<FitView>,
    embed: Option<Res<state::Embed>>,
) {
    // An embed is framed whenever its frame changes size (a page settles
    // its layout late, and nobody has moved the view of an embed yet).
    if resized.read().count() > 0 && (time.elapsed_secs_f64() < 3.0 || embed.is_some()) {
        fit.write(FitView);
    }
}

/// Frame every node, leaving room for the panels.
fn fit_view(
    mut requests: MessageReader<FitView>,
    nodes: Query<&crate::sim::NodeParams>,
    mut cams: Query<(&mut Transform, &mut Projection), With<Camera2d>>,
    windows: Query<&Window>,
    lesson: Option<Res<lesson_panel::LessonState>>,
    canvas: Res<state::CanvasRect>,
    panels: Res<state::Panels>,
    mut commands: Commands,
    mut waited: Local<u8>,
) {
    requests.clear();
    let Ok((mut tf, mut proj)) = cams.single_mut() else { return };
    let mut lo = Vec2::splat(f32::INFINITY);
    let mut hi = Vec2::splat(f32::NEG_INFINITY);
    for p in &nodes {
        let v = Vec2::new(p.0.pos.0, p.0.pos.1);
        lo = lo.min(v);
        hi = hi.max(v);
    }
    // Nothing yet: the origin in the middle, at life size.
    let empty = !lo.is_finite();
    if empty {
        (lo, hi) = (Vec2::ZERO, Vec2::ZERO);
    }
    let (w, h) = windows.iter().next().map_or((1600.0, 900.0), |w| (w.width(), w.height()));
    // The panels were last laid out for a larger window (it has just
    // shrunk): frame it once they have been laid out again.
    // Likewise before the panels' first layout: the room they leave is
    // only known after it (an embed's differs from the full app's).
    let stale = canvas.0.is_none_or(|r| r.right() > w + 1.0 || r.bottom() > h + 1.0);
    if stale && *waited < 10 {
        *waited += 1;
        commands.write_message(FitView);
        return;
    }
    *waited = 0;
    // An open lesson window covers the left of the canvas too (on a
    // narrow window, its top: the system is framed below it).
    let compact = panels.compact;
    let lesson_open = lesson.is_some_and(|l| l.open);
    let lesson_w = if lesson_open && !compact { 360.0 } else { 0.0 };
    // The free canvas as the panels last left it (its offset from the
    // window's middle, and its size); before the first layout, the room the
    // palette (left), inspector (right), charts (bottom) and top bar take.
    let (offset, free) = match canvas.0 {
        Some(r) if r.width() > 100.0 && r.height() > 100.0 => {
            (Vec2::new(r.center().x - w / 2.0, r.center().y - h / 2.0), Vec2::new(r.width(), r.height()))
        }
        _ => (Vec2::new(-85.0, -95.0), Vec2::new(w - 480.0, h - 250.0)),
    };
    let lesson_h = if lesson_open && compact { (free.y / 2.0).min(300.0) } else { 0.0 };
    let (offset, free) = (offset + Vec2::new(0.0, lesson_h / 2.0), free - Vec2::new(0.0, lesson_h));
    let free = Vec2::new((free.x - lesson_w).max(200.0), free.y.max(120.0));
    let scale = if empty { 1.0 } else { state::fit_scale(lo, hi, free) };
    let centre = (lo + hi) / 2.0;
    // Shift so the nodes sit in the middle of the free area (screen y runs
    // down, the world's up).
    tf.translation.x = centre.x - (offset.x + lesson_w / 2.0) * scale;
    tf.translation.y = centre.y + offset.y * scale;
    if let Projection::Orthographic(o) = &mut *proj {
        o.scale = scale;
    }
}
