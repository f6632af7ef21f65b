//! What a checkpoint can measure: any figure of a run's report (the whole
//! system, one node, one link) and figures over its one-second windows
//! (the worst second, seconds over a latency goal, recovery after a fault).
//! A check bounds one metric; a lesson step, a concept or an experiment
//! passes when all its checks do.

use serde::{Deserialize, Serialize};

use crate::sim::metrics::Window;
use crate::sim::report::Report;

/// One figure of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Metric {
    /// Share of polls that found nothing new.
    EmptyPollShare,
    /// Requests a minute for the whole system (× its copies).
    RequestsPerMinute,
    /// One-way message delivery, sender to phone.
    DeliveryP50Ms,
    DeliveryP99Ms,
    /// Delivery of messages that reached an online phone at the first try.
    FirstTryDeliveryP99Ms,
    /// Failed requests over all resolved ones.
    ErrorRate,
    /// Messages lost after their sender was told they were sent (a send
    /// that fails is not lost: its sender knows; see `ErrorRate`).
    LostMessages,
    /// Client round trip, as the user sees it.
    LatencyMeanMs,
    LatencyP50Ms,
    LatencyP95Ms,
    LatencyP99Ms,
    LatencyP999Ms,
    /// Requests answered with success, per second.
    ThroughputRps,
    /// Requests the clients made, per second.
    OfferedRps,
    /// Answered over offered.
    GoodputShare,
    /// Share of resolved requests that failed for this reason
    /// (`timeout`, `queue_full`, `node_down`, `rate_limited`, …).
    FailedShare(String),
    /// Retries per request made.
    RetryRatio,
    /// Time-averaged bill, dollars an hour.
    CostPerHour,
    /// Requests in the system on average (Little's L).
    MeanInFlight,
    /// Requests still in the system when the run ended.
    InFlightAtEnd,
    /// A node's figure: `utilization`, `mean_queue_len`, `mean_wait_ms`,
    /// `sojourn_p50_ms`, `sojourn_p99_ms`, `arrivals_per_s`,
    /// `completions_per_s`, `rejected`, `rejected_share`, `jobs_per_s`,
    /// `job_p50_ms`, `job_p99_ms`, `hit_ratio`, `member_max_share`, or any
    /// counter the node's kind reports (`stale_reads`, `cold_starts`, …).
    /// A cache that lists no `stale_hits` or `stale_hit_share` served none;
    /// a database that lists no `duplicate_effects` doubled none.
    Node(String, String),
    /// Share of messages lost on the link from → to.
    LinkLossRate(String, String),
    /// Calls answered by a fallback (over all links) per answered request:
    /// how much of what users got was degraded.
    FallbackRatio,
    /// Hedged copies sent (over all links) per request made: the extra
    /// work hedging asks of what is behind the hedged links.
    HedgeShare,
    /// A request type's figure (types from a client's `mix`) or a client's:
    /// `p50_ms`, `p95_ms`, `p99_ms`, `mean_ms`, `error_rate`,
    /// `throughput_rps`, `completed`, `failed`.
    Type(String, String),
    Client(String, String),
    /// The highest error rate of any measured second.
    WorstSecondErrorRate,
    /// The highest p99 latency of any measured second, in ms.
    WorstSecondP99Ms,
    /// Measured seconds whose p99 latency was above this many ms (an SLO's
    /// bad seconds).
    SecondsOverP99Ms(f64),
    /// Seconds from the end of the last fault until five seconds in a row
    /// with under 1 % errors (the rest of the run when that never comes).
    RecoverySeconds,
    /// The longest queue a node had at the end of any measured second.
    PeakQueue(String),
}

/// The figures a metric is read from: the report and the one-second
/// windows after the warm-up.
#[derive(Clone, Copy)]
pub struct Measured<'a> {
    pub report: &'a Report,
    pub windows: &'a [Window],
}

