//! The stable, versioned JSON that dashboards read; its schema is
//! [`crate::schema`].

use crate::document::ReportDocument;

/// Renders the document as pretty JSON with a final newline.
pub fn render(document: &ReportDocument) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(document)?;
    text.push('\n');
    Ok(text)
}
