//! `cml-lsp run-experiment`: commit edited params on a new branch, push it, open a PR.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use crate::experiment::{self, ExpError, ExperimentRequest, ParamsText, Step};

#[derive(clap::Args, Debug, Default)]
pub struct RunExperimentArgs {
    /// A directory inside the git repository (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// Override a param, DVC -S style: [FILE:]KEY=VALUE (e.g. train.lr=0.01, layers.0.units=64).
    #[arg(long = "set", short = 'S', value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Take this params file's current text from disk (default: params.yaml when no --set).
    #[arg(long = "params", value_name = "FILE")]
    pub params: Vec<PathBuf>,
    /// Base branch (default: the current branch).
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Name of the branch to create (default: exp/<changed-keys>-<hash>).
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Commit and pull request title.
    #[arg(long, value_name = "TEXT")]
    pub message: Option<String>,
    /// Commit and pull request description.
    #[arg(long, value_name = "TEXT")]
    pub body: Option<String>,
    /// Commit on the base branch itself (fast-forward push only, no pull request).
    #[arg(long, conflicts_with_all = ["branch", "reuse_branch"])]
    pub to_base: bool,
    /// Remote to push to (default: the base branch's upstream, else origin).
    #[arg(long, value_name = "NAME")]
    pub remote: Option<String>,
    /// Push the branch but open no pull request.
    #[arg(long)]
    pub no_pr: bool,
    /// The branch already exists on the remote with this edit: open the pull request for it.
    #[arg(long)]
    pub reuse_branch: bool,
    /// Show what would happen; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a JSON result on stdout.
    #[arg(long)]
    pub json: bool,
    /// Forge of the remote (default: detected from the remote URL).
    #[arg(long, value_parser = ["github", "gitlab", "bitbucket"])]
    pub forge: Option<String>,
    /// Forge API base URL (e.g. https://github.example.com/api/v3).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
}

/// Builds the request: `--params` files are read from disk.
pub fn request(args: &RunExperimentArgs) -> Result<ExperimentRequest, ExpError> {
    let usage = |m: String| ExpError::new(experiment::ErrorKind::Usage, m);
    let cwd =
        std::env::current_dir().map_err(|e| usage(format!("cannot read the current directory: {e}")))?;
    let repo = match &args.repo {
        Some(r) => cwd.join(r),
        None => cwd.clone(),
    };
    let mut params = args.params.clone();
    if params.is_empty() && args.set.is_empty() {
        let root = experiment::git::open(&repo).map(|r| experiment::git::workdir(&r))?;
        params.push(root.join(experiment::overrides::DEFAULT_PARAMS_FILE));
    }
    let mut files = Vec::new();
    for p in params {
        let abs = cwd.join(&p);
        let text =
            std::fs::read_to_string(&abs).map_err(|e| usage(format!("cannot read {}: {e}", p.display())))?;
        files.push(ParamsText { path: abs.to_string_lossy().into_owned(), text });
    }
    Ok(ExperimentRequest {
        repo,
        files,
        overrides: args.set.clone(),
        base: args.base.clone(),
        branch: args.branch.clone(),
        title: args.message.clone(),
        description: args.body.clone(),
        to_base: args.to_base,
        remote: args.remote.clone(),
        no_pr: args.no_pr,
        reuse_branch: args.reuse_branch,
        forge: args.forge.clone(),
        api_url: args.api_url.clone(),
        branch_prefix: None,
    })
}

fn render_diff(out: &mut String, diff: &[experiment::DiffEntry]) {
    for e in diff {
        let old = e.old.as_deref().unwrap_or("(absent)");
        let new = e.new.as_deref().unwrap_or("(removed)");
        out.push_str(&format!("  {}: {}: {old} -> {new}\n", e.file, e.key));
    }
}

/// Human-readable preview.
pub fn render_preview(p: &experiment::Preview) -> String {
    let mut s = String::new();
    s.push_str(&format!("base:    {} ({:.7})\n", p.base_branch, p.base_commit));
    let note = if p.to_base {
        " (the base branch itself)".to_string()
    } else if p.reuses_branch {
        format!(" (already on {} with this edit: not pushed again)", p.remote)
    } else {
        String::new()
    };
    s.push_str(&format!("branch:  {}{note}\n", p.branch));
    s.push_str(&format!("remote:  {} ({})\n", p.remote, p.remote_url));
    match (&p.forge, &p.forge_repo) {
        (Some(f), Some(r)) => {
            let target = match &p.pr_target {
                Some(t) if p.token_found => format!(", pull request into {t}"),
                Some(t) => format!(", pull request into {t} (no token: a link to open it will be printed)"),
                None => ", no pull request".to_string(),
            };
            s.push_str(&format!("forge:   {} {r}{target}\n", f.name()));
        }
        _ => s.push_str(&format!("forge:   unknown ({})\n", p.forge_note.as_deref().unwrap_or("-"))),
    }
    s.push_str(&format!("title:   {}\nchanges:\n", p.title));
    render_diff(&mut s, &p.diff);
    for w in &p.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s
}

fn emit(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn emit_err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn fail(e: &ExpError, json: bool) -> ExitCode {
    if json {
        let v = serde_json::json!({ "error": e });
        emit(&format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default()));
    }
    emit_err(&format!("error: {e}\n"));
    ExitCode::from(e.exit_code())
}

pub fn run(args: RunExperimentArgs) -> ExitCode {
    let req = match request(&args) {
        Ok(r) => r,
        Err(e) => return fail(&e, args.json),
    };
    if args.dry_run {
        return match experiment::preview(&req) {
            Ok(p) if args.json => {
                emit(&format!("{}\n", serde_json::to_string_pretty(&p).unwrap_or_default()));
                ExitCode::SUCCESS
            }
            Ok(p) => {
                emit(&render_preview(&p));
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e, args.json),
        };
    }
    let cancel = AtomicBool::new(false);
    let mut progress = |step: Step, msg: &str| {
        let _ = step;
        emit_err(&format!("{msg}...\n"));
    };
    match experiment::run(&req, &mut progress, &cancel) {
        Ok(o) if args.json => {
            emit(&format!("{}\n", serde_json::to_string_pretty(&o).unwrap_or_default()));
            ExitCode::SUCCESS
        }
        Ok(o) => {
            let mut s = String::new();
            render_diff(&mut s, &o.diff);
            for w in &o.warnings {
                s.push_str(&format!("warning: {w}\n"));
            }
            s.push_str(&format!("{}\n", o.summary));
            if let Some(u) = &o.url {
                s.push_str(&format!("{u}\n"));
            }
            emit(&s);
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, args.json),
    }
}
