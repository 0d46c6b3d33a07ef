//! What the tool says to users with less than full access, and about objects seen from one
//! namespace, against the real API server's RBAC and controllers: what it cannot read is
//! unknown, never absent; credentials that cannot read anything fail the run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use super::support::{self, control_plane::ControlPlane};

fn tool(kubeconfig: &Path) -> assert_cmd::Command {
    let home = support::scratch("e2e-access-home");
    let mut cmd = support::tool(&home);
    cmd.env("KUBECONFIG", kubeconfig);
    cmd
}

/// A namespace developer: get, list and watch on the namespaced kinds the tool reads, in one
/// namespace, and nothing cluster-wide.
fn developer(plane: &ControlPlane, user: &str, namespace: &str) -> PathBuf {
    let rules = json!([
        {"apiGroups": [""], "resources": ["persistentvolumeclaims", "pods", "events", "replicationcontrollers"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets", "daemonsets", "replicasets"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["storage.k8s.io"], "resources": ["csistoragecapacities"], "verbs": ["get", "list", "watch"]},
    ]);
    plane.apply(&[
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": user, "namespace": namespace},
            "rules": rules,
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": user, "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": user},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
        }),
    ]);
    plane.kubeconfig(user, None, Some(namespace))
}

fn json_of(out: &support::Run) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: exit {}\n{}\n{}", out.code, out.stdout, out.stderr))
}

fn rules_of(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["rule"].as_str().map(str::to_owned))
        .collect()
}

