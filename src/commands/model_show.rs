//! `pkimm model show`: print the model as a table or JSON.

use std::process::ExitCode;

use anyhow::{Context, Result};
use pkimm_model::Model;

use crate::cli::{GlobalArgs, ModelShowArgs, OutputFormat};
use pkimm_report::text::new_table;

use crate::output::{model, print_json, print_text};

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ModelShowArgs) -> Result<ExitCode> {
    let model = model(global)?;
    let only = match &args.category {
        Some(wanted) => Some(
            model
                .find_category(wanted)
                .with_context(|| format!("no category {wanted:?} in PKIMM {}", model.version))?
                .id
                .clone(),
        ),
        None => None,
    };
    match args.format {
        OutputFormat::Json => print_json(&*model)?,
        OutputFormat::Text => print_text(&render(&model, only.as_deref()))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn render(model: &Model, only: Option<&str>) -> String {
    let mut out = format!(
        "PKI Maturity Model {} ({} modules, {} categories, {} requirements)\n\n",
        model.version,
        model.modules.len(),
        model.categories().count(),
        model.requirements().count()
    );
    let mut table = new_table(["Id", "Module / category / requirement", "Weight"]);
    for module in &model.modules {
        let categories: Vec<_> = module
            .categories
            .iter()
            .filter(|c| only.is_none_or(|id| id == c.id))
            .collect();
        if categories.is_empty() {
            continue;
        }
        table.add_row([module.id.clone(), module.name.to_uppercase(), String::new()]);
        for category in categories {
            table.add_row([
                category.id.clone(),
                format!("  {}", category.name),
                category.weight.to_string(),
            ]);
            for requirement in &category.requirements {
                table.add_row([
                    requirement.id.clone(),
                    format!("    {}", requirement.name),
                    requirement.weight.to_string(),
                ]);
            }
        }
    }
    out.push_str(&table.to_string());
    out.push_str("\n\nLevels: ");
    let levels: Vec<String> = (1..=5)
        .map(|n| format!("{n} - {}", model.level_name(n)))
        .collect();
    out.push_str(&levels.join(", "));
    out.push('\n');
    if let Some(id) = only {
        if let Some(category) = model.category(id) {
            out.push_str(&format!("\n{}: {}\n", category.name, category.description));
            for level in &category.levels {
                out.push_str(&format!("  {}: {}\n", level.name, level.description));
            }
            let cited: Vec<&str> = category
                .requirements
                .iter()
                .flat_map(|r| r.reference_ids.iter())
                .map(String::as_str)
                .collect();
            let mut shown = std::collections::BTreeSet::new();
            for reference in model
                .references
                .iter()
                .filter(|r| cited.contains(&r.id.as_str()))
            {
                if shown.insert(reference.id.as_str()) {
                    if shown.len() == 1 {
                        out.push_str("\nReferences:\n");
                    }
                    out.push_str(&format!("  {}: {}\n", reference.id, reference.title));
                }
            }
        }
    }
    out
}
