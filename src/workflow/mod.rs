//! CML workflows: the command tables (from `data/cml-facts.json`), a shell tokenizer, and
//! the analysis of `cml` invocations inside CI shell text (diagnostics, completion, hover).
//!
//! The entry points take the decoded text of one YAML scalar plus its [`SourceMap`], and
//! return spans in source coordinates.

pub mod checks;
pub mod cml;
pub mod facts;
pub mod ide;
pub mod memo;
pub mod shell;
pub mod walk;
pub mod yamledit;

use crate::diag::Span;
use crate::yaml::SourceMap;

pub use cml::{analyze_shell, analyze_shell_full, Invocation, InvocationKind, ParsedOption, ShellAnalysis};
pub use ide::{complete_shell, hover_shell};
pub use memo::ShellMemo;
pub use walk::{
    analyze_workflow, analyze_workflow_with, complete_workflow, definition_workflow, hover_workflow,
    shell_sites,
};

/// The CI system the shell text runs in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Forge {
    GitHub,
    GitLab,
    Bitbucket,
    #[default]
    Unknown,
}

impl Forge {
    pub fn name(self) -> &'static str {
        match self {
            Forge::GitHub => "GitHub",
            Forge::GitLab => "GitLab",
            Forge::Bitbucket => "Bitbucket",
            Forge::Unknown => "unknown forge",
        }
    }
}

/// How text inserted by a fix must be written in the scalar's source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Quoting {
    /// Literal/folded block scalar: text goes in as is (no line breaks).
    #[default]
    Block,
    /// Plain scalar: no `: `, ` #`, or line breaks.
    Plain,
    /// `'...'`: single quotes doubled.
    SingleQuoted,
    /// `"..."`: backslashes and double quotes escaped.
    DoubleQuoted,
}

impl Quoting {
    /// `text` as it must appear in the source, or `None` when it cannot be written there.
    pub fn encode(self, text: &str) -> Option<String> {
        if text.contains('\n') {
            return None;
        }
        match self {
            Quoting::Block => Some(text.to_string()),
            Quoting::Plain => {
                if text.contains(": ") || text.contains(" #") || text.ends_with(':') {
                    None
                } else {
                    Some(text.to_string())
                }
            }
            Quoting::SingleQuoted => Some(text.replace('\'', "''")),
            Quoting::DoubleQuoted => Some(text.replace('\\', "\\\\").replace('"', "\\\"")),
        }
    }
}

/// An environment variable visible to the shell (from `env:`/`variables:` blocks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    /// The literal value when it is known (not an expression or secret).
    pub value: Option<String>,
}

/// What the shell analysis needs to know about where the text runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShellContext {
    pub forge: Forge,
    pub quoting: Quoting,
    /// Variables set in the step/job/workflow environment (shared by the steps of a job).
    pub env: std::sync::Arc<Vec<EnvVar>>,
}

impl ShellContext {
    pub fn new(forge: Forge) -> ShellContext {
        ShellContext { forge, ..ShellContext::default() }
    }

    pub fn env_var(&self, name: &str) -> Option<&EnvVar> {
        self.env.iter().rev().find(|e| e.name == name)
    }
}

/// Maps a decoded range to the source.
pub(crate) fn src_span(map: &SourceMap, (s, e): (usize, usize)) -> Span {
    map.span(s, e)
}

/// True when decoded `[s, e)` is copied 1:1 from the source (so it can be edited exactly).
pub(crate) fn map_verbatim(map: &SourceMap, s: usize, e: usize) -> bool {
    if e > map.decoded_len() || s > e {
        return false;
    }
    let base = map.to_source(s);
    (s..e).all(|i| map.to_source(i) == base + (i - s)) && (e == s || map.to_source_end(e) == base + (e - s))
}

#[cfg(test)]
mod completion_tests;
#[cfg(test)]
mod memo_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod walk_tests;
