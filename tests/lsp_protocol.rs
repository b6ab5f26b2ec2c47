//! Protocol round trips over the in-process harness.

mod support;

use std::sync::Arc;

use cml_lsp::analysis::FileInput;
use cml_lsp::config::Settings;
use cml_lsp::diag::{Diagnostic, Fix, Span, TextEdit};
use cml_lsp::kind::FileKind;
use cml_lsp::lsp::AnalyzeFn;
use cml_lsp::workspace::Workspace;
use serde_json::{json, Value};
use support::{default_caps, edit, full, Reply, TestServer};

/// Test analysis: a warning with a quick fix on every `TODO`; for dvc.yaml also an info
/// that shows the sibling params.yaml as the workspace view sees it.
fn todo_analyzer() -> AnalyzeFn {
    Arc::new(|input: &FileInput<'_>, ws: &dyn Workspace, _: &Settings| {
        let mut out = Vec::new();
        for (i, _) in input.text.match_indices("TODO") {
            let span = Span::new(i, i + 4);
            out.push(Diagnostic::warning("todo", span, "TODO left").with_fix(Fix {
                title: "Mark done".into(),
                edits: vec![TextEdit { span, new_text: "DONE".into() }],
                preferred: true,
            }));
        }
        if input.kind == FileKind::DvcYaml {
            let params = ws.read_text(&input.path.with_file_name("params.yaml"));
            out.push(Diagnostic::info(
                "params-seen",
                Span::empty(0),
                format!("params: {:?}", params.as_deref()),
            ));
        }
        out
    })
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

fn caps_with(encodings: Value) -> Value {
    let mut caps = default_caps();
    caps["general"]["positionEncodings"] = encodings;
    caps
}

async fn started(caps: Value) -> TestServer {
    let mut s = TestServer::with_analyzer(todo_analyzer());
    s.initialize(caps, None).await;
    s.initialized().await;
    s
}

#[tokio::test]
async fn position_encoding_negotiation() {
    for (offered, expected) in [
        (json!(["utf-16", "utf-8"]), "utf-8"),
        (json!(["utf-16"]), "utf-16"),
        (json!(["utf-32", "utf-16"]), "utf-32"),
        (Value::Null, "utf-16"),
    ] {
        let mut s = TestServer::new();
        let res = s.initialize(caps_with(offered.clone()), None).await;
        assert_eq!(res["capabilities"]["positionEncoding"], expected, "offered {offered}");
    }
}

#[tokio::test]
async fn advertised_capabilities() {
    let mut s = TestServer::new();
    let res = s.initialize(default_caps(), None).await;
    let caps = &res["capabilities"];
    assert_eq!(caps["textDocumentSync"], json!({"openClose": true, "change": 2}));
    assert_eq!(caps["completionProvider"]["triggerCharacters"], json!(["-", "=", " ", ".", "{", ":", "/"]));
    assert_eq!(
        caps["executeCommandProvider"]["commands"],
        json!(["cml.runExperiment", "cml.previewExperiment", "cml.generateWorkflow"])
    );
    assert_eq!(caps["codeActionProvider"], json!({"codeActionKinds": ["quickfix", "refactor", "source"]}));
    assert_eq!(caps["renameProvider"], json!({"prepareProvider": true}));
    // Push client: no pull diagnostics advertised.
    assert_eq!(caps.get("diagnosticProvider"), None);

    let mut pull = default_caps();
    pull["textDocument"]["diagnostic"] = json!({"dynamicRegistration": false});
    let mut s = TestServer::new();
    let res = s.initialize(pull, None).await;
    assert_eq!(
        res["capabilities"]["diagnosticProvider"],
        json!({"identifier": "cml-lsp", "interFileDependencies": true, "workspaceDiagnostics": false})
    );
}

const UNICODE: &str = "name: \"😀 日本\"\r\nlr: 0.1\r\n";

