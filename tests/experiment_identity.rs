//! The experiment commit's author and committer are the ones `git commit` would use:
//! `GIT_CONFIG_GLOBAL`, `GIT_CONFIG_SYSTEM` and `GIT_CONFIG_NOSYSTEM` choose the config
//! files, `GIT_AUTHOR_*`/`GIT_COMMITTER_*` override them. A binary of its own, as it changes
//! the process environment (one test, so no other thread reads it meanwhile).

mod experiment_support;

use cml_lsp::experiment::{self, ErrorKind};
use experiment_support::*;

fn set(k: &str, v: Option<&str>) {
    // SAFETY: the only test of this binary; nothing else reads the environment meanwhile.
    unsafe {
        match v {
            Some(v) => std::env::set_var(k, v),
            None => std::env::remove_var(k),
        }
    }
}

/// `Name <email>` of the author and committer of a commit.
fn idents(fx: &Fixture, commit: &str) -> String {
    git(&fx.work, &["log", "-1", "--format=%an <%ae>|%cn <%ce>", commit])
}

/// What `git commit` would record right now, from `git var`.
fn git_would_use(fx: &Fixture) -> String {
    let strip = |s: String| s.rsplitn(3, ' ').nth(2).unwrap_or_default().to_string();
    format!(
        "{}|{}",
        strip(git(&fx.work, &["var", "GIT_AUTHOR_IDENT"])),
        strip(git(&fx.work, &["var", "GIT_COMMITTER_IDENT"]))
    )
}

fn run(fx: &Fixture, branch: &str) -> Result<String, experiment::ExpError> {
    let r = experiment::ExperimentRequest {
        overrides: vec![format!("train.epochs={}", branch.len() + 100)],
        branch: Some(format!("exp/{branch}")),
        no_pr: true,
        ..fx.request()
    };
    run_with_env(&r, &[], false).result.map(|o| o.commit)
}

#[test]
fn identity_follows_git_config_environment() {
    isolate();
    let fx = Fixture::github();
    git(&fx.work, &["config", "--unset", "user.name"]);
    git(&fx.work, &["config", "--unset", "user.email"]);
    let global = std::env::var("GIT_CONFIG_GLOBAL").expect("isolate() sets it");
    let other = fx.root.join("other-global");
    let system = fx.root.join("system-config");
    std::fs::write(&other, "[user]\n\tname = Grace Hopper\n\temail = grace@example.com\n").unwrap();
    std::fs::write(&system, "[user]\n\tname = System User\n\temail = system@example.com\n").unwrap();

    // The identity only in the file GIT_CONFIG_GLOBAL names (not ~/.gitconfig).
    set("GIT_CONFIG_GLOBAL", Some(other.to_str().unwrap()));
    let c = run(&fx, "global").unwrap();
    assert_eq!(idents(&fx, &c), "Grace Hopper <grace@example.com>|Grace Hopper <grace@example.com>");
    assert_eq!(idents(&fx, &c), git_would_use(&fx));

    // GIT_CONFIG_SYSTEM is read, unless GIT_CONFIG_NOSYSTEM says not to.
    set("GIT_CONFIG_GLOBAL", Some(&global));
    set("GIT_CONFIG_NOSYSTEM", None);
    set("GIT_CONFIG_SYSTEM", Some(system.to_str().unwrap()));
    let c = run(&fx, "system").unwrap();
    assert_eq!(idents(&fx, &c), "System User <system@example.com>|System User <system@example.com>");
    assert_eq!(idents(&fx, &c), git_would_use(&fx));
    set("GIT_CONFIG_NOSYSTEM", Some("1"));
    let e = run(&fx, "nosystem").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Identity);

    // The global file wins over the system one, the repository's over both.
    set("GIT_CONFIG_NOSYSTEM", Some("false"));
    set("GIT_CONFIG_GLOBAL", Some(other.to_str().unwrap()));
    let c = run(&fx, "layers").unwrap();
    assert_eq!(idents(&fx, &c), "Grace Hopper <grace@example.com>|Grace Hopper <grace@example.com>");
    git(&fx.work, &["config", "user.name", "Ada Lovelace"]);
    let c = run(&fx, "local").unwrap();
    assert_eq!(idents(&fx, &c), "Ada Lovelace <grace@example.com>|Ada Lovelace <grace@example.com>");
    assert_eq!(idents(&fx, &c), git_would_use(&fx));

    // The environment overrides the config, author and committer apart.
    set("GIT_AUTHOR_NAME", Some("Env Author"));
    set("GIT_COMMITTER_EMAIL", Some("committer@example.com"));
    let c = run(&fx, "env").unwrap();
    assert_eq!(idents(&fx, &c), "Env Author <grace@example.com>|Ada Lovelace <committer@example.com>");
    assert_eq!(idents(&fx, &c), git_would_use(&fx));
    set("GIT_AUTHOR_NAME", None);
    set("GIT_COMMITTER_EMAIL", None);
    set("GIT_CONFIG_SYSTEM", None);
    set("GIT_CONFIG_NOSYSTEM", Some("1"));
    set("GIT_CONFIG_GLOBAL", Some(&global));
}
