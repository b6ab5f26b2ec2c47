//! Request handlers: convert in, call [`crate::analysis`] on a snapshot, convert out.
//! Each runs on a blocking thread (see `Backend::request`), so they are plain functions.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::{self, ErrorCode};
use tower_lsp_server::ls_types as lsp;

use crate::analysis::{self, FileInput};
use crate::diag;
use crate::kind::FileKind;
use crate::lsp::caps::ClientCaps;
use crate::lsp::convert::{self, DiagnosticData, Lines};
use crate::lsp::AnalyzeFn;
use crate::store::{Document, Snapshot};
use crate::text::Encoding;

/// What every handler works on: the store's state when the request arrived.
#[derive(Clone)]
pub struct Ctx {
    pub snap: Snapshot,
    pub enc: Encoding,
    pub caps: ClientCaps,
}

/// An open document we analyse: it has a path and a known kind.
pub struct File {
    pub doc: Arc<Document>,
    pub path: PathBuf,
    pub kind: FileKind,
    /// The document version's parsed YAML (YAML kinds only).
    pub yaml: Option<Arc<crate::yaml::Yaml>>,
}

impl File {
    pub fn input(&self) -> FileInput<'_> {
        FileInput { yaml: self.yaml.as_deref(), ..FileInput::new(&self.path, &self.doc.text, self.kind) }
    }

    pub fn lines(&self, enc: Encoding) -> Lines<'_> {
        Lines::of(&self.doc, enc)
    }
}

impl Ctx {
    pub fn file(&self, uri: &lsp::Uri) -> Option<File> {
        let doc = self.snap.get(uri.as_str())?.clone();
        let path = doc.path.clone()?;
        let kind = doc.kind?;
        let yaml = doc.yaml();
        Some(File { doc, path, kind, yaml })
    }
}

/// The LSP diagnostics of one document (empty for files we leave alone).
pub fn diagnostics(ctx: &Ctx, doc: &Document, analyze: &AnalyzeFn) -> Vec<lsp::Diagnostic> {
    let (Some(path), Some(kind)) = (doc.path.as_deref(), doc.kind) else { return Vec::new() };
    let Ok(uri) = lsp::Uri::from_str(&doc.uri) else { return Vec::new() };
    let yaml = doc.yaml();
    let input =
        FileInput { path, text: &doc.text, kind, yaml: yaml.as_deref(), shell_memo: Some(&doc.shell_memo) };
    let settings = ctx.snap.settings();
    analyze(&input, &ctx.snap, settings)
        .iter()
        .filter(|d| !settings.is_disabled(d.code))
        .map(|d| convert::diagnostic(d, doc, &uri, ctx.enc, &ctx.caps, &ctx.snap))
        .collect()
}

pub fn pull_diagnostics(
    ctx: &Ctx,
    params: lsp::DocumentDiagnosticParams,
    analyze: &AnalyzeFn,
) -> jsonrpc::Result<lsp::DocumentDiagnosticReportResult> {
    let items = match ctx.snap.get(params.text_document.uri.as_str()) {
        Some(doc) => diagnostics(ctx, doc, analyze),
        None => Vec::new(),
    };
    Ok(lsp::DocumentDiagnosticReportResult::Report(lsp::DocumentDiagnosticReport::Full(
        lsp::RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: lsp::FullDocumentDiagnosticReport { result_id: None, items },
        },
    )))
}

pub fn completion(
    ctx: &Ctx,
    params: lsp::CompletionParams,
) -> jsonrpc::Result<Option<lsp::CompletionResponse>> {
    let pos = params.text_document_position;
    let Some(file) = ctx.file(&pos.text_document.uri) else { return Ok(None) };
    let lines = file.lines(ctx.enc);
    let offset = lines.offset(pos.position);
    let items = analysis::completion(&file.input(), &ctx.snap, ctx.snap.settings(), offset);
    if items.is_empty() {
        return Ok(None);
    }
    let items = items.iter().map(|c| convert::completion_item(c, &lines, &ctx.caps)).collect();
    Ok(Some(lsp::CompletionResponse::Array(items)))
}

