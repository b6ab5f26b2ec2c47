//! Whole-workflow rules beyond labels and credentials: CML installed before use, unknown
//! `CML_<PREFIX>_*` variables, empty credential variables, and GitLab stage order.

use foldhash::{HashSet, HashSetExt};

use crate::codes;
use crate::diag::{Diagnostic, Fix, Span, TextEdit};
use crate::kind::FileKind;
use crate::yaml::{NodeId, NodeKind, Yaml};

use super::cml::{did_you_mean, valid_vendor, Invocation};
use super::facts::{facts, CmdId, OptSpec};
use super::walk::{implicit_label, label_list, Launch, ShellSite};
use super::{yamledit, Forge};

/// One `cml` invocation with the index of its shell site.
pub(super) struct Use {
    pub site: usize,
    pub inv: std::sync::Arc<Invocation>,
    /// `export NAME=value` / `NAME=value` commands of the same script: name, span.
    pub exports: std::rc::Rc<[(String, Span)]>,
}

// ---------------------------------------------------------------------------------------
// Images and install evidence

/// `iterativeai/cml`, `dvcorg/cml*`, `ghcr.io/iterative/cml`, with or without `docker://`.
pub fn is_cml_image(img: &str) -> bool {
    let i = img.trim().trim_start_matches("docker://").to_ascii_lowercase();
    let repo = i.split([':', '@']).next().unwrap_or("");
    let repo = repo.strip_prefix("docker.io/").unwrap_or(repo);
    repo == "iterativeai/cml" || repo.starts_with("dvcorg/cml") || repo == "ghcr.io/iterative/cml"
}

/// Public base images that certainly come without CML.
fn is_plain_base_image(img: &str) -> bool {
    let i = img.trim().trim_start_matches("docker://").to_ascii_lowercase();
    if i.contains('$') {
        return false;
    }
    let repo = i.split([':', '@']).next().unwrap_or("");
    let repo = repo.strip_prefix("docker.io/").unwrap_or(repo);
    let repo = repo.strip_prefix("library/").unwrap_or(repo);
    const BASES: &[&str] = &[
        "python",
        "ubuntu",
        "debian",
        "alpine",
        "node",
        "ruby",
        "golang",
        "buildpack-deps",
        "continuumio/miniconda3",
        "continuumio/miniconda",
        "continuumio/anaconda3",
        "condaforge/miniforge3",
        "condaforge/mambaforge",
        "nvidia/cuda",
        "pytorch/pytorch",
        "tensorflow/tensorflow",
        "atlassian/default-image",
    ];
    BASES.contains(&repo)
}

/// Shell text that installs CML.
fn installs_cml(text: &str) -> bool {
    text.contains("@dvcorg/cml") || text.contains("iterative/cml/releases") || text.contains("cml-linux")
}

/// The invocation runs a `cml` that must be on PATH (not `npx`, not an explicit path).
fn needs_path_cml(yaml: &Yaml, inv: &Invocation) -> bool {
    let prog = yaml.source.get(inv.span.start..inv.command_span.end).unwrap_or("");
    let first = prog.split_whitespace().next().unwrap_or("");
    inv.command.is_some() && !first.starts_with('@') && !first.contains('/') && !first.contains('\\')
}

fn image_of(yaml: &Yaml, v: NodeId, key: &str) -> Option<(String, Span)> {
    let v = yaml.resolve(v);
    let n = if yaml.is_mapping(v) { yaml.get(v, key)? } else { v };
    let s = yaml.str_value(n)?;
    Some((s.to_string(), yaml.node(yaml.resolve(n)).span))
}

/// What is known about CML in a job's environment.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Env {
    /// CML is there (image, launched runner).
    Has,
    /// Certainly no CML unless the job installs it.
    Lacks,
    /// Can't tell (custom image, other self-hosted runner, dynamic values).
    Unknown,
}

fn env_of_image(img: Option<&str>, missing: Env) -> Env {
    match img {
        None => missing,
        Some(i) if is_cml_image(i) => Env::Has,
        Some(i) if is_plain_base_image(i) => Env::Lacks,
        Some(_) => Env::Unknown,
    }
}

