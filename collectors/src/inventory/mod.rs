//! The inventory collector: imports a CSV export of issued certificates (a CA
//! database export, a CLM tool report, a spreadsheet).
//!
//! A serial column is required, plus an issuer or a SHA-256 fingerprint column,
//! so rows can be matched with discovered certificates. Columns are found by
//! common header names; [`ColumnMap`] overrides any of them.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

mod config;
pub use config::InventoryConfig;

use pkimm_model::evidence::{
    normalise_serial, CollectionRun, EvidenceBundle, Failure, FailureKind, InventoryRecord,
    Provenance, UtcTime,
};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, PrimitiveDateTime};

/// The collector's name in provenance records.
pub const COLLECTOR: &str = "inventory";

/// The fields an inventory row can map to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// Serial number (required).
    Serial,
    /// Issuer name.
    Issuer,
    /// SHA-256 fingerprint.
    Fingerprint,
    /// Subject name.
    Subject,
    /// Expiry.
    NotAfter,
    /// Status.
    Status,
    /// Owner or team.
    Owner,
}

impl Field {
    const ALL: [Self; 7] = [
        Self::Serial,
        Self::Issuer,
        Self::Fingerprint,
        Self::Subject,
        Self::NotAfter,
        Self::Status,
        Self::Owner,
    ];

    /// The name used on the command line (`--map serial=...`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Serial => "serial",
            Self::Issuer => "issuer",
            Self::Fingerprint => "fingerprint",
            Self::Subject => "subject",
            Self::NotAfter => "not_after",
            Self::Status => "status",
            Self::Owner => "owner",
        }
    }

    /// The field for a command-line name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Header names recognised without a mapping (compared case-insensitively,
    /// ignoring spaces, dashes and underscores).
    fn default_headers(self) -> &'static [&'static str] {
        match self {
            Self::Serial => &[
                "serial",
                "serialnumber",
                "certificateserialnumber",
                "serialno",
            ],
            Self::Issuer => &["issuer", "issuerdn", "issuername", "issuingca", "ca"],
            Self::Fingerprint => &[
                "fingerprint",
                "sha256",
                "fingerprintsha256",
                "sha256fingerprint",
            ],
            Self::Subject => &["subject", "subjectdn", "commonname", "cn", "requestername"],
            Self::NotAfter => &[
                "notafter",
                "expires",
                "expiry",
                "expirydate",
                "validto",
                "certificateexpirationdate",
            ],
            Self::Status => &["status", "state", "disposition"],
            Self::Owner => &["owner", "team", "contact"],
        }
    }
}

/// Explicit header names for fields, overriding the defaults.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    overrides: BTreeMap<Field, String>,
}

/// One `field=Header Name` mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// The field.
    pub field: Field,
    /// The column header it is read from.
    pub header: String,
}

/// A column mapping that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ColumnMapError {
    /// Not `field=Header`.
    #[error("column mapping {0:?} must look like field=Header")]
    Syntax(String),
    /// A field pkimm does not know.
    #[error("unknown inventory field {field:?}; fields are {known}")]
    UnknownField {
        /// The field given.
        field: String,
        /// The fields there are.
        known: String,
    },
}

impl ColumnMapping {
    /// The mapping of `field` (a field name) to `header`.
    pub fn new(field: &str, header: &str) -> Result<Self, ColumnMapError> {
        let field = Field::from_name(field.trim()).ok_or_else(|| {
            let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            ColumnMapError::UnknownField {
                field: field.trim().to_string(),
                known: names.join(", "),
            }
        })?;
        Ok(Self {
            field,
            header: header.trim().to_string(),
        })
    }
}

impl std::str::FromStr for ColumnMapping {
    type Err = ColumnMapError;

    /// Parses `field=Header Name`.
    fn from_str(pair: &str) -> Result<Self, Self::Err> {
        let (field, header) = pair
            .split_once('=')
            .ok_or_else(|| ColumnMapError::Syntax(pair.to_string()))?;
        Self::new(field, header)
    }
}

impl ColumnMap {
    /// The map of these mappings (a later mapping of a field wins).
    pub fn new(mappings: &[ColumnMapping]) -> Self {
        Self {
            overrides: mappings
                .iter()
                .map(|m| (m.field, m.header.clone()))
                .collect(),
        }
    }

