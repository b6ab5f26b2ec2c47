//! Format-preserving edits of YAML params text: only the bytes of the edited value change;
//! a new key is inserted after its mapping's last entry with the mapping's indentation.

use serde_json::Value;

use super::overrides::{resolve_plain, NewValue, Quote};
use super::text_util::{indent_unit, line_end, newline_of};
use crate::diag::Span;
use crate::yaml::{NodeId, NodeKind, ScalarStyle, Yaml};

/// Parses YAML text through the YAML layer.
pub fn parse(text: &str) -> Yaml {
    crate::yaml::parse(text)
}

/// Fails when the YAML layer reported a syntax problem.
pub fn parse_strict(text: &str) -> Result<Yaml, String> {
    let y = parse(text);
    if let Some(p) = y.problems.iter().find(|p| p.kind == crate::yaml::ProblemKind::Syntax) {
        let line = text[..p.span.start.min(text.len())].matches('\n').count() + 1;
        return Err(format!("not valid YAML (line {line}: {})", p.message));
    }
    // Aliases of aliases that expand exponentially ("billion laughs"): the diff would too.
    if crate::params::yaml_model::from_yaml(&y).tree.truncated {
        let budget = crate::params::yaml_model::expansion_budget(y.nodes.len());
        return Err(format!("not usable YAML: its aliases expand to more than {budget} nodes"));
    }
    Ok(y)
}

/// Refuses a file with a duplicated key: DVC rejects such YAML params files, so an
/// experiment could not run, and which copy to edit is anybody's guess.
fn refuse_duplicates(text: &str, y: &Yaml) -> Result<(), String> {
    let Some(p) = y.problems.iter().find(|p| p.kind == crate::yaml::ProblemKind::DuplicateKey) else {
        return Ok(());
    };
    let line_of = |off: usize| text[..off.min(text.len())].matches('\n').count() + 1;
    let key = &text[p.span.start.min(text.len())..p.span.end.min(text.len())];
    let first = p.first.map_or(String::new(), |f| format!("lines {} and ", line_of(f.start)));
    let lines = if first.is_empty() {
        format!("line {}", line_of(p.span.start))
    } else {
        format!("{first}{}", line_of(p.span.start))
    };
    Err(format!(
        "the key `{key}` is written twice ({lines}); DVC rejects YAML params files with duplicate keys: remove one first"
    ))
}

/// The plain data of a YAML document (core schema), for diffs.
pub fn to_value(y: &Yaml) -> Value {
    match y.docs.first().and_then(|d| d.root) {
        Some(root) => node_value(y, root, 0),
        None => Value::Null,
    }
}

fn node_value(y: &Yaml, id: NodeId, depth: usize) -> Value {
    if depth > 64 {
        return Value::Null;
    }
    let node = &y.nodes[id.0 as usize];
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Scalar(s) => {
            let tag = node.tag().map(|(t, _)| t.as_str());
            match (s.style, tag) {
                (_, Some("!!str")) => Value::String(s.value.clone()),
                (ScalarStyle::Plain, _) => resolve_plain(s.value.trim()),
                _ => Value::String(s.value.clone()),
            }
        }
        NodeKind::Sequence(items) => {
            Value::Array(items.iter().map(|i| node_value(y, *i, depth + 1)).collect())
        }
        NodeKind::Mapping(_) => {
            // The merged view: `<<` merges applied, the last of duplicated keys.
            let mut m = serde_json::Map::new();
            for (k, v) in &y.entries(id) {
                let key = match node_value(y, *k, depth + 1) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                m.insert(key, node_value(y, *v, depth + 1));
            }
            Value::Object(m)
        }
        NodeKind::Alias { target, .. } => match target {
            Some(t) => node_value(y, *t, depth + 1),
            None => Value::Null,
        },
    }
}

