//! The document store: the editor's open buffers, keyed by URI, with the workspace roots
//! and settings they are classified with. No protocol types here: positions arrive as
//! [`LineCol`] in a given [`Encoding`].
//!
//! Invariants:
//! - Edits are applied under one std mutex, never across an `.await`, in the order given.
//! - A change whose version is not newer than the stored one is rejected (the buffer keeps
//!   the last good state; the client's next full sync or reopen repairs it).
//! - Readers get immutable [`Snapshot`]s (`Arc` clones); writers copy on write.
//! - Each document of a YAML kind carries its parsed tree ([`YamlCache`]), built on first
//!   use; an edit moves the tree to the new version and re-parses it incrementally
//!   ([`crate::yaml::try_reparse`]). When that is not possible the new version starts
//!   empty and its first reader parses the whole text, so a change never runs a full
//!   parse under the lock.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::Settings;
use crate::diag::Span;
use crate::kind::{FileKind, KindRules};
use crate::text::{Encoding, LineCol, LineIndex};
use crate::workspace::Workspace;
use crate::yaml::Yaml;

/// One open buffer, immutable once built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub uri: String,
    /// The file path for `file:` URIs.
    pub path: Option<PathBuf>,
    pub version: i32,
    pub text: Arc<str>,
    pub index: Arc<LineIndex>,
    /// `None` for files we leave alone (no diagnostics, no features).
    pub kind: Option<FileKind>,
    /// The parsed YAML of `text` (see [`Document::yaml`]).
    pub yaml_cache: YamlCache,
    /// The shell analyses of the document's last analysis, shared by its versions (see
    /// [`crate::workflow::ShellMemo`]).
    pub shell_memo: Arc<crate::workflow::ShellMemo>,
}

impl Document {
    /// The parsed YAML of the text, for the kinds that are YAML (workflows, dvc.yaml, YAML
    /// params files); parsed on first use, then shared by every request on this version.
    pub fn yaml(&self) -> Option<Arc<Yaml>> {
        is_yaml(self.kind).then(|| self.yaml_cache.get(&self.text))
    }
}

fn is_yaml(kind: Option<FileKind>) -> bool {
    match kind {
        Some(FileKind::Params(f)) => f == crate::kind::ParamsFormat::Yaml,
        Some(k) => k == FileKind::DvcYaml || k.is_workflow(),
        None => false,
    }
}

/// A document version's parsed YAML: empty until first use. Equality ignores it (it is a
/// function of the text).
#[derive(Default)]
pub struct YamlCache(Mutex<Option<Arc<Yaml>>>);

impl YamlCache {
    fn with(yaml: Option<Yaml>) -> YamlCache {
        YamlCache(Mutex::new(yaml.map(Arc::new)))
    }

    /// The tree of `text`, parsing it on first use (concurrent first users wait for one parse).
    pub fn get(&self, text: &str) -> Arc<Yaml> {
        let mut slot = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match &*slot {
            Some(y) => y.clone(),
            None => {
                let y = Arc::new(crate::yaml::parse(text));
                *slot = Some(y.clone());
                y
            }
        }
    }

    /// Moves the tree out (for the next version) unless none is built or a reader is
    /// parsing it right now. A reader of this old version then parses again.
    fn take(&self) -> Option<Yaml> {
        let y = self.0.try_lock().ok()?.take()?;
        // Readers may still hold the tree; then the next version gets a copy.
        Some(Arc::try_unwrap(y).unwrap_or_else(|shared| (*shared).clone()))
    }
}

impl Clone for YamlCache {
    fn clone(&self) -> YamlCache {
        YamlCache(Mutex::new(self.0.try_lock().ok().and_then(|y| y.clone())))
    }
}

impl PartialEq for YamlCache {
    fn eq(&self, _: &YamlCache) -> bool {
        true
    }
}

impl Eq for YamlCache {}

impl std::fmt::Debug for YamlCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let built = self.0.try_lock().ok().is_some_and(|y| y.is_some());
        write!(f, "YamlCache({})", if built { "built" } else { "empty" })
    }
}

/// One content change of a `didChange` batch: a range (start, end) or the whole text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextChange {
    pub range: Option<(LineCol, LineCol)>,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeError {
    NotOpen,
    /// The change's version is not newer than the stored one.
    StaleVersion {
        current: i32,
        got: i32,
    },
}

impl std::fmt::Display for ChangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangeError::NotOpen => f.write_str("document is not open"),
            ChangeError::StaleVersion { current, got } => {
                write!(f, "version {got} is not newer than the stored version {current}")
            }
        }
    }
}

