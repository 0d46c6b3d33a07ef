//! `diagnose`: the plan of a live cluster narrowed to one object and what it depends on (a pod,
//! its claims, their volumes, classes and attachments), with a plain-words account of that
//! chain; or, without a target, every problem found.

use crate::model::object::{kind_named, split_type_and_name};
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::binding::{BindingPlan, Outcome};
use crate::evidence::{Event, Evidence, Provisioner};
use crate::model::{Claim, ObjectKey, Snapshot, VolumePhase, Workload, WorkloadKind};
use crate::report::{PlanReport, Summary};

/// What to diagnose, as kubectl names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub key: ObjectKey,
}

/// The accepted target forms, for usage errors.
pub const TARGET_FORMS: &str =
    "pvc/NAME (persistentvolumeclaim/), pv/NAME (persistentvolume/), pod/NAME (po/) or sts/NAME (statefulset/)";

impl Target {
    /// Reads kubectl's `TYPE/NAME` or `TYPE NAME`; namespaced kinds take `namespace`.
    pub fn parse(target: &str, name: Option<&str>, namespace: &str) -> Result<Target, String> {
        let (kind, name) = split_type_and_name(target, name, TARGET_FORMS)?;
        let kind = match kind_named(kind) {
            Some(kind @ ("PersistentVolumeClaim" | "PersistentVolume" | "Pod" | "StatefulSet")) => {
                kind
            }
            _ => {
                return Err(format!(
                    "cannot diagnose a {:?}: diagnose takes {TARGET_FORMS}",
                    kind.to_ascii_lowercase()
                ))
            }
        };
        let namespace = (kind != "PersistentVolume").then_some(namespace);
        Ok(Target {
            key: ObjectKey::new(kind, namespace, name),
        })
    }
}

/// The diagnosed object in the JSON output.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetEntry {
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
    /// The object and what it depends on, in plain words, one line each.
    pub chain: Vec<String>,
    /// Storage events about the objects of the chain, oldest first.
    pub events: Vec<EventEntry>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEntry {
    pub object: String,
    pub reason: String,
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub message: String,
    pub count: i32,
    pub last_seen: Option<String>,
}

/// The objects a target reaches, and the account of them.
struct Chain {
    keys: HashSet<ObjectKey>,
    lines: Vec<String>,
}

/// Narrows a plan to a target: its chain, and the findings, claims and volumes on it. Errors
/// when the target does not exist.
pub fn narrow(
    report: &mut PlanReport,
    snapshot: &Snapshot,
    evidence: Option<&Evidence>,
    target: &Target,
) -> Result<TargetEntry, String> {
    let none = Evidence::default();
    let evidence = evidence.unwrap_or(&none);
    let chain = chain(snapshot, report.binding(), evidence, &target.key)?;
    keep(report, &chain.keys);
    let events = evidence
        .events
        .iter()
        .filter(|e| chain.keys.contains(&e.object))
        .filter(|e| !superseded_scheduling(evidence, e))
        .map(|e| EventEntry {
            object: e.object.to_string(),
            reason: e.reason.clone(),
            type_: if e.warning { "Warning" } else { "Normal" },
            message: e.message.trim().to_owned(),
            count: e.count,
            last_seen: e.last_seen.clone(),
        })
        .collect();
    Ok(TargetEntry {
        kind: target.key.kind,
        namespace: target.key.namespace.clone(),
        name: target.key.name.clone(),
        chain: chain.lines,
        events,
    })
}