    /// Parses `field=Header Name` pairs.
    pub fn parse(pairs: &[String]) -> Result<Self, ColumnMapError> {
        let mappings = pairs
            .iter()
            .map(|p| p.parse())
            .collect::<Result<Vec<ColumnMapping>, _>>()?;
        Ok(Self::new(&mappings))
    }
}

/// Options of the inventory collector.
#[derive(Debug, Clone)]
pub struct InventoryOptions {
    /// Column mapping.
    pub columns: ColumnMap,
    /// Field delimiter.
    pub delimiter: u8,
    /// Largest file read.
    pub max_file_bytes: u64,
    /// The agent name recorded in provenance.
    pub agent: Option<String>,
}

impl Default for InventoryOptions {
    fn default() -> Self {
        Self {
            columns: ColumnMap::default(),
            delimiter: b',',
            max_file_bytes: 1024 * 1024 * 1024,
            agent: None,
        }
    }
}

/// Why an inventory file could not be imported at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// The file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than the cap.
    #[error("{path} is larger than the {limit}-byte cap")]
    TooLarge {
        /// The file.
        path: String,
        /// The cap.
        limit: u64,
    },
    /// The header row is unusable.
    #[error("{path}: {message}")]
    Header {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn normalise_header(header: &str) -> String {
    header
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Resolves each field to a column index.
fn resolve_columns(
    headers: &csv::StringRecord,
    map: &ColumnMap,
    path: &str,
) -> Result<BTreeMap<Field, usize>, InventoryError> {
    let normalised: Vec<String> = headers.iter().map(normalise_header).collect();
    let mut columns = BTreeMap::new();
    for field in Field::ALL {
        let index = match map.overrides.get(&field) {
            Some(header) => Some(
                headers
                    .iter()
                    .position(|h| h.trim() == header)
                    .or_else(|| {
                        normalised
                            .iter()
                            .position(|h| *h == normalise_header(header))
                    })
                    .ok_or_else(|| InventoryError::Header {
                        path: path.to_string(),
                        message: format!(
                            "column {header:?} mapped to {} is not in the header ({})",
                            field.name(),
                            headers.iter().collect::<Vec<_>>().join(", ")
                        ),
                    })?,
            ),
            None => field
                .default_headers()
                .iter()
                .find_map(|candidate| normalised.iter().position(|h| h == candidate)),
        };
        if let Some(index) = index {
            columns.insert(field, index);
        }
    }
    if !columns.contains_key(&Field::Serial) {
        return Err(InventoryError::Header {
            path: path.to_string(),
            message:
                "no serial number column; name it `serial` or map one with --map serial=HEADER"
                    .to_string(),
        });
    }
    if !columns.contains_key(&Field::Issuer) && !columns.contains_key(&Field::Fingerprint) {
        return Err(InventoryError::Header {
            path: path.to_string(),
            message: "no issuer or fingerprint column; rows could not be matched with certificates (map one with --map issuer=HEADER or --map fingerprint=HEADER)".to_string(),
        });
    }
    Ok(columns)
}

/// Parses the date formats exports commonly use; times without an offset are UTC.
pub fn parse_inventory_time(text: &str) -> Option<UtcTime> {
    let text = text.trim();
    if let Some(t) = UtcTime::parse(text) {
        return Some(t);
    }
    if let Ok(t) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Some(UtcTime::from_offset(t));
    }
    if let Ok(t) = PrimitiveDateTime::parse(
        text,
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    ) {
        return Some(UtcTime::from_offset(t.assume_utc()));
    }
    if let Ok(t) = PrimitiveDateTime::parse(
        text,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    ) {
        return Some(UtcTime::from_offset(t.assume_utc()));
    }
    if let Ok(d) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
        return Some(UtcTime::from_offset(d.midnight().assume_utc()));
    }
    None
}

