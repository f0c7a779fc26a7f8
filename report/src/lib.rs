//! The pkimm report: one versioned document ([`document::ReportDocument`])
//! built from an assessment and, optionally, evidence and its evaluation;
//! every format renders that same document, one file per renderer:
//! [`json`], [`html`], [`markdown`], [`csv`] and [`prometheus`], plus the
//! assessment profile's artifacts, [`credential`] and [`manifest`]. [`text`]
//! holds the terminal views of the score report and of an evaluation.
//!
//! Adding a format: one file here with `render(&ReportDocument)`, one
//! [`Format`] variant and its arm in [`render`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cbom;
pub mod comparison;
pub mod credential;
pub mod csv;
pub mod document;
pub mod html;
pub mod json;
pub mod junit;
pub mod manifest;
pub mod markdown;
pub mod oscal;
pub mod prometheus;
pub mod text;
pub mod uuid;

pub use document::{ReportDocument, ReportInputs, ReportType, REPORT_SCHEMA_VERSION};

/// A report that could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The HTML template failed.
    #[error("HTML report: {0}")]
    Template(#[from] minijinja::Error),
    /// The CSV writer failed.
    #[error("CSV report: {0}")]
    Csv(#[from] ::csv::Error),
    /// JSON serialisation failed.
    #[error("JSON report: {0}")]
    Json(#[from] serde_json::Error),
    /// The format describes evidence, and none was given.
    #[error("--format {0} describes the evidence: give it with --evidence BUNDLE")]
    NeedsEvidence(&'static str),
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The stable, versioned JSON (see `pkimm schema`).
    Json,
    /// One self-contained HTML page.
    Html,
    /// Markdown for tickets and wikis.
    Markdown,
    /// One row per requirement.
    Csv,
    /// Prometheus text exposition (node_exporter textfile collector).
    Prometheus,
    /// The assessment profile's machine attachment,
    /// pkimm-assessment-credential.json (see `pkimm schema --credential`).
    Credential,
    /// The evidence manifest: every evidence file with its SHA-256 and the
    /// requirements it backs (see `pkimm schema --manifest`).
    Manifest,
    /// A CycloneDX 1.6 cryptographic bill of materials of the evidence
    /// (needs --evidence).
    Cbom,
    /// An OSCAL 1.1 assessment-results document (observations from
    /// --evidence when given).
    Oscal,
}

/// Renders `document` in `format`.
pub fn render(format: Format, document: &ReportDocument) -> Result<String, RenderError> {
    Ok(match format {
        Format::Json => json::render(document)?,
        Format::Html => html::render(document)?,
        Format::Markdown => markdown::render(document),
        Format::Csv => csv::render(document)?,
        Format::Prometheus => prometheus::render(document),
        Format::Credential => credential::render(document)?,
        Format::Manifest => manifest::render(document)?,
        Format::Cbom => return Err(RenderError::NeedsEvidence("cbom")),
        Format::Oscal => oscal::render(document, None)?,
    })
}

/// The JSON Schema of the report document (`pkimm schema`).
pub fn schema() -> schemars::Schema {
    schemars::schema_for!(ReportDocument)
}

/// The JSON Schema of the credential (`pkimm schema --credential`).
pub fn credential_schema() -> schemars::Schema {
    schemars::schema_for!(credential::Credential)
}

/// The JSON Schema of the evidence manifest (`pkimm schema --manifest`).
pub fn manifest_schema() -> schemars::Schema {
    schemars::schema_for!(manifest::EvidenceManifest)
}
