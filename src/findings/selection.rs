//! Which findings the user wants: rules switched off with `--disable` (and back on with
//! `--enable`), and per-object suppression by the annotation
//! `kubectl-storage.io/ignore: rule-a,rule-b`.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::Config;

use crate::model::annotations::IGNORE_RULES;
use crate::model::{Meta, ObjectKey, Snapshot};
use crate::rules::ids;

use super::{Finding, Severity};

#[derive(Clone, Debug, Default)]
pub struct Selection {
    disabled: HashSet<String>,
    /// Severities that replace rules' defaults (from the config file).
    severities: BTreeMap<String, Severity>,
}

impl Selection {
    /// Every rule on.
    pub fn all() -> Selection {
        Selection::default()
    }

    /// `--disable` switches rules off; `--enable` switches them on again (it wins, so that a
    /// rule disabled elsewhere can be brought back for one run). Unknown ids are an error.
    pub fn new(disable: &[String], enable: &[String]) -> Result<Selection, String> {
        for id in disable.iter().chain(enable) {
            if !ids::ALL.contains(&id.as_str()) {
                return Err(format!(
                    "no rule {id:?}; `kubectl storage rules` lists them"
                ));
            }
        }
        let disabled = disable
            .iter()
            .filter(|id| !enable.contains(id))
            .cloned()
            .collect();
        Ok(Selection {
            disabled,
            severities: BTreeMap::new(),
        })
    }

    /// The config file's settings under the command line's: its disabled rules join
    /// `--disable`, `--enable` wins over both, and its severities replace rules' defaults.
    pub fn with_config(
        config: &Config,
        disable: &[String],
        enable: &[String],
    ) -> Result<Selection, String> {
        let all: Vec<String> = config.disable.iter().chain(disable).cloned().collect();
        let mut selection = Selection::new(&all, enable)?;
        selection.severities = config.severities();
        Ok(selection)
    }

    /// Drops findings of disabled rules and findings an object's annotation ignores, and
    /// applies severity overrides.
    pub fn apply(&self, findings: Vec<Finding>, snapshot: &Snapshot) -> Vec<Finding> {
        let ignored = ignored_by_annotation(snapshot);
        findings
            .into_iter()
            .filter(|f| !self.disabled.contains(f.rule))
            .filter(|f| {
                ignored.is_empty()
                    || !ignored
                        .get(&f.object)
                        .is_some_and(|rules| rules.iter().any(|r| r == f.rule || r == "all"))
            })
            .map(|mut f| {
                if let Some(severity) = self.severities.get(f.rule) {
                    f.severity = *severity;
                }
                f
            })
            .collect()
    }
}

/// Objects that carry the ignore annotation, with the rules it names.
fn ignored_by_annotation(snapshot: &Snapshot) -> HashMap<ObjectKey, Vec<String>> {
    // The key is made only for an object with the annotation: few have it.
    fn marked<T>(
        objects: &[T],
        meta: impl Fn(&T) -> &Meta,
        key: impl Fn(&T) -> ObjectKey,
    ) -> impl Iterator<Item = (ObjectKey, &str)> {
        objects.iter().filter_map(move |o| {
            let value = meta(o).annotation(IGNORE_RULES)?;
            Some((key(o), value))
        })
    }
    marked(&snapshot.claims, |c| &c.meta, |c| c.key())
        .chain(marked(&snapshot.volumes, |v| &v.meta, |v| v.key()))
        .chain(marked(&snapshot.classes, |c| &c.meta, |c| c.key()))
        .chain(marked(&snapshot.nodes, |n| &n.meta, |n| n.meta.key("Node")))
        .chain(marked(&snapshot.workloads, |w| &w.meta, |w| w.key()))
        .map(|(key, value)| {
            let rules = value
                .split(',')
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty())
                .collect();
            (key, rules)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_str, LoadOptions};
    use crate::report;

    const PENDING: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  annotations: {kubectl-storage.io/ignore: \"binding-tie, claim-pending\"}\nspec:\n  storageClassName: \"\"\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: other}\nspec:\n  storageClassName: \"\"\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";

    fn rules_reported(selection: &Selection) -> Vec<(String, &'static str)> {
        let loaded = load_str("t.yaml", PENDING, &LoadOptions::default());
        report::plan_selected(&loaded, selection)
            .findings
            .into_iter()
            .map(|f| (f.object.name, f.rule))
            .collect()
    }

    #[test]
    fn the_annotation_silences_its_rules_on_its_object_only() {
        assert_eq!(
            rules_reported(&Selection::all()),
            [("other".to_owned(), "claim-pending")]
        );
    }

    #[test]
    fn disable_and_enable() {
        let off = Selection::new(&["claim-pending".to_owned()], &[]).unwrap();
        assert!(rules_reported(&off).is_empty());
        let back =
            Selection::new(&["claim-pending".to_owned()], &["claim-pending".to_owned()]).unwrap();
        assert_eq!(rules_reported(&back).len(), 1);
        assert!(Selection::new(&["no-such-rule".to_owned()], &[]).is_err());
    }
}
