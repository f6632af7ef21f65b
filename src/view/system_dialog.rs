//! The system's own file dialogs on the desktop (Open and Save as), beside
//! the app's list of saves and examples. A dialog runs on a worker: the
//! window keeps drawing and the simulation keeps running while it is open.
//! (In the browser, Download and Upload play this part.)
//!
//! Where there is no file portal (no session bus, or no portal backend
//! that offers a file chooser) but `zenity` is installed, the app runs
//! `zenity` itself: going through `rfd` there logs an error for the
//! missing portal and opens the dialog in the working folder instead of
//! the file's own.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

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
        if let Some(program) = zenity_alone() {
            // Blocks this worker while the dialog is open; nothing else
            // runs on the async compute pool.
            return zenity(&program, pick, &dir, &name);
        }
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
    if session_bus() || zenity_on_path().is_some() {
        Ok(())
    } else {
        Err("no system file dialog here (it needs the desktop's file portal or zenity): pick from the list or type a path".into())
    }
}

fn session_bus() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
}

fn zenity_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("zenity")).find(|p| p.is_file())
}

/// `zenity`, where it is the only dialog there is (Linux and the BSDs
/// without a file portal).
fn zenity_alone() -> Option<PathBuf> {
    if cfg!(any(target_os = "windows", target_os = "macos")) || (session_bus() && file_portal()) {
        return None;
    }
    zenity_on_path()
}

/// Whether the desktop's file portal can show a file chooser. Inside a
/// Flatpak or Snap sandbox it always can; elsewhere its service must be
/// installed and one of its backends must offer a file chooser (a minimal
/// window manager often has neither).
fn file_portal() -> bool {
    if Path::new("/.flatpak-info").exists() || std::env::var_os("SNAP").is_some() {
        return true;
    }
    let home = std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).or_else(dirs::data_dir);
    let system = std::env::var_os("XDG_DATA_DIRS")
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    let folders: Vec<PathBuf> = home.into_iter().chain(std::env::split_paths(&system)).collect();
    offers_file_chooser(&folders)
}

/// Whether the data folders hold the portal's D-Bus service and a portal
/// backend that lists the file chooser among its interfaces.
fn offers_file_chooser(folders: &[PathBuf]) -> bool {
    let service = folders.iter().any(|d| d.join("dbus-1/services/org.freedesktop.portal.Desktop.service").is_file());
    let chooser = || {
        folders
            .iter()
            .filter_map(|d| std::fs::read_dir(d.join("xdg-desktop-portal/portals")).ok())
            .flatten()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "portal"))
            .any(|e| {
                std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("org.freedesktop.impl.portal.FileChooser"))
            })
    };
    service && chooser()
}

/// Shows `zenity`'s file dialog, starting in `dir` (and, for Save as, with
/// `name` filled in). Its exit status says what happened: 0 a choice, 1
/// cancelled or closed, anything else a failure.
fn zenity(program: &Path, pick: Pick, dir: &Path, name: &str) -> Answer {
    // A folder's path ends in a separator, or zenity opens its parent.
    let start = match pick {
        Pick::Open => dir.join(""),
        Pick::SaveAs => dir.join(name),
    };
    let mut filename = OsString::from("--filename=");
    filename.push(start);
    let mut command = Command::new(program);
    command.args(["--file-selection", "--file-filter=Scenario | *.ron"]);
    match pick {
        Pick::Open => command.arg("--title=Open a scenario"),
        Pick::SaveAs => command.args(["--title=Save as", "--save", "--confirm-overwrite"]),
    };
    let out = command.arg(filename).output().map_err(|e| format!("could not run zenity: {e}"))?;
    match out.status.code() {
        Some(0) => Ok(chosen(out.stdout)),
        Some(1) => Ok(None),
        _ => {
            // Its last word (GTK's warnings come first).
            let said = String::from_utf8_lossy(&out.stderr);
            let last = said.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
            Err(format!("zenity failed ({}): {last}", out.status))
        }
    }
}

