//! Editor features over a small DVC project in a temp dir: hover, definition,
//! references, rename, outline, completion, params-file diagnostics.

use std::path::{Path, PathBuf};

use cml_lsp::analysis::FileInput;
use cml_lsp::config::Settings;
use cml_lsp::diag::Span;
use cml_lsp::kind::{FileKind, ParamsFormat};
use cml_lsp::params::api;
use cml_lsp::params::git::HeadReader;
use cml_lsp::workspace::DiskWorkspace;

const PARAMS: &str = "train:\n  lr: 0.01\n  epochs: 3\nunused: 1\n";
const DVC: &str = "stages:\n  fit:\n    cmd: python fit.py --lr ${train.lr}\n    params:\n      - train.lr\n      - train.epochs\n";

struct FakeHead(&'static str);
impl HeadReader for FakeHead {
    fn head_text(&self, _: &Path) -> Option<String> {
        Some(self.0.to_string())
    }
}

fn project() -> (tempfile::TempDir, PathBuf, PathBuf, DiskWorkspace) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("params.yaml");
    let d = dir.path().join("dvc.yaml");
    std::fs::write(&p, PARAMS).unwrap();
    std::fs::write(&d, DVC).unwrap();
    let ws = DiskWorkspace { roots: vec![dir.path().to_path_buf()] };
    (dir, p, d, ws)
}

fn at(text: &str, needle: &str) -> usize {
    text.find(needle).unwrap()
}

#[test]
fn hover_shows_value_head_value_and_file() {
    let (_t, _p, d, ws) = project();
    let input = FileInput::new(&d, DVC, FileKind::DvcYaml);
    let off = at(DVC, "train.lr\n") + 7;
    let h = api::hover_with(&input, &ws, off, &FakeHead("train:\n  lr: 0.1\n")).unwrap();
    assert_eq!(h.markdown, "`train.lr` = `0.01` (float)\n\nin `params.yaml`\n\nat HEAD: `0.1`");
    assert_eq!(h.span, Span::new(at(DVC, "train.lr\n") + 6, at(DVC, "train.lr\n") + 8));
}

#[test]
fn hover_on_params_key_lists_stages() {
    let (_t, p, _d, ws) = project();
    let input = FileInput::new(&p, PARAMS, FileKind::Params(ParamsFormat::Yaml));
    let h = api::hover_with(&input, &ws, at(PARAMS, "epochs"), &FakeHead(PARAMS)).unwrap();
    assert_eq!(h.markdown, "`train.epochs` = `3` (int)\n\nin `params.yaml`\n\nused by: `fit`");
}

#[test]
fn definition_from_interpolation_and_params_entry() {
    let (_t, p, d, ws) = project();
    let input = FileInput::new(&d, DVC, FileKind::DvcYaml);
    let lr = Span::new(at(PARAMS, "lr"), at(PARAMS, "lr") + 2);
    let got = api::definition(&input, &ws, &Settings::default(), at(DVC, "${train.lr}") + 9);
    assert_eq!(got, vec![cml_lsp::ide::Location { path: p.clone(), span: lr }]);
    let got = api::definition(&input, &ws, &Settings::default(), at(DVC, "train.epochs") + 1);
    let tr = Span::new(0, 5);
    assert_eq!(got, vec![cml_lsp::ide::Location { path: p, span: tr }]);
}

#[test]
fn references_and_rename_across_files() {
    let (_t, p, d, ws) = project();
    let input = FileInput::new(&p, PARAMS, FileKind::Params(ParamsFormat::Yaml));
    let off = at(PARAMS, "lr");
    let refs = api::references(&input, &ws, &Settings::default(), off, false);
    let s1 = at(DVC, "${train.lr}") + 8;
    let s2 = at(DVC, "train.lr\n") + 6;
    let mut want = vec![
        cml_lsp::ide::Location { path: d.clone(), span: Span::new(s1, s1 + 2) },
        cml_lsp::ide::Location { path: d.clone(), span: Span::new(s2, s2 + 2) },
    ];
    want.sort();
    assert_eq!(refs, want);
    let edit = api::rename(&input, &ws, &Settings::default(), off, "learning_rate").unwrap();
    let mut files = edit.files;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(files.len(), 2);
    let spans = |f: &(PathBuf, Vec<cml_lsp::diag::TextEdit>)| {
        f.1.iter().map(|e| (e.span, e.new_text.clone())).collect::<Vec<_>>()
    };
    let dvc = files.iter().find(|f| f.0 == d).unwrap();
    assert_eq!(
        spans(dvc),
        vec![
            (Span::new(s1, s1 + 2), "learning_rate".to_string()),
            (Span::new(s2, s2 + 2), "learning_rate".to_string())
        ]
    );
    let par = files.iter().find(|f| f.0 == p).unwrap();
    assert_eq!(spans(par), vec![(Span::new(off, off + 2), "learning_rate".to_string())]);
    assert!(api::rename(&input, &ws, &Settings::default(), off, "a.b").is_err());
}

