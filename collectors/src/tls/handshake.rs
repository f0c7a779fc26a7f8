//! A full TLS 1.2/1.3 handshake with rustls that records what the server
//! presents and accepts it, whatever it is. Trust is judged separately, by
//! [`crate::trust::TrustStore`], so an untrusted or broken chain is still
//! captured as evidence.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::ciphers::suite_name;

/// What a completed handshake showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// Negotiated version (`TLSv1.3`, `TLSv1.2`).
    pub version: &'static str,
    /// Negotiated cipher suite, IANA name.
    pub cipher: String,
    /// Negotiated ALPN protocol.
    pub alpn: Option<String>,
    /// Served certificates, DER, in served order.
    pub chain: Vec<Vec<u8>>,
    /// The stapled OCSP response, when any.
    pub ocsp_staple: Option<Vec<u8>>,
    /// Time from ClientHello to handshake completion.
    pub elapsed: Duration,
}

/// Builds the client configuration for one handshake. A configuration per
/// connection lets the recording verifier keep that connection's staple.
fn client_config(
    provider: &Arc<CryptoProvider>,
    alpn: &[String],
    recorder: Arc<Recorder>,
) -> Result<ClientConfig, String> {
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| format!("TLS configuration: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(recorder)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    config.resumption = rustls::client::Resumption::disabled();
    Ok(config)
}

/// A handshake that did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HandshakeError(String);

impl HandshakeError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Runs a handshake on `stream` (already connected, and upgraded when
/// STARTTLS applies). The caller bounds the time.
pub async fn handshake(
    stream: TcpStream,
    server_name: ServerName<'static>,
    provider: &Arc<CryptoProvider>,
    alpn: &[String],
) -> Result<Handshake, HandshakeError> {
    run_handshake(stream, server_name, provider, alpn)
        .await
        .map_err(HandshakeError)
}

async fn run_handshake(
    stream: TcpStream,
    server_name: ServerName<'static>,
    provider: &Arc<CryptoProvider>,
    alpn: &[String],
) -> Result<Handshake, String> {
    let recorder = Arc::new(Recorder::default());
    let config = client_config(provider, alpn, recorder.clone())?;
    let started = Instant::now();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(server_name, stream)
        .await
        .map_err(|e| format!("TLS handshake failed: {e}"))?;
    let elapsed = started.elapsed();
    let (_, conn) = tls.get_ref();
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
        _ => "unknown",
    };
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|s| suite_name(u16::from(s.suite())))
        .unwrap_or_default();
    let alpn = conn
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let chain = conn
        .peer_certificates()
        .unwrap_or_default()
        .iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    let ocsp_staple = recorder
        .ocsp
        .lock()
        .map(|o| o.clone())
        .unwrap_or_default()
        .filter(|o| !o.is_empty());
    Ok(Handshake {
        version,
        cipher,
        alpn,
        chain,
        ocsp_staple,
        elapsed,
    })
}

/// Accepts any certificate and signature, keeping the stapled OCSP response.
#[derive(Debug, Default)]
struct Recorder {
    ocsp: Mutex<Option<Vec<u8>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut slot) = self.ocsp.lock() {
            *slot = Some(ocsp_response.to_vec());
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::ECDSA_NISTP384_SHA384,
            SignatureScheme::ECDSA_NISTP521_SHA512,
            SignatureScheme::ED25519,
            SignatureScheme::ED448,
            SignatureScheme::RSA_PSS_SHA256,
            SignatureScheme::RSA_PSS_SHA384,
            SignatureScheme::RSA_PSS_SHA512,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384,
            SignatureScheme::RSA_PKCS1_SHA512,
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::ECDSA_SHA1_Legacy,
        ]
    }
}
