//! Writes to this store fail (`disk_full`); reads still work.

use super::*;

/// Writes to this store fail (`disk_full`); reads still work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiskFull {
    pub node: String,
}

impl FaultKind for DiskFull {
    const VERB: &str = "diskfull";
    const USAGE: &str = "diskfull NODE";

    fn label(&self) -> String {
        format!("diskfull {}", self.node)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        node(t, "node", &self.node)
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::DiskFull(t.node(&self.node)?)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(DiskFull { node: a.target()?.into() })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let (id, kind) = aim.server()?;
        let stores = matches!(
            kind,
            NodeKind::Database(_) | NodeKind::Queue(_) | NodeKind::ShardedDatabase(_) | NodeKind::ReplicatedDatabase(_)
        );
        stores.then(|| MenuEntry::new("Disk full", "Writes fail; reads still work", DiskFull { node: id.into() }))
    }
}
