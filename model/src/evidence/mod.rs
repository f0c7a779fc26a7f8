//! Evidence: typed, serialisable observations with provenance.
//!
//! Collectors produce an [`EvidenceBundle`]; `pkimm collect` writes it as JSON
//! and `pkimm evaluate` reads it back, so evidence gathered by agents in other
//! network zones can be merged ([`EvidenceBundle::merge`]) and scored centrally.
//! Certificates and CRLs are identified by the SHA-256 of their DER; merging
//! keeps one record per fingerprint with every place it was observed.

mod certificate;
mod crl;
mod defects;
mod der;
mod digest;
mod directory;
mod enrolment;
mod failure;
mod file;
mod inventory;
mod ocsp;
mod pkcs11;
mod provenance;
mod time;
mod tls;

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use certificate::{
    composite_ml_dsa, extension_name, pq_parameter_set, pq_parameter_set_names, BasicConstraints,
    Certificate, ExtensionInfo, KeyAlgorithm, NameConstraints, PublicKeyInfo, PurposeReason,
    SignatureInfo, SubjectAltNames, KNOWN_EXTENSIONS,
};
/// Short text held inline (24 bytes and no allocation up to 24 characters):
/// algorithm names, OIDs, collector and method names.
pub use compact_str::{format_compact, CompactString};
pub use crl::{Crl, CrlEntry, HttpFetch};
pub use defects::{Defect, Defects};
pub use der::Der;
pub use digest::{NotSha256Hex, Sha256Hex};
pub use directory::{CertificateTemplate, DirectoryObject, ObjectAcl, Principal};
pub use enrolment::{
    AcmeDirectory, CmpAnswers, EnrolmentEndpoint, EnrolmentProtocol, EnrolmentTls, EstAnswers,
    NonceCheck, RenewalWindow, ScepCapabilities,
};
pub use failure::{Failure, FailureKind};
pub use file::{load_bundle, load_bundles, BundleError, MAX_BUNDLE_BYTES};
pub use inventory::InventoryRecord;
pub use ocsp::OcspCheck;
pub use pkcs11::{CryptoToken, KeyClass, Pkcs11Library, TokenKey};
pub use provenance::{Provenance, TRUST_ANCHOR_METHOD};
/// The list type of certificate fields: one pointer wide, so the many
/// usually-empty lists of a record cost 8 bytes each rather than 24.
pub use thin_vec::{thin_vec, ThinVec};
pub use time::UtcTime;
pub use tls::{Chain, ChainValidation, ClientAuth, NegotiatedCipher, TlsEndpoint, VersionSuites};

/// Layout version of evidence bundles. Bump the major part on breaking changes.
pub const EVIDENCE_SCHEMA_VERSION: &str = "1.0.0";

/// A set of observations from one or more collectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EvidenceBundle {
    /// Layout version of this document.
    pub schema_version: String,
    /// When the bundle was created (for merged bundles, the merge time).
    pub created_at: UtcTime,
    /// The tool that wrote it, such as `pkimm 0.1.0`.
    pub tool: String,
    /// The collection runs that contributed to the bundle.
    #[serde(default)]
    pub runs: Vec<CollectionRun>,
    /// Certificates, one per fingerprint.
    #[serde(default)]
    pub certificates: Vec<Certificate>,
    /// CRLs, one per fingerprint.
    #[serde(default)]
    pub crls: Vec<Crl>,
    /// Chains as served.
    #[serde(default)]
    pub chains: Vec<Chain>,
    /// TLS endpoints.
    #[serde(default)]
    pub tls_endpoints: Vec<TlsEndpoint>,
    /// OCSP checks.
    #[serde(default)]
    pub ocsp_checks: Vec<OcspCheck>,
    /// Directory objects.
    #[serde(default)]
    pub directory_objects: Vec<DirectoryObject>,
    /// Inventory rows.
    #[serde(default)]
    pub inventory: Vec<InventoryRecord>,
    /// Cryptographic tokens read over PKCS#11.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<CryptoToken>,
    /// Key objects on those tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<TokenKey>,
    /// Enrolment endpoints (ACME, SCEP, CMP, EST) and what they offer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enrolment_endpoints: Vec<EnrolmentEndpoint>,
    /// Failed observations.
    #[serde(default)]
    pub failures: Vec<Failure>,
    /// Trends from the scan history (renewal cadence), when the bundle was
    /// evaluated by a scan job with history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trends: Option<Trends>,
    /// Where each certificate and CRL sits, so adding and merging stay
    /// O(1) amortised; rebuilt whenever it no longer matches the vectors.
    #[serde(skip)]
    #[schemars(skip)]
    index: FingerprintIndex,
}

