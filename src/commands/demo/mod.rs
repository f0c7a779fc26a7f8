//! `pkimm demo`: the whole pipeline on built-in data, offline.
//!
//! [`ocsp`] is the demo's OCSP responder.
//!
//! 1. Writes the embedded fixture certificates, CRLs and inventory export.
//! 2. Makes a demo PKI with rcgen and serves it from loopback TLS endpoints
//!    (rustls): a healthy one, one about to expire, one with a self-signed
//!    certificate and one that serves an incomplete chain with a revoked
//!    certificate; a loopback HTTP server publishes the issuing CA's CRL and
//!    certificate (CDP and AIA).
//! 3. Collects from the files, the inventory, the endpoints and the CRL/AIA
//!    URLs, evaluates the built-in rules, pre-fills an assessment and writes
//!    the reports.

mod ocsp;

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use pkimm_collectors::files::{collect_files, FilesOptions};
use pkimm_collectors::inventory::{collect_inventory, InventoryOptions};
use pkimm_collectors::revocation::{self, RevocationOptions};
use pkimm_collectors::tls::target::Host;
use pkimm_collectors::tls::{scan, Target, TlsOptions, TrustSource, TrustStore};
use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use pkimm_rules::{evaluate, EvalOptions, Policy, RulePack};
use pkimm_scoring::assessment::PrefillInfo;
use pkimm_scoring::merge::merge_prefill;
use pkimm_scoring::prefill::{prefill, LevelMappings};
use pkimm_scoring::{Assessment, Mode};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

use crate::cli::{DemoArgs, GlobalArgs};
use crate::context;
use crate::report::document::{ReportDocument, ReportInputs, ReportType};
use crate::report::{render, Format};
use crate::write::{write_assessment, write_atomically, write_json};

/// Fixture files embedded in the binary: (relative path, bytes).
const FIXTURES: &[(&str, &[u8])] = &[
    (
        "pki/ca/root-rsa4096.pem",
        include_bytes!("../../../fixtures/pki/ca/root-rsa4096.pem"),
    ),
    (
        "pki/ca/issuing-rsa2048.pem",
        include_bytes!("../../../fixtures/pki/ca/issuing-rsa2048.pem"),
    ),
    (
        "pki/ca/issuing-ec-p384.pem",
        include_bytes!("../../../fixtures/pki/ca/issuing-ec-p384.pem"),
    ),
    (
        "pki/crl/issuing-rsa.crl",
        include_bytes!("../../../fixtures/pki/crl/issuing-rsa.crl"),
    ),
    (
        "pki/crl/issuing-rsa-delta.crl",
        include_bytes!("../../../fixtures/pki/crl/issuing-rsa-delta.crl"),
    ),
    (
        "pki/crl/issuing-ec-stale.crl",
        include_bytes!("../../../fixtures/pki/crl/issuing-ec-stale.crl"),
    ),
    (
        "pki/crl/root.crl.pem",
        include_bytes!("../../../fixtures/pki/crl/root.crl.pem"),
    ),
    (
        "pki/leaf/ec-p256.pem",
        include_bytes!("../../../fixtures/pki/leaf/ec-p256.pem"),
    ),
    (
        "pki/leaf/ec-p384.pem",
        include_bytes!("../../../fixtures/pki/leaf/ec-p384.pem"),
    ),
    (
        "pki/leaf/ed25519.pem",
        include_bytes!("../../../fixtures/pki/leaf/ed25519.pem"),
    ),
    (
        "pki/leaf/expired.pem",
        include_bytes!("../../../fixtures/pki/leaf/expired.pem"),
    ),
    (
        "pki/leaf/no-aia.pem",
        include_bytes!("../../../fixtures/pki/leaf/no-aia.pem"),
    ),
    (
        "pki/leaf/no-cdp.pem",
        include_bytes!("../../../fixtures/pki/leaf/no-cdp.pem"),
    ),
    (
        "pki/leaf/not-yet-valid.pem",
        include_bytes!("../../../fixtures/pki/leaf/not-yet-valid.pem"),
    ),
    (
        "pki/leaf/rsa1024-weak.pem",
        include_bytes!("../../../fixtures/pki/leaf/rsa1024-weak.pem"),
    ),
    (
        "pki/leaf/rsa2048-398d.pem",
        include_bytes!("../../../fixtures/pki/leaf/rsa2048-398d.pem"),
    ),
    (
        "pki/leaf/rsa2048-sha1.pem",
        include_bytes!("../../../fixtures/pki/leaf/rsa2048-sha1.pem"),
    ),
    (
        "pki/leaf/rsa4096-825d.pem",
        include_bytes!("../../../fixtures/pki/leaf/rsa4096-825d.pem"),
    ),
    (
        "pki/container/chain.p7b",
        include_bytes!("../../../fixtures/pki/container/chain.p7b"),
    ),
    (
        "pki/bad/truncated.der",
        include_bytes!("../../../fixtures/pki/bad/truncated.der"),
    ),
];

