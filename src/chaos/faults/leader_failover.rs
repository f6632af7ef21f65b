//! A replicated database's primary dies: writes fail until a replica is

use super::*;

/// A replicated database's primary dies: writes fail until a replica is
/// promoted (its `failover_s`); writes not yet replicated are lost. The
/// old primary rejoins as a replica when the fault ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaderFailover {
    pub node: String,
}

impl FaultKind for LeaderFailover {
    const VERB: &str = "failover";
    const USAGE: &str = "failover DB";

    fn label(&self) -> String {
        format!("failover {}", self.node)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        replicated(t, &self.node)
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::LeaderFailover(t.node(&self.node)?)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(LeaderFailover { node: a.target()?.into() })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let (id, kind) = aim.server()?;
        matches!(kind, NodeKind::ReplicatedDatabase(_)).then(|| {
            MenuEntry::new(
                "Failover",
                "The primary dies: writes fail until a replica is promoted",
                LeaderFailover { node: id.into() },
            )
        })
    }
}
