//! A minimal, sans-I/O ClientHello builder (SSLv3 to TLS 1.3) and a parser for
//! the server's first flight (ServerHello or HelloRetryRequest, Certificate,
//! CertificateStatus, ServerKeyExchange, CertificateRequest, ServerHelloDone,
//! alerts).
//!
//! This is what lets pkimm see protocol versions and cipher suites rustls will
//! not speak (SSLv3, TLS 1.0, TLS 1.1, RC4, 3DES, export, NULL). Up to TLS 1.2
//! the Certificate message travels in clear after the ServerHello, so the
//! served chain of a legacy-only server is captured as well. A TLS 1.3 hello
//! carries no key share, so a server that accepts it answers with a
//! HelloRetryRequest naming the suite and the group it wants: suites and
//! groups, post-quantum ones included, are enumerated without any key
//! exchange arithmetic. The probe never completes a handshake.

use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// Record content types.
const CONTENT_ALERT: u8 = 21;
const CONTENT_HANDSHAKE: u8 = 22;

/// Handshake message types.
const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
const HS_CERTIFICATE: u8 = 11;
const HS_SERVER_KEY_EXCHANGE: u8 = 12;
const HS_CERTIFICATE_REQUEST: u8 = 13;
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
const EXT_SUPPORTED_VERSIONS: u16 = 43;
const EXT_PSK_KEY_EXCHANGE_MODES: u16 = 45;
const EXT_KEY_SHARE: u16 = 51;
const EXT_RENEGOTIATION_INFO: u16 = 0xff01;

/// The ServerHello random that marks a HelloRetryRequest (RFC 8446 §4.1.3).
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// TLS_FALLBACK_SCSV (RFC 7507).
pub const FALLBACK_SCSV: u16 = 0x5600;

/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV, sent with SSLv3 hellos instead of the
/// extension.
const RENEGOTIATION_SCSV: u16 = 0x00ff;

/// Named groups offered by default up to TLS 1.2: X25519, P-256, P-384,
/// P-521, X448, then the FFDHE groups and older curves.
pub const LEGACY_GROUPS: &[u16] = &[
    0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x001a, 0x001b,
    0x001c, 0x0016, 0x0015, 0x0013, 0x0012,
];

/// Signature schemes offered, including SHA-1 and legacy ones so that servers
/// with old certificates answer.
const SIGNATURE_SCHEMES: &[u16] = &[
    0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809,
    0x080a, 0x080b, 0x0201, 0x0203, 0x0202, 0x0301, 0x0303, 0x0302, 0x0402, 0x0502, 0x0602,
];

/// A protocol version the probe can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// SSL 3.0.
    Ssl3,
    /// TLS 1.0.
    Tls10,
    /// TLS 1.1.
    Tls11,
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3 (offered through supported_versions).
    Tls13,
}

impl ProtocolVersion {
    /// The versions before TLS 1.3, newest first.
    pub const LEGACY: [Self; 4] = [Self::Tls12, Self::Tls11, Self::Tls10, Self::Ssl3];

    /// The wire value.
    pub fn wire(self) -> u16 {
        match self {
            Self::Ssl3 => 0x0300,
            Self::Tls10 => 0x0301,
            Self::Tls11 => 0x0302,
            Self::Tls12 => 0x0303,
            Self::Tls13 => 0x0304,
        }
    }

    /// The version for a wire value.
    pub fn from_wire(value: u16) -> Option<Self> {
        Self::LEGACY
            .into_iter()
            .chain([Self::Tls13])
            .find(|v| v.wire() == value)
    }

    /// The next older version, when any.
    pub fn older(self) -> Option<Self> {
        match self {
            Self::Tls13 => Some(Self::Tls12),
            Self::Tls12 => Some(Self::Tls11),
            Self::Tls11 => Some(Self::Tls10),
            Self::Tls10 => Some(Self::Ssl3),
            Self::Ssl3 => None,
        }
    }

    /// The name used in evidence (`TLSv1.2`, `SSLv3`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ssl3 => "SSLv3",
            Self::Tls10 => "TLSv1.0",
            Self::Tls11 => "TLSv1.1",
            Self::Tls12 => "TLSv1.2",
            Self::Tls13 => "TLSv1.3",
        }
    }
}

