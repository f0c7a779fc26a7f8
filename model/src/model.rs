//! The validated PKIMM model: modules, categories, requirements and weights.
//!
//! A [`Model`] comes from [`crate::embedded_model`] (or one of the other
//! embedded versions) or from [`crate::load::load_model_file`]; both go
//! through the same validation, so code that holds a `Model` can rely on
//! unique ids and non-negative weights.
//!
//! Ids: PKIMM 1.x numbers categories and requirements by position (`7`,
//! `7.3`); 2.0.0 has stable ids (`M.certificate-management`,
//! `M.certificate-management.cert-lifecycle`). [`Model::resolve_requirement`]
//! and [`Model::resolve_category`] also take the short forms people type and
//! the ids of the other versions, through the [`crate::crosswalk`].

use schemars::JsonSchema;
use serde::Serialize;

use crate::crosswalk::{crosswalk, CrosswalkTarget};

/// Where a model was loaded from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
pub enum ModelSource {
    /// A compact model compiled into pkimm.
    Embedded,
    /// A model YAML file given by the user.
    File(String),
}

/// How a model names its categories and requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdScheme {
    /// By position: category `7`, requirement `7.3` (model files 1.0.0).
    Positional,
    /// By stable kebab-case ids with the module first:
    /// `M.certificate-management.cert-lifecycle` (model files 2.0.0).
    Stable,
}

/// A whole PKI Maturity Model of one version.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Model {
    /// Model version, for example `2.0.0`.
    pub version: String,
    /// Version of the model file schema, for example `2.0.0`.
    pub schema_version: String,
    /// Where the model was loaded from.
    pub source: ModelSource,
    /// How ids are formed.
    pub scheme: IdScheme,
    /// The names of levels 1 to 5 (`Basic` or, from 2.0.0, `Foundational`
    /// for level 2).
    pub level_names: [String; 5],
    /// The modules, in model order (G, M, O, R).
    pub modules: Vec<Module>,
    /// The references catalog the requirements cite by id (2.0.0).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

/// One of the four PKIMM modules.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Module {
    /// Module id: `G`, `M`, `O` or `R`.
    pub id: String,
    /// Module name, for example `Management`.
    pub name: String,
    /// What the module covers.
    pub description: String,
    /// The module's categories, in model order.
    pub categories: Vec<Category>,
}

/// A weighted category. Category ids are unique across the whole model.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Category {
    /// The canonical id: `7` (1.x) or `M.certificate-management` (2.0.0).
    pub id: String,
    /// The id as the model file writes it: `7` or `certificate-management`.
    pub key: String,
    /// One-based position in the whole model.
    pub position: u32,
    /// Id of the module the category belongs to.
    pub module_id: String,
    /// Weight of the category in module and overall aggregation.
    pub weight: u32,
    /// Category name, for example `Certificate management`.
    pub name: String,
    /// What the category covers.
    pub description: String,
    /// Category-specific level descriptions, where the model file has them.
    pub levels: Vec<LevelText>,
    /// The category's requirements, in model order.
    pub requirements: Vec<Requirement>,
}

/// The description of one level of one category.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LevelText {
    /// Level number, 1 to 5.
    pub number: u8,
    /// Level name as the file gives it, for example `3 - Advanced` or
    /// `Foundational`.
    pub name: String,
    /// What the category looks like at this level (empty in compact models).
    pub description: String,
}

/// A weighted requirement inside a category.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Requirement {
    /// The canonical id: `7.3` (1.x) or
    /// `M.certificate-management.cert-lifecycle` (2.0.0).
    pub id: String,
    /// Id local to the category: `3` or `cert-lifecycle`.
    pub local_id: String,
    /// Canonical id of the category the requirement belongs to.
    pub category_id: String,
    /// One-based position inside its category.
    pub position: u32,
    /// Weight of the requirement inside its category.
    pub weight: u32,
    /// The requirement's official title (the model file calls it `description`).
    pub name: String,
    /// Guidance text, present in the official model file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
    /// Assessment text, present in the official model file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<String>,
    /// References as text (model files 1.0.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub references: Option<String>,
    /// References as ids into [`Model::references`] (model files 2.0.0).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reference_ids: Vec<String>,
}

