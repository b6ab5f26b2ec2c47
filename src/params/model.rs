//! The common params model: a tree of keys and values with spans, built from YAML,
//! JSON or TOML text. Aliases share nodes (the tree is a DAG), so walks are bounded.

use crate::diag::Span;

/// Index of a node in [`Tree::nodes`].
pub type NodeIdx = usize;

/// Deepest nesting a walk follows; deeper data is ignored rather than overflowing the stack.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarType {
    Null,
    Bool,
    Int,
    Float,
    Str,
    /// TOML dates and times.
    Datetime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: NodeIdx,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Entries in source order; duplicates are kept (the last one wins on lookup, as in
    /// a Python dict built from the file).
    Map(Vec<Entry>),
    List(Vec<NodeIdx>),
    /// `text` is the decoded value for strings and the canonical source text otherwise.
    Scalar {
        ty: ScalarType,
        text: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

/// A problem found while building the tree (syntax errors, duplicate keys).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
    pub kind: ProblemKind,
    /// For duplicate keys: the first occurrence.
    pub first: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    Syntax,
    DuplicateKey,
    UnknownAlias,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    pub nodes: Vec<Node>,
    pub root: Option<NodeIdx>,
    pub problems: Vec<Problem>,
    /// Some aliases were not expanded (they became nulls; see
    /// [`super::yaml_model::expansion_budget`]): what is missing below them is unknown.
    pub truncated: bool,
}

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathSeg<'a> {
    pub text: &'a str,
    pub span: Span,
}

impl Tree {
    pub fn node(&self, idx: NodeIdx) -> Option<&Node> {
        self.nodes.get(idx)
    }

    pub fn push(&mut self, span: Span, value: Value) -> NodeIdx {
        self.nodes.push(Node { span, value });
        self.nodes.len() - 1
    }

    /// The entry of `key` in the map `idx` (the last one when duplicated).
    pub fn entry(&self, idx: NodeIdx, key: &str) -> Option<&Entry> {
        match &self.node(idx)?.value {
            Value::Map(entries) => entries.iter().rev().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The child of a map (by key) or a list (by decimal index) — DVC's dotted-path step.
    pub fn child(&self, idx: NodeIdx, seg: &str) -> Option<NodeIdx> {
        match &self.node(idx)?.value {
            Value::Map(_) => self.entry(idx, seg).map(|e| e.value),
            Value::List(items) => {
                if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                items.get(seg.parse::<usize>().ok()?).copied()
            }
            Value::Scalar { .. } => None,
        }
    }

    /// Follows a dotted key path (`a.b.0.c`) from the root.
    pub fn lookup(&self, path: &str) -> Option<NodeIdx> {
        self.lookup_segs(path.split('.'))
    }

    pub fn lookup_segs<'a>(&self, segs: impl IntoIterator<Item = &'a str>) -> Option<NodeIdx> {
        let mut cur = self.root?;
        for seg in segs {
            cur = self.child(cur, seg)?;
        }
        Some(cur)
    }

    /// Like [`Tree::lookup`] but returns how many leading segments resolved and the
    /// node reached, so a diagnostic can say where the path stops.
    pub fn lookup_prefix<'a>(&self, segs: impl IntoIterator<Item = &'a str>) -> (usize, Option<NodeIdx>) {
        let Some(mut cur) = self.root else { return (0, None) };
        let mut n = 0;
        for seg in segs {
            match self.child(cur, seg) {
                Some(next) => {
                    cur = next;
                    n += 1;
                }
                None => return (n, Some(cur)),
            }
        }
        (n, Some(cur))
    }

    /// The key span of the last step of a path, when it is a map key.
    pub fn key_span(&self, path: &str) -> Option<Span> {
        let mut cur = self.root?;
        let mut span = None;
        for seg in path.split('.') {
            match &self.node(cur)?.value {
                Value::Map(_) => {
                    let e = self.entry(cur, seg)?;
                    span = Some(e.key_span);
                    cur = e.value;
                }
                _ => {
                    cur = self.child(cur, seg)?;
                    span = self.node(cur).map(|n| n.span);
                }
            }
        }
        span
    }

    pub fn is_map(&self, idx: NodeIdx) -> bool {
        matches!(self.node(idx).map(|n| &n.value), Some(Value::Map(_)))
    }

    pub fn is_container(&self, idx: NodeIdx) -> bool {
        matches!(self.node(idx).map(|n| &n.value), Some(Value::Map(_) | Value::List(_)))
    }

