//! Outputs for people and machines. Every format renders the same
//! [`document::ReportDocument`]; adding a format means one module here and
//! one arm in [`render`].

pub mod csv;
pub mod document;
pub mod html;
pub mod markdown;
pub mod prometheus;

use anyhow::Result;
use pkimm_model::evidence::EvidenceBundle;

use document::ReportDocument;

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
}

/// Renders `document` in `format`. The bundle feeds per-record metrics.
pub fn render(
    format: Format,
    document: &ReportDocument,
    bundle: Option<&EvidenceBundle>,
) -> Result<String> {
    Ok(match format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(document)?;
            text.push('\n');
            text
        }
        Format::Html => html::render(document)?,
        Format::Markdown => markdown::render(document),
        Format::Csv => csv::render(document)?,
        Format::Prometheus => prometheus::render(document, bundle),
    })
}
