//! What the engine measures: cumulative counters, exact time integrals
//! (queue length, busy workers, messages in transit) and latency histograms,
//! plus one-second windows of sim time kept in a bounded history.

use std::collections::VecDeque;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::time::{NANOS_PER_SEC, Nanos};

/// Why a request (or async job) failed. Every failure has exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailReason {
    /// An attempt got no answer in time and no retry was left.
    Timeout,
    /// A bounded queue was full on arrival.
    QueueFull,
    /// A message was lost on a link and nothing was waiting to time it out.
    PacketLoss,
    /// The caller had nowhere to send the request.
    NoRoute,
    /// A node or link it was using was deleted from the running system.
    Removed,
    /// A node it needed had crashed (chaos: kill).
    NodeDown,
    /// A write reached a store whose disk is full.
    DiskFull,
    /// The answer arrived corrupted.
    Corrupt,
    /// A circuit breaker was open: the call failed fast.
    CircuitOpen,
    /// A rate limiter had no token for it.
    RateLimited,
    /// A bulkhead on the link was full.
    BulkheadFull,
    /// A serverless function was at its concurrency limit.
    Throttled,
    /// The recipient's phone was offline.
    Offline,
    /// Not sent: the simulator already held its limit of messages in flight
    /// ([`MAX_LIVE_MESSAGES`]), as when a queue without a limit grows
    /// without end. A limit of the simulator, not of the system modelled.
    SimLimit,
}

/// The most messages (requests, calls, stored jobs) the simulator holds at
/// once: about 0.4 KB each, so under a gigabyte. A client's request that
/// would go beyond it fails at once as [`FailReason::SimLimit`].
pub const MAX_LIVE_MESSAGES: u64 = 2_000_000;

pub const FAIL_REASONS: [FailReason; 14] = [
    FailReason::Timeout,
    FailReason::QueueFull,
    FailReason::PacketLoss,
    FailReason::NoRoute,
    FailReason::Removed,
    FailReason::NodeDown,
    FailReason::DiskFull,
    FailReason::Corrupt,
    FailReason::CircuitOpen,
    FailReason::RateLimited,
    FailReason::BulkheadFull,
    FailReason::Throttled,
    FailReason::Offline,
    FailReason::SimLimit,
];

impl FailReason {
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        match self {
            FailReason::Timeout => "timeout",
            FailReason::QueueFull => "queue_full",
            FailReason::PacketLoss => "packet_loss",
            FailReason::NoRoute => "no_route",
            FailReason::Removed => "removed",
            FailReason::NodeDown => "node_down",
            FailReason::DiskFull => "disk_full",
            FailReason::Corrupt => "corrupt",
            FailReason::CircuitOpen => "circuit_open",
            FailReason::RateLimited => "rate_limited",
            FailReason::BulkheadFull => "bulkhead_full",
            FailReason::Throttled => "throttled",
            FailReason::Offline => "offline",
            FailReason::SimLimit => "sim_limit",
        }
    }
}

pub type ByReason = [u64; FAIL_REASONS.len()];

/// Latency histogram in microseconds (3 significant digits, up to an hour).
/// Its buckets (about 90 KB) are made at the first value: every node has
/// two of these and most never see a value in one of them.
#[derive(Default, Clone)]
pub struct LatencyHist {
    hist: Option<Box<Histogram<u32>>>,
    sum_ns: u128,
    count: u64,
}

