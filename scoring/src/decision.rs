//! Assessor decisions: confirm, override, not applicable or back to pending,
//! for one requirement, a category or every requirement. `pkimm confirm`
//! and any other front end apply them through [`decide`].

use pkimm_model::{Level, Model};

use pkimm_rules::criteria::{Catalog, CriterionType};

use crate::assessment::{Assessment, Confidence, CriterionDecision, RequirementEntry, Status};
use crate::audit::{describe_criterion, describe_entry, AuditEntry};

/// What the assessor decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// This level: confirmed when it equals the suggestion (or there is
    /// none), else overridden.
    Level(Level),
    /// The suggested level, where there is one (only high-confidence ones
    /// with `high_confidence_only`).
    AcceptSuggested {
        /// Skip suggestions that are not high-confidence.
        high_confidence_only: bool,
    },
    /// Out of scope, with the reason.
    NotApplicable {
        /// Why.
        reason: String,
    },
    /// Undo: back to pending.
    Pending,
}

/// A decision and who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The choice.
    pub choice: Choice,
    /// Why this level.
    pub justification: Option<String>,
    /// Who decides.
    pub assessor: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// The front end that applies it, for the audit trail (`pkimm confirm`).
    pub via: String,
}

/// A decision that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecisionError {
    /// The id names nothing in the model.
    #[error("{id:?} is not a requirement (such as {requirement}), a category (such as {category}) or `all` in PKIMM {model}")]
    UnknownId {
        /// The id given.
        id: String,
        /// The model version.
        model: String,
        /// An example requirement id.
        requirement: String,
        /// An example category id.
        category: String,
    },
    /// The id names a requirement this model removed.
    #[error(transparent)]
    Removed(pkimm_model::IdError),
    /// Not applicable without a reason.
    #[error("--not-applicable needs --reason")]
    MissingReason,
    /// One level for many requirements.
    #[error("--level sets one requirement; use --accept-suggested for a category or `all`")]
    LevelForMany,
    /// An override without a justification.
    #[error(
        "level {level} differs from the suggested level for {id}: an override needs --justification"
    )]
    MissingJustification {
        /// The requirement.
        id: String,
        /// The level given.
        level: u8,
    },
    /// A criterion id names nothing.
    #[error("{id:?}: {requirement} has no criterion {criterion} (its criteria are {known}; `#D` names every documented one)")]
    UnknownCriterion {
        /// The id given.
        id: String,
        /// The requirement.
        requirement: String,
        /// The criterion asked for.
        criterion: String,
        /// The criteria it has.
        known: String,
    },
    /// The requirement has no criteria in PKIMM 2.0.0.
    #[error("{0} has no PKIMM 2.0.0 assessment criteria to decide")]
    NoCriteria(String),
    /// A criterion confirmed without saying why.
    #[error(
        "confirming {0} needs --justification: name the document, its version and its approval"
    )]
    MissingCriterionJustification(String),
    /// Nothing to apply the decision to.
    #[error("nothing to confirm: {id} has no {}suggestion", if *high_confidence_only { "high-confidence " } else { "" })]
    NothingToConfirm {
        /// The id given.
        id: String,
        /// Whether only high-confidence suggestions were asked for.
        high_confidence_only: bool,
    },
}

/// What [`decide`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decided {
    /// Requirements updated.
    pub changed: Vec<String>,
    /// Requirements left alone (no suggestion to accept).
    pub skipped: Vec<String>,
    /// Whether the id named more than one requirement.
    pub bulk: bool,
}

/// The requirement ids `id` names: a requirement, a category's requirements,
/// or `all`.
pub fn requirements_named(model: &Model, id: &str) -> Result<Vec<String>, DecisionError> {
    if id == "all" {
        return Ok(model.requirements().map(|r| r.id.clone()).collect());
    }
    match model.resolve_requirement(id) {
        Ok((requirement, _)) => return Ok(vec![requirement.id.clone()]),
        Err(e @ pkimm_model::IdError::Removed { .. }) => return Err(DecisionError::Removed(e)),
        Err(_) => {}
    }
    if let Ok((category, _)) = model.resolve_category(id) {
        return Ok(category.requirements.iter().map(|r| r.id.clone()).collect());
    }
    let example = |r: Option<&pkimm_model::Requirement>| r.map_or(String::new(), |r| r.id.clone());
    Err(DecisionError::UnknownId {
        id: id.to_string(),
        model: model.version.clone(),
        requirement: example(model.requirements().nth(2)),
        category: model
            .categories()
            .next()
            .map_or(String::new(), |c| c.id.clone()),
    })
}

