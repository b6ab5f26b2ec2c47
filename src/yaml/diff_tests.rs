//! Differential check: the hand-written parser against the tree-sitter reference on
//! valid inputs (fixtures, the repository's YAML files, generated workloads).

use std::path::Path;

use super::*;

fn reference(text: &str) -> Yaml {
    super::parse::parse(text)
}

/// One line per node, then docs, comments and problems.
fn dump(y: &Yaml) -> Vec<String> {
    let mut out = Vec::new();
    for (i, n) in y.nodes.iter().enumerate() {
        let kind = match &n.kind {
            NodeKind::Mapping(p) => format!("map {p:?}"),
            NodeKind::Sequence(s) => format!("seq {s:?}"),
            NodeKind::Scalar(s) => format!("{:?} {:?} {:?}", s.style, s.value, s.map),
            NodeKind::Alias { name, target } => format!("alias {name} {target:?}"),
            NodeKind::Null => "null".to_string(),
        };
        out.push(format!("node {i} {} {kind} {:?} {:?}", n.span, n.anchor(), n.tag()));
    }
    for d in &y.docs {
        out.push(format!("doc {} {:?}", d.span, d.root));
    }
    for c in &y.comments {
        out.push(format!("comment {}", c.span));
    }
    for p in &y.problems {
        out.push(format!("problem {:?} {} {}", p.kind, p.span, p.message));
    }
    out
}

/// `None` when both parsers agree (or the reference reports problems); else a report.
pub(crate) fn compare(name: &str, text: &str) -> Option<String> {
    let reference = reference(text);
    if reference.problems.iter().any(|p| p.kind == ProblemKind::Syntax) {
        return None;
    }
    let mine = parse(text);
    if mine == reference {
        return None;
    }
    let (a, b) = (dump(&reference), dump(&mine));
    let i = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    let ctx = |v: &[String]| v.get(i).map(|l| l.chars().take(300).collect::<String>()).unwrap_or_default();
    Some(format!("{name}:\n  reference: {}\n  mine:      {}\n", ctx(&a), ctx(&b)))
}

fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "node_modules" || n == "target") {
                continue;
            }
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml")
            || p.to_string_lossy().ends_with(".lock")
        {
            out.push(p);
        }
    }
}

pub(crate) const FIXTURES: &[&str] = &[
    "a: 1\nb:\n  - x\n  - &an {c: d, e}\n  - *an\n? k\n: v\nempty:\n",
    "k: a\n  b\n\n  c\n",
    "k: a  \n   b\n",
    "k: a\r\n  b\r\n\r\n\r\n  c\r\n",
    "k: 'it''s'",
    "k: ' a  \n   b \n\n  c '",
    "k: ''",
    "k: \"folded \nto a space,\t\n \nto a line feed, or \t\\\n \\ \tnon-content\"",
    "k: \" 1st non-empty\n\n 2nd non-empty \n\t3rd non-empty \"",
    "k: |\n  a\n\n  b\n\n\n",
    "k: |-\n  a\n\n  b\n\n\n",
    "k: |+\n  a\n\n  b\n\n\nz: 1\n",
    "k: |\n  a\n   b\n  c",
    "k: |\n\nz: 1\n",
    "k: |+\n\n\nz: 1\n",
    "- |\n detected\n- >\n \n  \n  # detected\n- |1\n  explicit\n- >\n \t\n detected\n",
    "k: |2-\n    x\n  y\n",
    "k: >+1\n  a\n b\n\n",
    ">\n\n folded\n line\n\n next\n line\n   * bullet\n\n   * list\n   * lines\n\n last\n line\n\n# Comment\n",
    "k: |\r\n  ab\r\n  c\r\n",
    "steps:\n  - run: |\n      cml runner launch \\\n        --cloud=aws\n",
    "name: a\nx: 1\nname: b\n",
    "m: {a: 1, 'a': 2, b: 3}\n",
    "- a: 1\n  a: 2\n- a: 3\n",
    "a: &x 1\nb: *x\nd: &self [*self]\n---\ne: 1\n",
    "---\n--- !t\n...\n--- !!str x\n...\n%YAML 1.2\n---\ny: 1 # c\n",
    "a: 1 # one\n# two\nb: 2\n",
    "\u{feff}a: 1\nb: |\n  x\n",
    "{a: [1, 'two', \"three\"], b: {c: d}, e, f: }\n",
    "[a: b, c]\n",
    "base: &b {x: 1, y: 2}\nother: &o {y: 3, z: 4}\nm:\n  <<: [*b, *o]\n  x: 10\n  w: 0\n",
    "a: &a\n  k: 1\nb: &s [*s]\n",
    "a:\nb: ~\nc: null\nd: 'null'\ne: [1]\nf: {}\n",
    "jobs:\n  train:\n    runs-on: ",
    "jobs:\n  train:\n    steps:\n      - run: cml runner launch --cl\n",
    "steps:\n  - name: a\n    ",
    "steps:\n  - ",
    "a: [1, b]",
    "a: {x: }",
    "---\na: 1\n---\nb: ",
    "# c\na: 1\n",
    "a: 1\n# trailing\n",
    "a:\n  - b\n  # inner\n  - c\n# out\n",
    "key:\n- a\n- b\nother: c\n",
    "- - a\n  - b\n- - c\n",
    "- key: v\n  other: w\n- k2: |\n    text\n  k3: x\n",
    "\"quoted key\": 1\n'single': 2\n",
    "a: [\n  1,\n  2,\n]\nb: {\n  x: 1, y: [a, b],\n}\n",
    "a: {\"x\":1, \"y\":[2]}\n",
    "? - a\n  - b\n: c\n",
    "a: !!str 1\nb: !custom\n  c: d\n",
    "- \n- x\n-\n",
    "a: b # comment\nc: 'd' # e\n",
    "a: &anchor\nb: *anchor\n",
    "...\n",
    "--- |\n  text\n",
    "--- >-\n  folded\n  text\n...\n",
    "a:\n  b:\n    c:\n      d: 1\n  e: 2\n",
    "k: 'a\n  b'\n",
    "k: \"a\\\n  b\"\n",
    "- [a, b]: c\n",
    "a: 1\n\n\nb: 2\n",
    "a:    \n  b: 1\n",
    "a: -1\nb: -x\nc: :x\nd: ?y\n",
    "url: http://x.y/z#frag\n",
    "k: v:w\n",
    "a: x\n  # not a comment? yes a comment\n",
    "- a\n-  b\n-   c: d\n    e: f\n",
    "a:\n  - b: 1\n    c: 2\n  - d\n",
    "top:\n  sub: |+\n    keep\n\n\n  next: 1\n",
    "k: |  # header comment\n  body\n",
    "seq:\n- a\n- b\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: 1\n...\n---\nb: 2\n",
    "empty_flow: []\nempty_map: {}\n",
    "k: [a, [b, [c, {d: e}]]]\n",
    "k: {a: {b: {c: [1, 2]}}}\n",
    "k: \"a\" \n",
    "k: >\n  a\n\n  b\n",
    "? a\n? b\n: c\n",
    "a:\n  ? x\n  : y\n",
    "env:\n  A: ${{ secrets.X }}\n  B: \"${{ github.sha }}\"\n",
    "on: [push, pull_request]\n",
    "k: a b  c\n",
    "k:\n  a\n  b\n",
    "- a\n  b\n- c\n",
    "a: 'x' # c\n# d\n",
    "x: |\n  a\n # less indented comment\n",
];

