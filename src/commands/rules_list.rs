//! `pkimm rules list`.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_pipeline::setup::load_rule_pack;
use pkimm_report::text::new_table;

use crate::cli::{GlobalArgs, OutputFormat, RulesListArgs};
use crate::output::{model, print_json};

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &RulesListArgs) -> Result<ExitCode> {
    let model = model(global)?;
    let pack = load_rule_pack(&model, &args.source.rule_inputs())?;
    match args.format {
        OutputFormat::Json => {
            let defs: Vec<_> = pack.rules().iter().map(|r| &r.def).collect();
            print_json(&defs)?;
        }
        OutputFormat::Text => {
            let mut table = new_table(["Rule", "Severity", "PKIMM", "Applies to", "Title"]);
            for rule in pack.rules() {
                table.add_row([
                    rule.def.id.clone(),
                    rule.def.severity.name().to_string(),
                    rule.def.pkimm.join(", "),
                    rule.def.applies_to.name().to_string(),
                    rule.def.title.clone(),
                ]);
            }
            println!("{table}");
            println!("{} rules", pack.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
