//! Pre-filling an assessment: what the evidence shows about each
//! requirement's assessment criteria, and the level it supports within
//! ceilings an assessor can defend.
//!
//! Rules link to criteria (`rules/levels/*.yaml`), not to requirements. For
//! a requirement whose evidence may suggest a level (`prefill: capped`):
//!
//! - each implemented (I) criterion gets a conformance: of the records its
//!   supporting rules evaluated, those no failure touches (info rules leave
//!   the ratio; a waived failure conforms only under an approved exception);
//! - the level is the lowest of the ceilings: 1 when conformance is below
//!   `applied_conformance`, else at most 2 from scans alone; at most 3 once
//!   the assessor confirmed every documented (D) criterion and conformance
//!   is at least `sustained_conformance`; at most 4 only when the history
//!   also shows effectiveness over time; never 5. An open critical finding
//!   caps at 1 (2 under an approved exception), an open high finding at 2;
//! - confidence caps it: low gives no number, medium at most 2, high needs
//!   every I criterion evaluated and the declared scope covered.
//!
//! Every requirement, capped or not, records what it evidences, what it
//! cannot, the contradicting findings and related observations
//! ([`Observed`]).

use std::collections::{BTreeMap, BTreeSet};

use pkimm_model::crosswalk::crosswalk;
use pkimm_model::evidence::EvidenceBundle;
use pkimm_model::{Level, Model};
use pkimm_rules::criteria::{Catalog, Criterion, CriterionType, PrefillMode, RequirementCriteria};
use pkimm_rules::eval::{Evaluation, RuleResult};
use pkimm_rules::policy::PrefillPolicy;
use pkimm_rules::{EvidenceKind, Finding, Outcome, Severity};

use crate::assessment::{
    Assessment, Ceiling, Confidence, CriterionEvidence, CriterionGap, Observed, RuleObservation,
    Suggestion,
};

/// Most failing records named per rule.
const EXAMPLES: usize = 3;
/// Most evidence references attached to a suggestion.
const EVIDENCE_REFERENCES: usize = 25;

/// The note on requirements no evidence touches.
pub const NEEDS_ASSESSOR: &str = "needs assessor: no collected evidence touches this requirement";

/// The population the assessment's scope declares, per kind of record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Population {
    counts: BTreeMap<&'static str, (u64, String)>,
}

impl Population {
    /// The population the policy declares; where it leaves one open, the
    /// certificates of an inventory export and the TLS collector's target
    /// list declare it.
    pub fn declared(policy: &PrefillPolicy, bundle: &EvidenceBundle) -> Self {
        let mut counts = BTreeMap::new();
        let scope = &policy.scope;
        let inventory = bundle.inventory.len() as u64;
        if scope.certificates > 0 {
            counts.insert(
                "certificate",
                (
                    scope.certificates,
                    "the policy's declared scope".to_string(),
                ),
            );
        } else if inventory > 0 {
            counts.insert(
                "certificate",
                (inventory, "the inventory export".to_string()),
            );
        }
        if scope.tls_endpoints == 0 {
            let targets: BTreeSet<&str> = bundle
                .runs
                .iter()
                .filter(|r| r.collector == "tls")
                .flat_map(|r| r.targets.iter().map(String::as_str))
                .collect();
            if !targets.is_empty() {
                for kind in ["tls_endpoint", "chain"] {
                    counts.insert(
                        kind,
                        (targets.len() as u64, "the scan's target list".to_string()),
                    );
                }
            }
        }
        for (kind, count) in [
            ("tls_endpoint", scope.tls_endpoints),
            ("chain", scope.tls_endpoints),
            ("crl", scope.crls),
            ("directory_object", scope.directory_objects),
        ] {
            if count > 0 {
                counts.insert(kind, (count, "the policy's declared scope".to_string()));
            }
        }
        Self { counts }
    }

    /// The declared population of a kind, and who declared it; `None` when
    /// unknown. Kinds that are their own population (inventory rows) or
    /// derive from others (OCSP checks, the bundle) have none and need none.
    fn of(&self, kind: EvidenceKind) -> Option<&(u64, String)> {
        self.counts.get(kind.name())
    }

    fn needs(kind: EvidenceKind) -> bool {
        matches!(
            kind,
            EvidenceKind::Certificate
                | EvidenceKind::TlsEndpoint
                | EvidenceKind::Chain
                | EvidenceKind::Crl
                | EvidenceKind::DirectoryObject
        )
    }
}

/// One earlier scan, as the history keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PastScan {
    /// When it ran (Unix seconds).
    pub at: i64,
    /// Conformance by requirement: (records, conforming).
    pub conformance: BTreeMap<String, (u64, u64)>,
    /// Failing findings: (rule, `kind:id`).
    pub failing: BTreeSet<(String, String)>,
}

/// Earlier scans of the same job, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// The scans.
    pub scans: Vec<PastScan>,
}

