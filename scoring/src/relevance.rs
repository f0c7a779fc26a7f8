//! What evidence says about an extension's relevance levels (such as the
//! PQC extension's `cryptography` relevance), and why it never sets one.
//!
//! Relevance levels judge governance: documented algorithm decisions,
//! inventories with an agreed scope, deprecation schedules, reviews and
//! exercises. Scans cannot show any of that, so pkimm never suggests a
//! relevance level. What it can show (which endpoints offer hybrid
//! post-quantum key exchange, how much of the estate has quantum-vulnerable
//! keys, whether every algorithm in use is identified) is written beside
//! the relevance entry for the assessor to weigh: the results of the rules
//! that name the category in their `relevance` list, with a level-0
//! ceiling that says why no number comes from them.

use std::collections::BTreeMap;

use pkimm_model::Extension;
use pkimm_rules::eval::{Evaluation, RuleResult};
use pkimm_rules::{Finding, Outcome};

use crate::assessment::{Ceiling, Observed, RuleObservation};
use crate::prefill::{plural, rule_observation};

/// The evidence beside one relevance entry.
#[derive(Debug, Clone, PartialEq)]
pub struct RelevanceEvidence {
    /// For people: that no level is suggested, why, and what the evidence
    /// shows.
    pub note: String,
    /// The rules' results, and the level-0 ceiling.
    pub observed: Observed,
}

/// The evidence for each relevance category of `extension` that a rule in
/// `evaluation` informs (`relevance: [EXTENSION.CATEGORY]`) and that had
/// records to evaluate, keyed by the category's id as the extension gives
/// it (the key of the assessment's relevance entry). Categories without
/// such evidence are absent.
pub fn relevance_evidence(
    extension: &Extension,
    evaluation: &Evaluation,
) -> BTreeMap<String, RelevanceEvidence> {
    let mut out = BTreeMap::new();
    for relevance in &extension.relevance {
        let category = category_key(&relevance.category_id);
        let link = format!("{}.{category}", extension.id);
        let rules: Vec<&RuleResult> = evaluation
            .rules
            .iter()
            .filter(|r| r.relevance.contains(&link) && r.passed + r.failed > 0)
            .collect();
        if rules.is_empty() {
            continue;
        }
        let shows: Vec<String> = rules.iter().map(|r| describe(r)).collect();
        let note = format!(
            "pkimm suggests no relevance level: the {} relevance levels for {category} judge \
             documented decisions, inventories with an agreed scope, deprecation schedules and \
             reviews, which scans cannot show. What the evidence shows, for the assessor to \
             weigh: {}.",
            extension.name,
            shows.join("; ")
        );
        let observed = Observed {
            related: rules.iter().map(|r| observe(r, evaluation)).collect(),
            ceilings: vec![Ceiling {
                level: 0,
                reason: format!(
                    "relevance levels of {} are judged on documents and reviews; evidence never sets one",
                    extension.name
                ),
            }],
            ..Observed::default()
        };
        out.insert(
            relevance.category_id.clone(),
            RelevanceEvidence { note, observed },
        );
    }
    out
}

/// A relevance category's key in assessments and rule links: its id
/// without a module prefix (`G.cryptography` → `cryptography`).
pub fn category_key(category_id: &str) -> &str {
    category_id
        .rsplit_once('.')
        .map_or(category_id, |(_, id)| id)
}

/// `Keys are quantum-safe (PQC readiness): 3 of 40 certificates pass`.
fn describe(rule: &RuleResult) -> String {
    let kind = rule.applies_to.map_or("records", plural);
    format!(
        "{}: {} of {} {kind} pass",
        rule.title,
        rule.passed,
        rule.passed + rule.failed
    )
}

fn observe(rule: &RuleResult, evaluation: &Evaluation) -> RuleObservation {
    let failing: Vec<&Finding> = evaluation
        .findings
        .iter()
        .filter(|f| *f.rule == *rule.id && f.outcome == Outcome::Fail)
        .collect();
    rule_observation(rule, &failing, Vec::new())
}
