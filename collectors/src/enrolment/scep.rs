//! SCEP (RFC 8894 §3.5): `GetCACaps` and `GetCACert`. No PKIOperation is
//! sent.

use pkimm_model::evidence::{FailureKind, ScepCapabilities};

use super::{CaBlob, Probe, Probed};
use crate::http::{FetchError, Method};

/// `url` with `operation=…` (and any further pairs) added to its query.
fn operation(url: &reqwest::Url, pairs: &[(&str, &str)]) -> reqwest::Url {
    let mut url = url.clone();
    url.query_pairs_mut().extend_pairs(pairs);
    url
}

/// Reads the capabilities and the CA (and RA) certificates.
pub(super) async fn probe(probe: &Probe<'_>, url: &reqwest::Url) -> Result<Probed, FetchError> {
    let caps_url = operation(url, &[("operation", "GetCACaps")]);
    let answer = probe
        .fetcher
        .request(caps_url.as_str(), Method::Get, 64 * 1024)
        .await?;
    if !answer.is_success() {
        return Err(FetchError::new(
            FailureKind::Protocol,
            format!(
                "{caps_url}: HTTP status {} for GetCACaps",
                answer.info.status
            ),
        ));
    }
    let capabilities = parse_capabilities(&answer.body).map_err(|why| {
        FetchError::new(
            FailureKind::Protocol,
            format!("{caps_url}: not a SCEP capabilities list: {why}"),
        )
    })?;
    let mut probed = Probed::default();
    let mut scep = ScepCapabilities {
        capabilities,
        ca_cert_type: None,
    };
    let cert_url = operation(url, &[("operation", "GetCACert"), ("message", "CA")]);
    match probe
        .fetcher
        .fetch(cert_url.as_str(), None, probe.options.max_response)
        .await
    {
        Ok(fetched) => {
            let content_type = fetched
                .info
                .content_type
                .as_deref()
                .map(|t| t.split(';').next().unwrap_or(t).trim().to_ascii_lowercase());
            match content_type.as_deref() {
                Some("application/x-x509-ca-cert" | "application/x-x509-ca-ra-cert") => {
                    probed.blobs.push(CaBlob {
                        bytes: fetched.body,
                        source: cert_url.to_string(),
                        method: "scep-getcacert",
                    });
                }
                other => probed.problems.push((
                    cert_url.to_string(),
                    FetchError::new(
                        FailureKind::Protocol,
                        format!(
                            "{cert_url}: GetCACert answered {}, not application/x-x509-ca-cert or application/x-x509-ca-ra-cert",
                            other.unwrap_or("no content type")
                        ),
                    ),
                )),
            }
            scep.ca_cert_type = content_type;
        }
        Err(error) => probed.problems.push((cert_url.to_string(), error)),
    }
    probed.scep = Some(scep);
    Ok(probed)
}

/// Reads a `GetCACaps` answer: one keyword per line (RFC 8894 §3.5.2).
fn parse_capabilities(body: &[u8]) -> Result<Vec<String>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the answer is not text".to_string())?;
    let mut capabilities = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let keyword = line.trim();
        if keyword.is_empty() {
            continue;
        }
        if keyword.len() > 64
            || !keyword
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            let shown: String = keyword.chars().take(40).collect();
            return Err(format!("line {} is {shown:?}, not a keyword", number + 1));
        }
        capabilities.push(keyword.to_string());
    }
    Ok(capabilities)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_one_per_line() {
        let caps = parse_capabilities(b"Renewal\r\nSHA-256\nAES\n\nSCEPStandard\n").unwrap();
        assert_eq!(caps, ["Renewal", "SHA-256", "AES", "SCEPStandard"]);
        let scep = ScepCapabilities {
            capabilities: caps,
            ca_cert_type: None,
        };
        assert!(scep.has("sha-256"));
        assert!(!scep.has("DES3"));
        assert!(parse_capabilities(b"").unwrap().is_empty());
    }

    #[test]
    fn html_is_not_a_capability_list() {
        let err = parse_capabilities(b"<html><body>Not found</body></html>").unwrap_err();
        assert!(err.contains("line 1"), "{err}");
        assert!(parse_capabilities(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn operations_keep_the_query() {
        let url = reqwest::Url::parse("http://ca.example/scep?profile=a").unwrap();
        assert_eq!(
            operation(&url, &[("operation", "GetCACaps")]).as_str(),
            "http://ca.example/scep?profile=a&operation=GetCACaps"
        );
    }
}
