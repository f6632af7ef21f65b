//! The command line: open the app, or run, check and benchmark scenarios
//! headless. Native only.

mod bench;
mod level;
mod replay;
mod sweep;
mod web3tier_floor;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::headless;
use crate::scenario::Scenario;
use crate::sim::Sim;
use crate::sim::check::shown;
use crate::sim::report::Report;

#[derive(Parser, Debug)]
#[command(
    name = "systemdecoder",
    version,
    about = "Build a distributed system, run it, break it: a faithful queueing simulator.",
    long_about = "Build a distributed system, run it, break it.\n\n\
        With no command, opens the app on the bundled default scenario (or on FILE).\n\
        Without the `gui` feature, runs that scenario headless for its duration instead.\n\n\
        Scenario files are RON; see scenarios/examples/ for commented examples."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Scenario to open: a file or a share link (default: the bundled
    /// three-tier example).
    pub file: Option<PathBuf>,
    /// Test mode: save a screenshot of the window to this PNG after
    /// `--frames` frames, check it is not blank, and exit (non-zero if it is
    /// blank or an error was logged).
    #[arg(long, value_name = "PNG")]
    pub screenshot: Option<PathBuf>,
    /// Frames to run before the screenshot.
    #[arg(long, default_value_t = 120)]
    pub frames: u32,
    /// Initial simulation speed (0.1 … 1000 × real time).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Open the app on this concept (its id, see `systemdecoder concept`).
    #[arg(long, value_name = "ID")]
    pub concept: Option<String>,
    /// Open the app on this challenge level (its id, see `systemdecoder level`).
    #[arg(long, value_name = "ID")]
    pub level: Option<String>,
    /// Test mode: drive the window with random clicks, drags, menus, keys
    /// and typing for this many seconds, then check the books and close.
    /// It autosaves like a normal run: set XDG_DATA_HOME to a scratch folder.
    #[arg(long, value_name = "SECONDS")]
    pub random_input: Option<f64>,
    /// Seed of `--random-input` (the same seed gives the same actions).
    #[arg(long, default_value_t = 1)]
    pub input_seed: u64,
    /// Show only the canvas, the play controls and one chart (throughput,
    /// latency or errors), as an embed in a web page does; nothing is saved.
    #[arg(long, value_name = "CHART", num_args = 0..=1, default_missing_value = "latency")]
    pub embed: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate a scenario headless, as fast as possible, and print a summary.
    Run {
        /// Scenario file (.ron) or share link.
        file: PathBuf,
        /// Sim seconds to measure (default: the file's `duration_s`).
        #[arg(long)]
        seconds: Option<f64>,
        /// Seconds simulated before statistics start (default: the file's `warmup_s`).
        #[arg(long)]
        warmup: Option<f64>,
        /// Random seed (default: the file's `seed`). Same file + seed = same numbers.
        #[arg(long)]
        seed: Option<u64>,
        /// Print the summary as JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Add a fault, e.g. "kill app-2 at 10s for 5s", "latency lb->app-1 +100ms at 5s",
        /// "loss a->b 20%", "partition db,cache at 30s for 10s", "spike users x3 at 20s",
        /// "pause db at 5s for 2s", "throttle db x2", "blackhole a->b", "bandwidth a->b 10Mbps".
        /// Repeatable. Times are sim seconds from the start (warm-up included).
        #[arg(long, value_name = "FAULT")]
        chaos: Vec<String>,
        /// Chaos monkey: a random fault (kill, pause, throttle, restart, latency or loss) on a
        /// random target every SECONDS on average, each lasting 10 s; seeded, so reproducible.
        #[arg(long, value_name = "SECONDS")]
        monkey: Option<f64>,
    },
    /// Check scenario files and report the first problem in each, with its
    /// file, line:column and field path.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Play a lesson headless: list its steps, or run one step's design (and
    /// with --before, the previous design facing its demand) and print
    /// whether its checkpoint passes.
    Lesson {
        /// Lesson id (e.g. whatsapp); absent: list the lessons.
        id: Option<String>,
        /// Step number, from 1.
        #[arg(long)]
        step: Option<usize>,
        /// Run the step's "before" design instead.
        #[arg(long)]
        before: bool,
    },
    /// Concepts: list them; show one (its card and question), run its fix
    /// (or with --before, its problem) and judge the checkpoint (exit 1
    /// when not met); or with --verify (`all` implies it) check everything
    /// it claims: both designs, the prediction, every experiment.
    Concept {
        /// Concept id (e.g. utilisation-knee), `all`, or a concept's folder
        /// (to check one being written); absent: list the concepts.
        id: Option<String>,
        /// Run the design that has the problem instead of the fix.
        #[arg(long)]
        before: bool,
        /// Check every claim of the concept instead.
        #[arg(long)]
        verify: bool,
    },
    /// Challenge levels: list them; grade a design (the starting canvas
    /// by default) on the level's seeds, printing every check, its stars
    /// and what went wrong first (exit 1 when not passed); or with --verify
    /// (`all` implies it) check everything the level claims.
    Level(level::LevelArgs),
    /// Play a recorded run (a replay file saved from the app, or a replay
    /// link) headless and print its report as it was at the end of the
    /// recording, bit for bit; or with --link, a link that opens it.
    Replay(replay::ReplayArgs),
    /// Export a run (a replay, or a scenario played without changes): an
    /// animated GIF of the canvas over --from..--to, a PNG of the diagram,
    /// the charts' series as CSV. Pictures open the window (use xvfb-run
    /// where there is no display).
    Export(replay::ExportArgs),
    /// Print a share link for a scenario: the whole file, compressed, in the
    /// link's fragment. The web build opens it; so do `run` and the app.
    Share {
        /// Scenario file (.ron).
        file: PathBuf,
        /// The web build's address.
        #[arg(long, default_value = "http://localhost:8000/")]
        base: String,
    },
    /// What-if: run a scenario for every combination of parameter values
    /// (and several seeds), on every core, and print a table of throughput,
    /// latency percentiles, errors, cost and the busiest node per point.
    /// `sweep merge` combines `--shard` slices run on several machines.
    Sweep(sweep::SweepArgs),
    /// Measure simulation speed and memory on the bundled benchmark scenarios.
    Bench {
        /// Sim seconds per benchmark.
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
        /// Do not run the SimPy model for comparison (it runs when `python3`
        /// with SimPy is installed).
        #[arg(long)]
        no_simpy: bool,
        /// Measure seeking in a recorded run instead: record this many sim
        /// minutes of the default scenario (with a fault and an edit), then
        /// time seeks to random moments; print snapshot memory.
        #[arg(long, value_name = "MINUTES")]
        seek: Option<f64>,
    },
}

