//! `pkimm score`: the score report as tables for a terminal.

use std::fmt::Write as _;

use pkimm_scoring::aggregate::OverallScore;
use pkimm_scoring::report::ModelRef;
use pkimm_scoring::{Basis, LevelScore, Mode, ScoreReport};

use super::{new_table, show_value, two_decimals};

fn level_cells(score: Option<&LevelScore>) -> (String, String) {
    match score {
        Some(s) => (two_decimals(s.value), s.name.clone()),
        None => ("n/a".to_string(), "Not applicable".to_string()),
    }
}

fn progress_bar(score: &LevelScore) -> String {
    let filled = (score.value / 5.0 * 20.0).round() as usize;
    format!(
        "[{}{}]",
        "#".repeat(filled.min(20)),
        ".".repeat(20 - filled.min(20))
    )
}

fn overall_line(overall: &OverallScore, model: &ModelRef) -> String {
    match &overall.score {
        Some(s) => {
            let towards = if s.level < 5 {
                format!(
                    ", {:.0}% of the way to {}",
                    (s.value - f64::from(s.level)) * 100.0,
                    model.level_name(s.level + 1)
                )
            } else {
                String::new()
            };
            format!(
                "Overall PKI maturity: {} {}{towards} {}",
                two_decimals(s.value),
                s.name,
                progress_bar(s)
            )
        }
        None => "Overall PKI maturity: n/a (nothing applicable)".to_string(),
    }
}

/// The score report as tables for a terminal.
pub fn render(report: &ScoreReport) -> String {
    let mut out = String::new();
    let basis = match report.basis {
        Basis::Assessed => "assessed: confirmed and overridden levels only",
        Basis::Prefilled => "PRE-FILLED: includes suggested levels not yet confirmed",
    };
    let mode = match report.mode {
        Mode::Full => "full assessment",
        Mode::SelfAssessment => "self-assessment",
    };
    let _ = writeln!(out, "PKIMM {} {mode} ({basis})", report.model.version);
    let _ = writeln!(
        out,
        "Profile: {} {} · {}",
        report.profile.id, report.profile.version, report.profile.report_label
    );
    let meta = &report.meta;
    for (label, value) in [
        ("Organisation", &meta.organisation),
        ("Use case", &meta.use_case),
        ("Scope", &meta.scope),
        ("Assessor", &meta.assessor),
        ("Date", &meta.date),
        ("Period", &meta.period),
    ] {
        if let Some(value) = value {
            let _ = writeln!(out, "{label}: {value}");
        }
    }
    out.push('\n');

    let mut categories = new_table([
        "Id",
        "Category",
        "Module",
        "Weight",
        "Level",
        "Achieved",
        "N/A",
        "Not eval.",
        "Assessed",
    ]);
    for category in &report.categories {
        let (value, name) = level_cells(category.score.as_ref());
        let stats = &category.statistics;
        let evaluated = stats.total_applicable() - stats.not_evaluated;
        categories.add_row([
            category.id.clone(),
            category.name.clone(),
            category.module_id.clone(),
            category.weight.to_string(),
            value,
            name,
            stats.not_applicable.to_string(),
            stats.not_evaluated.to_string(),
            format!("{evaluated}/{}", stats.total_applicable()),
        ]);
    }
    let _ = writeln!(out, "Categories\n{categories}\n");

    let mut modules = new_table(["Id", "Module", "Level", "Achieved"]);
    for module in &report.modules {
        let (value, name) = level_cells(module.score.as_ref());
        modules.add_row([module.id.clone(), module.name.clone(), value, name]);
    }
    let _ = writeln!(out, "Modules\n{modules}\n");
    let _ = writeln!(out, "{}", overall_line(&report.overall, &report.model));
    let _ = writeln!(out, "Scoring: {}", report.profile.not_evaluated);

    for extension in &report.extensions {
        let _ = writeln!(
            out,
            "\nExtension {} {} ({})",
            extension.id, extension.version, extension.name
        );
        let mut table = new_table([
            "Id",
            "Category",
            "Level_C",
            "WeightSum_C",
            "Relevance",
            "RelWeight_C",
            "Ext. level",
            "Eff. weight",
        ]);
        for category in &extension.categories {
            let (relevance, relevance_weight) = match &category.relevance {
                Some(r) if r.level == 0 => ("not evaluated".to_string(), format!("{}", r.weight)),
                Some(r) => (r.level.to_string(), format!("{}", r.weight)),
                None => ("-".to_string(), "-".to_string()),
            };
            table.add_row([
                category.id.clone(),
                category.name.clone(),
                show_value(category.level),
                format!("{}", category.weight_sum),
                relevance,
                relevance_weight,
                show_value(category.extension_level.as_ref().map(|l| l.value)),
                format!("{}", category.effective_weight),
            ]);
        }
        let _ = writeln!(out, "{table}");
        let describe = |s: Option<&LevelScore>| {
            s.map_or_else(
                || "n/a".to_string(),
                |s| format!("{} {}", two_decimals(s.value), s.name),
            )
        };
        let _ = writeln!(
            out,
            "Extension score: {}",
            describe(extension.score.as_ref())
        );
        if extension.floor.is_some() {
            let _ = writeln!(out, "Floor score: {}", describe(extension.floor.as_ref()));
        }
        let _ = writeln!(
            out,
            "Extension-weighted PKIMM score: {}",
            describe(extension.weighted_pkimm.as_ref())
        );
    }
    out
}
