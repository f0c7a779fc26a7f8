//! The revocation and publication collector: follows every certificate's CDP,
//! OCSP and AIA URLs (plus explicit CRL URLs) and records what it finds.
//!
//! - [`crate::http`]: bounded fetching over HTTP(S) with reqwest (shared
//!   with the enrolment collector);
//! - [`ldap`]: reading a CRL or certificate from an `ldap://` URL with ldap3;
//! - [`issuers`]: finding issuers among known certificates;
//! - [`ocsp`]: OCSP requests and response checks.
//!
//! CRLs are parsed by the same bounded-memory parser as the files collector.
//! Every failed fetch becomes a failure record; nothing aborts the run.

mod config;
pub mod issuers;
pub mod ldap;
pub mod ocsp;

pub use config::RevocationConfig;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use futures_util::stream::{self, StreamExt};
use pkimm_model::evidence::{
    Certificate, Crl, EvidenceBundle, Failure, FailureKind, HttpFetch, OcspCheck, Provenance,
    Sha256Hex, UtcTime,
};

use crate::http::{FetchError, FetchOptions, Fetcher, LargeBody};
use crate::parse::certificate::certificate_from_der;
use crate::parse::container::{split, ContainerOptions, ItemKind};
use crate::parse::crl::{crl_from_der, CrlOptions};
use issuers::Issuers;
use ocsp::OcspOptions;

/// Collector settings.
#[derive(Debug, Clone)]
pub struct RevocationOptions {
    /// HTTP settings.
    pub fetch: FetchOptions,
    /// Largest CRL fetched.
    pub max_crl_bytes: u64,
    /// Largest AIA issuer download.
    pub max_issuer_bytes: u64,
    /// Fetches in flight.
    pub concurrency: usize,
    /// Fetch CRLs.
    pub crls: bool,
    /// Query OCSP responders.
    pub ocsp: bool,
    /// Follow AIA caIssuers to complete chains.
    pub aia: bool,
    /// Most AIA hops from a certificate.
    pub aia_depth: usize,
    /// OCSP request settings.
    pub ocsp_options: OcspOptions,
    /// Replace every certificate's OCSP URLs with this responder.
    pub ocsp_url_override: Option<String>,
    /// CRL parsing settings.
    pub crl: CrlOptions,
    /// CRL numbers seen per URL in an earlier scan.
    pub previous_crl_numbers: HashMap<String, String>,
    /// Agent name for provenance.
    pub agent: Option<String>,
}

impl Default for RevocationOptions {
    fn default() -> Self {
        Self {
            fetch: FetchOptions::default(),
            max_crl_bytes: 200 * 1024 * 1024,
            max_issuer_bytes: 1024 * 1024,
            concurrency: 32,
            crls: true,
            ocsp: true,
            aia: true,
            aia_depth: 4,
            ocsp_options: OcspOptions::default(),
            ocsp_url_override: None,
            crl: CrlOptions::default(),
            previous_crl_numbers: HashMap::new(),
            agent: None,
        }
    }
}

/// CRL numbers by URL in a bundle from an earlier scan.
pub fn crl_numbers_by_url(previous: &EvidenceBundle) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for crl in &previous.crls {
        if let Some(number) = &crl.crl_number {
            for o in &crl.observations {
                out.insert(o.source.clone(), number.clone());
            }
        }
    }
    out
}

/// A fetched body and how it came.
struct Download {
    body: Vec<u8>,
    /// Status and caching headers, when over HTTP.
    http: Option<HttpFetch>,
    ms: u64,
    /// `http-get` or `ldap-search`.
    method: &'static str,
    /// Held while the body (or what is parsed from it) is in memory, when it
    /// is large.
    large: Option<LargeBody>,
}

struct Run<'a> {
    fetcher: Fetcher,
    options: &'a RevocationOptions,
    started: UtcTime,
}

