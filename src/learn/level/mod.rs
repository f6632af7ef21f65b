//! Challenge levels: a scenario with rules. A level gives a starting
//! canvas, says what is locked, which templates the player may add and at
//! what price, the budget, the traffic waves and chaos of the graded run
//! (faults may pick their target from the player's design by seed), the
//! seeds it is graded on, the checks that pass it and those that earn its
//! second and third stars.
//!
//! The files here: this one the format; `rules` what a design may be;
//! `chaos` the faults' seeded targets; `grade` the graded runs and their
//! verdicts; `campaign` the bundled levels; `editor` levels made in the app
//! and level links; `verify` the checks a level's claims get.
//!
//! Each level is a folder, `scenarios/levels/<id>/` with `level.ron`,
//! `start.ron` (the canvas the player starts from), `reference.ron` (earns
//! every star on every seed), `naive.ron` (the obvious design that fails)
//! and any traps it names (designs that must fail, such as "buy the
//! biggest box"), registered by one line in [`BUNDLED`].
//!
//! The rules of a design:
//! - a locked node stays, with every field as it starts except those the
//!   level lists in `editable` (`lb.policy`);
//! - any other node is either a starting node changed only in `editable`
//!   fields, or one of the palette's templates: same kind, the template's
//!   fixed fields, its editable ones within their bounds;
//! - links carry the world's physics (latency, jitter, loss, bandwidth,
//!   call probability), which the player cannot change: a starting link
//!   keeps its own, a new link out of a locked node has those of that
//!   node's starting links (the users' distance), one into a locked node
//!   those of the starting links into it, any other the level's link
//!   template. Their policies (retries, breakers, bulkheads, routes,
//!   weights, fallbacks, hedges) are the player's to set.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::metric::money;
use super::metric::{Check, Measured, Metric, judge_all};
use crate::chaos::{Fault, MonkeySpec, ScheduledFault};
use crate::scenario::{Scenario, ScenarioError, parse_ron};
use crate::sim::dist::{Dist, hash64};
use crate::sim::metrics::Window;
use crate::sim::model::{LinkSpec, NodeSpec};
use crate::sim::report::Report;

mod campaign;
mod chaos;
mod editor;
mod grade;
mod rules;
mod verify;

pub use campaign::{BUNDLED, Bundled, Loaded};
pub use editor::{Draft, LINK_MARK, Pack, is_level_link};
pub use grade::{Grade, SeedRun, Trouble, Verdict};
pub use rules::field_text;
use rules::{node_fields, variant};

/// A level file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub version: u32,
    pub id: String,
    /// Chapters unlock in order.
    pub chapter: u32,
    pub title: String,
    /// The situation and what is asked, shown while building.
    pub brief: String,
    /// The concepts it exercises (their ids), linked from the result.
    #[serde(default)]
    pub concepts: Vec<String>,
    /// Node ids the player cannot remove or change.
    #[serde(default)]
    pub locked: Vec<String>,
    /// Fields the player may change on starting nodes and links:
    /// `lb.policy`, `users.retry`, `lb->app-1.weight`.
    #[serde(default)]
    pub editable: Vec<String>,
    /// What the player may add.
    #[serde(default)]
    pub palette: Vec<Template>,
    /// What new links are like.
    #[serde(default)]
    pub links: LinkTemplate,
    /// The design's average bill must stay within this ($/hour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_per_hour: Option<f64>,
    /// Traffic waves and faults of the graded run. A node or zone may be a
    /// selector resolved from the player's design by seed: `@node:Service`
    /// (a random service), `@node:Service#2` (another one), `@pick:a|b`
    /// (one of these words).
    #[serde(default)]
    pub chaos: Vec<ScheduledFault>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monkey: Option<MonkeySpec>,
    #[serde(default)]
    pub warmup_s: f64,
    pub measure_s: f64,
    /// Graded on each of these; passing means passing on all of them.
    pub seeds: Vec<u64>,
    /// What passing takes (the budget is checked too).
    pub pass: Goal,
    /// What the second and third stars take, on every seed (the third
    /// needs the second).
    pub stars: Vec<Goal>,
    /// Designs beside the level that must fail, and why (a player who
    /// ignores the lesson loses).
    #[serde(default)]
    pub traps: Vec<Trap>,
    /// Shown after the run: what the level was about.
    pub debrief: String,
    /// A nudge for a stuck player.
    #[serde(default)]
    pub hint: String,
}

