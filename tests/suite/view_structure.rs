//! The view's modules point one way: shared UI state at the bottom, the
//! canvas, panels and menus above it, the plugin that assembles them on top.
//! A cycle between them (a uses b, b uses a) fails this test.
//!
//! The sources are read as text. A module "uses" another when it names it
//! through `super::…`, `crate::view::…`, `self::child::…` or a child
//! module's name (`child::…`); the target is the deepest module file the
//! path reaches (`super::canvas::Selection` is the module `canvas`). Inline
//! modules (`mod tests { … }`) count as part of their file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::helpers::rust_files;

/// A module's path below `view`, e.g. `["panels", "top_bar"]`; `[]` is
/// `view` itself.
type ModPath = Vec<String>;

/// `a/b.rs` and `a/b/mod.rs` are both the module `a::b`.
fn module_of(rel: &Path) -> ModPath {
    let mut parts: ModPath = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

fn name(m: &[String]) -> String {
    if m.is_empty() { "view".to_string() } else { format!("view::{}", m.join("::")) }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The paths that start at `text[at..]`: `a::b::c`, or one path per item of
/// a trailing group `a::{b, c::d}` (only the group's top level).
fn paths_at(text: &str) -> Vec<Vec<String>> {
    let mut prefix = Vec::new();
    let mut rest = text;
    loop {
        let seg: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        if seg.is_empty() {
            break;
        }
        rest = &rest[seg.len()..];
        prefix.push(seg);
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => return vec![prefix],
        }
    }
    let Some(group) = rest.strip_prefix('{') else { return vec![prefix] };
    let items = crate::helpers::group_items(group);
    items
        .iter()
        .map(|i| {
            let mut p = prefix.clone();
            let inner = i.trim();
            if inner != "self" && !inner.is_empty() {
                p.extend(paths_at(inner).into_iter().next().unwrap_or_default());
            }
            p
        })
        .collect()
}

/// The module `path` (absolute, below `view`) lands in: its longest prefix
/// that is a module file.
fn target(path: &[String], modules: &BTreeSet<ModPath>) -> ModPath {
    let mut at = ModPath::new();
    for seg in path {
        let mut next = at.clone();
        next.push(seg.clone());
        if !modules.contains(&next) {
            break;
        }
        at = next;
    }
    at
}

/// An inline `mod name {` line (rustfmt style): its indentation and name.
fn inline_mod(line: &str) -> Option<(usize, String)> {
    let indent = line.len() - line.trim_start().len();
    let mut t = line.trim();
    if let Some(r) = t.strip_prefix("pub") {
        t = r.trim_start();
        if t.starts_with('(') {
            t = t.split_once(')')?.1.trim_start();
        }
    }
    let body = t.strip_prefix("mod ")?.strip_suffix('{')?.trim();
    body.chars().all(is_ident).then(|| (indent, body.to_string()))
}

/// Which view modules each file uses.
fn edges(files: &[(ModPath, String)]) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let modules: BTreeSet<ModPath> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut out: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (module, text) in files {
        let uses = out.entry(module.clone()).or_default();
        // Inline modules open around the current line: (indent, name).
        let mut inline: Vec<(usize, String)> = Vec::new();
        for line in text.lines() {
            if let Some(open) = inline_mod(line) {
                inline.push(open);
                continue;
            }
            if inline.last().is_some_and(|(indent, _)| line.len() == indent + 1 && line.ends_with('}')) {
                inline.pop();
                continue;
            }
            let here: ModPath = module.iter().cloned().chain(inline.iter().map(|(_, n)| n.clone())).collect();
            for (i, _) in line.char_indices() {
                let before = line[..i].chars().next_back();
                if before.is_some_and(|c| is_ident(c) || c == ':') {
                    continue;
                }
                let rest = &line[i..];
                let mut base = here.clone();
                let tail = if let Some(r) = rest.strip_prefix("crate::view::") {
                    base.clear();
                    r
                } else if rest.starts_with("super::") {
                    let mut r = rest;
                    while let Some(after) = r.strip_prefix("super::") {
                        if base.pop().is_none() {
                            break;
                        }
                        r = after;
                    }
                    r
                } else if let Some(r) = rest.strip_prefix("self::") {
                    r
                } else {
                    // A child module named directly: `files::title`.
                    let seg: String = rest.chars().take_while(|c| is_ident(*c)).collect();
                    let mut child = here.clone();
                    child.push(seg.clone());
                    if seg.is_empty() || !rest[seg.len()..].starts_with("::") || !modules.contains(&child) {
                        continue;
                    }
                    rest
                };
                for p in paths_at(tail) {
                    let mut abs = base.clone();
                    abs.extend(p);
                    let t = target(&abs, &modules);
                    if &t != module {
                        uses.insert(t);
                    }
                }
            }
        }
    }
    out
}

/// A cycle, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Option<Vec<ModPath>> {
    fn visit(
        m: &ModPath,
        graph: &BTreeMap<ModPath, BTreeSet<ModPath>>,
        done: &mut BTreeSet<ModPath>,
        stack: &mut Vec<ModPath>,
    ) -> Option<Vec<ModPath>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(m.clone());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.clone());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(m.clone());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|m| visit(m, graph, &mut done, &mut Vec::new()))
}

fn view_sources() -> Vec<(ModPath, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/view");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    files.iter().map(|f| (module_of(f.strip_prefix(&root).unwrap()), std::fs::read_to_string(f).unwrap())).collect()
}

#[test]
fn view_modules_do_not_import_each_other_in_a_circle() {
    let graph = edges(&view_sources());
    if let Some(cycle) = find_cycle(&graph) {
        let path: Vec<String> = cycle.iter().map(|m| name(m)).collect();
        panic!("the view's modules import each other in a circle: {}", path.join(" -> "));
    }
}

fn sources(files: &[(&str, &str)]) -> Vec<(ModPath, String)> {
    files.iter().map(|(p, t)| (module_of(Path::new(p)), t.to_string())).collect()
}

#[test]
fn the_scanner_finds_a_cycle_between_siblings() {
    let files = sources(&[
        ("mod.rs", "mod a;\nmod b;\n"),
        ("a.rs", "use super::{b::{self, Thing}, theme};\n"),
        ("b.rs", "fn f() { super::a::g(); }\n"),
        ("theme.rs", ""),
    ]);
    let g = edges(&files);
    assert_eq!(g[&module_of(Path::new("a.rs"))].len(), 2);
    assert!(find_cycle(&g).is_some());
}

#[test]
fn the_scanner_sees_parents_children_and_inline_modules() {
    // The parent uses its child by name; the child reaching back up to an
    // item of the parent closes a circle.
    let up = sources(&[
        ("mod.rs", "mod web;\nfn build() { web::plugin(); }\n"),
        ("web.rs", "mod page {\n    use super::super::run_app;\n}\n"),
    ]);
    assert!(find_cycle(&edges(&up)).is_some());
    // `use super::*` in a test module is the file itself, not its parent.
    let tests = sources(&[
        ("mod.rs", "mod panels;\nfn build() { panels::plugin(); }\n"),
        ("panels/mod.rs", "mod top_bar;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n"),
        ("panels/top_bar.rs", "use super::super::state::Panels;\n"),
        ("state.rs", ""),
    ]);
    let g = edges(&tests);
    assert_eq!(find_cycle(&g), None);
    let top_bar = module_of(Path::new("panels/top_bar.rs"));
    assert_eq!(g[&top_bar], BTreeSet::from([vec!["state".to_string()]]));
}
