//! The files collector: walks paths and parses every certificate and CRL file.
//!
//! Files are found sequentially (walkdir, which detects symlink loops), then read
//! and parsed in parallel with rayon. CRLs are parsed in a second pass, once
//! every certificate is known, so their signatures can be checked against
//! issuers found anywhere in the scanned paths.

mod config;
pub use config::FilesConfig;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use pkimm_model::evidence::{
    Certificate, CollectionRun, EvidenceBundle, Failure, FailureKind, Provenance, UtcTime,
};
use rayon::prelude::*;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::parse::container::{is_pem, looks_like_der};
use crate::parse::{
    count_pem_blocks, crl_from_der, parse_owned_blob, parse_pem_stream, BlobEvidence,
    ContainerOptions, CrlOptions, PendingCrl,
};

/// The collector's name in provenance records.
pub const COLLECTOR: &str = "files";

/// File name endings that are read whatever their content looks like.
const KNOWN_EXTENSIONS: &[&str] = &[
    "pem",
    "crt",
    "cer",
    "cert",
    "der",
    "crl",
    "p7b",
    "p7c",
    "p7s",
    "p12",
    "pfx",
    "ca-bundle",
];

/// Options of the files collector.
#[derive(Debug, Clone)]
pub struct FilesOptions {
    /// Files larger than this are recorded as too large and not read.
    pub max_file_bytes: u64,
    /// Follow symbolic links (loops are detected and recorded).
    pub follow_symlinks: bool,
    /// Passwords for PKCS#12 files.
    pub container: ContainerOptions,
    /// CRL evidence limits.
    pub crl: CrlOptions,
    /// The agent name recorded in provenance.
    pub agent: Option<String>,
}

impl Default for FilesOptions {
    fn default() -> Self {
        Self {
            max_file_bytes: 256 * 1024 * 1024,
            follow_symlinks: true,
            container: ContainerOptions::default(),
            crl: CrlOptions::default(),
            agent: None,
        }
    }
}

/// Why the collector could not run at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FilesError {
    /// A path given on the command line does not exist or cannot be read.
    #[error("cannot read {path}")]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Statistics of one run, for logs and summaries.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FilesSummary {
    /// Files read and parsed.
    pub files_parsed: usize,
    /// Files passed over because they do not look like certificates or CRLs.
    pub files_ignored: usize,
}

/// Collects evidence from `paths` (files or directories).
pub fn collect_files(
    paths: &[PathBuf],
    options: &FilesOptions,
) -> Result<(EvidenceBundle, FilesSummary), FilesError> {
    for path in paths {
        std::fs::metadata(path).map_err(|source| FilesError::Unreadable {
            path: path.clone(),
            source,
        })?;
    }
    let started_at = UtcTime::now();
    let base = Provenance {
        collector: COLLECTOR.into(),
        source: String::new(),
        method: Default::default(),
        collected_at: started_at,
        agent: options.agent.as_deref().map(Into::into),
    };

    let mut failures = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        discover(path, options, &base, &mut files, &mut failures);
    }

    let results: Vec<FileOutcome> = files
        .par_iter()
        .map(|path| read_and_parse(path, options, &base))
        .collect();

    let mut summary = FilesSummary::default();
    let mut certificates: Vec<Certificate> = Vec::new();
    let mut pending_crls: Vec<PendingCrl> = Vec::new();
    for outcome in results {
        match outcome {
            FileOutcome::Ignored => summary.files_ignored += 1,
            FileOutcome::Failed(failure) => failures.push(failure),
            FileOutcome::Parsed(blob) => {
                summary.files_parsed += 1;
                let BlobEvidence {
                    certificates: mut c,
                    crls,
                    failures: f,
                } = blob;
                if certificates.is_empty() {
                    // One big file: keep its vector rather than copy it.
                    certificates = c;
                } else {
                    certificates.append(&mut c);
                }
                pending_crls.extend(crls);
                failures.extend(f);
            }
        }
    }

    let issuers = IssuerIndex::new(&certificates);
    let crl_results: Vec<Result<pkimm_model::evidence::Crl, Box<Failure>>> = pending_crls
        .into_par_iter()
        .map(|pending| {
            let lookup = |issuer: &str, aki: Option<&str>| issuers.candidates(issuer, aki);
            crl_from_der(
                &pending.der,
                pending.provenance.clone(),
                options.crl,
                &lookup,
            )
            .map_err(|err| {
                Box::new(Failure {
                    kind: FailureKind::Parse,
                    message: err.to_string(),
                    offset: err.offset,
                    provenance: pending.provenance,
                })
            })
        })
        .collect();

    drop(issuers);
    let mut bundle = EvidenceBundle::new(format!("pkimm {}", env!("CARGO_PKG_VERSION")));
    bundle.add_certificates(certificates);
    for result in crl_results {
        match result {
            Ok(crl) => bundle.add_crl(crl),
            Err(failure) => failures.push(*failure),
        }
    }
    bundle.failures = failures;
    bundle.runs.push(CollectionRun {
        collector: COLLECTOR.to_string(),
        targets: paths.iter().map(|p| p.display().to_string()).collect(),
        started_at,
        finished_at: UtcTime::now(),
        agent: options.agent.clone(),
    });
    bundle.sort();
    Ok((bundle, summary))
}

