//! "Add a CML cloud-runner job" to an existing workflow: edits that add the runner job
//! and wire a chosen job to it, leaving every other byte of the file as it was. The new
//! text follows the file's indentation and line endings. Files too unusual to edit safely
//! (YAML errors, flow-style jobs, several documents) are declined with a reason.

use crate::diag::{Span, TextEdit};
use crate::yaml::{self, NodeId, NodeKind, Yaml};

use super::options::{plan, Forge, Plan, WizardOptions};
use super::{line_ending, render};

/// The name of the stage the runner job gets in an existing GitLab file.
pub const GITLAB_RUNNER_STAGE: &str = "cml-runner";
/// GitLab's stages when a file declares none.
const GITLAB_DEFAULT_STAGES: &[&str] = &["build", "test", "deploy"];
/// Top-level GitLab keys that are not jobs.
const GITLAB_KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "types",
    "pages:deploy",
    "spec",
];

fn line_start(text: &str, off: usize) -> usize {
    text[..off.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset just past the line terminator of the line holding `off` (or the text end).
fn next_line_start(text: &str, off: usize) -> usize {
    text[off.min(text.len())..].find('\n').map_or(text.len(), |i| off + i + 1)
}

/// Moves a line start `at` up over the comment lines directly above it (they describe
/// what follows them).
fn above_comments(text: &str, mut at: usize) -> usize {
    while at > 0 {
        let prev = line_start(text, at - 1);
        if text[prev..at].trim_start().starts_with('#') {
            at = prev;
        } else {
            break;
        }
    }
    at
}

fn col(text: &str, off: usize) -> usize {
    off - line_start(text, off)
}

fn starts_flow(text: &str, span: Span) -> bool {
    matches!(text.as_bytes().get(span.start), Some(b'{' | b'['))
}

struct Ctx<'a> {
    text: &'a str,
    y: Yaml,
    eol: &'static str,
}

impl<'a> Ctx<'a> {
    fn new(text: &'a str) -> Result<Ctx<'a>, String> {
        if text.contains('\t') && text.lines().any(|l| l.starts_with('\t')) {
            return Err("the file indents with tabs; fix that first".into());
        }
        let y = yaml::parse(text);
        if let Some(p) = y.problems.first() {
            return Err(format!("the file has YAML problems to fix first ({})", p.message));
        }
        if y.docs.len() > 1 {
            return Err("the file holds several YAML documents; add the runner job by hand".into());
        }
        Ok(Ctx { text, y, eol: line_ending(text) })
    }

    fn root_map(&self) -> Result<NodeId, String> {
        let root = self.y.root(0).ok_or("the file is empty: generate a whole workflow instead")?;
        let root = self.y.resolve(root);
        if !self.y.is_mapping(root) || starts_flow(self.text, self.y.node(root).span) {
            return Err("the file's top level is not a block mapping".into());
        }
        Ok(root)
    }

    /// A block mapping value (not flow, not an alias).
    fn block_map(&self, id: NodeId, what: &str) -> Result<NodeId, String> {
        let n = self.y.node(id);
        if matches!(n.kind, NodeKind::Alias { .. }) || n.anchor().is_some() {
            return Err(format!("{what} uses YAML anchors or aliases; edit it by hand"));
        }
        if !self.y.is_mapping(id) || starts_flow(self.text, n.span) {
            return Err(format!("{what} is not a block mapping; edit it by hand"));
        }
        Ok(id)
    }

    fn pairs(&self, map: NodeId) -> Vec<(NodeId, NodeId)> {
        match &self.y.node(map).kind {
            NodeKind::Mapping(p) => p.clone(),
            _ => Vec::new(),
        }
    }

    fn key(&self, k: NodeId) -> &str {
        self.y.key_str(k).unwrap_or("")
    }

    /// Text with LF turned into the file's line ending.
    fn nl(&self, s: &str) -> String {
        super::with_line_ending(s, self.eol)
    }

    /// Where a new line goes after the node `id`: the start of the line after its end.
    fn after(&self, id: NodeId) -> usize {
        let end = self.y.full_span(id).end;
        // A node ending at a line break already ends its line.
        if end > 0 && self.text.as_bytes().get(end - 1) == Some(&b'\n') {
            return end;
        }
        next_line_start(self.text, end)
    }

    /// The text to put at the end of the file's last line before appending lines there.
    fn needs_newline_at(&self, at: usize) -> bool {
        at == self.text.len() && !self.text.is_empty() && !self.text.ends_with('\n')
    }
}

/// Re-indents generated `lines` with `unit` spaces per mapping level; the first line's
/// column `first_old` becomes `first_new`. The content of a `- ` item stays two columns
/// right of its dash, as YAML requires.
fn reindent(lines: &[&str], unit: usize, first_old: usize, first_new: usize) -> String {
    let mut out = String::new();
    let mut stack: Vec<(usize, usize)> = vec![(first_old, first_new)];
    for l in lines {
        let body = l.trim_start();
        if body.is_empty() {
            out.push('\n');
            continue;
        }
        let n = l.len() - body.len();
        while stack.len() > 1 && stack.last().is_some_and(|&(o, _)| o > n) {
            stack.pop();
        }
        let &(top_old, top_new) = stack.last().unwrap_or(&(first_old, first_new));
        let new = if n <= top_old { top_new } else { top_new + unit };
        if n > top_old {
            stack.push((n, new));
        }
        if body.starts_with("- ") {
            stack.push((n + 2, new + 2));
        }
        out.push_str(&" ".repeat(new));
        out.push_str(body);
        out.push('\n');
    }
    out
}

/// The lines of the generated text from the line `first` up to (excluding) the first line
/// for which `stop` is true.
fn block<'t>(text: &'t str, first: &str, stop: impl Fn(&str) -> bool) -> Vec<&'t str> {
    let mut out = Vec::new();
    let mut on = false;
    for l in text.lines() {
        if !on {
            on = l == first;
            if on {
                out.push(l);
            }
            continue;
        }
        if stop(l) {
            break;
        }
        out.push(l);
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out
}

/// Inserts `key: value` as the first entry of `map` (a block mapping), or replaces the
/// value of an existing `key`.
fn set_key(c: &Ctx<'_>, map: NodeId, key: &str, value: &str, edits: &mut Vec<TextEdit>) {
    if let Some((k, v)) = c.pairs(map).into_iter().rev().find(|&(k, _)| c.key(k) == key) {
        let kend = c.y.full_span(k).end;
        let colon = c.text[kend..].find(':').map_or(kend, |i| kend + i + 1);
        let vend = c.y.full_span(v).end.max(colon);
        edits.push(TextEdit { span: Span::new(colon, vend), new_text: format!(" {value}") });
        return;
    }
    insert_first_key(c, map, &format!("{key}: {value}"), edits);
}

fn insert_first_key(c: &Ctx<'_>, map: NodeId, line: &str, edits: &mut Vec<TextEdit>) {
    let first_key =
        c.pairs(map).first().map(|&(k, _)| c.y.full_span(k).start).unwrap_or(c.y.node(map).span.start);
    let at = line_start(c.text, first_key);
    let indent = col(c.text, first_key);
    let new = format!("{}{line}{}", " ".repeat(indent), c.eol);
    // Keep several insertions at the same place in call order.
    if let Some(e) = edits.iter_mut().find(|e| e.span == Span::empty(at)) {
        e.new_text.push_str(&new);
    } else {
        edits.push(TextEdit { span: Span::empty(at), new_text: new });
    }
}

/// Adds `item` to the sequence or scalar value of `key` in `map`, creating the key when absent.
fn add_to_list(
    c: &Ctx<'_>,
    map: NodeId,
    key: &str,
    item: &str,
    create: bool,
    edits: &mut Vec<TextEdit>,
) -> Result<(), String> {
    let Some((k, v)) = c.pairs(map).into_iter().rev().find(|&(k, _)| c.key(k) == key) else {
        if create {
            insert_first_key(c, map, &format!("{key}: [{item}]"), edits);
        }
        return Ok(());
    };
    let node = c.y.node(v);
    match &node.kind {
        NodeKind::Null => {
            edits.push(TextEdit { span: Span::empty(node.span.start), new_text: format!(" [{item}]") });
        }
        NodeKind::Scalar(s) => {
            if s.value == item {
                return Ok(());
            }
            let kend = c.y.full_span(k).end;
            let colon = c.text[kend..].find(':').map_or(kend, |i| kend + i + 1);
            let old = &c.text[node.span.start..node.span.end];
            edits.push(TextEdit {
                span: Span::new(colon, node.span.end),
                new_text: format!(" [{old}, {item}]"),
            });
        }
        NodeKind::Sequence(items) => {
            if items.iter().any(|&i| c.y.str_value(i) == Some(item)) {
                return Ok(());
            }
            if node.anchor().is_some() {
                return Err(format!("`{key}` has a YAML anchor; edit it by hand"));
            }
            match items.last() {
                None => {
                    // `[]`
                    edits.push(TextEdit { span: node.span, new_text: format!("[{item}]") });
                }
                Some(&last) if starts_flow(c.text, node.span) => {
                    let end = c.y.full_span(last).end;
                    edits.push(TextEdit { span: Span::empty(end), new_text: format!(", {item}") });
                }
                Some(&last) => {
                    let first = c.y.full_span(items[0]).start;
                    let dash = c.text[line_start(c.text, first)..first]
                        .rfind('-')
                        .map(|i| line_start(c.text, first) + i);
                    let Some(dash) = dash else {
                        return Err(format!("cannot find the items of `{key}`; edit it by hand"));
                    };
                    let at = c.after(last);
                    let pre = if c.needs_newline_at(at) { c.eol } else { "" };
                    edits.push(TextEdit {
                        span: Span::empty(at),
                        new_text: format!("{pre}{}- {item}{}", " ".repeat(col(c.text, dash)), c.eol),
                    });
                }
            }
        }
        _ => return Err(format!("`{key}` is neither a name nor a list; edit it by hand")),
    }
    Ok(())
}

/// True when the text already launches a CML runner.
pub fn launches_runner(text: &str) -> bool {
    text.contains("cml runner launch") || text.contains("cml-runner ") || text.contains("cml runner --")
}

/// The jobs (GitHub, GitLab) or steps (Bitbucket `pipelines.default`, by name or as
/// `step N`) that [`add_runner_job`] can wire to a new runner job.
pub fn wirable_jobs(forge: Forge, text: &str) -> Result<Vec<String>, String> {
    let c = Ctx::new(text)?;
    let root = c.root_map()?;
    match forge {
        Forge::Github => {
            let jobs = c.y.get(root, "jobs").ok_or("the workflow has no `jobs`")?;
            let jobs = c.block_map(jobs, "`jobs`")?;
            Ok(c.pairs(jobs)
                .into_iter()
                .filter(|&(_, v)| c.y.is_mapping(v))
                .map(|(k, _)| c.key(k).to_string())
                .collect())
        }
        Forge::Gitlab => Ok(gitlab_jobs(&c, root).into_iter().map(|(k, _)| c.key(k).to_string()).collect()),
        Forge::Bitbucket => Ok(bitbucket_steps(&c, root)?.into_iter().map(|s| s.label).collect()),
    }
}

/// Edits that add a runner job (named by `opts.deploy_job`, default `deploy-runner`) to
/// the workflow `text` of `forge` and make `target` (a job, or a Bitbucket step's name or
/// `step N`) run on the runner. Every other byte of the file stays the same.
pub fn add_runner_job(
    forge: Forge,
    text: &str,
    opts: &WizardOptions,
    target: &str,
) -> Result<Vec<TextEdit>, String> {
    let mut opts = opts.clone();
    opts.forge = Some(forge);
    let p = plan(&opts)?;
    if launches_runner(text) {
        return Err("the file already launches a CML runner".into());
    }
    let c = Ctx::new(text)?;
    let root = c.root_map()?;
    let mut edits = match forge {
        Forge::Github => github(&c, root, &p, target)?,
        Forge::Gitlab => gitlab(&c, root, &p, target)?,
        Forge::Bitbucket => bitbucket(&c, root, &p, target)?,
    };
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    for w in edits.windows(2) {
        if w[0].span.end > w[1].span.start {
            return Err("the edits would overlap; add the runner job by hand".into());
        }
    }
    Ok(edits)
}

fn github(c: &Ctx<'_>, root: NodeId, p: &Plan, target: &str) -> Result<Vec<TextEdit>, String> {
    let (jobs_key, jobs) = c
        .pairs(root)
        .into_iter()
        .rev()
        .find(|&(k, _)| c.key(k) == "jobs")
        .ok_or("the workflow has no `jobs`")?;
    let jobs = c.block_map(jobs, "`jobs`")?;
    let pairs = c.pairs(jobs);
    if pairs.iter().any(|&(k, _)| c.key(k) == p.deploy_job) {
        return Err(format!(
            "a job named `{}` already exists; choose another name for the runner job",
            p.deploy_job
        ));
    }
    let (_, job) = pairs
        .iter()
        .rev()
        .find(|&&(k, _)| c.key(k) == target)
        .copied()
        .ok_or(format!("no job named `{target}`"))?;
    let job = c.block_map(job, &format!("job `{target}`"))?;
    let first_job_key = pairs.first().map(|&(k, _)| c.y.full_span(k).start).ok_or("`jobs` is empty")?;
    let unit = col(c.text, first_job_key);
    if unit == 0 {
        return Err("cannot tell the indentation of `jobs`".into());
    }
    let mut edits = Vec::new();
    // The runner job goes first under `jobs:`, after the `jobs:` line.
    let (generated, _) = render::github(p);
    let lines = block(&generated, &format!("  {}:", p.deploy_job), |l| l.is_empty());
    let at = next_line_start(c.text, c.y.full_span(jobs_key).end);
    let mut new = reindent(&lines, unit, 2, unit);
    new.push('\n');
    edits.push(TextEdit { span: Span::empty(at), new_text: c.nl(&new) });
    // Wire the target job.
    let labels = format!("[self-hosted, {}]", p.labels.join(", "));
    add_to_list(c, job, "needs", &p.deploy_job, false, &mut edits)?;
    if c.y.get(job, "needs").is_none() {
        insert_first_key(c, job, &format!("needs: {}", p.deploy_job), &mut edits);
    }
    set_key(c, job, "runs-on", &labels, &mut edits);
    if c.y.get(job, "timeout-minutes").is_none() {
        insert_first_key(c, job, "timeout-minutes: 50400", &mut edits);
    }
    Ok(edits)
}

fn gitlab_jobs(c: &Ctx<'_>, root: NodeId) -> Vec<(NodeId, NodeId)> {
    c.pairs(root)
        .into_iter()
        .filter(|&(k, v)| {
            let name = c.key(k);
            !name.starts_with('.')
                && !GITLAB_KEYWORDS.contains(&name)
                && c.y.is_mapping(v)
                && ["script", "trigger", "extends", "run"].iter().any(|s| c.y.get(v, s).is_some())
        })
        .collect()
}

fn gitlab(c: &Ctx<'_>, root: NodeId, p: &Plan, target: &str) -> Result<Vec<TextEdit>, String> {
    let jobs = gitlab_jobs(c, root);
    if c.pairs(root).iter().any(|&(k, _)| c.key(k) == p.deploy_job) {
        return Err(format!(
            "a job named `{}` already exists; choose another name for the runner job",
            p.deploy_job
        ));
    }
    let (tkey, job) = jobs
        .iter()
        .rev()
        .find(|&&(k, _)| c.key(k) == target)
        .copied()
        .ok_or(format!("no job named `{target}`"))?;
    let job = c.block_map(job, &format!("job `{target}`"))?;
    let stage = match c.y.get(job, "stage") {
        None => "test".to_string(),
        Some(s) => c.y.str_value(s).ok_or(format!("the stage of `{target}` is not a name"))?.to_string(),
    };
    if stage.starts_with('.') {
        return Err(format!(
            "job `{target}` runs in stage `{stage}`, before any stage a runner job could use"
        ));
    }
    let mut edits = Vec::new();
    let first_key = c.pairs(root).first().map(|&(k, _)| c.y.full_span(k).start).unwrap_or(0);
    let unit = {
        let ks = c.pairs(job).first().map(|&(k, _)| c.y.full_span(k).start);
        ks.map_or(2, |s| col(c.text, s)).max(1)
    };
    // Stages: ours right before the target's stage.
    match c.pairs(root).into_iter().rev().find(|&(k, _)| c.key(k) == "stages") {
        Some((_, stages)) => {
            let items = c.y.items(stages).to_vec();
            if !c.y.is_sequence(stages) || c.y.node(stages).anchor().is_some() {
                return Err("`stages` is not a plain list; edit it by hand".into());
            }
            let names: Vec<Option<&str>> = items.iter().map(|&i| c.y.str_value(i)).collect();
            let pos = names.iter().position(|n| *n == Some(stage.as_str()));
            let Some(pos) = pos else {
                return Err(format!("stage `{stage}` of job `{target}` is not in `stages`"));
            };
            if let Some(ours) = names.iter().position(|n| *n == Some(GITLAB_RUNNER_STAGE)) {
                if ours > pos {
                    return Err(format!(
                        "stage `{GITLAB_RUNNER_STAGE}` comes after `{stage}`; reorder `stages` first"
                    ));
                }
            } else {
                let before = c.y.full_span(items[pos]).start;
                if starts_flow(c.text, c.y.node(stages).span) {
                    edits.push(TextEdit {
                        span: Span::empty(before),
                        new_text: format!("{GITLAB_RUNNER_STAGE}, "),
                    });
                } else {
                    let ls = line_start(c.text, before);
                    let dash = c.text[ls..before].rfind('-').ok_or("cannot find the items of `stages`")?;
                    edits.push(TextEdit {
                        span: Span::empty(ls),
                        new_text: format!("{}- {GITLAB_RUNNER_STAGE}{}", " ".repeat(dash), c.eol),
                    });
                }
            }
        }
        None => {
            let mut stages: Vec<&str> = GITLAB_DEFAULT_STAGES.to_vec();
            let pos = stages.iter().position(|s| *s == stage).ok_or(format!(
                "stage `{stage}` of job `{target}` is not declared (the file has no `stages`)"
            ))?;
            stages.insert(pos, GITLAB_RUNNER_STAGE);
            edits.push(TextEdit {
                span: Span::empty(line_start(c.text, first_key)),
                new_text: format!("stages: [{}]{}{}", stages.join(", "), c.eol, c.eol),
            });
        }
    }
    // The runner job, right before the target job.
    let (generated, _) = render::gitlab(p);
    let stage_line = format!("  stage: {GITLAB_RUNNER_STAGE}");
    let lines: Vec<&str> = block(&generated, &format!("{}:", p.deploy_job), |l| l.is_empty())
        .into_iter()
        .map(|l| if l == "  stage: deploy" { stage_line.as_str() } else { l })
        .collect();
    let mut new = reindent(&lines, unit, 0, 0);
    new.push('\n');
    let at = above_comments(c.text, line_start(c.text, c.y.full_span(tkey).start));
    let new = c.nl(&new);
    if let Some(e) = edits.iter_mut().find(|e| e.span == Span::empty(at)) {
        e.new_text.push_str(&new);
    } else {
        edits.push(TextEdit { span: Span::empty(at), new_text: new });
    }
    // Wire the target: our tags only (a job needs every tag on its runner), and the
    // runner job in `needs` when the job lists its needs (else the stage order suffices).
    set_key(c, job, "tags", &format!("[{}]", p.labels.join(", ")), &mut edits);
    add_to_list(c, job, "needs", &p.deploy_job, false, &mut edits)?;
    Ok(edits)
}

struct BbStep {
    label: String,
    /// The `- ` item of `pipelines.default`.
    item: NodeId,
    /// The `step:` mapping.
    step: NodeId,
}

fn bitbucket_steps(c: &Ctx<'_>, root: NodeId) -> Result<Vec<BbStep>, String> {
    let pipelines = c.y.get(root, "pipelines").ok_or("the file has no `pipelines`")?;
    let pipelines = c.block_map(pipelines, "`pipelines`")?;
    let default = c.y.get(pipelines, "default").ok_or("the file has no `pipelines.default`")?;
    if !c.y.is_sequence(default) || starts_flow(c.text, c.y.node(default).span) {
        return Err("`pipelines.default` is not a block list of steps".into());
    }
    let mut out = Vec::new();
    for (i, &item) in c.y.items(default).iter().enumerate() {
        let Some(step) = c.y.is_mapping(item).then(|| c.y.get(item, "step")).flatten() else {
            continue;
        };
        if !c.y.is_mapping(step) || starts_flow(c.text, c.y.node(step).span) {
            continue;
        }
        let label =
            c.y.get(step, "name")
                .and_then(|n| c.y.str_value(n))
                .map_or(format!("step {}", i + 1), str::to_string);
        out.push(BbStep { label, item, step });
    }
    Ok(out)
}

fn bitbucket(c: &Ctx<'_>, root: NodeId, p: &Plan, target: &str) -> Result<Vec<TextEdit>, String> {
    let steps = bitbucket_steps(c, root)?;
    if steps.iter().any(|s| s.label == p.deploy_job) {
        return Err(format!(
            "a step named `{}` already exists; choose another name for the runner step",
            p.deploy_job
        ));
    }
    let t = steps
        .iter()
        .find(|s| s.label == target)
        .ok_or(format!("no step named `{target}` in `pipelines.default`"))?;
    let step = c.block_map(t.step, &format!("step `{target}`"))?;
    let default =
        c.y.get(c.y.get(root, "pipelines").ok_or("no pipelines")?, "default").ok_or("no default")?;
    let first = *c.y.items(default).first().ok_or("`pipelines.default` is empty")?;
    let first_start = c.y.full_span(first).start;
    let ls = line_start(c.text, first_start);
    let dash = c.text[ls..first_start].rfind('-').ok_or("cannot find the steps of `pipelines.default`")?;
    // Indentation inside a step: its keys' column minus the `step:` key's column.
    let step_key_col = col(c.text, c.y.full_span(t.item).start);
    let inner_col =
        c.pairs(step).first().map_or(step_key_col + 2, |&(k, _)| col(c.text, c.y.full_span(k).start));
    let unit = inner_col.saturating_sub(step_key_col).max(1);
    let (generated, _) = render::bitbucket(p);
    let lines = block(&generated, "    - step:", |l| l == "    - step:");
    let new = reindent(&lines, unit, 4, dash);
    let mut edits = vec![TextEdit { span: Span::empty(ls), new_text: c.nl(&new) }];
    set_key(c, step, "runs-on", &format!("[self.hosted, {}]", p.labels.join(", ")), &mut edits);
    Ok(edits)
}
