//! Parameter editors for the inspector: the widgets the kinds' editors are
//! built from (each field with a one-sentence tooltip), the link's editors,
//! and the request type names in use. They edit a copy; the caller writes it
//! back only if something changed, so the engine sees each edit once.

use bevy_egui::egui::{self, ComboBox, DragValue, Slider, Ui};

use crate::sim::dist::Dist;
use crate::sim::model::*;

/// A slider that never changes a value just by showing it (a file may hold
/// values beyond the slider's range; only the user's own edits are bounded).
pub fn slider<Num: egui::emath::Numeric>(v: &mut Num, range: std::ops::RangeInclusive<Num>) -> Slider<'_> {
    Slider::new(v, range).clamping(egui::SliderClamping::Edits)
}

/// The same for a drag value.
pub fn drag<Num: egui::emath::Numeric>(v: &mut Num) -> DragValue<'_> {
    DragValue::new(v).clamp_existing_to_range(false)
}

pub fn row(ui: &mut Ui, label: &str, tip: &str, add: impl FnOnce(&mut Ui)) {
    ui.horizontal(|ui| {
        ui.label(label).on_hover_text(tip);
        add(ui);
    });
}

/// A duration distribution: its family and parameters, in milliseconds.
pub fn dist(ui: &mut Ui, id: &str, d: &mut Dist) {
    let names = ["Const", "Exp", "Uniform", "LogNormal", "Normal"];
    let current = match d {
        Dist::Const(_) => 0,
        Dist::Exp(_) => 1,
        Dist::Uniform { .. } => 2,
        Dist::LogNormal { .. } => 3,
        Dist::Normal { .. } => 4,
    };
    let mut pick = current;
    ComboBox::from_id_salt(id).width(90.0).selected_text(names[current]).show_ui(ui, |ui| {
        for (i, n) in names.iter().enumerate() {
            ui.selectable_value(&mut pick, i, *n);
        }
    });
    if pick != current {
        let m = d.mean_ms().max(0.001);
        *d = match pick {
            0 => Dist::Const(m),
            1 => Dist::Exp(m),
            2 => Dist::Uniform { min: m * 0.5, max: m * 1.5 },
            3 => Dist::LogNormal { mean: m, std_dev: m },
            _ => Dist::Normal { mean: m, std_dev: m * 0.2 },
        };
    }
    fn ms(v: &mut f64) -> DragValue<'_> {
        drag(v).range(0.0..=3_600_000.0).speed(0.05).suffix(" ms")
    }
    match d {
        Dist::Const(v) | Dist::Exp(v) => {
            ui.add(ms(v));
        }
        Dist::Uniform { min, max } => {
            ui.add(ms(min));
            ui.label("–");
            ui.add(ms(max));
            if *min > *max {
                *max = *min;
            }
        }
        Dist::LogNormal { mean, std_dev } | Dist::Normal { mean, std_dev } => {
            ui.add(ms(mean));
            ui.label("±");
            ui.add(ms(std_dev));
        }
    }
}

pub fn optional_limit(ui: &mut Ui, label: &str, tip: &str, v: &mut Option<u32>, default: u32) {
    row(ui, label, tip, |ui| {
        let mut bounded = v.is_some();
        if ui.checkbox(&mut bounded, "bounded").changed() {
            *v = bounded.then_some(default);
        }
        if let Some(n) = v {
            ui.add(drag(n).range(0..=10_000_000).speed(1.0));
        } else {
            ui.label("∞");
        }
    });
}

pub fn retry(ui: &mut Ui, id: &str, r: &mut Option<RetryPolicy>, what: &str) {
    let mut on = r.is_some();
    if ui
        .checkbox(&mut on, format!("Timeout & retries ({what})"))
        .on_hover_text("Give up on an attempt after a timeout, then retry with exponential backoff and jitter.")
        .changed()
    {
        *r = on.then(RetryPolicy::default);
    }
    let Some(p) = r else { return };
    ui.indent(id, |ui| {
        row(ui, "timeout", "How long one attempt may take before it is abandoned.", |ui| {
            ui.add(drag(&mut p.timeout_ms).range(0.001..=3_600_000.0).speed(1.0).suffix(" ms"));
        });
        row(ui, "max retries", "Extra attempts after the first; 0 = time out only.", |ui| {
            ui.add(drag(&mut p.max_retries).range(0..=100));
        });
        row(ui, "backoff", "Wait before retry n is backoff × 2^(n-1), capped at the maximum.", |ui| {
            ui.add(drag(&mut p.backoff_ms).range(0.0..=3_600_000.0).speed(1.0).suffix(" ms"));
            ui.label("max");
            ui.add(drag(&mut p.max_backoff_ms).range(0.0..=3_600_000.0).speed(1.0).suffix(" ms"));
        });
        row(ui, "jitter", "Share of the backoff that is randomised (1 = full jitter).", |ui| {
            ui.add(slider(&mut p.jitter, 0.0..=1.0));
        });
        row(ui, "budget", "Retries may add at most this share of the requests (client retries only).", |ui| {
            let mut on = p.budget.is_some();
            if ui.checkbox(&mut on, "limited").changed() {
                p.budget = on.then_some(0.1);
            }
            if let Some(b) = &mut p.budget {
                ui.add(drag(b).range(0.001..=10.0).speed(0.005));
            }
        });
    });
}

