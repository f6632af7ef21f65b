//! Turning a run into numbers: the summary printed by the CLI (and as JSON).

use std::collections::BTreeMap;

use bevy::prelude::*;
use serde::Serialize;

use super::engine::Engine;
use super::metrics::{FAIL_REASONS, FailReason, LatencySummary};
use super::time::nanos_to_secs;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    /// Sim time simulated in total.
    pub sim_seconds: f64,
    /// Sim time the statistics cover (after warm-up).
    pub measured_seconds: f64,
    pub created: u64,
    pub completed: u64,
    /// Failed requests by reason.
    pub failed: BTreeMap<&'static str, u64>,
    pub failed_total: u64,
    /// Async jobs (queued or held messages, deliveries) that failed after
    /// their producer was acknowledged, since the start.
    pub async_failed: u64,
    pub in_flight: u64,
    pub offered_rps: f64,
    pub throughput_rps: f64,
    pub error_rate: f64,
    pub retries: u64,
    /// End-to-end latency of completed requests (first attempt to answer).
    pub latency_ms: LatencySummary,
    /// One-way message delivery (sender to recipient's phone), when the
    /// system delivers messages (devices, polling clients).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// Time-average number of requests in the system (Little's L).
    pub mean_in_flight: f64,
    /// By request type (when a client has a `mix`) and by client (when
    /// there are several).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<Breakdown>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<Breakdown>,
    pub nodes: Vec<NodeReport>,
    pub links: Vec<LinkReport>,
    pub events: u64,
    /// Running cost of the nodes, from their prices per hour.
    pub cost: Cost,
    /// Totals for the whole system when the scenario simulates one of many
    /// identical copies (see `Scale`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whole_system: Option<WholeSystem>,
    /// Faults applied during the run (scheduled, from the command line or live).
    pub faults: Vec<crate::sim::engine::FaultRecord>,
    /// "ok", or what does not balance.
    pub conservation: String,
}

/// Requests of one type or from one client.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Breakdown {
    pub name: String,
    pub completed: u64,
    pub failed: u64,
    pub error_rate: f64,
    pub throughput_rps: f64,
    pub latency_ms: LatencySummary,
}

