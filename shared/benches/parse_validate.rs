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

/// A catalog large enough that every key of the file is a distinct, known model, as in a
/// real file (where each model is bound once), built in the embedded catalog's format.
fn synthetic_catalog() -> Catalog {
    let mut tsv = String::from(
        "model_id\tprovider\tname\tlifecycle\tlifecycle_note\tinference_types\trequires_profile\t\
         regions_on_demand\tregions_via_profile\tsystem_profiles\toutput_modality\tsource\n",
    );
    for index in 0..LINES {
        tsv.push_str(&format!(
            "acme.model-{index}-v1:0\tAcme\tModel {index}\tactive\tACTIVE\ton-demand,profile\tno\tus-east-1\t\
             us-east-1,us-east-2\tus.acme.model-{index}-v1:0@us-east-1,us-east-2\tTEXT\tbenchmark\n"
        ));
    }
    Catalog::parse(&tsv).expect("the synthetic catalog parses")
}

/// A realistic file: every model bound once, to its system profile id, a profile ARN or
/// directly, with comments and blank lines between.
fn sample_file() -> String {
    let mut text = String::with_capacity(LINES * 80);
    for index in 0..LINES {
        let model = format!("acme.model-{index}-v1:0");
        match index % 10 {
            0 => text.push_str("# Team bindings for the production account\n"),
            1 => text.push('\n'),
            2 | 3 => text.push_str(&format!("{model}=\n")),
            4 => {
                text.push_str(&format!("{model}=arn:aws:bedrock:us-east-2:521369004927:inference-profile/us.{model}\n"))
            }
            _ => text.push_str(&format!("{model} = us.{model}\n")),
        }
    }
    text
}

fn bare_loop(text: &str) -> HashMap<&str, &str> {
    text.lines().filter_map(|line| line.split_once('=')).map(|(k, v)| (k.trim(), v.trim())).collect()
}

fn benches(c: &mut Criterion) {
    let catalog = synthetic_catalog();
    let text = sample_file();
    let mut group = c.benchmark_group("100k_lines");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(30);
    group.bench_function("bare_split_once_loop", |b| b.iter(|| bare_loop(black_box(&text))));
    group.bench_function("parse", |b| b.iter(|| Document::parse(black_box(&text))));
    group.bench_function("parse_and_validate", |b| {
        b.iter(|| {
            let document = Document::parse(black_box(&text));
            validate(&document, &catalog)
        })
    });
    group.finish();
}

criterion_group!(parse_validate, benches);
criterion_main!(parse_validate);
