//! Parameter editors for the inspector: one small function per kind, each
//! field with a one-sentence tooltip. They edit a copy; the caller writes it
//! back only if something changed, so the engine sees each edit once.

use bevy_egui::egui::{self, ComboBox, DragValue, Slider, Ui};

use crate::sim::dist::Dist;
use crate::sim::model::*;

/// A slider that never changes a value just by showing it (a file may hold
/// values beyond the slider's range; only the user's own edits are bounded).
fn slider<Num: egui::emath::Numeric>(v: &mut Num, range: std::ops::RangeInclusive<Num>) -> Slider<'_> {
    Slider::new(v, range).clamping(egui::SliderClamping::Edits)
}

/// The same for a drag value.
fn drag<Num: egui::emath::Numeric>(v: &mut Num) -> DragValue<'_> {
    DragValue::new(v).clamp_existing_to_range(false)
}

fn row(ui: &mut Ui, label: &str, tip: &str, add: impl FnOnce(&mut Ui)) {
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

fn optional_limit(ui: &mut Ui, label: &str, tip: &str, v: &mut Option<u32>, default: u32) {
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

fn retry(ui: &mut Ui, id: &str, r: &mut Option<RetryPolicy>, what: &str) {
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

fn workers(ui: &mut Ui, label: &str, tip: &str, n: &mut u32) {
    row(ui, label, tip, |ui| {
        ui.add(slider(n, 1..=100_000).logarithmic(true));
    });
}

fn traffic(ui: &mut Ui, t: &mut Traffic) {
    let names = ["Poisson", "Constant", "Burst", "Closed loop", "Polling", "Long polling", "Diurnal"];
    let current = match t {
        Traffic::Poisson { .. } => 0,
        Traffic::Constant { .. } => 1,
        Traffic::Burst { .. } => 2,
        Traffic::Closed { .. } => 3,
        Traffic::Polling { .. } => 4,
        Traffic::LongPolling { .. } => 5,
        Traffic::Diurnal { .. } => 6,
    };
    let mut pick = current;
    row(
        ui,
        "traffic",
        "How requests are generated: open loop at a rate, or closed loop (users wait for answers).",
        |ui| {
            ComboBox::from_id_salt("traffic").selected_text(names[current]).show_ui(ui, |ui| {
                for (i, n) in names.iter().enumerate() {
                    ui.selectable_value(&mut pick, i, *n);
                }
            });
        },
    );
    if pick != current {
        *t = match pick {
            0 => Traffic::Poisson { rate: 100.0 },
            1 => Traffic::Constant { rate: 100.0 },
            2 => Traffic::Burst { rate: 100.0, burst_rate: 1000.0, period_s: 10.0, burst_s: 2.0 },
            3 => Traffic::Closed { users: 100, think_ms: 1000.0 },
            4 => Traffic::Polling { users: 10_000.0, interval_s: 3.0, messages_per_min: 1.0 },
            5 => Traffic::LongPolling { users: 10_000, timeout_s: 30.0, messages_per_min: 1.0 },
            _ => Traffic::Diurnal { mean_rate: 100.0, amplitude: 0.5, period_s: 86_400.0, peak_at_s: 72_000.0 },
        };
    }
    let rate = |ui: &mut Ui, label: &str, r: &mut f64| {
        row(ui, label, "Requests per second.", |ui| {
            ui.add(slider(r, 0.0..=1_000_000.0).logarithmic(true).suffix(" /s"));
        });
    };
    match t {
        Traffic::Poisson { rate: r } | Traffic::Constant { rate: r } => rate(ui, "rate", r),
        Traffic::Burst { rate: r, burst_rate, period_s, burst_s } => {
            rate(ui, "base rate", r);
            rate(ui, "burst rate", burst_rate);
            row(ui, "every", "A burst starts at the beginning of every period.", |ui| {
                ui.add(drag(period_s).range(0.001..=100_000.0).speed(0.1).suffix(" s"));
                ui.label("for");
                ui.add(drag(burst_s).range(0.0..=*period_s).speed(0.1).suffix(" s"));
            });
        }
        Traffic::Polling { users, interval_s, messages_per_min } => {
            row(ui, "users", "Apps polling; together they send users / interval requests a second.", |ui| {
                ui.add(drag(users).range(0.0..=1e10).speed(100.0));
            });
            row(ui, "every", "Time between one app's polls.", |ui| {
                ui.add(drag(interval_s).range(0.001..=1e6).speed(0.1).suffix(" s"));
            });
            row(ui, "messages", "Messages each user receives a minute: polls without one come back empty.", |ui| {
                ui.add(drag(messages_per_min).range(0.0..=1e6).speed(0.1).suffix(" /min"));
            });
        }
        Traffic::Diurnal { mean_rate, amplitude, period_s, peak_at_s } => {
            rate(ui, "mean rate", mean_rate);
            row(ui, "swing", "How far the rate swings above and below the mean (0.5 = ±50 %).", |ui| {
                ui.add(slider(amplitude, 0.0..=1.0));
            });
            row(ui, "period", "Length of one cycle (86 400 s is a day).", |ui| {
                ui.add(drag(period_s).range(0.001..=1e8).speed(10.0).suffix(" s"));
            });
            row(ui, "peak at", "Time into each cycle when traffic peaks.", |ui| {
                ui.add(drag(peak_at_s).range(-1e8..=1e8).speed(10.0).suffix(" s"));
            });
        }
        Traffic::LongPolling { users, timeout_s, messages_per_min } => {
            row(ui, "users", "Apps each holding one poll open at the server, all the time.", |ui| {
                ui.add(slider(users, 0..=1_000_000).logarithmic(true));
            });
            row(ui, "timeout", "The server answers \"nothing\" after this long; the app asks again.", |ui| {
                ui.add(drag(timeout_s).range(0.001..=1e6).speed(0.1).suffix(" s"));
            });
            row(ui, "messages", "Messages each user receives a minute: each one ends a held poll.", |ui| {
                ui.add(drag(messages_per_min).range(0.0..=1e6).speed(0.1).suffix(" /min"));
            });
        }
        Traffic::Closed { users, think_ms } => {
            row(ui, "users", "People who each send a request, wait for the answer, then think.", |ui| {
                ui.add(slider(users, 0..=1_000_000).logarithmic(true));
            });
            row(ui, "think time", "Mean pause (exponential) between an answer and the next request.", |ui| {
                ui.add(drag(think_ms).range(0.0..=3_600_000.0).speed(10.0).suffix(" ms"));
            });
        }
    }
}

fn health_check(ui: &mut Ui, check: &mut Option<HealthCheck>) {
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

fn seconds(ui: &mut Ui, label: &str, tip: &str, v: &mut f64, max: f64) {
    row(ui, label, tip, |ui| {
        ui.add(drag(v).range(0.0..=max).speed(0.1).suffix(" s"));
    });
}

fn pool_and_times(ui: &mut Ui, pool: &mut u32, queue: &mut Option<u32>, read: &mut Dist, write: &mut Dist, per: &str) {
    workers(ui, "pool", &format!("Connections {per}: queries running at the same time."), pool);
    optional_limit(ui, "queue", &format!("Queries waiting {per}; beyond it they are rejected."), queue, 100);
    row(ui, "read time", "Time for one read query.", |ui| dist(ui, "db-read", read));
    row(ui, "write time", "Time for one write query.", |ui| dist(ui, "db-write", write));
}

/// The client's traffic mix: named request types with shares.
fn request_mix(ui: &mut Ui, c: &mut ClientSpec) {
    let mut on = !c.mix.is_empty();
    if ui
        .checkbox(&mut on, "Request types")
        .on_hover_text("A mix of named request types (read, upload, search…); links can carry only some types.")
        .changed()
    {
        c.mix = if on {
            vec![
                RequestType { name: "read".into(), share: 1.0 - c.write_ratio, ..Default::default() },
                RequestType { name: "write".into(), share: c.write_ratio.max(0.01), write: true, ..Default::default() },
            ]
        } else {
            Vec::new()
        };
    }
    if c.mix.is_empty() {
        row(ui, "writes", "Share of requests that are writes (databases time them separately).", |ui| {
            ui.add(slider(&mut c.write_ratio, 0.0..=1.0));
        });
        return;
    }
    let mut remove = None;
    ui.indent("mix", |ui| {
        for (i, t) in c.mix.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                ui.add(egui::TextEdit::singleline(&mut t.name).desired_width(70.0))
                    .on_hover_text("Type name, as links' \"carries only\" lists use it.");
                ui.add(drag(&mut t.share).range(0.0..=1e6).speed(0.01)).on_hover_text("Relative weight in the mix.");
                ui.checkbox(&mut t.write, "write")
                    .on_hover_text("Writes go to a database's primary and count as writes.");
                if ui.small_button("✖").on_hover_text("Remove this type").clicked() {
                    remove = Some(i);
                }
            });
        }
        if ui.small_button("+ type").clicked() {
            let name = (1..).map(|i| format!("type-{i}")).find(|n| !c.mix.iter().any(|t| &t.name == n));
            c.mix.push(RequestType { name: name.unwrap_or_default(), share: 0.1, ..Default::default() });
        }
    });
    if let Some(i) = remove {
        c.mix.remove(i);
    }
}

/// Editors for a node's kind-specific parameters.
/// `types`: the request type names in use, for per-type settings.
pub fn node(ui: &mut Ui, kind: &mut NodeKind, types: &[String]) {
    match kind {
        NodeKind::Client(c) => {
            traffic(ui, &mut c.traffic);
            request_mix(ui, c);
            row(ui, "keys", "How many distinct keys requests ask for (caches and hashing use them).", |ui| {
                ui.add(drag(&mut c.keys).range(1..=1_000_000_000).speed(10.0));
            });
            row(ui, "popularity", "Uniform, or Zipf: the k-th most popular key is asked k^s times less.", |ui| {
                let mut zipf = c.zipf.is_some();
                if ui.checkbox(&mut zipf, "Zipf").changed() {
                    c.zipf = zipf.then_some(1.0);
                }
                if let Some(z) = &mut c.zipf {
                    ui.add(drag(z).range(0.01..=10.0).speed(0.01).prefix("s = "));
                }
            });
            retry(ui, "client-retry", &mut c.retry, "end to end");
        }
        NodeKind::LoadBalancer(lb) => {
            row(ui, "policy", "How the next backend is chosen.", |ui| {
                ComboBox::from_id_salt("lb-policy").selected_text(format!("{:?}", lb.policy)).show_ui(ui, |ui| {
                    for p in LB_POLICIES {
                        ui.selectable_value(&mut lb.policy, p, format!("{p:?}"));
                    }
                });
            });
            row(ui, "routing time", "Time to route one request.", |ui| dist(ui, "lb-svc", &mut lb.service));
            health_check(ui, &mut lb.health_check);
        }
        NodeKind::Service(s) => {
            workers(ui, "workers", "Requests served at the same time; the rest wait in the queue.", &mut s.workers);
            optional_limit(
                ui,
                "queue",
                "Waiting room; arrivals beyond it are rejected (queue_full).",
                &mut s.queue_limit,
                100,
            );
            row(ui, "service time", "Time one worker spends on a request.", |ui| dist(ui, "svc", &mut s.service));
            let mut remove = None;
            for (name, d) in s.by_type.iter_mut() {
                row(ui, &format!("  {name}"), "Service time for this request type.", |ui| {
                    dist(ui, &format!("svc-{name}"), d);
                    if ui.small_button("✖").clicked() {
                        remove = Some(name.clone());
                    }
                });
            }
            if let Some(name) = remove {
                s.by_type.remove(&name);
            }
            ui.horizontal(|ui| {
                ui.label("time by type").on_hover_text("Give one request type its own service time.");
                ComboBox::from_id_salt("svc-by-type").selected_text("add…").show_ui(ui, |ui| {
                    let free: Vec<&String> = types.iter().filter(|t| !s.by_type.contains_key(*t)).collect();
                    for t in free {
                        if ui.selectable_label(false, t).clicked() {
                            s.by_type.insert(t.clone(), s.service.clone());
                        }
                    }
                });
            });
            row(ui, "LIFO above", "Once more than this many wait, serve the newest first (adaptive LIFO).", |ui| {
                let mut on = s.shedding.lifo_above.is_some();
                if ui.checkbox(&mut on, "on").changed() {
                    s.shedding.lifo_above = on.then_some(50);
                }
                if let Some(t) = &mut s.shedding.lifo_above {
                    ui.add(drag(t).range(0..=10_000_000));
                }
            });
            ui.horizontal_wrapped(|ui| {
                ui.label("priority").on_hover_text("Request types served first and shed last when the queue is full.");
                for t in types {
                    let mut on = s.shedding.priority.contains(t);
                    if ui.checkbox(&mut on, t.as_str()).changed() {
                        if on {
                            s.shedding.priority.push(t.clone());
                        } else {
                            s.shedding.priority.retain(|x| x != t);
                        }
                    }
                }
            });
            ui.checkbox(&mut s.fan_out, "fan out (scatter-gather)").on_hover_text(
                "Call every link at once and answer when the slowest is back, instead of one after another.",
            );
            ui.checkbox(&mut s.blocking, "blocking calls").on_hover_text(
                "Hold the worker until every downstream call answers (thread-per-request), instead of freeing it when its own work ends.",
            );
        }
        NodeKind::Cache(c) => {
            optional_limit(
                ui,
                "capacity",
                "Keys it holds (least recently used evicted): hits then come from the keys clients ask for.",
                &mut c.capacity,
                1000,
            );
            if c.capacity.is_none() {
                row(ui, "hit ratio", "Share of requests answered by the cache; misses go to its links.", |ui| {
                    ui.add(slider(&mut c.hit_ratio, 0.0..=1.0));
                });
            } else {
                row(ui, "TTL", "How long a cached key stays valid (unchecked: until evicted).", |ui| {
                    let mut on = c.ttl_ms.is_some();
                    if ui.checkbox(&mut on, "expires").changed() {
                        c.ttl_ms = on.then_some(60_000.0);
                    }
                    if let Some(t) = &mut c.ttl_ms {
                        ui.add(drag(t).range(0.001..=3.6e9).speed(100.0).suffix(" ms"));
                    }
                });
                ui.checkbox(&mut c.coalesce, "coalesce misses").on_hover_text(
                    "Misses for a key already being fetched wait for that fetch instead of all going to the database (no stampede).",
                );
            }
            workers(ui, "workers", "Lookups served at the same time.", &mut c.workers);
            row(ui, "lookup time", "Time for one lookup.", |ui| dist(ui, "cache-svc", &mut c.service));
        }
        NodeKind::Database(d) => {
            workers(ui, "pool", "Connections: queries running at the same time.", &mut d.pool);
            optional_limit(
                ui,
                "queue",
                "Queries waiting for a connection; beyond it they are rejected.",
                &mut d.queue_limit,
                100,
            );
            row(ui, "read time", "Time for one read query.", |ui| dist(ui, "db-read", &mut d.read));
            row(ui, "write time", "Time for one write query.", |ui| dist(ui, "db-write", &mut d.write));
        }
        NodeKind::RateLimiter(rl) => {
            row(ui, "rate", "Tokens added per second: the sustained rate let through.", |ui| {
                ui.add(slider(&mut rl.rate, 0.0..=1_000_000.0).logarithmic(true).suffix(" /s"));
            });
            row(ui, "burst", "Most tokens saved up: how big a burst passes at once.", |ui| {
                ui.add(drag(&mut rl.burst).range(1..=10_000_000));
            });
        }
        NodeKind::Queue(q) => {
            optional_limit(
                ui,
                "capacity",
                "Messages it can hold; a full queue rejects producers.",
                &mut q.capacity,
                10_000,
            );
            workers(ui, "consumers", "Messages delivered to consumers at the same time.", &mut q.consumers);
            row(ui, "enqueue time", "Time to store one message before the producer is acknowledged.", |ui| {
                dist(ui, "q-svc", &mut q.service)
            });
            row(
                ui,
                "visibility",
                "A consumer must finish within this time, or the message is delivered again.",
                |ui| {
                    let mut on = q.visibility_timeout_ms.is_some();
                    if ui.checkbox(&mut on, "limited").changed() {
                        q.visibility_timeout_ms = on.then_some(30_000.0);
                    }
                    if let Some(v) = &mut q.visibility_timeout_ms {
                        ui.add(drag(v).range(0.001..=3.6e9).speed(10.0).suffix(" ms"));
                    }
                },
            );
            row(ui, "max receives", "Deliveries before a failing message goes to the dead-letter queue.", |ui| {
                let mut on = q.max_receives.is_some();
                if ui.checkbox(&mut on, "redeliver").changed() {
                    q.max_receives = on.then_some(3);
                }
                if let Some(r) = &mut q.max_receives {
                    ui.add(drag(r).range(1..=250));
                }
            });
        }
        NodeKind::Gateway(g) => {
            workers(ui, "workers", "Requests checked at the same time.", &mut g.workers);
            optional_limit(
                ui,
                "queue",
                "Requests waiting to be checked; beyond it they are rejected.",
                &mut g.queue_limit,
                1000,
            );
            row(ui, "auth time", "Time to authenticate and route one request.", |ui| dist(ui, "gw-auth", &mut g.auth));
            ui.label(egui::RichText::new("Routes each request to one link that carries its type.").weak().small());
        }
        NodeKind::Serverless(f) => {
            row(ui, "concurrency", "Most instances at once; requests beyond it are throttled.", |ui| {
                ui.add(slider(&mut f.concurrency, 1..=100_000).logarithmic(true));
            });
            row(ui, "run time", "Time one invocation takes (downstream calls come on top).", |ui| {
                dist(ui, "fn-svc", &mut f.service)
            });
            row(ui, "cold start", "Extra time when no warm instance is free and a new one starts.", |ui| {
                dist(ui, "fn-cold", &mut f.cold_start)
            });
            seconds(
                ui,
                "keep warm",
                "Idle instances are reclaimed after this long (scale to zero).",
                &mut f.keep_warm_s,
                1e7,
            );
        }
        NodeKind::Autoscaling(a) => {
            row(ui, "instances", "Fewest and most instances the group may run.", |ui| {
                ui.add(drag(&mut a.min).range(1..=a.max).prefix("min "));
                ui.add(drag(&mut a.max).range(a.min..=10_000).prefix("max "));
            });
            a.initial = a.initial.clamp(a.min, a.max);
            row(ui, "at start", "Instances running when the simulation starts.", |ui| {
                ui.add(drag(&mut a.initial).range(a.min..=a.max));
            });
            workers(ui, "workers each", "Requests one instance serves at the same time.", &mut a.workers_per_instance);
            optional_limit(
                ui,
                "queue",
                "Shared waiting room; arrivals beyond it are rejected.",
                &mut a.queue_limit,
                1000,
            );
            row(ui, "service time", "Time one worker spends on a request.", |ui| dist(ui, "as-svc", &mut a.service));
            row(ui, "target", "Utilisation the group steers towards.", |ui| {
                ui.add(slider(&mut a.target_utilization, 0.05..=1.0));
            });
            seconds(
                ui,
                "review every",
                "How often it compares utilisation with the target.",
                &mut a.interval_s,
                3600.0,
            );
            seconds(ui, "boot time", "Delay before a new instance takes traffic.", &mut a.boot_s, 3600.0);
            seconds(ui, "cooldown", "No scale-in within this long of the last change.", &mut a.cooldown_s, 86_400.0);
            ui.checkbox(&mut a.blocking, "blocking calls")
                .on_hover_text("Hold the worker until every downstream call answers.");
        }
        NodeKind::ShardedDatabase(d) => {
            row(ui, "shards", "Partitions; each key lives on one (hashing), each has its own pool.", |ui| {
                ui.add(drag(&mut d.shards).range(1..=250));
            });
            pool_and_times(ui, &mut d.pool, &mut d.queue_limit, &mut d.read, &mut d.write, "per shard");
        }
        NodeKind::ReplicatedDatabase(d) => {
            row(ui, "replicas", "Copies that serve reads; the primary takes the writes.", |ui| {
                ui.add(drag(&mut d.replicas).range(0..=249));
            });
            pool_and_times(ui, &mut d.pool, &mut d.queue_limit, &mut d.read, &mut d.write, "per member");
            row(ui, "replication lag", "How long a write takes to reach the replicas.", |ui| {
                dist(ui, "rdb-lag", &mut d.lag)
            });
            ui.checkbox(&mut d.read_from_primary, "primary serves reads too")
                .on_hover_text("Reads are shared by the primary and the replicas.");
            seconds(
                ui,
                "failover",
                "Time to notice a dead primary and promote a replica.",
                &mut d.failover_s,
                86_400.0,
            );
        }
        NodeKind::QuorumStore(q) => {
            row(ui, "copies (N)", "Every key is stored on this many copies.", |ui| {
                ui.add(drag(&mut q.replicas).range(1..=15));
            });
            let n = q.replicas.max(1);
            row(ui, "read quorum (R)", "A read returns the newest of the first R answers.", |ui| {
                ui.add(drag(&mut q.read_quorum).range(1..=n));
            });
            row(ui, "write quorum (W)", "A write succeeds once W copies have applied it.", |ui| {
                ui.add(drag(&mut q.write_quorum).range(1..=n));
            });
            let (r, w) = (q.read_quorum, q.write_quorum);
            let verdict = if r + w > n {
                format!("R + W = {} > N = {n}: every read sees the latest successful write.", r + w)
            } else {
                format!("R + W = {} ≤ N = {n}: a read can miss the latest write.", r + w)
            };
            ui.label(egui::RichText::new(verdict).weak().small());
            row(ui, "read time", "One copy's time to answer a read.", |ui| dist(ui, "kv-read", &mut q.read));
            row(ui, "replication lag", "One copy's time to receive and apply a write.", |ui| {
                dist(ui, "kv-lag", &mut q.lag)
            });
            row(ui, "timeout", "The coordinator gives up when too few copies answered by then.", |ui| {
                ui.add(drag(&mut q.timeout_ms).range(0.001..=3_600_000.0).speed(1.0).suffix(" ms"));
            });
            ui.checkbox(&mut q.read_repair, "read repair")
                .on_hover_text("A read that finds older copies among its answers updates them.");
        }
        NodeKind::PubSub(p) => {
            row(ui, "publish time", "Time to store one message before the publisher is acknowledged.", |ui| {
                dist(ui, "ps-svc", &mut p.service)
            });
            ui.label(egui::RichText::new("Every outgoing link is a subscriber and gets a copy.").weak().small());
        }
        NodeKind::Cdn(c) => {
            optional_limit(
                ui,
                "capacity",
                "Objects each edge holds (least recently used evicted).",
                &mut c.capacity,
                100_000,
            );
            if c.capacity.is_none() {
                row(ui, "hit ratio", "Share of requests the edge answers; misses go to the origin.", |ui| {
                    ui.add(slider(&mut c.hit_ratio, 0.0..=1.0));
                });
            } else {
                row(ui, "TTL", "How long a cached object stays valid.", |ui| {
                    let mut on = c.ttl_ms.is_some();
                    if ui.checkbox(&mut on, "expires").changed() {
                        c.ttl_ms = on.then_some(300_000.0);
                    }
                    if let Some(t) = &mut c.ttl_ms {
                        ui.add(drag(t).range(0.001..=3.6e9).speed(100.0).suffix(" ms"));
                    }
                });
                ui.checkbox(&mut c.coalesce, "coalesce misses")
                    .on_hover_text("Misses for an object already being fetched wait for that fetch.");
            }
            row(ui, "edge time", "Time for the edge to answer.", |ui| dist(ui, "cdn-svc", &mut c.service));
        }
        NodeKind::ObjectStorage(o) => {
            row(ui, "first byte", "Time before an object starts to stream.", |ui| dist(ui, "os-fb", &mut o.first_byte));
            row(ui, "throughput", "Per-connection transfer rate: size / rate is added to each request.", |ui| {
                ui.add(drag(&mut o.mbps).range(0.001..=1e6).speed(1.0).suffix(" Mb/s"));
            });
        }
        NodeKind::Stream(st) => {
            row(
                ui,
                "partitions",
                "Each key goes to one partition; each is consumed in order, one message at a time.",
                |ui| {
                    ui.add(drag(&mut st.partitions).range(1..=10_000));
                },
            );
            row(ui, "append time", "Time to store one message before the producer is acknowledged.", |ui| {
                dist(ui, "st-svc", &mut st.service)
            });
            row(ui, "retry after", "A failed delivery holds its partition and is tried again after this long.", |ui| {
                ui.add(drag(&mut st.retry_ms).range(0.001..=3.6e6).speed(10.0).suffix(" ms"));
            });
            ui.label(
                egui::RichText::new("Every outgoing link is a consumer group that reads every message.").weak().small(),
            );
        }
        NodeKind::Devices(d) => {
            row(ui, "users", "Recipients; a message goes to the user its key names.", |ui| {
                ui.add(drag(&mut d.users).range(1u64..=10_000_000_000u64).speed(100.0));
            });
            row(ui, "online", "Share of the time a phone is online.", |ui| {
                ui.add(slider(&mut d.online_share, 0.0..=1.0));
            });
            seconds(
                ui,
                "session",
                "Mean length of an online spell (offline spells follow from the share).",
                &mut d.mean_session_s,
                1e7,
            );
            row(ui, "ack time", "Time for a phone to take a message and acknowledge it.", |ui| {
                dist(ui, "dev-svc", &mut d.service)
            });
            row(ui, "open on push", "Share of push notifications that make an offline user open the app.", |ui| {
                ui.add(slider(&mut d.open_on_push, 0.0..=1.0));
            });
        }
        NodeKind::PushService(ps) => {
            row(ui, "accept time", "Time for the provider to accept a notification (the sender's wait).", |ui| {
                dist(ui, "push-accept", &mut ps.accept)
            });
            row(ui, "delivered", "Share of notifications that reach the phone (best effort).", |ui| {
                ui.add(slider(&mut ps.delivery_ratio, 0.0..=1.0));
            });
            ui.label(egui::RichText::new("Its link to the phones sets the delivery delay.").weak().small());
        }
        NodeKind::WebsocketGateway(w) => {
            row(ui, "connections", "Phones connected through this gateway.", |ui| {
                ui.add(drag(&mut w.connections).range(0..=1_000_000_000).speed(100.0));
            });
            row(ui, "max", "Most connections it can hold; phones beyond it cannot connect (offline).", |ui| {
                ui.add(drag(&mut w.max_connections).range(1..=1_000_000_000).speed(100.0));
            });
            workers(ui, "workers", "Messages pushed at the same time.", &mut w.workers);
            row(ui, "push time", "Time to push one message down its connection.", |ui| {
                dist(ui, "ws-svc", &mut w.service)
            });
            seconds(
                ui,
                "reconnect in",
                "After a crash, its phones reconnect within this window (\"connect\" requests).",
                &mut w.reconnect_s,
                3600.0,
            );
        }
        NodeKind::Inbox(i) => {
            row(ui, "store time", "Time to store a message before the sender is acknowledged.", |ui| {
                dist(ui, "inbox-svc", &mut i.service)
            });
            workers(ui, "deliveries", "Deliveries in progress at once.", &mut i.deliveries);
            row(ui, "retry after", "Failures other than an offline phone are retried after this long.", |ui| {
                ui.add(drag(&mut i.retry_ms).range(0.001..=3.6e6).speed(10.0).suffix(" ms"));
            });
            ui.label(egui::RichText::new("Offline phones get their messages when they come back; links carrying \"push\" get a notification.").weak().small());
        }
        NodeKind::Dns(d) => {
            seconds(ui, "TTL", "How long resolvers keep an answer before asking again.", &mut d.ttl_s, 1e7);
            row(ui, "resolvers", "Independent caching resolvers the users sit behind.", |ui| {
                ui.add(drag(&mut d.resolvers).range(1..=1_000_000));
            });
            row(ui, "lookup time", "Extra time for a request whose resolver has to ask.", |ui| {
                dist(ui, "dns-lookup", &mut d.lookup)
            });
            health_check(ui, &mut d.health_check);
        }
    }
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
    row(ui, "used by", "Share of requests that make this call (services and caches).", |ui| {
        ui.add(slider(&mut l.call_probability, 0.0..=1.0));
    });
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

pub fn kind_glyph(kind: &NodeKind) -> &'static str {
    match kind {
        NodeKind::Client(_) => "👥",
        NodeKind::LoadBalancer(_) => "⚖",
        NodeKind::Service(_) => "⚙",
        NodeKind::Cache(_) => "⚡",
        NodeKind::Database(_) => "🗄",
        NodeKind::Queue(_) => "📨",
        NodeKind::RateLimiter(_) => "⛔",
        NodeKind::Gateway(_) => "🛡",
        NodeKind::Serverless(_) => "λ",
        NodeKind::Autoscaling(_) => "📈",
        NodeKind::ShardedDatabase(_) => "⊞",
        NodeKind::ReplicatedDatabase(_) => "📚",
        NodeKind::PubSub(_) => "📢",
        NodeKind::Cdn(_) => "🌐",
        NodeKind::Dns(_) => "📖",
        NodeKind::ObjectStorage(_) => "📦",
        NodeKind::Stream(_) => "☰",
        NodeKind::Devices(_) => "📱",
        NodeKind::Inbox(_) => "✉",
        NodeKind::WebsocketGateway(_) => "🔌",
        NodeKind::PushService(_) => "🔔",
        NodeKind::QuorumStore(_) => "∴",
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
