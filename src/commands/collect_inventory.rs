//! `pkimm collect inventory`: import a CSV export of issued certificates.

use std::process::ExitCode;

use anyhow::{anyhow, Result};
use pkimm_collectors::inventory::{collect_inventory, ColumnMap, InventoryOptions};

use crate::cli::CollectInventoryArgs;
use crate::commands::collect_common::agent_name;
use crate::write::write_json;

/// Runs the command.
pub fn run(args: &CollectInventoryArgs) -> Result<ExitCode> {
    let delimiter = u8::try_from(args.delimiter)
        .map_err(|_| anyhow!("the delimiter must be a single ASCII character"))?;
    let options = InventoryOptions {
        columns: ColumnMap::parse(&args.map).map_err(|e| anyhow!(e))?,
        delimiter,
        agent: Some(agent_name(args.out.agent.as_deref())),
        ..InventoryOptions::default()
    };
    let bundle = collect_inventory(&args.file, &options)?;
    eprintln!(
        "imported {} inventory rows ({} rows rejected)",
        bundle.inventory.len(),
        bundle.failures.len()
    );
    write_json(args.out.output.as_deref(), &bundle)?;
    Ok(ExitCode::SUCCESS)
}
