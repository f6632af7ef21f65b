//! Concepts: one idea each, as a live experiment. A short card says what
//! it is, why it matters and where you meet it; a question asks the
//! learner to predict what the simulation will show; a *before* design
//! shows the problem and an *after* design fixes it, judged by a
//! checkpoint on the run's own numbers; "try this" experiments state a
//! change and its effect, and notice when the learner makes the change.
//!
//! Each concept is a folder, `scenarios/concepts/<id>/` with
//! `concept.ron`, `before.ron` and `after.ron`, registered by one line in
//! [`BUNDLED`] (bundled into the program, so the browser has them too).

use serde::{Deserialize, Serialize};

use super::metric::{Check, Measured, Metric, Outcome, judge_all};
use crate::chaos::Fault;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::engine::FaultRecord;
use crate::sim::metrics::Window;
use crate::sim::report::Report;
use crate::sweep::{Leaf, Param, Vary};

/// The groups of the catalogue, in the order they are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Group {
    Queueing,
    Scaling,
    Caching,
    Data,
    Messaging,
    Resilience,
    FailureModes,
    Networking,
    Consistency,
    Cost,
}

impl Group {
    pub const ALL: [Group; 10] = [
        Group::Queueing,
        Group::Scaling,
        Group::Caching,
        Group::Data,
        Group::Messaging,
        Group::Resilience,
        Group::FailureModes,
        Group::Networking,
        Group::Consistency,
        Group::Cost,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Group::Queueing => "Traffic and queueing",
            Group::Scaling => "Scaling",
            Group::Caching => "Caching",
            Group::Data => "Data",
            Group::Messaging => "Messaging",
            Group::Resilience => "Resilience patterns",
            Group::FailureModes => "Failure modes",
            Group::Networking => "Networking",
            Group::Consistency => "Consistency",
            Group::Cost => "Cost and capacity",
        }
    }
}

/// Which of a concept's two designs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Design {
    Before,
    After,
}

impl Design {
    pub fn file(self) -> &'static str {
        match self {
            Design::Before => "before.ron",
            Design::After => "after.ron",
        }
    }
}

/// A concept file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    pub version: u32,
    pub id: String,
    pub group: Group,
    pub title: String,
    /// What it is, in two or three sentences.
    pub what: String,
    /// Why it matters.
    pub why: String,
    /// Where you would meet it.
    pub meet: String,
    /// The node kinds (as the palette names them: "cache", "load
    /// balancer"), faults (as the command line names them: "kill",
    /// "throttle") and link fields ([`LINK_TOPICS`]) this concept is
    /// about; the inspector of a node of that kind, or of any link for a
    /// link field, links to it.
    #[serde(default)]
    pub about: Vec<String>,
    /// Nodes to circle on the canvas.
    #[serde(default)]
    pub watch: Vec<String>,
    /// The chart to watch: "throughput", "latency" or "errors".
    #[serde(default)]
    pub chart: String,
    /// Sim seconds to warm up, then to measure, for every judgement.
    #[serde(default)]
    pub warmup_s: f64,
    pub measure_s: f64,
    /// Asked before the run.
    pub predict: Predict,
    /// Met by the after design, missed by the before one.
    pub checkpoint: Vec<Check>,
    #[serde(default)]
    pub try_this: Vec<Experiment>,
}

/// A multiple-choice question about what a run will measure. The right
/// answer is whichever choice holds the measured value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predict {
    pub question: String,
    /// The design the question is about.
    pub on: Design,
    pub metric: Metric,
    pub choices: Vec<Choice>,
    /// Why the number comes out as it does (shown after the answer).
    pub explain: String,
}

impl Concept {
    /// Numbers a concept may hold: runs are short (a learner waits for
    /// them), and a question needs choices.
    pub fn check(&self) -> Result<(), String> {
        let ok = |v: f64, lo: f64, hi: f64| v.is_finite() && (lo..=hi).contains(&v);
        if !ok(self.warmup_s, 0.0, 600.0) {
            return Err(format!("warmup_s: {} is not between 0 and 600 s", self.warmup_s));
        }
        if !ok(self.measure_s, 0.001, 600.0) {
            return Err(format!("measure_s: {} is not between 0.001 and 600 s", self.measure_s));
        }
        if self.predict.choices.len() < 2 {
            return Err("predict.choices: a question needs at least two choices".into());
        }
        Ok(())
    }
}

/// One answer: a band of values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub says: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
}

impl Choice {
    pub fn holds(&self, v: f64) -> bool {
        self.at_least.is_none_or(|lo| v >= lo) && self.at_most.is_none_or(|hi| v < hi)
    }
}

