//! Empty a cache: its hit ratio drops to zero and recovers over `warmup_s`.

use super::*;

/// Empty a cache: its hit ratio drops to zero and recovers over `warmup_s`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheFlush {
    pub node: String,
    pub warmup_s: f64,
}

impl FaultKind for CacheFlush {
    const VERB: &str = "flush";
    const USAGE: &str = "flush CACHE [warm Ns]";

    fn label(&self) -> String {
        format!("flush {} warm {}s", self.node, self.warmup_s)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        node(t, "node", &self.node).and(nonneg("warmup_s", self.warmup_s, MAX_SECONDS))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::CacheFlush(t.node(&self.node)?, secs_to_nanos(self.warmup_s))])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(CacheFlush { node: a.target()?.into(), warmup_s: a.opt("warm", 10.0)? })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let (id, kind) = aim.server()?;
        matches!(kind, NodeKind::Cache(_) | NodeKind::Cdn(_)).then(|| {
            MenuEntry::new("Flush", "Empty the cache; it warms back over 10 s", CacheFlush { node: id.into(), warmup_s: 10.0 })
        })
    }
}
