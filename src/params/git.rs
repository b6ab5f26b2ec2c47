//! Reading a file's committed text at HEAD, behind a trait so tests can fake it.

use std::hash::{Hash, Hasher};
use std::path::Path;

pub trait HeadReader {
    /// The text of `path` in the HEAD commit of the repository containing it.
    fn head_text(&self, path: &Path) -> Option<String>;

    /// An identifier of that text, cheaper to get than the text itself (git: the blob id,
    /// read from the tree without inflating the blob), so that a parse of HEAD's copy can
    /// be reused on every keystroke. `None` when the file is not at HEAD. The default
    /// hashes [`HeadReader::head_text`].
    fn head_id(&self, path: &Path) -> Option<String> {
        let text = self.head_text(path)?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        Some(format!("text:{:016x}", h.finish()))
    }
}

/// Reads HEAD blobs with git2 (never touches the work tree).
pub struct Git2Head;

impl Git2Head {
    /// The repository containing `path`, and the id of `path`'s blob in HEAD's tree.
    fn blob_at_head(path: &Path) -> Option<(git2::Repository, git2::Oid)> {
        let repo = git2::Repository::discover(path.parent()?).ok()?;
        let workdir = repo.workdir()?.canonicalize().ok()?;
        let abs = path.parent()?.canonicalize().ok()?.join(path.file_name()?);
        let rel = abs.strip_prefix(&workdir).ok()?;
        let tree = repo.head().ok()?.peel_to_tree().ok()?;
        let id = tree.get_path(rel).ok()?.id();
        drop(tree);
        Some((repo, id))
    }
}

impl HeadReader for Git2Head {
    fn head_text(&self, path: &Path) -> Option<String> {
        let (repo, id) = Self::blob_at_head(path)?;
        let blob = repo.find_blob(id).ok()?;
        String::from_utf8(blob.content().to_vec()).ok()
    }

    fn head_id(&self, path: &Path) -> Option<String> {
        Self::blob_at_head(path).map(|(_, id)| format!("blob:{id}"))
    }
}

/// A HEAD reader with no repository.
pub struct NoHead;

impl HeadReader for NoHead {
    fn head_text(&self, _path: &Path) -> Option<String> {
        None
    }

    fn head_id(&self, _path: &Path) -> Option<String> {
        None
    }
}
