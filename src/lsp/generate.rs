//! `cml.generateWorkflow`: the wizard's choices become a workflow file in the workspace.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{json, Map, Value};
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types as lsp;

use crate::generate::{self, WizardOptions};
use crate::lsp::commands::CommandContext;
use crate::lsp::convert;
use crate::workspace::Workspace;

/// Keys of the command's argument object that are not wizard choices.
const OWN_KEYS: [&str; 4] = ["root", "uri", "apply", "overwrite"];

fn invalid(msg: impl Into<String>) -> jsonrpc::Error {
    jsonrpc::Error::invalid_params(msg.into())
}

fn to_path(uri: Option<&Value>) -> Option<PathBuf> {
    let uri = uri?.as_str()?.parse::<lsp::Uri>().ok()?;
    convert::uri_to_path(&uri)
}

/// Generates the workflow. Arguments: one object with the wizard's fields (see
/// [`WizardOptions`]; settings `cml-lsp.generate` give the defaults) plus `root` (a folder
/// URI; default the first workspace folder) and `apply` (default true: create the file, or
/// fill it when it exists and is blank, through `workspace/applyEdit`). Returns
/// `{path, uri, text, secrets, labels, warnings, applied}`.
pub async fn run(ctx: &CommandContext, args: Option<Value>) -> jsonrpc::Result<Option<Value>> {
    let args = match args {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(invalid("cml.generateWorkflow takes one object argument")),
    };
    let mut choices = ctx.snapshot.settings().generate.clone();
    for (k, v) in &args {
        if !OWN_KEYS.contains(&k.as_str()) {
            choices.insert(k.clone(), v.clone());
        }
    }
    let opts = WizardOptions::deserialize(Value::Object(choices))
        .map_err(|e| invalid(format!("invalid workflow choices: {e}")))?;
    let generated = generate::generate(&opts).map_err(invalid)?;

    let root = to_path(args.get("root"))
        .or_else(|| ctx.snapshot.roots().into_iter().next())
        .ok_or_else(|| invalid("no workspace folder: pass `root`"))?;
    let target = root.join(&generated.path);
    let uri = convert::path_to_uri(&target).ok_or_else(|| invalid("cannot make a URI for the target"))?;
    let apply = args.get("apply").and_then(Value::as_bool).unwrap_or(true);

    let mut applied = false;
    if apply && ctx.caps.apply_edit {
        let edit = file_edit(ctx, &target, &uri, &generated)?;
        if let Some(edit) = edit {
            let reply = ctx.client.apply_edit(edit).await;
            applied = matches!(reply, Ok(r) if r.applied);
            if applied {
                let params = lsp::ShowDocumentParams {
                    uri: uri.clone(),
                    external: None,
                    take_focus: Some(true),
                    selection: None,
                };
                if ctx.caps.show_document {
                    let _ = ctx.client.show_document(params).await;
                }
                let names: Vec<&str> = generated.secrets.iter().map(|s| s.name.as_str()).collect();
                let msg = format!("Wrote {}. Create these secrets: {}", generated.path, names.join(", "));
                ctx.client.show_message(lsp::MessageType::INFO, msg).await;
            }
        }
    }
    Ok(Some(json!({
        "path": generated.path,
        "uri": uri.as_str(),
        "text": generated.text,
        "secrets": generated.secrets,
        "labels": generated.labels,
        "warnings": generated.warnings,
        "applied": applied,
    })))
}

/// The edit that writes the workflow: a new file when the client can create files, or the
/// whole text into an existing blank file. `None` when the client cannot do either.
fn file_edit(
    ctx: &CommandContext,
    target: &Path,
    uri: &lsp::Uri,
    generated: &generate::Generated,
) -> jsonrpc::Result<Option<lsp::WorkspaceEdit>> {
    let existing = ctx.snapshot.read_text(target).or_else(|| target.exists().then(|| "".into()));
    if let Some(text) = existing {
        if !generate::is_blank_yaml(&text) {
            return Err(invalid(format!(
                "{} already exists; open it and use the code action \"Add a CML cloud-runner job\"",
                generated.path
            )));
        }
        let edits = generate::insert_into_blank(&text, generated).map_err(invalid)?;
        let edit = crate::ide::WorkspaceEdit { files: vec![(target.to_path_buf(), edits)] };
        return Ok(Some(convert::ide_workspace_edit(&edit, &ctx.snapshot, ctx.encoding, &ctx.caps)));
    }
    if !(ctx.caps.document_changes && ctx.caps.create_files) {
        return Ok(None);
    }
    let create = lsp::DocumentChangeOperation::Op(lsp::ResourceOp::Create(lsp::CreateFile {
        uri: uri.clone(),
        options: Some(lsp::CreateFileOptions { overwrite: Some(false), ignore_if_exists: Some(false) }),
        annotation_id: None,
    }));
    let insert = lsp::DocumentChangeOperation::Edit(lsp::TextDocumentEdit {
        text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri: uri.clone(), version: None },
        edits: vec![lsp::OneOf::Left(lsp::TextEdit {
            range: lsp::Range::default(),
            new_text: generated.text.clone(),
        })],
    });
    Ok(Some(lsp::WorkspaceEdit {
        document_changes: Some(lsp::DocumentChanges::Operations(vec![create, insert])),
        ..Default::default()
    }))
}