/// Without a target: the problems only. Claims and volumes stay where a finding names them. A
/// run over one namespace keeps the cluster-wide objects' problems that reach into it: volumes
/// reserved for its claims, their attachments, the classes its claims use.
pub fn problems_only(
    report: &mut PlanReport,
    snapshot: &Snapshot,
    evidence: Option<&Evidence>,
    namespace: Option<&str>,
) {
    // Namespaced objects were read from that namespace only; cluster-wide ones were all read.
    let volume_namespace: HashMap<&str, &str> = snapshot
        .volumes
        .iter()
        .filter_map(|v| {
            Some((
                v.meta.name.as_str(),
                v.claim_ref.as_ref()?.namespace.as_str(),
            ))
        })
        .collect();
    let attached_volume: HashMap<&str, &str> = evidence
        .map(|e| e.attachments.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|a| Some((a.meta.name.as_str(), a.volume.as_deref()?)))
        .collect();
    let classes_used: HashSet<String> = report
        .claims
        .iter()
        .filter_map(|c| c.storage_class.map(str::to_owned))
        .collect();
    let reaches = |key: &ObjectKey| -> bool {
        let Some(namespace) = namespace else {
            return true;
        };
        let volume_reaches = |name: &str| volume_namespace.get(name) == Some(&namespace);
        match key.kind {
            "PersistentVolume" => volume_reaches(&key.name),
            "VolumeAttachment" => attached_volume
                .get(key.name.as_str())
                .is_some_and(|v| volume_reaches(v)),
            "StorageClass" => classes_used.contains(&key.name),
            _ => key.namespace.is_none() || key.namespace.as_deref() == Some(namespace),
        }
    };
    let keys: HashSet<ObjectKey> = report
        .findings
        .iter()
        .map(|f| ObjectKey {
            kind: f.object.kind,
            namespace: f.object.namespace.clone(),
            name: f.object.name.clone(),
        })
        .filter(|key| reaches(key))
        .collect();
    keep(report, &keys);
}

fn keep(report: &mut PlanReport, keys: &HashSet<ObjectKey>) {
    let claim = |ns: &str, name: &str| {
        keys.contains(&ObjectKey::new("PersistentVolumeClaim", Some(ns), name))
    };
    report.claims.retain(|c| claim(c.namespace, c.name));
    report
        .volumes
        .retain(|v| keys.contains(&ObjectKey::new("PersistentVolume", None, v.name)));
    report.findings.retain(|f| {
        keys.contains(&ObjectKey {
            kind: f.object.kind,
            namespace: f.object.namespace.clone(),
            name: f.object.name.clone(),
        })
    });
    report.deletion.clear();
    let mut summary = Summary {
        claims: report.claims.len(),
        volumes: report.volumes.len(),
        ..Summary::default()
    };
    for c in &report.claims {
        match c.outcome {
            "bound" => summary.bound += 1,
            "binds" => summary.binds += 1,
            "provisions" => summary.provisions += 1,
            "waits-for-consumer" => summary.waits_for_consumer += 1,
            "pending" => summary.pending += 1,
            "lost" => summary.lost += 1,
            _ => {}
        }
    }
    for f in &report.findings {
        match f.severity {
            crate::findings::Severity::Error => summary.errors += 1,
            crate::findings::Severity::Warning => summary.warnings += 1,
            crate::findings::Severity::Info => summary.infos += 1,
        }
    }
    report.summary = summary;
}

