//! A table filed by a 64-bit hash, with the few values whose hashes collide kept side by side:
//! its users (`seen`, `live_objects`) tell those apart by what the hash was made from, so the
//! table keeps no copy of it.

use rustc_hash::FxHashMap as HashMap;

pub struct ByHash<T> {
    slots: HashMap<u64, Slot<T>>,
}

/// Nearly always one value a hash; the rest share a list.
enum Slot<T> {
    One(T),
    Many(Box<[T]>),
}

impl<T> Default for ByHash<T> {
    fn default() -> Self {
        ByHash {
            slots: HashMap::default(),
        }
    }
}

impl<T> ByHash<T> {
    pub fn reserve(&mut self, more: usize) {
        self.slots.reserve(more);
    }

    /// Files `value` under `hash`, after any filed there before.
    pub fn add(&mut self, hash: u64, value: T) {
        use std::collections::hash_map::Entry;
        match self.slots.entry(hash) {
            Entry::Vacant(slot) => {
                slot.insert(Slot::One(value));
            }
            Entry::Occupied(slot) => {
                let slot = slot.into_mut();
                let mut values = match std::mem::replace(slot, Slot::Many(Box::new([]))) {
                    Slot::One(first) => vec![first],
                    Slot::Many(values) => values.into_vec(),
                };
                values.push(value);
                *slot = Slot::Many(values.into_boxed_slice());
            }
        }
    }

    /// The values filed under `hash`, in the order they were filed.
    pub fn under(&self, hash: u64) -> &[T] {
        match self.slots.get(&hash) {
            None => &[],
            Some(Slot::One(value)) => std::slice::from_ref(value),
            Some(Slot::Many(values)) => values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_sharing_a_hash_are_all_kept_in_order() {
        let mut table = ByHash::default();
        table.add(7, "a");
        assert_eq!(table.under(7), ["a"]);
        table.add(7, "b");
        table.add(7, "c");
        table.add(8, "d");
        assert_eq!(table.under(7), ["a", "b", "c"]);
        assert_eq!(table.under(8), ["d"]);
        assert!(table.under(9).is_empty());
    }
}
