//! Insights: what the numbers of a run say, in plain words, each with the
//! figures that triggered it and the concept that explains it. The app
//! shows the few that matter most beside the charts (judged on the last
//! seconds); `systemdecoder run` prints them for the measured run.
//!
//! Every rule reads only the report and the one-second windows, so it
//! works on a live run and on a finished one alike.

use crate::sim::metrics::{FailReason, Window};
use crate::sim::report::Report;

use super::metric::Measured;

/// One observation.
#[derive(Clone, Debug, PartialEq)]
pub struct Insight {
    /// Which rule saw it (stable, for tests).
    pub rule: &'static str,
    /// What is going on and why, with the numbers.
    pub says: String,
    /// The concept that explains it.
    pub concept: &'static str,
    /// How much it matters, for ordering (larger first).
    pub weight: f64,
}

/// How many a person is shown at once.
pub const SHOWN: usize = 3;

/// The windows rules look at in a live run: the last this many seconds.
pub const RECENT_S: usize = 10;

/// Everything the rules see in `m`, most important first.
pub fn insights(m: Measured) -> Vec<Insight> {
    let mut out = Vec::new();
    if m.windows.len() >= 3 {
        saturated(m, &mut out);
        black_hole(m, &mut out);
        failures(m, &mut out);
    }
    retry_storm(m.report, &mut out);
    per_node(m.report, &mut out);
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    out
}

/// The last `RECENT_S` windows of a run.
fn recent(windows: &[Window]) -> &[Window] {
    &windows[windows.len().saturating_sub(RECENT_S)..]
}

fn pct(x: f64) -> String {
    if x >= 0.1 { format!("{:.0} %", x * 100.0) } else { format!("{:.1} %", x * 100.0) }
}

/// A node that is full and whose queue keeps growing: waiting grows
/// without bound until the load falls or capacity is added.
fn saturated(m: Measured, out: &mut Vec<Insight>) {
    // Growth now, not since the start: a queue pinned at its limit is full,
    // not growing.
    let w = recent(m.windows);
    let secs = (w.len() - 1) as f64;
    for (i, n) in m.report.nodes.iter().enumerate() {
        let Some(first) = w.first().and_then(|x| x.nodes.get(i)) else { continue };
        let Some(last) = w.last().and_then(|x| x.nodes.get(i)) else { continue };
        let util = w.iter().filter_map(|x| x.nodes.get(i)).map(|x| x.utilization).sum::<f64>() / w.len() as f64;
        let growth = (last.queue_now as f64 - first.queue_now as f64) / secs;
        let worker_node = n.utilization.is_some();
        let backlog_node = matches!(n.kind, "queue" | "stream");
        if growth >= 5.0 && last.queue_now >= 50 && ((worker_node && util >= 0.97) || backlog_node) {
            let (says, concept) = if worker_node {
                (
                    format!(
                        "{} is {} busy and its queue grows by {:.0}/s ({} waiting): waiting times will keep rising until the load falls or it gets more capacity.",
                        n.id,
                        pct(util.min(1.0)),
                        growth,
                        last.queue_now
                    ),
                    "utilisation-knee",
                )
            } else if n.kind == "stream" && n.detail.get("redeliveries").is_some_and(|&r| r > 0.0) {
                // A stream retries a failed message before the next of its
                // partition: one that always fails holds the partition.
                (
                    format!(
                        "{}'s backlog grows by {:.0}/s ({} held) while it retries failed messages ({:.0} retries): a message that fails every time holds up its partition for good. Cap the attempts and set it aside.",
                        n.id, growth, last.queue_now, n.detail["redeliveries"]
                    ),
                    "poison-messages",
                )
            } else {
                let concept = if n.kind == "stream" { "stream-partitions-lag" } else { "queue-load-levelling" };
                (
                    format!(
                        "{}'s backlog grows by {:.0}/s ({} held): its consumers are falling behind. A queue absorbs bursts, not a lasting shortage of capacity.",
                        n.id, growth, last.queue_now
                    ),
                    concept,
                )
            };
            out.push(Insight { rule: "saturated", says, concept, weight: 3.0 + growth.log10() });
        }
    }
}

