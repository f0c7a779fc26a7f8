//! `pkimm collect ldap` against a real OpenLDAP slapd on loopback, loaded with
//! a PKI tree and AD CS-shaped objects (through `ldap/adcs-test.schema`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use serde_json::Value;

use crate::servers::{free_port, TestPki};
use crate::support::{fixture, pkimm};

const SUFFIX: &str = "dc=example,dc=test";
const ADMIN: &str = "cn=admin,dc=example,dc=test";
const PASSWORD: &str = "s3cret-bind-pw";
const DOMAIN: &str = "S-1-5-21-1111-2222-3333";
const ENROLL: &str = "0e10c968-78fb-11d2-90d4-00c04f79dc55";

/// A running slapd, killed on drop.
struct Slapd {
    dir: tempfile::TempDir,
    port: u16,
    tls_port: u16,
    child: Child,
    pki: TestPki,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn slapd_binary() -> Option<PathBuf> {
    ["/usr/sbin/slapd", "/usr/local/libexec/slapd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

impl Slapd {
    fn start() -> Option<Self> {
        let Some(slapd) = slapd_binary() else {
            assert!(
                std::env::var_os("PKIMM_REQUIRE_SLAPD").is_none(),
                "PKIMM_REQUIRE_SLAPD is set but slapd is not installed"
            );
            eprintln!("slapd not installed; skipping");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("db")).unwrap();
        let pki = TestPki::new();
        let schema =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/ldap/adcs-test.schema");
        std::fs::write(
            d.join("rootdse.ldif"),
            format!("dn:\nconfigurationNamingContext: cn=Configuration,{SUFFIX}\nsupportedControl: 1.2.840.113556.1.4.801\n"),
        )
        .unwrap();
        std::fs::write(
            d.join("slapd.conf"),
            format!(
                "include /etc/ldap/schema/core.schema\n\
                 include /etc/ldap/schema/cosine.schema\n\
                 include /etc/ldap/schema/inetorgperson.schema\n\
                 include {schema}\n\
                 modulepath /usr/lib/ldap\n\
                 moduleload back_mdb\n\
                 pidfile {d}/slapd.pid\n\
                 rootDSE {d}/rootdse.ldif\n\
                 TLSCACertificateFile {root}\n\
                 TLSCertificateFile {cert}\n\
                 TLSCertificateKeyFile {key}\n\
                 database mdb\n\
                 maxsize 10485760\n\
                 limits * size.soft=500 size.hard=500 size.prtotal=unlimited\n\
                 suffix \"{SUFFIX}\"\n\
                 rootdn \"{ADMIN}\"\n\
                 rootpw {PASSWORD}\n\
                 directory {d}/db\n\
                 access to * by * read\n",
                schema = schema.display(),
                d = d.display(),
                root = pki.path("root.pem").display(),
                cert = pki.path("ec.pem").display(),
                key = pki.path("ec.key").display(),
            ),
        )
        .unwrap();
        let port = free_port();
        let tls_port = free_port();
        let child = Command::new(slapd)
            .args(["-f", d.join("slapd.conf").to_str().unwrap()])
            .args([
                "-h",
                &format!("ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/"),
            ])
            .args(["-d", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("slapd starts");
        let mut slapd = Self {
            dir,
            port,
            tls_port,
            child,
            pki,
        };
        slapd.wait_ready();
        slapd.load();
        Some(slapd)
    }

    fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self) {
        for _ in 0..200 {
            let ok = Command::new("ldapsearch")
                .args([
                    "-x",
                    "-H",
                    &self.url(),
                    "-s",
                    "base",
                    "-b",
                    "",
                    "namingContexts",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut err = String::new();
                use std::io::Read;
                let _ = self
                    .child
                    .stderr
                    .take()
                    .map(|mut e| e.read_to_string(&mut err));
                panic!("slapd exited with {status}: {err}");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("slapd did not answer");
    }

    fn load(&self) {
        self.add(&data_ldif());
    }

    fn add(&self, text: &str) {
        let ldif = self.dir.path().join("data.ldif");
        std::fs::write(&ldif, text).unwrap();
        let out = Command::new("ldapadd")
            .args(["-x", "-H", &self.url(), "-D", ADMIN, "-w", PASSWORD, "-f"])
            .arg(&ldif)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ldapadd: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn der_of(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    if bytes.starts_with(b"-----BEGIN") {
        let text = String::from_utf8(bytes).unwrap();
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    } else {
        bytes
    }
}

fn fixture_b64(path: &str) -> String {
    b64(&der_of(&fixture(path)))
}

/// A self-relative security descriptor: owner Domain Admins plus `aces`.
fn sd(aces: &[(u32, Option<&str>, &str)]) -> String {
    let admins = format!("{DOMAIN}-512");
    let mut all: Vec<(bool, u32, Option<&str>, &str)> = vec![(true, 0x000F_01FF, None, &admins)];
    all.extend(
        aces.iter()
            .map(|(mask, guid, sid)| (true, *mask, *guid, *sid)),
    );
    b64(&pkimm_collectors::ldap::sd::build(&admins, &all))
}

fn validity(days: i64) -> String {
    b64(&(-(days * 86_400 * 10_000_000)).to_le_bytes())
}

/// One test template's settings.
struct Tpl<'a> {
    name: &'a str,
    name_flag: i64,
    enrollment_flag: i64,
    ekus: &'a [&'a str],
    schema: u32,
    min_key: u32,
    days: i64,
    sd: &'a str,
    /// Issuance policy OIDs (msPKI-Certificate-Policy).
    policies: &'a [&'a str],
}

fn template(t: &Tpl<'_>) -> String {
    let Tpl {
        name,
        name_flag,
        enrollment_flag,
        ekus,
        schema,
        min_key,
        days,
        sd,
        policies,
    } = *t;
    let pks = "cn=Public Key Services,cn=Services,cn=Configuration,dc=example,dc=test";
    let mut out = format!(
        "dn: cn={name},cn=Certificate Templates,{pks}\nobjectClass: pKICertificateTemplate\ncn: {name}\n\
         msPKI-Certificate-Name-Flag: {name_flag}\nmsPKI-Enrollment-Flag: {enrollment_flag}\nmsPKI-Private-Key-Flag: 0\n\
         msPKI-RA-Signature: 0\nmsPKI-Template-Schema-Version: {schema}\nmsPKI-Minimal-Key-Size: {min_key}\n\
         pKIExpirationPeriod:: {}\nnTSecurityDescriptor:: {sd}\n",
        validity(days)
    );
    for eku in ekus {
        out.push_str(&format!("pKIExtendedKeyUsage: {eku}\n"));
    }
    for policy in policies {
        out.push_str(&format!("msPKI-Certificate-Policy: {policy}\n"));
    }
    out.push('\n');
    out
}

fn data_ldif() -> String {
    let pks = "cn=Public Key Services,cn=Services,cn=Configuration,dc=example,dc=test";
    let users = format!("{DOMAIN}-513");
    let client_auth = "1.3.6.1.5.5.7.3.2";
    let mut l = format!(
        "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n\
         dn: ou=PKI,{SUFFIX}\nobjectClass: organizationalUnit\nou: PKI\n\n\
         dn: ou=People,{SUFFIX}\nobjectClass: organizationalUnit\nou: People\n\n"
    );
    // Generic PKI objects (RFC 4523 classes from core.schema).
    l.push_str(&format!(
        "dn: cn=Issuing CA RSA,ou=PKI,{SUFFIX}\nobjectClass: applicationProcess\nobjectClass: certificationAuthority\n\
         cn: Issuing CA RSA\ncACertificate;binary:: {}\ncertificateRevocationList;binary:: {}\nauthorityRevocationList;binary:: {}\n\n",
        fixture_b64("pki/ca/issuing-rsa2048.pem"),
        fixture_b64("pki/crl/issuing-rsa.crl"),
        fixture_b64("pki/crl/root.crl.pem"),
    ));
    l.push_str(&format!(
        "dn: cn=Issuing CA RSA Delta,ou=PKI,{SUFFIX}\nobjectClass: applicationProcess\nobjectClass: deltaCRL\n\
         cn: Issuing CA RSA Delta\ndeltaRevocationList;binary:: {}\n\n",
        fixture_b64("pki/crl/issuing-rsa-delta.crl"),
    ));
    l.push_str(&format!(
        "dn: cn=Issuing CA EC,ou=PKI,{SUFFIX}\nobjectClass: applicationProcess\nobjectClass: certificationAuthority\n\
         cn: Issuing CA EC\ncACertificate;binary:: {}\ncertificateRevocationList;binary:: {}\nauthorityRevocationList;binary:: {}\n\n",
        fixture_b64("pki/ca/issuing-ec-p384.pem"),
        fixture_b64("pki/crl/issuing-ec-stale.crl"),
        fixture_b64("pki/crl/root.crl.pem"),
    ));
    l.push_str(&format!(
        "dn: cn=Root CA,ou=PKI,{SUFFIX}\nobjectClass: applicationProcess\nobjectClass: pkiCA\ncn: Root CA\ncACertificate;binary:: {}\n\n",
        fixture_b64("pki/ca/root-rsa4096.pem"),
    ));
    for (uid, file) in [
        ("good", "pki/leaf/ec-p256.pem"),
        ("expired", "pki/leaf/expired.pem"),
        ("weak", "pki/leaf/rsa1024-weak.pem"),
        ("sha1", "pki/leaf/rsa2048-sha1.pem"),
    ] {
        l.push_str(&format!(
            "dn: uid={uid},ou=People,{SUFFIX}\nobjectClass: inetOrgPerson\nobjectClass: pkiUser\nuid: {uid}\ncn: {uid}\nsn: {uid}\n\
             userCertificate;binary:: {}\n\n",
            fixture_b64(file)
        ));
    }
    // AD CS configuration.
    for dn in [
        format!("cn=Configuration,{SUFFIX}"),
        format!("cn=Services,cn=Configuration,{SUFFIX}"),
        pks.to_string(),
        format!("cn=Certificate Templates,{pks}"),
        format!("cn=Enrollment Services,{pks}"),
        format!("cn=AIA,{pks}"),
        format!("cn=OID,{pks}"),
    ] {
        let cn = dn.split(',').next().unwrap().trim_start_matches("cn=");
        l.push_str(&format!("dn: {dn}\nobjectClass: container\ncn: {cn}\n\n"));
    }
    let operators = format!("{DOMAIN}-1105");
    l.push_str(&format!(
        "dn: cn=PKI Operators,{SUFFIX}\nobjectClass: group\ncn: PKI Operators\nsAMAccountName: PKIOperators\nobjectSid:: {}\n\n",
        b64(&pkimm_collectors::ldap::sd::sid_bytes(&operators).unwrap())
    ));
    let enroll_users = sd(&[
        (0x100, Some(ENROLL), &users),
        (0x100, Some(ENROLL), &operators),
    ]);
    // The three templates of the issue: vulnerable, safe, near miss.
    l.push_str(&template(&Tpl {
        name: "ESC1Vuln",
        name_flag: 1,
        enrollment_flag: 0,
        ekus: &[client_auth],
        schema: 2,
        min_key: 2048,
        days: 365,
        sd: &enroll_users,
        policies: &[],
    }));
    l.push_str(&template(&Tpl {
        name: "SafeUser",
        name_flag: -2_113_929_216,
        enrollment_flag: 0x29,
        ekus: &[client_auth],
        schema: 2,
        min_key: 2048,
        days: 365,
        sd: &enroll_users,
        policies: &[],
    }));
    l.push_str(&template(&Tpl {
        name: "NearMiss",
        name_flag: 1,
        enrollment_flag: 2,
        ekus: &[client_auth],
        schema: 2,
        min_key: 2048,
        days: 365,
        sd: &enroll_users,
        policies: &[],
    }));
    // More findings: writable template, weak and long-lived web server template.
    let writable = sd(&[(0x4000_0000, None, "S-1-5-11")]);
    l.push_str(&template(&Tpl {
        name: "ESC4Writable",
        name_flag: 0,
        enrollment_flag: 0,
        ekus: &["1.3.6.1.5.5.7.3.1"],
        schema: 2,
        min_key: 2048,
        days: 365,
        sd: &writable,
        policies: &[],
    }));
    let admins_only = sd(&[(0x100, Some(ENROLL), &format!("{DOMAIN}-512"))]);
    l.push_str(&template(&Tpl {
        name: "WeakWeb",
        name_flag: 1,
        enrollment_flag: 0,
        ekus: &["1.3.6.1.5.5.7.3.1"],
        schema: 2,
        min_key: 1024,
        days: 1825,
        sd: &admins_only,
        policies: &[],
    }));
    // One template per remaining ESC rule, each vulnerable in that way only.
    let linked_policy = "1.3.6.1.4.1.311.21.8.1.2.3";
    for (name, name_flag, enrollment_flag, ekus, schema, policies) in [
        ("ESC2AnyPurpose", 0, 0, &["2.5.29.37.0"][..], 2, &[][..]),
        (
            "ESC3Agent",
            0,
            0,
            &["1.3.6.1.4.1.311.20.2.1"][..],
            2,
            &[][..],
        ),
        ("ESC9NoSecExt", 0, 0x80000, &[client_auth][..], 2, &[][..]),
        (
            "ESC13Linked",
            0,
            0,
            &[client_auth][..],
            2,
            &[linked_policy][..],
        ),
        (
            "ESC15Version1",
            1,
            0,
            &["1.3.6.1.5.5.7.3.1"][..],
            1,
            &[][..],
        ),
    ] {
        l.push_str(&template(&Tpl {
            name,
            name_flag,
            enrollment_flag,
            ekus,
            schema,
            min_key: 2048,
            days: 365,
            sd: &enroll_users,
            policies,
        }));
    }
    l.push_str(&format!(
        "dn: cn=Linked Policy,cn=OID,{pks}\nobjectClass: msPKI-Enterprise-Oid\ncn: Linked Policy\n\
         msPKI-Cert-Template-OID: {linked_policy}\nmsDS-OIDToGroupLink: cn=PKI Operators,{SUFFIX}\n\n"
    ));
    let ca_der = fixture_b64("pki/ca/issuing-rsa2048.pem");
    l.push_str(&format!(
        "dn: cn=Example CA,cn=Enrollment Services,{pks}\nobjectClass: pKIEnrollmentService\ncn: Example CA\n\
         dNSHostName: ca1.example.test\ncACertificate;binary:: {ca_der}\n\
         certificateTemplates: ESC1Vuln\ncertificateTemplates: SafeUser\ncertificateTemplates: NearMiss\n\
         certificateTemplates: ESC4Writable\ncertificateTemplates: WeakWeb\n\
         certificateTemplates: ESC2AnyPurpose\ncertificateTemplates: ESC3Agent\n\
         certificateTemplates: ESC9NoSecExt\ncertificateTemplates: ESC13Linked\n\
         certificateTemplates: ESC15Version1\n\n"
    ));
    // NTAuth holds another CA, so the Example CA is missing from it; AIA has it.
    l.push_str(&format!(
        "dn: cn=NTAuthCertificates,{pks}\nobjectClass: applicationProcess\nobjectClass: pkiCA\ncn: NTAuthCertificates\ncACertificate;binary:: {}\n\n",
        fixture_b64("pki/ca/issuing-ec-p384.pem"),
    ));
    l.push_str(&format!(
        "dn: cn=Example CA,cn=AIA,{pks}\nobjectClass: applicationProcess\nobjectClass: pkiCA\ncn: Example CA\ncACertificate;binary:: {ca_der}\n\n"
    ));
    l
}

fn collect(slapd: &Slapd, args: &[&str]) -> Value {
    let out = slapd.dir.path().join("bundle.json");
    let url = slapd.url();
    let mut all = vec!["collect", "ldap", url.as_str(), "-o", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let run = pkimm(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
}

fn object<'a>(bundle: &'a Value, dn_start: &str) -> &'a Value {
    bundle["directory_objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["dn"].as_str().unwrap().starts_with(dn_start))
        .unwrap_or_else(|| panic!("no object {dn_start}"))
}

#[test]
fn finds_every_pki_object_and_decodes_templates() {
    let Some(slapd) = Slapd::start() else { return };
    let bundle = collect(&slapd, &[]);
    let all = bundle["directory_objects"].as_array().unwrap();
    // The AD CS containers are read for their rights (ESC5).
    let containers: Vec<&Value> = all
        .iter()
        .filter(|o| o["kind"] == "pki_container")
        .collect();
    assert!(
        containers.iter().any(|c| c["dn"]
            .as_str()
            .unwrap()
            .starts_with("cn=Certificate Templates,")
            || c["dn"]
                .as_str()
                .unwrap()
                .starts_with("CN=Certificate Templates,")),
        "{containers:#?}"
    );
    let objects: Vec<&Value> = all
        .iter()
        .filter(|o| o["kind"] != "pki_container")
        .collect();
    // 4 CA/delta entries, 4 users, 10 templates, an issuance policy OID,
    // enrollment service, NTAuth, AIA.
    assert_eq!(
        objects.len(),
        22,
        "{:#?}",
        objects.iter().map(|o| &o["dn"]).collect::<Vec<_>>()
    );
    let rsa = object(&bundle, "cn=Issuing CA RSA,ou=PKI");
    assert_eq!(rsa["kind"], "certification_authority");
    assert_eq!(rsa["certificates"].as_array().unwrap().len(), 1);
    assert_eq!(rsa["crls"].as_array().unwrap().len(), 2, "CRL and ARL");
    assert_eq!(
        object(&bundle, "cn=Issuing CA RSA Delta")["kind"],
        "crl_distribution_point"
    );
    assert_eq!(object(&bundle, "uid=weak")["kind"], "pki_user");
    // Certificates: 3 CAs + root + 4 users (the issuing RSA one also in AD CS entries).
    assert_eq!(bundle["certificates"].as_array().unwrap().len(), 7);
    let crls = bundle["crls"].as_array().unwrap();
    assert_eq!(crls.len(), 4, "base, delta, stale and root CRLs");
    assert!(crls.iter().any(|c| c["is_delta"] == true));
    assert!(
        crls.iter().all(|c| c["signature_valid"] == true),
        "issuers found in the directory"
    );

    let t = &object(&bundle, "cn=SafeUser")["template"];
    assert_eq!(
        t["name_flags"],
        serde_json::json!(["SUBJECT_ALT_REQUIRE_UPN", "SUBJECT_REQUIRE_DIRECTORY_PATH"]),
        "a negative integer decoded as flags"
    );
    assert_eq!(
        t["enrollment_flags"],
        serde_json::json!([
            "INCLUDE_SYMMETRIC_ALGORITHMS",
            "PUBLISH_TO_DS",
            "AUTO_ENROLLMENT"
        ])
    );
    assert_eq!(t["validity_days"], 365.0);
    assert_eq!(t["published_by"], serde_json::json!(["Example CA"]));
    assert_eq!(t["enroll_principals"][1]["name"], "Domain Users");
    assert_eq!(t["enroll_principals"][1]["low_privileged"], true);
    assert_eq!(t["owner"]["name"], "Domain Admins");
    assert_eq!(
        t["enroll_principals"][2]["name"], "PKIOperators",
        "a group SID resolved through objectSid"
    );
    assert_eq!(t["enroll_principals"][2]["low_privileged"], false);
    let service = object(&bundle, "cn=Example CA,cn=Enrollment Services");
    assert_eq!(service["kind"], "enrollment_service");
    assert_eq!(service["attributes"]["dnshostname"][0], "ca1.example.test");
    assert_eq!(object(&bundle, "cn=NTAuthCertificates")["kind"], "ntauth");
    assert_eq!(object(&bundle, "cn=Example CA,cn=AIA")["kind"], "aia");
    // Both naming contexts are searched (never assumed nested); slapd keeps
    // the configuration under the suffix, so its entries come back twice
    // and are read once (22 objects above).
    assert_eq!(
        bundle["runs"][0]["targets"].as_array().unwrap().len(),
        2,
        "the suffix and the configuration naming context"
    );
}

#[test]
fn esc_findings_on_every_template() {
    let Some(slapd) = Slapd::start() else { return };
    let secret = slapd.dir.path().join("bind-pw");
    std::fs::write(&secret, format!("{PASSWORD}\n")).unwrap();
    let bundle = collect(
        &slapd,
        &[
            "--bind-dn",
            ADMIN,
            "--password-file",
            secret.to_str().unwrap(),
        ],
    );
    let path = slapd.dir.path().join("ldap.json");
    std::fs::write(&path, bundle.to_string()).unwrap();
    let run = pkimm([
        "evaluate",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--now",
        "2026-06-01T00:00:00Z",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let evaluation: Value = serde_json::from_str(&run.stdout).unwrap();
    let failed = |rule: &str| -> Vec<String> {
        evaluation["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule && f["outcome"] == "fail")
            .map(|f| f["record"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    let esc1 = failed("adcs.esc1");
    assert_eq!(esc1.len(), 1, "{esc1:?}");
    assert!(
        esc1[0].starts_with("cn=ESC1Vuln"),
        "only the vulnerable template: {esc1:?}"
    );
    assert!(failed("adcs.esc4")
        .iter()
        .any(|d| d.starts_with("cn=ESC4Writable")));
    // Each remaining ESC rule fails on its own template and on no other.
    for (rule, template) in [
        ("adcs.esc2", "ESC2AnyPurpose"),
        ("adcs.esc3", "ESC3Agent"),
        ("adcs.esc9", "ESC9NoSecExt"),
        ("adcs.esc13", "ESC13Linked"),
        ("adcs.esc15", "ESC15Version1"),
    ] {
        let found = failed(rule);
        assert_eq!(found.len(), 1, "{rule}: {found:?}");
        assert!(
            found[0].starts_with(&format!("cn={template},")),
            "{rule}: {found:?}"
        );
    }
    assert!(failed("adcs.template-min-key-size")
        .iter()
        .any(|d| d.starts_with("cn=WeakWeb")));
    assert!(failed("adcs.template-validity")
        .iter()
        .any(|d| d.starts_with("cn=WeakWeb")));
    assert_eq!(failed("adcs.ca-in-ntauth").len(), 1);
    assert!(failed("adcs.ca-in-aia").is_empty());
    assert_eq!(failed("adcs.host-checks-needed").len(), 1);
    // Directory CRLs and certificates go through the usual rules.
    assert!(!failed("crl.stale").is_empty());
    assert!(!failed("crypto.rsa-min-size").is_empty());
    assert!(!failed("cert.expired").is_empty());
}

#[test]
fn starttls_and_bind_errors() {
    let Some(slapd) = Slapd::start() else { return };
    let root = slapd.pki.path("root.pem");
    let bundle = collect(
        &slapd,
        &[
            "--starttls",
            "--ca",
            root.to_str().unwrap(),
            "--base",
            &format!("ou=PKI,{SUFFIX}"),
        ],
    );
    assert_eq!(bundle["directory_objects"].as_array().unwrap().len(), 4);
    let out = slapd.dir.path().join("ldaps.json");
    let ldaps = format!("ldaps://127.0.0.1:{}", slapd.tls_port);
    let run = pkimm([
        "collect",
        "ldap",
        &ldaps,
        "--ca",
        root.to_str().unwrap(),
        "--base",
        &format!("ou=People,{SUFFIX}"),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(bundle["directory_objects"].as_array().unwrap().len(), 4);
    // An untrusted server certificate is an error naming the server.
    let other = TestPki::named("Other Root");
    let run = pkimm([
        "collect",
        "ldap",
        &ldaps,
        "--ca",
        other.path("root.pem").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(&ldaps), "{}", run.stderr);

    let secret = slapd.dir.path().join("pw.txt");
    std::fs::write(&secret, "wrong-password-value\n").unwrap();
    let out = slapd.dir.path().join("x.json");
    let run = pkimm([
        "collect",
        "ldap",
        &slapd.url(),
        "--bind-dn",
        ADMIN,
        "--password-file",
        secret.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-vv",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bind as cn=admin"), "{}", run.stderr);
    assert!(
        run.stderr.to_lowercase().contains("invalid"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("wrong-password-value"),
        "the secret is never echoed"
    );
    assert!(!out.exists());
}

#[test]
fn paged_results_read_past_the_server_size_limit() {
    let Some(slapd) = Slapd::start() else { return };
    // slapd answers at most 500 entries per plain search; paging gets them all.
    let cert = fixture_b64("pki/leaf/ec-p256.pem");
    let mut ldif = format!("dn: ou=Many,{SUFFIX}\nobjectClass: organizationalUnit\nou: Many\n\n");
    for i in 0..700 {
        ldif.push_str(&format!(
            "dn: uid=u{i},ou=Many,{SUFFIX}\nobjectClass: inetOrgPerson\nobjectClass: pkiUser\nuid: u{i}\ncn: u{i}\nsn: u{i}\nuserCertificate;binary:: {cert}\n\n"
        ));
    }
    slapd.add(&ldif);
    let bundle = collect(
        &slapd,
        &["--base", &format!("ou=Many,{SUFFIX}"), "--page-size", "100"],
    );
    assert_eq!(bundle["directory_objects"].as_array().unwrap().len(), 700);
    assert_eq!(
        bundle["certificates"].as_array().unwrap().len(),
        1,
        "one certificate, seen 700 times"
    );
    assert_eq!(
        bundle["certificates"][0]["observations"]
            .as_array()
            .unwrap()
            .len(),
        700
    );
    // The entry cap stops the read with a failure record.
    let capped = collect(
        &slapd,
        &[
            "--base",
            &format!("ou=Many,{SUFFIX}"),
            "--max-entries",
            "250",
        ],
    );
    assert_eq!(capped["directory_objects"].as_array().unwrap().len(), 250);
    assert_eq!(capped["failures"][0]["kind"], "too_large");
}

#[test]
fn revocation_collector_fetches_a_crl_over_ldap() {
    let Some(slapd) = Slapd::start() else { return };
    let url = format!(
        "ldap://127.0.0.1:{}/cn=Issuing%20CA%20RSA,ou=PKI,{SUFFIX}?certificateRevocationList;binary",
        slapd.port
    );
    let out = slapd.dir.path().join("rev.json");
    let run = pkimm(["collect", "revocation", &url, "-o", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let crls = bundle["crls"].as_array().unwrap();
    assert_eq!(crls.len(), 1, "{bundle}");
    assert_eq!(crls[0]["observations"][0]["method"], "ldap-search");
    assert_eq!(
        crls[0]["issuer"],
        "CN=pkimm Test Issuing CA RSA, O=pkimm fixtures"
    );
    assert!(crls[0]["fetch_ms"].is_u64());
}

#[test]
fn tls_collector_upgrades_ldap_with_starttls() {
    let Some(slapd) = Slapd::start() else { return };
    let root = slapd.pki.path("root.pem");
    let bundle = crate::collect_tls::collect(&[
        &format!("127.0.0.1:{} starttls=ldap sni=localhost", slapd.port),
        "--trust",
        root.to_str().unwrap(),
        "--no-ciphers",
    ]);
    crate::collect_tls::assert_starttls(&bundle, slapd.port, "ldap");
}
