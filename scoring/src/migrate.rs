//! Moving an assessment to another PKIMM version through the crosswalk.
//!
//! Every assessor decision moves to its requirement's id in the target
//! version; a decision on a requirement the target does not have is kept in
//! the assessment's `retired` section with why and where its concerns went;
//! requirements new in the target stay pending. Category entries (scoping,
//! self-mode levels) and extension relevance move with their categories.
//! Nothing is dropped: [`migrate`] fails rather than lose a decision.

use std::collections::BTreeMap;

use pkimm_model::crosswalk::{crosswalk, Crosswalk};
use pkimm_model::Model;

use crate::assessment::{Assessment, RequirementEntry, Retired};

/// A migration that cannot be done without losing something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// Both versions are the same.
    #[error("the assessment is already PKIMM {0}")]
    SameVersion(String),
    /// The crosswalk does not cover a version.
    #[error("the crosswalk covers PKIMM 1.0.0, 1.1.0 and 2.0.0, not {0}")]
    Unsupported(String),
    /// An id the crosswalk does not know.
    #[error("{what} {id:?} of PKIMM {version} is not in the crosswalk")]
    Unknown {
        /// `requirement` or `category`.
        what: &'static str,
        /// The id.
        id: String,
        /// Its version.
        version: String,
    },
    /// Two decisions would land on one requirement.
    #[error("{first} and {second} both move to {target}")]
    Collision {
        /// One id.
        first: String,
        /// The other.
        second: String,
        /// Where both would go.
        target: String,
    },
}

/// What a migration did, for people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Requirements moved: (old id, new id), where the id changed.
    pub moved: Vec<(String, String)>,
    /// Requirements whose id stayed the same.
    pub unchanged: usize,
    /// Decisions kept in `retired`: (old id, why).
    pub retired: Vec<(String, String)>,
    /// Requirements of the target with no decision yet (new ones).
    pub new_pending: Vec<String>,
    /// Category entries moved: (old id, new id).
    pub categories: Vec<(String, String)>,
}

/// Where an id of `from` lands in `to`.
enum Landing {
    At(String),
    Gone {
        name: String,
        why: String,
        successors: Vec<String>,
    },
}

fn is_v2(version: &str) -> bool {
    version == "2.0.0"
}

fn requirement_landing(
    x: &Crosswalk,
    from: &str,
    to: &str,
    id: &str,
    name: &str,
) -> Result<Landing, MigrateError> {
    let unknown = || MigrateError::Unknown {
        what: "requirement",
        id: id.to_string(),
        version: from.to_string(),
    };
    // Through 2.0.0: the entry of this id, or a removal.
    let entry = if is_v2(from) {
        x.requirements.iter().find(|e| e.id == id)
    } else {
        x.requirements
            .iter()
            .find(|e| e.in_version(from) == Some(id))
    };
    match entry {
        Some(e) if is_v2(to) => Ok(Landing::At(e.id.clone())),
        Some(e) => Ok(match e.in_version(to) {
            Some(target) => Landing::At(target.to_string()),
            None => Landing::Gone {
                name: name.to_string(),
                why: format!("new in PKIMM 2.0.0, not in PKIMM {to}"),
                successors: Vec::new(),
            },
        }),
        None => {
            let removed = x
                .removed
                .iter()
                .find(|r| r.in_version(from) == Some(id))
                .ok_or_else(unknown)?;
            if is_v2(to) {
                Ok(Landing::Gone {
                    name: removed.name.clone(),
                    why: format!("removed in PKIMM 2.0.0: {}", removed.why),
                    successors: removed.successors.clone(),
                })
            } else {
                Ok(Landing::At(
                    removed.in_version(to).ok_or_else(unknown)?.to_string(),
                ))
            }
        }
    }
}

fn category_landing(
    x: &Crosswalk,
    from: &str,
    to: &str,
    id: &str,
) -> Result<Option<String>, MigrateError> {
    let entry = if is_v2(from) {
        x.categories.iter().find(|e| e.id == id)
    } else {
        x.categories.iter().find(|e| e.in_version(from) == Some(id))
    }
    .ok_or_else(|| MigrateError::Unknown {
        what: "category",
        id: id.to_string(),
        version: from.to_string(),
    })?;
    Ok(if is_v2(to) {
        Some(entry.id.clone())
    } else {
        entry.in_version(to).map(str::to_string)
    })
}

