#![allow(dead_code)]
//! The previous parser, kept as the reference for the differential test: tree-sitter-yaml gives a concrete syntax tree, which is converted into our arena.
//!
//! tree-sitter-yaml sometimes gives up on a whole file because of one bad line (a tab in
//! the indentation, `a: b: c`, an unknown escape). When the tree does not cover the text we
//! find the point where parsing stopped, report it once, blank the offending line (same
//! length, so offsets do not move) and reparse incrementally, a bounded number of times.
//! Scalars are always decoded from the original text.

use std::collections::HashMap;

use tree_sitter::{InputEdit, Node as TsNode, Parser, Point, Tree};

use super::scalar::{self, ScalarProblem};
use super::{Comment, Document, Node, NodeId, NodeKind, Problem, ProblemKind, Scalar, ScalarStyle, Yaml};
use crate::diag::Span;

/// Collections nested deeper than this become `Null` with a syntax problem.
const MAX_DEPTH: usize = 256;
/// How many times a file-level parse failure is repaired by blanking a line.
const MAX_REPAIRS: usize = 32;

/// Parses a YAML stream. Never fails: broken input gives a best-effort tree and problems.
pub fn parse(text: &str) -> Yaml {
    YamlParser::new().parse(text).yaml
}

/// A reusable tree-sitter parser for YAML.
pub struct YamlParser {
    parser: Option<Parser>,
}

/// The result of a parse that can be reparsed incrementally after edits.
pub struct Parsed {
    /// The tree of the original text (before any repair), kept for incremental reparsing.
    tree: Option<Tree>,
    text: String,
    /// The tree is of a guarded copy of the text (see `guard_deep_indentation`), so it
    /// cannot be reused incrementally.
    guarded: bool,
    pub yaml: Yaml,
}

impl Default for YamlParser {
    fn default() -> Self {
        Self::new()
    }
}

impl YamlParser {
    pub fn new() -> YamlParser {
        let mut parser = Parser::new();
        let ok = parser.set_language(&tree_sitter_yaml::LANGUAGE.into()).is_ok();
        YamlParser { parser: ok.then_some(parser) }
    }

    /// Parses `text` from scratch.
    pub fn parse(&mut self, text: &str) -> Parsed {
        self.parse_with(text, None)
    }

    /// Reparses after `edits`, reusing `old`'s tree. Each edit is `(range, new_len)`:
    /// `range` (in the text as it was after the previous edits, as in LSP `didChange`)
    /// was replaced by `new_len` bytes. The result equals a fresh parse of `new_text`.
    pub fn reparse(&mut self, old: &Parsed, new_text: &str, edits: &[(Span, usize)]) -> Parsed {
        let Some((start, old_end, new_end)) = combine_edits(edits) else {
            return self.parse_with(new_text, old.tree.clone());
        };
        let consistent = old_end <= old.text.len()
            && start <= old_end
            && start <= new_end
            && new_end <= new_text.len()
            && old.text.len() - old_end == new_text.len() - new_end;
        let (Some(tree), true) = (old.tree.as_ref(), consistent && !old.guarded) else {
            return self.parse_with(new_text, None);
        };
        let mut tree = tree.clone();
        tree.edit(&InputEdit {
            start_byte: start,
            old_end_byte: old_end,
            new_end_byte: new_end,
            start_position: point_at(old.text.as_bytes(), start),
            old_end_position: point_at(old.text.as_bytes(), old_end),
            new_end_position: point_at(new_text.as_bytes(), new_end),
        });
        self.parse_with(new_text, Some(tree))
    }

    fn parse_with(&mut self, text: &str, old: Option<Tree>) -> Parsed {
        let Some(parser) = self.parser.as_mut() else {
            return Parsed {
                tree: None,
                text: text.to_string(),
                guarded: false,
                yaml: Yaml { source: text.to_string(), ..Yaml::default() },
            };
        };
        let mut problems = Vec::new();
        let guarded = guard_deep_indentation(text, &mut problems);
        let (input, old) = match &guarded {
            Some(g) => (g.as_str(), None),
            None => (text, old),
        };
        let tree = parser.parse(input, old.as_ref());
        let yaml = match &tree {
            Some(tree) => {
                let repaired = repair(parser, text, input, tree, &mut problems);
                let (cur_tree, cur_text) = match &repaired {
                    Some((t, s)) => (t, s.as_str()),
                    None => (tree, input),
                };
                convert(text, cur_text, cur_tree, problems)
            }
            None => Yaml { problems, source: text.to_string(), ..Yaml::default() },
        };
        Parsed { tree, text: text.to_string(), guarded: guarded.is_some(), yaml }
    }
}