/// Sets `path` to `value` in `text`, keeping everything else byte for byte.
pub fn set(text: &str, path: &[String], nv: &NewValue) -> Result<String, String> {
    let y = parse_strict(text)?;
    refuse_duplicates(text, &y)?;
    let nl = newline_of(text);
    let Some(root) = y.docs.first().and_then(|d| d.root) else {
        // Empty document: append the key at the top level.
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(nl);
        }
        out.push_str(&render_new_entry(path, nv, "", &indent_unit(text), nl));
        out.push_str(nl);
        return Ok(out);
    };
    let mut cur = root;
    let mut key_of_cur: Option<NodeId> = None;
    for (i, seg) in path.iter().enumerate() {
        let here = || if i == 0 { "the top level".to_string() } else { format!("`{}`", path[..i].join(".")) };
        let node = &y.nodes[cur.0 as usize];
        match &node.kind {
            NodeKind::Mapping(pairs) => {
                // The last of duplicated keys wins (as in loaders); a key that only comes
                // from a `<<` merge is added here, overriding it without touching the anchor.
                let found = pairs.iter().rev().find(|(k, _)| scalar_text(&y, *k) == Some(seg.as_str()));
                match found {
                    Some((k, v)) => {
                        key_of_cur = Some(*k);
                        cur = *v;
                    }
                    None => {
                        if seg.parse::<usize>().is_ok() {
                            return Err(format!(
                                "{} is a mapping, not a list: it has no key `{seg}` to index",
                                here()
                            ));
                        }
                        return insert_key(text, &y, cur, &path[i..], nv);
                    }
                }
            }
            NodeKind::Sequence(items) => {
                let Ok(idx) = seg.parse::<usize>() else {
                    return Err(format!("{} is a list: `{seg}` is not an index (use a number)", here()));
                };
                let Some(item) = items.get(idx) else {
                    return Err(format!("index {idx} is out of range: {} has {} items", here(), items.len()));
                };
                key_of_cur = None;
                cur = *item;
            }
            NodeKind::Alias { name, .. } => {
                return Err(format!("{} is an alias (*{name}); edit the anchored value instead", here()));
            }
            NodeKind::Null => {
                // `key:` with nothing: give it a mapping holding the rest of the path.
                let nested = nest(&path[i..], nv);
                return Ok(replace_node(text, &y, cur, key_of_cur, &nested));
            }
            NodeKind::Scalar(s) => {
                return Err(format!(
                    "{} is a value ({}), not a mapping or list; cannot set `{}`",
                    here(),
                    s.value,
                    path.join(".")
                ));
            }
        }
    }
    if let NodeKind::Alias { name, .. } = &y.nodes[cur.0 as usize].kind {
        return Err(format!("`{}` is an alias (*{name}); edit the anchored value instead", path.join(".")));
    }
    let old_style = match &y.nodes[cur.0 as usize].kind {
        NodeKind::Scalar(s) => Some(s.style),
        _ => None,
    };
    let rendered = render_value(&nv.value, Some(&nv.raw), old_style, nv.quote, false);
    Ok(replace_node(text, &y, cur, key_of_cur, &rendered))
}

fn scalar_text(y: &Yaml, id: NodeId) -> Option<&str> {
    match &y.nodes[id.0 as usize].kind {
        NodeKind::Scalar(s) => Some(s.value.as_str()),
        _ => None,
    }
}

/// `a.b=v` below a missing key: the flow value `{b: v}`.
fn nest(path: &[String], nv: &NewValue) -> String {
    let mut s = render_value(&nv.value, Some(&nv.raw), None, nv.quote, true);
    for k in path.iter().rev() {
        s = format!("{{{}: {s}}}", render_key(k));
    }
    s
}

