//! The system's own file dialogs on the desktop (Open and Save as), beside
//! the app's list of saves and examples. A dialog runs on a worker: the
//! window keeps drawing and the simulation keeps running while it is open.
//! (In the browser, Download and Upload play this part.)

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy::tasks::futures_lite::future;
use bevy::tasks::{AsyncComputeTaskPool, Task, block_on};

use super::files::{self, Document};
use super::state::{FileUi, SystemDialog as Pick};

/// A dialog's answer: the chosen path, nothing when cancelled, or why
/// there is no dialog.
type Answer = Result<Option<PathBuf>, String>;

/// The dialog open now, if any (one at a time).
#[derive(Resource, Default)]
struct Showing(Option<(Pick, Task<Answer>)>);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Showing>().add_systems(Update, (show, answer).chain());
}

fn show(mut ui: ResMut<FileUi>, doc: Res<Document>, mut showing: ResMut<Showing>) {
    let Some(pick) = ui.want_system_dialog.take() else { return };
    if showing.0.is_some() {
        return;
    }
    // Start where the file is (or would be), else among the saves.
    let typed = PathBuf::from(ui.path_text.trim());
    let near = doc.path.clone().or((!typed.as_os_str().is_empty()).then_some(typed));
    let dir = near
        .as_deref()
        .and_then(Path::parent)
        .and_then(|d| std::fs::canonicalize(d).ok())
        .unwrap_or_else(|| super::store::data_dir().join("scenarios"));
    let name = near
        .as_deref()
        .and_then(Path::file_name)
        .map_or_else(|| "scenario.ron".to_string(), |n| n.to_string_lossy().into_owned());
    let task = AsyncComputeTaskPool::get().spawn(async move {
        available()?;
        let dialog = rfd::AsyncFileDialog::new().add_filter("Scenario", &["ron"]).set_directory(&dir);
        let chosen = match pick {
            Pick::Open => dialog.set_title("Open a scenario").pick_file().await,
            Pick::SaveAs => dialog.set_title("Save as").set_file_name(name).save_file().await,
        };
        Ok(chosen.map(|h| h.path().to_path_buf()))
    });
    showing.0 = Some((pick, task));
}

fn answer(mut showing: ResMut<Showing>, mut commands: Commands) {
    let Some((pick, task)) = showing.0.as_mut() else { return };
    let Some(got) = block_on(future::poll_once(task)) else { return };
    let pick = *pick;
    showing.0 = None;
    commands.queue(move |world: &mut World| match (got, pick) {
        (Ok(Some(path)), Pick::Open) => files::open_path(world, path),
        (Ok(Some(path)), Pick::SaveAs) => {
            world.resource_mut::<FileUi>().save_as = false;
            files::save_to(world, with_extension(path));
        }
        (Ok(None), _) => {}
        (Err(e), _) => files::status(world, e, true),
    });
}

/// A name typed without `.ron` gets it (so the file shows up in Open).
fn with_extension(path: PathBuf) -> PathBuf {
    if path.extension().is_some() { path } else { path.with_extension("ron") }
}

/// On Linux and the BSDs a dialog needs the desktop's file portal (over the
/// session's D-Bus) or `zenity`; without either, say so rather than show
/// nothing.
fn available() -> Result<(), String> {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return Ok(());
    }
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    let zenity =
        std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("zenity").is_file()));
    if bus || zenity {
        Ok(())
    } else {
        Err("no system file dialog here (it needs the desktop's file portal or zenity): pick from the list or type a path".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_without_extension_is_saved_as_ron() {
        assert_eq!(with_extension(PathBuf::from("/tmp/shop")), PathBuf::from("/tmp/shop.ron"));
        assert_eq!(with_extension(PathBuf::from("/tmp/shop.ron")), PathBuf::from("/tmp/shop.ron"));
    }
}