const INVENTORY: &str = include_str!("../../../fixtures/inventory/ca-export.csv");

/// Runs the demo.
pub fn run(global: &GlobalArgs, args: &DemoArgs) -> Result<ExitCode> {
    let out = &args.output;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let model = context::model(global)?;

    // 1. Files and inventory.
    let files_dir = out.join("fixtures");
    for (path, bytes) in FIXTURES {
        let target = files_dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, bytes)?;
    }
    let agent = Some("pkimm-demo".to_string());
    let (mut bundle, _) = collect_files(
        std::slice::from_ref(&files_dir),
        &FilesOptions {
            agent: agent.clone(),
            ..FilesOptions::default()
        },
    )?;
    let inventory_path = out.join("ca-export.csv");
    std::fs::write(&inventory_path, INVENTORY)?;
    let inventory = collect_inventory(
        &inventory_path,
        &InventoryOptions {
            agent: agent.clone(),
            ..InventoryOptions::default()
        },
    )?;
    bundle.merge(inventory);

    // 2. Loopback TLS endpoints.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let publication = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
    let base_url = format!("http://{}", publication.local_addr()?);
    let pki = DemoPki::new(&base_url)?;
    let DemoPki {
        root_pem,
        endpoints,
        published,
        responder,
    } = pki;
    runtime.spawn(serve_publication(
        publication,
        published,
        Arc::new(responder),
    ));
    let root_path = out.join("demo-root.pem");
    std::fs::write(&root_path, root_pem.as_bytes())?;
    let tls_bundle = runtime.block_on(async {
        let mut targets = Vec::new();
        for endpoint in &endpoints {
            let addr = serve(endpoint.chain.clone(), endpoint.key.clone_key()).await?;
            targets.push(Target {
                host: Host::Ip(addr.ip()),
                port: addr.port(),
                sni: vec![endpoint.name.clone()],
                starttls: None,
            });
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let trust = TrustStore::load(&[TrustSource::Pem(root_path.clone())], &provider)?;
        let options = TlsOptions {
            agent: agent.clone(),
            ..TlsOptions::default()
        };
        anyhow::Ok(scan(targets, options, provider, trust).await.0)
    })?;
    let revocation = runtime.block_on(revocation::collect(
        &tls_bundle,
        &[],
        &RevocationOptions {
            agent,
            ..RevocationOptions::default()
        },
    ));
    bundle.merge(tls_bundle);
    bundle.merge(revocation);
    write_json(Some(&out.join("evidence.json")), &bundle)?;

    // 3. Evaluate, pre-fill, report.
    let now = UtcTime::now().unix();
    let pack = RulePack::builtin(&model)?;
    let options = EvalOptions {
        policy: Policy::default(),
        now,
        waivers: Vec::new(),
        measure_cost: false,
    };
    let evaluation = evaluate(&pack, &bundle, &model, &options);
    let mappings = LevelMappings::builtin(&model)?;
    let prefilled = prefill(&model, &evaluation, &mappings);
    let mut assessment = Assessment::new(&model, Mode::Full);
    assessment.meta.organisation = Some("Demo Organisation".to_string());
    assessment.meta.scope = Some("pkimm demo: fixture PKI and loopback TLS endpoints".to_string());
    let summary = merge_prefill(
        &mut assessment,
        &prefilled,
        PrefillInfo {
            at: UtcTime::now().to_string(),
            tool: format!("pkimm {}", env!("CARGO_PKG_VERSION")),
            records: evaluation.records.clone(),
            suggested: u32::try_from(
                prefilled
                    .values()
                    .filter(|p| p.suggestion.is_some())
                    .count(),
            )
            .unwrap_or(u32::MAX),
            findings: Default::default(),
        },
    );
    write_assessment(&out.join("assessment.json"), &assessment)?;
    let document = ReportDocument::build(&ReportInputs {
        model: &model,
        assessment: &assessment,
        extensions: &[],
        evidence: Some((&bundle, &evaluation)),
        previous: None,
        report_type: ReportType::Assessment,
    });
    for (format, name) in [
        (Format::Html, "report.html"),
        (Format::Json, "report.json"),
        (Format::Markdown, "report.md"),
    ] {
        write_atomically(
            &out.join(name),
            render(format, &document, Some(&bundle))?.as_bytes(),
            false,
        )?;
    }
    print_summary(
        out,
        &bundle,
        &document,
        summary.suggested.len(),
        summary.without_evidence.len(),
    );
    Ok(ExitCode::SUCCESS)
}

