//! Evaluating a rule pack over an evidence bundle.
//!
//! Records are processed in parallel chunks (rayon). For each record the view is
//! built once and every rule of its kind runs on it; only counts and the
//! failing or erroring records are kept, so memory does not grow with
//! `records × rules`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use pkimm_model::Model;
use rayon::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::BundleIndex;
use crate::expr::{Bound, EvalError, Record, Scope, Value};
use crate::kind::EvidenceKind;
use crate::pack::RulePack;
use crate::policy::Policy;
use crate::rule::{Outcome, Rule, Severity};
use crate::view;
use crate::waiver::{MatchKeys, Waiver};

/// Layout version of evaluation output.
pub const EVALUATION_SCHEMA_VERSION: &str = "1.0.0";

/// Inputs of an evaluation besides the bundle and the pack.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// The policy rules read.
    pub policy: Policy,
    /// Evaluation time (Unix seconds); fixed for reproducible results.
    pub now: i64,
    /// Waivers.
    pub waivers: Vec<Waiver>,
    /// Measure the time spent in each rule.
    pub measure_cost: bool,
}

/// The record a finding is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordRef {
    /// Evidence kind.
    pub kind: EvidenceKind,
    /// Stable id: a fingerprint, URL, target or DN.
    pub id: String,
    /// A short human label.
    pub label: String,
    /// Where the record was observed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Host names, for waivers and reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Issuer, for waivers and reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

/// A failed or erroring rule on one record. The rule's title, citation and
/// remediation are in the rule results, once per rule rather than per finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Rule id (shared by the rule's findings).
    pub rule: Arc<str>,
    /// Severity.
    pub severity: Severity,
    /// PKIMM requirement ids (shared by the rule's findings).
    pub pkimm: Arc<[String]>,
    /// Fail or error.
    pub outcome: Outcome,
    /// The record (shared by every finding on it).
    pub record: Arc<RecordRef>,
    /// What was found.
    pub message: String,
    /// The waiver that accepts this finding, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived: Option<Arc<Waiver>>,
}

/// Counts for one rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RuleResult {
    /// Rule id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Citation.
    pub citation: String,
    /// How to fix a failure.
    pub remediation: String,
    /// Severity.
    pub severity: Option<Severity>,
    /// PKIMM ids.
    pub pkimm: Vec<String>,
    /// Evidence kind.
    pub applies_to: Option<EvidenceKind>,
    /// Records the rule applied to (pass + fail + error).
    pub evaluated: u64,
    /// Passed.
    pub passed: u64,
    /// Failed (waived failures included).
    pub failed: u64,
    /// Failures accepted by a waiver.
    pub waived: u64,
    /// Evaluation errors.
    pub errors: u64,
    /// Records the `when` filter excluded.
    pub not_applicable: u64,
    /// passed / (passed + failed), when anything was evaluated.
    pub pass_ratio: Option<f64>,
    /// Nanoseconds spent in this rule, when measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_ns: Option<u64>,
}

/// Metrics for one PKIMM requirement, over every rule that maps to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequirementMetrics {
    /// Requirement id.
    pub requirement: String,
    /// Requirement name.
    pub name: String,
    /// Rule evaluations.
    pub evaluated: u64,
    /// Passes.
    pub passed: u64,
    /// Failures (waived included).
    pub failed: u64,
    /// Waived failures.
    pub waived: u64,
    /// Errors.
    pub errors: u64,
    /// passed / (passed + failed).
    pub pass_ratio: Option<f64>,
    /// Worst severity among unwaived failures.
    pub worst_severity: Option<Severity>,
    /// Rules mapped to the requirement.
    pub rules: Vec<String>,
}

