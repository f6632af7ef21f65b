//! Freeze a node (like SIGSTOP or a long GC pause): nothing progresses,

use super::*;

/// Freeze a node (like SIGSTOP or a long GC pause): nothing progresses,
/// arrivals queue up, and everything resumes where it stopped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pause {
    pub node: String,
}

impl FaultKind for Pause {
    const VERB: &str = "pause";
    const USAGE: &str = "pause";

    fn label(&self) -> String {
        format!("pause {}", self.node)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        node(t, "node", &self.node)
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::NodePause(t.node(&self.node)?)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(Pause { node: a.target()?.into() })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let (id, _) = aim.server()?;
        Some(MenuEntry::new("Pause", "Freeze: nothing progresses until healed, then it resumes", Pause { node: id.into() }))
    }
}
