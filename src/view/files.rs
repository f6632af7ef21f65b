//! New, open, save, save as, a scenario browser, and autosave with recovery.
//! Nothing a person builds is lost: saves are atomic, unsaved work is written
//! to the user data folder every 30 s and on exit, and offered back at start.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy_egui::egui::{self, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use super::state::{FileUi, FitView, Selection, SystemDialog as Pick};
use crate::edit::Revision;
use crate::scenario::{self, LoadedScenario, Scenario};

/// A browser tab can close without the app hearing of it, so the web build
/// keeps its safety copy fresher (a local-storage write of a few KB).
const AUTOSAVE_EVERY_S: f64 = if cfg!(target_arch = "wasm32") { 5.0 } else { 30.0 };

/// The file behind what is on screen.
#[derive(Resource, Default)]
pub struct Document {
    pub path: Option<PathBuf>,
    pub saved_revision: u64,
    autosaved_revision: u64,
    last_autosave: f64,
}

impl Document {
    pub fn dirty(&self, rev: &Revision) -> bool {
        rev.0 != self.saved_revision
    }
}

/// A run that must not touch the person's saved work (pictures exported
/// from the command line, screenshots): no autosave, no recovery offered.
#[derive(Resource)]
pub struct Ephemeral;

pub(super) fn plugin(app: &mut App) {
    let keeps = not(resource_exists::<Ephemeral>);
    app.init_resource::<Document>()
        .add_systems(Startup, offer_recovery.run_if(keeps.clone()))
        .add_systems(Update, (shortcuts, handle_requests, autosave.run_if(keeps.clone())))
        .add_systems(Last, autosave_on_exit.run_if(keeps))
        .add_systems(EguiPrimaryContextPass, dialogs);
    #[cfg(target_arch = "wasm32")]
    app.add_systems(Update, take_upload);
}

/// Open a file uploaded in the browser once it has been read (checked like
/// any file).
#[cfg(target_arch = "wasm32")]
fn take_upload(mut commands: Commands) {
    let Some(got) = super::browser::take_uploaded() else { return };
    commands.queue(move |world: &mut World| match got {
        Ok((name, text)) if std::mem::take(&mut world.resource_mut::<FileUi>().upload_to_compare) => {
            compare_with(world, name.clone(), crate::replay::Replay::parse(&name, &text).map_err(|e| e.to_string()))
        }
        Ok((name, text)) if crate::replay::is_replay_source(&name) => {
            match crate::replay::Replay::parse(&name, &text) {
                Ok(r) => {
                    open_replay(world, r);
                    status(world, format!("opened the replay {name}"), false);
                }
                Err(e) => status(world, e.to_string(), true),
            }
        }
        Ok((name, text)) => match Scenario::parse(&name, &text) {
            Ok((s, _)) => {
                open_scenario(world, &s, None);
                status(world, format!("opened {name}"), false);
            }
            Err(e) => status(world, e.to_string(), true),
        },
        Err(e) => status(world, e, true),
    });
}

/// Where autosaves and default saves go.
pub fn data_dir() -> PathBuf {
    super::store::data_dir()
}

fn autosave_path() -> PathBuf {
    data_dir().join("autosave.ron")
}

fn now(world: &World) -> f64 {
    world.get_resource::<Time<Real>>().map_or(0.0, |t| t.elapsed_secs_f64())
}

pub(super) fn status(world: &mut World, text: String, error: bool) {
    let t = now(world);
    if error {
        warn!("{text}");
    } else {
        info!("{text}");
    }
    world.resource_mut::<FileUi>().status = Some((text, error, t));
}

/// Export the running system and write it atomically.
fn write_current(world: &mut World, path: &Path) -> Result<(), String> {
    let s = scenario::export(world).ok_or("nothing to save")?;
    super::store::write(path, &s.to_ron())
}

/// The safety copy keeps the person's latest design: while the timeline
/// shows the past, that is the design at the recording's end, not the one
/// on screen.
fn write_latest(world: &mut World, path: &Path) -> Result<(), String> {
    let rec = world.resource::<crate::replay::record::Recorder>();
    match rec.playback.and_then(|_| rec.latest_design()) {
        Some(s) => super::store::write(path, &s.to_ron()),
        None => write_current(world, path),
    }
}

