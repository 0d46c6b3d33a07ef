//! What the matcher predicts, per claim and per volume, with the reasons behind it.

use std::fmt;

use crate::model::storage::ReclaimPolicy;
use crate::model::{AccessModes, Quantity, VolumeMode, VolumePhase};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Already bound to its volume.
    Bound,
    /// Will be bound to an existing volume.
    Binds,
    /// A volume will be provisioned for it.
    Provisions,
    /// Its class waits for a first consumer and no pod uses it yet.
    WaitsForConsumer,
    /// Will stay Pending.
    Pending,
    /// Bound to a volume that does not exist (or belongs to another claim).
    Lost,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Bound => "bound",
            Outcome::Binds => "binds",
            Outcome::Provisions => "provisions",
            Outcome::WaitsForConsumer => "waits-for-consumer",
            Outcome::Pending => "pending",
            Outcome::Lost => "lost",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why one volume was not chosen for a claim, in the order upstream's `FindMatchingVolume` and
/// `checkVolumeSatisfyClaim` test them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Controller path: the volume's access-mode set lacks a requested mode.
    AccessModes {
        volume: AccessModes,
        claim: AccessModes,
    },
    /// Reserved for, or bound to, another claim (`claimRef`).
    ClaimedByOther {
        claim: String,
        by_uid: bool,
    },
    /// Boxed, as the other rare large fields: a plan holds up to 25 rejections per claim.
    TooSmall {
        capacity: Box<Quantity>,
        request: Box<Quantity>,
    },
    VolumeMode {
        volume: VolumeMode,
        claim: VolumeMode,
    },
    AttributesClass {
        volume: Option<Box<str>>,
        claim: Option<Box<str>>,
    },
    Deleting,
    /// The claim's class is WaitForFirstConsumer: the controller leaves free volumes to the
    /// scheduler.
    DelayedBinding,
    NotAvailable {
        phase: VolumePhase,
    },
    Selector {
        selector: String,
    },
    Class {
        volume: Box<str>,
        claim: Box<str>,
    },
    NodeAffinity {
        nodes: Vec<String>,
    },
    /// Taken by a claim processed earlier in this plan.
    TakenBy {
        claim: String,
    },
    /// The claim's selector is invalid, so the controller matches nothing.
    InvalidSelector {
        error: String,
    },
}

