//! Terminal views of the documents other commands print: the score report
//! ([`score`]) and an evaluation ([`evaluation`]), plus the table style and
//! number format they share.

pub mod evaluation;
pub mod score;

use comfy_table::{presets, ContentArrangement, Table};

/// A plain ASCII table with a header row, sized to its content so output is
/// the same on a terminal and in a pipe.
pub fn new_table<const N: usize>(header: [&str; N]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::ASCII_BORDERS_ONLY_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    table
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
