//! Replay files: generated steps, in and out of order, inside and past the run.

use super::*;

// ---------------------------------------------------------------------------
// 3. Replays

/// The scenarios replays start from.
const REPLAY_BASES: [&str; 3] = ["examples/three-tier.ron", "kinds/read-replicas.ron", "kinds/chat-websockets.ron"];

/// Edits naming the nodes of a system (`ids`), new ones or anything.
fn edit(ids: Vec<String>) -> impl Strategy<Value = Edit> {
    let id = name_in(ids.iter().cloned().chain(["new-1".into(), "new-2".into()]).collect());
    let new_id =
        prop_oneof![3 => prop::sample::select(vec!["new-1", "new-2", "new-3"]).prop_map(String::from), 1 => id.clone()];
    let node = |id: BoxedStrategy<String>| (any::<Index>(), id).prop_map(|(k, id)| node_like(&k, id));
    let link = (any::<Index>(), id.clone(), id.clone()).prop_map(|(k, from, to)| link_like(&k, from, to));
    prop_oneof![
        node(new_id.boxed()).prop_map(Edit::AddNode),
        id.clone().prop_map(Edit::RemoveNode),
        link.clone().prop_map(Edit::AddLink),
        (id.clone(), id.clone()).prop_map(|(from, to)| Edit::RemoveLink { from, to }),
        node(id.boxed()).prop_map(Edit::SetNode),
        link.prop_map(Edit::SetLink),
    ]
}

/// Live chaos aimed at the nodes of a system (`ids`) or anything.
fn chaos_command(ids: Vec<String>) -> impl Strategy<Value = ChaosCommand> {
    // A phrase that does not parse kills a node instead.
    let fault = (phrase(ids.clone()), name_in(ids))
        .prop_map(|(p, id)| Fault::parse_cli(&p).map(|f| f.fault).unwrap_or_else(|_| Fault::Kill(Kill { node: id })));
    prop_oneof![
        3 => fault.clone().prop_map(ChaosCommand::Inject),
        2 => (fault, prop_oneof![3 => 0.001f64..60.0, 1 => extreme_f64()]).prop_map(|(f, s)| ChaosCommand::InjectFor(f, s)),
        1 => prop_oneof![0u32..8, any::<u32>()].prop_map(ChaosCommand::Heal),
        1 => Just(ChaosCommand::HealAll),
        1 => prop::option::of(prop_oneof![3 => 0.001f64..60.0, 1 => extreme_f64()]).prop_map(ChaosCommand::Monkey),
    ]
}

/// A generated replay and the numbers of its text to replace.
#[derive(Clone, Debug)]
struct GenReplay {
    replay: Replay,
    numbers: Option<Vec<(Index, String)>>,
}

/// Where a generated replay ends: a little after its last step, or at a
/// time of its own.
#[derive(Clone, Debug)]
enum EndAt {
    AfterLast(u64),
    At(u64),
}

fn replay() -> impl Strategy<Value = GenReplay> {
    // Steps a little apart, some at a time of their own (out of order,
    // past the end); most replays end a little after their last step.
    let at = prop_oneof![0u64..100_000_000, any::<u64>()];
    let end = prop_oneof![
        12 => (0u64..20_000_000).prop_map(EndAt::AfterLast),
        1 => prop_oneof![Just(0), Just(MAX_END_NS), Just(MAX_END_NS + 1), any::<u64>()].prop_map(EndAt::At),
    ];
    let version = prop_oneof![19 => Just(systemdecoder::replay::VERSION), 1 => any::<u32>()];
    let numbers = prop::option::weighted(0.1, prop::collection::vec((any::<Index>(), number_text()), 1..3));
    prop::sample::select(REPLAY_BASES.to_vec())
        .prop_flat_map(move |base| {
            let scenario = bundled(base);
            let ids: Vec<String> = scenario.nodes.iter().map(|n| n.id.clone()).collect();
            let input = prop_oneof![
                prop::collection::vec(edit(ids.clone()), 1..3).prop_map(Input::Edits),
                chaos_command(ids).prop_map(Input::Chaos),
            ];
            let step = (0u64..10_000_000, prop::option::weighted(0.05, at.clone()), input);
            (
                Just(scenario),
                version.clone(),
                any::<u64>(),
                prop::collection::vec(step, 0..8),
                end.clone(),
                numbers.clone(),
            )
        })
        .prop_map(|(scenario, version, seed, steps, end, numbers)| {
            let mut t = 0;
            let steps: Vec<Step> = steps
                .into_iter()
                .map(|(gap, at, input)| {
                    t += gap;
                    Step { at_ns: at.unwrap_or(t), input }
                })
                .collect();
            let end_ns = match end {
                EndAt::AfterLast(gap) => steps.iter().map(|s| s.at_ns).max().unwrap_or(0).saturating_add(gap),
                EndAt::At(t) => t,
            };
            GenReplay { replay: Replay { version, seed, end_ns, scenario, steps }, numbers }
        })
}

/// Any generated replay: its file gives an error naming the file and the
/// place, or a replay that reads back equal and plays (every step applies)
/// through a slice, keeping every request.
#[test]
fn generated_replays_give_located_errors_or_play() {
    const FILE: &str = "generated.replay.ron";
    property("replays", 256, replay(), &["refused", "played"], |g| {
        let numbers: Vec<Mutation> =
            g.numbers.iter().flatten().map(|(k, v)| Mutation::Number(k.clone(), v.clone())).collect();
        let text = mutate(&g.replay.to_ron(), &numbers);
        match Replay::parse(FILE, &text) {
            Err(e) => {
                located(&e, FILE)?;
                Ok("refused")
            }
            Ok(r) => {
                // Compared as text: an edit aimed at no node changes nothing,
                // so its values go unchecked and may be NaN (never equal).
                let text = r.to_ron();
                if g.numbers.is_none() {
                    prop_assert_eq!(&text, &g.replay.to_ron(), "a file keeps every value");
                }
                let again = Replay::parse(FILE, &text).map(|r| r.to_ron());
                prop_assert_eq!(again.as_ref(), Ok(&text), "survives saving");
                if let Ok(link) = r.link("https://example.org/app/") {
                    let back = Replay::from_link(&link).map(|r| r.to_ron());
                    prop_assert_eq!(back.as_ref(), Ok(&text), "survives a link");
                }
                let mut p = r.start();
                let (mut t, end) = (0, r.end_ns.min(SLICE_NS));
                while t < end && p.engine.events_processed() < MAX_EVENTS {
                    t = (t + STEP_NS).min(end);
                    let played = r.advance(&mut p, t);
                    prop_assert!(played.is_ok(), "a checked replay plays: {:?}", played);
                }
                prop_assert_eq!(p.engine.check_conservation(), Ok(()));
                Ok("played")
            }
        }
    });
}
