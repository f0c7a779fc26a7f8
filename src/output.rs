//! Shared output helpers: tables for people, JSON for machines.

use std::io::Write;

use anyhow::Result;
use comfy_table::{presets, ContentArrangement, Table};
use serde::Serialize;

/// A plain ASCII table with a header row, sized to its content so output is the
/// same on a terminal and in a pipe.
pub fn new_table<const N: usize>(header: [&str; N]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::ASCII_BORDERS_ONLY_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    table
}

/// Prints a value as pretty JSON on stdout. A reader that closes the pipe early
/// (`| head`) is not an error.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    let result = serde_json::to_writer_pretty(&mut stdout, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(stdout));
    match result {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Prints text on stdout; a reader that closes the pipe early is not an error.
pub fn print_text(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// A level value shown to 2 decimals (half away from zero, as the workbook
/// rounds), or `n/a`.
pub fn show_value(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), two_decimals)
}

/// A value shown to 2 decimals, half away from zero.
pub fn two_decimals(value: f64) -> String {
    format!("{:.2}", pkimm_scoring::arith::round2(value))
}
