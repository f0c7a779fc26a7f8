//! The evidence manifest (`--format manifest`): every evidence file behind
//! an assessment, with its SHA-256, size and media type, and the
//! requirements it backs. It carries no time, so the same files give the
//! same manifest, and the credential can name it by digest.

use schemars::JsonSchema;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::document::ReportDocument;

/// Layout version of the manifest.
pub const MANIFEST_SCHEMA_VERSION: &str = "1.0.0";

/// One evidence file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EvidenceFile {
    /// The path as given.
    pub path: String,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type, such as `application/vnd.pkimm.evidence+json`.
    pub media_type: String,
    /// Canonical ids of the requirements it backs (for an evidence bundle,
    /// those whose rules evaluated its records).
    pub requirements: Vec<String>,
}

/// The manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EvidenceManifest {
    /// Layout version.
    pub schema_version: String,
    /// Always `pkimm-evidence-manifest`.
    pub kind: String,
    /// The PKIMM version of the assessment.
    pub model_version: String,
    /// The assessment profile id.
    pub profile: String,
    /// The files, sorted by path.
    pub files: Vec<EvidenceFile>,
}

impl EvidenceFile {
    /// Describes the file at `path`: reads it once, streaming, for its
    /// digest and size. `is_bundle` marks a pkimm evidence bundle.
    pub fn describe(
        path: &std::path::Path,
        is_bundle: bool,
        requirements: Vec<String>,
    ) -> std::io::Result<Self> {
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        let size = std::io::copy(&mut file, &mut hasher)?;
        let shown = path.display().to_string();
        Ok(Self {
            media_type: media_type(&shown, is_bundle).to_string(),
            path: shown,
            sha256: hex::encode(hasher.finalize()),
            size,
            requirements,
        })
    }
}

impl EvidenceManifest {
    /// The manifest of `document`'s evidence files.
    pub fn of(document: &ReportDocument) -> Self {
        let mut files = document.evidence_files.clone();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Self {
            schema_version: MANIFEST_SCHEMA_VERSION.to_string(),
            kind: "pkimm-evidence-manifest".to_string(),
            model_version: document.model.version.clone(),
            profile: document.profile.id.clone(),
            files,
        }
    }

    /// The manifest as `--format manifest` writes it.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }

    /// SHA-256 of [`EvidenceManifest::to_json`], hex.
    pub fn digest(&self) -> Result<String, serde_json::Error> {
        Ok(hex::encode(Sha256::digest(self.to_json()?.as_bytes())))
    }
}

/// Renders the manifest.
pub fn render(document: &ReportDocument) -> Result<String, serde_json::Error> {
    EvidenceManifest::of(document).to_json()
}

/// The media type of a file, from its name.
pub fn media_type(path: &str, is_bundle: bool) -> &'static str {
    if is_bundle {
        return "application/vnd.pkimm.evidence+json";
    }
    let lower = path.to_ascii_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    match ext {
        "json" => "application/json",
        "html" | "htm" => "text/html",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "txt" | "log" => "text/plain",
        "yaml" | "yml" => "application/yaml",
        "pdf" => "application/pdf",
        "pem" | "crt" | "cer" => "application/x-pem-file",
        "der" => "application/pkix-cert",
        "crl" => "application/pkix-crl",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}
