//! Scenario files: RON text → checked [`Scenario`] → engine + entities, and back.
//!
//! Every way a file can be wrong ends in one [`ScenarioError`] that names the
//! file, the line and column, and the field path. Nothing here panics on input.

pub mod locate;
pub mod share;

/// The scenario the app opens (and `run` uses) when given nothing else.
pub const DEFAULT_NAME: &str = "scenarios/examples/three-tier.ron";
pub const DEFAULT_TEXT: &str = include_str!("../../scenarios/examples/three-tier.ron");

/// The default scenario, parsed and checked.
pub fn default_scenario() -> Result<Scenario, ScenarioError> {
    Scenario::parse(DEFAULT_NAME, DEFAULT_TEXT).map(|(s, _)| s)
}

/// The scenarios shipped inside the program (examples, one per kind,
/// benchmarks), so that they open anywhere, the browser included.
pub mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled_scenarios.rs"));
}
pub mod layout;
pub(crate) mod validate;

use std::fmt;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::sim::engine::Topology;
use crate::sim::{Engine, LinkParams, LinkSpec, NodeParams, NodeSpec, Sim, SimLink, SimNode};
use locate::{Seg, line_col, locate, path_to_string};
pub use validate::Warning;

/// The only file format version so far.
pub const VERSION: u32 = 1;
/// Larger files are refused before being read.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A whole scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Format version; this build reads version 1.
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Seeds the simulation's random numbers: same file + seed, same run.
    #[serde(default)]
    pub seed: u64,
    /// How long `systemdecoder run` simulates by default, in seconds.
    #[serde(default = "default_duration")]
    pub duration_s: f64,
    /// Statistics ignore the first `warmup_s` seconds (empty-system start).
    #[serde(default)]
    pub warmup_s: f64,
    pub nodes: Vec<NodeSpec>,
    #[serde(default)]
    pub links: Vec<LinkSpec>,
    /// Faults on a schedule, e.g. `(at_s: 30.0, for_s: 20.0, fault: Kill(node: "app-2"))`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chaos: Vec<crate::chaos::ScheduledFault>,
    /// Random faults, e.g. `(mean_interval_s: 30.0, duration_s: 10.0)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monkey: Option<crate::chaos::MonkeySpec>,
    /// The whole system is `copies` identical copies of what is simulated
    /// (regions, cells): reports also give the totals, e.g.
    /// `(copies: 10000.0, of: "cells of 100 000 users")`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<crate::sim::model::Scale>,
}

fn default_duration() -> f64 {
    60.0
}

/// A problem with a scenario file, located as precisely as we can.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based; 0 when the problem is not tied to a place (e.g. file too big).
    pub line: usize,
    pub col: usize,
    /// Field path such as `nodes[2].kind.workers`; empty for syntax errors.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    // What a file says may contain escape sequences: they are shown, never
    // sent to the terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::sim::check::shown_line as shown;
        write!(f, "{}", shown(&self.file))?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.col)?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", shown(&self.path))?;
        }
        write!(f, ": {}", shown(&self.message))
    }
}

impl std::error::Error for ScenarioError {}

pub fn ron_options() -> ron::Options {
    use ron::extensions::Extensions;
    ron::Options::default()
        .with_default_extension(Extensions::UNWRAP_VARIANT_NEWTYPES | Extensions::IMPLICIT_SOME)
        .with_recursion_limit(64)
}

/// Pretty RON of any file format of ours, nested lines indented up to
/// `depth` levels (deeper ones stay on one line).
pub fn to_pretty_ron<T: Serialize>(value: &T, depth: usize) -> String {
    let pretty = ron::ser::PrettyConfig::new()
        .depth_limit(depth)
        .struct_names(false)
        .extensions(ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES | ron::extensions::Extensions::IMPLICIT_SOME);
    ron::Options::default().to_string_pretty(value, pretty).unwrap_or_else(|e| format!("// export failed: {e}"))
}

