//! Every failure says what happened and what to do, and loses nothing: the work tree,
//! index, HEAD and local branches stay as they were.

mod experiment_support;

use cml_lsp::experiment::{self, ErrorKind, ExpError};
use experiment_support::*;

fn req(fx: &Fixture, overrides: &[&str]) -> experiment::ExperimentRequest {
    experiment::ExperimentRequest {
        overrides: overrides.iter().map(|s| s.to_string()).collect(),
        ..fx.request()
    }
}

/// Runs, expects an error, and checks that nothing of the user's changed.
fn fails(fx: &Fixture, r: &experiment::ExperimentRequest, env: &[(&str, &str)]) -> ExpError {
    let before = fx.snapshot();
    let e = run_with_env(r, env, false).result.unwrap_err();
    assert_eq!(fx.snapshot(), before, "a failure changed the user's state: {e}");
    e
}

#[test]
fn not_a_repository() {
    isolate();
    let dir = tempfile::tempdir().unwrap();
    let r = experiment::ExperimentRequest {
        repo: dir.path().to_path_buf(),
        overrides: vec!["a=1".into()],
        ..Default::default()
    };
    let e = run_with_env(&r, &[], false).result.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotARepo);
    assert_eq!(e.message, format!("{} is not inside a git repository", dir.path().display()));
    assert_eq!(e.hint.as_deref(), Some("open the folder of a git clone, or pass --repo DIR"));
}

#[test]
fn detached_head_needs_a_base() {
    let fx = Fixture::github();
    git(&fx.work, &["checkout", "-q", "--detach"]);
    let e = fails(&fx, &req(&fx, &["train.lr=0.01"]), &[]);
    assert_eq!(e.kind, ErrorKind::DetachedHead);
    assert_eq!(e.message, "HEAD is detached: there is no current branch to base on");
    assert_eq!(e.hint.as_deref(), Some("pass --base BRANCH (e.g. --base main)"));
    // With --base it works, and HEAD stays detached.
    let r = experiment::ExperimentRequest {
        base: Some("main".into()),
        no_pr: true,
        ..req(&fx, &["train.lr=0.01"])
    };
    let before = fx.snapshot();
    let out = run_with_env(&r, &[], false).result.unwrap();
    assert_eq!(out.base_branch, "main");
    assert_eq!(fx.snapshot(), before);
}

#[test]
fn no_remote() {
    let fx = Fixture::github();
    git(&fx.work, &["remote", "remove", "origin"]);
    let e = fails(&fx, &req(&fx, &["train.lr=0.01"]), &[]);
    assert_eq!(e.kind, ErrorKind::NoRemote);
    assert_eq!(e.message, "the repository has no remote to push to");
    let e = fails(
        &fx,
        &experiment::ExperimentRequest { remote: Some("upstream".into()), ..req(&fx, &["train.lr=0.01"]) },
        &[],
    );
    assert_eq!(e.message, "there is no remote named \"upstream\"");
}

#[test]
fn invalid_overrides() {
    let fx = Fixture::github();
    let base = fx.head();
    let cases = [
        ("train..lr=1", "invalid override \"train..lr=1\": key \"train..lr\" has an empty segment (part 2)"),
        ("train.lr", "invalid override \"train.lr\": expected KEY=VALUE, e.g. train.lr=0.01"),
        ("train.lr=[1", "invalid value in override \"train.lr=[1\": unclosed '['"),
        (
            "model.layers.x=1",
            "cannot set model.layers.x in params.yaml: `model.layers` is a list: `x` is not an index (use a number)",
        ),
        ("train.0=1", "cannot set train.0 in params.yaml: `train` is a mapping, not a list: it has no key `0` to index"),
        ("model.layers.3.units=1", "cannot set model.layers.3.units in params.yaml: index 3 is out of range: `model.layers` has 1 items"),
        ("train.lr.x=1", "cannot set train.lr.x in params.yaml: `train.lr` is a value (0.001), not a mapping or list; cannot set `train.lr.x`"),
    ];
    for (spec, msg) in cases {
        let e = fails(&fx, &req(&fx, &[spec]), &[]);
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::InvalidOverride, msg));
    }
    let e = fails(&fx, &req(&fx, &["other.yaml:a=1"]), &[]);
    assert_eq!(e.message, format!("other.yaml does not exist in the base commit ({})", &base[..7]));
}

