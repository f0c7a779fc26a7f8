//! `pkimm diff`: compare two stored scans.

use std::process::ExitCode;

use anyhow::{anyhow, Result};
use pkimm_pipeline::history::{diff, Store};

use crate::cli::DiffArgs;
use crate::output::{print_text, store_location};

/// Runs the command.
pub fn run(args: &DiffArgs) -> Result<ExitCode> {
    let mut store = Store::open_existing(&store_location(&args.store)?)?;
    let mut snapshot = |id: i64| store.snapshot(id)?.ok_or_else(|| anyhow!("no scan {id}"));
    let (a, b) = (snapshot(args.a)?, snapshot(args.b)?);
    let lines = diff(&a, &b);
    let mut text = String::new();
    if lines.is_empty() {
        text.push_str(&format!(
            "no differences between scans {} and {}\n",
            args.a, args.b
        ));
    }
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    print_text(&text)?;
    Ok(ExitCode::SUCCESS)
}