/// Parse RON text of any file format of ours; errors name the file, the
/// line and column, and the field.
pub fn parse_ron<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, ScenarioError> {
    let opts = ron_options();
    let mut de = ron::Deserializer::from_str_with_options(text, &opts).map_err(|e| ScenarioError {
        file: file.into(),
        line: e.span.start.line,
        col: e.span.start.col,
        path: String::new(),
        message: e.code.to_string(),
    })?;
    let value: T = match serde_path_to_error::deserialize(&mut de) {
        Ok(s) => s,
        Err(e) => {
            let path = e.path().to_string();
            let spanned = de.span_error(e.into_inner());
            return Err(ScenarioError {
                file: file.into(),
                line: spanned.span.start.line,
                col: spanned.span.start.col,
                // "." is the whole file and "?" a place serde cannot name: no path then.
                path: if path == "." || path == "?" { String::new() } else { path },
                message: spanned.code.to_string(),
            });
        }
    };
    if let Err(e) = de.end() {
        let spanned = de.span_error(e);
        return Err(ScenarioError {
            file: file.into(),
            line: spanned.span.start.line,
            col: spanned.span.start.col,
            path: String::new(),
            message: format!("unexpected text after the end: {}", spanned.code),
        });
    }
    Ok(value)
}

impl Scenario {
    /// Parse and check scenario text; `file` is only used in messages.
    pub fn parse(file: &str, text: &str) -> Result<(Scenario, Vec<Warning>), ScenarioError> {
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(ScenarioError {
                file: file.into(),
                line: 0,
                col: 0,
                path: String::new(),
                message: format!("file is {} bytes; the limit is {MAX_FILE_BYTES}", text.len()),
            });
        }
        let scenario: Scenario = parse_ron(file, text)?;
        let warnings = validate::check(&scenario).map_err(|(path, message)| {
            let (line, col) = line_col(text, locate(text, &path));
            ScenarioError { file: file.into(), line, col, path: path_to_string(&path), message }
        })?;
        Ok((scenario, warnings))
    }

    /// Check an in-memory scenario (e.g. one about to be produced by an
    /// edit) by the same rules as a file; the error carries the field path.
    pub fn check(&self) -> Result<Vec<Warning>, ScenarioError> {
        validate::check(self).map_err(|(path, message)| ScenarioError {
            file: String::new(),
            line: 0,
            col: 0,
            path: path_to_string(&path),
            message,
        })
    }

    /// Read, parse and check a file from disk (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &std::path::Path) -> Result<(Scenario, Vec<Warning>), ScenarioError> {
        let file = path.display().to_string();
        let io = |message: String| ScenarioError { file: file.clone(), line: 0, col: 0, path: String::new(), message };
        let text = read_limited(path, MAX_FILE_BYTES).map_err(io)?;
        Scenario::parse(&file, &text)
    }

    /// Pretty RON that [`Scenario::parse`] reads back to an equal value.
    pub fn to_ron(&self) -> String {
        to_pretty_ron(self, 6)
    }

    /// The engine's view of this scenario (indices instead of names).
    /// Call only on a checked scenario.
    pub fn topology(&self) -> Topology {
        let index = |id: &str| self.nodes.iter().position(|n| n.id == id).unwrap_or(0) as u32;
        Topology {
            nodes: self.nodes.clone(),
            links: self.links.clone(),
            link_ends: self.links.iter().map(|l| (index(&l.from), index(&l.to))).collect(),
        }
    }

    pub fn engine(&self, seed: u64) -> Engine {
        let mut e = Engine::new(self.topology(), seed);
        e.set_scale(self.scale.clone());
        e
    }

    /// The engine at time zero with the file's scheduled faults and monkey:
    /// what the app, the CLI and replays all start from.
    pub fn start(&self, seed: u64) -> Engine {
        let mut engine = self.engine(seed);
        for f in &self.chaos {
            // Checked with the file; an error here would be a bug, not input.
            if let Err(e) = f.schedule(&mut engine) {
                warn!("scheduled fault skipped: {e}");
            }
        }
        if let Some(m) = &self.monkey {
            engine.set_monkey(Some(m.monkey(seed)));
        }
        engine
    }
}

/// Replace whatever is running with this scenario: a new engine and one
/// entity per node and link.
pub fn spawn(world: &mut World, scenario: &Scenario, seed: u64) {
    let mut old = world.query_filtered::<Entity, Or<(With<SimNode>, With<SimLink>)>>();
    let stale: Vec<Entity> = old.iter(world).collect();
    for e in stale {
        world.despawn(e);
    }
    world.insert_resource(Sim(scenario.start(seed)));
    world.insert_resource(LoadedScenario(scenario.clone()));
    for (i, n) in scenario.nodes.iter().enumerate() {
        crate::sim::spawn_node_entity(world, i as u32, n.clone());
    }
    for (i, l) in scenario.links.iter().enumerate() {
        crate::sim::spawn_link_entity(world, i as u32, l.clone());
    }
}

