//! GitLab and Bitbucket contracts, and the CLI's JSON output and exit codes.

mod experiment_support;

use cml_lsp::experiment::{self, ForgeKind};
use experiment_support::*;
use serde_json::json;

fn lr(fx: &Fixture, api: &str) -> experiment::ExperimentRequest {
    experiment::ExperimentRequest {
        overrides: vec!["train.lr=0.01".into()],
        branch: Some("exp/lr".into()),
        api_url: Some(api.into()),
        ..fx.request()
    }
}

const BODY: &str = "| Param | Old | New |\n|---|---|---|\n| `train.lr` | `0.001` | `0.01` |\n";

#[test]
fn gitlab_merge_request_with_nested_groups() {
    let fx = Fixture::new("gitlab.com", "ml/vision/model");
    let api = FakeForge::start(|_| {
        (201, r#"{"web_url":"https://gitlab.com/ml/vision/model/-/merge_requests/4"}"#.into())
    });
    let before = fx.snapshot();
    let out = run_with_env(&lr(&fx, &api.url), &[("GITLAB_TOKEN", TOKEN)], false).result.unwrap();
    assert_eq!(fx.snapshot(), before);
    assert_eq!(out.forge, Some(ForgeKind::Gitlab));
    assert_eq!(out.url.as_deref(), Some("https://gitlab.com/ml/vision/model/-/merge_requests/4"));
    assert_eq!(fx.remote_ref("exp/lr").as_deref(), Some(out.commit.as_str()));
    let reqs = api.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", "/projects/ml%2Fvision%2Fmodel/merge_requests")
    );
    assert_eq!(reqs[0].headers["private-token"], TOKEN);
    assert!(!reqs[0].headers.contains_key("authorization"));
    assert_eq!(
        reqs[0].json(),
        json!({"source_branch": "exp/lr", "target_branch": "main", "title": "Run experiment: train.lr=0.01", "description": BODY})
    );
    assert_no_token(&fx, &[serde_json::to_string(&out).unwrap()]);
}

