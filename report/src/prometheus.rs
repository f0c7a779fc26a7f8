//! Prometheus text exposition, valid for node_exporter's textfile collector.
//! Metric names follow certificate exporters (`*_not_after_seconds`).
//! Everything comes from the report document; the agent's `/metrics` reuses
//! [`evidence_families`] over the evidence tables of its jobs.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::document::{EvidenceTables, ReportDocument};

/// Renders every metric family.
pub fn render(document: &ReportDocument) -> String {
    let mut out = Exposition::default();
    out.family(
        "pkimm_overall_level",
        "Overall PKIMM level from assessed levels (0-5).",
    );
    if let Some(score) = &document.overall.score {
        out.sample("pkimm_overall_level", &[], score.value);
    }
    out.family(
        "pkimm_prefilled_overall_level",
        "Overall PKIMM level if every suggestion were accepted (pre-filled, not assessed).",
    );
    if let Some(score) = &document.prefilled_overall.score {
        out.sample("pkimm_prefilled_overall_level", &[], score.value);
    }
    out.family(
        "pkimm_category_level",
        "PKIMM category level from assessed levels (0-5).",
    );
    for c in &document.categories {
        if let Some(score) = &c.score {
            out.sample(
                "pkimm_category_level",
                &[("category", &c.id), ("name", &c.name)],
                score.value,
            );
        }
    }
    out.family(
        "pkimm_module_level",
        "PKIMM module level from assessed levels (0-5).",
    );
    for m in &document.modules {
        if let Some(score) = &m.score {
            out.sample(
                "pkimm_module_level",
                &[("module", &m.id), ("name", &m.name)],
                score.value,
            );
        }
    }
    out.family(
        "pkimm_requirement_suggested_level",
        "Level pkimm suggests for a requirement from evidence.",
    );
    for r in &document.requirements {
        if let Some(s) = &r.suggested {
            out.sample(
                "pkimm_requirement_suggested_level",
                &[
                    ("requirement", &r.requirement.id),
                    ("confidence", s.confidence.name()),
                ],
                f64::from(s.level.number()),
            );
        }
    }
    out.family(
        "pkimm_requirements_stale",
        "Confirmations whose suggestion moved since.",
    );
    out.sample(
        "pkimm_requirements_stale",
        &[],
        f64::from(document.summary.stale),
    );
    out.family(
        "pkimm_findings",
        "Unwaived failing findings by severity and rule.",
    );
    let mut counts: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for f in &document.findings {
        *counts
            .entry((f.severity.name().to_string(), f.rule.clone()))
            .or_default() += 1;
    }
    for ((severity, rule), n) in &counts {
        out.sample(
            "pkimm_findings",
            &[("severity", severity), ("rule", rule)],
            *n as f64,
        );
    }
    if let Some(tables) = &document.evidence {
        evidence_families(&mut out, [tables]);
    }
    out.family(
        "pkimm_report_generated_timestamp_seconds",
        "When this report was generated.",
    );
    out.sample(
        "pkimm_report_generated_timestamp_seconds",
        &[],
        document.generated_at.unix() as f64,
    );
    out.text
}

/// Metric families about the evidence itself: certificate expiry, CRL
/// nextUpdate, OCSP and TLS endpoint availability. With several tables (one
/// per agent job), a certificate, CRL URL, responder or endpoint is reported
/// once, from the first table that has it.
pub fn evidence_families<'a>(
    out: &mut Exposition,
    tables: impl IntoIterator<Item = &'a EvidenceTables> + Clone,
) {
    out.family(
        "pkimm_cert_not_after_seconds",
        "Certificate expiry as a Unix timestamp.",
    );
    let mut seen = BTreeSet::new();
    for c in tables.clone().into_iter().flat_map(|t| &t.certificates) {
        if seen.insert(c.fingerprint.as_str()) {
            out.sample(
                "pkimm_cert_not_after_seconds",
                &[
                    ("fingerprint", &c.fingerprint),
                    ("subject", &c.subject),
                    ("issuer", &c.issuer),
                    ("source", &c.source),
                ],
                c.not_after.unix() as f64,
            );
        }
    }
    x509_exporter_families(out, tables.clone());
    out.family(
        "pkimm_crl_next_update_seconds",
        "CRL nextUpdate as a Unix timestamp.",
    );
    let mut seen = BTreeSet::new();
    for crl in tables.clone().into_iter().flat_map(|t| &t.crls) {
        if let Some(next) = crl.next_update {
            if seen.insert(crl.source.as_str()) {
                out.sample(
                    "pkimm_crl_next_update_seconds",
                    &[("url", &crl.source)],
                    next.unix() as f64,
                );
            }
        }
    }
    out.family(
        "pkimm_ocsp_up",
        "Whether the OCSP responder answered successfully (1) or not (0).",
    );
    let mut seen = BTreeSet::new();
    for o in tables.clone().into_iter().flat_map(|t| &t.ocsp) {
        if seen.insert(o.url.as_str()) {
            out.sample(
                "pkimm_ocsp_up",
                &[("url", &o.url)],
                f64::from(u8::from(o.up)),
            );
        }
    }
    out.family(
        "pkimm_tls_endpoint_up",
        "Whether the TLS endpoint completed a handshake (1) or not (0).",
    );
    let mut seen = BTreeSet::new();
    for e in tables.into_iter().flat_map(|t| &t.endpoints) {
        let sni = e.sni.as_deref().unwrap_or("");
        if seen.insert((e.target.as_str(), sni)) {
            out.sample(
                "pkimm_tls_endpoint_up",
                &[("target", &e.target), ("sni", sni)],
                f64::from(u8::from(!e.versions.is_empty())),
            );
        }
    }
}

