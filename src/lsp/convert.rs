//! Conversions between our types and LSP types. Positions go through [`crate::text`] only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types as lsp;

use crate::diag::{self, Severity, Span};
use crate::ide;
use crate::lsp::caps::ClientCaps;
use crate::store::{Document, Snapshot};
use crate::text::{Encoding, LineCol, LineIndex};
use crate::workspace::Workspace;

pub const SOURCE: &str = "cml-lsp";

/// A text with its line index and the negotiated encoding: converts both ways.
pub struct Lines<'a> {
    pub text: &'a str,
    pub index: &'a LineIndex,
    pub enc: Encoding,
}

impl<'a> Lines<'a> {
    pub fn of(doc: &'a Document, enc: Encoding) -> Lines<'a> {
        Lines { text: &doc.text, index: &doc.index, enc }
    }

    pub fn position(&self, offset: usize) -> lsp::Position {
        let lc = self.index.to_line_col(self.text, offset, self.enc);
        lsp::Position { line: lc.line, character: lc.col }
    }

    pub fn range(&self, span: Span) -> lsp::Range {
        lsp::Range { start: self.position(span.start), end: self.position(span.end) }
    }

    pub fn offset(&self, pos: lsp::Position) -> usize {
        self.index.to_offset(self.text, line_col(pos), self.enc)
    }

    pub fn span(&self, range: lsp::Range) -> Span {
        let (a, b) = (self.offset(range.start), self.offset(range.end));
        Span::new(a.min(b), a.max(b))
    }
}

pub fn line_col(pos: lsp::Position) -> LineCol {
    LineCol { line: pos.line, col: pos.character }
}

/// The path of a `file:` URI.
pub fn uri_to_path(uri: &lsp::Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

pub fn path_to_uri(path: &Path) -> Option<lsp::Uri> {
    lsp::Uri::from_file_path(path)
}

/// Fixes carried in `Diagnostic.data`, so `codeAction` can rebuild them without state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticData {
    /// The document version the edits apply to.
    pub version: i32,
    pub fixes: Vec<FixData>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixData {
    pub title: String,
    pub preferred: bool,
    pub edits: Vec<lsp::TextEdit>,
}

pub fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

/// Our diagnostic -> LSP, for `doc` at its version.
pub fn diagnostic(
    d: &diag::Diagnostic,
    doc: &Document,
    uri: &lsp::Uri,
    enc: Encoding,
    caps: &ClientCaps,
    ws: &dyn Workspace,
) -> lsp::Diagnostic {
    let lines = Lines::of(doc, enc);
    let related = (caps.related_information && !d.related.is_empty()).then(|| {
        d.related
            .iter()
            .filter_map(|r| {
                let location = match &r.path {
                    None => lsp::Location { uri: uri.clone(), range: lines.range(r.span) },
                    Some(p) => location(ws, enc, &ide::Location { path: p.clone(), span: r.span })?,
                };
                Some(lsp::DiagnosticRelatedInformation { location, message: r.message.clone() })
            })
            .collect()
    });
    let mut tags = Vec::new();
    if caps.diagnostic_tags && d.deprecated {
        tags.push(lsp::DiagnosticTag::DEPRECATED);
    }
    if caps.diagnostic_tags && d.unnecessary {
        tags.push(lsp::DiagnosticTag::UNNECESSARY);
    }
    let data = (!d.fixes.is_empty()).then(|| {
        let fixes = d
            .fixes
            .iter()
            .map(|f| FixData {
                title: f.title.clone(),
                preferred: f.preferred,
                edits: text_edits(&lines, &f.edits),
            })
            .collect();
        serde_json::to_value(DiagnosticData { version: doc.version, fixes }).unwrap_or_default()
    });
    lsp::Diagnostic {
        range: lines.range(d.span),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        code_description: None,
        source: Some(SOURCE.to_string()),
        message: d.message.clone(),
        related_information: related,
        tags: (!tags.is_empty()).then_some(tags),
        data,
    }
}

pub fn text_edits(lines: &Lines<'_>, edits: &[diag::TextEdit]) -> Vec<lsp::TextEdit> {
    edits.iter().map(|e| lsp::TextEdit { range: lines.range(e.span), new_text: e.new_text.clone() }).collect()
}

/// Builds a workspace edit from per-file edits: `documentChanges` with versions when the
/// client supports them, else `changes`.
pub fn workspace_edit(
    files: Vec<(lsp::Uri, Option<i32>, Vec<lsp::TextEdit>)>,
    caps: &ClientCaps,
) -> lsp::WorkspaceEdit {
    if caps.document_changes {
        let edits = files
            .into_iter()
            .map(|(uri, version, edits)| lsp::TextDocumentEdit {
                text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version },
                edits: edits.into_iter().map(lsp::OneOf::Left).collect(),
            })
            .collect();
        lsp::WorkspaceEdit {
            document_changes: Some(lsp::DocumentChanges::Edits(edits)),
            ..Default::default()
        }
    } else {
        let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
        for (uri, _, edits) in files {
            changes.entry(uri).or_default().extend(edits);
        }
        lsp::WorkspaceEdit { changes: Some(changes), ..Default::default() }
    }
}

/// Our multi-file edit -> LSP; spans are converted against the open buffer or the disk text.
pub fn ide_workspace_edit(
    edit: &ide::WorkspaceEdit,
    snap: &Snapshot,
    enc: Encoding,
    caps: &ClientCaps,
) -> lsp::WorkspaceEdit {
    let files = edit
        .files
        .iter()
        .filter_map(|(path, edits)| {
            let (uri, version, text) = match snap.by_path(path) {
                Some(doc) => (lsp::Uri::from_str(&doc.uri).ok()?, Some(doc.version), doc.text.clone()),
                None => (path_to_uri(path)?, None, snap.read_text(path).unwrap_or_default()),
            };
            let index = LineIndex::new(&text);
            let lines = Lines { text: &text, index: &index, enc };
            Some((uri, version, text_edits(&lines, edits)))
        })
        .collect();
    workspace_edit(files, caps)
}

/// A place in any workspace file -> LSP location (the file's current text gives the range).
pub fn location(ws: &dyn Workspace, enc: Encoding, loc: &ide::Location) -> Option<lsp::Location> {
    let uri = path_to_uri(&loc.path)?;
    let text = ws.read_text(&loc.path).unwrap_or_default();
    let index = LineIndex::new(&text);
    let lines = Lines { text: &text, index: &index, enc };
    Some(lsp::Location { uri, range: lines.range(loc.span) })
}

pub fn completion_item(c: &ide::Completion, lines: &Lines<'_>, caps: &ClientCaps) -> lsp::CompletionItem {
    let kind = match c.kind {
        ide::CompletionKind::Command => lsp::CompletionItemKind::FUNCTION,
        ide::CompletionKind::Option => lsp::CompletionItemKind::PROPERTY,
        ide::CompletionKind::Value => lsp::CompletionItemKind::VALUE,
        ide::CompletionKind::Key => lsp::CompletionItemKind::FIELD,
        ide::CompletionKind::File => lsp::CompletionItemKind::FILE,
        ide::CompletionKind::Snippet => lsp::CompletionItemKind::SNIPPET,
    };
    let snippet = c.kind == ide::CompletionKind::Snippet && caps.snippets;
    lsp::CompletionItem {
        label: c.label.clone(),
        kind: Some(kind),
        detail: c.detail.clone(),
        documentation: c.documentation.as_ref().map(|md| {
            lsp::Documentation::MarkupContent(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: md.clone(),
            })
        }),
        sort_text: c.sort_text.clone(),
        tags: c.deprecated.then(|| vec![lsp::CompletionItemTag::DEPRECATED]),
        insert_text_format: Some(if snippet {
            lsp::InsertTextFormat::SNIPPET
        } else {
            lsp::InsertTextFormat::PLAIN_TEXT
        }),
        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
            range: lines.range(c.replace),
            new_text: c.insert_text.clone(),
        })),
        ..Default::default()
    }
}

