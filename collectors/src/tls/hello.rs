//! A minimal, sans-I/O TLS 1.2-and-older ClientHello builder and a parser for
//! the server's first flight (ServerHello, Certificate, CertificateStatus,
//! ServerHelloDone, alerts).
//!
//! This is what lets pkimm see protocol versions and cipher suites rustls will
//! not speak (SSLv3, TLS 1.0, TLS 1.1, RC4, 3DES, export, NULL). Up to TLS 1.2
//! the Certificate message travels in clear after the ServerHello, so the
//! served chain of a legacy-only server is captured as well. The probe never
//! completes a handshake: it sends no key exchange and closes.

use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// Record content types.
const CONTENT_ALERT: u8 = 21;
const CONTENT_HANDSHAKE: u8 = 22;

/// Handshake message types.
const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
const HS_CERTIFICATE: u8 = 11;
const HS_SERVER_HELLO_DONE: u8 = 14;
const HS_CERTIFICATE_STATUS: u8 = 22;

/// Extension types.
const EXT_SERVER_NAME: u16 = 0;
const EXT_STATUS_REQUEST: u16 = 5;
const EXT_SUPPORTED_GROUPS: u16 = 10;
const EXT_EC_POINT_FORMATS: u16 = 11;
const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
const EXT_SCT: u16 = 18;
const EXT_EXTENDED_MASTER_SECRET: u16 = 23;
const EXT_RENEGOTIATION_INFO: u16 = 0xff01;

/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV, sent with SSLv3 hellos instead of the
/// extension.
const RENEGOTIATION_SCSV: u16 = 0x00ff;

/// Named groups offered: X25519, P-256, P-384, P-521, X448, then the FFDHE
/// groups and older curves.
const GROUPS: &[u16] = &[
    0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x0016, 0x0015,
    0x0013, 0x0012,
];

/// Signature schemes offered, including SHA-1 and legacy ones so that servers
/// with old certificates answer.
const SIGNATURE_SCHEMES: &[u16] = &[
    0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809,
    0x080a, 0x080b, 0x0201, 0x0203, 0x0202, 0x0301, 0x0303, 0x0302, 0x0402, 0x0502, 0x0602,
];

/// A protocol version the probe can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LegacyVersion {
    /// SSL 3.0.
    Ssl3,
    /// TLS 1.0.
    Tls10,
    /// TLS 1.1.
    Tls11,
    /// TLS 1.2.
    Tls12,
}

impl LegacyVersion {
    /// Newest first.
    pub const ALL: [Self; 4] = [Self::Tls12, Self::Tls11, Self::Tls10, Self::Ssl3];

    /// The wire value.
    pub fn wire(self) -> u16 {
        match self {
            Self::Ssl3 => 0x0300,
            Self::Tls10 => 0x0301,
            Self::Tls11 => 0x0302,
            Self::Tls12 => 0x0303,
        }
    }

    /// The version for a wire value.
    pub fn from_wire(value: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.wire() == value)
    }

    /// The name used in evidence (`TLSv1.2`, `SSLv3`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ssl3 => "SSLv3",
            Self::Tls10 => "TLSv1.0",
            Self::Tls11 => "TLSv1.1",
            Self::Tls12 => "TLSv1.2",
        }
    }
}