/// What one ClientHello offers.
#[derive(Debug, Clone, Copy)]
pub struct Offer<'a> {
    /// The protocol version offered (the only one, for TLS 1.3).
    pub version: ProtocolVersion,
    /// Cipher suites, in the client's order of preference.
    pub suites: &'a [u16],
    /// Named groups for supported_groups; TLS 1.3 hellos carry no key share
    /// for any of them.
    pub groups: &'a [u16],
    /// Sent as SNI (never for SSLv3, which has no extensions).
    pub server_name: Option<&'a str>,
    /// Append TLS_FALLBACK_SCSV, as a client retrying with a lower version.
    pub fallback_scsv: bool,
}

impl<'a> Offer<'a> {
    /// An offer of `version` and `suites` with the default groups.
    pub fn new(version: ProtocolVersion, suites: &'a [u16], server_name: Option<&'a str>) -> Self {
        Self {
            version,
            suites,
            groups: LEGACY_GROUPS,
            server_name,
            fallback_scsv: false,
        }
    }
}

/// Builds one ClientHello record offering `version` and `suites`.
///
/// `server_name` is sent as SNI (never for SSLv3, which has no extensions).
pub fn client_hello(
    version: ProtocolVersion,
    suites: &[u16],
    server_name: Option<&str>,
) -> Vec<u8> {
    build_client_hello(&Offer::new(version, suites, server_name))
}

