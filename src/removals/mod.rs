//! What Kubernetes releases no longer serve: API versions of the storage kinds and in-tree
//! volume plugins removed without CSI migration, read from the files under `rules/removals/`
//! (embedded at build time; their format is in rules/removals/README.md).

use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::KubernetesVersion;

include!(concat!(env!("OUT_DIR"), "/removal_files.rs"));

/// An API version some kinds are no longer served at.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemovedApi {
    pub api_version: String,
    pub kinds: Vec<String>,
    #[serde(deserialize_with = "version")]
    pub removed_in: KubernetesVersion,
    pub replacement: String,
    /// Who serves the group when Kubernetes itself does not (CRDs of an external controller).
    #[serde(default)]
    pub served_by: Option<String>,
    pub sources: Vec<String>,
}

/// An in-tree volume plugin removed without CSI migration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemovedPlugin {
    pub plugin: String,
    #[serde(default)]
    pub provisioner: Option<String>,
    /// The PersistentVolume `spec` field of its volume source.
    pub volume_source: String,
    #[serde(deserialize_with = "version")]
    pub deprecated_in: KubernetesVersion,
    #[serde(deserialize_with = "version")]
    pub removed_in: KubernetesVersion,
    pub replacement: String,
    pub sources: Vec<String>,
}

fn version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<KubernetesVersion, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(serde::de::Error::custom)
}

fn file(stem: &str) -> &'static str {
    REMOVAL_FILES
        .iter()
        .find(|(s, _)| *s == stem)
        .map_or("", |(_, text)| text)
}

/// Parses both files. A malformed file is a build defect; the tests catch it.
pub fn parse_all() -> Result<(Vec<RemovedApi>, Vec<RemovedPlugin>), String> {
    let apis = serde_saphyr::from_str(file("api-versions"))
        .map_err(|e| format!("rules/removals/api-versions.yaml: {e}"))?;
    let plugins = serde_saphyr::from_str(file("volume-plugins"))
        .map_err(|e| format!("rules/removals/volume-plugins.yaml: {e}"))?;
    Ok((apis, plugins))
}

fn catalogue() -> &'static (Vec<RemovedApi>, Vec<RemovedPlugin>) {
    static REMOVALS: OnceLock<(Vec<RemovedApi>, Vec<RemovedPlugin>)> = OnceLock::new();
    REMOVALS.get_or_init(|| parse_all().unwrap_or_default())
}

/// The removal of `kind` at `api_version`, whatever release it happened in.
pub fn api(api_version: &str, kind: &str) -> Option<&'static RemovedApi> {
    catalogue()
        .0
        .iter()
        .find(|r| r.api_version == api_version && r.kinds.iter().any(|k| k == kind))
}

/// The kind as the catalogue spells it, for object keys (which name kinds statically).
pub fn kind_name(removed: &'static RemovedApi, kind: &str) -> &'static str {
    removed
        .kinds
        .iter()
        .find(|k| *k == kind)
        .map_or("Object", String::as_str)
}

/// The removal of a StorageClass provisioner that `version` no longer has.
pub fn provisioner(name: &str, version: KubernetesVersion) -> Option<&'static RemovedPlugin> {
    catalogue()
        .1
        .iter()
        .find(|r| r.provisioner.as_deref() == Some(name) && r.removed_in <= version)
}

/// The removal of an in-tree volume plugin that `version` no longer has.
pub fn plugin(name: &str, version: KubernetesVersion) -> Option<&'static RemovedPlugin> {
    catalogue()
        .1
        .iter()
        .find(|r| r.plugin == name && r.removed_in <= version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(minor: u32) -> KubernetesVersion {
        KubernetesVersion { major: 1, minor }
    }

    #[test]
    fn the_files_parse_and_cite_sources() {
        let (apis, plugins) = parse_all().unwrap();
        assert!(!apis.is_empty() && !plugins.is_empty());
        for source in apis
            .iter()
            .flat_map(|a| &a.sources)
            .chain(plugins.iter().flat_map(|p| &p.sources))
        {
            assert!(source.starts_with("https://"), "{source}");
        }
        for plugin in &plugins {
            assert!(
                plugin.deprecated_in < plugin.removed_in,
                "{}",
                plugin.plugin
            );
        }
    }

    #[test]
    fn removals_count_from_their_release() {
        assert!(provisioner("kubernetes.io/glusterfs", v(25)).is_none());
        assert_eq!(
            provisioner("kubernetes.io/glusterfs", v(26))
                .unwrap()
                .removed_in,
            v(26)
        );
        // Migrated to CSI: the name keeps provisioning.
        assert!(provisioner("kubernetes.io/aws-ebs", v(36)).is_none());
        assert!(provisioner("kubernetes.io/portworx-volume", v(36)).is_none());
        assert!(plugin("kubernetes.io/cephfs", v(31)).is_some());
        assert!(plugin("kubernetes.io/cephfs", v(30)).is_none());
        assert_eq!(
            api("storage.k8s.io/v1beta1", "StorageClass")
                .unwrap()
                .removed_in,
            v(22)
        );
        assert!(api("storage.k8s.io/v1", "StorageClass").is_none());
        assert!(api("snapshot.storage.k8s.io/v1", "VolumeSnapshot").is_none());
    }
}
