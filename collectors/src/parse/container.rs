//! Finding certificates and CRLs inside a blob: PEM, DER, PKCS#7 and PKCS#12.

use std::borrow::Cow;
use std::io::BufRead;

use der::{Decode, Encode};
use x509_parser::error::PEMError;
use x509_parser::pem::Pem;

/// What a DER item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// An X.509 certificate.
    Certificate,
    /// A CRL.
    Crl,
}

/// A certificate or CRL found in a blob, not parsed yet.
#[derive(Debug)]
pub struct FoundItem<'a> {
    /// What the item is believed to be.
    pub kind: ItemKind,
    /// Its DER.
    pub der: Cow<'a, [u8]>,
    /// Where inside the blob (`#pem=2`, `#pkcs7=1`), empty for a bare DER blob.
    pub location: String,
    /// How it was found: `pem`, `der`, `pkcs7`, `pkcs12`.
    pub method: &'static str,
}

/// A problem met while splitting a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobProblem {
    /// What is wrong.
    pub message: String,
    /// Where, in bytes from the start of the blob.
    pub offset: Option<u64>,
    /// Whether the problem is a wrong or missing password.
    pub authentication: bool,
    /// Whether the blob was deliberately skipped rather than broken.
    pub skipped: bool,
}

/// The result of splitting one blob.
#[derive(Debug, Default)]
pub struct Split<'a> {
    /// Items found.
    pub items: Vec<FoundItem<'a>>,
    /// Problems met; items found before a problem are kept.
    pub problems: Vec<BlobProblem>,
}

impl Split<'_> {
    fn problem(&mut self, message: impl Into<String>, offset: Option<u64>) {
        self.problems.push(BlobProblem {
            message: message.into(),
            offset,
            authentication: false,
            skipped: false,
        });
    }
}

/// How to open password-protected containers.
#[derive(Clone, Default)]
pub struct ContainerOptions {
    /// Passwords to try on PKCS#12 files after the empty password. Never logged.
    pub pkcs12_passwords: Vec<pkimm_model::secret::Secret>,
}

impl std::fmt::Debug for ContainerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerOptions")
            .field(
                "pkcs12_passwords",
                &format_args!("[{} redacted]", self.pkcs12_passwords.len()),
            )
            .finish()
    }
}

/// PEM labels that hold a certificate.
const CERTIFICATE_LABELS: &[&str] = &["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"];
/// PEM labels that hold a CRL.
const CRL_LABELS: &[&str] = &["X509 CRL", "CRL"];
/// PEM labels that hold PKCS#7.
const PKCS7_LABELS: &[&str] = &["PKCS7", "PKCS #7 SIGNED DATA", "CMS"];

/// Whether a blob looks like PEM.
pub fn is_pem(bytes: &[u8]) -> bool {
    bytes
        .windows(11)
        .take(64 * 1024)
        .any(|w| w == b"-----BEGIN ")
}

/// Whether a blob starts like a DER SEQUENCE.
pub fn looks_like_der(bytes: &[u8]) -> bool {
    bytes.len() > 4 && bytes[0] == 0x30 && matches!(bytes[1], 0x80..=0x84)
}

/// Splits a blob into certificate and CRL items. `name_hint` is the file name,
/// used to recognise PKCS#12 files by extension.
pub fn split<'a>(bytes: &'a [u8], name_hint: &str, options: &ContainerOptions) -> Split<'a> {
    if is_pem(bytes) {
        return split_pem(bytes);
    }
    let mut out = Split::default();
    split_der(bytes, name_hint, options, "", &mut out);
    out
}

fn split_pem(bytes: &[u8]) -> Split<'_> {
    let mut out = Split::default();
    let mut items = Vec::new();
    out.problems = pem_items(PemBlocks::new(bytes), &mut |item| items.push(item));
    out.items = items;
    out
}

