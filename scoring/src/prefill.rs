//! Pre-filling an assessment: rule metrics become suggested requirement levels
//! through the level mappings (`rules/levels/*.yaml`), with a confidence, a
//! rationale in words and references to the evidence behind them.
//!
//! Requirements no evidence touches get no suggestion: they stay pending and
//! need the assessor.

use std::collections::{BTreeMap, BTreeSet};

use pkimm_model::diag::{from_yaml_str, join_index, join_key, Located};
use pkimm_model::{DocumentError, Level, Model};
use pkimm_rules::eval::Evaluation;
use pkimm_rules::{Outcome, Severity};
use serde::Deserialize;

use crate::assessment::{Confidence, Suggestion};

/// Layout version of level mapping files.
pub const LEVEL_FILE_SCHEMA_VERSION: u32 = 1;

/// Most failing records named in a rationale, per rule.
const NAMED_RECORDS: usize = 3;
/// Most evidence references attached to a suggestion.
const EVIDENCE_REFERENCES: usize = 25;

/// One level mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelFile {
    schema_version: u32,
    /// A shared threshold ladder, referred to with a YAML alias.
    #[serde(default)]
    #[allow(dead_code)]
    ladder: Vec<Threshold>,
    mappings: Vec<LevelMapping>,
}

/// How one requirement's rule results become a level.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelMapping {
    /// The requirement (`7.3`).
    pub requirement: String,
    /// What the records are called in the rationale (`TLS endpoints`).
    pub subject: String,
    /// Rules to use; empty means every rule mapped to the requirement.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Thresholds tried in order; the first met gives the level.
    pub thresholds: Vec<Threshold>,
    /// Record counts for high and medium confidence.
    #[serde(default)]
    pub confidence: ConfidenceRule,
}

/// One rung of the ladder.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// The level given.
    pub level: u8,
    /// Least share of passing records (0 to 1).
    #[serde(default)]
    pub min_pass_ratio: f64,
    /// Most records with unwaived critical findings.
    #[serde(default)]
    pub max_critical: Option<u64>,
    /// Most records with unwaived high findings.
    #[serde(default)]
    pub max_high: Option<u64>,
    /// The reason, in words, shown in the rationale.
    #[serde(default)]
    pub why: String,
}

/// Records needed for each confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfidenceRule {
    /// Records for high confidence (with at least half the rules evaluated).
    pub high: u64,
    /// Records for medium confidence.
    pub medium: u64,
}

impl Default for ConfidenceRule {
    fn default() -> Self {
        Self {
            high: 50,
            medium: 10,
        }
    }
}

/// A set of mappings, at most one per requirement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LevelMappings {
    mappings: BTreeMap<String, LevelMapping>,
}

impl LevelMappings {
    /// The built-in mappings, checked against `model`.
    pub fn builtin(model: &Model) -> Result<Self, DocumentError> {
        let mut all = Self::default();
        for (name, text) in pkimm_rules::levels::BUILTIN_LEVEL_FILES {
            all.add_text(name, text, model)?;
        }
        Ok(all)
    }

    /// Adds the mappings of one file; a later mapping for the same
    /// requirement replaces an earlier one.
    pub fn add_text(
        &mut self,
        origin: &str,
        text: &str,
        model: &Model,
    ) -> Result<(), DocumentError> {
        let file: LevelFile = from_yaml_str(origin, text)?;
        let located = Located::new(origin, text);
        if file.schema_version != LEVEL_FILE_SCHEMA_VERSION {
            return Err(located.error(
                "schema_version",
                format!(
                    "unsupported schema_version {}; expected 1",
                    file.schema_version
                ),
            ));
        }
        for (i, mut mapping) in file.mappings.into_iter().enumerate() {
            let path = join_index("mappings", i);
            // Mappings name requirements in any version's ids; a mapping for a
            // requirement this model lacks does not apply to it.
            match model.linked_requirement(&mapping.requirement) {
                Ok(Some(r)) => mapping.requirement = r.id.clone(),
                Ok(None) => continue,
                Err(e) => return Err(located.error(&join_key(&path, "requirement"), e.to_string())),
            }
            if mapping.thresholds.is_empty() {
                return Err(located.error(&join_key(&path, "thresholds"), "no thresholds"));
            }
            for (t, threshold) in mapping.thresholds.iter().enumerate() {
                let at = join_index(&join_key(&path, "thresholds"), t);
                if Level::from_number(threshold.level).is_none() {
                    return Err(located.error(&join_key(&at, "level"), "levels are 1 to 5"));
                }
                if !(0.0..=1.0).contains(&threshold.min_pass_ratio) {
                    return Err(
                        located.error(&join_key(&at, "min_pass_ratio"), "a ratio is 0 to 1")
                    );
                }
            }
            self.mappings.insert(mapping.requirement.clone(), mapping);
        }
        Ok(())
    }

    /// The mapping for a requirement.
    pub fn get(&self, requirement: &str) -> Option<&LevelMapping> {
        self.mappings.get(requirement)
    }

    /// Number of mappings.
    pub fn len(&self) -> usize {
        self.mappings.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.mappings.is_empty()
    }
}

/// What the evidence says about one requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct Prefilled {
    /// The suggestion, when evidence touched the requirement.
    pub suggestion: Option<Suggestion>,
    /// Why there is no suggestion, when there is none.
    pub note: Option<String>,
}

/// The note on requirements without a suggestion.
pub const NEEDS_ASSESSOR: &str = "needs assessor: no collected evidence touches this requirement";

