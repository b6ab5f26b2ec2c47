use std::process::ExitCode;

fn main() -> ExitCode {
    cml_lsp::cli::main()
}