/// Everything a pre-fill reads.
pub struct PrefillInputs<'a> {
    /// The model of the assessment.
    pub model: &'a Model,
    /// The rules' results.
    pub evaluation: &'a Evaluation,
    /// The criteria.
    pub catalog: &'a Catalog,
    /// The organisation's pre-fill policy.
    pub policy: &'a PrefillPolicy,
    /// The declared scope.
    pub population: &'a Population,
    /// The assessment, for the assessor's criterion decisions.
    pub assessment: Option<&'a Assessment>,
    /// Earlier scans.
    pub history: &'a History,
    /// The evaluation time (Unix seconds).
    pub now: i64,
}

/// What the evidence says about one requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct Prefilled {
    /// The suggestion, when the evidence supports a number.
    pub suggestion: Option<Suggestion>,
    /// What the evidence shows, criterion by criterion.
    pub observed: Option<Observed>,
    /// Why there is no suggestion, when there is none.
    pub note: Option<String>,
    /// The conformance of the requirement's implemented criteria, for the
    /// history: (records, conforming) of the weakest one.
    pub conformance: Option<(u64, u64)>,
}

/// A finding's record as the history stores it: `kind:id`.
pub fn record_key(finding: &Finding) -> String {
    format!("{}:{}", finding.record.kind.name(), finding.record.id)
}

/// Pre-fills every requirement of the model.
pub fn prefill(inputs: &PrefillInputs<'_>) -> BTreeMap<String, Prefilled> {
    let failures = Failures::index(inputs.evaluation);
    let scope_limits = scope_limits(inputs.evaluation);
    inputs
        .model
        .requirements()
        .map(|requirement| {
            let v2 = crosswalk().requirement_in_2_0(&inputs.model.version, &requirement.id);
            let entry = v2.and_then(|id| inputs.catalog.requirement(id));
            let prefilled = match entry {
                Some(entry) => Requirement {
                    inputs,
                    entry,
                    id: &requirement.id,
                    failures: &failures,
                    scope_limits: &scope_limits,
                }
                .prefill(),
                None => Prefilled {
                    suggestion: None,
                    observed: None,
                    note: Some(NEEDS_ASSESSOR.to_string()),
                    conformance: None,
                },
            };
            (requirement.id.clone(), prefilled)
        })
        .collect()
}

/// The failing findings of each rule, indexed once.
struct Failures<'a> {
    by_rule: BTreeMap<&'a str, Vec<&'a Finding>>,
}

impl<'a> Failures<'a> {
    fn index(evaluation: &'a Evaluation) -> Self {
        let mut by_rule: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for finding in &evaluation.findings {
            if finding.outcome == Outcome::Fail {
                by_rule.entry(&*finding.rule).or_default().push(finding);
            }
        }
        Self { by_rule }
    }

    fn of(&self, rule: &str) -> &[&'a Finding] {
        self.by_rule.get(rule).map_or(&[], Vec::as_slice)
    }
}

/// Whether a failing finding still counts against conformance: it does
/// unless a waiver names an approved exception.
/// One rule's results beside a requirement (or a relevance entry): counts,
/// waived failures, a few failing records.
pub(crate) fn rule_observation(
    rule: &RuleResult,
    failing: &[&Finding],
    criteria: Vec<String>,
) -> RuleObservation {
    RuleObservation {
        rule: rule.id.clone(),
        title: rule.title.clone(),
        severity: rule.severity.unwrap_or(Severity::Info),
        criteria,
        evaluated: rule.passed + rule.failed,
        failing: failing.len() as u64,
        excepted: failing.iter().filter(|f| !counts_against(f)).count() as u64,
        examples: failing
            .iter()
            .take(EXAMPLES)
            .map(|f| f.record.label.clone())
            .collect(),
    }
}

fn counts_against(finding: &Finding) -> bool {
    finding
        .waived
        .as_ref()
        .is_none_or(|w| !w.is_approved_exception())
}

/// The scope-limit rules that failed: what the scan did not observe.
fn scope_limits(evaluation: &Evaluation) -> Vec<String> {
    evaluation
        .rules
        .iter()
        .filter(|r| r.scope_limit && r.failed > 0)
        .map(|r| format!("{} failing \"{}\"", records(r.failed), r.title))
        .collect()
}

struct Requirement<'a, 'b> {
    inputs: &'b PrefillInputs<'a>,
    entry: &'a RequirementCriteria,
    /// The requirement's id in the assessment's model.
    id: &'b str,
    failures: &'b Failures<'a>,
    scope_limits: &'b [String],
}

/// What the evidence shows about one implemented criterion.
struct CriterionCount<'a> {
    criterion: &'a Criterion,
    /// Records per evidence kind (the most any supporting rule decided).
    records: BTreeMap<EvidenceKind, u64>,
    failing: BTreeSet<(EvidenceKind, &'a str)>,
}

