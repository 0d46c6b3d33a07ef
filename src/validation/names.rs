//! Upstream's name formats (k8s.io/apimachinery/pkg/util/validation), with its explanations.

use crate::model::selector::{is_dns_subdomain, label_value_problem, qualified_name_problem};

/// What a subdomain is, as upstream's messages put it.
pub(crate) const SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

const LABEL: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";

/// A `$(VAR)` or `${VAR}` that kustomize, envsubst or a CI step replaces before the object
/// reaches the API server: the file is a template, not the object.
pub(crate) fn substituted(value: &str) -> bool {
    value.contains("$(") || value.contains("${")
}

pub(crate) fn subdomain(value: &str) -> Vec<String> {
    if value.len() > 253 {
        vec!["must be no more than 253 characters".to_owned()]
    } else if !is_dns_subdomain(value) {
        vec![SUBDOMAIN.to_owned()]
    } else {
        Vec::new()
    }
}

pub(crate) fn is_dns_label(value: &str) -> bool {
    let b = value.as_bytes();
    let end = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            b.len() <= 63 && end(first) && end(last) && b.iter().all(|c| end(c) || *c == b'-')
        }
        _ => false,
    }
}

pub(crate) fn label(value: &str) -> Vec<String> {
    if value.len() > 63 {
        vec!["must be no more than 63 characters".to_owned()]
    } else if !is_dns_label(value) {
        vec![LABEL.to_owned()]
    } else {
        Vec::new()
    }
}

/// A qualified name (`[prefix/]name`): label keys, annotation keys, parameters' owners.
pub(crate) fn qualified(value: &str) -> Vec<String> {
    qualified_name_problem(value).into_iter().collect()
}

pub(crate) fn label_value(value: &str) -> Vec<String> {
    label_value_problem(value)
        .map(str::to_owned)
        .into_iter()
        .collect()
}

/// A CSI driver's name: required, at most 63 characters, a subdomain once lowercased.
pub(crate) fn csi_driver(check: &mut super::Check, path: &str, value: &str) {
    if value.is_empty() {
        check.required(path, "");
    } else if value.len() > 63 {
        check.too_long(path, 63);
    } else {
        check.name(path, value, subdomain(&value.to_lowercase()));
    }
}

/// Whether a path has a `..` element (upstream `validatePathNoBacksteps`).
pub(crate) fn has_backsteps(path: &str) -> bool {
    path.split('/').any(|part| part == "..")
}
