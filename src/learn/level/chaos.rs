//! The level's faults aimed at the player's design: selectors such as
//! `@node:Service` resolved from the seed.

use super::*;

impl Level {
    /// The level's chaos with its selectors resolved on `design` for `seed`.
    pub fn resolve_chaos(&self, design: &Scenario, seed: u64) -> Result<Vec<ScheduledFault>, String> {
        self.chaos
            .iter()
            .map(|f| {
                let mut v = serde_json::to_value(&f.fault).map_err(|e| e.to_string())?;
                resolve_value(&mut v, design, seed)?;
                let fault: Fault = serde_json::from_value(v).map_err(|e| e.to_string())?;
                Ok(ScheduledFault { fault, ..f.clone() })
            })
            .collect()
    }
}

/// Replace selector strings in a fault's fields.
fn resolve_value(v: &mut Value, design: &Scenario, seed: u64) -> Result<(), String> {
    match v {
        Value::String(s) if s.starts_with('@') => *s = select(s, design, seed)?,
        Value::Array(a) => a.iter_mut().try_for_each(|x| resolve_value(x, design, seed))?,
        Value::Object(m) => m.values_mut().try_for_each(|x| resolve_value(x, design, seed))?,
        _ => {}
    }
    Ok(())
}

/// One selector: `@node:Kind[#n]` or `@pick:a|b[#n]`.
fn select(sel: &str, design: &Scenario, seed: u64) -> Result<String, String> {
    let (base, nth) = match sel.rsplit_once('#') {
        Some((b, n)) => (b, n.parse::<usize>().map_err(|_| format!("{sel}: #{n} is not a number"))?),
        None => (sel, 1),
    };
    let mut options: Vec<String> = if let Some(kind) = base.strip_prefix("@node:") {
        let mut ids: Vec<String> = design.nodes.iter().filter(|n| variant(n) == kind).map(|n| n.id.clone()).collect();
        ids.sort();
        ids
    } else if let Some(words) = base.strip_prefix("@pick:") {
        words.split('|').map(str::to_string).collect()
    } else {
        return Err(format!("{sel}: a selector is @node:KIND or @pick:A|B"));
    };
    // A permutation drawn from the seed and the selector: `#2` is another
    // pick from the same draw.
    let mut state = hash64(base.as_bytes(), 0) ^ seed;
    for i in (1..options.len()).rev() {
        state = splitmix64(&mut state);
        // The high bits, scaled: neighbouring seeds draw independently.
        options.swap(i, ((state >> 32) * (i as u64 + 1) >> 32) as usize);
    }
    options
        .get(nth.wrapping_sub(1))
        .cloned()
        .ok_or_else(|| format!("{sel}: the design has {} to choose from, not {nth}", options.len()))
}

/// SplitMix64: a well-mixed next number from a counter.
fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
