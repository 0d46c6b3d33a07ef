use super::*;
use crate::load::{load_str, LoadOptions};

fn predict(text: &str, target: &Target) -> Result<(Snapshot, WhatIf), UnknownTarget> {
    let loaded = load_str("t.yaml", text, &LoadOptions::default());
    assert!(loaded.findings.is_empty(), "{:?}", loaded.findings);
    let binding = crate::binding::plan(&loaded.snapshot);
    let deletion = crate::deletion::plan(&loaded.snapshot, &binding);
    let prediction = what_if(&loaded.snapshot, &binding, &deletion, target)?;
    Ok((loaded.snapshot, prediction))
}

/// `name: fate` for every claim reached, in output order.
fn fates(snapshot: &Snapshot, prediction: &WhatIf) -> Vec<String> {
    prediction
        .claims
        .iter()
        .map(|o| {
            format!(
                "{}: {}",
                snapshot.claims[o.claim].meta.name,
                o.fate.as_str()
            )
        })
        .collect()
}

fn target(text: &str) -> Target {
    Target::parse(text, None, "app").unwrap()
}

const CLASSES: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: gone}\nprovisioner: example.com/disk\n---\n";

/// A claim bound to a provisioned volume of the given reclaim policy, as a dump has them.
fn bound(name: &str, policy: &str, claim_meta: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: pv-{name}, uid: pv-{name}, annotations: {{pv.kubernetes.io/provisioned-by: example.com/disk}}}}\nspec: {{capacity: {{storage: 10Gi}}, accessModes: [ReadWriteOnce], persistentVolumeReclaimPolicy: {policy}, storageClassName: gone, csi: {{driver: example.com/disk, volumeHandle: h-{name}}}, claimRef: {{namespace: app, name: {name}, uid: u-{name}}}}}\nstatus: {{phase: Bound}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}, namespace: app, uid: u-{name}{claim_meta}}}\nspec: {{storageClassName: gone, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 10Gi}}}}, volumeName: pv-{name}}}\nstatus: {{phase: Bound, capacity: {{storage: 10Gi}}}}\n---\n"
    )
}

fn statefulset(name: &str, retention: &str, uid: &str) -> String {
    format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: {name}, namespace: app, uid: {uid}}}\nspec:\n  replicas: 1\n  {retention}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: c, image: postgres}}]}}\n  volumeClaimTemplates:\n    - metadata: {{name: data}}\n      spec: {{storageClassName: gone, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 10Gi}}}}}}\n---\n")
}

fn pod(name: &str, claim: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: app, uid: pod-{name}}}\nspec:\n  containers: [{{name: c, image: busybox}}]\n  volumes: [{{name: d, persistentVolumeClaim: {{claimName: {claim}}}}}]\nstatus: {{phase: Running}}\n---\n")
}

#[test]
fn targets_parse_as_kubectl_names_them() {
    assert_eq!(target("ns/app"), Target::Namespace("app".into()));
    assert_eq!(
        Target::parse("namespace", Some("shop"), "x"),
        Ok(Target::Namespace("shop".into()))
    );
    for form in [
        "pvc/a",
        "PersistentVolumeClaim/a",
        "persistentvolumeclaims/a",
    ] {
        assert_eq!(
            target(form),
            Target::Claim {
                namespace: "app".into(),
                name: "a".into()
            },
            "{form}"
        );
    }
    assert!(matches!(target("sts/db"), Target::StatefulSet { .. }));
    assert!(matches!(
        target("statefulset.apps/db"),
        Target::StatefulSet { .. }
    ));
    assert!(matches!(target("po/p"), Target::Pod { .. }));
    let error = Target::parse("deployment/web", None, "app").unwrap_err();
    assert!(error.contains("pvc/NAME"), "{error}");
    assert!(Target::parse("pvc", None, "app").is_err());
    assert!(Target::parse("pvc/", None, "app").is_err());
    assert!(Target::parse("pvc/a", Some("b"), "app").is_err());
}

#[test]
fn deleting_a_claim_follows_its_volumes_reclaim_policy() {
    let text = format!(
        "{CLASSES}{}{}{}",
        bound("gone-data", "Delete", ""),
        bound("kept-data", "Retain", ""),
        bound("scrubbed", "Recycle", "")
    );
    let (snapshot, p) = predict(&text, &target("pvc/gone-data")).unwrap();
    assert_eq!(fates(&snapshot, &p), ["gone-data: deleted"]);
    assert_eq!(p.claims[0].capacity.as_ref().unwrap().humanize(), "10Gi");
    let (snapshot, p) = predict(&text, &target("pvc/kept-data")).unwrap();
    assert_eq!(fates(&snapshot, &p), ["kept-data: kept"]);
    assert!(p.claims[0]
        .reuse
        .as_deref()
        .unwrap()
        .contains("spec.volumeName: pv-kept-data"));
    // A CSI volume cannot be recycled: it turns Failed, data intact.
    let (snapshot, p) = predict(&text, &target("pvc/scrubbed")).unwrap();
    assert_eq!(fates(&snapshot, &p), ["scrubbed: kept"]);
}

