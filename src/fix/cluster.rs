//! Fixing a cluster: the fixes of live objects as changes of their JSON, sent as merge patches
//! that carry the resourceVersion the object was read at (the server refuses the patch with a
//! conflict if the object changed since). What is sent is shown first as a diff of each object.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::findings::Finding;
use crate::load::yaml_tree::{self, PathSegOwned};
use crate::model::ObjectKey;

use super::{Change, FieldEdit, FixNote};

/// One live object, before and after its fixes.
#[derive(Clone, Debug)]
pub struct ObjectChange {
    pub key: ObjectKey,
    pub before: Value,
    pub after: Value,
    pub notes: Vec<FixNote>,
}

impl ObjectChange {
    /// The change deletes the object.
    pub fn deletes(&self) -> bool {
        self.after.is_null()
    }

    /// The merge patch that turns `before` into `after`, guarded by the resourceVersion.
    pub fn patch(&self) -> Value {
        let mut patch = merge_diff(&self.before, &self.after).unwrap_or(Value::Object(Map::new()));
        if let (Value::Object(patch), Some(version)) =
            (&mut patch, self.before.pointer("/metadata/resourceVersion"))
        {
            let metadata = patch
                .entry("metadata")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(metadata) = metadata {
                metadata.insert("resourceVersion".to_owned(), version.clone());
            }
        }
        patch
    }

    /// The change as a unified diff of the object's YAML (`kubectl get -o yaml` shape).
    pub fn diff(&self) -> String {
        let name = match &self.key.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.key.kind, self.key.name),
            None => format!("{}/{}", self.key.kind, self.key.name),
        };
        let before = yaml(&self.before);
        let after = if self.deletes() {
            String::new()
        } else {
            yaml(&self.after)
        };
        similar::TextDiff::from_lines(&before, &after)
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("a/{name}"),
                &if self.deletes() {
                    "/dev/null".to_owned()
                } else {
                    format!("b/{name}")
                },
            )
            .to_string()
    }
}

fn yaml(value: &Value) -> String {
    serde_saphyr::to_string(value).unwrap_or_else(|_| value.to_string())
}

/// The changes the fixes of live objects make, object by object; and the fixes left out.
pub fn changes(
    findings: &[Finding],
    live: &BTreeMap<ObjectKey, Value>,
    unsafe_fixes: bool,
) -> (Vec<ObjectChange>, Vec<FixNote>) {
    let mut changed: BTreeMap<ObjectKey, ObjectChange> = BTreeMap::new();
    let mut left = Vec::new();
    for finding in findings {
        let Some(fix) = &finding.fix else {
            continue;
        };
        // Objects written in files are fixed there (`fix -f`), not in the cluster.
        if fix.edits.iter().any(|e| e.source.is_some()) {
            continue;
        }
        let note = FixNote::new(finding, fix, None, unsafe_fixes);
        if note.why_not.is_some() {
            left.push(note);
            continue;
        }
        // All edits of a fix, or none.
        let mut staged: Vec<(ObjectKey, Value)> = Vec::new();
        let mut problem = None;
        for edit in &fix.edits {
            let current = staged
                .iter()
                .rev()
                .find(|(k, _)| *k == edit.object)
                .map(|(_, v)| v.clone())
                .or_else(|| changed.get(&edit.object).map(|c| c.after.clone()))
                .or_else(|| live.get(&edit.object).cloned());
            let Some(mut object) = current else {
                problem = Some(format!("{} was not read from the cluster", edit.object));
                break;
            };
            if let Err(why) = apply(&mut object, edit) {
                problem = Some(why);
                break;
            }
            staged.push((edit.object.clone(), object));
        }
        if let Some(why) = problem {
            left.push(note.cannot(why));
            continue;
        }
        for (key, after) in staged {
            let entry = changed.entry(key.clone()).or_insert_with(|| ObjectChange {
                key: key.clone(),
                before: live.get(&key).cloned().unwrap_or(Value::Null),
                after: Value::Null,
                notes: Vec::new(),
            });
            entry.after = after;
        }
        if let Some(first) = fix.edits.first() {
            if let Some(entry) = changed.get_mut(&first.object) {
                entry.notes.push(note);
            }
        }
    }
    let changes = changed
        .into_values()
        .filter(|c| c.before != c.after)
        .collect();
    (changes, left)
}

/// Makes one field edit on an object's JSON; a deleted object becomes `null`.
fn apply(object: &mut Value, edit: &FieldEdit) -> Result<(), String> {
    if edit.change == Change::DeleteObject {
        *object = Value::Null;
        return Ok(());
    }
    let segments = yaml_tree::parse_path(&edit.path);
    let Some((last, parents)) = segments.split_last() else {
        return Err("the fix names no field".to_owned());
    };
    let mut node = object;
    for segment in parents {
        node = match segment {
            PathSegOwned::Key(key) => {
                let Value::Object(map) = node else {
                    return Err(format!("{} is not a mapping", edit.path));
                };
                if !map.contains_key(key) && matches!(edit.change, Change::Remove) {
                    return Ok(());
                }
                map.entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()))
            }
            PathSegOwned::Index(i) => node
                .get_mut(*i)
                .ok_or_else(|| format!("{} is not in the object", edit.path))?,
        };
    }
    let PathSegOwned::Key(key) = last else {
        return Err(format!("{} ends in a list index", edit.path));
    };
    let Value::Object(map) = node else {
        return Err(format!("{} is not in a mapping", edit.path));
    };
    match &edit.change {
        Change::Set(value) => {
            map.insert(key.clone(), value.clone());
        }
        Change::Remove => {
            map.remove(key);
        }
        Change::DeleteObject => {}
    }
    Ok(())
}

