//! The safety net under every change to the engine's insides: each bundled
//! scenario (examples, kinds, lesson steps, benchmarks) and a fault gauntlet
//! that applies every fault type, run at a fixed seed for the scenario's own
//! length (at most 120 s), hashed over the whole report and every one-second
//! window. A move of code must keep every hash bit for bit.
//!
//! When behaviour changes on purpose, run
//! `SYSTEMDECODER_BLESS=1 cargo test --locked golden` to rewrite
//! `tests/golden.txt`, and say in the commit which hashes changed and why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use systemdecoder::headless;
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::Sim;
use systemdecoder::sim::report::Report;

const SEED: u64 = 1234;
const MAX_SECONDS: f64 = 120.0;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden_file() -> PathBuf {
    root().join("tests/golden.txt")
}

fn fnv1a(h: u64, s: &str) -> u64 {
    s.bytes().fold(h, |h, b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Run a scenario the way the golden file records it and hash the result.
fn hash_run(scenario: &Scenario, name: &str) -> u64 {
    let seconds = scenario.duration_s.clamp(1.0, MAX_SECONDS);
    let mut app = headless::app(scenario, SEED);
    headless::run(&mut app, 0.0, seconds, |_| {});
    let engine = &app.world().resource::<Sim>().0;
    let report = Report::from_engine(engine, name, SEED);
    assert_eq!(report.conservation, "ok", "{name}: conservation broken");
    let mut h = fnv1a(0xcbf2_9ce4_8422_2325, &serde_json::to_string(&report).unwrap());
    for w in &engine.windows().history {
        h = fnv1a(h, &serde_json::to_string(&**w).unwrap());
    }
    h
}

/// Every scenario file under `scenarios/<folder>` (lesson files describe
/// lessons, not systems, and are left out).
fn files_in(folder: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if systemdecoder::scenario::is_scenario_file(&p) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("scenarios").join(folder), &mut out);
    assert!(!out.is_empty(), "no scenarios under scenarios/{folder}");
    out
}

fn recorded() -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(golden_file()).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, hash) = l.split_once(' ').expect("golden line: NAME HASH");
            (name.to_string(), u64::from_str_radix(hash.trim().trim_start_matches("0x"), 16).expect("hex hash"))
        })
        .collect()
}

/// Compare (or, with `SYSTEMDECODER_BLESS=1`, record) a group of hashes.
fn check(group: &str, got: Vec<(String, u64)>) {
    if std::env::var_os("SYSTEMDECODER_BLESS").is_some() {
        // Tests run in parallel: serialise the read-modify-write of the file.
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = LOCK.lock().unwrap();
        let mut all = recorded();
        all.retain(|k, _| !k.starts_with(&format!("{group}/")));
        all.extend(got);
        let mut text = String::from(
            "# Golden hashes: scenario, seed 1234, its own length (≤ 120 s); see tests/suite/golden.rs.\n",
        );
        for (k, v) in &all {
            text.push_str(&format!("{k} {v:#018x}\n"));
        }
        std::fs::write(golden_file(), text).unwrap();
        return;
    }
    let want = recorded();
    let mut wrong = Vec::new();
    for (name, h) in &got {
        match want.get(name) {
            Some(w) if w == h => {}
            Some(w) => wrong.push(format!("{name}: recorded {w:#018x}, now {h:#018x}")),
            None => wrong.push(format!("{name}: not in tests/golden.txt (now {h:#018x})")),
        }
    }
    let stale: Vec<&String> =
        want.keys().filter(|k| k.starts_with(&format!("{group}/")) && !got.iter().any(|(n, _)| n == *k)).collect();
    assert!(stale.is_empty(), "tests/golden.txt names scenarios that are gone: {stale:?}");
    assert!(
        wrong.is_empty(),
        "golden runs changed (if on purpose: SYSTEMDECODER_BLESS=1 and say why in the commit):\n{}",
        wrong.join("\n")
    );
}

fn check_folder(folder: &str) {
    let got = files_in(folder)
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(root().join("scenarios")).unwrap().to_string_lossy().replace('\\', "/");
            let (s, _) = Scenario::load(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
            let h = hash_run(&s, &name);
            (name, h)
        })
        .collect();
    check(folder, got);
}

#[test]
fn golden_examples() {
    check_folder("examples");
}

#[test]
fn golden_kinds() {
    check_folder("kinds");
}

#[test]
fn golden_lessons() {
    check_folder("lessons");
}

#[test]
fn golden_bench() {
    check_folder("bench");
}

/// Every fault type in turn on the chaos drill's system (replica faults are
/// in `kinds/read-replicas.ron`), with the chaos monkey on top.
#[test]
fn golden_fault_gauntlet() {
    let text = include_str!("../../scenarios/examples/chaos-drill.ron");
    let (mut s, _) = Scenario::parse("chaos-drill.ron", text).unwrap();
    let chaos = r#"[
        (at_s: 2.0, for_s: 4.0, fault: Kill(node: "app-1")),
        (at_s: 7.0, for_s: 3.0, fault: Pause(node: "app-2")),
        (at_s: 11.0, for_s: 4.0, fault: CpuThrottle(node: "db", factor: 3.0)),
        (at_s: 16.0, for_s: 4.0, fault: Latency(from: "lb", to: "app-3", add_ms: 80.0, jitter_ms: 20.0)),
        (at_s: 21.0, for_s: 4.0, fault: PacketLoss(from: "users", to: "lb", loss: 0.1)),
        (at_s: 26.0, for_s: 4.0, fault: Bandwidth(from: "app-1", to: "db", mbps: 0.5)),
        (at_s: 31.0, for_s: 3.0, fault: Blackhole(from: "lb", to: "app-2")),
        (at_s: 35.0, for_s: 4.0, fault: Partition(nodes: ["app-3", "cache"])),
        (at_s: 40.0, for_s: 4.0, fault: TrafficSpike(client: "users", factor: 2.5)),
        (at_s: 45.0, fault: Restart(node: "app-2", warmup_s: 5.0)),
        (at_s: 51.0, for_s: 6.0, fault: MemoryLeak(node: "app-3", crash_after_s: 4.0)),
        (at_s: 58.0, for_s: 4.0, fault: DiskFull(node: "db")),
        (at_s: 63.0, for_s: 4.0, fault: ClockSkew(client: "users", factor: 0.3)),
        (at_s: 68.0, for_s: 4.0, fault: Corrupt(from: "app-1", to: "db", share: 0.2)),
        (at_s: 73.0, for_s: 4.0, fault: Duplicate(from: "lb", to: "app-1", share: 0.3)),
        (at_s: 78.0, for_s: 3.0, fault: ZoneOutage(zone: "a")),
        (at_s: 82.0, fault: ThunderingHerd(client: "users", requests: 2000)),
        (at_s: 85.0, for_s: 4.0, fault: HotKey(client: "users", share: 0.5)),
        (at_s: 90.0, fault: CacheFlush(node: "cache", warmup_s: 5.0)),
        (at_s: 96.0, for_s: 4.0, fault: PoolExhaustion(node: "db", leaked: 15)),
    ]"#;
    s.chaos = systemdecoder::scenario::ron_options().from_str(chaos).unwrap();
    s.monkey = Some(ron::from_str("(mean_interval_s: 6.0, duration_s: 2.0)").unwrap());
    s.duration_s = 105.0;
    let h = hash_run(&s, "gauntlet");
    check("gauntlet", vec![("gauntlet/chaos-drill".into(), h)]);
}
