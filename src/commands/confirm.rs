//! `pkimm confirm`: record an assessor decision in an assessment file.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use pkimm_model::evidence::UtcTime;
use pkimm_model::Level;
use pkimm_scoring::assessment::Confidence;
use pkimm_scoring::{load_assessment_file, RequirementEntry, Status};

use crate::cli::{ConfirmArgs, GlobalArgs};
use crate::context;
use crate::write::write_assessment;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ConfirmArgs) -> Result<ExitCode> {
    let model = context::model(global)?;
    let mut assessment = load_assessment_file(&args.assessment, &model)?;
    let targets: Vec<String> = if args.id == "all" {
        model.requirements().map(|r| r.id.clone()).collect()
    } else if let Some(requirement) = model.requirement(&args.id) {
        vec![requirement.id.clone()]
    } else if let Some(category) = model.category(&args.id) {
        category.requirements.iter().map(|r| r.id.clone()).collect()
    } else {
        bail!(
            "{:?} is not a requirement (such as 7.3), a category (such as 7) or `all` in PKIMM {}",
            args.id,
            model.version
        );
    };
    if args.not_applicable && args.reason.as_deref().is_none_or(str::is_empty) {
        bail!("--not-applicable needs --reason");
    }
    let bulk = targets.len() > 1;
    if bulk && args.level.is_some() {
        bail!("--level sets one requirement; use --accept-suggested for a category or `all`");
    }
    let at = UtcTime::now().to_string();
    let mut changed = Vec::new();
    let mut skipped = Vec::new();
    for id in &targets {
        let entry = assessment.requirements.entry(id.clone()).or_default();
        let suggested = entry.suggested.as_ref().map(|s| (s.level, s.confidence));
        let decision = if args.pending {
            Some((Status::Pending, None))
        } else if args.not_applicable {
            Some((Status::NotApplicable, None))
        } else if let Some(number) = args.level {
            let level = Level::from_number(number).context("levels are 1 to 5")?;
            let status = if suggested.map(|s| s.0) == Some(level) || suggested.is_none() {
                Status::Confirmed
            } else {
                Status::Overridden
            };
            Some((status, Some(level)))
        } else {
            match suggested {
                Some((level, confidence))
                    if !args.high_confidence_only || confidence == Confidence::High =>
                {
                    Some((Status::Confirmed, Some(level)))
                }
                _ => None,
            }
        };
        let Some((status, level)) = decision else {
            skipped.push(id.clone());
            continue;
        };
        if status == Status::Overridden
            && args.justification.is_none()
            && entry.justification.is_none()
        {
            bail!(
                "level {} differs from the suggested level for {id}: an override needs --justification",
                args.level.unwrap_or_default()
            );
        }
        apply(entry, status, level, args, &at);
        changed.push(id.clone());
    }
    if changed.is_empty() {
        bail!(
            "nothing to confirm: {} has no {}suggestion",
            args.id,
            if args.high_confidence_only {
                "high-confidence "
            } else {
                ""
            }
        );
    }
    write_assessment(&args.assessment, &assessment)?;
    eprintln!(
        "{}: updated {}",
        args.assessment.display(),
        changed.join(", ")
    );
    if !skipped.is_empty() && !bulk {
        eprintln!("skipped (no suggestion): {}", skipped.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

fn apply(
    entry: &mut RequirementEntry,
    status: Status,
    level: Option<Level>,
    args: &ConfirmArgs,
    at: &str,
) {
    entry.status = Some(status);
    entry.level = level;
    entry.stale = None;
    if status == Status::Pending {
        entry.justification = None;
        entry.reason = None;
        entry.assessor = None;
        entry.at = None;
        return;
    }
    entry.reason = if status == Status::NotApplicable {
        args.reason.clone()
    } else {
        None
    };
    if let Some(j) = &args.justification {
        entry.justification = Some(j.clone());
    } else if args.accept_suggested {
        entry.justification = Some("accepted the level pkimm suggested from evidence".to_string());
    }
    if let Some(a) = &args.assessor {
        entry.assessor = Some(a.clone());
    }
    entry.at = Some(at.to_string());
}