#[test]
fn nothing_to_commit() {
    let fx = Fixture::github();
    let e = fails(&fx, &req(&fx, &["train.lr=0.001"]), &[]);
    assert_eq!(e.kind, ErrorKind::NothingToCommit);
    assert_eq!(
        e.message,
        format!("nothing to commit: the params are identical to main ({})", &fx.head()[..7])
    );
    // Another spelling of the same value changes the text, not what DVC reads.
    let e = fails(&fx, &req(&fx, &["train.lr=1e-3"]), &[]);
    assert_eq!(e.kind, ErrorKind::NothingToCommit);
    assert_eq!(
        e.message,
        format!(
            "nothing to commit: the params are identical to main ({}); params.yaml changed only in text DVC does not read (layout, comments or a duplicated key's earlier copy)",
            &fx.head()[..7]
        )
    );
}

/// DVC (Python's json) keeps the last of duplicated JSON keys: an edit that only changes
/// the shadowed copy changes nothing DVC reads. YAML duplicates are refused outright.
#[test]
fn duplicate_keys_json_last_copy_and_yaml_refused() {
    let fx = Fixture::github();
    std::fs::write(fx.work.join("p.json"), "{\"a\": {\"b\": 1}, \"a\": {\"c\": 2}}\n").unwrap();
    std::fs::write(fx.work.join("d.yaml"), "a:\n  b: 1\na:\n  c: 2\n").unwrap();
    git(&fx.work, &["add", "p.json", "d.yaml"]);
    git(&fx.work, &["commit", "-qm", "duplicates"]);
    let head = fx.head();
    let e = fails(&fx, &req(&fx, &["p.json:a.c=2"]), &[]);
    assert_eq!(e.kind, ErrorKind::NothingToCommit);
    assert_eq!(e.message, format!("nothing to commit: the params are identical to main ({})", &head[..7]));
    let e = fails(&fx, &req(&fx, &["d.yaml:a.b=5"]), &[]);
    assert_eq!(e.kind, ErrorKind::InvalidOverride);
    assert_eq!(
        e.message,
        "cannot set a.b in d.yaml: the key `a` is written twice (lines 1 and 3); DVC rejects YAML params files with duplicate keys: remove one first"
    );
    // The effective copy (the last `a`) is the one edited.
    let r = experiment::ExperimentRequest { no_pr: true, ..req(&fx, &["p.json:a.b=5"]) };
    let out = run_with_env(&r, &[], false).result.unwrap();
    let changes = fx.commit_changes(&out.commit, &head);
    assert_eq!(
        changes,
        vec![("p.json".to_string(), "{\"a\": {\"b\": 1}, \"a\": {\"c\": 2, \"b\": 5}}\n".to_string())]
    );
}

#[test]
fn missing_identity() {
    let fx = Fixture::github();
    git(&fx.work, &["config", "--unset", "user.name"]);
    let e = fails(&fx, &req(&fx, &["train.lr=0.01"]), &[]);
    assert_eq!(e.kind, ErrorKind::Identity);
    assert_eq!(e.message, "git does not know who you are: user.name or user.email is not set");
}

