//! Parse and incremental-reparse timings for the YAML layer.

use cml_lsp::diag::Span;
use cml_lsp::yaml::{parse, YamlParser};
use criterion::{criterion_group, criterion_main, Criterion};

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

/// A params file with `n` leaf keys in sections of 100.
fn params(n: usize) -> String {
    let mut s = String::new();
    for sec in 0..n / 100 {
        s.push_str(&format!("section_{sec}:\n"));
        for k in 0..100 {
            s.push_str(&format!("  key_{k}: {}.5\n", k % 7));
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let wf = workflow(1_000);
    let mut ts = tree_sitter::Parser::new();
    ts.set_language(&tree_sitter_yaml::LANGUAGE.into()).expect("grammar");
    c.bench_function("tree-sitter only: workflow 1000 lines", |b| b.iter(|| ts.parse(&wf, None)));
    c.bench_function("parse workflow 1000 lines", |b| b.iter(|| parse(&wf)));

    let mut parser = YamlParser::new();
    let old = parser.parse(&wf);
    // Type one character inside a scalar in the middle of the file.
    let at = wf[wf.len() / 2..].find("dvc repro").map_or(wf.len() / 2, |i| wf.len() / 2 + i + 3);
    let mut edited = wf.clone();
    edited.insert(at, 'x');
    let edits = [(Span::new(at, at), 1)];
    c.bench_function("reparse workflow 1000 lines after 1-char edit", |b| {
        b.iter(|| parser.reparse(&old, &edited, &edits))
    });

    let p = params(100_000);
    let mut g = c.benchmark_group("large");
    g.sample_size(10);
    g.bench_function("tree-sitter only: params 100000 keys", |b| b.iter(|| ts.parse(&p, None)));
    g.bench_function("parse params 100000 keys", |b| b.iter(|| parse(&p)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
