//! `pkimm migrate`: move an assessment to another PKIMM version.

use std::process::ExitCode;

use anyhow::{anyhow, Result};
use pkimm_model::embedded_model_version;
use pkimm_model::write::UpdateLock;
use pkimm_scoring::migrate::migrate;
use pkimm_scoring::save_assessment;

use crate::cli::{GlobalArgs, MigrateArgs};
use crate::output::assessment;
use crate::output::UPDATE_WAIT;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &MigrateArgs) -> Result<ExitCode> {
    // Held from reading to writing, so concurrent writers never lose an
    // update.
    let _lock = UpdateLock::acquire(&args.output, UPDATE_WAIT)?;
    let (from, old) = assessment(global, &args.assessment)?;
    let to = embedded_model_version(&args.to).ok_or_else(|| {
        anyhow!(
            "PKIMM {} is not one pkimm embeds (2.0.0, 1.1.0, 1.0.0)",
            args.to
        )
    })?;
    let (moved, report) = migrate(&old, &from, to)?;
    save_assessment(&args.output, &moved)?;
    println!(
        "{}: PKIMM {} → {}: {} decisions moved to new ids, {} kept their ids, {} retired, {} new requirements pending",
        args.output.display(),
        from.version,
        to.version,
        report.moved.len(),
        report.unchanged,
        report.retired.len(),
        report.new_pending.len()
    );
    for (old_id, new_id) in &report.moved {
        println!("  {old_id} → {new_id}");
    }
    for (old_id, why) in &report.retired {
        println!("  {old_id} retired: {why}");
    }
    for (old_id, new_id) in report.categories.iter().filter(|(a, b)| a != b) {
        println!("  category {old_id} → {new_id}");
    }
    for id in &report.new_pending {
        println!("  new, pending: {id}");
    }
    Ok(ExitCode::SUCCESS)
}
