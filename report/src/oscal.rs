//! An OSCAL 1.1 `assessment-results` document (`pkimm report --format oscal`)
//! for compliance platforms that read NIST's Open Security Controls
//! Assessment Language.
//!
//! One result: the assessment. Each evidence record (certificate, TLS
//! endpoint, CRL, OCSP check, directory object, token, key) is an observation
//! with method TEST, its subject and collection time; each open finding is a
//! finding whose target is its PKIMM requirement (an objective), not
//! satisfied, linked to the observation of its record; critical and high
//! findings are also risks. The assessor's confirmed and overridden levels
//! are the result's attestation, one part per requirement with the level and
//! the justification. Identifiers are UUIDs derived from what they name, so
//! the same evidence gives the same document.

use std::collections::HashMap;

use pkimm_model::evidence::EvidenceBundle;
use pkimm_rules::Severity;
use pkimm_scoring::Status;
use serde_json::{json, Value};

use crate::document::ReportDocument;
use crate::uuid::name_uuid as uuid;

/// The OSCAL version written.
pub const OSCAL_VERSION: &str = "1.1.2";

/// A non-empty string, as OSCAL requires for titles and descriptions.
fn text(value: &str, otherwise: &str) -> String {
    if value.trim().is_empty() {
        otherwise.to_string()
    } else {
        value.to_string()
    }
}

/// The observations of `bundle`, and the observation UUID of each record as
/// findings name it (`kind:id`).
fn observations(bundle: &EvidenceBundle) -> (Vec<Value>, HashMap<String, String>) {
    let mut out = Vec::new();
    let mut by_record = HashMap::new();
    let mut observe = |kind: &str, id: &str, title: String, collected: String| {
        let observation = uuid(&format!("observation:{kind}:{id}"));
        out.push(json!({
            "uuid": observation,
            "title": text(&title, id),
            "description": format!("{kind} {id}, as collected by pkimm"),
            "methods": ["TEST"],
            "subjects": [{
                "subject-uuid": uuid(&format!("subject:{kind}:{id}")),
                "type": "inventory-item",
                "title": text(&title, id),
            }],
            "collected": collected,
        }));
        by_record.insert(format!("{kind}:{id}"), observation);
    };
    for c in &bundle.certificates {
        let collected = c
            .observations
            .first()
            .map_or(bundle.created_at, |o| o.collected_at);
        observe(
            "certificate",
            &c.fingerprint_sha256,
            c.subject.to_string(),
            collected.to_string(),
        );
    }
    for e in &bundle.tls_endpoints {
        observe(
            "tls_endpoint",
            &e.target,
            format!("TLS endpoint {}", e.target),
            e.provenance.collected_at.to_string(),
        );
    }
    for crl in &bundle.crls {
        let collected = crl
            .observations
            .first()
            .map_or(bundle.created_at, |o| o.collected_at);
        observe(
            "crl",
            &crl.fingerprint_sha256,
            format!("CRL of {}", crl.issuer),
            collected.to_string(),
        );
    }
    for o in &bundle.ocsp_checks {
        let id = format!("{}#{}", o.responder_url, o.serial);
        observe(
            "ocsp_check",
            &id,
            format!("OCSP {} for serial {}", o.responder_url, o.serial),
            o.provenance.collected_at.to_string(),
        );
    }
    for d in &bundle.directory_objects {
        observe(
            "directory_object",
            &d.dn,
            d.dn.clone(),
            d.provenance.collected_at.to_string(),
        );
    }
    for t in &bundle.tokens {
        let id = format!("token:{}", t.serial_number);
        observe(
            "token",
            &id,
            format!("PKCS#11 token {}", t.label),
            t.provenance.collected_at.to_string(),
        );
    }
    for k in &bundle.keys {
        let id = format!("key:{}/{}/{}", k.token_serial, k.class.name(), k.id);
        observe(
            "key",
            &id,
            format!(
                "{} key {} on token {}",
                k.class.name(),
                k.label,
                k.token_label
            ),
            k.provenance.collected_at.to_string(),
        );
    }
    (out, by_record)
}

