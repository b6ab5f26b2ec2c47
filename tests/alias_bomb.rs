//! "Billion laughs": aliases of aliases expand exponentially. dvc.yaml and params
//! analysis expand aliases (JSON Schema validation, interpolation, foreach, hover), so the
//! params tree caps the expanded size and reports the alias where it stops. Each case must
//! finish well under a second even in a debug build: the 26-level bomb expands to 9^26
//! nodes, so any exponential walk left would not.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cml_lsp::analysis::FileInput;
use cml_lsp::config::Settings;
use cml_lsp::diag::{Severity, Span};
use cml_lsp::kind::{FileKind, ParamsFormat};
use cml_lsp::params::api;
use cml_lsp::params::git::HeadReader;
use cml_lsp::workspace::DiskWorkspace;

mod project_support;
use project_support::project;

/// `a: &a ["lol" x9]`, `b: &b [*a x9]`, ... `z: &z [*y x9]`, one entry per line.
fn bomb_lines(indent: &str) -> String {
    let letters: Vec<char> = ('a'..='z').collect();
    let mut out = format!("{indent}a: &a [{}]\n", ["\"lol\""; 9].join(","));
    for w in letters.windows(2) {
        out.push_str(&format!("{indent}{}: &{} [{}]\n", w[1], w[1], vec![format!("*{}", w[0]); 9].join(",")));
    }
    out
}

const MSG: &str = "aliases expand to more than 100000 nodes; not expanded further";

/// Where the expansion first exceeds 100,000 nodes: at the first `*e` of `f` (a: 10 nodes,
/// b: 91, c: 820, d: 7,381, e: 66,430; the 26 written lists before it hold 141 nodes).
fn cut_span(text: &str) -> Span {
    let start = text.find("*e").unwrap();
    Span::new(start, start + 2)
}

struct Head(String);
impl HeadReader for Head {
    fn head_text(&self, _: &Path) -> Option<String> {
        Some(self.0.clone())
    }
}

type Got = (&'static str, Severity, Span, String);

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    let took = t.elapsed();
    assert!(took < Duration::from_secs(1), "{what} took {took:?}");
    out
}

fn analyze(ws: &DiskWorkspace, path: &Path, text: &str, kind: FileKind, settings: &Settings) -> Vec<Got> {
    let got = |input: &FileInput<'_>| -> Vec<Got> {
        timed("analysis", || api::analyze_with(input, ws, settings, &Head(text.to_string())))
            .into_iter()
            .map(|d| (d.code, d.severity, d.span, d.message))
            .collect()
    };
    let read = got(&FileInput::new(path, text, kind));
    // The same through the editor's path, which hands over its parsed tree.
    let tree = cml_lsp::yaml::parse(text);
    assert_eq!(got(&FileInput { yaml: Some(&tree), ..FileInput::new(path, text, kind) }), read);
    read
}

#[test]
fn dvc_yaml_bomb_is_cut_at_one_alias() {
    let text = format!("{}stages:\n  s:\n    cmd: echo hi\n", bomb_lines(""));
    let (dir, ws) = project(&[("dvc.yaml", &text)]);
    let path = dir.path().join("dvc.yaml");
    assert_eq!(
        analyze(&ws, &path, &text, FileKind::DvcYaml, &Settings::default()),
        vec![("yaml-syntax", Severity::Error, cut_span(&text), MSG.to_string())]
    );
}

#[test]
fn dvc_yaml_bomb_in_vars_is_cut() {
    let text = format!(
        "vars:\n  - {}stages:\n  s:\n    cmd: echo ${{z}} ${{y.0.0}}\n",
        bomb_lines("    ").trim_start()
    );
    let (dir, ws) = project(&[("dvc.yaml", &text)]);
    let path = dir.path().join("dvc.yaml");
    let z = text.find("${z}").unwrap();
    assert_eq!(
        analyze(&ws, &path, &text, FileKind::DvcYaml, &Settings::default()),
        vec![
            ("yaml-syntax", Severity::Error, cut_span(&text), MSG.to_string()),
            // `z` is a list whatever its items; `y.0.0` lies below a cut alias: not reported.
            (
                "dvc-interp-type",
                Severity::Error,
                Span::new(z, z + 4),
                "cannot interpolate a list into 'cmd'".to_string()
            ),
        ]
    );
}