/// Splits PEM text read from `reader`, handing each certificate or CRL to
/// `each` as soon as its block is decoded, so that a large file is never held
/// whole. Returns the problems met, as [`split`] does.
pub fn split_pem_stream<R: BufRead>(
    reader: R,
    each: &mut dyn FnMut(FoundItem<'static>),
) -> Vec<BlobProblem> {
    pem_items(PemBlocks::new(reader), each)
}

/// How many PEM blocks (`-----BEGIN ` lines) `reader` holds, read in 1 MiB
/// pieces: an upper bound on the certificates in a PEM file, to size the
/// record vector before parsing.
pub fn count_pem_blocks<R: std::io::Read>(mut reader: R) -> std::io::Result<usize> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let finder = memchr::memmem::Finder::new(BEGIN);
    let mut buffer = vec![0u8; 1 << 20];
    // Bytes kept from the previous piece, so a header split across two
    // pieces is still found (and never found twice: a kept tail is shorter
    // than the header).
    let mut kept = 0;
    let mut count = 0;
    loop {
        let read = match reader.read(&mut buffer[kept..]) {
            Ok(0) => return Ok(count),
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        let filled = kept + read;
        let piece = &buffer[..filled];
        let mut searched_to = 0;
        for at in finder.find_iter(piece) {
            count += 1;
            searched_to = at + BEGIN.len();
        }
        let tail_start = searched_to.max(filled.saturating_sub(BEGIN.len() - 1));
        buffer.copy_within(tail_start..filled, 0);
        kept = filled - tail_start;
    }
}

/// PEM blocks read line by line into reused buffers: the blocks, labels and
/// errors of x509-parser's `Pem` iterators without a string allocated per
/// line (a third of the time of a 100,000-certificate file). Text outside
/// blocks is passed over; the first error ends the iteration.
struct PemBlocks<R> {
    reader: R,
    line: Vec<u8>,
    body: Vec<u8>,
    done: bool,
}

impl<R: BufRead> PemBlocks<R> {
    fn new(reader: R) -> Self {
        Self {
            reader,
            line: Vec::new(),
            body: Vec::new(),
            done: false,
        }
    }

    /// The next line into `self.line`; `false` at the end of the input.
    fn read_line(&mut self) -> Result<bool, PEMError> {
        self.line.clear();
        Ok(self.reader.read_until(b'\n', &mut self.line)? > 0)
    }

    fn block(&mut self) -> Option<Result<Pem, PEMError>> {
        let label = loop {
            match self.read_line() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(err) => return Some(Err(err)),
            }
            if let Some(rest) = self.line.strip_prefix(b"-----BEGIN ") {
                let header = std::str::from_utf8(rest)
                    .ok()
                    .and_then(|h| h.split_once("-----"));
                let Some((label, _)) = header else {
                    return Some(Err(PEMError::InvalidHeader));
                };
                break label.split('-').next().unwrap_or_default().to_string();
            }
        };
        self.body.clear();
        loop {
            match self.read_line() {
                Ok(true) => {}
                Ok(false) => return Some(Err(PEMError::IncompletePEM)),
                Err(err) => return Some(Err(err)),
            }
            if self.line.starts_with(b"-----END ") {
                break;
            }
            self.body.extend_from_slice(self.line.trim_ascii_end());
        }
        use base64::Engine as _;
        Some(
            base64::engine::general_purpose::STANDARD
                .decode(&self.body)
                .map(|contents| Pem { label, contents })
                .map_err(|_| PEMError::Base64DecodeError),
        )
    }
}

impl<R: BufRead> Iterator for PemBlocks<R> {
    type Item = Result<Pem, PEMError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let block = self.block();
        self.done = !matches!(block, Some(Ok(_)));
        block
    }
}