type Docs = HashMap<String, Arc<Document>>;

/// The text being edited by [`Store::change`]: inside its parsed tree, or alone.
enum Current {
    Tree(Yaml),
    Text(String),
}

impl Current {
    fn text(&self) -> &str {
        match self {
            Current::Tree(t) => &t.source,
            Current::Text(s) => s,
        }
    }
}

#[derive(Default)]
struct State {
    docs: Arc<Docs>,
    roots: Arc<Vec<PathBuf>>,
    settings: Arc<Settings>,
    rules: Arc<KindRules>,
}

/// The store shared by the server's handlers.
#[derive(Default)]
pub struct Store {
    state: Mutex<State>,
}

/// An immutable view of the store: open buffers over disk, roots and settings.
#[derive(Clone, Default)]
pub struct Snapshot {
    docs: Arc<Docs>,
    roots: Arc<Vec<PathBuf>>,
    settings: Arc<Settings>,
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Opens (or reopens) a buffer and returns it.
    pub fn open(&self, uri: &str, path: Option<PathBuf>, version: i32, text: String) -> Arc<Document> {
        let mut st = self.lock();
        let kind = path.as_deref().and_then(|p| classify(&st.rules, &st.roots, p));
        let text: Arc<str> = Arc::from(text);
        let doc = Arc::new(Document {
            uri: uri.to_string(),
            path,
            version,
            index: Arc::new(LineIndex::new(&text)),
            text,
            kind,
            yaml_cache: YamlCache::default(),
            shell_memo: Arc::default(),
        });
        Arc::make_mut(&mut st.docs).insert(uri.to_string(), doc.clone());
        doc
    }

    /// Applies a batch of changes in order and returns the new document.
    pub fn change(
        &self,
        uri: &str,
        version: i32,
        changes: &[TextChange],
        enc: Encoding,
    ) -> Result<Arc<Document>, ChangeError> {
        let mut st = self.lock();
        let old = st.docs.get(uri).ok_or(ChangeError::NotOpen)?;
        if version <= old.version {
            return Err(ChangeError::StaleVersion { current: old.version, got: version });
        }
        // Everything before the last full-text change is irrelevant.
        let first = changes.iter().rposition(|c| c.range.is_none()).unwrap_or(0);
        let changes = &changes[first..];
        // The current text lives in the tree while there is one (no second copy to edit).
        let (mut cur, mut index) = match changes.first() {
            Some(TextChange { range: None, text }) => (Current::Text(text.clone()), LineIndex::new(text)),
            _ => {
                let cur = match is_yaml(old.kind).then(|| old.yaml_cache.take()).flatten() {
                    Some(tree) => Current::Tree(tree),
                    None => Current::Text(old.text.to_string()),
                };
                (cur, (*old.index).clone())
            }
        };
        let ranged = if changes.first().is_some_and(|c| c.range.is_none()) { &changes[1..] } else { changes };
        for change in ranged {
            let Some((start, end)) = change.range else { continue };
            let a = index.to_offset(cur.text(), start, enc);
            let b = index.to_offset(cur.text(), end, enc);
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            cur = match cur {
                // When only a full parse will do, leave it to the first reader (off this thread).
                Current::Tree(t) => match crate::yaml::try_reparse(t, Span::new(a, b), &change.text) {
                    Ok(t) => Current::Tree(t),
                    Err(text) => Current::Text(text),
                },
                Current::Text(mut text) => {
                    text.replace_range(a..b, &change.text);
                    Current::Text(text)
                }
            };
            index.edit(cur.text(), a, b, change.text.len());
        }
        debug_assert!(index == LineIndex::new(cur.text()));
        let text: Arc<str> = Arc::from(cur.text());
        let tree = match cur {
            Current::Tree(t) => Some(t),
            Current::Text(_) => None,
        };
        let doc = Arc::new(Document {
            uri: old.uri.clone(),
            path: old.path.clone(),
            version,
            text,
            index: Arc::new(index),
            kind: old.kind,
            yaml_cache: YamlCache::with(tree),
            shell_memo: old.shell_memo.clone(),
        });
        Arc::make_mut(&mut st.docs).insert(uri.to_string(), doc.clone());
        Ok(doc)
    }

    pub fn close(&self, uri: &str) -> Option<Arc<Document>> {
        Arc::make_mut(&mut self.lock().docs).remove(uri)
    }

