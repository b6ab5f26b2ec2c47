//! Entry points of the analyses: pure functions from a file's text (and a read-only
//! view of the workspace) to our own diagnostics and editor results.

use std::path::Path;

use crate::config::Settings;
use crate::diag::Diagnostic;
use crate::kind::FileKind;
use crate::workspace::Workspace;

/// One file to analyse.
pub struct FileInput<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub kind: FileKind,
}

/// All diagnostics of one file, sorted by position, suppressions and disabled codes applied.
pub fn analyze(input: &FileInput<'_>, ws: &dyn Workspace, settings: &Settings) -> Vec<Diagnostic> {
    let _ = (input, ws, settings);
    Vec::new()
}
