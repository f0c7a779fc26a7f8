//! TLS scan targets: parsing of `host:port`, URLs, IP addresses, CIDR ranges
//! and target files, with per-target SNI names and STARTTLS protocols.
//!
//! One target line is a target followed by optional `key=value` options,
//! separated by white space:
//!
//! ```text
//! mail.example.com:25
//! https://www.example.com/login
//! [2001:db8::1]:8443 sni=a.example.com,b.example.com
//! 10.0.0.0/28 ports=443,8443
//! 10.0.0.7:2525 starttls=smtp
//! ```

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;

use ipnet::IpNet;

/// Largest number of addresses one CIDR range may expand to.
pub const MAX_RANGE_ADDRESSES: usize = 65_536;

/// Largest target file read (16 MiB).
pub const MAX_TARGET_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// An application protocol that upgrades to TLS in band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Starttls {
    /// SMTP `STARTTLS` (RFC 3207).
    Smtp,
    /// IMAP `STARTTLS` (RFC 3501).
    Imap,
    /// POP3 `STLS` (RFC 2595).
    Pop3,
    /// FTP `AUTH TLS` (RFC 4217).
    Ftp,
    /// LDAP StartTLS extended operation (RFC 4511 §4.14).
    Ldap,
    /// PostgreSQL `SSLRequest`.
    Postgres,
    /// XMPP `<starttls/>` (RFC 6120 §5).
    Xmpp,
}

impl Starttls {
    /// Every protocol, for help texts.
    pub const ALL: [Self; 7] = [
        Self::Smtp,
        Self::Imap,
        Self::Pop3,
        Self::Ftp,
        Self::Ldap,
        Self::Postgres,
        Self::Xmpp,
    ];

    /// The protocol's short name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Smtp => "smtp",
            Self::Imap => "imap",
            Self::Pop3 => "pop3",
            Self::Ftp => "ftp",
            Self::Ldap => "ldap",
            Self::Postgres => "postgres",
            Self::Xmpp => "xmpp",
        }
    }

    /// The protocol that conventionally runs STARTTLS on a well-known port.
    pub fn for_port(port: u16) -> Option<Self> {
        Some(match port {
            25 | 587 => Self::Smtp,
            143 => Self::Imap,
            110 => Self::Pop3,
            21 => Self::Ftp,
            389 => Self::Ldap,
            5432 => Self::Postgres,
            5222 | 5269 => Self::Xmpp,
            _ => return None,
        })
    }
}

/// A STARTTLS protocol name pkimm does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown STARTTLS protocol {0:?}; expected one of smtp, imap, pop3, ftp, ldap, postgres, xmpp"
)]
pub struct UnknownStarttls(pub String);

impl FromStr for Starttls {
    type Err = UnknownStarttls;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|p| p.name() == lower || (lower == "postgresql" && *p == Self::Postgres))
            .ok_or_else(|| UnknownStarttls(text.to_string()))
    }
}

impl fmt::Display for Starttls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a target names its server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A DNS name, resolved at scan time.
    Name(String),
    /// An IP address.
    Ip(IpAddr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => f.write_str(name),
            Self::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Self::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
        }
    }
}

/// One endpoint to scan.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// The server.
    pub host: Host,
    /// TCP port.
    pub port: u16,
    /// SNI names to present; empty means the host name (none for an IP).
    pub sni: Vec<String>,
    /// In-band upgrade, when any.
    pub starttls: Option<Starttls>,
}

impl Target {
    /// `host:port`, with IPv6 addresses in brackets.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Defaults applied to targets that do not say otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetDefaults {
    /// Port for targets without one.
    pub port: u16,
    /// Ports for CIDR ranges without `ports=`.
    pub range_ports: Vec<u16>,
    /// SNI names for targets without `sni=`.
    pub sni: Vec<String>,
    /// STARTTLS for targets without `starttls=`; `None` infers from the port.
    pub starttls: Option<Starttls>,
    /// Whether to infer STARTTLS from well-known ports.
    pub infer_starttls: bool,
}

impl Default for TargetDefaults {
    fn default() -> Self {
        Self {
            port: 443,
            range_ports: vec![443],
            sni: Vec::new(),
            starttls: None,
            infer_starttls: true,
        }
    }
}

/// A target that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct TargetError {
    /// The file and line, or the command-line argument.
    pub origin: String,
    /// What is wrong.
    pub message: String,
}

