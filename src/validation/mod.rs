//! What the API server's validation refuses in the storage kinds and in the volumes of pods,
//! checked on an object as written (its JSON) before anything reads it into the model, with
//! upstream's field paths and wording (pkg/apis/core/validation, pkg/apis/storage/validation of
//! v1.36). The e2e test `validation` holds it to a real kube-apiserver.
//!
//! Some checks live with the rules that explain them better and are not repeated here: a
//! claim's storage request and a volume's capacity and source count (`missing-required-field`,
//! `several-volume-sources`, `invalid-quantity`), access and volume modes and reclaim policies
//! (`unsupported-value`, `empty-access-modes`, `rwop-mixed-with-other-modes`), a local volume's
//! node affinity, and the names of volumes, claims, classes, provisioners and CSI drivers
//! (`invalid-name`).

mod classes;
mod csi;
mod meta;
pub(crate) mod names;
mod pods;
mod selectors;
mod sources;
mod storage;
pub mod updates;

pub use storage::VOLUME_SOURCES;

use std::fmt;

use serde_json::Value;

/// One thing the API server would refuse, at an upstream field path such as
/// `spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[1].values`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub path: String,
    pub problem: Problem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Required(String),
    Invalid {
        value: String,
        detail: String,
    },
    NotSupported {
        value: String,
        supported: &'static [&'static str],
    },
    Forbidden(String),
    Duplicate(String),
    NotFound(String),
    TooLong(usize),
    TooMany(usize),
    /// A field the kind does not have, which strict field validation refuses.
    Unknown,
}

impl Violation {
    /// Whether the offending value is a `$(VAR)` or `${VAR}` placeholder that kustomize,
    /// envsubst or a CI step replaces before the object reaches the API server.
    pub fn is_placeholder(&self) -> bool {
        match &self.problem {
            Problem::Invalid { value, .. }
            | Problem::NotSupported { value, .. }
            | Problem::Duplicate(value)
            | Problem::NotFound(value) => names::substituted(value),
            _ => false,
        }
    }
}

impl fmt::Display for Violation {
    /// Upstream's `field.Error` text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = &self.path;
        match &self.problem {
            Problem::Required(detail) if detail.is_empty() => write!(f, "{path}: Required value"),
            Problem::Required(detail) => write!(f, "{path}: Required value: {detail}"),
            Problem::Invalid { value, detail } => {
                write!(f, "{path}: Invalid value: {value:?}: {detail}")
            }
            Problem::NotSupported { value, supported } => {
                let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
                write!(
                    f,
                    "{path}: Unsupported value: {value:?}: supported values: {}",
                    list.join(", ")
                )
            }
            Problem::Forbidden(detail) => write!(f, "{path}: Forbidden: {detail}"),
            Problem::Duplicate(value) => write!(f, "{path}: Duplicate value: {value:?}"),
            Problem::NotFound(value) => write!(f, "{path}: Not found: {value:?}"),
            Problem::TooLong(max) => {
                write!(f, "{path}: Too long: may not be more than {max} bytes")
            }
            Problem::TooMany(max) => write!(f, "{path}: Too many: must have at most {max} items"),
            Problem::Unknown => write!(f, "strict decoding error: unknown field {path:?}"),
        }
    }
}

/// The kinds `validate` checks, and whether each is namespaced.
pub const KINDS: &[(&str, bool)] = &[
    ("PersistentVolume", false),
    ("PersistentVolumeClaim", true),
    ("StorageClass", false),
    ("VolumeAttributesClass", false),
    ("CSIDriver", false),
    ("CSINode", false),
    ("VolumeAttachment", false),
    ("Pod", true),
    ("Deployment", true),
    ("ReplicaSet", true),
    ("DaemonSet", true),
    ("ReplicationController", true),
    ("Job", true),
    ("StatefulSet", true),
    ("CronJob", true),
];

