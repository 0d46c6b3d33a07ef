//! Live clusters: connecting as kubectl does, reading the objects the plan needs with one
//! paginated LIST per kind, and turning them into the same snapshot files give.

pub mod connect;
pub mod error;
pub mod fetch;
pub mod kinds;
pub mod names;
pub mod options;
pub mod session;
pub mod write;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::load::kinds::object_key;
use crate::load::{LoadOptions, Loader};
use crate::model::{KubernetesVersion, ObjectKey};

pub use self::error::LiveError;
pub use self::fetch::{Degraded, LiveObjects};
pub use self::options::ClusterArgs;

/// What a live run read.
pub struct LiveRead {
    pub objects: LiveObjects,
    /// The namespace for namespaced manifests written without one: `-n`, else the context's.
    pub default_namespace: String,
    pub server: String,
    /// The namespace read, or `None` for all.
    pub namespace: Option<String>,
    /// The cluster's release, from /version; `None` when it could not be read or parsed.
    pub version: Option<KubernetesVersion>,
}

/// Connects and reads every kind, on a runtime of its own (the rest of the tool is
/// synchronous).
pub fn read(args: &ClusterArgs) -> Result<LiveRead, LiveError> {
    runtime()?.block_on(async {
        let connection = connect::connect(args).await?;
        let objects = fetch::fetch(&connection).await?;
        // Without a readable version the plan assumes the newest release, as offline.
        let version = connection
            .client
            .apiserver_version()
            .await
            .ok()
            .and_then(|info| {
                KubernetesVersion::from_server(&info.major, &info.minor)
                    .or_else(|| info.git_version.parse().ok())
            });
        Ok(LiveRead {
            version,
            objects,
            default_namespace: connection.default_namespace.clone(),
            server: connection.server.clone(),
            namespace: connection.scope.namespace().map(str::to_owned),
        })
    })
}

/// A runtime for one command's requests: the rest of the tool is synchronous, and one thread
/// is enough for requests that mostly wait.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, LiveError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LiveError::Config(format!("cannot start the network runtime: {e}")))
}

impl LiveRead {
    /// Every object read, by key: what fixes start from.
    pub fn objects_by_key(&self) -> BTreeMap<ObjectKey, Value> {
        kinds::LIVE_KINDS
            .iter()
            .flat_map(|kind| {
                self.objects
                    .of(kind.kind)
                    .iter()
                    .map(|object| (object_key(object, kind.kind), object.clone()))
            })
            .collect()
    }

    /// The namespace of the claim a volume read is reserved for (its claimRef).
    pub fn claim_namespace_of(&self, volume: &str) -> Option<String> {
        self.objects
            .of("PersistentVolume")
            .iter()
            .find(|v| v.pointer("/metadata/name").and_then(Value::as_str) == Some(volume))?
            .pointer("/spec/claimRef/namespace")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// A loader holding the live objects of the kinds the plan reads, for manifests to be
    /// overlaid on as `kubectl apply` would (a manifest of an object already there updates
    /// it); and the rest of what was read: the kinds kept as JSON, and what could not be read.
    pub fn into_loader(self) -> (Loader, LiveObjects) {
        let LiveRead {
            mut objects,
            default_namespace,
            namespace,
            ..
        } = self;
        let degraded = &objects.degraded;
        let mut loader = Loader::new(&LoadOptions {
            namespace: default_namespace,
        });
        loader.set_live();
        for d in degraded {
            loader.set_unreadable(d.kind, d.cause());
        }
        loader.set_evidence(evidence(&objects));
        for object in objects.take_planned() {
            if let Some(namespace) = &namespace {
                if bound_elsewhere(&object, namespace) {
                    continue;
                }
            }
            loader.add_value(object);
        }
        (loader, objects)
    }
}

/// The evidence kinds read, and the kinds that could not be read.
fn evidence(objects: &LiveObjects) -> crate::evidence::Evidence {
    let unreadable = objects.degraded.iter().map(|d| d.kind).collect();
    crate::evidence::Evidence::from_lists(
        crate::evidence::EVIDENCE_KINDS
            .iter()
            .map(|kind| (*kind, objects.of(kind))),
        unreadable,
    )
}

/// A volume reserved for a claim in a namespace the run did not read: no claim of the run can
/// bind it, and whether its claim still exists is unknown, so it is left out rather than shown
/// Released.
fn bound_elsewhere(object: &serde_json::Value, namespace: &str) -> bool {
    object.get("kind").and_then(serde_json::Value::as_str) == Some("PersistentVolume")
        && object
            .pointer("/spec/claimRef/namespace")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|ns| ns != namespace)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn live_objects_have_no_source_and_exist() {
        let mut loader = Loader::new(&LoadOptions::default());
        loader.add_value(json!({
            "kind": "PersistentVolumeClaimList",
            "apiVersion": "v1",
            "items": [{
                "kind": "PersistentVolumeClaim",
                "apiVersion": "v1",
                "metadata": {"name": "data", "namespace": "shop", "uid": "1", "resourceVersion": "7"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }],
        }));
        loader.add_value(json!({
            "kind": "PersistentVolumeClaim",
            "apiVersion": "v1",
            "metadata": {"name": "broken", "namespace": "shop"},
            "spec": {"accessModes": "ReadWriteOnce"},
        }));
        let loaded = loader.finish();
        assert_eq!(loaded.snapshot.claims.len(), 1);
        let claim = &loaded.snapshot.claims[0];
        assert!(claim.meta.source.is_none());
        assert!(claim.meta.exists);
        assert_eq!(claim.meta.qualified_name(), "shop/data");
        // A live object that does not fit its type is reported, without a location.
        assert_eq!(loaded.findings.len(), 1);
        assert!(loaded.findings[0]
            .message
            .starts_with("PersistentVolumeClaim shop/broken: field spec.accessModes"));
    }

    #[test]
    fn volumes_reserved_for_other_namespaces() {
        let volume = |ns: &str| json!({"kind": "PersistentVolume", "spec": {"claimRef": {"namespace": ns, "name": "x"}}});
        assert!(bound_elsewhere(&volume("analytics"), "shop"));
        assert!(!bound_elsewhere(&volume("shop"), "shop"));
        assert!(!bound_elsewhere(
            &json!({"kind": "PersistentVolume", "spec": {}}),
            "shop"
        ));
        assert!(!bound_elsewhere(
            &json!({"kind": "PersistentVolumeClaim", "metadata": {"namespace": "analytics"}}),
            "shop"
        ));
    }
}