/// Show another moment of the same run: this engine replaces the running
/// one and the entities are rebuilt from its nodes and links (the loaded
/// scenario stays, so this is not a new run).
pub fn show_engine(world: &mut World, engine: Engine) {
    let mut old = world.query_filtered::<Entity, Or<(With<SimNode>, With<SimLink>)>>();
    let stale: Vec<Entity> = old.iter(world).collect();
    for e in stale {
        world.despawn(e);
    }
    let nodes: Vec<(u32, NodeSpec)> = (engine.nodes().iter().enumerate())
        .filter(|(_, n)| !n.removed)
        .map(|(i, n)| (i as u32, n.spec.clone()))
        .collect();
    let links: Vec<(u32, LinkSpec)> = (engine.links().iter().enumerate())
        .filter(|(_, l)| !l.removed)
        .map(|(i, l)| (i as u32, l.spec.clone()))
        .collect();
    world.insert_resource(Sim(engine));
    for (i, n) in nodes {
        crate::sim::spawn_node_entity(world, i, n);
    }
    for (i, l) in links {
        crate::sim::spawn_link_entity(world, i, l);
    }
}

/// The scenario the running world was made from (its metadata survives edits).
#[derive(Resource, Clone, Debug)]
pub struct LoadedScenario(pub Scenario);

/// Write the running world back out as a scenario (current parameters,
/// positions and topology; metadata from the loaded file).
pub fn export(world: &mut World) -> Option<Scenario> {
    let mut s = world.get_resource::<LoadedScenario>()?.0.clone();
    let mut nodes: Vec<(u32, NodeSpec)> =
        world.query::<(&SimNode, &NodeParams)>().iter(world).map(|(i, p)| (i.0, p.0.clone())).collect();
    nodes.sort_by_key(|(i, _)| *i);
    let mut links: Vec<(u32, LinkSpec)> =
        world.query::<(&SimLink, &LinkParams)>().iter(world).map(|(i, p)| (i.0, p.0.clone())).collect();
    links.sort_by_key(|(i, _)| *i);
    s.nodes = nodes.into_iter().map(|(_, n)| n).collect();
    s.links = links.into_iter().map(|(_, l)| l).collect();
    Some(s)
}

/// Whether a file is a scenario: a `.ron` file that does not describe a
/// lesson, a concept or a level (those sit beside their scenarios), and is
/// not a recorded run (`.replay.ron`).
pub fn is_scenario_file(p: &std::path::Path) -> bool {
    p.extension().is_some_and(|x| x == "ron")
        && p.file_name().is_some_and(|n| {
            n != "lesson.ron" && n != "concept.ron" && n != "level.ron" && !n.to_string_lossy().ends_with(".replay.ron")
        })
}

/// Read a text file of at most `limit` bytes. The size the file system
/// reports is not trusted (a pipe or a device reports none): at most one
/// byte past the limit is ever read.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_limited(path: &std::path::Path, limit: u64) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    if file.metadata().is_ok_and(|m| m.is_file() && m.len() > limit) {
        return Err(format!("file is {} bytes; the limit is {limit}", file.metadata().map_or(0, |m| m.len())));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("more than {limit} bytes; the limit is {limit}"));
    }
    String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))
}

/// Write a file so that a crash or full disk never leaves it half-written:
/// write a temporary file beside it, flush it to disk, then rename it over
/// the target (atomic on the same file system).
#[cfg(not(target_arch = "wasm32"))]
pub fn write_atomic(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    if result.is_ok() {
        remove_stale_temporaries(path);
    }
    result
}

/// Temporary files that saves of `path` killed midway left behind
/// (`NAME.PID.tmp`): those of processes no longer running (on Linux), or
/// older than an hour elsewhere.
#[cfg(not(target_arch = "wasm32"))]
fn remove_stale_temporaries(path: &std::path::Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else { return };
    let dir = if dir.as_os_str().is_empty() { std::path::Path::new(".") } else { dir };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let proc = std::path::Path::new("/proc/self").exists();
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(pid) = file.to_str().and_then(|f| f.strip_prefix(name)?.strip_prefix('.')?.strip_suffix(".tmp"))
        else {
            continue;
        };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) || pid == std::process::id().to_string() {
            continue;
        }
        let stale = if proc {
            !std::path::Path::new("/proc").join(pid).exists()
        } else {
            e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() > 3600))
        };
        if stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

pub(super) fn plugin(_app: &mut App) {}

#[doc(hidden)]
pub fn field(name: &str) -> Seg {
    Seg::Field(name.into())
}
