//! `systemdecoder bench`: simulation speed and memory on fixed workloads.
//! Run it from a release build; debug figures mean little.

use std::io::Write;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::headless;
use crate::scenario::Scenario;
use crate::sim::Sim;
use crate::sim::model::{NodeKind, NodeSpec, Traffic};
use crate::sim::report::Report;

const WEB3TIER: &str = include_str!("../../scenarios/bench/web3tier.ron");
/// The same first workload written for SimPy, the usual Python reference.
const SIMPY_MODEL: &str = include_str!("web3tier_simpy.py");
/// SimPy is slow: it runs at most this many sim seconds.
const SIMPY_SECONDS: f64 = 10.0;

#[derive(Serialize)]
struct Figures {
    name: String,
    offered_rps: f64,
    sim_seconds: f64,
    wall_seconds: f64,
    /// Sim seconds per wall second.
    speedup: f64,
    requests: u64,
    requests_per_wall_second: f64,
    events_per_wall_second: f64,
    /// Wall time per event, in nanoseconds.
    ns_per_event: f64,
    mean_latency_ms: f64,
    p99_latency_ms: f64,
    /// Resident memory after 1/6 and all of the run (MiB; Linux only).
    rss_mib_early: Option<f64>,
    rss_mib_end: Option<f64>,
    peak_rss_mib: Option<f64>,
    conservation: String,
}

/// The benchmark scenario scaled: `apps` app services, `rate` req/s, and a
/// database pool grown in proportion so the database stays at 75 % load.
fn web3tier(apps: usize, rate: f64) -> Scenario {
    let (base, _) = Scenario::parse("scenarios/bench/web3tier.ron", WEB3TIER).expect("bundled benchmark is valid");
    if apps == 4 && rate == 20_000.0 {
        return base;
    }
    let mut s = base.clone();
    let template = base.nodes.iter().find(|n| n.id == "app-1").expect("app-1").clone();
    let app_links = |id: &str| {
        let mut a = base.links.iter().find(|l| l.to == "app-1").expect("lb->app").clone();
        a.to = id.into();
        let mut b = base.links.iter().find(|l| l.from == "app-1").expect("app->db").clone();
        b.from = id.into();
        [a, b]
    };
    s.nodes.retain(|n| !n.id.starts_with("app-"));
    s.links.retain(|l| !l.to.starts_with("app-") && !l.from.starts_with("app-"));
    for i in 1..=apps {
        let id = format!("app-{i}");
        s.nodes.push(NodeSpec { id: id.clone(), ..template.clone() });
        s.links.extend(app_links(&id));
    }
    let factor = rate / 20_000.0;
    for n in &mut s.nodes {
        match &mut n.kind {
            NodeKind::Client(c) => c.traffic = Traffic::Poisson { rate },
            NodeKind::Database(d) => d.pool = (d.pool as f64 * factor).round() as u32,
            _ => {}
        }
    }
    s.name = format!("web3tier x{factor} ({apps} app services)");
    s
}

/// SimPy's figures on the first workload.
#[derive(Serialize, Deserialize)]
struct SimPy {
    requests: u64,
    wall_seconds: f64,
    requests_per_wall_second: f64,
    mean_latency_ms: f64,
    /// Our requests per wall second divided by SimPy's, same machine, same
    /// run (filled in here).
    #[serde(default)]
    ratio: f64,
    /// The same for the simulator written for the model alone.
    #[serde(default)]
    floor_ratio: f64,
}

