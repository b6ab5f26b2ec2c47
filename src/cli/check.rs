//! `cml-lsp check [PATH ...]`: finds workflow, `dvc.yaml` and params files, analyses them
//! and prints the diagnostics.
//!
//! File selection:
//! - A directory is walked with the `ignore` crate: `.gitignore`, `.ignore` and git's
//!   excludes are honoured even outside a git repository (`require_git(false)`), because a
//!   checkout without `.git` (a CI artifact, a tarball) should be checked the same way.
//!   Hidden directories such as `.github` are walked; `.git` itself is skipped.
//!   `--no-ignore` turns the ignore files off. Files are picked by kind, classified with
//!   their path relative to the walked directory; params files named by a walked `dvc.yaml`
//!   are picked too. When the relative path says nothing, the canonical path decides: a file
//!   under `.github/workflows/`, or one a `dvc.yaml` in its directory or above names.
//! - An explicit file is checked when its kind is known from its path or forced with
//!   `--kind`; otherwise a note goes to stderr and the file is skipped, and when nothing at
//!   all is checked that is a usage error (exit 2).
//! - `-` reads stdin; its kind comes from `--kind` or `--stdin-filename`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::output::{self, FileReport, Format};
use crate::analysis::{self, FileInput};
use crate::codes;
use crate::config::Settings;
use crate::diag::{Diagnostic, Severity, Span};
use crate::kind::{params_format, FileKind, ParamsFormat};
use crate::workspace::DiskWorkspace;

pub use crate::workspace::MAX_FILE_SIZE;
/// Bytes scanned for a NUL to tell binary files apart.
const BINARY_SNIFF: usize = 8 * 1024;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to check (default: `.`); `-` reads stdin.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Settings as JSON (the same keys as the editor settings, e.g. `{"diagnostics": {"disabled": [...]}}`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not honour .gitignore, .ignore and git excludes when walking directories.
    #[arg(long)]
    pub no_ignore: bool,
    /// Treat explicit files and stdin as this kind, whatever their name.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// The path to report (and classify) stdin as.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// A GitHub Actions workflow.
    Github,
    /// A GitHub composite action (`action.yml`).
    GithubAction,
    /// A GitLab CI file.
    Gitlab,
    /// A Bitbucket Pipelines file.
    Bitbucket,
    /// A `dvc.yaml`.
    Dvc,
    /// A params file (format from the extension; YAML when unknown).
    Params,
}

impl KindArg {
    fn kind(self, path: &Path) -> FileKind {
        match self {
            KindArg::Github => FileKind::GithubWorkflow,
            KindArg::GithubAction => FileKind::GithubAction,
            KindArg::Gitlab => FileKind::GitlabCi,
            KindArg::Bitbucket => FileKind::Bitbucket,
            KindArg::Dvc => FileKind::DvcYaml,
            KindArg::Params => FileKind::Params(params_format(path).unwrap_or(ParamsFormat::Yaml)),
        }
    }
}

/// A file picked for checking.
struct Picked {
    /// Where to read it from (`None`: stdin).
    source: Option<PathBuf>,
    /// The path shown to the user.
    display: String,
    kind: FileKind,
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("cml-lsp check: error: {msg}");
    ExitCode::from(2)
}

