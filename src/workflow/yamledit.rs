//! Small, byte-exact YAML insertions for quick fixes: new lines in block mappings and
//! sequences that follow the file's indentation and line endings and leave every other
//! byte alone. Each helper returns `None` when the shape is not one it can edit safely
//! (flow collections, keys that do not start their line, ...).

use crate::diag::{Span, TextEdit};
use crate::yaml::{NodeId, NodeKind, Yaml};

/// The file's line break: `\r\n` when the first break is one, else `\n`.
pub fn newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

fn line_start(text: &str, off: usize) -> usize {
    let off = off.min(text.len());
    text.as_bytes()[..off].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

/// The column of `off` (bytes from the line start).
pub fn column(text: &str, off: usize) -> usize {
    off.min(text.len()) - line_start(text, off)
}

/// True when only spaces precede `off` on its line (or spaces and one `- `).
fn starts_line(text: &str, off: usize, allow_dash: bool) -> bool {
    let prefix = text.get(line_start(text, off)..off.min(text.len())).unwrap_or("");
    let p = prefix.trim_start_matches(' ');
    p.is_empty() || allow_dash && p.starts_with('-') && p[1..].chars().all(|c| c == ' ')
}

/// Where a new line can go after the content ending at `end`: the start of the next line,
/// and whether a line break must be written first (the content ends the file).
fn after_line(text: &str, end: usize) -> (usize, bool) {
    let end = end.min(text.len());
    if end > 0 && text.as_bytes()[end - 1] == b'\n' {
        return (end, false);
    }
    match text[end..].find('\n') {
        Some(p) => (end + p + 1, false),
        None => (text.len(), true),
    }
}

/// The first key of a block mapping, if it starts its line (after indentation or `- `).
fn first_block_key(yaml: &Yaml, map: NodeId) -> Option<NodeId> {
    let text = yaml.source.as_str();
    let NodeKind::Mapping(pairs) = &yaml.node(map).kind else { return None };
    let &(k, _) = pairs.first()?;
    let ks = yaml.node(k).span;
    let flow = matches!(text.as_bytes().get(yaml.node(map).span.start), Some(b'{'));
    (!flow && !ks.is_empty() && starts_line(text, ks.start, true)).then_some(k)
}

/// The indentation unit of the file: the column of the first nested block key, else 2.
pub fn indent_unit(yaml: &Yaml) -> usize {
    let text = yaml.source.as_str();
    let Some(root) = yaml.root(0) else { return 2 };
    let NodeKind::Mapping(pairs) = &yaml.node(root).kind else { return 2 };
    for &(_, v) in pairs {
        if let Some(k) = first_block_key(yaml, v) {
            let c = column(text, yaml.node(k).span.start);
            if c > 0 && c <= 8 && starts_line(text, yaml.node(k).span.start, false) {
                return c;
            }
        }
    }
    2
}

/// Appends `lines` (without indentation or line breaks) as new entries at the end of the
/// block mapping `map`, indented like its keys.
pub fn append_to_mapping(yaml: &Yaml, map: NodeId, lines: &[String]) -> Option<TextEdit> {
    let text = yaml.source.as_str();
    let k = first_block_key(yaml, map)?;
    let indent = column(text, yaml.node(k).span.start);
    Some(insert_lines(text, yaml.node(map).span.end, indent, lines))
}

/// Adds `key:` with the entries `lines` as the last entry of the block mapping `map`.
pub fn add_nested_mapping(yaml: &Yaml, map: NodeId, key: &str, lines: &[String]) -> Option<TextEdit> {
    let text = yaml.source.as_str();
    let k = first_block_key(yaml, map)?;
    let indent = column(text, yaml.node(k).span.start);
    let unit = indent_unit(yaml);
    let mut all = vec![format!("{key}:")];
    all.extend(lines.iter().map(|l| format!("{}{l}", " ".repeat(unit))));
    Some(insert_lines(text, yaml.node(map).span.end, indent, &all))
}

/// Adds `line` as the first entry of the block mapping `map` (before its first key).
pub fn prepend_to_mapping(yaml: &Yaml, map: NodeId, line: &str) -> Option<TextEdit> {
    let text = yaml.source.as_str();
    let k = first_block_key(yaml, map)?;
    let ks = yaml.node(k).span.start;
    if !starts_line(text, ks, false) {
        // `- key:`: the new entry goes after the first entry instead.
        return None;
    }
    let indent = column(text, ks);
    let nl = newline(text);
    Some(TextEdit {
        span: Span::empty(line_start(text, ks)),
        new_text: format!("{}{line}{nl}", " ".repeat(indent)),
    })
}

/// Adds `item` to a sequence or scalar value `v` (a scalar becomes a flow sequence).
pub fn add_to_list(yaml: &Yaml, v: NodeId, item: &str) -> Option<TextEdit> {
    let text = yaml.source.as_str();
    let n = yaml.node(v);
    match &n.kind {
        NodeKind::Scalar(_) => {
            let old = text.get(n.span.start..n.span.end)?;
            (!old.contains('\n')).then(|| TextEdit { span: n.span, new_text: format!("[{old}, {item}]") })
        }
        NodeKind::Sequence(items) => {
            let flow = matches!(text.as_bytes().get(n.span.start), Some(b'['));
            if flow {
                let close = n.span.end.checked_sub(1).filter(|&c| text.as_bytes().get(c) == Some(&b']'))?;
                let sep = if items.is_empty() { "" } else { ", " };
                // Right after the last item (before any spaces and the `]`).
                let at = items.last().map_or(close, |&l| yaml.node(l).span.end);
                Some(TextEdit { span: Span::empty(at), new_text: format!("{sep}{item}") })
            } else {
                let first = *items.first()?;
                let s = yaml.node(first).span.start;
                let ls = line_start(text, s);
                let dash = text[ls..s].find('-')? + ls;
                if !starts_line(text, dash, false) {
                    return None;
                }
                Some(insert_lines(text, n.span.end, column(text, dash), &[format!("- {item}")]))
            }
        }
        _ => None,
    }
}

/// Inserts the step `line` (e.g. `uses: x`) as a new block-sequence item before the item
/// `step` of its sequence.
pub fn insert_item_before(yaml: &Yaml, step: NodeId, line: &str) -> Option<TextEdit> {
    let text = yaml.source.as_str();
    let s = yaml.node(step).span.start;
    let ls = line_start(text, s);
    let dash = text.get(ls..s)?.find('-')? + ls;
    if !starts_line(text, dash, false) {
        return None;
    }
    let nl = newline(text);
    Some(TextEdit {
        span: Span::empty(ls),
        new_text: format!("{}- {line}{nl}", " ".repeat(column(text, dash))),
    })
}

fn insert_lines(text: &str, end: usize, indent: usize, lines: &[String]) -> TextEdit {
    let nl = newline(text);
    let (at, lead) = after_line(text, end);
    let mut s = String::new();
    if lead {
        s.push_str(nl);
    }
    for l in lines {
        s.push_str(&" ".repeat(indent));
        s.push_str(l);
        if !lead || !std::ptr::eq(l, lines.last().unwrap_or(l)) {
            s.push_str(nl);
        }
    }
    TextEdit { span: Span::empty(at), new_text: s }
}
