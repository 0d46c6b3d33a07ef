//! The catalogue of well-known storage drivers: what each can serve, read from the files under
//! `rules/drivers/` (embedded at build time; their format is in rules/drivers/README.md).
//! Drivers not in the catalogue are unknown, and unknown drivers never produce findings.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{AccessMode, AccessModes, VolumeMode, VolumePlugin};

include!(concat!(env!("OUT_DIR"), "/driver_files.rs"));

/// Whether a driver can do something, as far as the catalogue knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    Supported,
    Unsupported,
    /// Not known either way, or conditional on parameters or versions.
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expansion {
    /// The driver never resizes a volume.
    None,
    /// Only while no pod uses the volume.
    Offline,
    Online,
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Driver {
    pub id: String,
    pub name: String,
    pub csi_drivers: Vec<String>,
    pub provisioners: Vec<String>,
    /// Provisioner names that end with one of these are the driver's too (operators that
    /// prefix the name with a namespace of the user's choosing).
    pub provisioner_suffixes: Vec<String>,
    pub in_tree_plugins: Vec<String>,
    /// The kind of claim the provisioner serves when it is not a PersistentVolumeClaim (Rook's
    /// bucket provisioner serves ObjectBucketClaims): a PersistentVolumeClaim of its class is
    /// never provisioned.
    pub claim_kind: Option<String>,
    filesystem: ModeSupport,
    block: ModeSupport,
    pub topology_keys: Vec<String>,
    /// Every volume lives on one node.
    pub node_local: bool,
    pub expansion: Expansion,
    /// Pre-created CSI volumes whose volume handle starts with one of these are served
    /// differently (EBS node-local volumes, for example) and are not judged by access modes.
    pub special_volume_handles: Vec<String>,
    /// The StorageClass parameters the driver reads, when the catalogue knows them.
    pub parameters: Option<Parameters>,
    pub notes: Vec<String>,
    pub sources: Vec<String>,
}

/// What a driver does with a StorageClass parameter key it does not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownKeys {
    /// CreateVolume fails: the claim stays Pending.
    Rejected,
    Ignored,
}

/// The StorageClass parameters a driver reads (rules/drivers/README.md, `parameters`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameters {
    keys: Vec<String>,
    #[serde(default)]
    key_prefixes: Vec<String>,
    case_insensitive: bool,
    pub unknown_keys: UnknownKeys,
    /// `keys` is every key of the current release, so any other key is unknown to it.
    pub complete: bool,
    pub source: String,
    /// Where the driver reads its settings from instead, when not from `parameters` (OpenEBS
    /// Local PV Hostpath: a StorageClass annotation).
    #[serde(default)]
    pub settings_elsewhere: Option<String>,
}

