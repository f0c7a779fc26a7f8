//! One self-contained HTML page: inline CSS and SVG, no external assets.

use minijinja::{context, Environment};
use serde::Serialize;

use crate::document::{confidence_name, status_name, ReportDocument};
use crate::RenderError;

const TEMPLATE: &str = include_str!("templates/report.html");
/// Findings listed in the page; the JSON report has them all.
const MAX_FINDINGS: usize = 500;

/// One row of the peer chart: the group's range, quartile box and median on
/// the 0–5 scale, and the organisation's level as a dot.
#[derive(Serialize)]
struct PeerBar {
    label: String,
    y: u32,
    min_x: f64,
    max_x: f64,
    q1_x: f64,
    box_width: f64,
    median_x: f64,
    level_x: Option<f64>,
    title: String,
}

#[derive(Serialize)]
struct Bar {
    label: String,
    y: u32,
    /// The assessed bar.
    width: Option<f64>,
    value: String,
    /// The pre-filled bar, drawn below the assessed one.
    prefilled_width: Option<f64>,
    prefilled_value: String,
    /// Where the highest level a suggestion may take now sits, when the
    /// category has suggestions.
    ceiling_x: Option<f64>,
    ceiling: Option<u8>,
}

#[derive(Serialize)]
struct Tick {
    x: f64,
    level: u8,
}

#[derive(Serialize)]
struct ModuleRow {
    id: String,
    name: String,
    text: String,
    percent: f64,
}

#[derive(Serialize)]
struct SuggestionView {
    level: u8,
    confidence: &'static str,
    rationale: String,
    evidence: Vec<String>,
    cap: Option<String>,
}

#[derive(Serialize)]
struct ScopedOut {
    id: String,
    name: String,
    reason: String,
}

#[derive(Serialize)]
struct RequirementView {
    id: String,
    name: String,
    status: &'static str,
    level: Option<u8>,
    suggested: Option<SuggestionView>,
    stale: Option<String>,
    note: Option<String>,
    justification: Option<String>,
    references: Vec<String>,
    observed: Option<pkimm_scoring::assessment::Observed>,
    criteria: Vec<String>,
}

#[derive(Serialize)]
struct FindingView {
    severity: &'static str,
    rule: String,
    title: String,
    pkimm: Vec<String>,
    label: String,
    message: String,
}

fn score_text(score: Option<&pkimm_scoring::LevelScore>) -> (String, String) {
    score.map_or_else(
        || ("–".to_string(), "not applicable".to_string()),
        |s| (format!("{:.2}", s.value), s.name.clone()),
    )
}