/// Builds one ClientHello record for `offer`.
pub fn build_client_hello(offer: &Offer<'_>) -> Vec<u8> {
    let version = offer.version;
    let mut body = Vec::with_capacity(512);
    let legacy_version = version.min(ProtocolVersion::Tls12);
    body.extend_from_slice(&legacy_version.wire().to_be_bytes());
    body.extend_from_slice(&client_random());
    if version == ProtocolVersion::Tls13 {
        // A 32-byte legacy session id, as RFC 8446 middlebox compatibility
        // mode sends it; some servers expect one.
        body.push(32);
        body.extend_from_slice(&client_random());
    } else {
        body.push(0);
    }
    let mut suite_bytes: Vec<u8> = offer.suites.iter().flat_map(|s| s.to_be_bytes()).collect();
    if version == ProtocolVersion::Ssl3 {
        suite_bytes.extend_from_slice(&RENEGOTIATION_SCSV.to_be_bytes());
    }
    if offer.fallback_scsv {
        suite_bytes.extend_from_slice(&FALLBACK_SCSV.to_be_bytes());
    }
    push_u16_prefixed(&mut body, &suite_bytes);
    body.extend_from_slice(&[1, 0]); // compression: null only
    if version != ProtocolVersion::Ssl3 {
        push_u16_prefixed(&mut body, &extensions(offer));
    }
    let mut handshake = Vec::with_capacity(body.len() + 4);
    handshake.push(HS_CLIENT_HELLO);
    push_u24(&mut handshake, body.len());
    handshake.extend_from_slice(&body);
    let record_version = if version == ProtocolVersion::Ssl3 {
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

fn extensions(offer: &Offer<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    if let Some(name) = offer.server_name {
        let mut list = vec![0u8]; // host_name
        push_u16_prefixed(&mut list, name.as_bytes());
        let mut data = Vec::new();
        push_u16_prefixed(&mut data, &list);
        push_extension(&mut out, EXT_SERVER_NAME, &data);
    }
    let groups: Vec<u8> = offer.groups.iter().flat_map(|g| g.to_be_bytes()).collect();
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
    if offer.version == ProtocolVersion::Tls13 {
        // supported_versions: TLS 1.3 only; key_share: no shares, so the
        // server names the group it wants in a HelloRetryRequest.
        push_extension(&mut out, EXT_SUPPORTED_VERSIONS, &[2, 0x03, 0x04]);
        push_extension(&mut out, EXT_PSK_KEY_EXCHANGE_MODES, &[1, 1]);
        push_extension(&mut out, EXT_KEY_SHARE, &[0, 0]);
    } else {
        push_extension(&mut out, EXT_RENEGOTIATION_INFO, &[0]);
    }
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

/// The parts of a ServerHello (or HelloRetryRequest) the probe uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// The version the server chose: from supported_versions when present
    /// (TLS 1.3), else the legacy version field.
    pub version: u16,
    /// The cipher suite it chose.
    pub cipher_suite: u16,
    /// Whether this is a HelloRetryRequest.
    pub retry: bool,
    /// The group in the key_share extension (TLS 1.3): the one the server
    /// asks for in a HelloRetryRequest.
    pub group: Option<u16>,
    /// Extensions, as (type, data).
    pub extensions: Vec<(u16, Vec<u8>)>,
}

impl ServerHello {
    fn parse(body: &[u8]) -> Result<Self, FlightError> {
        let mut r = Reader(body);
        let legacy_version = r.u16()?;
        let retry = r.take(32)? == HELLO_RETRY_RANDOM;
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
        let find = |kind: u16| extensions.iter().find(|(k, _)| *k == kind).map(|(_, d)| d);
        let version = match find(EXT_SUPPORTED_VERSIONS) {
            Some(data) => Reader(data).u16()?,
            None => legacy_version,
        };
        let group = match find(EXT_KEY_SHARE) {
            Some(data) => Some(Reader(data).u16()?),
            None => None,
        };
        Ok(Self {
            version,
            cipher_suite,
            retry,
            group,
            extensions,
        })
    }

    /// Whether the server sent this extension.
    pub fn has_extension(&self, kind: u16) -> bool {
        self.extensions.iter().any(|(k, _)| *k == kind)
    }

    /// RFC 5746: the server sent renegotiation_info.
    pub fn secure_renegotiation(&self) -> bool {
        self.has_extension(EXT_RENEGOTIATION_INFO)
    }

    /// RFC 7627: the server sent extended_master_secret.
    pub fn extended_master_secret(&self) -> bool {
        self.has_extension(EXT_EXTENDED_MASTER_SECRET)
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
    /// ServerKeyExchange, unparsed: its layout depends on the suite.
    KeyExchange(Vec<u8>),
    /// CertificateRequest, unparsed: its layout depends on the version.
    CertificateRequest(Vec<u8>),
    /// ServerHelloDone.
    HelloDone,
    /// Any other handshake message.
    Other(u8),
}

impl ServerMessage {
    /// The message's name, for errors.
    pub fn name(&self) -> String {
        match self {
            Self::Hello(_) => "ServerHello".to_string(),
            Self::Certificate(_) => "Certificate".to_string(),
            Self::CertificateStatus(_) => "CertificateStatus".to_string(),
            Self::KeyExchange(_) => "ServerKeyExchange".to_string(),
            Self::CertificateRequest(_) => "CertificateRequest".to_string(),
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
            HS_SERVER_KEY_EXCHANGE => ServerMessage::KeyExchange(body.to_vec()),
            HS_CERTIFICATE_REQUEST => ServerMessage::CertificateRequest(body.to_vec()),
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

/// What a ServerKeyExchange says about the key exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchangeParams {
    /// Finite-field DH: the size of the prime `p`, in bits.
    Dh {
        /// Bits of the prime.
        prime_bits: u32,
    },
    /// ECDH over a named curve.
    Ec {
        /// The curve's code point.
        group: u16,
    },
}

/// Parses a ServerKeyExchange for a DHE (`dh == true`) or ECDHE suite. The
/// signature that follows the parameters is not read.
pub fn parse_key_exchange(body: &[u8], dh: bool) -> Result<KeyExchangeParams, FlightError> {
    let mut r = Reader(body);
    if dh {
        let len = usize::from(r.u16()?);
        let prime = r.take(len)?;
        let significant = prime.iter().skip_while(|b| **b == 0).count();
        let leading = prime
            .iter()
            .find(|b| **b != 0)
            .map_or(0, |b| b.leading_zeros());
        let bits = u32::try_from(significant * 8).unwrap_or(u32::MAX) - leading;
        return Ok(KeyExchangeParams::Dh { prime_bits: bits });
    }
    let curve_type = r.u8()?;
    if curve_type != 3 {
        return Err(FlightError::Malformed(format!(
            "ServerKeyExchange with curve type {curve_type}, not named_curve"
        )));
    }
    Ok(KeyExchangeParams::Ec { group: r.u16()? })
}

/// A TLS 1.2-and-older CertificateRequest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateRequest {
    /// The acceptable CA names, DER-encoded X.501 Names, in order.
    pub ca_names: Vec<Vec<u8>>,
}

/// Parses a CertificateRequest of `version` (signature algorithms appear
/// only in TLS 1.2).
pub fn parse_certificate_request(
    body: &[u8],
    version: ProtocolVersion,
) -> Result<CertificateRequest, FlightError> {
    let mut r = Reader(body);
    let types = usize::from(r.u8()?);
    r.take(types)?;
    if version == ProtocolVersion::Tls12 {
        let len = usize::from(r.u16()?);
        r.take(len)?;
    }
    let len = usize::from(r.u16()?);
    let mut list = Reader(r.take(len)?);
    let mut ca_names = Vec::new();
    while !list.0.is_empty() {
        let len = usize::from(list.u16()?);
        ca_names.push(list.take(len)?.to_vec());
    }
    Ok(CertificateRequest { ca_names })
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
        let record = client_hello(
            ProtocolVersion::Tls12,
            &[0xc02f, 0x002f],
            Some("example.com"),
        );
        assert_eq!(record[0], CONTENT_HANDSHAKE);
        let len = usize::from(u16::from_be_bytes([record[3], record[4]]));
        assert_eq!(record.len(), 5 + len);
        assert_eq!(record[5], HS_CLIENT_HELLO);
        assert_eq!(&record[9..11], &[3, 3]);
        let ssl3 = client_hello(ProtocolVersion::Ssl3, &[0x000a], None);
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
    fn tls13_hello_offers_groups_without_key_shares() {
        let groups = [0x11ec, 0x001d];
        let offer = Offer {
            groups: &groups,
            ..Offer::new(ProtocolVersion::Tls13, &[0x1301], Some("a.test"))
        };
        let record = build_client_hello(&offer);
        // legacy_version stays TLS 1.2; the session id is 32 bytes.
        assert_eq!(&record[9..11], &[3, 3]);
        assert_eq!(record[43], 32);
        let find = |needle: &[u8]| record.windows(needle.len()).any(|w| w == needle);
        // supported_versions [TLS 1.3], key_share with an empty list.
        assert!(find(&[0, 43, 0, 3, 2, 3, 4]));
        assert!(find(&[0, 51, 0, 2, 0, 0]));
        assert!(find(&[0, 10, 0, 6, 0, 4, 0x11, 0xec, 0, 0x1d]));
        let fallback = Offer {
            fallback_scsv: true,
            ..Offer::new(ProtocolVersion::Tls11, &[0x002f], None)
        };
        assert!(build_client_hello(&fallback)
            .windows(4)
            .any(|w| w == [0, 0x2f, 0x56, 0]));
    }

    #[test]
    fn hello_retry_request_names_version_suite_and_group() {
        let mut hello = vec![3, 3];
        hello.extend(HELLO_RETRY_RANDOM);
        hello.push(0);
        hello.extend([0x13, 0x02, 0]);
        hello.extend([0, 12, 0, 43, 0, 2, 3, 4, 0, 51, 0, 2, 0x11, 0xec]);
        let mut message = vec![HS_SERVER_HELLO, 0, 0, hello.len() as u8];
        message.extend(&hello);
        let messages = FlightParser::new(FlightLimits::default())
            .push(&message)
            .unwrap();
        let ServerMessage::Hello(h) = &messages[0] else {
            panic!("{messages:?}")
        };
        assert!(h.retry);
        assert_eq!(h.version, 0x0304);
        assert_eq!(h.cipher_suite, 0x1302);
        assert_eq!(h.group, Some(0x11ec));
        assert!(!h.secure_renegotiation());
    }

    #[test]
    fn key_exchange_and_certificate_request_are_read() {
        // DHE: p of 128 bytes with the top bit set is 1024 bits.
        let mut dh = vec![0, 128, 0x80];
        dh.extend([0xff; 127]);
        dh.extend([0, 1, 2, 0, 1, 7]);
        assert_eq!(
            parse_key_exchange(&dh, true).unwrap(),
            KeyExchangeParams::Dh { prime_bits: 1024 }
        );
        // A leading zero octet does not count.
        let dh = [0, 3, 0, 0x01, 0xff];
        assert_eq!(
            parse_key_exchange(&dh, true).unwrap(),
            KeyExchangeParams::Dh { prime_bits: 9 }
        );
        assert_eq!(
            parse_key_exchange(&[3, 0, 0x18, 1, 4], false).unwrap(),
            KeyExchangeParams::Ec { group: 0x18 }
        );
        assert!(parse_key_exchange(&[1, 0, 0x18], false).is_err());
        assert!(parse_key_exchange(&[0, 200, 1], true).is_err());
        // TLS 1.2: types, signature algorithms, then CA names.
        let body = [1, 1, 0, 2, 4, 1, 0, 6, 0, 4, 0x30, 2, 0x31, 0];
        let request = parse_certificate_request(&body, ProtocolVersion::Tls12).unwrap();
        assert_eq!(request.ca_names, [vec![0x30, 2, 0x31, 0]]);
        let body = [1, 1, 0, 0];
        let request = parse_certificate_request(&body, ProtocolVersion::Tls10).unwrap();
        assert!(request.ca_names.is_empty());
        assert!(parse_certificate_request(&[5, 1], ProtocolVersion::Tls12).is_err());
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
