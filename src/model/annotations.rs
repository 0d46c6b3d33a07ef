//! Annotation keys the PV controller, scheduler and admission read and write.

use super::sorted_pairs::SortedPairs;

pub const BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
pub const BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
pub const PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";
/// Set by the PV controller on volumes of an in-tree plugin handed to a CSI driver.
pub const MIGRATED_TO: &str = "pv.kubernetes.io/migrated-to";
pub const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
pub const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";
pub const IS_DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
pub const BETA_IS_DEFAULT_CLASS: &str = "storageclass.beta.kubernetes.io/is-default-class";
/// Our own: `kubectl-storage.io/ignore: rule-a,rule-b` silences those rules for one object.
pub const IGNORE_RULES: &str = "kubectl-storage.io/ignore";
/// Helm's `keep`: `helm uninstall` (and upgrades that drop the object) leave it in place.
pub const HELM_RESOURCE_POLICY: &str = "helm.sh/resource-policy";
/// Set on the VolumeSnapshotClass a snapshot of its driver gets when it names none.
pub const SNAPSHOT_IS_DEFAULT_CLASS: &str = "snapshot.storage.kubernetes.io/is-default-class";
/// Set by the PV controller on a claim it hands to a provisioner.
pub const STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
pub const BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";

/// The annotations the model keeps: every one something reads. The others (a dump's
/// `last-applied-configuration`, tools' notes) would cost memory per object and change
/// nothing, so they are dropped when an object is read.
pub const KEPT: &[&str] = &[
    BIND_COMPLETED,
    BOUND_BY_CONTROLLER,
    PROVISIONED_BY,
    MIGRATED_TO,
    SELECTED_NODE,
    BETA_STORAGE_CLASS,
    IS_DEFAULT_CLASS,
    BETA_IS_DEFAULT_CLASS,
    IGNORE_RULES,
    HELM_RESOURCE_POLICY,
    SNAPSHOT_IS_DEFAULT_CLASS,
    STORAGE_PROVISIONER,
    BETA_STORAGE_PROVISIONER,
];

/// An object's annotations among [`KEPT`], sorted by key.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Annotations(SortedPairs<&'static str>);

impl Annotations {
    fn kept(key: &str) -> Option<&'static str> {
        KEPT.iter().copied().find(|k| *k == key)
    }

    /// Trips in tests when code reads an annotation the model drops.
    fn check_kept(key: &str) {
        debug_assert!(
            Annotations::kept(key).is_some(),
            "annotation {key} is read but not kept: add it to KEPT"
        );
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        Annotations::check_kept(key);
        self.0.get(key).map(String::as_str)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        Annotations::check_kept(key);
        self.0.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets `key` if it is kept.
    pub fn insert(&mut self, key: &str, value: String) {
        if let Some(key) = Annotations::kept(key) {
            self.0.insert(key, value);
        }
    }
}

impl FromIterator<(String, String)> for Annotations {
    /// Keeps the pairs whose key is among [`KEPT`]; a key given twice keeps its last value.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Annotations {
        let mut kept: Vec<(&'static str, String)> = Vec::new();
        for (key, value) in pairs {
            let Some(key) = Annotations::kept(&key) else {
                continue;
            };
            match kept.iter_mut().find(|(k, _)| *k == key) {
                Some(pair) => pair.1 = value,
                None => kept.push((key, value)),
            }
        }
        kept.sort_unstable_by_key(|(k, _)| *k);
        Annotations(SortedPairs::from_sorted(kept))
    }
}

impl From<std::collections::BTreeMap<String, String>> for Annotations {
    fn from(map: std::collections::BTreeMap<String, String>) -> Annotations {
        map.into_iter().collect()
    }
}

impl std::fmt::Debug for Annotations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.pairs().iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_annotations_something_reads() {
        let annotations: Annotations = [
            ("kubectl.kubernetes.io/last-applied-configuration", "{…}"),
            (HELM_RESOURCE_POLICY, "delete"),
            (BIND_COMPLETED, "yes"),
            (HELM_RESOURCE_POLICY, "keep"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(annotations.len(), 2);
        assert_eq!(annotations.get(HELM_RESOURCE_POLICY), Some("keep"));
        assert!(annotations.contains_key(BIND_COMPLETED));
        let mut annotations = annotations;
        annotations.insert(SELECTED_NODE, "node-a".to_owned());
        annotations.insert("example.com/note", "x".to_owned());
        assert_eq!(
            format!("{annotations:?}"),
            r#"{"helm.sh/resource-policy": "keep", "pv.kubernetes.io/bind-completed": "yes", "volume.kubernetes.io/selected-node": "node-a"}"#
        );
    }
}
