//! The comparison as Markdown.

use std::fmt::Write;

use super::{cell, ComparisonDocument, LevelRow};

fn table(o: &mut String, title: &str, labels: &[String], rows: &[&LevelRow]) {
    let _ = writeln!(o, "## {title}\n");
    let _ = writeln!(
        o,
        "| | {} | Spread | Lowest |\n|---|{}---|---|",
        labels.join(" | "),
        "---|".repeat(labels.len())
    );
    for row in rows {
        let levels: Vec<String> = row.levels.iter().map(|l| cell(*l)).collect();
        let _ = writeln!(
            o,
            "| {} {} | {} | {} | {} |",
            if row.id == "overall" { "" } else { &row.id },
            row.name.replace('|', "\\|"),
            levels.join(" | "),
            cell(row.spread),
            row.lowest.as_deref().unwrap_or("–")
        );
    }
    o.push('\n');
}

/// Renders the comparison.
pub fn render(d: &ComparisonDocument) -> String {
    let labels: Vec<String> = d
        .assessments
        .iter()
        .map(|a| a.label.replace('|', "\\|"))
        .collect();
    let mut o = format!(
        "# PKIMM {} assessments compared\n\n{} assessments, {} levels.\n\n",
        d.model_version,
        d.assessments.len(),
        match d.basis {
            pkimm_scoring::Basis::Assessed => "assessed",
            pkimm_scoring::Basis::Prefilled =>
                "pre-filled (suggestions counted as accepted; not assessed)",
        }
    );
    for a in &d.assessments {
        let _ = writeln!(
            o,
            "- **{}** ({}): overall {}",
            a.label,
            a.file,
            cell(a.overall)
        );
    }
    o.push('\n');
    table(&mut o, "Overall", &labels, &[&d.overall]);
    table(
        &mut o,
        "Modules",
        &labels,
        &d.modules.iter().collect::<Vec<_>>(),
    );
    table(
        &mut o,
        "Categories",
        &labels,
        &d.categories.iter().collect::<Vec<_>>(),
    );
    if !d.divergent_requirements.is_empty() {
        let _ = writeln!(
            o,
            "## Where they diverge most\n\n| Requirement | {} | Spread |\n|---|{}---|",
            labels.join(" | "),
            "---|".repeat(labels.len())
        );
        for r in &d.divergent_requirements {
            let levels: Vec<String> = r
                .levels
                .iter()
                .map(|l| l.map_or_else(|| "n/a".to_string(), |l| l.to_string()))
                .collect();
            let _ = writeln!(
                o,
                "| {} {} | {} | {} |",
                r.id,
                r.name.replace('|', "\\|"),
                levels.join(" | "),
                r.spread
            );
        }
    }
    o
}
