//! `pkimm demo`: the whole pipeline on built-in data, offline: the demo
//! estate (fixture files, loopback TLS endpoints, CRL/AIA/OCSP publication)
//! is collected, evaluated and pre-filled, and the reports are written.

use std::process::ExitCode;

use anyhow::Result;
use pkimm_collectors::runtime::new_runtime;
use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use pkimm_model::write::{write_atomically, write_json_file};
use pkimm_pipeline::artifacts::bundle_file;
use pkimm_pipeline::{collect, CollectSettings, Pipeline, RuleInputs, RunOptions};
use pkimm_report::{render, Format, ReportDocument, ReportInputs, ReportType};
use pkimm_scoring::assessment::ProfileRef;
use pkimm_scoring::{save_assessment, Assessment, Basis, Mode};
use pkimm_testkit::demo::{DemoEstate, DEMO_AGENT};

use crate::cli::{DemoArgs, GlobalArgs};
use crate::output::{model, profile};

/// Runs the demo.
pub fn run(global: &GlobalArgs, args: &DemoArgs) -> Result<ExitCode> {
    let out = &args.output;
    let pipeline = Pipeline::load(model(global)?, &RuleInputs::default())?;
    let estate = DemoEstate::start(out)?;
    let runtime = new_runtime()?;
    let settings = CollectSettings {
        agent: DEMO_AGENT,
        runtime: Some(&runtime),
        progress: false,
        shard: pkimm_collectors::shard::Shard::ALL,
    };
    // The files and the inventory, then the endpoints and the URLs in what
    // they serve.
    let mut bundle = collect(&estate.estate_collectors(), &settings)?.bundle;
    bundle.merge(collect(&estate.network_collectors(), &settings)?.bundle);
    write_json_file(&out.join("evidence.json"), &bundle)?;
    write_atomically(
        &out.join("cbom.json"),
        pkimm_report::cbom::render_bundle(&bundle)?.as_bytes(),
        false,
    )?;

    let profile = profile(global)?;
    let mut assessment = Assessment::new(pipeline.model(), Mode::Full);
    assessment.profile = Some(ProfileRef {
        id: profile.id.clone(),
        version: profile.version.clone(),
        assurance: profile.default_assurance.clone(),
    });
    assessment.meta.assessment_name = Some("pkimm demo".to_string());
    assessment.meta.organisation = Some("Demo Organisation".to_string());
    assessment.meta.scope = Some("pkimm demo: fixture PKI and loopback TLS endpoints".to_string());
    let now = UtcTime::now().unix();
    let outcome = pipeline.run(
        &mut bundle,
        RunOptions {
            now,
            store: None,
            assessment: Some(&mut assessment),
            extensions: &[],
        },
    )?;
    save_assessment(&out.join("assessment.json"), &assessment)?;
    // The demo has no assessor decisions yet, so its credential claims the
    // pre-filled result, labelled as such.
    // The manifest names the bundle as it sits beside it.
    let mut evidence = bundle_file(&out.join("evidence.json"), &outcome.evaluation)?;
    evidence.path = "evidence.json".to_string();
    let evidence_files = [evidence];
    let document = ReportDocument::build(&ReportInputs {
        model: pipeline.model(),
        assessment: &assessment,
        extensions: &[],
        evidence: Some((&bundle, &outcome.evaluation)),
        previous: None,
        report_type: ReportType::Assessment,
        profile: &profile,
        basis: Basis::Prefilled,
        evidence_files: &evidence_files,
    });
    write_atomically(
        &out.join("oscal.json"),
        pkimm_report::oscal::render(&document, Some(&bundle))?.as_bytes(),
        false,
    )?;
    for (format, name) in [
        (Format::Html, "report.html"),
        (Format::Json, "report.json"),
        (Format::Markdown, "report.md"),
        (Format::Manifest, "pkimm-evidence-manifest.json"),
        (Format::Credential, profile.machine_attachment_name.as_str()),
    ] {
        write_atomically(
            &out.join(name),
            render(format, &document)?.as_bytes(),
            false,
        )?;
    }
    let merge = outcome.merge.unwrap_or_default();
    print_summary(
        out,
        &bundle,
        &document,
        merge.suggested.len(),
        merge.without_evidence.len(),
        &profile.machine_attachment_name,
    );
    Ok(ExitCode::SUCCESS)
}

fn print_summary(
    out: &std::path::Path,
    bundle: &EvidenceBundle,
    document: &ReportDocument,
    suggested: usize,
    pending: usize,
    credential_name: &str,
) {
    let prefilled = document.prefilled_overall.score.as_ref().map_or_else(
        || "n/a".to_string(),
        |s| format!("{:.2} ({})", s.value, s.name),
    );
    println!(
        "Collected {} certificates, {} CRLs, {} inventory rows and {} TLS endpoints ({} failures).",
        bundle.certificates.len(),
        bundle.crls.len(),
        bundle.inventory.len(),
        bundle.tls_endpoints.len(),
        bundle.failures.len()
    );
    println!(
        "Pre-filled {suggested} requirements from evidence; {pending} need an assessor. Pre-filled overall: {prefilled} (pending requirements count as 0 until an assessor decides)."
    );
    println!(
        "Wrote {}/: evidence.json, cbom.json, oscal.json, assessment.json, report.html, report.json, report.md, pkimm-evidence-manifest.json, {} (pre-filled basis)",
        out.display(),
        credential_name
    );
    println!(
        "Next: pkimm confirm {0}/assessment.json certificate-management.cert-lifecycle --accept-suggested --assessor NAME; pkimm report {0}/assessment.json --format html",
        out.display()
    );
    println!(
        "Review it in the browser: pkimm serve --users {0}/pkimm-users.yaml --add-user NAME --role assessor (asks for a password), then pkimm serve --assessment {0}/assessment.json --evidence {0}/evidence.json and open http://127.0.0.1:8443/",
        out.display()
    );
}
