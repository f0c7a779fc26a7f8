//! Markdown, for tickets and wikis.

use std::fmt::Write as _;

use crate::document::{confidence_name, status_name, ReportDocument};

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn value(score: Option<&pkimm_scoring::LevelScore>) -> String {
    score.map_or_else(
        || "not applicable".to_string(),
        |s| format!("{:.2} ({})", s.value, s.name),
    )
}

/// Renders the report.
pub fn render(d: &ReportDocument) -> String {
    let show = d.report_type.sections();
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", d.report_type.title());
    let _ = writeln!(o, "_{}_\n", cell(&d.profile.assurance.report_label));
    let _ = writeln!(o, "{}\n", cell(&d.profile.assurance.notice));
    let meta = [
        ("Scope", d.meta.scope.as_deref()),
        ("Date", d.meta.date.as_deref()),
        ("Period", d.meta.period.as_deref()),
    ];
    let _ = writeln!(o, "| | |\n| --- | --- |");
    let _ = writeln!(o, "| Model | PKIMM {} |", d.model.version);
    let _ = writeln!(
        o,
        "| Profile | {} {} · {} |",
        cell(&d.profile.id),
        d.profile.version,
        cell(&d.profile.assurance.label)
    );
    for field in &d.subject {
        if let Some(value) = &field.value {
            let _ = writeln!(o, "| {} | {} |", cell(&field.label), cell(value));
        }
    }
    for (name, text) in meta {
        if let Some(text) = text {
            let _ = writeln!(o, "| {name} | {} |", cell(text));
        }
    }
    let _ = writeln!(
        o,
        "| Generated | {} by pkimm {} |",
        d.generated_at, d.tool.version
    );
    if let Some(scan) = &d.scan {
        let _ = writeln!(
            o,
            "| Evidence | {} (evaluated {}) |",
            cell(&scan.id),
            scan.evaluated_at
        );
    }
    if show.attestation {
        let _ = writeln!(o, "\n**Overall: {}**\n", value(d.overall.score.as_ref()));
    } else {
        let _ = writeln!(
            o,
            "\n**Overall (assessed): {}** · pre-filled from evidence (not assessed): {}, resting on {} suggestions and {} assessor decisions of {} requirements ({} others count as 0)\n",
            value(d.overall.score.as_ref()),
            value(d.prefilled_overall.score.as_ref()),
            d.prefilled_basis.suggested,
            d.prefilled_basis.decided,
            d.prefilled_basis.requirements,
            d.prefilled_basis.without_level
        );
    }
    if let Some(description) = &d.overall_description {
        let _ = writeln!(o, "Achieved level {description}\n");
    }
    if !show.attestation {
        let _ = writeln!(o, "The pre-filled figure counts pkimm's suggestions as if accepted; only confirmed or overridden levels count in the assessed score.\n");
    }
    let _ = writeln!(o, "Scoring: {}\n", d.profile.not_evaluated);
    if show.attestation {
        let _ = writeln!(
            o,
            "## Attestation\n\nThis attests that {}achieved PKI maturity level **{}** against PKIMM {}, as assessed{}{}. Only levels confirmed or overridden by the assessor count.\n\nSignature: ______________________ Date: ______________",
            d.meta.organisation.as_deref().map(|n| format!("{n} ")).unwrap_or_default(),
            value(d.overall.score.as_ref()),
            d.model.version,
            d.meta.assessor.as_deref().map(|a| format!(" by {a}")).unwrap_or_default(),
            d.meta.date.as_deref().map(|a| format!(" on {a}")).unwrap_or_default(),
        );
        return o;
    }
    if let Some(c) = d.comparison.as_ref().filter(|_| show.comparison) {
        if let (Some(p), Some(delta)) = (c.previous_overall, c.overall_delta) {
            let _ = writeln!(
                o,
                "Compared with the previous assessment: {p:.2} → {:+.2}.\n",
                delta
            );
        }
    }
    if let Some(peers) = &d.peers {
        peer_table(&mut o, peers);
    }
    let _ = writeln!(o, "## Modules\n\n| Module | Level |\n| --- | --- |");
    for m in &d.modules {
        let _ = writeln!(
            o,
            "| {} {} | {} |",
            m.id,
            cell(&m.name),
            value(m.score.as_ref())
        );
    }
    let _ = writeln!(
        o,
        "\n## Categories\n\nPre-filled levels count pkimm's suggestions as if accepted; they are not an assessment. A suggestion may be at most 2 from scans alone, 3 once the assessor confirms the documented criteria, 4 with effectiveness over the scan history, never 5.\n\n| Category | Weight | Level (assessed) | Pre-filled | Highest suggestion now |\n| --- | --- | --- | --- | --- |"
    );
    for c in &d.categories {
        let prefilled = d
            .prefilled_categories
            .iter()
            .find(|p| p.id == c.id)
            .and_then(|p| p.score.as_ref());
        let _ = writeln!(
            o,
            "| {} {} | {} | {} | {} | {} |",
            c.id,
            cell(&c.name),
            c.weight,
            value(c.score.as_ref()),
            value(prefilled),
            d.prefilled_basis
                .ceilings
                .get(&c.id)
                .map_or_else(|| "–".to_string(), ToString::to_string)
        );
    }
    if !(show.technology_requirements || show.all_requirements) {
        return o;
    }
    let _ = writeln!(
        o,
        "\n## Requirements\n\n| Id | Requirement | Status | Level | Suggested | Notes |\n| --- | --- | --- | --- | --- | --- |"
    );
    for r in d.requirements.iter().filter(|r| {
        show.all_requirements || d.technology_categories.contains(&r.requirement.category_id)
    }) {
        let suggested = r.suggested.as_ref().map_or_else(String::new, |s| {
            format!("{} ({})", s.level.number(), confidence_name(s.confidence))
        });
        let mut notes = Vec::new();
        if let Some(stale) = &r.stale {
            notes.push(format!("**stale:** {stale}"));
        }
        if let Some(s) = &r.suggested {
            notes.push(s.rationale.clone());
        }
        if let Some(observed) = r.observed.as_ref().filter(|_| show.all_requirements) {
            notes.extend(observed_notes(observed, r.suggested.is_some()));
        }
        if !r.criteria.is_empty() {
            let decided: Vec<String> = r
                .criteria
                .iter()
                .map(|(id, c)| format!("{id} {}", if c.met { "met" } else { "not met" }))
                .collect();
            notes.push(format!("criteria decided: {}", decided.join(", ")));
        }
        if let Some(j) = &r.justification {
            notes.push(format!("justification: {j}"));
        }
        if let Some(reason) = &r.reason {
            notes.push(format!("not applicable: {reason}"));
        }
        if notes.is_empty() {
            if let Some(n) = &r.note {
                notes.push(n.clone());
            }
        }
        if show.all_requirements && !r.references.is_empty() {
            let titles: Vec<&str> = r.references.iter().map(|x| x.title.as_str()).collect();
            notes.push(format!("references: {}", titles.join("; ")));
        }
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            r.requirement.id,
            cell(&r.requirement.name),
            status_name(r.status),
            r.level.map(|l| l.to_string()).unwrap_or_default(),
            suggested,
            cell(&notes.join(" · "))
        );
    }
    if show.findings && !d.findings.is_empty() {
        let _ = writeln!(o, "\n## Findings\n");
        for (severity, n) in d.summary.findings_by_severity.iter().rev() {
            let _ = writeln!(o, "- {severity}: {n}");
        }
        let _ = writeln!(
            o,
            "\n| Severity | Rule | Record | Message |\n| --- | --- | --- | --- |"
        );
        for f in d.findings.iter().take(200) {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                f.severity.name(),
                cell(&f.title),
                cell(&f.label),
                cell(&f.message)
            );
        }
        if d.findings.len() > 200 {
            let _ = writeln!(
                o,
                "\n{} more findings in the JSON report.",
                d.findings.len() - 200
            );
        }
    }
    if show.recommendations && !d.recommendations.is_empty() {
        let _ = writeln!(o, "\n## Reaching the next level\n");
        for r in &d.recommendations {
            let _ = writeln!(
                o,
                "### {} {} (level {} → {})\n",
                r.category_id, r.category, r.current_level, r.target_level
            );
            for a in &r.actions {
                let _ = writeln!(o, "- {}", a);
            }
            let _ = writeln!(o);
        }
    }
    o
}

