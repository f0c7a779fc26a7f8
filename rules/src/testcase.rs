//! Running the test cases declared in rule files (`pkimm rules test`).

use pkimm_model::evidence::EvidenceBundle;

use crate::context::BundleIndex;
use crate::expr::{self, Scope, Value};
use crate::kind::EvidenceKind;
use crate::pack::RulePack;
use crate::policy::Policy;
use crate::rule::{Outcome, Rule};
use crate::view;

/// The evaluation time of rule test cases: 2027-01-15T08:00:00Z.
pub const TEST_NOW: i64 = 1_800_000_000;

/// A fixture that could not be turned into evidence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fixture {path}: {message}")]
pub struct FixtureError {
    /// The fixture path as the test case gives it.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Why a test case could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    /// The fixture could not be loaded.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// The record or policy of the case is unusable.
    #[error("{0}")]
    Case(String),
}

/// Turns a `fixture:` path into evidence (the pipeline parses certificate and
/// CRL files with the collectors).
pub trait FixtureLoader {
    /// Loads the fixture at `path` (relative to the fixtures directory).
    fn load(&self, path: &str) -> Result<EvidenceBundle, FixtureError>;
}

/// A loader for packs whose tests use only inline records.
pub struct NoFixtures;

impl FixtureLoader for NoFixtures {
    fn load(&self, path: &str) -> Result<EvidenceBundle, FixtureError> {
        Err(FixtureError {
            path: path.to_string(),
            message: "cannot be loaded here: no fixtures directory was given".to_string(),
        })
    }
}

/// The result of one test case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// Rule id.
    pub rule: String,
    /// Case name.
    pub name: String,
    /// Expected outcome.
    pub expected: Outcome,
    /// Actual outcome, or why the case could not run.
    pub actual: Result<Outcome, CaseError>,
    /// The evaluation message, for errors.
    pub detail: Option<String>,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn ok(&self) -> bool {
        self.actual.as_ref().is_ok_and(|a| *a == self.expected)
    }
}

fn fixture_view(rule: &Rule, bundle: &EvidenceBundle) -> Result<Value, CaseError> {
    fixture_record(rule, bundle).map_err(CaseError::Case)
}

fn fixture_record(rule: &Rule, bundle: &EvidenceBundle) -> Result<Value, String> {
    let index = BundleIndex::new(bundle);
    let kind = rule.def.applies_to;
    match kind {
        EvidenceKind::Certificate => bundle
            .certificates
            .first()
            .map(|c| view::certificate(c, &index.certificate(0, c), TEST_NOW))
            .ok_or_else(|| "the fixture holds no certificate".to_string()),
        EvidenceKind::Crl => bundle
            .crls
            .first()
            .map(|c| view::crl(c, &index, TEST_NOW))
            .ok_or_else(|| "the fixture holds no CRL".to_string()),
        EvidenceKind::Bundle => Ok(view::bundle(bundle, TEST_NOW)),
        other => Err(format!(
            "fixtures are not supported for {other} rules; use record:"
        )),
    }
}

/// Runs every test case of every rule in `pack`.
pub fn run_tests(pack: &RulePack, fixtures: &dyn FixtureLoader) -> Vec<CaseResult> {
    let default_policy = Policy::default().to_value();
    let mut results = Vec::new();
    for rule in pack.rules() {
        for case in &rule.def.tests {
            let record = match (&case.record, &case.fixture) {
                (Some(_), Some(_)) => Err(CaseError::Case(
                    "a test case gives either record or fixture, not both".to_string(),
                )),
                (None, Some(path)) => fixtures
                    .load(path)
                    .map_err(CaseError::from)
                    .and_then(|b| fixture_view(rule, &b)),
                (record, None) => {
                    let sample = view::sample(rule.def.applies_to, TEST_NOW);
                    match record {
                        Some(json) => expr::from_serde(json)
                            .map(|over| expr::merge(&sample, &over))
                            .map_err(|e| CaseError::Case(format!("record: {e}"))),
                        None => Ok(sample),
                    }
                }
            };
            let policy = match &case.policy {
                Some(json) => expr::from_serde(json)
                    .map(|over| expr::merge(&default_policy, &over))
                    .map_err(|e| CaseError::Case(format!("policy: {e}"))),
                None => Ok(default_policy.clone()),
            };
            let (actual, detail) = match (record, policy) {
                (Ok(record), Ok(policy)) => {
                    let scope = Scope::new(&policy, TEST_NOW);
                    let bound = scope.bind(rule.def.applies_to.variable(), &record);
                    let (outcome, detail) = rule.evaluate(&bound);
                    (Ok(outcome), detail)
                }
                (Err(e), _) | (_, Err(e)) => (Err(e), None),
            };
            results.push(CaseResult {
                rule: rule.def.id.clone(),
                name: case.name.clone(),
                expected: case.expect,
                actual,
                detail,
            });
        }
    }
    results
}
