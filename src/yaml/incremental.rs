//! Incremental reparse: after an edit, re-parse only the innermost block-mapping entry
//! around it and splice the result into the old tree, when that provably gives the same
//! tree as a full parse; otherwise parse the whole text.
//!
//! The entry is a `key: value` whose key is the first thing on its line, at column `c`.
//! Its region runs from the start of the key's line to the first later line that is
//! indented `c` or less and is neither blank nor a comment. The region is parsed on its
//! own (a document whose root mapping has that one entry) and used only when:
//! - the old tree has no problems and the region parses without problems;
//! - the edit lies inside the region, after the key line's indentation, and the line that
//!   ends the region is not a compact sequence item (`- ` at column `c`);
//! - the region still holds exactly one entry whose key starts at column `c`;
//! - neither the old nor the new region has anchors or aliases (other nodes may refer to
//!   them), the key is not `<<`, and a changed key does not repeat a sibling's key;
//! - the nesting of the region plus its ancestors stays far below the parser's limit;
//! - every ancestor's span ends before the region, after it, or where the region's own
//!   root ends (then it ends where the new region's root ends).
//!
//! Node ids stay in pre-order: the region's nodes replace the old entry's nodes, later ids
//! move by the difference in count, later spans and source maps by the change in length.

use super::block::{self, MAX_DEPTH};
use super::{Comment, NodeId, NodeKind, ProblemKind, Yaml};
use crate::diag::Span;

/// Parses `old.source` with `[edit.start, edit.end)` replaced by `insert`; the result
/// equals `parse` of the new text. Reuses (and consumes) `old`.
pub fn reparse(old: Yaml, edit: Span, insert: &str) -> Yaml {
    try_reparse(old, edit, insert).unwrap_or_else(|text| block::parse(&text))
}

/// [`reparse`], with `Err(new text)` when only a full parse will do.
pub fn try_reparse(old: Yaml, edit: Span, insert: &str) -> Result<Yaml, String> {
    let (a, b) = (edit.start.min(edit.end), edit.end.max(edit.start));
    let ok = b <= old.source.len() && old.source.is_char_boundary(a) && old.source.is_char_boundary(b);
    if !ok {
        // Out of range: the caller's text is the authority; there is nothing to splice.
        let mut text = old.source;
        let (a, b) = (a.min(text.len()), b.min(text.len()));
        if text.is_char_boundary(a) && text.is_char_boundary(b) {
            text.replace_range(a..b, insert);
        }
        return Err(text);
    }
    match Splice::plan(&old, a, b, insert) {
        Some(plan) => plan.apply(old, a, b, insert),
        None => {
            let mut text = old.source;
            text.replace_range(a..b, insert);
            Err(text)
        }
    }
}

/// A checked plan: the entry to replace and its new parse.
struct Splice {
    /// The entry's key node (first node of the old region) and the end of its subtree.
    key: usize,
    end: usize,
    /// The mappings and sequences containing the entry, outermost first.
    ancestors: Vec<usize>,
    /// Start of the key's line; old and new end of the region.
    ls: usize,
    old_end: usize,
    /// Where the old region's root ends (global offset) and where the new one's does.
    old_root_end: usize,
    new_root_end: usize,
    /// The new region, parsed on its own.
    region: Yaml,
}

fn indent_of(bytes: &[u8], line_start: usize) -> usize {
    bytes[line_start..].iter().take_while(|&&c| c == b' ').count()
}

fn next_line(bytes: &[u8], i: usize) -> usize {
    match bytes[i..].iter().position(|&c| c == b'\n' || c == b'\r') {
        Some(p) => {
            let j = i + p;
            if bytes[j] == b'\r' && bytes.get(j + 1) == Some(&b'\n') {
                j + 2
            } else {
                j + 1
            }
        }
        None => bytes.len(),
    }
}

