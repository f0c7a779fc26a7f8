//! How each record is shown to expressions, and how findings name it.

use std::sync::Arc;

use pkimm_model::evidence::{Defects, EvidenceBundle};

use super::RecordRef;
use crate::context::BundleIndex;
use crate::expr::{Bound, Record, Scope, Value};
use crate::kind::EvidenceKind;
use crate::view;

/// Records of `kind` in `bundle` (the bundle itself counts as one).
pub(super) fn count(bundle: &EvidenceBundle, kind: EvidenceKind) -> usize {
    match kind {
        EvidenceKind::Certificate => bundle.certificates.len(),
        EvidenceKind::Crl => bundle.crls.len(),
        EvidenceKind::TlsEndpoint => bundle.tls_endpoints.len(),
        EvidenceKind::OcspCheck => bundle.ocsp_checks.len(),
        EvidenceKind::InventoryRecord => bundle.inventory.len(),
        EvidenceKind::DirectoryObject => bundle.directory_objects.len(),
        EvidenceKind::Chain => bundle.chains.len(),
        EvidenceKind::Token => bundle.tokens.len(),
        EvidenceKind::Key => bundle.keys.len(),
        EvidenceKind::EnrolmentEndpoint => bundle.enrolment_endpoints.len(),
        EvidenceKind::Bundle => 1,
    }
}

/// The record of `kind` whose finding id ([`RecordRef::id`]) is `id`, as
/// JSON: what a front end shows when an assessor drills into a finding.
pub fn record_json(
    bundle: &EvidenceBundle,
    kind: EvidenceKind,
    id: &str,
) -> Option<serde_json::Value> {
    let i = (0..count(bundle, kind)).find(|&i| record_ref(kind, i, bundle).id == id)?;
    let value = match kind {
        EvidenceKind::Certificate => serde_json::to_value(&bundle.certificates[i]),
        EvidenceKind::Crl => serde_json::to_value(&bundle.crls[i]),
        EvidenceKind::TlsEndpoint => serde_json::to_value(&bundle.tls_endpoints[i]),
        EvidenceKind::OcspCheck => serde_json::to_value(&bundle.ocsp_checks[i]),
        EvidenceKind::InventoryRecord => serde_json::to_value(&bundle.inventory[i]),
        EvidenceKind::DirectoryObject => serde_json::to_value(&bundle.directory_objects[i]),
        EvidenceKind::Chain => serde_json::to_value(&bundle.chains[i]),
        EvidenceKind::Token => serde_json::to_value(&bundle.tokens[i]),
        EvidenceKind::Key => serde_json::to_value(&bundle.keys[i]),
        EvidenceKind::EnrolmentEndpoint => serde_json::to_value(&bundle.enrolment_endpoints[i]),
        EvidenceKind::Bundle => return None,
    };
    value.ok()
}

fn host_of(target: &str) -> String {
    let without_scheme = target.split("://").last().unwrap_or(target);
    let host_port = without_scheme.split('/').next().unwrap_or(without_scheme);
    if let Some(rest) = host_port.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_string();
    }
    host_port
        .rsplit_once(':')
        .map_or(host_port, |(h, _)| h)
        .to_string()
}

/// How a record is shown to expressions.
pub(super) enum View<'r> {
    /// A complete map.
    Map(Value),
    /// Fields computed on access (certificates, the most numerous records).
    Record(Arc<dyn Record<'r> + 'r>),
}

impl<'r> View<'r> {
    pub(super) fn bind<'s>(self, scope: &'s Scope<'r>, name: &'s str) -> Bound<'s, 'r> {
        match self {
            Self::Map(value) => scope.bind(name, &value),
            Self::Record(record) => scope.bind_record(name, record),
        }
    }
}

/// How record `i` of `kind` is shown to expressions.
/// The defects found in record `i` when it was read, for kinds that have
/// them (certificates and CRLs).
pub(super) fn defects(kind: EvidenceKind, i: usize, bundle: &EvidenceBundle) -> Option<Defects> {
    match kind {
        EvidenceKind::Certificate => Some(bundle.certificates[i].defects),
        EvidenceKind::Crl => Some(bundle.crls[i].defects),
        _ => None,
    }
}

pub(super) fn view<'r>(
    kind: EvidenceKind,
    i: usize,
    bundle: &'r EvidenceBundle,
    index: &BundleIndex,
    now: i64,
) -> View<'r> {
    match kind {
        EvidenceKind::Certificate => {
            let c = &bundle.certificates[i];
            View::Record(Arc::new(view::certificate_record(
                c,
                index.certificate(i, c),
                now,
            )))
        }
        EvidenceKind::Crl => View::Map(view::crl(&bundle.crls[i], index, now)),
        EvidenceKind::TlsEndpoint => View::Map(view::tls_endpoint(&bundle.tls_endpoints[i])),
        EvidenceKind::OcspCheck => {
            View::Map(view::ocsp_check(&bundle.ocsp_checks[i], index, bundle, now))
        }
        EvidenceKind::InventoryRecord => {
            let r = &bundle.inventory[i];
            View::Map(view::inventory_record(r, &index.inventory(r), now))
        }
        EvidenceKind::DirectoryObject => {
            View::Map(view::directory_object(&bundle.directory_objects[i]))
        }
        EvidenceKind::Chain => View::Map(view::chain(&bundle.chains[i])),
        EvidenceKind::Token => View::Map(view::token(&bundle.tokens[i], &bundle.keys)),
        EvidenceKind::Key => {
            let k = &bundle.keys[i];
            View::Map(view::key(k, &index.key(k), now))
        }
        EvidenceKind::EnrolmentEndpoint => {
            View::Map(view::enrolment_endpoint(&bundle.enrolment_endpoints[i]))
        }
        EvidenceKind::Bundle => View::Map(view::bundle(bundle, now)),
    }
}

