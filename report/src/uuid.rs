//! Name-based UUIDs for the identifiers of generated documents (OSCAL
//! UUIDs, the CBOM serial number).

use sha1::{Digest, Sha1};

/// The namespace of pkimm's name-based UUIDs.
const NAMESPACE: [u8; 16] = [
    0x6b, 0x1d, 0x3e, 0x52, 0x94, 0x0c, 0x4f, 0x3a, 0x9d, 0x27, 0x5e, 0x81, 0xc4, 0x70, 0x2b, 0x19,
];

/// The RFC 9562 version 5 (name-based, SHA-1) UUID of `name` in pkimm's
/// namespace: the same name always gives the same UUID, so documents of
/// the same inputs diff cleanly (OSCAL requires version 4 or 5 UUIDs).
pub fn name_uuid(name: &str) -> String {
    let mut hasher = Sha1::new();
    hasher.update(NAMESPACE);
    hasher.update(name.as_bytes());
    let digest = hasher.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::name_uuid;

    #[test]
    fn name_uuids_are_version_5_and_stable() {
        let id = name_uuid("observation:certificate:00");
        assert_eq!(id, name_uuid("observation:certificate:00"));
        assert_ne!(id, name_uuid("observation:certificate:01"));
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('5'), "{id}");
        assert!(
            matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
            "{id}"
        );
    }
}