#[tokio::test]
async fn incremental_edits_utf16() {
    let mut s = started(caps_with(json!(["utf-16"]))).await;
    s.open("params.yaml", UNICODE).await;
    // After the emoji (2 UTF-16 units) and the space: col 7 + 2 + 1 = 10 -> before 日.
    s.change("params.yaml", 2, vec![edit((0, 10), (0, 11), "中")]).await;
    assert_eq!(s.text("params.yaml").await.unwrap(), "name: \"😀 中本\"\r\nlr: 0.1\r\n");
    // Two edits in one batch: the second sees the first's result. Past-the-end column clamps
    // before \r\n.
    s.change("params.yaml", 3, vec![edit((1, 4), (1, 7), "0.2"), edit((1, 99), (1, 99), " # ✓")]).await;
    assert_eq!(s.text("params.yaml").await.unwrap(), "name: \"😀 中本\"\r\nlr: 0.2 # ✓\r\n");
    // Delete across the CRLF line break.
    s.change("params.yaml", 4, vec![edit((0, 13), (1, 0), " ")]).await;
    assert_eq!(s.text("params.yaml").await.unwrap(), "name: \"😀 中本\" lr: 0.2 # ✓\r\n");
}

#[tokio::test]
async fn incremental_edits_utf8() {
    let mut s = started(caps_with(json!(["utf-8", "utf-16"]))).await;
    s.open("params.yaml", UNICODE).await;
    // UTF-8 columns: 7 + 4 (emoji) + 1 = 12 -> before 日 (3 bytes).
    s.change("params.yaml", 2, vec![edit((0, 12), (0, 15), "中")]).await;
    assert_eq!(s.text("params.yaml").await.unwrap(), "name: \"😀 中本\"\r\nlr: 0.1\r\n");
    s.change("params.yaml", 3, vec![edit((0, 7), (0, 11), "🚀"), edit((1, 4), (1, 7), "1e-3")]).await;
    assert_eq!(s.text("params.yaml").await.unwrap(), "name: \"🚀 中本\"\r\nlr: 1e-3\r\n");
    // End of line 0 in bytes: 7 + 4 + 1 + 3 + 3 + 1 = 19; join the lines.
    s.change("params.yaml", 4, vec![edit((0, 19), (1, 0), "\n")]).await;
    assert_eq!(s.text("params.yaml").await.unwrap(), "name: \"🚀 中本\"\nlr: 1e-3\r\n");
}

#[tokio::test]
async fn version_regression_is_ignored_and_full_sync_replaces() {
    let mut s = started(default_caps()).await;
    s.open("params.yaml", "a: 1\n").await;
    s.change("params.yaml", 5, vec![edit((0, 3), (0, 4), "2")]).await;
    s.change("params.yaml", 4, vec![edit((0, 3), (0, 4), "3")]).await;
    s.change("params.yaml", 5, vec![edit((0, 3), (0, 4), "4")]).await;
    assert_eq!(s.text("params.yaml").await.unwrap(), "a: 2\n");
    assert_eq!(s.version("params.yaml").await, Some(5));
    s.change("params.yaml", 6, vec![full("b: [1, 2]\n")]).await;
    assert_eq!(s.text("params.yaml").await.unwrap(), "b: [1, 2]\n");
    // A change to a document that is not open changes nothing and does not crash.
    s.change("other.yaml", 2, vec![full("x")]).await;
    assert_eq!(s.text("other.yaml").await, None);
}

#[tokio::test]
async fn diagnostics_carry_the_version_and_fixes() {
    let mut s = started(default_caps()).await;
    s.open("params.yaml", "lr: TODO\n").await;
    let diags = s.await_diagnostics("params.yaml", 1).await;
    assert_eq!(
        diags,
        json!([{
            "range": range(0, 4, 0, 8),
            "severity": 2,
            "code": "todo",
            "source": "cml-lsp",
            "message": "TODO left",
            "data": {"version": 1, "fixes": [{
                "title": "Mark done", "preferred": true,
                "edits": [{"range": range(0, 4, 0, 8), "newText": "DONE"}]
            }]}
        }])
    );
    s.change("params.yaml", 2, vec![edit((0, 0), (0, 0), "# 😀\n")]).await;
    let diags = s.await_diagnostics("params.yaml", 2).await;
    assert_eq!(diags[0]["range"], range(1, 4, 1, 8));
    s.change("params.yaml", 3, vec![edit((1, 4), (1, 8), "0.1")]).await;
    assert_eq!(s.await_diagnostics("params.yaml", 3).await, json!([]));
}