/// A job whose wanted labels are all registered by one launch of this workflow.
fn on_launched_runner(forge: Forge, wanted: &[(String, Span)], launches: &[Launch]) -> Vec<usize> {
    let w: Vec<&str> = wanted.iter().map(|(l, _)| l.as_str()).filter(|l| !implicit_label(forge, l)).collect();
    if w.is_empty() {
        return Vec::new();
    }
    launches
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            l.labels.as_ref().is_some_and(|have| w.iter().all(|x| have.iter().any(|(h, _)| h == x)))
        })
        .map(|(i, _)| i)
        .collect()
}

pub(super) fn installed(
    yaml: &Yaml,
    root: NodeId,
    kind: FileKind,
    sites: &[ShellSite],
    uses: &[Use],
    launches: &[Launch],
    diags: &mut Vec<Diagnostic>,
) {
    let mut done: HashSet<NodeId> = HashSet::new();
    let text = yaml.source.as_str();
    let slice = |s: Span| text.get(s.start..s.end).unwrap_or("");
    for u in uses {
        let site = &sites[u.site];
        let Some(job) = site.job else { continue };
        if !needs_path_cml(yaml, &u.inv) || done.contains(&job) {
            continue;
        }
        let site_text_before = text.get(yaml.node(site.node).span.start..u.inv.span.start).unwrap_or("");
        let (env, evidence, fix) = match kind {
            FileKind::GithubWorkflow => {
                let container = yaml.get(job, "container");
                let env = match container {
                    Some(c) => {
                        env_of_image(image_of(yaml, c, "image").as_ref().map(|x| x.0.as_str()), Env::Unknown)
                    }
                    None => match yaml.get(job, "runs-on").and_then(|r| label_list(yaml, r)) {
                        None => Env::Unknown,
                        Some(labels) if labels.iter().any(|(l, _)| l == "self-hosted") => {
                            if on_launched_runner(Forge::GitHub, &labels, launches).is_empty() {
                                Env::Unknown
                            } else {
                                Env::Has
                            }
                        }
                        Some(_) => Env::Lacks,
                    },
                };
                let steps = yaml.get(job, "steps").map(|s| yaml.items(s).to_vec()).unwrap_or_default();
                let before = steps.iter().take_while(|&&s| Some(s) != site.step);
                let mut evidence = installs_cml(site_text_before);
                for &s in before {
                    if let Some(u) = yaml.get(s, "uses").and_then(|u| yaml.str_value(u)) {
                        let u = u.to_ascii_lowercase();
                        evidence |=
                            u.starts_with("iterative/setup-cml") || u.starts_with("iterative/setup-tools");
                    }
                    if let Some(r) = yaml.get(s, "run") {
                        evidence |= installs_cml(slice(yaml.node(yaml.resolve(r)).span));
                    }
                }
                // The step a setup-cml step goes before (the fix is built only if reported).
                (env, evidence, if container.is_none() { site.step } else { None })
            }
            FileKind::GitlabCi => {
                if site.job_name.starts_with('.')
                    || site.job_name == "default"
                    || yaml.get(root, "include").is_some()
                {
                    continue;
                }
                let Some(get) = GitlabJob::new(yaml, root, job) else { continue };
                let img =
                    get.get("image").or_else(|| get.default("image")).or_else(|| yaml.get(root, "image"));
                let img = match img {
                    Some(i) => match image_of(yaml, i, "name") {
                        Some(x) => Some(x.0),
                        None => continue,
                    },
                    None => None,
                };
                let tags = get.get("tags").and_then(|t| label_list(yaml, t));
                let launched =
                    tags.as_ref().is_some_and(|t| !on_launched_runner(Forge::GitLab, t, launches).is_empty());
                // A CML-launched GitLab runner runs jobs in `iterativeai/cml` by default.
                let env = env_of_image(img.as_deref(), if launched { Env::Has } else { Env::Unknown });
                let mut evidence = installs_cml(site_text_before);
                for n in [
                    get.get("before_script").or_else(|| get.default("before_script")),
                    yaml.get(root, "before_script"),
                ]
                .into_iter()
                .flatten()
                {
                    evidence |= installs_cml(slice(yaml.full_span(yaml.resolve(n))));
                }
                if let Some(sc) = get.get("script") {
                    let s = yaml.node(yaml.resolve(sc)).span;
                    evidence |= installs_cml(text.get(s.start..u.inv.span.start.max(s.start)).unwrap_or(""));
                }
                (env, evidence, None)
            }
            FileKind::Bitbucket => {
                if yaml.get(job, "runs-on").is_some() {
                    continue;
                }
                let img = yaml.get(job, "image").or_else(|| yaml.get(root, "image"));
                let img = match img {
                    Some(i) => match image_of(yaml, i, "name") {
                        Some(x) => Some(x.0),
                        None => continue,
                    },
                    None => None,
                };
                let env = env_of_image(img.as_deref(), Env::Lacks);
                let mut evidence = installs_cml(site_text_before);
                if let Some(sc) = yaml.get(job, "script") {
                    let s = yaml.node(yaml.resolve(sc)).span;
                    evidence |= installs_cml(text.get(s.start..u.inv.span.start.max(s.start)).unwrap_or(""));
                }
                (env, evidence, None)
            }
            _ => continue,
        };
        done.insert(job);
        if env != Env::Lacks || evidence {
            continue;
        }
        let how = match kind {
            FileKind::GithubWorkflow => {
                "add an `iterative/setup-cml` step before it, or run the job in a CML image (`container: iterativeai/cml:0-dvc2-base1`)"
            }
            _ => "use a CML image (`image: iterativeai/cml:0-dvc2-base1`) or install it first (`npm install -g @dvcorg/cml`)",
        };
        let who = if kind == FileKind::Bitbucket { "step" } else { "job" };
        let mut d = Diagnostic::warning(
            codes::CML_NOT_INSTALLED,
            u.inv.command_span,
            format!("CML is not installed in {who} `{}` when this runs: {how}", site.job_name),
        );
        d.fixes.extend(
            fix.and_then(|st| yamledit::insert_item_before(yaml, st, "uses: iterative/setup-cml@v2")).map(
                |e| Fix {
                    title: "Add an `iterative/setup-cml@v2` step before this one".into(),
                    edits: vec![e],
                    preferred: true,
                },
            ),
        );
        diags.push(d);
    }
}

