//! What becomes of a claim's data source: whether the API server keeps it, refuses it or drops
//! it (upstream pkg/api/persistentvolumeclaim `DropDisabledFields`,
//! `EnforceDataSourceBackwardsCompatibility`, and validation's `validateDataSource(Ref)`), and
//! whether the external provisioner can make the volume from it (external-provisioner's
//! snapshot and clone checks: the source exists, is ready and bound, belongs to the same
//! driver, and is no larger than the request), or a populator is registered for it.
//!
//! The PV controller itself ignores data sources when it matches a claim with an existing
//! volume (`syncUnboundClaim` binds any volume that fits): only provisioning uses them.

use crate::model::{ClaimsByName, DataSource, Snapshot, VolumeSnapshot};

use super::outcome::{ClaimPlan, Outcome};

/// Where the claim's data source goes wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The API server drops the field when it creates the claim: the volume is made empty.
    Dropped { field: &'static str, why: String },
    /// The API server refuses the claim.
    Rejected { field: &'static str, why: String },
    /// The source does not exist (judged only on complete input).
    NotFound { field: &'static str, what: String },
    /// The snapshot is not ready to restore from yet.
    NotReady {
        field: &'static str,
        snapshot: usize,
    },
    /// The provisioner refuses to make the volume from this source.
    Refused { field: &'static str, why: String },
    /// No VolumePopulator is registered for the kind.
    NoPopulator { field: &'static str },
}

impl Problem {
    /// Whether the claim stays Pending for it, instead of being provisioned.
    pub fn blocks(&self) -> bool {
        matches!(
            self,
            Problem::NotFound { .. } | Problem::Refused { .. } | Problem::NoPopulator { .. }
        )
    }
}

/// Why a blocked claim is not provisioned, for the plan's reason.
pub fn why_blocked(problem: &Problem) -> String {
    match problem {
        Problem::NotFound { what, .. } => format!("its data source {what} does not exist, so it stays Pending"),
        Problem::Refused { why, .. } => format!("{why}, so it stays Pending"),
        Problem::NoPopulator { .. } => "no volume populator is registered for the kind its dataSourceRef names, so it stays Pending".to_owned(),
        Problem::Dropped { why, .. } | Problem::Rejected { why, .. } => why.clone(),
        Problem::NotReady { .. } => "its snapshot is not ready".to_owned(),
    }
}

/// Which field the effective source was written in.
fn source_field(claim: &crate::model::Claim) -> (&'static str, Option<&DataSource>) {
    match (&claim.data_source_ref, &claim.data_source) {
        (Some(r), _) => ("spec.dataSourceRef", Some(r)),
        (None, Some(d)) => ("spec.dataSource", Some(d)),
        (None, None) => ("spec.dataSource", None),
    }
}

/// What the API server does with the claim's data source fields, for a claim still to be
/// created (one that exists was already admitted). Returns the problem, if any, and the source
/// the claim keeps.
pub fn admitted(snapshot: &Snapshot, c: usize) -> (Option<Problem>, Option<DataSource>) {
    let claim = &snapshot.claims[c];
    if claim.meta.exists {
        return (
            None,
            claim
                .data_source_ref
                .as_deref()
                .or(claim.data_source.as_deref())
                .cloned(),
        );
    }
    let namespace = claim.meta.namespace.as_deref().unwrap_or_default();
    if let Some(r) = &claim.data_source_ref {
        // The gate drops any namespace that is set, even the claim's own (`DropDisabledFields`).
        if let Some(ns) = r.namespace.as_deref() {
            let grant = snapshot
                .reference_grants
                .iter()
                .filter(|g| g.meta.namespace.as_deref() == Some(ns))
                .find(|g| g.allows_claim_source(namespace, &r.group, &r.kind, &r.name));
            let grant = match grant {
                _ if ns == namespace => "the claim's own namespace needs no ReferenceGrant: leave namespace out".to_owned(),
                Some(g) => format!("ReferenceGrant {ns}/{} would allow it once the gate is on", g.meta.name),
                None => format!("with the gate on, it would also need a ReferenceGrant in namespace {ns} allowing PersistentVolumeClaims of namespace {namespace} to use {} {}, and the inputs hold none", r.kind, r.name),
            };
            let why = format!(
                "spec.dataSourceRef names {} {} with namespace {ns}: a namespace there needs the CrossNamespaceVolumeDataSource feature gate (alpha, off by default), without which the API server drops dataSourceRef{}; {grant}",
                r.kind,
                r.name,
                if claim.data_source.is_some() { " and keeps dataSource" } else { " and the volume is made empty" },
            );
            return (
                Some(Problem::Dropped {
                    field: "spec.dataSourceRef",
                    why,
                }),
                claim
                    .data_source
                    .as_deref()
                    .filter(|d| kept_in_data_source(d))
                    .cloned(),
            );
        }
        if r.group.is_empty() && r.kind != "PersistentVolumeClaim" {
            return (
                Some(Problem::Rejected {
                    field: "spec.dataSourceRef",
                    why: format!("spec.dataSourceRef: Invalid value: {:?}: must be 'PersistentVolumeClaim' when referencing the default apiGroup", r.kind),
                }),
                None,
            );
        }
        if let Some(d) = &claim.data_source {
            let same = d.group == r.group && d.kind == r.kind && d.name == r.name;
            if !same {
                return (
                    Some(Problem::Rejected {
                        field: "spec.dataSource",
                        why: format!(
                            "spec.dataSource ({}) and spec.dataSourceRef ({}) differ: the API server refuses the claim (spec.dataSource: must match dataSourceRef)",
                            describe(d),
                            describe(r)
                        ),
                    }),
                    None,
                );
            }
        }
        return (None, Some(DataSource::clone(r)));
    }
    match &claim.data_source {
        Some(d) if !kept_in_data_source(d) => {
            let why = if d.kind == "VolumeSnapshot" && d.group.is_empty() {
                format!("spec.dataSource names VolumeSnapshot {} without apiGroup: snapshot.storage.k8s.io, so the API server drops it (only a PersistentVolumeClaim, or a VolumeSnapshot of snapshot.storage.k8s.io, is kept there) and the volume is made empty instead of restored", d.name)
            } else if d.group.is_empty() {
                format!("spec.dataSource names a {} of the core API group, which is no data source: the API server drops it (only a PersistentVolumeClaim, or a VolumeSnapshot of snapshot.storage.k8s.io, is kept there) and the volume is made empty", d.kind)
            } else {
                format!("spec.dataSource names {} of {}: the API server drops it (only a PersistentVolumeClaim, or a VolumeSnapshot of snapshot.storage.k8s.io, is kept in dataSource; a populator's kind goes in dataSourceRef) and the volume is made empty", describe(d), d.group)
            };
            (
                Some(Problem::Dropped {
                    field: "spec.dataSource",
                    why,
                }),
                None,
            )
        }
        other => (None, other.as_deref().cloned()),
    }
}

fn describe(d: &DataSource) -> String {
    if d.group.is_empty() {
        format!("{} {}", d.kind, d.name)
    } else {
        format!("{}.{} {}", d.kind, d.group, d.name)
    }
}

/// upstream `dataSourceIsPvcOrSnapshot`.
fn kept_in_data_source(d: &DataSource) -> bool {
    d.is_claim() || d.is_snapshot()
}

/// What the provisioner makes of the kept source, for a claim it is to provision.
/// `plan_of` gives the plan of another claim (a clone's source), when decided.
pub fn provisioning<'p>(
    snapshot: &Snapshot,
    claims: &ClaimsByName,
    c: usize,
    own: &ClaimPlan,
    source: &DataSource,
    plan_of: impl Fn(usize) -> Option<&'p ClaimPlan>,
) -> Option<Problem> {
    let claim = &snapshot.claims[c];
    let (field, _) = source_field(claim);
    let namespace = source
        .namespace
        .clone()
        .or_else(|| claim.meta.namespace.clone())
        .unwrap_or_default();
    let provisioner = own.provisioner.as_deref();
    if source.is_snapshot() {
        let Some(s) = snapshot.volume_snapshots.iter().position(|s| {
            s.meta.namespace.as_deref() == Some(&namespace) && s.meta.name == source.name
        }) else {
            // Absent from a part of a cluster, the snapshot is assumed (analysis::assumptions).
            return snapshot.snapshots_known().then(|| Problem::NotFound {
                field,
                what: format!("VolumeSnapshot {namespace}/{}", source.name),
            });
        };
        let vs = &snapshot.volume_snapshots[s];
        if let (Some(driver), Some(provisioner)) = (snapshot_driver(snapshot, vs), provisioner) {
            if driver != provisioner {
                return Some(Problem::Refused {
                    field,
                    why: format!("VolumeSnapshot {namespace}/{} was taken by CSI driver {driver}, but the claim's class provisions with {provisioner}: only the driver that took a snapshot restores it", source.name),
                });
            }
        }
        let restore_size = match &vs.restore_size {
            Some(Ok(q)) => Some(q.clone()),
            _ => None,
        };
        if let (Some(size), Some(Ok(request))) = (restore_size, &claim.request) {
            if *request < size {
                return Some(Problem::Refused {
                    field,
                    why: format!(
                        "the claim requests {}, less than the restore size {} of VolumeSnapshot {namespace}/{}: the provisioner refuses (requested volume size is less than the size of the source snapshot)",
                        request.humanize(),
                        size.humanize(),
                        source.name
                    ),
                });
            }
        }
        if vs.ready == Some(false) {
            return Some(Problem::NotReady { field, snapshot: s });
        }
        return None;
    }
    if source.is_claim() {
        let Some(&sc) = claims.get(&(namespace.as_str(), source.name.as_str())) else {
            return snapshot.claims_complete.then(|| Problem::NotFound {
                field,
                what: format!("PersistentVolumeClaim {namespace}/{}", source.name),
            });
        };
        if sc == c {
            return Some(Problem::Refused {
                field,
                why: "the claim names itself as the claim to clone".to_owned(),
            });
        }
        let source_claim = &snapshot.claims[sc];
        let source_plan = plan_of(sc);
        if let Some(p) = source_plan {
            if matches!(
                p.outcome,
                Outcome::Pending | Outcome::Lost | Outcome::WaitsForConsumer
            ) {
                return Some(Problem::Refused {
                    field,
                    why: format!(
                        "the claim to clone, {namespace}/{}, is not bound ({}): the provisioner clones only a bound claim",
                        source.name,
                        p.outcome
                    ),
                });
            }
        }
        // The source's driver: its bound volume's CSI driver, else its class's provisioner.
        let source_driver = source_plan.and_then(|p| {
            p.volume_index
                .and_then(|v| match &snapshot.volumes[v].plugin {
                    crate::model::VolumePlugin::Csi(driver) => Some(driver.clone()),
                    _ => None,
                })
                .or_else(|| p.provisioner.clone())
        });
        if let (Some(driver), Some(provisioner)) = (source_driver, provisioner) {
            if driver != provisioner {
                return Some(Problem::Refused {
                    field,
                    why: format!("the claim to clone, {namespace}/{}, is a volume of {driver}, but the claim's class provisions with {provisioner}: a clone is made by the source's own driver", source.name),
                });
            }
        }
        if source_claim.volume_mode_or_default() != claim.volume_mode_or_default() {
            return Some(Problem::Refused {
                field,
                why: format!(
                    "the claim is volumeMode {}, but the claim to clone, {namespace}/{}, is {}: a clone keeps the source's volume mode",
                    claim.volume_mode_or_default().as_str(),
                    source.name,
                    source_claim.volume_mode_or_default().as_str()
                ),
            });
        }
        let source_size = match (&source_claim.status_capacity, &source_claim.request) {
            (Some(Ok(q)), _) | (None, Some(Ok(q))) => Some(q.clone()),
            _ => None,
        };
        if let (Some(size), Some(Ok(request))) = (source_size, &claim.request) {
            if *request < size {
                return Some(Problem::Refused {
                    field,
                    why: format!(
                        "the claim requests {}, less than the {} of the claim it clones, {namespace}/{}: the provisioner refuses a clone smaller than its source",
                        request.humanize(),
                        size.humanize(),
                        source.name
                    ),
                });
            }
        }
        return None;
    }
    // Any other kind with an API group is for a volume populator.
    if !source.group.is_empty() && snapshot.populators_known() {
        let registered = snapshot
            .volume_populators
            .iter()
            .any(|p| p.group == source.group && p.kind == source.kind);
        if !registered {
            return Some(Problem::NoPopulator { field });
        }
    }
    None
}

/// The CSI driver of a snapshot: its bound content's, else its class's.
pub fn snapshot_driver<'s>(snapshot: &'s Snapshot, vs: &VolumeSnapshot) -> Option<&'s str> {
    let content = vs.bound_content.as_deref().or(vs.source_content.as_deref());
    if let Some(content) = content.and_then(|name| {
        snapshot
            .snapshot_contents
            .iter()
            .find(|c| c.meta.name == name && !c.driver.is_empty())
    }) {
        return Some(&content.driver);
    }
    let class = vs.class.as_deref()?;
    snapshot
        .snapshot_classes
        .iter()
        .find(|c| c.meta.name == class && !c.driver.is_empty())
        .map(|c| c.driver.as_str())
}

/// The claim's problem with its data source for the plan it has: what the API server does, and
/// for a claim to be provisioned, what the provisioner does.
pub fn judge<'p>(
    snapshot: &Snapshot,
    claims: &ClaimsByName,
    c: usize,
    own: &ClaimPlan,
    plan_of: impl Fn(usize) -> Option<&'p ClaimPlan>,
) -> Option<Problem> {
    let claim = &snapshot.claims[c];
    if claim.data_source.is_none() && claim.data_source_ref.is_none() {
        return None;
    }
    let (problem, kept) = admitted(snapshot, c);
    if problem.is_some() {
        return problem;
    }
    let kept = kept?;
    // Only provisioning reads the source: a claim that binds an existing volume gets it as is.
    let provisions = matches!(own.outcome, Outcome::Provisions | Outcome::WaitsForConsumer)
        || (own.outcome == Outcome::Pending && own.blocked_by_data_source);
    if !provisions || claim.bind_completed() {
        return None;
    }
    provisioning(snapshot, claims, c, own, &kept, plan_of)
}