impl Predict {
    /// The choice that holds `v`.
    pub fn answer(&self, v: f64) -> Option<usize> {
        self.choices.iter().position(|c| c.holds(v))
    }
}

/// "Try this": a change to one of the designs and what it should do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// The change and its effect, in words.
    pub says: String,
    /// The design it starts from.
    pub on: Design,
    /// Fields to set, as `NODE.FIELD` or `FROM->TO.FIELD` (the sweep's
    /// names, e.g. `api.workers`, `users.rate`, `api->db.hedge_after_ms`)
    /// and a value: a number, a word (`("lb.policy", "LeastConnections")`)
    /// or yes/no (`("db.idempotent", true)`).
    #[serde(default)]
    pub set: Vec<(String, Setting)>,
    /// Faults to inject, in the command line's words (`kill app-2 at 20s for 10s`).
    #[serde(default)]
    pub chaos: Vec<String>,
    /// What the run shows once the change is made (and not before).
    pub expect: Vec<Check>,
}

/// A value an experiment gives a field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Setting {
    Number(f64),
    Flag(bool),
    /// One of an enum's variants, or a name (a zone).
    Word(String),
}

impl Setting {
    fn json(&self) -> serde_json::Value {
        match self {
            Setting::Number(x) => serde_json::json!(x),
            Setting::Flag(b) => serde_json::Value::Bool(*b),
            Setting::Word(w) => serde_json::Value::String(w.clone()),
        }
    }

    /// Set `field` to this value in `s` (checked later).
    fn put(&self, field: &str, s: &mut Scenario) -> Result<(), String> {
        match self {
            // Through the sweep's parser: a whole-number field rounds.
            Setting::Number(x) => Vary::parse(&format!("{field}={x}"), s)?.apply(s, *x),
            _ => Param::parse(field, s, Leaf::Word, &self.json())?.put(s, self.json()),
        }
    }

    /// Whether `now` has this value in `field`, or has moved from `base`
    /// to it or past it (a number).
    fn reached(&self, field: &str, base: &Scenario, now: &Scenario) -> bool {
        match self {
            Setting::Number(want) => {
                let Some(cur) = field_value(now, field) else { return false };
                // A field unset at the start (no hedging yet) must be set to
                // the value itself: there is no direction to move in.
                let Some(from) = field_value(base, field) else { return (cur - want).abs() < 1e-9 };
                if *want > from {
                    cur >= *want - 1e-9
                } else if *want < from {
                    cur <= *want + 1e-9
                } else {
                    (cur - want).abs() < 1e-9
                }
            }
            _ => Param::parse(field, base, Leaf::Word, &self.json()).is_ok_and(|p| p.holds(now, &self.json())),
        }
    }
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Setting::Number(x) => write!(f, "{x}"),
            Setting::Flag(b) => write!(f, "{}", if *b { "on" } else { "off" }),
            Setting::Word(w) => write!(f, "{w}"),
        }
    }
}

impl Experiment {
    /// `base` with the change made, checked like a scenario.
    pub fn apply(&self, base: &Scenario) -> Result<Scenario, String> {
        let mut s = base.clone();
        for (field, v) in &self.set {
            v.put(field, &mut s)?;
        }
        for c in &self.chaos {
            s.chaos.push(Fault::parse_cli(c).map_err(|e| format!("chaos \"{c}\": {e}"))?);
        }
        s.check().map_err(|e| format!("{}: {}", e.path, e.message))?;
        Ok(s)
    }

    /// Whether the learner has made the change on `now` (the design on
    /// the canvas), starting from `base`: every field moved to the set
    /// value or past it, every fault injected (by what and where).
    pub fn made(&self, base: &Scenario, now: &Scenario, faults: &[FaultRecord]) -> bool {
        let fields = self.set.iter().all(|(field, want)| want.reached(field, base, now));
        // A fault counts when it is not one the starting design already has.
        let had: Vec<String> = base.chaos.iter().map(|f| f.fault.label()).collect();
        let injected = self.chaos.iter().all(|c| {
            let Ok(f) = Fault::parse_cli(c) else { return false };
            let label = f.fault.label();
            let want = what_where(&label);
            faults.iter().any(|r| {
                let l = r.fault.trim_start_matches("monkey: ");
                what_where(l) == want && !had.iter().any(|h| h == l)
            })
        });
        fields && injected
    }
}

/// A fault label's verb and target (`kill app-2`), without its strength.
fn what_where(label: &str) -> Vec<&str> {
    label.split_whitespace().take(2).collect()
}

