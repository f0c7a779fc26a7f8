//! Certificate parse + normalise throughput, on one core and with rayon.
//!
//! Run with `cargo bench -p pkimm-collectors --bench parse`. The inputs are the
//! fixture certificates (RSA 1024–4096, ECDSA P-256/P-384, Ed25519), cycled.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pkimm_collectors::parse::certificate_from_der;
use pkimm_model::evidence::{Provenance, UtcTime};
use rayon::prelude::*;

/// The same allocator as the pkimm binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn fixture_ders() -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pki");
    let mut ders = Vec::new();
    for dir in ["ca", "leaf"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) == Some("pem") {
                let pem = std::fs::read(&path).unwrap();
                for block in x509_parser::pem::Pem::iter_from_buffer(&pem) {
                    ders.push(block.unwrap().contents);
                }
            }
        }
    }
    ders
}

fn provenance() -> Provenance {
    Provenance {
        collector: "bench".into(),
        source: "bench".into(),
        method: "der".into(),
        collected_at: UtcTime::now(),
        agent: None,
    }
}

fn bench_parse(c: &mut Criterion) {
    let ders = fixture_ders();
    let base = provenance();
    let mut group = c.benchmark_group("certificate_parse_normalise");

    let n = 10_000;
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new("one_core", n), |b| {
        b.iter(|| {
            for i in 0..n {
                let der = &ders[i % ders.len()];
                criterion::black_box(certificate_from_der(der, base.clone()).unwrap());
            }
        });
    });

    let n = 100_000;
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(
        BenchmarkId::new(format!("rayon_{}_threads", rayon::current_num_threads()), n),
        |b| {
            b.iter(|| {
                (0..n).into_par_iter().for_each(|i| {
                    let der = &ders[i % ders.len()];
                    criterion::black_box(certificate_from_der(der, base.clone()).unwrap());
                });
            });
        },
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench_parse
}
criterion_main!(benches);
