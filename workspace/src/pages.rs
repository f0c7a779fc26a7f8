//! What each page shows: plain JSON contexts for the templates, built from
//! the model, the assessment, the report document and the evidence. Nothing
//! here writes.

use pkimm_model::{Level, Model, Requirement};
use pkimm_report::{ReportDocument, ReportInputs, ReportType};
use pkimm_rules::criteria::Catalog;
use pkimm_rules::{EvidenceKind, Outcome};
use pkimm_scoring::assessment::{RequirementEntry, Status};
use pkimm_scoring::{Assessment, LevelScore, Mode};
use serde_json::{json, Value};

use crate::session::Session;
use crate::source::entry_version;
use crate::Workspace;

/// The fields every page has: who is signed in, the file, the versions.
pub fn common(
    workspace: &Workspace,
    assessment: Option<&Assessment>,
    session: Option<&Session>,
    outside_change: Option<&str>,
    title: &str,
) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    map.insert("title".into(), json!(title));
    map.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    map.insert(
        "model_version".into(),
        json!(workspace.file.model().version),
    );
    map.insert(
        "file".into(),
        json!(workspace.file.path().display().to_string()),
    );
    map.insert("outside_change".into(), json!(outside_change));
    if let Some(a) = assessment {
        map.insert(
            "assessment_name".into(),
            json!(a
                .meta
                .assessment_name
                .clone()
                .or_else(|| a.meta.organisation.clone())),
        );
    }
    if let Some(s) = session {
        map.insert("user".into(), json!(s.user));
        map.insert("role".into(), json!(s.role.name()));
        map.insert("csrf".into(), json!(s.csrf));
    }
    map
}

/// The report document of `assessment`, with the evidence when there is some.
pub fn document(workspace: &Workspace, assessment: &Assessment) -> ReportDocument {
    let no_files = Vec::new();
    ReportDocument::build(&ReportInputs {
        model: workspace.file.model(),
        assessment,
        extensions: &workspace.extensions,
        evidence: workspace
            .evidence
            .as_ref()
            .map(|e| (&e.bundle, &e.evaluation)),
        previous: None,
        report_type: match assessment.mode {
            Mode::SelfAssessment => ReportType::SelfAssessment,
            Mode::Full => ReportType::Assessment,
        },
        profile: &workspace.profile,
        basis: pkimm_scoring::Basis::Assessed,
        evidence_files: workspace.evidence.as_ref().map_or(&no_files, |e| &e.files),
    })
}

fn score_text(score: Option<&LevelScore>) -> String {
    score.map_or_else(
        || "not applicable".to_string(),
        |s| format!("{:.2} ({})", s.value, s.name),
    )
}

fn entry_of<'a>(assessment: &'a Assessment, id: &str) -> Option<&'a RequirementEntry> {
    assessment.requirements.get(id)
}

fn status_of(entry: Option<&RequirementEntry>) -> Status {
    entry.map_or(Status::Pending, RequirementEntry::effective_status)
}

fn contradicted(entry: Option<&RequirementEntry>) -> usize {
    entry
        .and_then(|e| e.observed.as_ref())
        .map_or(0, |o| o.contradicting.len())
}

