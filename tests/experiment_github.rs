//! run-experiment against GitHub: commit without touching the user's checkout, push through
//! the user's git (insteadOf to a local bare repo), open the PR on a stand-in API.

mod experiment_support;

use cml_lsp::experiment::{self, Change, ErrorKind, ForgeKind, ParamsText, Step};
use experiment_support::*;
use serde_json::json;

const EXPECTED_PARAMS: &str = "# training params\ntrain:\n  lr: 0.01  # learning rate\n  epochs: 20\n  optimizer: 'adam'\nmodel:\n  layers:\n    - units: 32\n";

fn lr_epochs(fx: &Fixture, api: &str) -> experiment::ExperimentRequest {
    experiment::ExperimentRequest {
        overrides: vec!["train.lr=0.01".into(), "train.epochs=20".into()],
        description: Some("Try a higher learning rate.".into()),
        api_url: Some(api.into()),
        ..fx.request()
    }
}

#[test]
fn opens_a_pull_request_without_touching_the_checkout() {
    let fx = Fixture::github();
    let api = FakeForge::start(|_| {
        (201, r#"{"html_url":"https://github.com/acme/model/pull/7","number":7}"#.into())
    });
    let base = fx.head();
    let before = fx.snapshot();
    let req = lr_epochs(&fx, &api.url);
    let preview = preview_with_env(&req, &[("GITHUB_TOKEN", TOKEN)]).unwrap();

    let ran = run_with_env(&req, &[("GITHUB_TOKEN", TOKEN)], false);
    let out = ran.result.unwrap();

    // The commit: parent is the base, only params.yaml changed, byte-exact.
    assert_eq!(out.base_commit, base);
    assert_eq!(git(&fx.work, &["rev-parse", &format!("{}^", out.commit)]), base);
    assert_eq!(git(&fx.work, &["rev-list", "--count", &format!("{base}..{}", out.commit)]), "1");
    assert_eq!(
        fx.commit_changes(&out.commit, &base),
        vec![("params.yaml".to_string(), EXPECTED_PARAMS.to_string())]
    );
    assert_eq!(
        git_raw(&fx.work, &["log", "-1", "--format=%an <%ae>|%cn <%ce>%n%B", &out.commit]),
        "Ada Lovelace <ada@example.com>|Ada Lovelace <ada@example.com>\n\
         Run experiment: train.lr=0.01, train.epochs=20\n\nTry a higher learning rate.\n\n\
         Params:\n  train.lr: 0.001 -> 0.01\n  train.epochs: 10 -> 20\n\n"
    );

    // The branch: derived from the keys and the content, pushed to the bare remote.
    assert!(out.branch.starts_with("exp/train-lr-train-epochs-"), "{}", out.branch);
    assert_eq!(out.branch.len(), "exp/train-lr-train-epochs-".len() + 7);
    assert_eq!(out.branch, preview.branch);
    assert_eq!(fx.remote_ref(&out.branch).as_deref(), Some(out.commit.as_str()));
    assert_eq!(fx.remote_ref("main").as_deref(), Some(base.as_str()));

    // Nothing of the user's changed: files (with the uncommitted edit), index, HEAD, branches, config.
    assert_eq!(fx.snapshot(), before);

    // The PR request.
    let reqs = api.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/repos/acme/model/pulls"));
    assert_eq!(r.headers["authorization"], format!("Bearer {TOKEN}"));
    assert_eq!(r.headers["accept"], "application/vnd.github+json");
    assert_eq!(r.headers["x-github-api-version"], "2022-11-28");
    assert_eq!(r.headers["user-agent"], format!("cml-lsp/{}", env!("CARGO_PKG_VERSION")));
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(
        r.json(),
        json!({
            "title": "Run experiment: train.lr=0.01, train.epochs=20",
            "head": out.branch,
            "base": "main",
            "body": "Try a higher learning rate.\n\n| Param | Old | New |\n|---|---|---|\n| `train.lr` | `0.001` | `0.01` |\n| `train.epochs` | `10` | `20` |\n",
        })
    );

    // The outcome.
    assert_eq!(out.url.as_deref(), Some("https://github.com/acme/model/pull/7"));
    assert!(out.pr_created && !out.pr_existed && out.pushed);
    assert_eq!(out.forge, Some(ForgeKind::Github));
    assert_eq!(out.remote, "origin");
    assert_eq!(
        out.diff
            .iter()
            .map(|d| (d.key.as_str(), d.old.as_deref(), d.new.as_deref(), d.change))
            .collect::<Vec<_>>(),
        vec![
            ("train.lr", Some("0.001"), Some("0.01"), Change::Modified),
            ("train.epochs", Some("10"), Some("20"), Change::Modified)
        ]
    );
    assert_eq!(
        out.warnings,
        vec!["train.epochs in params.yaml is not a parameter of any dvc.yaml stage: changing it will not re-run a stage"]
    );
    assert_eq!(
        ran.steps.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        vec![Step::Commit, Step::Push, Step::PullRequest]
    );

    let mut texts: Vec<String> = ran.steps.iter().map(|(_, m)| m.clone()).collect();
    texts.push(serde_json::to_string(&out).unwrap());
    texts.push(serde_json::to_string(&preview).unwrap());
    assert!(logs().contains("experiment commit created"), "logs are captured");
    assert_no_token(&fx, &texts);
}

#[test]
fn commits_the_editor_text_not_the_disk_copy() {
    let fx = Fixture::github();
    let before = fx.snapshot();
    let base = fx.head();
    let buffer = "# training params\ntrain:\n  lr: 0.005  # learning rate\n  epochs: 10\n  optimizer: 'sgd'\nmodel:\n  layers:\n    - units: 32\n";
    let req = experiment::ExperimentRequest {
        files: vec![ParamsText { path: "params.yaml".into(), text: buffer.into() }],
        overrides: vec!["model.layers.0.units=64".into()],
        no_pr: true,
        branch: Some("exp/editor".into()),
        ..fx.request()
    };
    let out = run_with_env(&req, &[], false).result.unwrap();
    assert_eq!(
        fx.commit_changes(&out.commit, &base),
        vec![("params.yaml".to_string(), buffer.replace("units: 32", "units: 64"))]
    );
    assert_eq!(out.branch, "exp/editor");
    assert_eq!(fx.remote_ref("exp/editor").as_deref(), Some(out.commit.as_str()));
    assert_eq!(out.url.as_deref(), Some("https://github.com/acme/model/compare/main...exp/editor?expand=1"));
    assert!(!out.pr_created);
    assert_eq!(out.summary, "Pushed exp/editor to origin; no pull request opened as asked");
    assert_eq!(fx.snapshot(), before);
}

#[test]
fn an_existing_pull_request_is_found_and_returned() {
    let fx = Fixture::github();
    let api = FakeForge::start(|r| {
        match r.method.as_str() {
        "POST" => (
            422,
            r#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for acme:exp/x."}]}"#.into(),
        ),
        _ => (200, r#"[{"html_url":"https://github.com/acme/model/pull/3"}]"#.into()),
    }
    });
    let req = experiment::ExperimentRequest { branch: Some("exp/x".into()), ..lr_epochs(&fx, &api.url) };
    let out = run_with_env(&req, &[("GH_TOKEN", TOKEN)], false).result.unwrap();
    assert_eq!(out.url.as_deref(), Some("https://github.com/acme/model/pull/3"));
    assert!(!out.pr_created && out.pr_existed);
    let reqs = api.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        (reqs[1].method.as_str(), reqs[1].path.as_str()),
        ("GET", "/repos/acme/model/pulls?head=acme%3Aexp%2Fx&state=open")
    );
    assert_eq!(reqs[1].headers["authorization"], format!("Bearer {TOKEN}"));
}

#[test]
fn without_a_token_the_branch_is_pushed_and_the_compare_url_returned() {
    let fx = Fixture::github();
    let api = FakeForge::start(|_| (500, String::new()));
    let req =
        experiment::ExperimentRequest { branch: Some("exp/no-token".into()), ..lr_epochs(&fx, &api.url) };
    let ran = run_with_env(&req, &[], false);
    let out = ran.result.unwrap();
    let compare = "https://github.com/acme/model/compare/main...exp/no-token?expand=1";
    assert_eq!(out.url.as_deref(), Some(compare));
    assert!(!out.pr_created);
    assert_eq!(
        out.summary,
        format!("Pushed exp/no-token to origin; no GitHub token found (set GITHUB_TOKEN or GH_TOKEN, or log in with gh), so open the pull request here: {compare}")
    );
    assert!(api.requests().is_empty());
    assert_eq!(fx.remote_ref("exp/no-token").as_deref(), Some(out.commit.as_str()));
    assert_eq!(ran.steps.iter().map(|(s, _)| *s).collect::<Vec<_>>(), vec![Step::Commit, Step::Push]);
}

#[test]
fn preview_changes_nothing_at_all() {
    let fx = Fixture::github();
    let before = fx.snapshot();
    let objects = fx.object_count();
    let bare_refs = git(&fx.bare, &["for-each-ref"]);
    let req = experiment::ExperimentRequest {
        overrides: vec!["train.lr=0.01".into(), "train.seed=7".into(), "train.optimizer=sgd".into()],
        api_url: Some("http://127.0.0.1:9".into()),
        ..fx.request()
    };
    let p = preview_with_env(&req, &[]).unwrap();
    assert_eq!(fx.snapshot(), before);
    assert_eq!(fx.object_count(), objects);
    assert_eq!(git(&fx.bare, &["for-each-ref"]), bare_refs);

    assert_eq!(p.base_branch, "main");
    assert_eq!(p.base_commit, fx.head());
    assert_eq!(p.remote, "origin");
    assert_eq!(p.remote_url, "https://github.com/acme/model.git");
    assert_eq!((p.forge, p.forge_repo.as_deref()), (Some(ForgeKind::Github), Some("acme/model")));
    assert_eq!(p.api_url.as_deref(), Some("http://127.0.0.1:9"));
    assert_eq!(p.pr_target.as_deref(), Some("main"));
    assert!(!p.token_found);
    assert_eq!(p.files, vec!["params.yaml"]);
    assert_eq!(p.title, "Run experiment: train.lr=0.01, train.optimizer=sgd, train.seed=7");
    assert_eq!(
        p.diff
            .iter()
            .map(|d| (d.key.as_str(), d.old.as_deref(), d.new.as_deref(), d.change))
            .collect::<Vec<_>>(),
        vec![
            ("train.lr", Some("0.001"), Some("0.01"), Change::Modified),
            ("train.optimizer", Some("adam"), Some("sgd"), Change::Modified),
            ("train.seed", None, Some("7"), Change::Added),
        ]
    );
    assert_eq!(p.warnings.len(), 2);
}

#[test]
fn to_base_fast_forwards_the_remote_base_and_opens_no_pr() {
    let fx = Fixture::github();
    let api = FakeForge::start(|_| (201, "{}".into()));
    let base = fx.head();
    let before = fx.snapshot();
    let req = experiment::ExperimentRequest { to_base: true, ..lr_epochs(&fx, &api.url) };
    let out = run_with_env(&req, &[("GITHUB_TOKEN", TOKEN)], false).result.unwrap();
    assert_eq!(out.branch, "main");
    assert_eq!(fx.remote_ref("main").as_deref(), Some(out.commit.as_str()));
    assert_eq!(git(&fx.work, &["rev-parse", &format!("{}^", out.commit)]), base);
    assert_eq!(fx.head(), base, "the local branch is not moved");
    assert_eq!(fx.snapshot(), before);
    assert!(api.requests().is_empty());
    assert!(out.url.is_none() && !out.pr_created);
}

#[test]
fn signed_commits_are_refused_when_signing_fails() {
    let fx = Fixture::github();
    let fake_gpg = fx.root.join("fake-gpg");
    std::fs::write(&fake_gpg, "#!/bin/sh\necho 'gpg: signing failed: No secret key' >&2\nexit 2\n").unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&fake_gpg).status().unwrap();
    git(&fx.work, &["config", "commit.gpgsign", "true"]);
    git(&fx.work, &["config", "gpg.program", fake_gpg.to_str().unwrap()]);
    let before = fx.snapshot();
    let req = experiment::ExperimentRequest {
        branch: Some("exp/signed".into()),
        no_pr: true,
        ..lr_epochs(&fx, "http://127.0.0.1:9")
    };
    let ran = run_with_env(&req, &[], false);
    let e = ran.result.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Signing);
    assert!(
        e.message.starts_with(
            "your git config asks for signed commits (commit.gpgsign=true) but signing failed: "
        ),
        "{}",
        e.message
    );
    assert!(e.message.contains("No secret key"), "{}", e.message);
    assert_eq!(
        e.hint.as_deref(),
        Some("fix your signing key (user.signingkey, gpg.format) or set commit.gpgsign=false for this repository; nothing was committed or pushed")
    );
    assert_eq!(fx.snapshot(), before);
    assert_eq!(fx.remote_ref("exp/signed"), None);
    assert_eq!(ran.steps.iter().map(|(s, _)| *s).collect::<Vec<_>>(), vec![Step::Commit]);
}

