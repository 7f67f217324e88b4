//! Parsing and validating a 100,000-line `inference.txt`, next to the bare loop TPipe's
//! format invites (`lines().filter_map(split_once('='))` into a map).
//!
//! Run: `cargo bench -p bedrock-binder-shared --bench parse_validate`. Target: the full
//! parse + validate stays within 3× of the bare loop; see docs/benchmarks.md.

use std::collections::HashMap;
use std::hint::black_box;

use bedrock_binder_shared::{Catalog, Document, validate::validate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const LINES: usize = 100_000;

/// A realistic file: catalog models bound to their system profiles, direct bindings, ARNs,
/// comments and blank lines, cycling through the embedded catalog's ids.
fn sample_file(catalog: &Catalog) -> String {
    let models = catalog.models();
    let mut text = String::with_capacity(LINES * 80);
    for index in 0..LINES {
        let model = &models[index % models.len()];
        match index % 10 {
            0 => text.push_str("# Team bindings for the production account\n"),
            1 => text.push('\n'),
            2 | 3 => text.push_str(&format!("{}=\n", model.id)),
            4 => text.push_str(&format!(
                "{}=arn:aws:bedrock:us-east-2:521369004927:inference-profile/us.{}\n",
                model.id, model.id
            )),
            _ => match model.system_profiles.first() {
                Some(profile) => text.push_str(&format!("{} = {}\n", model.id, profile.id)),
                None => text.push_str(&format!("{}=\n", model.id)),
            },
        }
    }
    text
}

fn bare_loop(text: &str) -> HashMap<&str, &str> {
    text.lines().filter_map(|line| line.split_once('=')).map(|(k, v)| (k.trim(), v.trim())).collect()
}

fn benches(c: &mut Criterion) {
    let catalog = Catalog::embedded();
    let text = sample_file(catalog);
    let mut group = c.benchmark_group("100k_lines");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(30);
    group.bench_function("bare_split_once_loop", |b| b.iter(|| bare_loop(black_box(&text))));
    group.bench_function("parse", |b| b.iter(|| Document::parse(black_box(&text))));
    group.bench_function("parse_and_validate", |b| {
        b.iter(|| {
            let document = Document::parse(black_box(&text));
            validate(&document, catalog)
        })
    });
    group.finish();
}

criterion_group!(parse_validate, benches);
criterion_main!(parse_validate);
