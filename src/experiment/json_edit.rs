//! Format-preserving edits of JSON (and JSONC) params text.

use jsonc_parser::ast::{ObjectPropName, Value as Ast};
use jsonc_parser::common::Ranged;
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};
use serde_json::Value;

use super::overrides::NewValue;
use super::text_util::newline_of;

fn parse(text: &str) -> Result<Option<Ast<'_>>, String> {
    parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default())
        .map(|r| r.value)
        .map_err(|e| format!("not valid JSON ({e})"))
}

/// The plain data of a JSON document, for diffs.
pub fn to_value(text: &str) -> Result<Value, String> {
    Ok(parse(text)?.map(|v| ast_value(&v)).unwrap_or(Value::Null))
}

fn ast_value(v: &Ast<'_>) -> Value {
    match v {
        Ast::StringLit(s) => Value::String(s.value.to_string()),
        Ast::NumberLit(n) => super::overrides::resolve_plain(n.value),
        Ast::BooleanLit(b) => Value::Bool(b.value),
        Ast::NullKeyword(_) => Value::Null,
        Ast::Array(a) => Value::Array(a.elements.iter().map(ast_value).collect()),
        Ast::Object(o) => Value::Object(
            o.properties.iter().map(|p| (p.name.as_str().to_string(), ast_value(&p.value))).collect(),
        ),
    }
}

fn prop_name<'a>(n: &'a ObjectPropName<'a>) -> &'a str {
    n.as_str()
}