/// The result of evaluating a pack over a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Evaluation {
    /// Layout version.
    pub schema_version: String,
    /// The evaluation time used.
    pub evaluated_at: UtcTime,
    /// Records per kind.
    pub records: BTreeMap<String, u64>,
    /// Per-rule counts.
    pub rules: Vec<RuleResult>,
    /// Failures and errors.
    pub findings: Vec<Finding>,
    /// Per-requirement metrics, in model order.
    pub requirements: Vec<RequirementMetrics>,
    /// Waivers past their expiry (not applied).
    pub expired_waivers: Vec<Waiver>,
}

impl Evaluation {
    /// Unwaived failures at or above `severity`.
    pub fn failures_at_or_above(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.outcome == Outcome::Fail && f.waived.is_none() && f.severity >= severity)
            .count()
    }
}

fn record_count(bundle: &EvidenceBundle, kind: EvidenceKind) -> usize {
    match kind {
        EvidenceKind::Certificate => bundle.certificates.len(),
        EvidenceKind::Crl => bundle.crls.len(),
        EvidenceKind::TlsEndpoint => bundle.tls_endpoints.len(),
        EvidenceKind::OcspCheck => bundle.ocsp_checks.len(),
        EvidenceKind::InventoryRecord => bundle.inventory.len(),
        EvidenceKind::DirectoryObject => bundle.directory_objects.len(),
        EvidenceKind::Chain => bundle.chains.len(),
        EvidenceKind::Bundle => 1,
    }
}

fn host_of(target: &str) -> String {
    let without_scheme = target.split("://").last().unwrap_or(target);
    let host_port = without_scheme.split('/').next().unwrap_or(without_scheme);
    if let Some(rest) = host_port.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_string();
    }
    host_port
        .rsplit_once(':')
        .map_or(host_port, |(h, _)| h)
        .to_string()
}

/// How a record is shown to expressions.
enum View<'r> {
    /// A complete map.
    Map(Value),
    /// Fields computed on access (certificates, the most numerous records).
    Record(Arc<dyn Record<'r> + 'r>),
}

impl<'r> View<'r> {
    fn bind<'s>(self, scope: &'s Scope<'r>, name: &str) -> Bound<'s, 'r> {
        match self {
            Self::Map(value) => scope.bind(name, &value),
            Self::Record(record) => scope.bind_record(name, record),
        }
    }
}

/// How record `i` of `kind` is shown to expressions.
fn view<'r>(
    kind: EvidenceKind,
    i: usize,
    bundle: &'r EvidenceBundle,
    index: &BundleIndex,
    now: i64,
) -> View<'r> {
    match kind {
        EvidenceKind::Certificate => {
            let c = &bundle.certificates[i];
            View::Record(Arc::new(view::certificate_record(
                c,
                index.certificate(i, c),
                now,
            )))
        }
        EvidenceKind::Crl => View::Map(view::crl(&bundle.crls[i], index, now)),
        EvidenceKind::TlsEndpoint => View::Map(view::tls_endpoint(&bundle.tls_endpoints[i])),
        EvidenceKind::OcspCheck => {
            View::Map(view::ocsp_check(&bundle.ocsp_checks[i], index, bundle, now))
        }
        EvidenceKind::InventoryRecord => {
            let r = &bundle.inventory[i];
            View::Map(view::inventory_record(r, &index.inventory(r), now))
        }
        EvidenceKind::DirectoryObject => {
            View::Map(view::directory_object(&bundle.directory_objects[i]))
        }
        EvidenceKind::Chain => View::Map(view::chain(&bundle.chains[i])),
        EvidenceKind::Bundle => View::Map(view::bundle(bundle, now)),
    }
}