/// Imports one CSV file.
pub fn collect_inventory(
    path: &Path,
    options: &InventoryOptions,
) -> Result<EvidenceBundle, InventoryError> {
    let display = path.display().to_string();
    let started_at = UtcTime::now();
    let io = |source| InventoryError::Io {
        path: display.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > options.max_file_bytes {
        return Err(InventoryError::TooLarge {
            path: display,
            limit: options.max_file_bytes,
        });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(file.take(options.max_file_bytes));
    let headers = reader
        .headers()
        .map_err(|e| InventoryError::Header {
            path: display.clone(),
            message: format!("cannot read the header row: {e}"),
        })?
        .clone();
    let columns = resolve_columns(&headers, &options.columns, &display)?;
    let mapped: Vec<usize> = columns.values().copied().collect();

    let base = Provenance {
        collector: COLLECTOR.into(),
        source: display.clone(),
        method: "csv".into(),
        collected_at: started_at,
        agent: options.agent.as_deref().map(Into::into),
    };
    let mut bundle = EvidenceBundle::new(format!("pkimm {}", env!("CARGO_PKG_VERSION")));
    for (index, row) in reader.records().enumerate() {
        // Row 1 is the header.
        let row_number = index + 2;
        let provenance = Provenance {
            source: format!("{display}#row={row_number}"),
            ..base.clone()
        };
        let row = match row {
            Ok(row) => row,
            Err(err) => {
                bundle.failures.push(Failure {
                    kind: FailureKind::Parse,
                    message: format!("unreadable CSV row: {err}"),
                    offset: err.position().map(|p| p.byte()),
                    provenance,
                });
                continue;
            }
        };
        match record_from_row(&row, &headers, &columns, &mapped, provenance.clone()) {
            Ok(record) => bundle.inventory.push(record),
            Err(message) => bundle.failures.push(Failure {
                kind: FailureKind::Parse,
                message,
                offset: row.position().map(|p| p.byte()),
                provenance,
            }),
        }
    }
    bundle.runs.push(CollectionRun {
        collector: COLLECTOR.to_string(),
        targets: vec![display],
        started_at,
        finished_at: UtcTime::now(),
        agent: options.agent.clone(),
    });
    Ok(bundle)
}

fn record_from_row(
    row: &csv::StringRecord,
    headers: &csv::StringRecord,
    columns: &BTreeMap<Field, usize>,
    mapped: &[usize],
    provenance: Provenance,
) -> Result<InventoryRecord, String> {
    let get = |field: Field| {
        columns
            .get(&field)
            .and_then(|i| row.get(*i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let serial_text = get(Field::Serial).ok_or("the serial number is empty")?;
    let serial = normalise_serial(serial_text)
        .ok_or_else(|| format!("serial number {serial_text:?} is not hexadecimal"))?;
    let fingerprint_sha256 = match get(Field::Fingerprint) {
        Some(text) => {
            let cleaned: String = text
                .chars()
                .filter(|c| !matches!(c, ':' | ' '))
                .collect::<String>()
                .to_ascii_lowercase();
            if cleaned.len() != 64 || !cleaned.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!(
                    "fingerprint {text:?} is not a SHA-256 fingerprint (64 hex digits)"
                ));
            }
            Some(cleaned)
        }
        None => None,
    };
    let issuer = get(Field::Issuer).map(str::to_string);
    if issuer.is_none() && fingerprint_sha256.is_none() {
        return Err("both issuer and fingerprint are empty".to_string());
    }
    let not_after = match get(Field::NotAfter) {
        Some(text) => Some(parse_inventory_time(text).ok_or_else(|| {
            format!(
                "expiry {text:?} is not a date (use RFC 3339, YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)"
            )
        })?),
        None => None,
    };
    let extra = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| !mapped.contains(i))
        .filter_map(|(i, h)| {
            row.get(i)
                .filter(|v| !v.is_empty())
                .map(|v| (h.to_string(), v.to_string()))
        })
        .collect();
    Ok(InventoryRecord {
        serial,
        issuer,
        fingerprint_sha256,
        subject: get(Field::Subject).map(str::to_string),
        not_after,
        status: get(Field::Status).map(str::to_ascii_lowercase),
        owner: get(Field::Owner).map(str::to_string),
        extra,
        provenance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_map_parses_and_rejects() {
        assert!(ColumnMap::parse(&["serial=Serial Number".into()]).is_ok());
        assert!(ColumnMap::parse(&["colour=x".into()])
            .unwrap_err()
            .to_string()
            .contains("unknown inventory field"));
        assert!(ColumnMap::parse(&["serial".into()]).is_err());
    }

    #[test]
    fn dates_in_common_formats() {
        assert!(parse_inventory_time("2027-02-03").is_some());
        assert!(parse_inventory_time("2027-02-03 10:00:00").is_some());
        assert!(parse_inventory_time("2027-02-03T10:00:00Z").is_some());
        assert!(parse_inventory_time("tomorrow").is_none());
    }
}
