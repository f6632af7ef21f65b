//! Every node tagged with this zone crashes.

use super::*;

/// Every node tagged with this zone crashes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneOutage {
    pub zone: String,
}

impl FaultKind for ZoneOutage {
    const VERB: &str = "zone";
    const USAGE: &str = "zone NAME";

    fn label(&self) -> String {
        format!("zone {}", self.zone)
    }

    fn check(&self, _: &dyn Names) -> Result<(), Bad> {
        if self.zone.trim().is_empty() { Err(("zone", "a zone name is needed".into())) } else { Ok(()) }
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(t.engine.nodes_in_zone(&self.zone).into_iter().map(Effect::NodeDown).collect())
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(ZoneOutage { zone: a.target()?.into() })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        aim.server()?;
        let Aim::Node { zone: Some(zone), .. } = aim else { return None };
        Some(MenuEntry::new(format!("Zone {zone} outage"), "Crash every node in this zone", ZoneOutage { zone: zone.to_string() }))
    }
}
