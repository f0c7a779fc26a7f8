//! Running the rules of one evidence kind over its records, in parallel.

use std::sync::Arc;
use std::time::Instant;

use pkimm_model::evidence::EvidenceBundle;
use rayon::prelude::*;

use super::records::{self, record_ref};
use super::{Finding, RecordRef, RuleResult};
use crate::context::BundleIndex;
use crate::expr::{Bound, EvalError, Scope, Value};
use crate::kind::EvidenceKind;
use crate::pack::RulePack;
use crate::rule::{Outcome, Rule};
use crate::waiver::{MatchKeys, Waiver};

/// Records per parallel chunk.
const CHUNK: usize = 256;

/// What every kind's run shares.
pub(super) struct KindRun<'a> {
    pub bundle: &'a EvidenceBundle,
    pub index: &'a BundleIndex,
    pub policy: &'a Value,
    pub now: i64,
    pub waivers: &'a [Arc<Waiver>],
    pub measure_cost: bool,
}

/// The results of one kind: per-rule counts (in pack order) and findings.
pub(super) struct KindOutcome {
    pub results: Vec<RuleResult>,
    pub findings: Vec<Finding>,
}

/// The rules of one kind, with their shared `when` expressions.
struct KindRules<'p> {
    kind: EvidenceKind,
    rules: Vec<&'p Rule>,
    /// Distinct `when` sources: rules sharing one evaluate it once per record.
    when_sources: Vec<&'p str>,
    /// Each rule's slot in `when_sources`.
    when_slots: Vec<Option<usize>>,
}

impl<'p> KindRules<'p> {
    fn new(pack: &'p RulePack, kind: EvidenceKind) -> Self {
        let rules: Vec<&Rule> = pack
            .rules()
            .iter()
            .filter(|r| r.def.applies_to == kind)
            .collect();
        let mut when_sources: Vec<&str> = Vec::new();
        let when_slots = rules
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
        Self {
            kind,
            rules,
            when_sources,
            when_slots,
        }
    }
}

/// Counts and findings of a chunk of records.
struct Tally {
    counts: Vec<RuleResult>,
    findings: Vec<Finding>,
}

impl Tally {
    fn new(rules: usize) -> Self {
        Self {
            counts: vec![RuleResult::default(); rules],
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

impl KindRun<'_> {
    /// Runs `pack`'s rules of `kind` over every record of that kind; `None`
    /// when the pack has no rule for it.
    pub(super) fn evaluate(&self, pack: &RulePack, kind: EvidenceKind) -> Option<KindOutcome> {
        let rules = KindRules::new(pack, kind);
        if rules.rules.is_empty() {
            return None;
        }
        let count = records::count(self.bundle, kind);
        let tallies: Vec<Tally> = (0..count.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| self.chunk(&rules, (c * CHUNK)..((c + 1) * CHUNK).min(count)))
            .collect();
        // Merge once with exact capacity: a pairwise reduce would re-copy the
        // growing findings vectors at every level.
        let total: usize = tallies.iter().map(|t| t.findings.len()).sum();
        let tally = tallies.into_iter().fold(
            Tally {
                counts: vec![RuleResult::default(); rules.rules.len()],
                findings: Vec::with_capacity(total),
            },
            Tally::merge,
        );
        let results = rules
            .rules
            .iter()
            .zip(tally.counts)
            .map(|(rule, counts)| describe(rule, kind, counts))
            .collect();
        Some(KindOutcome {
            results,
            findings: tally.findings,
        })
    }

    /// Runs every rule on records `range`.
    fn chunk(&self, rules: &KindRules<'_>, range: std::ops::Range<usize>) -> Tally {
        let scope = Scope::new(self.policy, self.now);
        let mut tally = Tally::new(rules.rules.len());
        // Shared `when` results of the current record, reused per record.
        let mut when_results: Vec<Option<Result<bool, EvalError>>> =
            vec![None; rules.when_sources.len()];
        for i in range {
            let bound = records::view(rules.kind, i, self.bundle, self.index, self.now)
                .bind(&scope, rules.kind.variable());
            when_results.fill(None);
            self.record(rules, i, &bound, &mut when_results, &mut tally);
        }
        tally
    }

    /// Runs every rule on record `i`.
    fn record(
        &self,
        rules: &KindRules<'_>,
        i: usize,
        bound: &Bound<'_, '_>,
        when_results: &mut [Option<Result<bool, EvalError>>],
        tally: &mut Tally,
    ) {
        // Built on the first finding: most records have few.
        let mut record: Option<Arc<RecordRef>> = None;
        let defects = records::defects(rules.kind, i, self.bundle);
        for (r, rule) in rules.rules.iter().enumerate() {
            let started = self.measure_cost.then(Instant::now);
            let when = match (rules.when_slots[r], &rule.when) {
                (Some(slot), Some(expr)) => Some(
                    when_results[slot]
                        .get_or_insert_with(|| bound.eval_bool(expr))
                        .clone(),
                ),
                _ => None,
            };
            let (outcome, message) = match (rule.absent_defect, defects) {
                (Some(defect), Some(defects)) => {
                    rule.evaluate_defect(bound, when, defects.contains(defect))
                }
                _ => rule.evaluate_given(bound, when),
            };
            if let Some(started) = started {
                *tally.counts[r].cost_ns.get_or_insert(0) += started.elapsed().as_nanos() as u64;
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
                            Arc::new(record_ref(rules.kind, i, self.bundle))
                        }));
                    let waived = if outcome == Outcome::Fail {
                        counts.failed += 1;
                        self.waiver_for(rule, rules.kind, &record)
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
                        record,
                        message: message.unwrap_or_else(|| rule.def.title.clone()),
                        waived,
                    });
                }
            }
        }
    }

    /// The active waiver that accepts `rule` failing on `record`, if any.
    fn waiver_for(
        &self,
        rule: &Rule,
        kind: EvidenceKind,
        record: &RecordRef,
    ) -> Option<Arc<Waiver>> {
        let keys = MatchKeys {
            fingerprint: matches!(kind, EvidenceKind::Certificate | EvidenceKind::Crl)
                .then_some(record.id.as_str()),
            hosts: &record.hosts,
            issuer: record.issuer.as_deref(),
        };
        self.waivers
            .iter()
            .find(|w| w.matches(&rule.def.id, &keys))
            .map(Arc::clone)
    }
}

/// A rule's counts with its description and pass ratio.
fn describe(rule: &Rule, kind: EvidenceKind, mut counts: RuleResult) -> RuleResult {
    counts.id = rule.def.id.clone();
    counts.title = rule.def.title.clone();
    counts.citation = rule.def.citation.clone();
    counts.remediation = rule.def.remediation.clone();
    counts.severity = Some(rule.def.severity);
    counts.pkimm = rule.def.pkimm.clone();
    counts.criteria = rule.def.evidences.clone();
    counts.related = rule.def.related.clone();
    counts.relevance = rule.def.relevance.clone();
    counts.scope_limit = rule.def.scope_limit;
    counts.applies_to = Some(kind);
    let decided = counts.passed + counts.failed;
    counts.pass_ratio = (decided > 0).then(|| counts.passed as f64 / decided as f64);
    counts
}
