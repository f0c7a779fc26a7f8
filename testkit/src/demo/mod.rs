//! The demo estate `pkimm demo` collects from, offline:
//!
//! 1. the embedded fixture certificates, CRLs and CA inventory export
//!    ([`fixtures`]), written out as files;
//! 2. a fresh demo PKI ([`pki`]) served from four loopback TLS endpoints
//!    (rustls): a healthy one, one about to expire, one with a self-signed
//!    certificate and one that serves an incomplete chain with a revoked
//!    certificate; and a loopback HTTP server publishing the issuing CA's
//!    CRL and certificate (CDP and AIA) and answering OCSP for it.
//!
//! [`DemoEstate::start`] sets it all up and gives the collector configs that
//! cover it; the servers run until the process exits.

pub mod fixtures;
pub mod pki;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pkimm_collectors::files::FilesConfig;
use pkimm_collectors::inventory::InventoryConfig;
use pkimm_collectors::tls::TlsConfig;
use pkimm_collectors::CollectorConfig;

use crate::http::{Handler, HttpResponse, Routes};
use crate::ocsp::ResponderError;
use pki::DemoPki;

/// The agent name the demo records.
pub const DEMO_AGENT: &str = "pkimm-demo";

/// Why the demo estate could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// Certificate generation failed.
    #[error("demo PKI: {0}")]
    Pki(#[from] rcgen::Error),
    /// The TLS server configuration failed.
    #[error("demo TLS endpoint: {0}")]
    Tls(#[from] rustls::Error),
    /// The OCSP responder could not be set up.
    #[error(transparent)]
    Responder(#[from] ResponderError),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> DemoError {
    let what = what.into();
    move |source| DemoError::Io { what, source }
}

/// The running demo estate.
#[derive(Debug, Clone)]
pub struct DemoEstate {
    /// Where the fixture files were written.
    pub fixtures_dir: PathBuf,
    /// The inventory export.
    pub inventory: PathBuf,
    /// The demo root certificate (PEM), the TLS trust anchor.
    pub root: PathBuf,
    /// Each endpoint's SNI name and address.
    pub endpoints: Vec<(String, SocketAddr)>,
    /// The CRL, AIA and OCSP server.
    pub publication: SocketAddr,
}

impl DemoEstate {
    /// Writes the fixtures under `out` and starts the servers.
    pub fn start(out: &Path) -> Result<Self, DemoError> {
        std::fs::create_dir_all(out).map_err(io(format!("cannot create {}", out.display())))?;
        let fixtures_dir = out.join("fixtures");
        for (path, bytes) in fixtures::FIXTURES {
            let target = fixtures_dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(io(format!("cannot create {}", parent.display())))?;
            }
            std::fs::write(&target, bytes)
                .map_err(io(format!("cannot write {}", target.display())))?;
        }
        let inventory = out.join("ca-export.csv");
        std::fs::write(&inventory, fixtures::INVENTORY)
            .map_err(io(format!("cannot write {}", inventory.display())))?;

        // The publication server first: the certificates point at it.
        let routes: Routes = Arc::default();
        let mut handlers: HashMap<String, Handler> = HashMap::new();
        let pending: Arc<std::sync::OnceLock<crate::ocsp::Responder>> = Arc::default();
        let responder = pending.clone();
        handlers.insert(
            "/ocsp".to_string(),
            Arc::new(move |request: &[u8]| match responder.get() {
                Some(r) => HttpResponse::ok("application/ocsp-response", r.respond(request))
                    .header("Cache-Control", "public, max-age=3600"),
                None => HttpResponse::status(503),
            }),
        );
        let publication = crate::http::serve(routes.clone(), handlers)
            .map_err(io("cannot start the demo publication server"))?;
        let DemoPki {
            root_pem,
            endpoints,
            published,
            responder,
        } = DemoPki::new(&format!("http://{publication}"))?;
        let _ = pending.set(responder);
        {
            let mut routes = routes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (path, content_type, body) in published {
                routes.insert(
                    path,
                    HttpResponse::ok(content_type, body)
                        .header("Cache-Control", "public, max-age=3600"),
                );
            }
        }
        let root = out.join("demo-root.pem");
        std::fs::write(&root, root_pem.as_bytes())
            .map_err(io(format!("cannot write {}", root.display())))?;
        let mut served = Vec::new();
        for endpoint in endpoints {
            let config = crate::tls::server_config(endpoint.chain, endpoint.key, &[])?;
            let addr = crate::tls::serve(config, "127.0.0.1:0")
                .map_err(io("cannot start a demo TLS endpoint"))?;
            served.push((endpoint.name, addr));
        }
        Ok(Self {
            fixtures_dir,
            inventory,
            root,
            endpoints: served,
            publication,
        })
    }

    /// Collectors for the files and the inventory export.
    pub fn estate_collectors(&self) -> Vec<CollectorConfig> {
        vec![
            CollectorConfig::Files(Box::new(FilesConfig::new(vec![self.fixtures_dir.clone()]))),
            CollectorConfig::Inventory(Box::new(InventoryConfig::new(self.inventory.clone()))),
        ]
    }

    /// Collectors for the TLS endpoints (trusting the demo root) and the
    /// CRL, OCSP and AIA URLs of what they serve.
    pub fn network_collectors(&self) -> Vec<CollectorConfig> {
        let tls = TlsConfig {
            targets: self
                .endpoints
                .iter()
                .map(|(name, addr)| format!("{addr} sni={name}"))
                .collect(),
            trust: vec![self.root.display().to_string()],
            ..TlsConfig::default()
        };
        vec![
            CollectorConfig::Tls(Box::new(tls)),
            CollectorConfig::Revocation(Box::default()),
        ]
    }
}