pub fn hover(ctx: &Ctx, params: lsp::HoverParams) -> jsonrpc::Result<Option<lsp::Hover>> {
    let pos = params.text_document_position_params;
    let Some(file) = ctx.file(&pos.text_document.uri) else { return Ok(None) };
    let lines = file.lines(ctx.enc);
    let offset = lines.offset(pos.position);
    let hover = analysis::hover(&file.input(), &ctx.snap, ctx.snap.settings(), offset);
    Ok(hover.map(|h| convert::hover(&h, &lines)))
}

pub fn definition(
    ctx: &Ctx,
    params: lsp::GotoDefinitionParams,
) -> jsonrpc::Result<Option<lsp::GotoDefinitionResponse>> {
    let pos = params.text_document_position_params;
    let Some(file) = ctx.file(&pos.text_document.uri) else { return Ok(None) };
    let offset = file.lines(ctx.enc).offset(pos.position);
    let targets = analysis::definition(&file.input(), &ctx.snap, ctx.snap.settings(), offset);
    let locations: Vec<_> = targets.iter().filter_map(|l| convert::location(&ctx.snap, ctx.enc, l)).collect();
    Ok((!locations.is_empty()).then_some(lsp::GotoDefinitionResponse::Array(locations)))
}

pub fn references(ctx: &Ctx, params: lsp::ReferenceParams) -> jsonrpc::Result<Option<Vec<lsp::Location>>> {
    let pos = params.text_document_position;
    let Some(file) = ctx.file(&pos.text_document.uri) else { return Ok(None) };
    let offset = file.lines(ctx.enc).offset(pos.position);
    let include = params.context.include_declaration;
    let refs = analysis::references(&file.input(), &ctx.snap, ctx.snap.settings(), offset, include);
    let locations: Vec<_> = refs.iter().filter_map(|l| convert::location(&ctx.snap, ctx.enc, l)).collect();
    Ok((!locations.is_empty()).then_some(locations))
}

pub fn prepare_rename(
    ctx: &Ctx,
    params: lsp::TextDocumentPositionParams,
) -> jsonrpc::Result<Option<lsp::PrepareRenameResponse>> {
    let Some(file) = ctx.file(&params.text_document.uri) else { return Ok(None) };
    let lines = file.lines(ctx.enc);
    let offset = lines.offset(params.position);
    let span = analysis::prepare_rename(&file.input(), &ctx.snap, ctx.snap.settings(), offset);
    Ok(span.map(|s| lsp::PrepareRenameResponse::Range(lines.range(s))))
}

pub fn rename(ctx: &Ctx, params: lsp::RenameParams) -> jsonrpc::Result<Option<lsp::WorkspaceEdit>> {
    let pos = params.text_document_position;
    let Some(file) = ctx.file(&pos.text_document.uri) else { return Ok(None) };
    let offset = file.lines(ctx.enc).offset(pos.position);
    match analysis::rename(&file.input(), &ctx.snap, ctx.snap.settings(), offset, &params.new_name) {
        Ok(edit) => Ok(Some(convert::ide_workspace_edit(&edit, &ctx.snap, ctx.enc, &ctx.caps))),
        Err(message) => Err(jsonrpc::Error {
            // RequestFailed: the request was valid but could not be carried out.
            code: ErrorCode::ServerError(-32803),
            message: message.into(),
            data: None,
        }),
    }
}

pub fn document_symbol(
    ctx: &Ctx,
    params: lsp::DocumentSymbolParams,
) -> jsonrpc::Result<Option<lsp::DocumentSymbolResponse>> {
    let Some(file) = ctx.file(&params.text_document.uri) else { return Ok(None) };
    let lines = file.lines(ctx.enc);
    let symbols = analysis::symbols(&file.input(), &ctx.snap, ctx.snap.settings());
    Ok(Some(lsp::DocumentSymbolResponse::Nested(
        symbols.iter().map(|s| convert::symbol(s, &lines)).collect(),
    )))
}

