//! The crosswalk between PKIMM 1.0.0, the 1.1.0 draft and 2.0.0, as data
//! (`model/data/crosswalk.yaml`): every 2.0.0 category and requirement with
//! the id it had in each 1.x version (or `new`), and the 1.x requirements
//! 2.0.0 removed. Ids of one version resolve against a model of another
//! through it, and `pkimm migrate` moves assessor decisions with it.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::diag::from_yaml_str;
use crate::model::{Alias, IdScheme, Model};

/// The crosswalk's YAML text.
pub const CROSSWALK_YAML: &str = include_str!("../data/crosswalk.yaml");

/// The 1.x versions the crosswalk covers.
pub const V1_VERSIONS: [&str; 2] = ["1.0.0", "1.1.0"];

/// The version whose position numbers 2.0.0 accepts as aliases.
pub const POSITIONAL_NUMBERING: &str = "1.1.0";

/// A 2.0.0 item and its 1.x ids (`None` where it is new).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The 2.0.0 canonical id.
    pub id: String,
    /// Its 1.0.0 id.
    #[serde(rename = "1.0.0", deserialize_with = "id_or_new")]
    pub v1_0: Option<String>,
    /// Its 1.1.0 id.
    #[serde(rename = "1.1.0", deserialize_with = "id_or_new")]
    pub v1_1: Option<String>,
}

impl Entry {
    /// Its id in 1.x `version`.
    pub fn in_version(&self, version: &str) -> Option<&str> {
        match version {
            "1.0.0" => self.v1_0.as_deref(),
            "1.1.0" => self.v1_1.as_deref(),
            _ => None,
        }
    }
}

/// A 1.x requirement 2.0.0 removed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removed {
    /// Its 1.0.0 id.
    #[serde(rename = "1.0.0")]
    pub v1_0: String,
    /// Its 1.1.0 id.
    #[serde(rename = "1.1.0")]
    pub v1_1: String,
    /// Its title.
    pub name: String,
    /// The 2.0.0 requirements its concerns moved to.
    pub successors: Vec<String>,
    /// Why it was removed.
    pub why: String,
}

impl Removed {
    /// Its id in 1.x `version`.
    pub fn in_version(&self, version: &str) -> Option<&str> {
        match version {
            "1.0.0" => Some(&self.v1_0),
            "1.1.0" => Some(&self.v1_1),
            _ => None,
        }
    }
}

/// The whole crosswalk.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crosswalk {
    /// Layout version of the file.
    pub schema_version: u32,
    /// 2.0.0 categories.
    pub categories: Vec<Entry>,
    /// 2.0.0 requirements.
    pub requirements: Vec<Entry>,
    /// 1.x requirements 2.0.0 removed.
    pub removed: Vec<Removed>,
}

fn id_or_new<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    Ok((text != "new").then_some(text))
}

/// Where an id of one version lands in another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrosswalkTarget {
    /// The item with this id in the target model.
    Found {
        /// The target model's id.
        id: String,
        /// How the id was understood.
        alias: Alias,
    },
    /// The requirement was removed in 2.0.0.
    Removed {
        /// Its title.
        name: String,
        /// Why.
        why: String,
        /// Where its concerns went.
        successors: Vec<String>,
    },
}

/// The embedded crosswalk, parsed once.
pub fn crosswalk() -> &'static Crosswalk {
    static CROSSWALK: OnceLock<Crosswalk> = OnceLock::new();
    CROSSWALK.get_or_init(|| {
        from_yaml_str("<embedded crosswalk>", CROSSWALK_YAML)
            // Compiled in and checked by the tests; failing here is a build
            // defect, not an input error.
            .unwrap_or_else(|err| panic!("embedded crosswalk is invalid: {err}"))
    })
}

/// Whether `text` names the 2.0.0 item `id`: the canonical id, the id
/// without its module, or the last segment.
fn names_v2(id: &str, text: &str, allow_last: bool) -> bool {
    id == text
        || id.split_once('.').is_some_and(|(_, rest)| rest == text)
        || (allow_last && id.rsplit('.').next() == Some(text))
}

