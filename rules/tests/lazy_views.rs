//! The lazily computed certificate view must behave exactly like the complete
//! map it stands for: every built-in certificate rule gives the same outcome
//! and message both ways, on every fixture certificate.

use std::path::PathBuf;
use std::sync::Arc;

use pkimm_collectors::files::{collect_files, FilesOptions};
use pkimm_model::embedded_model;
use pkimm_rules::context::BundleIndex;
use pkimm_rules::expr::Scope;
use pkimm_rules::{view, EvidenceKind, Policy, RulePack};

#[test]
fn lazy_certificate_view_matches_the_full_map() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let (bundle, _) = collect_files(&[fixtures], &FilesOptions::default()).unwrap();
    assert!(bundle.certificates.len() > 10);
    let pack = RulePack::builtin(embedded_model()).unwrap();
    let rules: Vec<_> = pack
        .rules()
        .iter()
        .filter(|r| r.def.applies_to == EvidenceKind::Certificate)
        .collect();
    let now = 1_780_000_000;
    let policy = Policy::default().to_value();
    let scope = Scope::new(&policy, now);
    let index = BundleIndex::new(&bundle);
    let mut compared = 0;
    for (i, cert) in bundle.certificates.iter().enumerate() {
        let facts = index.certificate(i, cert);
        let full = view::certificate(cert, &facts, now);
        let eager = scope.bind("cert", &full);
        let lazy = scope.bind_record(
            "cert",
            Arc::new(view::certificate_record(cert, facts.clone(), now)),
        );
        for rule in &rules {
            assert_eq!(
                rule.evaluate(&eager),
                rule.evaluate(&lazy),
                "rule {} on {}",
                rule.def.id,
                cert.subject
            );
            compared += 1;
        }
    }
    assert!(compared > 500, "{compared}");
}
