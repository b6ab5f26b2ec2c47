//! The keystroke path of the type check against HEAD (`type_changes_plain`, over the
//! editor's YAML tree, skipping what is unchanged) against the model path
//! (`type_changes`), on random plain params files and random edits of them.

use std::path::Path;
use std::sync::Arc;

use super::{plain_yaml, type_changes, type_changes_plain};
use crate::diag::Diagnostic;
use crate::params::index::ParamsDoc;
use crate::yaml::tests::Rng;

const SCALARS: &[&str] = &[
    "1",
    "0.5",
    "1e-3",
    "true",
    "False",
    "null",
    "~",
    "abc",
    "\"3\"",
    "'x'",
    "!!str 4",
    "[1, 2]",
    "{a: 1}",
    "",
    "2024-01-01",
    ".inf",
    "0x1F",
    "|\n      text",
    "- 1",
];
const KEYS: &[&str] = &["lr", "epochs", "model", "a", "b", "\"q\"", "k1", "lr"];

fn value(rng: &mut Rng, depth: usize, indent: usize, out: &mut String) {
    if depth < 3 && rng.below(3) == 0 {
        if rng.below(2) == 0 {
            for _ in 0..1 + rng.below(4) {
                out.push('\n');
                out.push_str(&" ".repeat(indent + 2));
                out.push_str(KEYS[rng.below(KEYS.len())]);
                out.push(':');
                value(rng, depth + 1, indent + 2, out);
            }
        } else {
            for _ in 0..1 + rng.below(3) {
                out.push('\n');
                out.push_str(&" ".repeat(indent + 2));
                out.push('-');
                value(rng, depth + 1, indent + 2, out);
            }
        }
    } else {
        out.push(' ');
        out.push_str(SCALARS[rng.below(SCALARS.len())]);
        if rng.below(5) == 0 {
            out.push_str("  # note");
        }
    }
}

fn document(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..1 + rng.below(6) {
        out.push_str(KEYS[rng.below(KEYS.len())]);
        out.push(':');
        value(rng, 0, 0, &mut out);
        out.push('\n');
    }
    out
}

fn edit(rng: &mut Rng, text: &str) -> String {
    const BITS: &[&str] =
        &["1", "x", ".", " ", "\n", "  ", ":", "- ", "\"", "[", "]", "{", "}", ",", "#", "k: 2\n"];
    let mut t = text.to_string();
    for _ in 0..1 + rng.below(3) {
        let mut at = rng.below(t.len() + 1);
        while !t.is_char_boundary(at) {
            at -= 1;
        }
        if rng.below(2) == 0 && at < t.len() {
            let mut end = (at + 1 + rng.below(4)).min(t.len());
            while !t.is_char_boundary(end) {
                end += 1;
            }
            t.replace_range(at..end, "");
        } else {
            t.insert_str(at, BITS[rng.below(BITS.len())]);
        }
    }
    t
}

fn with_model(text: &str, old: &ParamsDoc) -> Vec<Diagnostic> {
    let doc = ParamsDoc::parse(Path::new("params.yaml"), Arc::from(text));
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (doc.tree.root, old.tree.root) {
        type_changes(&doc.tree, a, &old.tree, b, &mut Vec::new(), &mut out);
    }
    out
}

fn with_tree(text: &str, old: &ParamsDoc) -> Vec<Diagnostic> {
    let y = crate::yaml::parse(text);
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (y.docs.iter().find_map(|d| d.root), old.tree.root) {
        type_changes_plain(&y, a, old, b, &mut Vec::new(), &mut out);
    }
    out
}

#[test]
fn the_keystroke_path_agrees_with_the_model_path() {
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let (mut compared, mut hinted) = (0, 0);
    for _ in 0..4000 {
        let head = document(&mut rng);
        let now = if rng.below(4) == 0 { document(&mut rng) } else { edit(&mut rng, &head) };
        if !plain_yaml(&head) || !plain_yaml(&now) {
            continue;
        }
        let old = ParamsDoc::parse(Path::new("params.yaml"), Arc::from(head.as_str()));
        let want = with_model(&now, &old);
        assert_eq!(with_tree(&now, &old), want, "HEAD:\n{head}\nnow:\n{now}");
        compared += 1;
        hinted += usize::from(!want.is_empty());
    }
    // The generator exercises both outcomes.
    assert!(compared > 3000 && hinted > 500, "{compared} compared, {hinted} with hints");
}

#[test]
fn unchanged_collections_are_skipped_and_moved_keys_still_found() {
    let head = "a:\n  x: 1\n  y: [1, 2]\nb: s\nc: 3\n";
    let old = ParamsDoc::parse(Path::new("params.yaml"), Arc::from(head));
    // `b` moved after `c`, `a.y.1` became a string, `c` a map.
    let now = "a:\n  x: 1\n  y: [1, \"2\"]\nc:\n  d: 1\nb: s\n";
    let got: Vec<(String, String)> = with_tree(now, &old)
        .iter()
        .map(|d| (now[d.span.start..d.span.end].to_string(), d.message.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("\"2\"".to_string(), "'a.y.1' is string here but int at HEAD (2)".to_string()),
            ("d: 1".to_string(), "'c' is map here but int at HEAD (3)".to_string()),
        ]
    );
    assert_eq!(with_tree(now, &old), with_model(now, &old));
}

#[test]
fn anchors_and_merge_keys_take_the_model_path() {
    assert!(plain_yaml("a: 1\nb: 'x'\n"));
    assert!(!plain_yaml("base: &b {lr: 1}\nrun: *b\n"));
    assert!(!plain_yaml("run:\n  <<: {lr: 1}\n"));
    assert!(!plain_yaml("url: http://x?a=1&b=2\n"));
}

#[test]
fn only_the_last_of_duplicated_keys_is_compared() {
    let head = "a: 1\na: x\n";
    let old = ParamsDoc::parse(Path::new("params.yaml"), Arc::from(head));
    assert_eq!(with_model(head, &old), Vec::new());
    assert_eq!(with_tree(head, &old), Vec::new());
    let now = "a: x\na: 2\n";
    let got: Vec<(usize, String)> =
        with_model(now, &old).into_iter().map(|d| (d.span.start, d.message)).collect();
    assert_eq!(got, vec![(8, "'a' is int here but string at HEAD (\"x\")".to_string())]);
    assert_eq!(with_tree(now, &old), with_model(now, &old));
}
