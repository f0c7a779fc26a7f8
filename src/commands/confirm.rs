//! `pkimm confirm`: record an assessor decision in an assessment file.

use std::process::ExitCode;

use anyhow::{Context, Result};
use pkimm_model::evidence::UtcTime;
use pkimm_model::Level;
use pkimm_scoring::decision::{decide, Choice, Decision};
use pkimm_scoring::save_assessment;

use crate::cli::{ConfirmArgs, GlobalArgs};
use crate::output::assessment;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ConfirmArgs) -> Result<ExitCode> {
    let (model, mut assessment) = assessment(global, &args.assessment)?;
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
