//! Whether the input is the whole cluster or a part of it. A repository's manifests are a part:
//! what they do not show (a class, a volume, the default class) may well exist in the cluster,
//! so its absence is an assumption the plan states once, not a finding per object. A live read
//! or a `kubectl get -o yaml` dump is the whole: what is absent does not exist.

/// What the input is, and how the plan decided it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub complete: bool,
    pub basis: ScopeBasis,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScopeBasis {
    /// Manifests as written: no object carries what the API server adds.
    #[default]
    Manifests,
    /// Objects carrying a uid, resourceVersion or creationTimestamp, or a List as `kubectl get
    /// -o yaml` writes it.
    Dump,
    /// Read from the cluster.
    Cluster,
    /// `--complete` or `--partial`.
    Flag,
}

/// What the loader saw that decides the scope.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScopeSignals {
    pub live: bool,
    pub dumped: bool,
    /// `--complete` (true) or `--partial` (false).
    pub chosen: Option<bool>,
}

impl ScopeSignals {
    pub fn decide(self) -> Scope {
        let (complete, basis) = match self.chosen {
            Some(complete) => (complete, ScopeBasis::Flag),
            None if self.live => (true, ScopeBasis::Cluster),
            None if self.dumped => (true, ScopeBasis::Dump),
            None => (false, ScopeBasis::Manifests),
        };
        Scope { complete, basis }
    }
}

impl Scope {
    /// `complete` or `partial`, as the JSON says it.
    pub fn as_str(self) -> &'static str {
        if self.complete {
            "complete"
        } else {
            "partial"
        }
    }

    /// Why the plan took the input to be what it is.
    pub fn basis_str(self) -> &'static str {
        match self.basis {
            ScopeBasis::Manifests => "manifests",
            ScopeBasis::Dump => "dump",
            ScopeBasis::Cluster => "cluster",
            ScopeBasis::Flag => "flag",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_overrides_what_the_input_looks_like() {
        let live = ScopeSignals {
            live: true,
            ..Default::default()
        };
        assert_eq!(live.decide().basis, ScopeBasis::Cluster);
        assert!(live.decide().complete);
        let partial = ScopeSignals {
            chosen: Some(false),
            ..live
        };
        assert!(!partial.decide().complete);
        let dump = ScopeSignals {
            dumped: true,
            ..Default::default()
        };
        assert_eq!(dump.decide().basis, ScopeBasis::Dump);
        assert!(!ScopeSignals::default().decide().complete);
    }
}