impl Breakdown {
    fn of(name: &str, t: &crate::sim::metrics::Tally, secs: f64) -> Breakdown {
        let resolved = t.completed + t.failed;
        Breakdown {
            name: name.to_string(),
            completed: t.completed,
            failed: t.failed,
            error_rate: if resolved == 0 { 0.0 } else { t.failed as f64 / resolved as f64 },
            throughput_rps: t.completed as f64 / secs,
            latency_ms: t.latency.summary(),
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct WholeSystem {
    pub copies: f64,
    pub of: String,
    pub offered_rps: f64,
    pub offered_per_min: f64,
    pub throughput_rps: f64,
    pub failed_per_s: f64,
    pub delivered_per_s: f64,
    pub cost_per_hour: f64,
    pub cost_per_month: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Delivery {
    pub count: u64,
    pub ms: LatencySummary,
    /// Messages delivered at the first try (recipient online, no retry):
    /// the system's own delivery time.
    pub first_try_count: u64,
    pub first_try_ms: LatencySummary,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Cost {
    pub per_hour: f64,
    /// 730 hours.
    pub per_month: f64,
}

impl Cost {
    /// What the system costs right now: each node's price times its
    /// running instances (autoscaling groups and serverless functions vary).
    pub fn of(e: &Engine) -> Cost {
        let (now, span) = (e.now(), e.now().saturating_sub(e.stats_since()));
        let per_hour: f64 =
            e.nodes().iter().filter(|n| !n.removed).map(|n| n.spec.price_per_hour() * n.billed(now, span).now).sum();
        Cost { per_hour, per_month: per_hour * 730.0 }
    }

    /// The average over the measured time (instances time-averaged;
    /// serverless billed for busy instance time, warm idle at a share).
    pub fn averaged(e: &Engine) -> Cost {
        let now = e.now();
        let since = now.saturating_sub(e.stats_since());
        let span = since.max(1) as f64;
        let per_hour: f64 = e
            .nodes()
            .iter()
            .filter(|n| !n.removed)
            .map(|n| n.spec.price_per_hour() * n.billed(now, since).area / span)
            .sum();
        Cost { per_hour, per_month: per_hour * 730.0 }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct NodeReport {
    pub id: String,
    pub kind: &'static str,
    pub arrivals: u64,
    pub completions: u64,
    pub rejected: u64,
    /// Of those rejected: dropped from the queue because the caller's
    /// deadline had passed.
    #[serde(skip_serializing_if = "is_zero")]
    pub expired: u64,
    /// Busy workers / workers, time-averaged; `null` for unlimited workers.
    pub utilization: Option<f64>,
    pub mean_busy: f64,
    pub mean_queue_len: f64,
    /// Arrival to start of service.
    pub mean_wait_ms: f64,
    /// Arrival to release of the worker.
    pub sojourn_ms: LatencySummary,
    pub jobs_done: u64,
    /// Queue nodes: enqueue to processed.
    pub job_latency_ms: Option<LatencySummary>,
    pub price_per_hour: f64,
    /// Caches: share of lookups that hit.
    pub hit_ratio: Option<f64>,
    /// Kind-specific counters (cold starts, stale reads, dead letters…),
    /// only those that apply.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub detail: BTreeMap<&'static str, f64>,
    /// Multi-pool nodes: requests served by each shard or member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members_served: Option<Vec<u64>>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LinkReport {
    pub from: String,
    pub to: String,
    pub sent: u64,
    pub lost: u64,
    pub loss_rate: f64,
    pub mean_in_transit: f64,
    /// Calls that failed for good and were answered by the caller's fallback.
    #[serde(skip_serializing_if = "is_zero")]
    pub fallbacks: u64,
    /// Second copies of calls sent by hedging (extra load on what is behind).
    #[serde(skip_serializing_if = "is_zero")]
    pub hedges: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Report {
    pub fn from_engine(e: &Engine, scenario: &str, seed: u64) -> Report {
        let now = e.now();
        let span = now.saturating_sub(e.stats_since());
        let secs = nanos_to_secs(span).max(1e-12);
        let g = &e.global();
        // The simulator's own limit is listed only when it was reached.
        let failed: BTreeMap<&'static str, u64> = FAIL_REASONS
            .iter()
            .filter(|r| **r != FailReason::SimLimit || g.failed[r.index()] > 0)
            .map(|r| (r.name(), g.failed[r.index()]))
            .collect();
        let failed_total: u64 = g.failed.iter().sum();
        let resolved = g.completed + failed_total;
        let per_ns = |area: u128| if span == 0 { 0.0 } else { area as f64 / span as f64 };
        let nodes = e
            .nodes()
            .iter()
            .map(|n| {
                let s = &n.stats;
                let mean_busy = per_ns(s.busy.area_to(now));
                let w = n.workers();
                NodeReport {
                    id: n.spec.id.clone(),
                    kind: n.spec.kind.label(),
                    arrivals: s.arrivals,
                    completions: s.completions,
                    rejected: s.rejected,
                    expired: s.expired,
                    utilization: (w != u32::MAX).then(|| mean_busy / n.mean_workers(now, span).max(1e-9)),
                    mean_busy,
                    mean_queue_len: per_ns(s.queue.area_to(now)),
                    mean_wait_ms: if s.waits == 0 { 0.0 } else { s.wait_sum_ns as f64 / s.waits as f64 / 1e6 },
                    sojourn_ms: s.sojourn.summary(),
                    jobs_done: s.jobs_done,
                    job_latency_ms: (s.job_latency.count() > 0).then(|| s.job_latency.summary()),
                    price_per_hour: n.spec.price_per_hour(),
                    hit_ratio: (s.hits + s.misses > 0).then(|| s.hits as f64 / (s.hits + s.misses) as f64),
                    detail: n.counters(now, span).into_iter().collect(),
                    members_served: (n.members.len() > 1).then(|| n.members.iter().map(|m| m.served).collect()),
                }
            })
            .collect();
        let links = e
            .links()
            .iter()
            .map(|l| LinkReport {
                from: l.spec.from.clone(),
                to: l.spec.to.clone(),
                sent: l.stats.sent,
                lost: l.stats.lost,
                loss_rate: if l.stats.sent == 0 { 0.0 } else { l.stats.lost as f64 / l.stats.sent as f64 },
                mean_in_transit: per_ns(l.stats.in_transit.area_to(now)),
                fallbacks: l.stats.fallbacks,
                hedges: l.stats.hedges,
            })
            .collect();
        Report {
            scenario: scenario.into(),
            seed,
            sim_seconds: nanos_to_secs(now),
            measured_seconds: nanos_to_secs(span),
            created: g.created,
            completed: g.completed,
            failed,
            failed_total,
            async_failed: e.jobs_failed_measured(),
            in_flight: e.live_requests(),
            offered_rps: g.created as f64 / secs,
            throughput_rps: g.completed as f64 / secs,
            error_rate: if resolved == 0 { 0.0 } else { failed_total as f64 / resolved as f64 },
            retries: g.retries,
            latency_ms: g.latency.summary(),
            delivery: (g.delivery.count() > 0).then(|| Delivery {
                count: g.delivery.count(),
                ms: g.delivery.summary(),
                first_try_count: g.delivery_first.count(),
                first_try_ms: g.delivery_first.summary(),
            }),
            mean_in_flight: per_ns(g.in_flight.area_to(now)),
            types: g
                .by_type
                .iter()
                .enumerate()
                .filter(|(_, t)| t.completed + t.failed > 0)
                .map(|(i, t)| Breakdown::of(e.class_name(i as u8), t, secs))
                .collect(),
            clients: {
                let clients: Vec<usize> = (0..e.nodes().len())
                    .filter(|&i| matches!(e.nodes()[i].spec.kind, crate::sim::model::NodeKind::Client(_)))
                    .collect();
                if clients.len() < 2 {
                    Vec::new()
                } else {
                    clients
                        .iter()
                        .map(|&i| {
                            let none = crate::sim::metrics::Tally::default();
                            Breakdown::of(&e.nodes()[i].spec.id, g.by_client.get(i).unwrap_or(&none), secs)
                        })
                        .collect()
                }
            },
            nodes,
            links,
            events: e.events_processed(),
            cost: Cost::averaged(e),
            whole_system: e.scale().as_ref().map(|sc| {
                let k = sc.copies.max(0.0);
                let cost = Cost::averaged(e);
                WholeSystem {
                    copies: k,
                    of: sc.of.clone(),
                    offered_rps: g.created as f64 / secs * k,
                    offered_per_min: g.created as f64 / secs * 60.0 * k,
                    throughput_rps: g.completed as f64 / secs * k,
                    failed_per_s: failed_total as f64 / secs * k,
                    delivered_per_s: g.delivery.count() as f64 / secs * k,
                    cost_per_hour: cost.per_hour * k,
                    cost_per_month: cost.per_month * k,
                }
            }),
            faults: e.fault_log(),
            conservation: match e.check_conservation() {
                Ok(()) => "ok".into(),
                Err(msg) => msg,
            },
        }
    }

    /// Human-readable summary.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut t = String::new();
        let l = &self.latency_ms;
        let _ = writeln!(t, "{} (seed {})", self.scenario, self.seed);
        let _ = writeln!(
            t,
            "  sim time {:.1} s (measured {:.1} s), {} events",
            self.sim_seconds, self.measured_seconds, self.events
        );
        let _ = writeln!(
            t,
            "  requests  created {}  completed {}  failed {}  in flight {}  retries {}",
            self.created, self.completed, self.failed_total, self.in_flight, self.retries
        );
        let reasons: Vec<String> =
            self.failed.iter().filter(|(_, v)| **v > 0).map(|(k, v)| format!("{k} {v}")).collect();
        if !reasons.is_empty() {
            let _ = writeln!(t, "  failures  {}", reasons.join(", "));
        }
        let _ = writeln!(
            t,
            "  rate      offered {:.1}/s  throughput {:.1}/s  errors {:.3}%",
            self.offered_rps,
            self.throughput_rps,
            self.error_rate * 100.0
        );
        let _ = writeln!(
            t,
            "  latency   mean {:.3} ms  p50 {:.3}  p95 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
            l.mean, l.p50, l.p95, l.p99, l.p999, l.max
        );
        if let Some(d) = &self.delivery {
            let m = &d.ms;
            let _ = writeln!(
                t,
                "  delivery  {} messages  mean {:.3} ms  p50 {:.3}  p99 {:.3}  max {:.3} (sender to phone)",
                d.count, m.mean, m.p50, m.p99, m.max
            );
            if d.first_try_count < d.count {
                let f = &d.first_try_ms;
                let _ = writeln!(
                    t,
                    "            {} at the first try  mean {:.3} ms  p50 {:.3}  p99 {:.3} (phone online, no retry)",
                    d.first_try_count, f.mean, f.p50, f.p99
                );
            }
        }
        for (title, rows) in [("by type", &self.types), ("by client", &self.clients)] {
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(t, "  {title}");
            for b in rows {
                let _ = writeln!(
                    t,
                    "    {:<14} completed {:<8} failed {:<6} errors {:.3}%  p50 {:.3} ms  p99 {:.3} ms",
                    b.name,
                    b.completed,
                    b.failed,
                    b.error_rate * 100.0,
                    b.latency_ms.p50,
                    b.latency_ms.p99
                );
            }
        }
        let _ = writeln!(t, "  cost      ${:.2}/hour, ${:.0}/month", self.cost.per_hour, self.cost.per_month);
        if let Some(w) = &self.whole_system {
            let _ = writeln!(
                t,
                "  whole system (×{} {}): offered {:.4e}/s = {:.4e}/min, completed {:.4e}/s, delivered {:.4e}/s, ${:.0}/hour",
                w.copies, w.of, w.offered_rps, w.offered_per_min, w.throughput_rps, w.delivered_per_s, w.cost_per_hour
            );
        }
        let _ = writeln!(t, "  conservation: {}", self.conservation);
        for f in &self.faults {
            let end = f.end_s.map_or("end".to_string(), |e| format!("{e:.1} s"));
            let _ = writeln!(t, "  fault     {} from {:.1} s to {end}", f.fault, f.start_s);
        }
        let _ = writeln!(
            t,
            "\n  {:<16} {:<13} {:>10} {:>8} {:>7} {:>9} {:>10} {:>10}",
            "node", "kind", "arrivals", "rejected", "util", "queue", "sojourn", "p99 ms"
        );
        for n in &self.nodes {
            let util = n.utilization.map_or("-".to_string(), |u| format!("{:.1}%", u * 100.0));
            let _ = writeln!(
                t,
                "  {:<16} {:<13} {:>10} {:>8} {:>7} {:>9.3} {:>10.3} {:>10.3}",
                n.id, n.kind, n.arrivals, n.rejected, util, n.mean_queue_len, n.sojourn_ms.mean, n.sojourn_ms.p99
            );
            if !n.detail.is_empty() {
                let counts: Vec<String> =
                    n.detail.iter().map(|(k, v)| format!("{} {v}", k.replace('_', " "))).collect();
                let _ = writeln!(t, "  {:<16} {}", "", counts.join(" · "));
            }
            if let Some(j) = &n.job_latency_ms {
                let _ = writeln!(
                    t,
                    "  {:<16} async jobs done {}  enqueue→processed mean {:.3} ms  p99 {:.3} ms",
                    "", n.jobs_done, j.mean, j.p99
                );
            }
        }
        let lossy: Vec<&LinkReport> = self.links.iter().filter(|l| l.lost > 0).collect();
        if !lossy.is_empty() {
            let _ = writeln!(t, "\n  lossy links:");
            for l in lossy {
                let _ = writeln!(
                    t,
                    "    {} -> {}: {} of {} lost ({:.3}%)",
                    l.from,
                    l.to,
                    l.lost,
                    l.sent,
                    l.loss_rate * 100.0
                );
            }
        }
        let hedged: Vec<&LinkReport> = self.links.iter().filter(|l| l.hedges > 0).collect();
        if !hedged.is_empty() {
            let _ = writeln!(t, "\n  hedged links (second copies sent after hedge_after_ms):");
            for l in hedged {
                let share = if self.created == 0 { 0.0 } else { l.hedges as f64 / self.created as f64 * 100.0 };
                let _ =
                    writeln!(t, "    {} -> {}: {} hedges ({share:.2}% of the requests made)", l.from, l.to, l.hedges);
            }
        }
        t
    }
}