pub fn run(args: CheckArgs) -> ExitCode {
    let settings = match &args.config {
        None => Settings::default(),
        Some(p) => match std::fs::read(p).map_err(|e| e.to_string()).and_then(|b| {
            serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| format!("invalid JSON: {e}"))
        }) {
            Ok(v) => {
                let s = Settings::from_json_unlogged(&v);
                for k in s.unknown_keys() {
                    eprintln!("cml-lsp check: warning: {}: unknown setting `{k}` ignored", p.display());
                }
                s
            }
            Err(e) => return usage_error(&format!("cannot read config {}: {e}", p.display())),
        },
    };
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let n_stdin = paths.iter().filter(|p| p.as_os_str() == "-").count();
    if n_stdin > 1 {
        return usage_error("`-` (stdin) may be given only once");
    }
    if n_stdin == 0 && args.stdin_filename.is_some() {
        return usage_error("--stdin-filename applies only when reading stdin (`-`)");
    }
    for p in &paths {
        if p.as_os_str() != "-"
            && std::fs::symlink_metadata(p).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        {
            return usage_error(&format!("no such file or directory: {}", p.display()));
        }
    }

    let rules = settings.kind_rules();
    let mut picked: Vec<Picked> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut walk_errors: Vec<FileReport> = Vec::new();
    let mut named = NamedParams::default();
    let mut skipped: Vec<PathBuf> = Vec::new();
    for p in &paths {
        if p.as_os_str() == "-" {
            let name = args.stdin_filename.clone();
            let kind = match (args.kind, &name) {
                (Some(k), _) => k.kind(name.as_deref().unwrap_or(Path::new("stdin.yaml"))),
                (None, Some(n)) => match rules.classify(n, Some(n)) {
                    Some(k) => k,
                    None => {
                        return usage_error(&format!(
                            "cannot tell the kind of {} from its name; pass --kind",
                            n.display()
                        ))
                    }
                },
                (None, None) => return usage_error("reading stdin needs --kind or --stdin-filename"),
            };
            let display = name.map_or_else(|| "<stdin>".to_string(), |n| display_path(&n));
            picked.push(Picked { source: None, display, kind });
        } else if let Some(why) = unusable(p) {
            // A path the user named that cannot be read is an error whatever its name.
            walk_errors.push(unreadable_report(p, why));
        } else if p.is_dir() {
            walk_dir(p, &args, &rules, &mut named, &mut picked, &mut seen, &mut walk_errors);
        } else {
            let kind = match args.kind {
                Some(k) => Some(k.kind(p)),
                None => classify(&rules, p, Some(strip_dot(p)), &mut named),
            };
            match kind {
                Some(kind) => {
                    if seen.insert(canonical(p)) {
                        picked.push(Picked { source: Some(p.clone()), display: display_path(p), kind });
                    }
                }
                None => skipped.push(p.clone()),
            }
        }
    }

    // A file named on the command line is meant to be checked: when nothing at all was
    // checked, say so loudly and exit 2; otherwise a note per skipped file.
    if !skipped.is_empty() && picked.is_empty() && walk_errors.is_empty() {
        for p in &skipped {
            eprintln!(
                "cml-lsp check: error: {} was not checked: not a workflow, dvc.yaml or params file \
                 (use --kind to force one)",
                p.display()
            );
        }
        return ExitCode::from(2);
    }
    for p in &skipped {
        eprintln!(
            "cml-lsp check: note: skipping {}: not a workflow, dvc.yaml or params file \
             (use --kind to force one)",
            p.display()
        );
    }

    let roots: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .map(|p| if p.is_dir() { p.clone() } else { p.parent().map(Path::to_path_buf).unwrap_or_default() })
        .collect();
    let ws = DiskWorkspace { roots };
    let mut reports = walk_errors;
    for f in &picked {
        reports.push(check_one(f, &ws, &settings));
    }
    // `diagnostics.disabled` also covers the codes this command reports itself.
    for r in &mut reports {
        r.diags.retain(|d| !settings.is_disabled(d.code));
    }
    reports.sort_by(|a, b| a.path.cmp(&b.path));

    let rendered = output::render(args.format, &reports);
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(rendered.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        // A closed pipe (e.g. `| head`): nothing more to say.
        return ExitCode::from(1);
    }
    eprintln!("{}", output::summary(&reports));
    let any_error = reports.iter().flat_map(|r| &r.diags).any(|d| d.severity == Severity::Error);
    if any_error {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn strip_dot(p: &Path) -> &Path {
    p.strip_prefix(".").unwrap_or(p)
}

fn display_path(p: &Path) -> String {
    let s = strip_dot(p);
    if s.as_os_str().is_empty() {
        p.to_string_lossy().into_owned()
    } else {
        s.to_string_lossy().into_owned()
    }
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The params files each dvc.yaml names, by the dvc.yaml's canonical directory.
#[derive(Default)]
struct NamedParams {
    by_dir: std::collections::HashMap<PathBuf, Vec<PathBuf>>,
}

impl NamedParams {
    /// Whether a dvc.yaml in `file`'s directory or above (up to the repository's top)
    /// names `file` (canonical) as a params file.
    fn names(&mut self, file: &Path) -> bool {
        let mut dir = file.parent();
        for _ in 0..32 {
            let Some(d) = dir else { return false };
            let named = self.by_dir.entry(d.to_path_buf()).or_insert_with(|| {
                ["dvc.yaml", "dvc.yml"]
                    .iter()
                    .filter_map(|n| std::fs::read_to_string(d.join(n)).ok())
                    .flat_map(|t| params_files_named(&t))
                    .map(|n| canonical(&d.join(n)))
                    .collect()
            });
            if named.iter().any(|n| n == file) {
                return true;
            }
            if d.join(".git").exists() {
                return false;
            }
            dir = d.parent();
        }
        false
    }
}

/// The kind of a file from its path as given; failing that, from its canonical path: a file
/// under `.github/workflows/` is a workflow wherever the walk starts, and a file a
/// `dvc.yaml` above it names is a params file.
fn classify(
    rules: &crate::kind::KindRules,
    path: &Path,
    rel: Option<&Path>,
    named: &mut NamedParams,
) -> Option<FileKind> {
    if let Some(k) = rules.classify(path, rel) {
        return Some(k);
    }
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    let format = params_format(path);
    if !yaml && format.is_none() {
        return None;
    }
    let abs = std::fs::canonicalize(path).ok()?;
    let parent = abs.parent()?;
    if yaml
        && parent.file_name().is_some_and(|n| n == "workflows")
        && parent.parent().and_then(|g| g.file_name()).is_some_and(|n| n == ".github")
    {
        return Some(FileKind::GithubWorkflow);
    }
    let format = format?;
    named.names(&abs).then_some(FileKind::Params(format))
}

#[allow(clippy::too_many_arguments)]
fn walk_dir(
    root: &Path,
    args: &CheckArgs,
    rules: &crate::kind::KindRules,
    named: &mut NamedParams,
    picked: &mut Vec<Picked>,
    seen: &mut HashSet<PathBuf>,
    errors: &mut Vec<FileReport>,
) {
    let mut builder = ignore::WalkBuilder::new(root);
    builder.standard_filters(!args.no_ignore).hidden(false).require_git(false).follow_links(false);
    builder.filter_entry(|e| e.file_name() != ".git");
    builder.sort_by_file_name(|a, b| a.cmp(b));
    let mut dvc_files: Vec<PathBuf> = Vec::new();
    for entry in builder.build() {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                errors.push(walk_error(root, &err));
                continue;
            }
        };
        let Some(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            continue;
        }
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(path);
        if let Some(kind) = classify(rules, path, Some(rel), named) {
            // Symbolic links are not followed into directories; a link to a regular file is
            // checked, one that loops or dangles (or any FIFO, socket, device) is reported.
            if !ft.is_file() {
                match unusable(path) {
                    Some(why) => {
                        if seen.insert(path.to_path_buf()) {
                            errors.push(unreadable_report(path, why));
                        }
                        continue;
                    }
                    None if !path.is_file() => continue,
                    None => {}
                }
            }
            if kind == FileKind::DvcYaml {
                dvc_files.push(path.to_path_buf());
            }
            if seen.insert(canonical(path)) {
                picked.push(Picked { source: Some(path.to_path_buf()), display: display_path(path), kind });
            }
        }
    }
    // Params files named by a dvc.yaml, e.g. `- conf/train.yaml:` under a stage's `params:`.
    for dvc in dvc_files {
        let Ok(text) = std::fs::read_to_string(&dvc) else { continue };
        let dir = dvc.parent().unwrap_or(Path::new(""));
        for name in params_files_named(&text) {
            let path = dir.join(&name);
            let Some(format) = params_format(&path) else { continue };
            if path.is_file() && seen.insert(canonical(&path)) {
                picked.push(Picked {
                    display: display_path(&path),
                    source: Some(path),
                    kind: FileKind::Params(format),
                });
            }
        }
    }
}

