//! The assessment criteria of every PKIMM 2.0.0 requirement, and how far
//! evidence can prove them (`rules/levels/*.yaml`).
//!
//! Each requirement's official `assessment` text is split into criteria with
//! ids (`M.certificate-management.cert-profiles#c5`) and a type: documented
//! ([`CriterionType::D`]), implemented ([`CriterionType::I`]), effective over
//! time ([`CriterionType::E`]) or reviewed ([`CriterionType::R`]). Rules link
//! to criteria ([`crate::rule::CriterionLink`]); the pre-fill turns what the
//! links show into a level within ceilings. A requirement is either
//! [`PrefillMode::Capped`] (evidence may suggest a level) or
//! [`PrefillMode::Observations`] (it never gets a number from evidence).
//!
//! ```yaml
//! schema_version: 2
//! category: M.certificate-management
//! requirements:
//!   - requirement: M.certificate-management.cert-profiles
//!     prefill: capped
//!     subject: certificates, CRLs and certificate templates
//!     criteria:
//!       - { id: c5, type: I, text: "Certificate profiles are enforced by certification authority" }
//! ```

use std::collections::BTreeMap;
use std::sync::OnceLock;

use pkimm_model::diag::{from_yaml_str, join_index, join_key, DocumentError, Located};
use pkimm_model::{embedded_model, IdError, Model};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Layout version of criteria files.
pub const CRITERIA_FILE_SCHEMA_VERSION: u32 = 2;

/// What kind of thing a criterion asks for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum CriterionType {
    /// Documented or approved: only the assessor can confirm it.
    D,
    /// Implemented or applied: scans can evidence it.
    I,
    /// Effective over time: the scan history can evidence it.
    E,
    /// Reviewed or improved: never evidenced by scans.
    R,
}

impl CriterionType {
    /// The type in words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::D => "documented / approved",
            Self::I => "implemented / applied",
            Self::E => "effective over time",
            Self::R => "reviewed / improved",
        }
    }
}

/// One assessment criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Local id, `c1`, `c2`, … in the order of the official text.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: CriterionType,
    /// The official wording, quoted as far as needed.
    pub text: String,
    /// The criterion it is nested under in the official text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
    /// Why it has this type, where the wording leaves it open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// Whether evidence may suggest a level for a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrefillMode {
    /// Evidence may suggest a level, within the ceilings.
    Capped,
    /// Never a number from evidence: observations and contradicting
    /// findings only.
    Observations,
}

/// The criteria of one requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementCriteria {
    /// Canonical PKIMM 2.0.0 requirement id.
    pub requirement: String,
    /// Whether evidence may suggest a level.
    pub prefill: PrefillMode,
    /// What the evidenced records are called (`certificates and CRLs`);
    /// required when capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Why the requirement gets no number from evidence; required for
    /// observations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// The criteria, in the order of the official text.
    pub criteria: Vec<Criterion>,
}

impl RequirementCriteria {
    /// The criterion with local id `id` (`c5`).
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// The criteria of one type.
    pub fn of_type(&self, kind: CriterionType) -> impl Iterator<Item = &Criterion> {
        self.criteria.iter().filter(move |c| c.kind == kind)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CriteriaFile {
    /// Checked before the rest is read.
    #[allow(dead_code)]
    schema_version: u32,
    /// The category the file covers (documentation only; each requirement
    /// names its own).
    #[allow(dead_code)]
    category: String,
    requirements: Vec<RequirementCriteria>,
}

/// The criteria of every requirement, by canonical 2.0.0 requirement id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    requirements: BTreeMap<String, RequirementCriteria>,
}

/// The built-in criteria files: (file name, YAML text).
pub const BUILTIN_CRITERIA_FILES: &[(&str, &str)] = crate::levels::BUILTIN_LEVEL_FILES;

impl Catalog {
    /// The built-in criteria (checked by the tests, so loading them cannot
    /// fail at run time).
    pub fn builtin() -> &'static Self {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut catalog = Self::default();
            for (name, text) in BUILTIN_CRITERIA_FILES {
                catalog
                    .add_text(name, text)
                    .unwrap_or_else(|e| panic!("built-in criteria file {name}: {e}"));
            }
            catalog
        })
    }

    /// Adds one file's requirements; a later entry for a requirement
    /// replaces an earlier one.
    pub fn add_text(&mut self, origin: &str, text: &str) -> Result<(), DocumentError> {
        #[derive(Deserialize)]
        struct Version {
            schema_version: u32,
        }
        let located = Located::new(origin, text);
        let version: Version = from_yaml_str(origin, text)?;
        if version.schema_version != CRITERIA_FILE_SCHEMA_VERSION {
            return Err(located.error(
                "schema_version",
                format!(
                    "unsupported schema_version {}; criteria and level files are schema_version 2 (the pass-ratio ladders of schema 1 are gone: see README, \"How pre-filled levels are capped\")",
                    version.schema_version
                ),
            ));
        }
        let file: CriteriaFile = from_yaml_str(origin, text)?;
        let model = embedded_model();
        for (i, mut entry) in file.requirements.into_iter().enumerate() {
            let path = join_index("requirements", i);
            let at = |field: &str| join_key(&path, field);
            let (requirement, _) = model
                .resolve_requirement(&entry.requirement)
                .map_err(|e| located.error(&at("requirement"), e.to_string()))?;
            entry.requirement = requirement.id.clone();
            check_entry(&entry, &located, &path)?;
            self.requirements.insert(entry.requirement.clone(), entry);
        }
        Ok(())
    }

    /// The criteria of a requirement (canonical 2.0.0 id).
    pub fn requirement(&self, id: &str) -> Option<&RequirementCriteria> {
        self.requirements.get(id)
    }

    /// Every requirement's criteria, in id order.
    pub fn requirements(&self) -> impl Iterator<Item = &RequirementCriteria> {
        self.requirements.values()
    }

    /// A criterion by its full canonical id (`M.x.y#c5`).
    pub fn criterion(&self, full_id: &str) -> Option<(&RequirementCriteria, &Criterion)> {
        let (requirement, local) = full_id.split_once('#')?;
        let entry = self.requirements.get(requirement)?;
        Some((entry, entry.criterion(local)?))
    }
}