#[test]
fn branch_exists_on_the_remote() {
    let fx = Fixture::github();
    git(&fx.work, &["push", "-q", "origin", "main:refs/heads/exp/taken"]);
    let taken = fx.remote_ref("exp/taken");
    let r =
        experiment::ExperimentRequest { branch: Some("exp/taken".into()), ..req(&fx, &["train.lr=0.01"]) };
    let e = fails(&fx, &r, &[]);
    assert_eq!(e.kind, ErrorKind::BranchExists);
    assert_eq!(e.message, "branch exp/taken already exists on origin");
    assert_eq!(
        e.hint.as_deref(),
        Some("pass --reuse-branch to open the pull request for it, or --branch NAME for a new one")
    );
    let e = fails(&fx, &experiment::ExperimentRequest { reuse_branch: true, ..r }, &[]);
    assert_eq!(e.message, "branch exp/taken exists on origin with other content than this edit");
    assert_eq!(fx.remote_ref("exp/taken"), taken);
}

/// `--branch` naming the base branch is a usage error, found before anything is
/// committed, not a push onto the base or a `main...main` link.
#[test]
fn branch_equal_to_base_is_a_usage_error() {
    let fx = Fixture::github();
    let r = experiment::ExperimentRequest { branch: Some("main".into()), ..req(&fx, &["train.lr=0.01"]) };
    let before = fx.remote_ref("main");
    let e = fails(&fx, &r, &[]);
    assert_eq!(e.kind, ErrorKind::Usage);
    assert_eq!(e.message, "--branch main is the base branch: a pull request needs a branch of its own");
    assert_eq!(
        e.hint.as_deref(),
        Some("pass --to-base to commit on the base branch itself, or --branch NAME for a new branch")
    );
    assert_eq!(fx.remote_ref("main"), before);
}

#[test]
fn push_to_a_moved_base_is_rejected() {
    let fx = Fixture::github();
    let other = fx.root.join("other");
    git(&fx.root, &["clone", "-q", fx.bare.to_str().unwrap(), other.to_str().unwrap()]);
    git(
        &other,
        &[
            "-c",
            "user.name=B",
            "-c",
            "user.email=b@example.com",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "moved",
        ],
    );
    git(&other, &["push", "-q", "origin", "main"]);
    let moved = fx.remote_ref("main");
    let r = experiment::ExperimentRequest { to_base: true, ..req(&fx, &["train.lr=0.01"]) };
    let e = fails(&fx, &r, &[]);
    assert_eq!(e.kind, ErrorKind::PushRejected);
    assert!(
        e.message.starts_with(
            "origin rejected the push to main: the branch has moved on the remote (only fast-forward pushes are made)\n"
        ),
        "{}",
        e.message
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("pull the base branch, then run the experiment again; nothing in your work tree, index or branches changed")
    );
    assert_eq!(fx.remote_ref("main"), moved);
}

#[test]
fn auth_failure_does_not_echo_url_credentials() {
    let fx = Fixture::github();
    let secret = "ghp_URLs3cretInsideTheRemoteUrl1234567";
    let server = FakeForge::start(|_| (401, String::new()));
    let forge_dir = format!("url.{}/forge/.insteadOf", fx.root.display());
    git(&fx.work, &["config", "--unset", &forge_dir]);
    git(
        &fx.work,
        &[
            "config",
            &format!("url.http://x-token:{secret}@127.0.0.1:{}/.insteadOf", server.port),
            "https://github.com/",
        ],
    );
    let e = fails(&fx, &req(&fx, &["train.lr=0.01"]), &[]);
    assert_eq!(e.kind, ErrorKind::AuthFailed, "{e}");
    assert!(
        e.message
            .starts_with("git could not authenticate to remote origin (https://github.com/acme/model.git)"),
        "{}",
        e.message
    );
    assert!(!e.to_string().contains(secret), "{e}");
    assert!(!serde_json::to_string(&e).unwrap().contains(secret));
    assert!(!logs().contains(secret));
}