    /// The child keys of a node: map keys, or list indices.
    pub fn child_keys(&self, idx: NodeIdx) -> Vec<(String, NodeIdx)> {
        match self.node(idx).map(|n| &n.value) {
            Some(Value::Map(entries)) => {
                let mut out: Vec<(String, NodeIdx)> = Vec::with_capacity(entries.len());
                let mut pos: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
                for e in entries {
                    if let Some(&i) = pos.get(e.key.as_str()) {
                        out[i].1 = e.value;
                    } else {
                        pos.insert(&e.key, out.len());
                        out.push((e.key.clone(), e.value));
                    }
                }
                out
            }
            Some(Value::List(items)) => items.iter().enumerate().map(|(i, &v)| (i.to_string(), v)).collect(),
            _ => Vec::new(),
        }
    }

    /// Calls `f(path, key_span, node)` for every map entry reachable from the root, depth first,
    /// in source order. List items are visited with their index as the path step and the
    /// item's own span as the key span. Stops after `limit` calls.
    pub fn walk(&self, limit: usize, f: &mut dyn FnMut(&str, Span, NodeIdx)) {
        let Some(root) = self.root else { return };
        let mut path = String::new();
        let mut count = 0usize;
        self.walk_rec(root, &mut path, 0, limit, &mut count, f);
    }

    fn walk_rec(
        &self,
        idx: NodeIdx,
        path: &mut String,
        depth: usize,
        limit: usize,
        count: &mut usize,
        f: &mut dyn FnMut(&str, Span, NodeIdx),
    ) {
        if depth >= MAX_DEPTH {
            return;
        }
        let Some(node) = self.node(idx) else { return };
        let base = path.len();
        let mut visit = |key: &str, key_span: Span, child: NodeIdx, path: &mut String, count: &mut usize| {
            if *count >= limit {
                return;
            }
            if base > 0 {
                path.push('.');
            }
            path.push_str(key);
            *count += 1;
            f(path, key_span, child);
            self.walk_rec(child, path, depth + 1, limit, count, f);
            path.truncate(base);
        };
        match &node.value {
            Value::Map(entries) => {
                for e in entries {
                    visit(&e.key, e.key_span, e.value, path, count);
                }
            }
            Value::List(items) => {
                for (i, &it) in items.iter().enumerate() {
                    let span = self.node(it).map_or(node.span, |n| n.span);
                    visit(&i.to_string(), span, it, path, count);
                }
            }
            Value::Scalar { .. } => {}
        }
    }

