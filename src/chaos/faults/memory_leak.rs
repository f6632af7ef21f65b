//! A memory leak: work gets slower (up to 5×) until the node crashes

use super::*;

/// A memory leak: work gets slower (up to 5×) until the node crashes
/// after `crash_after_s`, and stays down until healed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryLeak {
    pub node: String,
    pub crash_after_s: f64,
}

impl FaultKind for MemoryLeak {
    const VERB: &str = "leak";
    const USAGE: &str = "leak NODE [crash Ns]";

    fn label(&self) -> String {
        format!("leak {} crash {}s", self.node, self.crash_after_s)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        node(t, "node", &self.node).and(positive("crash_after_s", self.crash_after_s, MAX_SECONDS))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::MemoryLeak(t.node(&self.node)?, secs_to_nanos(self.crash_after_s).max(1))])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(MemoryLeak { node: a.target()?.into(), crash_after_s: a.opt("crash", 60.0)? })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let (id, _) = aim.server()?;
        Some(MenuEntry::new(
            "Memory leak",
            "Slower and slower, crashes after 30 s",
            MemoryLeak { node: id.into(), crash_after_s: 30.0 },
        ))
    }
}
