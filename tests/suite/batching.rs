//! Consumer batching: a queue's consumer takes up to `batch_size` messages
//! in one call, waiting at most `linger_ms` for a full batch.

use systemdecoder::chaos::Fault;
use systemdecoder::scenario::Scenario;
use systemdecoder::sim::dist::Dist;
use systemdecoder::sim::model::*;

use crate::helpers::*;

const S: u64 = 1_000_000_000;

/// Producers at `rate` → queue (`consumers`, `batch`, `linger`) → a worker
/// with a fixed per-call time `overhead_ms` plus `per_item_ms` per message,
/// over links of `link_ms` each way.
#[allow(clippy::too_many_arguments)]
fn pipeline(
    rate: f64,
    consumers: u32,
    batch: Option<u32>,
    linger: Option<f64>,
    overhead_ms: f64,
    per_item_ms: f64,
    link_ms: f64,
) -> Scenario {
    let q = node(
        "q",
        NodeKind::Queue(QueueSpec {
            capacity: None,
            consumers,
            batch_size: batch,
            linger_ms: linger,
            ..Default::default()
        }),
    );
    let worker = node(
        "worker",
        NodeKind::Service(ServiceSpec {
            workers: consumers,
            service: Dist::Const(overhead_ms),
            per_item_ms: Some(per_item_ms),
            ..Default::default()
        }),
    );
    scenario(vec![poisson("c", rate), q, worker], vec![link("c", "q", 1.0), link("q", "worker", link_ms)])
}

fn counter(r: &systemdecoder::sim::report::Report, id: &str, name: &str) -> f64 {
    *node_report(r, id).detail.get(name).unwrap_or_else(|| panic!("{id} lists no {name}"))
}

#[test]
fn an_overloaded_consumer_drains_size_over_overhead_plus_size_times_item_cost() {
    // Each delivery holds a consumer for 2 link crossings + the per-call
    // overhead + size × the per-message cost: at most
    // consumers × size / (2L + o + size × c) messages a second.
    let (o, c, l, consumers) = (8.0, 0.2, 1.0, 2u32);
    for size in [1u32, 10, 50] {
        let s = pipeline(12_000.0, consumers, Some(size), Some(5.0), o, c, l);
        let r = run(&s, 3, 2.0, 20.0);
        let theory = consumers as f64 * size as f64 / ((2.0 * l + o + size as f64 * c) / 1000.0);
        let measured = node_report(&r, "q").jobs_done as f64 / r.measured_seconds;
        close(&format!("batch of {size}: messages per second"), measured, theory, 0.02);
        if size > 1 {
            // Under overload every batch is full.
            close("mean batch", counter(&r, "q", "mean_batch"), size as f64, 0.01);
        }
    }
}

#[test]
fn the_downstream_takes_one_call_per_batch() {
    // One consumer, batches of 10, 8 ms a call: at most 1 250 messages a
    // second, and 3 000 arrive (a backlog is always there): the worker
    // sees a tenth of the messages as calls.
    let s = pipeline(3_000.0, 1, Some(10), Some(5.0), 8.0, 0.0, 0.0);
    let r = run(&s, 4, 2.0, 20.0);
    let done = node_report(&r, "q").jobs_done as f64;
    let calls = node_report(&r, "worker").completions as f64;
    close("messages per call", done / calls, 10.0, 0.01);
}

#[test]
fn linger_bounds_the_wait_and_low_load_makes_small_batches() {
    // 50 messages a second, batches of up to 50, a 20-ms linger: the first
    // message of a batch waits the whole linger, and about λ × linger = 1
    // more arrives meanwhile, so batches hold about 2 messages.
    let (linger, o) = (20.0, 1.0);
    let s = pipeline(50.0, 4, Some(50), Some(linger), o, 0.1, 0.0);
    let r = run(&s, 5, 2.0, 200.0);
    let mean_batch = counter(&r, "q", "mean_batch");
    close("mean batch at low load = 1 + λ × linger", mean_batch, 2.0, 0.05);
    let job = node_report(&r, "q").job_latency_ms.clone().expect("jobs done");
    // Enqueue to processed: the linger, the call's overhead and a few
    // per-message costs, never more.
    let bound = linger + o + 10.0 * 0.1;
    assert!(job.max <= bound + 0.01, "max {} > {bound}", job.max);
    // The head waits the full linger and later arrivals part of it: the
    // mean wait lies between half the linger and the linger.
    let wait = job.mean - o - mean_batch * 0.1;
    assert!(wait > 0.5 * linger && wait < linger, "mean wait {wait} ms");

    // No linger: every message goes at once, batches of about one.
    let r = run(&pipeline(50.0, 4, Some(50), None, o, 0.1, 0.0), 5, 2.0, 100.0);
    assert!(counter(&r, "q", "mean_batch") < 1.01);
    assert!(node_report(&r, "q").job_latency_ms.clone().unwrap().max < o + 0.5);
}

