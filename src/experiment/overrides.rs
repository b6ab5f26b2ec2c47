//! `--set` overrides with DVC's `-S` semantics: `[file:]dotted.key=value`, list indices as
//! numeric segments, values typed like YAML flow values (core schema).

use serde_json::{Map, Number, Value};

/// The params file an override applies to when it names none.
pub const DEFAULT_PARAMS_FILE: &str = "params.yaml";

/// How the user quoted a string value (kept when the file has no style of its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quote {
    Single,
    Double,
}

/// A typed value from the command line (or the editor), with the text the user wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct NewValue {
    pub value: Value,
    /// The value as written, trimmed (used to keep e.g. `1e-3` as typed).
    pub raw: String,
    /// Set when the whole value was a quoted string.
    pub quote: Option<Quote>,
}

/// One parsed override.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// Repo-relative params file, `params.yaml` unless the override named one.
    pub file: String,
    /// The dotted key split into segments; numeric segments index lists.
    pub path: Vec<String>,
    pub value: NewValue,
}

impl Override {
    pub fn key(&self) -> String {
        self.path.join(".")
    }
}

/// Parses `[file:]key.path=value`.
pub fn parse_override(spec: &str) -> Result<Override, String> {
    let Some(eq) = spec.find('=') else {
        return Err(format!("invalid override {spec:?}: expected KEY=VALUE, e.g. train.lr=0.01"));
    };
    let (lhs, rhs) = (&spec[..eq], &spec[eq + 1..]);
    let (file, key) = match lhs.rfind(':') {
        Some(i) => (lhs[..i].trim(), lhs[i + 1..].trim()),
        None => (DEFAULT_PARAMS_FILE, lhs.trim()),
    };
    if file.is_empty() {
        return Err(format!("invalid override {spec:?}: empty file name before ':'"));
    }
    let path = parse_key(key).map_err(|e| format!("invalid override {spec:?}: {e}"))?;
    let value = parse_value(rhs).map_err(|e| format!("invalid value in override {spec:?}: {e}"))?;
    Ok(Override { file: file.replace('\\', "/"), path, value })
}

/// Splits a dotted key; every segment must be non-empty.
pub fn parse_key(key: &str) -> Result<Vec<String>, String> {
    if key.is_empty() {
        return Err("empty key".into());
    }
    let segs: Vec<String> = key.split('.').map(str::to_string).collect();
    if let Some(i) = segs.iter().position(|s| s.trim().is_empty()) {
        return Err(format!("key {key:?} has an empty segment (part {})", i + 1));
    }
    Ok(segs)
}

/// Parses a value the way YAML reads a flow value: `0.01` float, `20` int, `true` bool,
/// `null`, `[1, 2]` list, `{a: 1}` mapping, `'x'`/`"x"` strings, anything else a string.
pub fn parse_value(text: &str) -> Result<NewValue, String> {
    let raw = text.trim();
    if raw.is_empty() {
        return Err("empty value (write null, '' or a value)".into());
    }
    let mut p = FlowParser { s: raw.as_bytes(), src: raw, i: 0 };
    let value = p.value(true)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("unexpected {:?} at column {}", &raw[p.i..], p.i + 1));
    }
    let quote = match raw.as_bytes()[0] {
        b'\'' => Some(Quote::Single),
        b'"' => Some(Quote::Double),
        _ => None,
    };
    Ok(NewValue { value, raw: raw.to_string(), quote })
}

struct FlowParser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
}

impl FlowParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] == b' ' || self.s[self.i] == b'\t') {
            self.i += 1;
        }
    }

    fn value(&mut self, top: bool) -> Result<Value, String> {
        self.ws();
        match self.s.get(self.i) {
            None => Err("missing value".into()),
            Some(b'[') => self.seq(),
            Some(b'{') => self.map(),
            Some(b'"') => self.double().map(Value::String),
            Some(b'\'') => self.single().map(Value::String),
            Some(_) => {
                let start = self.i;
                let stops: &[u8] = if top { b"" } else { b",]}" };
                while self.i < self.s.len() && !stops.contains(&self.s[self.i]) {
                    if !top && self.s[self.i] == b':' && self.s.get(self.i + 1).is_none_or(|c| *c == b' ') {
                        break;
                    }
                    self.i += 1;
                }
                let word = self.src[start..self.i].trim();
                if word.is_empty() {
                    return Err(format!("missing value at column {}", start + 1));
                }
                Ok(resolve_plain(word))
            }
        }
    }

    fn seq(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.ws();
            match self.s.get(self.i) {
                None => return Err("unclosed '['".into()),
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                _ => {}
            }
            items.push(self.value(false)?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {}
                None => return Err("unclosed '['".into()),
                Some(c) => {
                    return Err(format!(
                        "expected ',' or ']' at column {}, found {:?}",
                        self.i + 1,
                        *c as char
                    ))
                }
            }
        }
    }

    fn map(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut m = Map::new();
        loop {
            self.ws();
            match self.s.get(self.i) {
                None => return Err("unclosed '{'".into()),
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(m));
                }
                _ => {}
            }
            let key = match self.value(false)? {
                Value::String(s) => s,
                other => other.to_string(),
            };
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(format!("expected ':' after key {key:?} at column {}", self.i + 1));
            }
            self.i += 1;
            let v = self.value(false)?;
            m.insert(key, v);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                None => return Err("unclosed '{'".into()),
                Some(c) => {
                    return Err(format!(
                        "expected ',' or '}}' at column {}, found {:?}",
                        self.i + 1,
                        *c as char
                    ))
                }
            }
        }
    }

    fn single(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let rest = &self.src[self.i..];
            let Some(q) = rest.find('\'') else { return Err("unclosed single quote".into()) };
            out.push_str(&rest[..q]);
            self.i += q + 1;
            if self.s.get(self.i) == Some(&b'\'') {
                out.push('\'');
                self.i += 1;
            } else {
                return Ok(out);
            }
        }
    }

    fn double(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        let mut chars = self.src[self.i..].char_indices();
        while let Some((off, c)) = chars.next() {
            match c {
                '"' => {
                    self.i += off + 1;
                    return Ok(out);
                }
                '\\' => {
                    let Some((_, e)) = chars.next() else { break };
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '0' => out.push('\0'),
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'u' => {
                            let hex: String = chars.by_ref().take(4).map(|(_, c)| c).collect();
                            let c = u32::from_str_radix(&hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .ok_or_else(|| format!("invalid escape \\u{hex}"))?;
                            out.push(c);
                        }
                        other => return Err(format!("unknown escape \\{other} in double-quoted string")),
                    }
                }
                c => out.push(c),
            }
        }
        Err("unclosed double quote".into())
    }
}