/// A balancer that sends more than its share to a backend that refuses
/// almost everything: a server that fails fast looks idle.
fn black_hole(m: Measured, out: &mut Vec<Insight>) {
    let r = m.report;
    for (b, lb) in r.nodes.iter().enumerate() {
        if lb.kind != "load balancer" {
            continue;
        }
        let outs: Vec<usize> = r.links.iter().enumerate().filter(|(_, l)| l.from == lb.id).map(|(i, _)| i).collect();
        if outs.len() < 2 {
            continue;
        }
        let sent = |li: usize| m.windows.iter().filter_map(|w| w.links.get(li)).map(|l| l.sent).sum::<u64>() as f64;
        let total: f64 = outs.iter().map(|&li| sent(li)).sum();
        if total < 50.0 {
            continue;
        }
        for &li in &outs {
            let to = &r.links[li].to;
            let Some(t) = r.nodes.iter().position(|n| &n.id == to) else { continue };
            let (arr, rej) = m
                .windows
                .iter()
                .filter_map(|w| w.nodes.get(t))
                .fold((0u64, 0u64), |(a, j), n| (a + n.arrivals, j + n.rejected));
            let share = sent(li) / total;
            let fair = 1.0 / outs.len() as f64;
            if arr >= 20 && rej as f64 >= 0.9 * arr as f64 && share >= 1.5 * fair {
                out.push(Insight {
                    rule: "black_hole",
                    says: format!(
                        "{} sends {} of its requests to {}, which refuses {} of them: a server that fails at once looks idle to least-connections routing. Health checks take it out.",
                        r.nodes[b].id,
                        pct(share),
                        to,
                        pct(rej as f64 / arr as f64)
                    ),
                    concept: "least-connections-black-hole",
                    weight: 5.0 + share,
                });
            }
        }
    }
}

/// Failures of one kind that stand out, each with what usually causes it.
fn failures(m: Measured, out: &mut Vec<Insight>) {
    let (mut done, mut failed) = (0.0, [0u64; crate::sim::metrics::FAIL_REASONS.len()]);
    for w in m.windows {
        done += w.throughput_rps;
        for (f, x) in failed.iter_mut().zip(w.failed) {
            *f += x;
        }
    }
    let all = done + failed.iter().sum::<u64>() as f64;
    if all < 50.0 {
        return;
    }
    let rules: [(FailReason, &str, &str, &str); 5] = [
        (
            FailReason::Timeout,
            "timeouts",
            "time out",
            "something on the path is too slow or hangs; each timeout held a caller for the whole wait",
        ),
        (
            FailReason::QueueFull,
            "bounded-queues",
            "are turned away by full queues",
            "demand is above capacity and the bounded queues shed the excess (the alternative, unbounded waiting, is worse)",
        ),
        (
            FailReason::RateLimited,
            "token-bucket",
            "are refused by a rate limiter",
            "bursts drain its bucket faster than it refills",
        ),
        (
            FailReason::NodeDown,
            "health-checks",
            "reach a node that is down",
            "callers keep sending to it until health checks take it out of rotation (after a few failed probes) or a second copy takes over",
        ),
        (
            FailReason::SimLimit,
            "bounded-queues",
            "are never sent because the simulator holds its limit of 2 million messages",
            "work piles up without bound somewhere (look for the longest queue); a real server would run out of memory. Give that queue a limit or add capacity",
        ),
    ];
    for (reason, concept, verb, why) in rules {
        let share = failed[reason.index()] as f64 / all;
        if share >= 0.05 {
            out.push(Insight {
                rule: reason.name(),
                says: format!("{} of requests {verb}: {why}.", pct(share)),
                concept,
                weight: 2.0 + share,
            });
        }
    }
}