#[test]
fn a_claim_still_to_be_provisioned_has_no_data_yet() {
    let text = format!(
        "{CLASSES}apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: new, namespace: app}}\nspec: {{storageClassName: gone, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: unseen, namespace: app}}\nspec: {{storageClassName: elsewhere, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n"
    );
    let (snapshot, p) = predict(&text, &target("ns/app")).unwrap();
    assert_eq!(fates(&snapshot, &p), ["new: none", "unseen: none"]);
    assert_eq!(p.claims[0].once_provisioned, Some(Fate::Deleted));
    assert_eq!(p.claims[1].once_provisioned, Some(Fate::Unknown));
    assert!(p.claims[0].reasons[1].starts_with("no data yet"));
}

#[test]
fn a_namespace_takes_every_claim_even_helm_kept_ones() {
    let text = format!(
        "{CLASSES}{}{}",
        bound(
            "kept-by-helm",
            "Delete",
            ", annotations: {helm.sh/resource-policy: keep}"
        ),
        pod("user", "kept-by-helm")
    );
    let (snapshot, p) = predict(&text, &target("namespace/app")).unwrap();
    assert_eq!(fates(&snapshot, &p), ["kept-by-helm: deleted"]);
    let outcome = &p.claims[0];
    assert!(outcome.reasons[0].contains("does not protect"));
    // The pod goes with the namespace: the claim waits, but for nothing left running.
    assert!(outcome.waits_for.is_empty());
    assert!(outcome.reasons[1].contains("pvc-protection"));
}

#[test]
fn pvc_protection_holds_a_claim_until_its_pods_stop() {
    let text = format!(
        "{CLASSES}{}{}",
        bound("shared", "Delete", ""),
        pod("user", "shared")
    );
    let (_, p) = predict(&text, &target("pvc/shared")).unwrap();
    assert_eq!(p.claims[0].fate, Fate::Deleted);
    assert_eq!(p.claims[0].waits_for[0].to_string(), "Pod app/user");
}

#[test]
fn a_statefulset_deletes_its_claims_only_when_it_owns_them() {
    // whenDeleted: Delete; a claim left by a scale-down goes too.
    let text = format!(
        "{CLASSES}{}{}{}",
        statefulset(
            "db",
            "persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}",
            "sts-db"
        ),
        bound("data-db-0", "Delete", ""),
        bound("data-db-3", "Retain", ""),
    );
    let (snapshot, p) = predict(&text, &target("sts/db")).unwrap();
    assert_eq!(
        fates(&snapshot, &p),
        ["data-db-0: deleted", "data-db-3: kept"]
    );
    assert!(p.claims[0].reasons[0].contains("whenDeleted: Delete"));
    // The default keeps them, unless the claim carries the StatefulSet's owner reference.
    let owner = ", ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: sts-db, blockOwnerDeletion: true}]";
    let text = format!(
        "{CLASSES}{}{}{}{}",
        statefulset("db", "minReadySeconds: 0", "sts-db"),
        bound("data-db-0", "Delete", ""),
        bound("data-db-1", "Delete", owner),
        // Another StatefulSet's claim of a similar name is not reached.
        bound("data-db-x-0", "Delete", ""),
    );
    let (snapshot, p) = predict(&text, &target("sts/db")).unwrap();
    assert_eq!(
        fates(&snapshot, &p),
        ["data-db-1: deleted", "data-db-0: untouched"]
    );
    assert!(p.claims[0].reasons[0].contains("owner reference"));
    // An owner reference to an earlier StatefulSet of the same name (another uid) is stale.
    let stale = owner.replace("uid: sts-db", "uid: older");
    let text = format!(
        "{CLASSES}{}{}",
        statefulset("db", "minReadySeconds: 0", "sts-db"),
        bound("data-db-0", "Delete", &stale),
    );
    let (snapshot, p) = predict(&text, &target("sts/db")).unwrap();
    assert_eq!(fates(&snapshot, &p), ["data-db-0: untouched"]);
}

