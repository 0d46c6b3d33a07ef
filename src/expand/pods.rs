//! The pods that use a claim, and which of them a controller starts again when deleted: the
//! kubelet grows a file system when a pod mounts the volume.

use serde_json::Value;

/// Pods, running or about to, that mount the claim.
pub fn using<'a>(pods: &'a [Value], claim: &str) -> Vec<&'a Value> {
    pods.iter()
        .filter(|pod| {
            !matches!(
                pod.pointer("/status/phase").and_then(Value::as_str),
                Some("Succeeded" | "Failed")
            )
        })
        .filter(|pod| {
            pod.pointer("/spec/volumes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|v| {
                    v.pointer("/persistentVolumeClaim/claimName")
                        .and_then(Value::as_str)
                        == Some(claim)
                })
        })
        .collect()
}

pub fn name(pod: &Value) -> &str {
    pod.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The controller that starts the pod again once it is deleted: its ReplicaSet (a Deployment's)
/// or StatefulSet, as (kind, name). Other owners (Jobs, DaemonSets) and bare pods are left to
/// their owner.
pub fn restarted_by(pod: &Value) -> Option<(&str, &str)> {
    pod.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .filter(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
        .find_map(|o| {
            let kind = o.get("kind").and_then(Value::as_str)?;
            let name = o.get("name").and_then(Value::as_str)?;
            matches!(kind, "ReplicaSet" | "StatefulSet").then_some((kind, name))
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pods_of_a_claim_and_their_controllers() {
        let pod = |name: &str, claim: &str, phase: &str, owner: Option<&str>| {
            let refs: Vec<Value> = owner
                .map(|kind| json!({"kind": kind, "name": "web-5d8", "controller": true}))
                .into_iter()
                .collect();
            json!({"metadata": {"name": name, "ownerReferences": refs},
                   "spec": {"volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": claim}}]},
                   "status": {"phase": phase}})
        };
        let pods = vec![
            pod("web-1", "data", "Running", Some("ReplicaSet")),
            pod("job-1", "data", "Succeeded", Some("Job")),
            pod("other", "logs", "Running", None),
            pod("bare", "data", "Pending", None),
            pod("ds", "data", "Running", Some("DaemonSet")),
        ];
        let names: Vec<&str> = using(&pods, "data").into_iter().map(name).collect();
        assert_eq!(names, ["web-1", "bare", "ds"]);
        assert_eq!(restarted_by(&pods[0]), Some(("ReplicaSet", "web-5d8")));
        assert_eq!(restarted_by(&pods[3]), None);
        assert_eq!(restarted_by(&pods[4]), None);
    }
}
