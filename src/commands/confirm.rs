//! `pkimm confirm`: record an assessor decision in an assessment file.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use pkimm_model::evidence::UtcTime;
use pkimm_model::write::UpdateLock;
use pkimm_model::Level;
use pkimm_rules::criteria::Catalog;
use pkimm_scoring::decision::{decide, decide_criteria, Choice, Decision};
use pkimm_scoring::save_assessment;

use crate::cli::{ConfirmArgs, GlobalArgs};
use crate::output::assessment;
use crate::output::UPDATE_WAIT;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ConfirmArgs) -> Result<ExitCode> {
    // Held from reading to writing, so concurrent writers never lose an
    // update.
    let _lock = UpdateLock::acquire(&args.assessment, UPDATE_WAIT)?;
    let (model, mut assessment) = assessment(global, &args.assessment)?;
    if args.id.contains('#') || args.met || args.not_met {
        return criteria(args, &model, &mut assessment);
    }
    match model.resolve_requirement(&args.id) {
        Ok((r, Some(alias))) => eprintln!("{} is {} ({})", args.id, r.id, alias.describe()),
        Ok(_) | Err(_) => {
            if let Ok((c, Some(alias))) = model.resolve_category(&args.id) {
                eprintln!("{} is category {} ({})", args.id, c.id, alias.describe());
            }
        }
    }
    let choice = if args.pending {
        Choice::Pending
    } else if args.not_applicable {
        Choice::NotApplicable {
            reason: args.reason.clone().unwrap_or_default(),
        }
    } else if let Some(number) = args.level {
        Choice::Level(Level::from_number(number).context("levels are 1 to 5")?)
    } else {
        Choice::AcceptSuggested {
            high_confidence_only: args.high_confidence_only,
        }
    };
    let decision = Decision {
        choice,
        justification: args.justification.clone(),
        assessor: args.assessor.clone(),
        at: UtcTime::now().to_string(),
        via: "pkimm confirm".to_string(),
    };
    let decided = decide(&mut assessment, &model, &args.id, &decision)?;
    save_assessment(&args.assessment, &assessment)?;
    eprintln!(
        "{}: updated {}",
        args.assessment.display(),
        decided.changed.join(", ")
    );
    if !decided.skipped.is_empty() && !decided.bulk {
        eprintln!("skipped (no suggestion): {}", decided.skipped.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

/// `pkimm confirm FILE REQ#cN --met|--not-met`.
fn criteria(
    args: &ConfirmArgs,
    model: &pkimm_model::Model,
    assessment: &mut pkimm_scoring::Assessment,
) -> Result<ExitCode> {
    if !args.id.contains('#') {
        bail!(
            "--met and --not-met decide criteria: name them as REQUIREMENT#c1 (or #D for every documented one), not {:?}",
            args.id
        );
    }
    if !args.met && !args.not_met {
        bail!("{:?} names criteria: say --met or --not-met", args.id);
    }
    let decision = Decision {
        choice: Choice::Pending,
        justification: args.justification.clone(),
        assessor: args.assessor.clone(),
        at: UtcTime::now().to_string(),
        via: "pkimm confirm".to_string(),
    };
    let decided = decide_criteria(
        assessment,
        model,
        Catalog::builtin(),
        &args.id,
        args.met,
        &decision,
    )?;
    save_assessment(&args.assessment, assessment)?;
    eprintln!(
        "{}: {} {}; re-run pkimm assess for the suggestions to follow",
        args.assessment.display(),
        if args.met { "met:" } else { "not met:" },
        decided.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}
