//! Soak: every bundled scenario for a long stretch of sim time with the
//! chaos monkey on, at full speed. Memory stays flat, the speed steady,
//! every request accounted for at every step.
//!
//! Too long for every CI run: `cargo test --locked soak -- --ignored
//! --nocapture` runs it, `SYSTEMDECODER_SOAK_S` sets the sim seconds per
//! scenario (default 600; the README gives the figures of a run),
//! `SYSTEMDECODER_SOAK_ONLY` keeps the scenarios whose path contains it.

use std::time::Instant;

use systemdecoder::chaos::MonkeySpec;
use systemdecoder::headless;
use systemdecoder::scenario::{Scenario, bundled::BUNDLED};
use systemdecoder::sim::Sim;

/// Resident memory now, MiB (Linux).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[test]
#[ignore = "long: run with --ignored (see the module's comment)"]
fn every_scenario_soaks_with_the_monkey_on() {
    let total: f64 = std::env::var("SYSTEMDECODER_SOAK_S").ok().and_then(|v| v.parse().ok()).unwrap_or(600.0);
    let chunk = (total / 10.0).max(1.0);
    println!(
        "{:<48} {:>9} {:>9} {:>11} {:>11} {:>9} {:>9}",
        "scenario", "RSS 10%", "RSS end", "s/chunk 1st", "s/chunk last", "slots 10%", "slots end"
    );
    let t0 = Instant::now();
    let only = std::env::var("SYSTEMDECODER_SOAK_ONLY").unwrap_or_default();
    for (path, text) in BUNDLED.iter().filter(|(p, _)| !p.contains("bench/") && p.contains(only.as_str())) {
        let (mut s, _) = Scenario::parse(path, text).expect("bundled");
        // A fault every 30 s on average, each lasting 10 s, of every kind.
        let monkey: MonkeySpec = serde_json::from_str(r#"{"mean_interval_s": 30.0}"#).expect("defaults");
        s.monkey = Some(monkey);
        let mut app = headless::app(&s, 7);
        let mut walls = Vec::new();
        let (mut early, mut early_slots) = (0.0, 0);
        for i in 0..10 {
            let t = Instant::now();
            headless::run(&mut app, 0.0, chunk, |_| {});
            walls.push(t.elapsed().as_secs_f64());
            let sim = app.world().resource::<Sim>();
            if let Err(e) = sim.check_conservation() {
                panic!("{path}: conservation broken after {} s: {e}", (i + 1) as f64 * chunk);
            }
            if i == 0 {
                early = rss_mib();
                early_slots = sim.message_slots();
            }
        }
        let end = rss_mib();
        let slots = app.world().resource::<Sim>().message_slots();
        println!(
            "{path:<48} {early:>8.1}M {end:>8.1}M {:>11.3} {:>11.3} {early_slots:>9} {slots:>9}",
            walls[0], walls[9]
        );
        // Memory may grow only by what a deeper backlog needs (message
        // slots, kept for reuse once it drains; under 1 KB each with the
        // request, its events and its place in queues), and 64 MiB besides.
        let backlog = (slots - early_slots) as f64 / 1024.0;
        assert!(
            end - early < 64.0 + backlog,
            "{path}: memory grew from {early:.1} to {end:.1} MiB, beyond the {backlog:.1} MiB a backlog of {slots} messages explains"
        );
    }
    println!("{} s of sim time per scenario in {:.0} s", total, t0.elapsed().as_secs_f64());
}
