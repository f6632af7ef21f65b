//! Property tests of every input surface: scenario files, share links,
//! replays, `--chaos` phrases, and lesson, concept and level files. Inputs
//! are generated from each format's structure (random systems, links that
//! break the rules, numbers at extremes, ids with control characters,
//! steps out of order), and each property states what must hold for any
//! of them: a clear error that names where, or a value that works (it
//! runs a short slice of sim time and keeps every request). fuzz.rs tries
//! fixed extremes and damages bytes; here a failure shrinks to a small
//! input.
//!
//! Fixed seeds and case counts keep CI quick and repeatable.
//! `SYSTEMDECODER_PROPTEST_CASES=N` runs N cases per property, `=xN` N
//! times the default (the README gives the figures of a long run).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Instant;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use systemdecoder::chaos::{ChaosCommand, Fault, Kill, MonkeySpec};
use systemdecoder::edit::Edit;
use systemdecoder::replay::{Input, MAX_END_NS, Replay, Step};
use systemdecoder::scenario::{Scenario, ScenarioError, bundled::BUNDLED, share};
use systemdecoder::sim::Engine;
use systemdecoder::sim::check::printable;
use systemdecoder::sim::model::{LinkSpec, NodeKind, NodeSpec};

// ---------------------------------------------------------------------------
// Running properties

/// Cases of a property: its default, or what `SYSTEMDECODER_PROPTEST_CASES`
/// says (`N`: N cases, `xN`: N times the default).
fn cases(default: u32) -> u32 {
    let Ok(v) = std::env::var("SYSTEMDECODER_PROPTEST_CASES") else { return default };
    let bad = || panic!("SYSTEMDECODER_PROPTEST_CASES={v}: expected N or xN");
    match v.strip_prefix('x') {
        Some(k) => default.saturating_mul(k.parse().unwrap_or_else(|_| bad())),
        None => v.parse().unwrap_or_else(|_| bad()),
    }
}

/// Run `test` on `cases` generated values (fixed seed, no failure files).
/// `test` says which way each case went ("refused", "ran"); every way in
/// `expect` must turn up, so a generator that stopped reaching one side
/// fails the test. Prints the tally and the time taken.
fn property<S>(
    name: &str,
    default_cases: u32,
    strategy: S,
    expect: &[&str],
    test: impl Fn(S::Value) -> Result<&'static str, TestCaseError>,
) where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let config = Config {
        cases: cases(default_cases),
        // One seed per property, from its name.
        rng_seed: RngSeed::Fixed(name.bytes().fold(0x5eed, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))),
        failure_persistence: None,
        ..Config::default()
    };
    let tally: RefCell<BTreeMap<&'static str, u32>> = RefCell::default();
    let start = Instant::now();
    let mut runner = TestRunner::new(config.clone());
    let result = runner.run(&strategy, |v| {
        let way = test(v)?;
        *tally.borrow_mut().entry(way).or_default() += 1;
        Ok(())
    });
    let tally = tally.into_inner();
    println!("{name}: {} cases in {:.1} s: {tally:?}", config.cases, start.elapsed().as_secs_f64());
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    for way in expect {
        assert!(tally.contains_key(way), "{name}: no case was {way} ({tally:?})");
    }
}

/// A file's error: it names the file and a place in it (a line or a field)
/// and shows no raw control character.
fn located(e: &ScenarioError, file: &str) -> Result<(), TestCaseError> {
    let shown = e.to_string();
    prop_assert_eq!(&e.file, file);
    prop_assert!(shown.starts_with(file), "the error names the file: {}", shown);
    prop_assert!(e.line > 0 || !e.path.is_empty(), "the error names a place: {}", shown);
    prop_assert!(!e.message.trim().is_empty(), "the error says what: {}", shown);
    prop_assert!(printable(&shown), "no raw control character: {:?}", shown);
    Ok(())
}

/// Sim time an accepted input runs for, in steps, and the most events it
/// may take (a client sending 10⁸ requests a second must not make a case
/// slow).
const SLICE_NS: u64 = 50_000_000;
const STEP_NS: u64 = 500_000;
const MAX_EVENTS: u64 = 200_000;