impl Metric {
    /// The value in a run (None: the run has no such number, e.g. no
    /// deliveries at all, or a node that is not there).
    pub fn value(&self, m: Measured) -> Option<f64> {
        let r = m.report;
        let l = &r.latency_ms;
        let resolved = (r.completed + r.failed_total) as f64;
        let share = |n: f64| if resolved == 0.0 { None } else { Some(n / resolved) };
        Some(match self {
            Metric::EmptyPollShare => {
                let (mut empty, mut full) = (0.0, 0.0);
                for n in &r.nodes {
                    empty += n.detail.get("polls_empty").copied().unwrap_or(0.0);
                    full += n.detail.get("polls_full").copied().unwrap_or(0.0);
                }
                if empty + full == 0.0 {
                    return None;
                }
                empty / (empty + full)
            }
            Metric::RequestsPerMinute => r.whole_system.as_ref().map_or(r.offered_rps * 60.0, |w| w.offered_per_min),
            Metric::DeliveryP50Ms => r.delivery.as_ref()?.ms.p50,
            Metric::DeliveryP99Ms => r.delivery.as_ref()?.ms.p99,
            Metric::FirstTryDeliveryP99Ms => {
                let d = r.delivery.as_ref()?;
                if d.first_try_count == 0 {
                    return None;
                }
                d.first_try_ms.p99
            }
            Metric::ErrorRate => r.error_rate,
            Metric::LostMessages => r.async_failed as f64,
            Metric::LatencyMeanMs
            | Metric::LatencyP50Ms
            | Metric::LatencyP95Ms
            | Metric::LatencyP99Ms
            | Metric::LatencyP999Ms
                if r.completed == 0 =>
            {
                return None;
            }
            Metric::LatencyMeanMs => l.mean,
            Metric::LatencyP50Ms => l.p50,
            Metric::LatencyP95Ms => l.p95,
            Metric::LatencyP99Ms => l.p99,
            Metric::LatencyP999Ms => l.p999,
            Metric::ThroughputRps => r.throughput_rps,
            Metric::OfferedRps => r.offered_rps,
            Metric::GoodputShare => {
                if r.offered_rps == 0.0 {
                    return None;
                }
                r.throughput_rps / r.offered_rps
            }
            Metric::FailedShare(reason) => share(*r.failed.get(reason.as_str())? as f64)?,
            Metric::RetryRatio => {
                if r.created == 0 {
                    return None;
                }
                r.retries as f64 / r.created as f64
            }
            Metric::CostPerHour => r.cost.per_hour,
            Metric::MeanInFlight => r.mean_in_flight,
            Metric::InFlightAtEnd => r.in_flight as f64,
            Metric::Node(id, field) => node_value(r, id, field)?,
            Metric::Type(name, field) => breakdown(r.types.iter().find(|t| &t.name == name)?, field)?,
            Metric::Client(id, field) => breakdown(r.clients.iter().find(|t| &t.name == id)?, field)?,
            Metric::FallbackRatio => {
                if r.completed == 0 {
                    return None;
                }
                r.links.iter().map(|l| l.fallbacks).sum::<u64>() as f64 / r.completed as f64
            }
            Metric::HedgeShare => {
                if r.created == 0 {
                    return None;
                }
                r.links.iter().map(|l| l.hedges).sum::<u64>() as f64 / r.created as f64
            }
            Metric::LinkLossRate(from, to) => {
                r.links.iter().find(|l| &l.from == from && &l.to == to).filter(|l| l.sent > 0)?.loss_rate
            }
            Metric::WorstSecondErrorRate => m.windows.iter().map(window_errors).reduce(f64::max)?,
            Metric::WorstSecondP99Ms => m.windows.iter().map(|w| w.latency_ms.p99).reduce(f64::max)?,
            Metric::SecondsOverP99Ms(ms) => {
                if m.windows.is_empty() {
                    return None;
                }
                m.windows.iter().filter(|w| w.latency_ms.p99 > *ms).count() as f64
            }
            Metric::RecoverySeconds => recovery(m)?,
            Metric::PeakQueue(id) => {
                let i = r.nodes.iter().position(|n| &n.id == id)?;
                m.windows.iter().filter_map(|w| w.nodes.get(i)).map(|n| n.queue_now as f64).reduce(f64::max)?
            }
        })
    }

