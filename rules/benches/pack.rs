//! The whole built-in pack over 100,000 certificates.
//!
//! The certificates are the fixture certificates, cloned with distinct
//! fingerprints, serials and keys, so bundle-wide facts (shared keys, duplicate
//! serials, inventory matches) behave as in a real estate. Before the criterion
//! run, one measured evaluation prints the three slowest rules.
//!
//! `cargo bench -p pkimm-rules --bench pack`

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pkimm_collectors::files::{collect_files, FilesOptions};
use pkimm_model::embedded_model;
use pkimm_model::evidence::EvidenceBundle;
use pkimm_rules::eval::{evaluate, EvalOptions};
use pkimm_rules::{Policy, RulePack};

/// The same allocator as the pkimm binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CERTIFICATES: usize = 100_000;

fn bundle() -> EvidenceBundle {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pki");
    let (base, _) = collect_files(&[fixtures], &FilesOptions::default()).unwrap();
    let mut bundle = base.clone();
    bundle.certificates.clear();
    for i in 0..CERTIFICATES {
        let mut c = base.certificates[i % base.certificates.len()].clone();
        c.fingerprint_sha256 = format!("{i:064x}").parse().expect("hex");
        c.spki_sha256 = format!("{:064x}", i + CERTIFICATES).parse().expect("hex");
        c.serial = pkimm_model::evidence::format_compact!("4a{i:030x}");
        c.der = Default::default();
        bundle.certificates.push(c);
    }
    bundle
}

fn options(measure_cost: bool) -> EvalOptions {
    EvalOptions {
        policy: Policy::default(),
        now: 1_780_000_000,
        waivers: Vec::new(),
        measure_cost,
    }
}

fn bench_pack(c: &mut Criterion) {
    let model = embedded_model();
    let pack = RulePack::builtin(model).unwrap();
    let bundle = bundle();

    let measured = evaluate(&pack, &bundle, model, &options(true));
    let mut costs: Vec<_> = measured
        .rules
        .iter()
        .filter(|r| r.evaluated + r.not_applicable >= 1000)
        .filter_map(|r| {
            Some((
                r.cost_ns? as f64 / (r.evaluated + r.not_applicable).max(1) as f64,
                r.id.as_str(),
                r.cost_ns?,
            ))
        })
        .collect();
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "{} rules over {CERTIFICATES} certificates; slowest rules:",
        pack.len()
    );
    for (per_record, id, total) in costs.iter().take(3) {
        println!(
            "  {id:<40} {per_record:>8.0} ns/record  {:>8.1} ms in total",
            *total as f64 / 1e6
        );
    }

    let mut group = c.benchmark_group("builtin_pack");
    group.throughput(Throughput::Elements(CERTIFICATES as u64));
    group.sample_size(10);
    group.bench_function(
        format!(
            "{CERTIFICATES}_certificates_{}_threads",
            rayon::current_num_threads()
        ),
        |b| {
            b.iter(|| criterion::black_box(evaluate(&pack, &bundle, model, &options(false))));
        },
    );
    group.finish();
}

criterion_group!(benches, bench_pack);
criterion_main!(benches);
