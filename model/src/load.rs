//! Loading model files: the official PKIMM YAML in model file schema 1.0.0
//! (PKIMM 1.0.0 and the 1.1.0 draft: positional ids, references as text) and
//! 2.0.0 (stable kebab-case ids, level names, references as ids into the
//! references catalog), and the compact embedded models, which use the same
//! schemas with shorter texts.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::diag::{from_yaml_str, join_index, join_key, DocumentError, Located};
use crate::model::{
    Category, IdScheme, LevelText, Model, ModelSource, Module, Reference, Requirement,
    LEVEL_NAMES_1X,
};
use crate::read::{read_text_file, ReadError, MAX_DOCUMENT_BYTES};
use crate::references::{embedded_references, load_references_file};

/// The model file schema of PKIMM 1.0.0 and 1.1.0.
pub const MODEL_SCHEMA_VERSION: &str = "1.0.0";
/// The model file schema of PKIMM 2.0.0.
pub const MODEL_SCHEMA_VERSION_2: &str = "2.0.0";

/// The level names of PKIMM 2.0.0, which renamed level 2.
pub const LEVEL_NAMES_2: [&str; 5] = [
    "Initial",
    "Foundational",
    "Advanced",
    "Managed",
    "Optimized",
];

/// The references catalog beside a 2.0.0 model file, when there is one.
const REFERENCES_FILE: &str = "pkimm-references.yaml";

