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

use super::ciphers::suite_name;
use super::dial::{DialError, Dialer, RateLimiter};
use super::enumerate::{is_dhe, is_ecdhe, Connections, Prober};
use super::handshake::{handshake, ClientAuthSeen, Handshake, HandshakeError};
use super::hello::{parse_certificate_request, FlightLimits, ProtocolVersion};
use super::probe::{Accepted, ProbeError, ProbeSettings, Reply};
use super::target::{Host, Target};
use crate::parse::certificate::{certificate_from_der, requires_ocsp_staple};
use crate::parse::names::der_name_text;
use crate::parse::ocsp::parse_ocsp_response;
use crate::trust::TrustStore;
use pkimm_model::evidence::{ClientAuth, VersionSuites, TRUST_ANCHOR_METHOD};
use pkimm_model::tls_groups::group_name;

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
    /// Discovery mode: one handshake per endpoint (the served chain and the
    /// negotiated version), no probing or enumeration.
    pub discovery: bool,
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
            discovery: false,
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
    // The organisation's own roots given with --trust are evidence too: the
    // chains of the certificates they issue end in them.
    for (path, der) in shared.trust.file_anchors() {
        let provenance = Provenance {
            collector: "tls".into(),
            source: path.display().to_string(),
            method: TRUST_ANCHOR_METHOD.into(),
            collected_at: UtcTime::now(),
            agent: shared.options.agent.as_deref().map(Into::into),
        };
        match certificate_from_der(der, provenance.clone()) {
            Ok(certificate) => bundle.add_certificate(certificate),
            Err(e) => bundle.failures.push(Failure {
                kind: FailureKind::Parse,
                message: format!("trust anchor in {}: {}", path.display(), e.0),
                offset: None,
                provenance,
            }),
        }
    }
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
                suites: Vec::new(),
                groups: Vec::new(),
                preferred_group: None,
                groups_server_order: None,
                dh_bits: None,
                client_auth: None,
                secure_renegotiation: None,
                extended_master_secret: None,
                fallback_scsv: None,
                leaf_must_staple: false,
                discovery: self.options.discovery,
                connections: 0,
                alpn: None,
                ocsp_stapled: false,
                ocsp_staple_status: None,
                ocsp_staple_next_update: None,
                tls_sct_count: 0,
                leaf: None,
                handshake_ms: None,
                errors: Vec::new(),
                notes: Vec::new(),
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
            collector: "tls".into(),
            source: target.address(),
            method: method.into(),
            collected_at: UtcTime::now(),
            agent: self.options.agent.as_deref().map(Into::into),
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
        let connections = Connections::default();

        // 1. A real handshake with rustls (TLS 1.3 and 1.2).
        connections.add();
        let stream = match dialer.connect_with_retries(options.retries).await {
            Ok(stream) => stream,
            Err(DialError { kind, message }) => {
                self.endpoint.connections = connections.count();
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
        let mut client_auth_seen: Option<ClientAuthSeen> = None;
        let mut handshake_failure: Option<String> = None;
        let handshake = match handshake_result {
            Ok(h) => {
                client_auth_seen.clone_from(&h.client_auth);
                Some(h)
            }
            Err(error) => {
                client_auth_seen.clone_from(&error.client_auth);
                handshake_failure = Some(error.to_string());
                None
            }
        };

        // 2. Hand-built hellos: TLS 1.3 (answered in clear by a
        // HelloRetryRequest), TLS 1.2 and, unless switched off, the legacy
        // versions. Discovery mode sends one only when rustls failed.
        let settings = ProbeSettings {
            handshake_timeout: options.handshake_timeout,
            limits: options.limits,
        };
        let sni = self.sni.clone();
        let prober = Prober {
            dialer: &dialer,
            settings: &settings,
            sni: sni.as_deref(),
            connections: &connections,
        };
        let versions: Vec<ProtocolVersion> = if options.discovery {
            if handshake.is_some() {
                Vec::new()
            } else {
                vec![ProtocolVersion::Tls12]
            }
        } else if options.legacy_versions {
            [ProtocolVersion::Tls13]
                .into_iter()
                .chain(ProtocolVersion::LEGACY)
                .collect()
        } else {
            vec![ProtocolVersion::Tls13, ProtocolVersion::Tls12]
        };
        let probes = join_all(versions.iter().map(|&v| prober.first_flight(v))).await;
        let mut legacy: Vec<(ProtocolVersion, Accepted)> = Vec::new();
        let mut tls13_probe: Option<Accepted> = None;
        let mut probe_errors: Vec<ProbeError> = Vec::new();
        for (&version, probe) in versions.iter().zip(probes) {
            match probe {
                Ok(Reply::Accepted(accepted)) if accepted.hello.version == version.wire() => {
                    if version == ProtocolVersion::Tls13 {
                        tls13_probe = Some(*accepted);
                    } else {
                        legacy.push((version, *accepted));
                    }
                }
                Ok(_) => {}
                Err(e) => probe_errors.push(e),
            }
        }
        self.endpoint.connections = connections.count();
        if handshake.is_none() && legacy.is_empty() && tls13_probe.is_none() {
            // Nothing spoke TLS: report the most telling error.
            let (kind, message) = probe_errors
                .iter()
                .find(|e| e.kind == FailureKind::Protocol)
                .or_else(|| probe_errors.first())
                .map_or_else(
                    || {
                        (
                            FailureKind::Protocol,
                            handshake_failure
                                .clone()
                                .unwrap_or_else(|| "no TLS version was accepted".to_string()),
                        )
                    },
                    |e| (e.kind, e.message.clone()),
                );
            self.fail(kind, message);
            return (Vec::new(), None);
        }
        if let Some(failure) = handshake_failure {
            if client_auth_seen.is_some() {
                self.endpoint.notes.push(format!(
                    "the server refused a client without a certificate ({failure})"
                ));
            } else {
                self.endpoint.notes.push(format!(
                    "rustls could not complete a handshake ({failure}); versions, suites and the \
                     chain come from the hello probe"
                ));
            }
        }
        for e in probe_errors {
            self.endpoint.errors.push(e.message);
        }

        // 3. Suites per version, groups, DH size, fallback protection.
        if !options.discovery {
            let tls13 =
                tls13_probe.is_some() || handshake.as_ref().is_some_and(|h| h.version == "TLSv1.3");
            let accepted: Vec<ProtocolVersion> = tls13
                .then_some(ProtocolVersion::Tls13)
                .into_iter()
                .chain(legacy.iter().map(|(v, _)| *v))
                .collect();
            if options.enumerate_ciphers {
                self.enumerate_suites(&prober, &accepted).await;
            }
            if tls13 {
                self.enumerate_tls13_groups(&prober).await;
            }
            if let Some(&(newest, _)) = legacy.first() {
                self.legacy_key_exchange(&prober, newest, !tls13).await;
            }
            if accepted.len() >= 2 {
                // The lower of the two newest pre-TLS 1.3 versions when there
                // are two; else TLS 1.2 below TLS 1.3.
                let lower = if legacy.len() >= 2 {
                    legacy[1].0
                } else {
                    accepted[1]
                };
                match prober.fallback_scsv(lower).await {
                    Ok(verdict) => self.endpoint.fallback_scsv = verdict,
                    Err(e) => self
                        .endpoint
                        .errors
                        .push(format!("fallback SCSV probe: {}", e.message)),
                }
            }
            self.endpoint.connections = connections.count();
        }

        self.record(handshake.as_ref(), tls13_probe.as_ref(), &legacy);
        self.record_client_auth(client_auth_seen, &legacy);
        self.chain_evidence(handshake.as_ref(), &legacy, &server_name)
    }

    /// Suites accepted under each version, and whether the server orders them.
    async fn enumerate_suites(&mut self, prober: &Prober<'_>, versions: &[ProtocolVersion]) {
        let found = join_all(versions.iter().map(|&v| async move {
            let suites = prober.suites(v).await?;
            let order = prober.server_order(v, &suites).await?;
            Ok::<_, ProbeError>((v, suites, order))
        }))
        .await;
        for result in found {
            match result {
                Ok((version, suites, server_order)) => {
                    let names: Vec<String> = suites.into_iter().map(suite_name).collect();
                    if version != ProtocolVersion::Tls13 {
                        for name in &names {
                            if !self.endpoint.accepted_ciphers.contains(name) {
                                self.endpoint.accepted_ciphers.push(name.clone());
                            }
                        }
                    }
                    self.endpoint.suites.push(VersionSuites {
                        version: version.name().to_string(),
                        suites: names,
                        server_order,
                    });
                }
                Err(e) => self
                    .endpoint
                    .errors
                    .push(format!("cipher enumeration: {}", e.message)),
            }
        }
    }

    /// TLS 1.3 groups from HelloRetryRequests, the preferred one, the order.
    async fn enumerate_tls13_groups(&mut self, prober: &Prober<'_>) {
        let groups = match prober.tls13_groups().await {
            Ok(groups) => groups,
            Err(e) => {
                self.endpoint
                    .errors
                    .push(format!("group enumeration: {}", e.message));
                return;
            }
        };
        match prober.tls13_group_order(&groups).await {
            Ok(order) => self.endpoint.groups_server_order = order,
            Err(e) => self
                .endpoint
                .errors
                .push(format!("group order: {}", e.message)),
        }
        // The first group named was the answer to an offer of all of them.
        self.endpoint.preferred_group = groups.first().map(|g| group_name(*g));
        self.endpoint.groups = groups.into_iter().map(group_name).collect();
    }

    /// Under the newest pre-TLS 1.3 version: the DH prime size of the DHE
    /// suites and, without TLS 1.3, the ECDHE curves.
    async fn legacy_key_exchange(
        &mut self,
        prober: &Prober<'_>,
        version: ProtocolVersion,
        curves: bool,
    ) {
        let accepted: Vec<u16> = self
            .endpoint
            .suites
            .iter()
            .find(|s| s.version == version.name())
            .map(|s| {
                s.suites
                    .iter()
                    .filter_map(|n| super::ciphers::suite_id(n))
                    .collect()
            })
            .unwrap_or_default();
        let dhe: Vec<u16> = accepted
            .iter()
            .copied()
            .filter(|s| is_dhe(&suite_name(*s)))
            .collect();
        let ecdhe: Vec<u16> = accepted
            .iter()
            .copied()
            .filter(|s| is_ecdhe(&suite_name(*s)))
            .collect();
        // Servers can choose DH parameters per suite (OpenSSL's automatic
        // parameters are 1024 bits for anonymous suites): probe the
        // authenticated and the anonymous DHE suites apart, keep the smallest.
        let (anonymous, authenticated): (Vec<u16>, Vec<u16>) = dhe
            .iter()
            .partition(|s| suite_name(**s).starts_with("TLS_DH_anon_"));
        let smallest_dh = async {
            let (a, b) = futures_util::future::join(
                prober.dh_bits(version, &authenticated),
                prober.dh_bits(version, &anonymous),
            )
            .await;
            Ok::<_, ProbeError>([a?, b?].into_iter().flatten().min())
        };
        let (dh, ec) = futures_util::future::join(smallest_dh, async {
            if curves {
                prober.legacy_curves(version, &ecdhe).await
            } else {
                Ok(Vec::new())
            }
        })
        .await;
        match dh {
            Ok(bits) => self.endpoint.dh_bits = bits,
            Err(e) => self
                .endpoint
                .errors
                .push(format!("DH parameters: {}", e.message)),
        }
        match ec {
            Ok(groups) if !groups.is_empty() => {
                self.endpoint.preferred_group = groups.first().map(|g| group_name(*g));
                self.endpoint.groups = groups.into_iter().map(group_name).collect();
            }
            Ok(_) => {}
            Err(e) => self
                .endpoint
                .errors
                .push(format!("curve enumeration: {}", e.message)),
        }
    }

    /// Client certificate authentication, from the rustls handshake and the
    /// TLS 1.2-or-older CertificateRequest read in clear.
    fn record_client_auth(
        &mut self,
        seen: Option<ClientAuthSeen>,
        legacy: &[(ProtocolVersion, Accepted)],
    ) {
        let legacy_request = legacy.iter().find_map(|(version, a)| {
            let body = a.certificate_request.as_deref()?;
            parse_certificate_request(body, *version).ok()
        });
        if seen.is_none() && legacy_request.is_none() {
            return;
        }
        let names = match (&seen, &legacy_request) {
            (Some(s), _) if !s.ca_names.is_empty() => s.ca_names.clone(),
            (_, Some(r)) => r.ca_names.clone(),
            _ => Vec::new(),
        };
        self.endpoint.client_auth = Some(ClientAuth {
            requested: true,
            required: seen.and_then(|s| s.required),
            ca_names: names.iter().map(|n| der_name_text(n)).collect(),
        });
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

    /// Fills versions, negotiated suites, ALPN, staple, SCTs and the
    /// protocol facts of the ServerHello.
    fn record(
        &mut self,
        handshake: Option<&Handshake>,
        tls13_probe: Option<&Accepted>,
        legacy: &[(ProtocolVersion, Accepted)],
    ) {
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
        if let Some(probe) = tls13_probe {
            let name = ProtocolVersion::Tls13.name();
            if !endpoint.versions.iter().any(|v| v == name) {
                endpoint.versions.insert(0, name.to_string());
                endpoint.negotiated.insert(
                    0,
                    NegotiatedCipher {
                        version: name.to_string(),
                        cipher: suite_name(probe.hello.cipher_suite),
                    },
                );
            }
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
        if let Some((_, newest)) = legacy.first() {
            endpoint.secure_renegotiation = Some(newest.hello.secure_renegotiation());
            endpoint.extended_master_secret = Some(newest.hello.extended_master_secret());
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
        legacy: &[(ProtocolVersion, Accepted)],
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
        self.endpoint.leaf = certificates
            .first()
            .map(|c| c.fingerprint_sha256.to_string());
        self.endpoint.leaf_must_staple = ders.first().is_some_and(|d| requires_ocsp_staple(d));
        let validation = self.shared.trust.validate(&ders, server_name);
        let ordered = certificates.windows(2).all(|w| {
            pkimm_model::evidence::dn_key(&w[0].issuer)
                == pkimm_model::evidence::dn_key(&w[1].subject)
        });
        // Complete is a property of the chain, not of its validity: it ends
        // in a self-issued certificate or in one a trust anchor issued.
        let complete = certificates
            .last()
            .is_some_and(|c| c.self_issued || self.shared.trust.has_anchor_named(&c.issuer));
        let chain = Chain {
            certificates: certificates
                .iter()
                .map(|c| c.fingerprint_sha256.to_string())
                .collect(),
            ordered,
            complete,
            validation,
            provenance,
        };
        (certificates, Some(chain))
    }
}
