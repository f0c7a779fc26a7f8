//! Bounded HTTP(S) fetching with reqwest: time-outs, a size cap enforced while
//! streaming, per-host politeness, an address policy on every hop, and the
//! caching headers recorded.
//!
//! The address policy: link-local and cloud metadata addresses are never
//! fetched; private and loopback ones only without `--deny-private`. It is
//! checked for the first URL and for every redirect hop (redirects are
//! followed here, not by reqwest), on the literal address or, for a name,
//! in the resolver reqwest connects with, so a name cannot resolve to a
//! refused address between the check and the connection.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pkimm_model::evidence::{Failure, FailureKind, HttpFetch, Provenance};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

mod body;

use body::{BoundedBody, Refused};

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
    /// A failure of `kind`, described by `message`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The failure record of this error, observed as `provenance` says.
    pub fn into_failure(self, provenance: Provenance) -> Failure {
        Failure {
            kind: self.kind,
            message: self.message,
            offset: None,
            provenance,
        }
    }
}

/// One of the [`LARGE_BODIES`] slots of a fetcher, held by a body past
/// [`LARGE_BODY`] from when it grew past it until it is dropped. Keep it
/// while the body (or what is parsed from it) is in memory, so the next
/// large body waits for it.
#[derive(Debug)]
pub struct LargeBody {
    _slot: OwnedSemaphorePermit,
}

/// How to ask.
#[derive(Debug, Clone)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD.
    Head,
    /// POST a body of a content type.
    Post {
        /// The `Content-Type` sent.
        content_type: &'static str,
        /// The body.
        body: Vec<u8>,
    },
}

/// An answer: body, headers and how it came.
#[derive(Debug)]
pub struct Answer {
    /// The body (at most the cap asked for).
    pub body: Vec<u8>,
    /// Status, caching headers and timing.
    pub info: HttpFetch,
    /// Every header of the final answer.
    pub headers: reqwest::header::HeaderMap,
    /// The large-body slot the body holds, when it is past [`LARGE_BODY`].
    pub large: Option<LargeBody>,
}

impl Answer {
    /// A header's value as text, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.info.status)
    }
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
    /// Bodies past [`LARGE_BODY`] in flight at once.
    large: Arc<Semaphore>,
}

