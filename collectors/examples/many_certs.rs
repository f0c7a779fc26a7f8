//! Writes one PEM file holding many distinct end-entity certificates (one
//! issuer, one key, a serial and name each), for `bench/collect-100k.sh`.
//!
//! ```text
//! many_certs DIR [COUNT]   writes DIR/many.pem
//! ```

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    SerialNumber,
};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: many_certs DIR [COUNT]");
        std::process::exit(2);
    };
    let count: u64 = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let started = Instant::now();
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "pkimm bench issuing CA");
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let path = Path::new(dir).join("many.pem");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    for i in 0..count {
        let name = format!("host{i}.bench.test");
        let mut params = CertificateParams::new(vec![name.clone()]).expect("leaf params");
        params.distinguished_name.push(DnType::CommonName, &name);
        params.serial_number = Some(SerialNumber::from(0x4000_0000_0000_0000 | i));
        let cert = params.signed_by(&leaf_key, &issuer).expect("leaf");
        out.write_all(cert.pem().as_bytes()).expect("write");
    }
    out.flush().expect("flush");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "wrote {count} certificates ({:.1} MB) to {} in {:.1} s",
        size as f64 / 1e6,
        path.display(),
        started.elapsed().as_secs_f64()
    );
}