fn walk_error(root: &Path, err: &ignore::Error) -> FileReport {
    let path = walk_error_path(err).unwrap_or(root);
    let why = match walk_error_io(err) {
        Some(e) if path.is_dir() => format!("cannot read directory: {}", io_reason(e)),
        Some(e) => format!("cannot read: {}", io_reason(e)),
        None => format!("cannot read: {err}"),
    };
    unreadable_report(path, why)
}

fn unreadable_report(path: &Path, why: String) -> FileReport {
    FileReport {
        path: display_path(path),
        text: String::new(),
        diags: vec![Diagnostic::error(codes::FILE_UNREADABLE, Span::empty(0), why)],
    }
}

fn walk_error_io(err: &ignore::Error) -> Option<&std::io::Error> {
    match err {
        ignore::Error::Io(e) => Some(e),
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_error_io(err),
        _ => None,
    }
}

/// `ELOOP`: too many levels of symbolic links.
#[cfg(any(target_os = "linux", target_os = "android"))]
const ELOOP: i32 = 40;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const ELOOP: i32 = 62;

/// A short, lower-case reason for an IO error (without the path, which the report shows).
fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::PermissionDenied => "permission denied".into(),
        K::NotFound => "no such file or directory".into(),
        _ if e.raw_os_error() == Some(ELOOP) => "symbolic link loop".into(),
        _ => e.to_string(),
    }
}