/// Builds one ClientHello record offering `version` and `suites`.
///
/// `server_name` is sent as SNI (never for SSLv3, which has no extensions).
pub fn client_hello(version: LegacyVersion, suites: &[u16], server_name: Option<&str>) -> Vec<u8> {
    let mut body = Vec::with_capacity(512);
    body.extend_from_slice(&version.wire().to_be_bytes());
    body.extend_from_slice(&client_random());
    body.push(0); // empty session id
    let mut suite_bytes: Vec<u8> = suites.iter().flat_map(|s| s.to_be_bytes()).collect();
    if version == LegacyVersion::Ssl3 {
        suite_bytes.extend_from_slice(&RENEGOTIATION_SCSV.to_be_bytes());
    }
    push_u16_prefixed(&mut body, &suite_bytes);
    body.extend_from_slice(&[1, 0]); // compression: null only
    if version != LegacyVersion::Ssl3 {
        push_u16_prefixed(&mut body, &extensions(server_name));
    }
    let mut handshake = Vec::with_capacity(body.len() + 4);
    handshake.push(HS_CLIENT_HELLO);
    push_u24(&mut handshake, body.len());
    handshake.extend_from_slice(&body);
    let record_version = if version == LegacyVersion::Ssl3 {
        0x0300u16
    } else {
        0x0301
    };
    let mut record = Vec::with_capacity(handshake.len() + 5);
    record.push(CONTENT_HANDSHAKE);
    record.extend_from_slice(&record_version.to_be_bytes());
    push_u16_prefixed(&mut record, &handshake);
    record
}

fn extensions(server_name: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    if let Some(name) = server_name {
        let mut list = vec![0u8]; // host_name
        push_u16_prefixed(&mut list, name.as_bytes());
        let mut data = Vec::new();
        push_u16_prefixed(&mut data, &list);
        push_extension(&mut out, EXT_SERVER_NAME, &data);
    }
    let groups: Vec<u8> = GROUPS.iter().flat_map(|g| g.to_be_bytes()).collect();
    let mut data = Vec::new();
    push_u16_prefixed(&mut data, &groups);
    push_extension(&mut out, EXT_SUPPORTED_GROUPS, &data);
    push_extension(&mut out, EXT_EC_POINT_FORMATS, &[1, 0]);
    let schemes: Vec<u8> = SIGNATURE_SCHEMES
        .iter()
        .flat_map(|g| g.to_be_bytes())
        .collect();
    let mut data = Vec::new();
    push_u16_prefixed(&mut data, &schemes);
    push_extension(&mut out, EXT_SIGNATURE_ALGORITHMS, &data);
    // status_request: OCSP, no responder ids, no extensions.
    push_extension(&mut out, EXT_STATUS_REQUEST, &[1, 0, 0, 0, 0]);
    push_extension(&mut out, EXT_SCT, &[]);
    push_extension(&mut out, EXT_EXTENDED_MASTER_SECRET, &[]);
    push_extension(&mut out, EXT_RENEGOTIATION_INFO, &[0]);
    out
}

/// Client randoms need only be unpredictable enough that servers treat each
/// probe as new; the probe never completes a handshake.
fn client_random() -> [u8; 32] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = Sha256::new();
    hasher.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    hasher.update(now.as_nanos().to_be_bytes());
    hasher.update(std::process::id().to_be_bytes());
    hasher.finalize().into()
}

fn push_extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    push_u16_prefixed(out, data);
}

fn push_u16_prefixed(out: &mut Vec<u8>, data: &[u8]) {
    let len = u16::try_from(data.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&data[..usize::from(len)]);
}

fn push_u24(out: &mut Vec<u8>, len: usize) {
    let len = u32::try_from(len).unwrap_or(0x00ff_ffff).min(0x00ff_ffff);
    out.extend_from_slice(&len.to_be_bytes()[1..]);
}

/// Bounds on what a server may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlightLimits {
    /// Most certificates accepted in one Certificate message.
    pub max_chain_length: usize,
    /// Largest single certificate, in bytes.
    pub max_certificate_bytes: usize,
    /// Largest total handshake flight, in bytes.
    pub max_flight_bytes: usize,
}

impl Default for FlightLimits {
    fn default() -> Self {
        Self {
            max_chain_length: 16,
            max_certificate_bytes: 64 * 1024,
            max_flight_bytes: 512 * 1024,
        }
    }
}

/// Largest TLS record body (2^14 plus the 2048 bytes of expansion TLS allows).
pub const MAX_RECORD_BODY: usize = 16_384 + 2048;

