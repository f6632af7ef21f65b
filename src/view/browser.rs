//! The app in a browser: share links, files downloaded and uploaded, and
//! marks on the page that the loading screen and the browser test read.
//! On the desktop only share links apply. How the page starts the app is in
//! `web`.

use bevy::prelude::*;

use crate::scenario::{self, share};

pub(super) fn plugin(app: &mut App) {
    #[cfg(target_arch = "wasm32")]
    app.add_systems(Update, page::mark_page);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = app;
}

/// Where share links point: this page in the browser; on the desktop, the
/// web build's address from `SYSTEMDECODER_WEB_URL` (default: the local
/// server of the README). The desktop app also opens links itself.
pub fn link_base() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        page::location().unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::env::var("SYSTEMDECODER_WEB_URL").unwrap_or_else(|_| "http://localhost:8000/".into())
    }
}

/// A link that carries what is running now; in the browser it also
/// becomes the page's address, so reloading keeps it.
/// While a level is played, the link opens that level with this design.
pub fn share_link(world: &mut World) -> Result<String, String> {
    let s = scenario::export(world).ok_or("nothing to share")?;
    let level = world.get_resource::<super::lesson_panel::LessonState>().and_then(|l| l.levels.open.clone());
    let base = link_base();
    let base = match level {
        Some(id) => format!("{}?level={id}", base.split('?').next().unwrap_or(&base)),
        None => base,
    };
    let link = share::link(&base, &s)?;
    #[cfg(target_arch = "wasm32")]
    page::set_address(&link);
    Ok(link)
}

/// A file name for a save or download: the scenario's name, made safe.
pub fn file_name(name: &str) -> String {
    let mut out: String =
        name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    out.truncate(60);
    let out = out.trim_matches('-').to_lowercase();
    if out.is_empty() { "scenario.ron".into() } else { format!("{out}.ron") }
}

#[cfg(target_arch = "wasm32")]
pub use page::{download, download_bytes, mark, pick_file, take_uploaded};

/// The browser: the page, its address, downloads and the file picker.
#[cfg(target_arch = "wasm32")]
mod page {
    use std::sync::Mutex;

    use bevy::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    use super::super::state::{FileUi, Panels, Selection};
    use crate::scenario::LoadedScenario;
    use crate::sim::{SimLink, SimNode};

    fn root() -> Option<web_sys::Element> {
        web_sys::window()?.document()?.document_element()
    }

    /// An attribute on `<html>`: the loading screen and tests watch them.
    pub fn mark(attr: &str, value: &str) {
        if let Some(r) = root()
            && r.get_attribute(attr).as_deref() != Some(value)
        {
            let _ = r.set_attribute(attr, value);
        }
    }

    /// The page's address without its fragment.
    pub fn location() -> Option<String> {
        let href = web_sys::window()?.location().href().ok()?;
        Some(href.split('#').next().unwrap_or(&href).to_string())
    }

