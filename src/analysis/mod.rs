//! Entry points of the analyses: pure functions from a file's text (and a read-only
//! view of the workspace) to our own diagnostics and editor results.

use std::path::Path;

use crate::config::Settings;
use crate::diag::Diagnostic;
use crate::kind::FileKind;
use crate::workspace::Workspace;
use crate::yaml::Yaml;

/// One file to analyse.
pub struct FileInput<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub kind: FileKind,
    /// The parsed YAML of `text`, when the caller keeps one (the server caches one per
    /// document version); `None` parses `text` when needed.
    pub yaml: Option<&'a Yaml>,
    /// The document's shell analyses from its last analysis, when the caller keeps them
    /// (the server keeps one per open document): unchanged scripts are not re-analysed.
    pub shell_memo: Option<&'a crate::workflow::ShellMemo>,
}

impl<'a> FileInput<'a> {
    pub fn new(path: &'a Path, text: &'a str, kind: FileKind) -> FileInput<'a> {
        FileInput { path, text, kind, yaml: None, shell_memo: None }
    }

    /// The parsed YAML of the text: the given tree, or a fresh parse.
    pub fn yaml(&self) -> std::borrow::Cow<'a, Yaml> {
        match self.yaml {
            Some(y) => {
                debug_assert!(y.source == self.text, "the tree belongs to the text");
                std::borrow::Cow::Borrowed(y)
            }
            None => std::borrow::Cow::Owned(crate::yaml::parse(self.text)),
        }
    }
}

/// All diagnostics of one file, sorted by position, suppressions and disabled codes applied.
pub fn analyze(input: &FileInput<'_>, ws: &dyn Workspace, settings: &Settings) -> Vec<Diagnostic> {
    let diags = match input.kind {
        FileKind::DvcYaml | FileKind::Params(_) => crate::params::analyze(input, ws, settings),
        kind if kind.is_workflow() => {
            let yaml = input.yaml();
            let mut diags = crate::yaml::diagnostics(&yaml);
            diags.extend(crate::workflow::analyze_workflow_with(&yaml, kind, input.shell_memo));
            diags
        }
        _ => Vec::new(),
    };
    // Suppression comments, `diagnostics.disabled` and sorting: keep this the last step.
    crate::suppress::finish(input.text, input.kind, diags, settings)
}

/// Completions at byte `offset`.
pub fn completion(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    settings: &Settings,
    offset: usize,
) -> Vec<crate::ide::Completion> {
    match input.kind {
        FileKind::DvcYaml | FileKind::Params(_) => crate::params::completion(input, ws, settings, offset),
        kind if kind.is_workflow() => {
            let yaml = input.yaml();
            crate::workflow::complete_workflow(&yaml, kind, offset)
        }
        _ => Vec::new(),
    }
}

/// Hover at byte `offset`.
pub fn hover(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    settings: &Settings,
    offset: usize,
) -> Option<crate::ide::Hover> {
    match input.kind {
        FileKind::DvcYaml | FileKind::Params(_) => crate::params::hover(input, ws, settings, offset),
        kind if kind.is_workflow() => {
            let yaml = input.yaml();
            crate::workflow::hover_workflow(&yaml, kind, offset)
        }
        _ => None,
    }
}

/// Go-to-definition targets at byte `offset`.
pub fn definition(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    settings: &Settings,
    offset: usize,
) -> Vec<crate::ide::Location> {
    match input.kind {
        FileKind::DvcYaml | FileKind::Params(_) => crate::params::definition(input, ws, settings, offset),
        kind if kind.is_workflow() => {
            let yaml = input.yaml();
            crate::workflow::definition_workflow(&yaml, kind, offset, input.path)
        }
        _ => Vec::new(),
    }
}

/// Every reference to the symbol at byte `offset` (declaration included when asked).
pub fn references(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    settings: &Settings,
    offset: usize,
    include_declaration: bool,
) -> Vec<crate::ide::Location> {
    match input.kind {
        FileKind::DvcYaml | FileKind::Params(_) => {
            crate::params::references(input, ws, settings, offset, include_declaration)
        }
        _ => Vec::new(),
    }
}

/// The span that a rename at `offset` would change, if renaming is possible there.
pub fn prepare_rename(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    settings: &Settings,
    offset: usize,
) -> Option<crate::diag::Span> {
    match input.kind {
        FileKind::DvcYaml | FileKind::Params(_) => crate::params::prepare_rename(input, ws, settings, offset),
        _ => None,
    }
}

/// Renames the symbol at `offset`; `Err` carries a message for the user.
pub fn rename(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    settings: &Settings,
    offset: usize,
    new_name: &str,
) -> Result<crate::ide::WorkspaceEdit, String> {
    match input.kind {
        FileKind::DvcYaml | FileKind::Params(_) => {
            crate::params::rename(input, ws, settings, offset, new_name)
        }
        _ => Err("nothing to rename here".into()),
    }
}

/// Code actions for `span` beyond the diagnostics' own quick fixes (e.g. generate a workflow).
pub fn code_actions(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    settings: &Settings,
    span: crate::diag::Span,
) -> Vec<crate::ide::CodeAction> {
    let _ = (ws, span);
    if input.kind.is_workflow() {
        return crate::generate::code_actions(
            input.kind,
            input.path,
            input.text,
            &settings.wizard_defaults(),
        );
    }
    Vec::new()
}

/// The outline of a file.
pub fn symbols(input: &FileInput<'_>, ws: &dyn Workspace, settings: &Settings) -> Vec<crate::ide::Symbol> {
    match input.kind {
        FileKind::DvcYaml | FileKind::Params(_) => crate::params::symbols(input, ws, settings),
        _ => Vec::new(),
    }
}
