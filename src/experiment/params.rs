//! Params files of any supported format: typed edits and the diff between two versions.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::overrides::{resolve_plain, NewValue};
use crate::kind::ParamsFormat;

/// The format of a repo-relative params path, or an error for unsupported ones.
pub fn format_of(path: &str) -> Result<ParamsFormat, String> {
    match crate::kind::params_format(std::path::Path::new(path)) {
        Some(ParamsFormat::Python) => Err(format!("{path}: editing Python params files is not supported")),
        Some(f) => Ok(f),
        None => Err(format!("{path}: not a params file (expected .yaml, .yml, .json or .toml)")),
    }
}

/// Sets one key; the rest of the text is kept byte for byte.
pub fn set(format: ParamsFormat, text: &str, path: &[String], nv: &NewValue) -> Result<String, String> {
    match format {
        ParamsFormat::Yaml => super::yaml_edit::set(text, path, nv),
        ParamsFormat::Json => super::json_edit::set(text, path, nv),
        ParamsFormat::Toml => super::toml_params::set(text, path, nv),
        ParamsFormat::Python => Err("editing Python params files is not supported".into()),
    }
}

/// The data of a params text.
pub fn to_value(format: ParamsFormat, text: &str) -> Result<Value, String> {
    match format {
        ParamsFormat::Yaml => super::yaml_edit::parse_strict(text).map(|y| super::yaml_edit::to_value(&y)),
        ParamsFormat::Json => super::json_edit::to_value(text),
        ParamsFormat::Toml => super::toml_params::to_value(text),
        ParamsFormat::Python => Err("Python params files are not supported".into()),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Modified,
    Removed,
}

/// One changed leaf: its dotted key (list items by index) and the old and new values,
/// rendered as short text (`0.01`, `adam`, `"1"` for a string that looks like a number).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffEntry {
    pub file: String,
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub change: Change,
}

/// Leaves of a value as `(dotted key, value)` in document order; empty mappings and
/// lists are leaves too.
pub fn flatten(v: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

fn walk(v: &Value, prefix: String, out: &mut Vec<(String, Value)>) {
    let join = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, c) in m {
                walk(c, join(k), out);
            }
        }
        Value::Array(a) if !a.is_empty() && !prefix.is_empty() => {
            for (i, c) in a.iter().enumerate() {
                walk(c, join(&i.to_string()), out);
            }
        }
        _ if prefix.is_empty() && !v.is_object() => out.push((String::new(), v.clone())),
        _ if prefix.is_empty() => {}
        _ => out.push((prefix, v.clone())),
    }
}

/// The value as shown in diffs and titles.
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s)
            if !s.is_empty()
                && s.trim() == s
                && !s.contains(['\n', ',', '|', '`'])
                && matches!(resolve_plain(s), Value::String(_)) =>
        {
            s.clone()
        }
        other => other.to_string(),
    }
}

/// Per-key differences between two versions of one params file.
pub fn diff(file: &str, old: &Value, new: &Value) -> Vec<DiffEntry> {
    let old_flat = flatten(old);
    let new_flat = flatten(new);
    let mut out = Vec::new();
    for (k, nv) in &new_flat {
        match old_flat.iter().find(|(ok, _)| ok == k) {
            Some((_, ov)) if ov == nv => {}
            Some((_, ov)) => out.push(DiffEntry {
                file: file.to_string(),
                key: k.clone(),
                old: Some(display(ov)),
                new: Some(display(nv)),
                change: Change::Modified,
            }),
            None => out.push(DiffEntry {
                file: file.to_string(),
                key: k.clone(),
                old: None,
                new: Some(display(nv)),
                change: Change::Added,
            }),
        }
    }
    for (k, ov) in &old_flat {
        if !new_flat.iter().any(|(nk, _)| nk == k) {
            out.push(DiffEntry {
                file: file.to_string(),
                key: k.clone(),
                old: Some(display(ov)),
                new: None,
                change: Change::Removed,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_maps_and_lists() {
        let v = json!({"train": {"lr": 0.1, "tags": ["a", "b"], "empty": {}}, "seed": 1});
        let keys: Vec<String> = flatten(&v).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec!["train.lr", "train.tags.0", "train.tags.1", "train.empty", "seed"]);
    }

    #[test]
    fn diffs_per_key() {
        let old = json!({"train": {"lr": 0.001, "opt": "adam", "old": 1}, "n": "5"});
        let new = json!({"train": {"lr": 0.01, "opt": "adam", "seed": true}, "n": 5});
        let d = diff("params.yaml", &old, &new);
        let rows: Vec<(String, Option<String>, Option<String>, Change)> =
            d.into_iter().map(|e| (e.key, e.old, e.new, e.change)).collect();
        assert_eq!(
            rows,
            vec![
                ("train.lr".into(), Some("0.001".into()), Some("0.01".into()), Change::Modified),
                ("train.seed".into(), None, Some("true".into()), Change::Added),
                ("n".into(), Some("\"5\"".into()), Some("5".into()), Change::Modified),
                ("train.old".into(), Some("1".into()), None, Change::Removed),
            ]
        );
    }

    #[test]
    fn formats() {
        assert_eq!(format_of("a/params.yml"), Ok(ParamsFormat::Yaml));
        assert_eq!(format_of("p.json"), Ok(ParamsFormat::Json));
        assert_eq!(
            format_of("params.py").unwrap_err(),
            "params.py: editing Python params files is not supported"
        );
        assert_eq!(
            format_of("notes.txt").unwrap_err(),
            "notes.txt: not a params file (expected .yaml, .yml, .json or .toml)"
        );
    }
}