#[test]
fn params_file_diagnostics() {
    let (_t, p, _d, ws) = project();
    let input = FileInput::new(&p, PARAMS, FileKind::Params(ParamsFormat::Yaml));
    let mut settings = Settings::default();
    settings.diagnostics.unused_params = true;
    let diags = api::analyze_with(&input, &ws, &settings, &FakeHead("train:\n  lr: 0.01\n  epochs: three\n"));
    let got: Vec<(&str, &str, String)> =
        diags.iter().map(|d| (d.code, &PARAMS[d.span.start..d.span.end], d.message.clone())).collect();
    assert_eq!(
        got,
        vec![
            (
                "params-type-changed",
                "3",
                "'train.epochs' is int here but string at HEAD (\"three\")".to_string()
            ),
            ("params-unused", "unused", "'unused' is not used by any dvc.yaml stage".to_string()),
        ]
    );
}

#[test]
fn outline_and_completion() {
    let (_t, p, d, ws) = project();
    let input = FileInput::new(&p, PARAMS, FileKind::Params(ParamsFormat::Yaml));
    let syms = api::symbols(&input, &ws, &Settings::default());
    assert_eq!(syms.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), vec!["train", "unused"]);
    assert_eq!(
        syms[0].children.iter().map(|s| (s.name.as_str(), s.detail.as_deref())).collect::<Vec<_>>(),
        vec![("lr", Some("0.01")), ("epochs", Some("3"))]
    );
    let text = "stages:\n  fit:\n    cmd: echo ${tr}\n";
    let input = FileInput::new(&d, text, FileKind::DvcYaml);
    let c = api::completion(&input, &ws, &Settings::default(), at(text, "tr}") + 2);
    let labels: Vec<&str> = c.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, vec!["train", "train.lr", "train.epochs", "unused", "item", "key"]);
    assert_eq!(c[0].replace, Span::new(at(text, "tr}"), at(text, "tr}") + 2));
}

/// The default type check reads HEAD with git2; a new commit is seen on the next
/// keystroke, and the editor's tree (the keystroke path) gives what the CLI path gives.
#[test]
fn type_check_follows_new_commits() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("params.yaml");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    let ws = DiskWorkspace { roots: vec![dir.path().to_path_buf()] };
    let now = "train:\n  lr: 0.01\n  epochs: 3\n";
    let tree = cml_lsp::yaml::parse(now);
    let kind = FileKind::Params(ParamsFormat::Yaml);
    let run = |yaml| {
        let input = FileInput { yaml, ..FileInput::new(&p, now, kind) };
        api::analyze(&input, &ws, &Settings::default())
            .into_iter()
            .map(|d| (now[d.span.start..d.span.end].to_string(), d.message))
            .collect::<Vec<_>>()
    };
    git(&["init", "-q"]);
    for (committed, want) in [
        (
            "train:\n  lr: 0.01\n  epochs: three\n",
            vec![("3", "'train.epochs' is int here but string at HEAD (\"three\")")],
        ),
        (
            "train:\n  lr: [1]\n  epochs: 3\n",
            vec![("0.01", "'train.lr' is float here but list at HEAD ([1])")],
        ),
        (now, vec![]),
    ] {
        std::fs::write(&p, committed).unwrap();
        git(&["add", "params.yaml"]);
        git(&["commit", "-qm", "params"]);
        let want: Vec<(String, String)> =
            want.into_iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(run(Some(&tree)), want, "committed:\n{committed}");
        assert_eq!(run(None), want, "committed:\n{committed}");
    }
}

/// HEAD's copy is read once per id, and not parsed for a file opened unmodified.
#[test]
fn head_copy_is_read_once_per_commit_and_skipped_when_unmodified() {
    use cml_lsp::params::index;
    use std::cell::Cell;
    struct Counting {
        text: &'static str,
        id: &'static str,
        reads: Cell<usize>,
    }
    impl HeadReader for Counting {
        fn head_text(&self, _: &Path) -> Option<String> {
            self.reads.set(self.reads.get() + 1);
            Some(self.text.to_string())
        }
        fn head_id(&self, _: &Path) -> Option<String> {
            Some(self.id.to_string())
        }
    }
    let path = Path::new("/nonexistent/head-cache/params.yaml");
    let head = Counting { text: "lr: 1\n", id: "blob:1", reads: Cell::new(0) };
    // Unmodified: compared by text, not parsed, nothing cached.
    assert!(index::load_head_unless_same(path, &head, "lr: 1\n").is_none());
    assert_eq!(head.reads.get(), 1);
    // Edited: parsed once, then served from the cache while the id stays.
    for _ in 0..3 {
        let doc = index::load_head_unless_same(path, &head, "lr: 2\n").expect("HEAD's copy");
        assert_eq!(&*doc.text, "lr: 1\n");
    }
    assert_eq!(head.reads.get(), 2);
    // A new commit: a new id, read again.
    let head = Counting { text: "lr: x\n", id: "blob:2", reads: Cell::new(0) };
    let doc = index::load_head(path, &head).expect("HEAD's copy");
    assert_eq!((&*doc.text, head.reads.get()), ("lr: x\n", 1));
}