/// Run the engine on for a slice of sim time (less if it gets busy), then
/// check every request is accounted for.
fn run_slice(e: &mut Engine) -> Result<(), TestCaseError> {
    let (mut t, end) = (e.now(), e.now() + SLICE_NS);
    while t < end && e.events_processed() < MAX_EVENTS {
        t = (t + STEP_NS).min(end);
        e.run_until(t);
    }
    prop_assert_eq!(e.check_conservation(), Ok(()));
    Ok(())
}

// ---------------------------------------------------------------------------
// Building blocks

/// Numbers as a file may write them: edges, extremes, non-numbers.
const EXTREMES: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "3",
    "1e-9",
    "1e-320",
    "5e-324",
    "1e7",
    "1e9",
    "1e15",
    "1e308",
    "1e309",
    "NaN",
    "inf",
    "-inf",
    "4294967296",
    "18446744073709551616",
];

/// A number literal: an extreme, a plain one, or any float's digits.
fn number_text() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        3 => prop::sample::select(EXTREMES).prop_map(String::from),
        2 => (0u32..10_000).prop_map(|v| v.to_string()),
        1 => any::<f64>().prop_map(|v| format!("{v:?}")),
    ]
}

/// A float at an edge or an extreme, or any.
fn extreme_f64() -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        3 => prop::sample::select(vec![
            0.0, -0.0, 1.0, -1.0, 0.5, 1e-9, f64::MIN_POSITIVE, 5e-324, 1e7, 1e9, 1e15, 1e300, f64::MAX,
            f64::NAN, f64::INFINITY, f64::NEG_INFINITY,
        ]),
        2 => 0.001f64..1000.0,
        1 => any::<f64>(),
    ]
}

/// An id as a person, a damaged file or a hostile one may write it.
fn any_id() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        4 => "[a-z][a-z0-9._-]{0,12}",
        1 => "[a-c]{1,2}",
        1 => Just(String::new()),
        1 => "[ \t]{1,3}",
        1 => "[a-z]{62,66}",
        1 => "\\PC{1,16}",
        1 => "[a-z]{0,4}[\\x00-\\x1f\\x7f\\x{61c}\\x{200e}\\x{200f}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}][a-z]{0,4}",
        1 => any::<String>(),
    ]
}

/// A name from `names` (ids that exist), or any id (most name nothing).
fn name_in(names: Vec<String>) -> impl Strategy<Value = String> + Clone {
    prop_oneof![4 => prop::sample::select(names), 1 => any_id()]
}

/// A bundled scenario by the end of its path.
fn bundled(suffix: &str) -> Scenario {
    let (path, text) = BUNDLED.iter().find(|(p, _)| p.ends_with(suffix)).expect("bundled");
    Scenario::parse(path, text).expect("bundled parses").0
}

/// Node and link templates: every node and link of the bundled examples
/// and kind files, and every kind with its defaults.
struct Templates {
    nodes: Vec<NodeSpec>,
    links: Vec<LinkSpec>,
}

fn templates() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(|| {
        let (mut nodes, mut links) = (Vec::new(), Vec::new());
        for (path, _) in BUNDLED.iter().filter(|(p, _)| p.contains("examples/") || p.contains("kinds/")) {
            let s = bundled(path);
            nodes.extend(s.nodes);
            links.extend(s.links);
        }
        nodes.extend(NodeKind::catalogue().into_iter().map(|k| crate::helpers::node("x", k)));
        Templates { nodes, links }
    })
}

fn node_like(k: &Index, id: String) -> NodeSpec {
    NodeSpec { id, ..k.get(&templates().nodes).clone() }
}

fn link_like(k: &Index, from: String, to: String) -> LinkSpec {
    LinkSpec { from, to, ..k.get(&templates().links).clone() }
}

// ---------------------------------------------------------------------------
// Tokens of RON text, to change one number, string or name in place

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok {
    Number,
    Text,
    Ident,
}