/// One entry of the references catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Reference {
    /// Stable id, such as `rfc-5280`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Publishing authority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Where it is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Superseded; see `superseded_by`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// The id of its successor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
}

/// How an id that is not canonical was understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Alias {
    /// A short form of a stable id (`certificate-management.cert-lifecycle`).
    Short,
    /// A position number of the 1.1.0 draft (`7.3`), as pkimm and the draft
    /// numbered 2.0.0's categories and requirements.
    Positional {
        /// The numbering used.
        numbering: String,
    },
    /// An id of another model version, through the crosswalk.
    Crosswalk {
        /// The version the id belongs to.
        from: String,
    },
    /// A category name.
    Name,
}

impl Alias {
    /// Words for messages: `the 1.1.0 numbering`, `a short form`, ….
    pub fn describe(&self) -> String {
        match self {
            Self::Short => "a short form".to_string(),
            Self::Positional { numbering } => format!("PKIMM {numbering} numbering"),
            Self::Crosswalk { from } => format!("the PKIMM {from} id"),
            Self::Name => "its name".to_string(),
        }
    }
}

/// An id that names nothing in a model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Nothing has this id.
    #[error("unknown {what} {id:?} in PKIMM {version}{hint}")]
    Unknown {
        /// The id given.
        id: String,
        /// `requirement` or `category`.
        what: &'static str,
        /// The model version.
        version: String,
        /// An example of a valid id.
        hint: String,
    },
    /// The id's requirement was removed in this version.
    #[error("{id:?} ({name}) was removed in PKIMM {version}: {why}; see {successors}")]
    Removed {
        /// The id given.
        id: String,
        /// The removed requirement's title.
        name: String,
        /// The model version.
        version: String,
        /// Why it was removed.
        why: String,
        /// Where its concerns went.
        successors: String,
    },
}

/// The default names of levels 1 to 5 in model files without level names.
pub const LEVEL_NAMES_1X: [&str; 5] = ["Initial", "Basic", "Advanced", "Managed", "Optimized"];

impl Model {
    /// All categories, in model order.
    pub fn categories(&self) -> impl Iterator<Item = &Category> {
        self.modules.iter().flat_map(|m| m.categories.iter())
    }

    /// All requirements, in model order.
    pub fn requirements(&self) -> impl Iterator<Item = &Requirement> {
        self.categories().flat_map(|c| c.requirements.iter())
    }