/// Renders `document`, with the observations of `bundle` when given.
pub fn render(
    document: &ReportDocument,
    bundle: Option<&EvidenceBundle>,
) -> Result<String, serde_json::Error> {
    let generated = document.generated_at.to_string();
    let (observations, by_record) = bundle.map(observations).unwrap_or_default();
    let mut findings = Vec::new();
    let mut risks = Vec::new();
    for f in &document.findings {
        let key = format!("{}|{}", f.rule, f.record);
        let related: Vec<Value> = by_record
            .get(&f.record)
            .map(|o| vec![json!({"observation-uuid": o})])
            .unwrap_or_default();
        let risk = matches!(f.severity, Severity::Critical | Severity::High)
            .then(|| uuid(&format!("risk:{key}")));
        if let Some(risk) = &risk {
            risks.push(json!({
                "uuid": risk,
                "title": text(&f.title, &f.rule),
                "description": format!("{} ({} severity) on {}", f.title, f.severity.name(), f.label),
                "statement": text(&f.message, &f.title),
                "status": "open",
                "props": [{"name": "severity", "ns": "https://pkimm.dev/ns/oscal", "value": f.severity.name()}],
            }));
        }
        for requirement in &f.pkimm {
            let mut finding = json!({
                "uuid": uuid(&format!("finding:{key}|{requirement}")),
                "title": text(&f.title, &f.rule),
                "description": format!("{}: {} (remediation: {})", f.label, text(&f.message, &f.title), f.remediation),
                "target": {
                    "type": "objective-id",
                    "target-id": requirement,
                    "status": {"state": "not-satisfied"},
                },
                "props": [{"name": "rule", "ns": "https://pkimm.dev/ns/oscal", "value": f.rule}],
            });
            if !related.is_empty() {
                finding["related-observations"] = json!(related);
            }
            if let Some(risk) = &risk {
                finding["related-risks"] = json!([{"risk-uuid": risk}]);
            }
            findings.push(finding);
        }
    }
    let conclusions: Vec<Value> = document
        .requirements
        .iter()
        .filter(|r| matches!(r.status, Status::Confirmed | Status::Overridden))
        .filter_map(|r| {
            let level = r.level?;
            Some(json!({
                "name": "conclusion",
                "title": r.requirement.id,
                "prose": format!(
                    "{}: level {level} ({}) {} by {}{}",
                    r.requirement.name,
                    document.model.level_name(level),
                    r.status.name(),
                    r.assessor.as_deref().or(document.meta.assessor.as_deref()).unwrap_or("the assessor"),
                    r.justification.as_deref().map(|j| format!(": {j}")).unwrap_or_default()
                ),
            }))
        })
        .collect();
    let overall = document.overall.score.as_ref().map_or_else(
        || "not evaluated".to_string(),
        |s| format!("{:.2} ({})", s.value, s.name),
    );
    let mut result = json!({
        "uuid": uuid(&format!("result:{}:{generated}", document.model.version)),
        "title": format!("PKIMM {} assessment", document.model.version),
        "description": format!(
            "PKI Maturity Model {} assessment{}; overall assessed level {overall}. Only levels the assessor confirmed or overrode are conclusions.",
            document.model.version,
            document.meta.scope.as_deref().map(|s| format!(" of {s}")).unwrap_or_default()
        ),
        "start": generated,
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
    });
    if !observations.is_empty() {
        result["observations"] = json!(observations);
    }
    if !risks.is_empty() {
        result["risks"] = json!(risks);
    }
    if !findings.is_empty() {
        result["findings"] = json!(findings);
    }
    if !conclusions.is_empty() {
        result["attestations"] = json!([{"parts": conclusions}]);
    }
    let title = document
        .meta
        .assessment_name
        .clone()
        .unwrap_or_else(|| format!("PKIMM {} assessment results", document.model.version));
    let results = json!({
        "assessment-results": {
            "uuid": uuid(&format!("assessment-results:{generated}:{title}")),
            "metadata": {
                "title": title,
                "last-modified": generated,
                "version": document.schema_version,
                "oscal-version": OSCAL_VERSION,
            },
            "import-ap": {"href": "#pkimm-assessment-plan"},
            "results": [result],
        }
    });
    Ok(serde_json::to_string_pretty(&results)? + "\n")
}