/// Renders a value as JSON, keeping the user's spelling of a number when JSON allows it.
pub fn render(nv_value: &Value, raw: Option<&str>) -> String {
    if let (Value::Number(_), Some(r)) = (nv_value, raw) {
        if serde_json::from_str::<Value>(r).ok().as_ref() == Some(nv_value) {
            return r.to_string();
        }
    }
    match nv_value {
        Value::Array(items) => {
            format!("[{}]", items.iter().map(|i| render(i, None)).collect::<Vec<_>>().join(", "))
        }
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), render(v, None)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// Sets `path` to the value in `text`; only the value's bytes change.
pub fn set(text: &str, path: &[String], nv: &NewValue) -> Result<String, String> {
    let root = parse(text)?;
    let Some(root) = root else {
        return Err("the JSON file is empty; it needs a top-level object".into());
    };
    let mut cur = &root;
    for (i, seg) in path.iter().enumerate() {
        let here = || if i == 0 { "the top level".to_string() } else { format!("`{}`", path[..i].join(".")) };
        match cur {
            // The last of duplicated keys is the one that counts (as in Python's json, DVC's loader).
            Ast::Object(o) => match o.properties.iter().rev().find(|p| prop_name(&p.name) == seg) {
                Some(p) => cur = &p.value,
                None => {
                    if seg.parse::<usize>().is_ok() {
                        return Err(format!(
                            "{} is a mapping, not a list: it has no key `{seg}` to index",
                            here()
                        ));
                    }
                    return Ok(insert(text, o, &path[i..], nv));
                }
            },
            Ast::Array(a) => {
                let Ok(idx) = seg.parse::<usize>() else {
                    return Err(format!("{} is a list: `{seg}` is not an index (use a number)", here()));
                };
                let Some(item) = a.elements.get(idx) else {
                    return Err(format!(
                        "index {idx} is out of range: {} has {} items",
                        here(),
                        a.elements.len()
                    ));
                };
                cur = item;
            }
            other => {
                let r = other.range();
                return Err(format!(
                    "{} is a value ({}), not a mapping or list; cannot set `{}`",
                    here(),
                    &text[r.start..r.end],
                    path.join(".")
                ));
            }
        }
    }
    let r = cur.range();
    let new = render(&nv.value, Some(&nv.raw));
    Ok(format!("{}{}{}", &text[..r.start], new, &text[r.end..]))
}

fn insert(text: &str, o: &jsonc_parser::ast::Object<'_>, path: &[String], nv: &NewValue) -> String {
    let mut value = nv.value.clone();
    for k in path[1..].iter().rev() {
        let mut m = serde_json::Map::new();
        m.insert(k.clone(), value);
        value = Value::Object(m);
    }
    let raw = if path.len() == 1 { Some(nv.raw.as_str()) } else { None };
    let entry = format!("{}: {}", Value::String(path[0].clone()), render(&value, raw));
    let nl = newline_of(text);
    match o.properties.last() {
        None => {
            // `{}` (maybe with whitespace inside): put the entry right after `{`.
            let at = o.range.start + 1;
            format!("{}{}{}", &text[..at], entry, &text[at..])
        }
        Some(last) => {
            let end = last.range.end;
            let rest = &text[end..];
            let ws = rest.len() - rest.trim_start().len();
            let (at, comma) =
                if rest.trim_start().starts_with(',') { (end + ws + 1, "") } else { (end, ",") };
            let first_start = o.properties[0].range.start;
            let multiline = text[o.range.start..first_start].contains('\n');
            if multiline {
                let ls = text[..last.range.start].rfind('\n').map_or(0, |i| i + 1);
                let indent = &text[ls..last.range.start];
                format!("{}{comma}{nl}{indent}{entry}{}", &text[..at], &text[at..])
            } else {
                format!("{}{comma} {entry}{}", &text[..at], &text[at..])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::overrides::parse_value;

    fn set_ok(text: &str, key: &str, val: &str) -> String {
        let path: Vec<String> = key.split('.').map(str::to_string).collect();
        set(text, &path, &parse_value(val).unwrap()).unwrap()
    }

    const J: &str = "{\n  // comment\n  \"train\": {\"lr\": 0.001, \"epochs\": 10},\n  \"layers\": [\n    {\"units\": 32}\n  ]\n}\n";

    #[test]
    fn edits_values_in_place() {
        assert_eq!(set_ok(J, "train.lr", "0.01"), J.replace("0.001", "0.01"));
        assert_eq!(set_ok(J, "train.lr", "1e-3"), J.replace("0.001", "1e-3"));
        assert_eq!(set_ok(J, "train.lr", ".5"), J.replace("0.001", "0.5"));
        assert_eq!(set_ok(J, "layers.0.units", "64"), J.replace("32", "64"));
        assert_eq!(set_ok(J, "train.epochs", "'x'"), J.replace("10}", "\"x\"}"));
        assert_eq!(set_ok(J, "train.epochs", "[1, null]"), J.replace("10}", "[1, null]}"));
    }

    #[test]
    fn adds_keys() {
        assert_eq!(set_ok(J, "train.seed", "1"), J.replace("10}", "10, \"seed\": 1}"));
        assert_eq!(
            set_ok(J, "opt.name", "adam"),
            J.replace("  ]\n}", "  ],\n  \"opt\": {\"name\": \"adam\"}\n}")
        );
        assert_eq!(set_ok("{}", "a", "1"), "{\"a\": 1}");
        assert_eq!(set_ok("{\r\n  \"a\": 1,\r\n}", "b", "2"), "{\r\n  \"a\": 1,\r\n  \"b\": 2\r\n}");
    }

    #[test]
    fn duplicate_keys_edit_the_last_copy() {
        let t = "{\"a\": {\"b\": 1}, \"a\": {\"c\": 2}}";
        assert_eq!(set_ok(t, "a.b", "5"), "{\"a\": {\"b\": 1}, \"a\": {\"c\": 2, \"b\": 5}}");
        assert_eq!(set_ok(t, "a.c", "5"), "{\"a\": {\"b\": 1}, \"a\": {\"c\": 5}}");
        assert_eq!(to_value(t).unwrap(), serde_json::json!({"a": {"c": 2}}));
    }

    #[test]
    fn errors() {
        let p = |k: &str| k.split('.').map(str::to_string).collect::<Vec<_>>();
        let v = parse_value("1").unwrap();
        assert_eq!(
            set(J, &p("layers.a"), &v).unwrap_err(),
            "`layers` is a list: `a` is not an index (use a number)"
        );
        assert_eq!(
            set(J, &p("train.lr.x"), &v).unwrap_err(),
            "`train.lr` is a value (0.001), not a mapping or list; cannot set `train.lr.x`"
        );
        assert!(set("{", &p("a"), &v).unwrap_err().starts_with("not valid JSON ("));
        assert_eq!(
            to_value(J).unwrap(),
            serde_json::json!({"train": {"lr": 0.001, "epochs": 10}, "layers": [{"units": 32}]})
        );
    }
}