/// The value of `NODE.FIELD` in a design (None: no such node or field).
pub fn field_value(s: &Scenario, field: &str) -> Option<f64> {
    Vary::parse(&format!("{field}=0"), s).ok()?.value(s)
}

/// A bundled concept: its three files.
pub struct Bundled {
    pub id: &'static str,
    pub concept: &'static str,
    pub before: &'static str,
    pub after: &'static str,
}

macro_rules! concepts {
    ($($id:literal),* $(,)?) => {
        &[$(Bundled {
            id: $id,
            concept: include_str!(concat!("../../scenarios/concepts/", $id, "/concept.ron")),
            before: include_str!(concat!("../../scenarios/concepts/", $id, "/before.ron")),
            after: include_str!(concat!("../../scenarios/concepts/", $id, "/after.ron")),
        }),*]
    };
}

/// The concepts that ship with the program, one line each.
pub const BUNDLED: &[Bundled] = concepts![
    // Traffic and queueing
    "utilisation-knee",
    "littles-law",
    "pool-sizing",
    "one-queue-beats-many",
    "open-vs-closed-loop",
    "heavy-request-lane",
    // Scaling
    "scale-out-no-single-point",
    "power-of-two-choices",
    "serial-bottleneck",
    "autoscaling-lag",
    "serverless-cold-starts",
    "universal-scalability-law",
    "slow-start",
    // Caching
    "cache-aside",
    "cache-working-set",
    "cache-ttl-staleness",
    "cache-invalidation",
    "cache-stampede",
    "cold-cache",
    "cdn-edge",
    // Data
    "read-replicas",
    "sharding-writes",
    "hot-key",
    "consistent-hashing",
    "failover-retry-horizon",
    "blobs-off-path",
    "sync-replication",
    "fan-out-on-write",
    // Messaging
    "queue-load-levelling",
    "dead-letter-queue",
    "idempotency-keys",
    "exactly-once-effect",
    "batching",
    "pubsub-decoupling",
    "stream-partitions-lag",
    "head-of-line-blocking",
    "poison-messages",
    "polling-vs-push",
    "store-and-forward",
    "reconnect-storm",
    // Resilience patterns
    "timeouts",
    "retry-backoff-jitter",
    "retry-budget",
    "retry-one-layer",
    "hedged-requests",
    "circuit-breaker",
    "graceful-degradation",
    "bulkhead",
    "adaptive-lifo",
    "bounded-queues",
    "priority-shedding",
    "token-bucket",
    "deadline-propagation",
    "noisy-neighbour",
    "health-checks",
    "outlier-ejection",
    // Failure modes
    "cascading-failure",
    "metastable-failure",
    "gray-failure",
    "least-connections-black-hole",
    "thundering-herd",
    "clock-skew-timeouts",
    "memory-leak-slow-death",
    "disk-full-buffer-writes",
    "zone-outage-multi-az",
    "multi-az-database",
    "canary-blast-radius",
    // Networking
    "fan-out-tail-latency",
    "serialisation-delay",
    "multi-region-reads",
    "packet-loss-retries",
    "dns-ttl-failover",
    "network-partition",
    // Consistency
    "replication-lag",
    "quorum-reads-writes",
    "read-your-writes",
    "durable-ack",
    // Cost and capacity
    "n-plus-one",
    "cost-vs-latency",
    "pay-per-use",
    "elastic-cost",
    "cells-blast-radius",
];

/// A concept ready to play.
pub struct Loaded {
    pub concept: &'static Concept,
    bundled: &'static Bundled,
}

/// Every bundled concept parsed once (errors name the file and line).
fn parsed() -> &'static [Result<Concept, String>] {
    static PARSED: std::sync::OnceLock<Vec<Result<Concept, String>>> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        BUNDLED
            .iter()
            .map(|b| {
                let name = format!("scenarios/concepts/{}/concept.ron", b.id);
                let c: Concept = crate::scenario::parse_ron(&name, b.concept).map_err(|e| e.to_string())?;
                c.check().map_err(|e| format!("{name}: {e}"))?;
                Ok(c)
            })
            .collect()
    })
}

impl Loaded {
    /// Every bundled concept, in the catalogue's order.
    pub fn all() -> Vec<Result<Loaded, String>> {
        BUNDLED
            .iter()
            .zip(parsed())
            .map(|(b, p)| p.as_ref().map(|c| Loaded { concept: c, bundled: b }).map_err(Clone::clone))
            .collect()
    }

