//! LSP-level latency of the built server over stdio, as an editor sees it:
//! didChange -> publishDiagnostics and completion round trips on a 1,000-line workflow and
//! on params files of 10,000 and 100,000 keys. `cargo bench --bench lsp_latency`.
//! Prints median / p95 / max in milliseconds.
#![allow(clippy::print_stdout)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

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
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; len];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    if tx.send(v).is_err() {
                        return;
                    }
                }
            }
        });
        Server { stdin, rx, child, next_id: 0 }
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        let _ = write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len());
        let _ = self.stdin.flush();
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
    println!("{name:<58} median {:>8.3} ms   p95 {:>8.3} ms   max {:>8.3} ms", p(0.5), p(0.95), p(1.0));
}

fn workflow(lines: usize) -> String {
    let mut s = String::from("name: train\non: [push]\njobs:\n");
    let mut i = 0;
    while s.lines().count() < lines {
        s.push_str(&format!(
            "  deploy-{i}:\n    runs-on: ubuntu-latest\n    container: iterativeai/cml:0-dvc2-base1\n    steps:\n      - uses: actions/checkout@v4\n      - env:\n          REPO_TOKEN: ${{{{ secrets.PERSONAL_ACCESS_TOKEN }}}}\n          AWS_ACCESS_KEY_ID: ${{{{ secrets.AWS_ACCESS_KEY_ID }}}}\n          AWS_SECRET_ACCESS_KEY: ${{{{ secrets.AWS_SECRET_ACCESS_KEY }}}}\n        run: |\n          cml runner launch \\\n            --cloud=aws \\\n            --cloud-region=us-west \\\n            --cloud-type=m+t4 \\\n            --labels=cml-{i}\n  train-{i}:\n    needs: deploy-{i}\n    runs-on: [self-hosted, cml-{i}]\n    steps:\n      - uses: actions/checkout@v4\n      - run: |\n          pip install -r requirements.txt\n          dvc repro\n          cml comment create report.md\n"
        ));
        i += 1;
    }
    s
}

fn params(n: usize) -> String {
    let mut s = String::new();
    for g in 0..n.div_ceil(100) {
        s.push_str(&format!("group{g}:\n"));
        for k in 0..100.min(n - g * 100) {
            s.push_str(&format!("  key{k}: {}\n", g * 100 + k));
        }
    }
    s
}

/// Inserts and removes `x` at the end of `line` `edits` times, timing each publish.
fn edit_latency(s: &mut Server, uri: &str, line: u32, col: u32, edits: i64) -> Vec<f64> {
    let mut out = Vec::new();
    for v in 2..2 + edits {
        let (range, text) = if v % 2 == 0 {
            (json!({"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}), "x")
        } else {
            (
                json!({"start": {"line": line, "character": col}, "end": {"line": line, "character": col + 1}}),
                "",
            )
        };
        let t = Instant::now();
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"range": range, "text": text}]}),
        );
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

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let wf_path = root.join(".github/workflows/train.yml");
    std::fs::create_dir_all(wf_path.parent().expect("parent")).expect("mkdir");
    let wf = workflow(1000);
    std::fs::write(&wf_path, &wf).expect("write");

    let mut s = Server::start();
    let root_uri = format!("file://{}", root.display());
    let caps = json!({"textDocument": {"publishDiagnostics": {"versionSupport": true}}, "general": {"positionEncodings": ["utf-16"]}});
    s.request("initialize", json!({"processId": null, "rootUri": root_uri, "capabilities": caps}));
    s.notify("initialized", json!({}));

    println!("cml-lsp {} (release build, one server process)", env!("CARGO_PKG_VERSION"));
    let uri = format!("file://{}", wf_path.display());
    let opened = open(&mut s, &uri, &wf);
    println!(
        "{:<58} {opened:>8.3} ms",
        format!("open 1,000-line workflow ({} KB) -> diagnostics", wf.len() / 1024)
    );
    let (line, col) = wf
        .lines()
        .enumerate()
        .skip(wf.lines().count() / 2)
        .find_map(|(i, l)| l.contains("dvc repro").then_some((i as u32, l.len() as u32)))
        .expect("an edit line");
    stats(
        "keystroke in a run: block -> publishDiagnostics (1,000 lines)",
        edit_latency(&mut s, &uri, line, col, 40),
    );
    let (cl, cc) = wf
        .lines()
        .enumerate()
        .skip(wf.lines().count() / 2)
        .find_map(|(i, l)| {
            l.find("--cloud-region=").map(|c| (i as u32, (c + "--cloud-region=".len()) as u32))
        })
        .expect("a completion line");
    let mut ms = Vec::new();
    for _ in 0..40 {
        let t = Instant::now();
        let r = s.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": cl, "character": cc}}),
        );
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(r["result"].to_string().contains("us-west"), "regions offered");
    }
    stats("completion after --cloud-region= (1,000 lines)", ms);

    for n in [10_000usize, 100_000] {
        let p = root.join(format!("p{n}/params.yaml"));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        let text = params(n);
        std::fs::write(&p, &text).expect("write");
        let uri = format!("file://{}", p.display());
        let opened = open(&mut s, &uri, &text);
        println!(
            "{:<58} {opened:>8.3} ms",
            format!("open params.yaml, {n} keys ({} KB) -> diagnostics", text.len() / 1024)
        );
        let line = (text.lines().count() / 2) as u32;
        let col = text.lines().nth(line as usize).map_or(0, |l| l.len() as u32);
        stats(
            &format!("keystroke in params.yaml, {n} keys -> publishDiagnostics"),
            edit_latency(&mut s, &uri, line, col, 10),
        );
    }
}