/// Suggests levels for every requirement of `model` from `evaluation`.
pub fn prefill(
    model: &Model,
    evaluation: &Evaluation,
    mappings: &LevelMappings,
) -> BTreeMap<String, Prefilled> {
    let mut out = BTreeMap::new();
    for requirement in model.requirements() {
        let suggestion = mappings
            .get(&requirement.id)
            .and_then(|mapping| suggest(mapping, evaluation));
        let note = suggestion.is_none().then(|| NEEDS_ASSESSOR.to_string());
        out.insert(requirement.id.clone(), Prefilled { suggestion, note });
    }
    out
}

/// Per-requirement record statistics.
#[derive(Debug, Default)]
struct Stats {
    records: u64,
    failing: BTreeSet<(String, String)>,
    critical: BTreeSet<(String, String)>,
    high: BTreeSet<(String, String)>,
    waived: u64,
    rules_total: usize,
    rules_evaluated: usize,
    /// rule id -> (failing record count, labels)
    by_rule: BTreeMap<String, (u64, Vec<String>)>,
}

fn suggest(mapping: &LevelMapping, evaluation: &Evaluation) -> Option<Suggestion> {
    let rules: Vec<_> = evaluation
        .rules
        .iter()
        .filter(|r| {
            if mapping.rules.is_empty() {
                r.pkimm.iter().any(|p| p == &mapping.requirement)
            } else {
                mapping.rules.contains(&r.id)
            }
        })
        .collect();
    let mut stats = Stats {
        rules_total: rules.len(),
        ..Stats::default()
    };
    let mut per_kind: BTreeMap<String, u64> = BTreeMap::new();
    for rule in &rules {
        if rule.evaluated > 0 {
            stats.rules_evaluated += 1;
        }
        let kind = rule.applies_to.map_or("record", |k| k.name()).to_string();
        let slot = per_kind.entry(kind).or_default();
        *slot = (*slot).max(rule.evaluated);
    }
    stats.records = per_kind.values().sum();
    if stats.records == 0 {
        return None;
    }
    let rule_ids: BTreeSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    for finding in &evaluation.findings {
        // Info findings are "never a problem on its own" (see the rule docs).
        if finding.outcome != Outcome::Fail
            || finding.severity == Severity::Info
            || !rule_ids.contains(&*finding.rule)
        {
            continue;
        }
        if finding.waived.is_some() {
            stats.waived += 1;
            continue;
        }
        let key = (
            finding.record.kind.name().to_string(),
            finding.record.id.clone(),
        );
        match finding.severity {
            Severity::Critical => {
                stats.critical.insert(key.clone());
            }
            Severity::High => {
                stats.high.insert(key.clone());
            }
            _ => {}
        }
        stats.failing.insert(key);
        let entry = stats.by_rule.entry(finding.rule.to_string()).or_default();
        entry.0 += 1;
        if entry.1.len() < NAMED_RECORDS {
            entry.1.push(finding.record.label.clone());
        }
    }
    let failing = (stats.failing.len() as u64).min(stats.records);
    let passing = stats.records - failing;
    let ratio = passing as f64 / stats.records as f64;
    let (level, why) = mapping
        .thresholds
        .iter()
        .find(|t| {
            ratio + 1e-9 >= t.min_pass_ratio
                && t.max_critical
                    .is_none_or(|m| stats.critical.len() as u64 <= m)
                && t.max_high.is_none_or(|m| stats.high.len() as u64 <= m)
        })
        .map_or((Level::Initial, String::new()), |t| {
            (
                Level::from_number(t.level).unwrap_or(Level::Initial),
                t.why.clone(),
            )
        });
    let confidence = if stats.records >= mapping.confidence.high
        && stats.rules_evaluated * 2 >= stats.rules_total
    {
        Confidence::High
    } else if stats.records >= mapping.confidence.medium {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    Some(Suggestion {
        level,
        confidence,
        rationale: rationale(mapping, &stats, passing, ratio, level, &why, evaluation),
        evidence: evidence_refs(&stats),
    })
}

fn rationale(
    mapping: &LevelMapping,
    stats: &Stats,
    passing: u64,
    ratio: f64,
    level: Level,
    why: &str,
    evaluation: &Evaluation,
) -> String {
    let mut text = format!(
        "{passing} of {} {} pass all {} applicable checks ({:.0}%)",
        stats.records,
        mapping.subject,
        stats.rules_evaluated,
        ratio * 100.0
    );
    if !stats.by_rule.is_empty() {
        let mut worst: Vec<(&String, &(u64, Vec<String>))> = stats.by_rule.iter().collect();
        worst.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        let parts: Vec<String> = worst
            .iter()
            .take(4)
            .map(|(rule, (count, labels))| {
                let title = evaluation
                    .rules
                    .iter()
                    .find(|r| &r.id == *rule)
                    .map_or(rule.as_str(), |r| r.title.as_str());
                let more = if *count as usize > labels.len() {
                    ", …"
                } else {
                    ""
                };
                format!("{count} × {title} ({}{more})", labels.join(", "))
            })
            .collect();
        text.push_str("; failing: ");
        text.push_str(&parts.join("; "));
        if worst.len() > 4 {
            text.push_str(&format!("; and {} more rules", worst.len() - 4));
        }
    }
    if stats.waived > 0 {
        text.push_str(&format!("; {} findings waived", stats.waived));
    }
    text.push_str(&format!(
        ". Suggested {} ({})",
        level.number(),
        level.name()
    ));
    if !why.is_empty() {
        text.push_str(": ");
        text.push_str(why);
    }
    text.push('.');
    text
}

fn evidence_refs(stats: &Stats) -> Vec<String> {
    let mut refs: Vec<String> = stats.by_rule.keys().map(|r| format!("rule:{r}")).collect();
    refs.extend(
        stats
            .failing
            .iter()
            .map(|(kind, id)| format!("{kind}:{id}")),
    );
    refs.truncate(EVIDENCE_REFERENCES);
    refs
}
