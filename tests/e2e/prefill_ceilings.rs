//! Pre-filled levels within ceilings an assessor can defend: one scan
//! shows implementation only (at most 2); confirmed documented criteria
//! allow 3; effectiveness over a history of scans allows 4; an open
//! critical finding pulls the level back to 1. The estate is a clean
//! rcgen PKI with an inventory export listing every certificate, scanned
//! four times over 120 days into a SQLite history.

use std::path::{Path, PathBuf};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::pkimm;

const INVENTORY: &str = "M.certificate-management.cert-inventory";
const LEAVES: u64 = 30;

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn ok(args: &[&str]) -> String {
    let run = pkimm(args);
    assert_eq!(run.code, 0, "pkimm {args:?}\n{}", run.stderr);
    run.stderr
}

/// A root and 30 leaves valid through 2027-01-15, as PEM files, and the
/// CA's inventory export; `revoked` leaves are listed as revoked.
struct Estate {
    dir: tempfile::TempDir,
    rows: Vec<(String, String, String)>,
    /// Leaf 7's certificate and key, to serve over TLS.
    served: (Vec<u8>, Vec<u8>),
}

impl Estate {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let certs = dir.path().join("certs");
        std::fs::create_dir(&certs).unwrap();
        let root_key = KeyPair::generate().unwrap();
        let mut root = CertificateParams::new(Vec::<String>::new()).unwrap();
        root.distinguished_name
            .push(DnType::CommonName, "Estate Root CA");
        root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        root.not_before = date_time_ymd(2025, 1, 1);
        root.not_after = date_time_ymd(2035, 1, 1);
        root.serial_number = Some(SerialNumber::from(0x7a11_0000_0001_u64));
        let root_cert = root.self_signed(&root_key).unwrap();
        std::fs::write(certs.join("root.pem"), root_cert.pem()).unwrap();
        let mut rows = vec![row(root_cert.der(), 0x7a11_0000_0001, "Estate Root CA")];
        let issuer = Issuer::new(root, root_key);
        let mut served = (Vec::new(), Vec::new());
        for i in 1..=LEAVES {
            let name = format!("host{i}.estate.test");
            let mut params = CertificateParams::new(vec![name.clone()]).unwrap();
            params.distinguished_name.push(DnType::CommonName, &name);
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            params.not_before = date_time_ymd(2026, 1, 1);
            params.not_after = date_time_ymd(2027, 1, 15);
            let serial = 0x5e00_0000_0000_u64 | (i << 8) | 0x5a;
            params.serial_number = Some(SerialNumber::from(serial));
            let key = KeyPair::generate().unwrap();
            let cert = params.signed_by(&key, &issuer).unwrap();
            std::fs::write(certs.join(format!("{name}.pem")), cert.pem()).unwrap();
            rows.push(row(cert.der(), serial, &name));
            if i == 7 {
                served = (cert.der().to_vec(), key.serialize_der());
            }
        }
        Self { dir, rows, served }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Serves leaf 7 on a loopback rustls endpoint and scans it; returns
    /// the bundle.
    fn scan_served_leaf(&self) -> PathBuf {
        let (cert, key) = self.served.clone();
        let config = pkimm_testkit::tls::server_config(
            vec![rustls::pki_types::CertificateDer::from(cert)],
            rustls::pki_types::PrivateKeyDer::try_from(key).unwrap(),
            &[],
        )
        .unwrap();
        let addr = pkimm_testkit::tls::serve(config, "127.0.0.1:0").unwrap();
        let out = self.path("tls.json");
        ok(&[
            "collect",
            "tls",
            &addr.to_string(),
            "--trust",
            p(&self.path("certs/root.pem")),
            "-o",
            p(&out),
        ]);
        out
    }

    /// Collects the certificates and an inventory where the leaves in
    /// `revoked` are listed as revoked; returns the two bundles.
    fn bundles(&self, tag: &str, revoked: &[usize]) -> (PathBuf, PathBuf) {
        let mut csv = String::from("Serial Number,SHA256,Common Name,Expiry,Status,Team\n");
        for (i, (serial, fingerprint, name)) in self.rows.iter().enumerate() {
            let status = if revoked.contains(&i) {
                "revoked"
            } else {
                "issued"
            };
            let expiry = if i == 0 {
                "2035-01-01T00:00:00Z"
            } else {
                "2027-01-15T00:00:00Z"
            };
            csv.push_str(&format!(
                "{serial},{fingerprint},{name},{expiry},{status},platform\n"
            ));
        }
        let inventory_csv = self.path(&format!("inventory-{tag}.csv"));
        std::fs::write(&inventory_csv, csv).unwrap();
        let certificates = self.path(&format!("certificates-{tag}.json"));
        let inventory = self.path(&format!("inventory-{tag}.json"));
        ok(&[
            "collect",
            "files",
            p(&self.path("certs")),
            "-o",
            p(&certificates),
        ]);
        ok(&[
            "collect",
            "inventory",
            p(&inventory_csv),
            "-o",
            p(&inventory),
        ]);
        (certificates, inventory)
    }

    /// Pre-fills `assessment` from the bundles as of `now`, recording the
    /// scan in the history; returns the cert-inventory entry.
    fn assess(&self, bundles: &(PathBuf, PathBuf), now: &str, assessment: &str) -> Value {
        self.assess_with(bundles, &[], now, assessment)
    }

    fn assess_with(
        &self,
        bundles: &(PathBuf, PathBuf),
        more: &[&Path],
        now: &str,
        assessment: &str,
    ) -> Value {
        let out = self.path(assessment);
        let store = self.path("history.db");
        let mut args = vec!["assess", p(&bundles.0), p(&bundles.1)];
        args.extend(more.iter().map(|m| p(m)));
        args.extend([
            "--now",
            now,
            "--record",
            "estate",
            "--store",
            p(&store),
            "-o",
            p(&out),
        ]);
        ok(&args);
        let a: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        a["requirements"][INVENTORY].clone()
    }
}

