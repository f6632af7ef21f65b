//! `replay`: play a recorded run headless and print its report as it was
//! at the end of the recording (or at `--to`), or a link that opens it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::replay::{Replay, seconds};
use crate::sim::check::shown;
use crate::sim::report::Report;
use crate::sim::time::secs_to_nanos;

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// Replay file (saved from the app) or replay link (`…#r=…`).
    file: PathBuf,
    /// Stop at this many sim seconds instead of the recording's end.
    #[arg(long, value_name = "SECONDS")]
    to: Option<f64>,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Print a link that opens this replay in the web build at this address instead.
    #[arg(long, value_name = "BASE")]
    link: Option<String>,
}

pub fn run(a: &ReplayArgs) -> ExitCode {
    let replay = match Replay::load(&a.file) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}", crate::sim::check::shown(&e.to_string()));
            return ExitCode::FAILURE;
        }
    };
    if let Some(base) = &a.link {
        return match replay.link(base) {
            Ok(l) => {
                println!("{}", shown(&l));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {}", crate::sim::check::shown(&e.to_string()));
                ExitCode::FAILURE
            }
        };
    }
    let end = match a.to {
        None => replay.end_ns,
        Some(s) if s.is_finite() && s >= 0.0 && secs_to_nanos(s) <= replay.end_ns => secs_to_nanos(s),
        Some(s) => {
            eprintln!(
                "error: --to must be between 0 and the end of the recording ({}), got {s}",
                seconds(replay.end_ns)
            );
            return ExitCode::FAILURE;
        }
    };
    let mut p = replay.start();
    if let Err(e) = replay.advance(&mut p, end) {
        eprintln!("error: {}", shown(&e));
        return ExitCode::FAILURE;
    }
    let report = Report::from_engine(&p.engine, &replay.scenario.name, replay.seed);
    if a.json {
        if let Err(code) = super::print_json(&report) {
            return code;
        }
    } else {
        println!("replay: {} steps, played to {} of {}", p.next, seconds(p.engine.now()), seconds(replay.end_ns));
        print!("{}", shown(&report.to_text()));
    }
    if report.conservation == "ok" { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Replay file or link, or a scenario file (played with no changes).
    file: PathBuf,
    /// Start of the stretch, in sim seconds.
    #[arg(long, default_value_t = 0.0)]
    from: f64,
    /// End of the stretch, in sim seconds (default: the end of the recording,
    /// or 10 s after --from for a scenario).
    #[arg(long)]
    to: Option<f64>,
    /// Write an animated GIF of the canvas here.
    #[arg(long, value_name = "GIF")]
    gif: Option<PathBuf>,
    /// Write a PNG of the diagram at --from here.
    #[arg(long, value_name = "PNG")]
    png: Option<PathBuf>,
    /// Write the charts' series (one row per sim second) as CSV here.
    #[arg(long, value_name = "CSV")]
    csv: Option<PathBuf>,
    /// GIF frames per second of sim time.
    #[arg(long, default_value_t = 15)]
    fps: u32,
    /// GIF width in pixels.
    #[arg(long, default_value_t = 720)]
    width: u32,
    /// Include the charts under the canvas.
    #[arg(long)]
    charts: bool,
}

/// `export`: pictures and data of a run. The CSV is computed headless;
/// the GIF and PNG open the window (on a machine without a display, run
/// it under `xvfb-run`).
pub fn export(a: &ExportArgs) -> ExitCode {
    let text = a.file.to_string_lossy();
    let mut replay = if crate::replay::is_replay_source(&text) {
        match Replay::load(&a.file) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {}", crate::sim::check::shown(&e.to_string()));
                return ExitCode::FAILURE;
            }
        }
    } else {
        match super::load(&a.file) {
            Ok((s, _)) => {
                let seed = s.seed;
                Replay::new(s, seed)
            }
            Err(e) => {
                eprintln!("error: {}", crate::sim::check::shown(&e.to_string()));
                return ExitCode::FAILURE;
            }
        }
    };
    let recorded = replay.end_ns > 0 || !replay.steps.is_empty();
    let to = a.to.unwrap_or(if recorded { replay.end_ns as f64 / 1e9 } else { a.from + 10.0 });
    if !recorded {
        replay.end_ns = secs_to_nanos(to);
    }
    let end_s = replay.end_ns as f64 / 1e9;
    if !(a.from.is_finite() && to.is_finite() && 0.0 <= a.from && a.from <= to && to <= end_s) {
        eprintln!("error: need 0 <= --from <= --to <= {end_s} (the end of the recording), got {} and {to}", a.from);
        return ExitCode::FAILURE;
    }
    if !(1..=60).contains(&a.fps) || !(16..=4096).contains(&a.width) {
        eprintln!("error: --fps must be 1 to 60 and --width 16 to 4096, got {} and {}", a.fps, a.width);
        return ExitCode::FAILURE;
    }
    if a.gif.is_none() && a.png.is_none() && a.csv.is_none() {
        eprintln!("error: say what to export: --gif FILE, --png FILE and/or --csv FILE");
        return ExitCode::FAILURE;
    }
    if let Some(path) = &a.csv {
        let mut p = replay.start();
        if let Err(e) = replay.advance(&mut p, secs_to_nanos(to)) {
            eprintln!("error: {}", shown(&e));
            return ExitCode::FAILURE;
        }
        let csv = crate::replay::chart_csv(&p.engine, a.from, to);
        if let Err(e) = crate::scenario::write_atomic(path, &csv) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("exported {} ({} rows)", path.display(), csv.lines().count().saturating_sub(1));
    }
    if a.gif.is_none() && a.png.is_none() {
        return ExitCode::SUCCESS;
    }
    pictures(a, replay, to)
}

#[cfg(feature = "gui")]
fn pictures(a: &ExportArgs, replay: Replay, to: f64) -> ExitCode {
    let job = crate::view::export::ExportJob {
        from: secs_to_nanos(a.from),
        to: secs_to_nanos(to),
        fps: a.fps,
        width: a.width,
        charts: a.charts,
        gif: a.gif.clone(),
        png: a.png.clone(),
        exit: true,
    };
    if job.frame_count() > crate::view::export::MAX_FRAMES {
        eprintln!(
            "error: {} frames; the limit is {} (a shorter stretch or fewer frames a second)",
            job.frame_count(),
            crate::view::export::MAX_FRAMES
        );
        return ExitCode::FAILURE;
    }
    super::open_for_export(replay, job)
}

#[cfg(not(feature = "gui"))]
fn pictures(_: &ExportArgs, _: Replay, _: f64) -> ExitCode {
    eprintln!("error: pictures need the window: this build has no `gui` feature (--csv works without it)");
    ExitCode::FAILURE
}
