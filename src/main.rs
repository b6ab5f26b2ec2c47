use std::process::ExitCode;

/// mimalloc instead of the system allocator: parsing a workflow allocates a string per
/// scalar and a vector per collection, and glibc's malloc and free took a fifth of the
/// time of analysing a 1,000-job workflow.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cml_lsp::cli::main()
}
