//! Parse and incremental-reparse timings for the YAML layer, with tree-sitter-yaml (the
//! differential test's reference) as a baseline. `cargo bench --bench yaml`.

use cml_lsp::diag::Span;
use cml_lsp::yaml::{parse, reparse};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

/// A GitHub workflow of about `lines` lines: repeated CML jobs.
fn workflow(lines: usize) -> String {
    let mut s = String::from("name: train\non:\n  push:\n    branches: [main]\njobs:\n");
    let mut i = 0;
    while s.lines().count() < lines {
        s.push_str(&format!(
            "  job{i}:\n    runs-on: [self-hosted, cml-gpu]\n    env:\n      REPO_TOKEN: ${{{{ secrets.TOKEN }}}}\n    steps:\n      - uses: actions/checkout@v4\n      - name: \"Launch {i}\"\n        run: |\n          cml runner launch \\\n            --cloud=aws --labels=cml-{i}\n          dvc repro\n"
        ));
        i += 1;
    }
    s
}

mod common;

fn bench(c: &mut Criterion) {
    let wf = workflow(1_000);
    let mut ts = tree_sitter::Parser::new();
    ts.set_language(&tree_sitter_yaml::LANGUAGE.into()).expect("grammar");
    c.bench_function("tree-sitter only: workflow 1000 lines", |b| b.iter(|| ts.parse(&wf, None)));
    c.bench_function("parse workflow 1000 lines", |b| b.iter(|| parse(&wf)));

    // Type one character inside a scalar in the middle of the file.
    let at = wf[wf.len() / 2..].find("dvc repro").map_or(wf.len() / 2, |i| wf.len() / 2 + i + 3);
    let tree = parse(&wf);
    c.bench_function("reparse workflow 1000 lines after 1-char edit", |b| {
        b.iter_batched(|| tree.clone(), |t| reparse(t, Span::new(at, at), "x"), BatchSize::LargeInput)
    });

    let p = common::params(100_000);
    let mut g = c.benchmark_group("large");
    g.sample_size(10);
    g.bench_function("tree-sitter only: params 100000 keys", |b| b.iter(|| ts.parse(&p, None)));
    g.bench_function("parse params 100000 keys", |b| b.iter(|| parse(&p)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
