use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {}

pub fn run(args: GenerateArgs) -> ExitCode {
    let _ = args;
    tracing::error!("not implemented yet");
    ExitCode::from(2)
}
