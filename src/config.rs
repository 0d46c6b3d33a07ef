//! `.kubectl-storage.yaml`: a repository's settings for the plan, found upward from the
//! working directory (as `.editorconfig` or ruff's `pyproject.toml` are), or named with
//! `--config`.
//!
//! ```yaml
//! disable: [binding-tie]          # rules never reported
//! severity:                       # a rule's severity, replacing its default
//!   claims-compete: error
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::findings::Severity;
use crate::rules::ids;

pub const FILE_NAME: &str = ".kubectl-storage.yaml";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub disable: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    /// Where it was read from, for messages.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

impl Config {
    /// The config named, or the nearest `.kubectl-storage.yaml` from `start` upward, or none.
    pub fn discover(named: Option<&Path>, start: &Path) -> Result<Config, String> {
        let path = match named {
            Some(path) => Some(path.to_owned()),
            None => start
                .ancestors()
                .map(|dir| dir.join(FILE_NAME))
                .find(|p| p.is_file()),
        };
        match path {
            Some(path) => Config::read(&path),
            None => Ok(Config::default()),
        }
    }

    pub fn read(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let mut config: Config =
            serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        config.path = Some(path.to_owned());
        config.check()?;
        Ok(config)
    }

    /// Rule ids and severities must exist: a typo would silently do nothing.
    fn check(&self) -> Result<(), String> {
        let at = self
            .path
            .as_deref()
            .map_or_else(String::new, |p| format!("{}: ", p.display()));
        for id in self.disable.iter().chain(self.severity.keys()) {
            if !ids::ALL.contains(&id.as_str()) {
                return Err(format!(
                    "{at}no rule {id:?}; `kubectl storage rules` lists them"
                ));
            }
        }
        for (id, severity) in &self.severity {
            severity
                .parse::<Severity>()
                .map_err(|e| format!("{at}severity of {id}: {e}"))?;
        }
        Ok(())
    }

    pub fn severities(&self) -> BTreeMap<String, Severity> {
        self.severity
            .iter()
            .filter_map(|(id, s)| Some((id.clone(), s.parse().ok()?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn found_upward_and_checked() {
        let root =
            std::env::temp_dir().join(format!("kubectl-storage-config-{}", std::process::id()));
        let nested = root.join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        write(
            &root,
            "disable: [binding-tie]\nseverity: {claims-compete: error}\n",
        );
        let config = Config::discover(None, &nested).unwrap();
        assert_eq!(config.disable, ["binding-tie"]);
        assert_eq!(
            config.severities().get("claims-compete"),
            Some(&Severity::Error)
        );
        write(&root, "disable: [binding-ties]\n");
        assert!(Config::discover(None, &nested)
            .unwrap_err()
            .contains("no rule \"binding-ties\""));
        write(&root, "severity: {claims-compete: fatal}\n");
        assert!(Config::discover(None, &nested)
            .unwrap_err()
            .contains("unknown severity"));
        write(&root, "disabled: [binding-tie]\n");
        assert!(
            Config::discover(None, &nested).is_err(),
            "unknown keys are refused"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
