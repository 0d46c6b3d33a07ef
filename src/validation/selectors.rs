//! Selectors: a claim's label selector (`ValidateLabelSelector`), a volume's required node
//! affinity (`ValidateNodeSelector`) and a class's allowed topologies
//! (`ValidateTopologySelectorTerm`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{entries, field, list, names, strings, text, Check};

/// A label selector's match labels and expressions.
pub(super) fn label_selector(check: &mut Check, path: &str, selector: &Value) {
    for (key, value) in entries(selector, "matchLabels") {
        check.name(&format!("{path}.matchLabels"), key, names::qualified(key));
        if let Some(value) = value.as_str() {
            check.name(
                &format!("{path}.matchLabels"),
                value,
                names::label_value(value),
            );
        }
    }
    for (i, expression) in list(selector, "matchExpressions").iter().enumerate() {
        label_requirement(
            check,
            &format!("{path}.matchExpressions[{i}]"),
            expression,
            false,
        );
    }
}

/// A volume's `nodeAffinity`: its `required` selector must be there and hold terms.
pub(super) fn volume_node_affinity(check: &mut Check, path: &str, affinity: &Value) {
    let Some(required) = field(affinity, "required") else {
        check.required(
            format!("{path}.required"),
            "must specify required node constraints",
        );
        return;
    };
    let path = format!("{path}.required.nodeSelectorTerms");
    let terms = list(required, "nodeSelectorTerms");
    if terms.is_empty() {
        check.required(path, "must have at least one node selector term");
        return;
    }
    for (i, term) in terms.iter().enumerate() {
        for (j, requirement) in list(term, "matchExpressions").iter().enumerate() {
            label_requirement(
                check,
                &format!("{path}[{i}].matchExpressions[{j}]"),
                requirement,
                true,
            );
        }
        for (j, requirement) in list(term, "matchFields").iter().enumerate() {
            field_requirement(check, &format!("{path}[{i}].matchFields[{j}]"), requirement);
        }
    }
}

/// A label requirement of a selector; a node selector's may also compare numbers (Gt, Lt).
fn label_requirement(check: &mut Check, path: &str, requirement: &Value, numeric: bool) {
    let values = strings(requirement, "values");
    match text(requirement, "operator") {
        "In" | "NotIn" => {
            if values.is_empty() {
                check.required(
                    format!("{path}.values"),
                    "must be specified when `operator` is 'In' or 'NotIn'",
                );
            }
        }
        "Exists" | "DoesNotExist" => {
            if !values.is_empty() {
                check.forbidden(
                    format!("{path}.values"),
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                );
            }
        }
        "Gt" | "Lt" if numeric => {
            if values.len() != 1 {
                check.required(
                    format!("{path}.values"),
                    "must be specified single value when `operator` is 'Lt' or 'Gt'",
                );
            }
        }
        other => check.invalid(
            format!("{path}.operator"),
            other,
            "not a valid selector operator",
        ),
    }
    let key = text(requirement, "key");
    check.name(&format!("{path}.key"), key, names::qualified(key));
    for (i, value) in values.iter().enumerate() {
        check.name(
            &format!("{path}.values[{i}]"),
            value,
            names::label_value(value),
        );
    }
}

/// A node field requirement: only `metadata.name`, In or NotIn one node name.
fn field_requirement(check: &mut Check, path: &str, requirement: &Value) {
    let values = strings(requirement, "values");
    match text(requirement, "operator") {
        "In" | "NotIn" => {
            if values.len() != 1 {
                check.required(format!("{path}.values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector");
            }
        }
        other => check.invalid(
            format!("{path}.operator"),
            other,
            "not a valid selector operator",
        ),
    }
    let key = text(requirement, "key");
    if key == "metadata.name" {
        for (i, value) in values.iter().enumerate() {
            check.name(
                &format!("{path}.values[{i}]"),
                value,
                names::subdomain(value),
            );
        }
    } else {
        check.invalid(format!("{path}.key"), key, "not a valid field selector key");
    }
}

/// A class's `allowedTopologies`: each term's keys once, each with distinct values, and no
/// two terms alike.
pub(super) fn allowed_topologies(check: &mut Check, path: &str, terms: &[Value]) {
    let mut seen: Vec<BTreeMap<&str, BTreeSet<&str>>> = Vec::new();
    for (i, term) in terms.iter().enumerate() {
        let mut keys: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (j, expression) in list(term, "matchLabelExpressions").iter().enumerate() {
            let at = format!("{path}[{i}].matchLabelExpressions[{j}]");
            let values = strings(expression, "values");
            if values.is_empty() {
                check.required(format!("{at}.values"), "");
            }
            let mut distinct = BTreeSet::new();
            for (k, value) in values.iter().enumerate() {
                if !distinct.insert(*value) {
                    check.duplicate(format!("{at}.values[{k}]"), value);
                }
            }
            let key = text(expression, "key");
            check.name(&format!("{at}.key"), key, names::qualified(key));
            if keys.insert(key, distinct).is_some() {
                check.duplicate(format!("{at}.key"), key);
            }
        }
        // Upstream starts its list of seen terms with empty ones, so a term without
        // expressions is always a duplicate.
        if keys.is_empty() || seen.contains(&keys) {
            check.duplicate(format!("{path}[{i}].matchLabelExpressions"), "");
        }
        seen.push(keys);
    }
}
