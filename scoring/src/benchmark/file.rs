//! Reading contribution and benchmark files.

use std::path::Path;

use pkimm_model::read::read_text_file;

use super::{Benchmark, BenchmarkError, Contribution};

/// Largest contribution or benchmark file read.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

fn load<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, BenchmarkError> {
    let text = read_text_file(path, MAX_FILE_BYTES)?;
    serde_json::from_str(&text).map_err(|err| BenchmarkError::Parse {
        path: path.to_path_buf(),
        line: err.line(),
        column: err.column(),
        message: format!("not a pkimm {what}: {err}"),
    })
}

/// Reads and checks a contribution file.
pub fn load_contribution(path: &Path) -> Result<Contribution, BenchmarkError> {
    let contribution: Contribution = load(path, "benchmark contribution")?;
    contribution.check().map_err(|err| err.in_file(path))?;
    Ok(contribution)
}

/// Reads and checks a benchmark file.
pub fn load_benchmark(path: &Path) -> Result<Benchmark, BenchmarkError> {
    let benchmark: Benchmark = load(path, "benchmark")?;
    benchmark.check().map_err(|err| err.in_file(path))?;
    Ok(benchmark)
}
