//! Reading a file's committed text at HEAD, behind a trait so tests can fake it.

use std::path::Path;

pub trait HeadReader {
    /// The text of `path` in the HEAD commit of the repository containing it.
    fn head_text(&self, path: &Path) -> Option<String>;
}

/// Reads HEAD blobs with git2 (never touches the work tree).
pub struct Git2Head;

impl HeadReader for Git2Head {
    fn head_text(&self, path: &Path) -> Option<String> {
        let repo = git2::Repository::discover(path.parent()?).ok()?;
        let workdir = repo.workdir()?.canonicalize().ok()?;
        let abs = path.parent()?.canonicalize().ok()?.join(path.file_name()?);
        let rel = abs.strip_prefix(&workdir).ok()?;
        let tree = repo.head().ok()?.peel_to_tree().ok()?;
        let entry = tree.get_path(rel).ok()?;
        let blob = entry.to_object(&repo).ok()?.peel_to_blob().ok()?;
        String::from_utf8(blob.content().to_vec()).ok()
    }
}

/// A HEAD reader with no repository.
pub struct NoHead;

impl HeadReader for NoHead {
    fn head_text(&self, _path: &Path) -> Option<String> {
        None
    }
}
