//! `systemdecoder level`: the campaign headless. List the levels, grade a
//! design (the starting canvas by default) on the level's seeds and print
//! every check with its value, or check everything a level claims.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::learn::level::{Grade, Loaded, money};
use crate::sim::check::shown;

#[derive(Args, Debug)]
pub struct LevelArgs {
    /// Level id (e.g. opening-day), `all`, a level's folder (to check one
    /// being written) or a level link (one made in the app's editor);
    /// absent: list the levels.
    pub id: Option<String>,
    /// The design to grade (a scenario file or a share link); absent: the
    /// level's starting canvas.
    #[arg(long, value_name = "FILE")]
    pub design: Option<PathBuf>,
    /// Grade on this many seeds (the level's first, then more).
    #[arg(long)]
    pub seeds: Option<usize>,
    /// Print the grade as JSON.
    #[arg(long)]
    pub json: bool,
    /// Check every claim of the level instead: the reference earns every
    /// star on every seed; the start, the naive design and the traps fail.
    #[arg(long)]
    pub verify: bool,
}

pub fn run(a: &LevelArgs) -> ExitCode {
    let Some(id) = a.id.as_deref() else {
        list();
        return ExitCode::SUCCESS;
    };
    let dir = Path::new(id);
    let one = || {
        if crate::learn::level::is_level_link(id) {
            Loaded::from_link(id)
        } else if dir.join("level.ron").is_file() {
            Loaded::from_dir(dir)
        } else {
            Loaded::get(id)
        }
    };
    if a.verify || id == "all" {
        let chosen = if id == "all" { Loaded::all() } else { vec![one()] };
        return verify(chosen);
    }
    let l = match one() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {} (list them with: systemdecoder level)", crate::sim::check::shown(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let design = match &a.design {
        Some(f) => super::load(f).map(|(s, _)| s).map_err(|e| e.to_string()),
        None => l.start(),
    };
    let design = match design {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {}", crate::sim::check::shown(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let g = match l.grade(&design, &l.seeds(a.seeds)) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {}", crate::sim::check::shown(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&json(&l, &g)).unwrap_or_default());
    } else {
        print_grade(&l, &g);
    }
    if g.passed() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn list() {
    let mut chapter = 0;
    for l in Loaded::all() {
        match l {
            Ok(l) => {
                let v = l.level;
                if v.chapter != chapter {
                    chapter = v.chapter;
                    println!("Chapter {chapter}");
                }
                let budget = v.budget_per_hour.map_or(String::new(), |b| format!("  budget ${}/h", money(b)));
                println!("  {:<26} {}{budget}", l.id(), shown(&v.title));
            }
            Err(e) => println!("unreadable: {}", shown(&e.to_string())),
        }
    }
    println!("\ngrade a design: systemdecoder level ID --design FILE [--seeds N]; check a level: --verify (or all)");
}

fn print_grade(l: &Loaded, g: &Grade) {
    let v = l.level;
    println!("{}  ({}, chapter {})\n\n{}\n", shown(&v.title), l.id(), v.chapter, shown(&v.brief));
    if !g.problems.is_empty() {
        println!("The design breaks the level's rules:");
        for p in &g.problems {
            println!("  - {}", shown(p));
        }
        println!("\nnot graded");
        return;
    }
    let names = ["to pass", "for the second star", "for the third star"];
    for r in &g.runs {
        println!("seed {}: {} requests, cost ${}/h", r.seed, r.report.created, money(r.report.cost.per_hour));
        for (name, verdicts) in names.iter().zip(&r.verdicts) {
            println!("  {name}:");
            for x in verdicts {
                println!("    [{}] {}  ({})", if x.pass { "pass" } else { "FAIL" }, shown(&x.says), shown(&x.shown));
            }
        }
        if let Some(t) = l.first_trouble(r) {
            println!("  {}", shown(&t.says()));
            if let Some(i) = &t.insight {
                println!("  {} (concept: {})", shown(&i.says), i.concept);
            }
        }
    }
    let stars = g.stars();
    println!(
        "\n{}",
        if g.passed() {
            format!("passed: {}", "★".repeat(stars as usize) + &"☆".repeat(3 - stars as usize))
        } else {
            "not passed".into()
        }
    );
    if g.passed() {
        println!("{}", shown(&v.debrief));
    } else if !v.hint.is_empty() {
        println!("hint: {}", shown(&v.hint));
    }
}

fn json(l: &Loaded, g: &Grade) -> serde_json::Value {
    serde_json::json!({
        "level": l.id(),
        "passed": g.passed(),
        "stars": g.stars(),
        "problems": g.problems,
        "seeds": g.runs.iter().map(|r| serde_json::json!({
            "seed": r.seed,
            "cost_per_hour": r.report.cost.per_hour,
            "pass": r.verdicts[0],
            "star2": r.verdicts[1],
            "star3": r.verdicts[2],
            "first_trouble": l.first_trouble(r).map(|t| t.says()),
        })).collect::<Vec<_>>(),
    })
}

fn verify(chosen: Vec<Result<Loaded, String>>) -> ExitCode {
    super::verify_each("levels", &chosen, |l| (format!("{}  ({})", l.level.title, l.id()), l.verify()))
}
