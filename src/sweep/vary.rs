//! One varied parameter: `NODE.FIELD=VALUES`, the field found in the node's
//! description, and the values it takes.

use serde_json::{Number, Value};

use crate::scenario::Scenario;

/// Most values one parameter may take.
pub const MAX_VALUES: usize = 10_000;

/// A parameter and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    /// As given: `app-1.workers`.
    pub name: String,
    pub node: String,
    /// The field's full path inside the node's description, e.g.
    /// `kind.Client.traffic.Poisson.rate`.
    pub path: Vec<String>,
    pub values: Vec<f64>,
}

impl Vary {
    /// Parse `NODE.FIELD=VALUES` against the scenario it will vary.
    /// VALUES: `A..B` (every whole number), `A..B:N` (N evenly spaced,
    /// ends included), `a,b,c`, or one number. FIELD may be shortened to
    /// any dotted part of the full path that names one number field.
    pub fn parse(text: &str, s: &Scenario) -> Result<Vary, String> {
        let (name, values) = text
            .split_once('=')
            .ok_or_else(|| format!("--vary \"{text}\": expected NODE.FIELD=VALUES, e.g. app-1.workers=2..16"))?;
        let name = name.trim();
        let (node, field) = split_node(name, s)?;
        let spec = s.nodes.iter().find(|n| n.id == node).expect("split_node found it");
        let tree = serde_json::to_value(spec).map_err(|e| format!("{name}: {e}"))?;
        let path = resolve(&tree, &field, name)?;
        let integer = leaf(&tree, &path).is_some_and(|v| v.is_u64() || v.is_i64());
        let mut values = parse_values(values.trim()).map_err(|e| format!("--vary {name}: {e}"))?;
        if integer {
            // A whole-number field takes whole numbers: round, keep each once.
            values = values.iter().map(|v| v.round()).collect();
            values.dedup();
        }
        Ok(Vary { name: name.to_string(), node, path, values })
    }

    /// The parameter's value in `s` (None: no such node, or an unset field).
    pub fn value(&self, s: &Scenario) -> Option<f64> {
        let spec = s.nodes.iter().find(|n| n.id == self.node)?;
        leaf(&serde_json::to_value(spec).ok()?, &self.path)?.as_f64()
    }

    /// Set the parameter to `x` in `s` (checked later, with the whole point).
    pub fn apply(&self, s: &mut Scenario, x: f64) -> Result<(), String> {
        let spec = s.nodes.iter_mut().find(|n| n.id == self.node).ok_or(format!("no node \"{}\"", self.node))?;
        self.apply_to_node(spec, x)
    }

    /// Set the parameter to `x` in the node's description (unchecked).
    pub fn apply_to_node(&self, spec: &mut crate::sim::model::NodeSpec, x: f64) -> Result<(), String> {
        let mut tree = serde_json::to_value(&*spec).map_err(|e| format!("{}: {e}", self.name))?;
        let slot = leaf_mut(&mut tree, &self.path).ok_or(format!("{}: the field is gone", self.name))?;
        *slot = number(x).ok_or(format!("{}={x}: not a finite number", self.name))?;
        *spec = serde_json::from_value(tree).map_err(|e| format!("{}={x}: {e}", self.name))?;
        Ok(())
    }
}

/// A field of a node that a sweep can vary.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The shortest name that finds it (`workers`, `traffic.rate`).
    pub name: String,
    /// Its value now (`None`: an unset optional field).
    pub value: Option<f64>,
    /// It takes whole numbers.
    pub integer: bool,
}

/// Every number field of a node, by the shortest name that finds it.
pub fn fields(spec: &crate::sim::model::NodeSpec) -> Vec<Field> {
    let Ok(tree) = serde_json::to_value(spec) else { return Vec::new() };
    let mut all = Vec::new();
    leaves(&tree, &mut Vec::new(), &mut all);
    all.iter()
        .filter_map(|path| {
            // Named parts, without variant names; the shortest tail of them
            // that finds this field alone.
            let named: Vec<&str> = path.iter().map(String::as_str).filter(|k| !is_variant(k) && *k != "kind").collect();
            let name = (1..=named.len()).rev().map(|k| named[named.len() - k..].join(".")).rfind(|n| {
                let want: Vec<&str> = n.split('.').collect();
                all.iter().filter(|p| fits(p, &want)).count() == 1
            })?;
            let v = leaf(&tree, path)?;
            Some(Field { name, value: v.as_f64(), integer: v.is_u64() || v.is_i64() })
        })
        .filter(|f| f.name != "pos" && !f.name.starts_with("pos."))
        .collect()
}