/// "Run experiment with these params" above a params file whose text differs from HEAD's copy.
pub fn code_lens(ctx: &Ctx, params: lsp::CodeLensParams) -> jsonrpc::Result<Option<Vec<lsp::CodeLens>>> {
    let Some(file) = ctx.file(&params.text_document.uri) else { return Ok(None) };
    if !matches!(file.kind, crate::kind::FileKind::Params(_)) {
        return Ok(None);
    }
    let dir = file.path.parent().unwrap_or(&file.path);
    let path = file.path.to_string_lossy();
    if !crate::experiment::differs_from_head(dir, &path, &file.doc.text).unwrap_or(false) {
        return Ok(Some(Vec::new()));
    }
    let args = vec![serde_json::json!({ "uri": params.text_document.uri.as_str() })];
    let lens = |title: &str, command: &str| lsp::CodeLens {
        range: lsp::Range::default(),
        command: Some(lsp::Command {
            title: title.to_string(),
            command: command.to_string(),
            arguments: Some(args.clone()),
        }),
        data: None,
    };
    Ok(Some(vec![
        lens("Run experiment with these params", crate::lsp::commands::RUN_EXPERIMENT),
        lens("Preview experiment", crate::lsp::commands::PREVIEW_EXPERIMENT),
    ]))
}

/// Quick fixes rebuilt from the `data` of our diagnostics in the request's context (only when
/// they were computed for the current version), plus the analysis' actions for the range.
pub fn code_action(
    ctx: &Ctx,
    params: lsp::CodeActionParams,
) -> jsonrpc::Result<Option<lsp::CodeActionResponse>> {
    let uri = &params.text_document.uri;
    let Some(doc) = ctx.snap.get(uri.as_str()) else { return Ok(None) };
    let mut actions = Vec::new();
    for d in &params.context.diagnostics {
        if d.source.as_deref() != Some(convert::SOURCE) {
            continue;
        }
        let Some(data) = d.data.clone().and_then(|v| serde_json::from_value::<DiagnosticData>(v).ok()) else {
            continue;
        };
        if data.version != doc.version {
            continue;
        }
        for fix in data.fixes {
            let edit = convert::workspace_edit(vec![(uri.clone(), Some(doc.version), fix.edits)], &ctx.caps);
            actions.push(lsp::CodeAction {
                title: fix.title,
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(edit),
                is_preferred: fix.preferred.then_some(true),
                ..Default::default()
            });
        }
    }
    if let Some(file) = ctx.file(uri) {
        let span: diag::Span = file.lines(ctx.enc).span(params.range);
        for a in analysis::code_actions(&file.input(), &ctx.snap, ctx.snap.settings(), span) {
            actions.push(lsp::CodeAction {
                title: a.title.clone(),
                kind: Some(convert::code_action_kind(a.kind)),
                edit: Some(convert::ide_workspace_edit(&a.edit, &ctx.snap, ctx.enc, &ctx.caps)),
                is_preferred: a.preferred.then_some(true),
                ..Default::default()
            });
        }
    }
    if let Some(only) = &params.context.only {
        actions.retain(|a| a.kind.as_ref().is_some_and(|k| only.iter().any(|o| kind_matches(o, k))));
    }
    Ok(Some(actions.into_iter().map(lsp::CodeActionOrCommand::CodeAction).collect()))
}

/// `refactor` matches `refactor` and `refactor.extract`, not `refactorx`.
fn kind_matches(filter: &lsp::CodeActionKind, kind: &lsp::CodeActionKind) -> bool {
    let (f, k) = (filter.as_str(), kind.as_str());
    k == f || (k.starts_with(f) && k.as_bytes().get(f.len()) == Some(&b'.'))
}
