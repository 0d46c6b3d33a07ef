//! The commands that act, against the real control plane: `rebind` gives a Released volume to a
//! new claim and the real PV controller binds them; `expand` grows a bound claim the real API
//! accepts to grow, and refuses what its admission refuses.

use std::time::Duration;

use serde_json::json;

use crate::support::control_plane::ControlPlane;

fn tool(plane: &ControlPlane, args: &[&str]) -> crate::support::Run {
    let home = crate::support::scratch("e2e-acting");
    let mut cmd = crate::support::tool(&home);
    cmd.env("KUBECONFIG", plane.admin_kubeconfig()).args(args);
    crate::support::run(&mut cmd)
}

fn phase(plane: &ControlPlane, kind: &str, ns: Option<&str>, name: &str) -> String {
    plane
        .get("v1", kind, ns, name)
        .and_then(|o| o["status"]["phase"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A claim bound to a Retain CSI volume of class `class` in `ns`, the claim's size 1Gi.
fn bound_claim(plane: &ControlPlane, ns: &str, class: &str, volume: &str, grows: bool) {
    plane.namespace(ns);
    plane.apply(&[
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": class},
            "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "Immediate",
            "allowVolumeExpansion": grows}),
        json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": volume},
            "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"],
                "storageClassName": class, "persistentVolumeReclaimPolicy": "Retain",
                "csi": {"driver": "csi.e2e.example.com", "volumeHandle": volume}}}),
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": ns},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": class,
                "resources": {"requests": {"storage": "1Gi"}}}}),
    ]);
    plane
        .wait_for(Duration::from_secs(60), "the claim to bind", || {
            (phase(plane, "PersistentVolumeClaim", Some(ns), "data") == "Bound").then_some(())
        })
        .unwrap();
}

fn clean_up(plane: &ControlPlane, ns: &str, class: &str, volume: &str) {
    for claim in ["data", "restored"] {
        plane.delete("v1", "PersistentVolumeClaim", Some(ns), claim);
    }
    crate::differential::delete_volumes(plane, &[volume.to_owned()]);
    plane.delete("storage.k8s.io/v1", "StorageClass", None, class);
    plane.delete("v1", "Namespace", None, ns);
}

pub fn rebind_a_released_volume(plane: &ControlPlane) {
    let (ns, class, volume) = ("rebind-e2e", "rebind-e2e", "rebind-e2e-pv");
    bound_claim(plane, ns, class, volume, false);
    plane.delete("v1", "PersistentVolumeClaim", Some(ns), "data");
    plane
        .wait_for(Duration::from_secs(60), "the volume to be Released", || {
            (phase(plane, "PersistentVolume", None, volume) == "Released").then_some(())
        })
        .unwrap();
    let target = format!("{ns}/restored");
    let out = tool(
        plane,
        &[
            "rebind",
            &format!("pv/{volume}"),
            "--to",
            &target,
            "--yes",
            "--timeout",
            "60s",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // What the tool waited for, the real PV controller did.
    let claim = plane
        .get("v1", "PersistentVolumeClaim", Some(ns), "restored")
        .unwrap();
    assert_eq!(claim["status"]["phase"], "Bound", "{claim:#}");
    assert_eq!(claim["spec"]["volumeName"], volume);
    let pv = plane.get("v1", "PersistentVolume", None, volume).unwrap();
    assert_eq!(pv["status"]["phase"], "Bound", "{pv:#}");
    assert_eq!(pv["spec"]["claimRef"]["uid"], claim["metadata"]["uid"]);
    clean_up(plane, ns, class, volume);
}

pub fn expand_as_the_api_allows(plane: &ControlPlane) {
    let (ns, class, volume) = ("expand-e2e", "expand-e2e", "expand-e2e-pv");
    bound_claim(plane, ns, class, volume, false);
    // A class that does not allow expansion: refused before anything is written.
    let out = tool(
        plane,
        &["expand", "pvc/data", "-n", ns, "--to", "2Gi", "--yes"],
    );
    let refused_text = format!("{}{}", out.stdout, out.stderr);
    let request = |plane: &ControlPlane| {
        plane
            .get("v1", "PersistentVolumeClaim", Some(ns), "data")
            .unwrap()["spec"]["resources"]["requests"]["storage"]
            .clone()
    };
    assert_eq!(request(plane), "1Gi", "{refused_text}");
    assert_eq!(out.code, 1, "{refused_text}");
    assert!(
        refused_text.contains("allowVolumeExpansion"),
        "{refused_text}"
    );
    // The class allows it now: the real API takes the new size.
    plane.apply(&[
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": class}, "provisioner": "kubernetes.io/no-provisioner",
        "volumeBindingMode": "Immediate", "allowVolumeExpansion": true}),
    ]);
    let out = tool(
        plane,
        &[
            "expand",
            "pvc/data",
            "-n",
            ns,
            "--to",
            "2Gi",
            "--yes",
            "--no-wait",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(request(plane), "2Gi");
    clean_up(plane, ns, class, volume);
}