/// Resolves a plain scalar with the YAML 1.2 core schema.
pub fn resolve_plain(word: &str) -> Value {
    match word {
        "null" | "Null" | "NULL" | "~" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(n) = parse_int(word) {
        return Value::Number(n.into());
    }
    if is_float(word) {
        if let Some(n) = word.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(word.to_string())
}

fn parse_int(w: &str) -> Option<i64> {
    let (neg, digits) = match w.as_bytes().first()? {
        b'-' => (true, &w[1..]),
        b'+' => (false, &w[1..]),
        _ => (false, w),
    };
    let v = if let Some(h) = w.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = w.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let v: i64 = digits.parse().ok()?;
        if neg {
            -v
        } else {
            v
        }
    } else {
        return None;
    };
    Some(v)
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float(w: &str) -> bool {
    let b = w.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - s;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(s: &str) -> Value {
        parse_value(s).unwrap().value
    }

    #[test]
    fn values_are_typed_like_yaml() {
        assert_eq!(v("0.01"), json!(0.01));
        assert_eq!(v("1e-3"), json!(0.001));
        assert_eq!(v("20"), json!(20));
        assert_eq!(v("-3"), json!(-3));
        assert_eq!(v("true"), json!(true));
        assert_eq!(v("False"), json!(false));
        assert_eq!(v("null"), Value::Null);
        assert_eq!(v("~"), Value::Null);
        assert_eq!(v("adam"), json!("adam"));
        assert_eq!(v("'0.01'"), json!("0.01"));
        assert_eq!(v("\"true\""), json!("true"));
        assert_eq!(v("'it''s'"), json!("it's"));
        assert_eq!(v("[1, 2.5, x, 'y']"), json!([1, 2.5, "x", "y"]));
        assert_eq!(v("{a: 1, b: [true, null]}"), json!({"a": 1, "b": [true, null]}));
        assert_eq!(v("[]"), json!([]));
        assert_eq!(v("1.2.3"), json!("1.2.3"));
        assert_eq!(v("a: b"), json!("a: b"));
        assert_eq!(parse_value("'x'").unwrap().quote, Some(Quote::Single));
        assert_eq!(parse_value(" 1e-3 ").unwrap().raw, "1e-3");
    }

    #[test]
    fn bad_values_are_errors() {
        assert_eq!(parse_value("").unwrap_err(), "empty value (write null, '' or a value)");
        assert_eq!(parse_value("[1, 2").unwrap_err(), "unclosed '['");
        assert_eq!(parse_value("'abc").unwrap_err(), "unclosed single quote");
        assert_eq!(parse_value("'a' b").unwrap_err(), "unexpected \"b\" at column 5");
        assert_eq!(parse_value("{a 1}").unwrap_err(), "expected ':' after key \"a 1\" at column 5");
    }

    #[test]
    fn overrides_parse_file_key_and_value() {
        let o = parse_override("train.lr=0.01").unwrap();
        assert_eq!(o.file, "params.yaml");
        assert_eq!(o.path, vec!["train", "lr"]);
        assert_eq!(o.value.value, json!(0.01));
        let o = parse_override("conf/model.json:layers.0.units=64").unwrap();
        assert_eq!(o.file, "conf/model.json");
        assert_eq!(o.key(), "layers.0.units");
        assert_eq!(o.value.value, json!(64));
        let o = parse_override("msg=a=b").unwrap();
        assert_eq!(o.value.value, json!("a=b"));
    }

    #[test]
    fn bad_overrides_are_errors() {
        assert_eq!(
            parse_override("train.lr").unwrap_err(),
            "invalid override \"train.lr\": expected KEY=VALUE, e.g. train.lr=0.01"
        );
        assert_eq!(
            parse_override("train..lr=1").unwrap_err(),
            "invalid override \"train..lr=1\": key \"train..lr\" has an empty segment (part 2)"
        );
        assert_eq!(parse_override("=1").unwrap_err(), "invalid override \"=1\": empty key");
        assert_eq!(
            parse_override(":a=1").unwrap_err(),
            "invalid override \":a=1\": empty file name before ':'"
        );
        assert_eq!(parse_override("a=[1").unwrap_err(), "invalid value in override \"a=[1\": unclosed '['");
    }
}