/// The identity of record `i` of `kind`, for findings and waivers.
fn record_ref(kind: EvidenceKind, i: usize, bundle: &EvidenceBundle) -> RecordRef {
    match kind {
        EvidenceKind::Certificate => {
            let c = &bundle.certificates[i];
            let mut hosts: Vec<String> = c.san.dns.clone();
            hosts.extend(c.subject_cn.iter().cloned());
            RecordRef {
                kind,
                id: c.fingerprint_sha256.clone(),
                label: c
                    .subject_cn
                    .first()
                    .cloned()
                    .unwrap_or_else(|| c.subject.clone()),
                sources: c.observations.iter().map(|o| o.source.clone()).collect(),
                hosts,
                issuer: Some(c.issuer.clone()),
            }
        }
        EvidenceKind::Crl => {
            let c = &bundle.crls[i];
            RecordRef {
                kind,
                id: c.fingerprint_sha256.clone(),
                label: format!(
                    "CRL {} of {}",
                    c.crl_number.as_deref().unwrap_or("?"),
                    c.issuer
                ),
                sources: c.observations.iter().map(|o| o.source.clone()).collect(),
                hosts: Vec::new(),
                issuer: Some(c.issuer.clone()),
            }
        }
        EvidenceKind::TlsEndpoint => {
            let e = &bundle.tls_endpoints[i];
            RecordRef {
                kind,
                id: e.target.clone(),
                label: e.target.clone(),
                sources: vec![e.provenance.source.clone()],
                hosts: e.sni.iter().cloned().chain([host_of(&e.target)]).collect(),
                issuer: None,
            }
        }
        EvidenceKind::OcspCheck => {
            let o = &bundle.ocsp_checks[i];
            RecordRef {
                kind,
                id: format!("{}#{}", o.responder_url, o.serial),
                label: format!("OCSP {} for serial {}", o.responder_url, o.serial),
                sources: vec![o.provenance.source.clone()],
                hosts: vec![host_of(&o.responder_url)],
                issuer: bundle.certificate(&o.certificate).map(|c| c.issuer.clone()),
            }
        }
        EvidenceKind::InventoryRecord => {
            let r = &bundle.inventory[i];
            RecordRef {
                kind,
                id: format!("{}@{}", r.serial, r.issuer.as_deref().unwrap_or("")),
                label: r.subject.clone().unwrap_or_else(|| r.serial.clone()),
                sources: vec![r.provenance.source.clone()],
                hosts: r.subject.iter().cloned().collect(),
                issuer: r.issuer.clone(),
            }
        }
        EvidenceKind::DirectoryObject => {
            let o = &bundle.directory_objects[i];
            RecordRef {
                kind,
                id: o.dn.clone(),
                label: o.dn.clone(),
                sources: vec![o.provenance.source.clone()],
                hosts: Vec::new(),
                issuer: None,
            }
        }
        EvidenceKind::Chain => {
            let c = &bundle.chains[i];
            RecordRef {
                kind,
                id: c.provenance.source.clone(),
                label: format!("chain served by {}", c.provenance.source),
                sources: vec![c.provenance.source.clone()],
                hosts: vec![host_of(&c.provenance.source)],
                issuer: None,
            }
        }
        EvidenceKind::Bundle => RecordRef {
            kind,
            id: "bundle".into(),
            label: "the evidence bundle as a whole".into(),
            sources: Vec::new(),
            hosts: Vec::new(),
            issuer: None,
        },
    }
}

#[derive(Default)]
struct Tally {
    counts: Vec<RuleResult>,
    findings: Vec<Finding>,
}

impl Tally {
    fn new(rules: &[&Rule]) -> Self {
        Self {
            counts: vec![RuleResult::default(); rules.len()],
            findings: Vec::new(),
        }
    }

    fn merge(mut self, other: Self) -> Self {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            a.evaluated += b.evaluated;
            a.passed += b.passed;
            a.failed += b.failed;
            a.waived += b.waived;
            a.errors += b.errors;
            a.not_applicable += b.not_applicable;
            a.cost_ns = match (a.cost_ns, b.cost_ns) {
                (Some(x), Some(y)) => Some(x + y),
                (x, y) => x.or(y),
            };
        }
        self.findings.extend(other.findings);
        self
    }
}

