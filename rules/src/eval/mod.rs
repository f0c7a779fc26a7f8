//! Evaluating a rule pack over an evidence bundle.
//!
//! [`evaluate`] runs each evidence kind in turn ([`kind`]): records are
//! processed in parallel chunks (rayon), each record's view is built once
//! ([`records`]) and every rule of its kind runs on it; only counts and the
//! failing or erroring records are kept, so memory does not grow with
//! `records × rules`. [`metrics`] then orders the findings and sums them per
//! PKIMM requirement.

mod kind;
mod metrics;
mod records;

pub use records::record_json;

use std::collections::BTreeMap;
use std::sync::Arc;

use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use pkimm_model::Model;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::BundleIndex;
use crate::kind::EvidenceKind;
use crate::pack::RulePack;
use crate::policy::Policy;
use crate::rule::{Outcome, Severity};
use crate::waiver::Waiver;

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
    /// The assessment criteria the rule evidences (canonical 2.0.0 ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<crate::rule::CriterionLink>,
    /// Requirements it is only related to (canonical 2.0.0 ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Extension relevance categories it informs (`pqc.cryptography`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relevance: Vec<String>,
    /// Its failures limit the scope a scan covers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scope_limit: bool,
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
    let run = kind::KindRun {
        bundle,
        index: &index,
        policy: &policy,
        now,
        waivers: &active_waivers,
        measure_cost: options.measure_cost,
    };
    let mut results: Vec<RuleResult> = Vec::new();
    let mut findings = Vec::new();
    let mut records = BTreeMap::new();
    for kind in EvidenceKind::ALL {
        records.insert(kind.name().to_string(), records::count(bundle, kind) as u64);
        let Some(outcome) = run.evaluate(pack, kind) else {
            continue;
        };
        results.extend(outcome.results);
        if findings.is_empty() {
            findings = outcome.findings;
        } else {
            findings.extend(outcome.findings);
        }
    }
    metrics::sort_findings(&mut findings);
    metrics::sort_results(&mut results, pack);
    let requirements = metrics::requirement_metrics(model, &results, &findings);
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
mod absent_defect_tests {
    use std::sync::Arc;

    use pkimm_model::embedded_model;
    use pkimm_model::evidence::EvidenceBundle;

    use super::*;
    use crate::expr::Scope;
    use crate::view::sample::sample_certificate;
    use crate::{Outcome, Rule};

    /// The engine's bit test for `!cert.defects.NAME` rules gives what the
    /// interpreter gives, with and without the defect.
    #[test]
    fn the_defect_fast_path_agrees_with_the_interpreter() {
        let model = embedded_model();
        let pack = RulePack::builtin(model).unwrap();
        let now = 1_800_000_000;
        let options = EvalOptions {
            policy: Policy::default(),
            now,
            waivers: Vec::new(),
            measure_cost: false,
        };
        let fast: Vec<&Rule> = pack
            .rules()
            .iter()
            .filter(|r| r.absent_defect.is_some() && r.def.applies_to == EvidenceKind::Certificate)
            .collect();
        assert!(fast.len() > 30, "{} rules on the fast path", fast.len());
        for rule in fast {
            let defect = rule.absent_defect.unwrap();
            for present in [false, true] {
                let mut cert = sample_certificate(now);
                if present {
                    cert.defects.insert(defect);
                }
                let mut bundle = EvidenceBundle::new("test");
                bundle.certificates.push(cert);
                let evaluation = evaluate(&pack, &bundle, model, &options);
                let result = evaluation
                    .rules
                    .iter()
                    .find(|r| r.id == rule.def.id)
                    .unwrap();
                let engine = if result.failed > 0 {
                    Outcome::Fail
                } else if result.passed > 0 {
                    Outcome::Pass
                } else {
                    Outcome::NotApplicable
                };
                let index = BundleIndex::new(&bundle);
                let c = &bundle.certificates[0];
                let record = crate::view::certificate_record(c, index.certificate(0, c), now);
                let scope = Scope::new(&options.policy.to_value(), now);
                let bound = scope.bind_record("cert", Arc::new(record));
                let (interpreted, _) = rule.evaluate(&bound);
                assert_eq!(
                    engine, interpreted,
                    "{} with {defect} {present}",
                    rule.def.id
                );
            }
        }
    }
}

#[cfg(test)]
mod native_tests {
    //! The direct evaluator must decide exactly what the interpreter decides.

    use std::path::PathBuf;

    use pkimm_collectors::files::{collect_files, FilesOptions};
    use pkimm_model::embedded_model;

