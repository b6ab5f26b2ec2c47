//! Git: reads and commit objects through git2 (no checkout, no index, no ref changes), and
//! the user's own `git` binary for what must honour their setup (push, remote queries,
//! signing) behind the [`GitCli`] trait.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use git2::{FileMode, Oid, Repository};

use super::error::{ErrorKind, ExpError};

/// The commit to build on and the branch it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base {
    pub commit: Oid,
    /// Short branch name on the remote side (`main`), used as PR target and for `--to-base`.
    pub branch: String,
}

pub fn open(dir: &Path) -> Result<Repository, ExpError> {
    let repo = Repository::discover(dir).map_err(|_| {
        ExpError::new(ErrorKind::NotARepo, format!("{} is not inside a git repository", dir.display()))
            .hint("open the folder of a git clone, or pass --repo DIR")
    })?;
    if repo.is_bare() {
        return Err(ExpError::new(ErrorKind::NotARepo, "the repository is bare (it has no work tree)"));
    }
    Ok(repo)
}

pub fn workdir(repo: &Repository) -> PathBuf {
    repo.workdir().map(Path::to_path_buf).unwrap_or_else(|| repo.path().to_path_buf())
}

/// Resolves `--base` (a branch, a remote-tracking branch `origin/main`, or any commit with
/// an explicit branch) or the current branch.
pub fn resolve_base(repo: &Repository, base: Option<&str>) -> Result<Base, ExpError> {
    let Some(base) = base else {
        let head = repo.head().map_err(|e| {
            ExpError::new(ErrorKind::NoBase, format!("cannot read HEAD: {}", e.message()))
                .hint("make a first commit, or pass --base BRANCH")
        })?;
        if !head.is_branch() {
            return Err(ExpError::new(
                ErrorKind::DetachedHead,
                "HEAD is detached: there is no current branch to base on",
            )
            .hint("pass --base BRANCH (e.g. --base main)"));
        }
        let name = head.shorthand().unwrap_or("").to_string();
        let commit = head.peel_to_commit().map_err(|e| ExpError::git("reading HEAD", &e))?;
        return Ok(Base { commit: commit.id(), branch: name });
    };
    let not_found = || {
        ExpError::new(
            ErrorKind::NoBase,
            format!("base {base:?} is not a branch or commit in this repository"),
        )
        .hint("pass an existing branch, e.g. --base main or --base origin/main")
    };
    if let Ok(b) = repo.find_branch(base, git2::BranchType::Local) {
        let commit = b.get().peel_to_commit().map_err(|e| ExpError::git("reading the base branch", &e))?;
        return Ok(Base { commit: commit.id(), branch: base.to_string() });
    }
    if let Ok(b) = repo.find_branch(base, git2::BranchType::Remote) {
        let commit = b.get().peel_to_commit().map_err(|e| ExpError::git("reading the base branch", &e))?;
        let branch = base.split_once('/').map(|(_, b)| b.to_string()).unwrap_or_else(|| base.to_string());
        return Ok(Base { commit: commit.id(), branch });
    }
    let obj = repo.revparse_single(base).map_err(|_| not_found())?;
    let commit = obj.peel_to_commit().map_err(|_| not_found())?;
    Err(ExpError::new(
        ErrorKind::NoBase,
        format!(
            "base {base:?} is a commit ({:.7}), not a branch: the pull request needs a target branch",
            commit.id()
        ),
    )
    .hint("pass a branch name as --base"))
}

/// The bytes and mode of `path` in the commit's tree, if present.
pub fn read_file(repo: &Repository, commit: Oid, path: &str) -> Result<Option<(Vec<u8>, i32)>, ExpError> {
    let commit = repo.find_commit(commit).map_err(|e| ExpError::git("reading the base commit", &e))?;
    let tree = commit.tree().map_err(|e| ExpError::git("reading the base tree", &e))?;
    let Ok(entry) = tree.get_path(Path::new(path)) else { return Ok(None) };
    if entry.kind() != Some(git2::ObjectType::Blob) {
        return Err(ExpError::new(
            ErrorKind::InvalidParams,
            format!("{path} is not a file in the base commit"),
        ));
    }
    let blob = repo.find_blob(entry.id()).map_err(|e| ExpError::git("reading a file", &e))?;
    Ok(Some((blob.content().to_vec(), entry.filemode())))
}

