//! The assessment file the workspace edits. It is read again whenever it
//! changed on disk (a hand edit, `pkimm confirm`, `pkimm assess`), and every
//! save holds the file's update lock from reading to writing, checks the
//! requirement's version, and writes atomically with `.bak`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use pkimm_model::Model;
use pkimm_scoring::assessment::RequirementEntry;
use pkimm_scoring::{load_assessment_file, save_assessment, Assessment};

use crate::WorkspaceError;

/// How long a save waits for another writer (`pkimm confirm`, another
/// browser) to finish.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// What identifies one state of the file on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

#[derive(Debug)]
struct Cached {
    assessment: Assessment,
    stamp: Option<Stamp>,
    /// When the file last changed under the workspace, and it was re-read.
    outside_change: Option<String>,
}

/// The assessment file and the model it is made against.
#[derive(Debug)]
pub struct AssessmentFile {
    path: PathBuf,
    model: Model,
    cached: Mutex<Cached>,
}

impl AssessmentFile {
    /// Opens `path`, made against `model`, already parsed as `assessment`.
    pub fn new(path: &Path, model: Model, assessment: Assessment) -> Self {
        Self {
            path: path.to_path_buf(),
            model,
            cached: Mutex::new(Cached {
                assessment,
                stamp: stamp(path),
                outside_change: None,
            }),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The assessment as it is on disk now, and when it last changed outside
    /// the workspace (if it did since the workspace started).
    pub fn current(&self) -> Result<(Assessment, Option<String>), WorkspaceError> {
        let mut cached = self.lock();
        let now = stamp(&self.path);
        if now != cached.stamp {
            cached.assessment = load_assessment_file(&self.path, &self.model)?;
            cached.stamp = now;
            cached.outside_change = Some(pkimm_model::evidence::UtcTime::now().to_string());
        }
        Ok((cached.assessment.clone(), cached.outside_change.clone()))
    }

    /// Reads the file afresh under its update lock, lets `change` edit it,
    /// and saves it (atomically, keeping `.bak`) when `change` succeeds.
    pub fn update<T>(
        &self,
        change: impl FnOnce(&mut Assessment) -> Result<T, WorkspaceError>,
    ) -> Result<T, WorkspaceError> {
        let _lock = pkimm_model::write::UpdateLock::acquire(&self.path, LOCK_WAIT)?;
        let mut assessment = load_assessment_file(&self.path, &self.model)?;
        let result = change(&mut assessment)?;
        save_assessment(&self.path, &assessment)?;
        let mut cached = self.lock();
        cached.stamp = stamp(&self.path);
        cached.assessment = assessment;
        Ok(result)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.cached.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The version of a requirement's decision: its revision and a digest of
/// every decision field, so that a hand edit (which does not count
/// revisions) changes it too. A form carries the version it was shown; a
/// save against another version is refused.
pub fn entry_version(entry: Option<&RequirementEntry>) -> String {
    let Some(entry) = entry else {
        return "0.new".to_string();
    };
    let fields = serde_json::json!([
        entry.status,
        entry.level,
        entry.justification,
        entry.reason,
        entry.assessor,
        entry.at,
        entry.criteria,
    ]);
    let digest = ring::digest::digest(&ring::digest::SHA256, fields.to_string().as_bytes());
    let digest = hex::encode(&digest.as_ref()[..6]);
    if entry.revision == 0
        && entry.status.is_none()
        && entry.level.is_none()
        && entry.criteria.is_empty()
    {
        return "0.new".to_string();
    }
    format!("{}.{digest}", entry.revision)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_decisions_and_hand_edits() {
        let mut entry = RequirementEntry::default();
        assert_eq!(entry_version(Some(&entry)), entry_version(None));
        // A suggestion alone is not a decision.
        entry.note = Some("needs assessor".into());
        assert_eq!(entry_version(Some(&entry)), "0.new");
        entry.level = pkimm_model::Level::from_number(2);
        let hand_edited = entry_version(Some(&entry));
        assert_ne!(hand_edited, "0.new");
        entry.justification = Some("edited by hand".into());
        assert_ne!(entry_version(Some(&entry)), hand_edited);
        entry.revision = 1;
        assert!(entry_version(Some(&entry)).starts_with("1."));
    }
}
