//! Crash a node: its queued and in-progress work fails, arrivals are

use super::*;

/// Crash a node: its queued and in-progress work fails, arrivals are
/// refused (`node_down`) until it is healed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kill {
    pub node: String,
}

impl FaultKind for Kill {
    const VERB: &str = "kill";
    const USAGE: &str = "kill";

    fn label(&self) -> String {
        format!("kill {}", self.node)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        node(t, "node", &self.node)
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::NodeDown(t.node(&self.node)?)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(Kill { node: a.target()?.into() })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let (id, _) = aim.server()?;
        Some(MenuEntry::new("Kill", "Crash: work there fails, arrivals are refused", Kill { node: id.into() }))
    }
}
