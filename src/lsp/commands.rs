//! `workspace/executeCommand`: the command ids, their typed arguments, and the entry points
//! the implementations plug into.

use serde_json::Value;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::Client;

use crate::lsp::caps::ClientCaps;
use crate::store::Snapshot;

pub const RUN_EXPERIMENT: &str = "cml.runExperiment";
pub const PREVIEW_EXPERIMENT: &str = "cml.previewExperiment";
pub const GENERATE_WORKFLOW: &str = "cml.generateWorkflow";

pub use crate::lsp::experiment::ExperimentArgs;

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    RunExperiment(ExperimentArgs),
    PreviewExperiment(ExperimentArgs),
    GenerateWorkflow(Option<Value>),
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
            GENERATE_WORKFLOW => Ok(Command::GenerateWorkflow(arguments.first().cloned())),
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
    pub encoding: crate::text::Encoding,
    /// The request's `workDoneToken`, when the client sent one.
    pub work_done_token: Option<tower_lsp_server::ls_types::ProgressToken>,
}

/// Routes a parsed command to its implementation.
pub async fn execute(ctx: &CommandContext, command: Command) -> jsonrpc::Result<Option<Value>> {
    match command {
        Command::RunExperiment(args) => run_experiment(ctx, args).await,
        Command::PreviewExperiment(args) => preview_experiment(ctx, args).await,
        Command::GenerateWorkflow(args) => generate_workflow(ctx, args).await,
    }
}

/// Commits the edited params to a new branch, pushes it and opens a pull request.
pub async fn run_experiment(ctx: &CommandContext, args: ExperimentArgs) -> jsonrpc::Result<Option<Value>> {
    crate::lsp::experiment::run(ctx, args, ctx.work_done_token.clone()).await
}

/// Shows what `run_experiment` would do, without side effects.
pub async fn preview_experiment(
    ctx: &CommandContext,
    args: ExperimentArgs,
) -> jsonrpc::Result<Option<Value>> {
    crate::lsp::experiment::preview(ctx, args).await
}

/// Writes a deploy-runner + train workflow into the workspace.
pub async fn generate_workflow(ctx: &CommandContext, args: Option<Value>) -> jsonrpc::Result<Option<Value>> {
    crate::lsp::generate::run(ctx, args).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_typed_arguments() {
        let cmd = Command::parse(
            RUN_EXPERIMENT,
            &[json!({"uri": "file:///w/params.yaml", "overrides": ["train.lr=0.1"], "branch": "exp/lr"})],
        )
        .unwrap();
        let Command::RunExperiment(args) = cmd else { panic!("not a run") };
        assert_eq!(args.uri.as_deref(), Some("file:///w/params.yaml"));
        assert_eq!(args.request.overrides, vec!["train.lr=0.1".to_string()]);
        assert_eq!(args.request.branch.as_deref(), Some("exp/lr"));
        assert_eq!(args.request.title, None);
        assert_eq!(Command::parse(GENERATE_WORKFLOW, &[]).unwrap(), Command::GenerateWorkflow(None));
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