impl Parsed {
    /// Reparses after edits with a fresh [`YamlParser`]; see [`YamlParser::reparse`].
    pub fn reparse(&self, new_text: &str, edits: &[(Span, usize)]) -> Parsed {
        YamlParser::new().reparse(self, new_text, edits)
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Deepest column at which a block collection may start. The grammar's scanner keeps one
/// entry per indentation level in a fixed 1 KiB state buffer and aborts beyond about 250
/// levels, so lines that could open deeper levels are blanked before parsing.
const MAX_BLOCK_COLUMN: usize = 120;

/// Blanks (same length) every line whose block structure starts past [`MAX_BLOCK_COLUMN`],
/// reporting each run of such lines once. Returns `None` when nothing needed blanking.
fn guard_deep_indentation(text: &str, problems: &mut Vec<Problem>) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut ls = 0;
    let mut prev_blanked = false;
    while ls < bytes.len() {
        let le = bytes[ls..].iter().position(|&b| b == b'\n' || b == b'\r').map_or(bytes.len(), |i| ls + i);
        let line = &bytes[ls..le];
        // Skip indentation and compact `- `, `? `, `: ` indicators.
        let mut i = 0;
        loop {
            while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
                i += 1;
            }
            if i + 1 < line.len()
                && matches!(line[i], b'-' | b'?' | b':')
                && matches!(line[i + 1], b' ' | b'\t')
            {
                i += 2;
                continue;
            }
            break;
        }
        let deep = i > MAX_BLOCK_COLUMN && line.get(i) != Some(&b'#');
        if deep {
            let buf = out.get_or_insert_with(|| bytes.to_vec());
            for b in &mut buf[ls..le] {
                *b = b' ';
            }
            if !prev_blanked {
                let (s, e) = trim_span(text, ls + i, le);
                problems.push(Problem {
                    kind: ProblemKind::Syntax,
                    span: Span::new(s, e),
                    message: format!("nesting deeper than {MAX_BLOCK_COLUMN} columns is not supported"),
                    first: None,
                });
            }
        }
        if i < line.len() {
            prev_blanked = deep;
        }
        ls = if le < bytes.len() { le + 1 } else { le };
    }
    // Only ASCII spaces were written over whole lines, so the text is still UTF-8.
    out.and_then(|b| String::from_utf8(b).ok())
}

/// Folds sequential edits into one `(start, old_end, new_end)` change covering them all.
fn combine_edits(edits: &[(Span, usize)]) -> Option<(usize, usize, usize)> {
    let mut acc: Option<(usize, usize, usize)> = None;
    for &(r, new_len) in edits {
        let (rs, re) = (r.start.min(r.end), r.end.max(r.start));
        acc = Some(match acc {
            None => (rs, re, rs.saturating_add(new_len)),
            Some((s, oe, ce)) => {
                let old_end = if re > ce { oe.saturating_add(re - ce) } else { oe };
                let cur_end = (ce.max(re) + new_len).saturating_sub(re - rs);
                (s.min(rs), old_end, cur_end.max(s.min(rs)))
            }
        });
    }
    acc
}

fn point_at(bytes: &[u8], offset: usize) -> Point {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let row = before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    Point { row, column: offset - line_start }
}

/// Where parsing stopped, when the tree does not cover the text.
fn failure_point(text: &str, tree: &Tree) -> Option<usize> {
    let root = tree.root_node();
    let content_end = text.trim_end_matches([' ', '\t', '\n', '\r']).len();
    if root.kind() != "ERROR" && root.end_byte() >= content_end {
        return None;
    }
    let bytes = text.as_bytes();
    let mut f = root.end_byte().min(bytes.len());
    while f < bytes.len() && matches!(bytes[f], b' ' | b'\n' | b'\r') {
        f += 1;
    }
    Some(f)
}

fn line_bounds(bytes: &[u8], at: usize) -> (usize, usize) {
    let at = at.min(bytes.len());
    let start = bytes[..at].iter().rposition(|&b| b == b'\n' || b == b'\r').map_or(0, |i| i + 1);
    let end = bytes[at..].iter().position(|&b| b == b'\n' || b == b'\r').map_or(bytes.len(), |i| at + i);
    (start, end)
}

