//! The "set up CI" wizard: a few choices ([`WizardOptions`]) become a workflow in which
//! one job launches a cloud runner with `cml runner launch` and a second job trains on
//! it and reports, for GitHub Actions, GitLab CI or Bitbucket Pipelines.
//!
//! Everything here is pure: text in, text (or edits) out.
//! - [`generate`]: the whole file plus metadata (suggested path, secrets to create).
//! - [`insert_into_blank`]: edits that put a generated workflow into an empty or
//!   comment-only file, keeping its comments and line endings.

use std::path::Path;

use crate::diag::{Span, TextEdit};
use crate::ide::{CodeAction, CodeActionKind, WorkspaceEdit};
use crate::kind::FileKind;

mod insert;
mod options;
mod render;

pub use insert::{add_runner_job, launches_runner, wirable_jobs, GITLAB_RUNNER_STAGE};

pub use options::{
    credential_vars, default_script, gpu_combos, plan, slug, Cloud, Forge, Plan, ReuseMode, WizardOptions,
    CPU_IMAGE, DEFAULT_DEPLOY_JOB, DEFAULT_HDD_SIZE, DEFAULT_LABEL, DEFAULT_NAME, DEFAULT_REGION,
    DEFAULT_TRAIN_JOB, DEFAULT_TYPE, GITHUB_EVENTS, GPU_IMAGE, SYNTHETIC_GPUS, SYNTHETIC_REGIONS,
    SYNTHETIC_SIZES,
};
pub use render::{launch_args, shell_word, yaml_str, Secret};

/// A generated workflow.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Generated {
    /// The whole file: LF line endings, ends with a newline.
    pub text: String,
    /// Where the file goes, relative to the repository root.
    pub path: String,
    pub forge: Forge,
    /// Secrets (GitHub) or CI/CD variables (GitLab, Bitbucket) the user must create.
    pub secrets: Vec<Secret>,
    /// The arguments after `cml runner launch`.
    pub launch_args: Vec<String>,
    /// The labels the runner registers and the train job targets.
    pub labels: Vec<String>,
    /// Advice that did not block generation.
    pub warnings: Vec<String>,
}

/// The file a forge reads its pipeline from; `name` names GitHub workflow files.
pub fn default_path(forge: Forge, name: &str) -> String {
    match forge {
        Forge::Github => {
            let s = slug(name);
            format!(".github/workflows/{}.yml", if s.is_empty() { "cml".to_string() } else { s })
        }
        Forge::Gitlab => ".gitlab-ci.yml".to_string(),
        Forge::Bitbucket => "bitbucket-pipelines.yml".to_string(),
    }
}

/// Validates `opts` and renders the workflow. `Err` is a message for the user.
pub fn generate(opts: &WizardOptions) -> Result<Generated, String> {
    let p = plan(opts)?;
    let (text, secrets) = match p.forge {
        Forge::Github => render::github(&p),
        Forge::Gitlab => render::gitlab(&p),
        Forge::Bitbucket => render::bitbucket(&p),
    };
    Ok(Generated {
        text,
        path: default_path(p.forge, &p.name),
        forge: p.forge,
        secrets,
        launch_args: launch_args(&p),
        labels: p.labels.clone(),
        warnings: p.warnings.clone(),
    })
}

/// The line terminator a file uses: CRLF when its first line ends with one, else LF.
pub fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// `text` with every LF turned into `eol`.
pub fn with_line_ending(text: &str, eol: &str) -> String {
    if eol == "\n" {
        text.to_string()
    } else {
        text.replace('\n', eol)
    }
}

/// True when `text` holds nothing but whitespace and `#` comments (and an optional BOM).
pub fn is_blank_yaml(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#')
    })
}

/// Edits that fill an empty or comment-only file with the generated workflow: a
/// whitespace-only file is replaced, comments are kept and the workflow goes after them.
/// `Err` when the file has content (use the add-a-runner-job edits for that).
pub fn insert_into_blank(text: &str, generated: &Generated) -> Result<Vec<TextEdit>, String> {
    if !is_blank_yaml(text) {
        return Err("the file already has content; add a runner job to it instead".into());
    }
    let eol = line_ending(text);
    let body = with_line_ending(&generated.text, eol);
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        let start = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        return Ok(vec![TextEdit { span: Span::new(start, text.len()), new_text: body }]);
    }
    // Keep the comments; drop trailing blank lines and put one blank line before the workflow.
    let keep = text.trim_end_matches([' ', '\t', '\r', '\n']).len();
    let mut new_text = String::from(eol);
    new_text.push_str(eol);
    new_text.push_str(&body);
    Ok(vec![TextEdit { span: Span::new(keep, text.len()), new_text }])
}

/// Applies non-overlapping edits (any order) to `text`.
pub fn apply_edits(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in sorted {
        let start = e.span.start.clamp(at, text.len());
        let end = e.span.end.clamp(start, text.len());
        out.push_str(text.get(at..start).unwrap_or(""));
        out.push_str(&e.new_text);
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

/// The forge whose pipeline a file of `kind` is.
pub fn forge_of(kind: FileKind) -> Option<Forge> {
    match kind {
        FileKind::GithubWorkflow => Some(Forge::Github),
        FileKind::GitlabCi => Some(Forge::Gitlab),
        FileKind::Bitbucket => Some(Forge::Bitbucket),
        _ => None,
    }
}

/// The wizard's code actions for a workflow file: "Generate a CML cloud-runner workflow"
/// for an empty or comment-only file, else one "Add a CML cloud-runner job for `<job>`"
/// per job that can be wired, unless the file already launches a runner. The forge
/// follows from `kind` (`opts.forge` is ignored); invalid `opts` give no actions.
pub fn code_actions(kind: FileKind, path: &Path, text: &str, opts: &WizardOptions) -> Vec<CodeAction> {
    let Some(forge) = forge_of(kind) else {
        return Vec::new();
    };
    let mut opts = opts.clone();
    opts.forge = Some(forge);
    let action = |title: String, kind: CodeActionKind, edits: Vec<TextEdit>| CodeAction {
        title,
        kind,
        edit: WorkspaceEdit { files: vec![(path.to_path_buf(), edits)] },
        preferred: false,
    };
    if is_blank_yaml(text) {
        return generate(&opts)
            .and_then(|g| insert_into_blank(text, &g))
            .map(|edits| {
                vec![action(
                    "Generate a CML cloud-runner workflow".to_string(),
                    CodeActionKind::Source,
                    edits,
                )]
            })
            .unwrap_or_default();
    }
    if launches_runner(text) {
        return Vec::new();
    }
    let Ok(jobs) = wirable_jobs(forge, text) else {
        return Vec::new();
    };
    jobs.iter()
        .filter_map(|job| {
            let edits = add_runner_job(forge, text, &opts, job).ok()?;
            Some(action(format!("Add a CML cloud-runner job for `{job}`"), CodeActionKind::Refactor, edits))
        })
        .collect()
}
