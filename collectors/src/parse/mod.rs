//! Parsing certificates and CRLs from bytes into evidence.
//!
//! - [`container`] finds items in PEM, DER, PKCS#7 and PKCS#12 blobs;
//! - [`certificate`] turns a certificate into [`Certificate`] evidence;
//! - [`crl`] turns a CRL into [`Crl`] evidence in bounded memory;
//! - [`der_write`] writes small DER structures;
//! - [`ocsp`] decodes OCSP responses;
//! - [`oids`] names algorithms, extensions and usages.
//!
//! Nothing here panics on malformed input: every problem becomes a [`Failure`]
//! record naming the source and, where known, the byte offset.

pub mod certificate;
pub mod container;
pub mod crl;
mod defects;
pub mod der_write;
mod extensions;
mod key_quality;
pub mod names;
pub mod ocsp;
pub mod oids;
mod repair;
mod tlv;

use pkimm_model::evidence::{Certificate, Failure, FailureKind, Provenance};

pub use certificate::{certificate_from_der, sha256_hex};
pub use container::{count_pem_blocks, ContainerOptions, ItemKind};
pub use crl::{crl_from_der, no_issuers, CrlOptions, IssuerLookup};

/// A CRL found in a blob, parsed later once issuer candidates are known.
#[derive(Debug)]
pub struct PendingCrl {
    /// The DER.
    pub der: Vec<u8>,
    /// Where it was found.
    pub provenance: Provenance,
}

/// Everything found in one blob.
#[derive(Debug, Default)]
pub struct BlobEvidence {
    /// Parsed certificates.
    pub certificates: Vec<Certificate>,
    /// CRLs awaiting parsing.
    pub crls: Vec<PendingCrl>,
    /// Problems, one record each.
    pub failures: Vec<Failure>,
}

/// Finds and parses everything in `bytes`. `provenance.source` names the blob;
/// items inside containers get `#pem=N`-style suffixes.
pub fn parse_blob(
    bytes: &[u8],
    name_hint: &str,
    provenance: &Provenance,
    options: &ContainerOptions,
) -> BlobEvidence {
    evidence_of(container::split(bytes, name_hint, options), provenance)
}

/// Parses every item and records every problem `split` found.
fn evidence_of(split: container::Split<'_>, provenance: &Provenance) -> BlobEvidence {
    let mut out = BlobEvidence::default();
    out.certificates.reserve_exact(
        split
            .items
            .iter()
            .filter(|i| matches!(i.kind, ItemKind::Certificate))
            .count(),
    );
    for item in split.items {
        out.take(item, provenance);
    }
    out.take_problems(split.problems, provenance);
    out
}

/// [`parse_blob`] on a blob the caller gives up: a blob that is one whole
/// CRL and nothing else (a `.crl` file) becomes the pending CRL's DER as it
/// is, so a CRL of hundreds of megabytes is never held twice.
pub fn parse_owned_blob(
    bytes: Vec<u8>,
    name_hint: &str,
    provenance: &Provenance,
    options: &ContainerOptions,
) -> BlobEvidence {
    let split = container::split(&bytes, name_hint, options);
    let whole_crl = match (split.items.as_slice(), split.problems.is_empty()) {
        ([item], true) if is_the_whole(item, &bytes) => Some(item_provenance(item, provenance)),
        _ => None,
    };
    let Some(item_provenance) = whole_crl else {
        return evidence_of(split, provenance);
    };
    drop(split);
    BlobEvidence {
        crls: vec![PendingCrl {
            der: bytes,
            provenance: item_provenance,
        }],
        ..BlobEvidence::default()
    }
}

/// Whether `item` is a CRL whose DER is all of `bytes`, as they are.
fn is_the_whole(item: &container::FoundItem<'_>, bytes: &[u8]) -> bool {
    matches!(item.kind, ItemKind::Crl)
        && matches!(&item.der, std::borrow::Cow::Borrowed(der)
            if der.as_ptr() == bytes.as_ptr() && der.len() == bytes.len())
}

/// Where an item found in the blob named by `provenance` came from.
fn item_provenance(item: &container::FoundItem<'_>, provenance: &Provenance) -> Provenance {
    Provenance {
        source: format!("{}{}", provenance.source, item.location),
        method: item.method.into(),
        ..provenance.clone()
    }
}

