//! The command line: `cml-lsp [serve|--stdio]`, `check`, `run-experiment`, `generate-workflow`.
//! Only this module prints to stdout (besides the LSP transport).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod check;
pub mod generate;
pub mod output;
pub mod run_experiment;

#[derive(Parser, Debug)]
#[command(
    name = "cml-lsp",
    version,
    about = "Language server and CLI for CML workflows, DVC params and dvc.yaml",
    long_about = "Without a subcommand, cml-lsp speaks the Language Server Protocol over stdio.\n\
                  Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=cml_lsp=debug) for more."
)]
pub struct Cli {
    /// Speak LSP over stdio (the default; accepted for clients that pass it).
    #[arg(long, global = false)]
    pub stdio: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the language server over stdio (the default).
    Serve,
    /// Check workflow, dvc.yaml and params files; exit 1 when an error was found.
    Check(check::CheckArgs),
    /// Commit edited params to a new branch, push it and open a pull/merge request.
    RunExperiment(run_experiment::RunExperimentArgs),
    /// Print (or write) a deploy-runner + train workflow for GitHub, GitLab or Bitbucket.
    GenerateWorkflow(generate::GenerateArgs),
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging();
    match cli.command {
        None | Some(Command::Serve) => crate::lsp::serve(),
        Some(Command::Check(args)) => check::run(args),
        Some(Command::RunExperiment(args)) => run_experiment::run(args),
        Some(Command::GenerateWorkflow(args)) => generate::run(args),
    }
}

/// Logs to stderr, level from `RUST_LOG` (default: warnings).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
