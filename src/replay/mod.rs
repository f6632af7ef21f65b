//! Replays: what a run started from (the scenario and the seed) and every
//! change that reached the engine since (edits, faults, the monkey), each
//! with the exact sim time it took effect. The engine is deterministic, so
//! these inputs give the whole run back, bit for bit: a replay file is
//! small, travels as a link, and plays to any moment.
//!
//! `record` keeps the live app's recording (and snapshots to seek with);
//! this file is the format, its checks and the player.

pub mod record;

use serde::{Deserialize, Serialize};

use crate::chaos::ChaosCommand;
use crate::edit::{Edit, apply_to_engine};
use crate::scenario::{Scenario, ScenarioError, locate::Seg, parse_ron};
use crate::sim::Engine;
use crate::sim::time::{NANOS_PER_SEC, Nanos};

/// Format version; this build reads version 1.
pub const VERSION: u32 = 1;
/// Most steps a replay may hold.
pub const MAX_STEPS: usize = 100_000;
/// Longest run a replay may cover: a day of sim time.
pub const MAX_END_NS: Nanos = 86_400 * NANOS_PER_SEC;
/// Checking a replay re-checks the system after each edit: at most this
/// many node and link checks in all.
const MAX_CHECK_WORK: usize = 50_000_000;
/// Where a replay travels in a link (`…#r=` then the packed file).
pub const MARK: &str = "#r=";

/// Does this name a replay (a `.replay.ron` file or a `#r=` link)?
pub fn is_replay_source(text: &str) -> bool {
    text.contains(MARK) || text.ends_with(".replay.ron")
}

/// A recorded run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    pub version: u32,
    /// The seed the run started from (it may differ from the file's).
    pub seed: u64,
    /// How far the run had gone when it was saved (sim nanoseconds).
    pub end_ns: Nanos,
    /// The system as it was opened.
    pub scenario: Scenario,
    /// What changed, in the order it happened.
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// One change and the sim time it took effect.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub at_ns: Nanos,
    pub input: Input,
}

/// A change a person made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Input {
    /// Edits applied together (one undo step, or a parameter as it moved).
    Edits(Vec<Edit>),
    /// A fault injected or healed, or the monkey started or stopped.
    Chaos(ChaosCommand),
}

impl Input {
    /// Carry it out on the engine now, as the app did.
    pub fn apply(&self, engine: &mut Engine) -> Result<(), String> {
        match self {
            Input::Edits(edits) => {
                for e in edits {
                    apply_to_engine(engine, e);
                }
                Ok(())
            }
            Input::Chaos(c) => c.apply(engine),
        }
    }

    /// A few words for markers and lists ("kill app-2", "edit app-1").
    pub fn label(&self) -> String {
        match self {
            Input::Chaos(ChaosCommand::Inject(f) | ChaosCommand::InjectFor(f, _)) => f.label(),
            Input::Chaos(ChaosCommand::Heal(id)) => format!("heal fault {id}"),
            Input::Chaos(ChaosCommand::HealAll) => "heal all".into(),
            Input::Chaos(ChaosCommand::Monkey(Some(_))) => "monkey on".into(),
            Input::Chaos(ChaosCommand::Monkey(None)) => "monkey off".into(),
            Input::Edits(edits) => {
                let what = |e: &Edit| match e {
                    Edit::AddNode(n) => format!("add {}", n.id),
                    Edit::RemoveNode(id) => format!("delete {id}"),
                    Edit::AddLink(l) => format!("link {} → {}", l.from, l.to),
                    Edit::RemoveLink { from, to } => format!("unlink {from} → {to}"),
                    Edit::SetNode(n) => format!("edit {}", n.id),
                    Edit::SetLink(l) => format!("edit {} → {}", l.from, l.to),
                };
                match edits.as_slice() {
                    [] => "nothing".into(),
                    [one] => what(one),
                    [first, rest @ ..] => format!("{} and {} more", what(first), rest.len()),
                }
            }
        }
    }

    /// Is it a fault (rather than an edit)?
    pub fn is_chaos(&self) -> bool {
        matches!(self, Input::Chaos(_))
    }
}

/// A replay being played: the engine and the next step to apply.
#[derive(Clone)]
pub struct Player {
    pub engine: Engine,
    pub next: usize,
}

impl Replay {
    /// A recording of a run that starts now.
    pub fn new(scenario: Scenario, seed: u64) -> Self {
        Replay { version: VERSION, seed, end_ns: 0, scenario, steps: Vec::new() }
    }

    /// The run at time zero.
    pub fn start(&self) -> Player {
        Player { engine: self.scenario.start(self.seed), next: 0 }
    }