/// Why `path` cannot be checked, if so: it cannot be looked up (permissions), is a symbolic
/// link that loops or dangles, or is neither a regular file nor a directory. Never opens
/// the file, so a FIFO cannot block.
fn unusable(path: &Path) -> Option<String> {
    let link = match std::fs::symlink_metadata(path) {
        Ok(m) => m.file_type().is_symlink(),
        Err(e) => return Some(format!("cannot read: {}", io_reason(&e))),
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if link && e.raw_os_error() == Some(ELOOP) => {
            return Some("symbolic link loop; not checked".into())
        }
        Err(e) if link && e.kind() == std::io::ErrorKind::NotFound => {
            let target = std::fs::read_link(path).map(|t| t.display().to_string()).unwrap_or_default();
            return Some(format!("broken symbolic link: its target {target} does not exist; not checked"));
        }
        Err(e) => return Some(format!("cannot read: {}", io_reason(&e))),
    };
    if meta.is_file() || meta.is_dir() {
        return None;
    }
    Some(format!("not a regular file ({}); not checked", special_kind(&meta)))
}

#[cfg(unix)]
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_meta: &std::fs::Metadata) -> &'static str {
    "a special file"
}

fn walk_error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        _ => None,
    }
}

/// Params files named in `dvc.yaml`: items under a `params:` key that end in a params
/// extension (`- params.json`, `- conf/train.yaml:` with keys under it, quoted or not).
/// A cheap textual scan; block style only.
pub fn params_files_named(dvc_yaml: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut params_indent: Option<usize> = None;
    for line in dvc_yaml.lines() {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        // A sequence may sit at its key's indent (`params:` then `- x` in the same column).
        if params_indent.is_some_and(|p| indent < p || (indent == p && !content.starts_with("- "))) {
            params_indent = None;
        }
        if content.split(" #").next().unwrap_or("").trim_end() == "params:" {
            params_indent = Some(indent);
            continue;
        }
        if params_indent.is_none() {
            continue;
        }
        let Some(item) = content.strip_prefix("- ") else { continue };
        let item = item.split(" #").next().unwrap_or("").trim();
        let item = item.strip_suffix(':').unwrap_or(item).trim_end();
        let item = item.trim_matches(|c| c == '"' || c == '\'');
        if item.is_empty() || item.contains(char::is_whitespace) || item.contains("${") {
            continue;
        }
        let lower = item.to_ascii_lowercase();
        if [".yaml", ".yml", ".json", ".toml", ".py"].iter().any(|e| lower.ends_with(e))
            && !out.iter().any(|o| o == item)
        {
            out.push(item.to_string());
        }
    }
    out
}

