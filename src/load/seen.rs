//! Where each object already added sits in its list, found by kind, namespace and name
//! without keeping a copy of them: a hash of the three leads to the few objects that share it,
//! whose names the caller compares in the snapshot itself.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

use super::by_hash::ByHash;

/// An object's kind and its index in that kind's list.
type Entry = (&'static str, u32);

#[derive(Default)]
pub struct Seen {
    by_hash: ByHash<Entry>,
}

/// An object's kind and the hash of its kind, namespace and name: worked out once, for the
/// look-up and, when the object is new, for adding it.
#[derive(Clone, Copy)]
pub struct Key {
    kind: &'static str,
    hash: u64,
}

impl Key {
    pub fn new(kind: &'static str, namespace: Option<&str>, name: &str) -> Key {
        let mut hasher = FxHasher::default();
        (kind, namespace, name).hash(&mut hasher);
        Key {
            kind,
            hash: hasher.finish(),
        }
    }

    pub fn of(key: &crate::model::ObjectKey) -> Key {
        Key::new(key.kind, key.namespace.as_deref(), &key.name)
    }

    /// The hash alone, for other tables filed the same way (`live_objects`).
    pub fn hash(self) -> u64 {
        self.hash
    }
}

impl Seen {
    pub fn reserve(&mut self, more: usize) {
        self.by_hash.reserve(more);
    }

    /// The index of the object `key` was made for, if one was added; `is_named(i)` says
    /// whether the object at index `i` of that kind's list has the key's namespace and name.
    pub fn find(&self, key: Key, is_named: impl Fn(usize) -> bool) -> Option<usize> {
        self.by_hash
            .under(key.hash)
            .iter()
            .find(|&&(k, i)| k == key.kind && is_named(i as usize))
            .map(|e| e.1 as usize)
    }

    /// Notes a new object; `find` said it was not there.
    pub fn add(&mut self, key: Key, index: usize) {
        self.by_hash.add(key.hash, (key.kind, index as u32));
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
            let key = Key::new(kind, *ns, name);
            assert_eq!(seen.find(key, |_| true), None);
            seen.add(key, i);
        }
        for (i, (kind, ns, name)) in objects.iter().enumerate() {
            assert_eq!(seen.find(Key::new(kind, *ns, name), |j| j == i), Some(i));
        }
        let class = Key::new("StorageClass", None, "data");
        assert_eq!(seen.find(class, |_| true), None);
    }

    #[test]
    fn objects_sharing_a_hash_are_told_apart_by_their_names() {
        // Two entries under one hash, as two objects whose hashes collide would be: `add`
        // keeps both, and `is_named` tells them apart.
        let key = Key::new("PersistentVolume", None, "x");
        let mut seen = Seen::default();
        seen.add(key, 0);
        seen.add(key, 1);
        assert_eq!(seen.by_hash.under(key.hash).len(), 2);
        assert_eq!(seen.find(key, |i| i == 1), Some(1));
        assert_eq!(seen.find(key, |i| i == 0), Some(0));
        assert_eq!(seen.find(key, |_| false), None);
    }
}
