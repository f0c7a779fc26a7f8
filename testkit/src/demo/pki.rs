//! The demo PKI: a root, an issuing CA, four endpoints' certificates and
//! the issuing CA's CRL and OCSP responder, made fresh with rcgen.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::DemoError;
use crate::ocsp::Responder;

/// A demo endpoint: its SNI name, chain and key.
pub struct DemoEndpoint {
    /// The SNI name.
    pub name: String,
    /// The served chain, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf key.
    pub key: PrivateKeyDer<'static>,
}

/// A root, an issuing CA, four endpoints' certificates and the issuing CA's
/// CRL (revoking one of them), made fresh. Leaves point their CDP and AIA at
/// `base_url`.
pub struct DemoPki {
    /// The root certificate, PEM.
    pub root_pem: String,
    /// The endpoints' names, chains and keys.
    pub endpoints: Vec<DemoEndpoint>,
    /// Files the publication server serves: (path, content type, body).
    pub published: Vec<(String, &'static str, Vec<u8>)>,
    /// The OCSP responder for the issuing CA.
    pub responder: Responder,
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
    /// A fresh PKI whose leaves point their CDP and AIA at `base_url`.
    pub fn new(base_url: &str) -> Result<Self, DemoError> {
        let now = time::OffsetDateTime::now_utc();
        let days = |d: i64| now + time::Duration::days(d);
        let ca = |cn: &str| -> Result<CertificateParams, DemoError> {
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
        let mut leaf = |name: &str, from: i64, to: i64| -> Result<CertificateParams, DemoError> {
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
         -> Result<(), DemoError> {
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
        let responder = Responder::new(issuing.der(), &issuing_key_der, &revoked_for_ocsp)?;
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
