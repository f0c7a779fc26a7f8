//! What the end-to-end tests use, under the names they use: a test PKI,
//! `openssl s_server` and `openssl ocsp` processes, in-process rustls
//! servers (plain and behind SMTP STARTTLS) with the PKI's ECDSA leaf,
//! hostile servers, a canned HTTP server, and Dovecot, vsftpd and Prosody.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub use crate::daemon::{Dovecot, Prosody, Vsftpd};
pub use crate::http::{HttpResponse, Routes};
pub use crate::net::free_port;
pub use crate::openssl::{OcspResponder, OpensslServer};
pub use crate::pki::TestPki;
pub use crate::pq::PqServer;

/// A rustls configuration serving the PKI's ECDSA leaf and root.
fn leaf_config(pki: &TestPki, alpn: &[&str]) -> Arc<rustls::ServerConfig> {
    let chain = vec![
        CertificateDer::from_pem_file(pki.path("ec.pem")).expect("ec.pem"),
        CertificateDer::from_pem_file(pki.path("root.pem")).expect("root.pem"),
    ];
    let key = PrivateKeyDer::from_pem_file(pki.path("ec.key")).expect("ec.key");
    crate::tls::server_config(chain, key, alpn).expect("a rustls server configuration")
}

/// A rustls server (TLS 1.3 and 1.2) on loopback. Returns its address.
pub fn rustls_server(pki: &TestPki, alpn: &[&str]) -> SocketAddr {
    rustls_server_on(pki, alpn, "127.0.0.1:0").expect("bind loopback")
}

/// A rustls server bound to `bind` (for example `[::1]:0`); `None` when the
/// address cannot be bound (no IPv6 loopback).
pub fn rustls_server_on(pki: &TestPki, alpn: &[&str], bind: &str) -> Option<SocketAddr> {
    crate::tls::serve(leaf_config(pki, alpn), bind).ok()
}

/// An SMTP server that offers STARTTLS and then speaks TLS with rustls.
pub fn smtp_starttls_server(pki: &TestPki) -> SocketAddr {
    crate::tls::smtp_starttls(leaf_config(pki, &[])).expect("bind loopback")
}

/// A server that answers every connection with text and closes.
pub fn garbage_server() -> SocketAddr {
    crate::tls::garbage().expect("bind loopback")
}

/// A server that accepts connections and never says anything.
pub fn stalling_server() -> SocketAddr {
    crate::tls::stalling().expect("bind loopback")
}

/// An HTTP server answering every request with an endless body.
pub fn endless_http_server() -> SocketAddr {
    crate::http::endless().expect("bind loopback")
}

/// A small real HTTP/1.1 server on loopback serving `routes` (404 otherwise).
pub fn http_server() -> (SocketAddr, Routes) {
    let routes: Routes = Arc::default();
    let addr = crate::http::serve(routes.clone(), HashMap::new()).expect("bind loopback");
    (addr, routes)
}
