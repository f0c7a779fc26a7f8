//! Cryptographic devices and the keys on them, read over PKCS#11.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Provenance;

/// A PKCS#11 token (an HSM partition, a smart card, a software token) and the
/// slot and library it was reached through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CryptoToken {
    /// The PKCS#11 library: manufacturer, description and versions.
    pub library: Pkcs11Library,
    /// Slot id.
    pub slot_id: u64,
    /// Slot description.
    pub slot_description: String,
    /// Slot manufacturer.
    pub slot_manufacturer: String,
    /// Whether the slot is a hardware slot (not a software emulation).
    pub hardware_slot: bool,
    /// Token label.
    pub label: String,
    /// Token manufacturer.
    pub manufacturer: String,
    /// Token model.
    pub model: String,
    /// Token serial number.
    pub serial_number: String,
    /// Hardware version, `major.minor`.
    pub hardware_version: String,
    /// Firmware version, `major.minor`.
    pub firmware_version: String,
    /// A login is needed before private objects can be used.
    pub login_required: bool,
    /// PINs are entered on a PIN pad or reader, not through the library.
    pub protected_authentication_path: bool,
    /// The token has been initialised.
    pub token_initialized: bool,
    /// The user PIN has been set.
    pub user_pin_initialized: bool,
    /// The token is write-protected.
    pub write_protected: bool,
    /// The token has its own random number generator.
    pub rng: bool,
    /// The mechanisms the token supports, by name (`CKM_RSA_PKCS`, …).
    pub mechanisms: Vec<String>,
    /// Whether pkimm logged in as the user, so private objects were visible.
    pub logged_in: bool,
    /// Objects found on the token (keys and certificates), before any cap.
    pub objects_seen: u64,
    /// Where and when it was read.
    pub provenance: Provenance,
}

/// The PKCS#11 library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Pkcs11Library {
    /// Path of the module loaded.
    pub path: String,
    /// Library manufacturer.
    pub manufacturer: String,
    /// Library description.
    pub description: String,
    /// Cryptoki version the library implements, `major.minor`.
    pub cryptoki_version: String,
    /// Library version, `major.minor`.
    pub library_version: String,
}

/// Key object class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyClass {
    /// A private key.
    Private,
    /// A public key.
    Public,
    /// A secret (symmetric) key.
    Secret,
}

impl KeyClass {
    /// The name used in evidence and rules.
    pub fn name(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Public => "public",
            Self::Secret => "secret",
        }
    }
}

/// A key object on a token. Boolean attributes the token would not reveal
/// are absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TokenKey {
    /// The token's serial number.
    pub token_serial: String,
    /// The token's label.
    pub token_label: String,
    /// Private, public or secret.
    pub class: KeyClass,
    /// Key type: `rsa`, `ec`, `ec-edwards`, `ec-montgomery`, `dsa`, `dh`,
    /// `aes`, `des3`, `generic-secret`, `ml-dsa`, `ml-kem`, … or `0x…`.
    pub key_type: String,
    /// Size in bits (RSA modulus, EC field, secret value length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    /// Curve name (`P-256`, …) or OID, for EC keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// `CKA_LABEL`.
    pub label: String,
    /// `CKA_ID`, lowercase hex.
    pub id: String,
    /// `CKA_SENSITIVE`: the key value cannot be read in the clear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<bool>,
    /// `CKA_EXTRACTABLE`: the key can be wrapped out of the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extractable: Option<bool>,
    /// `CKA_NEVER_EXTRACTABLE`: it never was extractable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub never_extractable: Option<bool>,
    /// `CKA_ALWAYS_SENSITIVE`: it always was sensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always_sensitive: Option<bool>,
    /// `CKA_LOCAL`: generated on the token, not imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<bool>,
    /// `CKA_MODIFIABLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modifiable: Option<bool>,
    /// `CKA_START_DATE`, `YYYY-MM-DD`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// `CKA_END_DATE`, `YYYY-MM-DD`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// `CKA_ALLOWED_MECHANISMS`, by name; empty when unrestricted or unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_mechanisms: Vec<String>,
    /// SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex, for matching
    /// with certificates (asymmetric keys whose public half could be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spki_sha256: Option<String>,
    /// Where and when it was read (`module#slot=N/key=ID`).
    pub provenance: Provenance,
}
