//! Confidential benchmarking: anonymised contributions ([`Contribution`]),
//! the benchmark built from many of them ([`Benchmark`]), and one
//! organisation's levels against its closest peer group ([`PeerComparison`]).
//!
//! A contribution holds only the model version, the assurance profile, an
//! industry and size band from fixed vocabularies, the month, and the
//! assessed category, module and overall levels: never the organisation,
//! scope, assessor, justifications, evidence, hosts or fingerprints.

mod build;
mod file;
mod peers;
mod stats;
pub mod vocab;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use build::{build, Benchmark, BuildOptions, Group, ModelBenchmark};
pub use file::{load_benchmark, load_contribution};
pub use peers::{compare_with_peers, PeerComparison, PeerQuery, PeerRow};
pub use stats::Distribution;

use crate::aggregate::Basis;
use crate::report::ScoreReport;

/// Layout version of contributions and benchmarks.
pub const BENCHMARK_SCHEMA_VERSION: &str = "1.0.0";
/// The `kind` of a contribution file.
pub const CONTRIBUTION_KIND: &str = "pkimm-benchmark-contribution";
/// The `kind` of a benchmark file.
pub const BENCHMARK_KIND: &str = "pkimm-benchmark";

/// Why a contribution or benchmark could not be made or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BenchmarkError {
    /// Pre-filled levels are not comparable between organisations.
    #[error("only assessed levels can be contributed: pre-filled suggestions are not comparable between organisations (drop --basis prefilled)")]
    Prefilled,
    /// The industry code is not in the vocabulary.
    #[error("unknown industry `{0}`; `pkimm benchmark industries` lists the ISIC Rev. 4 sections A to U")]
    UnknownIndustry(String),
    /// The size band is not in the vocabulary.
    #[error("unknown size band `{0}`; use one of {bands}", bands = vocab::SIZE_BANDS.map(|b| b.0).join(", "))]
    UnknownSizeBand(String),
    /// The assessment still has undecided requirements.
    #[error("{undecided} of {applicable} applicable requirements are not decided yet, so the levels are not comparable; decide them, or pass --allow-partial to contribute anyway (marked partial)")]
    Partial {
        /// Requirements not decided.
        undecided: u32,
        /// Applicable requirements.
        applicable: u32,
    },
    /// The group size would reveal individual contributions.
    #[error(
        "--min-group must be at least {min}: smaller groups would reveal individual contributions"
    )]
    GroupTooSmall {
        /// The smallest allowed.
        min: usize,
    },
    /// No contribution was given.
    #[error("no contributions to build a benchmark from")]
    Empty,
    /// A contribution or benchmark file of the wrong kind or version.
    #[error("{what}")]
    Invalid {
        /// What is wrong.
        what: String,
    },
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] pkimm_model::ReadError),
    /// The file is not valid JSON of the expected shape.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse {
        /// The file.
        path: std::path::PathBuf,
        /// One-based line.
        line: usize,
        /// One-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A check failed on a file's content.
    #[error("{}: {error}", path.display())]
    InFile {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        error: Box<Self>,
    },
}

impl BenchmarkError {
    /// This error, said of `path`.
    pub fn in_file(self, path: &std::path::Path) -> Self {
        Self::InFile {
            path: path.to_path_buf(),
            error: Box::new(self),
        }
    }
}

/// The assessed levels a contribution carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Levels {
    /// Category levels by category id (not-applicable categories left out).
    pub categories: BTreeMap<String, f64>,
    /// Module levels by module id.
    pub modules: BTreeMap<String, f64>,
    /// The overall level.
    pub overall: Option<f64>,
}

/// One organisation's anonymised levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    /// Layout version.
    pub schema_version: String,
    /// Always `pkimm-benchmark-contribution`.
    pub kind: String,
    /// PKIMM model version of the levels.
    pub model_version: String,
    /// The assessment profile, `id@version`.
    pub profile: String,
    /// The assurance profile id.
    pub assurance: String,
    /// ISIC Rev. 4 section.
    pub industry: String,
    /// Employees band.
    pub size_band: String,
    /// Band of the number of certificates in the evidence, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates_band: Option<String>,
    /// The month the levels are from, `YYYY-MM`.
    pub period: String,
    /// Share of the applicable requirements the assessor decided (1 when
    /// complete); contributions below 1 are partial.
    pub decided_share: f64,
    /// The assessed levels.
    pub levels: Levels,
}