/// Repairs file-level failures by blanking; returns the final tree and text when any
/// repair was made. Problems for the repaired regions are pushed to `problems`.
fn repair(
    parser: &mut Parser,
    text: &str,
    input: &str,
    tree: &Tree,
    problems: &mut Vec<Problem>,
) -> Option<(Tree, String)> {
    let mut cur: Option<(Tree, Vec<u8>)> = None;
    for _ in 0..MAX_REPAIRS {
        let (t, bytes): (&Tree, &[u8]) = match &cur {
            Some((t, b)) => (t, b),
            None => (tree, input.as_bytes()),
        };
        // Blanking only writes ASCII spaces over whole lines or ASCII bytes, so the text stays UTF-8.
        let Ok(cur_text) = std::str::from_utf8(bytes) else { break };
        let Some(f) = failure_point(cur_text, t) else { break };
        let (blank, problem) = diagnose(text, cur_text, t, f);
        if let Some(p) = problem {
            problems.push(p);
        }
        let (bs, be) = blank;
        if bs >= be {
            break;
        }
        let mut new_bytes = bytes.to_vec();
        for b in &mut new_bytes[bs..be] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
        let mut edited = t.clone();
        let sp = point_at(&new_bytes, bs);
        let ep = point_at(&new_bytes, be);
        edited.edit(&InputEdit {
            start_byte: bs,
            old_end_byte: be,
            new_end_byte: be,
            start_position: sp,
            old_end_position: ep,
            new_end_position: ep,
        });
        let Some(new_tree) = parser.parse(&new_bytes, Some(&edited)) else { break };
        cur = Some((new_tree, new_bytes));
    }
    let (t, b) = cur?;
    let s = String::from_utf8(b).ok()?;
    Some((t, s))
}

/// Decides what to blank for a failure at `f` and how to report it.
fn diagnose(orig: &str, cur: &str, tree: &Tree, f: usize) -> ((usize, usize), Option<Problem>) {
    let bytes = cur.as_bytes();
    let syntax =
        |span: Span, message: String| Problem { kind: ProblemKind::Syntax, span, message, first: None };
    if f >= bytes.len() {
        // Parsing ran to the end of the text: something is left open.
        if let Some((open, what)) = unclosed(tree.root_node(), bytes) {
            let (_, le) = line_bounds(bytes, open);
            let (s, e) = trim_span(orig, open, le);
            return ((open, le), Some(syntax(Span::new(s, e), what)));
        }
        let root = tree.root_node();
        let (ls, le) = line_bounds(bytes, root.end_byte().saturating_sub(1));
        let (s, e) = trim_span(orig, ls, le);
        return ((ls, le), Some(syntax(Span::new(s, e), "unexpected end of file".to_string())));
    }
    let (ls, le) = line_bounds(bytes, f);
    let b = bytes[f];
    if b == b'\t' && unclosed(tree.root_node(), bytes).is_some_and(|(_, what)| what.contains("quoted")) {
        // Tabs are allowed in the line prefix of a multi-line quoted scalar, which the
        // grammar rejects: turn them into spaces (the decoder reads the original text).
        let mut te = f;
        while te < le && bytes[te] == b'\t' {
            te += 1;
        }
        return ((f, te), None);
    }
    if b == b'\t' || (bytes[ls..f].iter().all(|&c| c == b' ' || c == b'\t') && bytes[ls..f].contains(&b'\t'))
    {
        let ts = bytes[ls..le].iter().position(|&c| c == b'\t').map_or(f, |i| ls + i);
        let mut te = ts;
        while te < le && (bytes[te] == b'\t' || bytes[te] == b' ') {
            te += 1;
        }
        let span = Span::new(ts, te.max(ts + 1).min(le.max(ts + 1)));
        let msg = if bytes[ls..ts].iter().all(|&c| c == b' ') {
            "tab characters cannot be used for indentation"
        } else {
            "unexpected tab character"
        };
        return ((ls, le), Some(syntax(span, msg.to_string())));
    }
    if b == b'\\' {
        // An unknown escape inside a double-quoted string: the scalar decoder reports it,
        // blanking the backslash alone keeps the rest of the line.
        return ((f, f + 1), None);
    }
    let (ts, te) = token_at(orig, f, le);
    let tok = &orig[ts..te];
    let msg = if tok.starts_with('"') {
        "unclosed double-quoted string".to_string()
    } else if tok.starts_with('\'') {
        "unclosed single-quoted string".to_string()
    } else {
        format!("unexpected `{tok}`")
    };
    let span = if tok.starts_with(['"', '\'']) {
        Span::new(ts, trim_span(orig, ts, le).1)
    } else {
        Span::new(ts, te)
    };
    ((ls, le), Some(syntax(span, msg)))
}