/// Applies `decision` to the requirements `id` names.
pub fn decide(
    assessment: &mut Assessment,
    model: &Model,
    id: &str,
    decision: &Decision,
) -> Result<Decided, DecisionError> {
    let targets = requirements_named(model, id)?;
    if matches!(&decision.choice, Choice::NotApplicable { reason } if reason.trim().is_empty()) {
        return Err(DecisionError::MissingReason);
    }
    let bulk = targets.len() > 1;
    if bulk && matches!(decision.choice, Choice::Level(_)) {
        return Err(DecisionError::LevelForMany);
    }
    let mut decided = Decided {
        bulk,
        ..Decided::default()
    };
    for target in targets {
        let entry = assessment.requirements.entry(target.clone()).or_default();
        let Some((status, level)) = outcome(entry, &decision.choice) else {
            decided.skipped.push(target);
            continue;
        };
        // An override needs its own justification; one kept from an earlier
        // decision only stands for the same override.
        let same_override = entry.effective_status() == Status::Overridden
            && entry.level == level
            && entry.justification.is_some();
        if status == Status::Overridden && decision.justification.is_none() && !same_override {
            return Err(DecisionError::MissingJustification {
                id: target,
                level: level.map_or(0, Level::number),
            });
        }
        let previous = describe_entry(entry);
        apply(entry, status, level, decision);
        let value = describe_entry(entry);
        let justification = entry.reason.clone().or_else(|| entry.justification.clone());
        assessment.audit.push(audit_entry(
            decision,
            &target,
            previous,
            value,
            justification,
        ));
        decided.changed.push(target);
    }
    if decided.changed.is_empty() {
        return Err(DecisionError::NothingToConfirm {
            id: id.to_string(),
            high_confidence_only: matches!(
                decision.choice,
                Choice::AcceptSuggested {
                    high_confidence_only: true
                }
            ),
        });
    }
    Ok(decided)
}

/// The status and level `choice` gives `entry`; `None` when there is no
/// suggestion to accept.
fn outcome(entry: &RequirementEntry, choice: &Choice) -> Option<(Status, Option<Level>)> {
    let suggested = entry.suggested.as_ref().map(|s| (s.level, s.confidence));
    match choice {
        Choice::Pending => Some((Status::Pending, None)),
        Choice::NotApplicable { .. } => Some((Status::NotApplicable, None)),
        Choice::Level(level) => {
            let status = if suggested.is_none_or(|s| s.0 == *level) {
                Status::Confirmed
            } else {
                Status::Overridden
            };
            Some((status, Some(*level)))
        }
        Choice::AcceptSuggested {
            high_confidence_only,
        } => match suggested {
            Some((level, confidence))
                if !high_confidence_only || confidence == Confidence::High =>
            {
                Some((Status::Confirmed, Some(level)))
            }
            _ => None,
        },
    }
}

fn apply(entry: &mut RequirementEntry, status: Status, level: Option<Level>, decision: &Decision) {
    entry.revision += 1;
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
    entry.reason = match &decision.choice {
        Choice::NotApplicable { reason } => Some(reason.clone()),
        _ => None,
    };
    if let Some(j) = &decision.justification {
        entry.justification = Some(j.clone());
    } else if matches!(decision.choice, Choice::AcceptSuggested { .. }) {
        entry.justification = Some("accepted the level pkimm suggested from evidence".to_string());
    }
    if let Some(a) = &decision.assessor {
        entry.assessor = Some(a.clone());
    }
    entry.at = Some(decision.at.clone());
}