/// The numbers, strings and identifiers of RON text, as byte ranges
/// (comments skipped).
fn tokens(text: &str) -> Vec<(Tok, std::ops::Range<usize>)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i = text[i + 2..].find("*/").map_or(b.len(), |k| i + k + 4);
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            out.push((Tok::Text, start..i));
        } else if c.is_ascii_digit() || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            i += 1;
            // Digits, a point, an exponent and its sign (`1.5e-9`).
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'.'
                    || b[i] == b'_'
                    || (matches!(b[i], b'-' | b'+') && matches!(b[i - 1], b'e' | b'E')))
            {
                i += 1;
            }
            out.push((Tok::Number, start..i));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Ident, start..i));
        } else {
            i += 1;
        }
    }
    out
}

/// One change to a file's text.
#[derive(Clone, Debug)]
enum Mutation {
    /// The k-th number becomes this literal.
    Number(Index, String),
    /// The k-th string becomes this one.
    Text(Index, String),
    /// The k-th identifier becomes the j-th (a field or a variant out of
    /// place, a value's type changed).
    Ident(Index, Index),
    DropLine(Index),
    RepeatLine(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), number_text()).prop_map(|(k, v)| Mutation::Number(k, v)),
        2 => (any::<Index>(), any_id()).prop_map(|(k, v)| Mutation::Text(k, v)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(k, j)| Mutation::Ident(k, j)),
        1 => any::<Index>().prop_map(Mutation::DropLine),
        1 => any::<Index>().prop_map(Mutation::RepeatLine),
    ]
}

/// Replace the k-th token of a kind (if the text has any).
fn replace_token(text: &str, kind: Tok, k: &Index, with: impl FnOnce(&str) -> String) -> String {
    let spans: Vec<_> = tokens(text).into_iter().filter(|(t, _)| *t == kind).map(|(_, r)| r).collect();
    if spans.is_empty() {
        return text.to_string();
    }
    let r = k.get(&spans).clone();
    format!("{}{}{}", &text[..r.start], with(&text), &text[r.end..])
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut t = text.to_string();
    for m in mutations {
        t = match m {
            Mutation::Number(k, v) => replace_token(&t, Tok::Number, k, |_| v.clone()),
            Mutation::Text(k, v) => replace_token(&t, Tok::Text, k, |_| ron::to_string(v).expect("a string")),
            Mutation::Ident(k, j) => {
                let idents: Vec<String> =
                    tokens(&t).into_iter().filter(|(k, _)| *k == Tok::Ident).map(|(_, r)| t[r].to_string()).collect();
                if idents.is_empty() {
                    continue;
                }
                let other = j.get(&idents).clone();
                replace_token(&t, Tok::Ident, k, |_| other)
            }
            Mutation::DropLine(k) | Mutation::RepeatLine(k) => {
                let mut lines: Vec<&str> = t.lines().collect();
                if lines.is_empty() {
                    continue;
                }
                let i = k.index(lines.len());
                if matches!(m, Mutation::DropLine(_)) {
                    lines.remove(i);
                } else {
                    lines.insert(i, lines[i]);
                }
                lines.join("\n")
            }
        };
    }
    t
}

#[test]
fn tokens_find_numbers_strings_and_names() {
    let t = "(a: 1.5e-9, b: \"x\\\"1\", c: -3, // 4\n d: Exp(20), e: p99)";
    let found: Vec<(Tok, &str)> = tokens(t).into_iter().map(|(k, r)| (k, &t[r])).collect();
    use Tok::*;
    assert_eq!(
        found,
        [
            (Ident, "a"),
            (Number, "1.5e-9"),
            (Ident, "b"),
            (Text, "\"x\\\"1\""),
            (Ident, "c"),
            (Number, "-3"),
            (Ident, "d"),
            (Ident, "Exp"),
            (Number, "20"),
            (Ident, "e"),
            (Ident, "p99"),
        ]
    );
}

// ---------------------------------------------------------------------------
// `--chaos` phrases

/// A number as a phrase may write it: mostly plain, sometimes extreme.
fn phrase_number() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        3 => (0u32..2000).prop_map(|v| v.to_string()),
        1 => (0.0f64..100.0).prop_map(|v| format!("{v:.2}")),
        1 => number_text(),
    ]
}

