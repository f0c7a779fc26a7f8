//! `pkimm collect inventory` and the `inventory` section of a scan job.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

use super::{collect_inventory, ColumnMap, ColumnMapping, InventoryOptions};
use crate::collector::{resolve, CollectContext, CollectError, Collection, Collector};

/// A CSV export of issued certificates (a CA database export, a CLM report).
#[derive(Debug, Clone, PartialEq, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct InventoryConfig {
    /// The CSV file.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    /// Map a field to a column header, for example --map serial="Serial Number".
    /// Fields: serial, issuer, fingerprint, subject, not_after, status, owner.
    /// In a scan config: `map = { serial = "Serial Number" }`.
    #[arg(long = "map", value_name = "FIELD=HEADER")]
    #[serde(default, deserialize_with = "mappings_from_table")]
    pub map: Vec<ColumnMapping>,
    /// Field delimiter.
    #[arg(long, default_value_t = ',')]
    #[serde(default = "comma")]
    pub delimiter: char,
}

fn comma() -> char {
    ','
}

/// `{ field = "Header", … }` as mappings; errors name the field.
fn mappings_from_table<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ColumnMapping>, D::Error> {
    BTreeMap::<String, String>::deserialize(d)?
        .iter()
        .map(|(field, header)| ColumnMapping::new(field, header).map_err(serde::de::Error::custom))
        .collect()
}

impl InventoryConfig {
    /// A config for `file` with the default columns.
    pub fn new(file: PathBuf) -> Self {
        Self {
            file,
            map: Vec::new(),
            delimiter: comma(),
        }
    }
}

impl Collector for InventoryConfig {
    const TYPE: &'static str = "inventory";

    fn collect(&self, context: &CollectContext<'_>) -> Result<Collection, CollectError> {
        let delimiter = u8::try_from(self.delimiter)
            .ok()
            .filter(u8::is_ascii)
            .ok_or_else(|| CollectError::Config {
                collector: Self::TYPE,
                message: "the delimiter must be a single ASCII character".to_string(),
            })?;
        let options = InventoryOptions {
            columns: ColumnMap::new(&self.map),
            delimiter,
            agent: Some(context.agent.to_string()),
            ..InventoryOptions::default()
        };
        let bundle = collect_inventory(&self.file, &options)?;
        let summary = format!(
            "imported {} inventory rows ({} rows rejected)",
            bundle.inventory.len(),
            bundle.failures.len()
        );
        Ok(Collection { bundle, summary })
    }

    fn resolve_paths(&mut self, base: &Path) {
        resolve(base, &mut self.file);
    }
}