impl CriterionCount<'_> {
    fn records(&self) -> u64 {
        self.records.values().sum()
    }

    fn conforming(&self) -> u64 {
        self.records().saturating_sub(self.failing.len() as u64)
    }

    fn ratio(&self) -> f64 {
        match self.records() {
            0 => 0.0,
            n => self.conforming() as f64 / n as f64,
        }
    }
}

impl<'a> Requirement<'a, '_> {
    fn full_id(&self, criterion: &Criterion) -> String {
        format!("{}#{}", self.entry.requirement, criterion.id)
    }

    /// The rules linked to one criterion, with what they show.
    fn links_to(
        &self,
        criterion: &Criterion,
    ) -> impl Iterator<Item = (&'a RuleResult, pkimm_rules::rule::Shows)> + '_ {
        let full = self.full_id(criterion);
        self.inputs.evaluation.rules.iter().flat_map(move |rule| {
            let full = full.clone();
            rule.criteria
                .iter()
                .filter(move |l| l.criterion == full)
                .map(move |l| (rule, l.shows))
        })
    }

    fn count(&self, criterion: &'a Criterion) -> CriterionCount<'a> {
        let mut count = CriterionCount {
            criterion,
            records: BTreeMap::new(),
            failing: BTreeSet::new(),
        };
        for (rule, shows) in self.links_to(criterion) {
            // Info rules are never a problem on their own: they leave the ratio.
            if !shows.supports() || rule.severity == Some(Severity::Info) {
                continue;
            }
            let Some(kind) = rule.applies_to else {
                continue;
            };
            let decided = rule.passed + rule.failed;
            if decided == 0 {
                continue;
            }
            let slot = count.records.entry(kind).or_default();
            *slot = (*slot).max(decided);
            for finding in self.failures.of(&rule.id) {
                if counts_against(finding) {
                    count
                        .failing
                        .insert((finding.record.kind, finding.record.id.as_str()));
                }
            }
        }
        count
    }

    /// The rules linked to any criterion of this requirement.
    fn linked_rules(&self) -> BTreeSet<&'a str> {
        self.entry
            .criteria
            .iter()
            .flat_map(|c| self.links_to(c).map(|(r, _)| r.id.as_str()))
            .collect()
    }

    /// Failing findings of rules whose failures contradict a criterion of
    /// this requirement, one entry per rule.
    fn contradicting(&self) -> Vec<RuleObservation> {
        let mut by_rule: BTreeMap<&str, (&RuleResult, BTreeSet<String>)> = BTreeMap::new();
        for criterion in &self.entry.criteria {
            for (rule, shows) in self.links_to(criterion) {
                if shows.contradicts() && rule.failed > 0 && rule.severity != Some(Severity::Info) {
                    by_rule
                        .entry(&rule.id)
                        .or_insert_with(|| (rule, BTreeSet::new()))
                        .1
                        .insert(criterion.id.clone());
                }
            }
        }
        let mut out: Vec<RuleObservation> = by_rule
            .into_values()
            .map(|(rule, criteria)| self.observe(rule, criteria.into_iter().collect()))
            .collect();
        out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
        out
    }

    /// Rules related to the requirement without evidencing a criterion.
    fn related(&self) -> Vec<RuleObservation> {
        let linked = self.linked_rules();
        let mut out: Vec<RuleObservation> = self
            .inputs
            .evaluation
            .rules
            .iter()
            .filter(|r| r.related.contains(&self.entry.requirement))
            .filter(|r| !linked.contains(r.id.as_str()) && r.evaluated > 0)
            .map(|r| self.observe(r, Vec::new()))
            .collect();
        out.sort_by(|a, b| {
            b.failing
                .min(1)
                .cmp(&a.failing.min(1))
                .then(b.severity.cmp(&a.severity))
                .then(a.rule.cmp(&b.rule))
        });
        out
    }

    fn observe(&self, rule: &RuleResult, criteria: Vec<String>) -> RuleObservation {
        rule_observation(rule, self.failures.of(&rule.id), criteria)
    }

    /// Whether the assessor confirmed every D criterion; the reason when not.
    fn documents_confirmed(&self) -> Result<(), String> {
        let decisions = self
            .inputs
            .assessment
            .and_then(|a| a.requirements.get(self.id))
            .map(|e| &e.criteria);
        let mut open = Vec::new();
        let mut not_met = Vec::new();
        for criterion in self.entry.of_type(CriterionType::D) {
            match decisions.and_then(|d| d.get(&criterion.id)) {
                Some(decision) if decision.met => {}
                Some(_) => not_met.push(criterion.id.as_str()),
                None => open.push(criterion.id.as_str()),
            }
        }
        if !not_met.is_empty() {
            return Err(format!(
                "the assessor decided {} not met",
                not_met.join(", ")
            ));
        }
        if !open.is_empty() {
            return Err(format!(
                "the documented criteria {} are not confirmed by the assessor",
                open.join(", ")
            ));
        }
        Ok(())
    }

    /// The failing (rule, record) keys of the rules linked to this
    /// requirement, now.
    fn failing_now(&self) -> BTreeSet<(String, String)> {
        self.linked_rules()
            .into_iter()
            .flat_map(|rule| {
                self.failures
                    .of(rule)
                    .iter()
                    .filter(|f| counts_against(f))
                    .map(move |f| (rule.to_string(), record_key(f)))
            })
            .collect()
    }

    /// Whether the history shows effectiveness over time; the reason when
    /// not.
    fn effective_over_time(&self, now_ratio: f64) -> Result<String, String> {
        let policy = &self.inputs.policy;
        let history = &policy.history;
        let since = self.inputs.now - i64::from(history.window_days) * 86_400;
        let scans: Vec<&PastScan> = self
            .inputs
            .history
            .scans
            .iter()
            .filter(|s| s.at >= since && s.at < self.inputs.now)
            .collect();
        let count = scans.len() + 1;
        let days = scans
            .first()
            .map_or(0, |s| (self.inputs.now - s.at) / 86_400);
        let shown = format!("the history has {count} scans over {days} days");
        if count < history.min_scans as usize || days < i64::from(history.min_days) {
            return Err(format!(
                "effectiveness over time needs at least {} scans over at least {} days; {shown}",
                history.min_scans, history.min_days
            ));
        }
        let sustained = policy.sustained_conformance;
        for scan in &scans {
            let ratio = scan
                .conformance
                .get(self.id)
                .filter(|(records, _)| *records > 0)
                .map(|(records, conforming)| *conforming as f64 / *records as f64);
            match ratio {
                Some(r) if r + 1e-9 >= sustained => {}
                Some(r) => {
                    return Err(format!(
                        "conformance was {:.0}% in an earlier scan, below the {:.0}% to sustain",
                        r * 100.0,
                        sustained * 100.0
                    ))
                }
                None => {
                    return Err(format!(
                        "an earlier scan did not evidence this requirement; {shown}"
                    ))
                }
            }
        }
        if now_ratio + 1e-9 < sustained {
            return Err(format!(
                "conformance is {:.0}% now, below the {:.0}% to sustain",
                now_ratio * 100.0,
                sustained * 100.0
            ));
        }
        let oldest = &scans[0].failing;
        let still_open = self
            .failing_now()
            .into_iter()
            .filter(|key| oldest.contains(key))
            .count();
        if still_open > 0 {
            return Err(format!(
                "{still_open} findings open in the oldest scan of the window are still open"
            ));
        }
        Ok(format!(
            "{count} scans over {days} days with conformance of at least {:.0}% and earlier findings fixed",
            sustained * 100.0
        ))
    }

    /// Coverage of the declared scope by the kinds the evidenced criteria
    /// used; the reason when it falls short or is unknown.
    fn coverage(&self, counts: &[CriterionCount<'_>]) -> (Result<(), String>, String) {
        let mut kinds: BTreeMap<EvidenceKind, u64> = BTreeMap::new();
        for count in counts {
            for (kind, n) in &count.records {
                let slot = kinds.entry(*kind).or_default();
                *slot = (*slot).max(*n);
            }
        }
        let mut problems = Vec::new();
        let mut statements = Vec::new();
        for (kind, observed) in kinds {
            if !Population::needs(kind) {
                continue;
            }
            let name = plural(kind);
            match self.inputs.population.of(kind) {
                Some((declared, by)) if observed > *declared => {
                    statements.push(format!(
                        "{observed} {name}, more than the {declared} declared by {by}"
                    ));
                    problems.push(format!(
                        "the scan found {observed} {name}, more than the {declared} {by} declares: the declared scope is incomplete"
                    ));
                }
                Some((declared, by)) => {
                    let share = observed as f64 / *declared as f64;
                    statements.push(format!(
                        "{observed} of {declared} {name} declared by {by} ({:.0}%)",
                        share.min(1.0) * 100.0
                    ));
                    if share + 1e-9 < self.inputs.policy.min_coverage {
                        problems.push(format!(
                            "the evidence covers {:.0}% of the declared {name}, below {:.0}%",
                            share * 100.0,
                            self.inputs.policy.min_coverage * 100.0
                        ));
                    }
                }
                None => {
                    statements.push(format!(
                        "{observed} {name}; the scope's population is unknown"
                    ));
                    problems.push(format!(
                        "the scope does not declare how many {name} there are (set prefill.scope in the policy, or give an inventory export)"
                    ));
                }
            }
        }
        let mut scope = statements.join("; ");
        if !self.scope_limits.is_empty() {
            if !scope.is_empty() {
                scope.push_str("; ");
            }
            scope.push_str("not observed: ");
            scope.push_str(&self.scope_limits.join(", "));
        }
        let result = if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        };
        (result, scope)
    }

    fn prefill(&self) -> Prefilled {
        let counts: Vec<CriterionCount<'a>> = self
            .entry
            .of_type(CriterionType::I)
            .map(|c| self.count(c))
            .collect();
        let evidenced: Vec<&CriterionCount<'_>> =
            counts.iter().filter(|c| c.records() > 0).collect();
        let contradicting = self.contradicting();
        let related = self.related();
        let (coverage, scope) = self.coverage(&counts);
        let mut observed = Observed {
            evidences: evidenced
                .iter()
                .map(|c| CriterionEvidence {
                    criterion: c.criterion.id.clone(),
                    kind: c.criterion.kind,
                    text: c.criterion.text.clone(),
                    records: c.records(),
                    conforming: c.conforming(),
                    summary: format!(
                        "{} of {} {} conform",
                        c.conforming(),
                        c.records(),
                        kinds_named(&c.records)
                    ),
                })
                .collect(),
            contradicting,
            related,
            scope,
            ..Observed::default()
        };
        let failure_ceilings = failure_ceilings(&observed.contradicting);
        let conformance = evidenced
            .iter()
            .min_by(|a, b| a.ratio().total_cmp(&b.ratio()))
            .map(|c| (c.records(), c.conforming()));
        let touched = !evidenced.is_empty()
            || !observed.contradicting.is_empty()
            || observed.related.iter().any(|r| r.evaluated > 0);

        if self.entry.prefill == PrefillMode::Observations {
            let why = self.entry.why.clone().unwrap_or_default();
            observed.ceilings = failure_ceilings;
            observed.ceilings.insert(
                0,
                Ceiling {
                    level: 0,
                    reason: format!("no number from evidence: {why}"),
                },
            );
            observed.cannot_evidence = self.gaps(&[], None, None);
            return Prefilled {
                suggestion: None,
                note: Some(format!("needs assessor: {why}")),
                observed: touched.then_some(observed),
                conformance: None,
            };
        }

        let Some((records, conforming)) = conformance else {
            observed.cannot_evidence = self.gaps(&[], None, None);
            observed.ceilings = failure_ceilings;
            let implemented: Vec<&str> = counts.iter().map(|c| c.criterion.id.as_str()).collect();
            let note = if touched {
                format!(
                    "needs assessor: no collected evidence reaches its implemented criteria ({}); related observations are shown",
                    implemented.join(", ")
                )
            } else {
                NEEDS_ASSESSOR.to_string()
            };
            return Prefilled {
                suggestion: None,
                note: Some(note),
                observed: touched.then_some(observed),
                conformance: None,
            };
        };
        let ratio = conforming as f64 / records as f64;
        let policy = self.inputs.policy;
        let all_evaluated = evidenced.len() == counts.len();
        let largest = evidenced.iter().map(|c| c.records()).max().unwrap_or(0);

        // Confidence.
        let (confidence, confidence_reason) = if largest < policy.min_records {
            (
                Confidence::Low,
                format!(
                    "{largest} records are fewer than the {} a suggestion needs",
                    policy.min_records
                ),
            )
        } else if !all_evaluated {
            let missing: Vec<&str> = counts
                .iter()
                .filter(|c| c.records() == 0)
                .map(|c| c.criterion.id.as_str())
                .collect();
            (
                Confidence::Medium,
                format!(
                    "the implemented criteria {} have no evidence",
                    missing.join(", ")
                ),
            )
        } else if let Err(reason) = &coverage {
            (Confidence::Medium, reason.clone())
        } else {
            (
                Confidence::High,
                "every implemented criterion is evidenced over the declared scope".to_string(),
            )
        };

        // Ceilings.
        let mut ceilings = failure_ceilings;
        let documents = self.documents_confirmed();
        let history = match &documents {
            Ok(()) if ratio + 1e-9 >= policy.sustained_conformance => {
                Some(self.effective_over_time(ratio))
            }
            _ => None,
        };
        if ratio + 1e-9 < policy.applied_conformance {
            ceilings.push(Ceiling {
                level: 1,
                reason: format!(
                    "conformance is {:.0}%, below the {:.0}% that shows the practice applied",
                    ratio * 100.0,
                    policy.applied_conformance * 100.0
                ),
            });
        } else if ratio + 1e-9 < policy.sustained_conformance {
            ceilings.push(Ceiling {
                level: 2,
                reason: format!(
                    "conformance is {:.0}%, below {:.0}%",
                    ratio * 100.0,
                    policy.sustained_conformance * 100.0
                ),
            });
        }
        match (&documents, &history) {
            (Err(reason), _) => ceilings.push(Ceiling {
                level: 2,
                reason: format!("scans show implementation only and {reason}"),
            }),
            (Ok(()), Some(Err(reason))) => ceilings.push(Ceiling {
                level: 3,
                reason: format!("the documented criteria are confirmed, but {reason}"),
            }),
            (Ok(()), Some(Ok(_))) => ceilings.push(Ceiling {
                level: 4,
                reason:
                    "level 5 needs reviews and improvement (R criteria), which evidence cannot show"
                        .to_string(),
            }),
            (Ok(()), None) => {}
        }
        match confidence {
            Confidence::Low => ceilings.push(Ceiling {
                level: 0,
                reason: format!("low confidence gives no number: {confidence_reason}"),
            }),
            Confidence::Medium => ceilings.push(Ceiling {
                level: 2,
                reason: format!("medium confidence: {confidence_reason}"),
            }),
            Confidence::High => {}
        }
        ceilings.sort_by_key(|c| c.level);
        let level = ceilings.first().map_or(4, |c| c.level).min(4);
        let effective = match &history {
            Some(Ok(how)) => Some(how.clone()),
            _ => None,
        };
        observed.cannot_evidence =
            self.gaps(&counts, documents.as_ref().ok(), effective.as_deref());
        if let Some(how) = &effective {
            for criterion in self.entry.of_type(CriterionType::E) {
                observed.evidences.push(CriterionEvidence {
                    criterion: criterion.id.clone(),
                    kind: criterion.kind,
                    text: criterion.text.clone(),
                    records,
                    conforming,
                    summary: format!("the history shows {how}"),
                });
            }
        }
        observed.ceilings.clone_from(&ceilings);
        let Some(level) = Level::from_number(level) else {
            let reason = ceilings
                .first()
                .map(|c| c.reason.clone())
                .unwrap_or_default();
            return Prefilled {
                suggestion: None,
                note: Some(format!("observations only: {reason}")),
                observed: Some(observed),
                conformance: Some((records, conforming)),
            };
        };
        let cap = ceilings.first().map(|c| c.reason.clone());
        let rationale = self.rationale(level, confidence, &observed, cap.as_deref());
        Prefilled {
            suggestion: Some(Suggestion {
                level,
                confidence,
                rationale,
                evidence: self.evidence_refs(&counts, &observed),
                cap,
            }),
            observed: Some(observed),
            note: None,
            conformance: Some((records, conforming)),
        }
    }

    /// The criteria the evidence cannot show, with why.
    fn gaps(
        &self,
        counts: &[CriterionCount<'_>],
        documents_confirmed: Option<&()>,
        effective: Option<&str>,
    ) -> Vec<CriterionGap> {
        self.entry
            .criteria
            .iter()
            .filter_map(|criterion| {
                let why = match criterion.kind {
                    CriterionType::D if documents_confirmed.is_some() => {
                        "confirmed by the assessor".to_string()
                    }
                    CriterionType::D => format!(
                        "a document or approval: only the assessor can confirm it (pkimm confirm FILE {}#{} --met)",
                        short_id(&self.entry.requirement),
                        criterion.id
                    ),
                    CriterionType::I => {
                        let evidenced = counts
                            .iter()
                            .any(|c| c.criterion.id == criterion.id && c.records() > 0);
                        if evidenced {
                            return None;
                        }
                        criterion.why.clone().map_or_else(
                            || "no collected evidence reaches it".to_string(),
                            |w| format!("no collected evidence reaches it ({w})"),
                        )
                    }
                    CriterionType::E if effective.is_some() => return None,
                    CriterionType::E => {
                        "effectiveness over time: needs the scan history".to_string()
                    }
                    CriterionType::R => "a review: evidence cannot show it".to_string(),
                };
                Some(CriterionGap {
                    criterion: criterion.id.clone(),
                    kind: criterion.kind,
                    text: criterion.text.clone(),
                    why,
                })
            })
            .collect()
    }

    fn rationale(
        &self,
        level: Level,
        confidence: Confidence,
        observed: &Observed,
        cap: Option<&str>,
    ) -> String {
        let model = self.inputs.model;
        let mut text = format!(
            "Suggested {} ({}) at {} confidence",
            level.number(),
            model.level_name(level.number()),
            confidence.name()
        );
        if let Some(cap) = cap {
            text.push_str(&format!(", at most {}: {cap}", level.number()));
        }
        text.push_str(". Evidences ");
        let evidenced: Vec<String> = observed
            .evidences
            .iter()
            .map(|e| format!("{} ({})", e.criterion, e.summary))
            .collect();
        text.push_str(&evidenced.join("; "));
        let gaps: Vec<&str> = observed
            .cannot_evidence
            .iter()
            .filter(|g| g.why != "confirmed by the assessor")
            .map(|g| g.criterion.as_str())
            .collect();
        if !gaps.is_empty() {
            text.push_str(&format!(". Cannot evidence {}", gaps.join(", ")));
        }
        if !observed.contradicting.is_empty() {
            let parts: Vec<String> = observed
                .contradicting
                .iter()
                .take(4)
                .map(|c| {
                    format!(
                        "{} failing \"{}\" ({}{})",
                        records(c.failing),
                        c.title,
                        c.severity.name(),
                        if c.examples.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", c.examples.join(", "))
                        }
                    )
                })
                .collect();
            text.push_str(&format!(". Contradicting: {}", parts.join("; ")));
        }
        text.push('.');
        text
    }

    fn evidence_refs(&self, counts: &[CriterionCount<'_>], observed: &Observed) -> Vec<String> {
        let mut refs: Vec<String> = observed
            .contradicting
            .iter()
            .map(|c| format!("rule:{}", c.rule))
            .collect();
        let failing: BTreeSet<String> = counts
            .iter()
            .flat_map(|c| c.failing.iter())
            .map(|(kind, id)| format!("{}:{id}", kind.name()))
            .collect();
        refs.extend(failing);
        refs.dedup();
        refs.truncate(EVIDENCE_REFERENCES);
        refs
    }
}

/// Ceilings from open failures: a critical one caps at 1 (at 2 when every
/// critical failure is waived under an approved exception), a high one at 2.
fn failure_ceilings(contradicting: &[RuleObservation]) -> Vec<Ceiling> {
    let mut ceilings = Vec::new();
    let open = |c: &RuleObservation| c.failing > c.excepted;
    let critical: Vec<&RuleObservation> = contradicting
        .iter()
        .filter(|c| c.severity == Severity::Critical)
        .collect();
    if let Some(c) = critical.iter().find(|c| open(c)) {
        ceilings.push(Ceiling {
            level: 1,
            reason: format!(
                "an open critical finding: {} failing \"{}\"",
                records(c.failing),
                c.title
            ),
        });
    } else if let Some(c) = critical.first() {
        ceilings.push(Ceiling {
            level: 2,
            reason: format!(
                "a critical finding under an approved exception: \"{}\"",
                c.title
            ),
        });
    }
    if let Some(c) = contradicting
        .iter()
        .filter(|c| c.severity == Severity::High)
        .find(|c| open(c))
    {
        ceilings.push(Ceiling {
            level: 2,
            reason: format!(
                "an open high finding: {} failing \"{}\"",
                records(c.failing),
                c.title
            ),
        });
    }
    ceilings
}

/// `category.requirement` of a canonical `M.category.requirement`.
fn short_id(canonical: &str) -> &str {
    canonical
        .split_once('.')
        .map_or(canonical, |(_, rest)| rest)
}

/// "1 record", "3 records".
fn records(n: u64) -> String {
    if n == 1 {
        "1 record".to_string()
    } else {
        format!("{n} records")
    }
}

pub(crate) fn plural(kind: EvidenceKind) -> &'static str {
    match kind {
        EvidenceKind::Certificate => "certificates",
        EvidenceKind::Crl => "CRLs",
        EvidenceKind::OcspCheck => "OCSP checks",
        EvidenceKind::TlsEndpoint => "TLS endpoints",
        EvidenceKind::Chain => "served chains",
        EvidenceKind::InventoryRecord => "inventory rows",
        EvidenceKind::DirectoryObject => "directory objects",
        EvidenceKind::Token => "PKCS#11 tokens",
        EvidenceKind::Key => "token keys",
        EvidenceKind::EnrolmentEndpoint => "enrolment endpoints",
        EvidenceKind::Bundle => "scans",
    }
}

