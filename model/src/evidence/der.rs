//! DER bytes held as bytes in memory and written as base64 in JSON.
//!
//! Evidence keeps the encoded certificate or CRL so later stages can re-parse
//! or verify it. Holding the bytes (not their base64 text) costs a quarter less
//! memory and no encoding on the parse path; the base64 form exists only in
//! serialised bundles, where JSON needs text.

use std::borrow::Cow;

use base64::Engine as _;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// DER-encoded bytes; serialised as standard, padded base64.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Der(pub Box<[u8]>);

impl Der {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether there are no bytes (a record built without its encoding).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The base64 text, as written in bundles.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.0)
    }
}

impl From<Vec<u8>> for Der {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes.into_boxed_slice())
    }
}

impl From<&[u8]> for Der {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.into())
    }
}

impl Serialize for Der {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Der {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Self::from)
            .map_err(|err| serde::de::Error::custom(format!("not valid base64 DER: {err}")))
    }
}

impl JsonSchema for Der {
    fn schema_name() -> Cow<'static, str> {
        "Der".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "contentEncoding": "base64",
            "description": "DER bytes, standard base64 with padding."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_as_base64_text() {
        let der = Der::from(vec![0x30, 0x03, 0x02, 0x01, 0x05]);
        let json = serde_json::to_string(&der).unwrap();
        assert_eq!(json, "\"MAMCAQU=\"");
        assert_eq!(serde_json::from_str::<Der>(&json).unwrap(), der);
    }

    #[test]
    fn bad_base64_is_a_clear_error() {
        let err = serde_json::from_str::<Der>("\"@@@\"").unwrap_err();
        assert!(err.to_string().contains("not valid base64 DER"), "{err}");
    }
}
