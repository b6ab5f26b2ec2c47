//! A small latency measurement: didChange -> publishDiagnostics on a 1,000-line workflow,
//! over the in-process harness with the real analyses. Prints the figures to stderr
//! (`cargo test --test lsp_latency -- --nocapture`); the real benchmark comes later.

mod support;

use std::time::{Duration, Instant};

use cml_lsp::store::{Store, TextChange};
use cml_lsp::text::{Encoding, LineCol};
use support::{default_caps, edit, TestServer};

fn workflow(lines: usize) -> String {
    let mut s = String::from("name: train\non: [push]\njobs:\n");
    let mut n = 3;
    let mut job = 0;
    while n + 8 <= lines {
        s.push_str(&format!(
            "  train-{job}:\n    runs-on: [self-hosted, cml-gpu]\n    steps:\n      - uses: actions/checkout@v4\n      \
             - name: Train 日本 😀\n        run: |\n          cml runner launch --cloud=aws --labels=cml-gpu-{job}\n          \
             dvc repro\n"
        ));
        n += 8;
        job += 1;
    }
    while n < lines {
        s.push_str("# padding\n");
        n += 1;
    }
    s
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[allow(clippy::print_stderr)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn did_change_to_publish_latency() {
    let text = workflow(1000);
    assert_eq!(text.lines().count(), 1000);
    let mut s = TestServer::new();
    s.initialize(default_caps(), None).await;
    s.initialized().await;
    let path = ".github/workflows/train.yml";
    s.open(path, &text).await;
    s.await_diagnostics(path, 1).await;

    let mut times = Vec::new();
    for v in 2..=101 {
        let line = 500 + (v as u32 % 7);
        let start = Instant::now();
        s.change(path, v, vec![edit((line, 0), (line, 0), "x")]).await;
        s.await_diagnostics(path, v).await;
        times.push(start.elapsed());
    }
    times.sort();
    let (p50, p95, max) = (percentile(&times, 0.5), percentile(&times, 0.95), *times.last().unwrap());
    eprintln!("didChange -> publishDiagnostics, 1,000-line workflow, 100 edits: p50 {p50:?}, p95 {p95:?}, max {max:?}");
    assert!(p50 < Duration::from_millis(500), "p50 {p50:?}");

    // The store alone: applying one keystroke to the same document (String + line index).
    let store = Store::new();
    store.open("u", None, 1, text.clone());
    let start = Instant::now();
    for v in 2..=1001 {
        let at = LineCol { line: 500, col: 0 };
        store
            .change("u", v, &[TextChange { range: Some((at, at)), text: "x".into() }], Encoding::Utf16)
            .unwrap();
    }
    let per_edit = start.elapsed() / 1000;
    eprintln!("store: one ranged edit on a {} byte document: {per_edit:?}", text.len());
    assert_eq!(store.get("u").unwrap().text.len(), text.len() + 1000);
}
