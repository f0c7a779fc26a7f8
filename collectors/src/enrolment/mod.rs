//! The enrolment collector: probes ACME, SCEP, CMP and EST endpoints,
//! read-only, and records which protocols each CA offers and how.
//!
//! - [`target`]: a URL and its protocol, given or inferred;
//! - [`acme`]: the directory, `newNonce`, and ACME Renewal Information for
//!   certificates in the evidence;
//! - [`scep`]: `GetCACaps` and `GetCACert`;
//! - [`cmp`]: general messages asking for the CA certificates, once per
//!   protocol version;
//! - [`est`]: `cacerts` and `csrattrs`.
//!
//! Nothing here creates an account, an order, a request or a certificate,
//! and no credentials are sent. CA certificates the endpoints give out go
//! through the certificate parser into the bundle; an endpoint that is down
//! or answers garbage is a failure record. `https` endpoints are also
//! scanned by the TLS collector (versions and chain, no suite enumeration).

mod acme;
mod cmp;
mod config;
mod est;
mod scep;
pub mod target;

pub use config::EnrolmentConfig;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use pkimm_model::evidence::{
    AcmeDirectory, CmpAnswers, EnrolmentEndpoint, EnrolmentProtocol, EnrolmentTls, EstAnswers,
    EvidenceBundle, Failure, Provenance, ScepCapabilities, UtcTime,
};

use crate::collector::{CollectContext, CollectError, Collector};
use crate::http::{FetchError, FetchOptions, Fetcher};
use crate::parse::{parse_blob, ContainerOptions};
use crate::tls::TlsConfig;
use target::EnrolmentTarget;

/// How to probe.
#[derive(Debug, Clone)]
pub struct EnrolmentOptions {
    /// HTTP settings (time-outs, address policy, trust anchors).
    pub fetch: FetchOptions,
    /// Largest answer read, in bytes.
    pub max_response: u64,
    /// Requests in flight.
    pub concurrency: usize,
    /// Certificates asked about per ACME Renewal Information endpoint.
    pub ari_max: usize,
    /// Agent name for provenance.
    pub agent: String,
}

impl Default for EnrolmentOptions {
    fn default() -> Self {
        Self {
            fetch: FetchOptions {
                timeout: Duration::from_secs(20),
                ..FetchOptions::default()
            },
            max_response: 1024 * 1024,
            concurrency: 8,
            ari_max: 1000,
            agent: String::new(),
        }
    }
}

/// A certificate blob an endpoint gave out, parsed into the bundle.
struct CaBlob {
    /// The bytes: DER, or PKCS#7 of several.
    bytes: Vec<u8>,
    /// The URL it came from.
    source: String,
    /// How (`scep-getcacert`, `est-cacerts`, `cmp-genp`, …).
    method: &'static str,
}

/// What one protocol probe found.
#[derive(Default)]
struct Probed {
    acme: Option<AcmeDirectory>,
    scep: Option<ScepCapabilities>,
    cmp: Option<CmpAnswers>,
    est: Option<EstAnswers>,
    /// CA and RA certificates given out.
    blobs: Vec<CaBlob>,
    /// Certificates of the CMP response's `extraCerts`.
    extra_certs: Vec<CaBlob>,
    /// Problems with secondary requests; the endpoint record is kept.
    problems: Vec<(String, FetchError)>,
}

/// One probe's shared pieces.
struct Probe<'a> {
    fetcher: &'a Fetcher,
    options: &'a EnrolmentOptions,
}

impl EnrolmentOptions {
    /// The provenance of an observation of `source` by `method`, now.
    fn provenance(&self, source: &str, method: &str) -> Provenance {
        Provenance {
            collector: EnrolmentConfig::TYPE.into(),
            source: source.to_string(),
            method: method.into(),
            collected_at: UtcTime::now(),
            agent: (!self.agent.is_empty()).then(|| self.agent.as_str().into()),
        }
    }
}