pub fn save_to(world: &mut World, path: PathBuf) {
    match write_current(world, &path) {
        Ok(()) => {
            let rev = world.resource::<Revision>().0;
            let mut doc = world.resource_mut::<Document>();
            doc.path = Some(path.clone());
            doc.saved_revision = rev;
            doc.autosaved_revision = rev;
            // Saved on purpose: the safety copy is no longer needed.
            super::store::remove(&autosave_path());
            status(world, format!("saved {}", path.display()), false);
            world.resource_mut::<FileUi>().path_text = path.display().to_string();
        }
        Err(e) => status(world, e, true),
    }
}

/// Hand what is running to the browser as a file download.
fn download(world: &mut World) {
    let Some(s) = scenario::export(world) else { return status(world, "nothing to download".into(), true) };
    let name = super::browser::file_name(&s.name);
    #[cfg(target_arch = "wasm32")]
    match super::browser::download(&name, &s.to_ron()) {
        Ok(()) => status(world, format!("downloaded {name}"), false),
        Err(e) => status(world, e, true),
    }
    #[cfg(not(target_arch = "wasm32"))]
    status(world, format!("{name}: downloads are for the browser; use Save as"), true);
}

/// Replace what is running with `s` (from `path`, if it came from a file).
pub fn open_scenario(world: &mut World, s: &Scenario, path: Option<PathBuf>) {
    scenario::spawn(world, s, s.seed);
    let rev = world.resource::<Revision>().0;
    *world.resource_mut::<Document>() =
        Document { path, saved_revision: rev, autosaved_revision: rev, last_autosave: now(world) };
    *world.resource_mut::<Selection>() = Selection::None;
    world.write_message(FitView);
}

/// Keep a saved run (read from a file or an upload) beside the run on
/// screen and open the comparison on it.
pub fn compare_with(world: &mut World, name: String, replay: Result<crate::replay::Replay, String>) {
    let added = replay.and_then(|r| world.resource_mut::<crate::replay::record::Recorder>().add_saved(name.clone(), r));
    match added {
        Ok(()) => {
            world.resource_mut::<FileUi>().compare_open = true;
            status(world, format!("comparing with {name}"), false);
        }
        Err(e) => status(world, e, true),
    }
}

/// Open a recorded run: its system as it started, played back from the
/// beginning (the timeline shows the whole recording).
pub fn open_replay(world: &mut World, r: crate::replay::Replay) {
    open_scenario(world, &r.scenario, None);
    scenario::spawn(world, &r.scenario, r.seed);
    world.insert_resource(crate::replay::record::PendingReplay(r));
}

pub(super) fn open_path(world: &mut World, path: PathBuf) {
    if crate::replay::is_replay_source(&path.to_string_lossy()) {
        match super::store::load_replay(&path) {
            Ok(r) => {
                open_replay(world, r);
                status(world, format!("opened the replay {}", path.display()), false);
                world.resource_mut::<FileUi>().browser = false;
            }
            Err(e) => status(world, e, true),
        }
        return;
    }
    match super::store::load_scenario(&path) {
        Ok(s) => {
            open_scenario(world, &s, Some(path.clone()));
            status(world, format!("opened {}", path.display()), false);
            let mut ui = world.resource_mut::<FileUi>();
            ui.browser = false;
            // Save as starts from this file, not the one typed before.
            ui.path_text = path.display().to_string();
        }
        Err(e) => status(world, e, true),
    }
}

/// An example shipped in the program; saving it asks where (a copy).
fn open_bundled(world: &mut World, path: &str, text: &str) {
    match Scenario::parse(path, text) {
        Ok((s, _)) => {
            open_scenario(world, &s, None);
            status(world, format!("opened {path}"), false);
            world.resource_mut::<FileUi>().browser = false;
        }
        Err(e) => status(world, e.to_string(), true),
    }
}

/// A blank canvas.
fn blank() -> Scenario {
    Scenario {
        version: scenario::VERSION,
        name: "Untitled".into(),
        description: String::new(),
        seed: 1,
        duration_s: 60.0,
        warmup_s: 0.0,
        nodes: Vec::new(),
        links: Vec::new(),
        chaos: Vec::new(),
        monkey: None,
        scale: None,
    }
}