/// A Prometheus text exposition being written.
#[derive(Default)]
pub struct Exposition {
    /// The text so far.
    pub text: String,
}

impl Exposition {
    /// Starts a metric family (gauge).
    pub fn family(&mut self, name: &str, help: &str) {
        self.typed_family(name, help, "gauge");
    }

    /// Starts a counter family (its name ends in `_total`).
    pub fn counter_family(&mut self, name: &str, help: &str) {
        self.typed_family(name, help, "counter");
    }

    fn typed_family(&mut self, name: &str, help: &str, kind: &str) {
        let _ = writeln!(
            self.text,
            "# HELP {name} {}",
            help.replace('\\', "\\\\").replace('\n', "\\n")
        );
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    /// Adds one sample.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (key, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{key}=\"{}\"", escape(value));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A certificate gauge's value, given the certificate and now.
type CertificateValue = fn(&crate::document::CertificateExpiry, i64) -> f64;

/// The certificate gauges under the names and labels of enix's
/// x509-certificate-exporter (`x509_cert_not_after`, `x509_cert_not_before`,
/// `x509_cert_expired`), so alert rules and dashboards written for it work
/// on pkimm's scrape unchanged. `filepath` is where pkimm first saw the
/// certificate (a file, `host:port`, a URL or a DN).
fn x509_exporter_families<'a>(
    out: &mut Exposition,
    tables: impl IntoIterator<Item = &'a EvidenceTables> + Clone,
) {
    let now = pkimm_model::evidence::UtcTime::now().unix();
    let mut certificates = Vec::new();
    let mut seen = BTreeSet::new();
    for c in tables.into_iter().flat_map(|t| &t.certificates) {
        if seen.insert(c.fingerprint.as_str()) {
            certificates.push(c);
        }
    }
    let part =
        |dn: &str, name: &str| pkimm_model::evidence::dn_attribute(dn, name).unwrap_or_default();
    let families: [(&str, &str, CertificateValue); 3] = [
        (
            "x509_cert_not_after",
            "Certificate expiry as a Unix timestamp (x509-certificate-exporter name).",
            |c, _| c.not_after.unix() as f64,
        ),
        (
            "x509_cert_not_before",
            "Certificate start of validity as a Unix timestamp (x509-certificate-exporter name).",
            |c, _| c.not_before.unix() as f64,
        ),
        (
            "x509_cert_expired",
            "Whether the certificate has expired (1) or not (0) (x509-certificate-exporter name).",
            |c, now| f64::from(u8::from(c.not_after.unix() < now)),
        ),
    ];
    let labels: Vec<[(&str, String); 6]> = certificates
        .iter()
        .map(|c| {
            [
                ("serial_number", c.serial.clone()),
                ("subject_CN", part(&c.subject, "CN")),
                ("subject_O", part(&c.subject, "O")),
                ("issuer_CN", part(&c.issuer, "CN")),
                ("issuer_O", part(&c.issuer, "O")),
                ("filepath", c.source.clone()),
            ]
        })
        .collect();
    for (name, help, value) in families {
        out.family(name, help);
        for (c, labels) in certificates.iter().zip(&labels) {
            let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            out.sample(name, &labels, value(c, now));
        }
    }
}