#[test]
fn batching_alone_loses_and_duplicates_nothing() {
    let s = pipeline(2_000.0, 4, Some(25), Some(10.0), 5.0, 0.05, 1.0);
    let mut e = s.engine(6);
    e.run_until(30 * S);
    e.check_conservation().unwrap();
    let l = e.ledger();
    assert_eq!(l.jobs_failed.iter().sum::<u64>(), 0);
    let q = &e.nodes()[1];
    // Every message created is done, still waiting, or in a batch out now
    // (at most 4 × 25 of them).
    let waiting = q.queue_len() as u64;
    let out = l.jobs_created - l.jobs_done - waiting;
    assert!(out <= 100, "{out} messages neither done nor queued");
    assert_eq!(l.jobs_live, waiting + out);
    // The worker's calls carried every delivered message once.
    assert_eq!(q.stats.batched, l.jobs_done + out);
}

#[test]
fn a_failed_batch_redelivers_every_message_in_it() {
    // Overloaded (every batch is full, 20 messages); the consumer link
    // loses 20 % of its messages. A lost call (or answer) times out and all
    // 20 messages become visible again, each counting its own receive.
    // One consumer: 20 / (2 + 5 + 2) ms ≈ 2 200 messages a second at best.
    let mut s = pipeline(3_000.0, 1, Some(20), Some(5.0), 5.0, 0.1, 1.0);
    if let NodeKind::Queue(q) = &mut s.nodes[1].kind {
        q.visibility_timeout_ms = Some(50.0);
        q.max_receives = Some(100);
    }
    let mut e = s.engine(7);
    Fault::parse_cli("loss q->worker 20%").unwrap().schedule(&mut e).unwrap();
    e.run_until(20 * S);
    e.check_conservation().unwrap();
    let lost = e.links()[1].stats.lost as f64;
    let q = &e.nodes()[1];
    assert!(lost > 500.0, "{lost}");
    // Lost in the last 50 ms are not yet redelivered: within 1 %.
    close("redeliveries per lost call", q.stats.redeliveries as f64 / lost, 20.0, 0.01);
    assert_eq!(q.stats.dead_lettered, 0);
    assert_eq!(e.ledger().jobs_failed.iter().sum::<u64>(), 0, "nothing given up");
}

#[test]
fn a_crashed_consumer_fails_whole_batches_and_they_come_back() {
    // The worker crashes for 2 s: batches out fail, every message of them
    // is redelivered after the visibility timeout and done after the
    // restart. Nothing is lost, nothing left over.
    let mut s = pipeline(500.0, 4, Some(20), Some(10.0), 2.0, 0.05, 1.0);
    if let NodeKind::Queue(q) = &mut s.nodes[1].kind {
        q.visibility_timeout_ms = Some(200.0);
        q.max_receives = Some(50);
    }
    let mut e = s.engine(8);
    Fault::parse_cli("kill worker at 5s for 2s").unwrap().schedule(&mut e).unwrap();
    e.run_until(20 * S);
    e.check_conservation().unwrap();
    let l = e.ledger();
    assert_eq!(l.jobs_failed.iter().sum::<u64>(), 0);
    let q = &e.nodes()[1];
    assert!(q.stats.redeliveries > 500, "{}", q.stats.redeliveries);
    assert!(l.jobs_live < 100, "the backlog was drained: {}", l.jobs_live);
}

