//! The built binary over real stdio with Content-Length framing, the way editors start it.

use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod framing;

const TIMEOUT: Duration = Duration::from_secs(10);

struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: mpsc::Receiver<Value>,
}

impl Proc {
    fn start() -> Proc {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cml-lsp"))
            .arg("--stdio")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the server");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let rx = framing::read_messages(stdout);
        Proc { child, stdin, rx }
    }

    fn send(&mut self, msg: Value) {
        framing::write_message(self.stdin.as_mut().expect("stdin open"), &msg).unwrap();
    }

    fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m["id"] == id && m.get("method").is_none())
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Waits for a matching message, answering the server's own requests on the way.
    fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = self.rx.recv_timeout(left).expect("server message before the timeout");
            if pred(&msg) {
                return msg;
            }
            if let (Some(id), Some(method)) = (msg.get("id"), msg["method"].as_str()) {
                let result = if method == "workspace/configuration" { json!([null]) } else { Value::Null };
                self.send(json!({"jsonrpc": "2.0", "id": id, "result": result}));
            }
        }
    }

    /// Waits for the process to end; kills it and fails the test on timeout.
    fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("the server did not exit within {within:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn initialize(p: &mut Proc, root: &std::path::Path) -> Value {
    let root = format!("file://{}", root.display());
    let caps = json!({
        "workspace": {"configuration": true, "didChangeWatchedFiles": {"dynamicRegistration": true}},
        "textDocument": {"publishDiagnostics": {"versionSupport": true}},
        "general": {"positionEncodings": ["utf-8", "utf-16"]}
    });
    p.request(1, "initialize", json!({"processId": null, "rootUri": root, "capabilities": caps}))
}

#[test]
fn clean_session_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = Proc::start();
    let res = initialize(&mut p, dir.path());
    assert_eq!(res["result"]["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(res["result"]["serverInfo"]["name"], "cml-lsp");
    p.notify("initialized", json!({}));
    p.notify("workspace/didChangeConfiguration", json!({"settings": {}}));
    let uri = format!("file://{}/params.yaml", dir.path().display());
    p.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": "lr: 0.1\n"}}),
    );
    let diags = p.wait_for(|m| m["method"] == "textDocument/publishDiagnostics");
    assert_eq!(diags["params"]["uri"], uri.as_str());
    assert_eq!(diags["params"]["version"], 1);
    let res = p.request(2, "shutdown", Value::Null);
    assert_eq!(res, json!({"jsonrpc": "2.0", "id": 2, "result": null}));
    p.notify("exit", Value::Null);
    assert_eq!(p.wait_exit(Duration::from_secs(5)).code(), Some(0));
}

#[test]
fn exit_without_shutdown_exits_one() {
    // Before initialize, and after initialize (kak-lsp sends `exit` alone).
    let mut p = Proc::start();
    p.notify("exit", Value::Null);
    assert_eq!(p.wait_exit(Duration::from_secs(3)).code(), Some(1));

    let dir = tempfile::tempdir().unwrap();
    let mut p = Proc::start();
    initialize(&mut p, dir.path());
    p.notify("initialized", json!({}));
    p.notify("exit", Value::Null);
    assert_eq!(p.wait_exit(Duration::from_secs(3)).code(), Some(1));
}

#[test]
fn closing_stdin_exits() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = Proc::start();
    initialize(&mut p, dir.path());
    p.notify("initialized", json!({}));
    drop(p.stdin.take());
    assert_eq!(p.wait_exit(Duration::from_secs(3)).code(), Some(1));
}

#[test]
fn malformed_messages_cost_only_themselves() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut p = Proc::start();
    initialize(&mut p, dir.path());
    p.notify("initialized", json!({}));
    let bodies: [&[u8]; 5] = [
        br#"{"jsonrpc":"2.0","id":7,"method":"textDocument/hover","params":{"#,
        b"[1,2]",
        br#"{"jsonrpc":"1.0","id":8,"method":"shutdown"}"#,
        b"\"\xff\xfe\"",
        b"",
    ];
    let stdin = p.stdin.as_mut().unwrap();
    for body in bodies {
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        stdin.write_all(body).unwrap();
    }
    stdin.write_all(b"\x00\x01 binary junk\r\nContent-Length: x\r\n\r\n").unwrap();
    stdin.flush().unwrap();
    // The session goes on: a document is still analysed, shutdown is answered.
    let uri = format!("file://{}/params.yaml", dir.path().display());
    p.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": "a: 1\na: 2\n"}}),
    );
    let diags = p.wait_for(|m| m["method"] == "textDocument/publishDiagnostics");
    assert_eq!(diags["params"]["diagnostics"][0]["code"], "yaml-duplicate-key");
    let res = p.request(2, "shutdown", Value::Null);
    assert_eq!(res, json!({"jsonrpc": "2.0", "id": 2, "result": null}));
    p.notify("exit", Value::Null);
    assert_eq!(p.wait_exit(Duration::from_secs(5)).code(), Some(0));
}