/// The overview: scores side by side, the chart, what needs the assessor.
pub fn overview(workspace: &Workspace, assessment: &Assessment) -> Value {
    let model = workspace.file.model();
    let document = document(workspace, assessment);
    let mut counts = json!({"total": 0, "pending": 0, "suggested": 0, "stale": 0, "contradicted": 0, "decided": 0});
    let mut attention: Vec<(u8, Value)> = Vec::new();
    let bump = |counts: &mut Value, key: &str| {
        counts[key] = json!(counts[key].as_u64().unwrap_or(0) + 1);
    };
    for requirement in model.requirements() {
        let entry = entry_of(assessment, &requirement.id);
        let status = status_of(entry);
        bump(&mut counts, "total");
        let stale = entry.and_then(|e| e.stale.as_deref());
        let against = contradicted(entry);
        let suggested = entry.and_then(|e| e.suggested.as_ref());
        if status == Status::Pending {
            bump(&mut counts, "pending");
            if suggested.is_some() {
                bump(&mut counts, "suggested");
            }
        } else {
            bump(&mut counts, "decided");
        }
        if stale.is_some() {
            bump(&mut counts, "stale");
        }
        if against > 0 {
            bump(&mut counts, "contradicted");
        }
        let why = match (stale, against, suggested, status) {
            (Some(why), _, _, _) => Some((0, format!("stale: {why}"))),
            (None, n, _, Status::Pending) if n > 0 => {
                Some((1, format!("{n} contradicting rule(s), undecided")))
            }
            (None, _, Some(s), Status::Pending) => Some((
                2,
                format!("suggested level {} awaits confirmation", s.level.number()),
            )),
            _ => None,
        };
        if let Some((rank, why)) = why {
            attention.push((
                rank,
                json!({"id": requirement.id, "name": requirement.name, "why": why,
                       "status": status.name(), "level": entry.and_then(|e| e.level).map(Level::number)}),
            ));
        }
    }
    attention.sort_by_key(|(rank, _)| *rank);
    let prefilled: std::collections::BTreeMap<&str, Option<&LevelScore>> = document
        .prefilled_categories
        .iter()
        .map(|c| (c.id.as_str(), c.score.as_ref()))
        .collect();
    let mut categories = Vec::new();
    let mut chart = Vec::new();
    for (i, c) in document.categories.iter().enumerate() {
        let pre = prefilled.get(c.id.as_str()).copied().flatten();
        let category = model.category(&c.id);
        let total = category.map_or(0, |c| c.requirements.len());
        let decided = category.map_or(0, |cat| {
            cat.requirements
                .iter()
                .filter(|r| status_of(entry_of(assessment, &r.id)) != Status::Pending)
                .count()
        });
        categories.push(json!({
            "id": c.id, "name": c.name, "module": c.module_id,
            "assessed": score_text(c.score.as_ref()), "prefilled": score_text(pre),
            "decided": decided, "total": total,
        }));
        let width = |s: Option<&LevelScore>| s.map_or(0.0, |s| (s.value / 5.0 * 360.0).round());
        chart.push(json!({
            "y": i * 36 + 4, "name": c.name,
            "assessed": c.score.as_ref().map_or("n/a".to_string(), |s| format!("{:.2}", s.value)),
            "prefilled": pre.map_or("n/a".to_string(), |s| format!("{:.2}", s.value)),
            "assessed_width": width(c.score.as_ref()), "prefilled_width": width(pre),
        }));
    }
    let mut downloads = vec![
        json!({"format": "html", "label": "Report (HTML)"}),
        json!({"format": "markdown", "label": "Report (Markdown)"}),
        json!({"format": "json", "label": "Report document (JSON)"}),
        json!({"format": "csv", "label": "Requirements (CSV)"}),
        json!({"format": "oscal", "label": "OSCAL assessment results"}),
        json!({"format": "credential", "label": "Assessment credential"}),
        json!({"format": "manifest", "label": "Evidence manifest"}),
        json!({"format": "prometheus", "label": "Prometheus metrics"}),
        json!({"format": "assessment", "label": "The assessment file"}),
    ];
    if workspace.evidence.is_some() {
        downloads.push(json!({"format": "cbom", "label": "CycloneDX CBOM of the evidence"}));
    }
    json!({
        "overall": score_text(document.overall.score.as_ref()),
        "prefilled_overall": score_text(document.prefilled_overall.score.as_ref()),
        "counts": counts,
        "attention": attention.into_iter().take(15).map(|(_, v)| v).collect::<Vec<_>>(),
        "categories": categories,
        "chart": chart,
        "chart_height": document.categories.len() * 36 + 8,
        "downloads": downloads,
        "audit": audit_rows(assessment.audit.iter().rev().take(20)),
    })
}

