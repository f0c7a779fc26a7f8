//! How the agent serves its endpoints: loopback only by default; any other
//! address needs TLS and a bearer token, so the estate's metrics and scan
//! results are never open to the network.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pkimm_model::secret::Secret;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::PipelineError;

/// How much `/metrics` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricsDetail {
    /// Every certificate, CRL and responder as its own series.
    #[default]
    Full,
    /// Counts and the soonest expiry per job, for large estates.
    Summary,
}

/// The agent's serving settings.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Address to listen on.
    pub listen: String,
    /// Certificate chain and key (PEM) for HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The bearer token `/metrics` and `/api/latest` require.
    pub token: Option<Secret>,
    /// How much `/metrics` says.
    pub metrics_detail: MetricsDetail,
}

impl ServeOptions {
    /// Refuses a non-loopback address without both TLS and a token.
    pub fn check(&self, bound: SocketAddr) -> Result<(), PipelineError> {
        if bound.ip().is_loopback() || (self.tls.is_some() && self.token.is_some()) {
            return Ok(());
        }
        Err(PipelineError::Agent(format!(
            "refusing to serve on {bound}, which is not a loopback address, without TLS and a bearer token: give --tls-cert, --tls-key and --token-file (or PKIMM_AGENT_TOKEN), or listen on 127.0.0.1"
        )))
    }

    /// The TLS acceptor, when TLS is configured.
    pub fn acceptor(&self) -> Result<Option<tokio_rustls::TlsAcceptor>, PipelineError> {
        let Some((cert, key)) = &self.tls else {
            return Ok(None);
        };
        let bad = |what: &str, path: &PathBuf, e: String| {
            PipelineError::Agent(format!("{what} {}: {e}", path.display()))
        };
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .map_err(|e| bad("--tls-cert", cert, e.to_string()))?
            .collect::<Result<_, _>>()
            .map_err(|e| bad("--tls-cert", cert, e.to_string()))?;
        if chain.is_empty() {
            return Err(bad("--tls-cert", cert, "no certificate".to_string()));
        }
        let key =
            PrivateKeyDer::from_pem_file(key).map_err(|e| bad("--tls-key", key, e.to_string()))?;
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| PipelineError::Agent(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| PipelineError::Agent(format!("TLS: {e}")))?;
        Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))))
    }
}

/// Time a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A listener that hands axum TLS streams. Handshakes run in their own
/// tasks with a time-out, so a slow or silent client holds up nobody.
pub struct TlsListener {
    local: SocketAddr,
    ready: tokio::sync::mpsc::Receiver<(
        tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
        SocketAddr,
    )>,
}

impl TlsListener {
    /// Accepts on `listener`, handshaking with `acceptor`.
    pub fn new(
        listener: tokio::net::TcpListener,
        acceptor: tokio_rustls::TlsAcceptor,
    ) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let (sender, ready) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let acceptor = acceptor.clone();
                let sender = sender.clone();
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    {
                        let _ = sender.send((tls, peer)).await;
                    }
                });
            }
        });
        Ok(Self { local, ready })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(ready) => ready,
            // The accept task never ends while the runtime runs.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Whether `header` (an `Authorization` value) carries `token`, compared in
/// constant time.
pub fn bearer_matches(header: Option<&str>, token: &Secret) -> bool {
    let Some(given) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
        return false;
    };
    pkimm_model::secret::constant_time_eq(given.as_bytes(), token.expose().as_bytes())
}
