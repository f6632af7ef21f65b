//! Per-key records that are only needed for a while (when a key was last
//! written, which requests a store applied): a map that, each time it has
//! doubled since it was last pruned, lets go of the entries its owner no
//! longer needs. Pruning is amortised: every insert stays O(1) on average.

use std::collections::HashMap;

/// Below this many entries a map is never pruned.
const PRUNE_FROM: usize = 50_000;

/// A key → value map pruned as it grows.
#[derive(Clone, Debug)]
pub struct Recent<V> {
    map: HashMap<u64, V>,
    /// Its size after the last pruning.
    pruned: usize,
}

impl<V> Default for Recent<V> {
    fn default() -> Self {
        Recent { map: HashMap::new(), pruned: 0 }
    }
}

impl<V: Copy> Recent<V> {
    /// Set `key`'s value, returning the one it replaces. When the map has
    /// doubled since it was last pruned, only the entries `keep` accepts
    /// stay.
    pub fn insert(&mut self, key: u64, value: V, mut keep: impl FnMut(&V) -> bool) -> Option<V> {
        let before = self.map.insert(key, value);
        if self.map.len() > 2 * self.pruned.max(PRUNE_FROM) {
            self.map.retain(|_, v| keep(v));
            self.pruned = self.map.len();
        }
        before
    }

    pub fn get(&self, key: u64) -> Option<V> {
        self.map.get(&key).copied()
    }

    pub fn values(&self) -> impl Iterator<Item = V> + '_ {
        self.map.values().copied()
    }

    pub fn clear(&mut self) {
        self.map.clear();
        self.pruned = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// It keeps what its owner needs and stays within twice that.
    #[test]
    fn old_entries_go_as_the_map_grows() {
        let mut r = Recent::default();
        for t in 0..1_000_000u64 {
            // Every key new; only the last 100 000 are needed.
            r.insert(t, t, |&w| t - w < 100_000);
            assert!(r.map.len() <= 200_001, "{} entries at {t}", r.map.len());
        }
        assert_eq!(r.get(999_999), Some(999_999));
        assert!(r.values().all(|w| w >= 1_000_000 - 200_001), "nothing long unneeded is left");
        r.clear();
        assert_eq!(r.get(999_999), None);
    }
}
