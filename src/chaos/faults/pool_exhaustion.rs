//! `leaked` connections (workers) are held by a leak and unusable.

use super::*;

/// `leaked` connections (workers) are held by a leak and unusable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolExhaustion {
    pub node: String,
    pub leaked: u32,
}

impl FaultKind for PoolExhaustion {
    const VERB: &str = "exhaust";
    const USAGE: &str = "exhaust NODE N";

    fn label(&self) -> String {
        format!("exhaust {} {}", self.node, self.leaked)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        node(t, "node", &self.node)?;
        if self.leaked == 0 { Err(("leaked", "must be at least 1".into())) } else { Ok(()) }
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::PoolLeak(t.node(&self.node)?, self.leaked)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(PoolExhaustion { node: a.target()?.into(), leaked: a.num(2, &[])? as u32 })
    }
}