/// Generated workloads: workflows with `run: |` blocks, params trees with lists,
/// anchors and merges.
pub(crate) fn generated() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for jobs in [1usize, 7, 40] {
        let mut s = String::from("name: train\non:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n");
        for i in 0..jobs {
            s.push_str(&format!(
                "  job{i}: # job {i}\n    runs-on: [self-hosted, cml-gpu]\n    needs: [launch]\n    env:\n      REPO_TOKEN: ${{{{ secrets.TOKEN }}}}\n      N: {i}\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          fetch-depth: 0\n      - name: \"Launch {i}\"\n        run: |\n          cml runner launch \\\n            --cloud=aws --labels=cml-{i}\n\n          dvc repro\n      - run: >-\n          echo a\n          echo b\n      - name: 'single {i}'\n        if: github.event_name == 'push'\n        run: echo done\n"
            ));
        }
        out.push((format!("workflow-{jobs}"), s));
    }
    for n in [10usize, 200] {
        let mut s = String::from("defaults: &defaults\n  lr: 0.01\n  epochs: 10\n  layers: [64, 32]\n");
        for i in 0..n {
            s.push_str(&format!(
                "model_{i}:\n  <<: *defaults\n  name: m{i}\n  lr: {i}.5e-3\n  tags:\n    - a\n    - 'b {i}'\n    - {{k: v, n: {i}}}\n  nested:\n    deeper:\n      x: null\n      y: ~\n      z: \"q\\t{i}\"\n"
            ));
        }
        out.push((format!("params-{n}"), s));
    }
    out
}

fn repo_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    yaml_files(&root.join("examples"), &mut files);
    yaml_files(&root.join("tests"), &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            Some((p.strip_prefix(root).unwrap_or(&p).display().to_string(), text))
        })
        .collect()
}

#[test]
fn hand_parser_matches_reference_on_valid_inputs() {
    let mut inputs: Vec<(String, String)> =
        FIXTURES.iter().enumerate().map(|(i, f)| (format!("fixture {i} {f:?}"), f.to_string())).collect();
    inputs.extend(repo_files());
    inputs.extend(generated());
    let mut failures = String::new();
    let mut compared = 0;
    for (name, text) in &inputs {
        if reference(text).problems.is_empty() {
            compared += 1;
        }
        if let Some(d) = compare(name, text) {
            failures.push_str(&d);
        }
    }
    assert!(compared > 100, "only {compared} inputs compared");
    assert!(failures.is_empty(), "{failures}");
}

/// Local use: `YAML_DIFF_DIRS=dir1:dir2 cargo test --lib yaml::diff_tests::dirs -- --ignored --nocapture`.
#[test]
#[ignore]
fn dirs() {
    let mut files = Vec::new();
    for d in std::env::var("YAML_DIFF_DIRS").unwrap_or_default().split(':').filter(|d| !d.is_empty()) {
        yaml_files(Path::new(d), &mut files);
    }
    let mut failures = String::new();
    let mut skipped = 0;
    for p in &files {
        let Ok(text) = std::fs::read_to_string(p) else { continue };
        if text.lines().count() > 32_000 {
            skipped += 1;
            continue;
        }
        if let Some(d) = compare(&p.display().to_string(), &text) {
            failures.push_str(&d);
        }
    }
    assert!(failures.is_empty(), "{} files, {skipped} skipped\n{failures}", files.len());
}