impl Crosswalk {
    /// The 2.0.0 requirement entry `text` names (canonical or short).
    pub fn requirement_v2(&self, text: &str) -> Option<&Entry> {
        let exact = self
            .requirements
            .iter()
            .find(|e| names_v2(&e.id, text, false));
        exact.or_else(|| {
            let mut last = self
                .requirements
                .iter()
                .filter(|e| names_v2(&e.id, text, true));
            match (last.next(), last.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        })
    }

    /// The 2.0.0 id of requirement `id` of model `version` (itself for
    /// 2.0.0); `None` for a 1.x requirement 2.0.0 removed.
    pub fn requirement_in_2_0(&self, version: &str, id: &str) -> Option<&str> {
        if version == "2.0.0" {
            return self
                .requirements
                .iter()
                .find(|e| e.id == id)
                .map(|e| e.id.as_str());
        }
        self.requirements
            .iter()
            .find(|e| e.in_version(version) == Some(id))
            .map(|e| e.id.as_str())
    }

    /// Whether `text` is a requirement id of some version: a 2.0.0 id
    /// (canonical or short) or a 1.0.0 or 1.1.0 id.
    pub fn knows_requirement(&self, text: &str) -> bool {
        self.requirement_v2(text).is_some()
            || V1_VERSIONS.iter().any(|v| {
                self.requirements
                    .iter()
                    .any(|e| e.in_version(v) == Some(text))
                    || self.removed.iter().any(|r| r.in_version(v) == Some(text))
            })
    }

    /// The requirement `text` (an id of another version) names in `model`.
    pub fn translate_requirement(&self, text: &str, model: &Model) -> Option<CrosswalkTarget> {
        match model.scheme {
            IdScheme::Stable => {
                if let Some(e) = self
                    .requirements
                    .iter()
                    .find(|e| e.in_version(POSITIONAL_NUMBERING) == Some(text))
                {
                    return Some(CrosswalkTarget::Found {
                        id: e.id.clone(),
                        alias: Alias::Positional {
                            numbering: POSITIONAL_NUMBERING.to_string(),
                        },
                    });
                }
                self.removed
                    .iter()
                    .find(|r| r.in_version(POSITIONAL_NUMBERING) == Some(text))
                    .map(|r| CrosswalkTarget::Removed {
                        name: r.name.clone(),
                        why: r.why.clone(),
                        successors: r.successors.clone(),
                    })
            }
            IdScheme::Positional => {
                let entry = self.requirement_v2(text)?;
                entry
                    .in_version(&model.version)
                    .map(|id| CrosswalkTarget::Found {
                        id: id.to_string(),
                        alias: Alias::Crosswalk {
                            from: "2.0.0".to_string(),
                        },
                    })
            }
        }
    }

    /// The category `text` (an id of another version) names in `model`.
    pub fn translate_category(&self, text: &str, model: &Model) -> Option<(String, Alias)> {
        match model.scheme {
            IdScheme::Stable => self
                .categories
                .iter()
                .find(|e| e.in_version(POSITIONAL_NUMBERING) == Some(text))
                .map(|e| {
                    (
                        e.id.clone(),
                        Alias::Positional {
                            numbering: POSITIONAL_NUMBERING.to_string(),
                        },
                    )
                }),
            IdScheme::Positional => {
                let entry = self
                    .categories
                    .iter()
                    .find(|e| names_v2(&e.id, text, false))?;
                entry.in_version(&model.version).map(|id| {
                    (
                        id.to_string(),
                        Alias::Crosswalk {
                            from: "2.0.0".to_string(),
                        },
                    )
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::embedded::embedded_model_version;

    /// Every id of every model is covered exactly once, and every id the
    /// crosswalk names exists.
    #[test]
    fn the_crosswalk_is_complete() {
        let x = crosswalk();
        let v2 = embedded_model_version("2.0.0").unwrap();
        let v2_requirements: BTreeSet<&str> = v2.requirements().map(|r| r.id.as_str()).collect();
        let named: Vec<&str> = x.requirements.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            named.len(),
            v2_requirements.len(),
            "each 2.0.0 requirement once"
        );
        assert_eq!(
            named.iter().copied().collect::<BTreeSet<_>>(),
            v2_requirements
        );
        let v2_categories: BTreeSet<&str> = v2.categories().map(|c| c.id.as_str()).collect();
        let named: BTreeSet<&str> = x.categories.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(named, v2_categories);
        assert_eq!(x.categories.len(), v2_categories.len());
        for version in V1_VERSIONS {
            let old = embedded_model_version(version).unwrap();
            let mut seen: Vec<&str> = x
                .requirements
                .iter()
                .filter_map(|e| e.in_version(version))
                .chain(x.removed.iter().filter_map(|r| r.in_version(version)))
                .collect();
            let total = seen.len();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), total, "{version}: an id is mapped twice");
            let ids: Vec<&str> = old.requirements().map(|r| r.id.as_str()).collect();
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            assert_eq!(
                seen, sorted,
                "{version}: every requirement mapped or removed"
            );
            let categories: BTreeSet<&str> = old.categories().map(|c| c.id.as_str()).collect();
            let mapped: BTreeSet<&str> = x
                .categories
                .iter()
                .filter_map(|e| e.in_version(version))
                .collect();
            assert_eq!(mapped, categories, "{version}: every category mapped");
        }
        for removed in &x.removed {
            for successor in &removed.successors {
                assert!(v2.requirement(successor).is_some(), "{successor}");
            }
        }
    }

    #[test]
    fn renamed_requirements_keep_their_place() {
        let v2 = embedded_model_version("2.0.0").unwrap();
        let (r, alias) = v2.resolve_requirement("7.4").unwrap();
        assert_eq!(r.id, "M.certificate-management.cert-inventory");
        assert!(matches!(alias, Some(Alias::Positional { .. })));
        let err = v2.resolve_requirement("7.2").unwrap_err().to_string();
        assert!(
            err.contains("removed") && err.contains("crypto-algorithms"),
            "{err}"
        );
        let v10 = embedded_model_version("1.0.0").unwrap();
        let (r, _) = v10
            .resolve_requirement("certificate-management.cert-inventory")
            .unwrap();
        assert_eq!(r.id, "6.4");
        assert!(v10
            .resolve_requirement("G.cryptography.crypto-agility")
            .is_err());
        let (c, _) = v10.resolve_category("M.certificate-management").unwrap();
        assert_eq!(c.id, "6");
    }
}
