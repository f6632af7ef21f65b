//! `systemdecoder sweep`: a scenario over a grid of parameter values and
//! seeds, on every core; `sweep merge` puts `--shard` slices together.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Subcommand};

use crate::sweep::{self, METRICS, Plan, Sweep, Vary};

/// The largest sweep output `merge` reads (a million runs fit).
const MAX_SWEEP_BYTES: u64 = 1 << 30;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub merge: Option<SweepCommand>,
    /// Scenario file (.ron) or share link.
    pub file: Option<PathBuf>,
    /// A parameter and its values: NODE.FIELD=A..B (every whole number),
    /// =A..B:N (N points, ends included) or =a,b,c. FIELD as the scenario file
    /// names it, shortened to any unambiguous part: app-1.workers, users.rate,
    /// db.pool, app-1.service (an Exp's mean). Repeatable: every combination runs.
    #[arg(long, value_name = "NODE.FIELD=VALUES")]
    pub vary: Vec<String>,
    /// Seeds per point (the file's seed, then the next ones); with two or
    /// more, every figure gets a 95 % confidence interval.
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    /// Sim seconds measured per run (default: the file's `duration_s`).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Seconds simulated before measuring (default: the file's `warmup_s`).
    #[arg(long)]
    pub warmup: Option<f64>,
    /// Threads (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run only slice I of N (from 1) and print it as JSON for `sweep merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    #[command(flatten)]
    pub out: Format,
}

#[derive(Args, Debug, Clone, Copy)]
pub struct Format {
    /// Print CSV: one row per point, each metric's mean and 95 % half-width.
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// Print JSON: every run and every point.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum SweepCommand {
    /// Combine the JSON of `--shard` slices into the whole sweep's table.
    Merge {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        out: Format,
    },
}

pub fn run(a: &SweepArgs) -> ExitCode {
    match &a.merge {
        Some(SweepCommand::Merge { files, out }) => finish(merge(files), *out),
        None => finish(sweep(a), if a.shard.is_some() { Format { csv: false, json: true } } else { a.out }),
    }
}

fn finish(result: Result<Sweep, String>, out: Format) -> ExitCode {
    match result {
        Ok(s) => {
            print!("{}", crate::sim::check::shown(&render(&s, out)));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", crate::sim::check::shown(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}

fn sweep(a: &SweepArgs) -> Result<Sweep, String> {
    let file = a.file.as_deref().ok_or("which scenario? e.g. systemdecoder sweep FILE --vary app-1.workers=2..8")?;
    let (base, _) = super::load(file).map_err(|e| e.to_string())?;
    if a.vary.is_empty() {
        return Err("nothing to vary: give --vary NODE.FIELD=VALUES, e.g. --vary app-1.workers=2..8".into());
    }
    let vary: Vec<Vary> = a.vary.iter().map(|v| Vary::parse(v, &base)).collect::<Result<_, _>>()?;
    if a.seeds == 0 || a.seeds > 10_000 {
        return Err(format!("--seeds must be between 1 and 10000, got {}", a.seeds));
    }
    let seeds = (0..a.seeds).map(|i| base.seed.wrapping_add(i)).collect();
    let seconds = a.seconds.unwrap_or(base.duration_s);
    let plan = Plan::new(&base, vary, seeds, a.warmup.unwrap_or(base.warmup_s), seconds)?;
    let shard = a.shard.as_deref().map(sweep::parse_shard).transpose()?;
    let runs = plan.runs(shard);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = a.threads.unwrap_or(cores).clamp(1, 1024);
    let start = Instant::now();
    let result = sweep::execute(&plan, &name(file), &runs, threads);
    let wall = start.elapsed().as_secs_f64();
    eprintln!(
        "{} runs ({} points × {} seed{}{}) in {wall:.2} s on {threads} thread{}: {:.1} runs/s",
        runs.len(),
        plan.points.len(),
        plan.seeds.len(),
        if plan.seeds.len() == 1 { "" } else { "s" },
        shard.map_or(String::new(), |(i, n)| format!(", slice {i}/{n}")),
        if threads == 1 { "" } else { "s" },
        runs.len() as f64 / wall.max(1e-9)
    );
    Ok(result)
}

fn name(file: &Path) -> String {
    super::display_name(file)
}

fn merge(files: &[PathBuf]) -> Result<Sweep, String> {
    let mut parts = Vec::new();
    for f in files {
        let text = crate::scenario::read_limited(f, MAX_SWEEP_BYTES).map_err(|e| format!("{}: {e}", f.display()))?;
        let part: Sweep =
            serde_json::from_str(&text).map_err(|e| format!("{}: not a sweep's JSON output ({e})", f.display()))?;
        parts.push(part);
    }
    Sweep::merge(parts)
}

/// The table, CSV or JSON.
pub fn render(s: &Sweep, out: Format) -> String {
    if out.json {
        return serde_json::to_string_pretty(s).map(|t| t + "\n").unwrap_or_else(|e| format!("error: {e}\n"));
    }
    if out.csv {
        let mut head: Vec<String> = s.vary.clone();
        head.push("seeds".into());
        for m in METRICS {
            head.push(m.to_string());
            head.push(format!("{m}_ci95"));
        }
        head.push("busiest".into());
        let mut text = csv_row(&head);
        for p in &s.points {
            let mut row: Vec<String> = p.values.iter().map(|v| v.to_string()).collect();
            row.push(p.seeds.to_string());
            for (m, c) in p.mean.iter().zip(&p.ci95) {
                row.push(m.to_string());
                row.push(c.to_string());
            }
            row.push(p.busiest.clone());
            text += &csv_row(&row);
        }
        return text;
    }
    table(s)
}

fn csv_row(cells: &[String]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| if c.contains([',', '"', '\n']) { format!("\"{}\"", c.replace('"', "\"\"")) } else { c.clone() })
        .collect();
    quoted.join(",") + "\n"
}

/// An aligned table: parameters, then each figure (± its 95 % interval).
fn table(s: &Sweep) -> String {
    let mut head: Vec<String> = s.vary.clone();
    head.extend(["req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors %", "$/hour", "busiest"].map(String::from));
    let mut rows = vec![head];
    for p in &s.points {
        let mut row: Vec<String> = p.values.iter().map(|v| format!("{v}")).collect();
        let cell = |k: usize, scale: f64, digits: usize| {
            let (m, c) = (p.mean[k] * scale, p.ci95[k] * scale);
            if p.seeds > 1 { format!("{m:.digits$} ± {c:.digits$}") } else { format!("{m:.digits$}") }
        };
        row.push(cell(0, 1.0, 0));
        row.push(cell(1, 1.0, 2));
        row.push(cell(2, 1.0, 2));
        row.push(cell(3, 1.0, 2));
        row.push(cell(4, 100.0, 2));
        row.push(cell(5, 1.0, 2));
        row.push(format!("{} {:.0}%", p.busiest, p.mean[6] * 100.0));
        rows.push(row);
    }
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut text = format!(
        "{}: {} s measured after {} s warm-up, {} seed{} per point\n",
        s.scenario,
        s.seconds,
        s.warmup_s,
        s.points.first().map_or(0, |p| p.seeds),
        if s.points.first().is_some_and(|p| p.seeds == 1) { "" } else { "s" }
    );
    for r in rows {
        let cells: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect();
        text += cells.join("  ").trim_end();
        text += "\n";
    }
    text
}
