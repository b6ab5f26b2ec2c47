//! Run an experiment from the editor or the CLI: commit edited params on a new branch
//! (or the base branch) without touching the work tree, index, HEAD or any local branch,
//! push it with the user's own `git`, and open a pull/merge request so CI (with CML)
//! trains and reports.
//!
//! # API for the language server
//!
//! - [`preview`]`(&ExperimentRequest) -> Result<Preview, ExpError>`: what a run would do
//!   (params diff per dotted key, target branch, remote, forge, PR target, title, warnings),
//!   changing nothing (not even the object database). Like a run it asks the remote
//!   (`git ls-remote`) whether the branch exists, and fails the same way when it is taken.
//!   Backs `cml.previewExperiment`.
//! - [`run`]`(&ExperimentRequest, progress, cancel) -> Result<Outcome, ExpError>`: commit,
//!   push, open the PR. `progress` is called at each [`Step`]; `cancel` is checked before
//!   the commit and again before the push (after the push the run completes). git2 and the
//!   `git` child process block: call it from `spawn_blocking`.
//! - [`differs_from_head`]`(repo, path, text)`: whether a buffer differs from HEAD's copy
//!   (for the code lens).
//!
//! [`ExperimentRequest`] deserialises from `workspace/executeCommand` arguments (camelCase;
//! snake_case accepted), [`Preview`], [`Outcome`] and [`ExpError`] serialise for the reply.
//! Use [`ExperimentRequest::with_settings`] to apply the `experiment` settings.
//!
//! Inputs: `files` are `(repo-relative path, text)` pairs, e.g. the editor's unsaved
//! buffers; `overrides` are DVC `-S` style `[file:]key.path=value` strings applied on top
//! (of the given text, else of the base commit's copy) as format-preserving edits.
//!
//! Guarantees: every failure leaves the work tree, index, HEAD and local branches as they
//! were; a push is never forced; tokens never reach logs, messages, git config or URLs.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::config::ExperimentSettings;

pub mod dvc;
pub mod error;
pub mod forge;
pub mod git;
mod json_edit;
pub mod naming;
pub mod overrides;
pub mod params;
pub mod redact;
mod text_util;
mod toml_params;
pub mod yaml_edit;

pub use error::{ErrorKind, ExpError, Pushed};
pub use forge::{Forge, ForgeKind, HttpForge};
pub use git::{GitCli, SystemGit};
pub use params::{Change, DiffEntry};

/// One params file's new text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamsText {
    /// Path relative to the repository root (`/`-separated).
    pub path: String,
    pub text: String,
}

/// What to run. Every field but `repo` is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExperimentRequest {
    /// A directory inside the repository (the workspace root).
    pub repo: PathBuf,
    /// Edited params files (e.g. unsaved buffers).
    pub files: Vec<ParamsText>,
    /// `[file:]key.path=value` overrides (default file `params.yaml`).
    pub overrides: Vec<String>,
    /// Base branch (default: the current branch).
    pub base: Option<String>,
    /// Branch to create (default `exp/<keys>-<hash>`).
    pub branch: Option<String>,
    /// Commit and PR title (default `Run experiment: k=v, ...`).
    pub title: Option<String>,
    /// Commit and PR description.
    pub description: Option<String>,
    /// Commit on the base branch itself (fast-forward push, no PR).
    #[serde(alias = "to_base")]
    pub to_base: bool,
    pub remote: Option<String>,
    /// Push only.
    #[serde(alias = "no_pr")]
    pub no_pr: bool,
    /// Accept a branch that already exists on the remote with the same content (retry).
    #[serde(alias = "reuse_branch")]
    pub reuse_branch: bool,
    /// `github`, `gitlab` or `bitbucket` (default: detected from the remote URL).
    pub forge: Option<String>,
    #[serde(alias = "api_url")]
    pub api_url: Option<String>,
    #[serde(alias = "branch_prefix")]
    pub branch_prefix: Option<String>,
}

