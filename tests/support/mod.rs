//! In-process LSP test harness: the real `Backend` behind tower-lsp's `LspService`, driven
//! by JSON values, with the server->client channel drained in a background task.
//!
//! ```ignore
//! let mut s = TestServer::new();
//! s.initialize(default_caps(), None).await;
//! s.initialized().await;
//! s.open("params.yaml", "lr: 1\n").await;
//! let diags = s.await_diagnostics("params.yaml", 1).await;
//! ```
//!
//! Server->client requests are answered from [`TestServer::set_reply`] (per method), with
//! defaults that a cooperative client would send. Every message the server sends is kept
//! in order and can be read with [`TestServer::messages`] or awaited.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cml_lsp::lsp::{AnalyzeFn, Backend};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tower::{Service, ServiceExt};
use tower_lsp_server::jsonrpc::{self, Request, Response};
use tower_lsp_server::LspService;

/// How long `await_*` helpers wait before failing the test.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How the fake client answers one server->client request method.
#[derive(Clone, Debug)]
pub enum Reply {
    Result(Value),
    Error(i64, String),
    /// Never answer (to test timeouts).
    Silence,
}

#[derive(Default)]
struct Inbox {
    /// Every message from the server, as JSON, in arrival order.
    messages: Vec<Value>,
    replies: HashMap<String, Reply>,
}

pub struct TestServer {
    service: Arc<tokio::sync::Mutex<LspService<Backend>>>,
    inbox: Arc<Mutex<Inbox>>,
    arrived: Arc<tokio::sync::Notify>,
    next_id: i64,
    root: tempfile::TempDir,
}

/// A client that supports what modern editors support, offering only UTF-16 positions.
pub fn default_caps() -> Value {
    json!({
        "workspace": {
            "applyEdit": true,
            "workspaceEdit": {"documentChanges": true},
            "configuration": true,
            "didChangeWatchedFiles": {"dynamicRegistration": true},
            "workspaceFolders": true
        },
        "textDocument": {
            "publishDiagnostics": {"versionSupport": true, "relatedInformation": true, "tagSupport": {"valueSet": [1, 2]}},
            "completion": {"completionItem": {"snippetSupport": true}},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor", "source"]}}}
        },
        "window": {"showDocument": {"support": true}, "workDoneProgress": true},
        "general": {"positionEncodings": ["utf-16"]}
    })
}

/// A ranged content change for `didChange`.
pub fn edit(start: (u32, u32), end: (u32, u32), text: &str) -> Value {
    json!({
        "range": {"start": {"line": start.0, "character": start.1}, "end": {"line": end.0, "character": end.1}},
        "text": text
    })
}

/// A whole-document content change for `didChange`.
pub fn full(text: &str) -> Value {
    json!({"text": text})
}

impl Default for TestServer {
    fn default() -> Self {
        TestServer::new()
    }
}

impl TestServer {
    /// A server running the real analyses. Must be called inside a tokio runtime.
    pub fn new() -> TestServer {
        TestServer::build(None)
    }

    /// A server whose diagnostics come from `analyze`.
    pub fn with_analyzer(analyze: AnalyzeFn) -> TestServer {
        TestServer::build(Some(analyze))
    }

