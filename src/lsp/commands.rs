//! `workspace/executeCommand`: the command ids, their typed arguments, and the entry points
//! the implementations plug into.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::Client;

use crate::lsp::caps::ClientCaps;
use crate::store::Snapshot;

pub const RUN_EXPERIMENT: &str = "cml.runExperiment";
pub const PREVIEW_EXPERIMENT: &str = "cml.previewExperiment";
pub const GENERATE_WORKFLOW: &str = "cml.generateWorkflow";

/// Arguments of `cml.runExperiment` and `cml.previewExperiment`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExperimentArgs {
    /// The params file (a `file:` URI).
    pub uri: String,
    /// Dotted key -> new value, applied on top of the buffer's text.
    pub overrides: serde_json::Map<String, Value>,
    /// The branch to create; generated from the settings' prefix when absent.
    pub branch: Option<String>,
    /// The pull request title; generated when absent.
    pub title: Option<String>,
}

/// Arguments of `cml.generateWorkflow`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GenerateWorkflowArgs {
    /// `github`, `gitlab` or `bitbucket`; detected from the workspace when absent.
    pub forge: Option<String>,
    /// The workspace folder to generate into (a `file:` URI); the first root when absent.
    pub root: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    RunExperiment(ExperimentArgs),
    PreviewExperiment(ExperimentArgs),
    GenerateWorkflow(GenerateWorkflowArgs),
}

impl Command {
    /// Every command id, as advertised in `executeCommandProvider`.
    pub const ALL_IDS: [&'static str; 3] = [RUN_EXPERIMENT, PREVIEW_EXPERIMENT, GENERATE_WORKFLOW];

    /// Parses a command id and its arguments (the first argument is an object; none means defaults).
    pub fn parse(id: &str, arguments: &[Value]) -> Result<Command, jsonrpc::Error> {
        fn arg<T: serde::de::DeserializeOwned + Default>(
            id: &str,
            args: &[Value],
        ) -> Result<T, jsonrpc::Error> {
            match args.first() {
                None | Some(Value::Null) => Ok(T::default()),
                Some(v) => T::deserialize(v)
                    .map_err(|e| jsonrpc::Error::invalid_params(format!("invalid arguments for {id}: {e}"))),
            }
        }
        match id {
            RUN_EXPERIMENT => Ok(Command::RunExperiment(arg(id, arguments)?)),
            PREVIEW_EXPERIMENT => Ok(Command::PreviewExperiment(arg(id, arguments)?)),
            GENERATE_WORKFLOW => Ok(Command::GenerateWorkflow(arg(id, arguments)?)),
            _ => Err(jsonrpc::Error::invalid_params(format!("unknown command {id}"))),
        }
    }
}

/// What a command implementation can use: the store's state at the time of the request,
/// the client (for `showDocument`, `applyEdit`, progress) and its capabilities.
pub struct CommandContext {
    pub snapshot: Snapshot,
    pub client: Client,
    pub caps: ClientCaps,
}

/// Routes a parsed command to its implementation.
pub async fn execute(ctx: &CommandContext, command: Command) -> jsonrpc::Result<Option<Value>> {
    match command {
        Command::RunExperiment(args) => run_experiment(ctx, args).await,
        Command::PreviewExperiment(args) => preview_experiment(ctx, args).await,
        Command::GenerateWorkflow(args) => generate_workflow(ctx, args).await,
    }
}

fn not_available(id: &str) -> jsonrpc::Error {
    jsonrpc::Error {
        code: jsonrpc::ErrorCode::InvalidRequest,
        message: format!("{id} is not available yet").into(),
        data: None,
    }
}

/// Commits the edited params to a new branch, pushes it and opens a pull request.
pub async fn run_experiment(ctx: &CommandContext, args: ExperimentArgs) -> jsonrpc::Result<Option<Value>> {
    let _ = (ctx, args);
    Err(not_available(RUN_EXPERIMENT))
}

/// Shows what `run_experiment` would do, without side effects.
pub async fn preview_experiment(
    ctx: &CommandContext,
    args: ExperimentArgs,
) -> jsonrpc::Result<Option<Value>> {
    let _ = (ctx, args);
    Err(not_available(PREVIEW_EXPERIMENT))
}

/// Writes a deploy-runner + train workflow into the workspace.
pub async fn generate_workflow(
    ctx: &CommandContext,
    args: GenerateWorkflowArgs,
) -> jsonrpc::Result<Option<Value>> {
    let _ = (ctx, args);
    Err(not_available(GENERATE_WORKFLOW))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_typed_arguments() {
        let cmd = Command::parse(
            RUN_EXPERIMENT,
            &[json!({"uri": "file:///w/params.yaml", "overrides": {"train.lr": 0.1}, "branch": "exp/lr"})],
        )
        .unwrap();
        let mut overrides = serde_json::Map::new();
        overrides.insert("train.lr".into(), json!(0.1));
        assert_eq!(
            cmd,
            Command::RunExperiment(ExperimentArgs {
                uri: "file:///w/params.yaml".into(),
                overrides,
                branch: Some("exp/lr".into()),
                title: None,
            })
        );
        assert_eq!(
            Command::parse(GENERATE_WORKFLOW, &[]).unwrap(),
            Command::GenerateWorkflow(GenerateWorkflowArgs::default())
        );
        let err = Command::parse(RUN_EXPERIMENT, &[json!({"uri": 3})]).unwrap_err();
        assert_eq!(err.code, jsonrpc::ErrorCode::InvalidParams);
        assert_eq!(
            err.message,
            "invalid arguments for cml.runExperiment: invalid type: integer `3`, expected a string"
        );
        let err = Command::parse("cml.nope", &[]).unwrap_err();
        assert_eq!(err.message, "unknown command cml.nope");
    }
}