fn chain(
    snapshot: &Snapshot,
    binding: &BindingPlan,
    evidence: &Evidence,
    target: &ObjectKey,
) -> Result<Chain, String> {
    let mut chain = Chain {
        keys: HashSet::new(),
        lines: Vec::new(),
    };
    let not_found = || {
        let kind = target.kind.to_lowercase();
        match &target.namespace {
            Some(ns) => format!("{kind} {:?} not found in namespace {ns}", target.name),
            None => format!("{kind} {:?} not found", target.name),
        }
    };
    let claim_index = |ns: &str, name: &str| {
        snapshot
            .claims
            .iter()
            .position(|c| c.meta.namespace.as_deref() == Some(ns) && c.meta.name == name)
    };
    match target.kind {
        "PersistentVolumeClaim" => {
            let ns = target.namespace.as_deref().unwrap_or_default();
            let c = claim_index(ns, &target.name)
                .filter(|c| snapshot.claims[*c].meta.exists)
                .ok_or_else(not_found)?;
            claim_chain(snapshot, binding, evidence, c, "", &mut chain);
        }
        "PersistentVolume" => {
            let v = snapshot
                .volumes
                .iter()
                .position(|v| v.meta.name == target.name)
                .ok_or_else(not_found)?;
            let volume = &snapshot.volumes[v];
            let plan = &binding.volumes[v];
            chain.keys.insert(volume.key());
            let phase = volume_phase(volume.written_phase, plan.phase);
            chain.lines.push(format!(
                "volume {}: {phase}, {} — {}",
                volume.meta.name,
                volume
                    .capacity
                    .as_ref()
                    .and_then(|c| c.as_ref().ok())
                    .map_or("no capacity".to_owned(), |q| q.as_str().to_owned()),
                plan.reason
            ));
            attachments(evidence, &volume.meta.name, "  ", &mut chain);
            let claim = volume
                .claim_ref
                .as_ref()
                .and_then(|r| claim_index(&r.namespace, &r.name));
            match (claim, &volume.claim_ref) {
                (Some(c), _) => claim_chain(snapshot, binding, evidence, c, "  ", &mut chain),
                (None, Some(r)) => chain.lines.push(format!(
                    "  reserved for claim {}/{}, which does not exist",
                    r.namespace, r.name
                )),
                (None, None) => chain.lines.push("  no claim".to_owned()),
            }
        }
        "Pod" => {
            let pod = snapshot
                .workloads
                .iter()
                .find(|w| w.kind == WorkloadKind::Pod && w.key() == *target)
                .ok_or_else(not_found)?;
            pod_chain(snapshot, binding, evidence, pod, "", &mut chain);
        }
        "StatefulSet" => {
            let set = snapshot
                .workloads
                .iter()
                .find(|w| w.kind == WorkloadKind::StatefulSet && w.key() == *target)
                .ok_or_else(not_found)?;
            chain.keys.insert(set.key());
            chain.lines.push(format!(
                "StatefulSet {}: {} replica(s), claim templates: {}",
                set.meta.qualified_name(),
                set.pods,
                set.claim_templates
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            let ns = set.meta.namespace.as_deref().unwrap_or_default();
            for index in 0..set.pods {
                let pod_name = set.pod_name(index);
                let pod = snapshot.workloads.iter().find(|w| {
                    w.kind == WorkloadKind::Pod
                        && w.meta.namespace == set.meta.namespace
                        && w.meta.name == pod_name
                });
                match pod {
                    Some(pod) => pod_chain(snapshot, binding, evidence, pod, "  ", &mut chain),
                    None => {
                        chain
                            .lines
                            .push(format!("  pod {ns}/{pod_name}: not created yet"));
                        for name in set.claims_of_pod(index) {
                            if let Some(c) = claim_index(ns, &name) {
                                claim_chain(snapshot, binding, evidence, c, "    ", &mut chain);
                            }
                        }
                    }
                }
            }
        }
        _ => return Err(not_found()),
    }
    Ok(chain)
}

fn pod_chain(
    snapshot: &Snapshot,
    binding: &BindingPlan,
    evidence: &Evidence,
    pod: &Workload,
    indent: &str,
    chain: &mut Chain,
) {
    chain.keys.insert(pod.key());
    chain.lines.push(format!(
        "{indent}pod {}: {}",
        pod.meta.qualified_name(),
        pod_state(pod)
    ));
    // The pod's PodScheduled condition is the scheduler's latest word; events may be older.
    if let Some(message) = &pod.unschedulable {
        chain.lines.push(format!(
            "{indent}  the scheduler cannot place it (condition PodScheduled False, Unschedulable): {}",
            message.trim()
        ));
    }
    let ns = pod.meta.namespace.as_deref().unwrap_or_default();
    for usage in &pod.template.claims {
        let claim = snapshot
            .claims
            .iter()
            .position(|c| c.meta.namespace.as_deref() == Some(ns) && c.meta.name == usage.claim);
        match claim {
            Some(c) => claim_chain(
                snapshot,
                binding,
                evidence,
                c,
                &format!("{indent}  "),
                chain,
            ),
            None => chain.lines.push(format!(
                "{indent}  claim {ns}/{}: does not exist; the pod cannot start until it does",
                usage.claim
            )),
        }
    }
}

fn claim_chain(
    snapshot: &Snapshot,
    binding: &BindingPlan,
    evidence: &Evidence,
    index: usize,
    indent: &str,
    chain: &mut Chain,
) {
    let claim = &snapshot.claims[index];
    let plan = &binding.claims[index];
    chain.keys.insert(claim.key());
    let phase = claim.status.phase.as_deref().unwrap_or("phase unknown");
    let request = match &claim.request {
        Some(Ok(q)) => q.as_str().to_owned(),
        _ => "no valid size".to_owned(),
    };
    chain.lines.push(format!(
        "{indent}claim {}: {phase}, asks for {request} ({}) — {}",
        claim.meta.qualified_name(),
        claim.access_modes,
        plan.reason
    ));
    let inner = format!("{indent}  ");
    // The class and its provisioner.
    match (&plan.class, plan.class_index.map(|i| &snapshot.classes[i])) {
        (Some(_), Some(class)) => {
            chain.keys.insert(class.key());
            let name = &class.provisioner;
            let driver = match evidence.provisioner(class) {
                Provisioner::None => "provisions nothing (volumes are created by hand)".to_owned(),
                Provisioner::InTree => format!("provisioner {name} (in-tree)"),
                Provisioner::NotCsi => format!(
                    "provisioner {name} (an external provisioner, not a CSI driver: whether it runs is not visible from the API; check its deployment)"
                ),
                Provisioner::Csi { installed: Some(true) } => {
                    format!("provisioner {name} (CSI driver installed)")
                }
                Provisioner::Csi { installed: Some(false) } => format!(
                    "provisioner {name}: no CSIDriver or node names it; the driver looks not installed"
                ),
                Provisioner::Csi { installed: None } => format!(
                    "provisioner {name} (whether its driver is installed could not be checked)"
                ),
            };
            let mode = class.binding_mode_or_default();
            let waits = if mode == crate::model::BindingMode::WaitForFirstConsumer
                && !matches!(plan.outcome, Outcome::Bound | Outcome::Lost)
            {
                match claim.selected_node() {
                    Some(node) => format!("; WaitForFirstConsumer: a pod was scheduled to {node}"),
                    None => "; WaitForFirstConsumer: nothing happens until a pod using the claim is scheduled".to_owned(),
                }
            } else {
                String::new()
            };
            chain
                .lines
                .push(format!("{inner}class {}: {driver}{waits}", class.meta.name));
        }
        (Some(name), None) => chain.lines.push(match snapshot.unreadable("StorageClass") {
            Some(why) => format!("{inner}class {name}: unknown ({why})"),
            None => format!("{inner}class {name}: not found in the cluster"),
        }),
        (None, _) => {}
    }
    // The volume, or why none.
    match plan.volume_index.map(|v| &snapshot.volumes[v]) {
        Some(volume) => {
            chain.keys.insert(volume.key());
            let capacity = volume
                .capacity
                .as_ref()
                .and_then(|c| c.as_ref().ok())
                .map_or("no capacity".to_owned(), |q| q.as_str().to_owned());
            chain.lines.push(format!(
                "{inner}volume {}: {capacity}, {} ({}), reclaim policy {}",
                volume.meta.name,
                volume.access_modes,
                volume.plugin.name(),
                volume.reclaim_policy_or_default().as_str()
            ));
            attachments(evidence, &volume.meta.name, &format!("{inner}  "), chain);
        }
        None if !plan.candidates.is_empty() => {
            chain
                .lines
                .push(format!("{inner}volumes considered and rejected:"));
            for candidate in plan.candidates.iter().take(10) {
                chain.lines.push(format!(
                    "{inner}  {}: {}",
                    snapshot.volumes[candidate.volume].meta.name, candidate.rejected
                ));
            }
            if plan.candidates.len() > 10 || plan.candidates_omitted > 0 {
                chain.lines.push(format!(
                    "{inner}  … and {} more (-o json lists them)",
                    plan.candidates.len().saturating_sub(10) + plan.candidates_omitted
                ));
            }
        }
        None => match (&plan.volume, snapshot.unreadable("PersistentVolume")) {
            (Some(name), Some(why)) => chain
                .lines
                .push(format!("{inner}volume {name}: unknown ({why})")),
            (None, Some(why)) if plan.outcome == Outcome::Pending => chain.lines.push(format!(
                "{inner}whether a volume could fit it is unknown ({why})"
            )),
            _ if plan.outcome == Outcome::Pending => chain
                .lines
                .push(format!("{inner}no volume exists that could fit it")),
            _ => {}
        },
    }
    users(snapshot, claim, &inner, chain);
}

/// A pod's phase and node, as the chain shows them.
/// A FailedScheduling event older than another about the same pod: each scheduling attempt
/// says why it failed then, so only the latest still stands.
fn superseded_scheduling(evidence: &Evidence, event: &Event) -> bool {
    event.reason == "FailedScheduling"
        && evidence
            .latest(&event.object, &["FailedScheduling"])
            .is_some_and(|latest| !std::ptr::eq(latest, event))
}

fn pod_state(pod: &Workload) -> String {
    let node = pod
        .template
        .node_name
        .as_deref()
        .map_or("not scheduled".to_owned(), |n| format!("on node {n}"));
    format!(
        "{}, {node}",
        pod.phase.as_deref().unwrap_or("phase unknown")
    )
}

/// The pods using a claim.
fn users(snapshot: &Snapshot, claim: &Claim, indent: &str, chain: &mut Chain) {
    for pod in snapshot.workloads.iter().filter(|w| {
        w.kind == WorkloadKind::Pod
            && !w.finished
            && w.meta.namespace == claim.meta.namespace
            && w.template.claims.iter().any(|u| u.claim == claim.meta.name)
    }) {
        if chain.keys.insert(pod.key()) {
            chain.lines.push(format!(
                "{indent}used by pod {}: {}",
                pod.meta.qualified_name(),
                pod_state(pod)
            ));
        }
    }
}

/// Where a volume stands now (`status.phase`) first, as for claims, and the plan's prediction
/// when it differs: a live phase is never shown as if it were the predicted one.
fn volume_phase(now: Option<VolumePhase>, predicted: VolumePhase) -> String {
    match now {
        Some(now) if now == predicted => now.as_str().to_owned(),
        Some(now) => format!("{} now, {} next", now.as_str(), predicted.as_str()),
        None => format!("{} (predicted)", predicted.as_str()),
    }
}

fn attachments(evidence: &Evidence, volume: &str, indent: &str, chain: &mut Chain) {
    if !evidence.readable("VolumeAttachment") {
        chain.lines.push(format!(
            "{indent}attachments: could not be read (not allowed to list volumeattachments)"
        ));
        return;
    }
    for a in evidence
        .attachments
        .iter()
        .filter(|a| a.volume.as_deref() == Some(volume))
    {
        chain.keys.insert(a.key());
        let state = if a.attached {
            "attached"
        } else {
            "being attached"
        };
        let error = a
            .attach_error
            .as_deref()
            .map(|e| format!(", attach error: {e}"))
            .unwrap_or_default();
        chain.lines.push(format!(
            "{indent}{state} to node {} (VolumeAttachment {}){error}",
            a.node, a.meta.name
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_volume_shows_its_phase_now_before_the_prediction() {
        assert_eq!(
            volume_phase(Some(VolumePhase::Bound), VolumePhase::Bound),
            "Bound"
        );
        assert_eq!(
            volume_phase(Some(VolumePhase::Bound), VolumePhase::Released),
            "Bound now, Released next"
        );
        assert_eq!(
            volume_phase(None, VolumePhase::Available),
            "Available (predicted)"
        );
    }
}
