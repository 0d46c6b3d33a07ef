//! Class defaulting, as the DefaultStorageClass admission plugin and the PV controller's
//! retroactive assignment do it.

use crate::model::{Claim, StorageClass};

/// All classes marked default, in upstream `GetDefaultClass` order: newest first, then by name.
/// A class still to be created counts as newer than any existing one.
pub fn default_classes(classes: &[StorageClass]) -> Vec<usize> {
    // A class needs a name; one written with an empty name cannot exist, so it is never the
    // default (and "" keeps meaning "no class").
    let mut defaults: Vec<usize> = (0..classes.len())
        .filter(|i| classes[*i].is_default() && !classes[*i].meta.name.is_empty())
        .collect();
    defaults.sort_by(|a, b| {
        let (a, b) = (&classes[*a].meta, &classes[*b].meta);
        let time = |t: Option<i128>| t.unwrap_or(i128::MAX);
        time(b.created)
            .cmp(&time(a.created))
            .then_with(|| a.name.cmp(&b.name))
    });
    defaults
}

/// How a claim's class was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassChoice<'a> {
    /// Written on the claim (spec or beta annotation); "" means no class.
    Written(&'a str),
    /// Given by admission when the claim is created without one.
    Admission(&'a str),
    /// None written, and the claim already exists: the PV controller assigns the default class
    /// only if no class-less volume fits (upstream `assignDefaultStorageClass` runs after the
    /// search fails).
    Retroactive(Option<&'a str>),
}

impl<'a> ClassChoice<'a> {
    /// The class the first search uses.
    pub fn initial(&self) -> &'a str {
        match self {
            ClassChoice::Written(c) | ClassChoice::Admission(c) => c,
            ClassChoice::Retroactive(_) => "",
        }
    }
}

pub fn choose_class<'a>(claim: &'a Claim, default: Option<&'a StorageClass>) -> ClassChoice<'a> {
    if claim.has_class() {
        return ClassChoice::Written(claim.written_class());
    }
    let default = default.map(|c| c.meta.name.as_str());
    match (claim.meta.exists, default) {
        (false, Some(class)) => ClassChoice::Admission(class),
        (false, None) => ClassChoice::Written(""),
        (true, default) => ClassChoice::Retroactive(default),
    }
}
