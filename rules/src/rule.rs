//! Rule files: parsing, validation and compilation.
//!
//! ```yaml
//! rules:
//!   - id: crypto.rsa-min-size
//!     title: RSA keys meet the policy minimum
//!     description: Short RSA moduli can be factored.
//!     severity: high                  # info, low, medium, high, critical
//!     evidences:                      # assessment criteria (rules/levels/*.yaml)
//!       - { criterion: "certificate-management.cert-profiles#c5", shows: both }
//!       - { criterion: "cryptography.crypto-algorithms#c1", shows: contradicts }
//!     related: [key-management.key-lifecycle]   # shown beside, never a level
//!     relevance: [pqc.cryptography]  # extension relevance it informs (EXTENSION.CATEGORY)
//!     applies_to: certificate         # see EvidenceKind
//!     when: cert.key.algorithm == "rsa"          # optional CEL filter
//!     check: cert.key.bits >= policy.crypto.min_rsa_bits   # CEL; true = pass
//!     message: "'RSA key of ' + string(cert.key.bits) + ' bits'"   # optional CEL
//!     citation: NIST SP 800-131A Rev. 2 §3
//!     remediation: Reissue with RSA 3072 or ECDSA P-256.
//!     tests:
//!       - { name: rsa-1024, record: { key: { algorithm: rsa, bits: 1024 } }, expect: fail }
//! ```

use std::collections::HashSet;
use std::sync::Arc;

use pkimm_model::diag::{from_yaml_str, join_index, join_key, LineIndex};
use pkimm_model::evidence::{Defect, UtcTime};
use pkimm_model::Model;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::criteria::canonical_criterion_id;
use crate::expr::{Bound, EvalError, Expr, Scope};
use crate::kind::EvidenceKind;
use crate::policy::Policy;
use crate::view;

/// How serious a failing rule is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For information; never a problem on its own.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// All severities, ascending.
    pub const ALL: [Self; 5] = [
        Self::Info,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| {
                format!("unknown severity {s:?}; use info, low, medium, high or critical")
            })
    }
}

/// The expected outcome of a rule test case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The check held.
    Pass,
    /// The check failed.
    Fail,
    /// The `when` filter excluded the record.
    NotApplicable,
    /// The expressions could not be evaluated.
    Error,
}

/// A test case declared next to a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// What the case shows.
    pub name: String,
    /// Fields merged over the neutral sample record of the rule's kind.
    #[serde(default)]
    pub record: Option<serde_json::Value>,
    /// A fixture file (certificate or CRL) to evaluate instead, relative to the
    /// fixtures directory given to `pkimm rules test`.
    #[serde(default)]
    pub fixture: Option<String>,
    /// Policy fields merged over the default policy.
    #[serde(default)]
    pub policy: Option<serde_json::Value>,
    /// Expected outcome.
    pub expect: Outcome,
}

/// What a rule's results show about a criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Shows {
    /// Passes evidence the criterion and failures contradict it.
    #[default]
    Both,
    /// Passes evidence the criterion; a failure says nothing against it.
    Supports,
    /// Failures contradict the criterion; a pass proves nothing.
    Contradicts,
}

impl Shows {
    /// Whether passes count as evidence for the criterion.
    pub fn supports(self) -> bool {
        matches!(self, Self::Both | Self::Supports)
    }

    /// Whether failures count against the criterion.
    pub fn contradicts(self) -> bool {
        matches!(self, Self::Both | Self::Contradicts)
    }
}

/// A link from a rule to an assessment criterion, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionLink {
    /// The criterion (`certificate-management.cert-profiles#c5`); canonical
    /// 2.0.0 ids once parsed.
    pub criterion: String,
    /// What the rule's results show about it.
    #[serde(default)]
    pub shows: Shows,
}

impl CriterionLink {
    /// The canonical 2.0.0 requirement id of the criterion.
    pub fn requirement(&self) -> &str {
        self.criterion
            .split_once('#')
            .map_or(self.criterion.as_str(), |(r, _)| r)
    }
}

