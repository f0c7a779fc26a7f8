//! `pkimm history list`: the newest stored scans first.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_pipeline::history::Store;
use pkimm_report::text::new_table;

use crate::cli::StoreArgs;
use crate::output::{print_text, store_location};

/// Runs the command.
pub fn run(args: &StoreArgs, limit: usize) -> Result<ExitCode> {
    let mut store = Store::open_existing(&store_location(args)?)?;
    let mut table = new_table(["scan", "job", "agent", "started", "finished", "summary"]);
    for row in store.list(limit)? {
        table.add_row(vec![
            row.id.to_string(),
            row.job,
            row.agent,
            row.started,
            row.finished,
            row.summary,
        ]);
    }
    print_text(&format!("{table}\n"))?;
    Ok(ExitCode::SUCCESS)
}
