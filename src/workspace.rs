//! The view of the workspace that analyses read other files through: open buffers
//! (their unsaved text wins) over disk. Implemented by the LSP document store and by
//! the CLI; analyses never touch the file system directly.

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub trait Workspace: Send + Sync {
    /// The current text of `path`: an open buffer's text, else the file on disk.
    fn read_text(&self, path: &Path) -> Option<Arc<str>>;
    /// The workspace roots (folders opened in the editor, or the CLI's paths).
    fn roots(&self) -> Vec<PathBuf>;
    /// Whether `path` exists as an open buffer or a file, even one that cannot be read
    /// as text (that is reported on the file itself, not as a missing file).
    fn exists(&self, path: &Path) -> bool {
        self.read_text(path).is_some() || path.is_file()
    }
    /// Every file under the roots whose name is one of `names` (gitignored and hidden
    /// directories skipped). The default walks the disk; a store with unsaved new files
    /// may add its own.
    fn find_files(&self, names: &[&str]) -> Vec<PathBuf> {
        walk_roots(&self.roots(), names)
    }
}

/// Walks `roots` for files named one of `names`, honouring `.gitignore`.
pub fn walk_roots(roots: &[PathBuf], names: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for root in roots {
        for entry in ignore::WalkBuilder::new(root).build().flatten() {
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            if is_file && entry.file_name().to_str().is_some_and(|n| names.contains(&n)) {
                out.push(entry.into_path());
            }
        }
    }
    out
}

/// A workspace that reads only from disk (the CLI).
#[derive(Clone, Debug, Default)]
pub struct DiskWorkspace {
    pub roots: Vec<PathBuf>,
}

impl Workspace for DiskWorkspace {
    fn read_text(&self, path: &Path) -> Option<Arc<str>> {
        let bytes = std::fs::read(path).ok()?;
        String::from_utf8(bytes).ok().map(Arc::from)
    }

    fn roots(&self) -> Vec<PathBuf> {
        self.roots.clone()
    }
}