/// Parses one target line (see the module documentation). Errors name the
/// target as it was given.
pub fn parse_target(line: &str, defaults: &TargetDefaults) -> Result<Vec<Target>, TargetError> {
    parse_line(line, defaults).map_err(|message| TargetError {
        origin: format!("target {line:?}"),
        message,
    })
}

fn parse_line(line: &str, defaults: &TargetDefaults) -> Result<Vec<Target>, String> {
    let mut words = line.split_whitespace();
    let Some(spec) = words.next() else {
        return Err("empty target".to_string());
    };
    let mut sni = defaults.sni.clone();
    let mut starttls = Explicit::Default;
    let mut ports: Option<Vec<u16>> = None;
    for option in words {
        let (key, value) = option
            .split_once('=')
            .ok_or_else(|| format!("option {option:?} is not key=value"))?;
        match key {
            "sni" => sni = split_list(value),
            "starttls" if value.eq_ignore_ascii_case("none") => starttls = Explicit::Off,
            "starttls" => {
                starttls = Explicit::On(value.parse().map_err(|e: UnknownStarttls| e.to_string())?)
            }
            "ports" => {
                ports = Some(
                    split_list(value)
                        .iter()
                        .map(|p| parse_port(p))
                        .collect::<Result<_, _>>()?,
                );
            }
            other => {
                return Err(format!(
                    "unknown option {other:?}; expected sni=, starttls= or ports="
                ))
            }
        }
    }
    let (hosts, url_protocol) = parse_spec(spec, defaults, ports.as_deref())?;
    Ok(hosts
        .into_iter()
        .map(|(host, port)| {
            let starttls = match starttls {
                Explicit::On(p) => Some(p),
                Explicit::Off => None,
                Explicit::Default => url_protocol.unwrap_or_else(|| {
                    defaults.starttls.or_else(|| {
                        defaults
                            .infer_starttls
                            .then(|| Starttls::for_port(port))
                            .flatten()
                    })
                }),
            };
            Target {
                host,
                port,
                sni: sni.clone(),
                starttls,
            }
        })
        .collect())
}

/// Reads a file of targets: one per line, `#` comments and blank lines
/// ignored. Errors name the file and line.
pub fn read_target_file(
    path: &Path,
    defaults: &TargetDefaults,
) -> Result<Vec<Target>, TargetError> {
    let text = pkimm_model::read::read_text_file(path, MAX_TARGET_FILE_BYTES).map_err(|e| {
        TargetError {
            origin: path.display().to_string(),
            message: e.to_string(),
        }
    })?;
    let mut targets = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        targets.extend(parse_line(line, defaults).map_err(|message| TargetError {
            origin: format!("{}:{}", path.display(), number + 1),
            message,
        })?);
    }
    Ok(targets)
}

enum Explicit {
    Default,
    Off,
    On(Starttls),
}

/// The STARTTLS protocol a URL scheme implies: `Some(None)` for implicit TLS.
fn scheme_defaults(scheme: &str) -> Option<(u16, Option<Starttls>)> {
    Some(match scheme {
        "https" => (443, None),
        "smtp" => (25, Some(Starttls::Smtp)),
        "submission" => (587, Some(Starttls::Smtp)),
        "smtps" => (465, None),
        "imap" => (143, Some(Starttls::Imap)),
        "imaps" => (993, None),
        "pop3" => (110, Some(Starttls::Pop3)),
        "pop3s" => (995, None),
        "ftp" => (21, Some(Starttls::Ftp)),
        "ftps" => (990, None),
        "ldap" => (389, Some(Starttls::Ldap)),
        "ldaps" => (636, None),
        "postgres" | "postgresql" => (5432, Some(Starttls::Postgres)),
        "xmpp" => (5222, Some(Starttls::Xmpp)),
        _ => return None,
    })
}

type Expanded = (Vec<(Host, u16)>, Option<Option<Starttls>>);