/// Moves `assessment` (validated against `from`) to the model `to`.
pub fn migrate(
    assessment: &Assessment,
    from: &Model,
    to: &Model,
) -> Result<(Assessment, MigrationReport), MigrateError> {
    if from.version == to.version {
        return Err(MigrateError::SameVersion(from.version.clone()));
    }
    for version in [&from.version, &to.version] {
        if !matches!(version.as_str(), "1.0.0" | "1.1.0" | "2.0.0") {
            return Err(MigrateError::Unsupported(version.clone()));
        }
    }
    let x = crosswalk();
    let mut report = MigrationReport::default();
    let mut out = assessment.clone();
    out.model = to.version.clone();
    out.requirements = BTreeMap::new();
    let mut origin: BTreeMap<String, String> = BTreeMap::new();
    for (id, entry) in &assessment.requirements {
        let name = from
            .requirement(id)
            .map_or(id.as_str(), |r| r.name.as_str());
        match requirement_landing(x, &from.version, &to.version, id, name)? {
            Landing::At(target) => {
                if let Some(first) = origin.insert(target.clone(), id.clone()) {
                    return Err(MigrateError::Collision {
                        first,
                        second: id.clone(),
                        target,
                    });
                }
                if &target == id {
                    report.unchanged += 1;
                } else {
                    report.moved.push((id.clone(), target.clone()));
                }
                out.requirements.insert(target, entry.clone());
            }
            Landing::Gone {
                name,
                why,
                successors,
            } => {
                if !holds_a_decision(entry) {
                    continue;
                }
                report.retired.push((id.clone(), why.clone()));
                out.retired.insert(
                    format!("{}:{id}", from.version),
                    Retired {
                        model: from.version.clone(),
                        id: id.clone(),
                        name,
                        why,
                        successors,
                        entry: entry.clone(),
                    },
                );
            }
        }
    }
    out.categories = BTreeMap::new();
    for (id, entry) in &assessment.categories {
        match category_landing(x, &from.version, &to.version, id)? {
            Some(target) => {
                report.categories.push((id.clone(), target.clone()));
                out.categories.insert(target, entry.clone());
            }
            None => {
                out.retired.insert(
                    format!("{}:category:{id}", from.version),
                    Retired {
                        model: from.version.clone(),
                        id: id.clone(),
                        name: from.category(id).map_or(id.clone(), |c| c.name.clone()),
                        why: format!("not a category of PKIMM {}", to.version),
                        successors: Vec::new(),
                        entry: entry.clone(),
                    },
                );
                report
                    .retired
                    .push((id.clone(), format!("category not in PKIMM {}", to.version)));
            }
        }
    }
    for extension in out.extensions.values_mut() {
        let relevance = std::mem::take(&mut extension.relevance);
        for (id, entry) in relevance {
            if let Some(target) = category_landing(x, &from.version, &to.version, &id)? {
                extension.relevance.insert(target, entry);
            }
        }
    }
    // Decisions retired from the target version earlier come back.
    let returning: Vec<String> = out
        .retired
        .iter()
        .filter(|(_, r)| r.model == to.version && to.requirement(&r.id).is_some())
        .filter(|(_, r)| !out.requirements.contains_key(&r.id))
        .map(|(key, _)| key.clone())
        .collect();
    for key in returning {
        if let Some(r) = out.retired.remove(&key) {
            report.moved.push((key, r.id.clone()));
            out.requirements.insert(r.id, r.entry);
        }
    }
    report.new_pending = to
        .requirements()
        .filter(|r| !out.requirements.contains_key(&r.id))
        .map(|r| r.id.clone())
        .collect();
    Ok((out, report))
}

/// Whether the entry holds anything an assessor or pkimm wrote.
fn holds_a_decision(entry: &RequirementEntry) -> bool {
    entry != &RequirementEntry::default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pkimm_model::embedded_model_version;

    #[test]
    fn every_decision_survives_both_ways() {
        let v11 = embedded_model_version("1.1.0").unwrap();
        let v2 = embedded_model_version("2.0.0").unwrap();
        let mut a = Assessment::new(v11, crate::Mode::Full);
        for r in v11.requirements() {
            a.requirements.insert(
                r.id.clone(),
                RequirementEntry {
                    level: pkimm_model::Level::from_number(2),
                    justification: Some(format!("decided on {}", r.id)),
                    ..RequirementEntry::default()
                },
            );
        }
        let (moved, report) = migrate(&a, v11, v2).unwrap();
        assert_eq!(moved.model, "2.0.0");
        assert_eq!(
            moved.requirements.len() + moved.retired.len(),
            a.requirements.len()
        );
        assert_eq!(report.retired.len(), 2, "the two cipher-suite requirements");
        assert!(moved.retired.contains_key("1.1.0:7.2"));
        assert_eq!(
            report.new_pending,
            ["G.policies-and-documentation.validation-requirements"]
        );
        assert_eq!(
            moved.requirements["M.certificate-management.cert-inventory"].justification,
            Some("decided on 7.4".to_string())
        );
        // Back to 1.1.0: the 2.0.0 decisions return to their old ids, and
        // the retired ones come back.
        let (back, _) = migrate(&moved, v2, v11).unwrap();
        assert_eq!(back.requirements, a.requirements);
        assert!(back.retired.is_empty());
        for (id, entry) in &moved.requirements {
            let old = &a.requirements.iter().find(|(_, e)| *e == entry).unwrap().0;
            assert_eq!(back.requirements.get(*old), Some(entry), "{id}");
        }
        assert!(matches!(
            migrate(&a, v11, v11),
            Err(MigrateError::SameVersion(_))
        ));
    }
}