/// Positions of certificates and CRLs by fingerprint. It never takes part
/// in equality: two bundles with the same records are equal whatever their
/// indexes hold.
#[derive(Debug, Clone, Default)]
struct FingerprintIndex {
    certificates: HashMap<FingerprintKey, usize>,
    crls: HashMap<FingerprintKey, usize>,
}

/// A fingerprint as an index key: the 32 bytes of a SHA-256 written in hex
/// (no copy of the 64-character string per record), or the text itself for
/// anything else a hand-edited bundle may hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FingerprintKey {
    Sha256([u8; 32]),
    Text(Box<str>),
}

impl FingerprintKey {
    fn of(fingerprint: &str) -> Self {
        let bytes = fingerprint.as_bytes();
        let nibble = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        if bytes.len() == 64 {
            let mut key = [0u8; 32];
            let decoded = key.iter_mut().zip(bytes.chunks_exact(2)).all(|(k, pair)| {
                match (nibble(pair[0]), nibble(pair[1])) {
                    (Some(hi), Some(lo)) => {
                        *k = hi << 4 | lo;
                        true
                    }
                    _ => false,
                }
            });
            if decoded {
                return Self::Sha256(key);
            }
        }
        Self::Text(fingerprint.into())
    }
}

impl PartialEq for FingerprintIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The position of `fingerprint` in `records`, through `index` when it is
/// current; the index is rebuilt when records were added, removed or
/// reordered behind its back.
fn position<T>(
    index: &mut HashMap<FingerprintKey, usize>,
    records: &[T],
    fingerprint: &str,
    key: impl Fn(&T) -> &str,
) -> Option<usize> {
    let wanted = FingerprintKey::of(fingerprint);
    let current = |index: &HashMap<FingerprintKey, usize>| {
        index.len() == records.len()
            && index
                .get(&wanted)
                .is_none_or(|&i| records.get(i).is_some_and(|r| key(r) == fingerprint))
    };
    if !current(index) {
        #[cfg(test)]
        index_tests::REBUILDS.with(|n| n.set(n.get() + 1));
        index.clear();
        index.extend(
            records
                .iter()
                .enumerate()
                .map(|(i, r)| (FingerprintKey::of(key(r)), i)),
        );
    }
    index.get(&wanted).copied()
}

/// What the scan history shows over time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Trends {
    /// Scans considered.
    pub scans: u32,
    /// Times an endpoint's certificate was replaced between scans.
    pub renewals: u32,
    /// Replacements made while the old certificate was still valid.
    pub renewals_before_expiry: u32,
    /// Median days of validity the old certificate had left when replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_lead_days: Option<f64>,
}

/// One run of one collector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CollectionRun {
    /// Collector name.
    pub collector: String,
    /// The targets it was given (paths, URLs, hosts).
    pub targets: Vec<String>,
    /// When it started.
    pub started_at: UtcTime,
    /// When it finished.
    pub finished_at: UtcTime,
    /// The agent that ran it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

impl EvidenceBundle {
    /// An empty bundle stamped with `tool` and the current time.
    pub fn new(tool: impl Into<String>) -> Self {
        Self {
            schema_version: EVIDENCE_SCHEMA_VERSION.to_string(),
            created_at: UtcTime::now(),
            tool: tool.into(),
            runs: Vec::new(),
            certificates: Vec::new(),
            crls: Vec::new(),
            chains: Vec::new(),
            tls_endpoints: Vec::new(),
            ocsp_checks: Vec::new(),
            directory_objects: Vec::new(),
            inventory: Vec::new(),
            tokens: Vec::new(),
            keys: Vec::new(),
            enrolment_endpoints: Vec::new(),
            failures: Vec::new(),
            trends: None,
            index: FingerprintIndex::default(),
        }
    }

    /// Adds a certificate, merging it into an existing record with the same
    /// fingerprint.
    pub fn add_certificate(&mut self, certificate: Certificate) {
        self.merge_certificates(std::iter::once(certificate));
    }

