//! A SHA-256 fingerprint held as its 64 lowercase hex characters, inline.
//!
//! Certificates and CRLs are identified by the SHA-256 of their DER, and
//! certificates also carry the SHA-256 of their key. Held as a `String` each
//! fingerprint costs a 24-byte header plus a 64-byte allocation; held inline
//! it costs 64 bytes and no allocation, which matters at 100,000 records. It
//! reads as a `&str` everywhere (it dereferences to one), so rules, reports
//! and indexes see the same text as before.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::hash::{Hash, Hasher};

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A SHA-256 digest as 64 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sha256Hex([u8; 64]);

/// Text that is not a SHA-256 fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a SHA-256 fingerprint (64 hex digits): {0:?}")]
pub struct NotSha256Hex(pub String);

impl Sha256Hex {
    /// The hex form of a digest.
    pub fn from_digest(digest: &[u8; 32]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 64];
        for (pair, byte) in text.chunks_exact_mut(2).zip(digest) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 0x0f)];
        }
        Self(text)
    }

    /// Reads 64 hex digits (either case; stored in lowercase).
    pub fn parse(text: &str) -> Result<Self, NotSha256Hex> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 || !bytes.iter().all(u8::is_ascii_hexdigit) {
            return Err(NotSha256Hex(text.chars().take(80).collect()));
        }
        let mut out = [0u8; 64];
        for (o, b) in out.iter_mut().zip(bytes) {
            *o = b.to_ascii_lowercase();
        }
        Ok(Self(out))
    }

    /// The 64 hex characters.
    pub fn as_str(&self) -> &str {
        // Every constructor writes ASCII hex digits only.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::ops::Deref for Sha256Hex {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Sha256Hex {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Sha256Hex {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Hash for Sha256Hex {
    // As the text hashes, so that maps keyed by fingerprint can be looked up
    // with a `&str` (`Borrow<str>`).
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::str::FromStr for Sha256Hex {
    type Err = NotSha256Hex;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl From<Sha256Hex> for String {
    fn from(digest: Sha256Hex) -> Self {
        digest.as_str().to_owned()
    }
}

impl PartialEq<str> for Sha256Hex {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Sha256Hex {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Sha256Hex {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Sha256Hex> for str {
    fn eq(&self, other: &Sha256Hex) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Sha256Hex> for &str {
    fn eq(&self, other: &Sha256Hex) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Sha256Hex> for String {
    fn eq(&self, other: &Sha256Hex) -> bool {
        self == other.as_str()
    }
}

impl Serialize for Sha256Hex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Sha256Hex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Sha256Hex {
    fn schema_name() -> Cow<'static, str> {
        "Sha256Hex".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "SHA-256, 64 lowercase hex digits."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_lowercase_hex() {
        let digest = Sha256Hex::from_digest(&[0xab; 32]);
        assert_eq!(digest.as_str(), "ab".repeat(32));
        assert_eq!(Sha256Hex::parse(&"AB".repeat(32)), Ok(digest));
        let json = serde_json::to_string(&digest).unwrap();
        assert_eq!(serde_json::from_str::<Sha256Hex>(&json).unwrap(), digest);
    }

    #[test]
    fn refuses_what_is_not_a_fingerprint() {
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(65)] {
            assert!(Sha256Hex::parse(bad).is_err(), "{bad}");
        }
        let err = serde_json::from_str::<Sha256Hex>("\"zz\"").unwrap_err();
        assert!(err.to_string().contains("SHA-256"), "{err}");
    }

    #[test]
    fn a_map_keyed_by_fingerprint_is_searched_with_text() {
        let digest = Sha256Hex::from_digest(&[7; 32]);
        let map = std::collections::HashMap::from([(digest, 1)]);
        assert_eq!(map.get(digest.as_str()), Some(&1));
    }
}
