//! Replays: a run's recorded inputs give the run back bit for bit (headless
//! and through the app's own playback), seeking is exact, a change made in
//! the past forks and keeps the original, and damaged replay files get a
//! clear error naming where.

use bevy::app::App;
use systemdecoder::chaos::{ChaosCommand, Fault};
use systemdecoder::edit::{Edit, EditBatch};
use systemdecoder::headless;
use systemdecoder::replay::record::{Recorder, Scrub};
use systemdecoder::replay::{Input, Replay};
use systemdecoder::scenario::{self, Scenario};
use systemdecoder::sim::report::Report;
use systemdecoder::sim::time::NANOS_PER_SEC;
use systemdecoder::sim::{Engine, NodeParams, Sim};

/// The bundled default scenario.
fn default_scenario() -> Scenario {
    scenario::default_scenario().expect("bundled default")
}

/// An app that records, as the desktop app does.
pub fn recording_app(s: &Scenario, seed: u64) -> App {
    let mut app = headless::app(s, seed);
    app.add_plugins(systemdecoder::replay::record::plugin);
    app
}

pub fn report(e: &Engine) -> String {
    serde_json::to_string(&Report::from_engine(e, "run", e.seed())).expect("json")
}

fn live(app: &App) -> String {
    report(&app.world().resource::<Sim>().0)
}

pub fn recording(app: &App) -> Replay {
    app.world().resource::<Recorder>().replay.clone().expect("a recording")
}

fn run(app: &mut App, secs: f64) {
    headless::run(app, 0.0, secs, |_| {});
}

/// The default scenario through [`session`], recorded, with this seed.
fn recorded_session(seed: u64) -> App {
    let mut app = recording_app(&default_scenario(), seed);
    session(&mut app);
    app
}

/// One tick that moves no time (a seek takes effect).
fn tick(app: &mut App) {
    app.world_mut().resource_mut::<systemdecoder::sim::SimSpeed>().tick = 0;
    app.world_mut().run_schedule(bevy::app::FixedUpdate);
}

fn kill(node: &str) -> Fault {
    Fault::parse_cli(&format!("kill {node}")).expect("fault").fault
}

/// A session: a fault, an edit batch, a parameter dragged (uncommitted),
/// the monkey, a new node wired in, a heal.
fn session(app: &mut App) {
    run(app, 3.0);
    app.world_mut().write_message(ChaosCommand::InjectFor(kill("app-2"), 4.0));
    run(app, 2.0);
    let s = scenario::export(app.world_mut()).expect("design");
    let mut app1 = s.nodes.iter().find(|n| n.id == "app-1").expect("app-1").clone();
    if let systemdecoder::sim::model::NodeKind::Service(sv) = &mut app1.kind {
        sv.workers = 8;
    }
    app.world_mut().write_message(EditBatch::user(vec![Edit::SetNode(app1)]));
    run(app, 1.5);
    // A drag: the parameters change without an edit batch.
    let mut q = app.world_mut().query::<(&bevy::prelude::Name, &mut NodeParams)>();
    for (name, mut p) in q.iter_mut(app.world_mut()) {
        if name.as_str() == "app-3" {
            p.0.pos.0 += 40.0;
            if let systemdecoder::sim::model::NodeKind::Service(sv) = &mut p.0.kind {
                sv.workers = 2;
            }
        }
    }
    run(app, 2.0);
    app.world_mut().write_message(ChaosCommand::Monkey(Some(3.0)));
    let mut app4 = s.nodes.iter().find(|n| n.id == "app-1").expect("app-1").clone();
    app4.id = "app-4".into();
    app.world_mut().write_message(EditBatch::user(vec![
        Edit::AddNode(app4),
        Edit::AddLink(systemdecoder::sim::model::LinkSpec::new("lb", "app-4", 0.5)),
        Edit::AddLink(systemdecoder::sim::model::LinkSpec::new("app-4", "cache", 0.5)),
    ]));
    run(app, 4.0);
    app.world_mut().write_message(ChaosCommand::HealAll);
    app.world_mut().write_message(ChaosCommand::Monkey(None));
    app.world_mut().write_message(EditBatch::user(vec![Edit::RemoveLink { from: "lb".into(), to: "app-1".into() }]));
    run(app, 3.5);
}