    /// A bundled concept by id.
    pub fn get(id: &str) -> Result<Loaded, String> {
        let i = BUNDLED.iter().position(|b| b.id == id).ok_or_else(|| format!("no concept \"{id}\""))?;
        let c = parsed()[i].as_ref().map_err(Clone::clone)?;
        Ok(Loaded { concept: c, bundled: &BUNDLED[i] })
    }

    #[cfg(not(target_arch = "wasm32"))]
    /// A concept from its folder on disk (to check one while writing it).
    /// Its files stay in memory for the rest of the program.
    pub fn from_dir(dir: &std::path::Path) -> Result<Loaded, String> {
        let read = |f: &str| crate::learn::read_kept(dir, f);
        let (concept, before, after) = (read("concept.ron")?, read("before.ron")?, read("after.ron")?);
        let name = dir.join("concept.ron").display().to_string();
        let c: Concept = crate::scenario::parse_ron(&name, concept).map_err(|e| e.to_string())?;
        c.check().map_err(|e| format!("{name}: {e}"))?;
        let id: &'static str = Box::leak(c.id.clone().into_boxed_str());
        let bundled = Box::leak(Box::new(Bundled { id, concept, before, after }));
        Ok(Loaded { concept: Box::leak(Box::new(c)), bundled })
    }

    pub fn id(&self) -> &'static str {
        self.bundled.id
    }

    /// One of the concept's designs.
    pub fn scenario(&self, d: Design) -> Result<Scenario, ScenarioError> {
        let text = match d {
            Design::Before => self.bundled.before,
            Design::After => self.bundled.after,
        };
        Scenario::parse(&format!("scenarios/concepts/{}/{}", self.bundled.id, d.file()), text).map(|(s, _)| s)
    }

    /// Run a design (changed by `experiment`, if any) headless and judge `checks`.
    pub fn run(&self, s: &Scenario, name: &str, checks: &[Check]) -> Run {
        let c = self.concept;
        let (report, windows) = super::run_measured(s, name, c.warmup_s, c.measure_s);
        let outcomes = judge_all(checks, Measured { report: &report, windows: &windows });
        Run { report, windows, outcomes }
    }

    /// Judge the checkpoint on a design.
    pub fn evaluate(&self, d: Design) -> Result<Run, String> {
        let s = self.scenario(d).map_err(|e| e.to_string())?;
        Ok(self.run(&s, d.file(), &self.concept.checkpoint))
    }

    /// The value the prediction asks about, measured.
    pub fn measure_prediction(&self) -> Result<Option<f64>, String> {
        let p = &self.concept.predict;
        let s = self.scenario(p.on).map_err(|e| e.to_string())?;
        let run = self.run(&s, p.on.file(), &[]);
        Ok(p.metric.value(run.measured()))
    }

    /// Run the i-th experiment: its design changed, its expectations judged.
    pub fn experiment(&self, i: usize) -> Result<Run, String> {
        let x = self.concept.try_this.get(i).ok_or("no such experiment")?;
        let base = self.scenario(x.on).map_err(|e| e.to_string())?;
        let s = x.apply(&base).map_err(|e| format!("{}: try this {}: {e}", self.id(), i + 1))?;
        Ok(self.run(&s, x.on.file(), &x.expect))
    }
}

/// A judged run.
pub struct Run {
    pub report: Report,
    pub windows: Vec<Window>,
    pub outcomes: Vec<Outcome>,
}

impl Run {
    pub fn measured(&self) -> Measured<'_> {
        Measured { report: &self.report, windows: &self.windows }
    }

    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.pass)
    }
}

/// Link fields a concept may be about: the link inspector links to them.
pub const LINK_TOPICS: [&str; 2] = ["hedge_after_ms", "repeat"];

/// Every word `about` may use: node kind labels, fault verbs and link fields.
pub fn topics() -> Vec<&'static str> {
    let kinds = crate::sim::model::NodeKind::catalogue().into_iter().map(|k| k.label());
    kinds.chain(fault_verbs()).chain(LINK_TOPICS).collect()
}

/// The faults' verbs, as the command line names them (`kill`, `throttle`).
pub fn fault_verbs() -> Vec<&'static str> {
    Fault::usages().into_iter().filter_map(|u| u.split_whitespace().next()).collect()
}

/// The concepts about a node kind or a fault verb, in catalogue order.
pub fn about(topic: &str) -> Vec<Loaded> {
    Loaded::all().into_iter().flatten().filter(|l| l.concept.about.iter().any(|a| a == topic)).collect()
}

/// One finding of [`Loaded::verify`].
pub struct Finding {
    pub ok: bool,
    pub says: String,
}

