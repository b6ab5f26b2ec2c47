//! Parse + full analysis of generated GitHub workflows (10, 100, 1,000 jobs), and
//! completion at a `--cloud-region=` position in the 1,000-job file.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use cml_lsp::analysis::{analyze, completion, FileInput};
use cml_lsp::config::Settings;
use cml_lsp::kind::FileKind;
use cml_lsp::workspace::DiskWorkspace;

/// A workflow with `n` launch jobs, each followed by nothing else: every job installs CML,
/// maps credentials and launches a runner from a `run: |` block.
fn workflow(n: usize) -> String {
    let mut s =
        String::from("name: train\non:\n  push:\n  workflow_dispatch:\nenv:\n  PYTHONUNBUFFERED: 1\njobs:\n");
    for i in 0..n {
        s.push_str(&format!(
            "  deploy-{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: iterative/setup-cml@v2\n      - name: Launch runner {i}\n        env:\n          REPO_TOKEN: ${{{{ secrets.PERSONAL_ACCESS_TOKEN }}}}\n          AWS_ACCESS_KEY_ID: ${{{{ secrets.AWS_ACCESS_KEY_ID }}}}\n          AWS_SECRET_ACCESS_KEY: ${{{{ secrets.AWS_SECRET_ACCESS_KEY }}}}\n        run: |\n          echo \"launching {i}\"\n          export TF_LOG_PROVIDER=INFO\n          cml runner launch \\\n            --cloud=aws \\\n            --cloud-region=us-west \\\n            --cloud-type=m+t4 \\\n            --cloud-hdd-size=100 \\\n            --cloud-spot \\\n            --idle-timeout=10min \\\n            --reuse-idle \\\n            --labels=cml-{i}\n          echo done\n"
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let ws = DiskWorkspace::default();
    let settings = Settings::default();
    let path = Path::new(".github/workflows/train.yml");
    let mut g = c.benchmark_group("analyze");
    for n in [10, 100, 1000] {
        let text = workflow(n);
        g.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| {
                let input = FileInput { path, text: black_box(text), kind: FileKind::GithubWorkflow };
                black_box(analyze(&input, &ws, &settings))
            })
        });
    }
    g.finish();
    let text = workflow(1000);
    c.bench_function("parse_1000_jobs", |b| b.iter(|| black_box(cml_lsp::yaml::parse(black_box(&text)))));
    let yaml = cml_lsp::yaml::parse(&text);
    c.bench_function("workflow_rules_1000_jobs", |b| {
        b.iter(|| black_box(cml_lsp::workflow::analyze_workflow(&yaml, &text, FileKind::GithubWorkflow)))
    });
    // The last job's region value, cursor right after `=`.
    let needle = "--cloud-region=";
    let offset = text.rfind(needle).map_or(0, |i| i + needle.len());
    c.bench_function("complete_region_1000_jobs", |b| {
        b.iter(|| {
            let input = FileInput { path, text: &text, kind: FileKind::GithubWorkflow };
            black_box(completion(&input, &ws, &settings, black_box(offset)))
        })
    });
    c.bench_function("complete_region_1000_jobs_parsed", |b| {
        b.iter(|| {
            black_box(cml_lsp::workflow::complete_workflow(
                &yaml,
                FileKind::GithubWorkflow,
                black_box(offset),
            ))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
