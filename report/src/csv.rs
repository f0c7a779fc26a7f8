//! One row per requirement, for spreadsheets. Columns match the official
//! workbook's order of requirements, so levels can be pasted across.

use crate::document::{confidence_name, status_name, ReportDocument};

/// Renders the CSV.
pub fn render(document: &ReportDocument) -> Result<String, ::csv::Error> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "requirement",
        "category",
        "name",
        "weight",
        "status",
        "level",
        "suggested_level",
        "confidence",
        "stale",
        "justification",
        "reason",
        "assessor",
        "at",
        "rationale",
        "note",
    ])?;
    for r in &document.requirements {
        let (suggested, confidence, rationale) = r.suggested.as_ref().map_or_else(
            || (String::new(), "", String::new()),
            |s| {
                (
                    s.level.number().to_string(),
                    confidence_name(s.confidence),
                    s.rationale.clone(),
                )
            },
        );
        writer.write_record([
            r.requirement.id.as_str(),
            &r.requirement.category_id,
            &r.requirement.name,
            &r.requirement.weight.to_string(),
            status_name(r.status),
            &r.level.map(|l| l.to_string()).unwrap_or_default(),
            &suggested,
            confidence,
            r.stale.as_deref().unwrap_or(""),
            r.justification.as_deref().unwrap_or(""),
            r.reason.as_deref().unwrap_or(""),
            r.assessor.as_deref().unwrap_or(""),
            r.at.as_deref().unwrap_or(""),
            &rationale,
            r.note.as_deref().unwrap_or(""),
        ])?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ::csv::Error::from(e.into_error()))?;
    // Every field written is a Rust string, so the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