/// A rule as written in a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// Stable id, such as `crypto.rsa-min-size`.
    pub id: String,
    /// One-line statement of what good looks like.
    pub title: String,
    /// Why it matters.
    pub description: String,
    /// Severity of a failure.
    pub severity: Severity,
    /// The assessment criteria the rule evidences, and how. Only these links
    /// can move a pre-filled level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidences: Vec<CriterionLink>,
    /// Requirements the rule is related to without evidencing a criterion:
    /// its findings are shown beside them and never move a level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Extension relevance categories the rule's results inform, as
    /// `EXTENSION.CATEGORY` (`pqc.cryptography`): shown beside the
    /// relevance entry by `pkimm assess --extension`, never a level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relevance: Vec<String>,
    /// Every requirement the rule touches, canonical ids of the model in use
    /// (derived from `evidences` and `related`). Older rule files wrote
    /// links here; such links count as related observations.
    #[serde(default)]
    pub pkimm: Vec<String>,
    /// The rule's failures mean part of the scope was not observed (a
    /// collection that failed, an issuer pkimm could not find): they limit
    /// what every suggestion covers rather than score a requirement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scope_limit: bool,
    /// Evidence kind.
    pub applies_to: EvidenceKind,
    /// Optional CEL filter; records where it is false are not applicable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// CEL check; true passes.
    pub check: String,
    /// Optional CEL string expression describing a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Source: RFC, CA/B Forum BR section or NIST publication.
    pub citation: String,
    /// Who sets the requirement checked: `rfc5280`, `cabf-tls-br`,
    /// `cabf-smime-br`, `cabf-cs-br`, `nist`, `policy` (the organisation's
    /// own limits) or `practice` (common good practice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The date the requirement took effect (`YYYY-MM-DD`): certificates
    /// issued before it (by notBefore) are not applicable, as zlint does.
    /// Certificate rules only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
    /// How to fix a failure.
    pub remediation: String,
    /// Test cases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestCase>,
}

/// The sources a rule may name.
pub const RULE_SOURCES: &[&str] = &[
    "rfc5280",
    "rfc",
    "cabf-tls-br",
    "cabf-smime-br",
    "cabf-cs-br",
    "nist",
    "policy",
    "practice",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rules: Vec<RuleDef>,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// The definition.
    pub def: RuleDef,
    /// Where it was loaded from.
    pub origin: String,
    /// Compiled `when`.
    pub when: Option<Expr>,
    /// Compiled `check`.
    pub check: Expr,
    /// Compiled `message`.
    pub message: Option<Expr>,
    /// The id, shared by every finding of the rule.
    pub shared_id: Arc<str>,
    /// The PKIMM ids, shared by every finding of the rule.
    pub shared_pkimm: Arc<[String]>,
    /// When `check` is exactly `!cert.defects.NAME` (or `!crl.defects.NAME`):
    /// that defect, so the engine tests its bit instead of interpreting the
    /// expression (the same result, a hundredth of the time).
    pub absent_defect: Option<Defect>,
}

/// The defect a check of the form `!<variable>.defects.<name>` tests for.
fn absent_defect(kind: EvidenceKind, check: &str) -> Option<Defect> {
    if !matches!(kind, EvidenceKind::Certificate | EvidenceKind::Crl) {
        return None;
    }
    let name = check
        .trim()
        .strip_prefix('!')?
        .strip_prefix(kind.variable())?
        .strip_prefix(".defects.")?;
    Defect::from_name(name)
}