/// The violations of one object of `kind`, or none for a kind this module does not check.
pub fn validate(kind: &str, object: &Value) -> Vec<Violation> {
    let mut check = Check::default();
    match kind {
        "PersistentVolume" => storage::volume(&mut check, object),
        "PersistentVolumeClaim" => {
            storage::claim_spec(
                &mut check,
                "spec",
                field(object, "spec"),
                storage::Written::Claim,
            );
        }
        "StorageClass" => classes::storage_class(&mut check, object),
        "VolumeAttributesClass" => classes::attributes_class(&mut check, object),
        "CSIDriver" => csi::driver(&mut check, object),
        "CSINode" => csi::node(&mut check, object),
        "VolumeAttachment" => csi::attachment(&mut check, object),
        "Pod" => pods::pod(&mut check, object),
        "Deployment" | "ReplicaSet" | "DaemonSet" | "ReplicationController" | "Job" => {
            pods::template(
                &mut check,
                "spec.template",
                at(object, &["spec", "template"]),
                &[],
            );
        }
        "StatefulSet" => pods::stateful_set(&mut check, object),
        "CronJob" => pods::template(
            &mut check,
            "spec.jobTemplate.spec.template",
            at(object, &["spec", "jobTemplate", "spec", "template"]),
            &[],
        ),
        _ => return Vec::new(),
    }
    meta::object_meta(&mut check, kind, object);
    check.found
}

/// Collects violations, with upstream's constructors.
#[derive(Default)]
pub(crate) struct Check {
    found: Vec<Violation>,
}

impl Check {
    fn push(&mut self, path: impl Into<String>, problem: Problem) {
        self.found.push(Violation {
            path: path.into(),
            problem,
        });
    }

    pub(crate) fn required(&mut self, path: impl Into<String>, detail: &str) {
        self.push(path, Problem::Required(detail.to_owned()));
    }

    pub(crate) fn invalid(
        &mut self,
        path: impl Into<String>,
        value: impl fmt::Display,
        detail: impl Into<String>,
    ) {
        self.push(
            path,
            Problem::Invalid {
                value: value.to_string(),
                detail: detail.into(),
            },
        );
    }

    pub(crate) fn unsupported(
        &mut self,
        path: impl Into<String>,
        value: &str,
        supported: &'static [&'static str],
    ) {
        self.push(
            path,
            Problem::NotSupported {
                value: value.to_owned(),
                supported,
            },
        );
    }

    pub(crate) fn forbidden(&mut self, path: impl Into<String>, detail: &str) {
        self.push(path, Problem::Forbidden(detail.to_owned()));
    }

    pub(crate) fn duplicate(&mut self, path: impl Into<String>, value: &str) {
        self.push(path, Problem::Duplicate(value.to_owned()));
    }

    pub(crate) fn not_found(&mut self, path: impl Into<String>, value: &str) {
        self.push(path, Problem::NotFound(value.to_owned()));
    }

    pub(crate) fn too_long(&mut self, path: impl Into<String>, max: usize) {
        self.push(path, Problem::TooLong(max));
    }

    pub(crate) fn unknown(&mut self, path: impl Into<String>) {
        self.push(path, Problem::Unknown);
    }

    pub(crate) fn too_many(&mut self, path: impl Into<String>, max: usize) {
        self.push(path, Problem::TooMany(max));
    }

    /// A service account token's lifetime: from ten minutes to 2^32 seconds.
    pub(crate) fn token_expiration(&mut self, path: String, seconds: i64) {
        if seconds < 600 {
            self.invalid(
                &path,
                seconds,
                "may not specify a duration less than 10 minutes",
            );
        }
        if seconds > 1 << 32 {
            self.invalid(
                path,
                seconds,
                "may not specify a duration larger than 2^32 seconds",
            );
        }
    }

    /// A name check that gives upstream's messages (`names::*_problems`), as Invalid.
    pub(crate) fn name(&mut self, path: &str, value: &str, problems: Vec<String>) {
        for problem in problems {
            self.invalid(path, value, problem);
        }
    }
}

/// A field that is set: present and not null, as a Go pointer that is not nil.
pub(crate) fn field<'a>(object: &'a Value, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|v| !v.is_null())
}

/// A nested field.
pub(crate) fn at<'a>(object: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(object, |v, key| field(v, key))
}

/// A string field, empty when absent (as Go's zero value).
pub(crate) fn text<'a>(object: &'a Value, key: &str) -> &'a str {
    object.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A list field, empty when absent.
pub(crate) fn list<'a>(object: &'a Value, key: &str) -> &'a [Value] {
    object
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A map field's entries, none when absent.
pub(crate) fn entries<'a>(
    object: &'a Value,
    key: &str,
) -> impl Iterator<Item = (&'a String, &'a Value)> {
    object
        .get(key)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

/// An integer field.
pub(crate) fn int(object: &Value, key: &str) -> Option<i64> {
    object.get(key).and_then(Value::as_i64)
}

/// A list of strings, skipping items of another type (the type is `invalid-field`'s).
pub(crate) fn strings<'a>(object: &'a Value, key: &str) -> Vec<&'a str> {
    list(object, key).iter().filter_map(Value::as_str).collect()
}

#[cfg(test)]
mod tests;
