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
        self.read_text(path).is_some() || std::fs::metadata(path).is_ok_and(|m| !m.is_dir())
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

/// Files larger than this are not read.
pub const MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// The text of a regular file of at most [`MAX_FILE_SIZE`] bytes. Anything else (a FIFO,
/// which would block the read forever, a device, a directory, a huge file) gives `None`.
pub fn read_regular_text(path: &Path) -> Option<Arc<str>> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE_SIZE {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    String::from_utf8(bytes).ok().map(Arc::from)
}

/// A workspace that reads only from disk (the CLI).
#[derive(Clone, Debug, Default)]
pub struct DiskWorkspace {
    pub roots: Vec<PathBuf>,
}

impl Workspace for DiskWorkspace {
    fn read_text(&self, path: &Path) -> Option<Arc<str>> {
        read_regular_text(path)
    }

    fn roots(&self) -> Vec<PathBuf> {
        self.roots.clone()
    }
}
