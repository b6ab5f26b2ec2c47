//! Builds a params [`Tree`] from JSON (jsonc-parser, strict JSON as Python's `json` reads it)
//! and TOML (toml_edit). The YAML builder lives in [`super::yaml_model`].

use jsonc_parser::ast::{ObjectPropName, Value as JValue};
use jsonc_parser::{CollectOptions, ParseOptions};

use super::model::{Entry, NodeIdx, Problem, ProblemKind, ScalarType, Tree, Value, MAX_DEPTH};
use crate::diag::Span;

/// Parses strict JSON. Syntax errors give a problem and an empty tree.
pub fn from_json(text: &str) -> Tree {
    let mut tree = Tree::default();
    let opts = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    match jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &opts) {
        Ok(res) => match res.value {
            Some(v) => {
                let root = json_node(&mut tree, &v, 0);
                tree.root = Some(root);
            }
            None => tree.problems.push(Problem {
                span: Span::new(0, text.len()),
                message: "empty JSON document".into(),
                kind: ProblemKind::Syntax,
                first: None,
            }),
        },
        Err(e) => {
            let r = e.range();
            let start = r.start.min(text.len());
            let end = r.end.clamp(start, text.len());
            tree.problems.push(Problem {
                span: char_span(text, start, end),
                message: e.kind().to_string(),
                kind: ProblemKind::Syntax,
                first: None,
            });
        }
    }
    tree
}

fn char_span(text: &str, mut start: usize, mut end: usize) -> Span {
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    Span::new(start, end.max(start))
}

fn json_node(tree: &mut Tree, v: &JValue<'_>, depth: usize) -> NodeIdx {
    let r = |r: &jsonc_parser::common::Range| Span::new(r.start, r.end);
    if depth >= MAX_DEPTH {
        let span = match v {
            JValue::Object(o) => r(&o.range),
            JValue::Array(a) => r(&a.range),
            _ => Span::default(),
        };
        return tree.push(span, Value::Scalar { ty: ScalarType::Null, text: "null".into() });
    }
    match v {
        JValue::Object(obj) => {
            let mut entries: Vec<Entry> = Vec::with_capacity(obj.properties.len());
            let mut seen: std::collections::HashMap<String, Span> = std::collections::HashMap::new();
            for p in &obj.properties {
                let (key, key_span) = match &p.name {
                    ObjectPropName::String(s) => (s.value.to_string(), r(&s.range)),
                    ObjectPropName::Word(w) => (w.value.to_string(), r(&w.range)),
                };
                let value = json_node(tree, &p.value, depth + 1);
                if let Some(&first) = seen.get(&key) {
                    tree.problems.push(Problem {
                        span: key_span,
                        message: format!("duplicate key \"{key}\""),
                        kind: ProblemKind::DuplicateKey,
                        first: Some(first),
                    });
                } else {
                    seen.insert(key.clone(), key_span);
                }
                entries.push(Entry { key, key_span, value });
            }
            tree.push(r(&obj.range), Value::Map(entries))
        }
        JValue::Array(arr) => {
            let items = arr.elements.iter().map(|e| json_node(tree, e, depth + 1)).collect();
            tree.push(r(&arr.range), Value::List(items))
        }
        JValue::StringLit(s) => {
            tree.push(r(&s.range), Value::Scalar { ty: ScalarType::Str, text: s.value.to_string() })
        }
        JValue::NumberLit(n) => {
            let ty = if n.value.contains(['.', 'e', 'E']) { ScalarType::Float } else { ScalarType::Int };
            tree.push(r(&n.range), Value::Scalar { ty, text: n.value.to_string() })
        }
        JValue::BooleanLit(b) => {
            tree.push(r(&b.range), Value::Scalar { ty: ScalarType::Bool, text: b.value.to_string() })
        }
        JValue::NullKeyword(n) => {
            tree.push(r(&n.range), Value::Scalar { ty: ScalarType::Null, text: "null".into() })
        }
    }
}

/// Parses TOML. Syntax errors (duplicate keys included) give a problem and an empty tree.
pub fn from_toml(text: &str) -> Tree {
    let mut tree = Tree::default();
    match toml_edit::Document::parse(text) {
        Ok(doc) => {
            let span = Span::new(0, text.len());
            let root = match doc.as_item().as_table() {
                Some(t) => toml_table(&mut tree, t, span, 0),
                None => tree.push(span, Value::Map(Vec::new())),
            };
            tree.root = Some(root);
        }
        Err(e) => {
            let (start, end) = e.span().map_or((0, 0), |r| (r.start.min(text.len()), r.end.min(text.len())));
            let msg = e.message().trim().to_string();
            tree.problems.push(Problem {
                span: char_span(text, start, end.max(start)),
                message: if msg.is_empty() { "invalid TOML".into() } else { msg },
                kind: ProblemKind::Syntax,
                first: None,
            });
        }
    }
    tree
}

fn range(r: Option<std::ops::Range<usize>>, fallback: Span) -> Span {
    r.map_or(fallback, |r| Span::new(r.start, r.end.max(r.start)))
}

fn toml_table(tree: &mut Tree, t: &toml_edit::Table, span: Span, depth: usize) -> NodeIdx {
    let span = range(t.span(), span);
    let mut entries = Vec::new();
    if depth < MAX_DEPTH {
        for (k, item) in t.iter() {
            let key_span = range(t.key(k).and_then(|k| k.span()), span);
            let value = toml_item(tree, item, key_span, depth + 1);
            entries.push(Entry { key: k.to_string(), key_span, value });
        }
    }
    tree.push(span, Value::Map(entries))
}

