//! Finds the shell text of GitHub, GitLab and Bitbucket workflow files, runs the shell
//! analysis on each scalar with its source map, and checks the workflow as a whole:
//! runner labels against `runs-on`/`tags`, cloud credentials and forge tokens,
//! `setup-cml` inputs, GPU containers.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use crate::codes;
use crate::diag::{Diagnostic, Fix, Span, TextEdit};
use crate::ide::{Completion, Hover, Location};
use crate::kind::FileKind;
use crate::yaml::{NodeId, NodeKind, Scalar, ScalarStyle, Yaml};

use super::checks;
use super::cml::{analyze_shell_full, Invocation};
use super::facts::{facts, CmdId};
use super::{complete_shell, hover_shell, yamledit, EnvVar, Forge, Quoting, ShellContext};
use std::sync::Arc;

/// One shell scalar with where it runs.
#[derive(Clone, Debug)]
pub struct ShellSite {
    pub node: NodeId,
    /// The job (GitHub/GitLab) or step (Bitbucket) mapping it belongs to.
    pub job: Option<NodeId>,
    pub job_name: String,
    /// The step mapping (GitHub).
    pub step: Option<NodeId>,
    pub ctx: ShellContext,
}

fn forge_of(kind: FileKind) -> Forge {
    match kind {
        FileKind::GithubWorkflow | FileKind::GithubAction => Forge::GitHub,
        FileKind::GitlabCi => Forge::GitLab,
        FileKind::Bitbucket => Forge::Bitbucket,
        _ => Forge::Unknown,
    }
}

fn quoting(s: &Scalar) -> Quoting {
    match s.style {
        ScalarStyle::Plain => Quoting::Plain,
        ScalarStyle::SingleQuoted => Quoting::SingleQuoted,
        ScalarStyle::DoubleQuoted => Quoting::DoubleQuoted,
        ScalarStyle::Literal | ScalarStyle::Folded => Quoting::Block,
    }
}

/// `env:` / `variables:` entries as known variables.
fn env_of(yaml: &Yaml, map: Option<NodeId>) -> Vec<EnvVar> {
    let Some(m) = map.filter(|&m| yaml.is_mapping(m)) else { return Vec::new() };
    yaml.entries(m)
        .into_iter()
        .filter_map(|(k, v)| {
            let name = yaml.key_str(k)?.to_string();
            // GitLab `VAR: {value: x, description: y}`.
            let v = if yaml.is_mapping(v) { yaml.get(v, "value").unwrap_or(v) } else { v };
            let value =
                yaml.str_value(v).filter(|s| !s.contains("${{") && !s.contains('$')).map(str::to_string);
            Some(EnvVar { name, value })
        })
        .collect()
}

/// The mapping that holds the jobs: the first document, or the second when the first is
/// a GitLab header (`spec:` with `inputs:`, then `---` and the jobs).
/// The document the forge reads: the first, or for GitLab the one after a `spec:` header.
fn root(yaml: &Yaml, kind: FileKind) -> Option<NodeId> {
    let first = yaml.root(0).filter(|&r| yaml.is_mapping(r))?;
    if kind == FileKind::GitlabCi && gitlab_header(yaml) {
        return yaml.root(1).filter(|&r| yaml.is_mapping(r));
    }
    Some(first)
}

/// True when the first of several documents holds only `spec:` (a GitLab header).
fn gitlab_header(yaml: &Yaml) -> bool {
    let Some(first) = yaml.root(0).filter(|&r| yaml.is_mapping(r)) else { return false };
    yaml.docs.len() > 1
        && yaml.entries(first).iter().all(|&(k, _)| yaml.key_str(k) == Some("spec"))
        && yaml.get(first, "spec").is_some()
}

/// A warning at the first document with content after the one the forge reads: GitHub and
/// Bitbucket read one document, GitLab one after an optional `spec:` header.
fn extra_documents(yaml: &Yaml, kind: FileKind) -> Option<Diagnostic> {
    let (read, msg) = match kind {
        FileKind::GithubWorkflow | FileKind::Bitbucket => (
            1,
            format!(
                "{} reads only one YAML document per workflow file; this one and those after it are ignored",
                forge_of(kind).name()
            ),
        ),
        FileKind::GitlabCi => (
            if gitlab_header(yaml) { 2 } else { 1 },
            "GitLab reads only one YAML document per CI file, after an optional `spec:` header; \
             this one and those after it are ignored"
                .to_string(),
        ),
        _ => return None,
    };
    let doc = yaml.docs.iter().skip(read).find(|d| d.root.is_some())?;
    let start = doc.span.start;
    let end = if yaml.source.get(start..).is_some_and(|s| s.starts_with("---")) { start + 3 } else { start };
    Some(Diagnostic::warning(codes::WORKFLOW_MULTIPLE_DOCUMENTS, Span::new(start, end), msg))
}

/// Every shell scalar of the file.
pub fn shell_sites(yaml: &Yaml, kind: FileKind) -> Vec<ShellSite> {
    sites_where(yaml, kind, &|_| true)
}