#[test]
fn a_recorded_session_replays_bit_for_bit() {
    let mut app = recorded_session(7);
    let rec = recording(&app);
    assert!(
        rec.steps.len() >= 7,
        "every change recorded: {:?}",
        rec.steps.iter().map(|s| s.input.label()).collect::<Vec<_>>()
    );
    assert_eq!(rec.end_ns, app.world().resource::<Sim>().now());
    // The design at the recording's end (what the safety copy keeps while
    // the past is shown) is the design on screen at the end.
    let latest = app.world().resource::<Recorder>().latest_design().expect("a design");
    assert_eq!(Some(latest), scenario::export(app.world_mut()));
    // Through the file format and back.
    let text = rec.to_ron();
    let back = Replay::parse("session.replay.ron", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back, rec);
    let played = back.play().expect("plays");
    assert_eq!(report(&played), live(&app), "replay gives the live run's report");
    assert_eq!(played.events_processed(), app.world().resource::<Sim>().events_processed());
    // And through a link.
    let link = rec.link("http://localhost:8000/").expect("fits a link");
    let payload = link.split_once(systemdecoder::replay::MARK).expect("mark").1;
    let unpacked = scenario::share::unpack(payload, "replay").expect("unpacks");
    assert_eq!(Replay::parse("link", &unpacked).expect("parses"), rec);
}

#[test]
fn seeking_then_playing_on_is_playing_straight_through() {
    let app = recorded_session(3);
    let rec = app.world().resource::<Recorder>();
    assert!(rec.snapshot_count() >= 1, "snapshots taken: {}", rec.snapshot_count());
    let replay = recording(&app);
    let end = replay.end_ns;
    for t in [0, NANOS_PER_SEC, 5 * NANOS_PER_SEC + 1, 9_500_000_000, 12 * NANOS_PER_SEC, end] {
        let rec = app.world().resource::<Recorder>();
        let mut from_seek = rec.seek(t).expect("seeks");
        assert_eq!(from_seek.engine.now(), t);
        let mut straight = replay.start();
        replay.advance(&mut straight, t).expect("plays");
        assert_eq!(report(&from_seek.engine), report(&straight.engine), "state at {t}");
        replay.advance(&mut from_seek, end).expect("plays on");
        assert_eq!(report(&from_seek.engine), live(&app), "from {t} to the end");
    }
}

#[test]
fn the_app_plays_the_past_back_exactly_and_forks_on_a_change() {
    let mut app = recorded_session(11);
    let original = recording(&app);
    let at_end = live(&app);
    // Back to 4 s and play on: the recorded changes happen again at their
    // times and the run ends as it did.
    app.world_mut().write_message(Scrub::To(4 * NANOS_PER_SEC));
    tick(&mut app);
    assert_eq!(app.world().resource::<Sim>().now(), 4 * NANOS_PER_SEC);
    assert!(app.world().resource::<Recorder>().playback.is_some());
    let left = (original.end_ns - 4 * NANOS_PER_SEC) as f64 / 1e9;
    run(&mut app, left);
    assert_eq!(live(&app), at_end, "played back from 4 s");
    assert!(app.world().resource::<Recorder>().playback.is_none(), "live again at the end");
    assert_eq!(recording(&app), original, "playing back records nothing new");
    // Back to 6 s and change something: a fork.
    app.world_mut().write_message(Scrub::To(6 * NANOS_PER_SEC));
    tick(&mut app);
    app.world_mut().write_message(ChaosCommand::Inject(kill("db")));
    run(&mut app, 3.0);
    let rec = app.world().resource::<Recorder>();
    assert_eq!(rec.branches.len(), 1);
    let old = &rec.branches[0];
    assert_eq!(old.replay, original, "the original is kept whole");
    assert_eq!(report(&old.end), at_end, "its end as it was");
    assert_eq!(old.parted_at, 6 * NANOS_PER_SEC);
    let now = recording(&app);
    let kept = original.steps.iter().take_while(|s| s.at_ns < 6 * NANOS_PER_SEC).count();
    assert_eq!(now.steps[..kept], original.steps[..kept], "the shared past");
    assert!(matches!(now.steps.last().map(|s| &s.input), Some(Input::Chaos(ChaosCommand::Inject(_)))));
    assert_eq!(now.end_ns, 9 * NANOS_PER_SEC);
    assert_ne!(live(&app), at_end);
    // The fork replays too.
    assert_eq!(report(&now.play().expect("plays")), live(&app));
    // A saved run set beside it: they part where their inputs first differ;
    // a run of another system parts at the start.
    let mut rec = app.world_mut().resource_mut::<Recorder>();
    rec.add_saved("original.replay.ron".into(), original.clone()).expect("plays");
    let saved = rec.branches.last().expect("added");
    assert_eq!((saved.parted_at, report(&saved.end)), (6 * NANOS_PER_SEC, at_end.clone()));
    let mut other = original.clone();
    other.scenario.name = "another".into();
    rec.add_saved("another.replay.ron".into(), other).expect("plays");
    assert_eq!(rec.branches.last().expect("added").parted_at, 0);
}