fn audit_rows<'a>(
    entries: impl Iterator<Item = &'a pkimm_scoring::audit::AuditEntry>,
) -> Vec<Value> {
    entries
        .map(|e| {
            let mut row = serde_json::to_value(e).unwrap_or_default();
            row["requirement"] = json!(e.target.split('#').next().unwrap_or(&e.target));
            row
        })
        .collect()
}

/// A category's page: its requirements with their decisions and flags.
pub fn category(workspace: &Workspace, assessment: &Assessment, id: &str) -> Option<Value> {
    let model = workspace.file.model();
    let (category, _) = model.resolve_category(id).ok()?;
    let document = document(workspace, assessment);
    let score = |list: &[pkimm_scoring::CategoryScore]| {
        list.iter().find(|c| c.id == category.id).map_or_else(
            || "not applicable".to_string(),
            |c| score_text(c.score.as_ref()),
        )
    };
    let requirements: Vec<Value> = category
        .requirements
        .iter()
        .map(|r| {
            let entry = entry_of(assessment, &r.id);
            let suggested = entry.and_then(|e| e.suggested.as_ref());
            json!({
                "id": r.id, "name": r.name, "weight": r.weight,
                "status": status_of(entry).name(),
                "level": entry.and_then(|e| e.level).map(Level::number),
                "suggested": suggested.map(|s| s.level.number()),
                "confidence": suggested.map(|s| s.confidence.name()),
                "stale": entry.is_some_and(|e| e.stale.is_some()),
                "contradicted": contradicted(entry),
            })
        })
        .collect();
    Some(json!({
        "category": {
            "id": category.id, "name": category.name, "module": module_name(model, &category.module_id),
            "description": category.description, "weight": category.weight,
            "assessed": score(&document.categories), "prefilled": score(&document.prefilled_categories),
        },
        "requirements": requirements,
    }))
}

fn module_name(model: &Model, id: &str) -> String {
    model
        .modules
        .iter()
        .find(|m| m.id == id)
        .map_or_else(|| id.to_string(), |m| format!("{} ({})", m.name, m.id))
}

/// What the form shows again after a refused save.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct DecisionForm {
    /// The CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The version of the decision the form was made from.
    #[serde(default)]
    pub version: String,
    /// `accept`, `level`, `not_applicable` or `pending`.
    #[serde(default)]
    pub action: String,
    /// The level for `level`.
    #[serde(default)]
    pub level: Option<String>,
    /// The suggested level the page showed, for `accept`.
    #[serde(default)]
    pub suggested: Option<String>,
    /// Why this level.
    #[serde(default)]
    pub justification: Option<String>,
    /// Why not applicable.
    #[serde(default)]
    pub reason: Option<String>,
}

/// What a refused or successful save adds to the requirement page.
#[derive(Debug, Default)]
pub struct PageNotes {
    /// What was saved.
    pub saved: Option<String>,
    /// Why the save was refused.
    pub error: Option<String>,
    /// The decision saved meanwhile, when the save met a newer version.
    pub conflict: Option<(RequirementEntry, String, Option<String>)>,
    /// The form as the assessor filled it.
    pub form: Option<DecisionForm>,
}

