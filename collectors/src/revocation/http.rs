//! Bounded HTTP(S) fetching with reqwest: time-outs, a size cap enforced while
//! streaming, per-host politeness, an optional ban on private and loopback
//! addresses, and the caching headers recorded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pkimm_model::evidence::{FailureKind, HttpFetch};
use tokio::sync::Semaphore;

/// A failed fetch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FetchError {
    /// Failure class for evidence.
    pub kind: FailureKind,
    /// What happened.
    pub message: String,
}

impl FetchError {
    fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

/// A fetched body and how it came.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The body.
    pub body: Vec<u8>,
    /// Status, headers and timing.
    pub info: HttpFetch,
}

/// Fetch settings.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Connect time-out.
    pub connect_timeout: Duration,
    /// Whole-request time-out.
    pub timeout: Duration,
    /// Requests in flight per host.
    pub per_host: usize,
    /// Refuse URLs whose host is a private, loopback or link-local address.
    pub deny_private: bool,
    /// Extra trust anchors (PEM) for HTTPS, such as the organisation's roots.
    pub extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            per_host: 4,
            deny_private: false,
            extra_roots: Vec::new(),
        }
    }
}

/// A shared HTTP client.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    options: FetchOptions,
    hosts: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl Fetcher {
    /// Builds the client (rustls with the process's ring provider).
    pub fn new(options: FetchOptions) -> Result<Self, FetchError> {
        let mut builder = reqwest::Client::builder();
        for der in &options.extra_roots {
            let root = reqwest::Certificate::from_der(der)
                .map_err(|e| FetchError::new(FailureKind::Parse, format!("trust anchors: {e}")))?;
            builder = builder.add_root_certificate(root);
        }
        let client = builder
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("pkimm/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::new(FailureKind::Network, format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            options,
            hosts: Arc::default(),
        })
    }

    fn host_slot(&self, host: &str) -> Arc<Semaphore> {
        let mut hosts = self
            .hosts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        hosts
            .entry(host.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.options.per_host.max(1))))
            .clone()
    }

    /// Checks the URL against the address policy.
    async fn check_address(&self, url: &reqwest::Url) -> Result<(), FetchError> {
        if !self.options.deny_private {
            return Ok(());
        }
        let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
        let port = url.port_or_known_default().unwrap_or(80);
        let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| {
                    FetchError::new(FailureKind::Network, format!("cannot resolve {host}: {e}"))
                })?
                .map(|a| a.ip())
                .collect(),
        };
        if let Some(ip) = addresses.iter().find(|ip| is_private(ip)) {
            return Err(FetchError::new(
                FailureKind::Skipped,
                format!("{url} resolves to the private or loopback address {ip}, and --deny-private is set"),
            ));
        }
        Ok(())
    }

    /// GETs `url` (or POSTs `body` with `content_type`), reading at most
    /// `max_bytes`.
    pub async fn fetch(
        &self,
        url: &str,
        post: Option<(&'static str, Vec<u8>)>,
        max_bytes: u64,
    ) -> Result<Fetched, FetchError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| FetchError::new(FailureKind::Parse, format!("bad URL {url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(FetchError::new(
                FailureKind::Skipped,
                format!("{url}: only http and https are fetched over HTTP"),
            ));
        }
        self.check_address(&parsed).await?;
        let slot = self.host_slot(parsed.host_str().unwrap_or_default());
        let _permit = slot.acquire().await;
        tracing::info!("fetching {url}");
        let started = Instant::now();
        let request = match post {
            Some((content_type, body)) => self
                .client
                .post(parsed.clone())
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body),
            None => self.client.get(parsed.clone()),
        };
        let response = request.send().await.map_err(|e| describe(url, &e))?;
        let status = response.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let cache_control = header(reqwest::header::CACHE_CONTROL);
        let mut info = HttpFetch {
            url: url.to_string(),
            status,
            latency_ms: 0,
            size_bytes: 0,
            content_type: header(reqwest::header::CONTENT_TYPE),
            max_age_seconds: cache_control.as_deref().and_then(max_age),
            cache_control,
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
            expires: header(reqwest::header::EXPIRES),
        };
        if let Some(length) = response.content_length() {
            if length > max_bytes {
                return Err(FetchError::new(
                    FailureKind::TooLarge,
                    format!("{url}: Content-Length {length} exceeds the {max_bytes}-byte limit"),
                ));
            }
        }
        if !response.status().is_success() {
            return Err(FetchError::new(
                FailureKind::Protocol,
                format!("{url}: HTTP status {status}"),
            ));
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| describe(url, &e))?;
            if (body.len() + chunk.len()) as u64 > max_bytes {
                return Err(FetchError::new(
                    FailureKind::TooLarge,
                    format!("{url}: body exceeds the {max_bytes}-byte limit"),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        info.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        info.size_bytes = body.len() as u64;
        Ok(Fetched { body, info })
    }
}

fn describe(url: &str, error: &reqwest::Error) -> FetchError {
    let kind = if error.is_timeout() {
        FailureKind::Timeout
    } else {
        FailureKind::Network
    };
    let mut message = format!("{url}: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        message.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    FetchError::new(kind, message)
}

fn max_age(cache_control: &str) -> Option<u64> {
    cache_control.split(',').find_map(|directive| {
        let (name, value) = directive.trim().split_once('=')?;
        name.eq_ignore_ascii_case("max-age")
            .then(|| value.trim().trim_matches('"').parse().ok())
            .flatten()
    })
}

/// Private, loopback, link-local and unique-local addresses.
pub fn is_private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified()
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_max_age() {
        assert_eq!(max_age("public, max-age=3600"), Some(3600));
        assert_eq!(max_age("no-cache"), None);
    }

    #[test]
    fn private_addresses() {
        assert!(is_private(&"127.0.0.1".parse().unwrap()));
        assert!(is_private(&"10.1.2.3".parse().unwrap()));
        assert!(is_private(&"fd00::1".parse().unwrap()));
        assert!(!is_private(&"8.8.8.8".parse().unwrap()));
    }
}
