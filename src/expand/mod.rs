//! Growing claims: what to check before a request changes (`checks`), which claims a
//! StatefulSet's template made and how its template is carried over to a new size
//! (`statefulset`), and the same change written into manifests (`manifests`).

pub mod checks;
pub mod manifests;
pub mod pods;
pub mod statefulset;

use crate::model::object::{kind_named, split_type_and_name};
use crate::model::Quantity;

/// What `expand` grows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Claim(String),
    StatefulSet(String),
}

impl Target {
    pub const FORMS: &'static str = "pvc/NAME or sts/NAME";

    /// `pvc/NAME`, `sts/NAME`, or the type and the name apart.
    pub fn parse(target: &str, name: Option<&str>) -> Result<Target, String> {
        let (kind, name) = split_type_and_name(target, name, Self::FORMS)?;
        match kind_named(kind) {
            Some("PersistentVolumeClaim") => Ok(Target::Claim(name.to_owned())),
            Some("StatefulSet") => Ok(Target::StatefulSet(name.to_owned())),
            _ => Err(format!(
                "expand grows claims and the claims of StatefulSets: give {}, not {kind:?}",
                Self::FORMS
            )),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Target::Claim(name) | Target::StatefulSet(name) => name,
        }
    }
}

/// A size for `--to`: a storage quantity above zero.
pub fn parse_size(text: &str) -> Result<Quantity, String> {
    let size = Quantity::parse(text).map_err(|e| format!("invalid size {text:?}: {e}"))?;
    if size.nanos() <= 0 {
        return Err(format!("invalid size {text:?}: a size must be above zero"));
    }
    if size.nanos() % 1_000_000_000 != 0 {
        return Err(format!(
            "invalid size {text:?}: storage comes in whole bytes; use a suffix such as Gi or Mi"
        ));
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_sizes() {
        assert_eq!(
            Target::parse("pvc/data-db-0", None),
            Ok(Target::Claim("data-db-0".into()))
        );
        assert_eq!(
            Target::parse("statefulset", Some("db")),
            Ok(Target::StatefulSet("db".into()))
        );
        assert!(Target::parse("pv/pv-1", None)
            .unwrap_err()
            .contains("give pvc/NAME or sts/NAME"));
        assert_eq!(parse_size("50Gi").unwrap().humanize(), "50Gi");
        for bad in ["0", "-1Gi", "50GB", "1500m", ""] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