#[test]
fn network_down() {
    let fx = Fixture::github();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let forge_dir = format!("url.{}/forge/.insteadOf", fx.root.display());
    git(&fx.work, &["config", "--unset", &forge_dir]);
    git(&fx.work, &["config", &format!("url.http://127.0.0.1:{port}/.insteadOf"), "https://github.com/"]);
    let e = fails(&fx, &req(&fx, &["train.lr=0.01"]), &[]);
    assert_eq!(e.kind, ErrorKind::Network, "{e}");
    assert!(
        e.message.starts_with("could not reach remote origin (https://github.com/acme/model.git)"),
        "{}",
        e.message
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("check your network connection and the remote URL; nothing in your work tree, index or branches changed")
    );
}

#[test]
fn cancelled_before_the_push() {
    let fx = Fixture::github();
    let before = fx.snapshot();
    let r = experiment::ExperimentRequest { branch: Some("exp/c".into()), ..req(&fx, &["train.lr=0.01"]) };
    let ran = run_with_env(&r, &[], true);
    let e = ran.result.unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Cancelled, "cancelled; nothing was pushed"));
    assert!(ran.steps.is_empty());
    assert_eq!(fx.remote_ref("exp/c"), None);
    assert_eq!(fx.snapshot(), before);
}

#[test]
fn api_errors_after_the_push_say_where_the_branch_is() {
    let cases: [(u16, &str, &str); 5] = [
        (401, r#"{"message":"Bad credentials"}"#, "the GitHub API rejected the token (401 Unauthorized)"),
        (
            403,
            r#"{"message":"Resource not accessible by integration"}"#,
            "the token may not open pull requests in acme/model (403 Forbidden): Resource not accessible by integration",
        ),
        (404, r#"{"message":"Not Found"}"#, "the GitHub API does not show acme/model (404 Not Found)"),
        (
            422,
            r#"{"message":"Validation Failed","errors":[{"message":"No commits between main and x"}]}"#,
            "the GitHub API refused the pull request (422): Validation Failed: No commits between main and x",
        ),
        (503, &format!(r#"{{"message":"down, token {TOKEN}"}}"#), "the GitHub API failed (503): down, token ***"),
    ];
    for (status, body, message) in cases {
        let fx = Fixture::github();
        let body = body.to_string();
        let api = FakeForge::start(move |_| (status, body.clone()));
        let r = experiment::ExperimentRequest {
            branch: Some("exp/api".into()),
            api_url: Some(api.url.clone()),
            ..req(&fx, &["train.lr=0.01"])
        };
        let e = fails(&fx, &r, &[("GITHUB_TOKEN", TOKEN)]);
        assert_eq!((e.kind, e.status, e.message.as_str()), (ErrorKind::Forge, Some(status), message));
        let pushed = e.pushed.as_deref().unwrap();
        let compare = "https://github.com/acme/model/compare/main...exp/api?expand=1";
        assert_eq!(pushed.branch, "exp/api");
        assert_eq!(pushed.compare_url.as_deref(), Some(compare));
        assert_eq!(fx.remote_ref("exp/api").as_deref(), Some(pushed.commit.as_str()));
        assert!(e.hint.as_deref().unwrap().ends_with(&format!(
            "the branch exp/api is pushed to origin: open the pull request at {compare} or run again with --reuse-branch"
        )));
        assert_no_token(&fx, &[e.to_string(), serde_json::to_string(&e).unwrap()]);
    }
}

#[test]
fn retry_with_reuse_branch_opens_the_pr_for_the_pushed_branch() {
    let fx = Fixture::github();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = calls.clone();
    let api = FakeForge::start(move |_| {
        if c.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            (502, "bad gateway".into())
        } else {
            (201, r#"{"html_url":"https://github.com/acme/model/pull/9"}"#.into())
        }
    });
    let r = experiment::ExperimentRequest { api_url: Some(api.url.clone()), ..req(&fx, &["train.lr=0.01"]) };
    let e = fails(&fx, &r, &[("GITHUB_TOKEN", TOKEN)]);
    let pushed = *e.pushed.unwrap();
    // Without --reuse-branch the same edit finds its branch taken.
    let again = fails(&fx, &r, &[("GITHUB_TOKEN", TOKEN)]);
    assert_eq!(again.kind, ErrorKind::BranchExists);
    let before = fx.snapshot();
    let retry = experiment::ExperimentRequest { reuse_branch: true, ..r };
    let out = run_with_env(&retry, &[("GITHUB_TOKEN", TOKEN)], false).result.unwrap();
    assert_eq!(fx.snapshot(), before);
    assert_eq!((out.branch.as_str(), out.commit.as_str()), (pushed.branch.as_str(), pushed.commit.as_str()));
    assert!(!out.pushed && out.pr_created);
    assert_eq!(out.url.as_deref(), Some("https://github.com/acme/model/pull/9"));
    let reqs = api.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].json()["head"], pushed.branch.as_str());
}

/// `-S train=1` where `train` is a mapping would drop every key under it: refused, naming
/// the key and its keys, before anything is committed. The same for a list. Replacing a
/// mapping by a mapping (or a list by a list) is an explicit whole-value edit and works.
#[test]
fn a_scalar_over_a_mapping_or_list_is_refused() {
    let fx = Fixture::github();
    let cases = [
        (
            "train=1",
            "cannot set train in params.yaml: `train` is a mapping (lr, epochs, optimizer), not a single value; set one of its keys, e.g. train.lr=VALUE",
        ),
        (
            "model=small",
            "cannot set model in params.yaml: `model` is a mapping (layers), not a single value; set one of its keys, e.g. model.layers=VALUE",
        ),
        (
            "model.layers=3",
            "cannot set model.layers in params.yaml: `model.layers` is a list (1 item), not a single value; set an item, e.g. model.layers.0=VALUE, or give a whole list, e.g. model.layers=[...]",
        ),
        (
            "train=[1, 2]",
            "cannot set train in params.yaml: `train` is a mapping (lr, epochs, optimizer), not a list; set one of its keys, e.g. train.lr=VALUE",
        ),
    ];
    for (spec, msg) in cases {
        let e = fails(&fx, &req(&fx, &[spec]), &[]);
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::InvalidOverride, msg), "{spec}");
    }
    let p = experiment::preview(&experiment::ExperimentRequest {
        overrides: vec!["train={lr: 0.5}".into()],
        ..fx.request()
    })
    .unwrap();
    assert_eq!(
        p.diff.iter().map(|d| (d.key.as_str(), d.old.as_deref(), d.new.as_deref())).collect::<Vec<_>>(),
        vec![
            ("train.lr", Some("0.001"), Some("0.5")),
            ("train.epochs", Some("10"), None),
            ("train.optimizer", Some("adam"), None)
        ]
    );
}