/// A requirement's page: the official text and criteria, the suggestion and
/// its cap, the evidence, the contradicting findings, the decision form and
/// the audit trail.
pub fn requirement(
    workspace: &Workspace,
    assessment: &Assessment,
    id: &str,
    outcome: &PageNotes,
) -> Option<Value> {
    let model = workspace.file.model();
    let (requirement, _) = model.resolve_requirement(id).ok()?;
    let category = model.category(&requirement.category_id)?;
    let entry = entry_of(assessment, &requirement.id)
        .cloned()
        .unwrap_or_default();
    // The compact built-in model has no guidance or assessment texts; the
    // official file pkimm carries has them.
    let official = if requirement.guidance.is_some() || requirement.assessment.is_some() {
        Some(requirement)
    } else {
        pkimm_model::embedded::official_texts(&model.version)
            .and_then(|m| m.requirement(&requirement.id))
    };
    let level_name = |l: Level| model.level_names[usize::from(l.number() - 1)].clone();
    let suggestion = entry.suggested.as_ref().map(|s| {
        json!({"level": s.level.number(), "level_name": level_name(s.level),
               "confidence": s.confidence.name(), "rationale": s.rationale, "cap": s.cap})
    });
    let levels: Vec<Value> = (1..=5)
        .filter_map(Level::from_number)
        .map(|l| json!({"number": l.number(), "name": level_name(l)}))
        .collect();
    let observed = entry.observed.clone();
    let contradicting: Vec<Value> = observed
        .as_ref()
        .map(|o| {
            o.contradicting
                .iter()
                .map(|rule| {
                    let mut value = serde_json::to_value(rule).unwrap_or_default();
                    value["findings"] = json!(failing_findings(workspace, &rule.rule));
                    value
                })
                .collect()
        })
        .unwrap_or_default();
    let form = outcome.form.clone().unwrap_or_else(|| DecisionForm {
        action: if entry.suggested.is_some() {
            "accept"
        } else {
            "level"
        }
        .to_string(),
        level: entry
            .level
            .or(entry.suggested.as_ref().map(|s| s.level))
            .map(|l| l.number().to_string()),
        ..DecisionForm::default()
    });
    let conflict = outcome.conflict.as_ref().map(|(theirs, yours, yours_why)| {
        json!({
            "theirs": pkimm_scoring::audit::describe_entry(theirs),
            "theirs_why": theirs.reason.clone().or_else(|| theirs.justification.clone()),
            "theirs_who": theirs.assessor, "theirs_at": theirs.at,
            "yours": yours, "yours_why": yours_why,
        })
    });
    let trail = audit_rows(
        assessment
            .audit
            .iter()
            .rev()
            .filter(|e| e.target.split('#').next() == Some(requirement.id.as_str())),
    );
    Some(json!({
        "r": {
            "id": requirement.id, "name": requirement.name, "category": category.name,
            "category_id": category.id,
            "guidance": official.and_then(|r| r.guidance.clone()),
            "assessment": official.and_then(|r| r.assessment.clone()),
        },
        "references": references(model, requirement),
        "entry": {
            "status": entry.effective_status().name(), "level": entry.level.map(Level::number),
            "justification": entry.justification, "reason": entry.reason, "assessor": entry.assessor,
            "at": entry.at, "stale": entry.stale, "note": entry.note,
        },
        "version": entry_version(assessment.requirements.get(&requirement.id)),
        "suggestion": suggestion,
        "levels": levels,
        "criteria": criteria_rows(model, requirement, &entry),
        "observed": observed,
        "contradicting": contradicting,
        "related": observed.as_ref().map(|o| o.related.clone()).unwrap_or_default(),
        "evidence_links": evidence_links(workspace, &entry),
        "trail": trail,
        "form": form,
        "saved": outcome.saved,
        "error": outcome.error,
        "conflict": conflict,
    }))
}

fn references(model: &Model, requirement: &Requirement) -> Vec<String> {
    if let Some(text) = &requirement.references {
        return vec![text.clone()];
    }
    requirement
        .reference_ids
        .iter()
        .map(|id| {
            model
                .references
                .iter()
                .find(|r| &r.id == id)
                .map_or_else(|| id.clone(), |r| format!("{} ({})", r.title, r.id))
        })
        .collect()
}