#[test]
fn damaged_replays_are_refused_with_where_and_why() {
    let app = recorded_session(5);
    let good = recording(&app).to_ron();
    let cases: Vec<(String, &str)> = vec![
        (good.replacen("version: 1", "version: 9", 1), "version"),
        (good.replacen("end_ns: ", "end_ns: 99999999999999999", 1), "end_ns"),
        (good.replacen("id: \"db\"", "id: \"db\u{1b}[31m\"", 1), "scenario.nodes"),
        ("(version: 1, seed: 1, end_ns: 5, scenario: (".to_string(), ""),
        (String::new(), ""),
        ("🙂".repeat(10), ""),
    ];
    for (text, path) in cases {
        match Replay::parse("r.ron", &text) {
            Ok(_) => panic!("accepted: {}", &text[..text.len().min(200)]),
            Err(e) => {
                assert!(e.path.starts_with(path), "{path}: {e}");
                assert!(!e.to_string().contains('\u{1b}'), "no raw escape: {e}");
            }
        }
    }
    // Steps out of order, after the end, an edit that breaks the rules, a
    // fault on nothing.
    let mut r = recording(&app);
    let mut bad = r.clone();
    bad.steps.swap(0, 1);
    assert!(bad.check().unwrap_err().1.contains("time order"));
    bad = r.clone();
    bad.steps.last_mut().expect("steps").at_ns = r.end_ns + 1;
    assert!(bad.check().unwrap_err().1.contains("after the end"));
    bad = r.clone();
    bad.steps.push(systemdecoder::replay::Step {
        at_ns: r.end_ns,
        input: Input::Edits(vec![Edit::AddLink(systemdecoder::sim::model::LinkSpec::new("db", "lb", 1.0))]),
    });
    let (path, msg) = bad.check().unwrap_err();
    assert!(msg.contains("loop"), "{msg}");
    assert_eq!(systemdecoder::scenario::locate::path_to_string(&path), format!("steps[{}].input", r.steps.len()));
    r.steps.push(systemdecoder::replay::Step {
        at_ns: r.end_ns,
        input: Input::Chaos(ChaosCommand::Inject(kill("nobody"))),
    });
    assert!(r.check().is_err());
    let mut big = recording(&app);
    big.steps = vec![big.steps[0].clone(); systemdecoder::replay::MAX_STEPS + 1];
    assert!(big.check().unwrap_err().1.contains("limit"));
}

#[test]
fn an_opened_replay_plays_back_and_seeks_to_the_same_end() {
    let app = recorded_session(2);
    let rec = recording(&app);
    let at_end = live(&app);
    let mut other = recording_app(&rec.scenario, rec.seed);
    other.world_mut().insert_resource(systemdecoder::replay::record::PendingReplay(rec.clone()));
    tick(&mut other);
    assert_eq!(other.world().resource::<Recorder>().playback, Some(0), "plays from the start");
    // Jump ahead (snapshots are kept on the way), then play to the end.
    other.world_mut().write_message(Scrub::To(12 * NANOS_PER_SEC));
    tick(&mut other);
    assert_eq!(other.world().resource::<Sim>().now(), 12 * NANOS_PER_SEC);
    assert_eq!(other.world().resource::<Recorder>().snapshot_count(), 1);
    run(&mut other, (rec.end_ns - 12 * NANOS_PER_SEC) as f64 / 1e9);
    assert_eq!(live(&other), at_end);
    assert_eq!(recording(&other), rec, "nothing new recorded");
}

