//! Where each object already added sits in its list, found by kind, namespace and name
//! without keeping a copy of them: a hash of the three leads to the few objects that share it,
//! whose names the caller compares in the snapshot itself.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap as HashMap, FxHasher};

/// An object's kind and its index in that kind's list.
type Entry = (&'static str, u32);

#[derive(Default)]
pub struct Seen {
    by_hash: HashMap<u64, Slot>,
}

/// Nearly always one object a hash; the rest share a list.
enum Slot {
    One(Entry),
    Many(Box<[Entry]>),
}

fn hash(kind: &str, namespace: Option<&str>, name: &str) -> u64 {
    let mut hasher = FxHasher::default();
    (kind, namespace, name).hash(&mut hasher);
    hasher.finish()
}

impl Seen {
    pub fn reserve(&mut self, more: usize) {
        self.by_hash.reserve(more);
    }

    /// The index of the object of `kind` named `namespace`/`name`, if one was added;
    /// `is_named(i)` says whether the object at index `i` of that kind's list has that name.
    pub fn find(
        &self,
        kind: &'static str,
        namespace: Option<&str>,
        name: &str,
        is_named: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let matches = |&(k, i): &Entry| k == kind && is_named(i as usize);
        match self.by_hash.get(&hash(kind, namespace, name))? {
            Slot::One(entry) => matches(entry).then_some(entry.1 as usize),
            Slot::Many(entries) => entries.iter().find(|e| matches(e)).map(|e| e.1 as usize),
        }
    }

    /// Notes a new object; `find` said it was not there.
    pub fn add(&mut self, kind: &'static str, namespace: Option<&str>, name: &str, index: usize) {
        let entry = (kind, index as u32);
        match self.by_hash.entry(hash(kind, namespace, name)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Slot::One(entry));
            }
            std::collections::hash_map::Entry::Occupied(mut slot) => {
                let slot = slot.get_mut();
                let mut entries = match slot {
                    Slot::One(first) => vec![*first],
                    Slot::Many(entries) => entries.to_vec(),
                };
                entries.push(entry);
                *slot = Slot::Many(entries.into_boxed_slice());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_kind_namespace_and_name() {
        let objects = [
            ("PersistentVolumeClaim", Some("a"), "data"),
            ("PersistentVolumeClaim", Some("b"), "data"),
            ("PersistentVolume", None, "data"),
        ];
        let mut seen = Seen::default();
        for (i, (kind, ns, name)) in objects.iter().enumerate() {
            assert_eq!(seen.find(kind, *ns, name, |_| true), None);
            seen.add(kind, *ns, name, i);
        }
        for (i, (kind, ns, name)) in objects.iter().enumerate() {
            assert_eq!(seen.find(kind, *ns, name, |j| j == i), Some(i));
        }
        assert_eq!(seen.find("StorageClass", None, "data", |_| true), None);
    }

    #[test]
    fn objects_sharing_a_hash_are_told_apart_by_their_names() {
        // Force a shared slot: two entries under one hash, told apart by `is_named`.
        let mut seen = Seen::default();
        seen.add("PersistentVolume", None, "x", 0);
        let h = hash("PersistentVolume", None, "x");
        if let Some(Slot::One(first)) = seen.by_hash.get(&h) {
            let first = *first;
            seen.by_hash
                .insert(h, Slot::Many(Box::new([first, ("PersistentVolume", 1)])));
        }
        assert_eq!(
            seen.find("PersistentVolume", None, "x", |i| i == 1),
            Some(1)
        );
        assert_eq!(
            seen.find("PersistentVolume", None, "x", |i| i == 0),
            Some(0)
        );
        assert_eq!(seen.find("PersistentVolume", None, "x", |_| false), None);
    }
}
