//! cml-lsp: a language server and CLI for CML workflows, DVC params files and `dvc.yaml`.
//!
//! The protocol layer lives in [`lsp`]; everything else is plain Rust over our own types.

pub mod analysis;
pub mod cli;
pub mod codes;
pub mod config;
pub mod diag;
pub mod experiment;
pub mod generate;
pub mod ide;
pub mod kind;
pub mod lsp;
pub mod params;
pub mod store;
pub mod suppress;
pub mod text;
pub mod workflow;
pub mod workspace;
pub mod yaml;
