//! Fixes: what mending a finding changes, as edits of object fields. The same fix is applied to
//! manifests as edits of their text at the fields' spans (`fix::text`, `fix::files`), or to a
//! cluster as patches of the live objects.

pub mod cluster;
pub mod files;
pub mod text;

use serde_json::Value;

use crate::findings::Finding;
use crate::load::source::{Location, ObjectSource};
use crate::model::ObjectKey;
use crate::rules::{self, Applicability};

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
    /// Delete the whole object (the edit's path is empty).
    DeleteObject,
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

    /// A fix that deletes an object.
    pub fn delete_object(object: ObjectKey, source: Option<&ObjectSource>) -> Fix {
        Fix {
            title: format!("delete {object}"),
            edits: vec![FieldEdit {
                object,
                source: source.cloned(),
                path: String::new(),
                change: Change::DeleteObject,
            }],
        }
    }

    /// Names the object in the title: "volume pv-1: set …".
    pub fn on(mut self, what: impl std::fmt::Display) -> Fix {
        self.title = format!("{what}: {}", self.title);
        self
    }
}

/// A fix, made or not, as the summaries name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixNote {
    pub rule: &'static str,
    pub object: String,
    pub title: String,
    /// Where it is written, when known.
    pub at: Option<Location>,
    /// Why it was not made.
    pub why_not: Option<NotMade>,
}

/// Why a fix was not made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotMade {
    /// Its rule's fix is unsafe and `--unsafe-fixes` was not given.
    Unsafe,
    /// The change cannot be made safely (an alias, a JSON file, an object not read, …).
    Cannot(String),
}

impl std::fmt::Display for NotMade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotMade::Unsafe => f.write_str("unsafe: run with --unsafe-fixes to apply it"),
            NotMade::Cannot(why) => f.write_str(why),
        }
    }
}

impl FixNote {
    /// The note of a finding's fix; it is held back as unsafe when its rule's fix is unsafe and
    /// unsafe fixes were not asked for.
    pub fn new(finding: &Finding, fix: &Fix, at: Option<Location>, unsafe_fixes: bool) -> FixNote {
        let unsafe_held_back =
            rules::applicability(finding.rule) == Some(Applicability::Unsafe) && !unsafe_fixes;
        FixNote {
            rule: finding.rule,
            object: finding.object.to_string(),
            title: fix.title.clone(),
            at,
            why_not: unsafe_held_back.then_some(NotMade::Unsafe),
        }
    }

    /// Marks the fix as not made, for a reason.
    pub fn cannot(mut self, why: String) -> FixNote {
        self.why_not = Some(NotMade::Cannot(why));
        self
    }
}