/// Why a model could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The file was read but is not a valid model.
    #[error("invalid model file")]
    Invalid(#[from] DocumentError),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(deny_unknown_fields)]
struct RawModel {
    schema_version: String,
    version: String,
    modules: Vec<RawModule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    id: String,
    name: String,
    description: String,
    categories: Vec<RawCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: String,
    weight: i64,
    name: String,
    description: String,
    #[serde(default)]
    levels: Vec<RawLevel>,
    #[serde(default)]
    requirements: Vec<RawRequirement>,
}

/// A level description as model and extension files write it (compact
/// models leave the description out).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLevel {
    number: i64,
    name: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawReferences {
    /// 1.0.0: markdown text.
    Text(String),
    /// 2.0.0: ids into the references catalog.
    Ids(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: String,
    weight: i64,
    description: String,
    guidance: Option<String>,
    assessment: Option<String>,
    references: Option<RawReferences>,
}

/// Loads and validates a model YAML file. A 2.0.0 model's references are
/// looked up in `pkimm-references.yaml` beside it, or in the embedded catalog.
pub fn load_model_file(path: &Path) -> Result<Model, ModelError> {
    let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
    let origin = path.display().to_string();
    let beside = path.with_file_name(REFERENCES_FILE);
    let references = if beside.is_file() {
        load_references_file(&beside)?
    } else {
        embedded_references().to_vec()
    };
    Ok(parse_model_with(
        &origin,
        &text,
        ModelSource::File(origin.clone()),
        references,
    )?)
}

/// Parses and validates model YAML text against the embedded references
/// catalog; `origin` names it in errors.
pub fn parse_model(origin: &str, text: &str, source: ModelSource) -> Result<Model, DocumentError> {
    parse_model_with(origin, text, source, embedded_references().to_vec())
}

/// Parses and validates model YAML text; 2.0.0 reference ids must be in
/// `references`.
pub fn parse_model_with(
    origin: &str,
    text: &str,
    source: ModelSource,
    references: Vec<Reference>,
) -> Result<Model, DocumentError> {
    let raw: RawModel = from_yaml_str(origin, text)?;
    let located = Located::new(origin, text);
    let scheme = match raw.schema_version.as_str() {
        MODEL_SCHEMA_VERSION => IdScheme::Positional,
        MODEL_SCHEMA_VERSION_2 => IdScheme::Stable,
        other => {
            return Err(located.error(
                "schemaVersion",
                format!(
                    "unsupported model schema version {other:?}; pkimm reads {MODEL_SCHEMA_VERSION} and {MODEL_SCHEMA_VERSION_2}"
                ),
            ))
        }
    };
    let references = match scheme {
        IdScheme::Positional => Vec::new(),
        IdScheme::Stable => references,
    };
    validate(raw, &located, source, scheme, references)
}

/// Checks level descriptions: numbers 1 to 5, each at most once; sorted.
pub(crate) fn validate_levels(
    located: &Located<'_>,
    levels_path: &str,
    raw: Vec<RawLevel>,
) -> Result<Vec<LevelText>, DocumentError> {
    let mut seen = HashSet::new();
    let mut levels = Vec::with_capacity(raw.len());
    for (li, level) in raw.into_iter().enumerate() {
        let path = join_key(&join_index(levels_path, li), "number");
        let number = u8::try_from(level.number)
            .ok()
            .filter(|n| (1..=5).contains(n))
            .ok_or_else(|| {
                located.error(
                    &path,
                    format!("level number must be 1 to 5, found {}", level.number),
                )
            })?;
        if !seen.insert(number) {
            return Err(located.error(&path, format!("level {number} is defined twice")));
        }
        levels.push(LevelText {
            number,
            name: level.name,
            description: level.description.trim().to_string(),
        });
    }
    levels.sort_by_key(|l| l.number);
    Ok(levels)
}

/// Whether `value` is a MAJOR.MINOR.PATCH version.
pub(crate) fn is_semver(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

fn expected_module_name(id: &str) -> Option<&'static str> {
    match id {
        "G" => Some("Governance"),
        "M" => Some("Management"),
        "O" => Some("Operations"),
        "R" => Some("Resources"),
        _ => None,
    }
}

fn weight(located: &Located<'_>, path: &str, value: i64) -> Result<u32, DocumentError> {
    u32::try_from(value).map_err(|_| {
        located.error(
            path,
            format!("weight must be a non-negative integer, found {value}"),
        )
    })
}

/// What category validation needs from the model around it.
struct Context<'a> {
    located: &'a Located<'a>,
    scheme: IdScheme,
    references: &'a [Reference],
    category_ids: HashSet<String>,
    position: u32,
}

fn validate(
    raw: RawModel,
    located: &Located<'_>,
    source: ModelSource,
    scheme: IdScheme,
    references: Vec<Reference>,
) -> Result<Model, DocumentError> {
    if !is_semver(&raw.version) {
        return Err(located.error(
            "version",
            format!(
                "model version must look like 1.2.3, found {:?}",
                raw.version
            ),
        ));
    }
    if raw.modules.is_empty() {
        return Err(located.error("modules", "a model needs at least one module"));
    }
    let mut module_ids = HashSet::new();
    let mut context = Context {
        located,
        scheme,
        references: &references,
        category_ids: HashSet::new(),
        position: 0,
    };
    let mut level_names: Option<[String; 5]> = None;
    let mut modules = Vec::with_capacity(raw.modules.len());
    for (mi, raw_module) in raw.modules.into_iter().enumerate() {
        let module_path = join_index("modules", mi);
        let Some(expected_name) = expected_module_name(&raw_module.id) else {
            return Err(located.error(
                &join_key(&module_path, "id"),
                format!(
                    "module id must be one of G, M, O, R, found {:?}",
                    raw_module.id
                ),
            ));
        };
        if raw_module.name != expected_name {
            return Err(located.error(
                &join_key(&module_path, "name"),
                format!(
                    "module {} must be named {expected_name:?}, found {:?}",
                    raw_module.id, raw_module.name
                ),
            ));
        }
        if !module_ids.insert(raw_module.id.clone()) {
            return Err(located.error(
                &join_key(&module_path, "id"),
                format!("module {} is defined twice", raw_module.id),
            ));
        }
        let mut categories = Vec::with_capacity(raw_module.categories.len());
        for (ci, raw_category) in raw_module.categories.into_iter().enumerate() {
            let category_path = join_index(&join_key(&module_path, "categories"), ci);
            let category =
                validate_category(raw_category, &raw_module.id, &category_path, &mut context)?;
            if scheme == IdScheme::Stable && level_names.is_none() && category.levels.len() == 5 {
                level_names = Some(std::array::from_fn(|i| category.levels[i].name.clone()));
            }
            categories.push(category);
        }
        modules.push(Module {
            id: raw_module.id,
            name: raw_module.name,
            description: raw_module.description.trim().to_string(),
            categories,
        });
    }
    let defaults = match scheme {
        IdScheme::Positional => LEVEL_NAMES_1X,
        IdScheme::Stable => LEVEL_NAMES_2,
    };
    Ok(Model {
        version: raw.version,
        schema_version: raw.schema_version,
        source,
        scheme,
        level_names: level_names.unwrap_or_else(|| defaults.map(str::to_string)),
        modules,
        references,
    })
}

/// Whether `id` is a kebab-case id: a lowercase letter, then lowercase
/// letters, digits and hyphens.
fn is_kebab(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Checks an id of a category or requirement for the model's scheme.
fn check_id(context: &Context<'_>, path: &str, id: &str, what: &str) -> Result<(), DocumentError> {
    let ok = match context.scheme {
        IdScheme::Positional => !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()),
        IdScheme::Stable => is_kebab(id),
    };
    if ok {
        return Ok(());
    }
    let expected = match context.scheme {
        IdScheme::Positional => "a number",
        IdScheme::Stable => "kebab-case (such as cert-lifecycle)",
    };
    Err(context
        .located
        .error(path, format!("{what} id must be {expected}, found {id:?}")))
}

fn validate_category(
    raw: RawCategory,
    module_id: &str,
    path: &str,
    context: &mut Context<'_>,
) -> Result<Category, DocumentError> {
    let located = context.located;
    let id_path = join_key(path, "id");
    check_id(context, &id_path, &raw.id, "category")?;
    let canonical = match context.scheme {
        IdScheme::Positional => raw.id.clone(),
        IdScheme::Stable => format!("{module_id}.{}", raw.id),
    };
    if !context.category_ids.insert(canonical.clone()) {
        return Err(located.error(&id_path, format!("category {} is defined twice", raw.id)));
    }
    context.position += 1;
    let category_weight = weight(located, &join_key(path, "weight"), raw.weight)?;
    let levels = validate_levels(located, &join_key(path, "levels"), raw.levels)?;
    let mut requirements = Vec::with_capacity(raw.requirements.len());
    let mut requirement_ids = HashSet::new();
    for (ri, requirement) in raw.requirements.into_iter().enumerate() {
        let requirement_path = join_index(&join_key(path, "requirements"), ri);
        let rid_path = join_key(&requirement_path, "id");
        check_id(context, &rid_path, &requirement.id, "requirement")?;
        if !requirement_ids.insert(requirement.id.clone()) {
            return Err(located.error(
                &rid_path,
                format!("requirement {}.{} is defined twice", raw.id, requirement.id),
            ));
        }
        let requirement_weight = weight(
            located,
            &join_key(&requirement_path, "weight"),
            requirement.weight,
        )?;
        let (references, reference_ids) = match (context.scheme, requirement.references) {
            (_, None) => (None, Vec::new()),
            (IdScheme::Positional, Some(RawReferences::Text(text))) => {
                (Some(text.trim().to_string()), Vec::new())
            }
            (IdScheme::Stable, Some(RawReferences::Ids(ids))) => {
                for (i, id) in ids.iter().enumerate() {
                    if !context.references.iter().any(|r| &r.id == id) {
                        return Err(located.error(
                            &join_index(&join_key(&requirement_path, "references"), i),
                            format!("reference {id:?} is not in the references catalog"),
                        ));
                    }
                }
                (None, ids)
            }
            (IdScheme::Positional, Some(RawReferences::Ids(_))) => {
                return Err(located.error(
                    &join_key(&requirement_path, "references"),
                    "model schema 1.0.0 writes references as text",
                ))
            }
            (IdScheme::Stable, Some(RawReferences::Text(_))) => {
                return Err(located.error(
                    &join_key(&requirement_path, "references"),
                    "model schema 2.0.0 lists reference ids",
                ))
            }
        };
        requirements.push(Requirement {
            id: format!("{canonical}.{}", requirement.id),
            local_id: requirement.id,
            category_id: canonical.clone(),
            position: u32::try_from(ri + 1).unwrap_or(u32::MAX),
            weight: requirement_weight,
            name: requirement.description.trim().to_string(),
            guidance: requirement.guidance.map(|t| t.trim().to_string()),
            assessment: requirement.assessment.map(|t| t.trim().to_string()),
            references,
            reference_ids,
        });
    }
    Ok(Category {
        id: canonical,
        key: raw.id,
        position: context.position,
        module_id: module_id.to_string(),
        weight: category_weight,
        name: raw.name.trim().to_string(),
        description: raw.description.trim().to_string(),
        levels,
        requirements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Model, DocumentError> {
        parse_model("m.yaml", text, ModelSource::File("m.yaml".into()))
    }

    const MINIMAL: &str = r#"
schemaVersion: "1.0.0"
version: "9.0.0"
modules:
  - id: "G"
    name: "Governance"
    description: "d"
    categories:
      - id: "1"
        weight: 2
        name: "One"
        description: "d"
        requirements:
          - { id: "1", weight: 3, description: "r1", guidance: g, assessment: a, references: r }
          - { id: "2", weight: 1, description: "r2", guidance: g, assessment: a, references: r }
"#;

    #[test]
    fn parses_a_minimal_model() {
        let model = parse(MINIMAL).unwrap();
        assert_eq!(model.version, "9.0.0");
        let requirement = model.requirement("1.2").unwrap();
        assert_eq!(requirement.weight, 1);
        assert_eq!(requirement.category_id, "1");
        assert_eq!(model.category("1").unwrap().total_requirement_weight(), 4);
    }

    #[test]
    fn negative_weight_names_the_field_and_line() {
        let text = MINIMAL.replace("weight: 3", "weight: -3");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.field, "modules[0].categories[0].requirements[0].weight");
        assert_eq!(err.line, Some(14));
    }

    #[test]
    fn duplicate_requirement_is_rejected() {
        let text = MINIMAL.replace("id: \"2\", weight: 1", "id: \"1\", weight: 1");
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("defined twice"), "{err}");
    }

    #[test]
    fn wrong_module_id_is_rejected() {
        let err = parse(&MINIMAL.replace("id: \"G\"", "id: \"X\"")).unwrap_err();
        assert_eq!(err.field, "modules[0].id");
    }

    #[test]
    fn missing_field_is_reported() {
        let err = parse(&MINIMAL.replace("        weight: 2\n", "")).unwrap_err();
        assert!(err.message.contains("weight"), "{err}");
        assert!(err.field.starts_with("modules[0].categories[0]"), "{err}");
    }
}
