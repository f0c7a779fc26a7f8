//! Rule packs: the built-in pack compiled into pkimm, and directories of rule
//! files given by the user.

use std::collections::HashMap;
use std::path::Path;

use pkimm_model::read::{read_text_file, MAX_DOCUMENT_BYTES};
use pkimm_model::Model;

use crate::criteria::Catalog;
use crate::rule::{parse_rule_file, Rule, RuleError};

/// The built-in rule files (`rules/packs/`), by file name.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "cryptography.yaml",
        include_str!("../packs/cryptography.yaml"),
    ),
    (
        "key-management.yaml",
        include_str!("../packs/key-management.yaml"),
    ),
    (
        "certificates.yaml",
        include_str!("../packs/certificates.yaml"),
    ),
    ("inventory.yaml", include_str!("../packs/inventory.yaml")),
    ("revocation.yaml", include_str!("../packs/revocation.yaml")),
    ("automation.yaml", include_str!("../packs/automation.yaml")),
    (
        "interoperability.yaml",
        include_str!("../packs/interoperability.yaml"),
    ),
    ("monitoring.yaml", include_str!("../packs/monitoring.yaml")),
    ("directory.yaml", include_str!("../packs/directory.yaml")),
    ("hsm.yaml", include_str!("../packs/hsm.yaml")),
    ("enrolment.yaml", include_str!("../packs/enrolment.yaml")),
    ("profiles.yaml", include_str!("../packs/profiles.yaml")),
    ("encoding.yaml", include_str!("../packs/encoding.yaml")),
    ("keys.yaml", include_str!("../packs/keys.yaml")),
    ("cabf.yaml", include_str!("../packs/cabf.yaml")),
];

/// A set of compiled rules with unique ids.
#[derive(Debug, Default)]
pub struct RulePack {
    rules: Vec<Rule>,
    origins: HashMap<String, String>,
}

impl RulePack {
    /// An empty pack.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in pack.
    pub fn builtin(model: &Model) -> Result<Self, RuleError> {
        let mut pack = Self::new();
        for (name, text) in BUILTIN_FILES {
            pack.add(parse_rule_file(&format!("<built-in>/{name}"), text, model)?)?;
        }
        Ok(pack)
    }

    /// Adds rules, rejecting an id that is already in the pack.
    pub fn add(&mut self, rules: Vec<Rule>) -> Result<(), RuleError> {
        for rule in rules {
            if let Some(first) = self.origins.get(&rule.def.id) {
                return Err(RuleError {
                    origin: rule.origin.clone(),
                    line: None,
                    column: None,
                    rule: Some(rule.def.id.clone()),
                    field: Some("id".into()),
                    message: format!("rule id is already defined in {first}"),
                });
            }
            self.origins
                .insert(rule.def.id.clone(), rule.origin.clone());
            self.rules.push(rule);
        }
        Ok(())
    }

    /// Loads every `*.yaml` / `*.yml` file in `dir` (sorted by name), or `dir`
    /// itself when it is a file.
    pub fn add_path(&mut self, path: &Path, model: &Model) -> Result<(), RuleError> {
        let io_error = |message: String| RuleError {
            origin: path.display().to_string(),
            line: None,
            column: None,
            rule: None,
            field: None,
            message,
        };
        let files = if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| io_error(format!("cannot read the directory: {e}")))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let text = read_text_file(&file, MAX_DOCUMENT_BYTES).map_err(|e| RuleError {
                origin: file.display().to_string(),
                line: None,
                column: None,
                rule: None,
                field: None,
                message: e.to_string(),
            })?;
            self.add(parse_rule_file(&file.display().to_string(), &text, model)?)?;
        }
        Ok(())
    }

    /// Checks that every criterion a rule links to is in `catalog`.
    pub fn check_links(&self, catalog: &Catalog) -> Result<(), RuleError> {
        for rule in &self.rules {
            for (i, link) in rule.def.evidences.iter().enumerate() {
                if catalog.criterion(&link.criterion).is_some() {
                    continue;
                }
                let known = catalog.requirement(link.requirement()).map_or_else(
                    || "the requirement has no criteria".to_string(),
                    |r| {
                        let ids: Vec<&str> = r.criteria.iter().map(|c| c.id.as_str()).collect();
                        format!("its criteria are {}", ids.join(", "))
                    },
                );
                return Err(RuleError {
                    origin: rule.origin.clone(),
                    line: None,
                    column: None,
                    rule: Some(rule.def.id.clone()),
                    field: Some(format!("evidences[{i}].criterion")),
                    message: format!("no criterion {} ({known})", link.criterion),
                });
            }
        }
        Ok(())
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the pack is empty.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}
