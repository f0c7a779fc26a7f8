//! The built-in pack loads, and every rule's inline test cases pass, with at
//! least one passing and one failing case per rule.

use std::collections::HashMap;

use pkimm_model::embedded_model;
use pkimm_rules::rule::Outcome;
use pkimm_rules::testcase::{run_tests, NoFixtures};
use pkimm_rules::RulePack;

#[test]
fn builtin_pack_loads_with_at_least_60_rules() {
    let pack = RulePack::builtin(embedded_model()).unwrap_or_else(|e| panic!("{e}"));
    assert!(pack.len() >= 60, "only {} rules", pack.len());
    for rule in pack.rules() {
        assert!(!rule.def.citation.is_empty(), "{}", rule.def.id);
    }
}

#[test]
fn every_rule_has_passing_and_failing_cases_that_hold() {
    let pack = RulePack::builtin(embedded_model()).unwrap();
    let results = run_tests(&pack, &NoFixtures);
    let mut seen: HashMap<&str, (bool, bool)> = HashMap::new();
    let mut failures = Vec::new();
    for (case, rule) in results.iter().zip(
        pack.rules()
            .iter()
            .flat_map(|r| r.def.tests.iter().map(move |t| (r, t))),
    ) {
        let (rule, test) = rule;
        if test.fixture.is_some() {
            continue; // needs the collectors; run by `pkimm rules test`
        }
        if !case.ok() {
            failures.push(format!(
                "{} / {}: expected {:?}, got {:?} {:?}",
                case.rule, case.name, case.expected, case.actual, case.detail
            ));
        }
        let entry = seen.entry(rule.def.id.as_str()).or_default();
        entry.0 |= case.expected == Outcome::Pass;
        entry.1 |= case.expected == Outcome::Fail;
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for rule in pack.rules() {
        let (pass, fail) = seen.get(rule.def.id.as_str()).copied().unwrap_or_default();
        assert!(
            pass && fail,
            "rule {} needs an inline passing and failing case",
            rule.def.id
        );
    }
}
