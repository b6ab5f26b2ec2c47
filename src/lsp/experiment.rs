//! `cml.runExperiment` and `cml.previewExperiment`: the protocol side of
//! [`crate::experiment`]. The editor's unsaved params buffers are what gets committed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types as lsp;

use crate::experiment::{self, ExpError, ExperimentRequest, ParamsText, Step};
use crate::kind::FileKind;
use crate::lsp::commands::CommandContext;
use crate::store::Snapshot;
use crate::workspace::Workspace;

/// Arguments of `cml.runExperiment` and `cml.previewExperiment`: the fields of
/// [`ExperimentRequest`] (camelCase) plus `uri`, a params file (or any file) of the
/// repository. `repo` defaults to that file's folder, else the first workspace root;
/// `files` default to every open params buffer inside the repository.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExperimentArgs {
    pub uri: Option<String>,
    #[serde(flatten)]
    pub request: ExperimentRequest,
}

/// Resolves the request: repository folder and the open params buffers inside it.
pub fn build_request(snapshot: &Snapshot, roots: &[PathBuf], args: ExperimentArgs) -> ExperimentRequest {
    let mut req = args.request.with_settings(&snapshot.settings().experiment);
    if req.repo.as_os_str().is_empty() {
        let from_uri = args
            .uri
            .as_deref()
            .and_then(|u| u.parse::<lsp::Uri>().ok())
            .and_then(|u| crate::lsp::convert::uri_to_path(&u));
        req.repo = match from_uri {
            Some(p) if p.is_dir() => p,
            Some(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
            None => roots.first().cloned().unwrap_or_default(),
        };
    }
    if req.files.is_empty() {
        // Outside a repository, the buffers under `repo` are still passed on, so that the
        // run reports the missing repository rather than an empty edit.
        let workdir = git2::Repository::discover(&req.repo)
            .ok()
            .and_then(|r| r.workdir().map(Path::to_path_buf))
            .unwrap_or_else(|| req.repo.clone());
        if let Ok(workdir) = workdir.canonicalize() {
            for doc in snapshot.documents() {
                let (Some(path), Some(FileKind::Params(_))) = (&doc.path, doc.kind) else { continue };
                if path.canonicalize().is_ok_and(|p| p.starts_with(&workdir)) {
                    let path = path.to_string_lossy().into_owned();
                    req.files.push(ParamsText { path, text: doc.text.to_string() });
                }
            }
        }
    }
    req
}

fn to_rpc_error(e: &ExpError) -> jsonrpc::Error {
    let message = match &e.hint {
        Some(hint) => format!("{} (hint: {hint})", e.message),
        None => e.message.clone(),
    };
    jsonrpc::Error {
        code: jsonrpc::ErrorCode::ServerError(-32001),
        message: message.into(),
        data: serde_json::to_value(e).ok(),
    }
}

pub async fn preview(ctx: &CommandContext, args: ExperimentArgs) -> jsonrpc::Result<Option<Value>> {
    let req = build_request(&ctx.snapshot, &ctx.snapshot.roots(), args);
    let res = tokio::task::spawn_blocking(move || experiment::preview_for_review(&req))
        .await
        .map_err(|_| jsonrpc::Error::internal_error())?;
    match res {
        Ok(p) => Ok(serde_json::to_value(p).ok()),
        Err(e) => Err(to_rpc_error(&e)),
    }
}

/// Sets the flag when the request's future is dropped (`$/cancelRequest`), so the run
/// stops before pushing.
struct CancelOnDrop(Arc<AtomicBool>, bool);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.1 {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

/// The progress message: the run's own line (it names the files, branch and remote), else
/// a generic one.
fn step_message(step: Step, detail: &str) -> String {
    if !detail.is_empty() {
        return detail.to_string();
    }
    match step {
        Step::Commit => "Committing params",
        Step::Push => "Pushing the branch",
        Step::PullRequest => "Opening the pull request",
    }
    .to_string()
}

pub async fn run(
    ctx: &CommandContext,
    args: ExperimentArgs,
    token: Option<lsp::ProgressToken>,
) -> jsonrpc::Result<Option<Value>> {
    let req = build_request(&ctx.snapshot, &ctx.snapshot.roots(), args);
    let cancel = Arc::new(AtomicBool::new(false));
    let mut guard = CancelOnDrop(cancel.clone(), false);

    let token = match token {
        Some(t) => Some(t),
        None if ctx.caps.work_done_progress => {
            let t = lsp::ProgressToken::String(format!("cml-lsp/run-experiment/{}", unique()));
            ctx.client.create_work_done_progress(t.clone()).await.ok().map(|_| t)
        }
        None => None,
    };
    let progress = match token {
        Some(t) => Some(ctx.client.progress(t, "Run experiment").with_message("Starting").begin().await),
        None => None,
    };

    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let cancel2 = cancel.clone();
    let job = tokio::task::spawn_blocking(move || {
        let mut report = |step: Step, detail: &str| {
            let _ = tx.send(step_message(step, detail));
        };
        experiment::run(&req, &mut report, &cancel2)
    });
    tokio::pin!(job);
    let res = loop {
        tokio::select! {
            res = &mut job => break res,
            Some(msg) = rx.recv() => {
                if let Some(p) = &progress {
                    p.report(msg).await;
                }
            }
        }
    };
    guard.1 = true;
    let res = res.map_err(|_| jsonrpc::Error::internal_error())?;
    match res {
        Ok(outcome) => {
            if let Some(p) = progress {
                p.finish_with_message(outcome.summary.clone()).await;
            }
            ctx.client.show_message(lsp::MessageType::INFO, &outcome.summary).await;
            if let (Some(url), true) = (&outcome.url, ctx.caps.show_document) {
                if let Ok(uri) = url.parse::<lsp::Uri>() {
                    let params = lsp::ShowDocumentParams {
                        uri,
                        external: Some(true),
                        take_focus: Some(true),
                        selection: None,
                    };
                    let _ = ctx.client.show_document(params).await;
                }
            }
            Ok(serde_json::to_value(outcome).ok())
        }
        Err(e) => {
            if let Some(p) = progress {
                p.finish_with_message("Failed").await;
            }
            Err(to_rpc_error(&e))
        }
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}