/// A `--chaos` phrase from the grammar of each fault's usage line
/// (`latency A->B +Nms`, `restart NODE [warm Ns]`), then `[at T] [for T]`:
/// `A->B` becomes a link, `A,B,...` some nodes, a word in capitals a node,
/// `N` or `K` in a word a number. Names come from `names` or anywhere;
/// sometimes the verb is junk or a junk word is slipped in.
fn phrase(names: Vec<String>) -> impl Strategy<Value = String> + Clone {
    let name = name_in(names);
    let verb = prop::option::weighted(0.05, any_id());
    let time = (phrase_number(), any::<bool>()).prop_map(|(n, s)| if s { format!("{n}s") } else { n });
    let junk = (any::<Index>(), prop_oneof![any_id(), Just("at".to_string()), Just("for".to_string())]);
    (
        prop::sample::select(Fault::usages()),
        verb,
        prop::collection::vec(name, 4),
        prop::collection::vec(phrase_number(), 2),
        any::<bool>(),
        prop::option::weighted(0.5, time.clone()),
        prop::option::weighted(0.4, time),
        prop::option::weighted(0.1, junk),
        prop::sample::select(vec![" ", "  ", "\t"]),
    )
        .prop_map(|(usage, verb, names, numbers, optional, at, lasting, junk, gap)| {
            let mut names = names.into_iter().cycle();
            let mut numbers = numbers.into_iter().cycle();
            let mut words: Vec<String> = Vec::new();
            let usage = usage.replace('[', " [ ").replace(']', " ] ");
            let mut skipping = false;
            for w in usage.split_whitespace() {
                match w {
                    "[" => skipping = !optional,
                    "]" => skipping = false,
                    _ if skipping => {}
                    "A->B" => words.push(format!("{}->{}", names.next().unwrap(), names.next().unwrap())),
                    "A,B,..." => words.push(format!("{},{}", names.next().unwrap(), names.next().unwrap())),
                    _ if w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase()) => words.push(names.next().unwrap()),
                    _ if words.is_empty() => words.push(w.to_string()),
                    // The first N or K is the number (`NMbps`, `xK`).
                    _ => match w.find(['N', 'K']) {
                        Some(i) => words.push(format!("{}{}{}", &w[..i], numbers.next().unwrap(), &w[i + 1..])),
                        None => words.push(w.to_string()),
                    },
                }
            }
            // `kill` and `pause` list no target in their usage.
            if words.len() == 1 {
                words.push(names.next().unwrap());
            }
            if let Some(v) = verb {
                words[0] = v;
            }
            words.extend(at.map(|t| format!("at {t}")));
            words.extend(lasting.map(|t| format!("for {t}")));
            if let Some((k, w)) = junk {
                let i = k.index(words.len() + 1);
                words.insert(i, w);
            }
            words.join(gap)
        })
}

// ---------------------------------------------------------------------------
// 1. Scenario files: generated systems

/// One end of a link that may break the rules.
#[derive(Clone, Debug)]
enum End {
    Node(Index),
    Name(String),
}

/// A generated system, described by its choices (they shrink well).
#[derive(Clone, Debug)]
struct Design {
    seed: u64,
    /// Node templates; an id given here replaces the plain `nK`.
    nodes: Vec<(Index, Option<String>)>,
    /// Links from an earlier node to a later one (clients come first), so
    /// these keep the rules: no cycle, no client called, no link twice.
    links: Vec<(Index, Index, Index)>,
    /// Links between any two ends (themselves, a cycle, a name of no node,
    /// a client, the same link twice).
    odd_links: Option<Vec<(End, End, Index)>>,
    zones: Option<Vec<(Index, String)>>,
    /// `--chaos` phrases; those that parse become scheduled faults.
    chaos: Option<Vec<String>>,
    monkey: Option<(f64, f64, Vec<systemdecoder::sim::engine::MonkeyFault>)>,
    /// Numbers of the file's text replaced by these literals.
    numbers: Option<Vec<(Index, String)>>,
}

/// The plain ids of a design's nodes, which its phrases can name.
fn plain_ids() -> Vec<String> {
    (0..40).map(|i| format!("n{i}")).collect()
}