pub fn hover(h: &ide::Hover, lines: &Lines<'_>) -> lsp::Hover {
    lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: h.markdown.clone(),
        }),
        range: Some(lines.range(h.span)),
    }
}

pub fn code_action_kind(k: ide::CodeActionKind) -> lsp::CodeActionKind {
    match k {
        ide::CodeActionKind::QuickFix => lsp::CodeActionKind::QUICKFIX,
        ide::CodeActionKind::Refactor => lsp::CodeActionKind::REFACTOR,
        ide::CodeActionKind::Source => lsp::CodeActionKind::SOURCE,
    }
}

#[allow(deprecated)]
pub fn symbol(s: &ide::Symbol, lines: &Lines<'_>) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: s.name.clone(),
        detail: s.detail.clone(),
        kind: lsp::SymbolKind::KEY,
        tags: None,
        deprecated: None,
        range: lines.range(s.span),
        selection_range: lines.range(s.selection),
        children: (!s.children.is_empty()).then(|| s.children.iter().map(|c| symbol(c, lines)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::diag::{Diagnostic, Fix, Related, TextEdit};

    fn doc(text: &str) -> Document {
        Document {
            uri: "file:///w/params.yaml".into(),
            path: Some("/w/params.yaml".into()),
            version: 7,
            text: Arc::from(text),
            index: Arc::new(LineIndex::new(text)),
            kind: None,
            yaml_cache: Default::default(),
            shell_memo: Default::default(),
        }
    }

    #[test]
    fn diagnostic_to_lsp_json() {
        let text = "a: \"😀\"\nlr: x\n";
        let doc = doc(text);
        let lr = text.find("lr").unwrap();
        let mut d = Diagnostic::warning("yaml-duplicate-key", Span::new(lr, lr + 2), "duplicate key `lr`")
            .with_fix(Fix {
                title: "Remove the key".into(),
                edits: vec![TextEdit { span: Span::new(lr, lr + 6), new_text: String::new() }],
                preferred: true,
            })
            .with_related(Related { path: None, span: Span::new(4, 8), message: "first here".into() });
        d.deprecated = true;
        let uri = lsp::Uri::from_str("file:///w/params.yaml").unwrap();
        let caps = ClientCaps { related_information: true, diagnostic_tags: true, ..ClientCaps::default() };
        let out = diagnostic(&d, &doc, &uri, Encoding::Utf16, &caps, &Snapshot::default());
        assert_eq!(
            serde_json::to_value(&out).unwrap(),
            json!({
                "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 2}},
                "severity": 2,
                "code": "yaml-duplicate-key",
                "source": "cml-lsp",
                "message": "duplicate key `lr`",
                "relatedInformation": [{
                    "location": {
                        "uri": "file:///w/params.yaml",
                        "range": {"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 6}}
                    },
                    "message": "first here"
                }],
                "tags": [2],
                "data": {"version": 7, "fixes": [{
                    "title": "Remove the key",
                    "preferred": true,
                    "edits": [{
                        "range": {"start": {"line": 1, "character": 0}, "end": {"line": 2, "character": 0}},
                        "newText": ""
                    }]
                }]}
            })
        );
        // Without client support: no related information, no tags; UTF-8 columns count bytes.
        let out = diagnostic(&d, &doc, &uri, Encoding::Utf8, &ClientCaps::default(), &Snapshot::default());
        assert_eq!(out.related_information, None);
        assert_eq!(out.tags, None);
        let plain = Diagnostic::error("yaml-syntax", Span::new(8, 9), "bad");
        let out =
            diagnostic(&plain, &doc, &uri, Encoding::Utf8, &ClientCaps::default(), &Snapshot::default());
        assert_eq!(out.range, lsp::Range::new(lsp::Position::new(0, 8), lsp::Position::new(0, 9)));
        let out =
            diagnostic(&plain, &doc, &uri, Encoding::Utf16, &ClientCaps::default(), &Snapshot::default());
        assert_eq!(out.range, lsp::Range::new(lsp::Position::new(0, 6), lsp::Position::new(0, 7)));
        assert_eq!(out.data, None);
    }

    #[test]
    fn workspace_edit_shapes() {
        let uri = lsp::Uri::from_str("file:///w/a.yaml").unwrap();
        let edit = lsp::TextEdit { range: lsp::Range::default(), new_text: "x".into() };
        let with = workspace_edit(
            vec![(uri.clone(), Some(3), vec![edit.clone()])],
            &ClientCaps { document_changes: true, ..ClientCaps::default() },
        );
        assert_eq!(
            serde_json::to_value(&with).unwrap(),
            json!({"documentChanges": [{
                "textDocument": {"uri": "file:///w/a.yaml", "version": 3},
                "edits": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                           "newText": "x"}]
            }]})
        );
        let without = workspace_edit(vec![(uri, Some(3), vec![edit])], &ClientCaps::default());
        assert_eq!(
            serde_json::to_value(&without).unwrap(),
            json!({"changes": {"file:///w/a.yaml": [
                {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "newText": "x"}
            ]}})
        );
    }

    #[test]
    fn completion_and_hover_to_lsp_json() {
        let text = "run: cml runner launch --clo\n";
        let doc = doc(text);
        let lines = Lines::of(&doc, Encoding::Utf16);
        let at = text.find("--clo").unwrap();
        let c = ide::Completion {
            label: "--cloud".into(),
            kind: ide::CompletionKind::Option,
            detail: Some("string".into()),
            documentation: Some("Cloud to deploy the runner to.".into()),
            replace: Span::new(at, at + 5),
            insert_text: "--cloud=".into(),
            sort_text: None,
            deprecated: true,
        };
        assert_eq!(
            serde_json::to_value(completion_item(&c, &lines, &ClientCaps::default())).unwrap(),
            json!({
                "label": "--cloud",
                "kind": 10,
                "detail": "string",
                "documentation": {"kind": "markdown", "value": "Cloud to deploy the runner to."},
                "tags": [1],
                "insertTextFormat": 1,
                "textEdit": {
                    "range": {"start": {"line": 0, "character": 23}, "end": {"line": 0, "character": 28}},
                    "newText": "--cloud="
                }
            })
        );
        let h = ide::Hover { span: Span::new(5, 8), markdown: "**cml**".into() };
        assert_eq!(
            serde_json::to_value(hover(&h, &lines)).unwrap(),
            json!({
                "contents": {"kind": "markdown", "value": "**cml**"},
                "range": {"start": {"line": 0, "character": 5}, "end": {"line": 0, "character": 8}}
            })
        );
    }
}
