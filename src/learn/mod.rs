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

pub mod concept;
pub mod insight;
pub mod level;
pub mod metric;

/// A file of a concept or level folder on disk (one being written), kept
/// in memory for the rest of the program like the bundled ones.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn read_kept(dir: &std::path::Path, file: &str) -> Result<&'static str, String> {
    let path = dir.join(file);
    // A file name from a level file may hold control characters: shown
    // escaped, as in every error about a file.
    let text = crate::scenario::read_limited(&path, crate::scenario::MAX_FILE_BYTES)
        .map_err(|e| crate::sim::check::shown_line(&format!("{}: {e}", path.display())))?;
    Ok(Box::leak(text.into_boxed_str()))
}

pub use metric::{Check, Measured, Metric, Outcome, judge_all};

use crate::scenario::{Scenario, ScenarioError};
use crate::sim::metrics::Window;
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
/// Every design the program ships, named by where it comes from: the
/// bundled scenarios, the lessons' steps, the concepts' before and after,
/// the levels' files.
pub fn shipped_designs() -> Vec<(String, &'static str)> {
    let mut files: Vec<(String, &str)> =
        crate::scenario::bundled::BUNDLED.iter().map(|(p, t)| (p.to_string(), *t)).collect();
    for l in BUNDLED {
        files.extend(l.files.iter().map(|(f, t)| (format!("{}/{f}", l.id), *t)));
    }
    for c in concept::BUNDLED {
        files.extend([(format!("{}/before", c.id), c.before), (format!("{}/after", c.id), c.after)]);
    }
    for l in level::BUNDLED {
        files.extend(l.files.iter().map(|(f, t)| (format!("{}/{f}", l.id), *t)));
    }
    files
}

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
                    crate::scenario::parse_ron(&name, b.lesson).map_err(|e| e.to_string())
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
    let (r, w) = run_measured(&s, file, step.warmup_s, step.measure_s);
    let outcomes = judge_all(&step.checkpoint, Measured { report: &r, windows: &w });
    Ok((r, outcomes))
}

/// Run a scenario headless on its own seed: its report and its measured
/// one-second windows.
pub fn run_measured(s: &Scenario, name: &str, warmup_s: f64, measure_s: f64) -> (Report, Vec<Window>) {
    let mut app = crate::headless::app(s, s.seed);
    crate::headless::run(&mut app, warmup_s, measure_s, |_| {});
    let sim = &app.world().resource::<crate::sim::Sim>().0;
    (Report::from_engine(sim, name, s.seed), metric::measured_windows(sim))
}