    /// Run on to `until`, applying each step at its time. A step at
    /// exactly `until` is applied (the state at a time includes what a
    /// person did then).
    pub fn advance(&self, p: &mut Player, until: Nanos) -> Result<(), String> {
        while let Some(s) = self.steps.get(p.next).filter(|s| s.at_ns <= until) {
            if s.at_ns > p.engine.now() {
                p.engine.run_until(s.at_ns);
            }
            s.input.apply(&mut p.engine).map_err(|e| format!("step {} at {}: {e}", p.next, seconds(s.at_ns)))?;
            p.next += 1;
        }
        if until > p.engine.now() {
            p.engine.run_until(until);
        }
        Ok(())
    }

    /// The run played to its end.
    pub fn play(&self) -> Result<Engine, String> {
        let mut p = self.start();
        self.advance(&mut p, self.end_ns)?;
        Ok(p.engine)
    }

    /// Pretty RON that [`Replay::parse`] reads back to an equal value.
    pub fn to_ron(&self) -> String {
        crate::scenario::to_pretty_ron(self, 8)
    }

    /// Parse and check replay text; `file` is only used in messages.
    pub fn parse(file: &str, text: &str) -> Result<Replay, ScenarioError> {
        if text.len() as u64 > crate::scenario::MAX_FILE_BYTES {
            return Err(error(
                file,
                0,
                0,
                String::new(),
                format!("file is {} bytes; the limit is {}", text.len(), crate::scenario::MAX_FILE_BYTES),
            ));
        }
        let replay: Replay = parse_ron(file, text)?;
        replay.check().map_err(|(path, message)| {
            let (line, col) = crate::scenario::locate::line_col(text, crate::scenario::locate::locate(text, &path));
            error(file, line, col, crate::scenario::locate::path_to_string(&path), message)
        })?;
        Ok(replay)
    }

    /// Read, parse and check a replay file or `#r=` link (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &std::path::Path) -> Result<Replay, ScenarioError> {
        let name = path.display().to_string();
        if name.contains(MARK) {
            return Replay::from_link(&name);
        }
        let text = crate::scenario::read_limited(path, crate::scenario::MAX_FILE_BYTES)
            .map_err(|m| error(&name, 0, 0, String::new(), m))?;
        Replay::parse(&name, &text)
    }

    /// Read a replay from a link (or an address fragment) holding `#r=`.
    pub fn from_link(text: &str) -> Result<Replay, ScenarioError> {
        let source = crate::scenario::share::SOURCE_NAME;
        let payload = text.split_once(MARK).map_or(text, |(_, p)| p);
        let text =
            crate::scenario::share::unpack(payload, "replay").map_err(|m| error(source, 0, 0, String::new(), m))?;
        Replay::parse(source, &text)
    }

    /// A link that opens this replay: `base` then `#r=` and the packed file.
    pub fn link(&self, base: &str) -> Result<String, String> {
        let payload = crate::scenario::share::pack(&self.to_ron());
        if payload.len() > crate::scenario::share::MAX_LINK_CHARS {
            return Err(format!(
                "this replay is too large for a link ({} characters; the limit is {}): save it as a file instead",
                payload.len(),
                crate::scenario::share::MAX_LINK_CHARS
            ));
        }
        Ok(format!("{base}{MARK}{payload}"))
    }

    /// The rules every replay obeys: the system checks like a scenario
    /// file, steps come in time order within the run, and every edit leaves
    /// a system that checks too (as the app required when it was made).
    pub fn check(&self) -> Result<(), crate::sim::check::Fail> {
        let field = |name: &str| vec![Seg::Field(name.into())];
        if self.version != VERSION {
            return Err((field("version"), format!("this build reads version {VERSION}, not {}", self.version)));
        }
        if self.end_ns > MAX_END_NS {
            return Err((
                field("end_ns"),
                format!("the run is {} long; the limit is {}", seconds(self.end_ns), seconds(MAX_END_NS)),
            ));
        }
        if self.steps.len() > MAX_STEPS {
            return Err((field("steps"), format!("{} steps; the limit is {MAX_STEPS}", self.steps.len())));
        }
        let in_scenario = |(mut path, message): crate::sim::check::Fail| {
            path.insert(0, Seg::Field("scenario".into()));
            (path, message)
        };
        crate::scenario::validate::check(&self.scenario).map_err(in_scenario)?;
        let edits = self.steps.iter().filter(|s| matches!(s.input, Input::Edits(_))).count();
        let size = self.scenario.nodes.len() + self.scenario.links.len() + 1;
        if edits.saturating_mul(size) > MAX_CHECK_WORK {
            return Err((field("steps"), format!("{edits} edits of a system of {size} parts are too many to check")));
        }
        let mut system = self.scenario.clone();
        let mut last = 0;
        for (i, s) in self.steps.iter().enumerate() {
            let at = |name: &str, message: String| {
                (vec![Seg::Field("steps".into()), Seg::Index(i), Seg::Field(name.into())], message)
            };
            if s.at_ns < last {
                return Err(at("at_ns", format!("steps must be in time order: {} comes after {}", s.at_ns, last)));
            }
            if s.at_ns > self.end_ns {
                return Err(at("at_ns", format!("{} is after the end of the run ({})", s.at_ns, self.end_ns)));
            }
            last = s.at_ns;
            match &s.input {
                Input::Edits(edits) => {
                    for (k, e) in edits.iter().enumerate() {
                        if let Some(missing) = missing_target(&system, e) {
                            return Err(at(
                                "input",
                                format!("edit {k} names {missing}, which is not there at this point"),
                            ));
                        }
                        crate::edit::apply_to_scenario(&mut system, std::slice::from_ref(e));
                    }
                    if let Err(e) = system.check() {
                        return Err(at("input", format!("after this edit, {}: {}", e.path, e.message)));
                    }
                }
                Input::Chaos(c) => check_chaos(c, &system).map_err(|m| at("input", m))?,
            }
        }
        Ok(())
    }
}