/// The path zenity printed, without its line end; nothing if it printed none.
fn chosen(mut stdout: Vec<u8>) -> Option<PathBuf> {
    while stdout.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        stdout.pop();
    }
    if stdout.is_empty() {
        return None;
    }
    #[cfg(unix)]
    let path = PathBuf::from(<std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(stdout));
    #[cfg(not(unix))]
    let path = PathBuf::from(String::from_utf8_lossy(&stdout).into_owned());
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_without_extension_is_saved_as_ron() {
        assert_eq!(with_extension(PathBuf::from("/tmp/shop")), PathBuf::from("/tmp/shop.ron"));
        assert_eq!(with_extension(PathBuf::from("/tmp/shop.ron")), PathBuf::from("/tmp/shop.ron"));
    }

    #[test]
    fn a_file_portal_needs_its_service_and_a_backend_with_a_file_chooser() {
        let tmp = std::env::temp_dir().join(format!("sd-portal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let (system, home) = (tmp.join("usr/share"), tmp.join("home/.local/share"));
        let folders = [home.clone(), system.clone()];
        std::fs::create_dir_all(system.join("dbus-1/services")).unwrap();
        std::fs::create_dir_all(system.join("xdg-desktop-portal/portals")).unwrap();
        assert!(!offers_file_chooser(&folders), "nothing installed");
        std::fs::write(system.join("dbus-1/services/org.freedesktop.portal.Desktop.service"), "[D-BUS Service]\n")
            .unwrap();
        assert!(!offers_file_chooser(&folders), "the portal without a backend");
        let wlr = "[portal]\nDBusName=org.freedesktop.impl.portal.desktop.wlr\nInterfaces=org.freedesktop.impl.portal.Screenshot;org.freedesktop.impl.portal.ScreenCast;\n";
        std::fs::write(system.join("xdg-desktop-portal/portals/wlr.portal"), wlr).unwrap();
        assert!(!offers_file_chooser(&folders), "a backend without a file chooser");
        let gtk = "[portal]\nDBusName=org.freedesktop.impl.portal.desktop.gtk\nInterfaces=org.freedesktop.impl.portal.FileChooser;org.freedesktop.impl.portal.AppChooser;\n";
        std::fs::write(system.join("xdg-desktop-portal/portals/gtk.portal.bak"), gtk).unwrap();
        assert!(!offers_file_chooser(&folders), "only files named .portal count");
        std::fs::create_dir_all(home.join("xdg-desktop-portal/portals")).unwrap();
        std::fs::write(home.join("xdg-desktop-portal/portals/gtk.portal"), gtk).unwrap();
        assert!(offers_file_chooser(&folders), "a user's own backend with a file chooser");
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    /// A stand-in for zenity that writes down its arguments and answers
    /// with `reply` on its output, `said` on its errors and `status` as its
    /// exit code.
    #[cfg(unix)]
    fn fake_zenity(dir: &Path, reply: &str, said: &str, status: i32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let program = dir.join("zenity");
        let args = dir.join("args");
        let script = format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'\nprintf '{reply}'\nprintf '{said}' >&2\nexit {status}\n",
            args.display()
        );
        std::fs::write(&program, script).unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        program
    }

    #[cfg(unix)]
    #[test]
    fn zenity_starts_in_the_files_folder_and_answers_its_choice() {
        let tmp = std::env::temp_dir().join(format!("sd-zenity-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        let saves = tmp.join("my saves");

        let program = fake_zenity(&tmp, "/home/me/shop v2.ron\\n", "", 0);
        let got = zenity(&program, Pick::Open, &saves, "shop.ron").unwrap();
        assert_eq!(got, Some(PathBuf::from("/home/me/shop v2.ron")));
        let args = std::fs::read_to_string(tmp.join("args")).unwrap();
        assert!(args.lines().any(|l| l == format!("--filename={}/", saves.display())), "{args}");
        assert!(args.lines().any(|l| l == "--file-selection") && !args.contains("--save"), "{args}");

        zenity(&program, Pick::SaveAs, &saves, "shop.ron").unwrap();
        let args = std::fs::read_to_string(tmp.join("args")).unwrap();
        assert!(args.lines().any(|l| l == format!("--filename={}", saves.join("shop.ron").display())), "{args}");
        assert!(args.lines().any(|l| l == "--save"), "{args}");

        // Cancelled, and broken.
        let program = fake_zenity(&tmp, "", "", 1);
        assert_eq!(zenity(&program, Pick::Open, &saves, "shop.ron"), Ok(None));
        let program = fake_zenity(&tmp, "", "", 255);
        let err = zenity(&program, Pick::Open, &saves, "shop.ron").unwrap_err();
        assert!(err.starts_with("zenity failed"), "{err}");
        let program = fake_zenity(&tmp, "", "Gtk-WARNING: theme\\ncannot open display\\n", 255);
        let err = zenity(&program, Pick::Open, &saves, "shop.ron").unwrap_err();
        assert!(err.ends_with("): cannot open display"), "{err}");
        assert!(
            zenity(&tmp.join("missing"), Pick::Open, &saves, "x.ron").unwrap_err().starts_with("could not run zenity")
        );
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
