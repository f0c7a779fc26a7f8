//! One organisation's levels against the closest peer group of a benchmark.

use schemars::JsonSchema;
use serde::Serialize;

use super::{Benchmark, BenchmarkError, Distribution, Group};
use crate::aggregate::{CategoryScore, ModuleScore, OverallScore};

/// Which peers to look for; the closest group shown is the first not
/// suppressed of (industry and size), industry, size, everyone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct PeerQuery {
    /// ISIC Rev. 4 section.
    pub industry: Option<String>,
    /// Employees band.
    pub size_band: Option<String>,
}

impl PeerQuery {
    /// A query for an industry code (any case) and a size band as a user
    /// gives them, checked against the vocabulary.
    pub fn from_codes(
        industry: Option<&str>,
        size_band: Option<&str>,
    ) -> Result<Self, BenchmarkError> {
        Ok(Self {
            industry: in_vocabulary(
                industry,
                super::vocab::industry,
                BenchmarkError::UnknownIndustry,
            )?,
            size_band: in_vocabulary(
                size_band,
                super::vocab::size_band,
                BenchmarkError::UnknownSizeBand,
            )?,
        })
    }
}

/// `value` as the vocabulary spells it, or the `unknown` error.
fn in_vocabulary(
    value: Option<&str>,
    lookup: fn(&str) -> Option<&'static str>,
    unknown: fn(String) -> BenchmarkError,
) -> Result<Option<String>, BenchmarkError> {
    value
        .map(|v| {
            lookup(v)
                .map(str::to_string)
                .ok_or_else(|| unknown(v.to_string()))
        })
        .transpose()
}

/// One level against its peers.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PeerRow {
    /// `category`, `module` or `overall`.
    pub scope: String,
    /// Category or module id (`overall` for the overall level).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The organisation's level, two decimals; absent when not applicable.
    pub level: Option<f64>,
    /// The group compared with: its industry, absent for every industry.
    pub group_industry: Option<String>,
    /// The group's size band, absent for every size.
    pub group_size_band: Option<String>,
    /// The peer distribution; absent when no group has this level.
    pub peers: Option<Distribution>,
    /// Estimated percentile of the organisation's level in the group.
    pub percentile: Option<f64>,
    /// The organisation's level minus the group's median.
    pub versus_median: Option<f64>,
}

/// Every category, module and the overall level against peers.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PeerComparison {
    /// The model version compared within.
    pub model_version: String,
    /// The month the benchmark was built.
    pub benchmark_built: String,
    /// The groups looked for, closest first.
    pub asked: PeerQuery,
    /// The rows: categories, then modules, then overall.
    pub rows: Vec<PeerRow>,
    /// How the percentile is estimated.
    pub percentile_method: String,
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Compares the levels of a `model_version` assessment with `benchmark`.
pub fn compare_with_peers(
    model_version: &str,
    categories: &[CategoryScore],
    modules: &[ModuleScore],
    overall: &OverallScore,
    benchmark: &Benchmark,
    query: &PeerQuery,
) -> Result<PeerComparison, BenchmarkError> {
    benchmark.check()?;
    let model = benchmark
        .models
        .iter()
        .find(|m| m.model_version == model_version)
        .ok_or_else(|| BenchmarkError::Invalid {
            what: format!(
                "the benchmark has no PKIMM {model_version} groups (it has {}); migrate the assessment or build a benchmark for its version",
                benchmark
                    .models
                    .iter()
                    .map(|m| m.model_version.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
    let industry = query.industry.as_deref();
    let band = query.size_band.as_deref();
    let mut wanted: Vec<(Option<&str>, Option<&str>)> = Vec::new();
    if industry.is_some() && band.is_some() {
        wanted.push((industry, band));
    }
    if industry.is_some() {
        wanted.push((industry, None));
    }
    if band.is_some() {
        wanted.push((None, band));
    }
    wanted.push((None, None));
    let candidates: Vec<&Group> = wanted
        .iter()
        .filter_map(|(i, b)| {
            model
                .groups
                .iter()
                .find(|g| g.industry.as_deref() == *i && g.size_band.as_deref() == *b)
        })
        .collect();
    let row = |scope: &str,
               id: &str,
               name: &str,
               level: Option<f64>,
               pick: &dyn Fn(&Group) -> Option<&Distribution>| {
        let found = candidates.iter().find_map(|g| Some((*g, pick(g)?)));
        let level = level.map(round2);
        PeerRow {
            scope: scope.to_string(),
            id: id.to_string(),
            name: name.to_string(),
            level,
            group_industry: found.and_then(|(g, _)| g.industry.clone()),
            group_size_band: found.and_then(|(g, _)| g.size_band.clone()),
            peers: found.map(|(_, d)| d.clone()),
            percentile: found.zip(level).map(|((_, d), l)| d.percentile(l)),
            versus_median: found.zip(level).map(|((_, d), l)| round2(l - d.median)),
        }
    };
    let mut rows = Vec::new();
    for c in categories.iter().filter(|c| !c.left_out) {
        rows.push(row(
            "category",
            &c.id,
            &c.name,
            c.score.as_ref().map(|s| s.value),
            &|g| g.categories.get(&c.id),
        ));
    }
    for m in modules {
        rows.push(row(
            "module",
            &m.id,
            &m.name,
            m.score.as_ref().map(|s| s.value),
            &|g| g.modules.get(&m.id),
        ));
    }
    rows.push(row(
        "overall",
        "overall",
        "Overall",
        overall.score.as_ref().map(|s| s.value),
        &|g| g.overall.as_ref(),
    ));
    Ok(PeerComparison {
        model_version: model_version.to_string(),
        benchmark_built: benchmark.built.clone(),
        asked: query.clone(),
        rows,
        percentile_method: "estimated from the group's minimum, quartiles and maximum by linear interpolation (the benchmark holds no individual values)".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_against_the_vocabulary() {
        let query = PeerQuery::from_codes(Some("k"), Some("250-999")).unwrap();
        assert_eq!(query.industry.as_deref(), Some("K"));
        assert_eq!(query.size_band.as_deref(), Some("250-999"));
        assert_eq!(
            PeerQuery::from_codes(None, None).unwrap(),
            PeerQuery::default()
        );
        assert!(matches!(
            PeerQuery::from_codes(Some("ZZ"), None),
            Err(BenchmarkError::UnknownIndustry(code)) if code == "ZZ"
        ));
        assert!(matches!(
            PeerQuery::from_codes(None, Some("lots")),
            Err(BenchmarkError::UnknownSizeBand(band)) if band == "lots"
        ));
    }
}