fn check_entry(
    entry: &RequirementCriteria,
    located: &Located<'_>,
    path: &str,
) -> Result<(), DocumentError> {
    let at = |field: &str| join_key(path, field);
    match entry.prefill {
        PrefillMode::Capped if entry.subject.as_deref().is_none_or(str::is_empty) => {
            return Err(located.error(
                &at("subject"),
                "a capped requirement names what its records are called",
            ));
        }
        PrefillMode::Capped if entry.of_type(CriterionType::I).next().is_none() => {
            return Err(located.error(
                &at("prefill"),
                "a capped requirement needs at least one implemented (I) criterion for evidence to show",
            ));
        }
        PrefillMode::Observations if entry.why.as_deref().is_none_or(str::is_empty) => {
            return Err(located.error(
                &at("why"),
                "say why the requirement gets no number from evidence",
            ));
        }
        _ => {}
    }
    if entry.criteria.is_empty() {
        return Err(located.error(&at("criteria"), "a requirement needs criteria"));
    }
    for (j, criterion) in entry.criteria.iter().enumerate() {
        let here = join_index(&at("criteria"), j);
        let valid_id = criterion
            .id
            .strip_prefix('c')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !valid_id {
            return Err(located.error(
                &join_key(&here, "id"),
                format!("criterion ids are c1, c2, …; not {:?}", criterion.id),
            ));
        }
        if entry.criteria[..j].iter().any(|c| c.id == criterion.id) {
            return Err(located.error(
                &join_key(&here, "id"),
                format!("criterion {} is given twice", criterion.id),
            ));
        }
        if let Some(parent) = &criterion.part_of {
            if !entry.criteria[..j].iter().any(|c| &c.id == parent) {
                return Err(located.error(
                    &join_key(&here, "part_of"),
                    format!("part_of names {parent}, which is not an earlier criterion"),
                ));
            }
        }
        if criterion.text.trim().is_empty() {
            return Err(located.error(&join_key(&here, "text"), "the criterion's text is empty"));
        }
    }
    Ok(())
}

/// Why a criterion id does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CriterionIdError {
    /// No `#`.
    #[error("{0:?} is not a criterion id such as certificate-management.cert-profiles#c5")]
    Syntax(String),
    /// The requirement part does not resolve.
    #[error(transparent)]
    Requirement(#[from] IdError),
}

/// The canonical 2.0.0 form of a criterion id written in any form a
/// requirement id may take (`cert-profiles#c5`,
/// `certificate-management.cert-profiles#c5`, `7.1#c5`).
pub fn canonical_criterion_id(text: &str) -> Result<String, CriterionIdError> {
    canonical_criterion_id_in(embedded_model(), text)
}

