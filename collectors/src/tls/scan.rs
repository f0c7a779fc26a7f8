//! Scanning many endpoints concurrently and turning what each showed into
//! evidence.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use indicatif::{ProgressBar, ProgressStyle};
use pkimm_model::evidence::{
    Certificate, Chain, EvidenceBundle, Failure, FailureKind, NegotiatedCipher, Provenance,
    TlsEndpoint, UtcTime,
};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use tokio::sync::Semaphore;
use tokio::time::timeout;

use super::ciphers::{client_preference_order, suite_name};
use super::dial::{DialError, Dialer, RateLimiter};
use super::handshake::{handshake, Handshake, HandshakeError};
use super::hello::{FlightLimits, LegacyVersion};
use super::probe::{enumerate, offer, Accepted, ProbeError, ProbeSettings, Reply};
use super::target::{Host, Target};
use crate::parse::certificate::certificate_from_der;
use crate::parse::ocsp::parse_ocsp_response;
use crate::trust::TrustStore;

/// Scan settings.
#[derive(Debug, Clone)]
pub struct TlsOptions {
    /// Endpoints scanned at once.
    pub concurrency: usize,
    /// TCP connect time-out.
    pub connect_timeout: Duration,
    /// Time-out for one STARTTLS exchange or handshake.
    pub handshake_timeout: Duration,
    /// Time-out for everything done to one endpoint.
    pub endpoint_timeout: Duration,
    /// Retries of the first connection, with exponential backoff.
    pub retries: u32,
    /// New connections per second, across the scan; `None` is unlimited.
    pub rate_per_second: Option<f64>,
    /// Probe SSLv3, TLS 1.0 and TLS 1.1.
    pub legacy_versions: bool,
    /// Enumerate accepted cipher suites.
    pub enumerate_ciphers: bool,
    /// ALPN protocols offered in the rustls handshake (none for STARTTLS).
    pub alpn: Vec<String>,
    /// Limits on what a server may send.
    pub limits: FlightLimits,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Agent name for provenance.
    pub agent: Option<String>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        Self {
            concurrency: 100,
            connect_timeout: Duration::from_secs(5),
            handshake_timeout: Duration::from_secs(10),
            endpoint_timeout: Duration::from_secs(120),
            retries: 1,
            rate_per_second: None,
            legacy_versions: true,
            enumerate_ciphers: true,
            alpn: vec!["h2".to_string(), "http/1.1".to_string()],
            limits: FlightLimits::default(),
            progress: false,
            agent: None,
        }
    }
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TlsSummary {
    /// Endpoints scanned.
    pub endpoints: usize,
    /// Endpoints that answered TLS.
    pub reachable: usize,
    /// Endpoints with a failure.
    pub failed: usize,
}

/// Scans every target and returns the evidence. Failures are recorded, never
/// raised.
pub async fn scan(
    targets: Vec<Target>,
    options: TlsOptions,
    provider: Arc<CryptoProvider>,
    trust: TrustStore,
) -> (EvidenceBundle, TlsSummary) {
    let started = UtcTime::now();
    let labels: Vec<String> = targets.iter().map(Target::address).collect();
    let jobs: Vec<(Target, Option<String>)> = targets
        .into_iter()
        .flat_map(|t| {
            let names: Vec<Option<String>> = if t.sni.is_empty() {
                vec![match &t.host {
                    Host::Name(name) => Some(name.clone()),
                    Host::Ip(_) => None,
                }]
            } else {
                t.sni.iter().cloned().map(Some).collect()
            };
            names.into_iter().map(move |n| (t.clone(), n))
        })
        .collect();
    let progress = if options.progress {
        let bar = ProgressBar::new(jobs.len() as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {pos}/{len} endpoints [{elapsed}] {wide_bar} {eta}",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let shared = Arc::new(Shared {
        rate: options
            .rate_per_second
            .map(|r| Arc::new(RateLimiter::new(r))),
        options,
        provider,
        trust,
    });
    let semaphore = Arc::new(Semaphore::new(shared.options.concurrency.max(1)));
    let mut tasks = Vec::with_capacity(jobs.len());
    for (target, sni) in jobs {
        let shared = shared.clone();
        let semaphore = semaphore.clone();
        let progress = progress.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let observed = shared.endpoint(&target, sni).await;
            progress.inc(1);
            observed
        }));
    }
    let mut bundle = EvidenceBundle::new(format!("pkimm {}", env!("CARGO_PKG_VERSION")));
    let mut summary = TlsSummary::default();
    for task in tasks {
        let Ok(observed) = task.await else {
            continue;
        };
        summary.endpoints += 1;
        if !observed.endpoint.versions.is_empty() {
            summary.reachable += 1;
        }
        if !observed.failures.is_empty() {
            summary.failed += 1;
        }
        for certificate in observed.certificates {
            bundle.add_certificate(certificate);
        }
        bundle.chains.extend(observed.chain);
        bundle.tls_endpoints.push(observed.endpoint);
        bundle.failures.extend(observed.failures);
    }
    progress.finish_and_clear();
    bundle.runs.push(pkimm_model::evidence::CollectionRun {
        collector: "tls".to_string(),
        targets: labels,
        started_at: started,
        finished_at: UtcTime::now(),
        agent: shared.options.agent.clone(),
    });
    bundle.sort();
    (bundle, summary)
}