#[tokio::test]
async fn files_of_unknown_kind_get_nothing() {
    let mut s = started(default_caps()).await;
    s.open("docker-compose.yml", "image: TODO\n").await;
    s.open("params.yaml", "TODO: 1\n").await;
    s.await_diagnostics("params.yaml", 1).await;
    assert_eq!(s.published("docker-compose.yml"), Vec::<Value>::new());
    assert_eq!(s.completion("docker-compose.yml", 0, 0).await, Ok(Value::Null));
    assert_eq!(s.hover("docker-compose.yml", 0, 0).await, Ok(Value::Null));
    let actions = s.code_action("docker-compose.yml", range(0, 0, 0, 0), vec![]).await;
    assert_eq!(actions, Ok(json!([])));
}

#[tokio::test]
async fn code_action_round_trip_from_data() {
    let mut s = started(default_caps()).await;
    s.open("params.yaml", "a: 1\nlr: TODO\n").await;
    let diags = s.await_diagnostics("params.yaml", 1).await;
    let actions = s.code_action("params.yaml", range(1, 4, 1, 8), vec![diags[0].clone()]).await.unwrap();
    assert_eq!(
        actions,
        json!([{
            "title": "Mark done",
            "kind": "quickfix",
            "diagnostics": [diags[0].clone()],
            "edit": {"documentChanges": [{
                "textDocument": {"uri": s.uri("params.yaml"), "version": 1},
                "edits": [{"range": range(1, 4, 1, 8), "newText": "DONE"}]
            }]},
            "isPreferred": true
        }])
    );
    // `only` filters by kind prefix.
    let p = json!({
        "textDocument": {"uri": s.uri("params.yaml")},
        "range": range(1, 4, 1, 8),
        "context": {"diagnostics": [diags[0].clone()], "only": ["refactor"]}
    });
    assert_eq!(s.request("textDocument/codeAction", p).await, Ok(json!([])));
    // Fixes computed for an older version are not offered.
    s.change("params.yaml", 2, vec![edit((0, 0), (0, 0), "\n")]).await;
    let actions = s.code_action("params.yaml", range(2, 4, 2, 8), vec![diags[0].clone()]).await;
    assert_eq!(actions, Ok(json!([])));
}

#[tokio::test]
async fn code_action_without_document_changes_uses_changes() {
    let mut caps = default_caps();
    caps["workspace"]["workspaceEdit"]["documentChanges"] = json!(false);
    let mut s = started(caps).await;
    s.open("params.yaml", "lr: TODO\n").await;
    let diags = s.await_diagnostics("params.yaml", 1).await;
    let actions = s.code_action("params.yaml", range(0, 4, 0, 8), vec![diags[0].clone()]).await.unwrap();
    let mut changes = serde_json::Map::new();
    changes.insert(s.uri("params.yaml"), json!([{"range": range(0, 4, 0, 8), "newText": "DONE"}]));
    assert_eq!(actions[0]["edit"], json!({"changes": changes}));
}

#[tokio::test]
async fn configuration_is_pulled_after_initialized_and_on_change() {
    let mut s = TestServer::with_analyzer(todo_analyzer());
    s.set_reply("workspace/configuration", Reply::Result(json!([{"paramsGlobs": ["conf/*.yaml"]}])));
    s.initialize(default_caps(), None).await;
    s.initialized().await;
    let req = s.await_method("workspace/configuration").await;
    assert_eq!(req, json!({"items": [{"section": "cml-lsp"}]}));
    // Editors like eglot send didChangeConfiguration right after initialized.
    s.set_reply("workspace/configuration", Reply::Result(json!([{"paramsGlobs": ["conf/*.yaml"]}])));
    s.notify("workspace/didChangeConfiguration", json!({"settings": {}})).await;
    s.open("conf/train.yaml", "lr: TODO\n").await;
    let diags = s.await_diagnostics("conf/train.yaml", 1).await;
    assert_eq!(diags[0]["code"], "todo");

    // Disabling the code through a configuration change republishes without it.
    s.set_reply(
        "workspace/configuration",
        Reply::Result(json!([{"paramsGlobs": ["conf/*.yaml"], "diagnostics": {"disabled": ["todo"]}}])),
    );
    s.notify("workspace/didChangeConfiguration", json!({"settings": null})).await;
    s.await_message(0, |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["diagnostics"] == json!([])
    })
    .await;
    // A failing configuration request keeps the previous settings.
    s.set_reply("workspace/configuration", Reply::Error(-32603, "boom".into()));
    s.notify("workspace/didChangeConfiguration", json!({"settings": null})).await;
    s.change("conf/train.yaml", 2, vec![full("lr: TODO # again\n")]).await;
    assert_eq!(s.await_diagnostics("conf/train.yaml", 2).await, json!([]));
}