/// An assessor's decision on criteria of one requirement: `id` is
/// `REQUIREMENT#c2`, `REQUIREMENT#c1,c2` or `REQUIREMENT#D` (every
/// documented criterion). Returns the criteria decided, as `REQ#cN`.
pub fn decide_criteria(
    assessment: &mut Assessment,
    model: &Model,
    catalog: &Catalog,
    id: &str,
    met: bool,
    decision: &Decision,
) -> Result<Vec<String>, DecisionError> {
    let (requirement_id, list) = id.split_once('#').unwrap_or((id, ""));
    let requirement = match model.resolve_requirement(requirement_id) {
        Ok((r, _)) => r,
        Err(e @ pkimm_model::IdError::Removed { .. }) => return Err(DecisionError::Removed(e)),
        Err(_) => {
            return Err(requirements_named(model, requirement_id)
                .err()
                .unwrap_or(DecisionError::NoCriteria(requirement_id.to_string())))
        }
    };
    let entry = pkimm_model::crosswalk::crosswalk()
        .requirement_in_2_0(&model.version, &requirement.id)
        .and_then(|v2| catalog.requirement(v2))
        .ok_or_else(|| DecisionError::NoCriteria(requirement.id.clone()))?;
    let mut chosen: Vec<&str> = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part.eq_ignore_ascii_case("D") {
            chosen.extend(entry.of_type(CriterionType::D).map(|c| c.id.as_str()));
        } else if let Some(c) = entry.criterion(part) {
            chosen.push(c.id.as_str());
        } else {
            return Err(DecisionError::UnknownCriterion {
                id: id.to_string(),
                requirement: requirement.id.clone(),
                criterion: part.to_string(),
                known: entry
                    .criteria
                    .iter()
                    .map(|c| format!("{} ({:?})", c.id, c.kind))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    chosen.dedup();
    if chosen.is_empty() {
        return Err(DecisionError::UnknownCriterion {
            id: id.to_string(),
            requirement: requirement.id.clone(),
            criterion: String::new(),
            known: entry
                .criteria
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if met
        && decision
            .justification
            .as_deref()
            .is_none_or(|j| j.trim().is_empty())
    {
        return Err(DecisionError::MissingCriterionJustification(id.to_string()));
    }
    let stored = assessment
        .requirements
        .entry(requirement.id.clone())
        .or_default();
    let mut decided = Vec::with_capacity(chosen.len());
    stored.revision += 1;
    let mut trail = Vec::with_capacity(chosen.len());
    for criterion in chosen {
        let target = format!("{}#{criterion}", requirement.id);
        let previous = describe_criterion(stored.criteria.get(criterion));
        let now = CriterionDecision {
            met,
            justification: decision.justification.clone(),
            assessor: decision.assessor.clone(),
            at: Some(decision.at.clone()),
        };
        let value = describe_criterion(Some(&now));
        stored.criteria.insert(criterion.to_string(), now);
        trail.push(audit_entry(
            decision,
            &target,
            previous,
            value,
            decision.justification.clone(),
        ));
        decided.push(target);
    }
    assessment.audit.extend(trail);
    Ok(decided)
}

fn audit_entry(
    decision: &Decision,
    target: &str,
    previous: String,
    value: String,
    justification: Option<String>,
) -> AuditEntry {
    AuditEntry {
        at: decision.at.clone(),
        who: decision.assessor.clone(),
        via: decision.via.clone(),
        target: target.to_string(),
        previous,
        value,
        justification,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{Mode, Suggestion};

    fn decision(choice: Choice) -> Decision {
        Decision {
            choice,
            justification: None,
            assessor: Some("A. Assessor".into()),
            at: "2026-12-01T00:00:00Z".into(),
            via: "test".into(),
        }
    }

    #[test]
    fn confirm_override_and_undo() {
        let model = pkimm_model::embedded_model();
        let id = model.requirements().next().unwrap().id.clone();
        let mut a = Assessment::new(model, Mode::Full);
        a.requirements.entry(id.clone()).or_default().suggested = Some(Suggestion {
            level: Level::from_number(3).unwrap(),
            confidence: Confidence::Medium,
            rationale: String::new(),
            evidence: Vec::new(),
            cap: None,
        });
        let four = Level::from_number(4).unwrap();
        let err = decide(&mut a, model, &id, &decision(Choice::Level(four))).unwrap_err();
        assert!(
            matches!(err, DecisionError::MissingJustification { .. }),
            "{err}"
        );
        let mut with_reason = decision(Choice::Level(four));
        with_reason.justification = Some("runbook reviewed".into());
        decide(&mut a, model, &id, &with_reason).unwrap();
        assert_eq!(a.requirements[&id].effective_status(), Status::Overridden);
        decide(&mut a, model, &id, &decision(Choice::Pending)).unwrap();
        assert_eq!(a.requirements[&id].effective_status(), Status::Pending);
        assert!(a.requirements[&id].assessor.is_none());
        let high = Choice::AcceptSuggested {
            high_confidence_only: true,
        };
        let err = decide(&mut a, model, &id, &decision(high)).unwrap_err();
        assert!(err.to_string().contains("high-confidence"), "{err}");
    }

    #[test]
    fn every_decision_is_audited_and_counted() {
        let model = pkimm_model::embedded_model();
        let id = "M.certificate-management.cert-lifecycle";
        let mut a = Assessment::new(model, Mode::Full);
        let two = Level::from_number(2).unwrap();
        decide(&mut a, model, id, &decision(Choice::Level(two))).unwrap();
        let na = Choice::NotApplicable {
            reason: "no public certificates".into(),
        };
        decide(&mut a, model, id, &decision(na)).unwrap();
        let mut met = decision(Choice::Pending);
        met.justification = Some("policy v3, approved 2026-11".into());
        decide_criteria(
            &mut a,
            model,
            Catalog::builtin(),
            &format!("{id}#c1"),
            true,
            &met,
        )
        .unwrap();
        assert_eq!(a.requirements[id].revision, 3);
        let trail: Vec<(&str, &str, &str)> = a
            .audit
            .iter()
            .map(|e| (e.target.as_str(), e.previous.as_str(), e.value.as_str()))
            .collect();
        let c1 = format!("{id}#c1");
        assert_eq!(
            trail,
            [
                (id, "pending", "confirmed at level 2"),
                (id, "confirmed at level 2", "not applicable"),
                (c1.as_str(), "undecided", "met"),
            ]
        );
        assert_eq!(
            a.audit[1].justification.as_deref(),
            Some("no public certificates")
        );
        assert!(a
            .audit
            .iter()
            .all(|e| e.via == "test" && e.who.as_deref() == Some("A. Assessor")));
    }
}