/// Evaluates every rule of `pack` over `bundle`.
pub fn evaluate(
    pack: &RulePack,
    bundle: &EvidenceBundle,
    model: &Model,
    options: &EvalOptions,
) -> Evaluation {
    let index = BundleIndex::new(bundle);
    let policy = options.policy.to_value();
    let now = options.now;
    let active_waivers: Vec<Arc<Waiver>> = options
        .waivers
        .iter()
        .filter(|w| !w.expired(now))
        .map(|w| Arc::new(w.clone()))
        .collect();
    let mut results: Vec<RuleResult> = Vec::new();
    let mut findings = Vec::new();
    let mut records = BTreeMap::new();

    for kind in EvidenceKind::ALL {
        let rules: Vec<&Rule> = pack
            .rules()
            .iter()
            .filter(|r| r.def.applies_to == kind)
            .collect();
        let count = record_count(bundle, kind);
        records.insert(kind.name().to_string(), count as u64);
        if rules.is_empty() {
            continue;
        }
        // Rules sharing a `when` expression evaluate it once per record.
        let mut when_sources: Vec<&str> = Vec::new();
        let when_slots: Vec<Option<usize>> = rules
            .iter()
            .map(|rule| {
                let source = rule.when.as_ref()?.source();
                Some(match when_sources.iter().position(|s| *s == source) {
                    Some(slot) => slot,
                    None => {
                        when_sources.push(source);
                        when_sources.len() - 1
                    }
                })
            })
            .collect();
        let chunk = 256;
        let tally = (0..count.div_ceil(chunk))
            .into_par_iter()
            .map(|c| {
                let scope = Scope::new(&policy, now);
                let mut tally = Tally::new(&rules);
                // Shared `when` results of the current record, reused per record.
                let mut when_results: Vec<Option<Result<bool, EvalError>>> =
                    vec![None; when_sources.len()];
                for i in (c * chunk)..((c + 1) * chunk).min(count) {
                    let bound = view(kind, i, bundle, &index, now).bind(&scope, kind.variable());
                    // Built on the first finding: most records have few.
                    let mut record: Option<Arc<RecordRef>> = None;
                    when_results.fill(None);
                    for (r, rule) in rules.iter().enumerate() {
                        let started = options.measure_cost.then(Instant::now);
                        let when = match (when_slots[r], &rule.when) {
                            (Some(slot), Some(expr)) => Some(
                                when_results[slot]
                                    .get_or_insert_with(|| bound.eval_bool(expr))
                                    .clone(),
                            ),
                            _ => None,
                        };
                        let (outcome, message) = rule.evaluate_given(&bound, when);
                        if let Some(started) = started {
                            *tally.counts[r].cost_ns.get_or_insert(0) +=
                                started.elapsed().as_nanos() as u64;
                        }
                        let counts = &mut tally.counts[r];
                        match outcome {
                            Outcome::Pass => {
                                counts.evaluated += 1;
                                counts.passed += 1;
                            }
                            Outcome::NotApplicable => counts.not_applicable += 1,
                            Outcome::Fail | Outcome::Error => {
                                counts.evaluated += 1;
                                let record =
                                    Arc::clone(record.get_or_insert_with(|| {
                                        Arc::new(record_ref(kind, i, bundle))
                                    }));
                                let keys = MatchKeys {
                                    fingerprint: (matches!(
                                        kind,
                                        EvidenceKind::Certificate | EvidenceKind::Crl
                                    ))
                                    .then_some(record.id.as_str()),
                                    hosts: &record.hosts,
                                    issuer: record.issuer.as_deref(),
                                };
                                let waived = if outcome == Outcome::Fail {
                                    counts.failed += 1;
                                    active_waivers
                                        .iter()
                                        .find(|w| w.matches(&rule.def.id, &keys))
                                        .map(Arc::clone)
                                } else {
                                    counts.errors += 1;
                                    None
                                };
                                if waived.is_some() {
                                    counts.waived += 1;
                                }
                                tally.findings.push(Finding {
                                    rule: Arc::clone(&rule.shared_id),
                                    severity: rule.def.severity,
                                    pkimm: Arc::clone(&rule.shared_pkimm),
                                    outcome,
                                    record: Arc::clone(&record),
                                    message: message.unwrap_or_else(|| rule.def.title.clone()),
                                    waived,
                                });
                            }
                        }
                    }
                }
                tally
            })
            .collect::<Vec<Tally>>();
        // Merge once with exact capacity: a pairwise reduce would re-copy the
        // growing findings vectors at every level.
        let total: usize = tally.iter().map(|t| t.findings.len()).sum();
        let tally = tally.into_iter().fold(
            Tally {
                counts: vec![RuleResult::default(); rules.len()],
                findings: Vec::with_capacity(total),
            },
            Tally::merge,
        );
        for (rule, mut counts) in rules.iter().zip(tally.counts) {
            counts.id = rule.def.id.clone();
            counts.title = rule.def.title.clone();
            counts.citation = rule.def.citation.clone();
            counts.remediation = rule.def.remediation.clone();
            counts.severity = Some(rule.def.severity);
            counts.pkimm = rule.def.pkimm.clone();
            counts.applies_to = Some(kind);
            let decided = counts.passed + counts.failed;
            counts.pass_ratio = (decided > 0).then(|| counts.passed as f64 / decided as f64);
            results.push(counts);
        }
        if findings.is_empty() {
            findings = tally.findings;
        } else {
            findings.extend(tally.findings);
        }
    }

    // Stable order: severity (worst first), rule, record.
    findings.sort_unstable_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| {
                if Arc::ptr_eq(&a.rule, &b.rule) {
                    std::cmp::Ordering::Equal
                } else {
                    a.rule.cmp(&b.rule)
                }
            })
            .then_with(|| a.record.id.cmp(&b.record.id))
    });
    // The worst unwaived failure per requirement, in one pass.
    let mut worst: BTreeMap<&str, Severity> = BTreeMap::new();
    for finding in &findings {
        if finding.outcome != Outcome::Fail || finding.waived.is_some() {
            continue;
        }
        for requirement in finding.pkimm.iter() {
            let entry = worst.entry(requirement).or_insert(finding.severity);
            *entry = (*entry).max(finding.severity);
        }
    }
    let order: BTreeMap<&str, usize> = pack
        .rules()
        .iter()
        .enumerate()
        .map(|(i, r)| (r.def.id.as_str(), i))
        .collect();
    results.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));

    let requirements = model
        .requirements()
        .filter_map(|requirement| {
            let mapped: Vec<&RuleResult> = results
                .iter()
                .filter(|r| r.pkimm.contains(&requirement.id))
                .collect();
            if mapped.is_empty() {
                return None;
            }
            let sum = |f: fn(&RuleResult) -> u64| mapped.iter().map(|r| f(r)).sum::<u64>();
            let passed = sum(|r| r.passed);
            let failed = sum(|r| r.failed);
            let worst_severity = worst.get(requirement.id.as_str()).copied();
            Some(RequirementMetrics {
                requirement: requirement.id.clone(),
                name: requirement.name.clone(),
                evaluated: sum(|r| r.evaluated),
                passed,
                failed,
                waived: sum(|r| r.waived),
                errors: sum(|r| r.errors),
                pass_ratio: (passed + failed > 0).then(|| passed as f64 / (passed + failed) as f64),
                worst_severity,
                rules: mapped.iter().map(|r| r.id.clone()).collect(),
            })
        })
        .collect();

    Evaluation {
        schema_version: EVALUATION_SCHEMA_VERSION.to_string(),
        evaluated_at: UtcTime::from_unix(now).unwrap_or_else(UtcTime::now),
        records,
        rules: results,
        findings,
        requirements,
        expired_waivers: options
            .waivers
            .iter()
            .filter(|w| w.expired(now))
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts_from_targets() {
        assert_eq!(
            host_of("https://www.example.test:8443/x"),
            "www.example.test"
        );
        assert_eq!(host_of("mail.example.test:25"), "mail.example.test");
        assert_eq!(host_of("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(host_of("ldap://dc.example.test/"), "dc.example.test");
    }
}
