//! LSP-level latency of the release server over stdio, as an editor sees it, for the speed
//! targets (`cargo bench --bench lsp_latency`; it runs `target/release/cml-lsp`):
//!
//! 1. open the generated 1,000-job workflow (about 34,500 lines, 1.08 MB) -> diagnostics
//!    (the analysis alone is measured by `cargo bench --bench workflow`);
//! 2. completion on that workflow right after a didChange: request -> response, p95 < 1 ms;
//! 3. a params.yaml of 100,000 keys (about 130,000 lines, 2.4 MB): open -> diagnostics
//!    < 100 ms, and a keystroke (didChange -> publishDiagnostics) < 5 ms, also with the
//!    file committed in a git repository (the type check against HEAD);
//! 4. a keystroke in a normal 1,000-line workflow -> publishDiagnostics.
//!
//! Prints median / p95 / max in milliseconds.
#![allow(clippy::print_stdout)]

mod common;

use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "../tests/framing/mod.rs"]
mod framing;

struct Server {
    stdin: ChildStdin,
    rx: mpsc::Receiver<Value>,
    child: std::process::Child,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cml-lsp"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let stdout = child.stdout.take().expect("stdout");
        let stdin = child.stdin.take().expect("stdin");
        let rx = framing::read_messages(stdout);
        Server { stdin, rx, child, next_id: 0 }
    }

    fn send(&mut self, v: Value) {
        let _ = framing::write_message(&mut self.stdin, &v);
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m["id"] == id && m.get("method").is_none())
    }

    /// Waits for a message matching `pred`, answering server requests on the way.
    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = self.rx.recv_timeout(Duration::from_secs(60)).expect("server answers in time");
            if m.get("method").is_some() && m.get("id").is_some() {
                let id = m["id"].clone();
                self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
                continue;
            }
            if pred(&m) {
                return m;
            }
        }
    }

    fn await_publish(&mut self, uri: &str, version: i64) {
        self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"].as_i64() >= Some(version)
        });
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let _ = self.child.wait();
    }
}

fn stats(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let p = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    println!(
        "{name:<64} median {:>7.3} ms   p95 {:>7.3} ms   max {:>7.3} ms   (n={})",
        p(0.5),
        p(0.95),
        p(1.0),
        ms.len()
    );
}

fn once(name: &str, ms: f64) {
    println!("{name:<64} {ms:>14.3} ms");
}

/// The (line, character) just after the first occurrence of `needle` at or after the middle
/// of `text` (ASCII text, so characters are bytes).
fn position_after(text: &str, needle: &str) -> (u32, u32) {
    let from = text.len() / 2;
    let at = text[from..].find(needle).map(|i| from + i + needle.len()).expect("needle in the text");
    let line = text[..at].matches('\n').count() as u32;
    let col = (at - text[..at].rfind('\n').map_or(0, |i| i + 1)) as u32;
    (line, col)
}

/// A didChange at (line, col): `x` inserted on even versions, removed on odd ones.
fn keystroke(s: &mut Server, uri: &str, version: i64, (line, col): (u32, u32)) {
    let end = if version % 2 == 0 { col } else { col + 1 };
    let text = if version % 2 == 0 { "x" } else { "" };
    let range = json!({"start": {"line": line, "character": col}, "end": {"line": line, "character": end}});
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"range": range, "text": text}]}),
    );
}

/// Times `edits` keystrokes at `at`, each until its publishDiagnostics.
fn edit_latency(s: &mut Server, uri: &str, at: (u32, u32), edits: i64) -> Vec<f64> {
    let mut out = Vec::new();
    for v in 2..2 + edits {
        let t = Instant::now();
        keystroke(s, uri, v, at);
        s.await_publish(uri, v);
        out.push(t.elapsed().as_secs_f64() * 1e3);
    }
    out
}

fn open(s: &mut Server, uri: &str, text: &str) -> f64 {
    let t = Instant::now();
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    s.await_publish(uri, 1);
    t.elapsed().as_secs_f64() * 1e3
}

