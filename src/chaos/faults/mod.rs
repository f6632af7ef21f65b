//! Faults, one file each: its fields (the scenario file's schema), its
//! checks (made once, for files, the command line and live injection
//! alike), the engine effects it resolves to, its label and its
//! command-line words. This file is the registry: adding a fault is a new
//! file plus one line in the list at the bottom.
//!
//! The engine knows only effects (`sim::engine::faults`): a handful of
//! primitive changes to a node or a link. A fault is a named, checked
//! combination of them aimed at targets given by name.

use serde::{Deserialize, Serialize};

use super::ScheduledFault;
use crate::sim::Engine;
use crate::sim::NodeKind;
use crate::sim::engine::faults_api::Effect;
use crate::sim::time::{ms_to_nanos, secs_to_nanos};

/// The field that is wrong and what is wrong with it.
pub type Bad = (&'static str, String);

/// What every fault provides.
pub trait FaultKind: Sized {
    /// Its command-line verb (`kill`).
    const VERB: &str;
    /// The verb with its arguments, as the command line's help shows it.
    const USAGE: &str;

    /// Short human description, e.g. `kill app-2`.
    fn label(&self) -> String;

    /// Check names and numbers against the system it targets.
    fn check(&self, t: &dyn Names) -> Result<(), Bad>;

    /// The engine effects, resolved to indices (only called once `check`
    /// has passed on the same system).
    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String>;

    /// From the command line's words (`a.target()` is the word after the verb).
    fn parse(a: &Args) -> Result<Self, String>;

    /// Its button in the fault menu for what a person aimed at, with the
    /// strength they set; `None` where it does not apply.
    fn menu(_aim: &Aim, _s: &Strength) -> Option<MenuEntry<Self>> {
        None
    }

    /// The nodes it cuts off from the rest (drawn as a fence).
    fn group(&self) -> Vec<String> {
        Vec::new()
    }
}

/// What a fault button is aimed at: the node or the link a person picked.
pub enum Aim<'a> {
    /// A node; `zone_members`: the nodes in its zone, itself included.
    Node {
        id: &'a str,
        kind: &'a NodeKind,
        zone: Option<&'a str>,
        zone_members: &'a [String],
    },
    Link {
        from: &'a str,
        to: &'a str,
    },
}

impl Aim<'_> {
    /// A node that serves (any but a client): its id and kind.
    fn server(&self) -> Option<(&str, &NodeKind)> {
        match self {
            Aim::Node { id, kind, .. } if !matches!(kind, NodeKind::Client(_)) => Some((id, kind)),
            _ => None,
        }
    }

    /// A client's id.
    fn client(&self) -> Option<&str> {
        match self {
            Aim::Node { id, kind: NodeKind::Client(_), .. } => Some(id),
            _ => None,
        }
    }

    fn link(&self) -> Option<(&str, &str)> {
        match self {
            Aim::Link { from, to } => Some((from, to)),
            _ => None,
        }
    }
}

/// How hard and how long the menu's buttons break things, as a person set
/// it.
#[derive(Clone, Debug, PartialEq)]
pub struct Strength {
    /// Throttle and spike factor.
    pub factor: f64,
    /// Latency added to a link.
    pub add_ms: f64,
    /// Share for loss, corruption, duplicates and hot keys.
    pub share: f64,
    pub mbps: f64,
    /// Seconds; 0: until healed.
    pub for_s: f64,
}

impl Default for Strength {
    fn default() -> Self {
        Strength { factor: 2.0, add_ms: 100.0, share: 0.2, mbps: 1.0, for_s: 0.0 }
    }
}

/// One button of the fault menu: its label, its tooltip, what it injects.
pub struct MenuEntry<F = Fault> {
    pub label: String,
    pub tip: &'static str,
    pub fault: F,
}

impl<F> MenuEntry<F> {
    fn new(label: impl Into<String>, tip: &'static str, fault: F) -> Self {
        MenuEntry { label: label.into(), tip, fault }
    }
}

/// What checking a fault needs to know of the system it targets.
pub trait Names {
    /// The kind of the node with this id, if there is one.
    fn node_kind(&self, id: &str) -> Option<&NodeKind>;
    fn link_exists(&self, from: &str, to: &str) -> bool;
}

fn node(t: &dyn Names, field: &'static str, id: &str) -> Result<(), Bad> {
    if t.node_kind(id).is_some() { Ok(()) } else { Err((field, format!("no node has id \"{id}\""))) }
}

/// A client: only clients make requests (a herd aimed at any other node
/// would have it send requests it cannot make).
fn client(t: &dyn Names, field: &'static str, id: &str) -> Result<(), Bad> {
    match t.node_kind(id) {
        Some(NodeKind::Client(_)) => Ok(()),
        Some(_) => Err((field, format!("\"{id}\" is not a client"))),
        None => Err((field, format!("no node has id \"{id}\""))),
    }
}