    /// The unit to print after a value.
    pub fn unit(&self) -> &'static str {
        match self {
            Metric::DeliveryP50Ms
            | Metric::DeliveryP99Ms
            | Metric::FirstTryDeliveryP99Ms
            | Metric::LatencyMeanMs
            | Metric::LatencyP50Ms
            | Metric::LatencyP95Ms
            | Metric::LatencyP99Ms
            | Metric::LatencyP999Ms
            | Metric::WorstSecondP99Ms => " ms",
            Metric::Node(_, f) | Metric::Type(_, f) | Metric::Client(_, f) if f.ends_with("_ms") => " ms",
            Metric::Type(_, f) | Metric::Client(_, f) if f.ends_with("_rps") => " /s",
            Metric::Node(_, f) if f.ends_with("_per_s") => " /s",
            Metric::RequestsPerMinute => " /min",
            Metric::ThroughputRps | Metric::OfferedRps => " /s",
            Metric::CostPerHour => "/h",
            Metric::SecondsOverP99Ms(_) | Metric::RecoverySeconds => " s",
            _ => "",
        }
    }

    /// Whether the value is a share (0–1), shown as a percentage.
    pub fn is_share(&self) -> bool {
        match self {
            Metric::EmptyPollShare
            | Metric::ErrorRate
            | Metric::GoodputShare
            | Metric::FailedShare(_)
            | Metric::LinkLossRate(..)
            | Metric::HedgeShare
            | Metric::WorstSecondErrorRate => true,
            Metric::Node(_, f) => {
                matches!(
                    f.as_str(),
                    "utilization" | "hit_ratio" | "rejected_share" | "member_max_share" | "stale_hit_share"
                )
            }
            Metric::Type(_, f) | Metric::Client(_, f) => f == "error_rate",
            _ => false,
        }
    }

    /// A value as a person reads it: `12.5 %`, `48.2 ms`, `1.2e10 /min`.
    pub fn show(&self, v: f64) -> String {
        if self.is_share() {
            return format!("{} %", round3(v * 100.0));
        }
        let n = if v.abs() >= 1e6 { format!("{v:.2e}") } else { round3(v) };
        if *self == Metric::CostPerHour {
            return format!("${}/h", money(v));
        }
        format!("{n}{}", self.unit())
    }

    /// The node ids this metric names (checked against the design).
    pub fn nodes(&self) -> Vec<&str> {
        match self {
            Metric::Node(id, _) | Metric::PeakQueue(id) | Metric::Client(id, _) => vec![id],
            Metric::LinkLossRate(a, b) => vec![a, b],
            _ => Vec::new(),
        }
    }
}

/// Dollars to the tenth of a cent, at least to the cent: `0.40`, `1.05`,
/// `0.025`, `0.675`.
pub fn money(v: f64) -> String {
    let s = format!("{v:.3}");
    s.strip_suffix('0').map(str::to_string).unwrap_or(s)
}