fn parse_spec(
    spec: &str,
    defaults: &TargetDefaults,
    ports: Option<&[u16]>,
) -> Result<Expanded, String> {
    if let Some((scheme, rest)) = spec.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        let (default_port, protocol) =
            scheme_defaults(&scheme).ok_or_else(|| format!("unsupported URL scheme {scheme:?}"))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let authority = authority.rsplit('@').next().unwrap_or("");
        let (host, port) = split_host_port(authority, default_port)?;
        return Ok((vec![(host, port)], Some(protocol)));
    }
    if spec.contains('/') {
        let net: IpNet = spec
            .parse()
            .map_err(|_| format!("{spec:?} is not a CIDR range such as 10.0.0.0/24"))?;
        let ports = ports.unwrap_or(&defaults.range_ports);
        let mut out = Vec::new();
        for ip in net.hosts() {
            if out.len() >= MAX_RANGE_ADDRESSES * ports.len().max(1) {
                return Err(format!(
                    "range {spec} has more than {MAX_RANGE_ADDRESSES} addresses; split it"
                ));
            }
            out.extend(ports.iter().map(|&port| (Host::Ip(ip), port)));
        }
        return Ok((out, None));
    }
    let (host, port) = split_host_port(spec, defaults.port)?;
    match ports {
        Some(ports) => Ok((ports.iter().map(|&p| (host.clone(), p)).collect(), None)),
        None => Ok((vec![(host, port)], None)),
    }
}

fn split_host_port(text: &str, default_port: u16) -> Result<(Host, u16), String> {
    if text.is_empty() {
        return Err("missing host".to_string());
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (ip, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("{text:?}: missing ']' after the IPv6 address"))?;
        let ip: IpAddr = ip
            .parse()
            .map_err(|_| format!("{ip:?} is not an IPv6 address"))?;
        let port = match after.strip_prefix(':') {
            Some(port) => parse_port(port)?,
            None if after.is_empty() => default_port,
            None => return Err(format!("{text:?}: unexpected text after ']'")),
        };
        return Ok((Host::Ip(ip), port));
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok((Host::Ip(ip), default_port));
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => (host, parse_port(port)?),
        None => (text, default_port),
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok((Host::Ip(ip), port));
    }
    validate_host_name(host)?;
    Ok((Host::Name(host.to_ascii_lowercase()), port))
}

fn validate_host_name(host: &str) -> Result<(), String> {
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if valid {
        Ok(())
    } else {
        Err(format!("{host:?} is not a host name or IP address"))
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("{text:?} is not a TCP port (1-65535)")),
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Target {
        let mut all = parse_target(line, &TargetDefaults::default()).unwrap();
        assert_eq!(all.len(), 1, "{line}");
        all.remove(0)
    }

    #[test]
    fn host_port_url_and_addresses() {
        let t = one("www.Example.com:8443");
        assert_eq!(t.host, Host::Name("www.example.com".into()));
        assert_eq!(t.port, 8443);
        assert_eq!(one("example.com").port, 443);
        let t = one("https://example.com/path?q=1");
        assert_eq!((t.address(), t.starttls), ("example.com:443".into(), None));
        assert_eq!(one("[::1]:993").address(), "[::1]:993");
        assert_eq!(one("::1").address(), "[::1]:443");
        assert_eq!(one("127.0.0.1:25").starttls, Some(Starttls::Smtp));
        assert_eq!(one("127.0.0.1:25 starttls=none").starttls, None);
        assert_eq!(
            one("imap://mail.example.com").starttls,
            Some(Starttls::Imap)
        );
        assert_eq!(one("ldaps://dc1.example.com").port, 636);
    }

    #[test]
    fn sni_lists_and_ranges() {
        let t = one("10.0.0.5:443 sni=a.example.com,b.example.com");
        assert_eq!(t.sni, vec!["a.example.com", "b.example.com"]);
        let all = parse_target("10.0.0.0/30 ports=443,8443", &TargetDefaults::default()).unwrap();
        assert_eq!(all.len(), 4);
        assert_eq!(all[3].address(), "10.0.0.2:8443");
    }

    #[test]
    fn bad_targets_are_named() {
        let d = TargetDefaults::default();
        assert!(parse_target("host:99999", &d)
            .unwrap_err()
            .to_string()
            .contains("99999"));
        assert!(parse_target("bad!host", &d)
            .unwrap_err()
            .to_string()
            .contains("bad!host"));
        assert!(parse_target("host extra", &d)
            .unwrap_err()
            .to_string()
            .contains("extra"));
        assert!(parse_target("gopher://x", &d)
            .unwrap_err()
            .to_string()
            .contains("gopher"));
        assert!(parse_target("x starttls=foo", &d)
            .unwrap_err()
            .to_string()
            .contains("foo"));
        assert!(parse_target("10.0.0.0/8", &d)
            .unwrap_err()
            .to_string()
            .contains("split"));
    }
}