    use super::records;
    use crate::context::BundleIndex;
    use crate::expr::{self, Bound, Expr, Scope};
    use crate::kind::EvidenceKind;
    use crate::pack::RulePack;
    use crate::policy::Policy;
    use crate::rule::Rule;
    use crate::testcase::TEST_NOW;
    use crate::view;

    /// Compares both evaluations of every expression of `rule` on `bound`;
    /// returns how many the direct evaluator decided.
    fn compare(rule: &Rule, bound: &Bound<'_, '_>, place: &str) -> usize {
        let mut decided = 0;
        for expr in rule.when.iter().chain([&rule.check]) {
            let interpreted = bound.interpret_bool(expr);
            let either = bound.eval_bool(expr);
            if expr.is_native() && either.is_ok() {
                decided += 1;
            }
            if let (Ok(a), Ok(b)) = (&either, &interpreted) {
                assert_eq!(a, b, "{} `{}` on {place}", rule.def.id, expr.source());
            } else {
                assert_eq!(
                    either.is_ok(),
                    interpreted.is_ok(),
                    "{} `{}` on {place}: {either:?} vs {interpreted:?}",
                    rule.def.id,
                    expr.source()
                );
            }
        }
        if let Some(expr) = &rule.message {
            let interpreted = bound.interpret_text(expr);
            let either = bound.eval_text(expr);
            if expr.is_native() && either.is_ok() {
                decided += 1;
            }
            assert_eq!(
                either.ok(),
                interpreted.ok(),
                "{} message `{}` on {place}",
                rule.def.id,
                expr.source()
            );
        }
        decided
    }

    #[test]
    fn direct_evaluation_agrees_with_the_interpreter() {
        let pack = RulePack::builtin(embedded_model()).unwrap();
        let policy = Policy::default().to_value();

        // Every rule's test cases, with their policies.
        let mut decided = 0;
        for rule in pack.rules() {
            for case in &rule.def.tests {
                let Some(json) = &case.record else { continue };
                let sample = view::sample(rule.def.applies_to, TEST_NOW);
                let record = expr::merge(&sample, &expr::from_serde(json).unwrap());
                let policy = case.policy.as_ref().map_or(policy.clone(), |p| {
                    expr::merge(&policy, &expr::from_serde(p).unwrap())
                });
                let scope = Scope::new(&policy, TEST_NOW);
                let bound = scope.bind(rule.def.applies_to.variable(), &record);
                decided += compare(rule, &bound, &case.name);
            }
        }
        assert!(
            decided > 400,
            "{decided} test-case expressions decided directly"
        );

        // Every record of the fixture estate, as the engine binds it.
        let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let (bundle, _) = collect_files(&[fixtures], &FilesOptions::default()).unwrap();
        let index = BundleIndex::new(&bundle);
        let scope = Scope::new(&policy, TEST_NOW);
        let mut decided = 0;
        for kind in EvidenceKind::ALL {
            let rules: Vec<&Rule> = pack
                .rules()
                .iter()
                .filter(|r| r.def.applies_to == kind)
                .collect();
            for i in 0..records::count(&bundle, kind) {
                let bound =
                    records::view(kind, i, &bundle, &index, TEST_NOW).bind(&scope, kind.variable());
                for rule in &rules {
                    decided += compare(rule, &bound, &format!("{kind:?} {i}"));
                }
            }
        }
        assert!(
            decided > 5000,
            "{decided} fixture expressions decided directly"
        );
    }

    /// Nearly every built-in expression is in a shape the direct evaluator
    /// knows; a new rule that is not still works, only slower.
    #[test]
    fn most_builtin_expressions_evaluate_directly() {
        let pack = RulePack::builtin(embedded_model()).unwrap();
        let expressions: Vec<&Expr> = pack
            .rules()
            .iter()
            .flat_map(|r| r.when.iter().chain([&r.check]))
            .collect();
        let direct = expressions.iter().filter(|e| e.is_native()).count();
        let others: Vec<&str> = expressions
            .iter()
            .filter(|e| !e.is_native())
            .map(|e| e.source())
            .collect();
        assert!(
            direct * 100 >= expressions.len() * 90,
            "{direct} of {} direct; interpreted: {others:#?}",
            expressions.len()
        );
        // Messages are built for every failing record.
        let messages: Vec<&Expr> = pack
            .rules()
            .iter()
            .filter_map(|r| r.message.as_ref())
            .collect();
        let direct = messages.iter().filter(|e| e.is_native()).count();
        assert!(
            direct * 100 >= messages.len() * 85,
            "{direct} of {} messages direct",
            messages.len()
        );
    }
}
