//! UTC timestamps in evidence, serialised as RFC 3339.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A point in time, always UTC, to the second, written as RFC 3339
/// (`2026-11-22T19:13:31Z`). Held as seconds since the Unix epoch: 8 bytes
/// rather than 16, and rules read times as seconds anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime(i64);

impl UtcTime {
    /// The current time.
    pub fn now() -> Self {
        Self(OffsetDateTime::now_utc().unix_timestamp())
    }

    /// From seconds since the Unix epoch; `None` when out of range.
    pub fn from_unix(seconds: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .map(|_| Self(seconds))
    }

    /// From a `time` value (any offset; fractions of a second dropped).
    pub fn from_offset(value: OffsetDateTime) -> Self {
        Self(value.unix_timestamp())
    }

    /// Seconds since the Unix epoch.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// The underlying `time` value.
    pub fn as_offset(self) -> OffsetDateTime {
        // Every constructor checked the range.
        OffsetDateTime::from_unix_timestamp(self.0).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Parses RFC 3339.
    pub fn parse(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .map(Self::from_offset)
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Self) -> f64 {
        (later.unix() - self.unix()) as f64 / 86_400.0
    }

    /// `self` plus `months` calendar months, a day past the end of the
    /// target month rolling over into the next (31 January + 1 month is 3
    /// March, or 2 in a leap year), as Go's `AddDate` and so zlint count.
    pub fn add_months(self, months: u32) -> Self {
        let date = self.as_offset().date();
        let total =
            i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + i64::from(months);
        let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let (Ok(year), Ok(month)) = (i32::try_from(year), time::Month::try_from(month as u8))
        else {
            return self;
        };
        let Ok(first) = time::Date::from_calendar_date(year, month, 1) else {
            return self;
        };
        let shifted = first + time::Duration::days(i64::from(date.day()) - 1);
        Self::from_offset(self.as_offset().replace_date(shifted))
    }

    /// Calendar months from `self` to `later`: whole months, plus the part of
    /// the next month reached (0 when `later` is not after `self`).
    pub fn months_until(self, later: Self) -> f64 {
        if later.unix() <= self.unix() {
            return 0.0;
        }
        let estimate = u32::try_from((later.unix() - self.unix()) / (31 * 86_400)).unwrap_or(0);
        let mut whole = estimate;
        while whole < 12_000 && self.add_months(whole + 1).unix() <= later.unix() {
            whole += 1;
        }
        let start = self.add_months(whole).unix();
        let next = self.add_months(whole + 1).unix();
        f64::from(whole) + (later.unix() - start) as f64 / (next - start).max(1) as f64
    }
}

#[cfg(test)]
mod month_tests {
    use super::UtcTime;

    #[test]
    fn months_are_counted_as_go_adds_them() {
        let at = |text: &str| UtcTime::parse(text).unwrap();
        let nb = at("2026-02-04T17:43:01Z");
        assert_eq!(nb.add_months(39), at("2029-05-04T17:43:01Z"));
        assert!(nb.months_until(at("2029-05-05T16:43:01Z")) > 39.0);
        assert_eq!(nb.months_until(at("2029-05-04T17:43:01Z")), 39.0);
        assert_eq!(
            at("2023-01-31T00:00:00Z").add_months(1),
            at("2023-03-03T00:00:00Z")
        );
        assert_eq!(
            at("2024-01-31T00:00:00Z").add_months(1),
            at("2024-03-02T00:00:00Z")
        );
        assert_eq!(nb.months_until(nb), 0.0);
    }
}

impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_offset().format(&Rfc3339) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "@{}", self.unix()),
        }
    }
}

impl Serialize for UtcTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UtcTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time")))
    }
}

impl JsonSchema for UtcTime {
    fn schema_name() -> Cow<'static, str> {
        "UtcTime".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date-time" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339() {
        let t = UtcTime::from_unix(1_795_000_000).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-11-18T11:06:40Z\"");
        assert_eq!(serde_json::from_str::<UtcTime>(&json).unwrap(), t);
        assert!(serde_json::from_str::<UtcTime>("\"yesterday\"").is_err());
    }
}
