//! Hostile inputs: each class found by probing the command line gets a clear
//! error (naming the field and the limit) instead of a hang, a wrong number
//! or bytes sent raw to a terminal.

use systemdecoder::chaos::Fault;
use systemdecoder::scenario::{Scenario, share};
use systemdecoder::sim::dist::Dist;

use crate::helpers::*;

fn small() -> Scenario {
    scenario(vec![poisson("users", 100.0), service("app", 4, Dist::Exp(1.0))], vec![link("users", "app", 1.0)])
}

/// A file the file system gives no size for (a device, a pipe) is read only
/// up to the limit.
#[cfg(unix)]
#[test]
fn endless_files_are_read_only_up_to_the_limit() {
    let e = Scenario::load(std::path::Path::new("/dev/zero")).unwrap_err();
    assert!(e.message.contains("the limit is"), "{e}");
}

/// Fault parameters stay inside the nanosecond clock and what a machine can
/// simulate, on the command line and in files alike.
#[test]
fn fault_parameters_past_the_clock_are_refused() {
    let s = small();
    for (phrase, field) in [
        ("spike users x100000", "factor"),
        ("throttle app x1e9", "factor"),
        ("latency users->app +1e20ms", "add_ms"),
        ("bandwidth users->app 0.0000001Mbps", "mbps"),
        ("skew users x1e12", "factor"),
        ("restart app warm 1e15s", "warmup_s"),
        ("leak app crash 1e300s", "crash_after_s"),
        ("flush app warm 1e12s", "warmup_s"),
    ] {
        let f = Fault::parse_cli(phrase).unwrap_or_else(|e| panic!("{phrase}: {e}"));
        let (bad, why) = f.fault.check(&s).expect_err(phrase);
        assert_eq!(bad, field, "{phrase}: {why}");
        assert!(why.contains("at most") || why.contains("between"), "{phrase}: {why}");
    }
    for phrase in ["kill app at 1e30s", "kill app at 5s for 1e300s", "kill app at -1s"] {
        assert!(Fault::parse_cli(phrase).is_err(), "{phrase} is refused");
    }
    let mut file = small();
    file.chaos.push(Fault::parse_cli("spike users x1e6").unwrap());
    let e = Scenario::parse("t.ron", &file.to_ron()).unwrap_err();
    assert!(e.path.ends_with("fault.factor") && e.message.contains("at most 1000"), "{e}");
}

/// Faults that act through a client's requests are refused on any other
/// node (a herd at a load balancer made it send requests and panicked).
#[test]
fn client_faults_aimed_at_other_nodes_are_refused() {
    let s = small();
    for phrase in ["herd app 100", "spike app x2", "skew app x2", "hotkey app 50%"] {
        let f = Fault::parse_cli(phrase).unwrap_or_else(|e| panic!("{phrase}: {e}"));
        let (field, why) = f.fault.check(&s).expect_err(phrase);
        assert_eq!((field, why.as_str()), ("client", "\"app\" is not a client"), "{phrase}");
        assert!(f.schedule(&mut s.engine(1)).is_err(), "{phrase}");
        assert!(Fault::parse_cli(&phrase.replace("app", "users")).unwrap().fault.check(&s).is_ok(), "{phrase}");
    }
    let mut file = small();
    file.chaos.push(Fault::parse_cli("herd app 100").unwrap());
    let e = Scenario::parse("t.ron", &file.to_ron()).unwrap_err();
    assert_eq!(e.path, "chaos[0].fault.client", "{e}");
}

/// A client so slow that its next request would come after the end of the
/// clock sends none, however often its rate changes (the time wrapped
/// round: an overflow in a debug build).
#[test]
fn a_next_arrival_past_the_end_of_the_clock_never_comes() {
    let mut s = small();
    s.nodes[0] = poisson("users", 1e-300);
    for phrase in ["spike users x2 at 1s for 1s", "spike users x1e-100 at 3s"] {
        s.chaos.push(Fault::parse_cli(phrase).unwrap());
    }
    s.check().expect("a valid file");
    let mut e = s.start(1);
    e.run_until(5_000_000_000);
    assert_eq!(e.global().created, 0);
    assert_eq!(e.check_conservation(), Ok(()));
}

