//! Labels: an object's pairs, read as a `BTreeMap` reads, held as sorted pairs
//! ([`SortedPairs`]).

use std::collections::BTreeMap;
use std::fmt;

use super::sorted_pairs::SortedPairs;

/// Pairs sorted by key, each key once; reads like the `BTreeMap` it replaces.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Labels(SortedPairs<String>);

impl Labels {
    pub fn new() -> Labels {
        Labels::default()
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.0.get(key)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&String, &String)> + ExactSizeIterator {
        self.0.pairs().iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.0.pairs().iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.0.pairs().iter().map(|(_, v)| v)
    }

    /// Sets `key`, returning the value it replaces. Rare (tests, templates): it copies the
    /// pairs.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        self.0.insert(key, value)
    }
}

impl From<BTreeMap<String, String>> for Labels {
    fn from(map: BTreeMap<String, String>) -> Labels {
        Labels(SortedPairs::from_sorted(map.into_iter().collect()))
    }
}

impl FromIterator<(String, String)> for Labels {
    /// A key given twice keeps its last value, as in a map.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Labels {
        Labels::from(pairs.into_iter().collect::<BTreeMap<_, _>>())
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.pairs().iter().map(|(k, v)| (k, v))
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_as_a_map_does() {
        let pairs = [("b", "2"), ("a", "1"), ("b", "3")];
        let labels: Labels = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(format!("{labels:?}"), format!("{map:?}"));
        assert_eq!(labels.get("b").map(String::as_str), Some("3"));
        assert!(labels.contains_key("a") && !labels.contains_key("c"));
        let mut labels = labels;
        assert_eq!(labels.insert("c".into(), "4".into()), None);
        assert_eq!(labels.insert("a".into(), "5".into()).as_deref(), Some("1"));
        let keys: Vec<&String> = labels.keys().collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(labels.len(), 3);
    }
}