fn shortcuts(
    keys: Res<ButtonInput<KeyCode>>,
    mut ui: ResMut<FileUi>,
    mut contexts: EguiContexts,
    mut exit: MessageWriter<AppExit>,
) {
    if contexts.ctx_mut().is_ok_and(|c| c.egui_wants_keyboard_input()) {
        return;
    }
    let ctrl = keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight, KeyCode::SuperLeft, KeyCode::SuperRight]);
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    if !ctrl {
        return;
    }
    if keys.just_pressed(KeyCode::KeyS) {
        if shift {
            ui.save_as = true;
        } else {
            ui.want_save = true;
        }
    }
    if keys.just_pressed(KeyCode::KeyO) {
        ui.browser = true;
    }
    if keys.just_pressed(KeyCode::KeyN) {
        ui.want_new = true;
    }
    if keys.just_pressed(KeyCode::KeyQ) {
        // Unsaved work is kept by the autosave on exit.
        exit.write(AppExit::Success);
    }
}

fn handle_requests(
    mut commands: Commands,
    mut ui: ResMut<FileUi>,
    doc: Res<Document>,
    loaded: Option<Res<LoadedScenario>>,
) {
    if std::mem::take(&mut ui.want_share) {
        commands.queue(|w: &mut World| match super::browser::share_link(w) {
            Ok(link) => w.resource_mut::<FileUi>().share = Some(link),
            Err(e) => status(w, e, true),
        });
    }
    if std::mem::take(&mut ui.want_download) {
        commands.queue(|w: &mut World| download(w));
    }
    if std::mem::take(&mut ui.want_upload) {
        #[cfg(target_arch = "wasm32")]
        if let Err(e) = super::browser::pick_file() {
            commands.queue(move |w: &mut World| status(w, format!("could not open the file picker: {e}"), true));
        }
    }
    if std::mem::take(&mut ui.want_save) {
        match doc.path.clone() {
            Some(p) => commands.queue(move |w: &mut World| save_to(w, p)),
            None => ui.save_as = true,
        }
    }
    if std::mem::take(&mut ui.want_new) {
        commands.queue(|w: &mut World| {
            open_scenario(w, &blank(), None);
            status(w, "new scenario".into(), false);
        });
    }
    if (ui.save_as || ui.browser) && ui.path_text.is_empty() {
        // A new file is named after its scenario.
        let name = super::browser::file_name(loaded.as_ref().map_or("untitled", |l| l.0.name.as_str()));
        ui.path_text = doc
            .path
            .as_ref()
            .map_or_else(|| data_dir().join("scenarios").join(name).display().to_string(), |p| p.display().to_string());
    }
}

fn autosave(mut commands: Commands, doc: Res<Document>, rev: Res<Revision>, time: Res<Time<Real>>) {
    let t = time.elapsed_secs_f64();
    if t - doc.last_autosave < AUTOSAVE_EVERY_S {
        return;
    }
    let changed = doc.dirty(&rev) && rev.0 != doc.autosaved_revision;
    commands.queue(move |w: &mut World| {
        let rev = w.resource::<Revision>().0;
        w.resource_mut::<Document>().last_autosave = t;
        if changed {
            match write_latest(w, &autosave_path()) {
                Ok(()) => w.resource_mut::<Document>().autosaved_revision = rev,
                Err(e) => status(w, format!("autosave failed: {e}"), true),
            }
        }
    });
}

fn autosave_on_exit(world: &mut World) {
    let exiting = !world.resource::<Messages<AppExit>>().is_empty();
    if !exiting {
        return;
    }
    let rev = *world.resource::<Revision>();
    if world.resource::<Document>().dirty(&rev) {
        if let Err(e) = write_latest(world, &autosave_path()) {
            error!("could not write the autosave on exit: {e}");
        }
    }
}

fn offer_recovery(mut ui: ResMut<FileUi>) {
    let p = autosave_path();
    if let Some(age) = super::store::age(&p) {
        info!("offering to recover unsaved work from {}", if age.is_empty() { "just now" } else { &age });
        ui.recovery = Some((p, age));
    }
}

/// Scenario files under `dir`, sorted, at most a few levels deep.
fn list_scenarios(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    super::store::list(dir, depth, out);
}

