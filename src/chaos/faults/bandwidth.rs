//! Cap a link's bandwidth (Mbit/s, each direction).

use super::*;

/// Cap a link's bandwidth (Mbit/s, each direction).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bandwidth {
    pub from: String,
    pub to: String,
    pub mbps: f64,
}

impl FaultKind for Bandwidth {
    const VERB: &str = "bandwidth";
    const USAGE: &str = "bandwidth A->B NMbps";

    fn label(&self) -> String {
        format!("bandwidth {}->{} {}Mbps", self.from, self.to, self.mbps)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        link(t, &self.from, &self.to).and(within("mbps", self.mbps, 0.001, 1e6))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::LinkBandwidth(t.link(&self.from, &self.to)?, self.mbps)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        let (from, to) = a.ends()?;
        Ok(Bandwidth { from, to, mbps: a.num(2, &["Mbps", "mbps"])? })
    }

    fn menu(aim: &Aim, s: &Strength) -> Option<MenuEntry<Self>> {
        let (from, to) = aim.link()?;
        Some(MenuEntry::new(
            format!("{} Mbps", s.mbps),
            "Cap the bandwidth: messages queue for the wire",
            Bandwidth { from: from.into(), to: to.into(), mbps: s.mbps },
        ))
    }
}
