//! Cache staleness and write policies: a hit is stale when the key was
//! written at a store after the cached copy was read there.

use systemdecoder::scenario::Scenario;
use systemdecoder::sim::report::Report;

use crate::helpers::*;

/// `rate` requests a second over `keys` keys (uniform), `write_ratio` of
/// them writes, through an api to a cache with this TTL and write policy
/// in front of a database. With `around`, writes go from the api straight
/// to the database (`only` links) and the cache never hears of them;
/// otherwise they pass through the cache. The store's read and write times
/// are constant; `link_ms` is every link's latency but the cache's to the
/// database (`store_link_ms`, plus `jitter_ms`).
struct Design {
    rate: f64,
    keys: u32,
    write_ratio: f64,
    ttl_ms: f64,
    policy: &'static str,
    around: bool,
    read_ms: f64,
    write_ms: f64,
    link_ms: f64,
    store_link_ms: f64,
    jitter_ms: f64,
}

impl Design {
    fn text(&self) -> String {
        let Design {
            rate,
            keys,
            write_ratio,
            ttl_ms,
            policy,
            read_ms,
            write_ms,
            link_ms,
            store_link_ms,
            jitter_ms,
            ..
        } = self;
        let api_links = if self.around {
            format!(
                r#"(from: "api", to: "cache", latency: Const({link_ms}), only: ["read"]),
                   (from: "api", to: "db", latency: Const({link_ms}), only: ["write"]),"#
            )
        } else {
            format!(r#"(from: "api", to: "cache", latency: Const({link_ms})),"#)
        };
        format!(
            r#"(version: 1, name: "t", seed: 3, nodes: [
                (id: "u", kind: Client(traffic: Poisson(rate: {rate}), write_ratio: {write_ratio}, keys: {keys})),
                (id: "api", kind: Service(workers: 1000, service: Const(0.0))),
                (id: "cache", kind: Cache(capacity: 1000, ttl_ms: {ttl_ms}, service: Const(0.0), workers: 1000, write_policy: {policy})),
                (id: "db", kind: Database(pool: 1000, read: Const({read_ms}), write: Const({write_ms}))),
            ], links: [
                (from: "u", to: "api", latency: Const({link_ms})),
                {api_links}
                (from: "cache", to: "db", latency: Const({store_link_ms}), jitter_ms: {jitter_ms}),
            ])"#
        )
    }

    fn run(&self, seconds: f64) -> Report {
        let (s, _) = Scenario::parse("t.ron", &self.text()).unwrap_or_else(|e| panic!("{e}"));
        run(&s, 3, 5.0, seconds)
    }
}

fn base() -> Design {
    Design {
        rate: 1050.0,
        keys: 20,
        write_ratio: 1.0 / 21.0,
        ttl_ms: 400.0,
        policy: "Invalidate",
        around: true,
        read_ms: 0.0,
        write_ms: 0.0,
        link_ms: 0.0,
        store_link_ms: 0.0,
        jitter_ms: 0.0,
    }
}

fn detail(r: &Report, name: &str) -> Option<f64> {
    node_report(r, "cache").detail.get(name).copied()
}

#[test]
fn stale_hits_follow_poisson_writes_when_writes_go_around_the_cache() {
    // Per key: reads at λ = 50/s, writes at w = 2.5/s straight to the
    // database, TTL τ = 0.4 s. After each miss the copy serves the reads of
    // the next τ, their ages uniform on [0, τ]; one at age a is stale if a
    // write came in between: 1 − e^(−wa). Over the hits the stale share is
    // 1 − (1 − e^(−wτ)) / (wτ) = 1 − (1 − 1/e) = 0.368 (wτ = 1), and the
    // hit ratio is still λτ / (1 + λτ) = 20/21.
    let r = base().run(100.0);
    let (lambda, w, tau) = (50.0_f64, 2.5_f64, 0.4_f64);
    let share = 1.0 - (1.0 - (-w * tau).exp()) / (w * tau);
    close("stale share of hits", detail(&r, "stale_hit_share").unwrap(), share, 0.03);
    close("hit ratio", node_report(&r, "cache").hit_ratio.unwrap(), lambda * tau / (1.0 + lambda * tau), 0.01);
    // A TTL ten times shorter bounds the age, and staleness with it:
    // 1 − (1 − e^(−0.1)) / 0.1 = 0.048, for a hit ratio of 2/3.
    let short = Design { ttl_ms: 40.0, ..base() }.run(100.0);
    let share = 1.0 - (1.0 - (-0.1_f64).exp()) / 0.1;
    close("stale share, short TTL", detail(&short, "stale_hit_share").unwrap(), share, 0.05);
    close("hit ratio, short TTL", node_report(&short, "cache").hit_ratio.unwrap(), 2.0 / 3.0, 0.01);
}

// What a cache can know: it hears of a write when it passes the write on
// and when the store's acknowledgement comes back. Between the commit and
// that acknowledgement (the trip back from the store) a hit on the old copy
// is stale, and is counted: with the store next door none is.

