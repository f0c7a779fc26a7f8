//! A full TLS 1.2/1.3 handshake with rustls that records what the server
//! presents and accepts it, whatever it is. Trust is judged separately, by
//! [`crate::trust::TrustStore`], so an untrusted or broken chain is still
//! captured as evidence.
//!
//! When the server asks for a client certificate, the request and its CA
//! names are recorded and no certificate is sent; whether the server then
//! aborts tells a required client certificate from an optional one. In TLS
//! 1.3 the client finishes first, so the abort arrives after the handshake:
//! the connection is read for a moment to see it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::io::AsyncReadExt;
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
    /// The client certificate request, when the server sent one.
    pub client_auth: Option<ClientAuthSeen>,
}

/// A client certificate request seen in a handshake.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientAuthSeen {
    /// The acceptable CA names, DER-encoded X.501 Names.
    pub ca_names: Vec<Vec<u8>>,
    /// The server aborted when no certificate came; `None` when not seen.
    pub required: Option<bool>,
}

/// How long a TLS 1.3 connection is read after the handshake to see
/// whether the server aborts for want of a client certificate.
const CLIENT_AUTH_WAIT: Duration = Duration::from_millis(750);

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
        .with_custom_certificate_verifier(recorder.clone())
        .with_client_cert_resolver(recorder);
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    config.resumption = rustls::client::Resumption::disabled();
    Ok(config)
}

/// A handshake that did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HandshakeError {
    message: String,
    /// The server had asked for a client certificate before it failed:
    /// the failure is its refusal of a client without one.
    pub client_auth: Option<ClientAuthSeen>,
}

impl HandshakeError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            client_auth: None,
        }
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
    let recorder = Arc::new(Recorder::default());
    run_handshake(stream, server_name, provider, alpn, &recorder)
        .await
        .map_err(|message| HandshakeError {
            message,
            client_auth: recorder.client_auth().map(|seen| ClientAuthSeen {
                required: Some(true),
                ..seen
            }),
        })
}

async fn run_handshake(
    stream: TcpStream,
    server_name: ServerName<'static>,
    provider: &Arc<CryptoProvider>,
    alpn: &[String],
    recorder: &Arc<Recorder>,
) -> Result<Handshake, String> {
    let config = client_config(provider, alpn, recorder.clone())?;
    let started = Instant::now();
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(server_name, stream)
        .await
        .map_err(|e| format!("TLS handshake failed: {e}"))?;
    let elapsed = started.elapsed();
    let mut client_auth = recorder.client_auth();
    if let Some(seen) = client_auth.as_mut() {
        let tls13 = tls.get_ref().1.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3);
        seen.required = if tls13 {
            let mut byte = [0u8; 1];
            match tokio::time::timeout(CLIENT_AUTH_WAIT, tls.read(&mut byte)).await {
                // An alert (certificate_required) or a hang-up: refused.
                Ok(Err(_) | Ok(0)) => Some(true),
                // Data, or nothing for a while: the connection stands.
                Ok(Ok(_)) | Err(_) => Some(false),
            }
        } else {
            // TLS 1.2 ends with the server's Finished: it accepted.
            Some(false)
        };
    }
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
        client_auth,
    })
}

/// Accepts any certificate and signature, keeping the stapled OCSP response
/// and any client certificate request (answered with no certificate).
#[derive(Debug, Default)]
struct Recorder {
    ocsp: Mutex<Option<Vec<u8>>>,
    certificate_request: Mutex<Option<Vec<Vec<u8>>>>,
}

impl Recorder {
    fn client_auth(&self) -> Option<ClientAuthSeen> {
        let names = self.certificate_request.lock().ok()?.clone()?;
        Some(ClientAuthSeen {
            ca_names: names,
            required: None,
        })
    }
}

impl ResolvesClientCert for Recorder {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        if let Ok(mut slot) = self.certificate_request.lock() {
            *slot = Some(root_hint_subjects.iter().map(|n| n.to_vec()).collect());
        }
        None
    }

    fn has_certs(&self) -> bool {
        // Claimed so that rustls asks when a server requests one.
        true
    }
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
