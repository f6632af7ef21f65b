//! Bundles every example scenario into the binary (`scenario::bundled`), so
//! the scenario browser works wherever the program runs, the browser included.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "ron") {
            out.push(p);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=scenarios");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    // Lessons have their own bundle and window (`learn`).
    for dir in ["examples", "kinds", "bench"] {
        collect(&root.join("scenarios").join(dir), &mut files);
    }
    files.sort();
    let mut code = String::from(
        "/// Every bundled scenario: (path in the repository, text).\npub const BUNDLED: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        let rel = f.strip_prefix(&root).expect("under the manifest dir").to_string_lossy().replace('\\', "/");
        code.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", f.to_string_lossy()));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled_scenarios.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