impl ExperimentRequest {
    /// Fills unset fields from the `experiment` settings.
    pub fn with_settings(mut self, s: &ExperimentSettings) -> Self {
        self.remote = self.remote.or_else(|| s.remote.clone());
        self.api_url = self.api_url.or_else(|| s.api_url.clone());
        self.forge = self.forge.or_else(|| s.forge.clone());
        self.branch_prefix = self.branch_prefix.or_else(|| s.branch_prefix.clone());
        self
    }
}

/// What a run would do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub base_branch: String,
    pub base_commit: String,
    /// The branch that would be pushed (the base branch with `to_base`).
    pub branch: String,
    pub to_base: bool,
    pub remote: String,
    /// The remote's configured URL, credentials removed.
    pub remote_url: String,
    pub forge: Option<ForgeKind>,
    /// `owner/repo` (GitLab: group path) on the forge.
    pub forge_repo: Option<String>,
    /// Why the forge is unknown, when it is.
    pub forge_note: Option<String>,
    pub api_url: Option<String>,
    /// The branch the pull request would target, when one would be opened.
    pub pr_target: Option<String>,
    /// Whether a token for the forge API was found (else the compare URL is returned).
    pub token_found: bool,
    pub title: String,
    pub message: String,
    pub pr_body: String,
    /// Changed files, repo-relative.
    pub files: Vec<String>,
    pub diff: Vec<DiffEntry>,
    pub warnings: Vec<String>,
    /// The branch exists on the remote with this very edit (`reuse_branch`): it would not be
    /// pushed again, only the pull request opened.
    pub reuses_branch: bool,
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub branch: String,
    pub commit: String,
    pub base_branch: String,
    pub base_commit: String,
    pub remote: String,
    pub forge: Option<ForgeKind>,
    /// The pull request, or the page to open it by hand, or `None`.
    pub url: Option<String>,
    pub pr_created: bool,
    /// An open pull request for the branch existed already (its URL is `url`).
    pub pr_existed: bool,
    /// False when `reuse_branch` found the branch already pushed with this content.
    pub pushed: bool,
    pub diff: Vec<DiffEntry>,
    pub warnings: Vec<String>,
    /// One or two sentences for the user.
    pub summary: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Commit,
    Push,
    PullRequest,
}

/// The side-effect providers; [`run`] uses the real ones.
pub struct Deps<'a> {
    pub git: &'a dyn GitCli,
    pub forge: &'a dyn Forge,
    /// Environment lookup (tokens, `GITHUB_API_URL`, `CI_API_V4_URL`).
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

fn process_env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

/// Computes what a run would do without changing anything.
pub fn preview(req: &ExperimentRequest) -> Result<Preview, ExpError> {
    let git = SystemGit::default();
    let http = HttpForge::default();
    preview_with(req, &Deps { git: &git, forge: &http, env: &process_env })
}

/// [`preview`] for an editor's review step, which asks for the branch name after showing
/// the plan: a branch already taken on the remote is a warning there, not a failure (the
/// run itself still refuses it).
pub fn preview_for_review(req: &ExperimentRequest) -> Result<Preview, ExpError> {
    let git = SystemGit::default();
    let http = HttpForge::default();
    preview_for_review_with(req, &Deps { git: &git, forge: &http, env: &process_env })
}

/// [`preview_for_review`] with explicit side-effect providers.
pub fn preview_for_review_with(req: &ExperimentRequest, deps: &Deps<'_>) -> Result<Preview, ExpError> {
    preview_inner(req, deps, true)
}

/// Commits, pushes and opens the pull request.
pub fn run(
    req: &ExperimentRequest,
    progress: &mut dyn FnMut(Step, &str),
    cancel: &AtomicBool,
) -> Result<Outcome, ExpError> {
    let git = SystemGit::default();
    let http = HttpForge::default();
    run_with(req, &Deps { git: &git, forge: &http, env: &process_env }, progress, cancel)
}