/// The token starting at `at`: one punctuation character, or a run up to white space.
fn token_at(text: &str, at: usize, line_end: usize) -> (usize, usize) {
    let (s, le) = scalar::clamp(text, at, line_end);
    let rest = &text[s..le];
    let Some(c) = rest.chars().next() else {
        return (s, s);
    };
    if ":-?,[]{}#&*!|>'\"%@`".contains(c) {
        return (s, s + c.len_utf8());
    }
    let n: usize = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !":,[]{}".contains(*c))
        .take(40)
        .map(char::len_utf8)
        .sum();
    (s, s + n.max(c.len_utf8()))
}

/// `[s, e)` without trailing white space, on char boundaries and non-empty when possible.
fn trim_span(text: &str, s: usize, e: usize) -> (usize, usize) {
    let (s, e) = scalar::clamp(text, s, e);
    let t = text[s..e].trim_end();
    (s, s + t.len())
}

/// The first quote, else the outermost opening bracket, in an ERROR that is never closed.
fn unclosed(root: TsNode, bytes: &[u8]) -> Option<(usize, String)> {
    // Scan the error region lexically, ignoring brackets inside quotes and comments.
    let s = root.start_byte().min(bytes.len());
    let e = root.end_byte().min(bytes.len());
    let mut stack: Vec<(usize, u8)> = Vec::new();
    let mut i = s;
    while i < e {
        let b = bytes[i];
        match b {
            b'#' if i == s || matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                while i < e && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' if i == s || !bytes[i - 1].is_ascii_alphanumeric() => {
                let q = b;
                let start = i;
                i += 1;
                let mut closed = false;
                while i < e {
                    if q == b'"' && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == q {
                        if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        closed = true;
                        break;
                    }
                    i += 1;
                }
                if !closed {
                    let what = if q == b'"' {
                        "unclosed double-quoted string"
                    } else {
                        "unclosed single-quoted string"
                    };
                    return Some((start, what.to_string()));
                }
            }
            b'[' | b'{' => stack.push((i, b)),
            b']' | b'}' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    // The outermost unclosed bracket: blanking from it repairs the whole nest at once.
    stack
        .first()
        .map(|&(at, b)| (at, if b == b'[' { "missing `]`".to_string() } else { "missing `}`".to_string() }))
}

fn convert(text: &str, cur_text: &str, tree: &Tree, problems: Vec<Problem>) -> Yaml {
    let mut c = Conv {
        text,
        yaml: Yaml { problems, source: text.to_string(), ..Yaml::default() },
        anchors: HashMap::new(),
        depth: 0,
        scalar_problems: Vec::new(),
    };
    let root = tree.root_node();
    collect_extras(cur_text, root, &mut c.yaml);
    let mut cursor = root.walk();
    if root.kind() == "stream" {
        let children: Vec<TsNode> = root.named_children(&mut cursor).collect();
        for d in children {
            if d.kind() == "document" {
                c.document(d);
            }
        }
    } else {
        c.document(root);
    }
    for (span, message) in std::mem::take(&mut c.scalar_problems) {
        c.yaml.problems.push(Problem { kind: ProblemKind::Syntax, span, message, first: None });
    }
    c.yaml.problems.sort_by_key(|p| (p.span.start, p.span.end));
    c.yaml.fingerprints = c.yaml.nodes.iter().map(|n| super::node_fingerprint(&n.kind)).collect();
    c.yaml
}

/// Collects comments and reports ERROR and MISSING nodes (one problem per region).
fn collect_extras(text: &str, root: TsNode, yaml: &mut Yaml) {
    let mut cursor = root.walk();
    let bytes = text.as_bytes();
    loop {
        let n = cursor.node();
        let kind = n.kind();
        let mut descend = true;
        if kind == "comment" {
            let (s, e) = trim_span(text, n.start_byte(), n.end_byte());
            yaml.comments.push(Comment { span: Span::new(s, e) });
            descend = false;
        } else if n.is_missing() {
            let at = n.start_byte().min(bytes.len());
            let (ls, _) = line_bounds(bytes, at);
            let (s, e) = scalar::clamp(text, at.saturating_sub(1).max(ls), at);
            let span = if s < e { Span::new(s, e) } else { Span::empty(e) };
            let message = match kind {
                "]" | "}" | "\"" | "'" => format!("missing `{kind}`"),
                _ => "missing value".to_string(),
            };
            yaml.problems.push(Problem { kind: ProblemKind::Syntax, span, message, first: None });
            descend = false;
        } else if n.is_error() && n.id() != root.id() {
            yaml.problems.push(error_problem(text, n));
            descend = false;
        } else if matches!(
            kind,
            "plain_scalar" | "double_quote_scalar" | "single_quote_scalar" | "block_scalar"
        ) {
            descend = false;
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

fn error_problem(text: &str, n: TsNode) -> Problem {
    let bytes = text.as_bytes();
    let syntax =
        |span: Span, message: String| Problem { kind: ProblemKind::Syntax, span, message, first: None };
    let start = n.start_byte().min(bytes.len());
    let (_, le) = line_bounds(bytes, start);
    let end = n.end_byte().min(le).max(start);
    let (s, e) = trim_span(text, start, end);
    if let Some((open, what)) = unclosed(n, bytes) {
        let (_, ole) = line_bounds(bytes, open);
        let (s2, e2) = trim_span(text, open, ole);
        return syntax(Span::new(s2, e2), what);
    }
    let (ts, te) = token_at(text, s, e.max(s + 1).min(le));
    let tok = &text[ts..te];
    if tok.is_empty() {
        return syntax(Span::new(s, e), "syntax error".to_string());
    }
    syntax(Span::new(ts, te), format!("unexpected `{tok}`"))
}

struct Conv<'a> {
    text: &'a str,
    yaml: Yaml,
    anchors: HashMap<String, NodeId>,
    depth: usize,
    scalar_problems: Vec<ScalarProblem>,
}

fn is_value_kind(kind: &str) -> bool {
    matches!(
        kind,
        "block_node"
            | "flow_node"
            | "plain_scalar"
            | "double_quote_scalar"
            | "single_quote_scalar"
            | "block_scalar"
            | "alias"
            | "block_mapping"
            | "block_sequence"
            | "flow_mapping"
            | "flow_sequence"
    )
}

impl Conv<'_> {
    fn document(&mut self, d: TsNode) {
        self.anchors.clear();
        let mut cursor = d.walk();
        let content = d.named_children(&mut cursor).find(|n| is_value_kind(n.kind()) || n.is_error());
        let root = content.map(|n| if n.is_error() { self.error_value(n, -1) } else { self.value(n, -1) });
        let span = self.span(d.start_byte(), d.end_byte());
        self.yaml.docs.push(Document { root, span });
    }

    fn span(&self, s: usize, e: usize) -> Span {
        let (s, e) = scalar::clamp(self.text, s, e);
        Span::new(s, e)
    }

    fn alloc(&mut self, span: Span) -> NodeId {
        let id = NodeId(self.yaml.nodes.len() as u32);
        self.yaml.nodes.push(Node { span, kind: NodeKind::Null, props: None });
        id
    }

    fn null(&mut self, at: usize) -> NodeId {
        let span = self.span(at, at);
        self.alloc(span)
    }

    fn column(&self, offset: usize) -> i64 {
        let bytes = self.text.as_bytes();
        let (ls, _) = line_bounds(bytes, offset);
        let bom = if ls == 0 && bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        offset.saturating_sub(ls + bom) as i64
    }

    /// Converts a value node (`block_node`/`flow_node` wrappers or content).
    fn value(&mut self, n: TsNode, parent_indent: i64) -> NodeId {
        let mut anchor = None;
        let mut tag = None;
        let mut content = None;
        let mut props_end = n.start_byte();
        if matches!(n.kind(), "block_node" | "flow_node") {
            let mut cursor = n.walk();
            for ch in n.named_children(&mut cursor) {
                match ch.kind() {
                    "anchor" => {
                        let span = self.span(ch.start_byte(), ch.end_byte());
                        let name = self.text[span.start..span.end].trim_start_matches('&').to_string();
                        anchor = Some((name, span));
                        props_end = ch.end_byte();
                    }
                    "tag" => {
                        let span = self.span(ch.start_byte(), ch.end_byte());
                        tag = Some((self.text[span.start..span.end].to_string(), span));
                        props_end = ch.end_byte();
                    }
                    "comment" => {}
                    _ if content.is_none() => content = Some(ch),
                    _ => {}
                }
            }
        } else {
            content = Some(n);
        }
        let id = match content {
            Some(c) => {
                // Collections can extend over trailing white space; spans stop at content.
                let (s, e) = trim_span(self.text, c.start_byte(), c.end_byte());
                self.alloc(Span::new(s, e))
            }
            None => self.null(props_end),
        };
        if let Some((name, _)) = &anchor {
            self.anchors.insert(name.clone(), id);
        }
        let node = &mut self.yaml.nodes[id.0 as usize];
        node.props = super::Props::boxed(anchor, tag);
        if let Some(c) = content {
            let kind = self.content(c, id, parent_indent);
            self.yaml.nodes[id.0 as usize].kind = kind;
        }
        id
    }

    fn content(&mut self, c: TsNode, id: NodeId, parent_indent: i64) -> NodeKind {
        let (s, e) = (c.start_byte(), c.end_byte());
        match c.kind() {
            "plain_scalar" => NodeKind::Scalar(scalar::plain(self.text, s, e)),
            "double_quote_scalar" => self.quoted(s, e, ScalarStyle::DoubleQuoted),
            "single_quote_scalar" => self.quoted(s, e, ScalarStyle::SingleQuoted),
            "block_scalar" => {
                NodeKind::Scalar(scalar::block(self.text, s, e, parent_indent, &mut self.scalar_problems))
            }
            "alias" => {
                let span = self.span(s, e);
                let name = self.text[span.start..span.end].trim_start_matches('*').to_string();
                let target = self.anchors.get(&name).copied();
                if target.is_none() {
                    self.yaml.problems.push(Problem {
                        kind: ProblemKind::UnknownAlias,
                        span,
                        message: format!("unknown anchor `{name}`"),
                        first: None,
                    });
                }
                NodeKind::Alias { name, target }
            }
            "block_mapping" | "flow_mapping" | "block_sequence" | "flow_sequence" | "flow_pair" | "ERROR" => {
                if self.depth >= MAX_DEPTH {
                    let span = self.span(s, s + 1);
                    self.yaml.problems.push(Problem {
                        kind: ProblemKind::Syntax,
                        span,
                        message: "nesting too deep".to_string(),
                        first: None,
                    });
                    return NodeKind::Null;
                }
                self.depth += 1;
                let kind = self.collection(c, id);
                self.depth -= 1;
                kind
            }
            _ => NodeKind::Null,
        }
    }

    fn quoted(&mut self, s: usize, e: usize, style: ScalarStyle) -> NodeKind {
        NodeKind::Scalar(scalar::quoted(self.text, s, e, style, &mut self.scalar_problems))
    }

    fn collection(&mut self, c: TsNode, id: NodeId) -> NodeKind {
        let indent = self.column(c.start_byte());
        let mut cursor = c.walk();
        let children: Vec<TsNode> = c.children(&mut cursor).collect();
        match c.kind() {
            "block_mapping" | "flow_mapping" => {
                let mut pairs = Vec::new();
                for ch in children {
                    self.mapping_child(ch, indent, &mut pairs);
                }
                self.check_duplicates(&pairs);
                NodeKind::Mapping(pairs)
            }
            "flow_pair" => {
                let mut pairs = Vec::new();
                self.mapping_child(c, indent, &mut pairs);
                NodeKind::Mapping(pairs)
            }
            "block_sequence" | "flow_sequence" => {
                let mut items = Vec::new();
                for ch in children {
                    self.sequence_child(ch, indent, &mut items);
                }
                NodeKind::Sequence(items)
            }
            _ => {
                // An ERROR in value position: keep whatever entries it holds.
                let _ = id;
                let mut pairs = Vec::new();
                let mut items = Vec::new();
                for ch in children {
                    match ch.kind() {
                        "block_mapping_pair" => self.mapping_child(ch, indent, &mut pairs),
                        "block_sequence_item" => self.sequence_child(ch, indent, &mut items),
                        _ => {}
                    }
                }
                if !pairs.is_empty() {
                    self.check_duplicates(&pairs);
                    NodeKind::Mapping(pairs)
                } else if !items.is_empty() {
                    NodeKind::Sequence(items)
                } else {
                    NodeKind::Null
                }
            }
        }
    }

    fn error_value(&mut self, n: TsNode, parent_indent: i64) -> NodeId {
        let span = self.span(n.start_byte(), n.end_byte());
        let id = self.alloc(span);
        let kind = self.content(n, id, parent_indent);
        if kind == NodeKind::Null {
            self.yaml.nodes[id.0 as usize].span = Span::empty(span.start);
        }
        self.yaml.nodes[id.0 as usize].kind = kind;
        id
    }

    fn mapping_child(&mut self, ch: TsNode, indent: i64, pairs: &mut Vec<(NodeId, NodeId)>) {
        match ch.kind() {
            "block_mapping_pair" | "flow_pair" => {
                let key = ch.child_by_field_name("key");
                let value = ch.child_by_field_name("value");
                let mut colon_end = None;
                let mut colon_start = None;
                let mut cursor = ch.walk();
                for t in ch.children(&mut cursor) {
                    if !t.is_named() && t.kind() == ":" {
                        colon_start = Some(t.start_byte());
                        colon_end = Some(t.end_byte());
                    }
                }
                let k = match key {
                    Some(k) => self.value(k, indent),
                    None => self.null(colon_start.unwrap_or(ch.start_byte())),
                };
                let v = match value {
                    Some(v) => self.value(v, indent),
                    None => {
                        let at = colon_end.unwrap_or(self.yaml.nodes[k.0 as usize].span.end);
                        self.null(at)
                    }
                };
                pairs.push((k, v));
            }
            "flow_node" => {
                // A lone key in a flow mapping: `{a, b: c}`.
                let k = self.value(ch, indent);
                let at = self.yaml.nodes[k.0 as usize].span.end;
                let v = self.null(at);
                pairs.push((k, v));
            }
            "ERROR" => {
                let mut cursor = ch.walk();
                let inner: Vec<TsNode> = ch.named_children(&mut cursor).collect();
                for n in inner {
                    if n.kind() == "block_mapping_pair" || n.kind() == "flow_pair" {
                        self.mapping_child(n, indent, pairs);
                    }
                }
            }
            _ => {}
        }
    }

    fn sequence_child(&mut self, ch: TsNode, indent: i64, items: &mut Vec<NodeId>) {
        match ch.kind() {
            "block_sequence_item" => {
                let mut cursor = ch.walk();
                let inner = ch.named_children(&mut cursor).find(|n| is_value_kind(n.kind()));
                let id = match inner {
                    Some(n) => self.value(n, indent),
                    None => {
                        let dash_end = ch.start_byte() + 1;
                        self.null(dash_end)
                    }
                };
                items.push(id);
            }
            "flow_node" => {
                let id = self.value(ch, indent);
                items.push(id);
            }
            "flow_pair" => {
                let span = self.span(ch.start_byte(), ch.end_byte());
                let id = self.alloc(span);
                let kind = self.content(ch, id, indent);
                self.yaml.nodes[id.0 as usize].kind = kind;
                items.push(id);
            }
            "ERROR" => {
                let mut cursor = ch.walk();
                let inner: Vec<TsNode> = ch.named_children(&mut cursor).collect();
                for n in inner {
                    if n.kind() == "block_sequence_item" {
                        self.sequence_child(n, indent, items);
                    }
                }
            }
            _ => {}
        }
    }

    fn check_duplicates(&mut self, pairs: &[(NodeId, NodeId)]) {
        if pairs.len() < 2 {
            return;
        }
        let mut seen: HashMap<&str, Span> = HashMap::with_capacity(pairs.len());
        let mut dups = Vec::new();
        for &(k, _) in pairs {
            let node = &self.yaml.nodes[k.0 as usize];
            let NodeKind::Scalar(Scalar { value, style, .. }) = &node.kind else {
                continue;
            };
            if *style == ScalarStyle::Plain && value == "<<" {
                continue;
            }
            match seen.get(value.as_str()) {
                Some(&first) => dups.push((node.span, first, value.clone())),
                None => {
                    seen.insert(value.as_str(), node.span);
                }
            }
        }
        for (span, first, name) in dups {
            self.yaml.problems.push(Problem {
                kind: ProblemKind::DuplicateKey,
                span,
                message: format!("duplicate key `{name}`"),
                first: Some(first),
            });
        }
    }
}