/// More retries than new requests: failures are multiplying the load.
fn retry_storm(r: &Report, out: &mut Vec<Insight>) {
    if r.created < 100 {
        return;
    }
    let ratio = r.retries as f64 / r.created as f64;
    if ratio >= 1.0 {
        out.push(Insight {
            rule: "retry_storm",
            says: format!(
                "Retries are {ratio:.1}× the new requests: each failure sends more work to a system already failing (a retry storm). A retry budget or backoff lets it recover."
            ),
            concept: "retry-budget",
            weight: 4.0 + ratio.log10(),
        });
    }
}

/// Counters of single nodes: stale reads, doubled and lost writes, cold
/// starts, a cache that rarely hits.
fn per_node(r: &Report, out: &mut Vec<Insight>) {
    for n in &r.nodes {
        let d = |k: &str| n.detail.get(k).copied().unwrap_or(0.0);
        if n.arrivals < 100 {
            continue;
        }
        let arrivals = n.arrivals as f64;
        // Of the reads, where the node counts them.
        let reads = if d("reads") > 0.0 { d("reads") } else { arrivals };
        let stale = d("stale_reads") / reads;
        if stale >= 0.01 {
            let (why, concept) = if n.kind == "quorum store" {
                (
                    "a read asks too few copies to be sure of meeting one that has the latest write. Make the read and write quorums overlap (R + W > N).",
                    "quorum-reads-writes",
                )
            } else {
                ("replicas lag behind the primary.", "replication-lag")
            };
            out.push(Insight {
                rule: "stale_reads",
                says: format!("{} of reads at {} return data older than the latest write: {why}", pct(stale), n.id),
                concept,
                weight: 1.5 + stale,
            });
        }
        let stale_hits = d("stale_hit_share");
        if stale_hits >= 0.05 {
            out.push(Insight {
                rule: "stale_hits",
                says: format!(
                    "{} of the hits at {} answer with data older than the latest write: writes reach the store without passing the cache, and copies live until they expire. Send writes through the cache (it drops the copy) or shorten the TTL.",
                    pct(stale_hits),
                    n.id
                ),
                concept: "cache-invalidation",
                weight: 1.5 + stale_hits,
            });
        }
        let doubled = d("duplicate_effects");
        if doubled >= 1.0 {
            out.push(Insight {
                rule: "duplicate_effects",
                says: format!(
                    "{} applied {doubled:.0} writes a second time for the same request or message: a retry or a redelivery whose first attempt did commit after its sender gave up (a double charge each). Idempotency keys let it recognise them.",
                    n.id
                ),
                concept: "idempotency-keys",
                weight: 2.5 + (doubled / arrivals),
            });
        }
        let lost = d("lost_writes");
        if lost >= 1.0 {
            out.push(Insight {
                rule: "lost_writes",
                says: format!(
                    "{} lost {lost:.0} writes it had confirmed when its primary failed: they had not reached a replica yet. Synchronous replication confirms a write only once a replica has it.",
                    n.id
                ),
                concept: "sync-replication",
                weight: 3.0,
            });
        }
        let cold = d("cold_starts") / arrivals;
        if cold >= 0.05 {
            out.push(Insight {
                rule: "cold_starts",
                says: format!(
                    "{} of calls to {} start a cold instance: instances are let go before the next burst. Provisioned instances (billed all the time) or a wider pool keep bursts warm.",
                    pct(cold),
                    n.id
                ),
                concept: "serverless-cold-starts",
                weight: 1.5 + cold,
            });
        }
        if let Some(h) = n.hit_ratio.filter(|h| *h < 0.3 && n.kind == "cache") {
            out.push(Insight {
                rule: "cache_misses",
                says: format!(
                    "The cache {} answers only {} of reads itself: the rest reach what is behind it. A cache smaller than the working set, or freshly emptied, protects little.",
                    n.id,
                    pct(h)
                ),
                concept: "cache-working-set",
                weight: 1.0 + (0.3 - h),
            });
        }
    }
}
