//! The evaluation as JUnit XML (`pkimm evaluate --format junit`), the report
//! format CI systems (GitLab, Jenkins, GitHub test reporters) show natively.
//!
//! One `<testsuite>` per rule. Each failing or erroring (rule, record) pair
//! is a `<testcase>` with a `<failure>` (message and remediation) or an
//! `<error>`; a waived failure is `<skipped>` with the waiver's reason. The
//! conforming records of a rule are one passing test case that counts them:
//! listing every passing pair would make files of millions of elements for
//! large estates, and the JSON evaluation names none of them either.

use std::fmt::Write as _;

use pkimm_rules::{Evaluation, Outcome};

/// `text` escaped for XML attribute and element content; characters XML 1.0
/// cannot carry are replaced.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c as u32, 0xFFFE | 0xFFFF) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Renders `evaluation`.
pub fn render(evaluation: &Evaluation) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors, mut skipped) = (0u64, 0u64, 0u64, 0u64);
    for rule in &evaluation.rules {
        if rule.evaluated == 0 {
            continue;
        }
        let findings: Vec<_> = evaluation
            .findings
            .iter()
            .filter(|f| &*f.rule == rule.id.as_str())
            .collect();
        let passing = u64::from(rule.passed > 0);
        let suite_tests = findings.len() as u64 + passing;
        let suite_failures = findings
            .iter()
            .filter(|f| f.outcome == Outcome::Fail && f.waived.is_none())
            .count() as u64;
        let suite_errors = findings
            .iter()
            .filter(|f| f.outcome == Outcome::Error)
            .count() as u64;
        let suite_skipped = findings.iter().filter(|f| f.waived.is_some()).count() as u64;
        tests += suite_tests;
        failures += suite_failures;
        errors += suite_errors;
        skipped += suite_skipped;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{suite_tests}\" failures=\"{suite_failures}\" errors=\"{suite_errors}\" skipped=\"{suite_skipped}\" timestamp=\"{}\">",
            escape(&rule.id),
            evaluation.evaluated_at
        );
        let _ = writeln!(
            suites,
            "    <properties><property name=\"title\" value=\"{}\"/><property name=\"severity\" value=\"{}\"/><property name=\"pkimm\" value=\"{}\"/><property name=\"citation\" value=\"{}\"/></properties>",
            escape(&rule.title),
            rule.severity.map_or("", |s| s.name()),
            escape(&rule.pkimm.join(" ")),
            escape(&rule.citation)
        );
        for f in &findings {
            let _ = write!(
                suites,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\">",
                escape(&rule.id),
                escape(&format!("{} {}", f.record.kind, f.record.label)),
                escape(f.record.sources.first().map_or("", String::as_str))
            );
            match (&f.waived, f.outcome) {
                (Some(waiver), _) => {
                    let _ = write!(
                        suites,
                        "<skipped message=\"waived until {}: {}\"/>",
                        escape(&waiver.expires),
                        escape(&waiver.reason)
                    );
                }
                (None, Outcome::Error) => {
                    let _ = write!(
                        suites,
                        "<error message=\"{}\" type=\"evaluation\"/>",
                        escape(&f.message)
                    );
                }
                (None, _) => {
                    let _ = write!(
                        suites,
                        "<failure message=\"{}\" type=\"{}\">{}\nrecord: {}\nremediation: {}</failure>",
                        escape(&f.message),
                        f.severity.name(),
                        escape(&f.message),
                        escape(&f.record.id),
                        escape(&rule.remediation)
                    );
                }
            }
            suites.push_str("</testcase>\n");
        }
        if passing == 1 {
            let _ = writeln!(
                suites,
                "    <testcase classname=\"{}\" name=\"{} records conform\"/>",
                escape(&rule.id),
                rule.passed
            );
        }
        suites.push_str("  </testsuite>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"pkimm\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" timestamp=\"{}\">\n{suites}</testsuites>\n",
        evaluation.evaluated_at
    )
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(escape("x\u{1}y"), "x\u{FFFD}y");
    }
}