/// Three significant digits, no trailing zeros.
fn round3(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

fn window_errors(w: &Window) -> f64 {
    let resolved = w.throughput_rps + w.errors_rps;
    if resolved == 0.0 { 0.0 } else { w.errors_rps / resolved }
}

fn breakdown(b: &crate::sim::report::Breakdown, field: &str) -> Option<f64> {
    let l = &b.latency_ms;
    let answered = b.completed > 0;
    Some(match field {
        "p50_ms" if answered => l.p50,
        "p95_ms" if answered => l.p95,
        "p99_ms" if answered => l.p99,
        "mean_ms" if answered => l.mean,
        "error_rate" => b.error_rate,
        "throughput_rps" => b.throughput_rps,
        "completed" => b.completed as f64,
        "failed" => b.failed as f64,
        _ => return None,
    })
}

fn node_value(r: &Report, id: &str, field: &str) -> Option<f64> {
    let n = r.nodes.iter().find(|n| n.id == id)?;
    let secs = r.measured_seconds.max(1e-9);
    Some(match field {
        "utilization" => n.utilization?,
        "mean_busy" => n.mean_busy,
        "mean_queue_len" => n.mean_queue_len,
        "mean_wait_ms" => n.mean_wait_ms,
        "sojourn_mean_ms" => n.sojourn_ms.mean,
        "sojourn_p50_ms" => n.sojourn_ms.p50,
        "sojourn_p99_ms" => n.sojourn_ms.p99,
        "arrivals_per_s" => n.arrivals as f64 / secs,
        "completions_per_s" => n.completions as f64 / secs,
        "rejected" => n.rejected as f64,
        "expired" => n.expired as f64,
        "rejected_share" => {
            if n.arrivals == 0 {
                return None;
            }
            n.rejected as f64 / n.arrivals as f64
        }
        "jobs_per_s" => n.jobs_done as f64 / secs,
        "job_p50_ms" => n.job_latency_ms.as_ref()?.p50,
        "job_p99_ms" => n.job_latency_ms.as_ref()?.p99,
        "hit_ratio" => n.hit_ratio?,
        "member_max_share" => {
            let m = n.members_served.as_ref()?;
            let total: u64 = m.iter().sum();
            if total == 0 {
                return None;
            }
            *m.iter().max()? as f64 / total as f64
        }
        // A cache lists its stale hits once it hears of writes or serves
        // one: one that lists none served none.
        "stale_hits" | "stale_hit_share" if n.hit_ratio.is_some() && !n.detail.contains_key(field) => 0.0,
        // A database lists doubled writes once it has one (or keys): one
        // that lists none doubled none.
        "duplicate_effects" if n.kind == "database" && !n.detail.contains_key(field) => 0.0,
        other => *n.detail.get(other)?,
    })
}

/// Seconds from the last fault's end to the first of five calm seconds.
fn recovery(m: Measured) -> Option<f64> {
    let healed = m.report.faults.iter().filter_map(|f| f.end_s).reduce(f64::max)?;
    Some(recovery_after(healed, m.windows))
}

/// Seconds from `healed` to the first of five calm seconds among `windows`
/// (the rest of the run when they never come).
fn recovery_after(healed: f64, windows: &[Window]) -> f64 {
    // A calm second answers what it is asked, with under 1 % errors; one
    // in which requests arrive but nothing resolves (all hanging on
    // timeouts) is not calm.
    let calm = |w: &Window| window_errors(w) < 0.01 && (w.throughput_rps + w.errors_rps > 0.0 || w.offered_rps == 0.0);
    let after: Vec<&Window> = windows.iter().filter(|w| w.t - 1.0 >= healed - 1e-9).collect();
    let end = windows.last().map_or(healed, |w| w.t);
    for (i, w) in after.iter().enumerate() {
        if after.len() >= i + 5 && after[i..i + 5].iter().all(|w| calm(w)) {
            return w.t - 1.0 - healed;
        }
    }
    (end - healed).max(0.0)
}

/// One condition: `metric` within bounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub metric: Metric,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    /// The condition in words, e.g. "99 % of polls come back empty".
    pub says: String,
}

/// A check's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    pub says: String,
    pub value: Option<f64>,
    pub pass: bool,
}