fn replicated(t: &dyn Names, id: &str) -> Result<(), Bad> {
    match t.node_kind(id) {
        Some(NodeKind::ReplicatedDatabase(_)) => Ok(()),
        Some(_) => Err(("node", format!("\"{id}\" is not a replicated database"))),
        None => Err(("node", format!("no node has id \"{id}\""))),
    }
}

fn link(t: &dyn Names, from: &str, to: &str) -> Result<(), Bad> {
    if t.link_exists(from, to) { Ok(()) } else { Err(("to", format!("no link \"{from}\" -> \"{to}\""))) }
}

/// Limits that keep every fault's effect inside the engine's nanosecond
/// clock and within what a machine can simulate: a factor, an added delay,
/// a duration.
const MAX_FACTOR: f64 = 1000.0;
const MAX_ADDED_MS: f64 = 3.6e6;
const MAX_SECONDS: f64 = 1e6;
/// The latest a fault may start or end, as scenario files allow.
pub const MAX_SCHEDULE_S: f64 = 1e7;

fn positive(field: &'static str, v: f64, max: f64) -> Result<(), Bad> {
    if !(v.is_finite() && v > 0.0) {
        Err((field, format!("must be a positive number, got {v}")))
    } else if v > max {
        Err((field, format!("must be at most {max}, got {v}")))
    } else {
        Ok(())
    }
}

fn nonneg(field: &'static str, v: f64, max: f64) -> Result<(), Bad> {
    if !(v.is_finite() && v >= 0.0) {
        Err((field, format!("must be a non-negative number, got {v}")))
    } else if v > max {
        Err((field, format!("must be at most {max}, got {v}")))
    } else {
        Ok(())
    }
}

fn within(field: &'static str, v: f64, min: f64, max: f64) -> Result<(), Bad> {
    if v.is_finite() && (min..=max).contains(&v) {
        Ok(())
    } else {
        Err((field, format!("must be between {min} and {max}, got {v}")))
    }
}

fn share(field: &'static str, v: f64) -> Result<(), Bad> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err((field, format!("must be between 0 and 1, got {v}")))
    }
}

/// The running engine, for resolving names to indices.
pub struct Targets<'a> {
    pub engine: &'a Engine,
}

impl Targets<'_> {
    fn node(&self, id: &str) -> Result<u32, String> {
        self.engine.find_node(id).ok_or(format!("no node \"{id}\""))
    }

    fn link(&self, from: &str, to: &str) -> Result<u32, String> {
        self.engine.find_link(from, to).ok_or(format!("no link \"{from}\" -> \"{to}\""))
    }
}

impl Names for Targets<'_> {
    fn node_kind(&self, id: &str) -> Option<&NodeKind> {
        self.engine.find_node(id).map(|n| &self.engine.nodes()[n as usize].spec.kind)
    }

    fn link_exists(&self, from: &str, to: &str) -> bool {
        self.engine.find_link(from, to).is_some()
    }
}

/// A fault's words on the command line, before `at` and `for`.
pub struct Args<'a> {
    words: &'a [&'a str],
    text: &'a str,
}

impl Args<'_> {
    /// The word after the verb: a node, a client, `FROM->TO`, a zone.
    fn target(&self) -> Result<&str, String> {
        self.words.get(1).copied().ok_or_else(usage)
    }

    /// The target as the two ends of a link.
    fn ends(&self) -> Result<(String, String), String> {
        let w = self.target()?;
        let (a, b) = w.split_once("->").ok_or(format!("\"{w}\" should be FROM->TO"))?;
        Ok((a.to_string(), b.to_string()))
    }

    /// Word `i` as a number, with these prefixes and suffixes taken off.
    fn num(&self, i: usize, strip: &[&str]) -> Result<f64, String> {
        let mut w = *self.words.get(i).ok_or_else(usage)?;
        for s in strip {
            w = w.trim_start_matches(s).trim_end_matches(s);
        }
        w.parse::<f64>().map_err(|_| format!("bad number in \"{}\": {}", self.text, usage()))
    }

    /// An optional named duration (`warm 5s`, `crash 30s`).
    fn opt(&self, key: &str, default: f64) -> Result<f64, String> {
        match self.words.iter().position(|w| *w == key) {
            Some(i) => secs(self.words.get(i + 1)),
            None => Ok(default),
        }
    }
}

fn secs(w: Option<&&str>) -> Result<f64, String> {
    let w = w.ok_or_else(usage)?;
    w.trim_end_matches('s').parse::<f64>().map_err(|_| format!("bad time \"{w}\": {}", usage()))
}

/// The command line's help for faults, listing every verb.
fn usage() -> String {
    format!("expected e.g. \"kill app-2 at 10s for 5s\" (verbs: {})", Fault::usages().join(", "))
}