fn failure(
    kind: FailureKind,
    message: impl Into<String>,
    base: &Provenance,
    source: &Path,
    method: &str,
) -> Failure {
    Failure {
        kind,
        message: message.into(),
        offset: None,
        provenance: Provenance {
            source: source.display().to_string(),
            method: method.into(),
            ..base.clone()
        },
    }
}

/// Lists the files below `path`, recording walk problems.
fn discover(
    path: &Path,
    options: &FilesOptions,
    base: &Provenance,
    files: &mut Vec<PathBuf>,
    failures: &mut Vec<Failure>,
) {
    let walker = walkdir::WalkDir::new(path)
        .follow_links(options.follow_symlinks)
        .sort_by_file_name();
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_file() => files.push(entry.into_path()),
            Ok(entry) if !entry.file_type().is_dir() && !entry.file_type().is_symlink() => {
                // Reading a FIFO would block and a device may never end.
                failures.push(failure(
                    FailureKind::Skipped,
                    format!(
                        "{}, not a regular file; not read",
                        special_kind(&entry.file_type())
                    ),
                    base,
                    entry.path(),
                    "walk",
                ));
            }
            Ok(_) => {}
            Err(err) => {
                let source = err
                    .path()
                    .map_or_else(|| path.to_path_buf(), Path::to_path_buf);
                let (kind, message) = if err.loop_ancestor().is_some() {
                    (
                        FailureKind::Skipped,
                        "symbolic link loop; not followed".to_string(),
                    )
                } else {
                    (
                        FailureKind::Io,
                        format!(
                            "cannot read: {}",
                            err.io_error()
                                .map_or_else(|| err.to_string(), ToString::to_string)
                        ),
                    )
                };
                failures.push(failure(kind, message, base, &source, "walk"));
            }
        }
    }
}

/// What a special file is, in words.
fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    let _ = file_type;
    "a special file"
}

enum FileOutcome {
    Ignored,
    Failed(Failure),
    Parsed(BlobEvidence),
}

fn has_known_extension(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    KNOWN_EXTENSIONS
        .iter()
        .any(|ext| name.ends_with(&format!(".{ext}")))
}

