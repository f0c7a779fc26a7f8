//! `pkimm assess`: pre-fill an assessment from evidence and merge it into an
//! existing one.

use std::process::ExitCode;

use anyhow::{bail, Result};
use pkimm_model::evidence::{load_bundles, EvidenceBundle, UtcTime};
use pkimm_model::write::UpdateLock;
use pkimm_pipeline::history::Store;
use pkimm_pipeline::run::{tool_name, StoreTarget};
use pkimm_pipeline::setup::{agent_name, evaluation_time, load_extensions};
use pkimm_pipeline::{Pipeline, RuleInputs, RunOptions};
use pkimm_scoring::assessment::ProfileRef;
use pkimm_scoring::{save_assessment, Assessment, Mode};

use crate::cli::{AssessArgs, GlobalArgs};
use crate::output::UPDATE_WAIT;
use crate::output::{assessment, model, profile, store_location};

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &AssessArgs) -> Result<ExitCode> {
    // Held from reading to writing, so concurrent writers never lose an
    // update.
    let _lock = UpdateLock::acquire(&args.output, UPDATE_WAIT)?;
    let inputs = RuleInputs {
        levels: args.levels.clone(),
        ..args.inputs.rule_inputs()
    };
    let previous_path = args
        .assessment
        .clone()
        .or_else(|| args.output.exists().then(|| args.output.clone()));
    // An existing assessment keeps its model; a new one gets the default.
    let (model, mut assessment) = match &previous_path {
        Some(path) => assessment(global, path)?,
        None => {
            let model = model(global)?;
            let profile = profile(global)?;
            let mut fresh = Assessment::new(&model, Mode::Full);
            fresh.profile = Some(ProfileRef {
                id: profile.id.clone(),
                version: profile.version.clone(),
                assurance: profile.default_assurance.clone(),
            });
            fresh.meta.organisation.clone_from(&args.organisation);
            fresh.meta.scope.clone_from(&args.scope);
            (model, fresh)
        }
    };
    let extensions = load_extensions(&args.extensions, &model)?;
    let pipeline = Pipeline::load(model, &inputs)?;
    let mut bundle = if args.bundles.is_empty() {
        EvidenceBundle::new(tool_name())
    } else {
        load_bundles(&args.bundles)?
    };
    if args.from_store {
        let merged = Store::open_existing(&store_location(&args.store)?)?
            .merge_latest_into(&mut bundle, args.since)?;
        eprintln!("merging the latest scans of {merged} jobs and agents from the history");
        if merged == 0 && args.bundles.is_empty() {
            bail!(
                "no scan in the history finished within {}",
                humantime(args.since)
            );
        }
    }
    let now = evaluation_time(args.inputs.now.as_deref())?;
    let mut store = match &args.record {
        Some(_) => Some(Store::open_location(&store_location(&args.store)?)?),
        None => None,
    };
    let agent = agent_name(None);
    let target = match (&mut store, &args.record) {
        (Some(store), Some(job)) => Some(StoreTarget {
            store,
            job,
            agent: &agent,
            started: UtcTime::from_unix(now).unwrap_or_else(UtcTime::now),
        }),
        _ => None,
    };
    let outcome = pipeline.run(
        &mut bundle,
        RunOptions {
            now,
            store: target,
            assessment: Some(&mut assessment),
            extensions: &extensions,
        },
    )?;
    save_assessment(&args.output, &assessment)?;
    let summary = outcome.merge.unwrap_or_default();
    eprintln!(
        "{}: {} requirements pre-filled from evidence, {} pending without evidence (needs assessor)",
        args.output.display(),
        summary.suggested.len(),
        summary.without_evidence.len()
    );
    for (extension, categories) in &outcome.relevance {
        if categories.is_empty() {
            eprintln!("extension {extension}: no evidence informs its relevance entries");
        } else {
            eprintln!(
                "extension {extension}: evidence written beside the relevance of {} (no level is suggested: relevance is judged on documents and reviews)",
                categories.join(", ")
            );
        }
    }
    if !summary.newly_stale.is_empty() {
        eprintln!(
            "marked stale (evidence moved the suggestion away from the confirmed level): {}",
            summary.newly_stale.join(", ")
        );
    }
    if !summary.cleared_stale.is_empty() {
        eprintln!("no longer stale: {}", summary.cleared_stale.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

/// A duration as the user wrote it, roughly.
fn humantime(duration: std::time::Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}