/// A body past this size counts as large: only [`LARGE_BODIES`] of them
/// are downloaded (and, by callers that keep the [`LargeBody`] slot, parsed)
/// at once, so concurrent fetches of huge (or endless) responses cannot add
/// up to more memory than that many size caps (plus this much for each
/// fetch waiting its turn). A cut body's memory goes back to the system at
/// once (see the `body` module).
pub const LARGE_BODY: usize = 1024 * 1024;
/// Large bodies downloaded at once.
pub const LARGE_BODIES: usize = 2;

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
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver {
                deny_private: options.deny_private,
            }))
            .user_agent(concat!("pkimm/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::new(FailureKind::Network, format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            options,
            hosts: Arc::default(),
            large: Arc::new(Semaphore::new(LARGE_BODIES)),
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

    /// Checks a URL's literal address against the address policy (names
    /// are checked by the resolver when reqwest connects).
    fn check_address(&self, url: &reqwest::Url, hop: &str) -> Result<(), FetchError> {
        let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
        if let Ok(ip) = host.parse::<IpAddr>() {
            if let Some(why) = refusal(&ip, self.options.deny_private) {
                return Err(FetchError::new(
                    FailureKind::Skipped,
                    format!("{hop} {url} is refused: {ip} is {why}"),
                ));
            }
        }
        Ok(())
    }

    /// GETs `url` (or POSTs `body` with `content_type`), reading at most
    /// `max_bytes`; any status but 2xx is an error.
    pub async fn fetch(
        &self,
        url: &str,
        post: Option<(&'static str, Vec<u8>)>,
        max_bytes: u64,
    ) -> Result<Answer, FetchError> {
        let method = match post {
            Some((content_type, body)) => Method::Post { content_type, body },
            None => Method::Get,
        };
        self.send(url, method, max_bytes, false).await
    }

    /// Sends `method` to `url` and returns the answer whatever its status,
    /// with its headers and at most `max_bytes` of body (protocols such as
    /// ACME and CMP put their errors in the body of a 4xx or 5xx answer).
    pub async fn request(
        &self,
        url: &str,
        method: Method,
        max_bytes: u64,
    ) -> Result<Answer, FetchError> {
        self.send(url, method, max_bytes, true).await
    }

    async fn send(
        &self,
        url: &str,
        method: Method,
        max_bytes: u64,
        any_status: bool,
    ) -> Result<Answer, FetchError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| FetchError::new(FailureKind::Parse, format!("bad URL {url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(FetchError::new(
                FailureKind::Skipped,
                format!("{url}: only http and https are fetched over HTTP"),
            ));
        }
        self.check_address(&parsed, "the URL")?;
        let slot = self.host_slot(parsed.host_str().unwrap_or_default());
        let _permit = slot.acquire().await;
        tracing::info!("fetching {url}");
        let started = Instant::now();
        let mut current = parsed;
        let mut method = method;
        let mut hops = 0;
        let response = loop {
            let request = match &method {
                Method::Post { content_type, body } => self
                    .client
                    .post(current.clone())
                    .header(reqwest::header::CONTENT_TYPE, *content_type)
                    .body(body.clone()),
                Method::Get => self.client.get(current.clone()),
                Method::Head => self.client.head(current.clone()),
            };
            let response = request
                .send()
                .await
                .map_err(|e| describe(current.as_str(), &e))?;
            if !response.status().is_redirection() {
                break response;
            }
            let Some(location) = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
            else {
                break response;
            };
            hops += 1;
            if hops > MAX_REDIRECTS {
                return Err(FetchError::new(
                    FailureKind::Protocol,
                    format!("{url}: more than {MAX_REDIRECTS} redirects"),
                ));
            }
            let next = current.join(location).map_err(|e| {
                FetchError::new(
                    FailureKind::Protocol,
                    format!("{url}: redirect {hops} to {location:?} is not a URL: {e}"),
                )
            })?;
            if !matches!(next.scheme(), "http" | "https") {
                return Err(FetchError::new(
                    FailureKind::Skipped,
                    format!("{url}: redirect {hops} to {next} is refused: only http and https are followed"),
                ));
            }
            self.check_address(&next, &format!("{url}: redirect {hops} to"))?;
            // 301, 302 and 303 turn a POST into a GET; 307 and 308 keep it.
            if !matches!(response.status().as_u16(), 307 | 308)
                && matches!(method, Method::Post { .. })
            {
                method = Method::Get;
            }
            current = next;
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let header = |name: reqwest::header::HeaderName| {
            headers
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
        if !any_status && !response.status().is_success() {
            return Err(FetchError::new(
                FailureKind::Protocol,
                format!("{url}: HTTP status {status}"),
            ));
        }
        let cap = usize::try_from(max_bytes).unwrap_or(usize::MAX);
        let announced = response
            .content_length()
            .and_then(|n| usize::try_from(n).ok());
        let mut body = BoundedBody::new(cap, announced);
        let mut large = None;
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| describe(url, &e))?;
            if body.len() + chunk.len() > LARGE_BODY && large.is_none() {
                large = self
                    .large
                    .clone()
                    .acquire_owned()
                    .await
                    .ok()
                    .map(|p| LargeBody { _slot: p });
            }
            body.extend(&chunk).map_err(|refused| match refused {
                Refused::Cap => FetchError::new(
                    FailureKind::TooLarge,
                    format!("{url}: body exceeds the {max_bytes}-byte limit"),
                ),
                Refused::Memory(e) => FetchError::new(
                    FailureKind::Io,
                    format!("{url}: no memory for the body: {e}"),
                ),
            })?;
        }
        let body = body.into_vec();
        info.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        info.size_bytes = body.len() as u64;
        Ok(Answer {
            body,
            info,
            headers,
            large,
        })
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

/// The most redirects followed.
const MAX_REDIRECTS: usize = 3;

/// Cloud metadata and platform addresses outside the link-local ranges.
const METADATA_ADDRESSES: &[&str] = &[
    "fd00:ec2::254",   // AWS instance metadata (IPv6)
    "100.100.100.200", // Alibaba Cloud metadata
    "168.63.129.16",   // Azure platform (wireserver)
];

/// Why `ip` may not be fetched: always for link-local and cloud metadata
/// addresses, and for private and loopback ones when `deny_private`.
pub fn refusal(ip: &IpAddr, deny_private: bool) -> Option<&'static str> {
    let link_local = match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    };
    if link_local {
        return Some("a link-local address (such as a cloud metadata service), never fetched");
    }
    if METADATA_ADDRESSES
        .iter()
        .any(|m| m.parse::<IpAddr>().is_ok_and(|m| &m == ip))
    {
        return Some("a cloud metadata address, never fetched");
    }
    if deny_private && is_private(ip) {
        return Some("a private or loopback address, and --deny-private is set");
    }
    None
}

/// The resolver reqwest connects with: addresses the policy refuses are
/// dropped, and a name that resolves only to refused ones fails.
struct GuardedResolver {
    deny_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let deny_private = self.deny_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<std::net::SocketAddr> = found
                .into_iter()
                .filter(|a| match refusal(&a.ip(), deny_private) {
                    Some(why) => {
                        refused = Some((a.ip(), why));
                        false
                    }
                    None => true,
                })
                .collect();
            if allowed.is_empty() {
                let message = match refused {
                    Some((ip, why)) => format!("{host} resolves to {ip}, which is {why}"),
                    None => format!("{host} resolves to no address"),
                };
                return Err(std::io::Error::other(message).into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
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
    fn metadata_and_link_local_are_always_refused() {
        for ip in [
            "169.254.169.254",
            "fe80::1",
            "fd00:ec2::254",
            "100.100.100.200",
        ] {
            assert!(refusal(&ip.parse().unwrap(), false).is_some(), "{ip}");
        }
        assert!(refusal(&"127.0.0.1".parse().unwrap(), false).is_none());
        assert!(refusal(&"127.0.0.1".parse().unwrap(), true).is_some());
    }

    #[test]
    fn private_addresses() {
        assert!(is_private(&"127.0.0.1".parse().unwrap()));
        assert!(is_private(&"10.1.2.3".parse().unwrap()));
        assert!(is_private(&"fd00::1".parse().unwrap()));
        assert!(!is_private(&"8.8.8.8".parse().unwrap()));
    }
}
