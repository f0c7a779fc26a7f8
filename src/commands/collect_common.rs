//! Helpers shared by the collect commands.

use std::path::Path;

use anyhow::{Context, Result};

/// The agent name: given, or the host name, or `unknown`.
pub fn agent_name(given: Option<&str>) -> String {
    if let Some(name) = given {
        return name.to_string();
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Reads a secret from the first line of a file. The secret is never logged;
/// errors name only the file.
pub fn read_secret(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the secret file {}", path.display()))?;
    Ok(text.lines().next().unwrap_or("").to_string())
}