pub fn workers(ui: &mut Ui, label: &str, tip: &str, n: &mut u32) {
    row(ui, label, tip, |ui| {
        ui.add(slider(n, 1..=100_000).logarithmic(true));
    });
}

pub fn health_check(ui: &mut Ui, check: &mut Option<HealthCheck>) {
    let mut on = check.is_some();
    if ui
        .checkbox(&mut on, "Health checks")
        .on_hover_text("Probe backends; stop sending to ones that fail (crashed, frozen, cut off).")
        .changed()
    {
        *check = on.then(HealthCheck::default);
    }
    if let Some(hc) = check {
        ui.indent("hc", |ui| {
            row(ui, "every", "Time between probes.", |ui| {
                ui.add(drag(&mut hc.interval_ms).range(1.0..=3_600_000.0).speed(10.0).suffix(" ms"));
            });
            row(ui, "eject after", "Failed probes in a row before a backend gets no traffic.", |ui| {
                ui.add(drag(&mut hc.unhealthy_after).range(1..=1000));
            });
            row(ui, "restore after", "Passed probes in a row before it gets traffic again.", |ui| {
                ui.add(drag(&mut hc.healthy_after).range(1..=1000));
            });
        });
    }
}

pub fn seconds(ui: &mut Ui, label: &str, tip: &str, v: &mut f64, max: f64) {
    row(ui, label, tip, |ui| {
        ui.add(drag(v).range(0.0..=max).speed(0.1).suffix(" s"));
    });
}

pub fn pool_and_times(
    ui: &mut Ui,
    pool: &mut u32,
    queue: &mut Option<u32>,
    read: &mut Dist,
    write: &mut Dist,
    per: &str,
) {
    workers(ui, "pool", &format!("Connections {per}: queries running at the same time."), pool);
    optional_limit(ui, "queue", &format!("Queries waiting {per}; beyond it they are rejected."), queue, 100);
    row(ui, "read time", "Time for one read query.", |ui| dist(ui, "db-read", read));
    row(ui, "write time", "Time for one write query.", |ui| dist(ui, "db-write", write));
}

/// Editors for a link; `types`: the request type names in use.
pub fn link(ui: &mut Ui, l: &mut LinkSpec, types: &[String]) {
    row(ui, "latency", "One-way delay; answers pay it again on the way back.", |ui| dist(ui, "lat", &mut l.latency));
    row(ui, "jitter", "Extra delay drawn uniformly from zero to this.", |ui| {
        ui.add(drag(&mut l.jitter_ms).range(0.0..=3_600_000.0).speed(0.1).suffix(" ms"));
    });
    row(ui, "loss", "Probability that a message crossing the link disappears.", |ui| {
        ui.add(slider(&mut l.loss, 0.0..=1.0));
    });
    row(ui, "bandwidth", "Megabits per second each way; messages queue for the wire.", |ui| {
        let mut limited = l.bandwidth_mbps.is_some();
        if ui.checkbox(&mut limited, "limited").changed() {
            l.bandwidth_mbps = limited.then_some(100.0);
        }
        if let Some(b) = &mut l.bandwidth_mbps {
            ui.add(drag(b).range(0.001..=1e9).speed(1.0).suffix(" Mb/s"));
        }
    });
    row(
        ui,
        "fallback",
        "When a call fails for good (after retries), the caller answers with a default or cached result instead: degraded, not failed.",
        |ui| {
            ui.checkbox(&mut l.fallback, "degrade");
        },
    );
    row(ui, "used by", "Share of requests that make this call (services and caches).", |ui| {
        ui.add(slider(&mut l.call_probability, 0.0..=1.0));
    });
    row(
        ui,
        "repeat",
        "Calls over this link for each request (services only): one after another, each waiting for the one before (N+1 queries), or all at once from a fan-out service, which waits for the slowest. Each copy is a real call.",
        |ui| {
            ui.add(drag(&mut l.repeat).range(1..=crate::sim::model::MAX_REPEAT).prefix("×"));
        },
    );
    row(ui, "weight", "Share of traffic from a weighted load balancer, relative to its other links.", |ui| {
        ui.add(drag(&mut l.weight).range(0.0..=1e6).speed(0.05));
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("carries").on_hover_text("Request types sent over this link; none ticked: all types.");
        for t in types {
            let mut on = l.only.contains(t);
            if ui.checkbox(&mut on, t.as_str()).changed() {
                if on {
                    l.only.push(t.clone());
                } else {
                    l.only.retain(|x| x != t);
                }
            }
        }
        if l.only.is_empty() {
            ui.label(egui::RichText::new("(all)").weak());
        }
    });
    optional_limit(
        ui,
        "bulkhead",
        "At most this many calls over this link at once; more fail at once (bulkhead_full).",
        &mut l.max_concurrent,
        10,
    );
    row(
        ui,
        "hedge",
        "Hedged requests: a call with no answer after this long is sent once more over this link (a balancer behind it picks the next backend); the first success wins and the other copy's answer is discarded. Cuts the tail for a little extra work.",
        |ui| {
            let mut on = l.hedge_after_ms.is_some();
            if ui.checkbox(&mut on, "after").changed() {
                l.hedge_after_ms = on.then_some(15.0);
            }
            if let Some(ms) = &mut l.hedge_after_ms {
                ui.add(drag(ms).range(0.001..=3_600_000.0).speed(0.5).suffix(" ms"));
            }
        },
    );
    retry(ui, "link-retry", &mut l.retry, "per hop");
    let mut on = l.circuit_breaker.is_some();
    if ui
        .checkbox(&mut on, "Circuit breaker")
        .on_hover_text("After too many failures, fail calls at once for a while instead of calling.")
        .changed()
    {
        l.circuit_breaker = on.then(CircuitBreaker::default);
    }
    if let Some(cb) = &mut l.circuit_breaker {
        ui.indent("cb", |ui| {
            row(ui, "opens at", "Failure share (over at least `min calls` in a window) that opens it.", |ui| {
                ui.add(slider(&mut cb.failure_ratio, 0.01..=1.0));
            });
            row(ui, "min calls", "Calls in a window before it may open.", |ui| {
                ui.add(drag(&mut cb.min_calls).range(1..=1_000_000));
            });
            row(ui, "window", "Failures are counted over windows this long.", |ui| {
                ui.add(drag(&mut cb.window_ms).range(1.0..=3_600_000.0).speed(10.0).suffix(" ms"));
            });
            row(ui, "stays open", "How long calls fail fast before a trial.", |ui| {
                ui.add(drag(&mut cb.open_ms).range(1.0..=3_600_000.0).speed(10.0).suffix(" ms"));
            });
            row(ui, "trial calls", "Calls let through half-open; all must succeed to close.", |ui| {
                ui.add(drag(&mut cb.half_open_calls).range(1..=1_000_000));
            });
        });
    }
}