/// The items of a sequence of PEM blocks: certificates and CRLs by label,
/// PKCS#7 bundles opened, other labels (keys, requests) skipped.
fn pem_items(
    blocks: impl Iterator<Item = Result<Pem, PEMError>>,
    each: &mut dyn FnMut(FoundItem<'static>),
) -> Vec<BlobProblem> {
    let mut problems = Split::default();
    let mut found = 0usize;
    let mut skipped_labels: Vec<String> = Vec::new();
    for (index, block) in blocks.enumerate() {
        let location = format!("#pem={}", index + 1);
        let pem = match block {
            Ok(pem) => pem,
            Err(err) => {
                problems.problem(format!("PEM block {} is malformed: {err}", index + 1), None);
                break;
            }
        };
        let label = pem.label.as_str();
        let kind = if CERTIFICATE_LABELS.contains(&label) {
            Some(ItemKind::Certificate)
        } else if CRL_LABELS.contains(&label) {
            Some(ItemKind::Crl)
        } else {
            None
        };
        match kind {
            Some(kind) => {
                let mut der = pem.contents;
                if label == "TRUSTED CERTIFICATE" {
                    // OpenSSL appends trust settings after the certificate.
                    if let Some(len) = der_tlv_len(&der) {
                        der.truncate(len);
                    }
                }
                found += 1;
                each(FoundItem {
                    kind,
                    der: Cow::Owned(der),
                    location,
                    method: "pem",
                });
            }
            None if PKCS7_LABELS.contains(&label) => {
                let mut inner = Split::default();
                split_pkcs7(&pem.contents, &location, &mut inner);
                for item in inner.items {
                    found += 1;
                    each(FoundItem {
                        kind: item.kind,
                        der: Cow::Owned(item.der.into_owned()),
                        location: item.location,
                        method: item.method,
                    });
                }
                problems.problems.extend(inner.problems);
            }
            None => skipped_labels.push(label.to_string()),
        }
    }
    if found == 0 && problems.problems.is_empty() && !skipped_labels.is_empty() {
        problems.problems.push(BlobProblem {
            message: format!(
                "no certificate or CRL; PEM blocks skipped: {}",
                skipped_labels.join(", ")
            ),
            offset: None,
            authentication: false,
            skipped: true,
        });
    }
    problems.problems
}

/// Length of the first DER TLV in `bytes`, when it is well formed.
fn der_tlv_len(bytes: &[u8]) -> Option<usize> {
    use x509_parser::der_parser::asn1_rs::{Any, FromDer};
    let (rest, _) = Any::from_der(bytes).ok()?;
    Some(bytes.len() - rest.len())
}

fn split_der<'a>(
    bytes: &'a [u8],
    name_hint: &str,
    options: &ContainerOptions,
    location: &str,
    out: &mut Split<'a>,
) {
    use x509_parser::prelude::FromDer;
    let lower = name_hint.to_ascii_lowercase();
    let pkcs12_by_name = lower.ends_with(".p12") || lower.ends_with(".pfx");
    if !pkcs12_by_name {
        let certificate = x509_parser::certificate::X509Certificate::from_der(bytes);
        if matches!(certificate, Ok((rest, _)) if rest.is_empty()) {
            out.items.push(FoundItem {
                kind: ItemKind::Certificate,
                der: Cow::Borrowed(bytes),
                location: location.to_string(),
                method: "der",
            });
            return;
        }
        if looks_like_crl(bytes) {
            out.items.push(FoundItem {
                kind: ItemKind::Crl,
                der: Cow::Borrowed(bytes),
                location: location.to_string(),
                method: "der",
            });
            return;
        }
        let mut pkcs7 = Split::default();
        if split_pkcs7(bytes, location, &mut pkcs7) {
            out.items.extend(pkcs7.items);
            out.problems.extend(pkcs7.problems);
            return;
        }
        if !looks_like_pfx(bytes) {
            let reason = match certificate {
                Ok((rest, _)) => format!("{} unexpected bytes after a certificate", rest.len()),
                Err(err) => err.to_string(),
            };
            out.problem(
                format!("not a certificate, CRL, PKCS#7 or PKCS#12 ({reason})"),
                Some(first_bad_offset(bytes)),
            );
            return;
        }
    }
    split_pkcs12(bytes, location, options, out);
}