impl Run<'_> {
    fn provenance(&self, source: &str, method: &str) -> Provenance {
        Provenance {
            collector: "revocation".into(),
            source: source.to_string(),
            method: method.into(),
            collected_at: UtcTime::now(),
            agent: self.options.agent.as_deref().map(Into::into),
        }
    }

    fn failure(&self, source: &str, method: &str, error: FetchError) -> Failure {
        error.into_failure(self.provenance(source, method))
    }

    /// Fetches a URL over HTTP(S) or LDAP.
    async fn get(&self, url: &str, max_bytes: u64) -> Result<Download, FetchError> {
        if url.starts_with("ldap://") || url.starts_with("ldaps://") {
            let (body, ms) = ldap::fetch_ldap(url, self.options.fetch.timeout, max_bytes).await?;
            return Ok(Download {
                body,
                http: None,
                ms,
                method: "ldap-search",
                large: None,
            });
        }
        let fetched = self.fetcher.fetch(url, None, max_bytes).await?;
        Ok(Download {
            body: fetched.body,
            ms: fetched.info.latency_ms,
            http: Some(fetched.info),
            method: "http-get",
            large: fetched.large,
        })
    }
}

/// Collects revocation evidence for the certificates of `input`, plus the
/// explicit CRL URLs.
pub async fn collect(
    input: &EvidenceBundle,
    extra_crl_urls: &[String],
    options: &RevocationOptions,
) -> EvidenceBundle {
    let mut bundle = EvidenceBundle::new(format!("pkimm {}", env!("CARGO_PKG_VERSION")));
    let run = match Fetcher::new(options.fetch.clone()) {
        Ok(fetcher) => Run {
            fetcher,
            options,
            started: UtcTime::now(),
        },
        Err(e) => {
            bundle.failures.push(Failure {
                kind: e.kind,
                message: e.message,
                offset: None,
                provenance: Provenance {
                    collector: "revocation".into(),
                    source: "http client".into(),
                    method: "setup".into(),
                    collected_at: UtcTime::now(),
                    agent: options.agent.as_deref().map(Into::into),
                },
            });
            return bundle;
        }
    };
    let mut issuers = Issuers::new(&input.certificates);
    let mut targets: BTreeSet<String> = BTreeSet::new();

    if options.aia {
        let fetched = aia(&run, input, &mut issuers, &mut bundle).await;
        targets.extend(fetched);
    }
    let issuers = Arc::new(issuers);
    if options.crls {
        let mut urls: BTreeSet<String> = input
            .certificates
            .iter()
            .flat_map(|c| c.crl_urls.iter().cloned())
            .chain(extra_crl_urls.iter().cloned())
            .collect();
        urls.extend(
            input
                .crls
                .iter()
                .flat_map(|c| c.freshest_crl_urls.iter().cloned()),
        );
        targets.extend(urls.iter().cloned());
        let results: Vec<Result<Crl, Failure>> = stream::iter(urls)
            .map(|url| fetch_crl(&run, url, issuers.clone()))
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
        let mut by_fingerprint: BTreeMap<Sha256Hex, Crl> = BTreeMap::new();
        for result in results {
            match result {
                Ok(crl) => match by_fingerprint.get_mut(&crl.fingerprint_sha256) {
                    Some(seen) => merge_fetches(seen, crl),
                    None => {
                        by_fingerprint.insert(crl.fingerprint_sha256, crl);
                    }
                },
                Err(f) => bundle.failures.push(f),
            }
        }
        for crl in by_fingerprint.into_values() {
            bundle.add_crl(crl);
        }
    }
    if options.ocsp {
        let mut jobs = Vec::new();
        // A self-issued certificate has no issuer to ask about.
        for cert in input.certificates.iter().filter(|c| !c.self_issued) {
            let urls: Vec<String> = match &options.ocsp_url_override {
                Some(url) if !cert.is_ca() || !cert.ocsp_urls.is_empty() => vec![url.clone()],
                Some(_) => Vec::new(),
                None => cert.ocsp_urls.to_vec(),
            };
            for url in urls {
                jobs.push((cert, url));
            }
        }
        targets.extend(jobs.iter().map(|(_, u)| u.clone()));
        let checks: Vec<Result<OcspCheck, Failure>> = stream::iter(jobs)
            .map(|(cert, url)| ocsp_job(&run, cert, url, issuers.clone()))
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
        for check in checks {
            match check {
                Ok(c) => {
                    for error in &c.errors {
                        bundle.failures.push(Failure {
                            kind: FailureKind::Network,
                            message: if error.starts_with(&c.responder_url) {
                                format!("OCSP {error}")
                            } else {
                                format!("OCSP {}: {error}", c.responder_url)
                            },
                            offset: None,
                            provenance: c.provenance.clone(),
                        });
                    }
                    bundle.ocsp_checks.push(c);
                }
                Err(f) => bundle.failures.push(f),
            }
        }
    }
    bundle.runs.push(pkimm_model::evidence::CollectionRun {
        collector: "revocation".to_string(),
        targets: targets.into_iter().collect(),
        started_at: run.started,
        finished_at: UtcTime::now(),
        agent: options.agent.clone(),
    });
    bundle.sort();
    bundle
}