fn dialogs(
    mut contexts: EguiContexts,
    mut ui: ResMut<FileUi>,
    mut commands: Commands,
    time: Res<Time<Real>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    recovery_window(ctx, &mut ui, &mut commands);
    save_as_window(ctx, &mut ui, &mut commands);
    browser_window(ctx, &mut ui, &mut commands);
    share_window(ctx, &mut ui);
    notice_window(ctx, &mut ui);
    status_toast(ctx, &mut ui, &time);
    Ok(())
}

/// An autosave from a previous session: recover it or discard it.
fn recovery_window(ctx: &egui::Context, ui: &mut ResMut<FileUi>, commands: &mut Commands) {
    if let Some((path, age)) = ui.recovery.clone() {
        egui::Window::new("Recover unsaved work?")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |w| {
                w.label(format!("SystemDecoder kept a copy of unsaved work ({age})."));
                w.label(RichText::new(path.display().to_string()).weak().small());
                w.horizontal(|w| {
                    if w.button("Recover it").clicked() {
                        let p = path.clone();
                        commands.queue(move |world: &mut World| {
                            match super::store::load_scenario(&p) {
                                Ok(s) => {
                                    open_scenario(world, &s, None);
                                    // Still unsaved: keep it dirty until saved.
                                    world.resource_mut::<Document>().saved_revision = u64::MAX;
                                    // Show the work, not the lessons' welcome over it.
                                    if let Some(mut l) = world.get_resource_mut::<super::lesson_panel::LessonState>() {
                                        l.open = false;
                                    }
                                    status(world, "recovered unsaved work; save it to keep it".into(), false);
                                }
                                Err(e) => status(world, format!("could not recover: {e}"), true),
                            }
                        });
                        ui.recovery = None;
                    }
                    if w.button("Discard").clicked() {
                        super::store::remove(&path);
                        ui.recovery = None;
                    }
                });
            });
    }
}

/// On the desktop, a button for the system's own file dialog.
fn system_dialog_button(w: &mut egui::Ui, ui: &mut ResMut<FileUi>, pick: Pick, label: &str) {
    if cfg!(not(target_arch = "wasm32")) && ui.system_dialogs {
        let r = w.button(label).on_hover_text("Choose the file in the system's file dialog");
        if r.clicked() {
            ui.want_system_dialog = Some(pick);
        }
    }
}

/// Where to save.
fn save_as_window(ctx: &egui::Context, ui: &mut ResMut<FileUi>, commands: &mut Commands) {
    if ui.save_as {
        let mut open = true;
        egui::Window::new("Save as")
            .open(&mut open)
            .collapsible(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, -80.0])
            .show(ctx, |w| {
                w.label("File:");
                w.add(egui::TextEdit::singleline(&mut ui.path_text).desired_width(420.0));
                w.horizontal(|w| {
                    if w.button("Save").clicked() {
                        let p = PathBuf::from(ui.path_text.trim());
                        commands.queue(move |world: &mut World| save_to(world, p));
                        ui.save_as = false;
                    }
                    system_dialog_button(w, ui, Pick::SaveAs, "Browse…");
                });
            });
        if !open {
            ui.save_as = false;
        }
    }
}

/// Saved scenarios and the bundled examples, or a path to open.
fn browser_window(ctx: &egui::Context, ui: &mut ResMut<FileUi>, commands: &mut Commands) {
    if ui.browser {
        let mut open = true;
        egui::Window::new("Open a scenario")
            .open(&mut open)
            .collapsible(false)
            .default_width(460.0)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, -80.0])
            .show(ctx, |w| {
                let mut files = Vec::new();
                list_scenarios(&data_dir().join("scenarios"), 2, &mut files);
                egui::ScrollArea::vertical().max_height(320.0).show(w, |w| {
                    w.label(RichText::new("Yours").strong());
                    if files.is_empty() {
                        w.label(RichText::new("Nothing saved yet.").weak());
                    }
                    for f in files {
                        if w.link(f.display().to_string()).clicked() {
                            commands.queue(move |world: &mut World| open_path(world, f));
                        }
                    }
                    w.add_space(6.0);
                    w.label(RichText::new("Examples").strong());
                    for (path, text) in scenario::bundled::BUNDLED {
                        if w.link(*path).clicked() {
                            commands.queue(move |world: &mut World| open_bundled(world, path, text));
                        }
                    }
                });
                w.separator();
                w.horizontal(|w| {
                    w.add(egui::TextEdit::singleline(&mut ui.path_text).desired_width(360.0));
                    if w.button("Open").clicked() {
                        let p = PathBuf::from(ui.path_text.trim());
                        commands.queue(move |world: &mut World| open_path(world, p));
                    }
                });
                system_dialog_button(w, ui, Pick::Open, "Browse…");
            });
        if !open {
            ui.browser = false;
        }
    }
}