/// Request type names used anywhere in the system (read and write always).
pub fn type_names<'a>(
    kinds: impl Iterator<Item = &'a NodeKind>,
    links: impl Iterator<Item = &'a LinkSpec>,
) -> Vec<String> {
    let mut names: Vec<String> = vec!["read".into(), "write".into()];
    let mut add = |n: &String| {
        if !n.trim().is_empty() && !names.contains(n) {
            names.push(n.clone());
        }
    };
    for k in kinds {
        match k {
            NodeKind::Client(c) => c.mix.iter().for_each(|t| add(&t.name)),
            NodeKind::Service(s) => {
                s.by_type.keys().for_each(&mut add);
                s.shedding.priority.iter().for_each(&mut add);
            }
            _ => {}
        }
    }
    for l in links {
        l.only.iter().for_each(&mut add);
    }
    names
}

/// What a cache's editors say, in its own words (a cache holds keys, a CDN
/// edge objects).
pub struct CachingWords {
    pub capacity: &'static str,
    pub default_capacity: u32,
    pub hit_ratio: &'static str,
    pub ttl: &'static str,
    pub default_ttl_ms: f64,
    pub coalesce: &'static str,
}

/// A cache's or CDN's lookups: a capacity (least recently used evicted) or
/// a fixed hit ratio; with a capacity, expiry and coalescing of misses.
pub fn caching(
    ui: &mut Ui,
    words: &CachingWords,
    capacity: &mut Option<u32>,
    hit_ratio: &mut f64,
    ttl_ms: &mut Option<f64>,
    coalesce: &mut bool,
) {
    optional_limit(ui, "capacity", words.capacity, capacity, words.default_capacity);
    if capacity.is_none() {
        row(ui, "hit ratio", words.hit_ratio, |ui| {
            ui.add(slider(hit_ratio, 0.0..=1.0));
        });
        return;
    }
    row(ui, "TTL", words.ttl, |ui| {
        let mut on = ttl_ms.is_some();
        if ui.checkbox(&mut on, "expires").changed() {
            *ttl_ms = on.then_some(words.default_ttl_ms);
        }
        if let Some(t) = ttl_ms {
            ui.add(drag(t).range(0.001..=3.6e9).speed(100.0).suffix(" ms"));
        }
    });
    ui.checkbox(coalesce, "coalesce misses").on_hover_text(words.coalesce);
}

/// A cache's or CDN's live line: its hit ratio and the misses that waited
/// for another's fetch.
pub fn caching_live(ui: &mut Ui, n: &crate::sim::engine::NodeRt) {
    let s = &n.stats;
    let lookups = (s.hits + s.misses).max(1);
    ui.label(format!("hit ratio {:.1}%", s.hits as f64 * 100.0 / lookups as f64));
}
