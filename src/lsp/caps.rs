//! Capabilities: the client's, resolved once into booleans; ours, advertised at `initialize`.

use serde_json::Value;
use tower_lsp_server::ls_types::{
    ClientCapabilities, CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    DiagnosticOptions, DiagnosticServerCapabilities, ExecuteCommandOptions, HoverProviderCapability, OneOf,
    PositionEncodingKind, RenameOptions, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, WorkDoneProgressOptions,
    WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};

use crate::lsp::commands::Command;
use crate::text::Encoding;

/// The client features we care about, read once from `initialize`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientCaps {
    pub apply_edit: bool,
    pub document_changes: bool,
    pub pull_diagnostics: bool,
    pub diagnostic_refresh: bool,
    pub diagnostic_version: bool,
    pub related_information: bool,
    pub diagnostic_tags: bool,
    pub show_document: bool,
    pub work_done_progress: bool,
    pub watched_files_dynamic: bool,
    pub configuration: bool,
    pub snippets: bool,
    pub code_action_literals: bool,
}

impl ClientCaps {
    pub fn resolve(caps: &ClientCapabilities) -> ClientCaps {
        let json = serde_json::to_value(caps).unwrap_or(Value::Null);
        let flag = |pointer: &str| json.pointer(pointer).and_then(Value::as_bool).unwrap_or(false);
        let present = |pointer: &str| json.pointer(pointer).is_some_and(|v| !v.is_null());
        ClientCaps {
            apply_edit: flag("/workspace/applyEdit"),
            document_changes: flag("/workspace/workspaceEdit/documentChanges"),
            pull_diagnostics: present("/textDocument/diagnostic"),
            diagnostic_refresh: flag("/workspace/diagnostics/refreshSupport"),
            diagnostic_version: flag("/textDocument/publishDiagnostics/versionSupport"),
            related_information: flag("/textDocument/publishDiagnostics/relatedInformation")
                || flag("/textDocument/diagnostic/relatedInformation"),
            diagnostic_tags: present("/textDocument/publishDiagnostics/tagSupport")
                || present("/textDocument/diagnostic/tagSupport"),
            show_document: flag("/window/showDocument/support"),
            work_done_progress: flag("/window/workDoneProgress"),
            watched_files_dynamic: flag("/workspace/didChangeWatchedFiles/dynamicRegistration"),
            configuration: flag("/workspace/configuration"),
            snippets: flag("/textDocument/completion/completionItem/snippetSupport"),
            code_action_literals: present("/textDocument/codeAction/codeActionLiteralSupport"),
        }
    }
}

/// UTF-8 when the client offers it, else UTF-32 when offered, else UTF-16 (always supported).
pub fn negotiate_encoding(caps: &ClientCapabilities) -> Encoding {
    let offered = caps.general.as_ref().and_then(|g| g.position_encodings.as_deref()).unwrap_or_default();
    if offered.contains(&PositionEncodingKind::UTF8) {
        Encoding::Utf8
    } else if offered.contains(&PositionEncodingKind::UTF32) {
        Encoding::Utf32
    } else {
        Encoding::Utf16
    }
}

pub fn encoding_kind(enc: Encoding) -> PositionEncodingKind {
    match enc {
        Encoding::Utf8 => PositionEncodingKind::UTF8,
        Encoding::Utf16 => PositionEncodingKind::UTF16,
        Encoding::Utf32 => PositionEncodingKind::UTF32,
    }
}

pub const TRIGGER_CHARACTERS: [&str; 7] = ["-", "=", " ", ".", "{", ":", "/"];

pub fn server_capabilities(client: &ClientCaps, enc: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding_kind(enc)),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            ..TextDocumentSyncOptions::default()
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(TRIGGER_CHARACTERS.iter().map(|s| s.to_string()).collect()),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        code_action_provider: Some(if client.code_action_literals {
            CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![
                    CodeActionKind::QUICKFIX,
                    CodeActionKind::REFACTOR,
                    CodeActionKind::SOURCE,
                ]),
                ..CodeActionOptions::default()
            })
        } else {
            CodeActionProviderCapability::Simple(true)
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: Command::ALL_IDS.iter().map(|s| s.to_string()).collect(),
            ..ExecuteCommandOptions::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        diagnostic_provider: client.pull_diagnostics.then(|| {
            DiagnosticServerCapabilities::Options(DiagnosticOptions {
                identifier: Some("cml-lsp".into()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })
        }),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}