/// Renders the page.
pub fn render(d: &ReportDocument) -> Result<String, RenderError> {
    const BAR_MAX: f64 = 560.0;
    let width = |s: &pkimm_scoring::LevelScore| (s.value / 5.0 * BAR_MAX * 10.0).round() / 10.0;
    let chart: Vec<Bar> = d
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let prefilled = d
                .prefilled_categories
                .iter()
                .find(|p| p.id == c.id)
                .and_then(|p| p.score.as_ref());
            let ceiling = d.prefilled_basis.ceilings.get(&c.id).copied();
            Bar {
                label: c.name.clone(),
                y: 4 + 34 * u32::try_from(i).unwrap_or(0),
                width: c.score.as_ref().map(width),
                value: c
                    .score
                    .as_ref()
                    .map(|s| format!("{:.2}", s.value))
                    .unwrap_or_default(),
                prefilled_width: prefilled.map(width),
                prefilled_value: prefilled
                    .map(|s| format!("{:.2}", s.value))
                    .unwrap_or_default(),
                ceiling_x: ceiling.map(|l| 300.0 + f64::from(l) / 5.0 * BAR_MAX),
                ceiling,
            }
        })
        .collect();
    let chart_height = 34 * u32::try_from(chart.len()).unwrap_or(0) + 28;
    let grid: Vec<Tick> = (0..=5u8)
        .map(|l| Tick {
            x: 300.0 + f64::from(l) / 5.0 * BAR_MAX,
            level: l,
        })
        .collect();
    let modules: Vec<ModuleRow> = d
        .modules
        .iter()
        .map(|m| ModuleRow {
            id: m.id.clone(),
            name: m.name.clone(),
            text: score_text(m.score.as_ref()).0,
            percent: m.score.as_ref().map_or(0.0, |s| s.percent),
        })
        .collect();
    let peer_chart = peer_bars(d, BAR_MAX);
    let peer_chart_height = 30 * u32::try_from(peer_chart.len()).unwrap_or(0) + 28;
    let show = d.report_type.sections();
    let tech: Vec<RequirementView> = d
        .requirements
        .iter()
        .filter(|r| {
            show.all_requirements || d.technology_categories.contains(&r.requirement.category_id)
        })
        .map(|r| RequirementView {
            id: r.requirement.id.clone(),
            name: r.requirement.name.clone(),
            status: status_name(r.status),
            level: r.level,
            suggested: r.suggested.as_ref().map(|s| SuggestionView {
                level: s.level.number(),
                confidence: confidence_name(s.confidence),
                rationale: s.rationale.clone(),
                evidence: s.evidence.clone(),
                cap: s.cap.clone(),
            }),
            stale: r.stale.clone(),
            note: r.note.clone(),
            justification: r.justification.clone(),
            references: r.references.iter().map(|x| x.title.clone()).collect(),
            observed: r.observed.clone(),
            criteria: r
                .criteria
                .iter()
                .map(|(id, c)| {
                    format!(
                        "{id} {}{}",
                        if c.met { "met" } else { "not met" },
                        c.justification
                            .as_deref()
                            .map(|j| format!(" ({j})"))
                            .unwrap_or_default()
                    )
                })
                .collect(),
        })
        .collect();
    let findings: Vec<FindingView> = d
        .findings
        .iter()
        .take(MAX_FINDINGS)
        .map(|f| FindingView {
            severity: f.severity.name(),
            rule: f.rule.clone(),
            title: f.title.clone(),
            pkimm: f.pkimm.clone(),
            label: f.label.clone(),
            message: f.message.clone(),
        })
        .collect();
    let severities: Vec<(String, u64)> = ["critical", "high", "medium", "low"]
        .iter()
        .filter_map(|s| {
            d.summary
                .findings_by_severity
                .get(*s)
                .map(|n| ((*s).to_string(), *n))
        })
        .collect();
    let (overall_text, overall_name) = score_text(d.overall.score.as_ref());
    let (prefilled_text, _) = score_text(d.prefilled_overall.score.as_ref());
    let mut document = serde_json::to_value(d)?;
    if let Some(map) = document.as_object_mut() {
        map.insert("report_type_title".into(), d.report_type.title().into());
        map.insert("overall_text".into(), overall_text.into());
        map.insert("overall_name".into(), overall_name.into());
        map.insert("prefilled_text".into(), prefilled_text.into());
    }
    let mut scoped_out: Vec<ScopedOut> = d
        .categories
        .iter()
        .filter_map(|c| {
            c.not_applicable_reason.as_ref().map(|reason| ScopedOut {
                id: c.id.clone(),
                name: c.name.clone(),
                reason: reason.clone(),
            })
        })
        .collect();
    scoped_out.extend(d.requirements.iter().filter_map(|r| {
        r.reason.as_ref().map(|reason| ScopedOut {
            id: r.requirement.id.clone(),
            name: r.requirement.name.clone(),
            reason: reason.clone(),
        })
    }));
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    let page = env.get_template("report.html")?.render(context! {
        d => document,
        show,
        scoped_out,
        chart,
        chart_height,
        grid,
        modules,
        tech,
        findings,
        severities,
        more_findings => d.findings.len().saturating_sub(MAX_FINDINGS),
        peer_chart,
        peer_chart_height,
    })?;
    Ok(page)
}

/// The peer chart's rows: categories with a peer distribution.
fn peer_bars(d: &ReportDocument, bar_max: f64) -> Vec<PeerBar> {
    let x = |level: f64| ((300.0 + level / 5.0 * bar_max) * 10.0).round() / 10.0;
    let Some(peers) = &d.peers else {
        return Vec::new();
    };
    peers
        .rows
        .iter()
        .filter(|r| r.scope == "category")
        .filter_map(|r| Some((r, r.peers.as_ref()?)))
        .enumerate()
        .map(|(i, (r, p))| PeerBar {
            label: r.name.clone(),
            y: 4 + 30 * u32::try_from(i).unwrap_or(0),
            min_x: x(p.min),
            max_x: x(p.max),
            q1_x: x(p.q1),
            box_width: ((x(p.q3) - x(p.q1)) * 10.0).round() / 10.0,
            median_x: x(p.median),
            level_x: r.level.map(x),
            title: format!(
                "{}: {} against peers of median {:.2} (quartiles {:.2}–{:.2}, {} organisations){}",
                r.name,
                r.level
                    .map_or_else(|| "not applicable".to_string(), |l| format!("{l:.2}")),
                p.median,
                p.q1,
                p.q3,
                p.count,
                r.percentile
                    .map(|q| format!(", percentile {q:.0}"))
                    .unwrap_or_default()
            ),
        })
        .collect()
}