fn criteria_rows(model: &Model, requirement: &Requirement, entry: &RequirementEntry) -> Vec<Value> {
    let Some(criteria) = pkimm_model::crosswalk::crosswalk()
        .requirement_in_2_0(&model.version, &requirement.id)
        .and_then(|v2| Catalog::builtin().requirement(v2))
    else {
        return Vec::new();
    };
    let observed = entry.observed.clone().unwrap_or_default();
    criteria
        .criteria
        .iter()
        .map(|c| {
            let evidenced = observed
                .evidences
                .iter()
                .find(|e| e.criterion == c.id)
                .map(|e| e.summary.clone());
            let gap = observed
                .cannot_evidence
                .iter()
                .find(|g| g.criterion == c.id)
                .map(|g| without_cli_hint(&g.why));
            let against: Vec<&str> = observed
                .contradicting
                .iter()
                .filter(|r| r.criteria.contains(&c.id))
                .map(|r| r.title.as_str())
                .collect();
            let decision = entry.criteria.get(&c.id);
            json!({
                "id": c.id, "text": c.text,
                "kind": serde_json::to_value(c.kind).unwrap_or_default(),
                "kind_text": c.kind.describe(),
                "evidenced": evidenced, "gap": gap,
                "contradicted": if against.is_empty() { None } else { Some(against.join("; ")) },
                "decision": decision.map(|d| if d.met { "met" } else { "not met" }),
                "decision_by": decision.and_then(|d| d.assessor.clone()),
                "decision_why": decision.and_then(|d| d.justification.clone()),
            })
        })
        .collect()
}

/// `why` without its `(pkimm confirm …)` hint: the page has the form.
fn without_cli_hint(why: &str) -> String {
    match why.find(" (pkimm confirm") {
        Some(at) => why[..at].to_string(),
        None => why.to_string(),
    }
}

/// The failing findings of `rule`, each linking to its record.
fn failing_findings(workspace: &Workspace, rule: &str) -> Vec<Value> {
    let Some(evidence) = &workspace.evidence else {
        return Vec::new();
    };
    evidence
        .evaluation
        .findings
        .iter()
        .filter(|f| &*f.rule == rule && f.outcome == Outcome::Fail)
        .take(200)
        .map(|f| {
            json!({"href": format!("/record/{}/{}", f.record.kind.name(), urlencode(&f.record.id)),
                   "label": f.record.label, "message": f.message, "waived": f.waived.is_some()})
        })
        .collect()
}

/// The records the suggestion names, as links where the evidence has them.
fn evidence_links(workspace: &Workspace, entry: &RequirementEntry) -> Vec<Value> {
    let Some(suggested) = &entry.suggested else {
        return Vec::new();
    };
    suggested
        .evidence
        .iter()
        .filter_map(|reference| {
            let (kind, id) = reference.split_once(':')?;
            if kind == "rule" {
                return None;
            }
            let label = workspace
                .evidence
                .as_ref()
                .and_then(|e| {
                    e.evaluation
                        .findings
                        .iter()
                        .find(|f| f.record.kind.name() == kind && f.record.id == id)
                        .map(|f| f.record.label.clone())
                })
                .unwrap_or_else(|| reference.clone());
            let known = workspace.evidence.is_some() && kind_named(kind).is_some();
            Some(json!({
                "label": format!("{kind} {label}"),
                "href": known.then(|| format!("/record/{kind}/{}", urlencode(id))),
            }))
        })
        .collect()
}

/// The evidence kind named `name` (`certificate`, `crl`, …).
pub fn kind_named(name: &str) -> Option<EvidenceKind> {
    EvidenceKind::ALL
        .into_iter()
        .find(|k| k.name() == name && *k != EvidenceKind::Bundle)
}

/// A record's page: every field, and the failing findings on it.
pub fn record(workspace: &Workspace, kind: &str, id: &str) -> Option<Value> {
    let evidence = workspace.evidence.as_ref()?;
    let evidence_kind = kind_named(kind)?;
    let mut record = pkimm_rules::eval::record_json(&evidence.bundle, evidence_kind, id)?;
    if let Some(map) = record.as_object_mut() {
        // The encoding is in the downloads; the page shows what it says.
        map.remove("der_base64");
    }
    let findings: Vec<Value> = evidence
        .evaluation
        .findings
        .iter()
        .filter(|f| f.record.kind == evidence_kind && f.record.id == id && f.outcome == Outcome::Fail)
        .map(|f| json!({"rule": &*f.rule, "severity": f.severity, "message": f.message, "waived": f.waived.is_some()}))
        .collect();
    Some(json!({"kind": kind, "id": id, "record": record, "findings": findings}))
}

/// Percent-encodes a path segment.
pub fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
