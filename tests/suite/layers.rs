//! The layers point one way. Each module may use those below it and never
//! one above: the simulation knows nothing of faults' files, scenarios,
//! editing, lessons, the view or the command line.

use std::path::PathBuf;

use crate::helpers::rust_files;

/// Bottom to top. A module may import any module listed before it.
const LAYERS: &[&str] = &["sim", "chaos", "scenario", "edit", "replay", "headless", "sweep", "learn", "view", "cli"];

/// The top-level modules a file names through `crate::…` paths, including
/// those inside `use crate::{a, b::c}` groups.
fn crate_modules(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Only the group's top level: `{a, b::{c, d}}` names a and b.
            found.extend(crate::helpers::group_items(group));
        } else {
            found.push(rest.to_string());
        }
    }
    found
        .into_iter()
        .map(|s| s.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
        .filter(|s: &String| !s.is_empty())
        .collect()
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (rank, layer) in LAYERS.iter().enumerate() {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        rust_files(&src.join(format!("{layer}.rs")), &mut files);
        assert!(!files.is_empty(), "no source for layer {layer}");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for m in crate_modules(&text) {
                if let Some(above) = LAYERS[rank + 1..].iter().find(|l| **l == m) {
                    wrong.push(format!("{} uses crate::{above}", f.strip_prefix(&src).unwrap().display()));
                }
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "imports that point up a layer:\n{}", wrong.join("\n"));
}

#[test]
fn the_import_scanner_sees_grouped_and_nested_paths() {
    let m = crate_modules("use crate::{sim::{a, b}, view};\nlet x = crate::cli::main();");
    assert_eq!(m, vec!["sim", "view", "cli"]);
}