/// The last share link made, to copy.
fn share_window(ctx: &egui::Context, ui: &mut ResMut<FileUi>) {
    if let Some(link) = ui.share.clone() {
        let mut open = true;
        let level = crate::learn::level::is_level_link(&link);
        let replay = link.contains(crate::replay::MARK);
        let title = if level {
            "Share this level"
        } else if replay {
            "Share this run"
        } else {
            "Share this system"
        };
        egui::Window::new(title)
            .open(&mut open)
            .collapsible(false)
            .default_width(520.0)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, -80.0])
            .show(ctx, |w| {
                if replay {
                    w.label("The link carries the whole run, compressed: the system, its seed and every change with its time; nothing is uploaded anywhere.");
                    w.label(format!("Whoever opens it watches the same run, bit for bit ({} characters).", link.len()));
                } else if level {
                    w.label("The link carries the whole level, compressed: its rules and its canvas; nothing is uploaded anywhere.");
                    w.label(format!("Whoever opens it can play it ({} characters).", link.len()));
                } else {
                    w.label("The link carries the whole system, compressed; nothing is uploaded anywhere.");
                    w.label(format!("Whoever opens it sees what you see now ({} characters).", link.len()));
                }
                let mut shown = link.as_str();
                w.add(egui::TextEdit::multiline(&mut shown).desired_width(500.0).desired_rows(3));
                if w.button("Copy link").clicked() {
                    w.ctx().copy_text(link.clone());
                }
                #[cfg(not(target_arch = "wasm32"))]
                w.label(
                    RichText::new("Opens in the web build at this address, or here: systemdecoder '<link>'.")
                        .weak()
                        .small(),
                );
            });
        if !open {
            ui.share = None;
        }
    }
}

/// Why a link did not open.
fn notice_window(ctx: &egui::Context, ui: &mut ResMut<FileUi>) {
    if let Some(text) = ui.notice.clone() {
        egui::Window::new("Could not open that")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, -80.0])
            .show(ctx, |w| {
                w.label(RichText::new(text).color(egui::Color32::from_rgb(255, 170, 160)));
                w.label("The default scenario is open instead.");
                if w.button("OK").clicked() {
                    ui.notice = None;
                }
            });
    }
}

/// The last file operation's outcome, for a few seconds.
fn status_toast(ctx: &egui::Context, ui: &mut ResMut<FileUi>, time: &Time<Real>) {
    if let Some((text, error, t)) = &ui.status {
        if time.elapsed_secs_f64() - t < 5.0 {
            egui::Area::new(egui::Id::new("file-status")).anchor(egui::Align2::CENTER_BOTTOM, [0.0, -220.0]).show(
                ctx,
                |w| {
                    let fill =
                        if *error { egui::Color32::from_rgb(70, 24, 28) } else { egui::Color32::from_rgb(22, 48, 36) };
                    egui::Frame::popup(w.style()).fill(fill).show(w, |w| {
                        w.label(RichText::new(text).color(egui::Color32::WHITE));
                    });
                },
            );
        }
    }
}

/// Title text: file name and a dot while there are unsaved changes.
pub fn title(doc: &Document, rev: &Revision, loaded: Option<&LoadedScenario>) -> String {
    let name = doc
        .path
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string())
        .or_else(|| loaded.map(|l| l.0.name.clone()))
        .unwrap_or_else(|| "Untitled".into());
    // Keep the top bar on one line: long names are shortened.
    let name =
        if name.chars().count() > 36 { format!("{}…", name.chars().take(35).collect::<String>()) } else { name };
    if doc.dirty(rev) { format!("{name} •") } else { name }
}