    /// A short type name: `map`, `list`, `string`, `int`, `float`, `bool`, `null`, `datetime`.
    pub fn type_name(&self, idx: NodeIdx) -> &'static str {
        match self.node(idx).map(|n| &n.value) {
            Some(Value::Map(_)) => "map",
            Some(Value::List(_)) => "list",
            Some(Value::Scalar { ty, .. }) => scalar_type_name(*ty),
            None => "null",
        }
    }

    /// Renders a value on one line (flow style), cut to about `max` bytes.
    pub fn render(&self, idx: NodeIdx, max: usize) -> String {
        let mut out = String::new();
        self.render_rec(idx, &mut out, max, 0);
        if out.len() > max {
            let mut cut = max;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            out.push('…');
        }
        out
    }

    fn render_rec(&self, idx: NodeIdx, out: &mut String, max: usize, depth: usize) {
        if out.len() > max || depth >= MAX_DEPTH {
            return;
        }
        match self.node(idx).map(|n| &n.value) {
            Some(Value::Map(_)) => {
                out.push('{');
                for (i, (k, v)) in self.child_keys(idx).into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&k);
                    out.push_str(": ");
                    self.render_rec(v, out, max, depth + 1);
                    if out.len() > max {
                        return;
                    }
                }
                out.push('}');
            }
            Some(Value::List(items)) => {
                out.push('[');
                for (i, &v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.render_rec(v, out, max, depth + 1);
                    if out.len() > max {
                        return;
                    }
                }
                out.push(']');
            }
            Some(Value::Scalar { ty: ScalarType::Str, text }) => {
                out.push('"');
                for c in text.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\t' => out.push_str("\\t"),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Some(Value::Scalar { text, .. }) => out.push_str(text),
            None => out.push_str("null"),
        }
    }

    /// The value as JSON (for schema validation). Map keys keep their last value.
    pub fn to_json(&self, idx: NodeIdx) -> serde_json::Value {
        self.to_json_rec(idx, 0)
    }

    fn to_json_rec(&self, idx: NodeIdx, depth: usize) -> serde_json::Value {
        use serde_json::Value as J;
        if depth >= MAX_DEPTH {
            return J::Null;
        }
        match self.node(idx).map(|n| &n.value) {
            Some(Value::Map(_)) => {
                let mut m = serde_json::Map::new();
                for (k, v) in self.child_keys(idx) {
                    m.insert(k, self.to_json_rec(v, depth + 1));
                }
                J::Object(m)
            }
            Some(Value::List(items)) => {
                J::Array(items.iter().map(|&v| self.to_json_rec(v, depth + 1)).collect())
            }
            Some(Value::Scalar { ty, text }) => scalar_json(*ty, text),
            None => J::Null,
        }
    }

    /// True when two values (possibly of two trees) are equal in type and content.
    pub fn same_value(&self, idx: NodeIdx, other: &Tree, oidx: NodeIdx) -> bool {
        self.to_json(idx) == other.to_json(oidx)
    }

    /// The innermost node (and the map entry holding it, if any) whose key or value span
    /// touches `offset`, with its dotted path.
    pub fn at_offset(&self, offset: usize) -> Option<Located> {
        let root = self.root?;
        let mut best: Option<Located> = None;
        let mut path = Vec::new();
        self.at_rec(root, offset, &mut path, &mut best, 0);
        best
    }

    fn at_rec(
        &self,
        idx: NodeIdx,
        offset: usize,
        path: &mut Vec<String>,
        best: &mut Option<Located>,
        depth: usize,
    ) {
        if depth >= MAX_DEPTH {
            return;
        }
        let Some(node) = self.node(idx) else { return };
        match &node.value {
            Value::Map(entries) => {
                for e in entries {
                    let Some(vnode) = self.node(e.value) else { continue };
                    // Aliased values live elsewhere in the text: only descend into values
                    // that lie after their key.
                    let local = vnode.span.start >= e.key_span.end;
                    let on_key = e.key_span.touches(offset);
                    let in_value = local && vnode.span.touches(offset);
                    if on_key || in_value {
                        path.push(e.key.clone());
                        *best = Some(Located {
                            path: path.join("."),
                            key_span: Some(e.key_span),
                            on_key,
                            node: e.value,
                        });
                        if in_value && !on_key {
                            self.at_rec(e.value, offset, path, best, depth + 1);
                        }
                        path.pop();
                        return;
                    }
                }
            }
            Value::List(items) => {
                for (i, &it) in items.iter().enumerate() {
                    let Some(inode) = self.node(it) else { continue };
                    if inode.span.touches(offset) && inode.span.start >= node.span.start {
                        path.push(i.to_string());
                        *best =
                            Some(Located { path: path.join("."), key_span: None, on_key: false, node: it });
                        self.at_rec(it, offset, path, best, depth + 1);
                        path.pop();
                        return;
                    }
                }
            }
            Value::Scalar { .. } => {}
        }
    }
}

/// Where an offset falls in a [`Tree`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub path: String,
    /// The map key's span, when the node is a map value.
    pub key_span: Option<Span>,
    /// True when the offset is on the key itself.
    pub on_key: bool,
    pub node: NodeIdx,
}

pub fn scalar_type_name(ty: ScalarType) -> &'static str {
    match ty {
        ScalarType::Null => "null",
        ScalarType::Bool => "bool",
        ScalarType::Int => "int",
        ScalarType::Float => "float",
        ScalarType::Str => "string",
        ScalarType::Datetime => "datetime",
    }
}

fn scalar_json(ty: ScalarType, text: &str) -> serde_json::Value {
    use serde_json::Value as J;
    match ty {
        ScalarType::Null => J::Null,
        ScalarType::Bool => J::Bool(text == "true"),
        ScalarType::Int => {
            let t = text.replace('_', "");
            let (neg, digits) = match t.strip_prefix('-') {
                Some(d) => (true, d.to_string()),
                None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
            };
            let parsed = if let Some(h) = digits.strip_prefix("0x") {
                i64::from_str_radix(h, 16).ok()
            } else if let Some(o) = digits.strip_prefix("0o") {
                i64::from_str_radix(o, 8).ok()
            } else if let Some(b) = digits.strip_prefix("0b") {
                i64::from_str_radix(b, 2).ok()
            } else {
                digits.parse::<i64>().ok()
            };
            match parsed {
                Some(n) => J::from(if neg { -n } else { n }),
                None => J::String(text.to_string()),
            }
        }
        ScalarType::Float => {
            let t = text.replace('_', "");
            match t.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Some(n) => J::Number(n),
                None => J::String(text.to_string()),
            }
        }
        ScalarType::Str | ScalarType::Datetime => J::String(text.to_string()),
    }
}

