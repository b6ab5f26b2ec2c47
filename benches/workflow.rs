//! Target 1: analysis of a generated 1,000-job GitHub workflow (about 34,500 lines, 1.08 MB)
//! in under 10 ms: from scratch (parse + every diagnostic), the parse and the rules apart, a
//! keystroke as the server does it (incremental reparse + every diagnostic), and completion
//! over the already parsed tree. Target 4: a keystroke on a normal 1,000-line
//! workflow (incremental reparse + every diagnostic) well under 1 ms.
//! `cargo bench --bench workflow`.

use std::hint::black_box;
use std::path::Path;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion};

use cml_lsp::analysis::{analyze, FileInput};
use cml_lsp::config::Settings;
use cml_lsp::kind::FileKind;
use cml_lsp::workflow::ShellMemo;
use cml_lsp::workspace::DiskWorkspace;

mod common;

fn bench(c: &mut Criterion) {
    let ws = DiskWorkspace::default();
    let settings = Settings::default();
    let path = Path::new(".github/workflows/train.yml");
    // Parse + every diagnostic, from scratch, at three sizes.
    for jobs in [10, 100] {
        let text = common::workflow(jobs);
        let mut g = c.benchmark_group(format!("workflow_{jobs}_jobs"));
        g.bench_function(format!("analyze ({})", common::size(&text)), |b| {
            b.iter(|| {
                analyze(&FileInput::new(path, black_box(&text), FileKind::GithubWorkflow), &ws, &settings)
            })
        });
        g.finish();
    }
    let text = common::workflow(1000);
    let size = common::size(&text);
    let mut g = c.benchmark_group("workflow_1000_jobs");
    g.bench_function(format!("analyze ({size})"), |b| {
        b.iter(|| {
            let input = FileInput::new(path, black_box(&text), FileKind::GithubWorkflow);
            black_box(analyze(&input, &ws, &settings))
        })
    });
    g.bench_function("parse", |b| b.iter(|| black_box(cml_lsp::yaml::parse(black_box(&text)))));
    let yaml = cml_lsp::yaml::parse(&text);
    g.bench_function("rules", |b| {
        b.iter(|| black_box(cml_lsp::workflow::analyze_workflow(&yaml, &text, FileKind::GithubWorkflow)))
    });
    // The last launch's region value, cursor right after `=`.
    let needle = "--cloud-region=";
    let offset = text.rfind(needle).map_or(0, |i| i + needle.len());
    g.bench_function("completion over the parsed tree", |b| {
        b.iter(|| {
            black_box(cml_lsp::workflow::complete_workflow(
                &yaml,
                FileKind::GithubWorkflow,
                black_box(offset),
            ))
        })
    });
    keystroke(&mut g, path, &text, BatchSize::PerIteration);
    g.finish();

    let small = common::workflow(29);
    let mut g = c.benchmark_group(format!("workflow_29_jobs ({})", common::size(&small)));
    g.bench_function("analyze", |b| {
        b.iter(|| analyze(&FileInput::new(path, black_box(&small), FileKind::GithubWorkflow), &ws, &settings))
    });
    keystroke(&mut g, path, &small, BatchSize::SmallInput);
    g.finish();
}

/// What a character typed in a `run:` script costs the server: the cached tree is
/// reparsed around the edit, then every rule runs; the shell analyses of the other scripts
/// come from the document's memo of its previous analysis.
fn keystroke(g: &mut BenchmarkGroup<'_, WallTime>, path: &Path, text: &str, batch: BatchSize) {
    let (ws, settings) = (DiskWorkspace::default(), Settings::default());
    let at = text.rfind("dvc repro train-").map_or(0, |i| i + "dvc repro train-".len());
    let mut edited = text.to_string();
    edited.insert(at, 'x');
    let tree = cml_lsp::yaml::parse(text);
    g.bench_function("keystroke: incremental reparse + diagnostics", |b| {
        b.iter_batched(
            || (tree.clone(), warm_memo(path, text, &tree)),
            |(tree, memo)| {
                let yaml = cml_lsp::yaml::reparse(tree, cml_lsp::diag::Span::new(at, at), "x");
                let input = FileInput {
                    yaml: Some(&yaml),
                    shell_memo: Some(&memo),
                    ..FileInput::new(path, &edited, FileKind::GithubWorkflow)
                };
                black_box((analyze(&input, &ws, &settings), yaml, memo))
            },
            batch,
        )
    });
}

/// A document's shell memo after the server analysed `text` once.
fn warm_memo(path: &std::path::Path, text: &str, yaml: &cml_lsp::yaml::Yaml) -> ShellMemo {
    let memo = ShellMemo::new();
    let input = FileInput {
        yaml: Some(yaml),
        shell_memo: Some(&memo),
        ..FileInput::new(path, text, FileKind::GithubWorkflow)
    };
    analyze(&input, &DiskWorkspace::default(), &Settings::default());
    memo
}

criterion_group!(benches, bench);
criterion_main!(benches);