fn replace_node(text: &str, y: &Yaml, id: NodeId, key: Option<NodeId>, new: &str) -> String {
    let node = &y.nodes[id.0 as usize];
    let span = Span::new(node.span.start, content_end(text, node.span));
    let is_block_collection = matches!(node.kind, NodeKind::Mapping(_) | NodeKind::Sequence(_))
        && !matches!(text.as_bytes().get(span.start), Some(b'[' | b'{'));
    let mut out = String::with_capacity(text.len() + new.len());
    if matches!(node.kind, NodeKind::Null) {
        let before = text[..span.start].trim_end_matches([' ', '\t']);
        let needs_space = before.ends_with(':') || before.ends_with('-');
        let at = before.len();
        out.push_str(&text[..at]);
        if needs_space {
            out.push(' ');
        }
        out.push_str(new);
        out.push_str(&text[span.end.max(at)..]);
        return out;
    }
    if is_block_collection {
        if let Some(k) = key {
            let kspan = y.nodes[k.0 as usize].span;
            let colon = text[kspan.end..].find(':').map(|i| kspan.end + i + 1).unwrap_or(kspan.end);
            out.push_str(&text[..colon]);
            out.push(' ');
            out.push_str(new);
            out.push_str(&text[span.end..]);
            return out;
        }
    }
    out.push_str(&text[..span.start]);
    out.push_str(new);
    out.push_str(&text[span.end..]);
    out
}

fn insert_key(text: &str, y: &Yaml, map: NodeId, path: &[String], nv: &NewValue) -> Result<String, String> {
    let node = &y.nodes[map.0 as usize];
    let NodeKind::Mapping(pairs) = &node.kind else { unreachable!("insert_key on a mapping") };
    let nl = newline_of(text);
    if text.as_bytes().get(node.span.start) == Some(&b'{') {
        // Flow mapping: add before the closing brace.
        let close = text[..node.span.end].rfind('}').unwrap_or(node.span.end);
        let entry = format!("{}: {}", render_key(&path[0]), nest_tail(&path[1..], nv));
        let sep = if pairs.is_empty() { "" } else { ", " };
        let before = text[..close].trim_end_matches([' ', '\t']);
        let mut out = String::new();
        out.push_str(before);
        out.push_str(sep);
        out.push_str(&entry);
        out.push_str(&text[before.len()..]);
        return Ok(out);
    }
    let Some((first_key, _)) = pairs.first() else {
        return Err("cannot add a key to an empty mapping here".into());
    };
    let kstart = y.nodes[first_key.0 as usize].span.start;
    let line_start = text[..kstart].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..kstart];
    let indent: String = indent.chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    let (lk, lv) = pairs.last().expect("non-empty");
    let last_end = content_end(text, y.nodes[lv.0 as usize].span).max(y.nodes[lk.0 as usize].span.end);
    let at = line_end(text, last_end);
    let entry = render_new_entry(path, nv, &indent, &indent_unit(text), nl);
    let mut out = String::with_capacity(text.len() + entry.len() + 2);
    out.push_str(&text[..at]);
    // `at` is the end of the last entry's line, before its terminator (if any).
    out.push_str(nl);
    out.push_str(&entry);
    out.push_str(&text[at..]);
    Ok(out)
}

/// The end of a node's content: block nodes may end after trailing line breaks.
fn content_end(text: &str, span: Span) -> usize {
    text[..span.end].trim_end().len().max(span.start)
}

fn nest_tail(path: &[String], nv: &NewValue) -> String {
    if path.is_empty() {
        render_value(&nv.value, Some(&nv.raw), None, nv.quote, true)
    } else {
        nest(path, nv)
    }
}

/// `k1:\n  k2: v` as block lines at `indent` (no trailing newline).
fn render_new_entry(path: &[String], nv: &NewValue, indent: &str, unit: &str, nl: &str) -> String {
    let mut out = String::new();
    let mut ind = indent.to_string();
    for (i, k) in path.iter().enumerate() {
        if i > 0 {
            out.push_str(nl);
            ind.push_str(unit);
        }
        out.push_str(&ind);
        out.push_str(&render_key(k));
        out.push(':');
        if i + 1 == path.len() {
            out.push(' ');
            out.push_str(&render_value(&nv.value, Some(&nv.raw), None, nv.quote, false));
        }
    }
    out
}

fn render_key(k: &str) -> String {
    if plain_ok(k, true) && matches!(resolve_plain(k), Value::String(_)) {
        k.to_string()
    } else {
        double_quoted(k)
    }
}

