//! `--chaos` phrases built from each fault's usage line.

use super::*;

// ---------------------------------------------------------------------------
// 4. `--chaos` phrases

/// The systems faults are aimed at (every kind a fault needs: clients,
/// caches, replicated databases, zones).
const CHAOS_TARGETS: [&str; 4] =
    ["examples/chaos-drill.ron", "kinds/read-replicas.ron", "kinds/cache-stampede.ron", "kinds/chat-websockets.ron"];

/// Any phrase, as `systemdecoder run --chaos` takes it: an error with a
/// message, or a fault within the clock; added to a system it is refused
/// naming the field or runs, scheduled and injected at once, keeping every
/// request.
#[test]
fn chaos_phrases_parse_to_errors_or_faults_that_run() {
    let systems: Vec<Scenario> = CHAOS_TARGETS.iter().map(|f| bundled(f)).collect();
    let mut names: Vec<String> = systems.iter().flat_map(|s| s.nodes.iter().map(|n| n.id.clone())).collect();
    names.extend(systems.iter().flat_map(|s| s.nodes.iter().filter_map(|n| n.zone.clone())));
    let strategy = (phrase(names), any::<Index>());
    property("chaos phrases", 256, strategy, &["not a phrase", "refused", "ran"], |(text, which)| {
        let f = match Fault::parse_cli(&text) {
            Err(m) => {
                prop_assert!(!m.trim().is_empty());
                return Ok("not a phrase");
            }
            Ok(f) => f,
        };
        let within = |t: f64| t.is_finite() && (0.0..=systemdecoder::chaos::MAX_SCHEDULE_S).contains(&t);
        prop_assert!(within(f.at_s) && f.for_s.is_none_or(within), "{:?}", f);
        prop_assert!(!f.fault.label().is_empty());
        let mut s = which.get(&systems).clone();
        s.chaos.push(f.clone());
        if let Err(e) = s.check() {
            prop_assert!(e.path.starts_with(&format!("chaos[{}]", s.chaos.len() - 1)), "{}", e);
            prop_assert!(printable(&e.to_string()), "{:?}", e.to_string());
            return Ok("refused");
        }
        let mut engine = s.start(s.seed);
        let now = ChaosCommand::Inject(f.fault.clone()).apply(&mut engine);
        prop_assert!(now.is_ok(), "a fault that checks applies: {:?}", now);
        run_slice(&mut engine)?;
        Ok("ran")
    });
}