/// A replay that starts the chaos monkey with a fault every nanosecond is
/// refused as a file's monkey would be (playing it never got past the
/// first millisecond: each fault recombines all those active).
#[test]
fn a_replayed_monkey_keeps_to_the_limit_of_a_file() {
    use systemdecoder::chaos::ChaosCommand;
    use systemdecoder::replay::{Input, Replay, Step};
    let mut r = Replay::new(small(), 1);
    r.end_ns = 1_000_000;
    for (interval, ok) in [(1e-9, false), (0.000_999, false), (0.001, true), (20.0, true)] {
        r.steps = vec![Step { at_ns: 0, input: Input::Chaos(ChaosCommand::Monkey(Some(interval))) }];
        match r.check() {
            Ok(()) => assert!(ok, "{interval} accepted"),
            Err((_, why)) => assert!(!ok && why.contains("at least 0.001"), "{interval}: {why}"),
        }
    }
}

/// Stacked faults compose, but not past the limit of one.
#[test]
fn stacked_spikes_and_throttles_stop_at_the_limit() {
    let mut e = small().engine(1);
    for _ in 0..6 {
        Fault::parse_cli("spike users x1000").unwrap().schedule(&mut e).unwrap();
        Fault::parse_cli("throttle app x1000").unwrap().schedule(&mut e).unwrap();
        Fault::parse_cli("latency users->app +3600000ms").unwrap().schedule(&mut e).unwrap();
    }
    e.run_until(1_000_000);
    assert_eq!(e.nodes()[0].fx.spike, 1000.0);
    assert_eq!(e.nodes()[1].fx.slow, 1000.0);
    assert!(e.links()[0].fx.extra_latency <= 360_000_000_000_000, "{}", e.links()[0].fx.extra_latency);
    e.run_until(2_000_000_000);
    assert_eq!(e.check_conservation(), Ok(()));
}

/// Ids that would move a terminal's cursor, ring its bell or turn its text
/// around are refused, and the message shows them escaped.
#[test]
fn unprintable_ids_are_refused_and_never_echoed_raw() {
    for id in
        ["a\u{1b}[31mred", "bell\u{7}", "nul\u{0}", "two\nlines", "cr\r", "\u{202E}txt.exe", "x".repeat(65).as_str()]
    {
        let mut s = small();
        s.nodes[1].id = id.to_string();
        s.links[0].to = id.to_string();
        let e = s.check().unwrap_err();
        assert!(e.message.contains("not a usable id"), "{id:?}: {e}");
        let shown = e.to_string();
        assert!(!shown.chars().any(systemdecoder::sim::check::unprintable), "{shown:?}");
    }
    // A syntax error that quotes raw text: the message shows it escaped.
    let e = Scenario::parse("t.ron", "(version: 1, \u{1b}[2J").unwrap_err();
    assert!(!e.to_string().chars().any(systemdecoder::sim::check::unprintable), "{e}");
}

