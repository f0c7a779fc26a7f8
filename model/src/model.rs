//! The validated PKIMM model: modules, categories, requirements and weights.
//!
//! A [`Model`] comes from [`crate::embedded_model`] or from
//! [`crate::load::load_model_file`]; both go through the same validation, so
//! code that holds a `Model` can rely on unique ids and non-negative weights.

use schemars::JsonSchema;
use serde::Serialize;

/// Where a model was loaded from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
pub enum ModelSource {
    /// The compact model compiled into pkimm.
    Embedded,
    /// A model YAML file given by the user.
    File(String),
}

/// A whole PKI Maturity Model of one version.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Model {
    /// Model version, for example `1.1.0`.
    pub version: String,
    /// Version of the model file schema, for example `1.0.0`.
    pub schema_version: String,
    /// Where the model was loaded from.
    pub source: ModelSource,
    /// The modules, in model order (G, M, O, R).
    pub modules: Vec<Module>,
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
    /// Category id, a number as a string, for example `7`.
    pub id: String,
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
    /// Level name as the file gives it, for example `3 - Advanced`.
    pub name: String,
    /// What the category looks like at this level.
    pub description: String,
}

/// A weighted requirement inside a category.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Requirement {
    /// Full id, `category.requirement`, for example `7.3`.
    pub id: String,
    /// Id local to the category, for example `3`.
    pub local_id: String,
    /// Id of the category the requirement belongs to.
    pub category_id: String,
    /// Weight of the requirement inside its category.
    pub weight: u32,
    /// The requirement's title (the official file calls it `description`).
    pub name: String,
    /// Guidance text, present in the official model file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
    /// Assessment text, present in the official model file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<String>,
    /// References, present in the official model file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub references: Option<String>,
}

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

    /// The category with this id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories().find(|c| c.id == id)
    }

    /// The requirement with this full id (`7.3`).
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        let (category, _) = id.split_once('.')?;
        self.category(category)?
            .requirements
            .iter()
            .find(|r| r.id == id)
    }

    /// A category looked up by id or, case-insensitively, by name.
    pub fn find_category(&self, id_or_name: &str) -> Option<&Category> {
        self.category(id_or_name).or_else(|| {
            self.categories()
                .find(|c| c.name.eq_ignore_ascii_case(id_or_name))
        })
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

    /// The requirement with this local id (`3`) or full id (`7.3`).
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements
            .iter()
            .find(|r| r.local_id == id || r.id == id)
    }
}
