//! Plain result types of the editor features (completion, hover, navigation, actions).
//! Spans are byte ranges; the LSP layer converts them.

use std::path::PathBuf;

use crate::diag::{Span, TextEdit};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Command,
    Option,
    Value,
    Key,
    File,
    Snippet,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    /// One line shown beside the label (type, default).
    pub detail: Option<String>,
    /// Markdown.
    pub documentation: Option<String>,
    /// The span the completion replaces, and the text put there.
    pub replace: Span,
    pub insert_text: String,
    /// Orders the list; defaults to the label.
    pub sort_text: Option<String>,
    pub deprecated: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    pub span: Span,
    /// Markdown.
    pub markdown: String,
}

/// A place in a file of the workspace.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub path: PathBuf,
    pub span: Span,
}

/// Edits to several files (rename, add-credential fixes across files).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkspaceEdit {
    pub files: Vec<(PathBuf, Vec<TextEdit>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    pub kind: CodeActionKind,
    pub edit: WorkspaceEdit,
    pub preferred: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeActionKind {
    QuickFix,
    Refactor,
    Source,
}

/// One entry of a document outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub span: Span,
    pub selection: Span,
    pub children: Vec<Symbol>,
}