/// The shell scalars of the job (or step) at `offset`: what completion and hover need,
/// without walking the rest of the file.
pub fn shell_sites_at(yaml: &Yaml, kind: FileKind, offset: usize) -> Vec<ShellSite> {
    let src = yaml.source.as_str();
    sites_where(yaml, kind, &|span: Span| {
        span.start <= offset
            && (offset <= span.end || src.get(span.end..offset).is_some_and(|g| !g.contains('\n')))
    })
}

/// The shell scalars of jobs/steps whose span passes `keep`.
fn sites_where(yaml: &Yaml, kind: FileKind, keep: &dyn Fn(Span) -> bool) -> Vec<ShellSite> {
    let mut out = Vec::new();
    let Some(root) = root(yaml, kind) else { return out };
    let forge = forge_of(kind);
    let mut seen = HashSet::new();
    let mut push =
        |out: &mut Vec<ShellSite>, node: NodeId, job, job_name: &str, step, env: Arc<Vec<EnvVar>>| {
            let node = yaml.resolve(node);
            if yaml.node(node).tag().is_some() || !seen.insert(node) {
                return;
            }
            if let Some(s) = yaml.scalar(node) {
                let ctx = ShellContext { forge, quoting: quoting(s), env };
                out.push(ShellSite { node, job, job_name: job_name.to_string(), step, ctx });
            }
        };
    match kind {
        FileKind::GithubWorkflow | FileKind::GithubAction => {
            let wf_env = env_of(yaml, yaml.get(root, "env"));
            let jobs: Vec<(String, NodeId, Option<NodeId>)> = if kind == FileKind::GithubAction {
                yaml.get(root, "runs")
                    .and_then(|r| yaml.get(r, "steps"))
                    .map(|s| vec![(String::new(), s, None)])
                    .unwrap_or_default()
            } else {
                yaml.get(root, "jobs")
                    .filter(|&j| yaml.is_mapping(j))
                    .map(|j| {
                        yaml.entries(j)
                            .into_iter()
                            .filter_map(|(k, v)| {
                                if !keep(yaml.node(yaml.resolve(v)).span) {
                                    return None;
                                }
                                let steps = yaml.get(v, "steps")?;
                                Some((yaml.key_str(k).unwrap_or("").to_string(), steps, Some(v)))
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            for (name, steps, job) in jobs {
                // Steps without an `env:` of their own share their job's.
                let mut job_env = wf_env.clone();
                job_env.extend(env_of(yaml, job.and_then(|j| yaml.get(j, "env"))));
                let job_env = Arc::new(job_env);
                for &step in yaml.items(steps) {
                    let Some(run) = yaml.get(step, "run") else { continue };
                    let env = match yaml.get(step, "env") {
                        Some(e) => {
                            let mut env = Vec::clone(&job_env);
                            env.extend(env_of(yaml, Some(e)));
                            Arc::new(env)
                        }
                        None => job_env.clone(),
                    };
                    push(&mut out, run, job, &name, Some(step), env);
                }
            }
        }
        FileKind::GitlabCi => {
            let global_env = env_of(yaml, yaml.get(root, "variables"));
            let default = yaml.get(root, "default");
            const RESERVED: &[&str] =
                &["default", "include", "stages", "variables", "workflow", "image", "services", "cache"];
            let mut jobs: Vec<(String, NodeId)> = Vec::new();
            if let Some(d) = default {
                jobs.push(("default".into(), d));
            }
            for (k, v) in yaml.entries(root) {
                let name = yaml.key_str(k).unwrap_or("");
                if RESERVED.contains(&name) || !yaml.is_mapping(v) {
                    continue;
                }
                jobs.push((name.to_string(), v));
            }
            jobs.retain(|&(_, j)| keep(yaml.node(yaml.resolve(j)).span));
            let shared = Arc::new(global_env.clone());
            for key in ["before_script", "after_script"] {
                if let Some(v) = yaml.get(root, key).filter(|&v| keep(yaml.node(yaml.resolve(v)).span)) {
                    gitlab_script(yaml, v, &mut |n| push(&mut out, n, None, key, None, shared.clone()));
                }
            }
            for (name, job) in jobs {
                let mut env = global_env.clone();
                env.extend(env_of(yaml, yaml.get(job, "variables")));
                let env = Arc::new(env);
                for key in ["before_script", "script", "after_script"] {
                    if let Some(v) = yaml.get(job, key) {
                        gitlab_script(yaml, v, &mut |n| {
                            push(&mut out, n, Some(job), &name, None, env.clone())
                        });
                    }
                }
            }
        }
        FileKind::Bitbucket => {
            let mut steps = Vec::new();
            if let Some(p) = yaml.get(root, "pipelines") {
                bitbucket_steps(yaml, p, &mut steps, 0);
            }
            for step in steps.into_iter().filter(|&st| keep(yaml.node(st).span)) {
                let name = yaml.get(step, "name").and_then(|n| yaml.str_value(n)).unwrap_or("").to_string();
                for key in ["script", "after-script"] {
                    if let Some(s) = yaml.get(step, key) {
                        for &item in yaml.items(s) {
                            push(&mut out, item, Some(step), &name, None, Arc::default());
                        }
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn gitlab_script(yaml: &Yaml, v: NodeId, f: &mut dyn FnMut(NodeId)) {
    let r = yaml.resolve(v);
    if yaml.node(r).tag().is_some_and(|(t, _)| t == "!reference") {
        return;
    }
    if yaml.is_sequence(r) {
        for &i in yaml.items(r) {
            gitlab_script(yaml, i, f);
        }
    } else if yaml.scalar(r).is_some() {
        f(r);
    }
}

fn bitbucket_steps(yaml: &Yaml, n: NodeId, out: &mut Vec<NodeId>, depth: usize) {
    if depth > 32 {
        return;
    }
    let n = yaml.resolve(n);
    match &yaml.node(n).kind {
        NodeKind::Mapping(_) => {
            for (k, v) in yaml.entries(n) {
                if yaml.key_str(k) == Some("step") && yaml.is_mapping(v) {
                    let v = yaml.resolve(v);
                    if !out.contains(&v) {
                        out.push(v);
                    }
                } else {
                    bitbucket_steps(yaml, v, out, depth + 1);
                }
            }
        }
        NodeKind::Sequence(items) => {
            for &i in items {
                bitbucket_steps(yaml, i, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// A launch found in the workflow.
pub(super) struct Launch {
    pub(super) job: Option<NodeId>,
    pub(super) job_name: String,
    pub(super) step: Option<NodeId>,
    pub(super) inv: std::sync::Arc<Invocation>,
    /// `None` when dynamic.
    pub(super) labels: Option<Vec<(String, Option<Span>)>>,
    pub(super) ctx: ShellContext,
    /// Env names assigned in the script before the launch.
    pub(super) script_env: Vec<String>,
}

/// All diagnostics of a workflow file from the CML rules.
pub fn analyze_workflow(yaml: &Yaml, text: &str, kind: FileKind) -> Vec<Diagnostic> {
    let _ = text;
    analyze_workflow_with(yaml, kind, None)
}

/// [`analyze_workflow`], reusing the shell analyses of unchanged scripts from `memo`
/// (the document's last analysis) and leaving this analysis' in it.
pub fn analyze_workflow_with(
    yaml: &Yaml,
    kind: FileKind,
    memo: Option<&super::ShellMemo>,
) -> Vec<Diagnostic> {
    let mut memo = memo.and_then(|m| m.pass());
    let mut diags = Vec::new();
    let mut launches = Vec::new();
    let mut uses = Vec::new();
    let sites = shell_sites(yaml, kind);
    for (si, site) in sites.iter().enumerate() {
        let Some(s) = yaml.scalar(site.node) else { continue };
        // Most scripts never name `cml`: nothing to tokenize for.
        if !super::cml::may_name_cml(&s.value) {
            continue;
        }
        let r = match memo.as_mut() {
            Some(m) => m.analyze(&s.value, &s.map, &site.ctx),
            None => analyze_shell_full(&s.value, &s.map, &site.ctx),
        };
        diags.extend(r.diagnostics);
        if r.invocations.is_empty() {
            continue;
        }
        let export_spans: std::rc::Rc<[(String, Span)]> =
            r.exports.iter().map(|(n, _, sp)| (n.clone(), *sp)).collect();
        for inv in r.invocations {
            if inv.command == Some(CmdId::RunnerLaunch) {
                let mut ctx = site.ctx.clone();
                std::sync::Arc::make_mut(&mut ctx.env)
                    .extend(r.exports.iter().map(|(n, v, _)| EnvVar { name: n.clone(), value: v.clone() }));
                let labels = inv.labels(&ctx);
                launches.push(Launch {
                    job: site.job,
                    job_name: site.job_name.clone(),
                    step: site.step,
                    labels,
                    script_env: r.exports.iter().map(|(n, _, _)| n.clone()).collect(),
                    ctx,
                    inv: inv.clone(),
                });
            }
            uses.push(checks::Use { site: si, inv, exports: export_spans.clone() });
        }
    }
    diags.extend(extra_documents(yaml, kind));
    if let Some(root) = root(yaml, kind) {
        match kind {
            FileKind::GithubWorkflow => {
                github_labels(yaml, root, &launches, &mut diags);
                github_needs(yaml, root, &mut diags);
                github_credentials(yaml, &launches, &mut diags);
                github_steps(yaml, root, &mut diags);
            }
            FileKind::GitlabCi => {
                gitlab_labels(yaml, root, &launches, &mut diags);
                checks::gitlab_stages(yaml, root, &launches, &mut diags);
            }
            FileKind::Bitbucket => bitbucket_labels(yaml, root, &launches, &mut diags),
            _ => {}
        }
        checks::installed(yaml, root, kind, &sites, &uses, &launches, &mut diags);
        checks::env_vars(yaml, root, kind, &sites, &uses, &mut diags);
        checks::empty_credentials(yaml, root, kind, &sites, &uses, &mut diags);
    }
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    diags
}

/// Labels of a `runs-on`/`tags` value: `None` when dynamic or not a list/string.
pub(super) fn label_list(yaml: &Yaml, v: NodeId) -> Option<Vec<(String, Span)>> {
    let v = yaml.resolve(v);
    let one = |n: NodeId| -> Option<(String, Span)> {
        let s = yaml.str_value(n)?;
        if s.contains("${{") || s.contains('$') {
            return None;
        }
        Some((s.to_string(), yaml.node(yaml.resolve(n)).span))
    };
    if yaml.is_sequence(v) {
        yaml.items(v).iter().map(|&i| one(i)).collect()
    } else if yaml.is_mapping(v) {
        // GitHub `runs-on: {group:, labels:}`.
        yaml.get(v, "labels").and_then(|l| label_list(yaml, l))
    } else {
        one(v).map(|x| vec![x])
    }
}

/// Labels GitHub (or Bitbucket) adds to every self-hosted runner.
pub(super) fn implicit_label(forge: Forge, l: &str) -> bool {
    let implicit: &[&str] = match forge {
        Forge::GitHub => &["self-hosted", "linux", "x64", "arm64", "arm", "windows", "macos"],
        Forge::Bitbucket => &["self.hosted", "linux", "linux.shell", "linux.arm64"],
        _ => &[],
    };
    implicit.iter().any(|i| i.eq_ignore_ascii_case(l))
}

/// The launches that register each label, so label checks do not rescan every launch
/// for every job.
pub(super) struct LabelIndex<'a> {
    by_label: HashMap<&'a str, Vec<usize>>,
    launches: &'a [Launch],
}

impl<'a> LabelIndex<'a> {
    pub(super) fn new(launches: &'a [Launch]) -> LabelIndex<'a> {
        let mut by_label: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, l) in launches.iter().enumerate() {
            for (s, _) in l.labels.iter().flatten() {
                let v = by_label.entry(s.as_str()).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        LabelIndex { by_label, launches }
    }

    /// Whether some launch registers `label`.
    fn known(&self, label: &str) -> bool {
        self.by_label.contains_key(label)
    }

    /// Whether some launch with known labels registers every one of `wanted`.
    fn fits_all<'w>(&self, wanted: impl Iterator<Item = &'w str> + Clone) -> bool {
        let Some(first) = wanted.clone().next() else {
            return self.launches.iter().any(|l| l.labels.is_some());
        };
        let Some(candidates) = self.by_label.get(first) else { return false };
        candidates.iter().any(|&i| {
            let have = self.launches[i].labels.as_deref().unwrap_or_default();
            wanted.clone().all(|w| have.iter().any(|(h, _)| h == w))
        })
    }
}

fn check_labels(
    yaml: &Yaml,
    forge: Forge,
    wanted: &[(String, Span)],
    index: &LabelIndex<'_>,
    (what, name): (&str, &str),
    diags: &mut Vec<Diagnostic>,
) {
    let launches = index.launches;
    if launches.is_empty() || launches.iter().any(|l| l.labels.is_none()) {
        return;
    }
    let wanted: Vec<&(String, Span)> = wanted.iter().filter(|(l, _)| !implicit_label(forge, l)).collect();
    if wanted.is_empty() {
        return;
    }
    if index.fits_all(wanted.iter().map(|(w, _)| w.as_str())) {
        return;
    }
    let registered: Vec<String> = launches
        .iter()
        .map(|l| {
            let v: Vec<&str> =
                l.labels.as_ref().map_or(Vec::new(), |v| v.iter().map(|(s, _)| s.as_str()).collect());
            format!("`{}`", v.join(","))
        })
        .collect();
    for (w, span) in &wanted {
        if index.known(w) {
            continue;
        }
        let mut d = Diagnostic::warning(
            codes::CML_UNKNOWN_RUNNER_LABEL,
            *span,
            format!(
                "{what} `{name}` asks for label `{w}`, but no runner launched in this workflow registers it (labels: {}); the job would wait for a runner",
                registered.join(", ")
            ),
        );
        d.fixes = label_fixes(yaml, w, *span, &wanted, launches);
        diags.push(d);
    }
}

/// Quick fixes for a label the job wants but no runner registers. With exactly one launch:
/// change the job's label to the runner's single other label (preferred when it is a near
/// miss), or add the label to the launch's `--labels`.
fn label_fixes(
    yaml: &Yaml,
    w: &str,
    span: Span,
    wanted: &[&(String, Span)],
    launches: &[Launch],
) -> Vec<Fix> {
    let mut out = Vec::new();
    let [l] = launches else { return out };
    let Some(have) = &l.labels else { return out };
    let text = yaml.source.as_str();
    let unused: Vec<&str> =
        have.iter().map(|(h, _)| h.as_str()).filter(|h| !wanted.iter().any(|(x, _)| x == h)).collect();
    if let [only] = unused[..] {
        if let Some(raw) = text.get(span.start..span.end) {
            let q = raw.chars().next().filter(|c| *c == '"' || *c == '\'');
            let new_text = match q {
                Some(q) => format!("{q}{only}{q}"),
                None => only.to_string(),
            };
            let close = super::cml::did_you_mean(w, std::iter::once(only)).is_some();
            out.push(Fix {
                title: format!("Change to `{only}`"),
                edits: vec![TextEdit { span, new_text }],
                preferred: close,
            });
        }
    }
    let written = l.inv.option("labels").filter(|o| !o.dynamic && have.iter().all(|(_, s)| s.is_some()));
    if let Some(vs) = written.and_then(|o| o.value_span).filter(|vs| !vs.is_empty()) {
        if let Some(t) = l.ctx.quoting.encode(&format!(",{w}")) {
            out.push(Fix {
                title: format!("Add `{w}` to the runner's `--labels`"),
                edits: vec![TextEdit { span: Span::empty(vs.end), new_text: t }],
                preferred: false,
            });
        }
    }
    out
}

fn github_labels(yaml: &Yaml, root: NodeId, launches: &[Launch], diags: &mut Vec<Diagnostic>) {
    let Some(jobs) = yaml.get(root, "jobs") else { return };
    let launch_jobs: HashSet<String> = launches.iter().map(|l| l.job_name.clone()).collect();
    let index = LabelIndex::new(launches);
    let jobs_by_name = JobIndex::new(yaml, jobs);
    for (k, job) in yaml.entries(jobs) {
        let name = yaml.key_str(k).unwrap_or("");
        let Some(ro) = yaml.get(job, "runs-on") else { continue };
        let Some(labels) = label_list(yaml, ro) else { continue };
        if !labels.iter().any(|(l, _)| l == "self-hosted") {
            continue;
        }
        check_labels(yaml, Forge::GitHub, &labels, &index, ("job", name), diags);
        // A job on a launched runner should wait for the launching job.
        if launch_jobs.is_empty() || launch_jobs.contains(name) {
            continue;
        }
        let fits = index
            .fits_all(labels.iter().map(|(w, _)| w.as_str()).filter(|w| !implicit_label(Forge::GitHub, w)));
        if fits && !needs_any(yaml, &jobs_by_name, name, &launch_jobs) {
            let mut targets: Vec<&String> = launch_jobs.iter().collect();
            targets.sort();
            let mut d = Diagnostic::warning(
                codes::CML_RUNNER_JOB_WITHOUT_NEEDS,
                yaml.node(k).span,
                format!(
                    "job `{name}` runs on a runner launched by this workflow but does not `needs:` the launching job ({}); it may start before the runner exists",
                    targets.iter().map(|j| format!("`{j}`")).collect::<Vec<_>>().join(", ")
                ),
            );
            d.fixes = needs_fixes(yaml, job, &targets, false);
            diags.push(d);
        }
    }
}

/// A `needs:` entry naming no job of the workflow: GitHub rejects the whole file ("depends
/// on unknown job"). Job ids compare case-insensitively; expressions are not checked.
fn github_needs(yaml: &Yaml, root: NodeId, diags: &mut Vec<Diagnostic>) {
    let Some(jobs) = yaml.get(root, "jobs").map(|j| yaml.resolve(j)) else { return };
    if !yaml.is_mapping(jobs) {
        return;
    }
    let entries = yaml.entries(jobs);
    let names: Vec<&str> = entries.iter().filter_map(|&(k, _)| yaml.key_str(k)).collect();
    let known: HashSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    for &(k, job) in &entries {
        for it in needs_entries(yaml, job) {
            let Some(want) = yaml.str_value(it) else { continue };
            if want.is_empty() || want.contains("${{") || known.contains(&want.to_ascii_lowercase()) {
                continue;
            }
            let name = yaml.key_str(k).unwrap_or("");
            let span = yaml.node(it).span;
            let close = super::cml::did_you_mean(want, names.iter().copied().filter(|n| *n != name));
            let mut msg = format!(
                "job `{name}` needs `{want}`, which is not a job of this workflow; GitHub rejects the file"
            );
            if let Some(c) = close {
                msg.push_str(&format!("; did you mean `{c}`?"));
            }
            let mut d = Diagnostic::error(codes::WORKFLOW_UNKNOWN_NEEDS, span, msg);
            if let Some(c) = close {
                d.fixes.push(Fix {
                    title: format!("Change to `{c}`"),
                    edits: vec![TextEdit { span, new_text: c.to_string() }],
                    preferred: true,
                });
            }
            diags.push(d);
        }
    }
}

/// Fixes adding each of `targets` to the job's `needs:` (one fix per target).
fn needs_fixes(yaml: &Yaml, job: NodeId, targets: &[&String], gitlab: bool) -> Vec<Fix> {
    targets
        .iter()
        .filter_map(|t| {
            let edit = match yaml.get(job, "needs") {
                Some(n) => yamledit::add_to_list(yaml, yaml.resolve(n), t)?,
                None if gitlab => yamledit::prepend_to_mapping(yaml, job, &format!("needs: [{t}]"))?,
                None => yamledit::prepend_to_mapping(yaml, job, &format!("needs: {t}"))?,
            };
            Some(Fix { title: format!("Add `needs: {t}`"), edits: vec![edit], preferred: targets.len() == 1 })
        })
        .collect()
}

/// The jobs mapping's own entries by name (the last one wins, as in [`Yaml::get`]), with
/// [`Yaml::get`] as the fallback for names only a `<<` merge provides.
struct JobIndex<'a> {
    yaml: &'a Yaml,
    jobs: NodeId,
    by_name: HashMap<&'a str, NodeId>,
}

impl<'a> JobIndex<'a> {
    fn new(yaml: &'a Yaml, jobs: NodeId) -> JobIndex<'a> {
        let mut by_name = HashMap::new();
        if let NodeKind::Mapping(pairs) = &yaml.node(yaml.resolve(jobs)).kind {
            for &(k, v) in pairs {
                match yaml.key_str(k) {
                    Some("<<") => {}
                    Some(name) => {
                        by_name.insert(name, v);
                    }
                    None => {}
                }
            }
        }
        JobIndex { yaml, jobs, by_name }
    }

    fn get(&self, name: &str) -> Option<NodeId> {
        match self.by_name.get(name) {
            Some(&v) => Some(v),
            None => self.yaml.get(self.jobs, name),
        }
    }
}

fn needs_of(yaml: &Yaml, jobs: &JobIndex<'_>, name: &str) -> Vec<String> {
    let Some(job) = jobs.get(name) else { return Vec::new() };
    needs_entries(yaml, job).into_iter().filter_map(|i| yaml.str_value(i).map(str::to_string)).collect()
}

/// The entries of a job's `needs:`, a list or a single value.
fn needs_entries(yaml: &Yaml, job: NodeId) -> Vec<NodeId> {
    match yaml.get(job, "needs").map(|n| yaml.resolve(n)) {
        Some(n) if yaml.is_sequence(n) => yaml.items(n).to_vec(),
        Some(n) => vec![n],
        None => Vec::new(),
    }
}

fn needs_any(yaml: &Yaml, jobs: &JobIndex<'_>, name: &str, targets: &HashSet<String>) -> bool {
    let mut stack = vec![name.to_string()];
    let mut seen = HashSet::new();
    while let Some(j) = stack.pop() {
        if !seen.insert(j.clone()) || seen.len() > 256 {
            continue;
        }
        for n in needs_of(yaml, jobs, &j) {
            if targets.contains(&n) {
                return true;
            }
            stack.push(n);
        }
    }
    false
}

fn gitlab_labels(yaml: &Yaml, root: NodeId, launches: &[Launch], diags: &mut Vec<Diagnostic>) {
    let index = LabelIndex::new(launches);
    for (k, job) in yaml.entries(root) {
        let name = yaml.key_str(k).unwrap_or("");
        if name.starts_with('.') || !yaml.is_mapping(job) {
            continue;
        }
        let Some(tags) = yaml.get(job, "tags") else { continue };
        let Some(labels) = label_list(yaml, tags) else { continue };
        check_labels(yaml, Forge::GitLab, &labels, &index, ("job", name), diags);
    }
}

fn bitbucket_labels(yaml: &Yaml, root: NodeId, launches: &[Launch], diags: &mut Vec<Diagnostic>) {
    let index = LabelIndex::new(launches);
    let mut steps = Vec::new();
    if let Some(p) = yaml.get(root, "pipelines") {
        bitbucket_steps(yaml, p, &mut steps, 0);
    }
    for step in steps {
        let Some(ro) = yaml.get(step, "runs-on") else { continue };
        let Some(labels) = label_list(yaml, ro) else { continue };
        if !labels.iter().any(|(l, _)| l == "self.hosted") {
            continue;
        }
        let name = yaml.get(step, "name").and_then(|n| yaml.str_value(n)).unwrap_or("step");
        check_labels(yaml, Forge::Bitbucket, &labels, &index, ("step", name), diags);
    }
}

/// The names of env entries visible to a GitHub step: workflow, job, step.
fn github_env_names(launch: &Launch) -> Vec<String> {
    let mut names: Vec<String> = launch.ctx.env.iter().map(|e| e.name.clone()).collect();
    names.extend(launch.script_env.iter().cloned());
    names.extend(launch.inv.assignments.iter().map(|(n, _, _)| n.clone()));
    names
}

fn github_credentials(yaml: &Yaml, launches: &[Launch], diags: &mut Vec<Diagnostic>) {
    let f = facts();
    for l in launches {
        let names = github_env_names(l);
        let has = |n: &str| names.iter().any(|x| x == n);
        // Earlier steps of the job that configure credentials another way.
        let uses_before: Vec<String> = l
            .job
            .and_then(|j| yaml.get(j, "steps"))
            .map(|steps| {
                yaml.items(steps)
                    .iter()
                    .take_while(|&&s| Some(s) != l.step)
                    .filter_map(|&s| yaml.get(s, "uses").and_then(|u| yaml.str_value(u)).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(Some(cloud)) = l.inv.cloud(&l.ctx) {
            let oidc = match cloud.as_str() {
                "aws" => {
                    uses_before.iter().any(|u| u.starts_with("aws-actions/configure-aws-credentials"))
                        || has("AWS_PROFILE")
                        || has("AWS_ROLE_ARN")
                        || has("AWS_WEB_IDENTITY_TOKEN_FILE")
                }
                "gcp" => uses_before.iter().any(|u| u.starts_with("google-github-actions/auth")),
                "azure" => uses_before.iter().any(|u| u.starts_with("azure/login")),
                _ => false,
            };
            if let Some(c) = f.credentials.get(&cloud) {
                let mut missing: Vec<&str> =
                    c.required.iter().filter(|r| !has(r)).map(String::as_str).collect();
                if !c.one_of.is_empty() && !c.one_of.iter().any(|r| has(r)) {
                    missing.push(c.one_of[0].as_str());
                }
                if !missing.is_empty() && !oidc {
                    let mut d = Diagnostic::warning(
                        codes::CML_MISSING_CLOUD_CREDENTIALS,
                        l.inv.command_span,
                        format!(
                            "`--cloud={cloud}` needs {} in the step's environment (map them from secrets in `env:`)",
                            missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                        ),
                    );
                    let lines: Vec<(String, String)> =
                        missing.iter().map(|m| (m.to_string(), m.to_string())).collect();
                    if let Some(fix) = env_fix(yaml, l, &lines, "Add the credentials from secrets to `env:`")
                    {
                        d.fixes.push(fix);
                    }
                    diags.push(d);
                }
            }
        }
        // The forge token.
        let explicit = l.inv.option("driver-token").is_some();
        let token_names = f.forge_tokens.iter().map(String::as_str).chain([
            "CML_TOKEN",
            "CML_DRIVER_TOKEN",
            "CML_RUNNER_TOKEN",
            "CML_RUNNER_DRIVER_TOKEN",
        ]);
        let token_var = token_names.clone().find(|n| has(n));
        if !explicit && token_var.is_none() {
            let mut d = Diagnostic::warning(
                codes::CML_MISSING_TOKEN,
                l.inv.command_span,
                "`cml runner launch` needs a personal access token in `REPO_TOKEN` (e.g. `REPO_TOKEN: ${{ secrets.PERSONAL_ACCESS_TOKEN }}`)".to_string(),
            );
            let lines = [("REPO_TOKEN".to_string(), "PERSONAL_ACCESS_TOKEN".to_string())];
            if let Some(fix) = env_fix(yaml, l, &lines, "Add `REPO_TOKEN` from a secret to `env:`") {
                d.fixes.push(fix);
            }
            diags.push(d);
        }
        if let (false, Some(var)) = (explicit, token_var) {
            if let Some(span) = github_token_value(yaml, l, var) {
                diags.push(Diagnostic::warning(
                    codes::CML_RUNNER_GITHUB_TOKEN,
                    span,
                    format!("`{var}` is the workflow's `GITHUB_TOKEN`, which cannot register self-hosted runners; use a personal access token"),
                ));
            }
        }
    }
}

/// A fix adding `NAME: ${{ secrets.SECRET }}` entries to the launch step's `env:` (created
/// when the step has none).
fn env_fix(yaml: &Yaml, l: &Launch, vars: &[(String, String)], title: &str) -> Option<Fix> {
    let step = l.step?;
    let lines: Vec<String> = vars.iter().map(|(n, s)| format!("{n}: ${{{{ secrets.{s} }}}}")).collect();
    let edit = match yaml.get(step, "env") {
        Some(e) if yaml.is_mapping(e) && yaml.resolve(e) == e => {
            yamledit::append_to_mapping(yaml, e, &lines)?
        }
        Some(_) => return None,
        None => yamledit::add_nested_mapping(yaml, step, "env", &lines)?,
    };
    Some(Fix { title: title.to_string(), edits: vec![edit], preferred: true })
}

/// The span of the env value of `var` when it is `secrets.GITHUB_TOKEN` / `github.token`.
fn github_token_value(yaml: &Yaml, l: &Launch, var: &str) -> Option<Span> {
    let step = l.step?;
    let job = l.job?;
    let maps = [yaml.get(step, "env"), yaml.get(job, "env"), yaml.root(0).and_then(|r| yaml.get(r, "env"))];
    for m in maps.into_iter().flatten() {
        if let Some(v) = yaml.get(m, var) {
            let s = yaml.str_value(v)?;
            let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            if compact == "${{secrets.GITHUB_TOKEN}}" || compact == "${{github.token}}" {
                return Some(yaml.node(yaml.resolve(v)).span);
            }
            return None;
        }
    }
    None
}

/// `setup-cml` inputs and GPU containers.
fn github_steps(yaml: &Yaml, root: NodeId, diags: &mut Vec<Diagnostic>) {
    let f = facts();
    let Some(jobs) = yaml.get(root, "jobs") else { return };
    for (k, job) in yaml.entries(jobs) {
        let name = yaml.key_str(k).unwrap_or("");
        if let Some(steps) = yaml.get(job, "steps") {
            for &s in yaml.items(steps) {
                let Some(uses) = yaml.get(s, "uses").and_then(|u| yaml.str_value(u)) else { continue };
                let Some(rev) = uses.strip_prefix("iterative/setup-cml@") else { continue };
                let major = rev.split('.').next().unwrap_or("");
                let major = if major == "v3" { "v2" } else { major };
                let Some(inputs) = f.setup_cml_inputs.get(major) else { continue };
                let Some(with) = yaml.get(s, "with").filter(|&w| yaml.is_mapping(w)) else { continue };
                for (wk, _) in yaml.entries(with) {
                    let input = yaml.key_str(wk).unwrap_or("");
                    if !inputs.iter().any(|i| i.name == input) {
                        let valid: Vec<String> = inputs.iter().map(|i| format!("`{}`", i.name)).collect();
                        diags.push(Diagnostic::warning(
                            codes::CML_SETUP_CML_UNKNOWN_INPUT,
                            yaml.node(wk).span,
                            format!(
                                "`iterative/setup-cml@{rev}` has no input `{input}`; it takes {}",
                                valid.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
        // GPU container without `--gpus`.
        let Some(c) = yaml.get(job, "container") else { continue };
        let (image, options) = if yaml.is_mapping(c) {
            (yaml.get(c, "image"), yaml.get(c, "options").and_then(|o| yaml.str_value(o)))
        } else {
            (Some(c), None)
        };
        let Some(image) = image else { continue };
        let Some(img) = yaml.str_value(image) else { continue };
        let tag = img.rsplit_once(':').map_or("", |(_, t)| t);
        let cml_image =
            img.contains("iterativeai/cml") || img.contains("dvcorg/cml") || img.contains("iterative/cml");
        if cml_image && tag.ends_with("-gpu") && !options.is_some_and(|o| o.contains("--gpus")) {
            diags.push(Diagnostic::warning(
                codes::CML_GPU_CONTAINER_WITHOUT_GPUS,
                yaml.node(yaml.resolve(image)).span,
                format!("job `{name}` uses the GPU image `{img}` without `options: --gpus all`, so the container sees no GPU"),
            ));
        }
    }
}

/// Completion inside a workflow file at byte `offset` (shell text of `run:`/`script:`).
pub fn complete_workflow(yaml: &Yaml, kind: FileKind, offset: usize) -> Vec<Completion> {
    for site in shell_sites_at(yaml, kind, offset) {
        let n = yaml.node(site.node);
        let Some(s) = yaml.scalar(site.node) else { continue };
        // A block scalar's span stops at its last non-blank character, but its text keeps
        // the blanks typed after it on the last line (`cml |` at the end of a `run: |`).
        let block = matches!(s.style, ScalarStyle::Literal | ScalarStyle::Folded);
        let in_block_tail = block
            && offset > n.span.end
            && offset <= s.map.to_source(s.map.decoded_len())
            && yaml
                .source
                .get(n.span.end..offset)
                .is_some_and(|g| g.bytes().all(|b| b == b' ' || b == b'\t'));
        if n.span.touches(offset) || in_block_tail {
            if let Some(dec) = decoded_offset(s, offset) {
                return complete_shell(&s.value, &s.map, dec, &site.ctx);
            }
            continue;
        }
        // `- cml |`: a plain scalar does not own the blanks typed after it, but the
        // cursor there continues its command.
        let gap = yaml.source.get(n.span.end..offset).unwrap_or("");
        if s.style == ScalarStyle::Plain
            && offset > n.span.end
            && !s.value.is_empty()
            && gap.bytes().all(|b| b == b' ' || b == b'\t')
        {
            let mut map = s.map.clone();
            map.push_verbatim(n.span.end, gap.len());
            let text = format!("{}{gap}", s.value);
            return complete_shell(&text, &map, text.len(), &site.ctx);
        }
    }
    Vec::new()
}

/// Hover inside a workflow file at byte `offset`.
pub fn hover_workflow(yaml: &Yaml, kind: FileKind, offset: usize) -> Option<Hover> {
    for site in shell_sites_at(yaml, kind, offset) {
        if !yaml.node(site.node).span.touches(offset) {
            continue;
        }
        let s = yaml.scalar(site.node)?;
        let dec = decoded_offset(s, offset)?;
        return hover_shell(&s.value, &s.map, dec, &site.ctx);
    }
    None
}

/// From a `runs-on`/`tags` label to the `--labels` value that registers it.
pub fn definition_workflow(
    yaml: &Yaml,
    kind: FileKind,
    offset: usize,
    path: &std::path::Path,
) -> Vec<Location> {
    let mut out = Vec::new();
    let Some(node) = yaml.node_at(offset) else { return out };
    let Some(label) = yaml.str_value(node) else { return out };
    for site in shell_sites(yaml, kind) {
        let Some(s) = yaml.scalar(site.node) else { continue };
        let r = analyze_shell_full(&s.value, &s.map, &site.ctx);
        for inv in r.invocations {
            if let Some(ls) = inv.labels(&site.ctx) {
                for (l, span) in ls {
                    if l == label {
                        if let Some(span) = span {
                            out.push(Location { path: path.to_path_buf(), span });
                        }
                    }
                }
            }
        }
    }
    out
}

/// The decoded offset of source `offset` in a scalar (the last decoded offset mapping at
/// or before it).
fn decoded_offset(s: &Scalar, offset: usize) -> Option<usize> {
    let n = s.map.decoded_len();
    let mut best = None;
    // Binary search over the monotone map.
    let (mut lo, mut hi) = (0usize, n);
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        if s.map.to_source(mid) <= offset {
            best = Some(mid);
            lo = mid + 1;
        } else {
            if mid == 0 {
                break;
            }
            hi = mid - 1;
        }
    }
    best
}
