//! Our side of the DVC conformance suite: for each case under tests/dvc_conformance/,
//! the errors we report over its project must be exactly the ones listed in its
//! `expected` file, and there must be some exactly when DVC rejects the project
//! (`tests/dvc_conformance/run.sh` checks that against real DVC).
//! `UPDATE_EXPECT=1` rewrites the error lines.

use std::path::{Path, PathBuf};

use cml_lsp::analysis::FileInput;
use cml_lsp::config::Settings;
use cml_lsp::diag::Severity;
use cml_lsp::kind::{FileKind, ParamsFormat};
use cml_lsp::params::api::analyze_with;
use cml_lsp::params::git::NoHead;
use cml_lsp::text::LineIndex;
use cml_lsp::workspace::{DiskWorkspace, Workspace};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn kind_of(p: &Path) -> Option<FileKind> {
    let name = p.file_name()?.to_str()?;
    if name == "dvc.yaml" {
        return Some(FileKind::DvcYaml);
    }
    match p.extension()?.to_str()? {
        "yaml" | "yml" => Some(FileKind::Params(ParamsFormat::Yaml)),
        "json" => Some(FileKind::Params(ParamsFormat::Json)),
        "toml" => Some(FileKind::Params(ParamsFormat::Toml)),
        _ => None,
    }
}

fn our_errors(project: &Path) -> Vec<String> {
    let ws = DiskWorkspace { roots: vec![project.to_path_buf()] };
    let mut all = Vec::new();
    files(project, &mut all);
    all.sort();
    let mut out = Vec::new();
    for p in all {
        let Some(kind) = kind_of(&p) else { continue };
        let text = ws.read_text(&p).expect("readable");
        let input = FileInput::new(&p, &text, kind);
        let idx = LineIndex::new(&text);
        for d in analyze_with(&input, &ws, &Settings::default(), &NoHead) {
            if d.severity != Severity::Error {
                continue;
            }
            let lc = idx.to_line_col(&text, d.span.start, cml_lsp::text::Encoding::Utf8);
            let rel = p.strip_prefix(project).unwrap().to_string_lossy().replace('\\', "/");
            out.push(format!(
                "{rel}:{}:{} {} {}",
                lc.line + 1,
                lc.col + 1,
                d.code,
                &text[d.span.start..d.span.end]
            ));
        }
    }
    out
}

#[test]
fn conformance_expectations_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dvc_conformance");
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 30);
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for case in cases {
        let expected_path = case.join("expected");
        let expected = std::fs::read_to_string(&expected_path).unwrap();
        let mut lines = expected.lines();
        let head = lines.next().unwrap_or("").to_string();
        let want: Vec<String> = lines.filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
        let got = our_errors(&case.join("project"));
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        if update {
            let mut s = head.clone() + "\n";
            for g in &got {
                s.push_str(g);
                s.push('\n');
            }
            std::fs::write(&expected_path, s).unwrap();
        } else if got != want {
            failures.push(format!("{name}: expected {want:#?}\n got {got:#?}"));
        }
        let rejects = head.trim() == "dvc: reject";
        if rejects == got.is_empty() {
            failures.push(format!("{name}: DVC {head:?} but we report {} error(s)", got.len()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