/// The RFC 7386 merge patch from `before` to `after`: changed fields, `null` for removed ones;
/// lists are replaced whole. `None` when nothing changed.
fn merge_diff(before: &Value, after: &Value) -> Option<Value> {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => {
            let mut patch = Map::new();
            for (key, value) in new {
                match old.get(key) {
                    Some(previous) => {
                        if let Some(inner) = merge_diff(previous, value) {
                            patch.insert(key.clone(), inner);
                        }
                    }
                    None => {
                        patch.insert(key.clone(), value.clone());
                    }
                }
            }
            for key in old.keys() {
                if !new.contains_key(key) {
                    patch.insert(key.clone(), Value::Null);
                }
            }
            (!patch.is_empty()).then_some(Value::Object(patch))
        }
        (old, new) if old == new => None,
        (_, new) => Some(new.clone()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::fix::Fix;

    fn pv() -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": "pv-1", "resourceVersion": "42"},
            "spec": {"persistentVolumeReclaimPolicy": "Recycle",
                "claimRef": {"namespace": "shop", "name": "gone", "uid": "u-1"}}})
    }

    fn finding(rule: &'static str, fix: Fix) -> Finding {
        Finding::new(rule, fix.edits[0].object.clone(), "m".to_owned()).fix(fix)
    }

    #[test]
    fn fixes_become_one_guarded_merge_patch_per_object() {
        let key = ObjectKey::new("PersistentVolume", None, "pv-1");
        let live = BTreeMap::from([(key.clone(), pv())]);
        let findings = [
            finding(
                "recycle-reclaim-policy",
                Fix::set(
                    key.clone(),
                    None,
                    "spec.persistentVolumeReclaimPolicy",
                    "Retain",
                ),
            ),
            finding(
                "released-volume-unclaimable",
                Fix::remove(key.clone(), None, "spec.claimRef.uid"),
            ),
        ];
        let (changes, left) = changes(&findings, &live, true);
        assert!(left.is_empty());
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].notes.len(), 2);
        assert_eq!(
            changes[0].patch(),
            json!({"metadata": {"resourceVersion": "42"},
                "spec": {"persistentVolumeReclaimPolicy": "Retain", "claimRef": {"uid": null}}})
        );
        let diff = changes[0].diff();
        assert!(
            diff.contains("-  persistentVolumeReclaimPolicy: Recycle"),
            "{diff}"
        );
        assert!(
            diff.contains("+  persistentVolumeReclaimPolicy: Retain"),
            "{diff}"
        );

        // Unsafe fixes wait for --unsafe-fixes.
        let (changes, left) = super::changes(&findings, &live, false);
        assert!(changes.is_empty());
        assert_eq!(left.len(), 2);
    }

    #[test]
    fn list_items_are_patched_as_whole_lists_and_missing_maps_are_made() {
        let key = ObjectKey::new("Deployment", Some("shop"), "web");
        let before = json!({"metadata": {"name": "web", "resourceVersion": "7"},
            "spec": {"template": {"spec": {"volumes": [
                {"name": "a", "persistentVolumeClaim": {"claimName": "a"}},
                {"name": "b", "emptyDir": {}}]}}}});
        let live = BTreeMap::from([(key.clone(), before)]);
        let findings = [finding(
            "rox-claim-mounted-read-write",
            Fix::set(
                key.clone(),
                None,
                "spec.template.spec.volumes[0].persistentVolumeClaim.readOnly",
                true,
            ),
        )];
        let (changes, _) = changes(&findings, &live, true);
        assert_eq!(
            changes[0].patch(),
            json!({"metadata": {"resourceVersion": "7"}, "spec": {"template": {"spec": {"volumes": [
                {"name": "a", "persistentVolumeClaim": {"claimName": "a", "readOnly": true}},
                {"name": "b", "emptyDir": {}}]}}}})
        );
        let key = ObjectKey::new("StatefulSet", Some("shop"), "db");
        let live = BTreeMap::from([(key.clone(), json!({"metadata": {"name": "db"}, "spec": {}}))]);
        let findings = [finding(
            "statefulset-retention-deletes-claims",
            Fix::set(
                key,
                None,
                "spec.persistentVolumeClaimRetentionPolicy.whenDeleted",
                "Retain",
            ),
        )];
        let (made, _) = super::changes(&findings, &live, true);
        assert_eq!(
            made[0].patch(),
            json!({"spec": {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain"}}})
        );
    }
}