    /// Adds many certificates at once, merging duplicates: the same as
    /// [`Self::add_certificate`] for each, with room made once.
    pub fn add_certificates(&mut self, incoming: Vec<Certificate>) {
        if !self.certificates.is_empty() {
            self.certificates.reserve(incoming.len());
            self.index.certificates.reserve(incoming.len());
            self.merge_certificates(incoming);
            return;
        }
        // Into an empty bundle: keep the vector (no second copy of the
        // records) and fold duplicates into their first occurrence.
        self.certificates = incoming;
        let mut first: HashMap<FingerprintKey, usize> =
            HashMap::with_capacity(self.certificates.len());
        let mut duplicates = Vec::new();
        for (i, certificate) in self.certificates.iter().enumerate() {
            match first.entry(FingerprintKey::of(&certificate.fingerprint_sha256)) {
                std::collections::hash_map::Entry::Occupied(e) => duplicates.push((i, *e.get())),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                }
            }
        }
        if duplicates.is_empty() {
            self.index.certificates = first;
            return;
        }
        let mut keep = vec![true; self.certificates.len()];
        for (duplicate, original) in duplicates {
            let observations = std::mem::take(&mut self.certificates[duplicate].observations);
            self.certificates[original].add_observations(observations);
            keep[duplicate] = false;
        }
        let mut position = 0;
        self.certificates.retain(|_| {
            position += 1;
            keep[position - 1]
        });
        self.reindex();
    }

    fn merge_certificates(&mut self, incoming: impl IntoIterator<Item = Certificate>) {
        for certificate in incoming {
            let found = position(
                &mut self.index.certificates,
                &self.certificates,
                &certificate.fingerprint_sha256,
                |c| &c.fingerprint_sha256,
            );
            match found {
                Some(i) => self.certificates[i].add_observations(certificate.observations),
                None => {
                    self.index.certificates.insert(
                        FingerprintKey::of(&certificate.fingerprint_sha256),
                        self.certificates.len(),
                    );
                    self.certificates.push(certificate);
                }
            }
        }
    }

    /// Adds a CRL, merging it into an existing record with the same fingerprint.
    pub fn add_crl(&mut self, crl: Crl) {
        self.merge_crls(std::iter::once(crl));
    }

    fn merge_crls(&mut self, incoming: impl IntoIterator<Item = Crl>) {
        for crl in incoming {
            let found = position(
                &mut self.index.crls,
                &self.crls,
                &crl.fingerprint_sha256,
                |c| &c.fingerprint_sha256,
            );
            match found.map(|i| &mut self.crls[i]) {
                Some(existing) => {
                    for observation in crl.observations {
                        if !existing.observations.contains(&observation) {
                            existing.observations.push(observation);
                        }
                    }
                    if existing.signature_valid.is_none() {
                        existing.signature_valid = crl.signature_valid;
                        existing.verified_with = crl.verified_with;
                    }
                }
                None => {
                    self.index
                        .crls
                        .insert(FingerprintKey::of(&crl.fingerprint_sha256), self.crls.len());
                    self.crls.push(crl);
                }
            }
        }
    }

    /// Merges `other` into `self`: certificates and CRLs are deduplicated by
    /// SHA-256 keeping every observation; everything else is appended.
    pub fn merge(&mut self, mut other: Self) {
        // Its index is of no use here; freed first, it is not held beside
        // the one built for the merged records.
        other.index = FingerprintIndex::default();
        self.runs.extend(other.runs);
        self.add_certificates(other.certificates);
        self.merge_crls(other.crls);
        self.chains.extend(other.chains);
        self.tls_endpoints.extend(other.tls_endpoints);
        self.ocsp_checks.extend(other.ocsp_checks);
        self.directory_objects.extend(other.directory_objects);
        self.inventory.extend(other.inventory);
        self.tokens.extend(other.tokens);
        self.keys.extend(other.keys);
        self.enrolment_endpoints.extend(other.enrolment_endpoints);
        self.failures.extend(other.failures);
        if self.trends.is_none() {
            self.trends = other.trends;
        }
    }

    /// The certificate with this fingerprint: through the index when it is
    /// current, else by a scan.
    pub fn certificate(&self, fingerprint: &str) -> Option<&Certificate> {
        if self.index.certificates.len() == self.certificates.len() {
            match self
                .index
                .certificates
                .get(&FingerprintKey::of(fingerprint))
            {
                None => return None,
                Some(&i) => {
                    if let Some(c) = self
                        .certificates
                        .get(i)
                        .filter(|c| c.fingerprint_sha256 == fingerprint)
                    {
                        return Some(c);
                    }
                }
            }
        }
        self.certificates
            .iter()
            .find(|c| c.fingerprint_sha256 == fingerprint)
    }

    /// Rebuilds the fingerprint index (after reading a bundle, or after
    /// changing the record vectors directly), so lookups are O(1).
    pub fn reindex(&mut self) {
        // The old maps go before the new are built: at 100,000 records each
        // is 6 MB.
        self.index = FingerprintIndex::default();
        self.index.certificates = self
            .certificates
            .iter()
            .enumerate()
            .map(|(i, c)| (FingerprintKey::of(&c.fingerprint_sha256), i))
            .collect();
        self.index.crls = self
            .crls
            .iter()
            .enumerate()
            .map(|(i, c)| (FingerprintKey::of(&c.fingerprint_sha256), i))
            .collect();
    }

    /// Sorts records into a stable order (certificates and CRLs by fingerprint,
    /// failures by source), so equal evidence serialises identically.
    pub fn sort(&mut self) {
        // Fingerprints are unique once merged, so an unstable sort is as
        // deterministic as a stable one, and needs no buffer of half the
        // records beside them.
        self.certificates
            .sort_unstable_by_key(|c| c.fingerprint_sha256);
        for c in &mut self.certificates {
            c.observations.sort_by(|a, b| a.source.cmp(&b.source));
        }
        self.crls.sort_unstable_by_key(|c| c.fingerprint_sha256);
        self.failures
            .sort_by(|a, b| a.provenance.source.cmp(&b.provenance.source));
        self.tokens
            .sort_by(|a, b| (&a.serial_number, a.slot_id).cmp(&(&b.serial_number, b.slot_id)));
        self.keys.sort_by(|a, b| {
            (&a.token_serial, &a.id, a.class.name(), &a.label).cmp(&(
                &b.token_serial,
                &b.id,
                b.class.name(),
                &b.label,
            ))
        });
        self.enrolment_endpoints
            .sort_by(|a, b| (&a.url, a.protocol).cmp(&(&b.url, b.protocol)));
        self.reindex();
    }
}