fn print_summary(
    out: &Path,
    bundle: &EvidenceBundle,
    document: &ReportDocument,
    suggested: usize,
    pending: usize,
) {
    let prefilled = document.prefilled_overall.score.as_ref().map_or_else(
        || "n/a".to_string(),
        |s| format!("{:.2} ({})", s.value, s.name),
    );
    println!(
        "Collected {} certificates, {} CRLs, {} inventory rows and {} TLS endpoints ({} failures).",
        bundle.certificates.len(),
        bundle.crls.len(),
        bundle.inventory.len(),
        bundle.tls_endpoints.len(),
        bundle.failures.len()
    );
    println!(
        "Pre-filled {suggested} requirements from evidence; {pending} need an assessor. Pre-filled overall: {prefilled} (pending requirements count as 0 until an assessor decides)."
    );
    println!(
        "Wrote {}/: evidence.json, assessment.json, report.html, report.json, report.md",
        out.display()
    );
    println!(
        "Next: pkimm confirm {0}/assessment.json 7.3 --accept-suggested --assessor NAME; pkimm report {0}/assessment.json --format html",
        out.display()
    );
}

/// A demo endpoint: its SNI name, chain and key.
struct DemoEndpoint {
    name: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

/// A root, an issuing CA, four endpoints' certificates and the issuing CA's
/// CRL (revoking one of them), made fresh. Leaves point their CDP and AIA at
/// `base_url`.
struct DemoPki {
    root_pem: String,
    endpoints: Vec<DemoEndpoint>,
    /// Files the publication server serves: (path, content type, body).
    published: Vec<(String, &'static str, Vec<u8>)>,
    /// The OCSP responder for the issuing CA.
    responder: ocsp::Responder,
}

/// AIA with an OCSP URL and a caIssuers URL, DER.
fn aia_extension(ocsp_url: &str, url: &str) -> rcgen::CustomExtension {
    use pkimm_collectors::parse::der_write::tlv;
    let ocsp_oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
    let issuers_oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let ocsp = tlv(
        0x30,
        &[&ocsp_oid[..], &tlv(0x86, ocsp_url.as_bytes())].concat(),
    );
    let issuers = tlv(
        0x30,
        &[&issuers_oid[..], &tlv(0x86, url.as_bytes())].concat(),
    );
    rcgen::CustomExtension::from_oid_content(
        &[1, 3, 6, 1, 5, 5, 7, 1, 1],
        tlv(0x30, &[ocsp, issuers].concat()),
    )
}

impl DemoPki {
    fn new(base_url: &str) -> Result<Self> {
        let now = time::OffsetDateTime::now_utc();
        let days = |d: i64| now + time::Duration::days(d);
        let ca = |cn: &str| -> Result<CertificateParams> {
            let mut p = CertificateParams::new(Vec::<String>::new())?;
            p.distinguished_name.push(DnType::CommonName, cn);
            p.distinguished_name
                .push(DnType::OrganizationName, "pkimm demo");
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            p.not_before = days(-365);
            p.not_after = days(3650);
            Ok(p)
        };
        let root_key = KeyPair::generate()?;
        let root_params = ca("pkimm Demo Root CA")?;
        let root = root_params.self_signed(&root_key)?;
        let root_issuer = Issuer::new(root_params, root_key);
        let issuing_key = KeyPair::generate()?;
        let issuing_key_der = issuing_key.serialize_der();
        let issuing_params = ca("pkimm Demo Issuing CA")?;
        let issuing = issuing_params.signed_by(&issuing_key, &root_issuer)?;
        let issuing_issuer = Issuer::new(issuing_params, issuing_key);
        let crl_url = format!("{base_url}/issuing.crl");
        let ca_url = format!("{base_url}/issuing.der");
        let ocsp_url = format!("{base_url}/ocsp");
        let mut serial: u64 = 0x1000;
        let mut leaf = |name: &str, from: i64, to: i64| -> Result<CertificateParams> {
            let mut p = CertificateParams::new(vec![name.to_string()])?;
            p.distinguished_name.push(DnType::CommonName, name);
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            p.not_before = days(from);
            p.not_after = days(to);
            serial += 1;
            p.serial_number = Some(rcgen::SerialNumber::from(serial << 48 | 0x5eed));
            p.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
                uris: vec![crl_url.clone()],
            }];
            p.custom_extensions = vec![aia_extension(&ocsp_url, &ca_url)];
            p.use_authority_key_identifier_extension = true;
            Ok(p)
        };
        let mut endpoints = Vec::new();
        let mut add = |name: &str,
                       params: CertificateParams,
                       include_issuing: bool,
                       self_signed: bool|
         -> Result<()> {
            let key = KeyPair::generate()?;
            let cert = if self_signed {
                params.self_signed(&key)?
            } else {
                params.signed_by(&key, &issuing_issuer)?
            };
            let mut chain = vec![cert.der().clone()];
            if include_issuing {
                chain.push(issuing.der().clone());
            }
            endpoints.push(DemoEndpoint {
                name: name.to_string(),
                chain,
                key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            });
            Ok(())
        };
        add(
            "www.demo.test",
            leaf("www.demo.test", -10, 80)?,
            true,
            false,
        )?;
        add(
            "api.demo.test",
            leaf("api.demo.test", -355, 10)?,
            true,
            false,
        )?;
        add(
            "intranet.demo.test",
            leaf("intranet.demo.test", -30, 795)?,
            true,
            true,
        )?;
        let legacy = leaf("legacy.demo.test", -100, 300)?;
        let revoked_serial = legacy.serial_number.clone();
        let revoked_for_ocsp: Vec<(Vec<u8>, time::OffsetDateTime)> = revoked_serial
            .iter()
            .map(|s| (s.to_bytes(), days(-2)))
            .collect();
        add("legacy.demo.test", legacy, false, false)?;
        let crl = rcgen::CertificateRevocationListParams {
            this_update: days(-1),
            next_update: days(6),
            crl_number: rcgen::SerialNumber::from(42u64),
            issuing_distribution_point: None,
            revoked_certs: revoked_serial
                .into_iter()
                .map(|serial_number| rcgen::RevokedCertParams {
                    serial_number,
                    revocation_time: days(-2),
                    reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        }
        .signed_by(&issuing_issuer)?;
        let responder = ocsp::Responder::new(issuing.der(), &issuing_key_der, &revoked_for_ocsp)?;
        Ok(Self {
            root_pem: root.pem(),
            endpoints,
            responder,
            published: vec![
                (
                    "/issuing.crl".to_string(),
                    "application/pkix-crl",
                    crl.der().to_vec(),
                ),
                (
                    "/issuing.der".to_string(),
                    "application/pkix-cert",
                    issuing.der().to_vec(),
                ),
            ],
        })
    }
}

/// Largest OCSP request the demo responder reads.
const MAX_OCSP_REQUEST: usize = 64 * 1024;

/// Serves the CRL and the issuing CA certificate (GET) and OCSP (POST
/// `/ocsp`) over HTTP/1.1 until the process exits.
async fn serve_publication(
    listener: TcpListener,
    files: Vec<(String, &'static str, Vec<u8>)>,
    responder: Arc<ocsp::Responder>,
) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let files = Arc::new(files);
    while let Ok((stream, _)) = listener.accept().await {
        let files = files.clone();
        let responder = responder.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stream);
            let mut request = String::new();
            if reader.read_line(&mut request).await.is_err() {
                return;
            }
            let mut content_length = 0usize;
            let mut line = String::new();
            while reader.read_line(&mut line).await.is_ok_and(|n| n > 2) {
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        content_length = value.trim().parse().unwrap_or(0);
                    }
                }
                line.clear();
            }
            let mut words = request.split_whitespace();
            let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or("/"));
            let (content_type, body): (&str, Vec<u8>) = if method == "POST" && path == "/ocsp" {
                let mut der = vec![0u8; content_length.min(MAX_OCSP_REQUEST)];
                if reader.read_exact(&mut der).await.is_err() {
                    return;
                }
                ("application/ocsp-response", responder.respond(&der))
            } else if let Some((_, content_type, body)) = files.iter().find(|(p, _, _)| p == path) {
                (content_type, body.clone())
            } else {
                ("", Vec::new())
            };
            let status = if content_type.is_empty() {
                "404 Not Found"
            } else {
                "200 OK"
            };
            let mut response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: public, max-age=3600\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            response.extend_from_slice(&body);
            let mut stream = reader.into_inner();
            let _ = stream.write_all(&response).await;
            let _ = stream.shutdown().await;
        });
    }
}

/// Serves `chain` with rustls on a loopback port until the process exits.
async fn serve(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<SocketAddr> {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, key)?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let accept = acceptor.accept(stream);
                if let Ok(Ok(mut tls)) =
                    tokio::time::timeout(std::time::Duration::from_secs(10), accept).await
                {
                    use tokio::io::AsyncWriteExt;
                    let _ = tls
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    Ok(addr)
}