async fn fetch_crl(run: &Run<'_>, url: String, issuers: Arc<Issuers>) -> Result<Crl, Failure> {
    let Download {
        body,
        http,
        ms,
        method,
        large,
    } = run
        .get(&url, run.options.max_crl_bytes)
        .await
        .map_err(|e| run.failure(&url, "crl-fetch", e))?;
    let provenance = run.provenance(&url, method);
    let der = pem_or_der(body, "X509 CRL");
    let options = run.options.crl;
    let previous = run.options.previous_crl_numbers.get(&url).cloned();
    let parse_provenance = provenance.clone();
    let parsed = tokio::task::spawn_blocking(move || {
        let lookup = |issuer: &str, aki: Option<&str>| issuers.crl_lookup(issuer, aki);
        crl_from_der(&der, parse_provenance, options, &lookup)
    })
    .await;
    // The DER is gone and the records are built: the next large body may come.
    drop(large);
    let mut crl = match parsed {
        Ok(Ok(crl)) => crl,
        Ok(Err(e)) => {
            return Err(Failure {
                kind: FailureKind::Parse,
                message: format!("{url}: {e}"),
                offset: e.offset,
                provenance,
            })
        }
        Err(e) => {
            return Err(Failure {
                kind: FailureKind::Parse,
                message: format!("{url}: CRL parser stopped: {e}"),
                offset: None,
                provenance,
            })
        }
    };
    crl.fetch_ms = Some(ms);
    crl.http = http;
    crl.idp_matches_url = crl
        .issuing_distribution_point
        .as_ref()
        .map(|names| names.iter().any(|n| n == &url));
    crl.previous_crl_number = previous;
    Ok(crl)
}

async fn ocsp_job(
    run: &Run<'_>,
    cert: &Certificate,
    url: String,
    issuers: Arc<Issuers>,
) -> Result<OcspCheck, Failure> {
    let provenance = run.provenance(&url, "ocsp-post");
    let Some(issuer) = issuers.issuer_of(cert) else {
        return Err(Failure {
            kind: FailureKind::Skipped,
            message: format!(
                "OCSP {url}: the issuer of {} ({}) is unknown; give it in the bundle or let AIA find it",
                cert.subject, cert.fingerprint_sha256
            ),
            offset: None,
            provenance,
        });
    };
    let Some(known) = issuers::KnownCertificate::from_record(cert) else {
        return Err(Failure {
            kind: FailureKind::Skipped,
            message: format!(
                "OCSP {url}: {} has no DER in the bundle",
                cert.fingerprint_sha256
            ),
            offset: None,
            provenance,
        });
    };
    let options = run.options.ocsp_options;
    let provenance = run.provenance(
        &url,
        if options.prefer_get {
            "ocsp-get"
        } else {
            "ocsp-post"
        },
    );
    Ok(ocsp::check(
        &run.fetcher,
        &url,
        cert,
        known.der(),
        issuer,
        options,
        provenance,
    )
    .await)
}

