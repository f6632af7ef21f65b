//! Lessons: ordered steps, each a scenario with a short story, the nodes
//! and chart to watch, and a checkpoint that is evaluated on the
//! simulation's own numbers. A step may come with a "before" scenario: the
//! previous design facing the step's new demand, which fails the
//! checkpoint, so the learner sees why the fix exists.
//!
//! Lessons are data (`scenarios/lessons/<id>/lesson.ron` plus the step
//! scenarios beside it) and are bundled into the program, so they work the
//! same on the web.

use serde::{Deserialize, Serialize};

use crate::headless::run_scenario;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::report::Report;

/// A lesson file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub version: u32,
    pub id: String,
    pub title: String,
    pub summary: String,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: String,
    /// What this step is about, in a few sentences.
    pub story: String,
    /// The design that passes, beside the lesson file.
    pub scenario: String,
    /// The previous design facing this step's demand (it fails the checkpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Nodes to frame and highlight.
    #[serde(default)]
    pub watch: Vec<String>,
    /// The chart to emphasise: "throughput", "latency" or "errors".
    #[serde(default)]
    pub chart: String,
    /// Sim seconds to warm up, then to measure, for the checkpoint.
    #[serde(default)]
    pub warmup_s: f64,
    pub measure_s: f64,
    pub checkpoint: Vec<Check>,
    /// Something to try, with what to expect.
    #[serde(default)]
    pub try_this: String,
}

/// One condition of a checkpoint: `metric` within bounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub metric: Metric,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    /// The condition in words, e.g. "99 % of polls come back empty".
    pub says: String,
}

/// What a checkpoint can look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// Share of polls that found nothing new.
    EmptyPollShare,
    /// Requests a minute for the whole system (× its copies).
    RequestsPerMinute,
    /// One-way message delivery, sender to phone.
    DeliveryP50Ms,
    DeliveryP99Ms,
    /// Delivery of messages that reached an online phone at the first try.
    FirstTryDeliveryP99Ms,
    /// Failed requests over all resolved ones.
    ErrorRate,
    /// Messages lost after their sender was told they were sent (a send
    /// that fails is not lost: its sender knows; see `ErrorRate`).
    LostMessages,
}

impl Metric {
    /// The value in a run's report (None: the run has no such number, e.g.
    /// no deliveries at all).
    pub fn value(self, r: &Report) -> Option<f64> {
        Some(match self {
            Metric::EmptyPollShare => {
                let (mut empty, mut full) = (0.0, 0.0);
                for n in &r.nodes {
                    empty += n.detail.get("polls_empty").copied().unwrap_or(0.0);
                    full += n.detail.get("polls_full").copied().unwrap_or(0.0);
                }
                if empty + full == 0.0 {
                    return None;
                }
                empty / (empty + full)
            }
            Metric::RequestsPerMinute => r.whole_system.as_ref().map_or(r.offered_rps * 60.0, |w| w.offered_per_min),
            Metric::DeliveryP50Ms => r.delivery.as_ref()?.ms.p50,
            Metric::DeliveryP99Ms => r.delivery.as_ref()?.ms.p99,
            Metric::FirstTryDeliveryP99Ms => {
                let d = r.delivery.as_ref()?;
                if d.first_try_count == 0 {
                    return None;
                }
                d.first_try_ms.p99
            }
            Metric::ErrorRate => r.error_rate,
            Metric::LostMessages => r.async_failed as f64,
        })
    }

    pub fn unit(self) -> &'static str {
        match self {
            Metric::DeliveryP50Ms | Metric::DeliveryP99Ms | Metric::FirstTryDeliveryP99Ms => " ms",
            Metric::RequestsPerMinute => " /min",
            _ => "",
        }
    }
}

/// A check's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    pub says: String,
    pub value: Option<f64>,
    pub pass: bool,
}