    pub fn get(&self, uri: &str) -> Option<Arc<Document>> {
        self.lock().docs.get(uri).cloned()
    }

    /// Every open document, in no particular order.
    pub fn documents(&self) -> Vec<Arc<Document>> {
        self.lock().docs.values().cloned().collect()
    }

    pub fn snapshot(&self) -> Snapshot {
        let st = self.lock();
        Snapshot { docs: st.docs.clone(), roots: st.roots.clone(), settings: st.settings.clone() }
    }

    pub fn settings(&self) -> Arc<Settings> {
        self.lock().settings.clone()
    }

    /// Replaces the settings and reclassifies the open documents.
    pub fn set_settings(&self, settings: Settings) {
        let mut st = self.lock();
        st.rules = Arc::new(settings.kind_rules());
        st.settings = Arc::new(settings);
        reclassify(&mut st);
    }

    pub fn roots(&self) -> Vec<PathBuf> {
        self.lock().roots.to_vec()
    }

    /// Replaces the workspace roots and reclassifies the open documents.
    pub fn set_roots(&self, roots: Vec<PathBuf>) {
        let mut st = self.lock();
        st.roots = Arc::new(roots);
        reclassify(&mut st);
    }

    /// Adds and removes workspace roots and reclassifies the open documents.
    pub fn update_roots(&self, added: Vec<PathBuf>, removed: &[PathBuf]) {
        let mut st = self.lock();
        let mut roots: Vec<PathBuf> = st.roots.iter().filter(|r| !removed.contains(r)).cloned().collect();
        for r in added {
            if !roots.contains(&r) {
                roots.push(r);
            }
        }
        st.roots = Arc::new(roots);
        reclassify(&mut st);
    }

    /// The kind `path` would have if it were opened now.
    pub fn classify(&self, path: &Path) -> Option<FileKind> {
        let st = self.lock();
        classify(&st.rules, &st.roots, path)
    }
}

fn classify(rules: &KindRules, roots: &[PathBuf], path: &Path) -> Option<FileKind> {
    let root = roots.iter().filter(|r| path.starts_with(r)).max_by_key(|r| r.as_os_str().len());
    let rel = root.and_then(|r| path.strip_prefix(r).ok());
    rules.classify(path, rel)
}

fn reclassify(st: &mut State) {
    let rules = st.rules.clone();
    let roots = st.roots.clone();
    for doc in Arc::make_mut(&mut st.docs).values_mut() {
        let kind = doc.path.as_deref().and_then(|p| classify(&rules, &roots, p));
        if kind != doc.kind {
            Arc::make_mut(doc).kind = kind;
        }
    }
}

impl Snapshot {
    pub fn get(&self, uri: &str) -> Option<&Arc<Document>> {
        self.docs.get(uri)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Every open document.
    pub fn documents(&self) -> impl Iterator<Item = &Arc<Document>> {
        self.docs.values()
    }

    /// The open document at `path`, if any.
    pub fn by_path(&self, path: &Path) -> Option<&Arc<Document>> {
        self.docs.values().find(|d| d.path.as_deref() == Some(path))
    }
}

impl Workspace for Snapshot {
    fn read_text(&self, path: &Path) -> Option<Arc<str>> {
        if let Some(doc) = self.by_path(path) {
            return Some(doc.text.clone());
        }
        crate::workspace::read_regular_text(path)
    }

    fn roots(&self) -> Vec<PathBuf> {
        self.roots.to_vec()
    }
}

impl Workspace for Store {
    fn read_text(&self, path: &Path) -> Option<Arc<str>> {
        self.snapshot().read_text(path)
    }

