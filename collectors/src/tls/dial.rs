//! Opening connections: TCP connect with a time-out, an optional global rate
//! limit, retries with exponential backoff, and the STARTTLS upgrade.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use pkimm_model::evidence::FailureKind;
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio::time::{sleep_until, timeout, Instant};

use super::starttls;
use super::target::Starttls;

/// Spaces new connections evenly to at most `per_second` a second, across
/// every task that shares it.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    /// A limiter for `per_second` connections a second (at least 0.001).
    pub fn new(per_second: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / per_second.max(0.001)),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for the next slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        sleep_until(slot).await;
    }
}

/// Why a connection could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialError {
    /// Failure class for evidence.
    pub kind: FailureKind,
    /// What happened, in words.
    pub message: String,
}

/// Opens connections to one endpoint.
#[derive(Debug, Clone)]
pub struct Dialer {
    /// The address connected to.
    pub addr: SocketAddr,
    /// STARTTLS protocol, when any.
    pub starttls: Option<Starttls>,
    /// Host name used in STARTTLS greetings (XMPP `to=`).
    pub host: String,
    /// TCP connect time-out.
    pub connect_timeout: Duration,
    /// Time-out for the STARTTLS exchange.
    pub io_timeout: Duration,
    /// Shared rate limit.
    pub rate: Option<Arc<RateLimiter>>,
}

impl Dialer {
    /// Connects (and upgrades) once.
    pub async fn connect(&self) -> Result<TcpStream, DialError> {
        if let Some(rate) = &self.rate {
            rate.acquire().await;
        }
        let mut stream = match timeout(self.connect_timeout, TcpStream::connect(self.addr)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                return Err(DialError {
                    kind: FailureKind::Network,
                    message: format!("connect to {} failed: {}", self.addr, describe_io(&e)),
                })
            }
            Err(_) => {
                return Err(DialError {
                    kind: FailureKind::Timeout,
                    message: format!(
                        "connect to {} timed out after {} ms",
                        self.addr,
                        self.connect_timeout.as_millis()
                    ),
                })
            }
        };
        let _ = stream.set_nodelay(true);
        if let Some(protocol) = self.starttls {
            match timeout(
                self.io_timeout,
                starttls::upgrade(&mut stream, protocol, &self.host),
            )
            .await
            {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    return Err(DialError {
                        kind: FailureKind::Protocol,
                        message: error.to_string(),
                    })
                }
                Err(_) => {
                    return Err(DialError {
                        kind: FailureKind::Timeout,
                        message: format!(
                            "{protocol} STARTTLS timed out after {} ms",
                            self.io_timeout.as_millis()
                        ),
                    })
                }
            }
        }
        Ok(stream)
    }

    /// Connects, retrying network failures and time-outs up to `retries`
    /// times with exponential backoff (250 ms, 500 ms, 1 s, …).
    pub async fn connect_with_retries(&self, retries: u32) -> Result<TcpStream, DialError> {
        let mut attempt = 0;
        loop {
            match self.connect().await {
                Ok(stream) => return Ok(stream),
                Err(e) if attempt < retries && e.kind != FailureKind::Protocol => {
                    let backoff = Duration::from_millis(250u64 << attempt.min(6));
                    tracing::debug!("{}: {}; retrying in {backoff:?}", self.addr, e.message);
                    tokio::time::sleep(backoff).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Words for common socket errors.
pub fn describe_io(error: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match error.kind() {
        K::ConnectionRefused => "connection refused".to_string(),
        K::ConnectionReset => "connection reset by peer".to_string(),
        K::ConnectionAborted => "connection aborted".to_string(),
        K::UnexpectedEof => "connection closed by peer".to_string(),
        K::TimedOut => "timed out".to_string(),
        _ => error.to_string(),
    }
}