/// The end of the region of an entry whose key line starts at `ls` with indentation `c`,
/// or `None` when the next line at that indentation continues the entry (`- item`).
fn region_end(bytes: &[u8], ls: usize, c: usize) -> Option<usize> {
    let mut i = next_line(bytes, ls);
    while i < bytes.len() {
        let ind = indent_of(bytes, i);
        let rest = &bytes[i + ind..];
        let first = rest.iter().copied().find(|&ch| ch != b' ' && ch != b'\t');
        let blank = matches!(first, None | Some(b'\n' | b'\r'));
        if !blank && ind <= c && first != Some(b'#') {
            if ind == c && rest.first() == Some(&b'-') {
                return None;
            }
            return Some(i);
        }
        i = next_line(bytes, i);
    }
    Some(bytes.len())
}

/// The last node of the subtree rooted at `id` (pre-order).
fn last_of(y: &Yaml, id: usize) -> usize {
    let mut cur = id;
    loop {
        match &y.nodes[cur].kind {
            NodeKind::Mapping(p) if !p.is_empty() => cur = p[p.len() - 1].1 .0 as usize,
            NodeKind::Sequence(s) if !s.is_empty() => cur = s[s.len() - 1].0 as usize,
            _ => return cur,
        }
    }
}

fn has_refs(y: &Yaml, range: std::ops::Range<usize>) -> bool {
    y.nodes[range].iter().any(|n| n.anchor().is_some() || matches!(n.kind, NodeKind::Alias { .. }))
}

