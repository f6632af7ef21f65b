//! Cut these nodes off from all others: links crossing the cut blackhole.

use super::*;

/// Cut these nodes off from all others: links crossing the cut blackhole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partition {
    pub nodes: Vec<String>,
}

impl FaultKind for Partition {
    const VERB: &str = "partition";
    const USAGE: &str = "partition A,B,...";

    fn label(&self) -> String {
        format!("partition {}", self.nodes.join(","))
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        if self.nodes.is_empty() {
            return Err(("nodes", "a partition needs at least one node".into()));
        }
        self.nodes.iter().try_for_each(|n| node(t, "nodes", n))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        let inside: Vec<u32> = self.nodes.iter().map(|n| t.node(n)).collect::<Result<_, _>>()?;
        Ok(t.engine.links_crossing(&inside).into_iter().map(Effect::LinkBlackhole).collect())
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(Partition { nodes: a.target()?.split(',').map(String::from).collect() })
    }

    fn group(&self) -> Vec<String> {
        self.nodes.clone()
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let (id, _) = aim.server()?;
        let nodes = match aim {
            Aim::Node { zone: Some(_), zone_members, .. } if !zone_members.is_empty() => zone_members.to_vec(),
            _ => vec![id.to_string()],
        };
        Some(MenuEntry::new(
            "Partition",
            "Cut this node (its whole zone, if it has one) off from all others",
            Partition { nodes },
        ))
    }
}
