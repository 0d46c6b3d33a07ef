//! What every object in the plan carries: identity, provenance and the metadata analyses read.

use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::load::source::ObjectSource;

pub use super::annotations::Annotations;
pub use super::labels::Labels;

/// Kind, namespace and name: enough to name an object in a finding.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectKey {
    pub fn new(kind: &'static str, namespace: Option<&str>, name: &str) -> ObjectKey {
        ObjectKey {
            kind,
            namespace: namespace.map(str::to_owned),
            name: name.to_owned(),
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// Metadata common to all kinds, reduced to what the analyses use.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    pub name: String,
    /// `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
    /// The namespace was not written: the object goes to whatever namespace it is applied to
    /// (`kubectl apply -n`, else the context's), which the plan takes as `--namespace`.
    pub namespace_defaulted: bool,
    pub uid: Option<String>,
    /// Unix nanoseconds; `None` for an object that is still to be created.
    pub created: Option<i128>,
    /// The object was read from a cluster (or a dump of one): it has a uid, a creation time or a
    /// resourceVersion. Objects that do not exist yet pass admission when created.
    pub exists: bool,
    pub deleting: bool,
    pub labels: Labels,
    /// Only those something reads ([`annotations::KEPT`](super::annotations::KEPT)).
    pub annotations: Annotations,
    /// `metadata.ownerReferences`: the garbage collector deletes the object once every owner is
    /// gone (a StatefulSet's claims under whenDeleted: Delete, a pod's ephemeral claims).
    pub owners: Vec<OwnerRef>,
    pub source: Option<ObjectSource>,
}

/// One `metadata.ownerReferences` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerRef {
    pub kind: String,
    pub name: String,
    pub uid: Option<String>,
}

/// Whether a cluster wrote the object: it has a uid, a creation time or a resourceVersion.
pub fn written_by_cluster(meta: &ObjectMeta) -> bool {
    let written = |field: &Option<String>| field.as_deref().is_some_and(|v| !v.is_empty());
    written(&meta.uid) || meta.creation_timestamp.is_some() || written(&meta.resource_version)
}

impl Meta {
    /// Reads metadata; `default_namespace` applies to namespaced kinds written without one.
    /// The metadata is taken, not copied: a large load has millions of names and labels.
    pub fn from_k8s(
        meta: ObjectMeta,
        default_namespace: Option<&str>,
        source: Option<ObjectSource>,
    ) -> Meta {
        let exists = written_by_cluster(&meta);
        let namespace_defaulted =
            default_namespace.is_some() && meta.namespace.as_deref().is_none_or(str::is_empty);
        let namespace = default_namespace.map(|default| {
            meta.namespace
                .filter(|ns| !ns.is_empty())
                .unwrap_or_else(|| default.to_owned())
        });
        let created = meta
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.as_nanosecond());
        let uid = meta.uid.filter(|u| !u.is_empty());
        Meta {
            name: meta.name.unwrap_or_default(),
            namespace,
            namespace_defaulted,
            uid,
            created,
            exists,
            deleting: meta.deletion_timestamp.is_some(),
            labels: meta.labels.map(Labels::from).unwrap_or_default(),
            annotations: meta.annotations.map(Annotations::from).unwrap_or_default(),
            owners: meta
                .owner_references
                .into_iter()
                .flatten()
                .map(|o| OwnerRef {
                    kind: o.kind,
                    name: o.name,
                    uid: Some(o.uid).filter(|u| !u.is_empty()),
                })
                .collect(),
            source,
        }
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key)
    }

    pub fn has_annotation(&self, key: &str) -> bool {
        self.annotations.contains_key(key)
    }

    /// Whether an owner reference names the object of this kind and name (and uid, when both
    /// sides have one): the garbage collector deletes this object with that one.
    pub fn owned_by(&self, kind: &str, name: &str, uid: Option<&str>) -> bool {
        self.owners.iter().any(|o| {
            o.kind == kind
                && o.name == name
                && match (o.uid.as_deref(), uid) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        })
    }

    pub fn key(&self, kind: &'static str) -> ObjectKey {
        ObjectKey {
            kind,
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// "namespace/name", or "name" for cluster-scoped objects.
    pub fn qualified_name(&self) -> String {
        // Spelled as `Qualified` writes it; joined directly, as plans name every claim.
        match &self.namespace {
            Some(ns) => [ns.as_str(), "/", &self.name].concat(),
            None => self.name.clone(),
        }
    }

    /// [`Meta::qualified_name`] to write into a message, made only if it is written: checks
    /// name every object they look at, and report on few.
    pub fn qualified(&self) -> Qualified<'_> {
        Qualified(self)
    }
}