#[tokio::test]
async fn settings_from_init_options_and_push_without_configuration_support() {
    let mut caps = default_caps();
    caps["workspace"]["configuration"] = json!(false);
    let mut s = TestServer::with_analyzer(todo_analyzer());
    s.initialize(caps, Some(json!({"paramsGlobs": ["conf/*.yaml"]}))).await;
    s.initialized().await;
    s.open("conf/a.yaml", "TODO\n").await;
    assert_eq!(s.await_diagnostics("conf/a.yaml", 1).await[0]["code"], "todo");
    // Settings pushed in the notification itself.
    s.notify("workspace/didChangeConfiguration", json!({"settings": {"cml-lsp": {"paramsGlobs": []}}})).await;
    s.change("conf/a.yaml", 2, vec![full("TODO TODO\n")]).await;
    s.open("params.yaml", "x: 1\n").await;
    s.await_diagnostics("params.yaml", 1).await;
    // conf/a.yaml is no longer a params file: its diagnostics were cleared once, not recomputed.
    let published: Vec<Value> = s.published("conf/a.yaml").iter().map(|p| p["diagnostics"].clone()).collect();
    assert_eq!(published.len(), 2, "{published:#?}");
    assert_eq!(published[0][0]["code"], "todo");
    assert_eq!(published[1], json!([]));
    assert_eq!(s.messages().iter().filter(|m| m["method"] == "workspace/configuration").count(), 0);
}

#[tokio::test]
async fn file_watchers_are_registered_dynamically() {
    let s = started(default_caps()).await;
    let params = s.await_method("client/registerCapability").await;
    assert_eq!(
        params,
        json!({"registrations": [{
            "id": "cml-lsp-watched-files",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": {"watchers": [
                {"globPattern": "**/dvc.{yaml,yml}"},
                {"globPattern": "**/params.{yaml,yml,json,toml}"},
                {"globPattern": "**/*.{yaml,yml,json,toml}"}
            ]}
        }]})
    );
}

#[tokio::test]
async fn dependent_files_are_reanalysed_with_unsaved_text() {
    let mut s = started(default_caps()).await;
    s.write_file("params.yaml", "lr: 1\n");
    s.open("dvc.yaml", "stages: {}\n").await;
    let d = s.await_diagnostics("dvc.yaml", 1).await;
    assert_eq!(d[0]["message"], "params: Some(\"lr: 1\\n\")");
    s.open("params.yaml", "lr: 2\n").await;
    s.change("params.yaml", 2, vec![full("lr: 3\n")]).await;
    let (_, m) = s
        .await_message(0, |m| {
            m["params"]["uri"] == s.uri("dvc.yaml").as_str()
                && m["params"]["diagnostics"][0]["message"] == "params: Some(\"lr: 3\\n\")"
        })
        .await;
    assert_eq!(m["params"]["version"], 1);
    // A change on disk (watched files) re-analyses too.
    s.close("params.yaml").await;
    s.write_file("params.yaml", "lr: 4\n");
    let uri = s.uri("params.yaml");
    s.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri, "type": 2}]})).await;
    s.await_message(0, |m| m["params"]["diagnostics"][0]["message"] == "params: Some(\"lr: 4\\n\")").await;
}