#[test]
fn buffer_differs_from_head() {
    let fx = Fixture::github();
    assert!(!experiment::differs_from_head(&fx.work, "params.yaml", PARAMS).unwrap());
    assert!(
        experiment::differs_from_head(&fx.work, "params.yaml", &PARAMS.replace("0.001", "0.002")).unwrap()
    );
    assert!(experiment::differs_from_head(&fx.work, "new.yaml", "a: 1\n").unwrap());
    let abs = fx.work.join("params.yaml");
    assert!(!experiment::differs_from_head(&fx.work, abs.to_str().unwrap(), PARAMS).unwrap());
}

/// Every progress line and summary names the branch it is about: the commit goes to the
/// new branch (based on main), not "on main".
#[test]
fn progress_and_summary_lines_name_the_right_branch() {
    let fx = Fixture::github();
    let api = FakeForge::start(|_| (201, r#"{"html_url":"https://github.com/acme/model/pull/5"}"#.into()));
    let req = experiment::ExperimentRequest { branch: Some("exp/words".into()), ..lr_epochs(&fx, &api.url) };
    let ran = run_with_env(&req, &[("GITHUB_TOKEN", TOKEN)], false);
    let out = ran.result.unwrap();
    assert_eq!(
        ran.steps,
        vec![
            (Step::Commit, "Committing params.yaml to exp/words (based on main)".to_string()),
            (Step::Push, "Pushing exp/words to origin".to_string()),
            (Step::PullRequest, "Opening a pull request from exp/words into main".to_string()),
        ]
    );
    assert_eq!(
        out.summary,
        "Opened pull request https://github.com/acme/model/pull/5 from exp/words into main"
    );

    // --to-base: the commit is on main itself.
    let fx = Fixture::github();
    let req = experiment::ExperimentRequest { to_base: true, ..lr_epochs(&fx, "http://127.0.0.1:9") };
    let ran = run_with_env(&req, &[], false);
    let out = ran.result.unwrap();
    assert_eq!(
        ran.steps,
        vec![
            (Step::Commit, "Committing params.yaml on main".to_string()),
            (Step::Push, "Pushing main to origin".to_string()),
        ]
    );
    assert_eq!(
        out.summary,
        format!(
            "Pushed {} to main on origin (your local main is unchanged; pull to get it)",
            &out.commit[..7]
        )
    );
}

/// A local branch with the experiment branch's name is left alone, but the user is told.
#[test]
fn a_local_branch_of_the_same_name_is_warned_about() {
    let fx = Fixture::github();
    git(&fx.work, &["branch", "exp/local"]);
    let before = fx.snapshot();
    let req = experiment::ExperimentRequest {
        branch: Some("exp/local".into()),
        no_pr: true,
        overrides: vec!["train.lr=0.01".into()],
        ..fx.request()
    };
    let warning = "a local branch exp/local exists: it is left as it is (the experiment branch is only created on origin)";
    let p = preview_with_env(&req, &[]).unwrap();
    assert!(p.warnings.iter().any(|w| w == warning), "{:?}", p.warnings);
    let out = run_with_env(&req, &[], false).result.unwrap();
    assert!(out.warnings.iter().any(|w| w == warning), "{:?}", out.warnings);
    assert_eq!(fx.snapshot(), before, "the local branch is not moved");
    // No such warning without a local branch of that name.
    let req = experiment::ExperimentRequest { branch: Some("exp/other".into()), ..req };
    let p = preview_with_env(&req, &[]).unwrap();
    assert!(!p.warnings.iter().any(|w| w.contains("local branch")), "{:?}", p.warnings);
}