struct Shared {
    options: TlsOptions,
    provider: Arc<CryptoProvider>,
    trust: TrustStore,
    rate: Option<Arc<RateLimiter>>,
}

/// Everything one endpoint produced.
struct Observed {
    endpoint: TlsEndpoint,
    certificates: Vec<Certificate>,
    chain: Option<Chain>,
    failures: Vec<Failure>,
}

/// Working state while one endpoint is scanned.
struct EndpointScan<'a> {
    shared: &'a Shared,
    target: &'a Target,
    sni: Option<String>,
    endpoint: TlsEndpoint,
    failures: Vec<Failure>,
}

impl Shared {
    async fn endpoint(&self, target: &Target, sni: Option<String>) -> Observed {
        let mut scan = EndpointScan {
            shared: self,
            target,
            sni: sni.clone(),
            endpoint: TlsEndpoint {
                target: target.address(),
                sni,
                ip: None,
                resolved: Vec::new(),
                port: target.port,
                starttls: target.starttls.map(|s| s.name().to_string()),
                versions: Vec::new(),
                negotiated: Vec::new(),
                accepted_ciphers: Vec::new(),
                alpn: None,
                ocsp_stapled: false,
                ocsp_staple_status: None,
                ocsp_staple_next_update: None,
                tls_sct_count: 0,
                leaf: None,
                handshake_ms: None,
                errors: Vec::new(),
                provenance: self.provenance(target, "tls-scan"),
            },
            failures: Vec::new(),
        };
        let outcome = timeout(self.options.endpoint_timeout, scan.run()).await;
        let (certificates, chain) = match outcome {
            Ok(found) => found,
            Err(_) => {
                scan.fail(
                    FailureKind::Timeout,
                    format!(
                        "endpoint scan did not finish within {} s",
                        self.options.endpoint_timeout.as_secs()
                    ),
                );
                (Vec::new(), None)
            }
        };
        Observed {
            endpoint: scan.endpoint,
            certificates,
            chain,
            failures: scan.failures,
        }
    }

    fn provenance(&self, target: &Target, method: &str) -> Provenance {
        let method = match target.starttls {
            Some(p) => format!("starttls-{p}+{method}"),
            None => method.to_string(),
        };
        Provenance {
            collector: "tls".to_string(),
            source: target.address(),
            method,
            collected_at: UtcTime::now(),
            agent: self.options.agent.clone(),
        }
    }
}

