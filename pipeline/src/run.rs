//! The one path every command takes: collect → evaluate → prefill → store.
//!
//! [`collect`] runs collectors (each sees the evidence collected before it,
//! so revocation follows what the others found). [`Pipeline::run`] takes the
//! evidence from there or from files and the history: it adds the history's
//! trends when a store is given, evaluates the rules, suggests levels, merges
//! them into an assessment when one is given, and records the scan. `pkimm
//! collect`, `assess`, `scan`, `agent` and `demo` all go through here.

use std::borrow::Cow;
use std::collections::BTreeMap;

use pkimm_collectors::runtime::new_runtime;
use pkimm_collectors::shard::Shard;
use pkimm_collectors::{CollectContext, CollectorConfig};
use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use pkimm_model::{Extension, Model};
use pkimm_rules::criteria::Catalog;
use pkimm_rules::waiver::Waiver;
use pkimm_rules::{evaluate, EvalOptions, Evaluation, Outcome, Policy, RulePack};
use pkimm_scoring::assessment::PrefillInfo;
use pkimm_scoring::merge::{merge_prefill, merge_relevance, MergeSummary};
use pkimm_scoring::prefill::{prefill, History, Population, PrefillInputs, Prefilled};
use pkimm_scoring::relevance::relevance_evidence;
use pkimm_scoring::Assessment;

use crate::history::{ScanInput, Store, StoredLevel};
use crate::setup::{load_criteria, load_policy, load_rule_pack, load_waivers, RuleInputs};
use crate::PipelineError;

/// The tool name recorded in bundles and assessments.
pub fn tool_name() -> String {
    format!("pkimm {}", env!("CARGO_PKG_VERSION"))
}

/// Evidence from one collection run.
#[derive(Debug)]
pub struct Collected {
    /// Everything the collectors produced, merged.
    pub bundle: EvidenceBundle,
    /// Each collector's summary line, in the order they ran.
    pub summaries: Vec<(&'static str, String)>,
}

/// How collectors run.
pub struct CollectSettings<'a> {
    /// The agent name in provenance.
    pub agent: &'a str,
    /// The runtime (one is made when absent).
    pub runtime: Option<&'a tokio::runtime::Runtime>,
    /// Show progress bars on stderr.
    pub progress: bool,
    /// The share of the targets this run covers (`--shard I/N`).
    pub shard: Shard,
}

/// Runs `collectors` in order, each seeing the evidence collected before it.
pub fn collect(
    collectors: &[CollectorConfig],
    settings: &CollectSettings<'_>,
) -> Result<Collected, PipelineError> {
    let owned;
    let runtime = match settings.runtime {
        Some(runtime) => runtime,
        None => {
            owned = new_runtime().map_err(|source| PipelineError::Io {
                what: "cannot start the async runtime".to_string(),
                source,
            })?;
            &owned
        }
    };
    let mut bundle = EvidenceBundle::new(tool_name());
    let mut summaries = Vec::with_capacity(collectors.len());
    for collector in collectors {
        // Under --shard, collectors with a target list take their share;
        // those that follow the evidence follow this share's; the rest run
        // on the first share only, so that the shares collect them once.
        if !(settings.shard.runs_unsharded()
            || collector.shards_targets()
            || collector.reads_evidence())
        {
            continue;
        }
        let collection = collector.collect(&CollectContext {
            agent: settings.agent,
            runtime,
            evidence: &bundle,
            progress: settings.progress,
            shard: settings.shard,
        })?;
        summaries.push((collector.type_name(), collection.summary));
        bundle.merge(collection.bundle);
    }
    Ok(Collected { bundle, summaries })
}

/// Where a run is recorded in the history.
pub struct StoreTarget<'a> {
    /// The store.
    pub store: &'a mut Store,
    /// The job name.
    pub job: &'a str,
    /// The agent name.
    pub agent: &'a str,
    /// When the scan started.
    pub started: UtcTime,
}

/// What [`Pipeline::run`] does besides evaluating.
pub struct RunOptions<'a> {
    /// The evaluation time (Unix seconds).
    pub now: i64,
    /// Record the scan here, with the history's trends added first.
    pub store: Option<StoreTarget<'a>>,
    /// Merge the suggestions into this assessment.
    pub assessment: Option<&'a mut Assessment>,
    /// Extensions whose relevance entries get the evidence written beside
    /// them (never a level), when an assessment is given.
    pub extensions: &'a [Extension],
}

/// What a run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// The rules' results.
    pub evaluation: Evaluation,
    /// The suggestion (or why none) per requirement.
    pub prefilled: BTreeMap<String, Prefilled>,
    /// What changed in the assessment, when one was given.
    pub merge: Option<MergeSummary>,
    /// Per extension id, the relevance categories that got evidence beside
    /// them.
    pub relevance: BTreeMap<String, Vec<String>>,
    /// The scan id, when stored.
    pub scan_id: Option<i64>,
}

