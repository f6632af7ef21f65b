//! Add delay (and uniform jitter) to a link, both directions.

use super::*;

/// Add delay (and uniform jitter) to a link, both directions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    pub from: String,
    pub to: String,
    pub add_ms: f64,
    /// Extra delay drawn from 0 to this (default none).
    #[serde(default)]
    pub jitter_ms: f64,
}

impl FaultKind for Latency {
    const VERB: &str = "latency";
    const USAGE: &str = "latency A->B +Nms";

    fn label(&self) -> String {
        format!("latency {}->{} +{}ms±{}ms", self.from, self.to, self.add_ms, self.jitter_ms)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        link(t, &self.from, &self.to)?;
        nonneg("add_ms", self.add_ms, MAX_ADDED_MS)?;
        nonneg("jitter_ms", self.jitter_ms, MAX_ADDED_MS)
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::LinkLatency(t.link(&self.from, &self.to)?, ms_to_nanos(self.add_ms), self.jitter_ms * 1e6)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        let (from, to) = a.ends()?;
        Ok(Latency { from, to, add_ms: a.num(2, &["+", "ms"])?, jitter_ms: 0.0 })
    }

    fn menu(aim: &Aim, s: &Strength) -> Option<MenuEntry<Self>> {
        let (from, to) = aim.link()?;
        let ms = s.add_ms;
        Some(MenuEntry::new(
            format!("+{ms:.0} ms"),
            "Add latency (and a fifth of it as jitter) each way",
            Latency { from: from.into(), to: to.into(), add_ms: ms, jitter_ms: ms / 5.0 },
        ))
    }
}