/// Every `dvc.yaml` in the commit's tree, with its text.
pub fn dvc_files(repo: &Repository, commit: Oid) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(tree) = repo.find_commit(commit).and_then(|c| c.tree()) else { return out };
    let _ = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if matches!(entry.name(), Ok("dvc.yaml" | "dvc.yml")) && entry.kind() == Some(git2::ObjectType::Blob)
        {
            if let Ok(blob) = repo.find_blob(entry.id()) {
                if let Ok(text) = std::str::from_utf8(blob.content()) {
                    out.push((format!("{dir}{}", entry.name().unwrap_or_default()), text.to_string()));
                }
            }
        }
        git2::TreeWalkResult::Ok
    });
    out
}

/// Writes blobs and the updated trees into the object database (objects only: no ref,
/// index or work tree change) and returns the new root tree.
pub fn build_tree(repo: &Repository, base: Oid, files: &[(String, Vec<u8>, i32)]) -> Result<Oid, ExpError> {
    let commit = repo.find_commit(base).map_err(|e| ExpError::git("reading the base commit", &e))?;
    let tree = commit.tree().map_err(|e| ExpError::git("reading the base tree", &e))?;
    let mut upd = git2::build::TreeUpdateBuilder::new();
    for (path, bytes, mode) in files {
        let oid = repo.blob(bytes).map_err(|e| ExpError::git("writing a file blob", &e))?;
        let mode = if *mode == i32::from(FileMode::BlobExecutable) {
            FileMode::BlobExecutable
        } else {
            FileMode::Blob
        };
        upd.upsert(path.as_str(), oid, mode);
    }
    upd.create_updated(repo, &tree).map_err(|e| ExpError::git("writing the tree", &e))
}

/// The git config as the `git` command sees it. libgit2 reads the default files only; git
/// also honours `GIT_CONFIG_GLOBAL` (replacing `~/.gitconfig` and the XDG file; empty for
/// none), `GIT_CONFIG_SYSTEM` and `GIT_CONFIG_NOSYSTEM`, so with any of them set the files
/// are stacked here the same way (system, global, repository; later levels win).
pub fn config(repo: &Repository) -> Result<git2::Config, ExpError> {
    config_with(repo, &|k| std::env::var_os(k))
}