/// Normalises a serial number written in hex (with optional `0x`, colons, spaces
/// or leading zeros) to lowercase hex without leading zeros; `None` when it is
/// not hex.
pub fn normalise_serial(text: &str) -> Option<String> {
    let cleaned: String = text
        .trim()
        .trim_start_matches("0x")
        .trim_start_matches("0X")
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect::<String>()
        .to_ascii_lowercase();
    if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let trimmed = cleaned.trim_start_matches('0');
    Some(if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    })
}

#[cfg(test)]
mod index_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_normalise() {
        assert_eq!(normalise_serial("00:A1:b2").as_deref(), Some("a1b2"));
        assert_eq!(normalise_serial("0x0001").as_deref(), Some("1"));
        assert_eq!(normalise_serial("000").as_deref(), Some("0"));
        assert_eq!(normalise_serial("xyz"), None);
        assert_eq!(normalise_serial(""), None);
    }

    #[test]
    fn lowercase_sha256_hex_is_kept_as_bytes_and_anything_else_as_text() {
        let hex = "00ff".repeat(16);
        assert!(matches!(FingerprintKey::of(&hex), FingerprintKey::Sha256(k) if k[1] == 0xff));
        assert!(matches!(
            FingerprintKey::of(&hex.to_uppercase()),
            FingerprintKey::Text(_)
        ));
        assert!(matches!(FingerprintKey::of("abc"), FingerprintKey::Text(_)));
        assert_ne!(
            FingerprintKey::of(&hex),
            FingerprintKey::of(&"ff00".repeat(16))
        );
    }
}

/// The attribute=value pairs of a distinguished name in the order written,
/// split at unescaped `,`, `;` and `+`, each side whitespace-trimmed (escapes
/// are kept as written).
pub fn dn_attributes(dn: &str) -> Vec<(String, String)> {
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in dn.chars() {
        match c {
            '\\' if !escaped => {
                escaped = true;
                current.push(c);
                continue;
            }
            ',' | ';' | '+' if !escaped => {
                parts.push(std::mem::take(&mut current));
            }
            _ => current.push(c),
        }
        escaped = false;
    }
    parts.push(current);
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
            None => (String::new(), p.to_string()),
        })
        .collect()
}

/// The first value of attribute `name` (`CN`, `O`, …, case-insensitive) in `dn`.
pub fn dn_attribute(dn: &str, name: &str) -> Option<String> {
    dn_attributes(dn)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A comparison key for distinguished names written in different styles
/// (`CN=a, O=b` and RFC 2253's `O=b,CN=a`): the attribute=value pairs,
/// whitespace-trimmed, lowercased and sorted.
pub fn dn_key(dn: &str) -> String {
    let mut parts: Vec<String> = dn_attributes(dn)
        .into_iter()
        .map(|(k, v)| {
            if k.is_empty() {
                v.to_lowercase()
            } else {
                format!("{}={}", k.to_lowercase(), v.to_lowercase())
            }
        })
        .collect();
    parts.sort();
    parts.join(",")
}

#[cfg(test)]
mod dn_tests {
    use super::dn_key;

    #[test]
    fn dn_styles_compare_equal() {
        assert_eq!(
            dn_key("CN=pkimm CA, O=Example"),
            dn_key("O=Example,CN=pkimm CA")
        );
        assert_ne!(dn_key("CN=a"), dn_key("CN=b"));
        assert_eq!(dn_key("CN=a\\,b, O=x"), dn_key("O=x,CN=a\\,b"));
    }
}