/// Offset where a DER structure stops making sense: the end of the data the
/// outer header claims, if it claims more than there is, otherwise 0.
fn first_bad_offset(bytes: &[u8]) -> u64 {
    use x509_parser::der_parser::asn1_rs::{FromDer, Header};
    if bytes.first() != Some(&0x30) {
        return 0;
    }
    match Header::from_der(bytes) {
        Ok((rest, header)) => {
            let header_len = bytes.len() - rest.len();
            match header.length().definite() {
                Ok(len) if header_len + len > bytes.len() => bytes.len() as u64,
                _ => 0,
            }
        }
        Err(_) => 0,
    }
}

/// A CRL is a SEQUENCE whose first element (tbsCertList) holds, after the
/// optional version and the AlgorithmIdentifier and issuer SEQUENCEs, a Time —
/// where a certificate holds serial and validity instead.
fn looks_like_crl(bytes: &[u8]) -> bool {
    use x509_parser::der_parser::asn1_rs::{Any, FromDer, Tag};
    let Ok((_, outer)) = Any::from_der(bytes) else {
        return false;
    };
    let Ok((_, tbs)) = Any::from_der(outer.data) else {
        return false;
    };
    let mut rest = tbs.data;
    let mut sequences = 0;
    while let Ok((next, field)) = Any::from_der(rest) {
        match field.tag() {
            Tag::Integer if sequences == 0 => {}
            Tag::Sequence if sequences < 2 => sequences += 1,
            Tag::UtcTime | Tag::GeneralizedTime => return sequences == 2,
            _ => return false,
        }
        rest = next;
    }
    false
}

fn looks_like_pfx(bytes: &[u8]) -> bool {
    use x509_parser::der_parser::asn1_rs::{Any, FromDer, Tag};
    let Ok((_, outer)) = Any::from_der(bytes) else {
        return false;
    };
    matches!(Any::from_der(outer.data), Ok((_, v)) if v.tag() == Tag::Integer && v.data == [3])
}

/// Extracts certificates and CRLs from a PKCS#7 / CMS SignedData. Returns false
/// when `bytes` is not PKCS#7 at all.
fn split_pkcs7(bytes: &[u8], location: &str, out: &mut Split<'_>) -> bool {
    use cms::cert::CertificateChoices;
    use cms::content_info::ContentInfo;
    use cms::revocation::RevocationInfoChoice;
    use cms::signed_data::SignedData;
    const SIGNED_DATA: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

    let Ok(info) = ContentInfo::from_der(bytes) else {
        return false;
    };
    if info.content_type != SIGNED_DATA {
        out.problem(
            format!(
                "PKCS#7 content type {} is not SignedData",
                info.content_type
            ),
            Some(0),
        );
        return true;
    }
    let signed: SignedData = match info.content.decode_as() {
        Ok(s) => s,
        Err(err) => {
            out.problem(format!("PKCS#7 SignedData is malformed: {err}"), None);
            return true;
        }
    };
    let mut index = 0;
    for choice in signed.certificates.iter().flat_map(|set| set.0.iter()) {
        if let CertificateChoices::Certificate(certificate) = choice {
            index += 1;
            match certificate.to_der() {
                Ok(der) => out.items.push(FoundItem {
                    kind: ItemKind::Certificate,
                    der: Cow::Owned(der),
                    location: format!("{location}#pkcs7={index}"),
                    method: "pkcs7",
                }),
                Err(err) => out.problem(
                    format!("PKCS#7 certificate {index} cannot be re-encoded: {err}"),
                    None,
                ),
            }
        }
    }
    let mut crl_index = 0;
    for choice in signed.crls.iter().flat_map(|set| set.0.iter()) {
        if let RevocationInfoChoice::Crl(crl) = choice {
            crl_index += 1;
            match crl.to_der() {
                Ok(der) => out.items.push(FoundItem {
                    kind: ItemKind::Crl,
                    der: Cow::Owned(der),
                    location: format!("{location}#pkcs7-crl={crl_index}"),
                    method: "pkcs7",
                }),
                Err(err) => out.problem(
                    format!("PKCS#7 CRL {crl_index} cannot be re-encoded: {err}"),
                    None,
                ),
            }
        }
    }
    true
}

