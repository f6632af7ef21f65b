//! Where the app keeps what people make: files on the desktop, the
//! browser's local storage on the web (each "path" is a key there). The
//! rest of the app only speaks paths and text.

use std::path::{Path, PathBuf};

use crate::scenario::Scenario;

/// Autosaves, default saves and lesson progress live here.
#[cfg(not(target_arch = "wasm32"))]
pub fn data_dir() -> PathBuf {
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("systemdecoder")
}

#[cfg(target_arch = "wasm32")]
pub fn data_dir() -> PathBuf {
    PathBuf::from("browser")
}

/// Write `text` so that a failure never leaves half of it behind.
#[cfg(not(target_arch = "wasm32"))]
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    crate::scenario::write_atomic(path, text).map_err(|e| format!("could not save {}: {e}", path.display()))
}

#[cfg(not(target_arch = "wasm32"))]
pub fn read(path: &Path) -> Option<String> {
    crate::scenario::read_limited(path, crate::scenario::MAX_FILE_BYTES).ok()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// Does it exist, and how long ago was it written (in words)?
#[cfg(not(target_arch = "wasm32"))]
pub fn age(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    Some(meta.modified().ok().and_then(|m| m.elapsed().ok()).map_or(String::new(), |d| {
        let m = d.as_secs() / 60;
        if m < 60 { format!("{m} min ago") } else { format!("{} h ago", m / 60) }
    }))
}

/// Scenario files under `dir`, sorted, at most `depth` folders down.
#[cfg(not(target_arch = "wasm32"))]
pub fn list(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() && depth > 0 {
            list(&p, depth - 1, out);
        } else if crate::scenario::is_scenario_file(&p) {
            out.push(p);
        }
    }
}

/// Read and check a scenario (size-limited, errors name file:line:column).
#[cfg(not(target_arch = "wasm32"))]
pub fn load_scenario(path: &Path) -> Result<Scenario, String> {
    Scenario::load(path).map(|(s, _)| s).map_err(|e| e.to_string())
}

/// Read and check a replay file or link.
#[cfg(not(target_arch = "wasm32"))]
pub fn load_replay(path: &Path) -> Result<crate::replay::Replay, String> {
    crate::replay::Replay::load(path).map_err(|e| e.to_string())
}

// ----- the browser: window.localStorage --------------------------------

#[cfg(target_arch = "wasm32")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

#[cfg(target_arch = "wasm32")]
fn key(path: &Path) -> String {
    format!("systemdecoder:{}", path.display())
}

#[cfg(target_arch = "wasm32")]
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    let s = storage().ok_or("this browser keeps no local storage")?;
    // One call: the browser stores the whole value or nothing.
    s.set_item(&key(path), text).map_err(|_| format!("could not save {}: browser storage is full", path.display()))
}

#[cfg(target_arch = "wasm32")]
pub fn read(path: &Path) -> Option<String> {
    storage()?.get_item(&key(path)).ok()?
}

#[cfg(target_arch = "wasm32")]
pub fn remove(path: &Path) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&key(path));
    }
}

#[cfg(target_arch = "wasm32")]
pub fn age(path: &Path) -> Option<String> {
    read(path).map(|_| "earlier".to_string())
}

#[cfg(target_arch = "wasm32")]
pub fn list(dir: &Path, _depth: usize, out: &mut Vec<PathBuf>) {
    let Some(s) = storage() else { return };
    let prefix = key(dir);
    let mut found = Vec::new();
    for i in 0..s.length().unwrap_or(0) {
        if let Ok(Some(k)) = s.key(i) {
            if let Some(rest) = k.strip_prefix("systemdecoder:") {
                if k.starts_with(&prefix) && rest.ends_with(".ron") {
                    found.push(PathBuf::from(rest));
                }
            }
        }
    }
    found.sort();
    out.extend(found);
}

#[cfg(target_arch = "wasm32")]
pub fn load_scenario(path: &Path) -> Result<Scenario, String> {
    let text = read(path).ok_or_else(|| format!("{}: not found in this browser's storage", path.display()))?;
    // `parse` refuses text over the file size limit, like a file.
    Scenario::parse(&path.display().to_string(), &text).map(|(s, _)| s).map_err(|e| e.to_string())
}

#[cfg(target_arch = "wasm32")]
pub fn load_replay(path: &Path) -> Result<crate::replay::Replay, String> {
    let text = read(path).ok_or_else(|| format!("{}: not found in this browser's storage", path.display()))?;
    crate::replay::Replay::parse(&path.display().to_string(), &text).map_err(|e| e.to_string())
}
