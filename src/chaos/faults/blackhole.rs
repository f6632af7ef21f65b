//! Drop everything on a link without telling anyone: only timeouts notice.

use super::*;

/// Drop everything on a link without telling anyone: only timeouts notice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blackhole {
    pub from: String,
    pub to: String,
}

impl FaultKind for Blackhole {
    const VERB: &str = "blackhole";
    const USAGE: &str = "blackhole A->B";

    fn label(&self) -> String {
        format!("blackhole {}->{}", self.from, self.to)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        link(t, &self.from, &self.to)
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::LinkBlackhole(t.link(&self.from, &self.to)?)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        let (from, to) = a.ends()?;
        Ok(Blackhole { from, to })
    }

    fn menu(aim: &Aim, _: &Strength) -> Option<MenuEntry<Self>> {
        let (from, to) = aim.link()?;
        Some(MenuEntry::new(
            "Blackhole",
            "Drop everything silently: only timeouts notice",
            Blackhole { from: from.into(), to: to.into() },
        ))
    }
}
