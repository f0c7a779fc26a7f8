//! Finding the issuer of a certificate or CRL among known certificates (from
//! the input bundle and from AIA fetches), with the DER parts that CRL and
//! OCSP verification need.

use std::collections::HashMap;

use pkimm_model::evidence::Certificate;
use x509_parser::prelude::{FromDer, X509Certificate};

/// A certificate that may issue others; its evidence record carries the DER.
#[derive(Debug, Clone)]
pub struct KnownCertificate {
    /// The evidence record.
    pub record: Certificate,
}

impl KnownCertificate {
    /// From an evidence record; `None` when it carries no DER.
    pub fn from_record(record: &Certificate) -> Option<Self> {
        (!record.der.is_empty()).then(|| Self {
            record: record.clone(),
        })
    }

    /// The DER.
    pub fn der(&self) -> &[u8] {
        self.record.der.as_bytes()
    }

    /// The parsed certificate.
    pub fn parsed(&self) -> Option<X509Certificate<'_>> {
        X509Certificate::from_der(self.der()).ok().map(|(_, c)| c)
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> Option<Vec<u8>> {
        self.parsed()
            .map(|c| c.tbs_certificate.subject_pki.raw.to_vec())
    }
}

/// Known certificates by subject name.
#[derive(Debug, Default, Clone)]
pub struct Issuers {
    by_subject: HashMap<String, Vec<KnownCertificate>>,
}

impl Issuers {
    /// Indexes certificates.
    pub fn new<'a>(certificates: impl IntoIterator<Item = &'a Certificate>) -> Self {
        let mut issuers = Self::default();
        for c in certificates {
            issuers.add(c);
        }
        issuers
    }

    /// Adds one certificate (for example fetched through AIA).
    pub fn add(&mut self, certificate: &Certificate) {
        if let Some(known) = KnownCertificate::from_record(certificate) {
            let list = self
                .by_subject
                .entry(certificate.subject.to_string())
                .or_default();
            if !list
                .iter()
                .any(|k| k.record.fingerprint_sha256 == certificate.fingerprint_sha256)
            {
                list.push(known);
            }
        }
    }

    /// Certificates named `subject` whose key id matches `key_id` when both
    /// are known.
    pub fn candidates(&self, subject: &str, key_id: Option<&str>) -> Vec<&KnownCertificate> {
        self.by_subject
            .get(subject)
            .into_iter()
            .flatten()
            .filter(|k| match (key_id, &k.record.subject_key_id) {
                (Some(aki), Some(ski)) => aki == ski,
                _ => true,
            })
            .collect()
    }

    /// The issuer of `certificate`, when known.
    pub fn issuer_of(&self, certificate: &Certificate) -> Option<&KnownCertificate> {
        if certificate.self_issued {
            return None;
        }
        self.candidates(&certificate.issuer, certificate.authority_key_id.as_deref())
            .into_iter()
            .find(|k| k.record.fingerprint_sha256 != certificate.fingerprint_sha256)
    }

    /// Candidate issuer keys for a CRL, as the CRL parser wants them.
    pub fn crl_lookup(&self, issuer: &str, aki: Option<&str>) -> Vec<(String, Vec<u8>)> {
        self.candidates(issuer, aki)
            .into_iter()
            .filter_map(|k| {
                k.spki_der()
                    .map(|spki| (k.record.fingerprint_sha256.to_string(), spki))
            })
            .collect()
    }
}