impl Splice {
    fn plan(old: &Yaml, a: usize, b: usize, insert: &str) -> Option<Splice> {
        // Duplicate keys elsewhere do not stop it (a params file with one is common and DVC
        // refuses it until fixed, so users type around it); any other problem does.
        if old.problems.iter().any(|p| p.kind != ProblemKind::DuplicateKey)
            || old.source.starts_with('\u{feff}')
        {
            return None;
        }
        let bytes = old.source.as_bytes();
        let doc = old.docs.iter().find(|d| d.span.start <= a && b <= d.span.end)?;
        // The chain of entries around the edit, outermost first: (ancestors, key, value).
        let mut chain: Vec<(Vec<usize>, usize, usize)> = Vec::new();
        let mut path: Vec<usize> = Vec::new();
        let mut cur = doc.root?.0 as usize;
        for _ in 0..MAX_DEPTH {
            match &old.nodes[cur].kind {
                NodeKind::Mapping(pairs) => {
                    let i = pairs.partition_point(|&(k, _)| old.nodes[k.0 as usize].span.start <= a);
                    // No key of this mapping starts before the edit (an edit on the line of
                    // the key that holds it): the entries found so far are the candidates.
                    let Some(&(k, v)) = i.checked_sub(1).and_then(|i| pairs.get(i)) else { break };
                    path.push(cur);
                    chain.push((path.clone(), k.0 as usize, v.0 as usize));
                    cur = v.0 as usize;
                }
                NodeKind::Sequence(items) => {
                    let i = items.partition_point(|&it| old.nodes[it.0 as usize].span.start <= a);
                    let Some(&it) = i.checked_sub(1).and_then(|i| items.get(i)) else { break };
                    path.push(cur);
                    cur = it.0 as usize;
                }
                _ => break,
            }
        }
        for (ancestors, key, value) in chain.into_iter().rev() {
            if let Some(s) = Splice::try_entry(old, bytes, a, b, insert, ancestors, key, value) {
                return Some(s);
            }
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn try_entry(
        old: &Yaml,
        bytes: &[u8],
        a: usize,
        b: usize,
        insert: &str,
        ancestors: Vec<usize>,
        key: usize,
        value: usize,
    ) -> Option<Splice> {
        let key_start = old.nodes[key].span.start;
        if value < key || a < key_start {
            return None;
        }
        let ls = bytes[..key_start].iter().rposition(|&c| c == b'\n' || c == b'\r').map_or(0, |p| p + 1);
        if bytes[ls..key_start].iter().any(|&c| c != b' ') {
            return None;
        }
        let c = key_start - ls;
        let old_end = region_end(bytes, ls, c)?;
        if !(b < old_end || (old_end == bytes.len() && b <= old_end)) {
            return None;
        }
        // A duplicate-key problem inside the region (or whose first occurrence is there)
        // could change with the edit: only a full parse knows.
        let inside = |sp: Span| sp.start < old_end && (sp.end > ls || sp.start >= ls);
        if old.problems.iter().any(|p| inside(p.span) || p.first.is_some_and(inside)) {
            return None;
        }
        let end = last_of(old, value) + 1;
        // Every old node of the entry lies inside the region (a lenient multi-line quoted
        // scalar may run onto a less indented line).
        if end > old.nodes.len()
            || old.nodes[key..end].iter().any(|n| n.span.end > old_end)
            || has_refs(old, key..end)
        {
            return None;
        }
        if old.nodes[key].tag().is_some() || !matches!(old.nodes[key].kind, NodeKind::Scalar(_)) {
            return None;
        }
        // The new region, parsed on its own.
        let delta = insert.len() as isize - (b - a) as isize;
        let new_end = (old_end as isize + delta) as usize;
        let mut text = String::with_capacity(new_end - ls);
        text.push_str(&old.source[ls..a]);
        text.push_str(insert);
        text.push_str(&old.source[b..old_end]);
        let region = block::parse(&text);
        let rkey = match (&region.docs[..], region.nodes.first().map(|n| &n.kind)) {
            ([d], Some(NodeKind::Mapping(p))) if d.root == Some(NodeId(0)) && p.len() == 1 => p[0].0,
            _ => return None,
        };
        if rkey != NodeId(1)
            || !region.problems.is_empty()
            || region_end(text.as_bytes(), 0, c) != Some(text.len())
            || region.nodes[rkey.0 as usize].span.start != c
            || text.as_bytes()[c] == b'{'
            || has_refs(&region, 0..region.nodes.len())
            || ancestors.len() + region.nodes.len() + 8 >= MAX_DEPTH
            || region.nodes[rkey.0 as usize].tag().is_some()
        {
            return None;
        }
        // The key: not a merge key; when it changed, it must not repeat a sibling's.
        let old_key = old.key_str(NodeId(key as u32))?;
        let new_key = region.key_str(rkey)?;
        if old_key == "<<" || new_key == "<<" {
            return None;
        }
        if old_key != new_key {
            let parent = *ancestors.last()?;
            let NodeKind::Mapping(pairs) = &old.nodes[parent].kind else { return None };
            if pairs.iter().any(|&(k, _)| k.0 as usize != key && old.key_str(k).is_none_or(|s| s == new_key))
            {
                return None;
            }
        }
        // Where the old region's root would end on its own.
        let old_region = block::parse(&old.source[ls..old_end]);
        let old_root_end = ls + old_region.nodes.first()?.span.end;
        let new_root_end = ls + region.nodes[0].span.end;
        Some(Splice { key, end, ancestors, ls, old_end, old_root_end, new_root_end, region })
    }

    fn apply(self, mut y: Yaml, a: usize, b: usize, insert: &str) -> Result<Yaml, String> {
        let Splice { key, end, ancestors, ls, old_end, old_root_end, new_root_end, region } = self;
        let delta = insert.len() as isize - (b - a) as isize;
        let shift = |p: usize| (p as isize + delta) as usize;
        let key_start = y.nodes[key].span.start;
        // Positions of nodes before the region (ancestors and documents).
        let pre = |p: usize| -> Option<usize> {
            if p <= ls || p == key_start {
                Some(p)
            } else if p == old_root_end {
                Some(new_root_end)
            } else if p >= old_end {
                Some(shift(p))
            } else {
                None
            }
        };
        let mut text = std::mem::take(&mut y.source);
        let old_len = text.len();
        text.replace_range(a..b, insert);
        let new_count = region.nodes.len() - 1;
        let dn = new_count as isize - (end - key) as isize;
        let shift_id = |id: NodeId| -> NodeId {
            if id.0 as usize >= end {
                NodeId((id.0 as isize + dn) as u32)
            } else {
                id
            }
        };
        let Some(NodeKind::Mapping(rp)) = region.nodes.first().map(|n| &n.kind) else {
            return Err(text);
        };
        let new_value = NodeId((rp[0].1 .0 as usize + key - 1) as u32);
        // Ancestors: spans and child ids.
        for &an in &ancestors {
            let n = &mut y.nodes[an];
            match (pre(n.span.start), pre(n.span.end)) {
                (Some(s), Some(e)) => n.span = Span::new(s, e),
                _ => return Err(text),
            }
            match &mut n.kind {
                NodeKind::Mapping(pairs) => {
                    for (k, v) in pairs.iter_mut() {
                        if k.0 as usize == key {
                            *v = new_value;
                        } else {
                            *k = shift_id(*k);
                            *v = shift_id(*v);
                        }
                    }
                }
                NodeKind::Sequence(items) => {
                    for it in items.iter_mut() {
                        *it = shift_id(*it);
                    }
                }
                _ => {}
            }
        }
        // Problems (only duplicate keys, all outside the region: see `try_entry`) move with
        // the text after it.
        for p in y.problems.iter_mut() {
            for sp in std::iter::once(&mut p.span).chain(p.first.as_mut()) {
                if sp.start >= old_end {
                    *sp = sp.shifted(delta);
                }
            }
        }
        for d in y.docs.iter_mut() {
            if d.span.end <= ls {
                continue;
            }
            if d.span.start >= old_end {
                d.span = d.span.shifted(delta);
                d.root = d.root.map(shift_id);
                continue;
            }
            // A document that ran to the end of the text still does (the edit is inside
            // it), even when its root ended there too: without a final line break the
            // two ends coincide, and the root's new end may now fall before a break.
            let end = if d.span.end == old_len { Some(shift(d.span.end)) } else { pre(d.span.end) };
            match (pre(d.span.start), end) {
                (Some(s), Some(e)) => d.span = Span::new(s, e),
                _ => return Err(text),
            }
        }
        // The region's nodes, in global ids and offsets.
        let base = key as u32 - 1;
        let local = |id: NodeId| NodeId(id.0 + base);
        if y.fingerprints.len() == y.nodes.len() && region.fingerprints.len() == region.nodes.len() {
            y.fingerprints.splice(key..end, region.fingerprints.iter().skip(1).copied());
        } else {
            y.fingerprints.clear();
        }
        let new_nodes = region.nodes.into_iter().skip(1).map(|mut n| {
            n.span = n.span.shifted(ls as isize);
            match &mut n.kind {
                NodeKind::Mapping(pairs) => {
                    for (k, v) in pairs.iter_mut() {
                        *k = local(*k);
                        *v = local(*v);
                    }
                }
                NodeKind::Sequence(items) => {
                    for it in items.iter_mut() {
                        *it = local(*it);
                    }
                }
                NodeKind::Scalar(s) => s.map.shift(ls as isize),
                NodeKind::Alias { .. } | NodeKind::Null => {}
            }
            if let Some((_, s)) = n.props.as_mut().and_then(|p| p.tag.as_mut()) {
                *s = s.shifted(ls as isize);
            }
            n
        });
        y.nodes.splice(key..end, new_nodes);
        // Later nodes: ids and offsets.
        let after = (end as isize + dn) as usize;
        if delta != 0 || dn != 0 {
            for n in &mut y.nodes[after..] {
                if delta != 0 {
                    n.span = n.span.shifted(delta);
                    if let Some(p) = &mut n.props {
                        for (_, s) in p.anchor.iter_mut().chain(p.tag.iter_mut()) {
                            *s = s.shifted(delta);
                        }
                    }
                }
                match &mut n.kind {
                    NodeKind::Mapping(pairs) if dn != 0 => {
                        for (k, v) in pairs.iter_mut() {
                            *k = shift_id(*k);
                            *v = shift_id(*v);
                        }
                    }
                    NodeKind::Sequence(items) if dn != 0 => {
                        for it in items.iter_mut() {
                            *it = shift_id(*it);
                        }
                    }
                    NodeKind::Alias { target: Some(t), .. } if dn != 0 => *t = shift_id(*t),
                    NodeKind::Scalar(s) if delta != 0 => s.map.shift(delta),
                    _ => {}
                }
            }
        }
        // Comments: the region's replace the old region's; later ones move.
        let first = y.comments.partition_point(|c| c.span.start < ls);
        let last = y.comments.partition_point(|c| c.span.start < old_end);
        let region_comments = region.comments.iter().map(|c| Comment { span: c.span.shifted(ls as isize) });
        y.comments.splice(first..last, region_comments);
        let moved = first + region.comments.len();
        if delta != 0 {
            for c in &mut y.comments[moved..] {
                c.span = c.span.shifted(delta);
            }
        }
        y.source = text;
        Ok(y)
    }
}
