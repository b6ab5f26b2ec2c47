//! Params files of 100, 10,000 and 100,000 keys: indexing (parse + full analysis as the
//! server runs it on open) and one keystroke's analysis (a value edited near the end).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use cml_lsp::analysis::{analyze, FileInput};
use cml_lsp::config::Settings;
use cml_lsp::kind::{FileKind, ParamsFormat};
use cml_lsp::workspace::DiskWorkspace;

/// `n` keys in groups of 100, with nested maps, lists and comments like real params files.
fn params(n: usize) -> String {
    let mut s = String::from("# generated params\n");
    let groups = n.div_ceil(100);
    for g in 0..groups {
        s.push_str(&format!("group{g}:  # stage {g}\n"));
        for k in 0..100.min(n - g * 100) {
            match k % 4 {
                0 => s.push_str(&format!("  lr{k}: 0.{k:03}\n")),
                1 => s.push_str(&format!("  name{k}: \"model-{g}-{k}\"\n")),
                2 => s.push_str(&format!("  layers{k}: [{k}, {}, 8]\n", k * 2)),
                _ => s.push_str(&format!("  flag{k}: true\n")),
            }
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let ws = DiskWorkspace::default();
    let settings = Settings::default();
    let path = Path::new("/nonexistent/params.yaml");
    let kind = FileKind::Params(ParamsFormat::Yaml);
    let mut g = c.benchmark_group("params");
    g.sample_size(10);
    for n in [100usize, 10_000, 100_000] {
        let text = params(n);
        g.bench_with_input(BenchmarkId::new("index", n), &text, |b, text| {
            b.iter(|| black_box(analyze(&FileInput { path, text, kind }, &ws, &settings)))
        });
        let mut edited = text.clone();
        let at = edited.rfind("0.").map_or(0, |i| i + 2);
        edited.insert(at, '7');
        g.bench_with_input(BenchmarkId::new("keystroke", n), &edited, |b, text| {
            b.iter(|| black_box(analyze(&FileInput { path, text, kind }, &ws, &settings)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