/// A problem in a rule file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleError {
    /// The file.
    pub origin: String,
    /// One-based line, when known.
    pub line: Option<usize>,
    /// One-based column, when known.
    pub column: Option<usize>,
    /// The rule id, when known.
    pub rule: Option<String>,
    /// The field (`check`, `when`, …), when known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(rule) = &self.rule {
            write!(f, ": rule `{rule}`")?;
        }
        if let Some(field) = &self.field {
            write!(f, " field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

/// Parses and compiles a rule file. `model` checks the `pkimm` ids.
pub fn parse_rule_file(origin: &str, text: &str, model: &Model) -> Result<Vec<Rule>, RuleError> {
    let file: RuleFile = from_yaml_str(origin, text).map_err(|e| RuleError {
        origin: e.origin,
        line: e.line,
        column: e.column,
        rule: None,
        field: (!e.field.is_empty()).then_some(e.field),
        message: e.message,
    })?;
    let lines = LineIndex::build(text).unwrap_or_default();
    let policy = Policy::default().to_value();
    let mut seen = HashSet::new();
    let mut rules = Vec::with_capacity(file.rules.len());
    for (i, mut def) in file.rules.into_iter().enumerate() {
        let path = join_index("rules", i);
        let error = |field: &str, message: String, offset: Option<(usize, usize)>| {
            let position = lines.find_nearest(&join_key(&path, field));
            let (line, column) = match (position, offset) {
                (Some((line, column)), Some((cel_line, cel_column))) => {
                    // A plain scalar starts after `field: `; a block scalar on
                    // the next line. Either way, map the CEL position onto the file.
                    let block = text.lines().nth(line - 1).is_some_and(|l| {
                        l.trim_end().ends_with('|') || l.trim_end().ends_with('>')
                    });
                    if block || cel_line > 1 {
                        (Some(line + cel_line - usize::from(!block)), None)
                    } else {
                        (Some(line), Some(column + field.len() + 2 + cel_column - 1))
                    }
                }
                (Some((line, column)), None) => (Some(line), Some(column)),
                (None, _) => (None, None),
            };
            RuleError {
                origin: origin.to_string(),
                line,
                column,
                rule: Some(def.id.clone()),
                field: Some(field.to_string()),
                message,
            }
        };
        if !valid_id(&def.id) {
            return Err(error(
                "id",
                "rule ids use lowercase letters, digits, dots, dashes and underscores".into(),
                None,
            ));
        }
        if !seen.insert(def.id.clone()) {
            return Err(error(
                "id",
                "rule id is defined twice in this file".into(),
                None,
            ));
        }
        if def.evidences.is_empty()
            && def.related.is_empty()
            && def.pkimm.is_empty()
            && !def.scope_limit
        {
            return Err(error(
                "evidences",
                "a rule must evidence an assessment criterion, name related requirements, or be a scope_limit".into(),
                None,
            ));
        }
        // Criteria and related requirements are written in PKIMM 2.0.0 ids
        // (or short forms, or 1.1.0 numbers, which map onto 2.0.0).
        let current = pkimm_model::embedded_model();
        for (j, link) in def.evidences.iter_mut().enumerate() {
            let field = join_key(&join_index("evidences", j), "criterion");
            link.criterion = canonical_criterion_id(&link.criterion)
                .map_err(|e| error(&field, e.to_string(), None))?;
        }
        let mut related = Vec::with_capacity(def.related.len() + def.pkimm.len());
        for (field, ids) in [("related", &def.related), ("pkimm", &def.pkimm)] {
            for id in ids {
                let canonical = current
                    .linked_requirement(id)
                    .map_err(|e| error(field, e.to_string(), None))?
                    .map(|r| r.id.clone());
                if let Some(id) = canonical.filter(|id| !related.contains(id)) {
                    related.push(id);
                }
            }
        }
        def.related = related;
        for (j, link) in def.relevance.iter().enumerate() {
            let kebab = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            };
            let well_formed = link
                .split_once('.')
                .is_some_and(|(extension, category)| kebab(extension) && kebab(category));
            if !well_formed {
                return Err(error(
                    &join_index("relevance", j),
                    format!("{link:?} is not EXTENSION.CATEGORY (such as pqc.cryptography)"),
                    None,
                ));
            }
        }
        // Every requirement touched becomes the canonical id of the model in
        // use; links to requirements this version lacks are dropped.
        let mut linked = Vec::new();
        let touched = def
            .evidences
            .iter()
            .map(CriterionLink::requirement)
            .chain(def.related.iter().map(String::as_str));
        for requirement in touched {
            match model.linked_requirement(requirement) {
                Ok(Some(r)) if !linked.contains(&r.id) => linked.push(r.id.clone()),
                Ok(_) => {}
                Err(e) => return Err(error("evidences", e.to_string(), None)),
            }
        }
        def.pkimm = linked;
        for (field, value) in [
            ("title", &def.title),
            ("citation", &def.citation),
            ("remediation", &def.remediation),
        ] {
            if value.trim().is_empty() {
                return Err(error(field, format!("{field} must not be empty"), None));
            }
        }
        let kind = def.applies_to;
        let sample = view::sample(kind, 1_800_000_000);
        let compile = |field: &str, source: &str| -> Result<Expr, RuleError> {
            let expr = Expr::compile(source).map_err(|e| {
                error(
                    field,
                    format!("CEL: {}", e.message),
                    Some((e.line, e.column)),
                )
            })?;
            for variable in expr.variables() {
                if variable != kind.variable() && variable != "policy" && variable != "now" {
                    return Err(error(
                        field,
                        format!(
                            "unknown variable `{variable}`; rules on {kind} see `{}`, `policy` and `now`",
                            kind.variable()
                        ),
                        None,
                    ));
                }
            }
            Ok(expr)
        };
        let effective_when = match &def.effective {
            None => None,
            Some(date) => {
                if kind != EvidenceKind::Certificate {
                    return Err(error(
                        "effective",
                        format!("effective dates apply to certificate rules (by notBefore), not to {kind} rules"),
                        None,
                    ));
                }
                let at = UtcTime::parse(&format!("{date}T00:00:00Z")).ok_or_else(|| {
                    error(
                        "effective",
                        format!("{date:?} is not a date (YYYY-MM-DD)"),
                        None,
                    )
                })?;
                Some(format!("cert.not_before >= {}", at.unix()))
            }
        };
        if let Some(source) = &def.source {
            if !RULE_SOURCES.contains(&source.as_str()) {
                return Err(error(
                    "source",
                    format!(
                        "{source:?} is not a known source ({})",
                        RULE_SOURCES.join(", ")
                    ),
                    None,
                ));
            }
        }
        let when_text = match (effective_when, def.when.as_deref()) {
            (Some(date), Some(when)) => Some(format!("{date} && ({when})")),
            (Some(date), None) => Some(date),
            (None, when) => when.map(str::to_string),
        };
        let when = when_text
            .as_deref()
            .map(|w| compile("when", w))
            .transpose()?;
        let check = compile("check", &def.check)?;
        let message = def
            .message
            .as_deref()
            .map(|m| compile("message", m))
            .transpose()?;
        // Catch misspelt fields now rather than as an error on every record.
        let scope = Scope::new(&policy, 1_800_000_000);
        for (field, expr) in [("when", when.as_ref()), ("check", Some(&check))] {
            if let Some(expr) = expr {
                if let Err(EvalError::NoSuchField(name)) =
                    scope.eval_bool(expr, kind.variable(), &sample)
                {
                    return Err(error(
                        field,
                        format!("no field `{name}` on {kind} records or in the policy"),
                        None,
                    ));
                }
            }
        }
        rules.push(Rule {
            absent_defect: absent_defect(kind, &def.check),
            shared_id: Arc::from(def.id.as_str()),
            shared_pkimm: Arc::from(def.pkimm.as_slice()),
            def,
            origin: origin.to_string(),
            when,
            check,
            message,
        });
    }
    Ok(rules)
}

impl Rule {
    /// Evaluates the rule on one record, bound with [`Scope::bind`] to the
    /// variable of the rule's evidence kind.
    pub fn evaluate(&self, record: &Bound<'_, '_>) -> (Outcome, Option<String>) {
        let when = self.when.as_ref().map(|when| record.eval_bool(when));
        self.evaluate_given(record, when)
    }

    /// Like [`Rule::evaluate_given`] for a rule with
    /// [`Rule::absent_defect`], given whether the record has that defect.
    pub fn evaluate_defect(
        &self,
        record: &Bound<'_, '_>,
        when: Option<Result<bool, EvalError>>,
        has_defect: bool,
    ) -> (Outcome, Option<String>) {
        match when {
            None | Some(Ok(true)) => {}
            Some(Ok(false)) => return (Outcome::NotApplicable, None),
            Some(Err(err)) => return (Outcome::Error, Some(format!("when: {err}"))),
        }
        if !has_defect {
            return (Outcome::Pass, None);
        }
        let message = self.message.as_ref().and_then(|m| record.eval_text(m).ok());
        (Outcome::Fail, message)
    }

    /// Like [`Rule::evaluate`], with the `when` result already known (rules
    /// that share a `when` expression evaluate it once per record).
    pub fn evaluate_given(
        &self,
        record: &Bound<'_, '_>,
        when: Option<Result<bool, EvalError>>,
    ) -> (Outcome, Option<String>) {
        match when {
            None | Some(Ok(true)) => {}
            Some(Ok(false)) => return (Outcome::NotApplicable, None),
            Some(Err(err)) => return (Outcome::Error, Some(format!("when: {err}"))),
        }
        match record.eval_bool(&self.check) {
            Ok(true) => (Outcome::Pass, None),
            Ok(false) => {
                let message = self.message.as_ref().and_then(|m| record.eval_text(m).ok());
                (Outcome::Fail, message)
            }
            Err(err) => (Outcome::Error, Some(format!("check: {err}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pkimm_model::embedded_model;

    const GOOD: &str = r#"
rules:
  - id: t.rsa
    title: RSA size
    description: d
    severity: high
    pkimm: ["5.2"]
    applies_to: certificate
    when: cert.key.algorithm == "rsa"
    check: cert.key.bits >= policy.crypto.min_rsa_bits
    citation: NIST SP 800-131A
    remediation: r
"#;

    fn parse(text: &str) -> Result<Vec<Rule>, RuleError> {
        parse_rule_file("r.yaml", text, embedded_model())
    }

    #[test]
    fn parses_and_evaluates() {
        let rules = parse(GOOD).unwrap();
        let scope = Scope::new(&Policy::default().to_value(), 0);
        let sample = view::sample(EvidenceKind::Certificate, 0);
        let bound = scope.bind("cert", &sample);
        assert_eq!(rules[0].evaluate(&bound).0, Outcome::NotApplicable);
    }

    #[test]
    fn cel_syntax_error_names_file_rule_and_position() {
        let err = parse(&GOOD.replace("cert.key.bits >= policy", "cert.key.bits >= >= policy"))
            .unwrap_err();
        assert_eq!(err.rule.as_deref(), Some("t.rsa"));
        assert_eq!(err.field.as_deref(), Some("check"));
        assert_eq!(err.line, Some(10));
        assert!(err.column.is_some_and(|c| c > 10), "{err}");
        assert!(err.to_string().starts_with("r.yaml:10:"), "{err}");
    }

    #[test]
    fn effective_dates_gate_by_not_before_and_sources_are_known() {
        let with =
            |extra: &str| GOOD.replace("    citation: NIST", &format!("{extra}    citation: NIST"));
        // Issued before the date: not applicable whatever the check says.
        let cases = "    tests:\n      - { name: old, record: { not_before: 1500000000, key: { algorithm: rsa, bits: 1024 } }, expect: not_applicable }\n      - { name: new, record: { not_before: 1700000000, key: { algorithm: rsa, bits: 1024 } }, expect: fail }\n";
        let text = format!(
            "{}{cases}",
            with("    effective: \"2020-09-01\"\n    source: nist\n")
        );
        let mut pack = crate::RulePack::new();
        pack.add(parse(&text).unwrap()).unwrap();
        let results = crate::testcase::run_tests(&pack, &crate::testcase::NoFixtures);
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(|r| r.ok()), "{results:?}");
        let err = parse(&with("    effective: \"1 Sept 2020\"\n")).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("effective"), "{err}");
        let err = parse(&with("    source: blog\n")).unwrap_err();
        assert!(err.message.contains("not a known source"), "{err}");
        let crl = with("    effective: \"2020-09-01\"\n")
            .replace("applies_to: certificate", "applies_to: crl")
            .replace("cert.key.algorithm == \"rsa\"", "true")
            .replace("cert.key.bits >= policy.crypto.min_rsa_bits", "true");
        let err = parse(&crl).unwrap_err();
        assert!(err.message.contains("certificate rules"), "{err}");
    }

    #[test]
    fn misspelt_field_and_variable_are_caught_at_load() {
        let err = parse(&GOOD.replace("cert.key.bits >=", "cert.key.bitz >=")).unwrap_err();
        assert!(err.message.contains("bitz"), "{err}");
        let err = parse(&GOOD.replace("cert.key.bits >=", "cret.key.bits >=")).unwrap_err();
        assert!(err.message.contains("unknown variable `cret`"), "{err}");
        let err = parse(&GOOD.replace("policy.crypto.min_rsa_bits", "policy.crypto.min_rsa"))
            .unwrap_err();
        assert!(err.message.contains("min_rsa"), "{err}");
    }

    #[test]
    fn unknown_requirement_and_bad_yaml_are_errors() {
        let err = parse(&GOOD.replace("[\"5.2\"]", "[\"5.9\"]")).unwrap_err();
        assert!(err.message.contains("5.9"), "{err}");
        let err = parse(&GOOD.replace("severity: high", "severity: urgent")).unwrap_err();
        assert!(err.line.is_some(), "{err}");
        assert!(parse("rules: [").is_err());
    }

    #[test]
    fn relevance_links_are_extension_dot_category() {
        let with = |link: &str| {
            GOOD.replace(
                "    pkimm: [\"5.2\"]\n",
                &format!("    pkimm: [\"5.2\"]\n    relevance: [{link}]\n"),
            )
        };
        let rules = parse(&with("pqc.cryptography")).unwrap();
        assert_eq!(rules[0].def.relevance, ["pqc.cryptography"]);
        for bad in [
            "cryptography",
            "pqc.",
            "PQC.cryptography",
            "pqc.crypto graphy",
        ] {
            let err = parse(&with(&format!("\"{bad}\""))).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("relevance[0]"), "{bad}: {err}");
            assert!(err.message.contains("EXTENSION.CATEGORY"), "{err}");
        }
    }
}