/// Splits a dotted key path into segments with spans relative to `base`.
pub fn split_path(path: &str, base: usize) -> Vec<PathSeg<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in path.char_indices() {
        if c == '.' {
            out.push(PathSeg { text: &path[start..i], span: Span::new(base + start, base + i) });
            start = i + 1;
        }
    }
    out.push(PathSeg { text: &path[start..], span: Span::new(base + start, base + path.len()) });
    out
}

/// Types a plain YAML scalar as DVC's loader (ruamel, YAML 1.2 core schema) does.
pub fn yaml_plain_type(s: &str) -> ScalarType {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarType::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return ScalarType::Bool,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" | ".nan"
        | ".NaN" | ".NAN" => return ScalarType::Float,
        _ => {}
    }
    let b = s.as_bytes();
    let body = match b.first() {
        Some(b'+' | b'-') => &s[1..],
        _ => s,
    };
    if let Some(h) = body.strip_prefix("0x") {
        if !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit() || c == b'_') {
            return ScalarType::Int;
        }
    }
    if let Some(o) = body.strip_prefix("0o") {
        if !o.is_empty() && o.bytes().all(|c| (b'0'..=b'7').contains(&c) || c == b'_') {
            return ScalarType::Int;
        }
    }
    if !body.is_empty()
        && body.as_bytes()[0].is_ascii_digit()
        && body.bytes().all(|c| c.is_ascii_digit() || c == b'_')
    {
        return ScalarType::Int;
    }
    if is_yaml_float(body) {
        return ScalarType::Float;
    }
    ScalarType::Str
}

fn is_yaml_float(s: &str) -> bool {
    // [0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)? with at least a dot or an exponent, or \.[0-9_]+(exp)?
    let b = s.as_bytes();
    let mut i = 0;
    let int_digits = {
        let st = i;
        while i < b.len() && (b[i].is_ascii_digit() || (i > st && b[i] == b'_')) {
            i += 1;
        }
        i - st
    };
    let mut dot = false;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        dot = true;
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
            frac_digits += 1;
        }
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    let mut exp = false;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == st {
            return false;
        }
        exp = true;
    }
    i == b.len() && (dot || exp) && (int_digits > 0 || !exp || frac_digits > 0)
}

impl Tree {
    /// [`Tree::lookup_prefix`] from a given node.
    pub fn lookup_prefix_from(&self, from: NodeIdx, segs: &[&str]) -> (usize, Option<NodeIdx>) {
        let mut cur = from;
        for (n, seg) in segs.iter().enumerate() {
            match self.child(cur, seg) {
                Some(next) => cur = next,
                None => return (n, Some(cur)),
            }
        }
        (segs.len(), Some(cur))
    }

    /// Follows `segs` from `from`.
    pub fn lookup_from(&self, from: NodeIdx, segs: &[&str]) -> Option<NodeIdx> {
        let mut cur = from;
        for seg in segs {
            cur = self.child(cur, seg)?;
        }
        Some(cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalar_types_follow_yaml_1_2() {
        assert_eq!(yaml_plain_type("0.1"), ScalarType::Float);
        assert_eq!(yaml_plain_type("1e-3"), ScalarType::Float);
        assert_eq!(yaml_plain_type("1."), ScalarType::Float);
        assert_eq!(yaml_plain_type(".5"), ScalarType::Float);
        assert_eq!(yaml_plain_type("-.inf"), ScalarType::Float);
        assert_eq!(yaml_plain_type("42"), ScalarType::Int);
        assert_eq!(yaml_plain_type("-7"), ScalarType::Int);
        assert_eq!(yaml_plain_type("0x1F"), ScalarType::Int);
        assert_eq!(yaml_plain_type("yes"), ScalarType::Str);
        assert_eq!(yaml_plain_type("True"), ScalarType::Bool);
        assert_eq!(yaml_plain_type("~"), ScalarType::Null);
        assert_eq!(yaml_plain_type("1.2.3"), ScalarType::Str);
        assert_eq!(yaml_plain_type("e5"), ScalarType::Str);
        assert_eq!(yaml_plain_type("."), ScalarType::Str);
        assert_eq!(yaml_plain_type("adam"), ScalarType::Str);
    }

    #[test]
    fn split_path_gives_spans() {
        let segs = split_path("a.bc.0", 10);
        assert_eq!(
            segs,
            vec![
                PathSeg { text: "a", span: Span::new(10, 11) },
                PathSeg { text: "bc", span: Span::new(12, 14) },
                PathSeg { text: "0", span: Span::new(15, 16) },
            ]
        );
        assert_eq!(split_path("", 3), vec![PathSeg { text: "", span: Span::new(3, 3) }]);
    }
}
