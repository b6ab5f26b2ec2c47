//! Loading params files and dvc.yaml files through the [`Workspace`], with small caches
//! keyed by path and the text's hash (HEAD's copy: its blob id): a keystroke in one file
//! re-parses only that file.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::git::HeadReader;
use super::model::Tree;
use super::yaml_model::{self, YamlTree};
use crate::kind::ParamsFormat;
use crate::workspace::Workspace;

/// A parsed params file.
#[derive(Debug)]
pub struct ParamsDoc {
    pub path: PathBuf,
    pub format: ParamsFormat,
    pub text: Arc<str>,
    pub tree: Tree,
    /// For YAML files: the YAML node each tree node comes from (`origin[i]` for node `i`),
    /// and the YAML arena.
    pub yaml: Option<(Vec<Option<crate::yaml::NodeId>>, crate::yaml::Yaml)>,
}

impl ParamsDoc {
    pub fn parse(path: &Path, text: Arc<str>) -> ParamsDoc {
        let format = format_of(path);
        let (tree, yaml) = match format {
            ParamsFormat::Json => (super::formats::from_json(&text), None),
            ParamsFormat::Toml => (super::formats::from_toml(&text), None),
            ParamsFormat::Python => (Tree::default(), None),
            ParamsFormat::Yaml => {
                let y = parse_yaml(&text);
                let YamlTree { tree, origin } = yaml_model::from_yaml(&y);
                (tree, Some((origin, y)))
            }
        };
        ParamsDoc { path: path.to_path_buf(), format, text, tree, yaml }
    }
}

/// DVC's loader rule: `.json`, `.toml` and `.py` by extension, everything else is YAML.
pub fn format_of(path: &Path) -> ParamsFormat {
    match crate::kind::params_format(path) {
        Some(f) => f,
        None => ParamsFormat::Yaml,
    }
}

/// The one place that calls the YAML layer's parser.
pub fn parse_yaml(text: &str) -> crate::yaml::Yaml {
    crate::yaml::parse(text)
}

fn text_hash(text: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

type Cache = Mutex<HashMap<PathBuf, (u64, Arc<ParamsDoc>)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

const CACHE_MAX: usize = 256;

/// Parses `text` as the params file (or dvc.yaml) at `path`, reusing the cached parse when
/// the text is unchanged.
pub fn load_text(path: &Path, text: Arc<str>) -> Arc<ParamsDoc> {
    let h = text_hash(&text);
    if let Some(doc) = cached(path, h, &text) {
        return doc;
    }
    let doc = Arc::new(ParamsDoc::parse(path, text));
    if let Ok(mut c) = cache().lock() {
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(path.to_path_buf(), (h, doc.clone()));
    }
    doc
}

/// Whether the model of `path` with this `text` is cached (what [`load_text`] would return
/// without parsing).
pub fn is_cached(path: &Path, text: &str) -> bool {
    cached(path, text_hash(text), text).is_some()
}

/// The cached model of `path` if it was built from `text` (whose hash is `h`).
fn cached(path: &Path, h: u64, text: &str) -> Option<Arc<ParamsDoc>> {
    let c = cache().lock().ok()?;
    c.get(path).filter(|(hh, doc)| *hh == h && *doc.text == *text).map(|(_, doc)| doc.clone())
}

/// The file's copy at HEAD, parsed once per committed version: the cache is keyed by the
/// reader's id of that version (git: the blob id), so a keystroke neither reads nor hashes
/// the committed text again. `None` when the file is not at HEAD or not UTF-8 there.
pub fn load_head(path: &Path, head: &dyn HeadReader) -> Option<Arc<ParamsDoc>> {
    head_doc(path, head, None)
}

/// [`load_head`] for a comparison with `current`: when HEAD's copy is not parsed yet and
/// is `current` itself (a file just opened, unmodified), nothing can differ from HEAD, so
/// it is not parsed now (`None`); [`load_head`] parses it ahead of the first edit.
pub fn load_head_unless_same(path: &Path, head: &dyn HeadReader, current: &str) -> Option<Arc<ParamsDoc>> {
    head_doc(path, head, Some(current))
}

fn head_doc(path: &Path, head: &dyn HeadReader, unless: Option<&str>) -> Option<Arc<ParamsDoc>> {
    type HeadCache = Mutex<HashMap<PathBuf, (String, Arc<ParamsDoc>)>>;
    static HEAD: OnceLock<HeadCache> = OnceLock::new();
    let cache = HEAD.get_or_init(|| Mutex::new(HashMap::new()));
    let id = head.head_id(path)?;
    if let Ok(c) = cache.lock() {
        if let Some((cached_id, doc)) = c.get(path) {
            if *cached_id == id {
                return Some(doc.clone());
            }
        }
    }
    let text = head.head_text(path)?;
    if unless == Some(text.as_str()) {
        return None;
    }
    let doc = Arc::new(ParamsDoc::parse(path, Arc::from(text)));
    if let Ok(mut c) = cache.lock() {
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(path.to_path_buf(), (id, doc.clone()));
    }
    Some(doc)
}

/// Reads and parses a file of the workspace; `None` when it does not exist.
pub fn load(ws: &dyn Workspace, path: &Path) -> Option<Arc<ParamsDoc>> {
    let text = ws.read_text(path)?;
    Some(load_text(path, text))
}

/// Joins a relative path as DVC does (`os.path.join` then `normpath`): `..` and `.` folded.
pub fn join_norm(base: &Path, rel: &str) -> PathBuf {
    let joined = base.join(rel);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            // Only a named directory cancels a `..`: `../..` stays (popping the first
            // `..` would point a relative path into the wrong directory), and `/..`
            // is `/`.
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Every `dvc.yaml` under the workspace roots.
pub fn dvc_yaml_files(ws: &dyn Workspace) -> Vec<PathBuf> {
    let mut out = ws.find_files(&["dvc.yaml"]);
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::join_norm;
    use std::path::{Path, PathBuf};

    #[test]
    fn join_norm_keeps_leading_parent_dirs() {
        assert_eq!(join_norm(Path::new(""), "../../p.yaml"), PathBuf::from("../../p.yaml"));
        assert_eq!(join_norm(Path::new("."), "../../p.yaml"), PathBuf::from("../../p.yaml"));
        assert_eq!(join_norm(Path::new("a"), "../../p.yaml"), PathBuf::from("../p.yaml"));
        assert_eq!(join_norm(Path::new("a/b"), "../../p.yaml"), PathBuf::from("p.yaml"));
        assert_eq!(join_norm(Path::new("/a"), "../../p.yaml"), PathBuf::from("/p.yaml"));
        assert_eq!(join_norm(Path::new("a/./b"), "./c/../p.yaml"), PathBuf::from("a/b/p.yaml"));
    }
}
