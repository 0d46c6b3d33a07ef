//! The Kubernetes release the plan is made for: what it no longer serves (removed API versions,
//! removed in-tree volume plugins) depends on it.

use std::fmt;
use std::str::FromStr;

/// A Kubernetes release, `1.<minor>`; patch releases never remove anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubernetesVersion {
    pub major: u32,
    pub minor: u32,
}

impl KubernetesVersion {
    /// The newest release the tool knows; the plan assumes it unless told otherwise.
    pub const NEWEST: KubernetesVersion = KubernetesVersion {
        major: 1,
        minor: 36,
    };

    /// From the `major` and `minor` fields of an API server's /version: managed clusters
    /// write the minor as `30+`, so only its leading digits count.
    pub fn from_server(major: &str, minor: &str) -> Option<KubernetesVersion> {
        let digits = |s: &str| -> Option<u32> {
            let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
            s[..end].parse().ok()
        };
        Some(KubernetesVersion {
            major: digits(major)?,
            minor: digits(minor)?,
        })
    }
}

impl Default for KubernetesVersion {
    fn default() -> Self {
        KubernetesVersion::NEWEST
    }
}

impl fmt::Display for KubernetesVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Reads `1.30`, `v1.30`, `1.30.2` and a server's `gitVersion` such as `v1.30.2-eks-1234`.
impl FromStr for KubernetesVersion {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid =
            || format!("invalid Kubernetes version {text:?}: write it as 1.30 (or v1.30.2)");
        let trimmed = text.trim();
        let trimmed = trimmed.strip_prefix('v').unwrap_or(trimmed);
        let mut parts = trimmed.splitn(3, '.');
        let major = parts.next().ok_or_else(invalid)?;
        let minor = parts.next().ok_or_else(invalid)?;
        let version = match (major.parse::<u32>(), minor.parse::<u32>()) {
            (Ok(major), Ok(minor)) => KubernetesVersion { major, minor },
            _ => return Err(invalid()),
        };
        // The patch and whatever a vendor appends are not checked: they remove nothing.
        if version.major != 1 {
            return Err(format!(
                "unsupported Kubernetes version {text:?}: only 1.x releases exist"
            ));
        }
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ways_versions_are_written() {
        let v = |minor| KubernetesVersion { major: 1, minor };
        assert_eq!("1.30".parse(), Ok(v(30)));
        assert_eq!("v1.22.17".parse(), Ok(v(22)));
        assert_eq!("v1.29.4-eks-036c24b".parse(), Ok(v(29)));
        assert!("1".parse::<KubernetesVersion>().is_err());
        assert!("one.two".parse::<KubernetesVersion>().is_err());
        assert!("2.0".parse::<KubernetesVersion>().is_err());
        assert_eq!(KubernetesVersion::from_server("1", "30+"), Some(v(30)));
        assert_eq!(KubernetesVersion::from_server("1", ""), None);
        assert!(v(22) < v(36));
        assert_eq!(KubernetesVersion::NEWEST.to_string(), "1.36");
    }
}