/// Why a server's answer could not be read as TLS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlightError {
    /// The server does not speak TLS at all.
    #[error("not TLS: {0}")]
    NotTls(String),
    /// The server speaks TLS but sent a malformed message.
    #[error("malformed TLS from server: {0}")]
    Malformed(String),
    /// The server sent more than the limits allow.
    #[error("server sent too much: {0}")]
    TooLarge(String),
}

/// A TLS record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Content type.
    pub content_type: u8,
    /// Record-layer version.
    pub version: u16,
    /// Body length.
    pub length: usize,
}

/// Checks a record header, telling non-TLS answers apart.
pub fn record_header(bytes: [u8; 5]) -> Result<RecordHeader, FlightError> {
    let header = RecordHeader {
        content_type: bytes[0],
        version: u16::from_be_bytes([bytes[1], bytes[2]]),
        length: usize::from(u16::from_be_bytes([bytes[3], bytes[4]])),
    };
    let plausible = (20..=24).contains(&header.content_type) && bytes[1] == 3 && bytes[2] <= 4;
    if !plausible {
        return Err(FlightError::NotTls(describe_garbage(&bytes)));
    }
    if header.length > MAX_RECORD_BODY {
        return Err(FlightError::Malformed(format!(
            "record of {} bytes exceeds the TLS maximum",
            header.length
        )));
    }
    Ok(header)
}

fn describe_garbage(bytes: &[u8]) -> String {
    let printable = bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
    if bytes.starts_with(b"HTTP/") {
        "the server answered in plain HTTP".to_string()
    } else if printable {
        format!(
            "the server answered with text {:?}",
            String::from_utf8_lossy(bytes)
        )
    } else {
        format!("the server answered with bytes {}", hex::encode(bytes))
    }
}

/// A TLS alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    /// 1 warning, 2 fatal.
    pub level: u8,
    /// Alert description code.
    pub description: u8,
}

impl Alert {
    /// Parses an alert record body.
    pub fn parse(body: &[u8]) -> Result<Self, FlightError> {
        match body {
            [level, description, ..] => Ok(Self {
                level: *level,
                description: *description,
            }),
            _ => Err(FlightError::Malformed("short alert".to_string())),
        }
    }

    /// The alert's RFC name.
    pub fn name(self) -> String {
        match self.description {
            0 => "close_notify".into(),
            10 => "unexpected_message".into(),
            20 => "bad_record_mac".into(),
            22 => "record_overflow".into(),
            40 => "handshake_failure".into(),
            42 => "bad_certificate".into(),
            47 => "illegal_parameter".into(),
            50 => "decode_error".into(),
            51 => "decrypt_error".into(),
            70 => "protocol_version".into(),
            71 => "insufficient_security".into(),
            80 => "internal_error".into(),
            86 => "inappropriate_fallback".into(),
            90 => "user_canceled".into(),
            112 => "unrecognized_name".into(),
            other => format!("alert {other}"),
        }
    }
}

/// The parts of a ServerHello the probe uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// The version the server chose.
    pub version: u16,
    /// The cipher suite it chose.
    pub cipher_suite: u16,
    /// Extensions, as (type, data).
    pub extensions: Vec<(u16, Vec<u8>)>,
}

impl ServerHello {
    fn parse(body: &[u8]) -> Result<Self, FlightError> {
        let mut r = Reader(body);
        let version = r.u16()?;
        r.take(32)?;
        let sid_len = usize::from(r.u8()?);
        r.take(sid_len)?;
        let cipher_suite = r.u16()?;
        r.u8()?; // compression
        let mut extensions = Vec::new();
        if !r.0.is_empty() {
            let len = usize::from(r.u16()?);
            let mut ext = Reader(r.take(len)?);
            while !ext.0.is_empty() {
                let kind = ext.u16()?;
                let len = usize::from(ext.u16()?);
                extensions.push((kind, ext.take(len)?.to_vec()));
            }
        }
        Ok(Self {
            version,
            cipher_suite,
            extensions,
        })
    }

