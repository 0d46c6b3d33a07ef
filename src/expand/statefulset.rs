//! A StatefulSet's claims: the ones its templates made, and the StatefulSet created again with
//! its templates at a new size, since the API forbids changing volumeClaimTemplates in place.

use serde_json::Value;

use crate::model::Quantity;

/// One of `spec.volumeClaimTemplates`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub index: usize,
    pub name: String,
    /// The request as written.
    pub request: Option<String>,
}

pub fn templates(set: &Value) -> Vec<Template> {
    set.pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(index, template)| Template {
            index,
            name: template
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            request: template
                .pointer("/spec/resources/requests/storage")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
        .collect()
}

/// The templates to grow: the one named with `--template`, else the only one.
pub fn choose(set_name: &str, names: &[&str], chosen: Option<&str>) -> Result<Vec<usize>, String> {
    match (names, chosen) {
        ([], _) => Err(format!(
            "StatefulSet {set_name} has no volumeClaimTemplates: its pods keep no claims to expand"
        )),
        (_, Some(chosen)) => names
            .iter()
            .position(|n| *n == chosen)
            .map(|i| vec![i])
            .ok_or_else(|| {
                format!(
                    "StatefulSet {set_name} has no volumeClaimTemplate {chosen:?}; it has {}",
                    names.join(", ")
                )
            }),
        ([_], None) => Ok(vec![0]),
        (_, None) => Err(format!(
            "StatefulSet {set_name} has {} volumeClaimTemplates ({}): pick the one to grow with --template NAME",
            names.len(),
            names.join(", ")
        )),
    }
}

/// The claims a template made: `<template>-<statefulset>-<ordinal>`, by ordinal. Claims of
/// replicas scaled away are kept by the StatefulSet controller and used again when it scales
/// back, so they count too.
pub fn claims_of<'a>(set_name: &str, template: &str, claims: &'a [Value]) -> Vec<&'a Value> {
    let prefix = format!("{template}-{set_name}-");
    let mut found: Vec<(u64, &Value)> = claims
        .iter()
        .filter_map(|claim| {
            let name = claim.pointer("/metadata/name").and_then(Value::as_str)?;
            let ordinal = name.strip_prefix(&prefix)?;
            // Ordinals are written without leading zeros.
            let valid = !ordinal.is_empty()
                && ordinal.bytes().all(|b| b.is_ascii_digit())
                && (ordinal == "0" || !ordinal.starts_with('0'));
            if !valid {
                return None;
            }
            Some((ordinal.parse().ok()?, claim))
        })
        .collect();
    found.sort_by_key(|(ordinal, _)| *ordinal);
    found.into_iter().map(|(_, claim)| claim).collect()
}

/// The StatefulSet to create again once it is deleted with its pods orphaned: the same spec
/// with the chosen templates at the new size, without what the server sets (uid,
/// resourceVersion, status, …).
pub fn recreated(set: &Value, templates: &[usize], to: &Quantity) -> Value {
    let mut object = set.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            meta.remove(field);
        }
    }
    for index in templates {
        if let Some(template) = object.pointer_mut(&format!("/spec/volumeClaimTemplates/{index}")) {
            template["spec"]["resources"]["requests"]["storage"] =
                Value::String(to.as_str().to_owned());
            if let Some(map) = template.as_object_mut() {
                map.remove("status");
            }
        }
    }
    object
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn set() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "shop", "uid": "u", "resourceVersion": "9", "labels": {"app": "db"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "db"}},
                     "volumeClaimTemplates": [
                        {"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "10Gi"}}}, "status": {"phase": "Pending"}},
                        {"metadata": {"name": "logs"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}]},
            "status": {"replicas": 2},
        })
    }

    #[test]
    fn choosing_templates() {
        assert_eq!(choose("db", &["data"], None), Ok(vec![0]));
        assert_eq!(choose("db", &["data", "logs"], Some("logs")), Ok(vec![1]));
        assert!(choose("db", &["data", "logs"], None)
            .unwrap_err()
            .contains("pick the one to grow with --template NAME"));
        assert!(choose("db", &["data"], Some("wal"))
            .unwrap_err()
            .contains("it has data"));
        assert!(choose("db", &[], None).is_err());
    }

    #[test]
    fn claims_by_ordinal() {
        let claim = |name: &str| json!({"metadata": {"name": name}});
        let claims = vec![
            claim("data-db-10"),
            claim("data-db-2"),
            claim("data-db-x"),
            claim("data-db-01"),
            claim("data-dbx-1"),
            claim("logs-db-0"),
            claim("data-db-0"),
        ];
        let names: Vec<&str> = claims_of("db", "data", &claims)
            .iter()
            .map(|c| c["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["data-db-0", "data-db-2", "data-db-10"]);
    }

    #[test]
    fn recreated_keeps_the_spec_and_grows_the_chosen_templates() {
        let set = set();
        assert_eq!(templates(&set)[1].name, "logs");
        let again = recreated(&set, &[0], &Quantity::parse("50Gi").unwrap());
        assert_eq!(
            again["metadata"],
            json!({"name": "db", "namespace": "shop", "labels": {"app": "db"}})
        );
        assert!(again.get("status").is_none());
        let templates = templates(&again);
        assert_eq!(templates[0].request.as_deref(), Some("50Gi"));
        assert_eq!(templates[1].request.as_deref(), Some("1Gi"));
        assert!(again
            .pointer("/spec/volumeClaimTemplates/0/status")
            .is_none());
    }
}
