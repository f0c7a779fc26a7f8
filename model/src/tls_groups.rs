//! TLS key-exchange groups: IANA code points and names (the IANA TLS
//! Supported Groups registry), with what kind of key exchange each is. Shared
//! by the TLS collector that offers them, the rule views that judge them
//! (post-quantum readiness) and the outputs that name them (the CBOM).

/// What a group's key exchange rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKind {
    /// Elliptic-curve Diffie-Hellman (X25519, X448, NIST and Brainpool curves).
    Ecdh,
    /// Finite-field Diffie-Hellman (the RFC 7919 ffdhe groups).
    Ffdh,
    /// A hybrid of a classical ECDH group and ML-KEM: quantum-safe as long as
    /// either part holds.
    PqHybrid,
    /// ML-KEM alone.
    PqPure,
}

impl GroupKind {
    /// Whether the key exchange resists a quantum computer.
    pub fn is_post_quantum(self) -> bool {
        matches!(self, Self::PqHybrid | Self::PqPure)
    }

    /// The kind's name in evidence and rules.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ecdh => "ecdh",
            Self::Ffdh => "ffdh",
            Self::PqHybrid => "pq-hybrid",
            Self::PqPure => "pq",
        }
    }
}

/// One named group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedGroup {
    /// IANA code point.
    pub id: u16,
    /// IANA name.
    pub name: &'static str,
    /// Key-exchange kind.
    pub kind: GroupKind,
    /// Classical security strength in bits (NIST SP 800-57 Part 1 Table 2);
    /// for hybrids, that of the classical part.
    pub strength_bits: u16,
}

const fn group(id: u16, name: &'static str, kind: GroupKind, strength_bits: u16) -> NamedGroup {
    NamedGroup {
        id,
        name,
        kind,
        strength_bits,
    }
}

/// Every group the TLS collector offers, most wanted first: post-quantum
/// hybrids, then the modern curves, then finite-field groups, then the
/// legacy curves still seen on old servers.
pub const GROUPS: &[NamedGroup] = &[
    group(0x11ec, "X25519MLKEM768", GroupKind::PqHybrid, 128),
    group(0x11eb, "SecP256r1MLKEM768", GroupKind::PqHybrid, 128),
    group(0x11ed, "SecP384r1MLKEM1024", GroupKind::PqHybrid, 192),
    group(0x6399, "X25519Kyber768Draft00", GroupKind::PqHybrid, 128),
    group(0x0200, "MLKEM512", GroupKind::PqPure, 128),
    group(0x0201, "MLKEM768", GroupKind::PqPure, 192),
    group(0x0202, "MLKEM1024", GroupKind::PqPure, 256),
    group(0x001d, "x25519", GroupKind::Ecdh, 128),
    group(0x0017, "secp256r1", GroupKind::Ecdh, 128),
    group(0x0018, "secp384r1", GroupKind::Ecdh, 192),
    group(0x0019, "secp521r1", GroupKind::Ecdh, 256),
    group(0x001e, "x448", GroupKind::Ecdh, 224),
    group(0x001f, "brainpoolP256r1tls13", GroupKind::Ecdh, 128),
    group(0x0020, "brainpoolP384r1tls13", GroupKind::Ecdh, 192),
    group(0x0021, "brainpoolP512r1tls13", GroupKind::Ecdh, 256),
    group(0x0100, "ffdhe2048", GroupKind::Ffdh, 112),
    group(0x0101, "ffdhe3072", GroupKind::Ffdh, 128),
    group(0x0102, "ffdhe4096", GroupKind::Ffdh, 152),
    group(0x0103, "ffdhe6144", GroupKind::Ffdh, 176),
    group(0x0104, "ffdhe8192", GroupKind::Ffdh, 192),
    group(0x001a, "brainpoolP256r1", GroupKind::Ecdh, 128),
    group(0x001b, "brainpoolP384r1", GroupKind::Ecdh, 192),
    group(0x001c, "brainpoolP512r1", GroupKind::Ecdh, 256),
    group(0x0016, "secp256k1", GroupKind::Ecdh, 128),
    group(0x0015, "secp224r1", GroupKind::Ecdh, 112),
    group(0x0014, "secp224k1", GroupKind::Ecdh, 112),
    group(0x0013, "secp192r1", GroupKind::Ecdh, 96),
    group(0x0012, "secp192k1", GroupKind::Ecdh, 96),
];

/// The group with this code point.
pub fn group_by_id(id: u16) -> Option<&'static NamedGroup> {
    GROUPS.iter().find(|g| g.id == id)
}

/// The group with this IANA name.
pub fn group_by_name(name: &str) -> Option<&'static NamedGroup> {
    GROUPS.iter().find(|g| g.name == name)
}

/// The IANA name of a group code point, or `0xXXXX` when unknown.
pub fn group_name(id: u16) -> String {
    group_by_id(id).map_or_else(|| format!("0x{id:04X}"), |g| g.name.to_string())
}

/// Whether the named group is a post-quantum (hybrid or pure ML-KEM) group.
pub fn is_post_quantum(name: &str) -> bool {
    group_by_name(name).is_some_and(|g| g.kind.is_post_quantum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_points_and_names_are_unique() {
        for (i, a) in GROUPS.iter().enumerate() {
            for b in &GROUPS[i + 1..] {
                assert_ne!(a.id, b.id, "{}", a.name);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn the_post_quantum_code_points_are_the_registered_ones() {
        assert_eq!(group_name(0x11ec), "X25519MLKEM768");
        assert_eq!(group_name(0x11eb), "SecP256r1MLKEM768");
        assert_eq!(group_name(0x11ed), "SecP384r1MLKEM1024");
        assert_eq!(group_name(0x0201), "MLKEM768");
        assert!(is_post_quantum("MLKEM1024"));
        assert!(!is_post_quantum("x25519"));
        assert_eq!(group_name(0xabcd), "0xABCD");
    }
}