impl Check {
    pub fn judge(&self, m: Measured) -> Outcome {
        let value = self.metric.value(m);
        // A value on the bound passes, whatever the last bit of its sum
        // (a bill of 0.025 + 23 / 40 is $0.60).
        let slack = |b: f64| 1e-9 * b.abs().max(1.0);
        let pass = value.is_some_and(|v| {
            self.at_least.is_none_or(|lo| v >= lo - slack(lo)) && self.at_most.is_none_or(|hi| v <= hi + slack(hi))
        });
        Outcome { says: self.says.clone(), value, pass }
    }
}

/// Judge every check.
pub fn judge_all(checks: &[Check], m: Measured) -> Vec<Outcome> {
    checks.iter().map(|c| c.judge(m)).collect()
}

/// The windows of a run after its statistics restarted (the measured ones).
pub fn measured_windows(e: &crate::sim::Engine) -> Vec<Window> {
    last_measured_windows(e, usize::MAX)
}

/// The last `n` of them (what a live view judges, without copying the rest).
pub fn last_measured_windows(e: &crate::sim::Engine, n: usize) -> Vec<Window> {
    let since = e.stats_since() as f64 / 1e9;
    let h = &e.windows().history;
    let measured = h.iter().rev().take_while(|w| w.t - 1.0 >= since - 1e-9).count();
    h.iter().skip(h.len() - measured.min(n)).map(|w| (**w).clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_people_write_them() {
        assert_eq!(Metric::ErrorRate.show(0.12345), "12.3 %");
        assert_eq!(Metric::LatencyP99Ms.show(48.25), "48.2 ms");
        assert_eq!(Metric::ThroughputRps.show(1000.0), "1000 /s");
        assert_eq!(Metric::RequestsPerMinute.show(1.2e10), "1.20e10 /min");
        assert_eq!(Metric::Node("db".into(), "utilization".into()).show(0.5), "50 %");
        assert_eq!(Metric::CostPerHour.show(0.625), "$0.625/h");
    }

    #[test]
    fn recovery_waits_for_seconds_that_answer() {
        let second = |t: f64, offered: f64, done: f64, errors: f64| Window {
            t,
            offered_rps: offered,
            throughput_rps: done,
            errors_rps: errors,
            ..Default::default()
        };
        // Healed at 10 s: two seconds of errors, then calm from 12 s.
        let w: Vec<Window> = (11..=30)
            .map(|t| if t <= 12 { second(t as f64, 100.0, 50.0, 50.0) } else { second(t as f64, 100.0, 100.0, 0.0) })
            .collect();
        assert_eq!(recovery_after(10.0, &w), 2.0);
        // Seconds in which requests arrive and nothing resolves (hanging on
        // timeouts) are not calm, though they have no errors yet.
        let w: Vec<Window> = (11..=30)
            .map(|t| if t <= 15 { second(t as f64, 100.0, 0.0, 0.0) } else { second(t as f64, 100.0, 100.0, 0.0) })
            .collect();
        assert_eq!(recovery_after(10.0, &w), 5.0);
        // An idle system (nothing asked) is calm.
        let w: Vec<Window> = (11..=20).map(|t| second(t as f64, 0.0, 0.0, 0.0)).collect();
        assert_eq!(recovery_after(10.0, &w), 0.0);
    }

    #[test]
    fn old_and_new_metrics_parse() {
        let c: Check =
            crate::scenario::ron_options().from_str(r#"(metric: ErrorRate, at_most: 0.01, says: "x")"#).unwrap();
        assert_eq!(c.metric, Metric::ErrorRate);
        let c: Check = crate::scenario::ron_options()
            .from_str(r#"(metric: Node("db", "utilization"), at_most: 0.8, says: "x")"#)
            .unwrap();
        assert_eq!(c.metric, Metric::Node("db".into(), "utilization".into()));
        let c: Check = crate::scenario::ron_options()
            .from_str(r#"(metric: SecondsOverP99Ms(200.0), at_most: 3.0, says: "x")"#)
            .unwrap();
        assert_eq!(c.metric, Metric::SecondsOverP99Ms(200.0));
    }
}
