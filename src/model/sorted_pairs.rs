//! A handful of key/value pairs per object, read far more often than written, kept as one
//! sorted slice: a `BTreeMap` holding two pairs takes a 544-byte node, and a large dump has
//! hundreds of thousands of them. Labels own their keys; annotations borrow theirs from the
//! list of those the model keeps.

use std::borrow::Borrow;

/// Pairs sorted by key, each key once.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SortedPairs<K>(Box<[(K, String)]>);

impl<K: Borrow<str>> SortedPairs<K> {
    /// Pairs already sorted by key, each key once.
    pub fn from_sorted(pairs: Vec<(K, String)>) -> Self {
        debug_assert!(pairs.windows(2).all(|w| w[0].0.borrow() < w[1].0.borrow()));
        SortedPairs(pairs.into_boxed_slice())
    }

    pub fn pairs(&self) -> &[(K, String)] {
        &self.0
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets `key`, returning the value it replaces. Rare (tests, templates, a manifest applied
    /// over a live object): it copies the pairs.
    pub fn insert(&mut self, key: K, value: String) -> Option<String> {
        match self.position(key.borrow()) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                let mut pairs = std::mem::take(&mut self.0).into_vec();
                pairs.insert(i, (key, value));
                self.0 = pairs.into_boxed_slice();
                None
            }
        }
    }
}
