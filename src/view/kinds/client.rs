//! Client nodes: their look on the canvas and in the palette, their
//! editors in the inspector, and their live numbers.

use bevy::prelude::*;
use bevy_egui::egui::{self, ComboBox, Ui};
use bevy_prototype_lyon::prelude::*;

use super::super::inspector::{drag, retry, row, slider};
use super::{KindView, Outline};
use crate::sim::model::*;

impl KindView for ClientSpec {
    const GLYPH: &str = "👥";
    const ACCENT: Color = Color::srgb(0.55, 0.75, 1.0);
    const SHORT_NAME: &str = "users";
    const GROUP: &str = "Users";
    const ABOUT: &str = "users sending requests (open or closed loop, polling)";
    // No worker limit: no utilisation ring, no queue bar.
    const GAUGES: bool = false;

    fn outline() -> Outline {
        ShapeBuilder::with(&shapes::Circle { radius: 38.0, center: Vec2::ZERO })
    }

    fn editors(&mut self, ui: &mut Ui, _types: &[String]) {
        let c = self;
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
        if c.retry.is_some() {
            let tip = "Requests carry their deadline: nodes drop queued work whose caller has given up.";
            row(ui, "deadline", tip, |ui| {
                ui.checkbox(&mut c.propagate_deadline, "propagate");
            });
        }
    }
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