impl Check {
    pub fn judge(&self, r: &Report) -> Outcome {
        let value = self.metric.value(r);
        let pass =
            value.is_some_and(|v| self.at_least.is_none_or(|lo| v >= lo) && self.at_most.is_none_or(|hi| v <= hi));
        Outcome { says: self.says.clone(), value, pass }
    }
}

/// A bundled lesson: its file and its step scenarios, by file name.
pub struct Bundled {
    pub id: &'static str,
    pub lesson: &'static str,
    pub files: &'static [(&'static str, &'static str)],
}

macro_rules! step_files {
    ($dir:literal: $($f:literal),* $(,)?) => {
        &[$(($f, include_str!(concat!("../../scenarios/lessons/", $dir, "/", $f)))),*]
    };
}

/// The lessons that ship with the program.
pub const BUNDLED: &[Bundled] = &[Bundled {
    id: "whatsapp",
    lesson: include_str!("../../scenarios/lessons/whatsapp/lesson.ron"),
    files: step_files!("whatsapp":
        "1-polling.ron", "2-websockets.ron", "3-before.ron", "3-message-service.ron", "4-before.ron", "4-queue.ron",
        "5-before.ron", "5-cache.ron", "6-before.ron", "6-inbox.ron", "7-before.ron", "7-durable.ron", "8-before.ron",
        "8-final.ron",
    ),
}];

/// A lesson ready to play: parsed, with its scenarios parsed too.
pub struct Loaded {
    pub lesson: &'static Lesson,
    files: &'static [(&'static str, &'static str)],
}

impl Loaded {
    /// Find a bundled lesson by id and parse it (errors name the file).
    pub fn bundled(id: &str) -> Result<Loaded, String> {
        let b = BUNDLED.iter().find(|b| b.id == id).ok_or_else(|| {
            let ids: Vec<&str> = BUNDLED.iter().map(|b| b.id).collect();
            format!("no lesson \"{id}\" (there is: {})", ids.join(", "))
        })?;
        // Parsed once: the app asks every frame.
        static PARSED: std::sync::OnceLock<Vec<Result<Lesson, String>>> = std::sync::OnceLock::new();
        let parsed = PARSED.get_or_init(|| {
            BUNDLED
                .iter()
                .map(|b| {
                    let name = format!("scenarios/lessons/{}/lesson.ron", b.id);
                    crate::scenario::ron_options()
                        .from_str(b.lesson)
                        .map_err(|e| format!("{name}:{}: {}", e.span.start, e.code))
                })
                .collect()
        });
        let i = BUNDLED.iter().position(|x| x.id == b.id).expect("found above");
        let lesson = parsed[i].as_ref().map_err(Clone::clone)?;
        Ok(Loaded { lesson, files: b.files })
    }

    /// A scenario of the lesson by file name.
    pub fn scenario(&self, file: &str) -> Result<Scenario, ScenarioError> {
        let text = self.files.iter().find(|(f, _)| *f == file).map(|(_, t)| *t).ok_or_else(|| ScenarioError {
            file: file.to_string(),
            line: 0,
            col: 0,
            path: String::new(),
            message: "not bundled with the lesson".into(),
        })?;
        Scenario::parse(&format!("scenarios/lessons/{}/{file}", self.lesson.id), text).map(|(s, _)| s)
    }
}

/// Run a step's scenario (or its "before" one) headless and judge the
/// checkpoint.
pub fn evaluate(loaded: &Loaded, step: &Step, before: bool) -> Result<(Report, Vec<Outcome>), String> {
    let file =
        if before { step.before.as_deref().ok_or("this step has no \"before\" design")? } else { &step.scenario };
    let s = loaded.scenario(file).map_err(|e| e.to_string())?;
    let r = run_scenario(&s, file, s.seed, step.warmup_s, step.measure_s);
    let outcomes = step.checkpoint.iter().map(|c| c.judge(&r)).collect();
    Ok((r, outcomes))
}
