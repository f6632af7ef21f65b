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
            eprintln!("error: {e}");
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
                eprintln!("error: {e}");
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
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: cannot write JSON: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        println!("replay: {} steps, played to {} of {}", p.next, seconds(p.engine.now()), seconds(replay.end_ns));
        print!("{}", shown(&report.to_text()));
    }
    if report.conservation == "ok" { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
