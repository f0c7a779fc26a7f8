//! What changed between two scans, as lines of text.

use std::collections::{BTreeMap, BTreeSet};

use super::record::Snapshot;

/// Differences between two snapshots, as lines of text.
pub fn diff(a: &Snapshot, b: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    let keys = |m: &BTreeMap<String, (String, String)>| m.keys().cloned().collect::<BTreeSet<_>>();
    let (ca, cb) = (keys(&a.certificates), keys(&b.certificates));
    for fp in cb.difference(&ca) {
        let (subject, not_after) = &b.certificates[fp];
        out.push(format!(
            "+ certificate {subject} (expires {not_after}) {}",
            &fp[..16.min(fp.len())]
        ));
    }
    for fp in ca.difference(&cb) {
        let (subject, not_after) = &a.certificates[fp];
        out.push(format!(
            "- certificate {subject} (expires {not_after}) {}",
            &fp[..16.min(fp.len())]
        ));
    }
    for (key, after) in &b.endpoints {
        let name = if key.1.is_empty() {
            key.0.clone()
        } else {
            format!("{} ({})", key.0, key.1)
        };
        match a.endpoints.get(key) {
            None => out.push(format!("+ endpoint {name}")),
            Some(before) if before.0 != after.0 => out.push(format!(
                "~ endpoint {name}: certificate changed {} → {}",
                &before.0[..16.min(before.0.len())],
                &after.0[..16.min(after.0.len())]
            )),
            Some(before) if before.1 != after.1 => {
                out.push(format!(
                    "~ endpoint {name}: versions {} → {}",
                    before.1, after.1
                ));
            }
            Some(_) => {}
        }
    }
    for key in a.endpoints.keys().filter(|k| !b.endpoints.contains_key(*k)) {
        out.push(format!("- endpoint {}", key.0));
    }
    for (key, (severity, label)) in &b.findings {
        if !a.findings.contains_key(key) {
            out.push(format!("+ finding [{severity}] {} on {label}", key.0));
        }
    }
    for (key, (severity, label)) in &a.findings {
        if !b.findings.contains_key(key) {
            out.push(format!(
                "- finding [{severity}] {} on {label} (resolved)",
                key.0
            ));
        }
    }
    for (requirement, after) in &b.levels {
        match a.levels.get(requirement) {
            Some(before) if before != after => {
                out.push(format!("~ level {requirement}: {before} → {after}"));
            }
            None => out.push(format!("+ level {requirement}: {after}")),
            _ => {}
        }
    }
    out
}
