//! ACME (RFC 8555): the directory and its `meta`, how `newNonce` answers,
//! and ACME Renewal Information (RFC 9773) for certificates in the evidence.
//! Nothing is signed or posted: no account, order or authorisation is made.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures_util::stream::{self, StreamExt};
use pkimm_model::evidence::{
    AcmeDirectory, Certificate, EvidenceBundle, FailureKind, NonceCheck, RenewalWindow, UtcTime,
};
use serde_json::Value;

use super::{Probe, Probed};
use crate::http::{FetchError, Method};

/// Reads the directory at `url` and checks `newNonce`.
pub(super) async fn probe(probe: &Probe<'_>, url: &reqwest::Url) -> Result<Probed, FetchError> {
    let answer = probe
        .fetcher
        .request(url.as_str(), Method::Get, probe.options.max_response)
        .await?;
    if !answer.is_success() {
        return Err(FetchError::new(
            FailureKind::Protocol,
            format!(
                "{url}: HTTP status {} for the ACME directory",
                answer.info.status
            ),
        ));
    }
    let mut directory = parse_directory(&answer.body).map_err(|message| {
        FetchError::new(
            FailureKind::Protocol,
            format!("{url}: not an ACME directory: {message}"),
        )
    })?;
    let mut probed = Probed::default();
    if let Some(nonce_url) = directory.resources.get("newNonce").cloned() {
        match check_nonce(probe, &nonce_url).await {
            Ok(nonce) => directory.nonce = Some(nonce),
            Err(error) => probed.problems.push((nonce_url, error)),
        }
    }
    probed.acme = Some(directory);
    Ok(probed)
}

/// Reads an ACME directory object (RFC 8555 §7.1.1).
fn parse_directory(body: &[u8]) -> Result<AcmeDirectory, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let Value::Object(object) = value else {
        return Err("the answer is not a JSON object".to_string());
    };
    let mut directory = AcmeDirectory::default();
    // Resource names are identifiers (RFC 8555 §7.1.1); servers also put
    // random entries in the directory to keep clients from hard-coding it.
    for (name, value) in &object {
        if !name.bytes().all(|b| b.is_ascii_alphabetic()) {
            continue;
        }
        if let Value::String(url) = value {
            directory.resources.insert(name.clone(), url.clone());
        }
    }
    if !directory.resources.contains_key("newNonce")
        || !directory.resources.contains_key("newOrder")
    {
        return Err("it names no newNonce and newOrder resources".to_string());
    }
    directory.renewal_info = directory.resources.contains_key("renewalInfo");
    if let Some(Value::Object(meta)) = object.get("meta") {
        let text = |name: &str| meta.get(name).and_then(Value::as_str).map(str::to_string);
        directory.terms_of_service = text("termsOfService");
        directory.website = text("website");
        directory.caa_identities = meta
            .get("caaIdentities")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        directory.external_account_required = meta
            .get("externalAccountRequired")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if let Some(Value::Object(profiles)) = meta.get("profiles") {
            for (name, description) in profiles {
                directory.profiles.insert(
                    name.clone(),
                    description.as_str().unwrap_or_default().to_string(),
                );
            }
        }
    }
    Ok(directory)
}

/// HEAD and GET on `newNonce` (RFC 8555 §7.2: 200 and 204, a
/// `Replay-Nonce`, and `Cache-Control: no-store`).
async fn check_nonce(probe: &Probe<'_>, url: &str) -> Result<NonceCheck, FetchError> {
    let head = probe.fetcher.request(url, Method::Head, 0).await?;
    let nonce = head.header("replay-nonce").map(str::to_string);
    let cache_control = head.header("cache-control").map(str::to_string);
    let get_status = match probe.fetcher.request(url, Method::Get, 4096).await {
        Ok(get) => Some(get.info.status),
        Err(error) => {
            tracing::debug!("{url}: GET newNonce: {}", error.message);
            None
        }
    };
    Ok(NonceCheck {
        head_status: head.info.status,
        get_status,
        replay_nonce: nonce.is_some(),
        nonce_well_formed: nonce.as_deref().is_some_and(|n| {
            !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }),
        no_store: cache_control.as_deref().is_some_and(|c| {
            c.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
        }),
        cache_control,
    })
}

/// The ARI certificate identifier (RFC 9773 §4.1):
/// `base64url(AKI keyIdentifier) "." base64url(serial DER content)`.
pub(super) fn cert_id(certificate: &Certificate) -> Option<String> {
    let aki = hex::decode(certificate.authority_key_id.as_deref()?).ok()?;
    if aki.is_empty() || certificate.serial_negative {
        return None;
    }
    let serial_hex = &certificate.serial;
    let padded = if serial_hex.len() % 2 == 1 {
        format!("0{serial_hex}")
    } else {
        serial_hex.to_string()
    };
    let mut serial = hex::decode(padded).ok()?;
    if serial.first().is_some_and(|b| b & 0x80 != 0) {
        serial.insert(0, 0);
    }
    Some(format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(aki),
        URL_SAFE_NO_PAD.encode(serial)
    ))
}