fn class_name(class: &str) -> String {
    if class.is_empty() {
        "no class".to_owned()
    } else {
        format!("class {class:?}")
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::AccessModes { volume, claim } => {
                write!(f, "access modes {volume} do not include the requested {claim}")
            }
            Rejection::ClaimedByOther { claim, by_uid: true } => write!(f, "bound to claim {claim}"),
            Rejection::ClaimedByOther { claim, by_uid: false } => {
                write!(f, "reserved for claim {claim} (claimRef)")
            }
            Rejection::TooSmall { capacity, request } => write!(
                f,
                "capacity {} is less than the requested {}",
                capacity.humanize(),
                request.humanize()
            ),
            Rejection::VolumeMode { volume, claim } => write!(
                f,
                "volumeMode {} does not match the claim's {}",
                volume.as_str(),
                claim.as_str()
            ),
            Rejection::AttributesClass { volume, claim } => write!(
                f,
                "volumeAttributesClass {} does not match the claim's {}",
                volume.as_deref().unwrap_or("(none)"),
                claim.as_deref().unwrap_or("(none)")
            ),
            Rejection::Deleting => f.write_str("being deleted (deletionTimestamp is set)"),
            Rejection::DelayedBinding => f.write_str(
                "the claim's class is WaitForFirstConsumer: only the scheduler binds it, once a pod uses it",
            ),
            Rejection::NotAvailable { phase } => write!(f, "phase {phase}, not Available"),
            Rejection::Selector { selector } => {
                write!(f, "labels do not match the claim's selector {selector}")
            }
            Rejection::Class { volume, claim } if claim.is_empty() => {
                write!(f, "{}, and the claim has none", class_name(volume))
            }
            Rejection::Class { volume, claim } => write!(
                f,
                "{} is not the claim's {}",
                class_name(volume),
                class_name(claim)
            ),
            Rejection::NodeAffinity { nodes } => match nodes.as_slice() {
                [] => f.write_str("node affinity matches no node the pod can run on"),
                [one] => write!(f, "node affinity does not match node {one}"),
                many => write!(f, "node affinity matches none of the nodes {}", many.join(", ")),
            },
            Rejection::TakenBy { claim } => {
                write!(f, "will be bound to claim {claim}, which is processed first")
            }
            Rejection::InvalidSelector { error } => write!(f, "the claim's selector is invalid: {error}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub volume: usize,
    pub rejected: Rejection,
}

/// Another claim, processed earlier, takes the volume this claim would otherwise get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Competition {
    pub volume: usize,
    pub winner: usize,
}

#[derive(Clone, Debug)]
pub struct ClaimPlan {
    pub outcome: Outcome,
    /// The volume name for bound/binds/lost; it may name a volume that does not exist.
    pub volume: Option<String>,
    pub volume_index: Option<usize>,
    /// Effective class after defaulting; `None` when the claim has no class.
    pub class: Option<String>,
    /// Index of the StorageClass object, when it was among the inputs.
    pub class_index: Option<usize>,
    /// The class was defaulted (by admission or retroactively by the controller).
    pub class_defaulted: bool,
    pub provisioner: Option<String>,
    pub reason: String,
    pub candidates: Vec<Candidate>,
    /// Candidates left out of `candidates` to keep the plan small.
    pub candidates_omitted: usize,
    /// The node the scheduler's path placed the consumer on.
    pub node: Option<String>,
    /// Other volumes exactly as good as the chosen one; upstream's pick among them is arbitrary.
    pub ties: Vec<usize>,
    /// What the volume binding does for the claim on other nodes that fit its consumer as well
    /// as `node`: the scheduler picks among them by their load, which the plan does not know.
    pub alternatives: Vec<NodeAlternative>,
    pub competition: Option<Competition>,
    /// Sets no class and is planned against the cluster's default class, which the inputs do
    /// not show.
    pub assumes_cluster_default: bool,
    /// Sets no class and binds a class-less volume it asks for: the plan assumes the cluster
    /// has no default class, which would be given to the claim and keep it from binding.
    pub assumes_no_default_class: bool,
    /// Would be provisioned, but its data source cannot be used (`binding::data_source`), so
    /// it stays Pending.
    pub blocked_by_data_source: bool,
}

/// The claim's fate if the scheduler places its consumer on one of `nodes` instead: it binds
/// `volume`, is provisioned one (`volume` None), or stays Pending with `volume` reserved for it
/// by a binding the PV controller never completes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeAlternative {
    pub outcome: Outcome,
    pub volume: Option<usize>,
    pub nodes: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnClaimDelete {
    Retained,
    Deleted,
    Recycled,
    NotApplicable,
}

impl OnClaimDelete {
    pub fn as_str(self) -> &'static str {
        match self {
            OnClaimDelete::Retained => "retained",
            OnClaimDelete::Deleted => "deleted",
            OnClaimDelete::Recycled => "recycled",
            OnClaimDelete::NotApplicable => "not-applicable",
        }
    }
}

#[derive(Clone, Debug)]
pub struct VolumePlan {
    pub phase: VolumePhase,
    /// "namespace/name" of the claim it is or will be bound to.
    pub claim: Option<String>,
    pub claim_index: Option<usize>,
    /// A claimRef without uid that keeps the volume for one claim name.
    pub reserved_for: Option<String>,
    pub reclaim_policy: ReclaimPolicy,
    pub on_claim_delete: OnClaimDelete,
    /// Who deletes it when `on_claim_delete` is Deleted.
    pub deleter: Option<super::reclaim::Deleter>,
    /// Shared by the volumes with the same reason: a large cluster has few.
    pub reason: std::sync::Arc<str>,
    /// For a Released or Failed volume: the claim it was bound to, which is gone.
    pub previous_claim: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct BindingPlan {
    /// Index-aligned with `Snapshot::claims`.
    pub claims: Vec<ClaimPlan>,
    /// Index-aligned with `Snapshot::volumes`.
    pub volumes: Vec<VolumePlan>,
    /// The default StorageClass, if any.
    pub default_class: Option<usize>,
    /// All classes marked default, newest first (more than one is worth a warning).
    pub default_classes: Vec<usize>,
}