    /// Show `link` in the address bar without reloading or a history entry.
    pub fn set_address(link: &str) {
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(link));
        }
    }

    /// What is on screen, as attributes of `<html>`; the page is touched
    /// only in frames where one of them changed.
    pub fn mark_page(
        loaded: Option<Res<LoadedScenario>>,
        nodes: Query<(), With<SimNode>>,
        links: Query<(), With<SimLink>>,
        ui: Res<FileUi>,
        learn: Res<super::super::lesson_panel::LessonState>,
        rec: Res<crate::replay::record::Recorder>,
        (panels, selection, names, sim, cams): (
            Res<Panels>,
            Res<Selection>,
            Query<&Name>,
            Option<Res<crate::sim::Sim>>,
            Query<&Projection, With<Camera2d>>,
        ),
        mut shown: Local<Vec<(&'static str, String)>>,
    ) {
        let mut now = vec![
            ("data-app", "running".to_string()),
            ("data-nodes", nodes.iter().count().to_string()),
            ("data-links", links.iter().count().to_string()),
            ("data-recovery", (if ui.recovery.is_some() { "offered" } else { "none" }).to_string()),
        ];
        // The layout (narrow or wide), what is selected, the zoom, and the
        // faults in force.
        now.push(("data-layout", (if panels.compact { "compact" } else { "wide" }).to_string()));
        let selected = match *selection {
            Selection::Node(e) => names.get(e).map_or(String::new(), |n| n.to_string()),
            Selection::Link(_) => "link".to_string(),
            Selection::None => String::new(),
        };
        now.push(("data-selected", selected));
        if let Ok(Projection::Orthographic(o)) = cams.single() {
            now.push(("data-zoom", format!("{:.2}", o.scale)));
        }
        now.push(("data-faults", sim.map_or(0, |s| s.active_fault_count()).to_string()));
        // The lesson played and its step.
        if let Some(id) = &learn.lesson {
            now.push(("data-lesson", format!("{id}:{}", learn.step + 1)));
        }
        if let Some(l) = loaded {
            now.push(("data-scenario", l.0.name.clone()));
        }
        // The concept open, whether its question was answered right, how
        // its checkpoint stands, and how many are done (for tests).
        let c = &learn.concepts;
        now.push(("data-concepts-done", c.kept.done.len().to_string()));
        if let Some(id) = &c.open {
            now.push(("data-concept", id.clone()));
            now.push(("data-concept-answer", c.answer_state(id).to_string()));
            now.push(("data-concept-checkpoint", c.checkpoint_state().to_string()));
        }
        // The level played and how its test stands.
        let l = &learn.levels;
        let passed = l.kept.stars.values().filter(|s| **s > 0).count();
        now.push(("data-levels-passed", passed.to_string()));
        if let Some(id) = &l.open {
            now.push(("data-level", id.clone()));
            now.push(("data-level-test", l.test_state()));
        }
        // The recording: live or showing the past, its steps, how many of
        // them the run shown has applied, and its branches.
        let steps = rec.replay.as_ref().map_or(0, |r| r.steps.len());
        now.push(("data-replay-state", (if rec.playback.is_some() { "past" } else { "live" }).to_string()));
        now.push(("data-replay-steps", steps.to_string()));
        now.push(("data-replay-applied", rec.playback.unwrap_or(steps).to_string()));
        now.push(("data-replay-branch", rec.name.clone()));
        if let Some((text, error, _)) = &ui.status {
            now.push(("data-status", text.clone()));
            now.push(("data-status-error", error.to_string()));
        }
        if *shown != now {
            for (attr, value) in &now {
                mark(attr, value);
            }
            *shown = now;
        }
    }

    /// Offer `text` as a file download named `name`.
    pub fn download(name: &str, text: &str) -> Result<(), String> {
        download_bytes(name, text.as_bytes(), "text/plain;charset=utf-8")
    }

    /// Hand bytes to the browser as a file download of this type.
    pub fn download_bytes(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
        let fail = |what: &str| format!("could not download {name}: {what}");
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type(mime);
        let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(|_| fail("no Blob"))?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| fail("no object URL"))?;
        let doc = web_sys::window().and_then(|w| w.document()).ok_or_else(|| fail("no document"))?;
        let a: web_sys::HtmlAnchorElement =
            doc.create_element("a").map_err(|_| fail("no link"))?.dyn_into().map_err(|_| fail("no link"))?;
        a.set_href(&url);
        a.set_download(name);
        a.click();
        // The object URL is not revoked: some browsers read it after
        // `click` returns.
        Ok(())
    }

    /// A file chosen in the browser's picker, once read: (name, text) or why not.
    static UPLOADED: Mutex<Option<Result<(String, String), String>>> = Mutex::new(None);

    /// Open the browser's file picker; the chosen file arrives in a later
    /// frame ([`take_uploaded`]).
    pub fn pick_file() -> Result<(), String> {
        let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
        let input: web_sys::HtmlInputElement =
            doc.create_element("input").map_err(|_| "no input")?.dyn_into().map_err(|_| "no input")?;
        input.set_type("file");
        input.set_accept(".ron,text/plain");
        let picker = input.clone();
        let on_change = Closure::<dyn FnMut()>::new(move || {
            let Some(file) = picker.files().and_then(|f| f.get(0)) else { return };
            let name = file.name();
            if file.size() > crate::scenario::MAX_FILE_BYTES as f64 {
                let limit = crate::scenario::MAX_FILE_BYTES;
                *UPLOADED.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(Err(format!("{name}: file is {} bytes; the limit is {limit}", file.size())));
                return;
            }
            let Ok(reader) = web_sys::FileReader::new() else { return };
            let r = reader.clone();
            let on_load = Closure::<dyn FnMut()>::new(move || {
                let text = r.result().ok().and_then(|v| v.as_string());
                let got = text.map(|t| (name.clone(), t)).ok_or_else(|| format!("{name}: could not be read as text"));
                *UPLOADED.lock().unwrap_or_else(|p| p.into_inner()) = Some(got);
            });
            reader.set_onload(Some(on_load.as_ref().unchecked_ref()));
            // The page lives as long as the app: the handler may too.
            on_load.forget();
            let _ = reader.read_as_text(&file);
        });
        input.set_onchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();
        input.click();
        Ok(())
    }

    /// A file chosen in the picker, once read: (name, text) or why not.
    pub fn take_uploaded() -> Option<Result<(String, String), String>> {
        UPLOADED.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn download_names_are_safe() {
        assert_eq!(super::file_name("Three tier: web/app/db"), "three-tier--web-app-db.ron");
        assert_eq!(super::file_name("///"), "scenario.ron");
    }
}