fn buckets() -> Box<Histogram<u32>> {
    Box::new(Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds"))
}

impl LatencyHist {
    #[inline]
    pub fn record(&mut self, ns: Nanos) {
        // Saturate rather than fail: an hour-long latency is already absurd.
        self.hist.get_or_insert_with(buckets).saturating_record((ns + 500) / 1000);
        self.sum_ns += ns as u128;
        self.count += 1;
    }
    pub fn count(&self) -> u64 {
        self.count
    }
    /// Exact mean in milliseconds (from the nanosecond sum, not the buckets).
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.sum_ns as f64 / self.count as f64 / 1e6 }
    }
    /// Quantile in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        match &self.hist {
            Some(h) if self.count > 0 => h.value_at_quantile(q) as f64 / 1e3,
            _ => 0.0,
        }
    }
    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            mean: self.mean_ms(),
            p50: self.quantile_ms(0.5),
            p95: self.quantile_ms(0.95),
            p99: self.quantile_ms(0.99),
            p999: self.quantile_ms(0.999),
            max: match &self.hist {
                Some(h) if self.count > 0 => h.max() as f64 / 1e3,
                _ => 0.0,
            },
        }
    }
    pub fn reset(&mut self) {
        if let Some(h) = &mut self.hist {
            h.reset();
        }
        self.sum_ns = 0;
        self.count = 0;
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// A quantity that changes in steps (queue length, busy workers) and its
/// exact integral over time, so means are time-weighted, not sampled.
#[derive(Clone, Copy, Debug, Default)]
pub struct Level {
    pub value: u64,
    area: u128,
    since: Nanos,
}

impl Level {
    #[inline]
    pub fn set(&mut self, now: Nanos, value: u64) {
        self.area += self.value as u128 * (now - self.since) as u128;
        self.since = now;
        self.value = value;
    }
    #[inline]
    pub fn add(&mut self, now: Nanos, delta: i64) {
        let v = (self.value as i64 + delta).max(0) as u64;
        self.set(now, v);
    }
    /// Integral (value × ns) up to `now`.
    pub fn area_to(&self, now: Nanos) -> u128 {
        self.area + self.value as u128 * (now - self.since) as u128
    }
    pub fn restart(&mut self, now: Nanos) {
        self.area = 0;
        self.since = now;
    }
}

/// Cumulative per-node measurements since the last reset.
#[derive(Default, Clone)]
pub struct NodeStats {
    pub arrivals: u64,
    /// Queued requests dropped because their caller's deadline had passed.
    pub expired: u64,
    /// Requests that finished their service here.
    pub completions: u64,
    pub rejected: u64,
    pub queue: Level,
    pub busy: Level,
    /// Arrival to release of the worker (waiting + service, plus downstream
    /// time for blocking calls).
    pub sojourn: LatencyHist,
    /// Arrival to start of service (time spent queued), summed.
    pub wait_sum_ns: u128,
    pub waits: u64,
    /// Messages drained by a queue's consumers (async jobs done).
    pub jobs_done: u64,
    /// Cache lookups that hit and missed.
    pub hits: u64,
    pub misses: u64,
    /// Enqueue to processed, for a queue's async jobs.
    pub job_latency: LatencyHist,
    /// Instances running (what the node is billed for), time-integrated.
    pub instances: Level,
    /// Serverless: requests that had to start a new instance.
    pub cold_starts: u64,
    /// Autoscaling: scale-out and scale-in decisions.
    pub scale_ups: u64,
    pub scale_downs: u64,
    /// Replicated database: replica reads older than the latest write;
    /// acknowledged writes lost in a failover (not yet replicated).
    pub stale_reads: u64,
    pub lost_writes: u64,
    /// Queue: deliveries retried, and messages moved to the dead-letter queue.
    pub redeliveries: u64,
    pub dead_lettered: u64,
    /// Queue: deliveries made (a batch counts once), and the messages in
    /// them (for the mean batch size).
    pub batches: u64,
    pub batched: u64,
    /// Caches that coalesce: misses that waited for another's fetch.
    pub coalesced: u64,
    /// Caches: hits on a copy older than the key's last write, and writes
    /// that passed through to the store.
    pub stale_hits: u64,
    pub writes: u64,
    /// DNS: resolver lookups (cache misses).
    pub lookups: u64,
    /// Load balancer: backends taken out of rotation by outlier ejection.
    pub ejections: u64,
    /// Polling clients: polls that came back empty and with messages.
    pub polls_empty: u64,
    pub polls_full: u64,
    /// Devices: messages delivered, and attempts that found the phone offline.
    pub delivered: u64,
    pub offline: u64,
    /// Inbox: messages held for an offline phone, push notifications sent.
    pub held: u64,
    pub pushes: u64,
    pub pushes_failed: u64,
    /// Websocket gateway: phones reconnecting after a crash.
    pub reconnects: u64,
    /// Devices: offline users a push notification brought online.
    pub woken: u64,
}

#[derive(Default, Clone)]
pub struct LinkStats {
    pub sent: u64,
    pub lost: u64,
    /// Calls that failed for good and were answered by the caller itself.
    pub fallbacks: u64,
    /// Hedged requests: second copies of a call sent after `hedge_after_ms`.
    pub hedges: u64,
    pub bytes: u64,
    pub in_transit: Level,
}

/// Global request-level measurements since the last reset.
#[derive(Default, Clone)]
pub struct GlobalStats {
    pub created: u64,
    pub completed: u64,
    pub failed: ByReason,
    pub retries: u64,
    pub latency: LatencyHist,
    pub in_flight: Level,
    /// One-way message delivery: from the sender sending to the
    /// recipient's phone having it (devices and polling clients).
    pub delivery: LatencyHist,
    /// The same, for messages delivered at the first try (never held for
    /// an offline phone, never retried).
    pub delivery_first: LatencyHist,
    /// Async jobs that failed (messages lost after "sent").
    pub lost: u64,
    /// Requests by type (the clients' `mix`, by type index) and by the
    /// client that made them (by node index).
    pub by_type: Vec<Tally>,
    pub by_client: Vec<Tally>,
}

/// Requests of one type or from one client: answered, failed, and the
/// round trip of those answered.
#[derive(Default, Clone)]
pub struct Tally {
    pub completed: u64,
    pub failed: u64,
    pub latency: LatencyHist,
}

impl Tally {
    /// The tally at `i` in `v`, added when first needed.
    pub fn at(v: &mut Vec<Tally>, i: usize) -> &mut Tally {
        if v.len() <= i {
            v.resize_with(i + 1, Tally::default);
        }
        &mut v[i]
    }
}

/// One second of sim time, as charts read it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Window {
    /// End of the window, in sim seconds.
    pub t: f64,
    pub offered_rps: f64,
    pub throughput_rps: f64,
    pub errors_rps: f64,
    pub failed: ByReason,
    pub latency_ms: LatencySummary,
    /// One-way message delivery in this window (zeros when none).
    pub delivery_ms: LatencySummary,
    /// The same for messages delivered at the first try.
    pub delivery_first_ms: LatencySummary,
    /// Messages lost after their sender was told "sent", per second.
    pub lost_rps: f64,
    pub in_flight: u64,
    pub nodes: Vec<NodeWindow>,
    pub links: Vec<LinkWindow>,
    /// p99 latency (ms) of the requests of each type (by type index) that
    /// completed in this window, when the clients have a mix; `None` for a
    /// type with none. For the charts, not part of saved figures.
    #[serde(skip)]
    pub type_p99_ms: Vec<Option<f64>>,
    /// The same for each client (by node index), when there are several.
    #[serde(skip)]
    pub client_p99_ms: Vec<Option<f64>>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct LinkWindow {
    pub sent: u64,
    pub lost: u64,
    /// Time-average messages on the wire (both directions).
    pub mean_in_transit: f64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct NodeWindow {
    pub arrivals: u64,
    pub completions: u64,
    pub rejected: u64,
    pub utilization: f64,
    pub mean_queue: f64,
    pub queue_now: u64,
}

/// How many windows are kept: ten minutes of sim time.
pub const HISTORY_WINDOWS: usize = 600;

/// Each histogram's p99 in ms, `None` where it is empty.
fn p99s(hists: &[LatencyHist]) -> Vec<Option<f64>> {
    hists.iter().map(|h| (h.count() > 0).then(|| h.summary().p99)).collect()
}

/// The histogram at `i` in `v`, added when first needed.
pub fn hist_at(v: &mut Vec<LatencyHist>, i: usize) -> &mut LatencyHist {
    if v.len() <= i {
        v.resize_with(i + 1, LatencyHist::default);
    }
    &mut v[i]
}

/// Rolling one-second windows; counters are diffed against the totals at
/// the start of each window so nothing is counted twice.
#[derive(Default, Clone)]
pub struct Windows {
    /// Closed windows, oldest first. Shared, not copied, when the engine
    /// is cloned (a replay's snapshots hold many copies of the past).
    pub history: VecDeque<std::sync::Arc<Window>>,
    pub next_end: Nanos,
    start: WindowMarks,
    pub latency: LatencyHist,
    pub delivery: LatencyHist,
    pub delivery_first: LatencyHist,
    /// This window's latencies by request type and by client (only
    /// recorded where there are several).
    pub by_type: Vec<LatencyHist>,
    pub by_client: Vec<LatencyHist>,
}

#[derive(Default, Clone)]
struct WindowMarks {
    created: u64,
    completed: u64,
    failed: ByReason,
    lost: u64,
    nodes: Vec<(u64, u64, u64, u128, u128)>,
    links: Vec<(u64, u64, u128)>,
}

impl Windows {
    pub fn new() -> Self {
        Self { next_end: NANOS_PER_SEC, ..Default::default() }
    }

    /// The window so far, from its start to `now` (for live charts that
    /// must move more often than once per sim second).
    pub fn partial(
        &self,
        global: &GlobalStats,
        nodes: &[(&NodeStats, u32)],
        links: &[&LinkStats],
        now: Nanos,
    ) -> Window {
        let start = self.next_end - NANOS_PER_SEC;
        self.snapshot(global, nodes, links, now, now.saturating_sub(start).max(1))
    }

    fn snapshot(
        &self,
        global: &GlobalStats,
        nodes: &[(&NodeStats, u32)],
        links: &[&LinkStats],
        end: Nanos,
        span: Nanos,
    ) -> Window {
        let secs = span as f64 / 1e9;
        let mut failed = [0; FAIL_REASONS.len()];
        for (i, f) in failed.iter_mut().enumerate() {
            *f = global.failed[i].saturating_sub(self.start.failed[i]);
        }
        let node_windows = nodes
            .iter()
            .enumerate()
            .map(|(i, (s, workers))| {
                let (a0, c0, r0, q0, b0) = self.start.nodes.get(i).copied().unwrap_or_default();
                let busy_mean = s.busy.area_to(end).saturating_sub(b0) as f64 / span as f64;
                NodeWindow {
                    arrivals: s.arrivals.saturating_sub(a0),
                    completions: s.completions.saturating_sub(c0),
                    rejected: s.rejected.saturating_sub(r0),
                    utilization: if *workers == u32::MAX || *workers == 0 {
                        busy_mean
                    } else {
                        busy_mean / *workers as f64
                    },
                    mean_queue: s.queue.area_to(end).saturating_sub(q0) as f64 / span as f64,
                    queue_now: s.queue.value,
                }
            })
            .collect();
        let link_windows = links
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let (s0, l0, a0) = self.start.links.get(i).copied().unwrap_or_default();
                LinkWindow {
                    sent: l.sent.saturating_sub(s0),
                    lost: l.lost.saturating_sub(l0),
                    mean_in_transit: l.in_transit.area_to(end).saturating_sub(a0) as f64 / span as f64,
                }
            })
            .collect();
        Window {
            t: end as f64 / 1e9,
            offered_rps: global.created.saturating_sub(self.start.created) as f64 / secs,
            throughput_rps: global.completed.saturating_sub(self.start.completed) as f64 / secs,
            errors_rps: failed.iter().sum::<u64>() as f64 / secs,
            failed,
            latency_ms: self.latency.summary(),
            delivery_ms: self.delivery.summary(),
            delivery_first_ms: self.delivery_first.summary(),
            lost_rps: global.lost.saturating_sub(self.start.lost) as f64 / secs,
            in_flight: global.in_flight.value,
            nodes: node_windows,
            links: link_windows,
            type_p99_ms: p99s(&self.by_type),
            client_p99_ms: p99s(&self.by_client),
        }
    }

    /// Close the window ending at `self.next_end`.
    pub fn close(&mut self, global: &GlobalStats, nodes: &[(&NodeStats, u32)], links: &[&LinkStats]) {
        let end = self.next_end;
        let w = self.snapshot(global, nodes, links, end, NANOS_PER_SEC);
        self.start = WindowMarks {
            created: global.created,
            completed: global.completed,
            failed: global.failed,
            lost: global.lost,
            nodes: nodes
                .iter()
                .map(|(s, _)| (s.arrivals, s.completions, s.rejected, s.queue.area_to(end), s.busy.area_to(end)))
                .collect(),
            links: links.iter().map(|l| (l.sent, l.lost, l.in_transit.area_to(end))).collect(),
        };
        if self.history.len() == HISTORY_WINDOWS {
            self.history.pop_front();
        }
        self.history.push_back(std::sync::Arc::new(w));
        self.latency.reset();
        self.delivery.reset();
        self.delivery_first.reset();
        self.by_type.iter_mut().for_each(LatencyHist::reset);
        self.by_client.iter_mut().for_each(LatencyHist::reset);
        self.next_end += NANOS_PER_SEC;
    }

    /// Counters were reset (warm-up over): re-base the current window.
    pub fn rebase(&mut self, nodes: usize, links: usize) {
        self.start = WindowMarks {
            nodes: vec![Default::default(); nodes],
            links: vec![Default::default(); links],
            ..Default::default()
        };
    }
}

#[cfg(test)]
mod lazy_tests {
    use super::*;

    /// A node's histograms cost nothing until they hold a value (10 000
    /// idle nodes took 1.8 GB when each had its buckets from the start),
    /// and then give the same figures.
    #[test]
    fn histograms_make_their_buckets_at_the_first_value() {
        let mut h = LatencyHist::default();
        assert!(h.hist.is_none());
        assert_eq!(h.summary(), LatencySummary::default());
        h.reset();
        assert!(h.hist.is_none(), "a reset makes nothing");
        for ns in [1_000_000, 2_000_000, 3_000_000] {
            h.record(ns);
        }
        assert!(h.hist.is_some());
        assert_eq!((h.quantile_ms(0.5), h.mean_ms()), (2.0, 2.0));
        assert!((h.summary().max - 3.0).abs() < 0.005, "max {}", h.summary().max);
    }
}
