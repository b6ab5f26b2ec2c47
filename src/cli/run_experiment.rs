use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct RunExperimentArgs {}

pub fn run(args: RunExperimentArgs) -> ExitCode {
    let _ = args;
    tracing::error!("not implemented yet");
    ExitCode::from(2)
}