/// The parts of what the evidence shows that the rationale does not say
/// already (all of it when there is no suggestion).
fn observed_notes(observed: &pkimm_scoring::assessment::Observed, suggested: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if !suggested {
        if !observed.evidences.is_empty() {
            let parts: Vec<String> = observed
                .evidences
                .iter()
                .map(|e| format!("{} {}", e.criterion, e.summary))
                .collect();
            notes.push(format!("evidences: {}", parts.join("; ")));
        }
        if !observed.contradicting.is_empty() {
            let parts: Vec<String> = observed
                .contradicting
                .iter()
                .map(|c| format!("{} {} fail \"{}\"", c.severity.name(), c.failing, c.title))
                .collect();
            notes.push(format!("contradicting: {}", parts.join("; ")));
        }
    }
    let gaps: Vec<String> = observed
        .cannot_evidence
        .iter()
        .map(|g| format!("{} ({:?}): {}", g.criterion, g.kind, g.why))
        .collect();
    if !gaps.is_empty() {
        notes.push(format!("cannot evidence: {}", gaps.join("; ")));
    }
    let related: Vec<String> = observed
        .related
        .iter()
        .filter(|o| o.failing > 0)
        .map(|o| format!("{} of {} fail \"{}\"", o.failing, o.evaluated, o.title))
        .collect();
    if !related.is_empty() {
        notes.push(format!(
            "related observations (never move a level): {}",
            related.join("; ")
        ));
    }
    if let Some(ceiling) = observed.ceilings.first() {
        notes.push(format!("ceiling {}: {}", ceiling.level, ceiling.reason));
    }
    if !observed.scope.is_empty() {
        notes.push(format!("scope: {}", observed.scope));
    }
    notes
}