/// See [`Meta::qualified`].
#[derive(Clone, Copy)]
pub struct Qualified<'a>(&'a Meta);

impl std::fmt::Display for Qualified<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0.namespace {
            Some(ns) => write!(f, "{ns}/{}", self.0.name),
            None => f.write_str(&self.0.name),
        }
    }
}

/// Positions of objects in the order the controllers see them created: oldest first, then
/// those still to be created, in the order of the input (the order in which `kubectl apply -f`
/// creates them: files in name order, documents and list items in turn). Objects created in
/// the same second are ordered by namespace and name, which is as good a guess as any, then by
/// position. Sorted by key, not by comparing through the objects, which misses the cache on
/// large inputs.
pub fn processing_order<'m>(metas: impl Iterator<Item = &'m Meta>) -> Vec<usize> {
    let mut keyed: Vec<_> = metas
        .enumerate()
        .map(|(i, meta)| match meta.created {
            Some(t) => (false, t, meta.namespace.as_deref(), meta.name.as_str(), i),
            None => (true, 0, None, "", i),
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|key| key.4).collect()
}

/// The kind a kubectl resource type names (`pvc`, `persistentvolumeclaims`, `sts`,
/// `statefulsets.apps`…), among the kinds commands take as targets.
pub fn kind_named(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type.to_ascii_lowercase().as_str() {
        "namespace" | "namespaces" | "ns" => "Namespace",
        "pvc" | "pvcs" | "persistentvolumeclaim" | "persistentvolumeclaims" => {
            "PersistentVolumeClaim"
        }
        "pv" | "pvs" | "persistentvolume" | "persistentvolumes" => "PersistentVolume",
        "pod" | "pods" | "po" => "Pod",
        "sts" | "statefulset" | "statefulsets" | "statefulset.apps" | "statefulsets.apps" => {
            "StatefulSet"
        }
        _ => return None,
    })
}

/// Splits kubectl's `TYPE/NAME` (or `TYPE NAME`, the name given apart) into type and name;
/// `forms` lists the accepted forms for the error message.
pub fn split_type_and_name<'a>(
    target: &'a str,
    name: Option<&'a str>,
    forms: &str,
) -> Result<(&'a str, &'a str), String> {
    let (kind, name) = match (target.split_once('/'), name) {
        (Some((kind, name)), None) => (kind, name),
        (None, Some(name)) => (target, name),
        (Some(_), Some(extra)) => {
            return Err(format!(
                "give the target as TYPE/NAME or as TYPE NAME, not both ({target:?} and {extra:?})"
            ))
        }
        (None, None) => {
            return Err(format!(
                "{target:?} names no object: give the target as {forms}"
            ))
        }
    };
    if name.is_empty() || name.contains('/') {
        return Err(format!(
            "{target:?}: the name is missing or has a '/': give the target as {forms}"
        ));
    }
    Ok((kind, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_name_is_spelled_as_qualified_writes_it() {
        for namespace in [None, Some("team-a".to_owned()), Some(String::new())] {
            let meta = Meta {
                name: "data-0".to_owned(),
                namespace,
                ..Meta::default()
            };
            assert_eq!(meta.qualified_name(), meta.qualified().to_string());
        }
    }
}
