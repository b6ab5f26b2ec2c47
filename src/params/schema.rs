//! JSON Schema validation of a [`Tree`], each error mapped back to the offending range.

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;

use super::model::{NodeIdx, Tree, Value};
use crate::diag::Span;

/// One schema error: where, the message, and the JSON pointer of the instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    pub span: Span,
    pub message: String,
    /// Path segments of the offending value (property names and indices as text).
    pub path: Vec<String>,
    /// For unknown properties: the property name.
    pub unknown: Option<String>,
}

/// Compiles a schema; `Err` carries a message for the user.
pub fn compile(schema: &serde_json::Value) -> Result<jsonschema::Validator, String> {
    jsonschema::validator_for(schema).map_err(|e| e.to_string())
}

/// Validates `tree` from its root.
pub fn validate(tree: &Tree, validator: &jsonschema::Validator) -> Vec<SchemaError> {
    let Some(root) = tree.root else { return Vec::new() };
    let instance = tree.to_json(root);
    let mut out = Vec::new();
    for err in validator.iter_errors(&instance) {
        let mut node = root;
        let mut key_span: Option<Span> = None;
        let mut path = Vec::new();
        for seg in err.instance_path().iter() {
            let step = match seg {
                LocationSegment::Property(p) => p.to_string(),
                LocationSegment::Index(i) => i.to_string(),
            };
            match step_into(tree, node, &step) {
                Some((next, ks)) => {
                    node = next;
                    key_span = ks;
                }
                None => break,
            }
            path.push(step);
        }
        let value_span = tree.node(node).map_or(Span::default(), |n| n.span);
        match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    let span = tree.entry(node, name).map_or(value_span, |e| e.key_span);
                    out.push(SchemaError {
                        span,
                        message: format!("unknown field '{name}'"),
                        path: path.clone(),
                        unknown: Some(name.clone()),
                    });
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().map_or_else(|| property.to_string(), str::to_string);
                out.push(SchemaError {
                    span: key_span.unwrap_or(value_span),
                    message: format!("missing required field '{name}'"),
                    path,
                    unknown: None,
                });
            }
            _ => {
                let mut message = err.masked().to_string();
                if message.len() > 300 {
                    let mut cut = 300;
                    while !message.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    message.truncate(cut);
                    message.push('…');
                }
                let span = if value_span.is_empty() { key_span.unwrap_or(value_span) } else { value_span };
                out.push(SchemaError { span, message, path, unknown: None });
            }
        }
    }
    out.sort_by_key(|e| (e.span.start, e.span.end));
    out.dedup();
    out
}

fn step_into(tree: &Tree, node: NodeIdx, step: &str) -> Option<(NodeIdx, Option<Span>)> {
    match &tree.node(node)?.value {
        Value::Map(_) => tree.entry(node, step).map(|e| (e.value, Some(e.key_span))),
        Value::List(_) => tree.child(node, step).map(|n| (n, None)),
        Value::Scalar { .. } => None,
    }
}

/// The property names a schema allows at `path` (following `properties`, `items`,
/// `additionalProperties`, `$ref` into `definitions`/`$defs`, and `then`/`else`/`allOf`/`anyOf`),
/// with their descriptions, and the `enum` values at `path`.
pub fn properties_at(
    schema: &serde_json::Value,
    path: &[&str],
) -> (Vec<(String, Option<String>)>, Vec<serde_json::Value>) {
    let mut subs = vec![schema];
    for step in path {
        let mut next = Vec::new();
        for s in expand(schema, &subs) {
            if let Some(p) = s.get("properties").and_then(|p| p.get(*step)) {
                next.push(p);
            } else if let Some(a) = s.get("additionalProperties").filter(|a| a.is_object()) {
                next.push(a);
            }
            if step.parse::<usize>().is_ok() {
                if let Some(i) = s.get("items") {
                    next.push(i);
                }
            }
        }
        subs = next;
    }
    let mut props: Vec<(String, Option<String>)> = Vec::new();
    let mut enums = Vec::new();
    for s in expand(schema, &subs) {
        if let Some(p) = s.get("properties").and_then(|p| p.as_object()) {
            for (k, v) in p {
                if !props.iter().any(|(n, _)| n == k) {
                    let desc =
                        resolve(schema, v).get("description").and_then(|d| d.as_str()).map(str::to_string);
                    props.push((k.clone(), desc));
                }
            }
        }
        if let Some(e) = s.get("enum").and_then(|e| e.as_array()) {
            enums.extend(e.iter().cloned());
        }
    }
    (props, enums)
}

fn resolve<'a>(root: &'a serde_json::Value, s: &'a serde_json::Value) -> &'a serde_json::Value {
    let mut cur = s;
    for _ in 0..16 {
        let Some(r) = cur.get("$ref").and_then(|r| r.as_str()) else { break };
        let Some(ptr) = r.strip_prefix('#') else { break };
        match root.pointer(ptr) {
            Some(t) => cur = t,
            None => break,
        }
    }
    cur
}

fn expand<'a>(root: &'a serde_json::Value, subs: &[&'a serde_json::Value]) -> Vec<&'a serde_json::Value> {
    let mut out = Vec::new();
    let mut stack: Vec<(&serde_json::Value, usize)> = subs.iter().map(|s| (*s, 0)).collect();
    while let Some((s, depth)) = stack.pop() {
        if depth > 16 {
            continue;
        }
        let s = resolve(root, s);
        out.push(s);
        for k in ["then", "else"] {
            if let Some(x) = s.get(k) {
                stack.push((x, depth + 1));
            }
        }
        for k in ["allOf", "anyOf", "oneOf"] {
            if let Some(xs) = s.get(k).and_then(|x| x.as_array()) {
                stack.extend(xs.iter().map(|x| (x, depth + 1)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_map_to_ranges() {
        let text = "{\"lr\": \"fast\", \"opt\": {\"name\": \"sgd\", \"extra\": 1}}";
        let tree = super::super::formats::from_json(text);
        let schema = json!({
            "type": "object",
            "properties": {
                "lr": {"type": "number"},
                "opt": {"type": "object", "additionalProperties": false, "required": ["momentum"],
                        "properties": {"name": {"enum": ["adam", "sgd"]}, "momentum": {"type": "number"}}}
            }
        });
        let v = compile(&schema).unwrap();
        let errs = validate(&tree, &v);
        let got: Vec<(&str, &str)> =
            errs.iter().map(|e| (&text[e.span.start..e.span.end], e.message.as_str())).collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].0, "\"fast\"");
        assert_eq!(got[1], ("\"opt\"", "missing required field 'momentum'"));
        assert_eq!(got[2], ("\"extra\"", "unknown field 'extra'"));
        let (props, enums) = properties_at(&schema, &["opt", "name"]);
        assert!(props.is_empty());
        assert_eq!(enums, vec![json!("adam"), json!("sgd")]);
        let (props, _) = properties_at(&schema, &["opt"]);
        assert_eq!(props.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), vec!["name", "momentum"]);
    }
}
