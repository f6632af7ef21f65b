//! Every node tagged with this zone crashes, and every member of a
//! replicated database placed in it.

use super::*;

/// Every node tagged with this zone crashes. A replicated database whose
/// members have zones of their own loses only the members in this one: its
/// primary fails over to a replica elsewhere, its replicas stop serving.
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
        let mut effects: Vec<Effect> = t.engine.nodes_in_zone(&self.zone).into_iter().map(Effect::NodeDown).collect();
        for (n, primary, replicas) in t.engine.members_in_zone(&self.zone) {
            if primary {
                effects.push(Effect::LeaderFailover(n));
            }
            if replicas > 0 {
                effects.push(Effect::ReplicasDown(n, replicas));
            }
        }
        Ok(effects)
    }

    fn parse(a: &Args) -> Result<Self, String> {
        Ok(ZoneOutage { zone: a.target()?.into() })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let (_, kind) = aim.server()?;
        if let Aim::Node { zone: Some(zone), .. } = aim {
            let what = "Crash every node in this zone";
            return Some(MenuEntry::new(format!("Zone {zone} outage"), what, ZoneOutage { zone: zone.to_string() }));
        }
        // A database whose members have zones: the primary's zone.
        let NodeKind::ReplicatedDatabase(d) = kind else { return None };
        let zone = d.zones.first()?;
        let what = "Crash every node and database member in the primary's zone";
        Some(MenuEntry::new(format!("Zone {zone} outage (the primary's)"), what, ZoneOutage { zone: zone.to_string() }))
    }
}
