//! Levels made in the app's editor, and level links that carry a level
//! whole (its rules and its canvas).

use super::*;

/// What marks a level link's payload in a URL.
pub const LINK_MARK: &str = "#l=";

/// Does this text carry a level (a level link)?
pub fn is_level_link(text: &str) -> bool {
    text.contains(LINK_MARK)
}

/// A level with its starting canvas: what a level link carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    pub level: Level,
    pub start: Scenario,
}

/// What the level editor asks: the goals and rules of a level made from a
/// design on the canvas.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub title: String,
    pub brief: String,
    pub budget_per_hour: f64,
    pub p99_ms: f64,
    pub error_rate: f64,
    /// Second star: a tighter p99; third star: a smaller bill.
    pub star_p99_ms: f64,
    pub star_cost: f64,
    pub warmup_s: f64,
    pub measure_s: f64,
    /// Nodes the player cannot change (clients always are).
    pub locked: Vec<String>,
    /// Nodes whose kind and parameters the player may add more of.
    pub templates: Vec<String>,
}

impl Draft {
    /// Sensible goals for `design`: its measured figures with some room.
    pub fn for_design(design: &Scenario, r: &Report) -> Draft {
        let p99 = if r.completed > 0 { r.latency_ms.p99 } else { 500.0 };
        let round = |v: f64, to: f64| ((v / to).ceil() * to).max(to);
        Draft {
            title: format!("{} challenge", design.name),
            brief: String::new(),
            budget_per_hour: round(r.cost.per_hour * 1.5, 0.05),
            p99_ms: round(p99 * 1.5, 10.0),
            error_rate: 0.01,
            star_p99_ms: round(p99 * 1.1, 10.0),
            star_cost: round(r.cost.per_hour, 0.05),
            warmup_s: design.warmup_s.clamp(0.0, 600.0),
            measure_s: design.duration_s.clamp(10.0, 600.0),
            locked: design.nodes.iter().filter(|n| n.kind.label() != "client").map(|n| n.id.clone()).collect(),
            templates: Vec::new(),
        }
    }

    /// The level: its canvas is `design` (chaos and monkey included).
    pub fn level(&self, design: &Scenario) -> Pack {
        let clients = design.nodes.iter().filter(|n| matches!(n.kind, crate::sim::model::NodeKind::Client(_)));
        let mut locked: Vec<String> = clients.map(|n| n.id.clone()).collect();
        locked.extend(self.locked.iter().filter(|id| !locked.contains(id)).cloned().collect::<Vec<_>>());
        let palette = design
            .nodes
            .iter()
            .filter(|n| self.templates.contains(&n.id))
            .map(|n| Template {
                name: n.id.clone(),
                kind: n.kind.clone(),
                edit: policy_of(n),
                at_most: BTreeMap::new(),
                zones: Vec::new(),
                fed_by: Vec::new(),
            })
            .collect();
        let check =
            |metric: Metric, at_most: f64, says: String| Check { metric, at_least: None, at_most: Some(at_most), says };
        let id: String = self
            .title
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let level = Level {
            version: 1,
            id: if id.is_empty() { "my-level".into() } else { id },
            chapter: 0,
            title: self.title.clone(),
            brief: self.brief.clone(),
            concepts: Vec::new(),
            locked,
            editable: Vec::new(),
            palette,
            links: LinkTemplate::default(),
            budget_per_hour: Some(self.budget_per_hour),
            chaos: design.chaos.clone(),
            monkey: design.monkey.clone(),
            warmup_s: self.warmup_s,
            measure_s: self.measure_s,
            seeds: vec![1, 2, 3],
            pass: Goal {
                checks: vec![
                    check(
                        Metric::LatencyP99Ms,
                        self.p99_ms,
                        format!("99 % of requests answered within {} ms", self.p99_ms),
                    ),
                    check(
                        Metric::ErrorRate,
                        self.error_rate,
                        format!("At most {} % of requests fail", self.error_rate * 100.0),
                    ),
                ],
                design: Vec::new(),
            },
            stars: vec![
                Goal {
                    checks: vec![check(
                        Metric::LatencyP99Ms,
                        self.star_p99_ms,
                        format!("99 % answered within {} ms", self.star_p99_ms),
                    )],
                    design: Vec::new(),
                },
                Goal {
                    checks: vec![check(
                        Metric::CostPerHour,
                        self.star_cost,
                        format!("The bill stays within ${} an hour", money(self.star_cost)),
                    )],
                    design: Vec::new(),
                },
            ],
            traps: Vec::new(),
            debrief: String::new(),
            hint: String::new(),
        };
        let mut start = design.clone();
        start.chaos.clear();
        start.monkey = None;
        Pack { level, start }
    }
}

/// The fields of a node a player may set when it is offered as a template:
/// everything but its times (the world's: service, read and write times,
/// cold starts, lags), which are distributions.
fn policy_of(n: &NodeSpec) -> Vec<String> {
    let dist = |v: &Value| serde_json::from_value::<Dist>(v.clone()).is_ok();
    // A time, or times by request type (`by_type`, empty or not).
    let is_time =
        |k: &str, v: &Value| dist(v) || (k == "by_type" && v.as_object().is_none_or(|m| m.values().all(dist)));
    node_fields(n)
        .into_iter()
        .filter(|(k, v)| k != "zone" && k != "price_per_hour" && !is_time(k, v))
        .map(|(k, _)| k)
        .collect()
}

impl Loaded {
    /// A level made in the app or opened from a link: its rules and its
    /// starting canvas, checked. Its texts stay in memory for the rest of
    /// the program (load it once).
    pub fn from_pack(pack: Pack) -> Result<Loaded, String> {
        pack.level.check()?;
        let shown = crate::sim::check::shown_line;
        pack.start.check().map_err(|e| format!("the level's canvas: {}: {}", shown(&e.path), shown(&e.message)))?;
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let start = leak(pack.start.to_ron());
        let level_text = leak(crate::scenario::ron_options().to_string(&pack.level).map_err(|e| e.to_string())?);
        let id = leak(pack.level.id.clone());
        let files: &'static [(&'static str, &'static str)] =
            Box::leak(vec![("level.ron", level_text), ("start.ron", start)].into_boxed_slice());
        let bundled = Box::leak(Box::new(Bundled { id, files }));
        Ok(Loaded { level: Box::leak(Box::new(pack.level)), bundled })
    }

    /// A level from a level link (`…#l=…`).
    pub fn from_link(text: &str) -> Result<Loaded, String> {
        let payload = text.split_once(LINK_MARK).map_or(text, |(_, p)| p);
        let payload = payload.split('&').next().unwrap_or("").trim();
        let ron = crate::scenario::share::unpack(payload, "level")?;
        let pack: Pack = parse_ron("level link", &ron).map_err(|e| e.to_string())?;
        Loaded::from_pack(pack)
    }

    /// A link that carries this level whole (rules and canvas), to `base`.
    pub fn link(&self, base: &str) -> Result<String, String> {
        let pack = Pack { level: self.level.clone(), start: self.start()? };
        let text = crate::scenario::ron_options().to_string(&pack).map_err(|e| e.to_string())?;
        let payload = crate::scenario::share::pack(&text);
        if payload.len() > crate::scenario::share::MAX_LINK_CHARS {
            return Err("this level is too large for a link".into());
        }
        let base = base.split('#').next().unwrap_or(base);
        let base = base.split('?').next().unwrap_or(base);
        let link = format!("{base}{LINK_MARK}{payload}");
        Loaded::from_link(&link).map_err(|e| format!("this level cannot travel as a link: {e}"))?;
        Ok(link)
    }
}