/// What a contribution says about the organisation beyond its levels.
#[derive(Debug, Clone)]
pub struct ContributeOptions<'a> {
    /// ISIC Rev. 4 section code.
    pub industry: &'a str,
    /// Employees band.
    pub size_band: &'a str,
    /// The number of certificates in the evidence, when known.
    pub certificates: Option<u64>,
    /// The assessment's date, `YYYY-MM…`; the month of `fallback_month` when absent.
    pub date: Option<&'a str>,
    /// `YYYY-MM` to use when the assessment has no usable date.
    pub fallback_month: String,
    /// Contribute even though requirements are undecided.
    pub allow_partial: bool,
}

fn two_decimals(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The month of an ISO 8601 date (`2026-11-30`, `2026-11`), if it has one.
fn month_of(date: &str) -> Option<String> {
    let bytes = date.trim().as_bytes();
    let ok = bytes.len() >= 7
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && matches!(&bytes[5..7], [b'0', b'1'..=b'9'] | [b'1', b'0'..=b'2']);
    ok.then(|| date.trim()[..7].to_string())
}

/// The anonymised contribution of a scored assessment (assessed basis only).
pub fn contribute(
    report: &ScoreReport,
    options: &ContributeOptions<'_>,
) -> Result<Contribution, BenchmarkError> {
    if report.basis != Basis::Assessed {
        return Err(BenchmarkError::Prefilled);
    }
    let industry = vocab::industry(options.industry)
        .ok_or_else(|| BenchmarkError::UnknownIndustry(options.industry.to_string()))?;
    let size_band = vocab::size_band(options.size_band)
        .ok_or_else(|| BenchmarkError::UnknownSizeBand(options.size_band.to_string()))?;
    let statistics = &report.overall.statistics;
    let applicable = statistics.total_applicable();
    let undecided = statistics.not_evaluated;
    if undecided > 0 && !options.allow_partial {
        return Err(BenchmarkError::Partial {
            undecided,
            applicable,
        });
    }
    let decided_share = if applicable == 0 {
        0.0
    } else {
        two_decimals(f64::from(applicable - undecided) / f64::from(applicable))
    };
    let levels = Levels {
        categories: report
            .categories
            .iter()
            .filter(|c| !c.left_out)
            .filter_map(|c| Some((c.id.clone(), two_decimals(c.score.as_ref()?.value))))
            .collect(),
        modules: report
            .modules
            .iter()
            .filter_map(|m| Some((m.id.clone(), two_decimals(m.score.as_ref()?.value))))
            .collect(),
        overall: report.overall.score.as_ref().map(|s| two_decimals(s.value)),
    };
    Ok(Contribution {
        schema_version: BENCHMARK_SCHEMA_VERSION.to_string(),
        kind: CONTRIBUTION_KIND.to_string(),
        model_version: report.model.version.clone(),
        profile: format!("{}@{}", report.profile.id, report.profile.version),
        assurance: report.profile.assurance.clone(),
        industry: industry.to_string(),
        size_band: size_band.to_string(),
        certificates_band: options
            .certificates
            .map(|n| vocab::certificate_band(n).to_string()),
        period: options
            .date
            .and_then(month_of)
            .unwrap_or_else(|| options.fallback_month.clone()),
        decided_share,
        levels,
    })
}

impl Contribution {
    /// Checks what deserialising cannot: the kind, the layout version and the
    /// vocabularies.
    pub fn check(&self) -> Result<(), BenchmarkError> {
        let invalid = |what: String| Err(BenchmarkError::Invalid { what });
        if self.kind != CONTRIBUTION_KIND {
            return invalid(format!(
                "field `kind` is `{}`, not `{CONTRIBUTION_KIND}`",
                self.kind
            ));
        }
        if self.schema_version.split('.').next() != BENCHMARK_SCHEMA_VERSION.split('.').next() {
            return invalid(format!(
                "field `schema_version` is `{}`; this pkimm reads {BENCHMARK_SCHEMA_VERSION}",
                self.schema_version
            ));
        }
        if vocab::industry(&self.industry) != Some(self.industry.as_str()) {
            return Err(BenchmarkError::UnknownIndustry(self.industry.clone()));
        }
        if vocab::size_band(&self.size_band).is_none() {
            return Err(BenchmarkError::UnknownSizeBand(self.size_band.clone()));
        }
        let levels = self
            .levels
            .categories
            .values()
            .chain(self.levels.modules.values())
            .chain(self.levels.overall.iter());
        for level in levels {
            if !(0.0..=5.0).contains(level) {
                return invalid(format!("a level of {level} is outside 0 to 5"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::month_of;

    #[test]
    fn only_the_month_of_a_date_is_kept() {
        assert_eq!(month_of("2026-11-30").as_deref(), Some("2026-11"));
        assert_eq!(month_of("2026-11").as_deref(), Some("2026-11"));
        assert_eq!(month_of("2026-13-01"), None);
        assert_eq!(month_of("30 Nov 2026"), None);
    }
}