/// The identity of record `i` of `kind`, for findings and waivers.
pub(super) fn record_ref(kind: EvidenceKind, i: usize, bundle: &EvidenceBundle) -> RecordRef {
    match kind {
        EvidenceKind::Certificate => {
            let c = &bundle.certificates[i];
            let hosts: Vec<String> = c
                .san
                .dns
                .iter()
                .chain(&c.subject_cn)
                .map(|h| h.to_string())
                .collect();
            RecordRef {
                kind,
                id: c.fingerprint_sha256.to_string(),
                label: c.subject_cn.first().unwrap_or(&c.subject).to_string(),
                sources: c.observations.iter().map(|o| o.source.clone()).collect(),
                hosts,
                issuer: Some(c.issuer.to_string()),
            }
        }
        EvidenceKind::Crl => {
            let c = &bundle.crls[i];
            RecordRef {
                kind,
                id: c.fingerprint_sha256.to_string(),
                label: format!(
                    "CRL {} of {}",
                    c.crl_number.as_deref().unwrap_or("?"),
                    c.issuer
                ),
                sources: c.observations.iter().map(|o| o.source.clone()).collect(),
                hosts: Vec::new(),
                issuer: Some(c.issuer.to_string()),
            }
        }
        EvidenceKind::TlsEndpoint => {
            let e = &bundle.tls_endpoints[i];
            RecordRef {
                kind,
                id: e.target.clone(),
                label: e.target.clone(),
                sources: vec![e.provenance.source.clone()],
                hosts: e.sni.iter().cloned().chain([host_of(&e.target)]).collect(),
                issuer: None,
            }
        }
        EvidenceKind::OcspCheck => {
            let o = &bundle.ocsp_checks[i];
            RecordRef {
                kind,
                id: format!("{}#{}", o.responder_url, o.serial),
                label: format!("OCSP {} for serial {}", o.responder_url, o.serial),
                sources: vec![o.provenance.source.clone()],
                hosts: vec![host_of(&o.responder_url)],
                issuer: bundle
                    .certificate(&o.certificate)
                    .map(|c| c.issuer.to_string()),
            }
        }
        EvidenceKind::InventoryRecord => {
            let r = &bundle.inventory[i];
            RecordRef {
                kind,
                id: format!("{}@{}", r.serial, r.issuer.as_deref().unwrap_or("")),
                label: r.subject.clone().unwrap_or_else(|| r.serial.clone()),
                sources: vec![r.provenance.source.clone()],
                hosts: r.subject.iter().cloned().collect(),
                issuer: r.issuer.clone(),
            }
        }
        EvidenceKind::DirectoryObject => {
            let o = &bundle.directory_objects[i];
            RecordRef {
                kind,
                id: o.dn.clone(),
                label: o.dn.clone(),
                sources: vec![o.provenance.source.clone()],
                hosts: Vec::new(),
                issuer: None,
            }
        }
        EvidenceKind::Chain => {
            let c = &bundle.chains[i];
            RecordRef {
                kind,
                id: c.provenance.source.clone(),
                label: format!("chain served by {}", c.provenance.source),
                sources: vec![c.provenance.source.clone()],
                hosts: vec![host_of(&c.provenance.source)],
                issuer: None,
            }
        }
        EvidenceKind::Token => {
            let t = &bundle.tokens[i];
            RecordRef {
                kind,
                id: format!("token:{}", t.serial_number),
                label: format!("token `{}` ({} {})", t.label, t.manufacturer, t.model),
                sources: vec![t.provenance.source.clone()],
                hosts: Vec::new(),
                issuer: None,
            }
        }
        EvidenceKind::Key => {
            let k = &bundle.keys[i];
            RecordRef {
                kind,
                id: format!("key:{}/{}/{}", k.token_serial, k.class.name(), k.id),
                label: format!(
                    "{} {} key `{}` on token `{}`",
                    k.class.name(),
                    k.key_type,
                    k.label,
                    k.token_label
                ),
                sources: vec![k.provenance.source.clone()],
                hosts: Vec::new(),
                issuer: None,
            }
        }
        EvidenceKind::EnrolmentEndpoint => {
            let e = &bundle.enrolment_endpoints[i];
            RecordRef {
                kind,
                id: format!("enrolment:{}:{}", e.protocol.name(), e.url),
                label: format!("{} endpoint {}", e.protocol.name().to_uppercase(), e.url),
                sources: vec![e.provenance.source.clone()],
                hosts: Vec::new(),
                issuer: None,
            }
        }
        EvidenceKind::Bundle => RecordRef {
            kind,
            id: "bundle".into(),
            label: "the evidence bundle as a whole".into(),
            sources: Vec::new(),
            hosts: Vec::new(),
            issuer: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts_from_targets() {
        assert_eq!(
            host_of("https://www.example.test:8443/x"),
            "www.example.test"
        );
        assert_eq!(host_of("mail.example.test:25"), "mail.example.test");
        assert_eq!(host_of("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(host_of("ldap://dc.example.test/"), "dc.example.test");
    }
}
