//! The one parser for durations (`500ms`, `5s`, `2m`, `24h`, `7d`) and byte
//! sizes (`512K`, `64M`, `1G`) that flags, scan configs and ages share.

use std::time::Duration;

/// A duration or size that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnitError {
    /// Not a positive duration.
    #[error("{0:?} is not a duration such as 500ms, 5s, 2m, 24h or 7d")]
    Duration(String),
    /// Not a size.
    #[error("{0:?} is not a size such as 1048576, 512K, 64M or 1G")]
    Size(String),
}

/// Parses a positive duration: a number with `ms`, `s`, `m`, `h` or `d`, or a
/// bare number of seconds. Zero is refused: every duration pkimm takes is a
/// time-out, an interval or an age, where zero means a mistake.
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    let trimmed = text.trim();
    let bad = || UnitError::Duration(trimmed.to_string());
    let (number, scale_ms): (&str, u64) = if let Some(n) = trimmed.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = trimmed.strip_suffix('s') {
        (n, 1000)
    } else if let Some(n) = trimmed.strip_suffix('m') {
        (n, 60_000)
    } else if let Some(n) = trimmed.strip_suffix('h') {
        (n, 3_600_000)
    } else if let Some(n) = trimmed.strip_suffix('d') {
        (n, 86_400_000)
    } else {
        (trimmed, 1000)
    };
    let number: u64 = number.trim().parse().map_err(|_| bad())?;
    number
        .checked_mul(scale_ms)
        .map(Duration::from_millis)
        .filter(|d| !d.is_zero())
        .ok_or_else(bad)
}

/// Parses a byte size with an optional binary `K`, `M` or `G` suffix.
pub fn parse_size(text: &str) -> Result<u64, UnitError> {
    let trimmed = text.trim();
    let (number, multiplier) = match trimmed.char_indices().last() {
        Some((i, 'k' | 'K')) => (&trimmed[..i], 1024),
        Some((i, 'm' | 'M')) => (&trimmed[..i], 1024 * 1024),
        Some((i, 'g' | 'G')) => (&trimmed[..i], 1024 * 1024 * 1024),
        _ => (trimmed, 1),
    };
    number
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| UnitError::Size(trimmed.to_string()))
}

/// Serde helpers for optional durations and sizes written as text (`"5s"`,
/// `"64K"`) or, for sizes, as a number of bytes.
pub mod serde_units {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    /// An optional duration such as `"5s"`.
    pub fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_duration(&text)
            .map(Some)
            .map_err(serde::de::Error::custom)
    }

    /// A duration such as `"5s"`.
    pub fn required_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_duration(&text).map_err(serde::de::Error::custom)
    }

    /// An optional size: a number of bytes or text such as `"64K"`.
    pub fn size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        required_size(d).map(Some)
    }

    /// A size: a number of bytes or text such as `"64K"`.
    pub fn required_size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Size {
            Bytes(u64),
            Text(String),
        }
        match Size::deserialize(d)? {
            Size::Bytes(n) => Ok(n),
            Size::Text(text) => super::parse_size(&text).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration(" 30 "), Ok(Duration::from_secs(30)));
        for bad in ["", "0s", "soon", "-1s", "5x", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert!(parse_duration("soon")
            .unwrap_err()
            .to_string()
            .contains("soon"));
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("64M"), Ok(64 * 1024 * 1024));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