/// A node the player may add: a kind with the world's fixed parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub name: String,
    pub kind: crate::sim::model::NodeKind,
    /// Fields of the kind the player may set (`workers`, `queue_limit`).
    #[serde(default)]
    pub edit: Vec<String>,
    /// Upper bounds of numeric editable fields (`{"workers": 8}`).
    #[serde(default)]
    pub at_most: BTreeMap<String, f64>,
    /// When not empty, the node must be in one of these zones.
    #[serde(default)]
    pub zones: Vec<String>,
    /// When not empty, only nodes of these kinds (as files name them:
    /// `Service`) may link into it: a database takes its connections from
    /// app servers, not straight from the front door.
    #[serde(default)]
    pub fed_by: Vec<String>,
}

/// What the player's new links are like.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkTemplate {
    #[serde(default = "half_ms")]
    pub latency: Dist,
    /// The link fields that are the player's policy.
    #[serde(default = "policy_fields")]
    pub edit: Vec<String>,
}

impl Default for LinkTemplate {
    fn default() -> Self {
        LinkTemplate { latency: half_ms(), edit: policy_fields() }
    }
}

fn half_ms() -> Dist {
    Dist::Const(0.5)
}

fn policy_fields() -> Vec<String> {
    ["retry", "circuit_breaker", "max_concurrent", "only", "weight", "fallback", "hedge_after_ms"]
        .map(String::from)
        .to_vec()
}

/// Checks on the run and rules on the design.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    #[serde(default)]
    pub checks: Vec<Check>,
    #[serde(default)]
    pub design: Vec<Rule>,
}

/// A rule on the submitted design rather than on the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Rule {
    /// A field (`lb.policy`) has one of these values.
    OneOf { field: String, values: Vec<String>, says: String },
    /// A field (`lb.health_check`) is set.
    Set { field: String, says: String },
    /// Requests can get from one node to another over the design's links
    /// (no shortcut around the database: a cache with no way to it would
    /// answer everything itself).
    Reaches { from: String, to: String, says: String },
    /// Nodes of a kind (as files name it: `Cache`), within bounds.
    Count {
        kind: String,
        #[serde(default)]
        at_least: Option<u32>,
        #[serde(default)]
        at_most: Option<u32>,
        says: String,
    },
}

/// A design that must fail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trap {
    pub file: String,
    pub says: String,
}

impl Level {
    /// Numbers a level may hold.
    pub fn check(&self) -> Result<(), String> {
        let ok = |v: f64, lo: f64, hi: f64| v.is_finite() && (lo..=hi).contains(&v);
        if !ok(self.warmup_s, 0.0, 600.0) {
            return Err(format!("warmup_s: {} is not between 0 and 600 s", self.warmup_s));
        }
        if !ok(self.measure_s, 1.0, 1200.0) {
            return Err(format!("measure_s: {} is not between 1 and 1200 s", self.measure_s));
        }
        if self.seeds.is_empty() || self.seeds.len() > 10 {
            return Err("seeds: between 1 and 10 seeds".into());
        }
        if self.stars.len() != 2 {
            return Err(format!("stars: two goals (the second and third stars), not {}", self.stars.len()));
        }
        if let Some(b) = self.budget_per_hour
            && !ok(b, 0.0, 1e6)
        {
            return Err(format!("budget_per_hour: {b} is not between 0 and 1000000"));
        }
        Ok(())
    }

    /// The pass goal's checks with the budget's in front.
    pub fn pass_checks(&self) -> Vec<Check> {
        let budget = self.budget_per_hour.map(|b| Check {
            metric: Metric::CostPerHour,
            at_least: None,
            at_most: Some(b),
            says: format!("Within the budget of ${} an hour", money(b)),
        });
        budget.into_iter().chain(self.pass.checks.iter().cloned()).collect()
    }

    /// The three goals in order: pass, second star, third star.
    pub fn goals(&self) -> Vec<(Vec<Check>, &[Rule])> {
        let mut g = vec![(self.pass_checks(), self.pass.design.as_slice())];
        g.extend(self.stars.iter().map(|s| (s.checks.clone(), s.design.as_slice())));
        g
    }
}

/// The campaign's chapters, by number from 1.
pub const CHAPTERS: [&str; 5] =
    ["Keep the lights on", "Data gravity", "Later is fine", "Everything fails", "Planet scale"];

/// A chapter's name ("Chapter 6" past the list).
pub fn chapter_name(n: u32) -> String {
    match CHAPTERS.get((n as usize).wrapping_sub(1)) {
        Some(name) => format!("Chapter {n}: {name}"),
        None => format!("Chapter {n}"),
    }
}
