//! Completion and hover over `cml` command lines.

use crate::ide::{Completion, Hover};
use crate::yaml::SourceMap;

use super::ShellContext;

pub fn complete_shell(text: &str, map: &SourceMap, offset: usize, ctx: &ShellContext) -> Vec<Completion> {
    let _ = (text, map, offset, ctx);
    Vec::new()
}

pub fn hover_shell(text: &str, map: &SourceMap, offset: usize, ctx: &ShellContext) -> Option<Hover> {
    let _ = (text, map, offset, ctx);
    None
}
