//! `fixture:` paths in rule test cases, loaded with the files collector.

use std::path::PathBuf;

use pkimm_collectors::files::{collect_files, FilesOptions};
use pkimm_model::evidence::EvidenceBundle;
use pkimm_rules::testcase::{FixtureError, FixtureLoader};

/// Loads fixtures under a directory.
pub struct FileFixtures {
    /// The directory `fixture:` paths are relative to.
    pub root: PathBuf,
}

impl FixtureLoader for FileFixtures {
    fn load(&self, path: &str) -> Result<EvidenceBundle, FixtureError> {
        let error = |message: String| FixtureError {
            path: path.to_string(),
            message,
        };
        let full = self.root.join(path);
        let (bundle, _) =
            collect_files(&[full], &FilesOptions::default()).map_err(|e| error(e.to_string()))?;
        if let Some(failure) = bundle.failures.first() {
            return Err(error(failure.message.clone()));
        }
        Ok(bundle)
    }
}