fn read_and_parse(path: &Path, options: &FilesOptions, base: &Provenance) -> FileOutcome {
    let known = has_known_extension(path);
    let io_failure = |err: std::io::Error| {
        FileOutcome::Failed(failure(
            FailureKind::Io,
            format!("cannot read: {err}"),
            base,
            path,
            "read",
        ))
    };
    let size = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(err) => return io_failure(err),
    };
    if size > options.max_file_bytes {
        return if known {
            FileOutcome::Failed(failure(
                FailureKind::TooLarge,
                format!(
                    "{size} bytes is above the {}-byte file size cap; not read",
                    options.max_file_bytes
                ),
                base,
                path,
                "read",
            ))
        } else {
            FileOutcome::Ignored
        };
    }
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(err) => return io_failure(err),
    };
    let mut reader = BufReader::with_capacity(
        PEM_SNIFF_BYTES,
        CappedFile {
            file,
            read: 0,
            limit: options.max_file_bytes,
        },
    );
    let (pem, der) = match reader.fill_buf() {
        Ok(head) => (is_pem(head), looks_like_der(head)),
        Err(err) => return io_failure(err),
    };
    if !known && !pem && !der {
        return FileOutcome::Ignored;
    }
    let provenance = Provenance {
        source: path.display().to_string(),
        method: "file".into(),
        ..base.clone()
    };
    let blob = if pem {
        // Block by block: a PEM of 100,000 certificates is never in memory
        // whole. A large one is counted first (a cheap pass over text the
        // page cache holds), so its records are allocated once.
        let expected = if size >= PRESIZE_BYTES {
            match std::fs::File::open(path).and_then(|file| {
                count_pem_blocks(CappedFile {
                    file,
                    read: 0,
                    limit: options.max_file_bytes,
                })
            }) {
                // A file of bare headers must not reserve more than its
                // size could hold in certificates.
                Ok(count) => count.min(usize::try_from(size / MIN_PEM_BLOCK_BYTES).unwrap_or(0)),
                Err(err) => return io_failure(err),
            }
        } else {
            0
        };
        parse_pem_stream(&mut reader, &provenance, expected)
    } else {
        // One buffer of the file's size (plus one byte to see the end), not
        // one grown by doubling, and moved whole into a CRL record.
        let mut bytes = Vec::new();
        let _ = bytes.try_reserve_exact(usize::try_from(size).unwrap_or(0).saturating_add(1));
        if let Err(err) = reader.read_to_end(&mut bytes) {
            return io_failure(err);
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        parse_owned_blob(bytes, name, &provenance, &options.container)
    };
    if blob.certificates.is_empty() && blob.crls.is_empty() && blob.failures.is_empty() {
        if !known {
            // A text file that merely mentions a PEM header (a script, a README).
            return FileOutcome::Ignored;
        }
        return FileOutcome::Failed(failure(
            FailureKind::Parse,
            "no certificate or CRL found",
            base,
            path,
            "file",
        ));
    }
    FileOutcome::Parsed(blob)
}

/// PEM files from this size on are counted before they are parsed, to size
/// the record vector once (smaller ones grow it cheaply).
const PRESIZE_BYTES: u64 = 1 << 20;

/// The fewest bytes a PEM certificate block takes (header and footer lines
/// are 55 bytes, and the smallest certificate is well over 100 bytes of DER).
const MIN_PEM_BLOCK_BYTES: u64 = 200;

/// How much of a file is looked at to tell PEM from DER (PEM is recognised by
/// a `-----BEGIN ` line in the first 64 KiB).
const PEM_SNIFF_BYTES: usize = 64 * 1024;

/// A file read through a size cap: a file that grew past the cap since its
/// size was checked is an error rather than a silent truncation.
struct CappedFile {
    file: std::fs::File,
    read: u64,
    limit: u64,
}

impl Read for CappedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(std::io::Error::other(
                "file grew past the size cap while being read",
            ));
        }
        Ok(n)
    }
}

/// Certificates by subject name, to find the issuer of a CRL.
struct IssuerIndex<'a> {
    by_subject: HashMap<&'a str, Vec<&'a Certificate>>,
}

impl<'a> IssuerIndex<'a> {
    fn new(certificates: &'a [Certificate]) -> Self {
        let mut by_subject: HashMap<&str, Vec<&Certificate>> = HashMap::new();
        for certificate in certificates {
            by_subject
                .entry(certificate.subject.as_str())
                .or_default()
                .push(certificate);
        }
        Self { by_subject }
    }

    /// Candidate issuer keys for a CRL: certificates whose subject is the CRL's
    /// issuer (and whose key id matches, when both are known). The key is read
    /// again from the certificate's DER: CRLs are few, certificates many.
    fn candidates(&self, issuer: &str, aki: Option<&str>) -> Vec<(String, Vec<u8>)> {
        let mut seen = std::collections::HashSet::new();
        self.by_subject
            .get(issuer)
            .into_iter()
            .flatten()
            .filter(|c| match (aki, &c.subject_key_id) {
                (Some(aki), Some(ski)) => aki == ski,
                _ => true,
            })
            .filter(|c| seen.insert(c.fingerprint_sha256))
            .filter_map(|c| {
                let (_, x509) = X509Certificate::from_der(c.der.as_bytes()).ok()?;
                Some((
                    c.fingerprint_sha256.to_string(),
                    x509.public_key().raw.to_vec(),
                ))
            })
            .collect()
    }
}