fn split_pkcs12(bytes: &[u8], location: &str, options: &ContainerOptions, out: &mut Split<'_>) {
    use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
    let passwords = std::iter::once("").chain(
        options
            .pkcs12_passwords
            .iter()
            .map(pkimm_model::secret::Secret::expose),
    );
    let mut last_error = None;
    for password in passwords {
        match KeyStore::from_pkcs12(bytes, password, Pkcs12ImportPolicy::Raw) {
            Ok(store) => {
                let mut index = 0;
                for (_, entry) in store.entries() {
                    let certificates: Vec<&[u8]> = match entry {
                        KeyStoreEntry::PrivateKeyChain(chain) => {
                            chain.certs().iter().map(|c| c.as_der()).collect()
                        }
                        KeyStoreEntry::Certificate(certificate) => vec![certificate.as_der()],
                        KeyStoreEntry::Secret(_) => Vec::new(),
                    };
                    for der in certificates {
                        index += 1;
                        out.items.push(FoundItem {
                            kind: ItemKind::Certificate,
                            der: Cow::Owned(der.to_vec()),
                            location: format!("{location}#pkcs12={index}"),
                            method: "pkcs12",
                        });
                    }
                }
                return;
            }
            Err(err) => last_error = Some(err.to_string()),
        }
    }
    let message = last_error.unwrap_or_default();
    let authentication = message.to_ascii_lowercase().contains("mac");
    out.problems.push(BlobProblem {
        message: if authentication {
            "PKCS#12 could not be opened with the empty password or any password given (MAC check failed)".to_string()
        } else {
            format!("not a readable PKCS#12 file: {message}")
        },
        offset: None,
        authentication,
        skipped: false,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels and contents, or the error's text, of every block.
    fn blocks(blocks: impl Iterator<Item = Result<Pem, PEMError>>) -> Vec<String> {
        blocks
            .map(|b| match b {
                Ok(pem) => format!("{} {:?}", pem.label, pem.contents),
                Err(err) => format!("error: {err}"),
            })
            .collect()
    }

    /// A reader that hands out `step` bytes at a time.
    struct Trickle<'a> {
        rest: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.rest.len());
            buf[..n].copy_from_slice(&self.rest[..n]);
            self.rest = &self.rest[n..];
            Ok(n)
        }
    }

    #[test]
    fn pem_blocks_are_counted_across_read_boundaries() {
        let text = "junk -----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n".repeat(7)
            + "-----BEGIN X509 CRL-----\n-----BEGIN";
        for step in [1, 2, 3, 5, 10, 11, 12, 64, 1 << 20] {
            let reader = Trickle {
                rest: text.as_bytes(),
                step,
            };
            assert_eq!(
                count_pem_blocks(reader).unwrap(),
                8,
                "reads of {step} bytes"
            );
        }
        assert_eq!(count_pem_blocks(&b""[..]).unwrap(), 0);
    }

    #[test]
    fn pem_blocks_read_as_x509_parser_reads_them() {
        let inputs: &[&str] = &[
            "-----BEGIN CERTIFICATE-----\nAAEC\nAwQ=\n-----END CERTIFICATE-----\n",
            "a comment\r\n-----BEGIN X509 CRL-----\r\nAAEC\r\n-----END X509 CRL-----\r\ntrailer\n",
            "-----BEGIN CERTIFICATE-----\nAA!!\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\nAAEC\n",
            "-----BEGIN CERTIFICATE\nAAEC\n-----END CERTIFICATE-----\n",
            "-----BEGIN A-----\nAA==\n-----END A-----\n-----BEGIN B-----\nAQ==\n-----END B-----",
            "no PEM here at all\n",
            "",
        ];
        for input in inputs {
            let ours = blocks(PemBlocks::new(input.as_bytes()));
            let mut theirs = Vec::new();
            for block in Pem::iter_from_buffer(input.as_bytes()) {
                let stop = block.is_err();
                theirs.extend(blocks(std::iter::once(block)));
                if stop {
                    break;
                }
            }
            assert_eq!(ours, theirs, "{input:?}");
        }
    }
}