fn config_with(
    repo: &Repository,
    env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<git2::Config, ExpError> {
    let err = |e: git2::Error| ExpError::git("reading git config", &e);
    let global = env("GIT_CONFIG_GLOBAL");
    let system = env("GIT_CONFIG_SYSTEM");
    let nosystem = env("GIT_CONFIG_NOSYSTEM").is_some_and(|v| env_bool(&v.to_string_lossy()));
    if global.is_none() && system.is_none() && !nosystem {
        return repo.config().map_err(err);
    }
    let mut cfg = git2::Config::new().map_err(err)?;
    let mut add = |path: &Path, level: git2::ConfigLevel| -> Result<(), ExpError> {
        if path.is_file() {
            cfg.add_file(path, level, false).map_err(err)?;
        }
        Ok(())
    };
    if !nosystem {
        match &system {
            Some(p) if !p.is_empty() => add(Path::new(p), git2::ConfigLevel::System)?,
            Some(_) => {}
            None => {
                if let Ok(p) = git2::Config::find_system() {
                    add(&p, git2::ConfigLevel::System)?;
                }
            }
        }
    }
    match &global {
        Some(p) if !p.is_empty() => add(Path::new(p), git2::ConfigLevel::Global)?,
        Some(_) => {}
        None => {
            if let Ok(p) = git2::Config::find_xdg() {
                add(&p, git2::ConfigLevel::XDG)?;
            }
            if let Ok(p) = git2::Config::find_global() {
                add(&p, git2::ConfigLevel::Global)?;
            }
        }
    }
    add(&repo.commondir().join("config"), git2::ConfigLevel::Local)?;
    let worktree = repo.path().join("config.worktree");
    if cfg.get_bool("extensions.worktreeConfig").unwrap_or(false) && worktree.is_file() {
        cfg.add_file(&worktree, git2::ConfigLevel::Worktree, false).map_err(err)?;
    }
    Ok(cfg)
}

/// git's reading of a boolean environment variable.
fn env_bool(v: &str) -> bool {
    !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false" | "no" | "off")
}

/// Author and committer as `git commit` would record them: `GIT_AUTHOR_NAME`/`_EMAIL` (and
/// `GIT_COMMITTER_*`) first, then `author.*`/`committer.*`, then `user.*`, then `EMAIL`.
pub fn signatures(
    repo: &Repository,
) -> Result<(git2::Signature<'static>, git2::Signature<'static>), ExpError> {
    signatures_with(repo, &|k| std::env::var_os(k))
}

fn signatures_with(
    repo: &Repository,
    env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<(git2::Signature<'static>, git2::Signature<'static>), ExpError> {
    let cfg = config_with(repo, env)?;
    let var = |k: &str| env(k).map(|v| v.to_string_lossy().into_owned()).filter(|s| !s.trim().is_empty());
    let conf = |k: &str| cfg.get_string(k).ok().filter(|s| !s.trim().is_empty());
    let who = |role: &str| -> Result<git2::Signature<'static>, ExpError> {
        let up = role.to_ascii_uppercase();
        let name = var(&format!("GIT_{up}_NAME"))
            .or_else(|| conf(&format!("{role}.name")))
            .or_else(|| conf("user.name"));
        let email = var(&format!("GIT_{up}_EMAIL"))
            .or_else(|| conf(&format!("{role}.email")))
            .or_else(|| conf("user.email"))
            .or_else(|| var("EMAIL"));
        match (name, email) {
            (Some(n), Some(e)) => git2::Signature::now(&n, &e).map_err(|e| ExpError::git("making the signature", &e)),
            _ => Err(ExpError::new(ErrorKind::Identity, "git does not know who you are: user.name or user.email is not set")
                .hint("run git config --global user.name \"Your Name\" and git config --global user.email you@example.com")),
        }
    };
    Ok((who("author")?, who("committer")?))
}

/// True when the user's config asks for signed commits.
pub fn wants_signing(repo: &Repository) -> bool {
    config(repo).ok().and_then(|c| c.get_bool("commit.gpgsign").ok()).unwrap_or(false)
}

/// Creates the commit object (no ref is updated). Signed through the user's git when
/// their config asks for it; never silently unsigned.
pub fn commit(
    repo: &Repository,
    cli: &dyn GitCli,
    tree: Oid,
    parent: Oid,
    message: &str,
) -> Result<Oid, ExpError> {
    let (author, committer) = signatures(repo)?;
    if wants_signing(repo) {
        let out = cli.commit_tree_signed(&workdir(repo), &tree.to_string(), &parent.to_string(), message);
        return match out {
            Ok(id) => Oid::from_str(id.trim()).map_err(|_| {
                ExpError::new(ErrorKind::Signing, "git commit-tree -S did not print a commit id")
            }),
            Err(detail) => Err(ExpError::new(
                ErrorKind::Signing,
                format!("your git config asks for signed commits (commit.gpgsign=true) but signing failed: {detail}"),
            )
            .hint("fix your signing key (user.signingkey, gpg.format) or set commit.gpgsign=false for this repository; nothing was committed or pushed")),
        };
    }
    let tree = repo.find_tree(tree).map_err(|e| ExpError::git("reading the new tree", &e))?;
    let parent = repo.find_commit(parent).map_err(|e| ExpError::git("reading the base commit", &e))?;
    repo.commit(None, &author, &committer, message, &tree, &[&parent])
        .map_err(|e| ExpError::git("writing the commit", &e))
}

/// The remote to push to and its configured URL (before any `insteadOf` rewrite).
pub fn choose_remote(
    repo: &Repository,
    explicit: Option<&str>,
    base_branch: &str,
) -> Result<(String, String), ExpError> {
    let cfg = config(repo)?;
    let names: Vec<String> = repo
        .remotes()
        .map(|r| r.iter().filter_map(|n| n.ok().flatten()).map(str::to_string).collect())
        .unwrap_or_default();
    let name = match explicit {
        Some(n) => {
            if !names.iter().any(|r| r == n) {
                return Err(ExpError::new(ErrorKind::NoRemote, format!("there is no remote named {n:?}"))
                    .hint(if names.is_empty() {
                        "add one with git remote add origin URL".to_string()
                    } else {
                        format!("configured remotes: {}", names.join(", "))
                    }));
            }
            n.to_string()
        }
        None => {
            let upstream =
                cfg.get_string(&format!("branch.{base_branch}.remote")).ok().filter(|r| names.contains(r));
            match upstream {
                Some(r) => r,
                None if names.iter().any(|r| r == "origin") => "origin".to_string(),
                None if names.len() == 1 => names[0].clone(),
                None if names.is_empty() => {
                    return Err(ExpError::new(ErrorKind::NoRemote, "the repository has no remote to push to")
                        .hint("add one with git remote add origin URL"))
                }
                None => {
                    return Err(ExpError::new(
                        ErrorKind::NoRemote,
                        "several remotes and none is origin or the base branch's upstream",
                    )
                    .hint(format!("pass --remote NAME (one of: {})", names.join(", "))))
                }
            }
        }
    };
    let url = cfg.get_string(&format!("remote.{name}.url")).map_err(|_| {
        ExpError::new(ErrorKind::NoRemote, format!("remote {name:?} has no url"))
            .hint("set one with git remote set-url")
    })?;
    Ok((name, url))
}

/// Why a `git` command failed, from its stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    Rejected,
    Auth,
    Network,
    NoSuchRemote,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitFailure {
    pub kind: FailureKind,
    /// stderr with credentials and token-looking strings removed.
    pub detail: String,
}

/// Classifies `git push` / `git ls-remote` stderr.
pub fn classify(stderr: &str) -> FailureKind {
    let s = stderr.to_ascii_lowercase();
    let has = |p: &str| s.contains(p);
    if has("[rejected]")
        || has("[remote rejected]")
        || has("non-fast-forward")
        || has("fetch first")
        || has("pre-receive hook declined")
        || has("protected branch")
    {
        FailureKind::Rejected
    } else if has("authentication failed")
        || has("could not read username")
        || has("could not read password")
        || has("terminal prompts disabled")
        || has("permission denied")
        || has("access denied")
        || has("invalid username or password")
        || has("the requested url returned error: 401")
        || has("the requested url returned error: 403")
    {
        FailureKind::Auth
    } else if has("could not resolve host")
        || has("failed to connect")
        || has("connection refused")
        || has("network is unreachable")
        || has("timed out")
        || has("could not resolve hostname")
        || has("no route to host")
        || has("connection reset")
    {
        FailureKind::Network
    } else if has("does not appear to be a git repository")
        || has("no such remote")
        || has("repository not found")
    {
        FailureKind::NoSuchRemote
    } else {
        FailureKind::Other
    }
}

/// What runs the user's `git` (and `gh`): push, remote branch lookup, signing.
pub trait GitCli: Send + Sync {
    /// `git push <remote> <refspec>` (never forced).
    fn push(&self, repo: &Path, remote: &str, refspec: &str) -> Result<(), GitFailure>;
    /// The commit a branch points at on the remote, if the branch exists.
    fn remote_branch(&self, repo: &Path, remote: &str, branch: &str) -> Result<Option<String>, GitFailure>;
    /// `git commit-tree -S`: the signed commit's id, or why signing failed.
    fn commit_tree_signed(
        &self,
        repo: &Path,
        tree: &str,
        parent: &str,
        message: &str,
    ) -> Result<String, String>;
    /// `gh auth token --hostname HOST` when `gh` is installed and logged in.
    fn gh_token(&self, host: &str) -> Option<String>;
}

/// The real thing: the `git` and `gh` on PATH, non-interactive.
#[derive(Clone, Debug)]
pub struct SystemGit {
    pub git: PathBuf,
    /// `None` disables asking `gh` for a token.
    pub gh: Option<PathBuf>,
}

impl Default for SystemGit {
    fn default() -> Self {
        SystemGit { git: "git".into(), gh: Some("gh".into()) }
    }
}

impl SystemGit {
    fn cmd(&self, repo: &Path) -> Command {
        let mut c = Command::new(&self.git);
        c.arg("-C").arg(repo);
        c.env("GIT_TERMINAL_PROMPT", "0").env("GCM_INTERACTIVE", "never").env("LC_ALL", "C");
        for v in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"] {
            c.env_remove(v);
        }
        c.stdin(Stdio::null());
        c
    }

    fn failure(stderr: &[u8]) -> GitFailure {
        let s = String::from_utf8_lossy(stderr);
        GitFailure { kind: classify(&s), detail: super::redact::redact(s.trim(), &[]) }
    }
}

