//! `pkimm rules test`: run the test cases declared in rule files.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_pipeline::fixtures::FileFixtures;
use pkimm_rules::testcase::run_tests;
use pkimm_rules::RulePack;

use crate::cli::{GlobalArgs, RulesTestArgs};
use crate::output::model;
use crate::EXIT_THRESHOLD;

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &RulesTestArgs) -> Result<ExitCode> {
    let model = model(global)?;
    let pack = if args.paths.is_empty() {
        RulePack::builtin(&model)?
    } else {
        let mut pack = RulePack::new();
        for path in &args.paths {
            pack.add_path(path, &model)?;
        }
        pack
    };
    let fixtures = FileFixtures {
        root: args.fixtures.clone(),
    };
    let results = run_tests(&pack, &fixtures);
    let mut failed = 0;
    for result in results.iter().filter(|r| !r.ok()) {
        failed += 1;
        let actual = match &result.actual {
            Ok(outcome) => format!("{outcome:?}"),
            Err(error) => format!("not run: {error}"),
        };
        println!(
            "FAIL {} / {}: expected {:?}, got {actual}{}",
            result.rule,
            result.name,
            result.expected,
            result
                .detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        );
    }
    let untested: Vec<&str> = pack
        .rules()
        .iter()
        .filter(|r| r.def.tests.is_empty())
        .map(|r| r.def.id.as_str())
        .collect();
    if !untested.is_empty() {
        println!("rules without test cases: {}", untested.join(", "));
    }
    println!(
        "{} rules, {} cases: {} passed, {} failed",
        pack.len(),
        results.len(),
        results.len() - failed,
        failed
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_THRESHOLD)
    })
}
