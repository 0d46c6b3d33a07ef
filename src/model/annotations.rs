//! Annotation keys the PV controller, scheduler and admission read and write.

pub const BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
pub const BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
pub const PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";
/// Set by the PV controller on volumes of an in-tree plugin handed to a CSI driver.
pub const MIGRATED_TO: &str = "pv.kubernetes.io/migrated-to";
pub const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
pub const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";
pub const IS_DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
pub const BETA_IS_DEFAULT_CLASS: &str = "storageclass.beta.kubernetes.io/is-default-class";
/// Our own: `kubectl-storage.io/ignore: rule-a,rule-b` silences those rules for one object.
pub const IGNORE_RULES: &str = "kubectl-storage.io/ignore";
/// Helm's `keep`: `helm uninstall` (and upgrades that drop the object) leave it in place.
pub const HELM_RESOURCE_POLICY: &str = "helm.sh/resource-policy";