    /// Number of SCTs in the signed_certificate_timestamp extension.
    pub fn sct_count(&self) -> u32 {
        let Some((_, data)) = self.extensions.iter().find(|(k, _)| *k == EXT_SCT) else {
            return 0;
        };
        let mut r = Reader(data);
        let Ok(len) = r.u16() else { return 0 };
        let Ok(list) = r.take(usize::from(len)) else {
            return 0;
        };
        let mut list = Reader(list);
        let mut count = 0;
        while let Ok(len) = list.u16() {
            if list.take(usize::from(len)).is_err() {
                break;
            }
            count += 1;
        }
        count
    }
}

/// One message of the server's first flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMessage {
    /// ServerHello.
    Hello(ServerHello),
    /// Certificate: DER certificates in served order.
    Certificate(Vec<Vec<u8>>),
    /// CertificateStatus: a DER OCSPResponse.
    CertificateStatus(Vec<u8>),
    /// ServerHelloDone.
    HelloDone,
    /// Any other handshake message (ServerKeyExchange, CertificateRequest).
    Other(u8),
}

impl ServerMessage {
    /// The message's name, for errors.
    pub fn name(&self) -> String {
        match self {
            Self::Hello(_) => "ServerHello".to_string(),
            Self::Certificate(_) => "Certificate".to_string(),
            Self::CertificateStatus(_) => "CertificateStatus".to_string(),
            Self::HelloDone => "ServerHelloDone".to_string(),
            Self::Other(kind) => format!("handshake message type {kind}"),
        }
    }
}

/// Reassembles handshake messages from record bodies.
#[derive(Debug, Default)]
pub struct FlightParser {
    pending: Vec<u8>,
    total: usize,
    limits: FlightLimits,
}

impl FlightParser {
    /// A parser with the given limits.
    pub fn new(limits: FlightLimits) -> Self {
        Self {
            pending: Vec::new(),
            total: 0,
            limits,
        }
    }

    /// Feeds one handshake record body, returning the messages it completes.
    pub fn push(&mut self, body: &[u8]) -> Result<Vec<ServerMessage>, FlightError> {
        self.total += body.len();
        if self.total > self.limits.max_flight_bytes {
            return Err(FlightError::TooLarge(format!(
                "handshake flight over {} bytes",
                self.limits.max_flight_bytes
            )));
        }
        self.pending.extend_from_slice(body);
        let mut messages = Vec::new();
        while let [kind, a, b, c, ..] = self.pending[..] {
            let len = usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c);
            if len > self.limits.max_flight_bytes {
                return Err(FlightError::TooLarge(format!(
                    "handshake message of {len} bytes"
                )));
            }
            if self.pending.len() < 4 + len {
                break;
            }
            let body: Vec<u8> = self.pending.drain(..4 + len).skip(4).collect();
            messages.push(self.message(kind, &body)?);
        }
        Ok(messages)
    }

    fn message(&self, kind: u8, body: &[u8]) -> Result<ServerMessage, FlightError> {
        Ok(match kind {
            HS_SERVER_HELLO => ServerMessage::Hello(ServerHello::parse(body)?),
            HS_CERTIFICATE => ServerMessage::Certificate(self.certificates(body)?),
            HS_CERTIFICATE_STATUS => {
                let mut r = Reader(body);
                let status_type = r.u8()?;
                if status_type != 1 {
                    return Ok(ServerMessage::Other(kind));
                }
                let len = r.u24()?;
                ServerMessage::CertificateStatus(r.take(len)?.to_vec())
            }
            HS_SERVER_HELLO_DONE => ServerMessage::HelloDone,
            other => ServerMessage::Other(other),
        })
    }

    fn certificates(&self, body: &[u8]) -> Result<Vec<Vec<u8>>, FlightError> {
        let mut r = Reader(body);
        let total = r.u24()?;
        let mut list = Reader(r.take(total)?);
        let mut certificates = Vec::new();
        while !list.0.is_empty() {
            let len = list.u24()?;
            if len > self.limits.max_certificate_bytes {
                return Err(FlightError::TooLarge(format!(
                    "certificate of {len} bytes (limit {})",
                    self.limits.max_certificate_bytes
                )));
            }
            if certificates.len() == self.limits.max_chain_length {
                return Err(FlightError::TooLarge(format!(
                    "chain longer than {} certificates",
                    self.limits.max_chain_length
                )));
            }
            certificates.push(list.take(len)?.to_vec());
        }
        Ok(certificates)
    }
}

