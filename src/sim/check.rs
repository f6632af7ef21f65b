//! Checking parameters: each value against its allowed range, with the path
//! of the field that is wrong (`nodes[2].kind.workers`), so a scenario file's
//! error can name its line and column. Node kinds check their own fields
//! with these helpers.

use super::dist::Dist;
use super::model::{HealthCheck, RetryPolicy};

/// One step of a path into a document.
#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    Field(String),
    Index(usize),
}

/// The path of the offending field and what is wrong with it.
pub type Fail = (Vec<Seg>, String);

/// The most requests a second one client may send.
pub const MAX_RATE: f64 = 1e8;
/// The most of anything countable (workers, queue places, users).
pub const MAX_COUNT: u32 = 10_000_000;
/// Closed-loop and long-polling users are simulated one by one (each holds
/// a pending event and a request): at most this many.
pub const MAX_USERS: u32 = 1_000_000;

/// Walks a document, remembering where it is.
#[derive(Default)]
pub struct Checker {
    pub path: Vec<Seg>,
}

impl Checker {
    pub fn at<T>(&mut self, seg: Seg, f: impl FnOnce(&mut Self) -> Result<T, Fail>) -> Result<T, Fail> {
        self.path.push(seg);
        let r = f(self);
        self.path.pop();
        r
    }
    pub fn field<T>(&mut self, name: &str, f: impl FnOnce(&mut Self) -> Result<T, Fail>) -> Result<T, Fail> {
        self.at(Seg::Field(name.into()), f)
    }
    pub fn fail<T>(&self, msg: impl Into<String>) -> Result<T, Fail> {
        Err((self.path.clone(), msg.into()))
    }
    pub fn number(&mut self, name: &str, v: f64, min: f64, max: f64) -> Result<(), Fail> {
        self.field(name, |c| {
            if !v.is_finite() {
                c.fail(format!("must be a finite number, got {v}"))
            } else if v < min {
                c.fail(format!("must be at least {min}, got {v}"))
            } else if v > max {
                c.fail(format!("must be at most {max}, got {v}"))
            } else {
                Ok(())
            }
        })
    }
    pub fn count(&mut self, name: &str, v: u32, min: u32, max: u32) -> Result<(), Fail> {
        self.field(name, |c| {
            if v < min || v > max { c.fail(format!("must be between {min} and {max}, got {v}")) } else { Ok(()) }
        })
    }
    pub fn dist(&mut self, name: &str, d: &Dist) -> Result<(), Fail> {
        self.field(name, |c| d.check().or_else(|e| c.fail(e)))
    }
    pub fn probability(&mut self, name: &str, v: f64) -> Result<(), Fail> {
        self.number(name, v, 0.0, 1.0)
    }
    pub fn retry(&mut self, r: &Option<RetryPolicy>) -> Result<(), Fail> {
        let Some(r) = r else { return Ok(()) };
        self.field("retry", |c| {
            c.number("timeout_ms", r.timeout_ms, 0.001, 3.6e6)?;
            c.count("max_retries", r.max_retries, 0, 100)?;
            c.number("backoff_ms", r.backoff_ms, 0.0, 3.6e6)?;
            c.number("max_backoff_ms", r.max_backoff_ms, 0.0, 3.6e6)?;
            c.probability("jitter", r.jitter)?;
            if let Some(b) = r.budget {
                c.number("budget", b, 0.001, 10.0)?;
            }
            Ok(())
        })
    }
}

/// A load balancer's or DNS's health checks.
pub fn health_check(c: &mut Checker, hc: &Option<HealthCheck>) -> Result<(), Fail> {
    let Some(hc) = hc else { return Ok(()) };
    c.field("health_check", |c| {
        c.number("interval_ms", hc.interval_ms, 1.0, 3.6e6)?;
        c.count("unhealthy_after", hc.unhealthy_after, 1, 1000)?;
        c.count("healthy_after", hc.healthy_after, 1, 1000)
    })
}

/// Request type names: short and printable.
pub fn type_name(c: &mut Checker, name: &str) -> Result<(), Fail> {
    if name.trim().is_empty() || name.len() > 40 || !printable(name) {
        return c.fail(format!(
            "\"{}\" is not a usable request type name (1 to 40 printable characters)",
            name.escape_debug()
        ));
    }
    Ok(())
}

/// No control characters (escape sequences, bells, line breaks) and no
/// bidirectional overrides: text that prints as what it says.
pub fn printable(text: &str) -> bool {
    !text.chars().any(unprintable)
}

/// A character that changes how a terminal or a page shows what follows.
pub fn unprintable(ch: char) -> bool {
    ch.is_control()
        || matches!(ch, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text to show or print: unprintable characters written as escapes
/// (`\u{1b}`), line breaks and tabs kept.
pub fn shown(text: &str) -> String {
    escaped(text, |ch| ch == '\n' || ch == '\t')
}

/// One line to show or print (an error message): every unprintable
/// character escaped, line breaks too.
pub fn shown_line(text: &str) -> String {
    escaped(text, |_| false)
}

fn escaped(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if unprintable(ch) && !keep(ch) {
            out.extend(ch.escape_unicode());
        } else {
            out.push(ch);
        }
    }
    out
}
