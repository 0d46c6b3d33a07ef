//! `expand -f`: the new size written into manifests, as field edits for `fix::files` to make
//! in the text (the rest of each file stays as it is).

use crate::fix::{Change, FieldEdit};
use crate::load::source::Location;
use crate::load::Loaded;
use crate::model::{ClaimOrigin, Quantity, WorkloadKind};

use super::statefulset::choose;
use super::Target;

/// One size to change, for the summary.
#[derive(Debug)]
pub struct SizeEdit {
    /// "claim shop/data", "StatefulSet shop/db, template data".
    pub what: String,
    pub from: String,
    pub at: Option<Location>,
    pub edit: FieldEdit,
}

const REQUEST: &str = "spec.resources.requests.storage";

/// The edits that set the target's size: a claim's request, or a StatefulSet's template (and
/// claims of that template written in the same manifests, as in a dump). `namespace` narrows
/// the search when given; otherwise the name must be unique. Growing only: a smaller request
/// is rejected by the API once the claim exists.
pub fn edits(
    loaded: &Loaded,
    target: &Target,
    namespace: Option<&str>,
    template: Option<&str>,
    to: &Quantity,
) -> Result<Vec<SizeEdit>, String> {
    let snapshot = &loaded.snapshot;
    let in_scope = |ns: Option<&String>| namespace.is_none_or(|want| ns.is_some_and(|n| n == want));
    let where_ = || {
        namespace
            .map(|ns| format!(" in namespace {ns}"))
            .unwrap_or_default()
    };
    // (what, current request, object, source, path)
    let mut found = Vec::new();
    match target {
        Target::Claim(name) => {
            let claims: Vec<_> = snapshot
                .claims
                .iter()
                .filter(|c| {
                    c.meta.name == *name
                        && c.origin == ClaimOrigin::Manifest
                        && in_scope(c.meta.namespace.as_ref())
                })
                .collect();
            match claims.as_slice() {
                [] => {
                    return Err(format!(
                        "the manifests have no PersistentVolumeClaim {name}{}",
                        where_()
                    ))
                }
                [claim] => found.push((
                    format!("claim {}", claim.meta.qualified_name()),
                    claim.request.clone(),
                    claim.key(),
                    claim.meta.source.clone(),
                    REQUEST.to_owned(),
                )),
                several => {
                    let names: Vec<String> =
                        several.iter().map(|c| c.meta.qualified_name()).collect();
                    return Err(format!(
                        "the manifests have {} claims named {name} ({}): pick one with -n NAMESPACE",
                        several.len(),
                        names.join(", ")
                    ));
                }
            }
        }
        Target::StatefulSet(name) => {
            let sets: Vec<_> = snapshot
                .workloads
                .iter()
                .filter(|w| {
                    w.kind == WorkloadKind::StatefulSet
                        && w.meta.name == *name
                        && in_scope(w.meta.namespace.as_ref())
                })
                .collect();
            let set = match sets.as_slice() {
                [] => {
                    return Err(format!(
                        "the manifests have no StatefulSet {name}{}",
                        where_()
                    ))
                }
                [set] => *set,
                several => {
                    let names: Vec<String> =
                        several.iter().map(|w| w.meta.qualified_name()).collect();
                    return Err(format!(
                        "the manifests have {} StatefulSets named {name} ({}): pick one with -n NAMESPACE",
                        several.len(),
                        names.join(", ")
                    ));
                }
            };
            let names: Vec<&str> = set
                .claim_templates
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            for index in choose(name, &names, template)? {
                let t = &set.claim_templates[index];
                found.push((
                    format!(
                        "StatefulSet {}, template {}",
                        set.meta.qualified_name(),
                        t.name
                    ),
                    t.request.clone(),
                    set.key(),
                    set.meta.source.clone(),
                    format!("{}.{REQUEST}", t.path),
                ));
                let prefix = format!("{}-{}-", t.name, set.meta.name);
                for claim in snapshot.claims.iter().filter(|c| {
                    c.origin == ClaimOrigin::Manifest
                        && c.meta.namespace == set.meta.namespace
                        && c.meta
                            .name
                            .strip_prefix(&prefix)
                            .is_some_and(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()))
                }) {
                    found.push((
                        format!("claim {}", claim.meta.qualified_name()),
                        claim.request.clone(),
                        claim.key(),
                        claim.meta.source.clone(),
                        REQUEST.to_owned(),
                    ));
                }
            }
        }
    }
    let mut edits = Vec::new();
    for (what, request, object, source, path) in found {
        let from = match &request {
            Some(Ok(request)) if request > to => {
                return Err(format!(
                    "{what} asks for {}; {} is less, and the API rejects a smaller request once the claim exists",
                    request.as_str(),
                    to.as_str()
                ))
            }
            Some(Ok(request)) if request == to => continue,
            Some(Ok(request)) => request.as_str().to_owned(),
            Some(Err(written)) => written.clone(),
            None => "nothing".to_owned(),
        };
        let at = source.as_ref().map(|s| loaded.sources.locate(s, &path));
        edits.push(SizeEdit {
            what,
            from,
            at,
            edit: FieldEdit {
                object,
                source,
                path,
                change: Change::Set(serde_json::Value::String(to.as_str().to_owned())),
            },
        });
    }
    Ok(edits)
}