#[test]
fn gitlab_conflict_finds_the_open_merge_request() {
    let fx = Fixture::new("gitlab.com", "ml/model");
    let api = FakeForge::start(|r| match r.method.as_str() {
        "POST" => (
            409,
            r#"{"message":["Another open merge request already exists for this source branch: !2"]}"#.into(),
        ),
        _ => (200, r#"[{"web_url":"https://gitlab.com/ml/model/-/merge_requests/2"}]"#.into()),
    });
    let out = run_with_env(&lr(&fx, &api.url), &[("GITLAB_TOKEN", TOKEN)], false).result.unwrap();
    assert_eq!(out.url.as_deref(), Some("https://gitlab.com/ml/model/-/merge_requests/2"));
    assert!(out.pr_existed && !out.pr_created);
    let reqs = api.requests();
    assert_eq!(
        (reqs[1].method.as_str(), reqs[1].path.as_str()),
        ("GET", "/projects/ml%2Fmodel/merge_requests?source_branch=exp%2Flr&target_branch=main&state=opened")
    );
}

#[test]
fn gitlab_without_token_gives_the_new_mr_page() {
    let fx = Fixture::new("gitlab.com", "ml/model");
    let out = run_with_env(&lr(&fx, "http://127.0.0.1:9"), &[], false).result.unwrap();
    assert_eq!(
        out.url.as_deref(),
        Some("https://gitlab.com/ml/model/-/merge_requests/new?merge_request[source_branch]=exp%2Flr&merge_request[target_branch]=main")
    );
}

#[test]
fn bitbucket_pull_request_with_app_password() {
    let fx = Fixture::new("bitbucket.org", "ws/model");
    let api = FakeForge::start(|_| {
        (201, r#"{"id":5,"links":{"html":{"href":"https://bitbucket.org/ws/model/pull-requests/5"}}}"#.into())
    });
    let env = [("BITBUCKET_USERNAME", "ada"), ("BITBUCKET_APP_PASSWORD", TOKEN)];
    let out = run_with_env(&lr(&fx, &api.url), &env, false).result.unwrap();
    assert_eq!(out.forge, Some(ForgeKind::Bitbucket));
    assert_eq!(out.url.as_deref(), Some("https://bitbucket.org/ws/model/pull-requests/5"));
    let reqs = api.requests();
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", "/2.0/repositories/ws/model/pullrequests")
    );
    let expected_basic = {
        // base64("ada:" + TOKEN), computed independently of the crate's encoder.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s' 'ada:{TOKEN}' | base64 -w0"))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(reqs[0].headers["authorization"], format!("Basic {expected_basic}"));
    assert_eq!(
        reqs[0].json(),
        json!({
            "title": "Run experiment: train.lr=0.01",
            "description": BODY,
            "source": {"branch": {"name": "exp/lr"}},
            "destination": {"branch": {"name": "main"}},
        })
    );
    let e_json = serde_json::to_string(&out).unwrap();
    assert_no_token(&fx, &[e_json]);
}

#[test]
fn unknown_host_pushes_and_says_why_there_is_no_pr() {
    let fx = Fixture::new("git.corp.example", "ml/model");
    let out = run_with_env(&lr(&fx, "http://127.0.0.1:9"), &[("GITHUB_TOKEN", TOKEN)], false).result.unwrap();
    assert_eq!(out.forge, None);
    assert_eq!(out.url, None);
    assert_eq!(
        out.summary,
        "Pushed exp/lr to origin; no pull request: cannot tell which forge hosts git.corp.example (not GitHub, GitLab or Bitbucket by name); pass --forge to say which"
    );
    // --forge gitlab makes it a GitLab project.
    let fx = Fixture::new("git.corp.example", "ml/model");
    let r = experiment::ExperimentRequest { forge: Some("gitlab".into()), ..lr(&fx, "http://127.0.0.1:9") };
    let p = preview_with_env(&r, &[]).unwrap();
    assert_eq!((p.forge, p.api_url.as_deref()), (Some(ForgeKind::Gitlab), Some("http://127.0.0.1:9")));
    let r = experiment::ExperimentRequest { api_url: None, ..r };
    assert_eq!(
        preview_with_env(&r, &[]).unwrap().api_url.as_deref(),
        Some("https://git.corp.example/api/v4")
    );
}

fn cli(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_cml-lsp"));
    c.current_dir(dir).arg("run-experiment").args(args);
    for v in ["GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN"] {
        c.env_remove(v);
    }
    // HOME is isolated (see isolate()), so neither git nor gh see the machine's config or login.
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn cli_json_output_and_exit_codes() {
    let fx = Fixture::github();
    let api = FakeForge::start(|_| (201, r#"{"html_url":"https://github.com/acme/model/pull/1"}"#.into()));
    let before = fx.snapshot();
    let (code, stdout, stderr) = cli(
        &fx.work,
        &["--set", "train.lr=0.01", "--branch", "exp/cli", "--api-url", &api.url, "--json"],
        &[("GITHUB_TOKEN", TOKEN)],
    );
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["branch"], "exp/cli");
    assert_eq!(v["remote"], "origin");
    assert_eq!(v["forge"], "github");
    assert_eq!(v["url"], "https://github.com/acme/model/pull/1");
    assert_eq!(v["pr_created"], true);
    assert_eq!(
        v["diff"],
        json!([{"file": "params.yaml", "key": "train.lr", "old": "0.001", "new": "0.01", "change": "modified"}])
    );
    assert_eq!(v["warnings"], json!([]));
    assert_eq!(fx.remote_ref("exp/cli").as_deref(), v["commit"].as_str());
    assert_eq!(fx.snapshot(), before);
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));

    // --params takes the disk copy (with the user's uncommitted edit); --dry-run changes nothing.
    let (code, stdout, _) = cli(&fx.work, &["--params", "params.yaml", "--dry-run"], &[]);
    assert_eq!(code, 0);
    assert!(stdout.contains("branch:  exp/train-epochs-"), "{stdout}");
    assert!(stdout.contains("  params.yaml: train.epochs: 10 -> 99\n"), "{stdout}");
    assert!(stdout.contains("forge:   GitHub acme/model, pull request into main (no token: a link to open it will be printed)\n"), "{stdout}");
    assert_eq!(fx.snapshot(), before);

    // Failure: exit 1 with a JSON error; usage errors: exit 2.
    let (code, stdout, stderr) = cli(&fx.work, &["--set", "train.lr=0.001", "--json"], &[]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["error"]["kind"], "nothing-to-commit");
    assert!(stderr.starts_with("error: nothing to commit: the params are identical to main"), "{stderr}");
    let (code, _, _) = cli(&fx.work, &["--forge", "sourcehut", "--set", "a=1"], &[]);
    assert_eq!(code, 2);
    let (code, _, stderr) = cli(&fx.work, &["--branch", "bad..name", "--set", "train.lr=1"], &[]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "error: \"bad..name\" is not a valid branch name\n");
    // A -S that would replace the mapping `train` by a number: a usage error naming the key.
    let (code, stdout, stderr) = cli(&fx.work, &["-S", "train=1", "--dry-run"], &[]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        "error: cannot set train in params.yaml: `train` is a mapping (lr, epochs, optimizer), not a single value; set one of its keys, e.g. train.lr=VALUE\n"
    );
    assert_eq!(fx.snapshot(), before);
}
