//! Format-preserving edits of TOML params text (through `toml_edit`).

use serde_json::Value;
use toml_edit::{DocumentMut, Item};

use super::overrides::NewValue;

fn parse(text: &str) -> Result<DocumentMut, String> {
    text.parse::<DocumentMut>().map_err(|e| format!("not valid TOML ({})", e.message()))
}

/// The plain data of a TOML document, for diffs.
pub fn to_value(text: &str) -> Result<Value, String> {
    Ok(item_value(parse(text)?.as_item()))
}

fn item_value(i: &Item) -> Value {
    match i {
        Item::None => Value::Null,
        Item::Value(v) => value_value(v),
        Item::Table(t) => Value::Object(t.iter().map(|(k, v)| (k.to_string(), item_value(v))).collect()),
        Item::ArrayOfTables(a) => Value::Array(
            a.iter()
                .map(|t| Value::Object(t.iter().map(|(k, v)| (k.to_string(), item_value(v))).collect()))
                .collect(),
        ),
    }
}

fn value_value(v: &toml_edit::Value) -> Value {
    use toml_edit::Value as T;
    match v {
        T::String(s) => Value::String(s.value().clone()),
        T::Integer(i) => Value::from(*i.value()),
        T::Float(f) => {
            serde_json::Number::from_f64(*f.value()).map_or(Value::String(f.to_string()), Value::Number)
        }
        T::Boolean(b) => Value::Bool(*b.value()),
        T::Datetime(d) => Value::String(d.value().to_string()),
        T::Array(a) => Value::Array(a.iter().map(value_value).collect()),
        T::InlineTable(t) => Value::Object(t.iter().map(|(k, v)| (k.to_string(), value_value(v))).collect()),
    }
}

/// Converts a typed value to TOML, keeping the user's spelling of a number when TOML
/// reads it as the same number.
fn to_toml(v: &Value, raw: Option<&str>, key: &str) -> Result<toml_edit::Value, String> {
    Ok(match v {
        Value::Null => return Err(format!("TOML has no null: cannot set `{key}` to null")),
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => {
            if let Some(parsed) = raw.and_then(|r| r.parse::<toml_edit::Value>().ok()) {
                if value_value(&parsed) == *v {
                    let mut p = parsed;
                    p.decor_mut().clear();
                    return Ok(p);
                }
            }
            match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => i.into(),
                (None, Some(f)) => f.into(),
                _ => return Err(format!("number {n} does not fit TOML")),
            }
        }
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => {
            let mut a = toml_edit::Array::new();
            for i in items {
                a.push(to_toml(i, None, key)?);
            }
            toml_edit::Value::Array(a)
        }
        Value::Object(m) => {
            let mut t = toml_edit::InlineTable::new();
            for (k, v) in m {
                t.insert(k, to_toml(v, None, key)?);
            }
            toml_edit::Value::InlineTable(t)
        }
    })
}

/// Sets `path` to the value in `text`, keeping comments, order and spacing.
pub fn set(text: &str, path: &[String], nv: &NewValue) -> Result<String, String> {
    let mut doc = parse(text)?;
    let key = path.join(".");
    let mut cur: &mut Item = doc.as_item_mut();
    for (i, seg) in path.iter().enumerate() {
        let here = if i == 0 { "the top level".to_string() } else { format!("`{}`", path[..i].join(".")) };
        let is_list =
            matches!(cur, Item::ArrayOfTables(_)) || matches!(cur, Item::Value(toml_edit::Value::Array(_)));
        let is_map = cur.is_table_like();
        if is_list {
            let Ok(idx) = seg.parse::<usize>() else {
                return Err(format!("{here} is a list: `{seg}` is not an index (use a number)"));
            };
            let len = match &*cur {
                Item::ArrayOfTables(a) => a.len(),
                Item::Value(toml_edit::Value::Array(a)) => a.len(),
                _ => 0,
            };
            if idx >= len {
                return Err(format!("index {idx} is out of range: {here} has {len} items"));
            }
            cur = cur.get_mut(idx).expect("index checked");
        } else if is_map {
            if cur.get(seg.as_str()).is_none() {
                if seg.parse::<usize>().is_ok() {
                    return Err(format!("{here} is a mapping, not a list: it has no key `{seg}` to index"));
                }
                let mut value = nv.value.clone();
                for k in path[i + 1..].iter().rev() {
                    let mut m = serde_json::Map::new();
                    m.insert(k.clone(), value);
                    value = Value::Object(m);
                }
                let raw = if i + 1 == path.len() { Some(nv.raw.as_str()) } else { None };
                let v = to_toml(&value, raw, &key)?;
                let t = cur.as_table_like_mut().expect("table-like");
                t.insert(seg, Item::Value(v));
                return Ok(doc.to_string());
            }
            cur = cur.get_mut(seg.as_str()).expect("key checked");
        } else {
            let shown = match &*cur {
                Item::Value(v) => v.to_string().trim().to_string(),
                _ => String::new(),
            };
            return Err(format!("{here} is a value ({shown}), not a mapping or list; cannot set `{key}`"));
        }
    }
    let mut new = to_toml(&nv.value, Some(&nv.raw), &key)?;
    if let Item::Value(old) = &*cur {
        *new.decor_mut() = old.decor().clone();
    }
    *cur = Item::Value(new);
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::overrides::parse_value;

    fn set_ok(text: &str, key: &str, val: &str) -> String {
        let path: Vec<String> = key.split('.').map(str::to_string).collect();
        set(text, &path, &parse_value(val).unwrap()).unwrap()
    }

    const T: &str =
        "# params\n[train]\nlr = 0.001 # rate\nepochs = 10\nname = 'run'\n\n[[layers]]\nunits = 32\n";

    #[test]
    fn edits_values_in_place() {
        assert_eq!(set_ok(T, "train.lr", "0.01"), T.replace("0.001", "0.01"));
        assert_eq!(set_ok(T, "train.lr", "1e-3"), T.replace("0.001", "1e-3"));
        assert_eq!(set_ok(T, "layers.0.units", "64"), T.replace("32", "64"));
        assert_eq!(set_ok(T, "train.name", "sgd"), T.replace("'run'", "\"sgd\""));
        assert_eq!(set_ok(T, "train.epochs", "[1, 2]"), T.replace("epochs = 10", "epochs = [1, 2]"));
        assert_eq!(set_ok(T, "train.seed", "7"), T.replace("name = 'run'\n", "name = 'run'\nseed = 7\n"));
    }

    #[test]
    fn errors() {
        let p = |k: &str| k.split('.').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            set(T, &p("train.lr"), &parse_value("null").unwrap()).unwrap_err(),
            "TOML has no null: cannot set `train.lr` to null"
        );
        assert_eq!(
            set(T, &p("layers.3.units"), &parse_value("1").unwrap()).unwrap_err(),
            "index 3 is out of range: `layers` has 1 items"
        );
        assert_eq!(
            to_value(T).unwrap(),
            serde_json::json!({"train": {"lr": 0.001, "epochs": 10, "name": "run"}, "layers": [{"units": 32}]})
        );
    }
}