/// Reads, decodes and analyses one file. Never fails: problems become diagnostics.
fn check_one(f: &Picked, ws: &DiskWorkspace, settings: &Settings) -> FileReport {
    let unreadable = |text: String, span: Span, msg: String| FileReport {
        path: f.display.clone(),
        text,
        diags: vec![Diagnostic::error(codes::FILE_UNREADABLE, span, msg)],
    };
    let bytes = match &f.source {
        None => {
            let mut buf = Vec::new();
            match std::io::stdin().lock().take(MAX_FILE_SIZE + 1).read_to_end(&mut buf) {
                Ok(_) if buf.len() as u64 > MAX_FILE_SIZE => return too_large(f, None),
                Ok(_) => buf,
                Err(e) => {
                    return unreadable(String::new(), Span::empty(0), format!("cannot read stdin: {e}"))
                }
            }
        }
        Some(path) => {
            match std::fs::metadata(path) {
                Ok(m) if !m.is_file() => {
                    let why = format!("not a regular file ({}); not checked", special_kind(&m));
                    return unreadable(String::new(), Span::empty(0), why);
                }
                Ok(m) if m.len() > MAX_FILE_SIZE => return too_large(f, Some(m.len())),
                _ => {}
            }
            match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => return unreadable(String::new(), Span::empty(0), format!("cannot read file: {e}")),
            }
        }
    };
    if let Some(nul) = bytes.iter().take(BINARY_SNIFF).position(|&b| b == 0) {
        return unreadable(
            String::new(),
            Span::empty(0),
            format!("binary file (NUL byte at offset {nul}), not checked"),
        );
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let bad = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let byte = bytes[bad];
            // The lossy text agrees with the file up to the bad byte, so positions hold there.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let index = crate::text::LineIndex::new(&text);
            let lc = index.to_line_col(&text, bad, crate::text::Encoding::Utf32);
            let end = text[bad..].chars().next().map_or(bad, |c| bad + c.len_utf8());
            let msg = format!(
                "not valid UTF-8: byte 0x{byte:02X} at line {}, column {} (byte offset {bad}); not checked",
                lc.line + 1,
                lc.col + 1
            );
            return unreadable(text, Span::new(bad, end), msg);
        }
    };
    let path = f.source.clone().unwrap_or_else(|| PathBuf::from(&f.display));
    let input = FileInput::new(&path, &text, f.kind);
    let diags = analysis::analyze(&input, ws, settings);
    FileReport { path: f.display.clone(), text, diags }
}

fn too_large(f: &Picked, size: Option<u64>) -> FileReport {
    let limit = MAX_FILE_SIZE / (1024 * 1024);
    let msg = match size {
        Some(n) => {
            format!("file is {:.1} MiB, over the {limit} MiB limit; not checked", n as f64 / 1048576.0)
        }
        None => format!("input is over the {limit} MiB limit; not checked"),
    };
    FileReport {
        path: f.display.clone(),
        text: String::new(),
        diags: vec![Diagnostic::warning(codes::FILE_TOO_LARGE, Span::empty(0), msg)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_params_files_from_dvc_yaml() {
        let text = "params:\n- top.toml\nstages:\n  train:\n    params:\n      - lr\n      \
                    - conf/train.yaml:\n          - epochs\n\n      # note\n      \
                    - \"extra.json\"  # comment\n      - params.yaml:\n    deps:\n      - src/train.py\n      \
                    - ${item}.yaml\n  test:\n    params: [other.yaml]\n";
        assert_eq!(
            params_files_named(text),
            vec!["top.toml", "conf/train.yaml", "extra.json", "params.yaml"]
        );
    }
}
