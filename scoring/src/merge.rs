//! Merging fresh suggestions into an assessment. pkimm owns `suggested`,
//! `stale` and `note`; the assessor owns everything else, which a merge never
//! touches. A confirmation whose suggestion moved away from the confirmed
//! level is marked stale, with the reason; it clears when the suggestion
//! returns to the confirmed level or the assessor confirms again.

use std::collections::BTreeMap;

use crate::assessment::{Assessment, PrefillInfo, Status};
use crate::prefill::Prefilled;

/// What a merge changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeSummary {
    /// Requirements with a suggestion now.
    pub suggested: Vec<String>,
    /// Requirements without evidence (pending, needs assessor).
    pub without_evidence: Vec<String>,
    /// Confirmations newly marked stale.
    pub newly_stale: Vec<String>,
    /// Stale marks cleared because the suggestion agrees again.
    pub cleared_stale: Vec<String>,
}

/// Puts `prefilled` into `assessment`, keeping every assessor field.
pub fn merge_prefill(
    assessment: &mut Assessment,
    prefilled: &BTreeMap<String, Prefilled>,
    info: PrefillInfo,
) -> MergeSummary {
    let mut summary = MergeSummary::default();
    for (id, fresh) in prefilled {
        let entry = assessment.requirements.entry(id.clone()).or_default();
        let before = entry.suggested.as_ref().map(|s| s.level);
        let after = fresh.suggestion.as_ref().map(|s| s.level);
        entry.suggested.clone_from(&fresh.suggestion);
        entry.observed.clone_from(&fresh.observed);
        entry.note.clone_from(&fresh.note);
        match after {
            Some(_) => summary.suggested.push(id.clone()),
            None => summary.without_evidence.push(id.clone()),
        }
        let decided = matches!(
            entry.effective_status(),
            Status::Confirmed | Status::Overridden
        );
        let Some(confirmed) = entry.level.filter(|_| decided) else {
            continue;
        };
        if after == Some(confirmed) {
            if entry.stale.take().is_some() {
                summary.cleared_stale.push(id.clone());
            }
        } else if after != before {
            let moved = |l: Option<pkimm_model::Level>| {
                l.map_or_else(
                    || "no suggestion".to_string(),
                    |l| format!("level {}", l.number()),
                )
            };
            let when = entry
                .at
                .as_deref()
                .map(|at| format!(" (confirmed {at})"))
                .unwrap_or_default();
            entry.stale = Some(format!(
                "evidence moved the suggestion from {} to {} while level {} is confirmed{when}; \
                 re-confirm or override",
                moved(before),
                moved(after),
                confirmed.number()
            ));
            summary.newly_stale.push(id.clone());
        }
    }
    assessment.prefill = Some(info);
    summary
}

/// Puts the evidence beside `extension_id`'s relevance entries: `note` and
/// `observed` (pkimm's fields) for each category in `fresh`, cleared on the
/// other `categories` of the extension. No suggestion is ever written, and
/// the assessor's fields stay as they are. Returns the categories written.
pub fn merge_relevance(
    assessment: &mut Assessment,
    extension_id: &str,
    categories: &[String],
    fresh: &BTreeMap<String, crate::relevance::RelevanceEvidence>,
) -> Vec<String> {
    let entries = &mut assessment
        .extensions
        .entry(extension_id.to_string())
        .or_default()
        .relevance;
    for category in categories {
        match fresh.get(category) {
            Some(evidence) => {
                let entry = entries.entry(category.clone()).or_default();
                entry.note = Some(evidence.note.clone());
                entry.observed = Some(evidence.observed.clone());
                entry.suggested = None;
            }
            None => {
                if let Some(entry) = entries.get_mut(category) {
                    entry.note = None;
                    entry.observed = None;
                    entry.suggested = None;
                }
            }
        }
    }
    fresh.keys().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{Confidence, Mode, RequirementEntry, Suggestion};
    use pkimm_model::{embedded_model, Level};

    fn suggestion(level: Level) -> Prefilled {
        Prefilled {
            suggestion: Some(Suggestion {
                level,
                confidence: Confidence::High,
                rationale: "r".into(),
                evidence: Vec::new(),
                cap: None,
            }),
            observed: None,
            note: None,
            conformance: None,
        }
    }

    #[test]
    fn assessor_fields_survive_and_moves_mark_stale() {
        let model = embedded_model();
        let mut a = Assessment::new(model, Mode::Full);
        let first: BTreeMap<_, _> = [(
            "M.certificate-management.cert-lifecycle".to_string(),
            suggestion(Level::Advanced),
        )]
        .into();
        merge_prefill(&mut a, &first, PrefillInfo::default());
        a.requirements.insert(
            "M.certificate-management.cert-lifecycle".into(),
            RequirementEntry {
                level: Some(Level::Advanced),
                justification: Some("checked".into()),
                assessor: Some("Ada".into()),
                ..a.requirements["M.certificate-management.cert-lifecycle"].clone()
            },
        );
        // Same suggestion: nothing stale.
        let s = merge_prefill(&mut a, &first, PrefillInfo::default());
        assert!(s.newly_stale.is_empty());
        // The suggestion moves: stale, assessor fields kept.
        let moved: BTreeMap<_, _> = [(
            "M.certificate-management.cert-lifecycle".to_string(),
            suggestion(Level::Basic),
        )]
        .into();
        let s = merge_prefill(&mut a, &moved, PrefillInfo::default());
        assert_eq!(s.newly_stale, ["M.certificate-management.cert-lifecycle"]);
        let e = &a.requirements["M.certificate-management.cert-lifecycle"];
        assert_eq!(e.level, Some(Level::Advanced));
        assert_eq!(e.justification.as_deref(), Some("checked"));
        assert!(e
            .stale
            .as_deref()
            .unwrap()
            .contains("from level 3 to level 2"));
        // Back to the confirmed level: the mark clears.
        let s = merge_prefill(&mut a, &first, PrefillInfo::default());
        assert_eq!(s.cleared_stale, ["M.certificate-management.cert-lifecycle"]);
        assert!(a.requirements["M.certificate-management.cert-lifecycle"]
            .stale
            .is_none());
    }
}