impl EndpointScan<'_> {
    fn fail(&mut self, kind: FailureKind, message: String) {
        self.endpoint.errors.push(message.clone());
        self.failures.push(Failure {
            kind,
            message: format!("{}: {message}", self.endpoint.target),
            offset: None,
            provenance: self.shared.provenance(self.target, "tls-scan"),
        });
    }

    /// Resolves, handshakes, probes, and builds the chain evidence.
    async fn run(&mut self) -> (Vec<Certificate>, Option<Chain>) {
        let Some(addr) = self.resolve().await else {
            return (Vec::new(), None);
        };
        self.endpoint.ip = Some(addr.ip().to_string());
        let options = &self.shared.options;
        let dialer = Dialer {
            addr,
            starttls: self.target.starttls,
            host: self.sni.clone().unwrap_or_else(|| addr.ip().to_string()),
            connect_timeout: options.connect_timeout,
            io_timeout: options.handshake_timeout,
            rate: self.shared.rate.clone(),
        };
        let server_name = self.server_name(addr.ip());

        // 1. A real handshake with rustls (TLS 1.3 and 1.2).
        let stream = match dialer.connect_with_retries(options.retries).await {
            Ok(stream) => stream,
            Err(DialError { kind, message }) => {
                self.fail(kind, message);
                return (Vec::new(), None);
            }
        };
        let alpn: &[String] = if self.target.starttls.is_some() {
            &[]
        } else {
            &options.alpn
        };
        let handshake_result = timeout(
            options.handshake_timeout,
            handshake(stream, server_name.clone(), &self.shared.provider, alpn),
        )
        .await
        .unwrap_or_else(|_| {
            Err(HandshakeError::new(format!(
                "TLS handshake timed out after {} ms",
                options.handshake_timeout.as_millis()
            )))
        });
        let handshake = match handshake_result {
            Ok(h) => Some(h),
            Err(error) => {
                self.endpoint.errors.push(error.to_string());
                None
            }
        };

        // 2. Hand-built hellos for TLS 1.2 and the legacy versions.
        let settings = ProbeSettings {
            handshake_timeout: options.handshake_timeout,
            limits: options.limits,
        };
        let sni = self.sni.as_deref();
        let versions: Vec<LegacyVersion> = if options.legacy_versions {
            LegacyVersion::ALL.to_vec()
        } else {
            vec![LegacyVersion::Tls12]
        };
        let all_suites = client_preference_order();
        let probes = join_all(
            versions
                .iter()
                .map(|&v| offer(&dialer, &settings, v, &all_suites, sni, true)),
        )
        .await;
        let mut legacy: Vec<(LegacyVersion, Accepted)> = Vec::new();
        let mut probe_errors: Vec<ProbeError> = Vec::new();
        for (&version, probe) in versions.iter().zip(probes) {
            match probe {
                Ok(Reply::Accepted(accepted)) if accepted.hello.version == version.wire() => {
                    legacy.push((version, *accepted));
                }
                Ok(_) => {}
                Err(e) => probe_errors.push(e),
            }
        }
        if handshake.is_none() && legacy.is_empty() {
            // Nothing spoke TLS: report the most telling error.
            let (kind, message) = probe_errors
                .iter()
                .find(|e| e.kind == FailureKind::Protocol)
                .or_else(|| probe_errors.first())
                .map_or_else(
                    || {
                        (
                            FailureKind::Protocol,
                            self.endpoint
                                .errors
                                .first()
                                .cloned()
                                .unwrap_or_else(|| "no TLS version was accepted".to_string()),
                        )
                    },
                    |e| (e.kind, e.message.clone()),
                );
            self.endpoint.errors.clear();
            self.fail(kind, message);
            return (Vec::new(), None);
        }
        for e in probe_errors {
            self.endpoint.errors.push(e.message);
        }

        // 3. Cipher suites accepted under the newest legacy-probed version.
        if options.enumerate_ciphers {
            if let Some(&(version, _)) = legacy.first() {
                match enumerate_in_groups(&dialer, &settings, version, sni).await {
                    Ok(suites) => {
                        self.endpoint.accepted_ciphers =
                            suites.into_iter().map(suite_name).collect();
                    }
                    Err(e) => self
                        .endpoint
                        .errors
                        .push(format!("cipher enumeration: {}", e.message)),
                }
            }
        }

        self.record(handshake.as_ref(), &legacy);
        self.chain_evidence(handshake.as_ref(), &legacy, &server_name)
    }

    async fn resolve(&mut self) -> Option<SocketAddr> {
        let port = self.target.port;
        let name = match &self.target.host {
            Host::Ip(ip) => return Some(SocketAddr::new(*ip, port)),
            Host::Name(name) => name.clone(),
        };
        let lookup = timeout(
            self.shared.options.connect_timeout,
            tokio::net::lookup_host((name.as_str(), port)),
        )
        .await;
        match lookup {
            Ok(Ok(addrs)) => {
                let addrs: Vec<SocketAddr> = addrs.collect();
                self.endpoint.resolved = addrs.iter().map(|a| a.ip().to_string()).collect();
                self.endpoint.resolved.dedup();
                let first = addrs.first().copied();
                if first.is_none() {
                    self.fail(FailureKind::Network, format!("{name} has no addresses"));
                }
                first
            }
            Ok(Err(e)) => {
                self.fail(FailureKind::Network, format!("cannot resolve {name}: {e}"));
                None
            }
            Err(_) => {
                self.fail(FailureKind::Timeout, format!("resolving {name} timed out"));
                None
            }
        }
    }

    fn server_name(&self, ip: IpAddr) -> ServerName<'static> {
        self.sni
            .as_deref()
            .and_then(|n| ServerName::try_from(n.to_string()).ok())
            .unwrap_or(ServerName::IpAddress(ip.into()))
    }

    /// Fills versions, negotiated suites, ALPN, staple and SCTs.
    fn record(&mut self, handshake: Option<&Handshake>, legacy: &[(LegacyVersion, Accepted)]) {
        let endpoint = &mut self.endpoint;
        if let Some(h) = handshake {
            endpoint.versions.push(h.version.to_string());
            endpoint.negotiated.push(NegotiatedCipher {
                version: h.version.to_string(),
                cipher: h.cipher.clone(),
            });
            endpoint.alpn.clone_from(&h.alpn);
            endpoint.handshake_ms = Some(u64::try_from(h.elapsed.as_millis()).unwrap_or(u64::MAX));
        }
        for (version, accepted) in legacy {
            if !endpoint.versions.iter().any(|v| v == version.name()) {
                endpoint.versions.push(version.name().to_string());
            }
            if !endpoint
                .negotiated
                .iter()
                .any(|n| n.version == version.name())
            {
                endpoint.negotiated.push(NegotiatedCipher {
                    version: version.name().to_string(),
                    cipher: suite_name(accepted.hello.cipher_suite),
                });
            }
        }
        endpoint.tls_sct_count = legacy
            .iter()
            .map(|(_, a)| a.hello.sct_count())
            .max()
            .unwrap_or(0);
        let staple = handshake
            .and_then(|h| h.ocsp_staple.clone())
            .or_else(|| legacy.iter().find_map(|(_, a)| a.staple.clone()));
        if let Some(staple) = staple {
            endpoint.ocsp_stapled = true;
            match parse_ocsp_response(&staple) {
                Ok(facts) => {
                    let single = facts.basic.as_ref().and_then(|b| b.responses.first());
                    endpoint.ocsp_staple_status = Some(
                        single
                            .map_or(facts.response_status, |s| s.status)
                            .to_string(),
                    );
                    endpoint.ocsp_staple_next_update = single
                        .and_then(|s| s.next_update)
                        .and_then(UtcTime::from_unix);
                }
                Err(e) => endpoint.errors.push(format!("stapled OCSP response: {e}")),
            }
        }
    }

    /// Parses the served chain into certificates and a chain record.
    fn chain_evidence(
        &mut self,
        handshake: Option<&Handshake>,
        legacy: &[(LegacyVersion, Accepted)],
        server_name: &ServerName<'static>,
    ) -> (Vec<Certificate>, Option<Chain>) {
        let (ders, method) = match handshake.filter(|h| !h.chain.is_empty()) {
            Some(h) => (h.chain.clone(), "tls-handshake"),
            None => match legacy.iter().find(|(_, a)| !a.chain.is_empty()) {
                Some((_, a)) => (a.chain.clone(), "tls-probe"),
                None => return (Vec::new(), None),
            },
        };
        let max = self.shared.options.limits.max_chain_length;
        if ders.len() > max {
            self.endpoint.errors.push(format!(
                "served chain of {} certificates; kept the first {max}",
                ders.len()
            ));
        }
        let provenance = self.shared.provenance(self.target, method);
        let mut certificates = Vec::new();
        for (position, der) in ders.iter().take(max).enumerate() {
            match certificate_from_der(der, provenance.clone()) {
                Ok(c) => certificates.push(c),
                Err(e) => self.fail(
                    FailureKind::Parse,
                    format!("served certificate #{position} does not parse: {}", e.0),
                ),
            }
        }
        self.endpoint.leaf = certificates.first().map(|c| c.fingerprint_sha256.clone());
        let validation = self.shared.trust.validate(&ders, server_name);
        let ordered = certificates.windows(2).all(|w| {
            pkimm_model::evidence::dn_key(&w[0].issuer)
                == pkimm_model::evidence::dn_key(&w[1].subject)
        });
        let complete = validation.valid || certificates.last().is_some_and(|c| c.self_issued);
        let chain = Chain {
            certificates: certificates
                .iter()
                .map(|c| c.fingerprint_sha256.clone())
                .collect(),
            ordered,
            complete,
            validation,
            provenance,
        };
        (certificates, Some(chain))
    }
}

/// Enumerates suites in independent groups (by key exchange) in parallel.
/// The server's preference holds within a group.
async fn enumerate_in_groups(
    dialer: &Dialer,
    settings: &ProbeSettings,
    version: LegacyVersion,
    sni: Option<&str>,
) -> Result<Vec<u16>, ProbeError> {
    let group_of = |name: &str| {
        if name.starts_with("TLS_ECDHE_") {
            0
        } else if name.starts_with("TLS_DHE_") {
            1
        } else if name.starts_with("TLS_RSA_") {
            2
        } else {
            3
        }
    };
    let mut groups: [Vec<u16>; 4] = Default::default();
    for suite in client_preference_order() {
        groups[group_of(&suite_name(suite))].push(suite);
    }
    let results = join_all(
        groups
            .iter()
            .map(|g| enumerate(dialer, settings, version, g, sni)),
    )
    .await;
    let mut accepted = Vec::new();
    for result in results {
        accepted.extend(result?);
    }
    Ok(accepted)
}