#[test]
fn invalidating_leaves_no_stale_hit_when_the_store_is_next_door() {
    // Writes pass through the cache: the copy is dropped as the write
    // passes and again when the database acknowledges it. A read that
    // fetched the old value while the write waited at the database comes
    // back no later than the acknowledgement, whose arrival drops its copy.
    let d = Design { around: false, read_ms: 2.0, write_ms: 5.0, link_ms: 1.0, ..base() };
    let r = d.run(60.0);
    assert_eq!(detail(&r, "stale_hits"), Some(0.0), "{:?}", node_report(&r, "cache").detail);
    // Each write drops the key: the first read after it misses. Reads
    // 50/s, writes 2.5/s a key, TTL 0.4 s: between the two, 0.87 to 0.95.
    let hits = node_report(&r, "cache").hit_ratio.unwrap();
    assert!(hits > 0.85 && hits < 20.0 / 21.0, "hit ratio {hits}");
    // 1 ms away, a copy filled by a read answered before the commit can be
    // hit in the millisecond before the acknowledgement drops it: a few.
    let far = Design { store_link_ms: 1.0, ..d }.run(60.0);
    let share = detail(&far, "stale_hit_share").unwrap();
    assert!(share > 0.0 && share < 0.001, "stale share 1 ms away {share}");
    // With a jittery link a read answered before the commit can even come
    // back after the acknowledgement and keep the old value until it expires.
    let jitter = Design { store_link_ms: 1.0, jitter_ms: 5.0, ..d }.run(60.0);
    let more = detail(&jitter, "stale_hit_share").unwrap();
    println!("invalidate: hit ratio {hits:.4}; stale share 1 ms away {share:.6}, with 5 ms jitter {more:.6}");
    assert!(more > 2.0 * share && more < 0.05, "stale share with jitter {more} (without {share})");
}

#[test]
fn writing_through_keeps_hits_fresh_and_costs_the_write_its_store_time() {
    let d = Design { around: false, policy: "WriteThrough", read_ms: 2.0, write_ms: 5.0, link_ms: 1.0, ..base() };
    let r = d.run(60.0);
    assert_eq!(detail(&r, "stale_hits"), Some(0.0));
    // The written value stays cached, with a fresh TTL: reads miss only
    // once the copy expires, which takes a gap of τ without a write. From a
    // refresh that takes (e^(wτ) − 1)/w on average; the key is then missing
    // until the next read or write, 1/(λ + w), and a read ends it (a miss)
    // with probability λ/(λ + w). Miss ratio 1/((λ + w)(e^(wτ) − 1)/w + 1).
    let through = node_report(&r, "cache").hit_ratio.unwrap();
    let (lambda, w, tau) = (50.0_f64, 2.5_f64, 0.4_f64);
    let miss = 1.0 / ((lambda + w) * ((w * tau).exp() - 1.0) / w + 1.0);
    close("hit ratio, write-through", through, 1.0 - miss, 0.01);
    let invalidate = node_report(&Design { policy: "Invalidate", ..d }.run(60.0), "cache").hit_ratio.unwrap();
    assert!(through > invalidate + 0.02, "write-through {through}, invalidate {invalidate}");
    // 1 ms from the store, the old copy answers for the millisecond between
    // each commit and its acknowledgement: 2.5 writes/s × 50 reads/s ×
    // 1 ms, the share of them that hit, stale hits a second per key.
    let far = Design { store_link_ms: 1.0, ..d }.run(60.0);
    let per_s = detail(&far, "stale_hits").unwrap() / far.measured_seconds;
    close("stale hits a second, 1 ms away", per_s, 20.0 * w * lambda * 0.001 * (1.0 - miss), 0.15);
    // A write goes client → api → cache → db and back (4 ms of links)
    // and waits for the store's write: 4 + 5 = 9 ms, where a read that
    // hits takes 4; a slower store write (20 ms) adds its 15 ms.
    let writes = |write_ms| Design { write_ratio: 1.0, write_ms, ..d }.run(20.0).latency_ms.mean;
    close("write latency", writes(5.0), 9.0, 0.01);
    close("write latency, slower store", writes(20.0), 24.0, 0.01);
}

#[test]
fn the_write_policy_is_checked_and_old_files_load_unchanged() {
    let file = |cache: &str| {
        format!(
            r#"(version: 1, name: "t", nodes: [
                (id: "u", kind: Client(traffic: Poisson(rate: 10.0))),
                (id: "c", kind: {cache}),
                (id: "db", kind: Database()),
            ], links: [(from: "u", to: "c"), (from: "c", to: "db")])"#
        )
    };
    let (s, _) = Scenario::parse("t.ron", &file("Cache(capacity: 10)")).unwrap();
    let systemdecoder::sim::model::NodeKind::Cache(c) = &s.nodes[1].kind else { panic!() };
    assert_eq!(c.write_policy, systemdecoder::sim::model::WritePolicy::Invalidate);
    assert!(!s.to_ron().contains("write_policy"), "the default is not written out");
    let e = Scenario::parse("t.ron", &file("Cache(write_policy: WriteThrough)")).unwrap_err().to_string();
    assert!(e.contains("write_policy") && e.contains("capacity"), "{e}");
    let e = Scenario::parse("t.ron", &file("Cache(capacity: 10, write_policy: Sometimes)")).unwrap_err().to_string();
    assert!(e.contains("Sometimes") && e.contains("WriteThrough"), "{e}");
    // Without writes in the design, a cache lists no staleness counters.
    let (s, _) = Scenario::parse("t.ron", &file("Cache(capacity: 10)")).unwrap();
    let r = run(&s, 1, 0.0, 5.0);
    assert!(node_report(&r, "c").detail.is_empty(), "{:?}", node_report(&r, "c").detail);
}
