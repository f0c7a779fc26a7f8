//! Generates a large signed CRL with rcgen, or parses one and reports time and
//! peak memory. Used by `bench/crl-1m.sh`; run the two steps in separate
//! processes so the peak memory of parsing is not mixed with generation.
//!
//! ```text
//! crl_1m generate DIR [ENTRIES]   writes DIR/large.crl and DIR/issuer.der
//! crl_1m parse DIR                parses DIR/large.crl, verifying with DIR/issuer.der
//! ```

use std::path::Path;
use std::time::Instant;

use pkimm_collectors::parse::{crl_from_der, CrlOptions};
use pkimm_model::evidence::{Provenance, UtcTime};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, IsCa, Issuer,
    KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
};

/// The same allocator as the pkimm binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") => {
            let entries = args
                .get(3)
                .and_then(|n| n.parse().ok())
                .unwrap_or(1_000_000);
            generate(Path::new(&args[2]), entries);
        }
        Some("parse") => parse(Path::new(&args[2])),
        _ => {
            eprintln!("usage: crl_1m generate DIR [ENTRIES] | crl_1m parse DIR");
            std::process::exit(2);
        }
    }
}

fn generate(dir: &Path, entries: usize) {
    let started = Instant::now();
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "pkimm bench CA");
    let ca = params.self_signed(&key).expect("CA");
    let issuer = Issuer::new(params, key);
    let now = time::OffsetDateTime::now_utc();
    let reasons = [
        Some(RevocationReason::KeyCompromise),
        Some(RevocationReason::Superseded),
        None,
        Some(RevocationReason::CessationOfOperation),
    ];
    let revoked_certs = (0..entries)
        .map(|i| {
            let mut serial = [0u8; 16];
            serial[0] = 0x4a;
            serial[8..]
                .copy_from_slice(&(i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).to_be_bytes());
            RevokedCertParams {
                serial_number: SerialNumber::from_slice(&serial),
                revocation_time: now - time::Duration::days((i % 700) as i64),
                reason_code: reasons[i % reasons.len()],
                invalidity_date: None,
            }
        })
        .collect();
    let crl = CertificateRevocationListParams {
        this_update: now,
        next_update: now + time::Duration::days(7),
        crl_number: SerialNumber::from(42u64),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&issuer)
    .expect("CRL");
    std::fs::create_dir_all(dir).expect("dir");
    std::fs::write(dir.join("large.crl"), crl.der()).expect("write CRL");
    std::fs::write(dir.join("issuer.der"), ca.der()).expect("write issuer");
    println!(
        "generated a CRL with {entries} entries ({} bytes) in {:.1} s",
        crl.der().len(),
        started.elapsed().as_secs_f64()
    );
}

fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn parse(dir: &Path) {
    let baseline = peak_rss_bytes();
    let issuer_der = std::fs::read(dir.join("issuer.der")).expect("issuer");
    let (_, issuer) = <x509_parser::certificate::X509Certificate<'_> as x509_parser::prelude::FromDer<'_, _>>::from_der(&issuer_der).expect("issuer parses");
    let spki = issuer.public_key().raw.to_vec();
    let started = Instant::now();
    let der = std::fs::read(dir.join("large.crl")).expect("CRL");
    let read_done = started.elapsed();
    let provenance = Provenance {
        collector: "bench".into(),
        source: dir.join("large.crl").display().to_string(),
        method: "der".into(),
        collected_at: UtcTime::now(),
        agent: None,
    };
    let lookup = |_: &str, _: Option<&str>| vec![("issuer".to_string(), spki.clone())];
    let crl = crl_from_der(&der, provenance, CrlOptions::default(), &lookup).expect("CRL parses");
    let elapsed = started.elapsed();
    let peak = peak_rss_bytes();
    let size = der.len() as f64;
    println!("file size:        {:.1} MB", size / 1e6);
    println!(
        "entries:          {} ({} recorded)",
        crl.entry_count,
        crl.entries.len()
    );
    println!("signature valid:  {:?}", crl.signature_valid);
    println!("read time:        {:.3} s", read_done.as_secs_f64());
    println!(
        "read+parse time:  {:.3} s (target < 2 s)",
        elapsed.as_secs_f64()
    );
    println!(
        "peak RSS:         {:.1} MB ({:.2}x file size; {:.1} MB before reading; target < 3x)",
        peak as f64 / 1e6,
        peak as f64 / size,
        baseline as f64 / 1e6
    );
}