    /// The module with this id.
    pub fn module(&self, id: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.id == id)
    }

    /// The category with this canonical id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories().find(|c| c.id == id)
    }

    /// The requirement with this canonical id.
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements().find(|r| r.id == id)
    }

    /// The name of level `number` (1 to 5); `Not evaluated` for anything else.
    pub fn level_name(&self, number: u8) -> &str {
        match number {
            1..=5 => &self.level_names[usize::from(number - 1)],
            _ => "Not evaluated",
        }
    }

    /// The reference with this id.
    pub fn reference(&self, id: &str) -> Option<&Reference> {
        self.references.iter().find(|r| r.id == id)
    }

    /// The requirement `text` names: its canonical id, a short form
    /// (`certificate-management.cert-inventory`, or `cert-inventory` when
    /// unique), a 1.1.0 position number (`7.4`, for a 2.0.0 model), or an id
    /// of another version through the crosswalk. The alias says how it was
    /// understood, `None` for a canonical id.
    pub fn resolve_requirement(
        &self,
        text: &str,
    ) -> Result<(&Requirement, Option<Alias>), IdError> {
        let text = text.trim();
        if let Some(r) = self.requirement(text) {
            return Ok((r, None));
        }
        if self.scheme == IdScheme::Stable {
            let found = match text.split_once('.') {
                Some((category, local)) => self
                    .categories()
                    .find(|c| c.key == category)
                    .and_then(|c| c.requirements.iter().find(|r| r.local_id == local)),
                None => {
                    let mut matches = self.requirements().filter(|r| r.local_id == text);
                    match (matches.next(), matches.next()) {
                        (Some(only), None) => Some(only),
                        _ => None,
                    }
                }
            };
            if let Some(r) = found {
                return Ok((r, Some(Alias::Short)));
            }
        }
        match crosswalk().translate_requirement(text, self) {
            Some(CrosswalkTarget::Found { id, alias }) => self
                .requirement(&id)
                .map(|r| (r, Some(alias)))
                .ok_or_else(|| self.unknown(text, "requirement")),
            Some(CrosswalkTarget::Removed {
                name,
                why,
                successors,
            }) => Err(IdError::Removed {
                id: text.to_string(),
                name,
                version: self.version.clone(),
                why,
                successors: successors.join(", "),
            }),
            None => Err(self.unknown(text, "requirement")),
        }
    }

    /// The category `text` names: its canonical id, its key
    /// (`certificate-management`), its name, a 1.1.0 position number (for a
    /// 2.0.0 model), or an id of another version through the crosswalk.
    pub fn resolve_category(&self, text: &str) -> Result<(&Category, Option<Alias>), IdError> {
        let text = text.trim();
        if let Some(c) = self.category(text) {
            return Ok((c, None));
        }
        if let Some(c) = self.categories().find(|c| c.key == text) {
            return Ok((c, Some(Alias::Short)));
        }
        if let Some(c) = self
            .categories()
            .find(|c| c.name.eq_ignore_ascii_case(text))
        {
            return Ok((c, Some(Alias::Name)));
        }
        match crosswalk().translate_category(text, self) {
            Some((id, alias)) => self
                .category(&id)
                .map(|c| (c, Some(alias)))
                .ok_or_else(|| self.unknown(text, "category")),
            None => Err(self.unknown(text, "category")),
        }
    }

    /// The requirement a link written for every PKIMM version (a rule's
    /// `pkimm` list, a level mapping) names in this model: `Ok(None)` when
    /// the id belongs to another version and has no counterpart here (a
    /// 2.0.0-only requirement in a 1.x model, one 2.0.0 removed); an error
    /// when no version knows it.
    pub fn linked_requirement(&self, text: &str) -> Result<Option<&Requirement>, IdError> {
        match self.resolve_requirement(text) {
            Ok((r, _)) => Ok(Some(r)),
            Err(IdError::Removed { .. }) => Ok(None),
            Err(e) if crosswalk().knows_requirement(text.trim()) => {
                let _ = e;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// A category looked up by any id [`Model::resolve_category`] takes.
    pub fn find_category(&self, id_or_name: &str) -> Option<&Category> {
        self.resolve_category(id_or_name).ok().map(|(c, _)| c)
    }

    fn unknown(&self, text: &str, what: &'static str) -> IdError {
        let example = match (self.scheme, what) {
            (IdScheme::Stable, "requirement") => {
                " (such as M.certificate-management.cert-lifecycle, certificate-management.cert-lifecycle or 7.3)"
            }
            (IdScheme::Stable, _) => " (such as M.certificate-management, certificate-management or 7)",
            (IdScheme::Positional, "requirement") => " (such as 7.3)",
            (IdScheme::Positional, _) => " (such as 7)",
        };
        IdError::Unknown {
            id: text.to_string(),
            what,
            version: self.version.clone(),
            hint: example.to_string(),
        }
    }

    /// Sum of all category weights.
    pub fn total_category_weight(&self) -> u32 {
        self.categories().map(|c| c.weight).sum()
    }
}

impl Category {
    /// Sum of the weights of all requirements of the category.
    pub fn total_requirement_weight(&self) -> u32 {
        self.requirements.iter().map(|r| r.weight).sum()
    }

    /// The requirement with this local id (`3`) or canonical id (`7.3`).
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements
            .iter()
            .find(|r| r.local_id == id || r.id == id)
    }
}