/// Renders a value as YAML. `raw` is the user's text (kept for numbers when it means the
/// same number); `old` is the style of the scalar being replaced.
pub fn render_value(
    v: &Value,
    raw: Option<&str>,
    old: Option<ScalarStyle>,
    quote: Option<Quote>,
    flow: bool,
) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match raw {
            Some(r) if resolve_plain(r) == *v => r.to_string(),
            _ => n.to_string(),
        },
        Value::String(s) => match (old, quote) {
            (Some(ScalarStyle::SingleQuoted), _) if !s.contains('\n') => single_quoted(s),
            (Some(ScalarStyle::DoubleQuoted), _) => double_quoted(s),
            _ if plain_ok(s, flow) && matches!(resolve_plain(s), Value::String(_)) => s.clone(),
            (_, Some(Quote::Single)) if !s.contains('\n') => single_quoted(s),
            _ => double_quoted(s),
        },
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|i| render_value(i, None, None, None, true)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", render_key(k), render_value(v, None, None, None, true)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_whitespace() {
        return false;
    }
    if s.ends_with(char::is_whitespace) || s.ends_with(':') {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.chars().any(|c| c.is_control()) {
        return false;
    }
    !(flow && s.contains([',', '[', ']', '{', '}']))
}

fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::overrides::parse_value;

    fn set_ok(text: &str, key: &str, val: &str) -> String {
        let path: Vec<String> = key.split('.').map(str::to_string).collect();
        set(text, &path, &parse_value(val).unwrap()).unwrap()
    }

    fn set_err(text: &str, key: &str, val: &str) -> String {
        let path: Vec<String> = key.split('.').map(str::to_string).collect();
        set(text, &path, &parse_value(val).unwrap()).unwrap_err()
    }

    const P: &str = "# training params\ntrain:\n  lr: 0.001  # learning rate\n  epochs: 10\n  optimizer: 'adam'\n  name: \"run\"\nmodel:\n  layers:\n    - units: 32\n      act: relu\n    - units: 16\n";

    #[test]
    fn duplicate_keys_and_alias_bombs_are_refused() {
        let p = |k: &str| k.split('.').map(str::to_string).collect::<Vec<_>>();
        let v = parse_value("5").unwrap();
        assert_eq!(
            set("a:\n  b: 1\na:\n  c: 2\n", &p("a.b"), &v).unwrap_err(),
            "the key `a` is written twice (lines 1 and 3); DVC rejects YAML params files with duplicate keys: remove one first"
        );
        let mut bomb = format!("a: &a [{}]\n", ["lol"; 9].join(","));
        for w in ('a'..='z').collect::<Vec<_>>().windows(2) {
            bomb.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], vec![format!("*{}", w[0]); 9].join(",")));
        }
        assert_eq!(
            set(&bomb, &p("lr"), &v).unwrap_err(),
            "not usable YAML: its aliases expand to more than 100000 nodes"
        );
    }

    #[test]
    fn replaces_only_the_value_bytes() {
        assert_eq!(set_ok(P, "train.lr", "0.01"), P.replace("lr: 0.001", "lr: 0.01"));
        assert_eq!(set_ok(P, "train.lr", "1e-3"), P.replace("lr: 0.001", "lr: 1e-3"));
        assert_eq!(set_ok(P, "train.optimizer", "sgd"), P.replace("'adam'", "'sgd'"));
        assert_eq!(set_ok(P, "train.name", "x y"), P.replace("\"run\"", "\"x y\""));
        assert_eq!(set_ok(P, "model.layers.0.units", "64"), P.replace("units: 32", "units: 64"));
        assert_eq!(set_ok(P, "train.epochs", "'20'"), P.replace("epochs: 10", "epochs: '20'"));
        assert_eq!(set_ok(P, "train.epochs", "[1, 2]"), P.replace("epochs: 10", "epochs: [1, 2]"));
        assert_eq!(set_ok(P, "train.epochs", "null"), P.replace("epochs: 10", "epochs: null"));
        assert_eq!(set_ok(P, "train.epochs", "true"), P.replace("epochs: 10", "epochs: true"));
        assert_eq!(
            set_ok(P, "model.layers", "[8]"),
            "# training params\ntrain:\n  lr: 0.001  # learning rate\n  epochs: 10\n  optimizer: 'adam'\n  name: \"run\"\nmodel:\n  layers: [8]\n"
        );
    }

    #[test]
    fn strings_that_look_like_other_types_are_quoted() {
        let t = "a: x\n";
        assert_eq!(set_ok(t, "a", "'true'"), "a: 'true'\n");
        assert_eq!(set_ok(t, "a", "\"1.5\""), "a: \"1.5\"\n");
        assert_eq!(set_ok(t, "a", "b: c"), "a: \"b: c\"\n");
    }

    #[test]
    fn new_keys_are_appended_with_matching_indentation() {
        assert_eq!(
            set_ok(P, "train.seed", "42"),
            P.replace("  name: \"run\"\n", "  name: \"run\"\n  seed: 42\n")
        );
        assert_eq!(set_ok(P, "seed", "42"), format!("{P}seed: 42\n"));
        assert_eq!(set_ok("a:\n    b: 1 # c\n", "a.c.d", "x"), "a:\n    b: 1 # c\n    c:\n        d: x\n");
        assert_eq!(set_ok("a: {b: 1}\n", "a.c", "2"), "a: {b: 1, c: 2}\n");
        assert_eq!(set_ok("a: {}\n", "a.c", "2"), "a: {c: 2}\n");
        assert_eq!(set_ok("a:\n", "a.c", "2"), "a: {c: 2}\n");
        assert_eq!(set_ok("", "a.b", "2"), "a:\n  b: 2\n");
        assert_eq!(set_ok("x: 1", "y", "2"), "x: 1\ny: 2");
    }

    #[test]
    fn merged_keys_are_overridden_locally() {
        let t = "base: &b\n  lr: 1\ntrain:\n  <<: *b\n  wd: 0\n";
        assert_eq!(set_ok(t, "train.lr", "2"), "base: &b\n  lr: 1\ntrain:\n  <<: *b\n  wd: 0\n  lr: 2\n");
    }

    #[test]
    fn crlf_is_kept() {
        let t = "train:\r\n  lr: 0.1\r\n";
        assert_eq!(set_ok(t, "train.lr", "0.2"), "train:\r\n  lr: 0.2\r\n");
        assert_eq!(set_ok(t, "train.wd", "0"), "train:\r\n  lr: 0.1\r\n  wd: 0\r\n");
    }

    #[test]
    fn invalid_paths_are_clear_errors() {
        assert_eq!(
            set_err(P, "train.0", "1"),
            "`train` is a mapping, not a list: it has no key `0` to index"
        );
        assert_eq!(
            set_err(P, "model.layers.x", "1"),
            "`model.layers` is a list: `x` is not an index (use a number)"
        );
        assert_eq!(
            set_err(P, "model.layers.5.units", "1"),
            "index 5 is out of range: `model.layers` has 2 items"
        );
        assert_eq!(
            set_err(P, "train.lr.x", "1"),
            "`train.lr` is a value (0.001), not a mapping or list; cannot set `train.lr.x`"
        );
        assert_eq!(
            set_err("a: &x {b: 1}\nc: *x\n", "c.b", "2"),
            "`c` is an alias (*x); edit the anchored value instead"
        );
    }

    #[test]
    fn values_follow_the_core_schema() {
        let y = parse("a: 1\nb: 1.5\nc: 'x'\nd: [true, null]\ne:\n  - f: no\n");
        assert_eq!(
            to_value(&y),
            serde_json::json!({"a": 1, "b": 1.5, "c": "x", "d": [true, null], "e": [{"f": "no"}]})
        );
        let y = parse("base: &b {lr: 1, wd: 2}\ntrain:\n  <<: *b\n  lr: 3\n");
        assert_eq!(
            to_value(&y),
            serde_json::json!({"base": {"lr": 1, "wd": 2}, "train": {"lr": 3, "wd": 2}})
        );
    }
}
