//! Enrolment endpoints: where certificates can be obtained through a
//! standard, automatable protocol (ACME, SCEP, CMP, EST), read without
//! enrolling anything.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Provenance, UtcTime};

/// An enrolment protocol.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum EnrolmentProtocol {
    /// RFC 8555, Automatic Certificate Management Environment.
    Acme,
    /// RFC 8894, Simple Certificate Enrolment Protocol.
    Scep,
    /// RFC 9810 (and the lightweight profile, RFC 9483), Certificate
    /// Management Protocol.
    Cmp,
    /// RFC 7030, Enrollment over Secure Transport.
    Est,
}

impl EnrolmentProtocol {
    /// Every protocol.
    pub const ALL: [Self; 4] = [Self::Acme, Self::Scep, Self::Cmp, Self::Est];

    /// The protocol's name in lowercase (`acme`, `scep`, `cmp`, `est`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Acme => "acme",
            Self::Scep => "scep",
            Self::Cmp => "cmp",
            Self::Est => "est",
        }
    }
}

impl std::fmt::Display for EnrolmentProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One enrolment endpoint and what it answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EnrolmentEndpoint {
    /// The URL probed (the ACME directory, the SCEP or CMP URL, the EST
    /// base `…/.well-known/est[/label]`).
    pub url: String,
    /// The protocol.
    pub protocol: EnrolmentProtocol,
    /// Fingerprints of the CA (and RA) certificates the endpoint gave out;
    /// each is a certificate record in the bundle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ca_certificates: Vec<String>,
    /// The TLS facts of an `https` endpoint, from a TLS scan of its host
    /// and port (absent for `http` or when `--no-tls` was given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<EnrolmentTls>,
    /// ACME directory facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acme: Option<AcmeDirectory>,
    /// SCEP capabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scep: Option<ScepCapabilities>,
    /// CMP answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmp: Option<CmpAnswers>,
    /// EST answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub est: Option<EstAnswers>,
    /// Problems met on secondary requests (the endpoint record is kept;
    /// each problem is also a failure record).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Where and when.
    pub provenance: Provenance,
}

/// The TLS facts of an enrolment endpoint, from the TLS collector's scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EnrolmentTls {
    /// The scanned endpoint (`host:port`), a TLS endpoint record in the
    /// bundle when the scan answered.
    pub endpoint: String,
    /// Protocol versions the server accepted (`TLSv1.3`, …, `SSLv3`);
    /// empty when the scan failed.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Whether the served chain validated against the trust anchors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_valid: Option<bool>,
    /// Why the scan failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// What an ACME directory (RFC 8555 §7.1.1) offers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AcmeDirectory {
    /// The directory's resource URLs by name (`newNonce`, `newAccount`,
    /// `newOrder`, `revokeCert`, `keyChange`, `newAuthz`, `renewalInfo`, …).
    #[serde(default)]
    pub resources: BTreeMap<String, String>,
    /// `meta.termsOfService`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_service: Option<String>,
    /// `meta.website`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// `meta.caaIdentities`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caa_identities: Vec<String>,
    /// `meta.externalAccountRequired` (absent means false).
    #[serde(default)]
    pub external_account_required: bool,
    /// `meta.profiles`: certificate profile names and descriptions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profiles: BTreeMap<String, String>,
    /// ACME Renewal Information (RFC 9773) is offered: the directory has a
    /// `renewalInfo` URL.
    #[serde(default)]
    pub renewal_info: bool,
    /// How `newNonce` answered, when the directory names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<NonceCheck>,
    /// ARI answers for certificates in the evidence (RFC 9773 §4.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renewal_windows: Vec<RenewalWindow>,
    /// Certificates the ARI endpoint was asked about and answered 404 for
    /// (unknown to this CA).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub renewal_info_unknown: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// How a `newNonce` resource answered (RFC 8555 §7.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NonceCheck {
    /// HTTP status of the HEAD request (RFC 8555: 200).
    pub head_status: u16,
    /// HTTP status of the GET request (RFC 8555: 204), when it was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_status: Option<u16>,
    /// A `Replay-Nonce` header came back.
    pub replay_nonce: bool,
    /// The nonce is base64url without padding, as RFC 8555 §6.5.1 requires.
    pub nonce_well_formed: bool,
    /// The `Cache-Control` header as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// `Cache-Control` carries `no-store`, as RFC 8555 §7.2 requires.
    pub no_store: bool,
}

/// One ARI answer: the CA's suggested renewal window for a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RenewalWindow {
    /// Fingerprint of the certificate asked about.
    pub certificate: String,
    /// The ARI certificate identifier (`base64url(AKI).base64url(serial)`).
    pub cert_id: String,
    /// `suggestedWindow.start`.
    pub start: UtcTime,
    /// `suggestedWindow.end`.
    pub end: UtcTime,
    /// `explanationURL`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation_url: Option<String>,
    /// The `Retry-After` header in seconds, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

/// What a SCEP server's `GetCACaps` and `GetCACert` answered (RFC 8894 §3.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ScepCapabilities {
    /// The capabilities as listed, one keyword each (`POSTPKIOperation`,
    /// `SHA-256`, `AES`, `Renewal`, `SCEPStandard`, …).
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// The `GetCACert` content type: `application/x-x509-ca-cert` (one CA
    /// certificate) or `application/x-x509-ca-ra-cert` (a PKCS#7 of the CA
    /// and RA certificates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert_type: Option<String>,
}

impl ScepCapabilities {
    /// Whether `keyword` is listed (case-insensitive, as RFC 8894 §3.5.2
    /// asks clients to compare).
    pub fn has(&self, keyword: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(keyword))
    }
}

/// What a CMP server answered to general messages asking for its CA
/// certificates, once per protocol version tried.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CmpAnswers {
    /// Protocol versions (`pvno`) the server answered a general response
    /// to (2 = cmp2000, 3 = cmp2021).
    #[serde(default)]
    pub versions_accepted: Vec<u8>,
    /// Versions it refused with an error message.
    #[serde(default)]
    pub versions_refused: Vec<u8>,
    /// The server refused the unprotected request for lack of protection
    /// (pkimm sends no credentials): its CA certificates need an
    /// authenticated read.
    #[serde(default)]
    pub protection_required: bool,
    /// The general response carried a non-empty `id-it-caCerts` value.
    #[serde(default)]
    pub ca_certs_answered: bool,
    /// The response was protected (signed or MAC'd), with this algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_protection: Option<String>,
    /// Certificates in the response's `extraCerts` (the server's signer and
    /// its chain), by fingerprint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_certificates: Vec<String>,
    /// The server's error texts, one per refused request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_texts: Vec<String>,
}

/// What an EST server's `cacerts` and `csrattrs` answered (RFC 7030 §4.1,
/// §4.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EstAnswers {
    /// HTTP status of `csrattrs` (204 or 404 when the server asks for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrattrs_status: Option<u16>,
    /// The attributes and OIDs `csrattrs` asks CSRs to carry, as dotted
    /// OIDs (with the name where pkimm knows it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub csr_attributes: Vec<String>,
}
