//! PKIMM extensions (`extension.schema.json`, schema 1.0.0): relevance entries and
//! weight overlays that give an extra, extension-scored view of the model.
//!
//! An extension is loaded against a [`Model`]: its `compatibility` must list the
//! model version, and every module, category and requirement it names must exist
//! in that model, so scoring never meets a dangling reference.

use std::collections::HashSet;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diag::{from_yaml_str, join_index, join_key, DocumentError, Located};
use crate::load::{is_semver, validate_levels, RawLevel};
use crate::model::{LevelText, Model};
use crate::read::{read_text_file, ReadError, MAX_DOCUMENT_BYTES};

/// The extension file schema version this loader understands.
pub const EXTENSION_SCHEMA_VERSION: &str = "1.0.0";

/// Why an extension could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtensionError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The file is not a valid extension, or does not fit the model.
    #[error("invalid extension file")]
    Invalid(#[from] DocumentError),
}

/// A validated extension.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Extension {
    /// Stable short id, for example `pqc`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Extension version.
    pub version: String,
    /// Short summary.
    pub description: String,
    /// Documentation URL.
    pub documentation: String,
    /// Model versions the extension applies to.
    pub compatibility: Vec<String>,
    /// Whether the extension reports a floor score.
    pub floor_score: bool,
    /// Where the extension was loaded from.
    pub origin: String,
    /// Relevance entries, one per category at most.
    pub relevance: Vec<Relevance>,
    /// Overlays, grouped by category.
    pub overlays: Vec<CategoryOverlays>,
}

/// An extension-specific maturity signal attached to a category.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Relevance {
    /// Module id of the category.
    pub module_id: String,
    /// Category id.
    pub category_id: String,
    /// Relevance weight (`RelWeight_C`).
    pub weight: f64,
    /// Guidance text.
    pub guidance: String,
    /// Assessment text.
    pub assessment: String,
    /// References.
    pub references: String,
    /// Level descriptions 1 to 5.
    pub levels: Vec<LevelText>,
}

/// How an overlay turns a base weight into an effective weight.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum OverlayKind {
    /// `effective = base × value`
    Multiplier(f64),
    /// `effective = base + value`
    Addition(f64),
    /// `effective = value`
    Override(f64),
}

impl OverlayKind {
    /// The effective weight for a base weight.
    pub fn apply(self, base: f64) -> f64 {
        match self {
            Self::Multiplier(m) => base * m,
            Self::Addition(a) => base + a,
            Self::Override(o) => o,
        }
    }
}

/// A weight adjustment with its rationale.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Overlay {
    /// The adjustment.
    pub kind: OverlayKind,
    /// Why the extension adjusts this item.
    pub rationale: String,
}

/// Overlays on one category and on its requirements.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CategoryOverlays {
    /// Module id of the category.
    pub module_id: String,
    /// Category id.
    pub category_id: String,
    /// Overlay on the category weight, if any.
    pub category: Option<Overlay>,
    /// Overlays on requirement weights, keyed by full requirement id (`7.3`).
    pub requirements: Vec<(String, Overlay)>,
}

impl Extension {
    /// The relevance entry of a category, if any.
    pub fn relevance_for(&self, category_id: &str) -> Option<&Relevance> {
        self.relevance.iter().find(|r| r.category_id == category_id)
    }

    /// The overlay on a category's weight, if any.
    pub fn category_overlay(&self, category_id: &str) -> Option<&Overlay> {
        self.overlays
            .iter()
            .find(|o| o.category_id == category_id)
            .and_then(|o| o.category.as_ref())
    }

    /// The overlay on a requirement's weight (canonical id), if any.
    pub fn requirement_overlay(&self, requirement_id: &str) -> Option<&Overlay> {
        self.overlays
            .iter()
            .flat_map(|o| &o.requirements)
            .find(|(id, _)| id == requirement_id)
            .map(|(_, overlay)| overlay)
    }