/// A dry run asks the remote like a real run: a taken branch fails the preview with the
/// same error, and `--reuse-branch` over the same edit previews as "not pushed again".
#[test]
fn dry_run_reports_a_branch_taken_on_the_remote() {
    let fx = Fixture::github();
    git(&fx.work, &["push", "-q", "origin", "main:refs/heads/exp/taken"]);
    let r =
        experiment::ExperimentRequest { branch: Some("exp/taken".into()), ..req(&fx, &["train.lr=0.01"]) };
    let before = fx.snapshot();
    let objects = fx.object_count();
    let e = preview_with_env(&r, &[]).unwrap_err();
    assert_eq!(fx.object_count(), objects, "a preview writes no object");
    let real = fails(&fx, &r, &[]);
    let objects = fx.object_count();
    assert_eq!(
        (e.kind, e.message.as_str(), e.hint.as_deref()),
        (real.kind, real.message.as_str(), real.hint.as_deref())
    );
    assert_eq!(e.kind, ErrorKind::BranchExists);
    assert_eq!(e.message, "branch exp/taken already exists on origin");
    let e = preview_with_env(&experiment::ExperimentRequest { reuse_branch: true, ..r.clone() }, &[])
        .unwrap_err();
    assert_eq!(e.message, "branch exp/taken exists on origin with other content than this edit");
    assert_eq!(fx.snapshot(), before);
    assert_eq!(fx.object_count(), objects, "a preview writes no object");

    // The same edit pushed by an earlier run (whose PR failed): reusable.
    let r = experiment::ExperimentRequest {
        branch: Some("exp/mine".into()),
        no_pr: true,
        ..req(&fx, &["train.lr=0.01"])
    };
    let first = run_with_env(&r, &[], false).result.unwrap();
    let objects = fx.object_count();
    let p =
        preview_with_env(&experiment::ExperimentRequest { reuse_branch: true, ..r.clone() }, &[]).unwrap();
    assert!(p.reuses_branch);
    assert_eq!(fx.object_count(), objects);
    assert_eq!(preview_with_env(&r, &[]).unwrap_err().kind, ErrorKind::BranchExists);
    let again =
        run_with_env(&experiment::ExperimentRequest { reuse_branch: true, ..r }, &[], false).result.unwrap();
    assert_eq!((again.commit.as_str(), again.pushed), (first.commit.as_str(), false));

    // A free branch previews fine.
    let p = preview_with_env(
        &experiment::ExperimentRequest { branch: Some("exp/free".into()), ..req(&fx, &["train.lr=0.01"]) },
        &[],
    )
    .unwrap();
    assert!(!p.reuses_branch);
}