/// Whether `text` differs from the HEAD commit's copy of `path` (true when HEAD has no
/// such file or no commit yet). Line ends are compared the way git would store the text.
pub fn differs_from_head(repo_dir: &Path, path: &str, text: &str) -> Result<bool, ExpError> {
    let repo = git::open(repo_dir)?;
    let rel = normalize_path(&repo, path)?;
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else { return Ok(true) };
    let Some((old, _)) = git::read_file(&repo, head.id(), &rel)? else { return Ok(true) };
    Ok(storable(&repo, text, Some(&old)).as_bytes() != old.as_slice())
}

/// The text as git would store it: CRLF turned into LF when `core.autocrlf` converts on
/// commit and the committed copy has LF line ends.
fn storable(repo: &git2::Repository, text: &str, old: Option<&[u8]>) -> String {
    let autocrlf =
        git::config(repo).ok().and_then(|c| c.get_string("core.autocrlf").ok()).unwrap_or_default();
    let converts = matches!(autocrlf.to_ascii_lowercase().as_str(), "true" | "input");
    let old_has_crlf = old.is_some_and(|o| o.windows(2).any(|w| w == b"\r\n"));
    if converts && !old_has_crlf && text.contains("\r\n") {
        text.replace("\r\n", "\n")
    } else {
        text.to_string()
    }
}

/// A repo-relative `/` path from what the caller gave (relative, or absolute inside the
/// work tree).
fn normalize_path(repo: &git2::Repository, path: &str) -> Result<String, ExpError> {
    let p = Path::new(path);
    let wd = git::workdir(repo);
    let rel: PathBuf = if p.is_absolute() {
        let canon_wd = wd.canonicalize().unwrap_or(wd.clone());
        let canon_p = p.canonicalize().unwrap_or(p.to_path_buf());
        match canon_p.strip_prefix(&canon_wd).or_else(|_| p.strip_prefix(&wd)) {
            Ok(r) => r.to_path_buf(),
            Err(_) => {
                return Err(ExpError::new(ErrorKind::Usage, format!("{path} is outside the repository")));
            }
        }
    } else {
        p.to_path_buf()
    };
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().replace('\\', "/")),
            Component::CurDir => {}
            _ => {
                return Err(ExpError::new(
                    ErrorKind::Usage,
                    format!("{path}: use a path inside the repository"),
                ))
            }
        }
    }
    if parts.is_empty() {
        return Err(ExpError::new(ErrorKind::Usage, format!("{path:?} is not a file path")));
    }
    Ok(parts.join("/"))
}

struct FilePlan {
    path: String,
    new_text: String,
    mode: i32,
}

struct Plan {
    repo: git2::Repository,
    workdir: PathBuf,
    base: git::Base,
    files: Vec<FilePlan>,
    diff: Vec<DiffEntry>,
    branch: String,
    remote: String,
    remote_url: String,
    forge: Result<forge::ForgeRepo, String>,
    api: Option<String>,
    title: String,
    message: String,
    pr_body: String,
    warnings: Vec<String>,
}