/// GitLab job keys with `extends:` and merge keys followed.
struct GitlabJob<'y> {
    yaml: &'y Yaml,
    root: NodeId,
    /// The job, then what it extends, nearest first.
    chain: Vec<NodeId>,
}

impl<'y> GitlabJob<'y> {
    /// `None` when an `extends:` target is not in this file (or is dynamic).
    fn new(yaml: &'y Yaml, root: NodeId, job: NodeId) -> Option<GitlabJob<'y>> {
        let mut chain = vec![job];
        let mut i = 0;
        while i < chain.len() && chain.len() < 16 {
            if let Some(e) = yaml.get(chain[i], "extends") {
                let names: Vec<&str> = if yaml.is_sequence(e) {
                    yaml.items(e).iter().rev().filter_map(|&n| yaml.str_value(n)).collect()
                } else {
                    vec![yaml.str_value(e)?]
                };
                for n in names {
                    let t = yaml.get(root, n)?;
                    if !chain.contains(&t) {
                        chain.push(t);
                    }
                }
            }
            i += 1;
        }
        Some(GitlabJob { yaml, root, chain })
    }

    fn get(&self, key: &str) -> Option<NodeId> {
        self.chain.iter().find_map(|&j| self.yaml.get(j, key))
    }

    fn default(&self, key: &str) -> Option<NodeId> {
        self.yaml.get(self.root, "default").and_then(|d| self.yaml.get(d, key))
    }
}

// ---------------------------------------------------------------------------------------
// GitLab stage order

pub(super) fn gitlab_stages(yaml: &Yaml, root: NodeId, launches: &[Launch], diags: &mut Vec<Diagnostic>) {
    let stages: Vec<String> = match yaml.get(root, "stages") {
        Some(s) => {
            let items: Option<Vec<String>> =
                yaml.items(s).iter().map(|&i| yaml.str_value(i).map(str::to_string)).collect();
            match items {
                Some(v) if yaml.is_sequence(s) => v,
                _ => return,
            }
        }
        None => ["build", "test", "deploy"].map(String::from).to_vec(),
    };
    let mut order = vec![".pre".to_string()];
    order.extend(stages.into_iter().filter(|s| s != ".pre" && s != ".post"));
    order.push(".post".to_string());
    let stage_of = |job: &GitlabJob| -> Option<(usize, String)> {
        let s = match job.get("stage") {
            Some(n) => yaml.str_value(n)?.to_string(),
            None => "test".to_string(),
        };
        order.iter().position(|o| *o == s).map(|i| (i, s))
    };
    for (k, job) in yaml.entries(root) {
        let name = yaml.key_str(k).unwrap_or("");
        if name.starts_with('.') || !yaml.is_mapping(job) || name == "default" {
            continue;
        }
        let Some(gj) = GitlabJob::new(yaml, root, job) else { continue };
        let Some(tags) = gj.get("tags").and_then(|t| label_list(yaml, t)) else { continue };
        let fitting = on_launched_runner(Forge::GitLab, &tags, launches);
        let lj: Vec<&Launch> = fitting.iter().map(|&i| &launches[i]).collect();
        if lj.is_empty()
            || lj.iter().any(|l| l.job == Some(job) || l.job_name.starts_with('.') || l.job.is_none())
        {
            continue;
        }
        let needs = gj.get("needs");
        let needed: Vec<String> = needs
            .map(|n| {
                let one = |i: NodeId| {
                    let i = yaml.resolve(i);
                    if yaml.is_mapping(i) {
                        yaml.get(i, "job").and_then(|j| yaml.str_value(j)).map(str::to_string)
                    } else {
                        yaml.str_value(i).map(str::to_string)
                    }
                };
                if yaml.is_sequence(n) {
                    yaml.items(n).iter().filter_map(|&i| one(i)).collect()
                } else {
                    one(n).into_iter().collect()
                }
            })
            .unwrap_or_default();
        if lj.iter().any(|l| needed.contains(&l.job_name)) {
            continue;
        }
        let Some((mine, my_stage)) = stage_of(&gj) else { continue };
        let mut bad: Vec<(&Launch, String)> = Vec::new();
        for l in &lj {
            let Some(lgj) = l.job.and_then(|j| GitlabJob::new(yaml, root, j)) else { return };
            let Some((theirs, their_stage)) = stage_of(&lgj) else { continue };
            if needs.is_some() || mine <= theirs {
                bad.push((l, their_stage));
            }
        }
        // With several fitting launches, one that runs earlier is enough.
        if bad.len() < lj.len() || bad.is_empty() {
            continue;
        }
        let (l, their_stage) = &bad[0];
        let msg = if needs.is_some() {
            format!(
                "job `{name}` runs on the runner launched by `{}`, but its `needs:` leaves that job out, so it may start before the runner exists",
                l.job_name
            )
        } else {
            format!(
                "job `{name}` (stage `{my_stage}`) runs on the runner launched by `{}` (stage `{their_stage}`) but does not wait for it: put it in a later stage or add `needs: [{}]`",
                l.job_name, l.job_name
            )
        };
        let mut d = Diagnostic::warning(codes::CML_RUNNER_JOB_WITHOUT_NEEDS, yaml.node(k).span, msg);
        let edit = match yaml.get(job, "needs") {
            Some(n) => yamledit::add_to_list(yaml, yaml.resolve(n), &l.job_name),
            None => yamledit::prepend_to_mapping(yaml, job, &format!("needs: [{}]", l.job_name)),
        };
        if let Some(e) = edit {
            d.fixes.push(Fix {
                title: format!("Add `needs: [{}]`", l.job_name),
                edits: vec![e],
                preferred: false,
            });
        }
        diags.push(d);
    }
}

// ---------------------------------------------------------------------------------------
// `CML_<PREFIX>_*` variables

/// yargs' camelCase of an env key remainder (`_CLOUD_HDD_SIZE` -> `cloudHddSize`).
fn yargs_camel(s: &str) -> String {
    let mixed = s != s.to_lowercase() && s != s.to_uppercase();
    let s = if mixed { s.to_string() } else { s.to_lowercase() };
    let mut out = String::new();
    let mut up = false;
    for (i, c) in s.chars().enumerate() {
        if up {
            up = false;
            out.extend(c.to_uppercase());
            continue;
        }
        if c == '-' || c == '_' {
            up = i != 0;
        } else {
            out.push(c);
        }
    }
    out
}

fn known_key(opts: &[&OptSpec], key: &str) -> bool {
    let camel = super::facts::camel;
    opts.iter().any(|o| {
        camel(&o.name) == key || o.name == key || o.aliases.iter().any(|a| a == key || camel(a) == key)
    }) || matches!(key, "help" | "version" | "options")
}

/// What `cml <id>` makes of a variable: `None` when it ignores it or accepts it.
/// Returns the code, whether it is an error, the message and a replacement name.
fn env_problem(id: CmdId, name: &str) -> Option<(&'static str, bool, String, Option<String>)> {
    let f = facts();
    let spec = f.command(id);
    let prefix = spec.env_prefix.as_str();
    let path = id.path();
    if id == CmdId::RunnerLaunch {
        if name == "RUNNER_NAME" {
            return Some((
                codes::CML_IGNORED_ENV_VAR,
                false,
                "`RUNNER_NAME` is ignored by `cml runner launch` (it only warns); use `CML_RUNNER_NAME`"
                    .to_string(),
                Some("CML_RUNNER_NAME".into()),
            ));
        }
        if name == "DOCKER_MACHINE" {
            return Some((
                codes::CML_UNKNOWN_ENV_VAR,
                false,
                "`DOCKER_MACHINE` is read as the legacy form of `CML_RUNNER_DOCKER_MACHINE`, an option `cml runner launch` no longer has: strict mode would reject it (\"Unknown argument\")".to_string(),
                None,
            ));
        }
    }
    // Legacy prefixes are rewritten to the current one first.
    let legacy = [
        ("CML_CI_", "CML_REPO_"),
        ("CML_PUBLISH_", "CML_ASSET_"),
        ("CML_RERUN_WORKFLOW_", "CML_WORKFLOW_"),
        ("CML_SEND_COMMENT_", "CML_COMMENT_"),
        ("CML_SEND_GITHUB_CHECK_", "CML_CHECK_"),
        ("CML_TENSORBOARD_DEV_", "CML_TENSORBOARD_"),
    ];
    let mut effective = name.to_string();
    for (old, new) in legacy {
        if let Some(rest) = name.strip_prefix(old) {
            effective = format!("{new}{rest}");
        }
    }
    let rest = effective.strip_prefix(prefix)?;
    if rest.is_empty() || rest.trim_matches('_').is_empty() || rest.contains("__") {
        return None;
    }
    let key = yargs_camel(rest);
    let opts: Vec<&OptSpec> = spec.options.iter().chain(f.globals.iter()).collect();
    if known_key(&opts, &key) {
        return None;
    }
    let visible: Vec<&str> = opts.iter().filter(|o| !o.hidden).map(|o| o.name.as_str()).collect();
    let kebab = rest.trim_start_matches('_').to_ascii_lowercase().replace('_', "-");
    let best = rest
        .starts_with('_')
        .then(|| did_you_mean(&kebab, visible.iter().copied()))
        .flatten()
        .map(|b| format!("{prefix}_{}", b.to_ascii_uppercase().replace('-', "_")));
    let how = if rest.starts_with('_') {
        format!("`cml {path}` reads it as option `--{kebab}`, which it does not have")
    } else {
        format!("it starts with `{prefix}`, so `cml {path}` reads it as an unknown option `{key}`")
    };
    let tail = match &best {
        Some(b) => format!("; did you mean `{b}`?"),
        None => String::new(),
    };
    Some((
        codes::CML_UNKNOWN_ENV_VAR,
        true,
        format!("`{name}`: {how}, and strict mode fails with \"Unknown argument\"{tail}"),
        best,
    ))
}

/// Env maps visible to a site: (key node, name), nearest last.
fn env_keys<'y>(yaml: &'y Yaml, root: NodeId, kind: FileKind, site: &ShellSite) -> Vec<(NodeId, &'y str)> {
    let mut maps = Vec::new();
    match kind {
        FileKind::GithubWorkflow | FileKind::GithubAction => {
            maps.push(yaml.get(root, "env"));
            maps.push(site.job.and_then(|j| yaml.get(j, "env")));
            maps.push(site.step.and_then(|s| yaml.get(s, "env")));
        }
        FileKind::GitlabCi => {
            maps.push(yaml.get(root, "variables"));
            maps.push(site.job.and_then(|j| yaml.get(j, "variables")));
        }
        _ => {}
    }
    let mut out = Vec::new();
    for m in maps.into_iter().flatten() {
        if !yaml.is_mapping(m) {
            continue;
        }
        for (k, _) in yaml.entries(m) {
            if let Some(n) = yaml.key_str(k) {
                out.push((k, n));
            }
        }
    }
    out
}

