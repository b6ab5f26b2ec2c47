//! Params files of 100, 10,000 and 100,000 keys. Target: 100,000 keys (about 130,000 lines,
//! 2.4 MB) indexed in under 100 ms, and a keystroke in it analysed in under 5 ms.
//! `cargo bench --bench params` (needs `git` for the in-repository case).
//!
//! - `index`: what opening the file costs: the YAML parse, the params model (the index
//!   that dvc.yaml checks, completion and hover read) and the diagnostics.
//! - `keystroke`: one character typed in a value, as the server does it: the incremental
//!   reparse of the cached tree, then the diagnostics over it.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

use cml_lsp::analysis::{analyze, FileInput};
use cml_lsp::config::Settings;
use cml_lsp::diag::Span;
use cml_lsp::kind::{FileKind, ParamsFormat};
use cml_lsp::params::index::ParamsDoc;
use cml_lsp::workspace::DiskWorkspace;

mod common;

fn bench(c: &mut Criterion) {
    let ws = DiskWorkspace::default();
    let settings = Settings::default();
    let path = Path::new("/nonexistent/params.yaml");
    let kind = FileKind::Params(ParamsFormat::Yaml);
    for keys in [100, 10_000, 100_000] {
        let text = common::params(keys);
        let mut g = c.benchmark_group(format!("params_{keys}_keys ({})", common::size(&text)));
        if keys == 100_000 {
            g.sample_size(10);
        }
        g.bench_function("index: parse + model + diagnostics", |b| {
            b.iter(|| {
                let doc = ParamsDoc::parse(path, Arc::from(black_box(text.as_str())));
                let yaml = &doc.yaml.as_ref().expect("a YAML file").1;
                let input = FileInput { yaml: Some(yaml), ..FileInput::new(path, &text, kind) };
                black_box((analyze(&input, &ws, &settings), doc))
            })
        });
        // A digit typed at the end of a value in the middle of the file.
        let at = text[text.len() / 2..].find(": 0.0").map(|i| text.len() / 2 + i + 5).expect("a value");
        let mut edited = text.clone();
        edited.insert(at, '7');
        let tree = cml_lsp::yaml::parse(&text);
        g.bench_function("keystroke: incremental reparse + diagnostics", |b| {
            b.iter_batched(
                || tree.clone(),
                |tree| {
                    let yaml = cml_lsp::yaml::reparse(tree, Span::new(at, at), "7");
                    let input = FileInput { yaml: Some(&yaml), ..FileInput::new(path, &edited, kind) };
                    black_box((analyze(&input, &ws, &settings), yaml))
                },
                BatchSize::LargeInput,
            )
        });
        // The same keystroke when the file is committed in a git repository: the default
        // `typeChangedFromHead` check reads HEAD's copy and compares every value's type.
        let repo = tempfile::tempdir().expect("a temp dir");
        let in_repo = repo.path().join("params.yaml");
        std::fs::write(&in_repo, &text).expect("write");
        for args in [&["init", "-q"][..], &["add", "params.yaml"], &["commit", "-qm", "params"]] {
            let ok = std::process::Command::new("git")
                .args(["-c", "user.name=bench", "-c", "user.email=bench@example.com"])
                .args(args)
                .current_dir(repo.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "git {args:?}");
        }
        g.bench_function("keystroke in a git repository (type check against HEAD)", |b| {
            b.iter_batched(
                || tree.clone(),
                |tree| {
                    let yaml = cml_lsp::yaml::reparse(tree, Span::new(at, at), "7");
                    let input = FileInput { yaml: Some(&yaml), ..FileInput::new(&in_repo, &edited, kind) };
                    black_box((analyze(&input, &ws, &settings), yaml))
                },
                BatchSize::LargeInput,
            )
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