/// Split `NODE.FIELD` at the dot after a node id (ids may contain dots).
fn split_node(name: &str, s: &Scenario) -> Result<(String, String), String> {
    let mut best: Option<(&str, &str)> = None;
    for (i, _) in name.match_indices('.') {
        let (node, field) = (&name[..i], &name[i + 1..]);
        if s.nodes.iter().any(|n| n.id == node) && best.is_none_or(|(b, _)| node.len() > b.len()) {
            best = Some((node, field));
        }
    }
    match best {
        Some((node, field)) if !field.is_empty() => Ok((node.to_string(), field.to_string())),
        Some((node, _)) => Err(format!("--vary {name}: which field of \"{node}\"?")),
        None => {
            let ids: Vec<&str> = s.nodes.iter().map(|n| n.id.as_str()).collect();
            Err(format!("--vary {name}: no node with that id (nodes: {})", ids.join(", ")))
        }
    }
}

/// Every number field (or unset optional field) in the tree, by path.
fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                path.push(k.clone());
                leaves(child, path, out);
                path.pop();
            }
        }
        Value::Number(_) | Value::Null => out.push(path.clone()),
        _ => {}
    }
}

/// The one number field whose path contains `field`'s parts in order and
/// ends with its last part (a variant name after it may follow: `service`
/// names `service.Exp`).
fn resolve(tree: &Value, field: &str, name: &str) -> Result<Vec<String>, String> {
    let want: Vec<&str> = field.split('.').collect();
    let mut all = Vec::new();
    leaves(tree, &mut Vec::new(), &mut all);
    let matches: Vec<&Vec<String>> = all.iter().filter(|p| fits(p, &want)).collect();
    let show = |p: &Vec<String>| p.join(".");
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let fields: Vec<&str> =
                all.iter().filter_map(|p| p.iter().rev().find(|k| !is_variant(k))).map(String::as_str).collect();
            Err(format!("--vary {name}: no number field \"{field}\" there (fields: {})", fields.join(", ")))
        }
        many => Err(format!(
            "--vary {name}: \"{field}\" could be any of {}; say which",
            many.iter().map(|p| show(p)).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn fits(path: &[String], want: &[&str]) -> bool {
    // Variant names (capitalised) at the end may be left out.
    let mut end = path.len();
    while end > 0 && want.last() != Some(&path[end - 1].as_str()) && is_variant(&path[end - 1]) {
        end -= 1;
    }
    let path = &path[..end];
    if path.last().map(String::as_str) != want.last().copied() {
        return false;
    }
    let mut it = path.iter();
    want.iter().all(|w| it.any(|p| p == w))
}

fn is_variant(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn leaf<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn leaf_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, k| v.get_mut(k))
}

/// A JSON number: whole numbers as integers (they fit integer and float
/// fields alike).
fn number(x: f64) -> Option<Value> {
    if !x.is_finite() {
        return None;
    }
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        return Some(Value::Number(if x >= 0.0 { Number::from(x as u64) } else { Number::from(x as i64) }));
    }
    Number::from_f64(x).map(Value::Number)
}

/// `A..B`, `A..B:N`, `a,b,c` or `a`.
pub fn parse_values(text: &str) -> Result<Vec<f64>, String> {
    let num = |t: &str| -> Result<f64, String> {
        let x: f64 = t.trim().parse().map_err(|_| format!("\"{}\" is not a number", t.trim()))?;
        if x.is_finite() { Ok(x) } else { Err(format!("\"{}\" is not a finite number", t.trim())) }
    };
    let values = if let Some((a, rest)) = text.split_once("..") {
        let (b, n) = match rest.split_once(':') {
            Some((b, n)) => (b, Some(n)),
            None => (rest, None),
        };
        let (a, b) = (num(a)?, num(b)?);
        if b < a {
            return Err(format!("the range {a}..{b} runs backwards"));
        }
        match n {
            Some(n) => {
                let n: usize = n.trim().parse().map_err(|_| format!("\"{n}\" is not a count of points"))?;
                if n == 0 || n > MAX_VALUES {
                    return Err(format!("a range takes 1 to {MAX_VALUES} points, got {n}"));
                }
                if n == 1 { vec![a] } else { (0..n).map(|i| a + (b - a) * i as f64 / (n - 1) as f64).collect() }
            }
            None => {
                if a.fract() != 0.0 || b.fract() != 0.0 {
                    return Err(format!("{a}..{b}: give a count of points, e.g. {a}..{b}:10"));
                }
                if b - a >= MAX_VALUES as f64 {
                    return Err(format!("{a}..{b} is more than {MAX_VALUES} values; give a count, e.g. {a}..{b}:10"));
                }
                (0..=(b - a) as usize).map(|i| a + i as f64).collect()
            }
        }
    } else {
        text.split(',').map(num).collect::<Result<Vec<_>, _>>()?
    };
    if values.is_empty() || values.len() > MAX_VALUES {
        return Err(format!("1 to {MAX_VALUES} values, got {}", values.len()));
    }
    Ok(values)
}