impl Parameters {
    /// Whether the driver reads `key`.
    pub fn reads(&self, key: &str) -> bool {
        let same = |a: &str, b: &str| {
            if self.case_insensitive {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        self.keys.iter().any(|k| same(k, key))
            || self
                .key_prefixes
                .iter()
                .any(|p| key.get(..p.len()).is_some_and(|head| same(head, p)))
    }
}

#[derive(Clone, Copy, Debug)]
struct ModeSupport {
    volume_mode: Support,
    supported: AccessModes,
    unsupported: AccessModes,
}

impl Driver {
    /// Every name the driver is known by.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.csi_drivers
            .iter()
            .chain(&self.provisioners)
            .chain(&self.in_tree_plugins)
            .map(String::as_str)
    }

    fn mode(&self, volume_mode: VolumeMode) -> &ModeSupport {
        match volume_mode {
            VolumeMode::Filesystem => &self.filesystem,
            VolumeMode::Block => &self.block,
        }
    }

    pub fn serves_volume_mode(&self, volume_mode: VolumeMode) -> Support {
        self.mode(volume_mode).volume_mode
    }

    /// Whether the driver serves an access mode for volumes of a volume mode; a volume mode it
    /// cannot serve at all serves no access mode.
    pub fn serves(&self, access_mode: AccessMode, volume_mode: VolumeMode) -> Support {
        let mode = self.mode(volume_mode);
        if mode.volume_mode == Support::Unsupported {
            return Support::Unsupported;
        }
        if mode.unsupported.contains(access_mode) {
            Support::Unsupported
        } else if mode.supported.contains(access_mode) {
            Support::Supported
        } else {
            Support::Unknown
        }
    }

    /// The modes of `modes` the driver is known not to serve for `volume_mode`.
    pub fn refused(&self, modes: AccessModes, volume_mode: VolumeMode) -> Vec<AccessMode> {
        AccessMode::ALL
            .into_iter()
            .filter(|m| modes.contains(*m) && self.serves(*m, volume_mode) == Support::Unsupported)
            .collect()
    }
}

/// The file format; see rules/drivers/README.md.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DriverFile {
    id: String,
    name: String,
    csi_drivers: Vec<String>,
    provisioners: Vec<String>,
    #[serde(default)]
    provisioner_suffixes: Vec<String>,
    in_tree_plugins: Vec<String>,
    #[serde(default)]
    claim_kind: Option<String>,
    volume_modes: VolumeModesFile,
    access_modes: BTreeMap<VolumeModeName, AccessModesFile>,
    topology: TopologyFile,
    expansion: Expansion,
    #[serde(default)]
    special_volume_handles: Vec<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
    #[serde(default)]
    notes: Vec<String>,
    sources: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VolumeModesFile {
    #[serde(rename = "Filesystem")]
    filesystem: SupportName,
    #[serde(rename = "Block")]
    block: SupportName,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
enum VolumeModeName {
    Filesystem,
    Block,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SupportName {
    Supported,
    Unsupported,
    Unknown,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessModesFile {
    supported: Vec<String>,
    unsupported: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopologyFile {
    keys: Vec<String>,
    node_local: bool,
}

fn access_modes(names: &[String]) -> Result<AccessModes, String> {
    let mut modes = AccessModes::EMPTY;
    for name in names {
        modes.insert(
            AccessMode::parse(name).ok_or_else(|| format!("unknown access mode {name:?}"))?,
        );
    }
    Ok(modes)
}

impl DriverFile {
    fn into_driver(self) -> Result<Driver, String> {
        let mode = |name: VolumeModeName, support: SupportName| -> Result<ModeSupport, String> {
            let volume_mode = match support {
                SupportName::Supported => Support::Supported,
                SupportName::Unsupported => Support::Unsupported,
                SupportName::Unknown => Support::Unknown,
            };
            let (supported, unsupported) = match self.access_modes.get(&name) {
                Some(a) => (access_modes(&a.supported)?, access_modes(&a.unsupported)?),
                None if volume_mode == Support::Supported => {
                    return Err("a supported volume mode needs its access_modes".to_owned())
                }
                None => (AccessModes::EMPTY, AccessModes::EMPTY),
            };
            if supported.bits() & unsupported.bits() != 0 {
                return Err("an access mode is both supported and unsupported".to_owned());
            }
            Ok(ModeSupport {
                volume_mode,
                supported,
                unsupported,
            })
        };
        // A suffix is matched after a prefix the user chooses: it starts at a name boundary.
        if let Some(bad) = self
            .provisioner_suffixes
            .iter()
            .find(|s| !s.starts_with('.') || s.len() < 2)
        {
            return Err(format!("provisioner suffix {bad:?} must start with a dot"));
        }
        if self.claim_kind.as_deref() == Some("PersistentVolumeClaim") {
            return Err(
                "claim_kind is only for claims other than PersistentVolumeClaims".to_owned(),
            );
        }
        Ok(Driver {
            filesystem: mode(VolumeModeName::Filesystem, self.volume_modes.filesystem)?,
            block: mode(VolumeModeName::Block, self.volume_modes.block)?,
            id: self.id,
            name: self.name,
            csi_drivers: self.csi_drivers,
            provisioners: self.provisioners,
            provisioner_suffixes: self.provisioner_suffixes,
            in_tree_plugins: self.in_tree_plugins,
            claim_kind: self.claim_kind,
            topology_keys: self.topology.keys,
            node_local: self.topology.node_local,
            expansion: self.expansion,
            special_volume_handles: self.special_volume_handles,
            parameters: self.parameters,
            notes: self.notes,
            sources: self.sources,
        })
    }
}

/// Parses every embedded driver file. A malformed file is a build defect; the tests catch it.
pub fn parse_all() -> Result<Vec<Driver>, String> {
    DRIVER_FILES
        .iter()
        .map(|(stem, text)| {
            serde_saphyr::from_str::<DriverFile>(text)
                .map_err(|e| e.to_string())
                .and_then(DriverFile::into_driver)
                .map_err(|e| format!("rules/drivers/{stem}.yaml: {e}"))
        })
        .collect()
}

/// The catalogue, parsed once. A file that does not parse is left out (and fails the tests).
pub fn catalogue() -> &'static [Driver] {
    static DRIVERS: OnceLock<Vec<Driver>> = OnceLock::new();
    DRIVERS.get_or_init(|| {
        DRIVER_FILES
            .iter()
            .filter_map(|(_, text)| serde_saphyr::from_str::<DriverFile>(text).ok())
            .filter_map(|f| f.into_driver().ok())
            .collect()
    })
}

/// The driver known by `name`: a CSI driver name, a StorageClass provisioner, or an in-tree
/// plugin name; else the driver one of whose provisioner suffixes ends the name.
pub fn lookup(name: &str) -> Option<&'static Driver> {
    if name.is_empty() {
        return None;
    }
    // Every claim's class asks: a map, not a walk over every driver's names.
    static BY_NAME: OnceLock<rustc_hash::FxHashMap<&'static str, &'static Driver>> =
        OnceLock::new();
    let by_name = BY_NAME.get_or_init(|| {
        let mut by_name = rustc_hash::FxHashMap::default();
        for driver in catalogue() {
            for n in driver.names() {
                // The first driver to name it wins, as a search in catalogue order finds it.
                by_name.entry(n).or_insert(driver);
            }
        }
        by_name
    });
    by_name.get(name).copied().or_else(|| {
        catalogue().iter().find(|d| {
            d.provisioner_suffixes
                .iter()
                .any(|s| name.len() > s.len() && name.ends_with(s.as_str()))
        })
    })
}

/// The driver behind a StorageClass provisioner that serves claims of another kind than
/// PersistentVolumeClaim, with that kind.
pub fn serves_other_claims(provisioner: &str) -> Option<(&'static Driver, &'static str)> {
    let driver = lookup(provisioner)?;
    Some((driver, driver.claim_kind.as_deref()?))
}

/// The driver that serves a PV's volume source.
pub fn for_plugin(plugin: &VolumePlugin) -> Option<&'static Driver> {
    match plugin {
        VolumePlugin::Csi(driver) => catalogue()
            .iter()
            .find(|d| d.csi_drivers.iter().any(|n| n == driver)),
        VolumePlugin::InTree(name) => catalogue()
            .iter()
            .find(|d| d.in_tree_plugins.iter().any(|n| n == name)),
        VolumePlugin::Unknown => None,
    }
}

/// Whether a provisioner is a CSI driver, which registers a CSIDriver object and CSINode
/// entries when installed: as the catalogue says, else guessed from a name with `csi` as one of
/// its words. External provisioners that are not CSI drivers register neither.
pub fn provisioner_is_csi(provisioner: &str) -> bool {
    match lookup(provisioner) {
        Some(driver) => driver.csi_drivers.iter().any(|d| d == provisioner),
        None => provisioner
            .split(['.', '-', '_', '/'])
            .any(|word| word.eq_ignore_ascii_case("csi")),
    }
}

/// The drivers of the catalogue that read a StorageClass parameter key.
pub fn parameter_readers(key: &str) -> impl Iterator<Item = &'static Driver> + '_ {
    catalogue()
        .iter()
        .filter(move |d| d.parameters.as_ref().is_some_and(|p| p.reads(key)))
}

/// Whether volumes a provisioner creates live on one node.
pub fn provisions_node_local(provisioner: &str) -> bool {
    lookup(provisioner).is_some_and(|d| d.node_local)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn csi_drivers_are_told_from_other_provisioners() {
        for csi in [
            "ebs.csi.aws.com",
            "driver.longhorn.io",
            "csi.fastdisk.example.com",
        ] {
            assert!(provisioner_is_csi(csi), "{csi}");
        }
        for other in [
            "rancher.io/local-path",
            "k8s-sigs.io/nfs-subdir-external-provisioner",
            "openebs.io/local",
            "example.com/physics",
        ] {
            assert!(!provisioner_is_csi(other), "{other}");
        }
    }

    #[test]
    fn every_file_parses_and_is_named_by_its_id() {
        let drivers = parse_all().unwrap();
        assert_eq!(drivers.len(), DRIVER_FILES.len());
        assert_eq!(catalogue().len(), DRIVER_FILES.len());
        for (driver, (stem, _)) in drivers.iter().zip(DRIVER_FILES) {
            assert_eq!(driver.id, *stem, "rules/drivers/{stem}.yaml");
        }
    }

    #[test]
    fn every_entry_has_sources_and_names() {
        for driver in catalogue() {
            assert!(!driver.sources.is_empty(), "{} has no sources", driver.id);
            assert!(
                driver.sources.iter().all(|s| s.starts_with("https://")),
                "{}: sources are URLs",
                driver.id
            );
            if let Some(params) = &driver.parameters {
                assert!(
                    params.source.starts_with("https://"),
                    "{}: the parameters' source is a URL",
                    driver.id
                );
            }
            assert!(
                driver.names().next().is_some(),
                "{} has no names",
                driver.id
            );
        }
    }

    #[test]
    fn no_name_belongs_to_two_drivers() {
        let mut owner: HashMap<&str, &str> = HashMap::new();
        for driver in catalogue() {
            for name in driver.names() {
                if let Some(other) = owner.insert(name, &driver.id) {
                    assert_eq!(other, driver.id, "{name} is in {other} and {}", driver.id);
                }
            }
        }
    }

    #[test]
    fn lookups_by_csi_provisioner_and_in_tree_names() {
        assert_eq!(lookup("ebs.csi.aws.com").unwrap().id, "aws-ebs");
        assert_eq!(lookup("kubernetes.io/aws-ebs").unwrap().id, "aws-ebs");
        assert_eq!(
            lookup("rancher.io/local-path").unwrap().id,
            "rancher-local-path"
        );
        assert_eq!(
            lookup("rook-ceph.cephfs.csi.ceph.com").unwrap().id,
            "cephfs"
        );
        assert!(lookup("example.com/unknown").is_none());
        assert!(lookup("").is_none());
        let ebs = VolumePlugin::InTree("kubernetes.io/aws-ebs");
        assert_eq!(for_plugin(&ebs).unwrap().id, "aws-ebs");
        let efs = VolumePlugin::Csi("efs.csi.aws.com".to_owned());
        assert_eq!(for_plugin(&efs).unwrap().id, "aws-efs");
        assert!(for_plugin(&VolumePlugin::Unknown).is_none());
    }

    #[test]
    fn parameters_by_driver() {
        let gce = lookup("pd.csi.storage.gke.io").unwrap();
        let params = gce.parameters.as_ref().unwrap();
        assert!(params.reads("type") && params.reads("Replication-Type"));
        assert!(!params.reads("fsType"));
        let ebs = lookup("ebs.csi.aws.com")
            .unwrap()
            .parameters
            .as_ref()
            .unwrap();
        assert!(ebs.reads("tagSpecification_1") && ebs.reads("iopspergb"));
        let readers: Vec<&str> = parameter_readers("replication-type")
            .map(|d| d.id.as_str())
            .collect();
        assert_eq!(readers, ["gce-pd"]);
        // OpenEBS Local PV Hostpath reads no parameter: its settings are in an annotation.
        let openebs = lookup("openebs.io/local")
            .unwrap()
            .parameters
            .as_ref()
            .unwrap();
        assert!(openebs.complete && !openebs.reads("BasePath"));
        assert!(openebs.settings_elsewhere.is_some());
    }

    #[test]
    fn provisioner_suffixes_match_any_prefix() {
        for name in [
            "rook-ceph.ceph.rook.io/bucket",
            "openshift-storage.ceph.rook.io/bucket",
            "my-rook.ceph.rook.io/bucket",
        ] {
            assert_eq!(lookup(name).unwrap().id, "rook-ceph-bucket", "{name}");
        }
        // The suffix alone, or a name that merely contains it, is not the driver's.
        assert!(lookup(".ceph.rook.io/bucket").is_none());
        assert!(lookup("ceph.rook.io/bucket").is_none());
        assert!(lookup("x.ceph.rook.io/bucket/v2").is_none());
        assert_eq!(lookup("rook-ceph.nfs.csi.ceph.com").unwrap().id, "ceph-nfs");
        assert_eq!(
            lookup("rook-ceph.nvmeof.csi.ceph.com").unwrap().id,
            "ceph-nvmeof"
        );
    }

    #[test]
    fn provisioners_of_other_claims() {
        let (driver, kind) = serves_other_claims("my-rook.ceph.rook.io/bucket").unwrap();
        assert_eq!(
            (driver.id.as_str(), kind),
            ("rook-ceph-bucket", "ObjectBucketClaim")
        );
        assert!(!provisioner_is_csi("my-rook.ceph.rook.io/bucket"));
        for volumes in [
            "rook-ceph.rbd.csi.ceph.com",
            "openebs.io/local",
            "example.com/x",
        ] {
            assert!(serves_other_claims(volumes).is_none(), "{volumes}");
        }
    }

    #[test]
    fn malformed_suffixes_and_claim_kinds_are_refused() {
        let entry = |extra: &str| {
            let text = format!(
                "id: x\nname: X\ncsi_drivers: []\nprovisioners: [x.example.com/p]\nin_tree_plugins: []\nvolume_modes: {{Filesystem: unknown, Block: unknown}}\naccess_modes: {{}}\ntopology: {{keys: [], node_local: false}}\nexpansion: unknown\nsources: [https://example.com]\n{extra}"
            );
            serde_saphyr::from_str::<DriverFile>(&text)
                .map_err(|e| e.to_string())
                .and_then(DriverFile::into_driver)
        };
        assert!(entry("").is_ok());
        assert!(entry("provisioner_suffixes: [.example.com/p]").is_ok());
        assert!(entry("provisioner_suffixes: [example.com/p]").is_err());
        assert!(entry("claim_kind: ObjectBucketClaim").is_ok());
        assert!(entry("claim_kind: PersistentVolumeClaim").is_err());
    }

    #[test]
    fn support_per_volume_mode() {
        let ebs = lookup("ebs.csi.aws.com").unwrap();
        use AccessMode::*;
        use VolumeMode::*;
        assert_eq!(ebs.serves(ReadWriteOnce, Filesystem), Support::Supported);
        assert_eq!(ebs.serves(ReadWriteMany, Filesystem), Support::Unsupported);
        // Multi-attach depends on the volume type.
        assert_eq!(ebs.serves(ReadWriteMany, Block), Support::Unknown);
        let efs = lookup("efs.csi.aws.com").unwrap();
        assert_eq!(efs.serves_volume_mode(Block), Support::Unsupported);
        assert_eq!(efs.serves(ReadWriteOnce, Block), Support::Unsupported);
        assert_eq!(efs.expansion, Expansion::None);
        assert!(lookup("topolvm.io").unwrap().node_local);
        assert!(!ebs.node_local);
    }
}
