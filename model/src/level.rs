//! The five PKIMM maturity levels.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The lowest maturity level number.
pub const MIN_LEVEL: u8 = 1;
/// The highest maturity level number.
pub const MAX_LEVEL: u8 = 5;

/// A PKIMM maturity level, 1 (Initial) to 5 (Optimized).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "u8", into = "u8")]
pub enum Level {
    /// 1: practices are ad hoc and undocumented.
    Initial = 1,
    /// 2: basic practices exist but are incomplete or not followed.
    Basic = 2,
    /// 3: practices are defined, documented and implemented across the scope.
    Advanced = 3,
    /// 4: practices are measured, reviewed and managed.
    Managed = 4,
    /// 5: practices are continuously improved and aligned with the organisation.
    Optimized = 5,
}

impl Level {
    /// All levels in ascending order.
    pub const ALL: [Self; 5] = [
        Self::Initial,
        Self::Basic,
        Self::Advanced,
        Self::Managed,
        Self::Optimized,
    ];

    /// The level's number, 1 to 5.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The level's name, as the PKIMM names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Initial => "Initial",
            Self::Basic => "Basic",
            Self::Advanced => "Advanced",
            Self::Managed => "Managed",
            Self::Optimized => "Optimized",
        }
    }

    /// A one-line description of what the level means, written for pkimm.
    pub fn summary(self) -> &'static str {
        match self {
            Self::Initial => "Ad hoc: little is defined, outcomes depend on individuals.",
            Self::Basic => "Some practices exist but are incomplete or not consistently followed.",
            Self::Advanced => "Practices are defined, documented and implemented across the scope.",
            Self::Managed => "Practices are measured, reviewed regularly and managed.",
            Self::Optimized => {
                "Practices are continuously improved and aligned with the organisation."
            }
        }
    }

    /// The level for a number, if it is 1 to 5.
    pub fn from_number(number: u8) -> Option<Self> {
        match number {
            1 => Some(Self::Initial),
            2 => Some(Self::Basic),
            3 => Some(Self::Advanced),
            4 => Some(Self::Managed),
            5 => Some(Self::Optimized),
            _ => None,
        }
    }

    /// The next level up, if any.
    pub fn next(self) -> Option<Self> {
        Self::from_number(self.number() + 1)
    }
}

impl TryFrom<u8> for Level {
    type Error = String;

    fn try_from(number: u8) -> Result<Self, Self::Error> {
        Self::from_number(number).ok_or_else(|| {
            format!("maturity level must be {MIN_LEVEL} to {MAX_LEVEL}, found {number}")
        })
    }
}

impl From<Level> for u8 {
    fn from(level: Level) -> Self {
        level.number()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} - {}", self.number(), self.name())
    }
}

/// The name of an achieved (whole) level, where 0 means nothing was evaluated,
/// matching the official workbook's "Not evaluated".
pub fn achieved_level_name(whole: u8) -> &'static str {
    Level::from_number(whole).map_or("Not evaluated", Level::name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_round_trip() {
        for level in Level::ALL {
            assert_eq!(Level::from_number(level.number()), Some(level));
        }
        assert_eq!(Level::from_number(0), None);
        assert_eq!(Level::from_number(6), None);
        assert_eq!(Level::Managed.to_string(), "4 - Managed");
        assert_eq!(achieved_level_name(0), "Not evaluated");
        assert_eq!(achieved_level_name(3), "Advanced");
    }

    #[test]
    fn deserialising_out_of_range_fails() {
        let err = serde_yaml_ng::from_str::<Level>("7").unwrap_err();
        assert!(err.to_string().contains("1 to 5"), "{err}");
    }
}