/// What an edit changes or removes, when the system has no such thing (a
/// recording never holds one; a hand-made file might).
fn missing_target(system: &Scenario, e: &Edit) -> Option<String> {
    let node = |id: &str| (!system.nodes.iter().any(|n| n.id == id)).then(|| format!("node \"{}\"", id.escape_debug()));
    let link = |from: &str, to: &str| {
        (!system.links.iter().any(|l| l.from == from && l.to == to))
            .then(|| format!("link {} -> {}", from.escape_debug(), to.escape_debug()))
    };
    match e {
        Edit::AddNode(_) | Edit::AddLink(_) => None,
        Edit::RemoveNode(id) => node(id),
        Edit::SetNode(n) => node(&n.id),
        Edit::RemoveLink { from, to } => link(from, to),
        Edit::SetLink(l) => link(&l.from, &l.to),
    }
}

/// A live chaos command's values, by the rules of a scenario file.
fn check_chaos(c: &ChaosCommand, system: &Scenario) -> Result<(), String> {
    let finite = |what: &str, v: f64| {
        if v.is_finite() && v > 0.0 && v <= 1e7 {
            Ok(())
        } else {
            Err(format!("{what} must be a number of seconds above 0 and at most 10000000, got {v}"))
        }
    };
    match c {
        ChaosCommand::Inject(f) | ChaosCommand::InjectFor(f, _) => {
            if let ChaosCommand::InjectFor(_, s) = c {
                finite("the fault's duration", *s)?;
            }
            f.check(system).map_err(|(field, m)| format!("{field}: {m}"))
        }
        // As in a file: a fault every nanosecond would never let the run
        // move on (each fault recombines all those active).
        ChaosCommand::Monkey(Some(s)) if *s < 0.001 => {
            Err(format!("the monkey's interval must be at least 0.001 seconds, got {s}"))
        }
        ChaosCommand::Monkey(Some(s)) => finite("the monkey's interval", *s),
        ChaosCommand::Monkey(None) | ChaosCommand::Heal(_) | ChaosCommand::HealAll => Ok(()),
    }
}

fn error(file: &str, line: usize, col: usize, path: String, message: String) -> ScenarioError {
    ScenarioError { file: file.into(), line, col, path, message }
}

/// "12.5 s" for a time in nanoseconds.
pub fn seconds(t: Nanos) -> String {
    let s = t as f64 / NANOS_PER_SEC as f64;
    if t % NANOS_PER_SEC == 0 { format!("{s:.0} s") } else { format!("{s:.3} s") }
}

/// The charts' series as CSV: one row per one-second window that ended
/// after `from` and by `to` (sim seconds), the run's figures, then each
/// node's utilisation and mean queue.
pub fn chart_csv(engine: &Engine, from: f64, to: f64) -> String {
    use std::fmt::Write;
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let nodes: Vec<(usize, &str)> =
        engine.nodes().iter().enumerate().filter(|(_, n)| !n.removed).map(|(i, n)| (i, n.spec.id.as_str())).collect();
    let mut out = String::from(
        "t_s,offered_rps,throughput_rps,errors_rps,lost_rps,p50_ms,p95_ms,p99_ms,p999_ms,max_ms,in_flight",
    );
    for (_, id) in &nodes {
        let _ = write!(out, ",{},{}", quote(&format!("{id} utilisation")), quote(&format!("{id} mean queue")));
    }
    out.push('\n');
    for w in engine.windows().history.iter().filter(|w| w.t > from && w.t <= to) {
        let l = &w.latency_ms;
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{}",
            w.t,
            w.offered_rps,
            w.throughput_rps,
            w.errors_rps,
            w.lost_rps,
            l.p50,
            l.p95,
            l.p99,
            l.p999,
            l.max,
            w.in_flight
        );
        for (i, _) in &nodes {
            match w.nodes.get(*i) {
                Some(n) => {
                    let _ = write!(out, ",{},{}", n.utilization, n.mean_queue);
                }
                None => out.push_str(",,"),
            }
        }
        out.push('\n');
    }
    out
}