/// Fetches missing issuers through AIA caIssuers, up to the depth limit.
/// Returns the URLs fetched.
async fn aia(
    run: &Run<'_>,
    input: &EvidenceBundle,
    issuers: &mut Issuers,
    bundle: &mut EvidenceBundle,
) -> Vec<String> {
    let mut visited: BTreeSet<String> = BTreeSet::new();
    let mut frontier: Vec<Certificate> = input
        .certificates
        .iter()
        .filter(|c| !c.self_issued && issuers.issuer_of(c).is_none())
        .cloned()
        .collect();
    for _ in 0..run.options.aia_depth {
        let urls: BTreeSet<String> = frontier
            .iter()
            .flat_map(|c| c.ca_issuer_urls.iter().cloned())
            .filter(|u| !visited.contains(u))
            .collect();
        if urls.is_empty() {
            break;
        }
        visited.extend(urls.iter().cloned());
        let results: Vec<(String, Result<Download, FetchError>)> = stream::iter(urls)
            .map(|url| async move {
                // Every answer is kept until all are in: none may hold a
                // large-body slot meanwhile, or the others would wait on it.
                let r = run.get(&url, run.options.max_issuer_bytes).await;
                let r = r.map(|d| Download { large: None, ..d });
                (url, r)
            })
            .buffer_unordered(run.options.concurrency.max(1))
            .collect()
            .await;
        let mut next = Vec::new();
        for (url, result) in results {
            let Download { body, method, .. } = match result {
                Ok(r) => r,
                Err(e) => {
                    bundle.failures.push(run.failure(&url, "aia-fetch", e));
                    continue;
                }
            };
            let provenance = run.provenance(&url, method);
            let found = split(&body, &url, &ContainerOptions::default());
            let mut any = false;
            for item in found.items {
                if item.kind != ItemKind::Certificate {
                    continue;
                }
                match certificate_from_der(&item.der, provenance.clone()) {
                    Ok(cert) => {
                        any = true;
                        issuers.add(&cert);
                        if !cert.self_issued && issuers.issuer_of(&cert).is_none() {
                            next.push(cert.clone());
                        }
                        bundle.add_certificate(cert);
                    }
                    Err(e) => bundle.failures.push(Failure {
                        kind: FailureKind::Parse,
                        message: format!("{url}: {}", e.0),
                        offset: None,
                        provenance: provenance.clone(),
                    }),
                }
            }
            if !any {
                bundle.failures.push(Failure {
                    kind: FailureKind::Parse,
                    message: format!(
                        "{url}: no certificate in the AIA response (DER or PKCS#7 expected)"
                    ),
                    offset: None,
                    provenance,
                });
            }
        }
        frontier = next;
    }
    visited.into_iter().collect()
}

/// Folds a second fetch of the same CRL (another URL) into the first: every
/// observation is kept, the highest previous CRL number seen at any of its
/// URLs counts, and the IDP must name every URL it was served from.
fn merge_fetches(seen: &mut Crl, other: Crl) {
    seen.observations.extend(other.observations);
    seen.previous_crl_number = match (seen.previous_crl_number.take(), other.previous_crl_number) {
        (Some(a), Some(b)) => Some(if (b.len(), &b) > (a.len(), &a) { b } else { a }),
        (a, b) => a.or(b),
    };
    seen.idp_matches_url = match (seen.idp_matches_url, other.idp_matches_url) {
        (Some(a), Some(b)) => Some(a && b),
        (a, b) => a.or(b),
    };
    if seen.http.is_none() {
        seen.http = other.http;
    }
}

/// PEM-decodes `body` when it is PEM with `label`, else returns it as is.
fn pem_or_der(body: Vec<u8>, label: &str) -> Vec<u8> {
    if body.starts_with(b"-----BEGIN") {
        for pem in x509_parser::pem::Pem::iter_from_buffer(&body).flatten() {
            if pem.label == label {
                return pem.contents;
            }
        }
    }
    body
}

/// Unique (URL → count) of the OCSP and CRL URLs in a bundle, for logs.
pub fn url_summary(input: &EvidenceBundle) -> BTreeMap<&'static str, usize> {
    let crl: BTreeSet<&str> = input
        .certificates
        .iter()
        .flat_map(|c| c.crl_urls.iter().map(String::as_str))
        .collect();
    let ocsp: BTreeSet<&str> = input
        .certificates
        .iter()
        .flat_map(|c| c.ocsp_urls.iter().map(String::as_str))
        .collect();
    BTreeMap::from([("crl", crl.len()), ("ocsp", ocsp.len())])
}