#[test]
fn a_claim_shared_with_another_workload_waits_for_it() {
    let text = format!(
        "{CLASSES}{}{}{}",
        statefulset(
            "db",
            "persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}",
            "sts-db"
        ),
        bound("data-db-0", "Delete", ""),
        pod("debug", "data-db-0")
    );
    let (_, p) = predict(&text, &target("sts/db")).unwrap();
    let waits: Vec<String> = p.claims[0]
        .waits_for
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(waits, ["Pod app/debug"], "not the StatefulSet's own pod");
}

#[test]
fn deleting_a_pod_deletes_only_the_claims_it_owns() {
    let ephemeral = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: app, uid: pod-p}\nspec:\n  containers: [{name: c, image: busybox}]\n  volumes:\n    - {name: d, persistentVolumeClaim: {claimName: used}}\n    - name: scratch\n      ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}}\n    - name: cache\n      ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}}\n---\n";
    let text = format!(
        "{CLASSES}{}{}{}",
        bound("used", "Delete", ""),
        bound("p-scratch", "Delete", ""),
        ephemeral
    );
    let (snapshot, p) = predict(&text, &target("pod/p")).unwrap();
    // p-cache is not in the input: the plan makes it from the pod's template, still Pending
    // (no class), so deleting it deletes no data.
    assert_eq!(
        fates(&snapshot, &p),
        ["p-scratch: deleted", "p-cache: none", "used: untouched"]
    );
}

#[test]
fn a_statefulset_pod_need_not_be_in_the_input() {
    let text = format!(
        "{CLASSES}{}{}",
        statefulset("db", "minReadySeconds: 0", "sts-db"),
        bound("data-db-0", "Delete", "")
    );
    let (snapshot, p) = predict(&text, &target("pod/db-0")).unwrap();
    assert_eq!(fates(&snapshot, &p), ["data-db-0: untouched"]);
    assert!(p.notes[0].contains("StatefulSet app/db"));
}

#[test]
fn unknown_targets_name_what_the_input_holds() {
    let text = format!("{CLASSES}{}", bound("data", "Delete", ""));
    let error = predict(&text, &target("pvc/dta")).unwrap_err().0;
    assert!(
        error.contains("no PersistentVolumeClaim app/dta"),
        "{error}"
    );
    assert!(error.contains("claims in namespace app: data"), "{error}");
    let error = predict(&text, &Target::parse("pvc/data", None, "default").unwrap())
        .unwrap_err()
        .0;
    assert!(
        error.contains("namespace app (choose it with -n)"),
        "{error}"
    );
    let error = predict(&text, &target("ns/shop")).unwrap_err().0;
    assert!(error.contains("namespaces in the input: app"), "{error}");
    assert!(predict(&text, &target("sts/db")).is_err());
    assert!(predict(&text, &target("pod/db-0")).is_err());
}

/// A live run not allowed to list volumes: a bound claim's volume is unknown, not gone, so the
/// claim stays Bound and the fate of its data is unknown, with why.
#[test]
fn volumes_that_could_not_be_read_leave_the_data_unknown() {
    let dump = bound(
        "data",
        "Retain",
        ", annotations: {pv.kubernetes.io/bind-completed: \"yes\"}",
    );
    // Only the claim, as a user who may list claims but not volumes reads the cluster.
    let claim_only = dump.split("---\n").nth(1).unwrap_or_default();
    let mut loaded = load_str("t.yaml", claim_only, &LoadOptions::default());
    loaded.snapshot.unreadable.push((
        "PersistentVolume",
        "not allowed to list persistentvolumes (403 Forbidden)".to_owned(),
    ));
    let binding = crate::binding::plan(&loaded.snapshot);
    assert_eq!(binding.claims[0].outcome, crate::binding::Outcome::Bound);
    assert!(
        binding.claims[0].reason.contains("cannot see"),
        "{}",
        binding.claims[0].reason
    );
    let deletion = crate::deletion::plan(&loaded.snapshot, &binding);
    let p = what_if(&loaded.snapshot, &binding, &deletion, &target("ns/app")).unwrap();
    assert_eq!(fates(&loaded.snapshot, &p), ["data: unknown"]);
    let reasons = p.claims[0].reasons.join("; ");
    assert!(reasons.contains("403 Forbidden"), "{reasons}");
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    loaded
        .snapshot
        .unreadable
        .push(("Pod", "not allowed to list pods (403 Forbidden)".to_owned()));
    let p = what_if(&loaded.snapshot, &binding, &deletion, &target("ns/app")).unwrap();
    assert!(
        p.notes.iter().any(|n| n.contains("pods could not be read")),
        "{:?}",
        p.notes
    );
    // Without the notes the volume is missing from a complete input: the claim is Lost.
    loaded.snapshot.unreadable.clear();
    let binding = crate::binding::plan(&loaded.snapshot);
    assert_eq!(binding.claims[0].outcome, crate::binding::Outcome::Lost);
}