fn toml_item(tree: &mut Tree, item: &toml_edit::Item, fallback: Span, depth: usize) -> NodeIdx {
    match item {
        toml_edit::Item::Table(t) => toml_table(tree, t, fallback, depth),
        toml_edit::Item::ArrayOfTables(a) => {
            let span = range(a.span(), fallback);
            let items = a.iter().map(|t| toml_table(tree, t, span, depth + 1)).collect();
            tree.push(span, Value::List(items))
        }
        toml_edit::Item::Value(v) => toml_value(tree, v, fallback, depth),
        toml_edit::Item::None => {
            tree.push(fallback, Value::Scalar { ty: ScalarType::Null, text: "null".into() })
        }
    }
}

fn toml_value(tree: &mut Tree, v: &toml_edit::Value, fallback: Span, depth: usize) -> NodeIdx {
    use toml_edit::Value as T;
    let span = range(v.span(), fallback);
    let scalar = |ty, text: String| Value::Scalar { ty, text };
    let value = match v {
        T::String(s) => scalar(ScalarType::Str, s.value().clone()),
        T::Integer(i) => scalar(ScalarType::Int, i.value().to_string()),
        T::Float(f) => {
            let x = *f.value();
            let text = if x.is_nan() {
                "nan".to_string()
            } else if x.is_infinite() {
                if x > 0.0 { "inf" } else { "-inf" }.to_string()
            } else {
                let s = x.to_string();
                if s.contains(['.', 'e', 'E']) {
                    s
                } else {
                    format!("{s}.0")
                }
            };
            scalar(ScalarType::Float, text)
        }
        T::Boolean(b) => scalar(ScalarType::Bool, b.value().to_string()),
        T::Datetime(d) => scalar(ScalarType::Datetime, d.value().to_string()),
        T::Array(a) => {
            if depth >= MAX_DEPTH {
                Value::List(Vec::new())
            } else {
                Value::List(a.iter().map(|x| toml_value(tree, x, span, depth + 1)).collect())
            }
        }
        T::InlineTable(t) => {
            let mut entries = Vec::new();
            if depth < MAX_DEPTH {
                for (k, x) in t.iter() {
                    let key_span = range(t.key(k).and_then(|k| k.span()), span);
                    let value = toml_value(tree, x, key_span, depth + 1);
                    entries.push(Entry { key: k.to_string(), key_span, value });
                }
            }
            Value::Map(entries)
        }
    };
    tree.push(span, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str, tree: &Tree, path: &str) -> (String, String) {
        let idx = tree.lookup(path).expect(path);
        let ks = tree.key_span(path).expect(path);
        (
            text[ks.start..ks.end].to_string(),
            text[tree.nodes[idx].span.start..tree.nodes[idx].span.end].to_string(),
        )
    }

    #[test]
    fn json_tree_has_key_and_value_spans() {
        let text = "{\"train\": {\"lr\": 0.01, \"layers\": [1, {\"a\": true}]}, \"name\": \"x\\ny\"}";
        let t = from_json(text);
        assert!(t.problems.is_empty());
        assert_eq!(spans(text, &t, "train.lr"), ("\"lr\"".into(), "0.01".into()));
        assert_eq!(spans(text, &t, "train.layers.1.a"), ("\"a\"".into(), "true".into()));
        let lr = t.lookup("train.lr").unwrap();
        assert_eq!(t.type_name(lr), "float");
        assert_eq!(t.render(t.lookup("train").unwrap(), 100), "{lr: 0.01, layers: [1, {a: true}]}");
        assert_eq!(t.render(t.lookup("name").unwrap(), 100), "\"x\\ny\"");
        assert_eq!(t.lookup("train.layers.2"), None);
        assert_eq!(t.lookup("train.lr.x"), None);
    }

    #[test]
    fn json_syntax_error_and_duplicates() {
        let t = from_json("{\"a\": 1,}");
        assert_eq!(t.problems.len(), 1);
        assert_eq!(t.problems[0].kind, ProblemKind::Syntax);
        assert_eq!(t.problems[0].span, Span::new(7, 8));
        let t = from_json("{\"a\": 1, \"a\": 2}");
        assert_eq!(t.problems[0].kind, ProblemKind::DuplicateKey);
        assert_eq!(t.problems[0].span, Span::new(9, 12));
        assert_eq!(t.problems[0].first, Some(Span::new(1, 4)));
        assert_eq!(t.render(t.lookup("a").unwrap(), 10), "2");
        assert_eq!(from_json("// c\n{}").problems.len(), 1);
    }

    #[test]
    fn toml_tree_has_spans() {
        let text = "seed = 7\n[train]\nlr = 1e-3\nopt = { name = \"adam\" }\n[[stages]]\nx = 1\n";
        let t = from_toml(text);
        assert!(t.problems.is_empty(), "{:?}", t.problems);
        assert_eq!(spans(text, &t, "train.lr"), ("lr".into(), "1e-3".into()));
        assert_eq!(spans(text, &t, "train.opt.name"), ("name".into(), "\"adam\"".into()));
        assert_eq!(t.type_name(t.lookup("train.lr").unwrap()), "float");
        assert_eq!(t.type_name(t.lookup("stages").unwrap()), "list");
        assert_eq!(t.render(t.lookup("stages.0.x").unwrap(), 10), "1");
        assert_eq!(t.render(t.lookup("train.lr").unwrap(), 10), "0.001");
    }

    #[test]
    fn toml_errors_have_ranges() {
        let t = from_toml("a = 1\na = 2\n");
        assert_eq!(t.problems.len(), 1);
        assert_eq!(t.problems[0].span, Span::new(6, 7));
        let t = from_toml("a = \n");
        assert_eq!(t.problems.len(), 1);
    }
}