fn plan(req: &ExperimentRequest, deps: &Deps<'_>) -> Result<Plan, ExpError> {
    if req.to_base && req.branch.is_some() {
        return Err(ExpError::new(
            ErrorKind::Usage,
            "--to-base commits on the base branch; do not also give --branch",
        ));
    }
    let forced = match req.forge.as_deref() {
        Some(f) => Some(ForgeKind::parse(f).map_err(|e| ExpError::new(ErrorKind::Usage, e))?),
        None => None,
    };
    if let Some(b) = &req.branch {
        naming::validate_branch(b).map_err(|e| ExpError::new(ErrorKind::Usage, e))?;
    }
    let mut ovs = Vec::new();
    for spec in &req.overrides {
        ovs.push(overrides::parse_override(spec).map_err(|e| ExpError::new(ErrorKind::InvalidOverride, e))?);
    }
    if req.files.is_empty() && ovs.is_empty() {
        return Err(ExpError::new(
            ErrorKind::Usage,
            "nothing to run: give params files or overrides (--set KEY=VALUE)",
        ));
    }
    let repo = git::open(&req.repo)?;
    let workdir = git::workdir(&repo);
    let base = git::resolve_base(&repo, req.base.as_deref())?;

    // Starting texts: given texts win over the base commit's copy.
    let mut order: Vec<String> = Vec::new();
    let mut texts: std::collections::HashMap<String, String> = Default::default();
    for f in &req.files {
        let p = normalize_path(&repo, &f.path)?;
        params::format_of(&p).map_err(|e| ExpError::new(ErrorKind::InvalidParams, e))?;
        if !order.contains(&p) {
            order.push(p.clone());
        }
        texts.insert(p, f.text.clone());
    }
    let mut olds: std::collections::HashMap<String, Option<(Vec<u8>, i32)>> = Default::default();
    for p in order.clone().iter().chain(ovs.iter().map(|o| &o.file)) {
        if !olds.contains_key(p) {
            olds.insert(p.clone(), git::read_file(&repo, base.commit, p)?);
        }
    }
    for o in &mut ovs {
        o.file = normalize_path(&repo, &o.file)?;
        let fmt = params::format_of(&o.file).map_err(|e| ExpError::new(ErrorKind::InvalidOverride, e))?;
        if !texts.contains_key(&o.file) {
            let old = olds.get(&o.file).cloned().flatten().or(git::read_file(&repo, base.commit, &o.file)?);
            let Some((bytes, _)) = old else {
                return Err(ExpError::new(
                    ErrorKind::InvalidOverride,
                    format!("{} does not exist in the base commit ({:.7})", o.file, base.commit),
                )
                .hint("name an existing params file as FILE:KEY=VALUE"));
            };
            let text = String::from_utf8(bytes).map_err(|_| {
                ExpError::new(ErrorKind::InvalidParams, format!("{} is not UTF-8 text", o.file))
            })?;
            texts.insert(o.file.clone(), text);
            order.push(o.file.clone());
        }
        let text = texts.get(&o.file).expect("inserted above");
        if let Ok(current) = params::to_value(fmt, text) {
            if let Some(why) = container_replaced(&current, &o.path, &o.value.value) {
                return Err(ExpError::new(
                    ErrorKind::InvalidOverride,
                    format!("cannot set {} in {}: {why}", o.key(), o.file),
                ));
            }
        }
        let new = params::set(fmt, text, &o.path, &o.value).map_err(|e| {
            ExpError::new(ErrorKind::InvalidOverride, format!("cannot set {} in {}: {e}", o.key(), o.file))
        })?;
        texts.insert(o.file.clone(), new);
    }

    let mut files = Vec::new();
    let mut diff = Vec::new();
    let mut warnings = Vec::new();
    let mut same_values: Vec<String> = Vec::new();
    for p in &order {
        let old = match olds.get(p) {
            Some(o) => o.clone(),
            None => git::read_file(&repo, base.commit, p)?,
        };
        let new_text = storable(&repo, &texts[p], old.as_ref().map(|(b, _)| b.as_slice()));
        if old.as_ref().is_some_and(|(b, _)| b.as_slice() == new_text.as_bytes()) {
            continue;
        }
        let fmt = params::format_of(p).map_err(|e| ExpError::new(ErrorKind::InvalidParams, e))?;
        let new_value = params::to_value(fmt, &new_text)
            .map_err(|e| ExpError::new(ErrorKind::InvalidParams, format!("{p} (edited): {e}")))?;
        let old_value = match &old {
            None => serde_json::Value::Null,
            Some((b, _)) => {
                match std::str::from_utf8(b).map_err(|e| e.to_string()).and_then(|t| params::to_value(fmt, t))
                {
                    // The text changed but not what DVC reads (a shadowed duplicate key, layout):
                    // an experiment would run the base's params again.
                    Ok(v) if v == new_value => {
                        same_values.push(p.clone());
                        continue;
                    }
                    Ok(v) => v,
                    Err(e) => {
                        warnings.push(format!(
                            "{p} at the base commit could not be read ({e}); its diff is shown as all new"
                        ));
                        serde_json::Value::Null
                    }
                }
            }
        };
        diff.extend(params::diff(p, &old_value, &new_value));
        files.push(FilePlan { path: p.clone(), new_text, mode: old.map_or(0o100644, |(_, m)| m) });
    }
    if files.is_empty() {
        let mut msg =
            format!("nothing to commit: the params are identical to {} ({:.7})", base.branch, base.commit);
        if !same_values.is_empty() {
            msg.push_str(&format!(
                "; {} changed only in text DVC does not read (layout, comments or a duplicated key's earlier copy)",
                same_values.join(", ")
            ));
        }
        return Err(ExpError::new(ErrorKind::NothingToCommit, msg)
            .hint("change a value first, or pass --set KEY=VALUE"));
    }

    // A name that depends only on the base and the new content, so a retry finds it.
    let mut content = base.commit.to_string();
    for f in &files {
        content.push('\0');
        content.push_str(&f.path);
        content.push('\0');
        content.push_str(&f.new_text);
    }
    let content_hash = git2::Oid::hash_object(git2::ObjectType::Blob, content.as_bytes())
        .map_err(|e| ExpError::git("hashing", &e))?
        .to_string();
    let prefix = req.branch_prefix.clone().unwrap_or_else(|| naming::DEFAULT_BRANCH_PREFIX.to_string());
    if !req.to_base && req.branch.as_deref() == Some(base.branch.as_str()) {
        return Err(ExpError::new(
            ErrorKind::Usage,
            format!("--branch {} is the base branch: a pull request needs a branch of its own", base.branch),
        )
        .hint("pass --to-base to commit on the base branch itself, or --branch NAME for a new branch"));
    }
    let branch = if req.to_base {
        base.branch.clone()
    } else {
        match &req.branch {
            Some(b) => b.clone(),
            None => {
                let b = naming::default_branch(&prefix, &diff, &content_hash);
                naming::validate_branch(&b).map_err(|e| {
                    ExpError::new(ErrorKind::Usage, format!("{e} (check the branch prefix setting)"))
                })?;
                b
            }
        }
    };

    let (remote, url) = git::choose_remote(&repo, req.remote.as_deref(), &base.branch)?;
    let remote_url = redact::redact(&url, &[]);
    let forge = forge::detect(&url, forced).map_err(|e| format!("{e}; pass --forge to say which"));
    let api = forge.as_ref().ok().map(|f| forge::api_base(f, req.api_url.as_deref(), deps.env));

    let title = match req.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.to_string(),
        None if diff.is_empty() => {
            format!(
                "Run experiment: update {}",
                files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(", ")
            )
        }
        None => naming::default_title(&diff),
    };
    let message = naming::commit_message(&title, req.description.as_deref(), &diff);
    let pr_body = naming::pr_body(req.description.as_deref(), &diff);
    warnings.extend(dvc::untracked_warnings(&diff, &git::dvc_files(&repo, base.commit)));
    if !req.to_base && repo.find_branch(&branch, git2::BranchType::Local).is_ok() {
        warnings.push(format!(
            "a local branch {branch} exists: it is left as it is (the experiment branch is only created on {remote})"
        ));
    }
    Ok(Plan {
        repo,
        workdir,
        base,
        files,
        diff,
        branch,
        remote,
        remote_url,
        forge,
        api,
        title,
        message,
        pr_body,
        warnings,
    })
}