impl Probe<'_> {
    fn provenance(&self, source: &str, method: &str) -> Provenance {
        self.options.provenance(source, method)
    }

    fn failure(&self, source: &str, method: &str, error: FetchError) -> Failure {
        error.into_failure(self.provenance(source, method))
    }

    async fn run(&self, target: &EnrolmentTarget) -> Result<Probed, FetchError> {
        match target.protocol {
            EnrolmentProtocol::Acme => acme::probe(self, &target.url).await,
            EnrolmentProtocol::Scep => scep::probe(self, &target.url).await,
            EnrolmentProtocol::Cmp => cmp::probe(self, &target.url).await,
            EnrolmentProtocol::Est => est::probe(self, &target.url).await,
        }
    }
}

/// The provenance method of an endpoint record.
fn method(protocol: EnrolmentProtocol) -> &'static str {
    match protocol {
        EnrolmentProtocol::Acme => "acme-directory",
        EnrolmentProtocol::Scep => "scep-getcacaps",
        EnrolmentProtocol::Cmp => "cmp-genm",
        EnrolmentProtocol::Est => "est-cacerts",
    }
}

/// Probes every target, then asks each ACME server offering ARI about the
/// certificates in `known`. Failures are recorded, never raised.
pub async fn collect(
    targets: &[EnrolmentTarget],
    known: &EvidenceBundle,
    options: &EnrolmentOptions,
) -> EvidenceBundle {
    let started = UtcTime::now();
    let mut bundle = EvidenceBundle::new(format!("pkimm {}", env!("CARGO_PKG_VERSION")));
    let fetcher = match Fetcher::new(options.fetch.clone()) {
        Ok(fetcher) => fetcher,
        Err(error) => {
            bundle.failures.extend(targets.iter().map(|t| {
                error
                    .clone()
                    .into_failure(options.provenance(t.url.as_str(), method(t.protocol)))
            }));
            return bundle;
        }
    };
    let probe = Probe {
        fetcher: &fetcher,
        options,
    };
    let results: Vec<(&EnrolmentTarget, Result<Probed, FetchError>)> = stream::iter(targets)
        .map(|t| {
            let probe = &probe;
            async move { (t, probe.run(t).await) }
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    for (target, result) in results {
        let url = target.url.to_string();
        let method = method(target.protocol);
        let mut probed = match result {
            Ok(probed) => probed,
            Err(error) => {
                tracing::warn!("{url}: {}", error.message);
                bundle.failures.push(probe.failure(&url, method, error));
                continue;
            }
        };
        let ca_certificates = add_blobs(&mut bundle, &probe, &probed.blobs);
        let extra = add_blobs(&mut bundle, &probe, &probed.extra_certs);
        if let Some(cmp) = &mut probed.cmp {
            cmp.extra_certificates = extra;
        }
        let mut errors = Vec::new();
        for (source, error) in probed.problems {
            errors.push(error.message.clone());
            bundle.failures.push(probe.failure(&source, method, error));
        }
        bundle.enrolment_endpoints.push(EnrolmentEndpoint {
            url: url.clone(),
            protocol: target.protocol,
            ca_certificates,
            tls: None,
            acme: probed.acme,
            scep: probed.scep,
            cmp: probed.cmp,
            est: probed.est,
            errors,
            provenance: probe.provenance(&url, method),
        });
    }
    acme::query_renewal_info(&probe, &mut bundle, known).await;
    bundle.runs.push(pkimm_model::evidence::CollectionRun {
        collector: EnrolmentConfig::TYPE.to_string(),
        targets: targets.iter().map(|t| t.url.to_string()).collect(),
        started_at: started,
        finished_at: UtcTime::now(),
        agent: Some(options.agent.clone()).filter(|a| !a.is_empty()),
    });
    bundle.sort();
    bundle
}

/// Parses certificate blobs into the bundle; returns the fingerprints, in
/// the order given, without repeats.
fn add_blobs(bundle: &mut EvidenceBundle, probe: &Probe<'_>, blobs: &[CaBlob]) -> Vec<String> {
    let mut fingerprints = Vec::new();
    for blob in blobs {
        let provenance = probe.provenance(&blob.source, blob.method);
        let found = parse_blob(
            &blob.bytes,
            &blob.source,
            &provenance,
            &ContainerOptions::default(),
        );
        for mut certificate in found.certificates {
            // `scep-getcacert+der`, `est-cacerts+pkcs7`, …: the request and
            // the container.
            for observation in &mut certificate.observations {
                observation.method = pkimm_model::evidence::format_compact!(
                    "{}+{}",
                    blob.method,
                    observation.method
                );
            }
            if !fingerprints
                .iter()
                .any(|f| *f == certificate.fingerprint_sha256)
            {
                fingerprints.push(certificate.fingerprint_sha256.to_string());
            }
            bundle.add_certificate(certificate);
        }
        bundle.failures.extend(found.failures);
    }
    fingerprints
}

/// Scans the TLS configuration of every `https` endpoint (versions and the
/// served chain; no suite enumeration) with the TLS collector, and links
/// each endpoint record to what the scan found.
fn scan_tls(
    bundle: &mut EvidenceBundle,
    targets: &[EnrolmentTarget],
    trust: &[PathBuf],
    connect_timeout: Duration,
    context: &CollectContext<'_>,
) -> Result<(), CollectError> {
    let hosts: BTreeSet<String> = targets
        .iter()
        .filter(|t| t.url.scheme() == "https")
        .map(EnrolmentTarget::host_port)
        .collect();
    if hosts.is_empty() {
        return Ok(());
    }
    let config = TlsConfig {
        targets: hosts.iter().cloned().collect(),
        trust: std::iter::once("system".to_string())
            .chain(trust.iter().map(|p| p.display().to_string()))
            .collect(),
        ciphers: Some(false),
        connect_timeout: Some(connect_timeout),
        ..TlsConfig::default()
    };
    let scanned = config.collect(context)?.bundle;
    for endpoint in &mut bundle.enrolment_endpoints {
        let Some(target) = targets
            .iter()
            .find(|t| t.url.as_str() == endpoint.url && t.url.scheme() == "https")
        else {
            continue;
        };
        let host_port = target.host_port();
        let tls = match scanned.tls_endpoints.iter().find(|e| e.target == host_port) {
            Some(found) => EnrolmentTls {
                endpoint: host_port,
                versions: found.versions.clone(),
                chain_valid: scanned
                    .chains
                    .iter()
                    .find(|c| c.provenance.source == found.provenance.source)
                    .map(|c| c.validation.valid),
                failure: None,
            },
            None => EnrolmentTls {
                failure: Some(
                    scanned
                        .failures
                        .iter()
                        .find(|f| f.provenance.source.contains(&host_port))
                        .map_or_else(
                            || "the TLS scan recorded nothing".to_string(),
                            |f| f.message.clone(),
                        ),
                ),
                endpoint: host_port,
                versions: Vec::new(),
                chain_valid: None,
            },
        };
        endpoint.tls = Some(tls);
    }
    bundle.merge(scanned);
    bundle.sort();
    Ok(())
}

/// The one-line summary for people.
fn summary(bundle: &EvidenceBundle) -> String {
    let by_protocol: Vec<String> = EnrolmentProtocol::ALL
        .into_iter()
        .filter_map(|p| {
            let n = bundle
                .enrolment_endpoints
                .iter()
                .filter(|e| e.protocol == p)
                .count();
            (n > 0).then(|| format!("{n} {}", p.name().to_uppercase()))
        })
        .collect();
    let windows: usize = bundle
        .enrolment_endpoints
        .iter()
        .filter_map(|e| e.acme.as_ref())
        .map(|a| a.renewal_windows.len())
        .sum();
    format!(
        "probed {} enrolment endpoints ({}); {} CA certificates, {} renewal windows; {} failures",
        bundle.enrolment_endpoints.len(),
        if by_protocol.is_empty() {
            "none answered".to_string()
        } else {
            by_protocol.join(", ")
        },
        bundle
            .enrolment_endpoints
            .iter()
            .map(|e| e.ca_certificates.len())
            .sum::<usize>(),
        windows,
        bundle.failures.len()
    )
}