/// [`canonical_criterion_id`] against another model's ids.
pub fn canonical_criterion_id_in(model: &Model, text: &str) -> Result<String, CriterionIdError> {
    let (requirement, local) = text
        .trim()
        .split_once('#')
        .filter(|(r, l)| !r.is_empty() && !l.is_empty())
        .ok_or_else(|| CriterionIdError::Syntax(text.to_string()))?;
    let (requirement, _) = model.resolve_requirement(requirement)?;
    Ok(format!("{}#{local}", requirement.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_requirement_of_2_0_0_has_criteria() {
        let catalog = Catalog::builtin();
        for requirement in embedded_model().requirements() {
            let entry = catalog
                .requirement(&requirement.id)
                .unwrap_or_else(|| panic!("{} has no criteria", requirement.id));
            assert!(!entry.criteria.is_empty(), "{}", requirement.id);
        }
        assert_eq!(catalog.requirements().count(), 77);
    }

    #[test]
    fn criteria_quote_the_official_assessment_text() {
        let official: serde_yaml_ng::Value = serde_yaml_ng::from_str(include_str!(
            "../../fixtures/official/2.0.0/pkimm-model-2.0.0.yaml"
        ))
        .unwrap();
        let mut texts = BTreeMap::new();
        for module in official["modules"].as_sequence().unwrap() {
            for category in module["categories"].as_sequence().unwrap() {
                for requirement in category["requirements"].as_sequence().unwrap() {
                    let id = format!(
                        "{}.{}.{}",
                        module["id"].as_str().unwrap(),
                        category["id"].as_str().unwrap(),
                        requirement["id"].as_str().unwrap()
                    );
                    let text = requirement["assessment"].as_str().unwrap_or("");
                    texts.insert(id, text.split_whitespace().collect::<Vec<_>>().join(" "));
                }
            }
        }
        for entry in Catalog::builtin().requirements() {
            let official = &texts[&entry.requirement];
            for criterion in &entry.criteria {
                let quoted = criterion
                    .text
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                assert!(
                    official.contains(&quoted),
                    "{}#{} does not quote the official text: {quoted:?}",
                    entry.requirement,
                    criterion.id
                );
            }
        }
    }

    #[test]
    fn every_builtin_link_points_at_a_criterion() {
        let pack = crate::RulePack::builtin(embedded_model()).unwrap();
        pack.check_links(Catalog::builtin()).unwrap();
        let linked = pack
            .rules()
            .iter()
            .flat_map(|r| r.def.evidences.iter())
            .count();
        assert!(linked > 80, "{linked} links");
        // Every capped requirement has at least one link to an I criterion.
        for entry in Catalog::builtin()
            .requirements()
            .filter(|r| r.prefill == PrefillMode::Capped)
        {
            assert!(
                pack.rules()
                    .iter()
                    .any(|rule| rule.def.evidences.iter().any(|l| {
                        Catalog::builtin()
                            .criterion(&l.criterion)
                            .is_some_and(|(r, c)| {
                                r.requirement == entry.requirement && c.kind == CriterionType::I
                            })
                    })),
                "{} is capped but no rule evidences its implemented criteria",
                entry.requirement
            );
        }
    }

    #[test]
    fn a_link_to_a_missing_criterion_is_an_error() {
        let text = "rules:\n  - id: t.x\n    title: t\n    description: d\n    severity: low\n    evidences: [{ criterion: \"certificate-management.cert-profiles#c99\" }]\n    applies_to: certificate\n    check: \"true\"\n    citation: c\n    remediation: r\n";
        let mut pack = crate::RulePack::new();
        pack.add(crate::rule::parse_rule_file("x.yaml", text, embedded_model()).unwrap())
            .unwrap();
        let err = pack
            .check_links(Catalog::builtin())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x.yaml") && err.contains("#c99") && err.contains("c1, c2"),
            "{err}"
        );
    }

    #[test]
    fn ids_resolve_from_short_forms() {
        assert_eq!(
            canonical_criterion_id("certificate-management.cert-profiles#c5").unwrap(),
            "M.certificate-management.cert-profiles#c5"
        );
        assert!(Catalog::builtin()
            .criterion("M.certificate-management.cert-profiles#c5")
            .is_some());
        assert!(matches!(
            canonical_criterion_id("cert-profiles"),
            Err(CriterionIdError::Syntax(_))
        ));
    }

    #[test]
    fn file_mistakes_are_located() {
        let text = "schema_version: 2\ncategory: x\nrequirements:\n  - requirement: certificate-management.cert-profiles\n    prefill: capped\n    criteria:\n      - { id: c1, type: D, text: t }\n";
        let err = Catalog::default().add_text("l.yaml", text).unwrap_err();
        assert!(err.to_string().contains("subject"), "{err}");
        let text = text.replace("prefill: capped", "prefill: capped\n    subject: s");
        let err = Catalog::default().add_text("l.yaml", &text).unwrap_err();
        assert!(err.to_string().contains("implemented (I)"), "{err}");
        let text = text
            .replace("type: D", "type: I")
            .replace("id: c1", "id: x1");
        let err = Catalog::default().add_text("l.yaml", &text).unwrap_err();
        assert!(err.to_string().contains("l.yaml:8"), "{err}");
        let old = "schema_version: 1\nmappings: []\n";
        let err = Catalog::default().add_text("l.yaml", old).unwrap_err();
        assert!(err.to_string().contains("schema_version"), "{err}");
    }
}
