//! The PKIMM references catalog (`pkimm-references.yaml`, catalog schema
//! 1.0.0): the standards, regulations and publications 2.0.0 requirements
//! cite by id. The official catalog is embedded.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::diag::{from_yaml_str, join_index, join_key, DocumentError, Located};
use crate::load::ModelError;
use crate::model::Reference;
use crate::read::{read_text_file, MAX_DOCUMENT_BYTES};

/// The official references catalog, as published with PKIMM 2.0.0.
pub const EMBEDDED_REFERENCES_YAML: &str =
    include_str!("../../fixtures/official/2.0.0/pkimm-references.yaml");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCatalog {
    schema_version: String,
    #[allow(dead_code)]
    version: String,
    references: Vec<RawReference>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReference {
    id: String,
    title: String,
    authority: Option<String>,
    url: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    regions: Vec<String>,
    #[serde(default)]
    deprecated: bool,
    superseded_by: Option<String>,
}

/// Parses a references catalog.
pub fn parse_references(origin: &str, text: &str) -> Result<Vec<Reference>, DocumentError> {
    let raw: RawCatalog = from_yaml_str(origin, text)?;
    let located = Located::new(origin, text);
    if raw.schema_version != "1.0.0" {
        return Err(located.error(
            "schemaVersion",
            format!(
                "unsupported references catalog schema {:?}; pkimm reads 1.0.0",
                raw.schema_version
            ),
        ));
    }
    let mut ids = HashSet::new();
    let mut out = Vec::with_capacity(raw.references.len());
    for (i, r) in raw.references.into_iter().enumerate() {
        if !ids.insert(r.id.clone()) {
            return Err(located.error(
                &join_key(&join_index("references", i), "id"),
                format!("reference {} is defined twice", r.id),
            ));
        }
        out.push(Reference {
            id: r.id,
            title: r.title.trim().to_string(),
            authority: r.authority,
            url: r.url,
            deprecated: r.deprecated,
            superseded_by: r.superseded_by,
        });
    }
    Ok(out)
}

/// Loads a references catalog file.
pub fn load_references_file(path: &Path) -> Result<Vec<Reference>, ModelError> {
    let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
    Ok(parse_references(&path.display().to_string(), &text)?)
}

/// The embedded official catalog, parsed once.
pub fn embedded_references() -> &'static [Reference] {
    static CATALOG: OnceLock<Vec<Reference>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        parse_references("<embedded references>", EMBEDDED_REFERENCES_YAML)
            // Compiled in and checked by the tests; failing here is a build
            // defect, not an input error.
            .unwrap_or_else(|err| panic!("embedded references catalog is invalid: {err}"))
    })
}