/// Why setting `path` to `new` is refused: it would replace a non-empty mapping by something
/// that is not a mapping, or a non-empty list by something that is not a list, dropping every
/// param under it (almost always a key path cut short, e.g. `train=1` for `train.lr=1`).
fn container_replaced(
    current: &serde_json::Value,
    path: &[String],
    new: &serde_json::Value,
) -> Option<String> {
    use serde_json::Value;
    let mut cur = current;
    for seg in path {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    let key = path.join(".");
    let new_kind = match new {
        Value::Object(_) => "a mapping",
        Value::Array(_) => "a list",
        _ => "a single value",
    };
    match cur {
        Value::Object(m) if !m.is_empty() && !new.is_object() => {
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            let first = keys[0];
            Some(format!(
                "`{key}` is a mapping ({}), not {new_kind}; set one of its keys, e.g. {key}.{first}=VALUE",
                keys.join(", ")
            ))
        }
        Value::Array(a) if !a.is_empty() && !new.is_array() => Some(format!(
            "`{key}` is a list ({} item{}), not {new_kind}; set an item, e.g. {key}.0=VALUE, or give a whole list, e.g. {key}=[...]",
            a.len(),
            if a.len() == 1 { "" } else { "s" }
        )),
        _ => None,
    }
}

fn find_auth(p: &Plan, deps: &Deps<'_>) -> Option<forge::Auth> {
    let f = p.forge.as_ref().ok()?;
    forge::find_auth(f.kind, &f.host, deps.env, &|h| deps.git.gh_token(h))
}

/// [`preview`] with explicit side-effect providers.
pub fn preview_with(req: &ExperimentRequest, deps: &Deps<'_>) -> Result<Preview, ExpError> {
    preview_inner(req, deps, false)
}

/// `review`: a branch taken on the remote is a warning (see [`preview_for_review`]).
fn preview_inner(req: &ExperimentRequest, deps: &Deps<'_>, review: bool) -> Result<Preview, ExpError> {
    let mut p = plan(req, deps)?;
    let opens_pr = !req.to_base && !req.no_pr && p.forge.is_ok();
    // What the run would find on the remote: a taken branch fails the preview the same way.
    // A remote that cannot be reached (offline, no credentials yet) does not: the preview
    // changes nothing and is still useful; it says the branch could not be checked.
    let reuses_branch = if req.to_base {
        false
    } else {
        match existing_branch(&p, req, deps, tree_in_memory(&p)?) {
            Ok(found) => found.is_some(),
            Err(e) if review && e.kind == ErrorKind::BranchExists => {
                let hint = e.hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default();
                p.warnings.push(format!("{}{hint}", e.message));
                false
            }
            Err(e) if matches!(e.kind, ErrorKind::Network | ErrorKind::AuthFailed) => {
                p.warnings.push(format!(
                    "could not check whether {} is free on {}: {}",
                    p.branch, p.remote, e.message
                ));
                false
            }
            Err(e) => return Err(e),
        }
    };
    Ok(Preview {
        base_branch: p.base.branch.clone(),
        base_commit: p.base.commit.to_string(),
        branch: p.branch.clone(),
        to_base: req.to_base,
        remote: p.remote.clone(),
        remote_url: p.remote_url.clone(),
        forge: p.forge.as_ref().ok().map(|f| f.kind),
        forge_repo: p.forge.as_ref().ok().map(|f| f.path.clone()),
        forge_note: p.forge.as_ref().err().cloned(),
        api_url: p.api.clone(),
        pr_target: opens_pr.then(|| p.base.branch.clone()),
        token_found: opens_pr && find_auth(&p, deps).is_some(),
        title: p.title.clone(),
        message: p.message.clone(),
        pr_body: p.pr_body.clone(),
        files: p.files.iter().map(|f| f.path.clone()).collect(),
        diff: p.diff.clone(),
        warnings: p.warnings.clone(),
        reuses_branch,
    })
}

/// Looks the branch up on the remote (`git ls-remote`), as a run does before pushing:
/// `Ok(None)` when it is free; with `reuse_branch`, `Ok(Some(commit))` when it holds exactly
/// this edit (`tree` on the base commit); else the error the run stops with.
fn existing_branch(
    p: &Plan,
    req: &ExperimentRequest,
    deps: &Deps<'_>,
    tree: git2::Oid,
) -> Result<Option<git2::Oid>, ExpError> {
    if req.to_base {
        return Ok(None);
    }
    let existing =
        deps.git.remote_branch(&p.workdir, &p.remote, &p.branch).map_err(|f| push_error(f, p, false))?;
    let Some(remote_oid) = existing else { return Ok(None) };
    let same = git2::Oid::from_str(&remote_oid)
        .ok()
        .and_then(|o| p.repo.find_commit(o).ok())
        .filter(|c| c.tree_id() == tree && c.parent_id(0).ok() == Some(p.base.commit));
    match (req.reuse_branch, same) {
        (true, Some(c)) => Ok(Some(c.id())),
        (true, None) => Err(ExpError::new(
            ErrorKind::BranchExists,
            format!("branch {} exists on {} with other content than this edit", p.branch, p.remote),
        )
        .hint("pick another name with --branch NAME")),
        (false, _) => Err(ExpError::new(
            ErrorKind::BranchExists,
            format!("branch {} already exists on {}", p.branch, p.remote),
        )
        .hint("pass --reuse-branch to open the pull request for it, or --branch NAME for a new one")),
    }
}

/// The tree a run would commit, computed in memory: the repository's object database gets
/// an in-memory backend first, so nothing is written to disk.
fn tree_in_memory(p: &Plan) -> Result<git2::Oid, ExpError> {
    let odb = p.repo.odb().map_err(|e| ExpError::git("opening the object database", &e))?;
    odb.add_new_mempack_backend(1000).map_err(|e| ExpError::git("opening the object database", &e))?;
    git::build_tree(&p.repo, p.base.commit, &blobs(p))
}

fn blobs(p: &Plan) -> Vec<(String, Vec<u8>, i32)> {
    p.files.iter().map(|f| (f.path.clone(), f.new_text.clone().into_bytes(), f.mode)).collect()
}

fn push_error(f: git::GitFailure, p: &Plan, to_base: bool) -> ExpError {
    use git::FailureKind as F;
    let (kind, message, hint) = match f.kind {
        F::Rejected if to_base => (
            ErrorKind::PushRejected,
            format!("{} rejected the push to {}: the branch has moved on the remote (only fast-forward pushes are made)", p.remote, p.branch),
            "pull the base branch, then run the experiment again".to_string(),
        ),
        F::Rejected => (
            ErrorKind::PushRejected,
            format!("{} rejected the push of {}", p.remote, p.branch),
            "a branch protection rule or hook may forbid it; see the details above".to_string(),
        ),
        F::Auth => (
            ErrorKind::AuthFailed,
            format!("git could not authenticate to remote {} ({})", p.remote, p.remote_url),
            "check your credential helper or SSH key with git push from a terminal (prompts are disabled here)".to_string(),
        ),
        F::Network => (
            ErrorKind::Network,
            format!("could not reach remote {} ({})", p.remote, p.remote_url),
            "check your network connection and the remote URL".to_string(),
        ),
        F::NoSuchRemote => (
            ErrorKind::NoRemote,
            format!("remote {} ({}) is not a reachable repository", p.remote, p.remote_url),
            "check the remote URL with git remote -v".to_string(),
        ),
        F::Other => (ErrorKind::Git, format!("git push to {} failed", p.remote), String::new()),
    };
    let detail = if f.detail.is_empty() { String::new() } else { format!("\n{}", f.detail) };
    let mut e = ExpError::new(kind, format!("{message}{detail}"));
    if !hint.is_empty() {
        e = e.hint(format!("{hint}; nothing in your work tree, index or branches changed"));
    }
    e
}

/// [`run`] with explicit side-effect providers.
pub fn run_with(
    req: &ExperimentRequest,
    deps: &Deps<'_>,
    progress: &mut dyn FnMut(Step, &str),
    cancel: &AtomicBool,
) -> Result<Outcome, ExpError> {
    let cancelled = || ExpError::new(ErrorKind::Cancelled, "cancelled; nothing was pushed");
    let p = plan(req, deps)?;
    if cancel.load(Ordering::SeqCst) {
        return Err(cancelled());
    }
    let names = p.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(", ");
    let doing = if req.to_base {
        format!("Committing {names} on {}", p.base.branch)
    } else {
        format!("Committing {names} to {} (based on {})", p.branch, p.base.branch)
    };
    progress(Step::Commit, &doing);
    let tree = git::build_tree(&p.repo, p.base.commit, &blobs(&p))?;
    let mut commit = git::commit(&p.repo, deps.git, tree, p.base.commit, &p.message)?;
    tracing::info!(commit = %commit, branch = %p.branch, "experiment commit created");

    let compare = p.forge.as_ref().ok().map(|f| forge::compare_url(f, &p.base.branch, &p.branch));
    let mut pushed = true;
    if let Some(c) = existing_branch(&p, req, deps, tree)? {
        commit = c;
        pushed = false;
    }
    if pushed {
        if cancel.load(Ordering::SeqCst) {
            return Err(cancelled());
        }
        progress(Step::Push, &format!("Pushing {} to {}", p.branch, p.remote));
        let refspec = format!("{commit}:refs/heads/{}", p.branch);
        deps.git.push(&p.workdir, &p.remote, &refspec).map_err(|f| push_error(f, &p, req.to_base))?;
    }
    let mut out = Outcome {
        branch: p.branch.clone(),
        commit: commit.to_string(),
        base_branch: p.base.branch.clone(),
        base_commit: p.base.commit.to_string(),
        remote: p.remote.clone(),
        forge: p.forge.as_ref().ok().map(|f| f.kind),
        url: None,
        pr_created: false,
        pr_existed: false,
        pushed,
        diff: p.diff.clone(),
        warnings: p.warnings.clone(),
        summary: String::new(),
    };
    let done = if pushed {
        format!("Pushed {} to {}", p.branch, p.remote)
    } else {
        format!("Found {} on {}", p.branch, p.remote)
    };
    if req.to_base {
        out.summary = format!(
            "Pushed {:.7} to {} on {} (your local {} is unchanged; pull to get it)",
            commit, p.branch, p.remote, p.branch
        );
        return Ok(out);
    }
    if req.no_pr {
        out.url = compare.clone();
        out.summary = format!("{done}; no pull request opened as asked");
        return Ok(out);
    }
    let f = match &p.forge {
        Ok(f) => f,
        Err(note) => {
            out.summary = format!("{done}; no pull request: {note}");
            return Ok(out);
        }
    };
    let word = if f.kind == ForgeKind::Gitlab { "merge request" } else { "pull request" };
    let Some(auth) = find_auth(&p, deps) else {
        out.url = compare.clone();
        let var = match f.kind {
            ForgeKind::Github => "set GITHUB_TOKEN or GH_TOKEN, or log in with gh",
            ForgeKind::Gitlab => "set GITLAB_TOKEN",
            ForgeKind::Bitbucket => "set BITBUCKET_TOKEN, or BITBUCKET_USERNAME and BITBUCKET_APP_PASSWORD",
        };
        out.summary = format!(
            "{done}; no {} token found ({var}), so open the {word} here: {}",
            f.kind.name(),
            compare.as_deref().unwrap_or_default()
        );
        return Ok(out);
    };
    progress(Step::PullRequest, &format!("Opening a {word} from {} into {}", p.branch, p.base.branch));
    let spec = forge::PrSpec {
        title: p.title.clone(),
        body: p.pr_body.clone(),
        head: p.branch.clone(),
        base: p.base.branch.clone(),
    };
    let api = p.api.clone().unwrap_or_default();
    match forge::open_pr(deps.forge, f, &api, &auth, &spec) {
        Ok(r) => {
            out.url = Some(r.url.clone());
            out.pr_created = r.created;
            out.pr_existed = !r.created;
            out.summary = if r.created {
                format!("Opened {word} {} from {} into {}", r.url, p.branch, p.base.branch)
            } else {
                format!("An open {word} for {} already exists: {}", p.branch, r.url)
            };
            Ok(out)
        }
        Err(mut e) => {
            e.pushed = Some(Box::new(Pushed {
                branch: p.branch.clone(),
                commit: commit.to_string(),
                remote: p.remote.clone(),
                compare_url: compare.clone(),
            }));
            let prev = e.hint.take().map(|h| format!("{h}; ")).unwrap_or_default();
            e.hint = Some(format!(
                "{prev}the branch {} is pushed to {}: open the {word} at {} or run again with --reuse-branch",
                p.branch,
                p.remote,
                compare.as_deref().unwrap_or_default()
            ));
            Err(e)
        }
    }
}