/// Asks every ACME server that offers ARI about the end-entity
/// certificates of `known` (at most `ari_max` each), and records the
/// suggested windows on its endpoint record.
pub(super) async fn query_renewal_info(
    probe: &Probe<'_>,
    bundle: &mut EvidenceBundle,
    known: &EvidenceBundle,
) {
    let candidates: Vec<(&Certificate, String)> = known
        .certificates
        .iter()
        .filter(|c| !c.is_ca())
        .filter_map(|c| cert_id(c).map(|id| (c, id)))
        .take(probe.options.ari_max)
        .collect();
    if candidates.is_empty() {
        return;
    }
    for index in 0..bundle.enrolment_endpoints.len() {
        let Some(base) = bundle.enrolment_endpoints[index]
            .acme
            .as_ref()
            .and_then(|a| a.resources.get("renewalInfo"))
            .cloned()
        else {
            continue;
        };
        let answers: Vec<(&Certificate, Result<Option<RenewalWindow>, FetchError>)> =
            stream::iter(&candidates)
                .map(|(certificate, id)| {
                    let url = format!("{}/{id}", base.trim_end_matches('/'));
                    async move {
                        (
                            *certificate,
                            renewal_info(probe, &url, certificate, id).await,
                        )
                    }
                })
                .buffer_unordered(probe.options.concurrency.max(1))
                .collect()
                .await;
        let mut windows = Vec::new();
        let mut unknown = 0u32;
        let mut failures = Vec::new();
        for (certificate, answer) in answers {
            match answer {
                Ok(Some(window)) => windows.push(window),
                Ok(None) => unknown += 1,
                Err(error) => failures.push((certificate.fingerprint_sha256, error)),
            }
        }
        windows.sort_by(|a, b| a.certificate.cmp(&b.certificate));
        let endpoint = &mut bundle.enrolment_endpoints[index];
        for (fingerprint, error) in failures {
            endpoint
                .errors
                .push(format!("ARI for {fingerprint}: {}", error.message));
            let failure = probe.failure(&base, "acme-renewal-info", error);
            bundle.failures.push(failure);
        }
        let endpoint = &mut bundle.enrolment_endpoints[index];
        if let Some(acme) = &mut endpoint.acme {
            acme.renewal_windows = windows;
            acme.renewal_info_unknown = unknown;
        }
    }
}

/// One ARI request: the window, `None` for a certificate the CA does not
/// know (404), an error for anything else.
async fn renewal_info(
    probe: &Probe<'_>,
    url: &str,
    certificate: &Certificate,
    id: &str,
) -> Result<Option<RenewalWindow>, FetchError> {
    let answer = probe.fetcher.request(url, Method::Get, 64 * 1024).await?;
    if answer.info.status == 404 {
        return Ok(None);
    }
    if !answer.is_success() {
        return Err(FetchError::new(
            FailureKind::Protocol,
            format!("{url}: HTTP status {}", answer.info.status),
        ));
    }
    let bad = |why: &str| FetchError::new(FailureKind::Protocol, format!("{url}: {why}"));
    let value: Value =
        serde_json::from_slice(&answer.body).map_err(|e| bad(&format!("not JSON: {e}")))?;
    let window = value
        .get("suggestedWindow")
        .ok_or_else(|| bad("no suggestedWindow"))?;
    let time = |name: &str| {
        window
            .get(name)
            .and_then(Value::as_str)
            .and_then(UtcTime::parse)
            .ok_or_else(|| bad(&format!("suggestedWindow.{name} is not an RFC 3339 time")))
    };
    let (start, end) = (time("start")?, time("end")?);
    if end < start {
        return Err(bad("suggestedWindow ends before it starts"));
    }
    Ok(Some(RenewalWindow {
        certificate: certificate.fingerprint_sha256.to_string(),
        cert_id: id.to_string(),
        start,
        end,
        explanation_url: value
            .get("explanationURL")
            .and_then(Value::as_str)
            .map(str::to_string),
        retry_after_seconds: answer
            .header("retry-after")
            .and_then(|v| v.trim().parse().ok()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_their_meta() {
        let body = br#"{
            "newNonce": "https://ca.example/nonce", "newAccount": "https://ca.example/acct",
            "newOrder": "https://ca.example/order", "renewalInfo": "https://ca.example/ari",
            "6f1c2a9b": "https://community.example/random-entry",
            "meta": {"termsOfService": "https://ca.example/tos", "website": "https://ca.example",
                     "caaIdentities": ["ca.example"], "externalAccountRequired": true,
                     "profiles": {"classic": "the usual", "shortlived": "6 days"}}}"#;
        let directory = parse_directory(body).unwrap();
        assert!(directory.renewal_info);
        assert!(directory.external_account_required);
        assert_eq!(directory.caa_identities, ["ca.example"]);
        assert_eq!(directory.profiles.len(), 2);
        assert_eq!(directory.resources.len(), 4);
        assert_eq!(
            directory.terms_of_service.as_deref(),
            Some("https://ca.example/tos")
        );
    }

    #[test]
    fn things_that_are_not_directories() {
        for body in [&b"<html>"[..], b"[1,2]", br#"{"newNonce": "x"}"#] {
            assert!(parse_directory(body).is_err());
        }
    }

    #[test]
    fn ari_cert_ids_follow_rfc_9773() {
        // RFC 9773 §4.1's example: AKI 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4,
        // serial 00:87:65:43:21.
        let key = rcgen::KeyPair::generate().unwrap();
        let der = rcgen::CertificateParams::new(vec!["ari.example".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let provenance = pkimm_model::evidence::Provenance {
            collector: "test".into(),
            source: "test".into(),
            method: "der".into(),
            collected_at: UtcTime::now(),
            agent: None,
        };
        let mut certificate = crate::parse::certificate_from_der(der.der(), provenance).unwrap();
        certificate.serial = "87654321".into();
        certificate.authority_key_id = Some("69885b6b87464041e1b37b847ba0ae2cde01c8d4".into());
        assert_eq!(
            cert_id(&certificate).unwrap(),
            "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"
        );
    }
}