pub(super) fn env_vars(
    yaml: &Yaml,
    root: NodeId,
    kind: FileKind,
    sites: &[ShellSite],
    uses: &[Use],
    diags: &mut Vec<Diagnostic>,
) {
    let mut seen: HashSet<(Span, CmdId)> = HashSet::new();
    let mut reported: HashSet<Span> = HashSet::new();
    for u in uses {
        let Some(id) = u.inv.command else { continue };
        let site = &sites[u.site];
        let mut found: Vec<(Span, &str, bool)> = Vec::new();
        for (k, name) in env_keys(yaml, root, kind, site) {
            let s = yaml.scalar(k);
            let verbatim = s.is_some_and(|s| s.style == crate::yaml::ScalarStyle::Plain);
            found.push((yaml.node(k).span, name, verbatim));
        }
        for (name, span) in u.exports.iter() {
            if span.start < u.inv.span.start {
                found.push((Span::new(span.start, span.start + name.len().min(span.len())), name, false));
            }
        }
        for (name, _, span) in &u.inv.assignments {
            found.push((Span::new(span.start, span.start + name.len().min(span.len())), name, false));
        }
        for (span, name, verbatim) in found {
            if !seen.insert((span, id)) || reported.contains(&span) {
                continue;
            }
            let Some((code, error, msg, best)) = env_problem(id, name) else { continue };
            reported.insert(span);
            let mut d =
                if error { Diagnostic::error(code, span, msg) } else { Diagnostic::warning(code, span, msg) };
            if let (Some(b), true) = (best, verbatim) {
                d.fixes.push(Fix {
                    title: format!("Rename to `{b}`"),
                    edits: vec![TextEdit { span, new_text: b }],
                    preferred: true,
                });
            }
            diags.push(d);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Empty credentials

pub(super) fn empty_credentials(
    yaml: &Yaml,
    root: NodeId,
    kind: FileKind,
    sites: &[ShellSite],
    uses: &[Use],
    diags: &mut Vec<Diagnostic>,
) {
    let f = facts();
    let mut reported: HashSet<Span> = HashSet::new();
    for u in uses {
        if u.inv.command != Some(CmdId::RunnerLaunch) {
            continue;
        }
        let site = &sites[u.site];
        let Some(Some(cloud)) = u.inv.cloud(&site.ctx) else { continue };
        let Some(vendor) = valid_vendor(&cloud) else { continue };
        let Some(c) = f.credentials.get(vendor) else { continue };
        // The nearest definition of each name.
        let mut defs: Vec<(String, NodeId, NodeId)> = Vec::new();
        let maps: Vec<Option<NodeId>> = match kind {
            FileKind::GithubWorkflow | FileKind::GithubAction => vec![
                yaml.get(root, "env"),
                site.job.and_then(|j| yaml.get(j, "env")),
                site.step.and_then(|s| yaml.get(s, "env")),
            ],
            FileKind::GitlabCi => {
                vec![yaml.get(root, "variables"), site.job.and_then(|j| yaml.get(j, "variables"))]
            }
            _ => Vec::new(),
        };
        for m in maps.into_iter().flatten().filter(|&m| yaml.is_mapping(m)) {
            for (k, v) in yaml.entries(m) {
                if let Some(n) = yaml.key_str(k) {
                    defs.retain(|(d, _, _)| d != n);
                    defs.push((n.to_string(), k, v));
                }
            }
        }
        let empty = |v: NodeId| -> Option<Span> {
            let v = yaml.resolve(v);
            let v = if yaml.is_mapping(v) { yaml.get(v, "value").map(|x| yaml.resolve(x))? } else { v };
            let n = yaml.node(v);
            match &n.kind {
                NodeKind::Null => Some(n.span),
                NodeKind::Scalar(s) if s.value.is_empty() => Some(n.span),
                _ => None,
            }
        };
        let non_empty = |name: &str| defs.iter().any(|(d, _, v)| d == name && empty(*v).is_none());
        let one_of_ok = c.one_of.iter().any(|n| non_empty(n));
        for (name, k, v) in &defs {
            let listed = c.required.contains(name) || (c.one_of.contains(name) && !one_of_ok);
            if !listed {
                continue;
            }
            let Some(vs) = empty(*v) else { continue };
            let span = if vs.is_empty() { yaml.node(*k).span } else { vs };
            if !reported.insert(span) {
                continue;
            }
            diags.push(Diagnostic::warning(
                codes::CML_EMPTY_CREDENTIAL,
                span,
                format!("`{name}` is set to an empty value here, which hides any value from the CI settings; `--cloud={vendor}` needs it"),
            ));
        }
    }
}
