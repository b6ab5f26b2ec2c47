//! `cml.previewExperiment` and `cml.runExperiment` over the protocol: the editor's unsaved
//! params buffer is committed on a new branch, pushed to a local bare remote and a pull
//! request is opened on a stand-in forge on 127.0.0.1, without touching the checkout.

mod experiment_support;
mod support;

use experiment_support::{git, FakeForge, Fixture};
use serde_json::{json, Value};
use support::{default_caps, TestServer};

const EDITED: &str = "# training params\ntrain:\n  lr: 0.05  # learning rate\n  epochs: 10\n  optimizer: 'adam'\nmodel:\n  layers:\n    - units: 32\n";

fn file_uri(p: &std::path::Path) -> String {
    format!("file://{}", p.display())
}

async fn open_params(s: &mut TestServer, fx: &Fixture) -> String {
    let uri = file_uri(&fx.work.join("params.yaml"));
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 3, "text": EDITED}}),
    )
    .await;
    uri
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_experiment_commits_unsaved_buffer_pushes_and_opens_pr() {
    let fx = Fixture::github();
    // SAFETY: the only test in this binary; set before the server or any git child starts.
    unsafe { std::env::set_var("GITHUB_TOKEN", "ghp_lspTestToken0123456789") };
    let forge = FakeForge::start(|_| {
        (201, json!({"number": 7, "html_url": "https://github.com/acme/model/pull/7"}).to_string())
    });
    let before = fx.snapshot();

    let mut s = TestServer::new();
    let mut caps = default_caps();
    caps["window"] = json!({"workDoneProgress": true, "showDocument": {"support": true}});
    s.initialize(caps, None).await;
    s.initialized().await;
    let uri = open_params(&mut s, &fx).await;

    // The code lens offers the run while the buffer differs from HEAD.
    let lenses = s.request("textDocument/codeLens", json!({"textDocument": {"uri": uri}})).await.unwrap();
    let titles: Vec<&str> =
        lenses.as_array().unwrap().iter().filter_map(|l| l["command"]["title"].as_str()).collect();
    assert_eq!(titles, ["Run experiment with these params", "Preview experiment"]);
    assert_eq!(lenses[0]["command"]["command"], "cml.runExperiment");
    assert_eq!(lenses[0]["command"]["arguments"], json!([{"uri": uri}]));

    // Preview: the diff of the unsaved buffer against HEAD, nothing changed.
    let preview = s
        .execute_command("cml.previewExperiment", vec![json!({"uri": uri, "apiUrl": forge.url})])
        .await
        .expect("preview succeeds");
    assert_eq!(
        preview["diff"],
        json!([{"key": "train.lr", "file": "params.yaml", "change": "modified", "old": "0.001", "new": "0.05"}])
    );
    assert_eq!(preview["pr_target"], "main");
    assert_eq!(preview["forge"], "github");
    let branch = preview["branch"].as_str().unwrap().to_string();
    assert!(branch.starts_with("exp/train-lr-"), "{branch}");
    assert_eq!(fx.remote_ref(&branch), None);

    let from = s.messages().len();
    let outcome = s
        .execute_command(
            "cml.runExperiment",
            vec![json!({"uri": uri, "apiUrl": forge.url, "title": "Try lr 0.05"})],
        )
        .await
        .expect("run succeeds");
    assert_eq!(outcome["branch"], Value::String(branch.clone()));
    assert_eq!(outcome["url"], "https://github.com/acme/model/pull/7");
    assert_eq!(outcome["pr_created"], true);

    // The pushed commit holds exactly the unsaved buffer, on top of HEAD.
    let commit = fx.remote_ref(&branch).expect("branch pushed");
    assert_eq!(outcome["commit"], Value::String(commit.clone()));
    assert_eq!(git(&fx.bare, &["show", &format!("{commit}:params.yaml")]), EDITED.trim_end());
    assert_eq!(git(&fx.bare, &["rev-parse", &format!("{commit}^")]), fx.head());
    assert_eq!(git(&fx.bare, &["diff", "--name-only", &format!("{commit}^"), &commit]), "params.yaml");

    // The pull request.
    let reqs = forge.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!((reqs[0].method.as_str(), reqs[0].path.as_str()), ("POST", "/repos/acme/model/pulls"));
    let body = reqs[0].json();
    assert_eq!((body["head"].as_str(), body["base"].as_str()), (Some(branch.as_str()), Some("main")));
    assert_eq!(body["title"], "Try lr 0.05");

    // Progress, the message and the PR opened in the browser.
    let msgs: Vec<Value> = s.messages()[from..].to_vec();
    let progress: Vec<String> = msgs
        .iter()
        .filter(|m| m["method"] == "$/progress")
        .filter_map(|m| m["params"]["value"]["message"].as_str().map(str::to_string))
        .collect();
    assert!(
        progress.contains(&format!("Committing params.yaml to {branch} (based on main)")),
        "{progress:?}"
    );
    assert!(progress.contains(&format!("Pushing {branch} to origin")), "{progress:?}");
    assert!(progress.contains(&format!("Opening a pull request from {branch} into main")), "{progress:?}");
    let shown = msgs.iter().find(|m| m["method"] == "window/showDocument").expect("showDocument sent");
    assert_eq!(shown["params"]["uri"], "https://github.com/acme/model/pull/7");
    assert_eq!(shown["params"]["external"], true);
    assert!(msgs.iter().any(|m| m["method"] == "window/showMessage"));
    assert!(!serde_json::to_string(&msgs).unwrap().contains("ghp_lspTestToken"));

    // The user's checkout is exactly as it was.
    assert!(fx.snapshot() == before, "work tree, index, HEAD or branches changed");

    // A failure says what happened: running the same edit again finds the branch pushed.
    let err = s
        .execute_command("cml.runExperiment", vec![json!({"uri": uri, "apiUrl": forge.url})])
        .await
        .expect_err("the branch exists");
    assert!(err.message.contains("already exists"), "{}", err.message);
    assert!(fx.snapshot() == before);

    // Back to the committed text: no lens.
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": experiment_support::PARAMS}]}),
    )
    .await;
    let lenses = s.request("textDocument/codeLens", json!({"textDocument": {"uri": uri}})).await.unwrap();
    assert_eq!(lenses, json!([]));
    s.shutdown().await;
}