fn row(der: &[u8], serial: u64, name: &str) -> (String, String, String) {
    (
        format!("{serial:X}"),
        hex::encode(Sha256::digest(der)),
        name.to_string(),
    )
}

fn level(entry: &Value) -> Option<u64> {
    entry["suggested"]["level"].as_u64()
}

fn cap(entry: &Value) -> &str {
    entry["suggested"]["cap"].as_str().unwrap_or("")
}

#[test]
fn ceilings_lift_with_confirmed_documents_and_history_and_fall_on_a_critical_finding() {
    let estate = Estate::new();
    let clean = estate.bundles("clean", &[]);

    // Scan 1: every record conforms over the declared scope (the inventory
    // export), so confidence is high, but one scan shows implementation only.
    let entry = estate.assess(&clean, "2026-02-01T00:00:00Z", "a.json");
    assert_eq!(level(&entry), Some(2), "{entry:#}");
    assert_eq!(entry["suggested"]["confidence"], "high", "{entry:#}");
    assert!(
        cap(&entry).contains("not confirmed by the assessor"),
        "{entry:#}"
    );
    let evidences = entry["observed"]["evidences"].as_array().unwrap();
    assert_eq!(evidences[0]["criterion"], "c4");
    assert_eq!(evidences[0]["records"], evidences[0]["conforming"]);
    assert!(entry["observed"]["scope"]
        .as_str()
        .unwrap()
        .contains("declared by the inventory export"));
    let gaps: Vec<&str> = entry["observed"]["cannot_evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(
        gaps,
        ["c1", "c2", "c3", "c5"],
        "documents and effectiveness"
    );

    // Scan 2, 40 days on: still 2 while the documents are unconfirmed.
    let entry = estate.assess(&clean, "2026-03-13T00:00:00Z", "a.json");
    assert_eq!(level(&entry), Some(2), "{entry:#}");

    // The assessor confirms the documented criteria: up to 3.
    let a = estate.path("a.json");
    let run = pkimm([
        "confirm",
        p(&a),
        "certificate-management.cert-inventory#D",
        "--met",
        "--assessor",
        "Ada",
    ]);
    assert_eq!(run.code, 2, "confirming a document needs a justification");
    assert!(run.stderr.contains("--justification"), "{}", run.stderr);
    let said = ok(&[
        "confirm",
        p(&a),
        "certificate-management.cert-inventory#D",
        "--met",
        "--justification",
        "Inventory procedure PKI-INV-3 v2, approved by the PKI board on 2026-01-10",
        "--assessor",
        "Ada",
    ]);
    assert!(said.contains("cert-inventory#c1"), "{said}");
    let entry = estate.assess(&clean, "2026-04-22T00:00:00Z", "a.json");
    assert_eq!(level(&entry), Some(3), "{entry:#}");
    assert!(
        cap(&entry).contains("3 scans over 80 days"),
        "three scans over 80 days are not yet effectiveness over time: {entry:#}"
    );
    assert_eq!(
        entry["criteria"]["c1"]["met"], true,
        "the decision survives"
    );

    // Scan 4, 120 days after the first: effectiveness over time, so 4.
    let entry = estate.assess(&clean, "2026-06-01T00:00:00Z", "a.json");
    assert_eq!(level(&entry), Some(4), "{entry:#}");
    assert!(cap(&entry).contains("level 5"), "{entry:#}");
    assert!(entry["observed"]["evidences"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["criterion"] == "c5"
            && e["summary"]
                .as_str()
                .unwrap()
                .contains("4 scans over 120 days")));

    // The same history without confirmed documents stays at 2.
    let fresh = estate.assess(&clean, "2026-06-01T01:00:00Z", "fresh.json");
    assert_eq!(level(&fresh), Some(2), "{fresh:#}");

    // A certificate the inventory lists as revoked is still served by a TLS
    // endpoint: an open critical finding pulls the level back to 1.
    let broken = estate.bundles("revoked", &[7]);
    let tls = estate.scan_served_leaf();
    let entry = estate.assess_with(&broken, &[&tls], "2026-06-02T00:00:00Z", "a.json");
    assert_eq!(level(&entry), Some(1), "{entry:#}");
    assert!(cap(&entry).contains("open critical finding"), "{entry:#}");
    assert_eq!(
        entry["stale"],
        Value::Null,
        "nothing was confirmed at a level"
    );

    // The report shows the ceilings and labels the pre-filled view.
    let report = estate.path("report.md");
    ok(&[
        "report",
        p(&a),
        "--format",
        "markdown",
        "--type",
        "detailed",
        "-o",
        p(&report),
    ]);
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(
        md.contains("pre-filled from evidence (not assessed)"),
        "{md}"
    );
    assert!(
        md.contains("criteria decided: c1 met, c2 met, c3 met"),
        "{md}"
    );
}

#[test]
fn a_decision_on_a_criterion_the_requirement_lacks_is_located() {
    let text = std::fs::read_to_string(crate::support::fixture(
        "assessments/sample-full-2.0.0.yaml",
    ))
    .unwrap()
    .replacen(
        "  G.compliance.compliance-monitoring:\n",
        "  G.compliance.compliance-monitoring:\n    criteria:\n      c9: { met: true }\n",
        1,
    );
    let (_d, path) = crate::support::temp_file("a.yaml", &text);
    let run = pkimm(["validate", p(&path)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("a.yaml:") && run.stderr.contains("criteria.c9"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("c1, c2, c3"), "{}", run.stderr);
}
