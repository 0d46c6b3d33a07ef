//! Objects the cluster has, for manifests applied over them: where each is written in a dump,
//! or, for one read from a cluster, its immutable fields.
//!
//! They are filed by a hash of kind, namespace and name (the one `seen` uses), not by a copy of
//! the names: a dump of 100,000 objects is seldom followed by a manifest, and an owned key per
//! object was most of what keeping them cost. The few objects sharing a hash are told apart
//! when a manifest asks for one, by reading the written object again.

use super::by_hash::ByHash;
use crate::load::source::ObjectSource;
use crate::model::ObjectKey;

/// An object the cluster has, kept small until a manifest is applied over it.
pub enum LiveObject {
    /// Written in an input file (a dump): read again from there.
    Written(ObjectSource),
    /// Read from a cluster: its key and immutable fields, as JSON text.
    Read(ObjectKey, Box<str>),
}

/// The objects are kept in a list and filed by their index in it: a hash table's slots are
/// spread over its whole memory and it holds about twice the slots it fills, so slots the
/// size of an object made it four times the list's size.
#[derive(Default)]
pub struct LiveObjects {
    objects: Vec<LiveObject>,
    by_hash: ByHash<u32>,
}

impl LiveObjects {
    pub fn reserve(&mut self, more: usize) {
        self.objects.reserve(more);
        self.by_hash.reserve(more);
    }

    /// Files an object under the hash of its key; a later one with the same key is found
    /// first.
    pub fn add(&mut self, hash: u64, object: LiveObject) {
        let index = self.objects.len() as u32;
        self.objects.push(object);
        self.by_hash.add(hash, index);
    }

    /// The objects filed under `hash`, the latest first: the caller keeps the first that has
    /// the key it asks for.
    pub fn under(&self, hash: u64) -> impl Iterator<Item = &LiveObject> {
        self.by_hash
            .under(hash)
            .iter()
            .rev()
            .map(|&i| &self.objects[i as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str) -> LiveObject {
        LiveObject::Read(ObjectKey::new("StorageClass", None, name), "{}".into())
    }

    fn names<'a>(objects: impl Iterator<Item = &'a LiveObject>) -> Vec<&'a str> {
        objects
            .map(|o| match o {
                LiveObject::Read(key, _) => key.name.as_str(),
                LiveObject::Written(_) => "written",
            })
            .collect()
    }

    #[test]
    fn objects_sharing_a_hash_are_all_kept_latest_first() {
        let mut live = LiveObjects::default();
        live.add(7, read("a"));
        assert_eq!(names(live.under(7)), ["a"]);
        live.add(7, read("b"));
        live.add(7, read("c"));
        assert_eq!(names(live.under(7)), ["c", "b", "a"]);
        assert!(names(live.under(8)).is_empty());
    }
}