/// The levels against the peer group, one row each.
fn peer_table(o: &mut String, peers: &pkimm_scoring::benchmark::PeerComparison) {
    let _ = writeln!(
        o,
        "## Against peers\n\nBenchmark built {}, PKIMM {}; percentiles {}.\n\n| Level | This assessment | Peer group | Organisations | Median | Quartiles | Range | Percentile |\n| --- | --- | --- | --- | --- | --- | --- | --- |",
        peers.benchmark_built, peers.model_version, peers.percentile_method
    );
    for r in &peers.rows {
        let level = r
            .level
            .map_or_else(|| "n/a".to_string(), |l| format!("{l:.2}"));
        let name = if r.scope == "overall" {
            "**Overall**".to_string()
        } else {
            format!("{} {}", r.id, cell(&r.name))
        };
        match &r.peers {
            Some(p) => {
                let _ = writeln!(
                    o,
                    "| {name} | {level} | {} · {} | {} | {:.2} | {:.2}–{:.2} | {:.2}–{:.2} | {} |",
                    r.group_industry.as_deref().unwrap_or("every industry"),
                    r.group_size_band.as_deref().unwrap_or("every size"),
                    p.count,
                    p.median,
                    p.q1,
                    p.q3,
                    p.min,
                    p.max,
                    r.percentile
                        .map_or_else(|| "–".to_string(), |q| format!("{q:.0}"))
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "| {name} | {level} | no peer group large enough | | | | | |"
                );
            }
        }
    }
    o.push('\n');
}