macro_rules! faults {
    ($($variant:ident in $file:ident,)*) => {
        $(mod $file;)*
        $(pub use $file::$variant;)*

        /// One fault and what it targets.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub enum Fault {
            $($variant($variant),)*
        }

        $(impl From<$variant> for Fault {
            fn from(f: $variant) -> Self {
                Fault::$variant(f)
            }
        })*

        impl Fault {
            /// Its verb on the command line (`kill`, `latency`), which
            /// concepts name in what they are about.
            pub fn verb(&self) -> &'static str {
                match self {
                    $(Fault::$variant(_) => <$variant as FaultKind>::VERB,)*
                }
            }

            /// Short human description, e.g. `kill app-2`.
            pub fn label(&self) -> String {
                match self {
                    $(Fault::$variant(f) => f.label(),)*
                }
            }

            /// The nodes a partition cuts off (empty for other faults).
            pub fn group(&self) -> Vec<String> {
                match self {
                    $(Fault::$variant(f) => f.group(),)*
                }
            }

            /// Check names and numbers; `Err` gives the field and what is wrong.
            pub fn check(&self, t: &dyn Names) -> Result<(), Bad> {
                match self {
                    $(Fault::$variant(f) => f.check(t),)*
                }
            }

            fn resolve(&self, t: &Targets) -> Result<Vec<Effect>, String> {
                match self {
                    $(Fault::$variant(f) => f.effects(t),)*
                }
            }

            fn parse_words(a: &Args) -> Result<Fault, String> {
                let verb = a.words.first().copied().unwrap_or("");
                $(if verb == <$variant as FaultKind>::VERB {
                    return <$variant as FaultKind>::parse(a).map(Fault::$variant);
                })*
                Err(format!("unknown fault \"{verb}\": {}", usage()))
            }

            /// The fault menu's buttons for what a person aimed at, in the
            /// registry's order.
            pub fn menu(aim: &Aim, s: &Strength) -> Vec<MenuEntry> {
                let mut entries = Vec::new();
                $(if let Some(e) = <$variant as FaultKind>::menu(aim, s) {
                    entries.push(MenuEntry { label: e.label, tip: e.tip, fault: Fault::$variant(e.fault) });
                })*
                entries
            }

            /// Every fault's verb with its arguments, in the registry's order.
            pub fn usages() -> Vec<&'static str> {
                vec![$(<$variant as FaultKind>::USAGE,)*]
            }
        }
    };
}

impl Fault {
    /// Check against the running engine, then resolve names to indices.
    pub fn effects(&self, engine: &Engine) -> Result<Vec<Effect>, String> {
        let t = Targets { engine };
        self.check(&t).map_err(|(field, what)| format!("{field}: {what}"))?;
        self.resolve(&t)
    }

    /// Parse the command-line form, e.g. `kill app-2 at 10s for 5s`,
    /// `latency lb->app-1 +100ms at 5s`, `loss a->b 20% at 0s`,
    /// `partition db,cache at 30s for 10s`, `spike users x3 at 20s`.
    pub fn parse_cli(text: &str) -> Result<ScheduledFault, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let find = |kw: &str| words.iter().position(|w| *w == kw);
        let at_s = match find("at") {
            Some(i) => secs(words.get(i + 1))?,
            None => 0.0,
        };
        let for_s = match find("for") {
            Some(i) => Some(secs(words.get(i + 1))?),
            None => None,
        };
        let end = [find("at"), find("for")].into_iter().flatten().min().unwrap_or(words.len());
        let args = Args { words: &words[..end], text };
        args.target()?;
        let fault = Fault::parse_words(&args)?;
        let ok = |t: f64| t.is_finite() && (0.0..=MAX_SCHEDULE_S).contains(&t);
        if !ok(at_s) || for_s.is_some_and(|f| !ok(f)) {
            return Err(format!("times must be between 0 and {MAX_SCHEDULE_S} s: {}", crate::sim::check::shown(text)));
        }
        Ok(ScheduledFault { at_s, for_s, fault })
    }
}

faults! {
    Kill in kill,
    Pause in pause,
    CpuThrottle in cpu_throttle,
    Restart in restart,
    MemoryLeak in memory_leak,
    DiskFull in disk_full,
    PoolExhaustion in pool_exhaustion,
    CacheFlush in cache_flush,
    Latency in latency,
    PacketLoss in packet_loss,
    Bandwidth in bandwidth,
    Blackhole in blackhole,
    Corrupt in corrupt,
    Duplicate in duplicate,
    Partition in partition,
    ZoneOutage in zone_outage,
    TrafficSpike in traffic_spike,
    ThunderingHerd in thundering_herd,
    HotKey in hot_key,
    ClockSkew in clock_skew,
    ReplicaLag in replica_lag,
    LeaderFailover in leader_failover,
}
