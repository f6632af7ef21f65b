//! Lose this share of the messages crossing a link.

use super::*;

/// Lose this share of the messages crossing a link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketLoss {
    pub from: String,
    pub to: String,
    pub loss: f64,
}

impl FaultKind for PacketLoss {
    const VERB: &str = "loss";
    const USAGE: &str = "loss A->B N%";

    fn label(&self) -> String {
        format!("loss {}->{} {}%", self.from, self.to, self.loss * 100.0)
    }

    fn check(&self, t: &dyn Names) -> Result<(), Bad> {
        link(t, &self.from, &self.to).and(share("loss", self.loss))
    }

    fn effects(&self, t: &Targets) -> Result<Vec<Effect>, String> {
        Ok(vec![Effect::LinkLoss(t.link(&self.from, &self.to)?, self.loss)])
    }

    fn parse(a: &Args) -> Result<Self, String> {
        let (from, to) = a.ends()?;
        Ok(PacketLoss { from, to, loss: a.num(2, &["%"])? / 100.0 })
    }

    fn menu(aim: &Aim, s: &Strength) -> Option<MenuEntry<Self>> {
        let (from, to) = aim.link()?;
        Some(MenuEntry::new(
            format!("{:.0}% loss", s.share * 100.0),
            "Lose this share of messages",
            PacketLoss { from: from.into(), to: to.into(), loss: s.share },
        ))
    }
}