/// A Retain volume bound to claim `data` in `namespace`, of a class no StorageClass defines.
fn bound_claim(plane: &ControlPlane, namespace: &str, volume: &str) {
    plane.namespace(namespace);
    plane.apply_yaml(&format!(
        "apiVersion: v1
kind: PersistentVolume
metadata: {{name: {volume}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  storageClassName: {volume}
  persistentVolumeReclaimPolicy: Retain
  hostPath: {{path: /tmp/{volume}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data, namespace: {namespace}}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: {volume}
  resources: {{requests: {{storage: 1Gi}}}}
"
    ));
    plane
        .wait_for(Duration::from_secs(30), "the claim to bind", || {
            let claim = plane.get("v1", "PersistentVolumeClaim", Some(namespace), "data")?;
            (claim["status"]["phase"] == "Bound").then_some(())
        })
        .unwrap();
}

/// Deletes the claim, then its Retain volume (which stays Released).
fn remove_bound_claim(plane: &ControlPlane, namespace: &str, volume: &str) {
    plane.delete("v1", "PersistentVolumeClaim", Some(namespace), "data");
    plane.drop_finalizers("v1", "PersistentVolumeClaim", Some(namespace), "data");
    plane.delete("v1", "PersistentVolume", None, volume);
    plane.drop_finalizers("v1", "PersistentVolume", None, volume);
}

#[test]
fn a_developer_who_cannot_list_volumes_sees_bound_claims_bound_and_their_data_unknown() {
    let Some(plane) = support::control_plane::control_plane(
        "a_developer_who_cannot_list_volumes_sees_bound_claims_bound_and_their_data_unknown",
    ) else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    let (ns, volume) = ("access-dev", "access-dev-pv");
    bound_claim(plane, ns, volume);
    let kubeconfig = developer(plane, "access-dev-user", ns);

    let out = support::run(tool(&kubeconfig).args(["plan", "--cluster", "-n", ns, "-o", "json"]));
    let plan = json_of(&out);
    assert_eq!(out.code, 0, "{plan:#}\n{}", out.stderr);
    let claim = &plan["claims"][0];
    assert_eq!(claim["outcome"], "bound", "{plan:#}");
    assert_eq!(claim["volume"], volume, "{plan:#}");
    let rules = rules_of(&plan);
    assert!(!rules.contains(&"claim-lost".to_owned()), "{plan:#}");
    assert!(!rules.contains(&"class-not-found".to_owned()), "{plan:#}");
    let degraded = plan["degraded"].to_string();
    for resource in [
        "persistentvolumes",
        "storageclasses.storage.k8s.io",
        "nodes",
    ] {
        assert!(degraded.contains(resource), "{resource}: {degraded}");
    }
    assert!(
        out.stderr.contains("not allowed to list persistentvolumes"),
        "{}",
        out.stderr
    );

    let out = support::run(tool(&kubeconfig).args([
        "what-if",
        "delete",
        &format!("namespace/{ns}"),
        "--cluster",
        "-o",
        "json",
    ]));
    let what_if = json_of(&out);
    let outcome = &what_if["claims"][0];
    assert_eq!(outcome["fate"], "unknown", "{what_if:#}");
    let reasons = outcome["reasons"].to_string();
    assert!(reasons.contains("403 Forbidden"), "{what_if:#}");
    assert_eq!(what_if["summary"]["dataDeleted"], 0, "{what_if:#}");

    // The administrator sees the same claim bound, and its data kept on the Retain volume.
    let out = support::run(tool(&plane.admin_kubeconfig()).args([
        "what-if",
        "delete",
        &format!("namespace/{ns}"),
        "--cluster",
        "-o",
        "json",
    ]));
    assert_eq!(json_of(&out)["claims"][0]["fate"], "kept", "{}", out.stdout);

    remove_bound_claim(plane, ns, volume);
}

#[test]
fn a_user_the_kubeconfig_lacks_is_an_error() {
    let Some(plane) =
        support::control_plane::control_plane("a_user_the_kubeconfig_lacks_is_an_error")
    else {
        return;
    };
    let kubeconfig = plane.kubeconfig("access-known", None, Some("default"));
    for (flag, name) in [
        ("--user", "access-nobody"),
        ("--context", "elsewhere"),
        ("--cluster=far", ""),
    ] {
        let mut cmd = tool(&kubeconfig);
        cmd.arg("plan");
        if name.is_empty() {
            cmd.arg(flag);
        } else {
            cmd.args(["--cluster", flag, name]);
        }
        let out = support::run(&mut cmd);
        assert_eq!(out.code, 2, "{flag}: {}\n{}", out.stdout, out.stderr);
        let missing = if name.is_empty() { "far" } else { name };
        assert!(out.stderr.contains(missing), "{flag}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{flag}: {}", out.stdout);
    }
}

#[test]
fn a_user_allowed_nothing_fails_and_says_what_to_ask_for() {
    let Some(plane) = support::control_plane::control_plane(
        "a_user_allowed_nothing_fails_and_says_what_to_ask_for",
    ) else {
        return;
    };
    plane.namespace("access-none");
    let kubeconfig = plane.kubeconfig("access-none-user", None, Some("access-none"));
    let out = support::run(tool(&kubeconfig).args(["plan", "--cluster"]));
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    for words in [
        "persistentvolumeclaims",
        "access-none",
        "access-none-user",
        "ask for",
    ] {
        assert!(out.stderr.contains(words), "{words}: {}", out.stderr);
    }
    // Anonymous: a context whose user has no credentials.
    let anonymous = plane.dir.join("access-anonymous.kubeconfig");
    std::fs::write(
        &anonymous,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: e2e\n  cluster:\n    server: {}\n    certificate-authority: {}/ca.crt\ncontexts:\n- name: e2e\n  context: {{cluster: e2e, namespace: access-none}}\ncurrent-context: e2e\n",
            plane.url,
            plane.dir.display()
        ),
    )
    .unwrap();
    let out = support::run(tool(&anonymous).args(["plan", "--cluster"]));
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("system:anonymous") || out.stderr.contains("401"),
        "{}",
        out.stderr
    );
}

/// A volume is cluster-scoped: `diagnose pv/NAME` finds it whatever the namespace, and reads
/// its claim from the claim's namespace.
#[test]
fn diagnose_finds_a_volume_bound_in_another_namespace() {
    let Some(plane) =
        support::control_plane::control_plane("diagnose_finds_a_volume_bound_in_another_namespace")
    else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    let (ns, volume) = ("access-pv", "access-pv-vol");
    bound_claim(plane, ns, volume);
    // The administrator's context reads namespace default.
    let out = support::run(tool(&plane.admin_kubeconfig()).args([
        "diagnose",
        &format!("pv/{volume}"),
        "-o",
        "json",
    ]));
    let report = json_of(&out);
    assert_eq!(out.code, 0, "{report:#}\n{}", out.stderr);
    let chain = report["target"]["chain"].to_string();
    assert!(chain.contains(&format!("claim {ns}/data")), "{report:#}");
    assert!(!chain.contains("does not exist"), "{report:#}");
    remove_bound_claim(plane, ns, volume);
}

/// A claim deleted and created again under its name (as a StatefulSet's claims are) does not
/// inherit the events of the one before: the real PV controller's events name the claim's uid.
#[test]
fn a_claim_made_again_does_not_inherit_the_old_ones_events() {
    let Some(plane) = support::control_plane::control_plane(
        "a_claim_made_again_does_not_inherit_the_old_ones_events",
    ) else {
        return;
    };
    let ns = "access-uid";
    plane.namespace(ns);
    let claim = |class: &str, selector: &str| {
        format!(
            "apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data, namespace: {ns}}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: \"{class}\"{selector}
  resources: {{requests: {{storage: 1Gi}}}}
"
        )
    };
    // No such class: the PV controller records ProvisioningFailed on the first claim.
    plane.apply_yaml(&claim("access-uid-nowhere", ""));
    let old = plane
        .get("v1", "PersistentVolumeClaim", Some(ns), "data")
        .unwrap();
    let old_uid = old["metadata"]["uid"].as_str().unwrap().to_owned();
    plane
        .wait_for(Duration::from_secs(60), "ProvisioningFailed", || {
            plane.list("v1", "Event", Some(ns)).into_iter().find(|e| {
                e["reason"] == "ProvisioningFailed"
                    && e["involvedObject"]["uid"] == old_uid.as_str()
            })
        })
        .unwrap();
    plane.delete("v1", "PersistentVolumeClaim", Some(ns), "data");
    plane
        .wait_for(Duration::from_secs(30), "the claim to go", || {
            plane
                .get("v1", "PersistentVolumeClaim", Some(ns), "data")
                .is_none()
                .then_some(())
        })
        .unwrap();
    // The same name again, with no class and a selector no volume matches: nothing provisions.
    plane.apply_yaml(&claim(
        "",
        "\n  selector: {matchLabels: {access-uid: none}}",
    ));
    let new = plane
        .get("v1", "PersistentVolumeClaim", Some(ns), "data")
        .unwrap();
    assert_ne!(new["metadata"]["uid"], old["metadata"]["uid"]);

    let out = support::run(
        tool(&plane.admin_kubeconfig()).args(["diagnose", "pvc/data", "-n", ns, "-o", "json"]),
    );
    let report = json_of(&out);
    assert!(
        !rules_of(&report).contains(&"provisioning-failed".to_owned()),
        "{report:#}"
    );
    let events = report["target"]["events"].to_string();
    assert!(!events.contains("ProvisioningFailed"), "{report:#}");
    plane.delete("v1", "PersistentVolumeClaim", Some(ns), "data");
}

/// A pod whose claim does not exist: the real scheduler leaves it Pending with
/// `persistentvolumeclaim "NAME" not found`, and the plan of the cluster says so.
#[test]
fn a_pod_whose_claim_does_not_exist_is_reported() {
    let Some(plane) =
        support::control_plane::control_plane("a_pod_whose_claim_does_not_exist_is_reported")
    else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    let (ns, node) = ("access-orphan", "access-orphan-node");
    // The scheduler reaches the volume check only when there is a node to consider.
    plane.node(node, "access-orphan-zone");
    plane.namespace(ns);
    plane.apply_yaml(&format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: {ns}}}
spec:
  containers:
  - name: web
    image: registry.k8s.io/pause:3.10
    volumeMounts: [{{name: data, mountPath: /data}}]
  volumes:
  - name: data
    persistentVolumeClaim: {{claimName: access-missing}}
"
    ));
    let said = "persistentvolumeclaim \"access-missing\" not found";
    let condition = plane
        .wait_for(Duration::from_secs(60), "the scheduler's verdict", || {
            let pod = plane.get("v1", "Pod", Some(ns), "web")?;
            pod["status"]["conditions"]
                .as_array()?
                .iter()
                .find(|c| c["type"] == "PodScheduled" && c["status"] == "False")
                .cloned()
        })
        .unwrap();
    assert!(
        condition["message"]
            .as_str()
            .unwrap_or_default()
            .contains(said),
        "{condition:#}"
    );

    let out = support::run(tool(&plane.admin_kubeconfig()).args([
        "plan",
        "--cluster",
        "-n",
        ns,
        "-o",
        "json",
    ]));
    let plan = json_of(&out);
    assert_eq!(out.code, 1, "{plan:#}\n{}", out.stderr);
    let finding = plan["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "pod-claim-not-found")
        .unwrap_or_else(|| panic!("{plan:#}"));
    assert!(
        finding["message"]
            .as_str()
            .unwrap_or_default()
            .contains(said),
        "{finding:#}"
    );

    // The pod's manifest alone is partial input: the claim may exist where it is applied.
    let manifest = plane.dir.join("access-orphan-pod.yaml");
    std::fs::write(
        &manifest,
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: web, namespace: {ns}}}\nspec:\n  containers: [{{name: web, image: registry.k8s.io/pause:3.10}}]\n  volumes: [{{name: data, persistentVolumeClaim: {{claimName: access-missing}}}}]\n"),
    )
    .unwrap();
    let out = support::run(tool(&plane.admin_kubeconfig()).args([
        "plan",
        "-f",
        manifest.to_str().unwrap(),
        "-o",
        "json",
    ]));
    assert!(
        !rules_of(&json_of(&out)).contains(&"pod-claim-not-found".to_owned()),
        "{}",
        out.stdout
    );

    plane.delete("v1", "Pod", Some(ns), "web");
    plane.delete("v1", "Node", None, node);
}
