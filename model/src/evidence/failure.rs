//! Failed observations. They are evidence too and are never dropped.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Provenance;

/// What kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The data was read but could not be parsed.
    Parse,
    /// A file could not be read.
    Io,
    /// The input was larger than the configured cap.
    TooLarge,
    /// A network peer could not be reached, refused, or reset.
    Network,
    /// A time-out.
    Timeout,
    /// The peer answered with something that is not the expected protocol.
    Protocol,
    /// A required password or key was wrong.
    Authentication,
    /// The input was skipped by policy (an unsupported format, a symlink loop).
    Skipped,
}

/// An observation that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Failure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// What went wrong, in words.
    pub message: String,
    /// Byte offset inside the source where the problem was found, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Where and when.
    pub provenance: Provenance,
}