#[tokio::test]
async fn pull_diagnostics() {
    let mut caps = default_caps();
    caps["textDocument"]["diagnostic"] = json!({});
    let mut s = started(caps).await;
    s.open("params.yaml", "TODO\n").await;
    let p = json!({"textDocument": {"uri": s.uri("params.yaml")}});
    let report = s.request("textDocument/diagnostic", p).await.unwrap();
    assert_eq!(report["kind"], "full");
    assert_eq!(report["items"][0]["range"], range(0, 0, 0, 4));
    assert_eq!(report["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(s.published("params.yaml"), Vec::<Value>::new());
}

#[tokio::test]
async fn commands_are_routed_with_typed_errors() {
    let mut s = started(default_caps()).await;
    s.write_file("params.yaml", "lr: 1\n");
    s.open("params.yaml", "lr: 2\n").await;
    // The temp root is no git repository: a clear error, nothing else.
    let err =
        s.execute_command("cml.runExperiment", vec![json!({"uri": s.uri("params.yaml")})]).await.unwrap_err();
    assert_eq!(err.code.code(), -32001);
    let root = s.root().display().to_string();
    assert_eq!(
        err.message,
        format!("{root} is not inside a git repository (hint: open the folder of a git clone, or pass --repo DIR)")
    );
    let err = s.execute_command("cml.generateWorkflow", vec![json!({"cloud": "aws2"})]).await.unwrap_err();
    assert_eq!(err.code.code(), -32602);
    assert!(err.message.starts_with("invalid workflow choices: unknown variant `aws2`"), "{}", err.message);
    let err = s.execute_command("cml.previewExperiment", vec![json!({"uri": 1})]).await.unwrap_err();
    assert_eq!(err.code.code(), -32602);
    let err = s.execute_command("cml.bogus", vec![]).await.unwrap_err();
    assert_eq!(err.message, "unknown command cml.bogus");
}

#[tokio::test]
async fn generate_workflow_creates_the_file_through_apply_edit() {
    let mut caps = default_caps();
    caps["workspace"]["applyEdit"] = json!(true);
    caps["workspace"]["workspaceEdit"] = json!({"documentChanges": true, "resourceOperations": ["create"]});
    let mut s = started(caps).await;
    let from = s.messages().len();
    let res = s
        .execute_command(
            "cml.generateWorkflow",
            vec![json!({"cloud": "gcp", "gpu": "v100", "labels": ["gpu"]})],
        )
        .await
        .unwrap();
    assert_eq!(res["path"], ".github/workflows/cml.yml");
    assert_eq!(res["applied"], true);
    assert_eq!(res["labels"], json!(["gpu"]));
    let text = res["text"].as_str().unwrap();
    assert!(text.contains("--cloud=gcp"), "{text}");
    assert!(text
        .contains("GOOGLE_APPLICATION_CREDENTIALS_DATA: ${{ secrets.GOOGLE_APPLICATION_CREDENTIALS_DATA }}"));
    let (_, apply) = s.await_message(from, |m| m["method"] == "workspace/applyEdit").await;
    let ops = &apply["params"]["edit"]["documentChanges"];
    let uri = s.uri(".github/workflows/cml.yml");
    assert_eq!(
        ops[0],
        json!({"kind": "create", "uri": uri, "options": {"overwrite": false, "ignoreIfExists": false}})
    );
    assert_eq!(ops[1]["textDocument"]["uri"], Value::String(uri));
    assert_eq!(ops[1]["edits"][0]["newText"], Value::String(text.to_string()));
    // The generated file passes our own checks.
    let file = cml_lsp::analysis::FileInput::new(
        std::path::Path::new(".github/workflows/cml.yml"),
        text,
        cml_lsp::kind::FileKind::GithubWorkflow,
    );
    let ws = cml_lsp::workspace::DiskWorkspace::default();
    assert_eq!(cml_lsp::analysis::analyze(&file, &ws, &Default::default()), vec![]);

    // An existing non-blank file is never overwritten.
    s.write_file(".github/workflows/cml.yml", "name: mine\non: push\njobs: {}\n");
    let err = s.execute_command("cml.generateWorkflow", vec![json!({})]).await.unwrap_err();
    assert_eq!(
        err.message,
        ".github/workflows/cml.yml already exists; open it and use the code action \"Add a CML cloud-runner job\""
    );
}

#[tokio::test]
async fn shutdown_then_requests_are_refused() {
    let mut s = started(default_caps()).await;
    assert_eq!(s.request("shutdown", Value::Null).await, Ok(Value::Null));
    let err = s.hover("params.yaml", 0, 0).await.unwrap_err();
    assert_eq!(err.code.code(), -32600);
}

#[tokio::test]
async fn workspace_folders_decide_relative_globs() {
    let mut s = TestServer::with_analyzer(todo_analyzer());
    s.initialize(default_caps(), Some(json!({"paramsGlobs": ["conf/*.yaml"]}))).await;
    s.initialized().await;
    s.open("sub/conf/x.yaml", "TODO\n").await;
    // Relative to the root the path is sub/conf/x.yaml: not a params file.
    s.open("params.yaml", "a: 1\n").await;
    s.await_diagnostics("params.yaml", 1).await;
    assert_eq!(s.published("sub/conf/x.yaml"), Vec::<Value>::new());
    let sub = s.uri("sub");
    s.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": sub, "name": "sub"}], "removed": []}}),
    )
    .await;
    let diags = s.await_diagnostics("sub/conf/x.yaml", 1).await;
    assert_eq!(diags[0]["code"], "todo");
}

#[tokio::test]
async fn a_panicking_analysis_does_not_stop_the_server() {
    let analyzer: AnalyzeFn = Arc::new(|input: &FileInput<'_>, _: &dyn Workspace, _: &Settings| {
        assert!(!input.text.contains("PANIC"), "analysis panicked on purpose");
        vec![Diagnostic::hint("ok", Span::empty(0), "fine")]
    });
    let mut s = TestServer::with_analyzer(analyzer);
    s.initialize(default_caps(), None).await;
    s.initialized().await;
    s.open("dvc.yaml", "PANIC\n").await;
    s.open("params.yaml", "a: 1\n").await;
    assert_eq!(s.await_diagnostics("params.yaml", 1).await[0]["message"], "fine");
    let p = json!({"textDocument": {"uri": s.uri("dvc.yaml")}});
    s.change("dvc.yaml", 2, vec![full("fixed\n")]).await;
    assert_eq!(s.await_diagnostics("dvc.yaml", 2).await[0]["message"], "fine");
    assert_eq!(s.request("textDocument/documentSymbol", p).await, Ok(json!([])));
}

