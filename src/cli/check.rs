use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {}

pub fn run(args: CheckArgs) -> ExitCode {
    let _ = args;
    tracing::error!("not implemented yet");
    ExitCode::from(2)
}
