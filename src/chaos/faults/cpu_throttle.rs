//! Make a node's work take `factor` times longer.

use super::*;

/// Make a node's work take `factor` times longer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CpuThrottle {
    pub node: String,
    pub factor: f64,
}

impl FaultKind for CpuThrottle {
    const VERB: &str = "throttle";
    const USAGE: &str = "throttle NODE xK";

    fn label(&self) -> String {
        format!("throttle {} x{}", self.node, self.factor)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        node(t, "node", &self.node).and(positive("factor", self.factor, MAX_FACTOR))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::NodeSlow(t.node(&self.node)?, self.factor)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(CpuThrottle { node: a.target()?.into(), factor: a.num(2, &["x", "×"])? })
    }

    fn menu(aim: &Aim, s: &Strength) -> Option<MenuEntry<Self>> {
        let (id, _) = aim.server()?;
        let factor = s.factor;
        Some(MenuEntry::new(
            format!("CPU ×{factor}"),
            "Every request takes this many times longer",
            CpuThrottle { node: id.into(), factor },
        ))
    }
}