/// A large params file's model is built once the server is idle after an edit, so the next
/// hover reads it instead of building it; a version edited again before then is not built.
#[tokio::test]
async fn large_params_model_is_warmed_when_idle() {
    let mut s = TestServer::new();
    s.initialize(default_caps(), None).await;
    s.initialized().await;
    let mut text = String::new();
    for g in 0..400 {
        text.push_str(&format!("group{g}:\n"));
        for k in 0..10 {
            text.push_str(&format!("  key{k}: {}.5  # a comment to make it larger\n", g * 10 + k));
        }
    }
    assert!(text.len() > 64 * 1024, "{}", text.len());
    s.open("params.yaml", &text).await;
    s.await_diagnostics("params.yaml", 1).await;
    // Two quick edits: the first version must not be the one built.
    s.change("params.yaml", 2, vec![edit((1, 10), (1, 10), "1")]).await;
    s.change("params.yaml", 3, vec![edit((2, 10), (2, 10), "2")]).await;
    s.await_diagnostics("params.yaml", 3).await;
    let v2 = text.replacen("key0: 0.5", "key0: 0.15", 1);
    let v3 = v2.replacen("key1: 1.5", "key1: 1.25", 1);
    assert!(s.text("params.yaml").await.as_deref() == Some(v3.as_str()), "the edits as expected");
    let path = s.path("params.yaml");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !cml_lsp::params::index::is_cached(&path, &v3) {
        assert!(std::time::Instant::now() < deadline, "the model of version 3 was not built");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!cml_lsp::params::index::is_cached(&path, &v2));
    let hover = s.hover("params.yaml", 2, 3).await.unwrap();
    assert_eq!(hover["contents"]["value"], "`group0.key1` = `1.25` (float)\n\nin `params.yaml`");
    // A burst of edits leaves one waiting job, not one per edit: the last version is built
    // soon after the burst (one job each 100 ms of idleness would take 4 s here).
    for v in 4..44 {
        s.change("params.yaml", v, vec![edit((3, 10), (3, 10), "7")]).await;
        s.await_diagnostics("params.yaml", v).await;
    }
    let last = s.text("params.yaml").await.expect("open");
    assert!(last.contains(&format!("  key2: 2.{}5  #", "7".repeat(40))));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while !cml_lsp::params::index::is_cached(&path, &last) {
        assert!(std::time::Instant::now() < deadline, "the model of the last version was not built in 2 s");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