#[test]
fn params_bomb_used_by_dvc_yaml_and_schema() {
    let params = bomb_lines("");
    let dvc = "stages:\n  s:\n    foreach: ${z}\n    do:\n      cmd: echo ${item} ${y.1.2}\n  t:\n    cmd: echo\n    params:\n      - z\n      - y.1.2\n";
    let schema = r#"{"type": "object", "additionalProperties": {"type": "array", "items": {"type": ["array", "string"]}}}"#;
    let (dir, ws) = project(&[("params.yaml", &params), ("dvc.yaml", dvc), ("schema.json", schema)]);
    let mut settings = Settings::default();
    settings.params.schemas.insert("params.yaml".into(), "schema.json".into());
    let p = dir.path().join("params.yaml");
    let kind = FileKind::Params(ParamsFormat::Yaml);
    assert_eq!(
        analyze(&ws, &p, &params, kind, &settings),
        vec![("yaml-syntax", Severity::Error, cut_span(&params), MSG.to_string())]
    );
    // dvc.yaml reads the cut tree: `z` is a list of nulls past the cut, and what lies
    // below a cut alias (`y.1.2`) is not reported missing.
    let d = dir.path().join("dvc.yaml");
    assert_eq!(analyze(&ws, &d, dvc, FileKind::DvcYaml, &settings), vec![]);
}

#[test]
fn hover_completion_and_outline_on_a_bomb() {
    let params = bomb_lines("");
    let dvc = "stages:\n  s:\n    cmd: echo ${z}\n    params:\n      - z\n";
    let (dir, ws) = project(&[("params.yaml", &params), ("dvc.yaml", dvc)]);
    let p = dir.path().join("params.yaml");
    let d = dir.path().join("dvc.yaml");
    let head = Head(params.clone());
    let input = FileInput::new(&p, &params, FileKind::Params(ParamsFormat::Yaml));
    let z = params.find("z:").unwrap();
    let h = timed("hover on z", || api::hover_with(&input, &ws, z, &head)).unwrap();
    assert_eq!(
        h.markdown,
        "`z` = `[null, null, null, null, null, null, null, null, null]` (list)\n\nin `params.yaml`\n\nused by: `s`"
    );
    let syms = timed("outline", || api::symbols(&input, &ws, &Settings::default()));
    assert_eq!(syms.len(), 26);
    let dinput = FileInput::new(&d, dvc, FileKind::DvcYaml);
    let off = dvc.find("${z}").unwrap() + 3;
    let h = timed("hover on ${z}", || api::hover_with(&dinput, &ws, off, &head)).unwrap();
    assert!(h.markdown.contains("(list)\n\nin `params.yaml`"), "{}", h.markdown);
    let c = timed("completion", || api::completion(&dinput, &ws, &Settings::default(), off));
    // Completion lists key paths up to its own limit of 5,000, plus `item` and `key`.
    assert!(c.len() <= 5_002, "{}", c.len());
    assert_eq!(c[0].label, "a");
}

/// A foreach over many items with many `${item...}` references checks each reference
/// against every item; the work is capped, past it references are accepted.
#[test]
fn foreach_items_times_references_is_bounded() {
    let mut params = String::from("xs:\n");
    for i in 0..20_000 {
        params.push_str(&format!("  - {{x: {i}}}\n"));
    }
    let refs = vec!["${item.x}"; 2_000].join(" ");
    let dvc = format!("stages:\n  s:\n    foreach: ${{xs}}\n    do:\n      cmd: \"{refs} ${{item.y}}\"\n");
    let (dir, ws) = project(&[("params.yaml", &params), ("dvc.yaml", &dvc)]);
    let d: PathBuf = dir.path().join("dvc.yaml");
    let input = FileInput::new(&d, &dvc, FileKind::DvcYaml);
    let t = Instant::now();
    let got = api::analyze_with(&input, &ws, &Settings::default(), &Head(String::new()));
    // Before the cap: 40 million lookups (minutes in a debug build).
    assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());
    assert_eq!(got, vec![]);
}
