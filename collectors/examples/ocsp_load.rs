//! OCSP load generator for `bench/ocsp-10k.sh`: sends N OCSP queries for one
//! certificate at a given concurrency through the collector's OCSP client and
//! prints queries per second and the median and p99 latency.
//!
//!   ocsp_load URL CERT.pem ISSUER.pem [N] [CONCURRENCY]

use std::time::Instant;

use futures_util::stream::{self, StreamExt};
use pkimm_collectors::http::{FetchOptions, Fetcher};
use pkimm_collectors::parse::certificate_from_der;
use pkimm_collectors::revocation::issuers::KnownCertificate;
use pkimm_collectors::revocation::ocsp::{check, OcspOptions};
use pkimm_model::evidence::{Provenance, UtcTime};

fn load(path: &str) -> Vec<u8> {
    let pem = std::fs::read(path).expect("readable PEM");
    x509_parser::pem::Pem::iter_from_buffer(&pem)
        .next()
        .expect("a PEM block")
        .expect("valid PEM")
        .contents
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    let (url, cert_path, issuer_path) = (&args[1], &args[2], &args[3]);
    let n: usize = args.get(4).map_or(10_000, |a| a.parse().expect("N"));
    let concurrency: usize = args.get(5).map_or(64, |a| a.parse().expect("CONCURRENCY"));
    let provenance = Provenance {
        collector: "bench".into(),
        source: url.clone(),
        method: "ocsp-post".into(),
        collected_at: UtcTime::now(),
        agent: None,
    };
    let cert_der = load(cert_path);
    let cert = certificate_from_der(&cert_der, provenance.clone()).expect("certificate");
    let issuer = KnownCertificate::from_record(
        &certificate_from_der(&load(issuer_path), provenance.clone()).expect("issuer"),
    )
    .expect("issuer DER");
    let runtime = pkimm_collectors::runtime::new_runtime().expect("runtime");
    let fetcher = Fetcher::new(FetchOptions {
        per_host: concurrency,
        ..FetchOptions::default()
    })
    .expect("client");
    let started = Instant::now();
    let mut results: Vec<(u64, bool)> = runtime.block_on(async {
        stream::iter(0..n)
            .map(|_| {
                let (fetcher, cert, cert_der, issuer, provenance) =
                    (&fetcher, &cert, &cert_der, &issuer, provenance.clone());
                async move {
                    let c = check(
                        fetcher,
                        url,
                        cert,
                        cert_der,
                        issuer,
                        OcspOptions::default(),
                        provenance,
                    )
                    .await;
                    (
                        c.latency_ms.unwrap_or(0),
                        c.cert_status.is_some() && c.signature_valid == Some(true),
                    )
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await
    });
    let elapsed = started.elapsed().as_secs_f64();
    let ok = results.iter().filter(|r| r.1).count();
    results.sort_unstable();
    let pct = |p: f64| results[((results.len() as f64 - 1.0) * p).round() as usize].0;
    println!(
        "pkimm OCSP client: {n} queries at concurrency {concurrency} in {elapsed:.2} s: {:.0} queries/s, median {} ms, p99 {} ms, {ok} verified answers",
        n as f64 / elapsed,
        pct(0.5),
        pct(0.99)
    );
}