    fn build(analyze: Option<AnalyzeFn>) -> TestServer {
        let (service, socket) = LspService::new(|client| match analyze {
            Some(f) => Backend::with_analyzer(client, f),
            None => Backend::new(client),
        });
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let arrived = Arc::new(tokio::sync::Notify::new());
        let (mut requests, mut responses) = socket.split();
        let (inbox2, arrived2) = (inbox.clone(), arrived.clone());
        tokio::spawn(async move {
            while let Some(req) = requests.next().await {
                let msg = serde_json::to_value(&req).unwrap_or(Value::Null);
                let reply = {
                    let mut inbox = inbox2.lock().unwrap();
                    inbox.messages.push(msg);
                    req.id().map(|id| (id.clone(), reply_for(&inbox.replies, req.method(), req.params())))
                };
                arrived2.notify_waiters();
                if let Some((id, reply)) = reply {
                    let response = match reply {
                        Reply::Result(v) => Response::from_ok(id, v),
                        Reply::Error(code, message) => Response::from_error(
                            id,
                            jsonrpc::Error {
                                code: jsonrpc::ErrorCode::from(code),
                                message: message.into(),
                                data: None,
                            },
                        ),
                        Reply::Silence => continue,
                    };
                    if responses.send(response).await.is_err() {
                        break;
                    }
                }
            }
        });
        TestServer {
            service: Arc::new(tokio::sync::Mutex::new(service)),
            inbox,
            arrived,
            next_id: 0,
            root: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The workspace root (a fresh temporary directory).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// The `file:` URI of a path relative to the root.
    pub fn uri(&self, rel: &str) -> String {
        format!("file://{}", self.path(rel).display())
    }

    /// Writes a file on disk under the root (creating directories).
    pub fn write_file(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }

    /// How the client answers the server's `method` requests from now on.
    pub fn set_reply(&self, method: &str, reply: Reply) {
        self.inbox.lock().unwrap().replies.insert(method.to_string(), reply);
    }

    /// The text of an open document as the server holds it.
    pub async fn text(&self, rel: &str) -> Option<String> {
        let uri = self.uri(rel);
        let svc = self.service.lock().await;
        svc.inner().store().get(&uri).map(|d| d.text.to_string())
    }

    /// The version of an open document as the server holds it.
    pub async fn version(&self, rel: &str) -> Option<i32> {
        let uri = self.uri(rel);
        let svc = self.service.lock().await;
        svc.inner().store().get(&uri).map(|d| d.version)
    }

    async fn call(&self, req: Request) -> Option<Response> {
        let fut = {
            let mut svc = self.service.lock().await;
            let svc = svc.ready().await.expect("service ready");
            svc.call(req)
        };
        tokio::time::timeout(TIMEOUT, fut).await.expect("server answered in time").expect("server running")
    }

    /// Sends a request; `Ok(result)` or the JSON-RPC error.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, jsonrpc::Error> {
        self.next_id += 1;
        let req = Request::build(method.to_string()).id(self.next_id).params(params).finish();
        let resp = self.call(req).await.expect("a response to a request");
        let (_, body) = resp.into_parts();
        body
    }

    /// Sends a notification and waits until its handler has run.
    pub async fn notify(&mut self, method: &str, params: Value) {
        let req = Request::build(method.to_string()).params(params).finish();
        let _ = self.call(req).await;
    }

    /// `initialize` with the root as the only workspace folder; returns the result.
    pub async fn initialize(&mut self, caps: Value, init_options: Option<Value>) -> Value {
        let root = self.uri("").trim_end_matches('/').to_string();
        let mut params = json!({
            "processId": null,
            "rootUri": root,
            "capabilities": caps,
            "workspaceFolders": [{"uri": root, "name": "root"}]
        });
        if let Some(o) = init_options {
            params["initializationOptions"] = o;
        }
        self.request("initialize", params).await.expect("initialize succeeds")
    }

    pub async fn initialized(&mut self) {
        self.notify("initialized", json!({})).await;
    }

    /// Opens `rel` (under the root) at version 1.
    pub async fn open(&mut self, rel: &str, text: &str) {
        self.open_version(rel, 1, text).await;
    }

    pub async fn open_version(&mut self, rel: &str, version: i32, text: &str) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": version, "text": text}}),
        )
        .await;
    }

    /// Sends one `didChange` with the given content changes (see [`edit`], [`full`]).
    pub async fn change(&mut self, rel: &str, version: i32, changes: Vec<Value>) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        )
        .await;
    }

    pub async fn close(&mut self, rel: &str) {
        let uri = self.uri(rel);
        self.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}})).await;
    }

    fn position_params(&self, rel: &str, line: u32, character: u32) -> Value {
        json!({"textDocument": {"uri": self.uri(rel)}, "position": {"line": line, "character": character}})
    }

    pub async fn completion(
        &mut self,
        rel: &str,
        line: u32,
        character: u32,
    ) -> Result<Value, jsonrpc::Error> {
        let p = self.position_params(rel, line, character);
        self.request("textDocument/completion", p).await
    }

    pub async fn hover(&mut self, rel: &str, line: u32, character: u32) -> Result<Value, jsonrpc::Error> {
        let p = self.position_params(rel, line, character);
        self.request("textDocument/hover", p).await
    }

    pub async fn definition(
        &mut self,
        rel: &str,
        line: u32,
        character: u32,
    ) -> Result<Value, jsonrpc::Error> {
        let p = self.position_params(rel, line, character);
        self.request("textDocument/definition", p).await
    }

    /// `textDocument/codeAction` over `range` (a JSON LSP range) with these context diagnostics.
    pub async fn code_action(
        &mut self,
        rel: &str,
        range: Value,
        diagnostics: Vec<Value>,
    ) -> Result<Value, jsonrpc::Error> {
        let p = json!({
            "textDocument": {"uri": self.uri(rel)},
            "range": range,
            "context": {"diagnostics": diagnostics}
        });
        self.request("textDocument/codeAction", p).await
    }

    pub async fn execute_command(
        &mut self,
        command: &str,
        arguments: Vec<Value>,
    ) -> Result<Value, jsonrpc::Error> {
        self.request("workspace/executeCommand", json!({"command": command, "arguments": arguments})).await
    }

    /// `shutdown` then `exit`.
    pub async fn shutdown(&mut self) {
        self.request("shutdown", Value::Null).await.expect("shutdown succeeds");
        self.notify("exit", Value::Null).await;
    }

    /// Every message the server has sent so far.
    pub fn messages(&self) -> Vec<Value> {
        self.inbox.lock().unwrap().messages.clone()
    }

    /// Waits for the first message (from index `from` on) matching `pred`; returns its index and value.
    pub async fn await_message(&self, from: usize, pred: impl Fn(&Value) -> bool) -> (usize, Value) {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let notified = self.arrived.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let inbox = self.inbox.lock().unwrap();
                if let Some((i, m)) = inbox.messages.iter().enumerate().skip(from).find(|(_, m)| pred(m)) {
                    return (i, m.clone());
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("timed out waiting for a server message; got {:#?}", self.messages());
            }
        }
    }

    /// Waits for a server->client notification or request by method; returns its params.
    pub async fn await_method(&self, method: &str) -> Value {
        let (_, m) = self.await_message(0, |m| m["method"] == method).await;
        m["params"].clone()
    }

    /// Waits for `publishDiagnostics` of `rel` at `version`; returns its `diagnostics` array.
    pub async fn await_diagnostics(&self, rel: &str, version: i32) -> Value {
        let uri = self.uri(rel);
        let (_, m) = self
            .await_message(0, |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri.as_str()
                    && m["params"]["version"] == version
            })
            .await;
        m["params"]["diagnostics"].clone()
    }

    /// All `publishDiagnostics` params received so far for `rel`.
    pub fn published(&self, rel: &str) -> Vec<Value> {
        let uri = self.uri(rel);
        self.messages()
            .into_iter()
            .filter(|m| {
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
            })
            .map(|m| m["params"].clone())
            .collect()
    }
}

fn reply_for(replies: &HashMap<String, Reply>, method: &str, params: Option<&Value>) -> Reply {
    if let Some(r) = replies.get(method) {
        return r.clone();
    }
    match method {
        // One null per requested item: "no settings", the server keeps its own.
        "workspace/configuration" => {
            let n = params.and_then(|p| p["items"].as_array()).map_or(1, Vec::len);
            Reply::Result(Value::Array(vec![Value::Null; n]))
        }
        "window/showDocument" => Reply::Result(json!({"success": true})),
        "workspace/applyEdit" => Reply::Result(json!({"applied": true})),
        _ => Reply::Result(Value::Null),
    }
}