    /// The categories the extension touches, through relevance or overlays, in
    /// model order. These make up the extension's scope.
    pub fn scope<'m>(&self, model: &'m Model) -> Vec<&'m crate::model::Category> {
        model
            .categories()
            .filter(|c| {
                self.relevance_for(&c.id).is_some()
                    || self.overlays.iter().any(|o| o.category_id == c.id)
            })
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(deny_unknown_fields)]
struct RawExtensionFile {
    schema_version: String,
    extension: RawMeta,
    /// The extension's own references catalog (0.5 and later).
    #[serde(default)]
    references: Vec<RawExtensionReference>,
    relevance: RawRelevanceSection,
    overlays: RawOverlaySection,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtensionReference {
    id: String,
    title: String,
    /// Read for completeness; reports show titles.
    #[serde(default)]
    #[allow(dead_code)]
    authority: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    url: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    regions: Vec<String>,
}

/// References as text (extension 0.1 to 0.4) or as ids into the file's
/// references block (0.5 and later).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawReferenceList {
    Text(String),
    Ids(Vec<String>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(deny_unknown_fields)]
struct RawMeta {
    id: String,
    name: String,
    version: String,
    description: String,
    compatibility: Vec<String>,
    documentation: String,
    #[serde(default)]
    floor_score: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRelevanceSection {
    #[serde(default)]
    modules: Vec<RawRelevanceModule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelevanceModule {
    id: String,
    categories: Vec<RawRelevanceCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelevanceCategory {
    id: String,
    weight: f64,
    guidance: String,
    assessment: String,
    references: RawReferenceList,
    levels: Vec<RawLevel>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawOverlaySection {
    #[serde(default)]
    modules: Vec<RawOverlayModule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverlayModule {
    id: String,
    categories: Vec<RawOverlayCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverlayCategory {
    id: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    multiplier: Option<f64>,
    addition: Option<f64>,
    #[serde(rename = "override")]
    override_value: Option<f64>,
    rationale: Option<String>,
    #[serde(default)]
    requirements: Vec<RawOverlayRequirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverlayRequirement {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    multiplier: Option<f64>,
    addition: Option<f64>,
    #[serde(rename = "override")]
    override_value: Option<f64>,
    rationale: String,
}

/// Loads an extension file and checks it against `model`.
pub fn load_extension_file(path: &Path, model: &Model) -> Result<Extension, ExtensionError> {
    let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
    Ok(parse_extension(&path.display().to_string(), &text, model)?)
}

/// Parses extension YAML text and checks it against `model`.
pub fn parse_extension(
    origin: &str,
    text: &str,
    model: &Model,
) -> Result<Extension, DocumentError> {
    let raw: RawExtensionFile = from_yaml_str(origin, text)?;
    let located = Located::new(origin, text);
    let references = raw
        .references
        .iter()
        .map(|r| (r.id.clone(), r.title.trim().to_string()))
        .collect();
    Validator {
        located: &located,
        model,
        references,
    }
    .validate(raw)
}

struct Validator<'a> {
    located: &'a Located<'a>,
    model: &'a Model,
    /// The file's references block: id → title.
    references: std::collections::HashMap<String, String>,
}

impl Validator<'_> {
    fn err(&self, path: &str, message: impl Into<String>) -> DocumentError {
        self.located.error(path, message)
    }

    fn validate(&self, raw: RawExtensionFile) -> Result<Extension, DocumentError> {
        if raw.schema_version != EXTENSION_SCHEMA_VERSION {
            return Err(self.err(
                "schemaVersion",
                format!(
                    "unsupported extension schema version {:?}; pkimm reads {EXTENSION_SCHEMA_VERSION}",
                    raw.schema_version
                ),
            ));
        }
        let meta = raw.extension;
        if meta.id.trim().is_empty() {
            return Err(self.err("extension.id", "extension id must not be empty"));
        }
        if !is_semver(&meta.version) {
            return Err(self.err(
                "extension.version",
                format!("version must look like 1.2.3, found {:?}", meta.version),
            ));
        }
        if meta.compatibility.is_empty() {
            return Err(self.err(
                "extension.compatibility",
                "compatibility must list at least one model version",
            ));
        }
        for (i, version) in meta.compatibility.iter().enumerate() {
            if !is_semver(version) {
                return Err(self.err(
                    &join_index("extension.compatibility", i),
                    format!("model version must look like 1.2.3, found {version:?}"),
                ));
            }
        }
        if !meta.compatibility.contains(&self.model.version) {
            return Err(self.err(
                "extension.compatibility",
                format!(
                    "extension {} {} supports PKIMM {} but the model in use is {}",
                    meta.id,
                    meta.version,
                    meta.compatibility.join(", "),
                    self.model.version
                ),
            ));
        }
        let relevance = self.relevance(raw.relevance)?;
        let overlays = self.overlays(raw.overlays)?;
        Ok(Extension {
            id: meta.id,
            name: meta.name,
            version: meta.version,
            description: meta.description.trim().to_string(),
            documentation: meta.documentation,
            compatibility: meta.compatibility,
            floor_score: meta.floor_score,
            origin: self.located.origin().to_string(),
            relevance,
            overlays,
        })
    }

    /// Checks that `module_id` exists and that `category_id` (as the model
    /// file writes it) is one of its categories; returns the canonical id.
    fn check_category(
        &self,
        module_path: &str,
        module_id: &str,
        category_path: &str,
        category_id: &str,
    ) -> Result<String, DocumentError> {
        let Some(module) = self.model.module(module_id) else {
            return Err(self.err(
                &join_key(module_path, "id"),
                format!(
                    "module {module_id:?} is not in PKIMM {}",
                    self.model.version
                ),
            ));
        };
        if let Some(c) = module
            .categories
            .iter()
            .find(|c| c.key == category_id || c.id == category_id)
        {
            return Ok(c.id.clone());
        }
        let hint = match self.model.categories().find(|c| c.key == category_id) {
            Some(c) => format!(" (it belongs to module {})", c.module_id),
            None => String::new(),
        };
        Err(self.err(
            &join_key(category_path, "id"),
            format!(
                "category {category_id:?} is not a category of module {module_id} in PKIMM {}{hint}",
                self.model.version
            ),
        ))
    }

    /// References as text: the 0.1 text as is, or the titles of ids.
    fn references_text(&self, raw: RawReferenceList) -> String {
        match raw {
            RawReferenceList::Text(text) => text.trim().to_string(),
            RawReferenceList::Ids(ids) => ids
                .iter()
                .map(|id| match self.references.get(id) {
                    Some(title) => format!("- {title}"),
                    None => format!("- {id}"),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    fn relevance(&self, raw: RawRelevanceSection) -> Result<Vec<Relevance>, DocumentError> {
        let mut seen_modules = HashSet::new();
        let mut seen_categories = HashSet::new();
        let mut out = Vec::new();
        for (mi, module) in raw.modules.into_iter().enumerate() {
            let module_path = join_index("relevance.modules", mi);
            if !seen_modules.insert(module.id.clone()) {
                return Err(self.err(
                    &join_key(&module_path, "id"),
                    format!("module {} appears twice", module.id),
                ));
            }
            for (ci, category) in module.categories.into_iter().enumerate() {
                let category_path = join_index(&join_key(&module_path, "categories"), ci);
                let category_id =
                    self.check_category(&module_path, &module.id, &category_path, &category.id)?;
                if !seen_categories.insert(category_id.clone()) {
                    return Err(self.err(
                        &join_key(&category_path, "id"),
                        format!("category {} has more than one relevance entry", category.id),
                    ));
                }
                if !(category.weight.is_finite() && category.weight >= 0.0) {
                    return Err(self.err(
                        &join_key(&category_path, "weight"),
                        format!(
                            "relevance weight must be a non-negative number, found {}",
                            category.weight
                        ),
                    ));
                }
                let levels = self.levels(&category_path, category.levels)?;
                out.push(Relevance {
                    module_id: module.id.clone(),
                    category_id,
                    weight: category.weight,
                    guidance: category.guidance.trim().to_string(),
                    assessment: category.assessment.trim().to_string(),
                    references: self.references_text(category.references),
                    levels,
                });
            }
        }
        Ok(out)
    }

    fn levels(
        &self,
        category_path: &str,
        raw: Vec<RawLevel>,
    ) -> Result<Vec<LevelText>, DocumentError> {
        let levels_path = join_key(category_path, "levels");
        if raw.len() != 5 {
            return Err(self.err(
                &levels_path,
                format!("relevance needs exactly 5 levels, found {}", raw.len()),
            ));
        }
        validate_levels(self.located, &levels_path, raw)
    }

    /// Builds an overlay from its type and value fields, enforcing that exactly
    /// the field matching the type is set.
    fn overlay_kind(
        &self,
        path: &str,
        kind: &str,
        multiplier: Option<f64>,
        addition: Option<f64>,
        override_value: Option<f64>,
    ) -> Result<OverlayKind, DocumentError> {
        let set: Vec<&str> = [
            ("multiplier", multiplier.is_some()),
            ("addition", addition.is_some()),
            ("override", override_value.is_some()),
        ]
        .iter()
        .filter(|(_, present)| *present)
        .map(|(name, _)| *name)
        .collect();
        let overlay = match (kind, multiplier, addition, override_value) {
            ("multiplier", Some(v), None, None) if v.is_finite() && v >= 0.0 => {
                OverlayKind::Multiplier(v)
            }
            ("addition", None, Some(v), None) if v.is_finite() => OverlayKind::Addition(v),
            ("override", None, None, Some(v)) if v.is_finite() && v >= 0.0 => {
                OverlayKind::Override(v)
            }
            ("multiplier" | "addition" | "override", ..) if set == [kind] => {
                return Err(self.err(
                    &join_key(path, kind),
                    format!(
                        "{kind} must be a finite number{}",
                        if kind == "addition" { "" } else { " ≥ 0" }
                    ),
                ));
            }
            ("multiplier" | "addition" | "override", ..) => {
                return Err(self.err(
                    &join_key(path, "type"),
                    format!(
                        "overlay of type {kind} needs exactly the field `{kind}`, found {}",
                        if set.is_empty() {
                            "none".to_string()
                        } else {
                            set.join(", ")
                        }
                    ),
                ));
            }
            _ => {
                return Err(self.err(
                    &join_key(path, "type"),
                    format!(
                        "overlay type must be multiplier, addition or override, found {kind:?}"
                    ),
                ));
            }
        };
        Ok(overlay)
    }

    fn overlays(&self, raw: RawOverlaySection) -> Result<Vec<CategoryOverlays>, DocumentError> {
        let mut seen_modules = HashSet::new();
        let mut seen_categories = HashSet::new();
        let mut out = Vec::new();
        for (mi, module) in raw.modules.into_iter().enumerate() {
            let module_path = join_index("overlays.modules", mi);
            if !seen_modules.insert(module.id.clone()) {
                return Err(self.err(
                    &join_key(&module_path, "id"),
                    format!("module {} appears twice", module.id),
                ));
            }
            for (ci, category) in module.categories.into_iter().enumerate() {
                let category_path = join_index(&join_key(&module_path, "categories"), ci);
                let category_id =
                    self.check_category(&module_path, &module.id, &category_path, &category.id)?;
                if !seen_categories.insert(category_id.clone()) {
                    return Err(self.err(
                        &join_key(&category_path, "id"),
                        format!(
                            "category {} has more than one overlay entry; overlays do not stack",
                            category.id
                        ),
                    ));
                }
                let Some(model_category) = self.model.category(&category_id) else {
                    return Err(self.err(&category_path, "category vanished from the model"));
                };
                let category_overlay = match (
                    &category.kind,
                    category.multiplier,
                    category.addition,
                    category.override_value,
                ) {
                    (None, None, None, None) => None,
                    (None, ..) => {
                        return Err(
                            self.err(&category_path, "a category overlay value needs a `type`")
                        )
                    }
                    (Some(kind), m, a, o) => {
                        let kind = self.overlay_kind(&category_path, kind, m, a, o)?;
                        let effective = kind.apply(f64::from(model_category.weight));
                        if effective < 0.0 {
                            return Err(self.err(
                                &category_path,
                                format!("overlay makes the weight of category {} negative ({effective})", category.id),
                            ));
                        }
                        Some(Overlay {
                            kind,
                            rationale: category
                                .rationale
                                .clone()
                                .unwrap_or_default()
                                .trim()
                                .to_string(),
                        })
                    }
                };
                let mut requirements = Vec::new();
                let mut seen_requirements = HashSet::new();
                for (ri, requirement) in category.requirements.into_iter().enumerate() {
                    let path = join_index(&join_key(&category_path, "requirements"), ri);
                    let Some(model_requirement) = model_category.requirement(&requirement.id)
                    else {
                        return Err(self.err(
                            &join_key(&path, "id"),
                            format!(
                                "requirement {}.{} is not in PKIMM {}",
                                category.id, requirement.id, self.model.version
                            ),
                        ));
                    };
                    if !seen_requirements.insert(model_requirement.id.clone()) {
                        return Err(self.err(
                            &join_key(&path, "id"),
                            format!(
                                "requirement {} has more than one overlay; overlays do not stack",
                                model_requirement.id
                            ),
                        ));
                    }
                    let kind = self.overlay_kind(
                        &path,
                        &requirement.kind,
                        requirement.multiplier,
                        requirement.addition,
                        requirement.override_value,
                    )?;
                    let effective = kind.apply(f64::from(model_requirement.weight));
                    if effective < 0.0 {
                        return Err(self.err(
                            &path,
                            format!(
                                "overlay makes the weight of requirement {} negative ({effective})",
                                model_requirement.id
                            ),
                        ));
                    }
                    requirements.push((
                        model_requirement.id.clone(),
                        Overlay {
                            kind,
                            rationale: requirement.rationale.trim().to_string(),
                        },
                    ));
                }
                out.push(CategoryOverlays {
                    module_id: module.id.clone(),
                    category_id,
                    category: category_overlay,
                    requirements,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded_model_version;

    fn embedded_model() -> &'static Model {
        embedded_model_version("1.1.0").unwrap()
    }

    const EXT: &str = r#"
schemaVersion: "1.0.0"
extension:
  id: "t"
  name: "Test"
  version: "0.1.0"
  description: "d"
  compatibility: ["1.1.0"]
  documentation: "https://example.org"
  floorScore: true
relevance:
  modules:
    - id: "M"
      categories:
        - id: "7"
          weight: 2
          guidance: g
          assessment: a
          references: r
          levels:
            - { number: 1, name: "1", description: d }
            - { number: 2, name: "2", description: d }
            - { number: 3, name: "3", description: d }
            - { number: 4, name: "4", description: d }
            - { number: 5, name: "5", description: d }
overlays:
  modules:
    - id: "M"
      categories:
        - id: "7"
          type: multiplier
          multiplier: 1.25
          rationale: r
          requirements:
            - { id: "1", type: multiplier, multiplier: 1.5, rationale: r }
"#;

    fn parse(text: &str) -> Result<Extension, DocumentError> {
        parse_extension("t-extension.yaml", text, embedded_model())
    }

    #[test]
    fn parses_relevance_and_overlays() {
        let ext = parse(EXT).unwrap();
        assert!(ext.floor_score);
        assert_eq!(ext.relevance_for("7").unwrap().weight, 2.0);
        assert_eq!(
            ext.category_overlay("7").unwrap().kind,
            OverlayKind::Multiplier(1.25)
        );
        assert_eq!(
            ext.requirement_overlay("7.1").unwrap().kind,
            OverlayKind::Multiplier(1.5)
        );
        assert!(ext.requirement_overlay("7.2").is_none());
        let scope: Vec<_> = ext
            .scope(embedded_model())
            .iter()
            .map(|c| c.id.clone())
            .collect();
        assert_eq!(scope, ["7"]);
    }

    #[test]
    fn incompatible_model_version_is_rejected() {
        let err = parse(&EXT.replace("[\"1.1.0\"]", "[\"1.0.0\"]")).unwrap_err();
        assert_eq!(err.field, "extension.compatibility");
        assert!(err.message.contains("1.1.0"), "{err}");
        assert_eq!(err.line, Some(8));
    }

    #[test]
    fn unknown_category_names_the_field() {
        let err = parse(&EXT.replacen("- id: \"7\"", "- id: \"77\"", 1)).unwrap_err();
        assert_eq!(err.field, "relevance.modules[0].categories[0].id");
        assert_eq!(err.line, Some(15));
    }

    #[test]
    fn category_in_wrong_module_is_rejected() {
        let err = parse(&EXT.replacen("- id: \"M\"", "- id: \"G\"", 1)).unwrap_err();
        assert!(err.message.contains("belongs to module M"), "{err}");
    }

    #[test]
    fn mismatched_overlay_value_is_rejected() {
        let text = EXT.replace(
            "type: multiplier, multiplier: 1.5",
            "type: addition, multiplier: 1.5",
        );
        let err = parse(&text).unwrap_err();
        assert_eq!(
            err.field,
            "overlays.modules[0].categories[0].requirements[0].type"
        );
    }

    #[test]
    fn unknown_requirement_is_rejected() {
        let err = parse(&EXT.replace("- { id: \"1\", type", "- { id: \"99\", type")).unwrap_err();
        assert!(err.message.contains("7.99"), "{err}");
    }

    #[test]
    fn negative_effective_weight_is_rejected() {
        let text = EXT.replace(
            "type: multiplier, multiplier: 1.5",
            "type: addition, addition: -9",
        );
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("negative"), "{err}");
    }
}
