//! The hello probe: offers one protocol version, a set of cipher suites and a
//! set of groups with a hand-built ClientHello, reads the server's first
//! flight, and hangs up. Used to detect SSLv3 to TLS 1.3, to enumerate
//! accepted cipher suites and groups, and to capture chains, staples, SCTs,
//! key-exchange parameters and certificate requests in clear.

use std::time::Duration;

use pkimm_model::evidence::FailureKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::dial::{describe_io, DialError, Dialer};
use super::hello::{
    build_client_hello, is_alert, is_handshake, record_header, Alert, FlightError, FlightLimits,
    FlightParser, Offer, ProtocolVersion, ServerHello, ServerMessage,
};

/// What the server did with one ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The server chose a version and suite.
    Accepted(Box<Accepted>),
    /// The server refused (alert, or closed the connection).
    Refused(String),
}

/// An accepted ClientHello and what came with the ServerHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The ServerHello.
    pub hello: ServerHello,
    /// The Certificate message, DER in served order (empty when not read).
    pub chain: Vec<Vec<u8>>,
    /// The CertificateStatus (stapled OCSP response), when sent.
    pub staple: Option<Vec<u8>>,
    /// The ServerKeyExchange body, when sent.
    pub key_exchange: Option<Vec<u8>>,
    /// The CertificateRequest body, when sent.
    pub certificate_request: Option<Vec<u8>>,
}

/// A probe could not be run or the answer was not TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeError {
    /// Failure class for evidence.
    pub kind: FailureKind,
    /// What happened.
    pub message: String,
}

impl From<DialError> for ProbeError {
    fn from(e: DialError) -> Self {
        Self {
            kind: e.kind,
            message: e.message,
        }
    }
}

impl From<FlightError> for ProbeError {
    fn from(e: FlightError) -> Self {
        let kind = match e {
            FlightError::TooLarge(_) => FailureKind::TooLarge,
            _ => FailureKind::Protocol,
        };
        Self {
            kind,
            message: e.to_string(),
        }
    }
}

/// Probe settings.
#[derive(Debug, Clone, Copy)]
pub struct ProbeSettings {
    /// Time allowed from ClientHello to the end of the flight read.
    pub handshake_timeout: Duration,
    /// Limits on what the server may send.
    pub limits: FlightLimits,
}

/// Sends `offer` on a new connection and reads the answer: up to
/// ServerHelloDone with `full_flight` (TLS 1.2 and older), else up to the
/// ServerHello or HelloRetryRequest.
pub async fn send_offer(
    dialer: &Dialer,
    settings: &ProbeSettings,
    offer: &Offer<'_>,
    full_flight: bool,
) -> Result<Reply, ProbeError> {
    let version = offer.version;
    let mut stream = dialer.connect().await?;
    let hello = build_client_hello(offer);
    let exchange = async {
        stream.write_all(&hello).await.map_err(|e| ProbeError {
            kind: FailureKind::Network,
            message: format!("sending ClientHello failed: {}", describe_io(&e)),
        })?;
        read_flight(&mut stream, settings.limits, full_flight).await
    };
    match timeout(settings.handshake_timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(ProbeError {
            kind: FailureKind::Timeout,
            message: format!(
                "no complete answer to a {} ClientHello within {} ms",
                version.name(),
                settings.handshake_timeout.as_millis()
            ),
        }),
    }
}

async fn read_flight(
    stream: &mut TcpStream,
    limits: FlightLimits,
    full_flight: bool,
) -> Result<Reply, ProbeError> {
    let mut parser = FlightParser::new(limits);
    let mut accepted: Option<Accepted> = None;
    loop {
        let mut header = [0u8; 5];
        if let Err(e) = stream.read_exact(&mut header).await {
            return Ok(match accepted {
                Some(a) => Reply::Accepted(Box::new(a)),
                None => Reply::Refused(describe_io(&e)),
            });
        }
        let header = record_header(header)?;
        let mut body = vec![0u8; header.length];
        stream.read_exact(&mut body).await.map_err(|e| ProbeError {
            kind: FailureKind::Protocol,
            message: format!("truncated TLS record: {}", describe_io(&e)),
        })?;
        if is_alert(&header) {
            let alert = Alert::parse(&body)?;
            return Ok(match accepted {
                Some(a) => Reply::Accepted(Box::new(a)),
                None => Reply::Refused(alert.name()),
            });
        }
        if !is_handshake(&header) {
            return match accepted {
                Some(a) => Ok(Reply::Accepted(Box::new(a))),
                None => Err(ProbeError {
                    kind: FailureKind::Protocol,
                    message: format!(
                        "unexpected TLS record type {} before ServerHello",
                        header.content_type
                    ),
                }),
            };
        }
        let mut done = false;
        for message in parser.push(&body)? {
            let Some(a) = accepted.as_mut() else {
                let ServerMessage::Hello(hello) = message else {
                    return Err(ProbeError {
                        kind: FailureKind::Protocol,
                        message: format!("server sent {} before ServerHello", message.name()),
                    });
                };
                let encrypted_after = hello.version >= ProtocolVersion::Tls13.wire() || hello.retry;
                let a = Accepted {
                    hello,
                    chain: Vec::new(),
                    staple: None,
                    key_exchange: None,
                    certificate_request: None,
                };
                if !full_flight || encrypted_after {
                    return Ok(Reply::Accepted(Box::new(a)));
                }
                accepted = Some(a);
                continue;
            };
            match message {
                ServerMessage::Certificate(chain) => a.chain = chain,
                ServerMessage::CertificateStatus(staple) => a.staple = Some(staple),
                ServerMessage::KeyExchange(body) => a.key_exchange = Some(body),
                ServerMessage::CertificateRequest(body) => a.certificate_request = Some(body),
                ServerMessage::HelloDone => done = true,
                ServerMessage::Other(_) => {}
                ServerMessage::Hello(_) => {
                    return Err(ProbeError {
                        kind: FailureKind::Protocol,
                        message: "server sent two ServerHello messages".to_string(),
                    })
                }
            }
        }
        if done {
            if let Some(a) = accepted.take() {
                return Ok(Reply::Accepted(Box::new(a)));
            }
        }
    }
}