/// Parse arguments and run a headless command; `None` means "open the app"
/// (the caller decides how, depending on features).
pub fn main(cli: &Cli) -> ExitCode {
    match &cli.command {
        Some(Command::Run { file, seconds, warmup, seed, json, chaos, monkey }) => {
            run(file, *seconds, *warmup, *seed, *json, chaos, *monkey)
        }
        Some(Command::Validate { files }) => validate(files),
        Some(Command::Replay(a)) => replay::run(a),
        Some(Command::Export(a)) => replay::export(a),
        Some(Command::Sweep(a)) => sweep::run(a),
        Some(Command::Bench { seek: Some(minutes), json, .. }) => bench::seek(*minutes, *json),
        Some(Command::Bench { seconds, json, no_simpy, seek: None }) => bench::run(*seconds, *json, !*no_simpy),
        Some(Command::Share { file, base }) => {
            match load(file).map_err(|e| e.to_string()).and_then(|(s, _)| crate::scenario::share::link(base, &s)) {
                Ok(link) => {
                    println!("{}", shown(&link));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {}", shown(&e.to_string()));
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Lesson { id, step, before }) => lesson(id.as_deref(), *step, *before),
        Some(Command::Concept { id, before, verify }) => concept(id.as_deref(), *before, *verify),
        Some(Command::Level(a)) => level::run(a),
        // A level link opens the app on the default scenario, then the level.
        None if cli.file.as_ref().is_some_and(|p| crate::learn::level::is_level_link(&p.to_string_lossy())) => {
            match load_or_default(None) {
                Ok((name, s)) => open(cli, &name, &s),
                Err(e) => {
                    eprintln!("error: {}", shown(&e.to_string()));
                    ExitCode::FAILURE
                }
            }
        }
        // A replay opens the app on its system, played back from the start.
        None if cli.file.as_ref().is_some_and(|p| crate::replay::is_replay_source(&p.to_string_lossy())) => {
            match crate::replay::Replay::load(cli.file.as_deref().unwrap_or(std::path::Path::new(""))) {
                Ok(r) => open(cli, &r.scenario.name.clone(), &r.scenario),
                Err(e) => {
                    eprintln!("error: {}", shown(&e.to_string()));
                    ExitCode::FAILURE
                }
            }
        }
        None => match load_or_default(cli.file.as_deref()) {
            Ok((name, s)) => open(cli, &name, &s),
            Err(e) => {
                eprintln!("error: {}", shown(&e.to_string()));
                ExitCode::FAILURE
            }
        },
    }
}

/// A scenario from a file or a share link.
pub fn load(
    file: &std::path::Path,
) -> Result<(Scenario, Vec<crate::scenario::Warning>), crate::scenario::ScenarioError> {
    let text = file.to_string_lossy();
    if crate::scenario::share::is_link(&text) { crate::scenario::share::decode(&text) } else { Scenario::load(file) }
}

/// How reports and warnings name a source: its path, or "share link".
fn display_name(file: &std::path::Path) -> String {
    let text = file.to_string_lossy();
    if crate::scenario::share::is_link(&text) { crate::scenario::share::SOURCE_NAME.into() } else { text.into() }
}

/// The file (or link) given, or the bundled default scenario.
pub fn load_or_default(file: Option<&std::path::Path>) -> Result<(String, Scenario), crate::scenario::ScenarioError> {
    match file {
        Some(p) => load(p).map(|(s, w)| {
            print_warnings(&display_name(p), &w);
            (display_name(p), s)
        }),
        None => crate::scenario::default_scenario().map(|s| (crate::scenario::DEFAULT_NAME.to_string(), s)),
    }
}

/// Why no window can open here, if that is so: on Linux and the BSDs a
/// window needs an X or Wayland display (without one, the windowing library
/// would panic).
#[cfg(feature = "gui")]
fn no_display() -> Option<&'static str> {
    let unix_desktop =
        cfg!(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd", target_os = "netbsd"));
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
    (unix_desktop && !set("DISPLAY") && !set("WAYLAND_DISPLAY")).then_some(
        "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set).\n\
         Run it in a desktop session, under `xvfb-run`, or use a headless command: \
         `systemdecoder run FILE`, `systemdecoder --help`.",
    )
}

/// Open the window on a replay only to export pictures of it.
#[cfg(feature = "gui")]
fn open_for_export(replay: crate::replay::Replay, job: crate::view::export::ExportJob) -> ExitCode {
    if let Some(why) = no_display() {
        eprintln!("error: {why}");
        return ExitCode::FAILURE;
    }
    let s = replay.scenario.clone();
    let opts = crate::view::AppOptions {
        replay: Some(replay),
        export: Some(job),
        frames: 0,
        speed: 1.0,
        from_link: true,
        ..Default::default()
    };
    match crate::view::run_app(&s, opts) {
        bevy::app::AppExit::Success => ExitCode::SUCCESS,
        bevy::app::AppExit::Error(_) => ExitCode::FAILURE,
    }
}

#[cfg(feature = "gui")]
fn open(cli: &Cli, _name: &str, s: &Scenario) -> ExitCode {
    if let Some(why) = no_display() {
        eprintln!("error: {why}");
        return ExitCode::FAILURE;
    }
    let replay = cli
        .file
        .as_ref()
        .filter(|p| crate::replay::is_replay_source(&p.to_string_lossy()))
        .and_then(|p| crate::replay::Replay::load(p).ok());
    let opts = crate::view::AppOptions {
        replay,
        export: None,
        random_input: cli.random_input.map(|s| (s, cli.input_seed)),
        embed: cli.embed.clone(),
        screenshot: cli.screenshot.clone(),
        frames: cli.frames,
        speed: cli.speed,
        // A link is not a file to save back to.
        path: cli.file.clone().filter(|p| {
            let t = p.to_string_lossy();
            !crate::scenario::share::is_link(&t) && !crate::replay::is_replay_source(&t)
        }),
        notice: None,
        from_link: cli.file.as_ref().is_some_and(|p| crate::scenario::share::is_link(&p.to_string_lossy())),
        concept: cli.concept.clone(),
        level: cli.level.clone(),
        level_link: cli
            .file
            .as_ref()
            .map(|p| p.to_string_lossy().to_string())
            .filter(|t| crate::learn::level::is_level_link(t)),
    };
    match crate::view::run_app(s, opts) {
        bevy::app::AppExit::Success => ExitCode::SUCCESS,
        bevy::app::AppExit::Error(_) => ExitCode::FAILURE,
    }
}

/// Built without the window: run the scenario headless instead.
#[cfg(not(feature = "gui"))]
fn open(_cli: &Cli, name: &str, s: &Scenario) -> ExitCode {
    let r = simulate(s, name, s.seed, s.warmup_s, s.duration_s, true);
    print!("{}", shown(&r.to_text()));
    ExitCode::SUCCESS
}

fn print_warnings(file: &str, warnings: &[crate::scenario::Warning]) {
    for w in warnings {
        eprintln!("warning: {}: {}: {}", shown(file), shown(&w.path), shown(&w.message));
    }
}

fn run(
    file: &std::path::Path,
    seconds: Option<f64>,
    warmup: Option<f64>,
    seed: Option<u64>,
    json: bool,
    chaos: &[String],
    monkey: Option<f64>,
) -> ExitCode {
    let (mut scenario, warnings) = match load(file) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {}", shown(&e.to_string()));
            return ExitCode::FAILURE;
        }
    };
    let name = display_name(file);
    print_warnings(&name, &warnings);
    for c in chaos {
        match crate::chaos::Fault::parse_cli(c) {
            Ok(f) => scenario.chaos.push(f),
            Err(e) => {
                eprintln!("error: --chaos: {}", shown(&e.to_string()));
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(m) = monkey {
        scenario.monkey = Some(crate::chaos::MonkeySpec {
            mean_interval_s: m,
            duration_s: 10.0,
            faults: crate::chaos::all_monkey_faults(),
        });
    }
    if let Err(e) = scenario.check() {
        eprintln!("error: --chaos/--monkey: {}: {}", shown(&e.path), shown(&e.message));
        return ExitCode::FAILURE;
    }
    let seconds = seconds.unwrap_or(scenario.duration_s);
    let warmup = warmup.unwrap_or(scenario.warmup_s);
    for (flag, v) in [("--seconds", seconds), ("--warmup", warmup)] {
        if !v.is_finite() || !(0.0..=1e7).contains(&v) {
            eprintln!("error: {flag} must be between 0 and 10000000 seconds, got {v}");
            return ExitCode::FAILURE;
        }
    }
    let seed = seed.unwrap_or(scenario.seed);
    let (report, windows) = simulate_measured(&scenario, &name, seed, warmup, seconds, true);
    if json {
        if let Err(code) = print_json(&report) {
            return code;
        }
    } else {
        print!("{}", shown(&report.to_text()));
        let seen = crate::learn::insight::insights(crate::learn::Measured { report: &report, windows: &windows });
        if !seen.is_empty() {
            println!("\ninsights:");
            for i in &seen {
                println!("  - {}\n    learn more: systemdecoder concept {}", shown(&i.says), i.concept);
            }
        }
    }
    if report.conservation == "ok" { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Print a report as pretty JSON (or say why not).
fn print_json(report: &Report) -> Result<(), ExitCode> {
    match serde_json::to_string_pretty(report) {
        Ok(s) => {
            println!("{s}");
            Ok(())
        }
        Err(e) => {
            eprintln!("error: cannot write JSON: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// Run headless, with a progress line on an interactive terminal.
pub fn simulate(s: &Scenario, name: &str, seed: u64, warmup: f64, seconds: f64, show_progress: bool) -> Report {
    simulate_measured(s, name, seed, warmup, seconds, show_progress).0
}

/// `simulate`, with the measured one-second windows.
pub fn simulate_measured(
    s: &Scenario,
    name: &str,
    seed: u64,
    warmup: f64,
    seconds: f64,
    show_progress: bool,
) -> (Report, Vec<crate::sim::metrics::Window>) {
    let mut app = headless::app(s, seed);
    let tty = show_progress && std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let mut last = started;
    headless::run(&mut app, warmup, seconds, |f| {
        if tty && last.elapsed().as_millis() >= 200 {
            last = std::time::Instant::now();
            let filled = (f * 30.0) as usize;
            eprint!("\r  [{:<30}] {:>3.0}%  ", "#".repeat(filled.min(30)), f * 100.0);
            let _ = std::io::stderr().flush();
        }
    });
    if tty && started.elapsed().as_millis() >= 200 {
        eprint!("\r{:<50}\r", "");
    }
    let sim = &app.world().resource::<Sim>().0;
    (Report::from_engine(sim, name, seed), crate::learn::metric::measured_windows(sim))
}

fn validate(files: &[PathBuf]) -> ExitCode {
    let mut ok = true;
    for f in files {
        match load(f) {
            Ok((s, warnings)) => {
                print_warnings(&display_name(f), &warnings);
                println!("{}: ok ({} nodes, {} links)", shown(&f.display().to_string()), s.nodes.len(), s.links.len());
            }
            Err(e) => {
                ok = false;
                eprintln!("error: {}", shown(&e.to_string()));
            }
        }
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// `concept`: list concepts, play one, or verify one (or all).
fn concept(id: Option<&str>, before: bool, verify: bool) -> ExitCode {
    use crate::learn::concept::{Design, Group, Loaded};
    let all = Loaded::all();
    let Some(id) = id else {
        for g in Group::ALL {
            let here: Vec<_> = all.iter().flatten().filter(|l| l.concept.group == g).collect();
            if here.is_empty() {
                continue;
            }
            println!("{}", g.label());
            for l in here {
                println!("  {:<28} {}", l.id(), shown(&l.concept.title));
            }
        }
        for e in all.iter().filter_map(|l| l.as_ref().err()) {
            println!("unreadable: {e}");
        }
        println!("\nplay one with: systemdecoder concept ID [--before]; check every claim: --verify (or all)");
        return ExitCode::SUCCESS;
    };
    let dir = std::path::Path::new(id);
    if !verify && id != "all" {
        let l = if dir.join("concept.ron").is_file() { Loaded::from_dir(dir) } else { Loaded::get(id) };
        return play_concept(l, if before { Design::Before } else { Design::After });
    }
    let chosen: Vec<Result<Loaded, String>> = if id == "all" {
        all
    } else if dir.join("concept.ron").is_file() {
        vec![Loaded::from_dir(dir)]
    } else {
        vec![Loaded::get(id)]
    };
    verify_each("concepts", &chosen, |l| (format!("{}  ({})", l.concept.title, l.id()), l.verify()))
}

/// Print each item's title and what its check found, then how many hold
/// (exit 1 when any does not, or could not be read).
pub(super) fn verify_each<L>(
    what: &str,
    chosen: &[Result<L, String>],
    verify: impl Fn(&L) -> (String, Vec<crate::learn::concept::Finding>),
) -> ExitCode {
    let mut failed = 0;
    for l in chosen {
        let l = match l {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: {}", shown(&e.to_string()));
                failed += 1;
                continue;
            }
        };
        let (title, findings) = verify(l);
        println!("{}", shown(&title));
        for f in &findings {
            println!("  [{}] {}", if f.ok { "ok" } else { "FAIL" }, shown(&f.says));
        }
        failed += findings.iter().any(|f| !f.ok) as usize;
    }
    if chosen.len() > 1 {
        println!("\n{} of {} {what} hold", chosen.len() - failed, chosen.len());
    }
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// `concept ID [--before]`: the card and the question, the measured
/// answer, then one design run and its checkpoint judged.
fn play_concept(l: Result<crate::learn::concept::Loaded, String>, d: crate::learn::concept::Design) -> ExitCode {
    let l = match l {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e} (list them with: systemdecoder concept)");
            return ExitCode::from(2);
        }
    };
    let c = l.concept;
    println!("{}  ({}, {})\n\n{}\n", shown(&c.title), c.group.label(), l.id(), shown(&c.what));
    println!("Why it matters: {}\nWhere you meet it: {}\n", shown(&c.why), shown(&c.meet));
    println!("Predict: {}", shown(&c.predict.question));
    let measured = l.measure_prediction().ok().flatten();
    let right = measured.and_then(|v| c.predict.answer(v));
    for (i, ch) in c.predict.choices.iter().enumerate() {
        println!("  {} {}", if Some(i) == right { "*" } else { " " }, shown(&ch.says));
    }
    let v = measured.map_or("no data".into(), |v| c.predict.metric.show(v));
    println!("Measured on {}: {v}. {}\n", c.predict.on.file(), shown(&c.predict.explain));
    let run = match l.evaluate(d) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}", shown(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    print!("{}", shown(&run.report.to_text()));
    println!("\ncheckpoint on {}:", d.file());
    for (o, k) in run.outcomes.iter().zip(&c.checkpoint) {
        let value = o.value.map_or("no data".to_string(), |v| k.metric.show(v));
        println!("  [{}] {}  (measured {value})", if o.pass { "pass" } else { "FAIL" }, shown(&o.says));
    }
    for x in &c.try_this {
        println!("\ntry this: {}", shown(&x.says));
    }
    let passed = run.passed();
    println!("\n{}", if passed { "checkpoint passed" } else { "checkpoint not met" });
    if passed { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// `lesson`: list lessons, list a lesson's steps, or play one step headless.
fn lesson(id: Option<&str>, step: Option<usize>, before: bool) -> ExitCode {
    use crate::learn::{BUNDLED, Loaded, evaluate};
    let Some(id) = id else {
        for b in BUNDLED {
            match Loaded::bundled(b.id) {
                Ok(l) => println!("{:<12} {} ({} steps)", b.id, shown(&l.lesson.title), l.lesson.steps.len()),
                Err(e) => println!("{:<12} unreadable: {}", b.id, shown(&e.to_string())),
            }
        }
        return ExitCode::SUCCESS;
    };
    let loaded = match Loaded::bundled(id) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {}", shown(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let Some(n) = step else {
        println!("{}\n{}\n", shown(&loaded.lesson.title), shown(&loaded.lesson.summary));
        for s in &loaded.lesson.steps {
            println!("  {}", shown(&s.title));
        }
        println!("\nrun one with: systemdecoder lesson {id} --step N [--before]");
        return ExitCode::SUCCESS;
    };
    let Some(s) = n.checked_sub(1).and_then(|i| loaded.lesson.steps.get(i)) else {
        eprintln!("error: lesson {id} has steps 1 to {}", loaded.lesson.steps.len());
        return ExitCode::from(2);
    };
    let (report, outcomes) = match evaluate(&loaded, s, before) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {}", shown(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let design = if before { s.before.as_deref().unwrap_or("") } else { s.scenario.as_str() };
    println!("{}  [{design}]\n\n{}\n", shown(&s.title), shown(&s.story));
    print!("{}", shown(&report.to_text()));
    println!("\ncheckpoint:");
    for (o, c) in outcomes.iter().zip(&s.checkpoint) {
        let value = o.value.map_or("no data".to_string(), |v| {
            if v.abs() >= 1e6 { format!("{v:.3e}{}", c.metric.unit()) } else { format!("{v:.4}{}", c.metric.unit()) }
        });
        println!("  [{}] {}  (measured {value})", if o.pass { "pass" } else { "FAIL" }, shown(&o.says));
    }
    let passed = outcomes.iter().all(|o| o.pass);
    println!("\n{}", if passed { "checkpoint passed" } else { "checkpoint not met" });
    if passed { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