#[test]
fn a_batch_into_another_queue_is_stored_as_its_messages() {
    // q batches 10 at a time into q2, which delivers one by one: q2 stores
    // (and delivers) every message, not one per batch.
    let mut s = pipeline(300.0, 2, Some(10), Some(20.0), 1.0, 0.0, 1.0);
    s.nodes.push(node("q2", NodeKind::Queue(QueueSpec { capacity: None, consumers: 8, ..Default::default() })));
    s.links[1] = link("q", "q2", 1.0);
    s.links.push(link("q2", "worker", 1.0));
    let mut e = s.engine(9);
    e.run_until(20 * S);
    e.check_conservation().unwrap();
    let (q, q2) = (&e.nodes()[1], &e.nodes()[3]);
    assert!(q.stats.batched > 10 * 400, "{}", q.stats.batched);
    let stored = q2.stats.jobs_done as f64 + q2.queue_len() as f64;
    close("q2 stores what q delivered", stored, q.stats.jobs_done as f64, 0.01);
}

#[test]
fn batching_is_optional_in_files_and_bad_values_are_refused() {
    let plain = pipeline(10.0, 1, None, None, 1.0, 0.0, 0.0);
    let text = plain.to_ron();
    assert!(!text.contains("batch_size") && !text.contains("linger_ms"), "{text}");
    let text = pipeline(10.0, 1, Some(50), Some(20.0), 1.0, 0.0, 0.0).to_ron();
    assert!(text.contains("batch_size: 50") && text.contains("linger_ms: 20.0"), "{text}");
    let (s, _) = Scenario::parse("b.ron", &text).unwrap();
    assert!(matches!(&s.nodes[1].kind, NodeKind::Queue(q) if q.batch_size == Some(50)));

    let file = |queue: &str, worker: &str| {
        format!(
            "(version: 1, name: \"b\", seed: 1, duration_s: 10.0, nodes: [\
             (id: \"c\", kind: Client(traffic: Poisson(rate: 10.0))),\
             (id: \"q\", kind: Queue(consumers: 2{queue})),\
             (id: \"w\", kind: Service(workers: 2{worker}))],\
             links: [(from: \"c\", to: \"q\"), (from: \"q\", to: \"w\")])"
        )
    };
    Scenario::parse("b.ron", &file(", batch_size: 50, linger_ms: 20.0", ", per_item_ms: 0.5")).unwrap();
    for (field, queue, worker) in [
        ("batch_size", ", batch_size: 0", ""),
        ("batch_size", ", batch_size: 20000", ""),
        ("linger_ms", ", batch_size: 5, linger_ms: -1.0", ""),
        ("linger_ms", ", batch_size: 5, linger_ms: NaN", ""),
        ("linger_ms", ", batch_size: 5, linger_ms: inf", ""),
        ("linger_ms", ", linger_ms: 5.0", ""),
        ("per_item_ms", "", ", per_item_ms: -2.0"),
        ("per_item_ms", "", ", per_item_ms: NaN"),
    ] {
        let e = Scenario::parse("b.ron", &file(queue, worker)).expect_err(queue).to_string();
        assert!(e.contains(field), "{queue}{worker}: {e}");
    }
}

#[test]
fn one_poison_message_fails_its_whole_batch() {
    // 1 % of messages are poison; failed messages are dropped (no
    // redelivery). One consumer drains at most 50 / (2 + 5 + 50 × 0.4) ms
    // ≈ 1 850 of the 3 000 a second, so every batch is 50 fresh messages: a call fails when
    // any of its 50 is poison, 1 − 0.99^50 ≈ 39.5 % of calls, against 1 %
    // one message at a time.
    for (batch, expected) in [(None, 0.01), (Some(50u32), 1.0 - 0.99f64.powi(50))] {
        let mut s = pipeline(3_000.0, 1, batch, batch.map(|_| 5.0), 5.0, 0.4, 1.0);
        if let NodeKind::Service(w) = &mut s.nodes[2].kind {
            w.poison = 0.01;
        }
        let r = run(&s, 10, 2.0, 60.0);
        let calls = node_report(&r, "worker").completions as f64;
        let failed = counter(&r, "worker", "poison_failures");
        close(&format!("share of calls failed, batch {batch:?}"), failed / calls, expected, 0.1);
    }
}