/// The model, rules, policy, waivers and level mappings a run uses, loaded
/// once.
pub struct Pipeline {
    model: Cow<'static, Model>,
    pack: RulePack,
    policy: Policy,
    waivers: Vec<Waiver>,
    criteria: Catalog,
}

impl Pipeline {
    /// Loads everything `inputs` names against `model`.
    pub fn load(model: Cow<'static, Model>, inputs: &RuleInputs) -> Result<Self, PipelineError> {
        let pack = load_rule_pack(&model, inputs)?;
        let criteria = load_criteria(&inputs.levels)?;
        pack.check_links(&criteria)?;
        let waivers = load_waivers(inputs.waivers.as_deref(), &pack)?;
        Ok(Self {
            pack,
            policy: load_policy(inputs.policy.as_deref())?,
            waivers,
            criteria,
            model,
        })
    }

    /// The model in use.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The rule pack in use.
    pub fn pack(&self) -> &RulePack {
        &self.pack
    }

    /// The assessment criteria in use.
    pub fn criteria(&self) -> &Catalog {
        &self.criteria
    }

    /// Evaluates the rules over `bundle` as of `now`.
    pub fn evaluate(&self, bundle: &EvidenceBundle, now: i64) -> Evaluation {
        let options = EvalOptions {
            policy: self.policy.clone(),
            now,
            waivers: self.waivers.clone(),
            measure_cost: false,
        };
        evaluate(&self.pack, bundle, &self.model, &options)
    }

    /// Evaluates, suggests levels, and merges and stores as `options` says.
    pub fn run(
        &self,
        bundle: &mut EvidenceBundle,
        options: RunOptions<'_>,
    ) -> Result<RunOutcome, PipelineError> {
        let mut store = options.store;
        let mut history = History::default();
        if let Some(target) = &mut store {
            bundle.trends = Some(target.store.trends(target.job, target.agent, bundle)?);
            history = target.store.history(target.job, target.agent)?;
        }
        let evaluation = self.evaluate(bundle, options.now);
        let population = Population::declared(&self.policy.prefill, bundle);
        let prefilled = prefill(&PrefillInputs {
            model: &self.model,
            evaluation: &evaluation,
            catalog: &self.criteria,
            policy: &self.policy.prefill,
            population: &population,
            assessment: options.assessment.as_deref(),
            history: &history,
            now: options.now,
        });
        let mut relevance = BTreeMap::new();
        let merge = options.assessment.map(|assessment| {
            let summary = merge_prefill(
                assessment,
                &prefilled,
                prefill_info(&evaluation, &prefilled),
            );
            for extension in options.extensions {
                let categories: Vec<String> = extension
                    .relevance
                    .iter()
                    .map(|r| r.category_id.clone())
                    .collect();
                let fresh = relevance_evidence(extension, &evaluation);
                let written = merge_relevance(assessment, &extension.id, &categories, &fresh);
                relevance.insert(extension.id.clone(), written);
            }
            summary
        });
        let scan_id = match store {
            Some(target) => Some(
                target.store.record(&ScanInput {
                    job: target.job,
                    agent: target.agent,
                    started: target.started,
                    bundle,
                    evaluation: &evaluation,
                    levels: &stored_levels(&prefilled),
                    conformance: &prefilled
                        .iter()
                        .filter_map(|(id, p)| p.conformance.map(|c| (id.clone(), c)))
                        .collect(),
                })?,
            ),
            None => None,
        };
        Ok(RunOutcome {
            evaluation,
            prefilled,
            merge,
            relevance,
            scan_id,
        })
    }
}

/// Where the suggestions came from, as the assessment records it.
fn prefill_info(evaluation: &Evaluation, prefilled: &BTreeMap<String, Prefilled>) -> PrefillInfo {
    PrefillInfo {
        at: UtcTime::now().to_string(),
        tool: tool_name(),
        records: evaluation
            .records
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.clone(), *n))
            .collect(),
        suggested: u32::try_from(
            prefilled
                .values()
                .filter(|p| p.suggestion.is_some())
                .count(),
        )
        .unwrap_or(u32::MAX),
        findings: findings_by_severity(evaluation),
    }
}

/// Unwaived failing findings by severity name.
pub fn findings_by_severity(evaluation: &Evaluation) -> BTreeMap<String, u64> {
    let mut findings: BTreeMap<String, u64> = BTreeMap::new();
    for finding in &evaluation.findings {
        if finding.outcome == Outcome::Fail && finding.waived.is_none() {
            *findings
                .entry(finding.severity.name().to_string())
                .or_default() += 1;
        }
    }
    findings
}

/// Suggested levels as the history stores them.
fn stored_levels(prefilled: &BTreeMap<String, Prefilled>) -> BTreeMap<String, StoredLevel> {
    prefilled
        .iter()
        .filter_map(|(id, p)| {
            p.suggestion.as_ref().map(|s| {
                (
                    id.clone(),
                    (i64::from(s.level.number()), s.confidence.name().to_string()),
                )
            })
        })
        .collect()
}