/// Whether a record carries handshake or alert content.
pub fn is_handshake(header: &RecordHeader) -> bool {
    header.content_type == CONTENT_HANDSHAKE
}

/// Whether a record is an alert.
pub fn is_alert(header: &RecordHeader) -> bool {
    header.content_type == CONTENT_ALERT
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FlightError> {
        if self.0.len() < n {
            return Err(FlightError::Malformed(format!(
                "message truncated: wanted {n} bytes, {} left",
                self.0.len()
            )));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, FlightError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, FlightError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u24(&mut self) -> Result<usize, FlightError> {
        let b = self.take(3)?;
        Ok(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_has_consistent_lengths() {
        let record = client_hello(LegacyVersion::Tls12, &[0xc02f, 0x002f], Some("example.com"));
        assert_eq!(record[0], CONTENT_HANDSHAKE);
        let len = usize::from(u16::from_be_bytes([record[3], record[4]]));
        assert_eq!(record.len(), 5 + len);
        assert_eq!(record[5], HS_CLIENT_HELLO);
        assert_eq!(&record[9..11], &[3, 3]);
        let ssl3 = client_hello(LegacyVersion::Ssl3, &[0x000a], None);
        assert_eq!(&ssl3[1..3], &[3, 0]);
    }

    #[test]
    fn flight_split_across_records() {
        let mut hello = vec![3, 3];
        hello.extend([0; 32]);
        hello.push(0);
        hello.extend([0xc0, 0x2f, 0]);
        hello.extend([0, 8, 0, 18, 0, 4, 0, 2, 0, 0]);
        let mut flight = vec![HS_SERVER_HELLO, 0, 0, hello.len() as u8];
        flight.extend(&hello);
        let cert = vec![0x30, 0x00];
        flight.extend([HS_CERTIFICATE, 0, 0, 8, 0, 0, 5, 0, 0, 2]);
        flight.extend(&cert);
        flight.extend([HS_SERVER_HELLO_DONE, 0, 0, 0]);
        let mut parser = FlightParser::new(FlightLimits::default());
        let mut messages = parser.push(&flight[..10]).unwrap();
        assert!(messages.is_empty());
        messages.extend(parser.push(&flight[10..]).unwrap());
        assert_eq!(messages.len(), 3);
        let ServerMessage::Hello(h) = &messages[0] else {
            panic!("{messages:?}")
        };
        assert_eq!(h.cipher_suite, 0xc02f);
        assert_eq!(h.sct_count(), 1);
        assert_eq!(messages[1], ServerMessage::Certificate(vec![cert]));
        assert_eq!(messages[2], ServerMessage::HelloDone);
    }

    #[test]
    fn garbage_and_limits() {
        assert!(matches!(
            record_header(*b"HTTP/"),
            Err(FlightError::NotTls(m)) if m.contains("HTTP")
        ));
        assert!(record_header([22, 3, 3, 0xff, 0xff]).is_err());
        let limits = FlightLimits {
            max_chain_length: 1,
            ..FlightLimits::default()
        };
        let mut parser = FlightParser::new(limits);
        let msg = [HS_CERTIFICATE, 0, 0, 11, 0, 0, 8, 0, 0, 1, 0, 0, 0, 1, 0];
        assert!(matches!(parser.push(&msg), Err(FlightError::TooLarge(_))));
        let mut parser = FlightParser::new(FlightLimits::default());
        assert!(parser.push(&[HS_SERVER_HELLO, 0, 0, 1, 3]).is_err());
    }
}