/// Run the SimPy model for `seconds` of sim time; `None` when Python or
/// SimPy is missing or the run fails.
fn simpy(seconds: f64) -> Option<SimPy> {
    let mut child = Command::new("python3")
        .args(["-", "--seconds", &seconds.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(SIMPY_MODEL.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

fn rss_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn measure(s: &Scenario, seconds: f64) -> Figures {
    let mut app = headless::app(s, s.seed);
    let mut early = None;
    let start = Instant::now();
    headless::run(&mut app, 0.0, seconds, |f| {
        if early.is_none() && f >= 1.0 / 6.0 {
            early = rss_mib("VmRSS:");
        }
    });
    let wall = start.elapsed().as_secs_f64();
    let e = &app.world().resource::<Sim>().0;
    let r = Report::from_engine(e, &s.name, s.seed);
    Figures {
        name: s.name.clone(),
        offered_rps: r.offered_rps,
        sim_seconds: r.sim_seconds,
        wall_seconds: wall,
        speedup: r.sim_seconds / wall,
        requests: r.created,
        requests_per_wall_second: r.created as f64 / wall,
        events_per_wall_second: r.events as f64 / wall,
        ns_per_event: wall * 1e9 / r.events.max(1) as f64,
        mean_latency_ms: r.latency_ms.mean,
        p99_latency_ms: r.latency_ms.p99,
        rss_mib_early: early,
        rss_mib_end: rss_mib("VmRSS:"),
        peak_rss_mib: rss_mib("VmHWM:"),
        conservation: r.conservation,
    }
}

/// The first workload simulated by a program written for it alone
/// (`web3tier_floor.rs`).
#[derive(Serialize)]
struct Floor {
    requests: u64,
    wall_seconds: f64,
    requests_per_wall_second: f64,
    ns_per_event: f64,
    mean_latency_ms: f64,
    /// The engine's requests per wall second as a share of the floor's.
    engine_share: f64,
}

fn measure_floor(seconds: f64, seed: u64, engine: &Figures) -> Floor {
    let start = Instant::now();
    let out = super::web3tier_floor::run(seconds, seed);
    let wall = start.elapsed().as_secs_f64();
    let requests = out.latency.count();
    let rps = requests as f64 / wall;
    Floor {
        requests,
        wall_seconds: wall,
        requests_per_wall_second: rps,
        ns_per_event: wall * 1e9 / out.events.max(1) as f64,
        mean_latency_ms: out.latency.mean_ms(),
        engine_share: engine.requests_per_wall_second / rps,
    }
}

#[derive(Serialize)]
struct All {
    workloads: Vec<Figures>,
    floor: Floor,
    simpy: Option<SimPy>,
}

pub fn run(seconds: f64, json: bool, with_simpy: bool) -> ExitCode {
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 1e5 {
        eprintln!("error: --seconds must be between 0 and 100000, got {seconds}");
        return ExitCode::FAILURE;
    }
    if cfg!(debug_assertions) {
        eprintln!("note: this is a debug build; run `cargo run --release -- bench` for real figures");
    }
    let runs = [web3tier(4, 20_000.0), web3tier(40, 200_000.0)];
    let mut all = Vec::new();
    for s in &runs {
        let f = measure(s, seconds);
        if !json {
            println!("{}", f.name);
            println!(
                "  {:.0} s of sim time in {:.3} s wall ({:.1}x real time), one core",
                f.sim_seconds, f.wall_seconds, f.speedup
            );
            println!(
                "  {} requests: {:.0} requests/s simulated, {:.2} M events/s, {:.1} ns/event",
                f.requests,
                f.requests_per_wall_second,
                f.events_per_wall_second / 1e6,
                f.ns_per_event
            );
            println!("  latency mean {:.3} ms, p99 {:.3} ms", f.mean_latency_ms, f.p99_latency_ms);
            if let (Some(a), Some(b), Some(p)) = (f.rss_mib_early, f.rss_mib_end, f.peak_rss_mib) {
                println!("  memory: {a:.1} MiB after 1/6 of the run, {b:.1} MiB at the end, peak {p:.1} MiB");
            }
            println!("  conservation: {}", f.conservation);
        }
        all.push(f);
    }
    let floor = measure_floor(seconds, runs[0].seed, &all[0]);
    if !json {
        println!(
            "The first workload by a simulator written for it alone (same events, exactness, generator and histogram):\n  \
             {:.0} requests/s simulated, {:.1} ns/event, latency mean {:.3} ms; the engine runs at {:.2}x its speed",
            floor.requests_per_wall_second, floor.ns_per_event, floor.mean_latency_ms, floor.engine_share
        );
    }
    let simpy = with_simpy.then(|| simpy(seconds.min(SIMPY_SECONDS))).flatten().map(|mut p| {
        p.ratio = all[0].requests_per_wall_second / p.requests_per_wall_second.max(1e-9);
        p.floor_ratio = floor.requests_per_wall_second / p.requests_per_wall_second.max(1e-9);
        p
    });
    if !json {
        match &simpy {
            Some(p) => println!(
                "SimPy, same model, same machine ({:.0} s of sim time): {:.0} requests/s, mean latency {:.3} ms\n  \
                 we are {:.1}x SimPy (the simulator written for the model alone: {:.1}x)",
                seconds.min(SIMPY_SECONDS),
                p.requests_per_wall_second,
                p.mean_latency_ms,
                p.ratio,
                p.floor_ratio
            ),
            None if with_simpy => println!("SimPy: not installed (pip install simpy), no comparison"),
            None => {}
        }
    }
    let ok = all.iter().all(|f| f.conservation == "ok");
    if json {
        match serde_json::to_string_pretty(&All { workloads: all, floor, simpy }) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {}", crate::sim::check::shown(&e.to_string()));
                return ExitCode::FAILURE;
            }
        }
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

#[derive(Serialize)]
struct SeekFigures {
    sim_minutes: f64,
    /// Wall time to record the run with its snapshots (as the app does while it runs).
    record_seconds: f64,
    snapshots: usize,
    snapshot_interval_s: f64,
    /// Resident memory the snapshots added (MiB; Linux only).
    snapshot_mib: Option<f64>,
    seeks: usize,
    seek_ms_mean: f64,
    seek_ms_p95: f64,
    seek_ms_max: f64,
}

/// `bench --seek MINUTES`: how quickly any moment of a long recorded run
/// comes back, and what the snapshots cost.
pub fn seek(minutes: f64, json: bool) -> ExitCode {
    use crate::chaos::{ChaosCommand, Fault};
    use crate::replay::record::Recorder;
    use crate::replay::{Input, Replay, Step};
    use crate::sim::time::{NANOS_PER_SEC, secs_to_nanos};
    if !minutes.is_finite() || minutes <= 0.0 || minutes > 600.0 {
        eprintln!("error: --seek must be between 0 and 600 minutes, got {minutes}");
        return ExitCode::FAILURE;
    }
    if cfg!(debug_assertions) {
        eprintln!("note: this is a debug build; run `cargo run --release -- bench --seek {minutes}` for real figures");
    }
    let s = crate::scenario::default_scenario().expect("bundled default scenario");
    let end = secs_to_nanos(minutes * 60.0);
    let mut replay = Replay::new(s.clone(), s.seed);
    replay.end_ns = end;
    let kill = Fault::parse_cli("kill app-2").expect("a fault").fault;
    let mut app1 = s.nodes.iter().find(|n| n.id == "app-1").expect("app-1").clone();
    if let NodeKind::Service(sv) = &mut app1.kind {
        sv.workers = 8;
    }
    replay.steps = vec![
        Step { at_ns: end / 3, input: Input::Chaos(ChaosCommand::InjectFor(kill, 30.0)) },
        Step { at_ns: end / 2, input: Input::Edits(vec![crate::edit::Edit::SetNode(app1)]) },
    ];
    let before = rss_mib("VmRSS:");
    let start = Instant::now();
    let mut rec = Recorder::default();
    rec.begin(replay);
    if let Err(e) = rec.seek_keeping(end) {
        eprintln!("error: {}", crate::sim::check::shown(&e.to_string()));
        return ExitCode::FAILURE;
    }
    let record_seconds = start.elapsed().as_secs_f64();
    let snapshot_mib = rss_mib("VmRSS:").zip(before).map(|(a, b)| a - b);
    let mut rng = crate::sim::dist::SimRng::seeded(1);
    let mut times: Vec<f64> = (0..50)
        .map(|_| {
            let t = (rng.unit() * end as f64) as u64;
            let t0 = Instant::now();
            let p = rec.seek(t).expect("seeks within the recording");
            assert_eq!(p.engine.now(), t);
            t0.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let f = SeekFigures {
        sim_minutes: minutes,
        record_seconds,
        snapshots: rec.snapshot_count(),
        snapshot_interval_s: rec.interval() as f64 / NANOS_PER_SEC as f64,
        snapshot_mib,
        seeks: times.len(),
        seek_ms_mean: times.iter().sum::<f64>() / times.len() as f64,
        seek_ms_p95: times[times.len() * 95 / 100],
        seek_ms_max: times[times.len() - 1],
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&f).unwrap_or_default());
    } else {
        println!("seeking in {minutes} min of the default scenario (a fault and an edit recorded)");
        println!("  recorded with snapshots in {:.2} s wall", f.record_seconds);
        println!("  {} snapshots, one every {:.0} s of sim time", f.snapshots, f.snapshot_interval_s);
        if let Some(m) = f.snapshot_mib {
            println!("  snapshot memory: {m:.1} MiB ({:.2} MiB each)", m / f.snapshots.max(1) as f64);
        }
        println!(
            "  {} seeks to random moments: mean {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            f.seeks, f.seek_ms_mean, f.seek_ms_p95, f.seek_ms_max
        );
    }
    ExitCode::SUCCESS
}