impl GitCli for SystemGit {
    fn push(&self, repo: &Path, remote: &str, refspec: &str) -> Result<(), GitFailure> {
        let out =
            self.cmd(repo).args(["push", "--porcelain", remote, refspec]).output().map_err(|e| {
                GitFailure { kind: FailureKind::Other, detail: format!("cannot run git: {e}") }
            })?;
        if out.status.success() {
            Ok(())
        } else {
            let mut f = Self::failure(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            if f.kind == FailureKind::Other && classify(&stdout) == FailureKind::Rejected {
                f.kind = FailureKind::Rejected;
            }
            if f.kind == FailureKind::Rejected && !stdout.trim().is_empty() {
                f.detail = format!("{}\n{}", super::redact::redact(stdout.trim(), &[]), f.detail);
            }
            Err(f)
        }
    }

    fn remote_branch(&self, repo: &Path, remote: &str, branch: &str) -> Result<Option<String>, GitFailure> {
        let full = format!("refs/heads/{branch}");
        let out =
            self.cmd(repo).args(["ls-remote", "--heads", remote, &full]).output().map_err(|e| {
                GitFailure { kind: FailureKind::Other, detail: format!("cannot run git: {e}") }
            })?;
        if !out.status.success() {
            return Err(Self::failure(&out.stderr));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        Ok(stdout.lines().find_map(|l| {
            let (oid, name) = l.split_once('\t')?;
            (name.trim() == full).then(|| oid.trim().to_string())
        }))
    }

    fn commit_tree_signed(
        &self,
        repo: &Path,
        tree: &str,
        parent: &str,
        message: &str,
    ) -> Result<String, String> {
        let mut child = self
            .cmd(repo)
            .args(["commit-tree", "-S", tree, "-p", parent, "-F", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(message.as_bytes()).map_err(|e| format!("cannot write to git: {e}"))?;
        }
        let out = child.wait_with_output().map_err(|e| format!("git failed: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            let line = err.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join("; ");
            Err(super::redact::redact(&line, &[]))
        }
    }

    fn gh_token(&self, host: &str) -> Option<String> {
        let gh = self.gh.as_ref()?;
        let out = Command::new(gh)
            .args(["auth", "token", "--hostname", host])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let t = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !t.is_empty()).then_some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_git_errors() {
        assert_eq!(classify(" ! [rejected]        abc -> main (non-fast-forward)"), FailureKind::Rejected);
        assert_eq!(
            classify("! [remote rejected] main -> main (pre-receive hook declined)"),
            FailureKind::Rejected
        );
        assert_eq!(
            classify("fatal: could not read Username for 'https://github.com': terminal prompts disabled"),
            FailureKind::Auth
        );
        assert_eq!(classify("git@github.com: Permission denied (publickey)."), FailureKind::Auth);
        assert_eq!(
            classify("fatal: unable to access 'https://x/': Could not resolve host: x"),
            FailureKind::Network
        );
        assert_eq!(
            classify(
                "fatal: unable to access 'http://127.0.0.1:1/a/': Failed to connect to 127.0.0.1 port 1"
            ),
            FailureKind::Network
        );
        assert_eq!(
            classify("fatal: 'nope' does not appear to be a git repository"),
            FailureKind::NoSuchRemote
        );
        assert_eq!(classify("something else"), FailureKind::Other);
    }
}