fn close(s: &mut Server, uri: &str) {
    s.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let mut s = Server::start();
    let root_uri = format!("file://{}", root.display());
    let caps = json!({"textDocument": {"publishDiagnostics": {"versionSupport": true}}, "general": {"positionEncodings": ["utf-16"]}});
    s.request("initialize", json!({"processId": null, "rootUri": root_uri, "capabilities": caps}));
    s.notify("initialized", json!({}));
    // `cargo bench` passes `--bench`; under `cargo test` this is a smoke run of a debug build.
    let measure = std::env::args().any(|a| a == "--bench");
    let n = |count: i64| if measure { count } else { 2 };
    let build =
        if cfg!(debug_assertions) { "debug build: a smoke run, not a measurement" } else { "release build" };
    println!("cml-lsp {} ({build}, one server process)", env!("CARGO_PKG_VERSION"));

    // Targets 1 and 2: the 1,000-job workflow.
    let wf_path = root.join(".github/workflows/train.yml");
    std::fs::create_dir_all(wf_path.parent().expect("parent")).expect("mkdir");
    let wf = common::workflow(1000);
    std::fs::write(&wf_path, &wf).expect("write");
    let uri = format!("file://{}", wf_path.display());
    once(&format!("open 1,000-job workflow ({}) -> diagnostics", common::size(&wf)), open(&mut s, &uri, &wf));
    let typing = position_after(&wf, "dvc repro train-");
    stats(
        "keystroke in a run: block (1,000 jobs) -> publishDiagnostics",
        edit_latency(&mut s, &uri, typing, n(20)),
    );
    let region = position_after(&wf, "--cloud-region=");
    let mut ms = Vec::new();
    for _ in 0..n(50) {
        let t = Instant::now();
        s.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": region.0, "character": region.1}}),
        );
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    stats("completion, no edit in between (1,000 jobs): request -> response", std::mem::take(&mut ms));
    let first = 2 + n(20);
    for v in first..first + n(100) {
        keystroke(&mut s, &uri, v, typing);
        let t = Instant::now();
        let r = s.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": region.0, "character": region.1}}),
        );
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(r["result"].to_string().contains("us-west"), "regions offered");
        s.await_publish(&uri, v);
    }
    stats("completion right after a didChange (1,000 jobs): request -> response", ms);
    close(&mut s, &uri);

    // Target 3: a params.yaml of 100,000 keys.
    let p = root.join("params.yaml");
    let text = common::params(100_000);
    std::fs::write(&p, &text).expect("write");
    let uri = format!("file://{}", p.display());
    let opened = open(&mut s, &uri, &text);
    once(&format!("open params.yaml, 100,000 keys ({}) -> diagnostics", common::size(&text)), opened);
    let value = position_after(&text, "lr48: 0.048");
    stats(
        "keystroke in a value, params.yaml 100,000 keys -> publishDiagnostics",
        edit_latency(&mut s, &uri, value, n(40)),
    );
    close(&mut s, &uri);
    // The same file committed in a git repository, as users have it: the default type
    // check against HEAD runs on each keystroke.
    let repo = tempfile::tempdir().expect("temp dir");
    let p = repo.path().join("params.yaml");
    std::fs::write(&p, &text).expect("write");
    for args in [&["init", "-q"][..], &["add", "params.yaml"], &["commit", "-qm", "params"]] {
        let ok = Command::new("git")
            .args([
                "-c",
                "user.name=bench",
                "-c",
                "user.email=bench@example.com",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(repo.path())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git {args:?}");
    }
    let uri = format!("file://{}", p.display());
    once("open params.yaml, 100,000 keys, committed in git -> diagnostics", open(&mut s, &uri, &text));
    stats(
        "keystroke in a value, params.yaml 100,000 keys committed in git -> publishDiagnostics",
        edit_latency(&mut s, &uri, value, n(40)),
    );
    close(&mut s, &uri);

    // Target 4: a normal 1,000-line workflow.
    let small_path = root.join(".github/workflows/small.yml");
    let small = common::workflow(29);
    std::fs::write(&small_path, &small).expect("write");
    let uri = format!("file://{}", small_path.display());
    once(&format!("open workflow ({}) -> diagnostics", common::size(&small)), open(&mut s, &uri, &small));
    let typing = position_after(&small, "dvc repro train-");
    stats(
        &format!("keystroke in a run: block ({} lines) -> publishDiagnostics", small.lines().count()),
        edit_latency(&mut s, &uri, typing, n(40)),
    );
}