    fn roots(&self) -> Vec<PathBuf> {
        Store::roots(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::ParamsFormat;

    fn lc(line: u32, col: u32) -> LineCol {
        LineCol { line, col }
    }

    fn ranged(a: LineCol, b: LineCol, text: &str) -> TextChange {
        TextChange { range: Some((a, b)), text: text.to_string() }
    }

    #[test]
    fn batch_applies_in_order_and_rejects_regressions() {
        let store = Store::new();
        store.open("file:///w/params.yaml", Some("/w/params.yaml".into()), 1, "a: 1\nb: 2\n".into());
        let doc = store
            .change(
                "file:///w/params.yaml",
                2,
                &[ranged(lc(0, 3), lc(0, 4), "10"), ranged(lc(1, 0), lc(1, 1), "c")],
                Encoding::Utf16,
            )
            .unwrap();
        assert_eq!(&*doc.text, "a: 10\nc: 2\n");
        assert_eq!(doc.version, 2);
        let err =
            store.change("file:///w/params.yaml", 2, &[ranged(lc(0, 0), lc(0, 0), "x")], Encoding::Utf16);
        assert_eq!(err, Err(ChangeError::StaleVersion { current: 2, got: 2 }));
        assert_eq!(&*store.get("file:///w/params.yaml").unwrap().text, "a: 10\nc: 2\n");
        let err = store.change("file:///w/other.yaml", 5, &[], Encoding::Utf16);
        assert_eq!(err, Err(ChangeError::NotOpen));
    }

    #[test]
    fn full_change_then_ranged_change_in_one_batch() {
        let store = Store::new();
        store.open("u", None, 1, "old".into());
        let doc = store
            .change(
                "u",
                3,
                &[
                    ranged(lc(0, 0), lc(0, 1), "zz"),
                    TextChange { range: None, text: "héllo\nwörld".into() },
                    ranged(lc(1, 1), lc(1, 3), "o"),
                ],
                Encoding::Utf8,
            )
            .unwrap();
        assert_eq!(&*doc.text, "héllo\nworld");
        // The index matches the final text.
        assert_eq!(*doc.index, LineIndex::new("héllo\nworld"));
    }

    #[test]
    fn edits_carry_the_parsed_yaml_over() {
        let store = Store::new();
        store.set_roots(vec!["/w".into()]);
        let uri = "file:///w/params.yaml";
        let text = "a:\r\n  b: 1\r\n  c: \"é\"\r\nd:\r\n  - x\r\n";
        store.open(uri, Some("/w/params.yaml".into()), 1, text.into());
        let doc = store.get(uri).unwrap();
        assert_eq!(*doc.yaml().unwrap(), crate::yaml::parse(text));
        // Typing in a value, a batch of two edits (the second in UTF-16 units after the
        // first), an edit that changes structure, then a full replacement.
        let batches: Vec<Vec<TextChange>> = vec![
            vec![ranged(lc(1, 6), lc(1, 6), "2")],
            vec![ranged(lc(2, 6), lc(2, 6), "漢"), ranged(lc(2, 7), lc(2, 7), "x")],
            vec![ranged(lc(3, 2), lc(3, 2), " [y]\n\tz")],
            vec![ranged(lc(0, 0), lc(1, 0), "")],
            vec![TextChange { range: None, text: "k: v\n".into() }, ranged(lc(0, 3), lc(0, 4), "w")],
        ];
        for (i, batch) in batches.iter().enumerate() {
            let doc = store.change(uri, i as i32 + 2, batch, Encoding::Utf16).unwrap();
            assert_eq!(*doc.yaml().unwrap(), crate::yaml::parse(&doc.text), "batch {i}: {:?}", doc.text);
            assert_eq!(*doc.index, LineIndex::new(&doc.text));
        }
        assert_eq!(&*store.get(uri).unwrap().text, "k: w\n");
    }

    #[test]
    fn kinds_follow_roots_and_settings() {
        let store = Store::new();
        store.set_roots(vec!["/w".into()]);
        let p = PathBuf::from("/w/conf/train.yaml");
        store.open("file:///w/conf/train.yaml", Some(p.clone()), 1, String::new());
        assert_eq!(store.get("file:///w/conf/train.yaml").unwrap().kind, None);
        let snap = store.snapshot();
        store.set_settings(Settings { params_globs: vec!["conf/*.yaml".into()], ..Settings::default() });
        assert_eq!(
            store.get("file:///w/conf/train.yaml").unwrap().kind,
            Some(FileKind::Params(ParamsFormat::Yaml))
        );
        // Snapshots taken earlier are unaffected.
        assert_eq!(snap.get("file:///w/conf/train.yaml").unwrap().kind, None);
        assert_eq!(store.classify(Path::new("/w/dvc.yaml")), Some(FileKind::DvcYaml));
    }

    #[test]
    fn open_buffers_win_over_disk() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("params.yaml");
        std::fs::write(&p, "lr: 1\n").unwrap();
        let store = Store::new();
        assert_eq!(store.read_text(&p).as_deref(), Some("lr: 1\n"));
        store.open("file:///x", Some(p.clone()), 1, "lr: 2\n".into());
        assert_eq!(store.read_text(&p).as_deref(), Some("lr: 2\n"));
        store.close("file:///x");
        assert_eq!(store.read_text(&p).as_deref(), Some("lr: 1\n"));
    }
}