/// Finds and parses everything in PEM text read from `reader`, one block at
/// a time: a large PEM file is never held whole, and each certificate's DER
/// is freed as soon as its record is made. The same items and problems as
/// [`parse_blob`] on the whole text.
///
/// `expected_blocks` (an upper bound on the PEM blocks, from
/// [`count_pem_blocks`], or 0 when unknown) sizes the record vector once:
/// growing it by doubling would copy every record so far and, at 100,000
/// certificates, hold two copies of 30 MB at once.
pub fn parse_pem_stream<R: std::io::BufRead>(
    reader: R,
    provenance: &Provenance,
    expected_blocks: usize,
) -> BlobEvidence {
    let mut out = BlobEvidence::default();
    // Only a hint: without the memory, the vector grows as it would anyway.
    let _ = out.certificates.try_reserve_exact(expected_blocks);
    let problems = container::split_pem_stream(reader, &mut |item| out.take(item, provenance));
    out.take_problems(problems, provenance);
    out.certificates.shrink_to_fit();
    out
}

impl BlobEvidence {
    /// Parses one item found in the blob named by `provenance`.
    fn take(&mut self, item: container::FoundItem<'_>, provenance: &Provenance) {
        let item_provenance = item_provenance(&item, provenance);
        match item.kind {
            ItemKind::Certificate => match certificate_record(&item.der, item_provenance.clone()) {
                Ok(record) => self.certificates.push(record),
                Err(message) => self.failures.push(Failure {
                    kind: FailureKind::Parse,
                    message,
                    offset: None,
                    provenance: item_provenance,
                }),
            },
            ItemKind::Crl => self.crls.push(PendingCrl {
                der: item.der.into_owned(),
                provenance: item_provenance,
            }),
        }
    }

    /// Records the problems met while splitting the blob.
    fn take_problems(&mut self, problems: Vec<container::BlobProblem>, provenance: &Provenance) {
        for problem in problems {
            self.failures.push(Failure {
                kind: if problem.authentication {
                    FailureKind::Authentication
                } else if problem.skipped {
                    FailureKind::Skipped
                } else {
                    FailureKind::Parse
                },
                message: problem.message,
                offset: problem.offset,
                provenance: provenance.clone(),
            });
        }
    }
}

fn certificate_record(der: &[u8], provenance: Provenance) -> Result<Certificate, String> {
    let (mut record, trailing) =
        certificate::certificate_leniently(der, provenance).map_err(|e| e.to_string())?;
    if trailing > 0 {
        record
            .parse_warnings
            .push(format!("{trailing} unexpected bytes after the certificate"));
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provenance() -> Provenance {
        Provenance {
            collector: "files".into(),
            source: "issuing-rsa.crl".into(),
            method: Default::default(),
            collected_at: pkimm_model::evidence::UtcTime::now(),
            agent: None,
        }
    }

    #[test]
    fn a_whole_der_crl_is_kept_without_a_copy() {
        let der = include_bytes!("../../../fixtures/pki/crl/issuing-rsa.crl").to_vec();
        let address = der.as_ptr();
        let borrowed = parse_blob(&der, "issuing-rsa.crl", &provenance(), &Default::default());
        let owned = parse_owned_blob(der, "issuing-rsa.crl", &provenance(), &Default::default());
        assert_eq!(owned.crls.len(), 1);
        assert_eq!(owned.crls[0].der.as_ptr(), address, "the buffer is moved");
        assert_eq!(owned.crls[0].der, borrowed.crls[0].der);
        assert_eq!(owned.crls[0].provenance, borrowed.crls[0].provenance);
        assert!(owned.certificates.is_empty() && owned.failures.is_empty());
    }

    #[test]
    fn other_blobs_parse_as_borrowed_ones_do() {
        let pem = include_bytes!("../../../fixtures/pki/crl/root.crl.pem").to_vec();
        let mut with_trailer = include_bytes!("../../../fixtures/pki/crl/issuing-rsa.crl").to_vec();
        with_trailer.extend_from_slice(b"trailing");
        for (blob, name) in [(pem, "root.crl.pem"), (with_trailer, "issuing-rsa.crl")] {
            let borrowed = parse_blob(&blob, name, &provenance(), &Default::default());
            let owned = parse_owned_blob(blob, name, &provenance(), &Default::default());
            assert_eq!(owned.crls.len(), borrowed.crls.len(), "{name}");
            for (a, b) in owned.crls.iter().zip(&borrowed.crls) {
                assert_eq!((&a.der, &a.provenance), (&b.der, &b.provenance), "{name}");
            }
            assert_eq!(owned.failures, borrowed.failures, "{name}");
        }
    }
}
