//! Fixes: what mending a finding changes, as edits of object fields. The same fix is applied to
//! manifests as edits of their text at the fields' spans (`fix::text`, `fix::files`), or to a
//! cluster as patches of the live objects.

pub mod cluster;
pub mod files;
pub mod text;

use serde_json::Value;

use crate::load::source::ObjectSource;
use crate::model::ObjectKey;

/// How to mend one finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    /// What it changes, in a few words ("set spec.volumeBindingMode to WaitForFirstConsumer").
    pub title: String,
    pub edits: Vec<FieldEdit>,
}

/// A change of one field of one object.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldEdit {
    pub object: ObjectKey,
    /// Where the object is written, when it comes from a file.
    pub source: Option<ObjectSource>,
    /// The field, from the object's root: `spec.volumeBindingMode`,
    /// `spec.template.spec.volumes[0].persistentVolumeClaim.readOnly`.
    pub path: String,
    pub change: Change,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Set a scalar, adding the field (and missing mappings above it) when it is not written.
    Set(Value),
    /// Remove the field.
    Remove,
}

impl Fix {
    /// A fix that sets one field.
    pub fn set(
        object: ObjectKey,
        source: Option<&ObjectSource>,
        path: &str,
        value: impl Into<Value>,
    ) -> Fix {
        let value = value.into();
        let shown = match &value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Fix {
            title: format!("set {path} to {shown}"),
            edits: vec![FieldEdit {
                object,
                source: source.cloned(),
                path: path.to_owned(),
                change: Change::Set(value),
            }],
        }
    }

    /// A fix that removes one field.
    pub fn remove(object: ObjectKey, source: Option<&ObjectSource>, path: &str) -> Fix {
        Fix {
            title: format!("remove {path}"),
            edits: vec![FieldEdit {
                object,
                source: source.cloned(),
                path: path.to_owned(),
                change: Change::Remove,
            }],
        }
    }

    /// Names the object in the title: "volume pv-1: set …".
    pub fn on(mut self, what: impl std::fmt::Display) -> Fix {
        self.title = format!("{what}: {}", self.title);
        self
    }
}