fn kinds_named(records: &BTreeMap<EvidenceKind, u64>) -> String {
    let names: Vec<&str> = records.keys().map(|k| plural(*k)).collect();
    match names.as_slice() {
        [] => "records".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use pkimm_model::embedded_model;
    use pkimm_model::evidence::UtcTime;
    use pkimm_rules::eval::RecordRef;
    use pkimm_rules::rule::{CriterionLink, Shows};
    use pkimm_rules::waiver::{Selector, Waiver};

    use super::*;

    const PROFILES: &str = "M.certificate-management.cert-profiles";

    fn rule(
        id: &str,
        severity: Severity,
        criterion: &str,
        decided: u64,
        failed: u64,
    ) -> RuleResult {
        RuleResult {
            id: id.to_string(),
            title: format!("title of {id}"),
            severity: Some(severity),
            criteria: vec![CriterionLink {
                criterion: format!("{PROFILES}#{criterion}"),
                shows: Shows::Both,
            }],
            applies_to: Some(EvidenceKind::Certificate),
            evaluated: decided,
            passed: decided - failed,
            failed,
            ..RuleResult::default()
        }
    }

    fn failing(rule: &str, severity: Severity, record: &str, waiver: Option<Waiver>) -> Finding {
        Finding {
            rule: Arc::from(rule),
            severity,
            pkimm: Arc::from(vec![PROFILES.to_string()]),
            outcome: Outcome::Fail,
            record: Arc::new(RecordRef {
                kind: EvidenceKind::Certificate,
                id: record.to_string(),
                label: record.to_string(),
                sources: Vec::new(),
                hosts: Vec::new(),
                issuer: None,
            }),
            message: String::new(),
            waived: waiver.map(Arc::new),
        }
    }

    fn waiver(exception: Option<&str>) -> Waiver {
        Waiver {
            rule: "r".into(),
            selector: Selector {
                fingerprint: None,
                host: Some("h".into()),
                issuer: None,
            },
            reason: "accepted".into(),
            expires: "2030-01-01".into(),
            approved_by: None,
            exception: exception.map(str::to_string),
        }
    }

    fn evaluation(rules: Vec<RuleResult>, findings: Vec<Finding>) -> Evaluation {
        Evaluation {
            schema_version: "1.0.0".into(),
            evaluated_at: UtcTime::now(),
            records: BTreeMap::new(),
            rules,
            findings,
            requirements: Vec::new(),
            expired_waivers: Vec::new(),
        }
    }

    fn run(evaluation: &Evaluation) -> Prefilled {
        let policy = PrefillPolicy::default();
        let out = prefill(&PrefillInputs {
            model: embedded_model(),
            evaluation,
            catalog: Catalog::builtin(),
            policy: &policy,
            population: &Population::default(),
            assessment: None,
            history: &History::default(),
            now: 1_800_000_000,
        });
        out[PROFILES].clone()
    }

    #[test]
    fn twenty_clean_certificates_give_2_at_medium_confidence() {
        let p = run(&evaluation(
            vec![rule("a", Severity::Medium, "c5", 20, 0)],
            Vec::new(),
        ));
        let s = p.suggestion.unwrap();
        assert_eq!(s.level.number(), 2);
        assert_eq!(s.confidence, Confidence::Medium);
        assert!(s.cap.unwrap().contains("not confirmed"));
        let observed = p.observed.unwrap();
        assert_eq!(
            observed.evidences[0].summary,
            "20 of 20 certificates conform"
        );
        assert!(
            observed.scope.contains("population is unknown"),
            "{}",
            observed.scope
        );
    }

    #[test]
    fn info_rules_leave_the_ratio() {
        // 19 of 19 records fail an info rule: no effect on the level.
        let findings = (0..19)
            .map(|i| failing("info", Severity::Info, &format!("c{i}"), None))
            .collect();
        let p = run(&evaluation(
            vec![
                rule("a", Severity::Medium, "c5", 19, 0),
                rule("info", Severity::Info, "c5", 19, 19),
            ],
            findings,
        ));
        assert_eq!(p.conformance, Some((19, 19)));
        assert_eq!(p.suggestion.unwrap().level.number(), 2);
    }

    #[test]
    fn waivers_conform_only_under_an_approved_exception() {
        let findings = |exception: Option<&str>| {
            (0..5)
                .map(|i| {
                    failing(
                        "a",
                        Severity::Medium,
                        &format!("c{i}"),
                        Some(waiver(exception)),
                    )
                })
                .collect()
        };
        let plain = run(&evaluation(
            vec![rule("a", Severity::Medium, "c5", 12, 5)],
            findings(None),
        ));
        assert_eq!(plain.conformance, Some((12, 7)));
        assert_eq!(plain.suggestion.unwrap().level.number(), 1);
        let excepted = run(&evaluation(
            vec![rule("a", Severity::Medium, "c5", 12, 5)],
            findings(Some("CHG-1234")),
        ));
        assert_eq!(excepted.conformance, Some((12, 12)));
        assert_eq!(excepted.suggestion.unwrap().level.number(), 2);
    }

    #[test]
    fn an_open_critical_finding_caps_at_1_and_few_records_give_no_number() {
        let p = run(&evaluation(
            vec![rule("crit", Severity::Critical, "c5", 40, 1)],
            vec![failing("crit", Severity::Critical, "x", None)],
        ));
        let s = p.suggestion.unwrap();
        assert_eq!(s.level.number(), 1);
        assert!(s.cap.unwrap().contains("open critical finding"));
        let few = run(&evaluation(
            vec![rule("a", Severity::Medium, "c5", 4, 0)],
            Vec::new(),
        ));
        assert!(few.suggestion.is_none());
        assert!(few.note.unwrap().contains("low confidence"));
        assert!(few.observed.is_some(), "the observations stay");
    }

    #[test]
    fn documents_never_get_a_number() {
        let sponsor = "G.strategy-and-vision.sponsor-support";
        let policy = PrefillPolicy::default();
        let evaluation = evaluation(vec![rule("a", Severity::Medium, "c5", 20, 0)], Vec::new());
        let out = prefill(&PrefillInputs {
            model: embedded_model(),
            evaluation: &evaluation,
            catalog: Catalog::builtin(),
            policy: &policy,
            population: &Population::default(),
            assessment: None,
            history: &History::default(),
            now: 0,
        });
        for (id, p) in &out {
            let capped = Catalog::builtin().requirement(id).unwrap().prefill == PrefillMode::Capped;
            assert!(capped || p.suggestion.is_none(), "{id}");
        }
        assert!(out[sponsor]
            .note
            .as_ref()
            .unwrap()
            .contains("needs assessor"));
    }
}