fn design() -> impl Strategy<Value = Design> {
    let end = prop_oneof![3 => any::<Index>().prop_map(End::Node), 1 => any_id().prop_map(End::Name)];
    (
        any::<u64>(),
        prop::collection::vec((any::<Index>(), prop::option::weighted(0.04, any_id())), 0..40),
        prop::collection::vec((any::<Index>(), any::<Index>(), any::<Index>()), 0..60),
        prop::option::weighted(0.2, prop::collection::vec((end.clone(), end, any::<Index>()), 1..4)),
        prop::option::weighted(0.2, prop::collection::vec((any::<Index>(), any_id()), 1..6)),
        prop::option::weighted(0.3, prop::collection::vec(phrase(plain_ids()), 1..4)),
        prop::option::weighted(
            0.1,
            (extreme_f64(), extreme_f64(), prop::sample::subsequence(systemdecoder::chaos::all_monkey_faults(), 0..=6)),
        ),
        prop::option::weighted(0.3, prop::collection::vec((any::<Index>(), number_text()), 1..4)),
    )
        .prop_map(|(seed, nodes, links, odd_links, zones, chaos, monkey, numbers)| Design {
            seed,
            nodes,
            links,
            odd_links,
            zones,
            chaos,
            monkey,
            numbers,
        })
}

impl Design {
    /// The system, before any number of its text is replaced.
    fn scenario(&self) -> Scenario {
        let is_client = |n: &NodeSpec| matches!(n.kind, NodeKind::Client(_));
        let mut nodes: Vec<NodeSpec> = self.nodes.iter().map(|(k, _)| node_like(k, String::new())).collect();
        nodes.sort_by_key(|n| !is_client(n));
        for (i, (n, (_, id))) in nodes.iter_mut().zip(&self.nodes).enumerate() {
            n.id = id.clone().unwrap_or(format!("n{i}"));
        }
        let count = nodes.len();
        let mut links: Vec<LinkSpec> = Vec::new();
        if count >= 2 {
            for (a, b, k) in &self.links {
                let (a, b) = (a.index(count), b.index(count));
                let (from, to) = (a.min(b), a.max(b));
                let (f, t) = (&nodes[from].id, &nodes[to].id);
                if from == to || is_client(&nodes[to]) || links.iter().any(|l| &l.from == f && &l.to == t) {
                    continue;
                }
                links.push(link_like(k, f.clone(), t.clone()));
            }
        }
        let name = |e: &End| match e {
            End::Node(k) if count > 0 => nodes[k.index(count)].id.clone(),
            End::Node(_) => "nothing".into(),
            End::Name(n) => n.clone(),
        };
        for (a, b, k) in self.odd_links.iter().flatten() {
            links.push(link_like(k, name(a), name(b)));
        }
        for (k, zone) in self.zones.iter().flatten() {
            if count > 0 {
                nodes[k.index(count)].zone = Some(zone.clone());
            }
        }
        let chaos = self.chaos.iter().flatten().filter_map(|p| Fault::parse_cli(p).ok()).collect();
        let monkey = self.monkey.as_ref().map(|(mean_interval_s, duration_s, faults)| MonkeySpec {
            mean_interval_s: *mean_interval_s,
            duration_s: *duration_s,
            faults: faults.clone(),
        });
        Scenario { seed: self.seed, chaos, monkey, ..crate::helpers::scenario(nodes, links) }
    }

    /// The file's text, with its numbers replaced.
    fn text(&self, s: &Scenario) -> String {
        let numbers: Vec<Mutation> =
            self.numbers.iter().flatten().map(|(k, v)| Mutation::Number(k.clone(), v.clone())).collect();
        mutate(&s.to_ron(), &numbers)
    }
}

/// Any generated system: the file's text gives an error naming the file
/// and the place, or a scenario that checks, survives the trip through a
/// file and runs a slice keeping every request. Without replaced numbers,
/// the file and the in-memory check agree.
// ---------------------------------------------------------------------------
// The surfaces, one file each
mod chaos;
mod learn;
mod links;
mod replays;
mod scenarios;
