//! Enrolment targets: a URL and its protocol, given (`scep:http://…`) or
//! inferred from the path.

use pkimm_model::evidence::EnrolmentProtocol;

/// One endpoint to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentTarget {
    /// The protocol.
    pub protocol: EnrolmentProtocol,
    /// The URL, without the protocol prefix.
    pub url: reqwest::Url,
}

/// A target that cannot be probed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("enrolment target {target:?}: {message}")]
pub struct EnrolmentTargetError {
    /// The target as given.
    pub target: String,
    /// What is wrong.
    pub message: String,
}

impl EnrolmentTarget {
    /// Reads `PROTOCOL:URL` or a bare URL whose protocol the path shows:
    /// `/.well-known/est` is EST, `/.well-known/cmp` or a `/pkix` or `/cmp`
    /// segment is CMP, `pkiclient.exe` or a `/scep` segment is SCEP, and a
    /// `/directory` or `/dir` path is an ACME directory.
    pub fn parse(text: &str) -> Result<Self, EnrolmentTargetError> {
        let error = |message: String| EnrolmentTargetError {
            target: text.to_string(),
            message,
        };
        let trimmed = text.trim();
        let (given, rest) = match trimmed.split_once(':') {
            Some((prefix, rest)) if !rest.starts_with("//") => {
                let protocol = EnrolmentProtocol::ALL
                    .into_iter()
                    .find(|p| p.name().eq_ignore_ascii_case(prefix))
                    .ok_or_else(|| {
                        error(format!(
                            "unknown protocol {prefix:?}: write acme:, scep:, cmp: or est: before the URL"
                        ))
                    })?;
                (Some(protocol), rest)
            }
            _ => (None, trimmed),
        };
        let url = reqwest::Url::parse(rest).map_err(|e| error(format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(error(format!(
                "scheme {:?}: enrolment endpoints are reached over http or https",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(error("the URL has no host".to_string()));
        }
        let Some(protocol) = given.or_else(|| infer(&url)) else {
            return Err(error(
                "cannot tell the protocol from the path: write acme:URL, scep:URL, cmp:URL or est:URL"
                    .to_string(),
            ));
        };
        Ok(Self { protocol, url })
    }

    /// `host:port` of the URL, for the TLS scan of `https` endpoints.
    pub fn host_port(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        let port = self.url.port_or_known_default().unwrap_or(443);
        format!("{host}:{port}")
    }
}

/// The protocol a URL's path shows, when it shows one.
fn infer(url: &reqwest::Url) -> Option<EnrolmentProtocol> {
    let path = url.path().to_ascii_lowercase();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if path.contains("/.well-known/est") {
        Some(EnrolmentProtocol::Est)
    } else if path.contains("/.well-known/cmp")
        || segments.iter().any(|s| matches!(*s, "pkix" | "cmp"))
    {
        Some(EnrolmentProtocol::Cmp)
    } else if segments
        .iter()
        .any(|s| matches!(*s, "scep" | "pkiclient.exe" | "mscep" | "mscep.dll"))
    {
        Some(EnrolmentProtocol::Scep)
    } else if segments
        .last()
        .is_some_and(|s| matches!(*s, "directory" | "dir"))
    {
        Some(EnrolmentProtocol::Acme)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protocol(text: &str) -> EnrolmentProtocol {
        EnrolmentTarget::parse(text).unwrap().protocol
    }

    #[test]
    fn protocols_from_paths() {
        use EnrolmentProtocol::*;
        assert_eq!(protocol("https://acme.example/directory"), Acme);
        assert_eq!(protocol("https://127.0.0.1:14000/dir"), Acme);
        assert_eq!(protocol("http://ca.example/cgi-bin/pkiclient.exe"), Scep);
        assert_eq!(protocol("http://ca.example/scep"), Scep);
        assert_eq!(protocol("http://ca.example/certsrv/mscep/mscep.dll"), Scep);
        assert_eq!(protocol("http://ca.example/pkix/"), Cmp);
        assert_eq!(protocol("https://ca.example/.well-known/cmp"), Cmp);
        assert_eq!(protocol("https://ca.example/.well-known/est"), Est);
        assert_eq!(
            protocol("https://ca.example/.well-known/est/arbitrary"),
            Est
        );
    }

    #[test]
    fn given_protocols_win() {
        assert_eq!(
            protocol("scep:http://ca.example/enrol"),
            EnrolmentProtocol::Scep
        );
        assert_eq!(
            protocol("ACME:https://ca.example/v2/dir"),
            EnrolmentProtocol::Acme
        );
        let target = EnrolmentTarget::parse("cmp:http://[::1]:8080/x").unwrap();
        assert_eq!(target.host_port(), "[::1]:8080");
    }

    #[test]
    fn bad_targets_say_why() {
        for (text, wanted) in [
            ("https://ca.example/enrol", "cannot tell the protocol"),
            ("gopher:http://ca.example/scep", "unknown protocol"),
            ("ldap://ca.example/scep", "http or https"),
            ("scep:not a url", "not a URL"),
        ] {
            let err = EnrolmentTarget::parse(text).unwrap_err().to_string();
            assert!(err.contains(wanted), "{text}: {err}");
            assert!(err.contains(text), "{text}: {err}");
        }
    }
}