#[test]
fn the_shipped_replay_plays_and_exports_from_the_command_line() {
    let file = "scenarios/replays/three-tier-outage.replay.ron";
    let replay = Replay::load(std::path::Path::new(file)).unwrap_or_else(|e| panic!("{e}"));
    let engine = replay.play().expect("plays");
    let bin = env!("CARGO_BIN_EXE_systemdecoder");
    let out = std::process::Command::new(bin).args(["replay", file, "--json"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8(out.stdout).expect("text");
    let expected =
        serde_json::to_string_pretty(&Report::from_engine(&engine, &replay.scenario.name, replay.seed)).expect("json");
    assert_eq!(printed.trim_end(), expected, "the command prints the replay's report, bit for bit");
    // The outage shows in the charts' data: errors while app-2 is down and
    // before the health check steers round it, none after.
    let csv = std::env::temp_dir().join(format!("systemdecoder-replay-{}.csv", std::process::id()));
    let out = std::process::Command::new(bin)
        .args(["export", file, "--from", "8", "--to", "20", "--csv"])
        .arg(&csv)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&csv).expect("written");
    let _ = std::fs::remove_file(&csv);
    let rows: Vec<Vec<f64>> =
        text.lines().skip(1).map(|l| l.split(',').take(4).map(|v| v.parse().expect("number")).collect()).collect();
    assert_eq!(rows.len(), 12);
    let errors_at = |t: f64| rows.iter().find(|r| r[0] == t).map(|r| r[3]).expect("row");
    assert_eq!(errors_at(10.0), 0.0);
    assert!(errors_at(12.0) > 150.0, "half the requests fail at 12 s: {}", errors_at(12.0));
    assert_eq!(errors_at(17.0), 0.0, "the health check steers round app-2");
    // A damaged replay on the command line: a clear error, exit 1.
    let out = std::process::Command::new(bin).args(["replay", "http://x/#r=AAAA"]).output().expect("runs");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error: share link"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_edit_of_something_not_there_is_refused_naming_the_step() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/replays/three-tier-outage.replay.ron");
    let good = Replay::load(&path).unwrap();
    for edit in [
        Edit::RemoveNode("ghost".into()),
        Edit::RemoveLink { from: "lb".into(), to: "nowhere".into() },
        Edit::SetNode(systemdecoder::sim::model::NodeSpec { id: "ghost".into(), ..good.scenario.nodes[0].clone() }),
    ] {
        let mut r = good.clone();
        let at_ns = r.end_ns;
        r.steps.push(systemdecoder::replay::Step { at_ns, input: Input::Edits(vec![edit]) });
        let e = Replay::parse("r.replay.ron", &r.to_ron()).unwrap_err();
        assert!(e.message.contains("not there") && e.path.contains(&format!("steps[{}]", good.steps.len())), "{e}");
    }
}

#[test]
fn copies_of_a_flooded_system_stay_within_the_memory_budget() {
    use systemdecoder::replay::record::MAX_SNAPSHOT_BYTES;
    // A million requests a second into one worker: the backlog grows to the
    // simulator's cap, and every 2 million events a copy would be due.
    let text = r#"(version: 1, name: "flood", nodes: [
        (id: "users", kind: Client(traffic: Poisson(rate: 1000000.0))),
        (id: "app", kind: Service(workers: 1, service: Const(1.0))),
    ], links: [(from: "users", to: "app", latency: Const(0.0))])"#;
    let (s, _) = Scenario::parse("flood.ron", text).unwrap();
    let mut app = recording_app(&s, 1);
    run(&mut app, 4.0);
    let rec = app.world().resource::<Recorder>();
    assert!(rec.snapshot_bytes() <= MAX_SNAPSHOT_BYTES, "{} MiB kept", rec.snapshot_bytes() >> 20);
    // Seeking back still works (from an earlier copy or the start).
    let p = rec.seek(3 * NANOS_PER_SEC).unwrap();
    assert_eq!(p.engine.now(), 3 * NANOS_PER_SEC);
}