/// Errors about a level (read from a folder, opened from a link, graded)
/// show the names they quote escaped, like those about a scenario file.
#[test]
fn level_errors_never_echo_control_characters() {
    use systemdecoder::learn::level::{Loaded, Pack};
    use systemdecoder::sim::check::printable;
    let bundled = Loaded::get("opening-day").unwrap();
    // A trap file named with an escape sequence.
    let dir = std::env::temp_dir().join(format!("systemdecoder-level-escape-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let b = systemdecoder::learn::level::BUNDLED.iter().find(|b| b.id == "opening-day").unwrap();
    for (name, text) in b.files {
        let text = text.replace("\"more-apps.ron\"", &ron::to_string("\u{1b}[2J.ron").unwrap());
        std::fs::write(dir.join(name), text).unwrap();
    }
    let e = Loaded::from_dir(&dir).err().expect("no such trap file");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(printable(&e) && e.contains("\\u{1b}[2J.ron"), "{e:?}");
    // A level link whose canvas links to a name with an escape sequence.
    let mut start = small();
    start.links[0].to = "\u{1b}[2J".into();
    let e = Loaded::from_pack(Pack { level: bundled.level.clone(), start }).err().expect("a bad canvas");
    assert!(printable(&e) && e.contains("\\u{1b}[2J"), "{e:?}");
    // A fault aimed by the level at a name with one.
    let mut level = bundled.level.clone();
    level.chaos = vec![Fault::parse_cli("kill @pick:\u{1b}[2J").unwrap()];
    let start = bundled.start().unwrap();
    let e = level.graded_scenario(&start, &start, 1).unwrap_err();
    assert!(printable(&e) && e.contains("\\u{1b}[2J"), "{e:?}");
}

/// `share` never prints a link that opening would refuse.
#[test]
fn a_link_that_would_be_refused_is_never_made() {
    let mut s = small();
    // Compresses to little, expands past what a link may carry.
    s.description = "x".repeat(share::MAX_EXPANDED_BYTES + 10);
    let e = share::link("http://localhost:8000/", &s).unwrap_err();
    assert!(e.contains("cannot travel as a link"), "{e}");
    let ok = share::link("http://localhost:8000/", &small()).unwrap();
    assert!(share::decode(&ok).is_ok());
}

/// Users who ask again the moment they are answered, on a path that takes
/// no time (or fails at once: no route), would loop forever at one instant;
/// they pause instead, and the run ends.
#[test]
fn zero_time_loops_do_not_stop_the_clock() {
    use systemdecoder::sim::model::*;
    let long_poll = ClientSpec {
        traffic: Traffic::LongPolling { users: 2000, timeout_s: 30.0, messages_per_min: 0.5 },
        ..Default::default()
    };
    // No link at all: every poll fails at once (no route).
    let s = scenario(vec![client("apps", long_poll), service("api", 4, Dist::Exp(1.0))], vec![]);
    let r = run(&s, 1, 0.0, 5.0);
    assert!(r.created <= 2000 * 6, "{} polls in 5 s", r.created);
    assert!(r.failed.get("no_route").copied().unwrap_or(0) > 0);
    // Zero think time into a service that takes no time over a link of none.
    let closed = ClientSpec { traffic: Traffic::Closed { users: 10, think_ms: 0.0 }, ..Default::default() };
    let s =
        scenario(vec![client("users", closed), service("app", 4, Dist::Const(0.0))], vec![link("users", "app", 0.0)]);
    let r = run(&s, 1, 0.0, 3.0);
    assert!(r.completed > 0 && r.created <= 10 * 4, "{} requests in 3 s", r.created);
}

/// A long queue at a node whose service takes no time drains in a loop, not
/// by nesting a call per message (it overflowed the stack after a pause,
/// found by the soak).
#[test]
fn a_long_queue_of_zero_time_work_drains_without_recursion() {
    let s = scenario(
        vec![poisson("users", 20_000.0), service("relay", 1, Dist::Const(0.0)), service("app", 64, Dist::Exp(1.0))],
        vec![link("users", "relay", 1.0), link("relay", "app", 1.0)],
    );
    let mut e = s.engine(3);
    // Paused for 10 s: about 200 000 requests wait at the relay.
    Fault::parse_cli("pause relay at 1s for 10s").unwrap().schedule(&mut e).unwrap();
    e.run_until(10_900_000_000);
    assert!(e.nodes()[1].queue_len() > 150_000, "queued {}", e.nodes()[1].queue_len());
    e.run_until(11_100_000_000);
    assert_eq!(e.nodes()[1].queue_len(), 0, "drained at once when healed");
    assert_eq!(e.check_conservation(), Ok(()));
}

/// Work a machine cannot hold is refused before it starts, naming the field
/// and the limit: users simulated one by one, long polls past the rate
/// limit, a reconnect storm of a billion phones.
#[test]
fn work_that_would_not_fit_is_refused_naming_the_limit() {
    use systemdecoder::sim::model::*;
    let refused = |traffic: Traffic| {
        let c = ClientSpec { traffic, ..Default::default() };
        let s = scenario(vec![client("users", c), service("app", 4, Dist::Exp(1.0))], vec![link("users", "app", 1.0)]);
        s.check().unwrap_err()
    };
    let e = refused(Traffic::Closed { users: 10_000_000, think_ms: 1000.0 });
    assert!(e.path.ends_with("users") && e.message.contains("at most 1000000"), "{e}");
    let e = refused(Traffic::LongPolling { users: 1_000_000, timeout_s: 0.001, messages_per_min: 1.0 });
    assert!(e.path.ends_with("timeout_s") && e.message.contains("at least"), "{e}");
    let gw = WebsocketGatewaySpec { connections: 1_000_000_000, ..Default::default() };
    let s = scenario(
        vec![poisson("phones", 10.0), node("gw", NodeKind::WebsocketGateway(gw))],
        vec![link("phones", "gw", 1.0)],
    );
    let e = s.check().unwrap_err();
    assert!(e.path.ends_with("connections") && e.message.contains("10000000"), "{e}");
}

#[cfg(unix)]
#[test]
fn output_cut_short_ends_the_program_quietly() {
    // `systemdecoder run … | head`: the reader is gone before the report
    // is written; the program must end as Unix tools do, not panic.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_systemdecoder"))
        .args(["run", "scenarios/examples/three-tier.ron", "--seconds", "5"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_traffic_spike_cannot_push_a_client_past_the_rate_limit() {
    // 10^7 requests a second × 1 000 would be 10^10: capped at 10^8.
    let text = r#"(version: 1, name: "t", nodes: [
        (id: "u", kind: Client(traffic: Poisson(rate: 10000000.0))),
        (id: "a", kind: Service(workers: 100000, service: Const(0.0))),
    ], links: [(from: "u", to: "a", latency: Const(0.0))],
    chaos: [(at_s: 0.0, fault: TrafficSpike(client: "u", factor: 1000.0))])"#;
    let (s, _) = systemdecoder::scenario::Scenario::parse("t.ron", text).unwrap();
    let r = systemdecoder::headless::run_scenario(&s, "t", 1, 0.0, 0.001);
    let cap = systemdecoder::sim::check::MAX_RATE * 0.001;
    assert!((r.created as f64) < 1.1 * cap, "{} requests in 1 ms", r.created);
    assert!((r.created as f64) > 0.9 * cap, "the spike still applies up to the cap: {}", r.created);
}

/// A layered fan-out of `depth` levels, two services each calling both of
/// the next level at once: 2^depth calls per request in a few kilobytes.
fn fan_out_tree(rate: f64, depth: usize) -> String {
    let mut nodes = format!(r#"(id: "users", kind: Client(traffic: Poisson(rate: {rate:?})))"#);
    let mut links = String::from(r#"(from: "users", to: "a0")"#);
    for d in 0..depth {
        for s in ["a", "b"] {
            nodes += &format!(r#", (id: "{s}{d}", kind: Service(workers: 1000, service: Const(0.1), fan_out: true))"#);
            if d > 0 {
                for t in ["a", "b"] {
                    links += &format!(r#", (from: "{t}{}", to: "{s}{d}")"#, d - 1);
                }
            }
        }
    }
    format!(r#"(version: 1, name: "tree", nodes: [{nodes}], links: [{links}])"#)
}

#[test]
fn fan_out_trees_that_imply_too_much_work_are_refused() {
    use systemdecoder::sim::model::*;
    // 2^15 - 1 calls for each request: fine at 100 a second, not at 10 000.
    let ok = Scenario::parse("t.ron", &fan_out_tree(100.0, 15));
    assert!(ok.is_ok(), "{:?}", ok.err());
    let e = Scenario::parse("t.ron", &fan_out_tree(10_000.0, 15)).unwrap_err();
    assert!(e.path.contains("nodes[0].kind.traffic"), "{e}");
    assert!(e.message.contains("32767 calls") && e.message.contains("at most 1e8"), "{e}");
    // A balancer sends each request to one backend, not to all of them.
    let mut nodes = vec![poisson("users", 1e6), lb("lb", LbPolicy::RoundRobin)];
    let mut links = vec![link("users", "lb", 1.0)];
    for i in 0..150 {
        nodes.push(service(&format!("app-{i}"), 4, Dist::Exp(1.0)));
        links.push(link("lb", &format!("app-{i}"), 1.0));
    }
    assert!(scenario(nodes, links).check().is_ok());
    // A topic copies each message to every subscriber.
    let mut nodes = vec![poisson("users", 1e6), node("topic", NodeKind::PubSub(Default::default()))];
    let mut links = vec![link("users", "topic", 1.0)];
    for i in 0..150 {
        nodes.push(service(&format!("sub-{i}"), 4, Dist::Exp(1.0)));
        links.push(link("topic", &format!("sub-{i}"), 1.0));
    }
    let e = scenario(nodes, links).check().unwrap_err();
    assert!(e.message.contains("151 calls"), "{e}");
}

#[test]
fn messages_in_flight_are_capped_and_say_so() {
    use systemdecoder::sim::metrics::MAX_LIVE_MESSAGES;
    // A million requests a second into one worker and a queue without a
    // limit: without a cap this takes gigabytes within seconds.
    let s = scenario(vec![poisson("users", 1e6), service("app", 1, Dist::Const(1.0))], vec![link("users", "app", 0.0)]);
    let mut e = s.start(1);
    e.run_until(3_500_000_000);
    assert!(e.live_messages() <= MAX_LIVE_MESSAGES, "{} live", e.live_messages());
    e.check_conservation().unwrap();
    let r = systemdecoder::sim::report::Report::from_engine(&e, "t", 1);
    let refused = r.failed.get("sim_limit").copied().unwrap_or(0);
    assert!(refused > 100_000, "{:?}", r.failed);
    let said = systemdecoder::learn::insight::insights(systemdecoder::learn::metric::Measured {
        report: &r,
        windows: &e.windows().history.iter().map(|w| (**w).clone()).collect::<Vec<_>>(),
    });
    assert!(said.iter().any(|i| i.rule == "sim_limit"), "{:?}", said.iter().map(|i| i.rule).collect::<Vec<_>>());
    // A run that stays under the cap does not mention it.
    let r = run(&small(), 1, 0.0, 2.0);
    assert!(!r.failed.contains_key("sim_limit"), "{:?}", r.failed);
}

#[test]
fn running_in_slices_of_events_changes_nothing() {
    // The app runs a busy design a few thousand events at a time, so a
    // frame never waits for a whole millisecond of a huge design.
    let s = systemdecoder::scenario::default_scenario().unwrap();
    let mut whole = s.start(7);
    whole.run_until(3_000_000_000);
    let mut sliced = s.start(7);
    let mut stops = 0;
    while !sliced.run_some(3_000_000_000, 997) {
        stops += 1;
    }
    assert!(stops > 10, "{stops}");
    let a = systemdecoder::sim::report::Report::from_engine(&whole, "t", 7);
    let b = systemdecoder::sim::report::Report::from_engine(&sliced, "t", 7);
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
}

/// Texts of learning files (a concept written by someone else, a shared
/// level) reach the terminal with their control characters escaped.
#[test]
fn learning_texts_are_printed_escaped() {
    let dir = std::env::temp_dir().join(format!("systemdecoder-escape-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/concepts/adaptive-lifo");
    for f in ["concept.ron", "before.ron", "after.ron"] {
        let mut text = std::fs::read_to_string(from.join(f)).unwrap();
        if f == "concept.ron" {
            text = text.replace("Load shedding with adaptive LIFO", "Load \u{1b}[2J\u{7}shedding \u{202e}LIFO");
        }
        std::fs::write(dir.join(f), text).unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_systemdecoder"))
        .args(["concept", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let all = [out.stdout, out.stderr].concat();
    let text = String::from_utf8_lossy(&all);
    assert!(text.contains("shedding"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'), "{text:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
