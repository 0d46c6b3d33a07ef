//! Findings: what a rule reports about one object, with where to point and what to do.

pub mod selection;

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::fix::Fix;
use crate::load::source::{FileId, Location, Locator, ObjectSource, Sources};
use crate::load::yaml_tree::Pos;
use crate::model::ObjectKey;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity {other:?} (expected error, warning or info)"
            )),
        }
    }
}

/// Where a finding points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pointer {
    /// A field of an object, by path (`spec.resources.requests.storage`); empty for the object.
    Field { source: ObjectSource, path: String },
    /// A raw position, for problems found before there was an object (syntax errors).
    At {
        file: FileId,
        start: Pos,
        end: usize,
    },
}

impl Pointer {
    /// Where it points in the source text.
    pub fn locate(&self, sources: &Sources) -> Location {
        self.locate_with(&mut Locator::new(sources))
    }

    /// [`Pointer::locate`], for one of many pointers located in turn.
    pub fn locate_with(&self, locator: &mut Locator) -> Location {
        match self {
            Pointer::Field { source, path } => locator.locate(source, path),
            Pointer::At { file, start, end } => locator.sources().at(*file, *start, *end),
        }
    }

    /// The object it points into, for locating the pointers into one object together.
    pub fn object(&self) -> Option<(FileId, usize, usize)> {
        match self {
            Pointer::Field { source, .. } => Some((source.file, source.start.offset, source.end)),
            Pointer::At { .. } => None,
        }
    }

    pub fn field(source: Option<&ObjectSource>, path: &str) -> Option<Pointer> {
        source.map(|source| Pointer::Field {
            source: source.clone(),
            path: path.to_owned(),
        })
    }
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<Cow<'static, str>>,
    pub object: ObjectKey,
    pub pointer: Option<Pointer>,
    /// The short label shown under the pointed-at field.
    pub label: Option<Cow<'static, str>>,
    /// How to mend it, for rules that declare a fix and when the change is certain.
    pub fix: Option<Fix>,
}

impl Finding {
    /// A finding with the rule's default severity.
    pub fn new(rule: &'static str, object: ObjectKey, message: String) -> Finding {
        Finding {
            rule,
            severity: crate::rules::default_severity(rule),
            message,
            help: None,
            object,
            pointer: None,
            label: None,
            fix: None,
        }
    }

    pub fn at(mut self, pointer: Option<Pointer>, label: impl Into<Cow<'static, str>>) -> Finding {
        self.pointer = pointer;
        self.label = Some(label.into());
        self
    }

    /// Points here when nothing else was pointed at (the first choice had no source).
    pub fn at_if_none(
        self,
        pointer: Option<Pointer>,
        label: impl Into<Cow<'static, str>>,
    ) -> Finding {
        if self.pointer.is_some() {
            self
        } else {
            self.at(pointer, label)
        }
    }

    pub fn fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }

    pub fn help(mut self, help: impl Into<Cow<'static, str>>) -> Finding {
        self.help = Some(help.into());
        self
    }
}
