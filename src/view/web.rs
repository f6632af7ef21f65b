//! The app in a browser: how it starts (a share link in the address, or
//! the default scenario). This is the page's entry point, so it sits above
//! the rest of the view and starts it like the desktop's command line does.

#[cfg(target_arch = "wasm32")]
pub use page::start;

#[cfg(target_arch = "wasm32")]
mod page {
    use super::super::browser::mark;
    use super::super::{AppOptions, run_app};
    use crate::scenario::{Scenario, share};

    /// The page's entry point. `?report=SECONDS` simulates headless and
    /// writes the report's JSON into the page instead of opening the app
    /// (the cross-target determinism test compares it with the desktop's).
    pub fn start() {
        let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
        let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        let default = || crate::scenario::default_scenario().map(|s| (crate::scenario::DEFAULT_NAME.to_string(), s));
        let mut notice = None;
        let replay = if hash.contains(crate::replay::MARK) {
            match crate::replay::Replay::from_link(&hash) {
                Ok(r) => Some(r),
                Err(e) => {
                    notice = Some(format!("This replay link could not be opened. {e}"));
                    None
                }
            }
        } else {
            None
        };
        let from_link = share::is_link(&hash) || replay.is_some();
        let opened = if let Some(r) = &replay {
            Ok((share::SOURCE_NAME.to_string(), r.scenario.clone()))
        } else if share::is_link(&hash) {
            match share::decode(&hash) {
                Ok((s, _)) => Ok((share::SOURCE_NAME.to_string(), s)),
                Err(e) => {
                    notice = Some(format!("This link could not be opened. {e}"));
                    default()
                }
            }
        } else {
            default()
        };
        let (name, s) = match opened {
            Ok(x) => x,
            // Only a broken build gets here; say so on the page.
            Err(e) => return mark("data-status", &e.to_string()),
        };
        if let Some(seconds) = report_seconds(&search) {
            if let Some(r) = &replay {
                return report_replay(r, seconds, notice);
            }
            return report(&s, &name, seconds, notice);
        }
        if let Some(n) = &notice {
            mark("data-status", n);
        }
        let concept = query(&search, "concept").map(str::to_string);
        let level = query(&search, "level").map(str::to_string);
        let level_link = crate::learn::level::is_level_link(&hash).then(|| hash.clone());
        // `?embed` or `?embed=CHART`: the canvas, play controls and one chart.
        let embed = search
            .trim_start_matches('?')
            .split('&')
            .find(|kv| kv.split('=').next() == Some("embed"))
            .map(|kv| kv.split_once('=').map_or("", |(_, v)| v).to_string());
        if let Some(chart) = &embed {
            mark("data-embed", super::super::state::Embed::named(chart).name());
        }
        run_app(&s, AppOptions { notice, from_link, concept, level, level_link, replay, embed, ..Default::default() });
    }

    /// A `?key=value` of the page's address.
    fn query<'a>(search: &'a str, key: &str) -> Option<&'a str> {
        search.trim_start_matches('?').split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    }

    fn report_seconds(search: &str) -> Option<f64> {
        let v = query(search, "report")?;
        v.parse::<f64>().ok().filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
    }

    fn report(s: &Scenario, name: &str, seconds: f64, notice: Option<String>) {
        let r = crate::headless::run_scenario(s, name, s.seed, s.warmup_s, seconds);
        show_report(&r, notice);
    }

    /// A replay played to `seconds` (or its end), as `systemdecoder replay --to`.
    fn report_replay(r: &crate::replay::Replay, seconds: f64, notice: Option<String>) {
        let mut p = r.start();
        let to = crate::sim::time::secs_to_nanos(seconds).min(r.end_ns);
        if let Err(e) = r.advance(&mut p, to) {
            return mark("data-status", &e);
        }
        show_report(&crate::sim::report::Report::from_engine(&p.engine, &r.scenario.name, r.seed), notice);
    }

    fn show_report(r: &crate::sim::report::Report, notice: Option<String>) {
        let json = serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("cannot write JSON: {e}"));
        let doc = web_sys::window().and_then(|w| w.document());
        if let Some(pre) = doc.as_ref().and_then(|d| d.create_element("pre").ok()) {
            pre.set_id("report");
            pre.set_text_content(Some(&json));
            if let Some(body) = doc.as_ref().and_then(|d| d.body()) {
                let _ = body.append_child(&pre);
            }
        }
        if let Some(n) = notice {
            mark("data-status", &n);
        }
        mark("data-app", "report");
    }
}