/// The command line: `--dry-run` on a taken branch exits 1 with the run's error.
#[test]
fn cli_dry_run_on_a_taken_branch() {
    let fx = Fixture::github();
    git(&fx.work, &["push", "-q", "origin", "main:refs/heads/exp/taken"]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cml-lsp"))
        .current_dir(&fx.work)
        .args(["run-experiment", "-S", "train.lr=0.01", "--branch", "exp/taken", "--dry-run"])
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: branch exp/taken already exists on origin\nhint: pass --reuse-branch to open the pull request for it, or --branch NAME for a new one\n"
    );
}

#[test]
fn preview_with_the_remote_unreachable_warns_and_changes_nothing() {
    let fx = Fixture::github();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let forge_dir = format!("url.{}/forge/.insteadOf", fx.root.display());
    git(&fx.work, &["config", "--unset", &forge_dir]);
    git(&fx.work, &["config", &format!("url.http://127.0.0.1:{port}/.insteadOf"), "https://github.com/"]);
    let r =
        experiment::ExperimentRequest { branch: Some("exp/offline".into()), ..req(&fx, &["train.lr=0.01"]) };
    let before = fx.snapshot();
    let objects = fx.object_count();
    let p = preview_with_env(&r, &[]).expect("a preview works offline");
    assert_eq!(p.branch, "exp/offline");
    assert!(!p.reuses_branch);
    let w =
        p.warnings.iter().find(|w| w.starts_with("could not check whether exp/offline is free on origin: "));
    assert!(
        w.is_some_and(|w| w.contains("could not reach remote origin (https://github.com/acme/model.git)")),
        "{:?}",
        p.warnings
    );
    assert_eq!(fx.snapshot(), before);
    assert_eq!(fx.object_count(), objects, "a preview writes no object");
    // The real run still stops at the same place.
    assert_eq!(fails(&fx, &r, &[]).kind, ErrorKind::Network);
}

#[test]
fn review_preview_warns_about_a_taken_branch() {
    let fx = Fixture::github();
    git(&fx.work, &["push", "-q", "origin", "main:refs/heads/exp/taken"]);
    let r =
        experiment::ExperimentRequest { branch: Some("exp/taken".into()), ..req(&fx, &["train.lr=0.01"]) };
    let before = fx.snapshot();
    let p = review_with_env(&r, &[]).expect("the review step still shows the plan");
    assert_eq!(p.branch, "exp/taken");
    assert!(p.warnings.contains(&"branch exp/taken already exists on origin (pass --reuse-branch to open the pull request for it, or --branch NAME for a new one)".to_string()), "{:?}", p.warnings);
    assert_eq!(fx.snapshot(), before);
}