impl Loaded {
    /// Run everything the concept claims and say whether each claim holds:
    /// the after design meets the checkpoint and the before one does not;
    /// the prediction's measured value falls in exactly one choice; each
    /// experiment's expectation fails on the unchanged design, holds once
    /// the change is made, and the change is noticed.
    pub fn verify(&self) -> Vec<Finding> {
        let c = self.concept;
        let mut out = Vec::new();
        let mut say = |ok: bool, says: String| out.push(Finding { ok, says });
        let show = |m: &Metric, v: Option<f64>| v.map_or("no data".to_string(), |v| m.show(v));
        let outcomes = |run: &Run, checks: &[Check]| {
            checks
                .iter()
                .zip(&run.outcomes)
                .map(|(c, o)| format!("{} = {}", c.says, show(&c.metric, o.value)))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let known = topics();
        for a in &c.about {
            if !known.contains(&a.as_str()) {
                say(false, format!("about \"{a}\": not a node kind or fault (known: {})", known.join(", ")));
            }
        }
        let designs = [Design::Before, Design::After].map(|d| self.scenario(d));
        for (d, s) in [Design::Before, Design::After].iter().zip(&designs) {
            if let Err(e) = s {
                say(false, format!("{}: {e}", d.file()));
            }
        }
        if let [Ok(before), Ok(after)] = &designs {
            let design = |d: Design| if d == Design::Before { before } else { after };
            let has = |s: &Scenario, id: &str| s.nodes.iter().any(|n| n.id == id);
            // Each figure must be measurable where it is judged: the
            // checkpoint on the fix, the question and each experiment on
            // the design they start from; watched nodes on either.
            let mut named: Vec<(&str, Vec<&Scenario>)> = Vec::new();
            named.extend(c.checkpoint.iter().flat_map(|k| k.metric.nodes()).map(|id| (id, vec![after])));
            named.extend(c.predict.metric.nodes().into_iter().map(|id| (id, vec![design(c.predict.on)])));
            for x in &c.try_this {
                named.extend(x.expect.iter().flat_map(|k| k.metric.nodes()).map(|id| (id, vec![design(x.on)])));
            }
            named.extend(c.watch.iter().map(|id| (id.as_str(), vec![before, after])));
            for (id, places) in named {
                if !places.iter().any(|s| has(s, id)) {
                    say(false, format!("no node \"{id}\" where the concept measures or circles it"));
                }
            }
        }
        if designs.iter().any(Result::is_err) {
            return out;
        }
        for (d, want) in [(Design::After, true), (Design::Before, false)] {
            let Ok(run) = self.evaluate(d) else { continue };
            // The before design must miss a check on a figure it has, not
            // only on one it cannot measure.
            let missed = run.outcomes.iter().any(|o| !o.pass && o.value.is_some());
            let ok = if want { run.passed() } else { missed };
            let verb = if run.passed() { "meets" } else { "misses" };
            say(ok, format!("{} {verb} the checkpoint: {}", d.file(), outcomes(&run, &c.checkpoint)));
        }
        let p = &c.predict;
        match self.measure_prediction() {
            Ok(Some(v)) => {
                let holding = p.choices.iter().filter(|ch| ch.holds(v)).count();
                let which = p.answer(v).map_or("none".to_string(), |i| format!("\"{}\"", p.choices[i].says));
                say(
                    holding == 1,
                    format!("prediction on {}: measured {}, answer {which}", p.on.file(), p.metric.show(v)),
                );
            }
            Ok(None) => say(false, format!("prediction on {}: the run has no such figure", p.on.file())),
            Err(e) => say(false, format!("prediction: {e}")),
        }
        for (i, x) in c.try_this.iter().enumerate() {
            let n = i + 1;
            let Ok(base) = self.scenario(x.on) else { continue };
            let changed = match x.apply(&base) {
                Ok(s) => s,
                Err(e) => {
                    say(false, format!("try this {n}: {e}"));
                    continue;
                }
            };
            let unchanged = self.run(&base, x.on.file(), &x.expect);
            say(!unchanged.passed(), format!("try this {n}, unchanged: {}", outcomes(&unchanged, &x.expect)));
            let run = self.run(&changed, x.on.file(), &x.expect);
            say(run.passed(), format!("try this {n}, changed: {}", outcomes(&run, &x.expect)));
            let noticed =
                x.made(&base, &changed, &run.report.faults) && !x.made(&base, &base, &unchanged.report.faults);
            say(noticed, format!("try this {n}: the change is {}noticed", if noticed { "" } else { "not " }));
        }
        out
    }
}
