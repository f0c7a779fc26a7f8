//! The comparison as one self-contained HTML page, with a grouped bar chart
//! of the category levels.

use minijinja::{context, Environment};
use serde::Serialize;

use super::{cell, ComparisonDocument};
use crate::RenderError;

/// Bar colours, one per assessment (repeating).
const COLOURS: [&str; 6] = [
    "#2060c0", "#e8890c", "#2a9d5c", "#b03a8c", "#6b5bd2", "#8a6d1c",
];

#[derive(Serialize)]
struct ChartBar {
    x: f64,
    y: f64,
    width: f64,
    colour: &'static str,
    title: String,
}

#[derive(Serialize)]
struct TableRow {
    id: String,
    name: String,
    cells: Vec<String>,
    spread: String,
    lowest: String,
}

/// Renders the comparison.
pub fn render(d: &ComparisonDocument) -> Result<String, RenderError> {
    const BAR_MAX: f64 = 520.0;
    let n = d.assessments.len().max(1) as f64;
    let row_height = 8.0 * n + 10.0;
    let mut bars = Vec::new();
    for (i, row) in d.categories.iter().enumerate() {
        for (j, level) in row.levels.iter().enumerate() {
            if let Some(level) = level {
                bars.push(ChartBar {
                    x: 300.0,
                    y: 4.0 + row_height * i as f64 + 8.0 * j as f64,
                    width: (level / 5.0 * BAR_MAX * 10.0).round() / 10.0,
                    colour: COLOURS[j % COLOURS.len()],
                    title: format!("{}, {}: {level:.2}", row.name, d.assessments[j].label),
                });
            }
        }
    }
    let labels: Vec<(f64, String)> = d
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| (4.0 + row_height * i as f64 + 4.0 * n + 4.0, c.name.clone()))
        .collect();
    let height = row_height * d.categories.len() as f64 + 28.0;
    let grid: Vec<(f64, u8)> = (0..=5u8)
        .map(|l| (300.0 + f64::from(l) / 5.0 * BAR_MAX, l))
        .collect();
    let rows = |rows: &[&super::LevelRow]| -> Vec<TableRow> {
        rows.iter()
            .map(|r| TableRow {
                id: if r.id == "overall" {
                    String::new()
                } else {
                    r.id.clone()
                },
                name: r.name.clone(),
                cells: r.levels.iter().map(|l| cell(*l)).collect(),
                spread: cell(r.spread),
                lowest: r.lowest.clone().unwrap_or_else(|| "–".to_string()),
            })
            .collect()
    };
    let legend: Vec<(String, &str)> = d
        .assessments
        .iter()
        .enumerate()
        .map(|(j, a)| (a.label.clone(), COLOURS[j % COLOURS.len()]))
        .collect();
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("compare.html", include_str!("../templates/compare.html"))?;
    Ok(env.get_template("compare.html")?.render(context! {
        d,
        bars,
        labels,
        height,
        grid,
        legend,
        overall => rows(&[&d.overall]),
        modules => rows(&d.modules.iter().collect::<Vec<_>>()),
        categories => rows(&d.categories.iter().collect::<Vec<_>>()),
    })?)
}
