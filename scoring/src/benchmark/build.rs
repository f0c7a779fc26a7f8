//! Building the benchmark: groups by (industry, size band), industry, size
//! band and overall, each with the distribution of every level, and groups
//! smaller than the minimum suppressed.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{BenchmarkError, Contribution, Distribution, BENCHMARK_KIND, BENCHMARK_SCHEMA_VERSION};

/// The smallest `--min-group` accepted.
pub const SMALLEST_MIN_GROUP: usize = 3;

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Groups (and levels within a group) with fewer contributions are suppressed.
    pub min_group: usize,
    /// Count partial contributions (requirements left undecided) too.
    pub include_partial: bool,
    /// The month the benchmark is built, `YYYY-MM`.
    pub built: String,
}

/// One peer group: who is in it, and the distribution of each level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// The industry, or absent for every industry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// The size band, or absent for every size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_band: Option<String>,
    /// Contributions in the group.
    pub count: usize,
    /// Per category; a category fewer than the minimum rated is left out.
    pub categories: BTreeMap<String, Distribution>,
    /// Per module.
    pub modules: BTreeMap<String, Distribution>,
    /// The overall level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overall: Option<Distribution>,
}

/// The groups of one model version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelBenchmark {
    /// PKIMM model version; versions are never mixed.
    pub model_version: String,
    /// Contributions counted.
    pub contributions: usize,
    /// Partial contributions left out.
    pub partial_left_out: usize,
    /// Groups smaller than the minimum, not shown (their contributions count
    /// in the wider groups).
    pub suppressed_groups: usize,
    /// Overall first, then by industry, by size band, and by both.
    pub groups: Vec<Group>,
}

/// A benchmark: aggregate figures only, never one contribution's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    /// Layout version.
    pub schema_version: String,
    /// Always `pkimm-benchmark`.
    pub kind: String,
    /// The month it was built, `YYYY-MM`.
    pub built: String,
    /// The smallest group shown.
    pub min_group: usize,
    /// How quartiles are computed.
    pub quartiles: String,
    /// How model versions are treated.
    pub model_versions: String,
    /// One entry per model version.
    pub models: Vec<ModelBenchmark>,
}

impl Benchmark {
    /// Checks the kind, the layout version and the group minimum.
    pub fn check(&self) -> Result<(), BenchmarkError> {
        let invalid = |what: String| Err(BenchmarkError::Invalid { what });
        if self.kind != BENCHMARK_KIND {
            return invalid(format!(
                "field `kind` is `{}`, not `{BENCHMARK_KIND}`",
                self.kind
            ));
        }
        if self.schema_version.split('.').next() != BENCHMARK_SCHEMA_VERSION.split('.').next() {
            return invalid(format!(
                "field `schema_version` is `{}`; this pkimm reads {BENCHMARK_SCHEMA_VERSION}",
                self.schema_version
            ));
        }
        if self.min_group < SMALLEST_MIN_GROUP {
            return invalid(format!(
                "field `min_group` is {}; a benchmark needs at least {SMALLEST_MIN_GROUP}",
                self.min_group
            ));
        }
        Ok(())
    }
}

/// The group of `members` with key (`industry`, `size_band`), or `None`
/// when it is too small.
fn group(
    industry: Option<&str>,
    size_band: Option<&str>,
    members: &[&Contribution],
    min_group: usize,
) -> Option<Group> {
    if members.len() < min_group {
        return None;
    }
    let distributions = |pick: &dyn Fn(&Contribution) -> Vec<(String, f64)>| {
        let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for member in members {
            for (id, value) in pick(member) {
                values.entry(id).or_default().push(value);
            }
        }
        values
            .into_iter()
            .filter(|(_, v)| v.len() >= min_group)
            .filter_map(|(id, v)| Some((id, Distribution::of(&v)?)))
            .collect::<BTreeMap<_, _>>()
    };
    let overall: Vec<f64> = members.iter().filter_map(|m| m.levels.overall).collect();
    Some(Group {
        industry: industry.map(str::to_string),
        size_band: size_band.map(str::to_string),
        count: members.len(),
        categories: distributions(&|c| {
            c.levels
                .categories
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect()
        }),
        modules: distributions(&|c| {
            c.levels
                .modules
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect()
        }),
        overall: (overall.len() >= min_group)
            .then(|| Distribution::of(&overall))
            .flatten(),
    })
}

fn model_benchmark(
    model_version: &str,
    all: &[&Contribution],
    options: &BuildOptions,
) -> ModelBenchmark {
    let (members, partial): (Vec<&Contribution>, Vec<&Contribution>) = all
        .iter()
        .partition(|c| options.include_partial || c.decided_share >= 1.0);
    let industries: BTreeSet<&str> = members.iter().map(|c| c.industry.as_str()).collect();
    let bands: BTreeSet<&str> = members.iter().map(|c| c.size_band.as_str()).collect();
    let mut keys: Vec<(Option<&str>, Option<&str>)> = vec![(None, None)];
    keys.extend(industries.iter().map(|i| (Some(*i), None)));
    keys.extend(bands.iter().map(|b| (None, Some(*b))));
    for industry in &industries {
        for band in &bands {
            if members
                .iter()
                .any(|c| c.industry == *industry && c.size_band == *band)
            {
                keys.push((Some(industry), Some(band)));
            }
        }
    }
    let mut groups = Vec::new();
    let mut suppressed = 0;
    for (industry, band) in keys {
        let in_group: Vec<&Contribution> = members
            .iter()
            .copied()
            .filter(|c| industry.is_none_or(|i| c.industry == i))
            .filter(|c| band.is_none_or(|b| c.size_band == b))
            .collect();
        match group(industry, band, &in_group, options.min_group) {
            Some(g) => groups.push(g),
            None => suppressed += 1,
        }
    }
    ModelBenchmark {
        model_version: model_version.to_string(),
        contributions: members.len(),
        partial_left_out: partial.len(),
        suppressed_groups: suppressed,
        groups,
    }
}

/// Builds the benchmark of `contributions`, each checked first.
pub fn build(
    contributions: &[Contribution],
    options: &BuildOptions,
) -> Result<Benchmark, BenchmarkError> {
    if options.min_group < SMALLEST_MIN_GROUP {
        return Err(BenchmarkError::GroupTooSmall {
            min: SMALLEST_MIN_GROUP,
        });
    }
    if contributions.is_empty() {
        return Err(BenchmarkError::Empty);
    }
    for contribution in contributions {
        contribution.check()?;
    }
    let mut by_model: BTreeMap<&str, Vec<&Contribution>> = BTreeMap::new();
    for contribution in contributions {
        by_model
            .entry(contribution.model_version.as_str())
            .or_default()
            .push(contribution);
    }
    Ok(Benchmark {
        schema_version: BENCHMARK_SCHEMA_VERSION.to_string(),
        kind: BENCHMARK_KIND.to_string(),
        built: options.built.clone(),
        min_group: options.min_group,
        quartiles: "linear interpolation between closest ranks (Excel QUARTILE.INC, NumPy default)"
            .to_string(),
        model_versions: "kept apart: levels of different PKIMM versions are never pooled; migrate assessments with `pkimm migrate` before contributing to compare across versions".to_string(),
        models: by_model
            .into_iter()
            .map(|(version, members)| model_benchmark(version, &members, options))
            .collect(),
    })
}
