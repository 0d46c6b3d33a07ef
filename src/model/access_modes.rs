//! Access modes as a small set, so that "contains all requested modes" is one bit test.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessMode {
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
    ReadWriteOncePod,
}

impl AccessMode {
    pub const ALL: [AccessMode; 4] = [
        AccessMode::ReadWriteOnce,
        AccessMode::ReadOnlyMany,
        AccessMode::ReadWriteMany,
        AccessMode::ReadWriteOncePod,
    ];

    pub fn parse(s: &str) -> Option<AccessMode> {
        match s {
            "ReadWriteOnce" => Some(AccessMode::ReadWriteOnce),
            "ReadOnlyMany" => Some(AccessMode::ReadOnlyMany),
            "ReadWriteMany" => Some(AccessMode::ReadWriteMany),
            "ReadWriteOncePod" => Some(AccessMode::ReadWriteOncePod),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccessMode::ReadWriteOnce => "ReadWriteOnce",
            AccessMode::ReadOnlyMany => "ReadOnlyMany",
            AccessMode::ReadWriteMany => "ReadWriteMany",
            AccessMode::ReadWriteOncePod => "ReadWriteOncePod",
        }
    }

    /// The abbreviation kubectl prints (RWO, ROX, RWX, RWOP).
    pub fn short(self) -> &'static str {
        match self {
            AccessMode::ReadWriteOnce => "RWO",
            AccessMode::ReadOnlyMany => "ROX",
            AccessMode::ReadWriteMany => "RWX",
            AccessMode::ReadWriteOncePod => "RWOP",
        }
    }

    fn bit(self) -> u8 {
        match self {
            AccessMode::ReadWriteOnce => 1,
            AccessMode::ReadOnlyMany => 2,
            AccessMode::ReadWriteMany => 4,
            AccessMode::ReadWriteOncePod => 8,
        }
    }
}

/// A set of access modes. Duplicates in a manifest collapse, as they do in the PV controller's
/// index key (`GetAccessModesAsString`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccessModes(u8);

impl AccessModes {
    pub const EMPTY: AccessModes = AccessModes(0);

    pub fn from_bits(bits: u8) -> AccessModes {
        AccessModes(bits & 0b1111)
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn insert(&mut self, mode: AccessMode) {
        self.0 |= mode.bit();
    }

    pub fn contains(self, mode: AccessMode) -> bool {
        self.0 & mode.bit() != 0
    }

    pub fn contains_all(self, other: AccessModes) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn iter(self) -> impl Iterator<Item = AccessMode> {
        AccessMode::ALL
            .into_iter()
            .filter(move |m| self.contains(*m))
    }

    /// Every set of modes (there are 16), for enumerating index groups.
    pub fn all_sets() -> impl Iterator<Item = AccessModes> {
        (0u8..16).map(AccessModes)
    }
}

impl FromIterator<AccessMode> for AccessModes {
    fn from_iter<I: IntoIterator<Item = AccessMode>>(iter: I) -> Self {
        let mut set = AccessModes::EMPTY;
        for mode in iter {
            set.insert(mode);
        }
        set
    }
}

impl AccessModes {
    /// Writes the modes (`RWO,ROX`, or `none`): for `Display`, and straight onto a `String`
    /// without the formatting machinery.
    pub fn write_to(self, out: &mut impl fmt::Write) -> fmt::Result {
        if self.is_empty() {
            return out.write_str("none");
        }
        for (i, mode) in self.iter().enumerate() {
            if i > 0 {
                out.write_str(",")?;
            }
            out.write_str(mode.short())?;
        }
        Ok(())
    }
}

impl fmt::Display for AccessModes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_all_is_subset() {
        let rwo_rox: AccessModes = [AccessMode::ReadWriteOnce, AccessMode::ReadOnlyMany]
            .into_iter()
            .collect();
        let rwo: AccessModes = [AccessMode::ReadWriteOnce].into_iter().collect();
        assert!(rwo_rox.contains_all(rwo));
        assert!(!rwo.contains_all(rwo_rox));
        assert!(rwo.contains_all(AccessModes::EMPTY));
        assert_eq!(rwo_rox.to_string(), "RWO,ROX");
        assert_eq!(rwo_rox.len(), 2);
    }
}
