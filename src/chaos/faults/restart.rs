//! Crash and restart at once; the fresh process is 3× slower, warming

use super::*;

/// Crash and restart at once; the fresh process is 3× slower, warming
/// back to normal over `warmup_s` (cold caches, JIT, connection setup).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restart {
    pub node: String,
    pub warmup_s: f64,
}

impl FaultKind for Restart {
    const VERB: &str = "restart";
    const USAGE: &str = "restart NODE [warm Ns]";

    fn label(&self) -> String {
        format!("restart {} warm {}s", self.node, self.warmup_s)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        node(t, "node", &self.node).and(nonneg("warmup_s", self.warmup_s, MAX_SECONDS))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::Restart(t.node(&self.node)?, secs_to_nanos(self.warmup_s))])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(Restart { node: a.target()?.into(), warmup_s: a.opt("warm", 10.0)? })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let (id, _) = aim.server()?;
        Some(MenuEntry::new(
            "Restart",
            "Crash and restart; 3× slower until warm (10 s)",
            Restart { node: id.into(), warmup_s: 10.0 },
        ))
    }
}
