//! The hand-written YAML parser: one forward pass over the bytes, block structure by
//! indentation on an explicit stack of open collections, flow collections on a second
//! explicit stack. Scalars are located here and decoded by [`super::scalar`].
//!
//! Error tolerance: a broken line gives one syntax problem with a span on that line; the
//! entry that line started is dropped and parsing resumes at the next line whose
//! indentation fits the open structure. Nesting is bounded by [`MAX_DEPTH`]; every byte
//! is scanned a bounded number of times (implicit keys are looked ahead at most
//! [`MAX_KEY`] bytes), so the time is linear on any input.

use foldhash::{HashMap, HashMapExt};

use super::scalar::{self, ScalarProblem};
use super::{Comment, Document, Node, NodeId, NodeKind, Problem, ProblemKind, Scalar, ScalarStyle, Yaml};
use crate::diag::Span;

/// Collections nested deeper than this are reported and skipped.
pub(crate) const MAX_DEPTH: usize = 1_000;
/// Implicit keys are looked for at most this many bytes ahead (YAML limits them to 1024 chars).
const MAX_KEY: usize = 1024;

type Props = (Option<(String, Span)>, Option<(String, Span)>);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SlotKind {
    Root,
    MapKey,
    MapValue,
    Item,
}

/// A position waiting for a node: filled by the next content, else a `Null` at `null_at`.
#[derive(Clone, Debug)]
struct Pending {
    slot: SlotKind,
    null_at: usize,
    props: Props,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FKind {
    Map,
    Seq,
    /// A single `key: value` pair inside a flow sequence.
    Pair,
}

struct Frame {
    id: NodeId,
    kind: FKind,
    /// Column of the block collection (unused for flow frames).
    indent: usize,
    pairs: Vec<(NodeId, NodeId)>,
    items: Vec<NodeId>,
    /// A key waiting for its value.
    key: Option<NodeId>,
    /// Flow: the end of the `:` of the current entry.
    colon: Option<usize>,
    /// Flow: the current entry already has a node.
    filled: bool,
    /// Flow: the opening bracket.
    open: usize,
}

impl Frame {
    fn new(id: NodeId, kind: FKind, indent: usize, open: usize) -> Frame {
        Frame {
            id,
            kind,
            indent,
            pairs: Vec::new(),
            items: Vec::new(),
            key: None,
            colon: None,
            filled: false,
            open,
        }
    }
}

/// What the line loop does after a line's content.
enum Next {
    /// Check the rest of the line from here.
    Finish(usize),
    /// The construct ran to a later line; continue with the line starting here.
    Resume(usize),
}

/// A broken line: report, drop the entry the line started, resume at `resume` (or the next line).
struct LineErr {
    span: Span,
    message: String,
    resume: Option<usize>,
}

/// State to roll back to when an entry turns out broken.
struct Mark {
    nodes: usize,
    frames: usize,
    pairs: usize,
    items: usize,
    key: Option<NodeId>,
    pending: Option<Pending>,
    last_end: usize,
    problems: usize,
    scalar_problems: usize,
    anchors: usize,
    root: Option<NodeId>,
}

struct Doc {
    start: usize,
    root: Option<NodeId>,
    /// A `---` was seen for this document.
    marker: bool,
}

pub(crate) struct Parser<'a> {
    t: &'a str,
    b: &'a [u8],
    y: Yaml,
    anchors: HashMap<String, NodeId>,
    /// Anchor definitions in order with the value they replaced, for rollback.
    anchor_log: Vec<(String, Option<NodeId>)>,
    sp: Vec<ScalarProblem>,
    frames: Vec<Frame>,
    pending: Option<Pending>,
    /// End of the last token that belongs to the tree (comments and white space excluded).
    last_end: usize,
    /// Start of the current line (after a BOM on the first line).
    ls: usize,
    doc: Option<Doc>,
    mark: Option<Mark>,
    depth_reported: bool,
    /// End of the last comment: block collections extend over trailing comments.
    comment_end: usize,
    /// How far a never-closed `"` / `'` string scanned (see [`Parser::quoted_end`]).
    quote_reach: [usize; 2],
    /// Where the document's root ends in the raw text (a block collection ends after
    /// its last line break, a block scalar after its trailing empty lines).
    raw_end: usize,
    /// Whether the text holds a `\r`: without one, a line ends only at `\n`, and
    /// [`Parser::plain_line`] can search for its stops with memchr.
    has_cr: bool,
}

fn is_break(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_flow_ind(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

pub(crate) fn parse(text: &str) -> Yaml {
    let mut p = Parser {
        t: text,
        b: text.as_bytes(),
        y: Yaml {
            source: text.to_string(),
            nodes: Vec::with_capacity(text.len() / 8),
            fingerprints: Vec::with_capacity(text.len() / 8),
            ..Yaml::default()
        },
        anchors: HashMap::new(),
        anchor_log: Vec::new(),
        sp: Vec::new(),
        frames: Vec::new(),
        pending: None,
        last_end: 0,
        ls: 0,
        doc: None,
        mark: None,
        depth_reported: false,
        comment_end: 0,
        quote_reach: [0; 2],
        raw_end: 0,
        has_cr: memchr::memchr(b'\r', text.as_bytes()).is_some(),
    };
    p.run();
    let mut y = p.y;
    for (span, message) in p.sp {
        y.problems.push(Problem { kind: ProblemKind::Syntax, span, message, first: None });
    }
    y.problems.sort_by_key(|p| (p.span.start, p.span.end));
    y
}

impl<'a> Parser<'a> {
    // ----- small helpers -------------------------------------------------------------

    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    /// End of the line containing `i` (position of the break or the end of the text).
    fn line_end(&self, i: usize) -> usize {
        match self.b.get(i..) {
            Some(rest) => memchr::memchr2(b'\n', b'\r', rest).map_or(self.b.len(), |k| i + k),
            None => i,
        }
    }

    fn after_break(&self, i: usize) -> usize {
        if i >= self.b.len() {
            i
        } else if self.b[i] == b'\r' && self.at(i + 1) == b'\n' {
            i + 2
        } else {
            i + 1
        }
    }

    fn skip_ws(&self, mut i: usize) -> usize {
        while i < self.b.len() && is_ws(self.b[i]) {
            i += 1;
        }
        i
    }

    /// End of line or a comment follows (after white space).
    fn eol(&self, i: usize) -> bool {
        let j = self.skip_ws(i);
        j >= self.b.len() || is_break(self.b[j]) || self.b[j] == b'#'
    }

    /// `c` at `i` followed by white space or a line end: a block indicator.
    fn ind(&self, i: usize, c: u8) -> bool {
        self.at(i) == c && {
            let n = self.at(i + 1);
            i + 1 >= self.b.len() || is_ws(n) || is_break(n)
        }
    }

    /// `---` or `...` at the start of a line.
    fn doc_marker(&self, i: usize) -> Option<u8> {
        let b = self.b;
        if i + 3 > b.len() {
            return None;
        }
        let c = b[i];
        if (c == b'-' || c == b'.') && b[i + 1] == c && b[i + 2] == c {
            let n = self.at(i + 3);
            if i + 3 >= b.len() || is_ws(n) || is_break(n) {
                return Some(c);
            }
        }
        None
    }

    fn col(&self, i: usize) -> usize {
        i.saturating_sub(self.ls)
    }

    fn top_indent(&self) -> i64 {
        self.frames.last().map_or(-1, |f| f.indent as i64)
    }

    fn syntax(&mut self, span: Span, message: impl Into<String>) {
        self.y.problems.push(Problem {
            kind: ProblemKind::Syntax,
            span,
            message: message.into(),
            first: None,
        });
    }

    /// The token at `i` for messages: one punctuation char or a run up to white space.
    fn token(&self, i: usize) -> Span {
        let le = self.line_end(i);
        let (s, le) = scalar::clamp(self.t, i, le);
        let rest = &self.t[s..le];
        let Some(c) = rest.chars().next() else {
            let (s2, e2) = scalar::clamp(self.t, s.saturating_sub(1), s);
            return Span::new(s2, e2);
        };
        if ":-?,[]{}#&*!|>'\"%@`".contains(c) {
            return Span::new(s, s + c.len_utf8());
        }
        let n: usize = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && !":,[]{}".contains(*c))
            .take(40)
            .map(char::len_utf8)
            .sum();
        Span::new(s, s + n.max(c.len_utf8()))
    }

    fn unexpected(&self, i: usize) -> LineErr {
        let span = self.token(i);
        let tok = &self.t[span.start..span.end];
        let message = if tok == ":" {
            "mapping values are not allowed here".to_string()
        } else {
            format!("unexpected `{tok}`")
        };
        LineErr { span, message, resume: None }
    }

    /// `[s, line end)` without trailing white space.
    fn to_line_end(&self, s: usize) -> Span {
        let le = self.line_end(s);
        let (s, e) = scalar::clamp(self.t, s, le);
        Span::new(s, s + self.t[s..e].trim_end().len())
    }

    // ----- nodes ----------------------------------------------------------------------

    fn alloc(&mut self, span: Span, kind: NodeKind, props: Props) -> NodeId {
        let id = NodeId(self.y.nodes.len() as u32);
        let (anchor, tag) = props;
        if let Some((name, _)) = &anchor {
            let old = self.anchors.insert(name.clone(), id);
            self.anchor_log.push((name.clone(), old));
        }
        self.y.fingerprints.push(super::node_fingerprint(&kind));
        self.y.nodes.push(Node { span, kind, props: super::Props::boxed(anchor, tag) });
        id
    }

    fn null(&mut self, at: usize, props: Props) -> NodeId {
        self.alloc(Span::empty(at), NodeKind::Null, props)
    }

    /// Puts a new node into the pending slot (block) or the open flow frame.
    fn place(&mut self, id: NodeId) {
        let Some(pd) = self.pending.take() else { return };
        match pd.slot {
            SlotKind::Root => {
                if let Some(d) = self.doc.as_mut() {
                    d.root = Some(id);
                }
            }
            SlotKind::MapKey => {
                if let Some(f) = self.frames.last_mut() {
                    f.key = Some(id);
                }
            }
            SlotKind::MapValue => {
                if let Some(f) = self.frames.last_mut() {
                    if let Some(k) = f.key.take() {
                        f.pairs.push((k, id));
                    }
                }
            }
            SlotKind::Item => {
                if let Some(f) = self.frames.last_mut() {
                    f.items.push(id);
                }
            }
        }
    }

    /// Fills the pending slot with `Null`.
    fn fill_null(&mut self) {
        if let Some(pd) = self.pending.as_mut() {
            let at = pd.null_at;
            let props = std::mem::take(&mut pd.props);
            let id = self.null(at, props);
            self.place(id);
        }
    }

    /// A block mapping's key without a value (`? k`) gets a `Null` right after the key.
    fn finish_key(&mut self) {
        let Some(f) = self.frames.last() else { return };
        if f.kind == FKind::Seq {
            return;
        }
        if let Some(k) = f.key {
            let at = f.colon.unwrap_or(self.y.nodes[k.0 as usize].span.end);
            let v = self.null(at, (None, None));
            if let Some(f) = self.frames.last_mut() {
                f.key = None;
                f.colon = None;
                f.pairs.push((k, v));
            }
        }
    }

    fn close_top(&mut self) {
        self.finish_key();
        let Some(f) = self.frames.pop() else { return };
        let kind = match f.kind {
            FKind::Seq => NodeKind::Sequence(f.items),
            FKind::Map | FKind::Pair => {
                self.check_duplicates(&f.pairs);
                NodeKind::Mapping(f.pairs)
            }
        };
        let end = if f.indent == usize::MAX { self.last_end } else { self.last_end.max(self.comment_end) };
        let n = &mut self.y.nodes[f.id.0 as usize];
        n.span.end = end.max(n.span.start);
        n.kind = kind;
    }

    fn push_frame(&mut self, at: usize, kind: FKind, props: Props) -> bool {
        if self.frames.len() >= MAX_DEPTH {
            return false;
        }
        let id = self.alloc(Span::empty(at), NodeKind::Null, props);
        self.place(id);
        let indent = self.col(at);
        self.frames.push(Frame::new(id, kind, indent, at));
        true
    }

    fn check_duplicates(&mut self, pairs: &[(NodeId, NodeId)]) {
        if pairs.len() < 2 {
            return;
        }
        // The keys that count: scalars other than the merge key `<<`.
        let key = |k: NodeId| {
            let node = &self.y.nodes[k.0 as usize];
            match &node.kind {
                NodeKind::Scalar(Scalar { value, style, .. })
                    if !(*style == ScalarStyle::Plain && value == "<<") =>
                {
                    Some((value.as_str(), node.span))
                }
                _ => None,
            }
        };
        let mut dups = Vec::new();
        if pairs.len() <= 16 {
            // Small mappings: pairwise, no allocation, and only keys of equal
            // fingerprints are read.
            let fps = &self.y.fingerprints;
            let fp = |k: NodeId| fps.get(k.0 as usize).copied().unwrap_or(super::NO_FINGERPRINT);
            for (i, &(k, _)) in pairs.iter().enumerate().skip(1) {
                let f = fp(k);
                let mut same = pairs[..i].iter().filter(|&&(e, _)| fp(e) == f).peekable();
                // The key's node is read only when an earlier key may equal it.
                let Some((v, span)) = same.peek().and_then(|_| key(k)) else { continue };
                let first = same.find_map(|&(e, _)| key(e).filter(|&(w, _)| w == v).map(|(_, first)| first));
                if let Some(first) = first {
                    dups.push((span, first, v.to_string()));
                }
            }
        } else {
            let mut seen: HashMap<&str, Span> = HashMap::with_capacity(pairs.len());
            for (v, span) in pairs.iter().filter_map(|&(k, _)| key(k)) {
                match seen.get(v) {
                    Some(&first) => dups.push((span, first, v.to_string())),
                    None => {
                        seen.insert(v, span);
                    }
                }
            }
        }
        for (span, first, name) in dups {
            self.y.problems.push(Problem {
                kind: ProblemKind::DuplicateKey,
                span,
                message: format!("duplicate key `{name}`"),
                first: Some(first),
            });
        }
    }

    // ----- rollback -----------------------------------------------------------------

    fn set_mark(&mut self) {
        let f = self.frames.last();
        self.mark = Some(Mark {
            nodes: self.y.nodes.len(),
            frames: self.frames.len(),
            pairs: f.map_or(0, |f| f.pairs.len()),
            items: f.map_or(0, |f| f.items.len()),
            key: f.and_then(|f| f.key),
            pending: self.pending.clone(),
            last_end: self.last_end,
            problems: self.y.problems.len(),
            scalar_problems: self.sp.len(),
            anchors: self.anchor_log.len(),
            root: self.doc.as_ref().and_then(|d| d.root),
        });
    }

    fn rollback(&mut self) {
        let Some(m) = self.mark.take() else { return };
        self.frames.truncate(m.frames);
        if let Some(f) = self.frames.last_mut() {
            f.pairs.truncate(m.pairs);
            f.items.truncate(m.items);
            f.key = m.key;
        }
        self.y.nodes.truncate(m.nodes);
        self.y.fingerprints.truncate(m.nodes);
        self.pending = m.pending;
        self.last_end = m.last_end;
        self.y.problems.truncate(m.problems);
        self.sp.truncate(m.scalar_problems);
        while self.anchor_log.len() > m.anchors {
            if let Some((name, old)) = self.anchor_log.pop() {
                match old {
                    Some(o) => self.anchors.insert(name, o),
                    None => self.anchors.remove(&name),
                };
            }
        }
        if let Some(d) = self.doc.as_mut() {
            d.root = m.root;
        }
    }

    // ----- documents ----------------------------------------------------------------

    fn open_doc(&mut self, start: usize, marker: bool) {
        self.anchors.clear();
        self.anchor_log.clear();
        self.doc = Some(Doc { start, root: None, marker });
        self.raw_end = start;
        self.pending = Some(Pending { slot: SlotKind::Root, null_at: start, props: (None, None) });
    }

    /// Closes the document; `end` is its span end (`None`: the last token's end).
    fn close_doc(&mut self, end: Option<usize>, eof: bool) {
        if self.pending.as_ref().is_some_and(|p| p.slot != SlotKind::Root || p.props != (None, None)) {
            self.fill_null();
        }
        self.pending = None;
        while !self.frames.is_empty() {
            self.close_top();
        }
        if let Some(d) = self.doc.take() {
            let root = d.root.map(|r| &self.y.nodes[r.0 as usize]);
            let block_collection = root.is_some_and(|n| {
                matches!(n.kind, NodeKind::Mapping(_) | NodeKind::Sequence(_))
                    && !matches!(self.at(n.span.start), b'[' | b'{')
            });
            let end = match end {
                Some(e) => e,
                None if block_collection && eof => self.b.len(),
                None if block_collection => self.last_end.max(self.comment_end),
                None if eof
                    && root.is_some_and(|n| {
                        matches!(&n.kind, NodeKind::Scalar(s) if matches!(s.style, ScalarStyle::Literal | ScalarStyle::Folded))
                    })
                    && self.t[self.last_end.min(self.t.len())..].trim().is_empty() =>
                {
                    self.b.len()
                }
                None => self.last_end,
            };
            let end = end.max(d.start);
            self.y.docs.push(Document { root: d.root, span: Span::new(d.start, end) });
        }
    }

    // ----- the line loop ------------------------------------------------------------

    fn run(&mut self) {
        let b = self.b;
        let mut pos = 0;
        if b.starts_with(b"\xEF\xBB\xBF") {
            pos = 3;
        }
        let mut skip: Option<i64> = None;
        while pos < b.len() {
            self.ls = pos;
            let le = self.line_end(pos);
            let next = self.after_break(le);
            let mut i = pos;
            while i < le && b[i] == b' ' {
                i += 1;
            }
            let mut c = i;
            while c < le && is_ws(b[c]) {
                c += 1;
            }
            if c >= le {
                pos = next;
                continue;
            }
            if b[c] == b'#' {
                self.comment(c, le);
                if !self.frames.is_empty() {
                    self.raw_end = next;
                }
                pos = next;
                continue;
            }
            if i == pos {
                if let Some(m) = self.doc_marker(pos) {
                    skip = None;
                    pos = self.marker_line(pos, m, le);
                    continue;
                }
                if b[pos] == b'%' && self.doc.as_ref().is_none_or(|d| !d.marker && d.root.is_none()) {
                    if self.doc.is_none() {
                        self.open_doc(pos, false);
                    }
                    pos = next;
                    continue;
                }
            }
            let col = (i - pos) as i64;
            if let Some(k) = skip {
                if col > k {
                    pos = next;
                    continue;
                }
                skip = None;
            }
            if self.doc.is_none() {
                self.open_doc(i, false);
            }
            if c > i || b[i] == b'\t' {
                // Tabs in the indentation.
                let mut te = i;
                while te < le && is_ws(b[te]) {
                    te += 1;
                }
                self.syntax(Span::new(i, te.max(i + 1)), "tab characters cannot be used for indentation");
                skip = (!self.frames.is_empty()).then(|| self.top_indent());
                pos = next;
                continue;
            }
            self.mark = None;
            let r = match self.resolve(i) {
                Ok(mode_node) => self.content(i, mode_node),
                Err(e) => Err(e),
            };
            pos = match r {
                Ok(Next::Finish(p)) => match self.finish_line(p) {
                    Ok(n) => n,
                    Err(e) => self.recover(e, &mut skip),
                },
                Ok(Next::Resume(p)) => p,
                Err(e) => self.recover(e, &mut skip),
            };
            if !self.frames.is_empty() {
                self.raw_end = self.raw_end.max(pos);
            }
        }
        if self.doc.is_some() {
            self.close_doc(None, true);
        }
    }

    fn recover(&mut self, e: LineErr, skip: &mut Option<i64>) -> usize {
        self.rollback();
        self.syntax(e.span, e.message);
        let has_root = self.doc.as_ref().is_some_and(|d| d.root.is_some());
        *skip = (!self.frames.is_empty() || has_root).then(|| self.top_indent());
        match e.resume {
            Some(r) => r,
            None => {
                let le = self.line_end(e.span.start);
                self.after_break(le)
            }
        }
    }

    fn comment(&mut self, s: usize, le: usize) {
        let span = self.to_line_end(s);
        let _ = le;
        self.comment_end = span.end;
        self.y.comments.push(Comment { span });
    }

    /// A `---` or `...` line; returns where to continue.
    fn marker_line(&mut self, pos: usize, m: u8, le: usize) -> usize {
        let next = self.after_break(le);
        if m == b'.' {
            if self.doc.is_none() {
                self.open_doc(pos, false);
            }
            self.close_doc(Some(pos + 3), false);
            self.last_end = pos + 3;
            self.raw_end = pos + 3;
            return self.finish_line(pos + 3).unwrap_or(next);
        }
        match &self.doc {
            Some(d) if !d.marker && d.root.is_none() && self.frames.is_empty() => {
                // Directives opened this document.
                if let Some(d) = self.doc.as_mut() {
                    d.marker = true;
                }
            }
            Some(_) => {
                self.close_doc(None, false);
                self.open_doc(pos, true);
            }
            None => self.open_doc(pos, true),
        }
        self.last_end = pos + 3;
        self.raw_end = pos + 3;
        if let Some(p) = self.pending.as_mut() {
            p.null_at = pos + 3;
        }
        let i = self.skip_ws(pos + 3);
        if self.eol(i) {
            return self.finish_line(i).unwrap_or(next);
        }
        self.ls = pos;
        self.mark = None;
        self.set_mark();
        let mut skip = None;
        match self.value(i, false) {
            Ok(Next::Finish(p)) => match self.finish_line(p) {
                Ok(n) => n,
                Err(e) => self.recover(e, &mut skip),
            },
            Ok(Next::Resume(p)) => p,
            Err(e) => self.recover(e, &mut skip),
        }
    }

    /// The rest of a line after its content: white space and a comment only.
    fn finish_line(&mut self, p: usize) -> Result<usize, LineErr> {
        let j = self.skip_ws(p);
        let le = self.line_end(j);
        if j < le {
            if self.b[j] == b'#' && (j > p || j == 0 || is_ws(self.at(j - 1))) {
                self.comment(j, le);
            } else {
                return Err(self.unexpected(j));
            }
        }
        Ok(self.after_break(le))
    }

    /// Closes what this line's indentation ends. `Ok(true)`: the content fills the
    /// pending slot; `Ok(false)`: it is a new entry of the top collection.
    fn resolve(&mut self, i: usize) -> Result<bool, LineErr> {
        let c = self.col(i);
        let dash = self.ind(i, b'-');
        let mut closed: Option<FKind> = None;
        loop {
            if let Some(pd) = &self.pending {
                let ti = self.top_indent();
                let compact = pd.slot == SlotKind::MapValue && dash && c as i64 == ti;
                if c as i64 > ti || compact {
                    return Ok(true);
                }
                self.fill_null();
            }
            let Some(f) = self.frames.last() else {
                // More content after the document's root: the rest of the document is skipped.
                let mut e = self.unexpected(i);
                if let Some(k) = self.implicit_key(i, false) {
                    e.span = Span::new(k.colon, k.colon + 1);
                    e.message = "mapping values are not allowed here".to_string();
                }
                return Err(e);
            };
            if f.indent > c {
                closed = Some(f.kind);
                self.close_top();
                continue;
            }
            if f.indent == c {
                if f.kind == FKind::Seq && !dash {
                    let below_map = self.frames.len() >= 2 && {
                        let g = &self.frames[self.frames.len() - 2];
                        g.kind == FKind::Map && g.indent == c
                    };
                    if below_map {
                        self.close_top();
                        continue;
                    }
                    let span = self.token(i);
                    return Err(LineErr {
                        span,
                        message: "expected a sequence item `- ` at this indentation".to_string(),
                        resume: None,
                    });
                }
                if f.kind == FKind::Map && dash {
                    return Err(self.unexpected(i));
                }
                return Ok(false);
            }
            // Indented more than the open collection, with nothing pending.
            let span = self.token(i);
            let message = match closed {
                Some(FKind::Seq) => "this line is indented less than the sequence items above".to_string(),
                Some(_) => "this line is indented less than the keys above".to_string(),
                None => {
                    if let Some(k) = self.implicit_key(i, false) {
                        return Err(LineErr {
                            span: Span::new(k.colon, k.colon + 1),
                            message: "mapping values are not allowed here".to_string(),
                            resume: None,
                        });
                    }
                    return Err(self.unexpected(i));
                }
            };
            return Err(LineErr { span, message, resume: None });
        }
    }

    /// The content of a line (from its first non-space char).
    fn content(&mut self, mut p: usize, node_mode: bool) -> Result<Next, LineErr> {
        let mut node_mode = node_mode;
        self.set_mark();
        loop {
            if node_mode {
                // Fill the pending slot; block collections may start here.
                let (props, q) = self.props(p, false);
                if props != (None, None) && self.eol(q) {
                    return Ok(Next::Finish(self.pending_props(props, q)));
                }
                let has_props = props != (None, None);
                if !has_props && (self.ind(q, b'-') || self.ind(q, b'?') || self.ind(q, b':')) {
                    let kind = if self.at(q) == b'-' { FKind::Seq } else { FKind::Map };
                    let pprops =
                        self.pending.as_mut().map(|pd| std::mem::take(&mut pd.props)).unwrap_or_default();
                    if !self.push_frame(q, kind, pprops) {
                        return Err(self.too_deep(q));
                    }
                    p = q;
                    node_mode = false;
                    self.set_mark();
                    continue;
                }
                if self.implicit_key(p, false).is_some() {
                    let pprops =
                        self.pending.as_mut().map(|pd| std::mem::take(&mut pd.props)).unwrap_or_default();
                    if !self.push_frame(p, FKind::Map, pprops) {
                        return Err(self.too_deep(p));
                    }
                    node_mode = false;
                    self.set_mark();
                    continue;
                }
                return self.value(p, false);
            }
            // A new entry of the top block collection at `p`.
            let Some(f) = self.frames.last() else {
                return Err(self.unexpected(p));
            };
            if f.kind == FKind::Seq {
                if !self.ind(p, b'-') {
                    return Err(self.unexpected(p));
                }
                match self.after_indicator(p, SlotKind::Item) {
                    Ok(q) => p = q,
                    Err(q) => return Ok(Next::Finish(q)),
                }
                node_mode = true;
                continue;
            }
            if self.ind(p, b':') {
                if f.key.is_none() {
                    let k = self.null(p, (None, None));
                    if let Some(f) = self.frames.last_mut() {
                        f.key = Some(k);
                    }
                }
                match self.after_indicator(p, SlotKind::MapValue) {
                    Ok(q) => p = q,
                    Err(q) => return Ok(Next::Finish(q)),
                }
                node_mode = true;
                continue;
            }
            self.finish_key();
            if self.ind(p, b'?') {
                match self.after_indicator(p, SlotKind::MapKey) {
                    Ok(q) => p = q,
                    Err(q) => return Ok(Next::Finish(q)),
                }
                node_mode = true;
                continue;
            }
            let Some(k) = self.implicit_key(p, false) else {
                return Err(self.unexpected(p));
            };
            self.pending = Some(Pending { slot: SlotKind::MapKey, null_at: p, props: (None, None) });
            match self.value(p, true)? {
                Next::Finish(_) => {}
                Next::Resume(r) => return Ok(Next::Resume(r)),
            }
            return match self.after_indicator(k.colon, SlotKind::MapValue) {
                Ok(q) => self.value(q, false),
                Err(q) => Ok(Next::Finish(q)),
            };
        }
    }

    /// After the indicator at `p` (`-`, `:` or `?`), its slot waits for a node: `Ok` with
    /// where that node starts on this line, `Err` with the line's end when none follows.
    fn after_indicator(&mut self, p: usize, slot: SlotKind) -> Result<usize, usize> {
        self.last_end = p + 1;
        self.pending = Some(Pending { slot, null_at: p + 1, props: (None, None) });
        let q = self.skip_ws(p + 1);
        if self.eol(q) {
            Err(q)
        } else {
            Ok(q)
        }
    }

    fn too_deep(&mut self, at: usize) -> LineErr {
        LineErr {
            span: self.to_line_end(at),
            message: format!("nesting deeper than {MAX_DEPTH} levels is not supported"),
            resume: None,
        }
    }

    /// Properties alone on a line: they apply to the node on the following lines.
    fn pending_props(&mut self, props: Props, q: usize) -> usize {
        let end = props.0.iter().chain(props.1.iter()).map(|(_, s)| s.end).max().unwrap_or(q);
        self.last_end = end;
        if let Some(pd) = self.pending.as_mut() {
            pd.null_at = end;
            pd.props = props;
        }
        q
    }

    /// `&anchor` and `!tag` at `p`; returns them and the position after them.
    #[inline]
    fn props(&self, p: usize, flow: bool) -> (Props, usize) {
        if matches!(self.at(p), b'&' | b'!') {
            self.props_at(p, flow)
        } else {
            ((None, None), p)
        }
    }

    /// [`Parser::props`] where one starts at `p`.
    #[inline(never)]
    fn props_at(&self, mut p: usize, flow: bool) -> (Props, usize) {
        let mut props: Props = (None, None);
        loop {
            let c = self.at(p);
            if c != b'&' && c != b'!' {
                break;
            }
            let mut e = p + 1;
            while e < self.b.len() {
                let x = self.b[e];
                if is_ws(x) || is_break(x) || (is_flow_ind(x) && (flow || c == b'&')) {
                    break;
                }
                e += 1;
            }
            let (s, e) = scalar::clamp(self.t, p, e);
            let text = &self.t[s..e];
            if c == b'&' {
                if props.0.is_some() {
                    break;
                }
                props.0 = Some((text[1..].to_string(), Span::new(s, e)));
            } else {
                if props.1.is_some() {
                    break;
                }
                props.1 = Some((text.to_string(), Span::new(s, e)));
            }
            p = self.skip_ws(e);
        }
        (props, p)
    }

    /// A node that is not a block collection (scalar, flow collection, alias, block
    /// scalar) at `p`, with properties, placed into the pending slot.
    fn value(&mut self, p: usize, key: bool) -> Result<Next, LineErr> {
        let (mut props, q) = self.props(p, false);
        if props != (None, None) && self.eol(q) && !key {
            return Ok(Next::Finish(self.pending_props(props, q)));
        }
        if let Some(pd) = self.pending.as_mut() {
            let pp = std::mem::take(&mut pd.props);
            if props.0.is_none() {
                props.0 = pp.0;
            }
            if props.1.is_none() {
                props.1 = pp.1;
            }
        }
        let t = self.top_indent();
        let c = self.at(q);
        match c {
            b'|' | b'>' if !key => Ok(self.block_scalar(q, t, props)),
            b'"' | b'\'' => {
                let end = self.quoted_end(q, t, false).map_err(|stop| LineErr {
                    span: self.to_line_end(q),
                    message: if c == b'"' {
                        "unclosed double-quoted string".to_string()
                    } else {
                        "unclosed single-quoted string".to_string()
                    },
                    resume: Some(stop),
                })?;
                let style = if c == b'"' { ScalarStyle::DoubleQuoted } else { ScalarStyle::SingleQuoted };
                let s = scalar::quoted(self.t, q, end, style, &mut self.sp);
                let id = self.alloc(Span::new(q, end), NodeKind::Scalar(s), props);
                self.place(id);
                self.last_end = end;
                Ok(Next::Finish(end))
            }
            b'[' | b'{' => Ok(self.flow(q, t, props)),
            b'*' => {
                let e = self.alias(q, props);
                Ok(Next::Finish(e))
            }
            _ => {
                if q >= self.b.len() || is_break(c) || !self.plain_start(q, false) {
                    if self.ind(q, b'-') {
                        return Err(LineErr {
                            span: Span::new(q, q + 1),
                            message: "a sequence cannot start on the same line as a key".to_string(),
                            resume: None,
                        });
                    }
                    return Err(self.unexpected(q));
                }
                let end = if key { self.plain_line(q, false).0 } else { self.plain_block(q, t) };
                let s = scalar::plain(self.t, q, end);
                let id = self.alloc(Span::new(q, end), NodeKind::Scalar(s), props);
                self.place(id);
                self.last_end = end;
                Ok(Next::Finish(end))
            }
        }
    }

    /// The alias node at `q` (`*name`), reported when its anchor is unknown; returns it and
    /// its end.
    fn alias_node(&mut self, q: usize, props: Props) -> (NodeId, usize) {
        let mut e = q + 1;
        while e < self.b.len() && !is_ws(self.b[e]) && !is_break(self.b[e]) && !is_flow_ind(self.b[e]) {
            e += 1;
        }
        let (s, e) = scalar::clamp(self.t, q, e);
        let name = self.t[s + 1..e].to_string();
        let target = self.anchors.get(&name).copied();
        let span = Span::new(s, e);
        if target.is_none() {
            self.y.problems.push(Problem {
                kind: ProblemKind::UnknownAlias,
                span,
                message: format!("unknown anchor `{name}`"),
                first: None,
            });
        }
        (self.alloc(span, NodeKind::Alias { name, target }, props), e)
    }

    fn alias(&mut self, q: usize, props: Props) -> usize {
        let (id, e) = self.alias_node(q, props);
        self.place(id);
        self.last_end = e;
        e
    }

    // ----- scalars ------------------------------------------------------------------

    /// Whether a plain scalar may start at `i`.
    fn plain_start(&self, i: usize, flow: bool) -> bool {
        let c = self.at(i);
        match c {
            b'-' | b'?' | b':' => {
                let n = self.at(i + 1);
                !(i + 1 >= self.b.len() || is_ws(n) || is_break(n) || (flow && is_flow_ind(n)))
            }
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"'
            | b'%' | b'@' | b'`' => false,
            _ => !is_ws(c) && !is_break(c),
        }
    }

    /// A plain scalar's text on one line from `i`: returns its end (trailing white space
    /// excluded) and whether it stopped at the line end.
    fn plain_line(&self, i: usize, flow: bool) -> (usize, bool) {
        if !flow && !self.has_cr {
            return self.plain_line_lf(i);
        }
        let b = self.b;
        let mut j = i;
        let mut end = i;
        while j < b.len() {
            let c = b[j];
            if is_break(c) {
                return (end, true);
            }
            if is_ws(c) {
                j += 1;
                continue;
            }
            if c == b':' {
                let n = self.at(j + 1);
                if j + 1 >= b.len() || is_ws(n) || is_break(n) || (flow && is_flow_ind(n)) {
                    return (end, false);
                }
            } else if (c == b'#' && j > i && is_ws(b[j - 1])) || (flow && is_flow_ind(c)) {
                return (end, false);
            }
            j += 1;
            end = j;
        }
        (end, true)
    }

    /// [`Parser::plain_line`] in block context in a text without `\r`: the scalar stops
    /// at a line break, at `:` before white space or a break, or at `#` after white
    /// space; memchr finds the candidates.
    fn plain_line_lf(&self, i: usize) -> (usize, bool) {
        let b = self.b;
        let trimmed = |e: usize| {
            let mut e = e;
            while e > i && is_ws(b[e - 1]) {
                e -= 1;
            }
            e
        };
        let mut j = i;
        while let Some(k) = b.get(j..).and_then(|rest| memchr::memchr3(b'\n', b':', b'#', rest)) {
            let at = j + k;
            match b[at] {
                b'\n' => return (trimmed(at), true),
                b':' => {
                    let n = self.at(at + 1);
                    if at + 1 >= b.len() || is_ws(n) || is_break(n) {
                        return (trimmed(at), false);
                    }
                }
                _ => {
                    if at > i && is_ws(b[at - 1]) {
                        return (trimmed(at), false);
                    }
                }
            }
            j = at + 1;
        }
        (trimmed(b.len()), true)
    }

    /// The first content of the next non-blank line after the break at `le`, if it may
    /// continue a multi-line scalar or flow collection indented more than `t`:
    /// `Ok(content)`, or `Err(line start)` where the construct must stop.
    fn next_content(&self, le: usize, t: i64) -> Result<usize, usize> {
        self.next_content_in(le, t, false)
    }

    /// [`Parser::next_content`]; with `tab_ok`, a line starting with a tab may continue
    /// (tabs are allowed in the line prefix of a quoted scalar).
    fn next_content_in(&self, le: usize, t: i64, tab_ok: bool) -> Result<usize, usize> {
        let b = self.b;
        let mut ls = self.after_break(le);
        loop {
            if ls >= b.len() {
                return Err(ls);
            }
            let mut i = ls;
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            let mut c = i;
            while c < b.len() && is_ws(b[c]) {
                c += 1;
            }
            if c >= b.len() {
                return Err(ls);
            }
            if is_break(b[c]) {
                ls = self.after_break(c);
                continue;
            }
            if (i == ls && self.doc_marker(ls).is_some())
                || (((i - ls) as i64) <= t && !(tab_ok && b[i] == b'\t'))
            {
                return Err(ls);
            }
            return Ok(c);
        }
    }

    /// A plain scalar in block context from `q`; returns its end.
    fn plain_block(&self, q: usize, t: i64) -> usize {
        let (mut end, mut at_eol) = self.plain_line(q, false);
        while at_eol {
            let le = self.line_end(end);
            let Ok(c) = self.next_content(le, t) else { break };
            if self.b[c] == b'#' {
                break;
            }
            let (e, eol) = self.plain_line(c, false);
            if !eol && self.at(self.skip_ws(e)) == b':' || e == c {
                break;
            }
            end = e;
            at_eol = eol;
        }
        end
    }

    /// The end (after the closing quote) of the quoted scalar at `q`, or `Err(line)` with
    /// the line where it had to stop.
    ///
    /// Continuation lines may sit at any indentation (as other parsers accept); when the
    /// string is never closed, parsing resumes at the first line indented `t` or less.
    /// After such a failure, later strings starting before where it stopped use that
    /// first line as their limit, so no text is scanned more than twice.
    fn quoted_end(&mut self, q: usize, t: i64, _flow: bool) -> Result<usize, usize> {
        let b = self.b;
        let quote = b[q];
        let qi = usize::from(quote == b'\'');
        let strict = q < self.quote_reach[qi];
        let mut first_dedent: Option<usize> = None;
        let mut i = q + 1;
        while i < b.len() {
            let c = b[i];
            if quote == b'"' && c == b'\\' {
                if i + 1 < b.len() && is_break(b[i + 1]) {
                    i += 1;
                    continue;
                }
                i += 2;
                continue;
            }
            if c == quote {
                if quote == b'\'' && self.at(i + 1) == b'\'' {
                    i += 2;
                    continue;
                }
                return Ok(i + 1);
            }
            if is_break(c) {
                match self.next_content_in(i, -1, true) {
                    Ok(n) => {
                        let mut ls = n;
                        while ls > 0 && !is_break(b[ls - 1]) {
                            ls -= 1;
                        }
                        let ind = b[ls..n].iter().take_while(|&&x| x == b' ').count() as i64;
                        if ind <= t && b[ls] != b'\t' && first_dedent.is_none() {
                            if strict {
                                return Err(ls);
                            }
                            first_dedent = Some(ls);
                        }
                        i = n;
                        continue;
                    }
                    Err(stop) => {
                        self.quote_reach[qi] = self.quote_reach[qi].max(stop);
                        return Err(first_dedent.unwrap_or(stop));
                    }
                }
            }
            i += 1;
        }
        self.quote_reach[qi] = b.len();
        Err(first_dedent.unwrap_or(b.len()))
    }

    /// A block scalar with its indicator at `q`; `t` is the parent indentation.
    fn block_scalar(&mut self, q: usize, t: i64, props: Props) -> Next {
        let b = self.b;
        let mut i = q + 1;
        let mut explicit = None;
        while i < b.len() {
            match b[i] {
                b'-' | b'+' => {}
                b'1'..=b'9' => explicit = Some(i64::from(b[i] - b'0')),
                b'0' => {}
                _ => break,
            }
            i += 1;
        }
        let header_end = i;
        let hle = self.line_end(i);
        let j = self.skip_ws(i);
        let mut bad_header = None;
        if j < hle && (b[j] != b'#' || j == i) {
            bad_header = Some(j);
        }
        let mut n: Option<i64> = explicit.map(|m| (t + m).max(0));
        let mut content_end = None;
        let mut ls = self.after_break(hle);
        let mut cont = hle;
        let mut stop = b.len();
        while ls < b.len() {
            let le = self.line_end(ls);
            let mut k = ls;
            while k < le && b[k] == b' ' {
                k += 1;
            }
            if k < le {
                let ind = (k - ls) as i64;
                if k == ls && self.doc_marker(ls).is_some() {
                    stop = ls;
                    break;
                }
                let nn = match n {
                    Some(nn) => nn,
                    None => {
                        if ind <= t {
                            stop = ls;
                            break;
                        }
                        n = Some(ind);
                        ind
                    }
                };
                if ind < nn {
                    stop = ls;
                    break;
                }
                let tail = &self.t[ls..le];
                content_end = Some(ls + tail.trim_end().len());
                cont = le;
            }
            if le >= b.len() {
                break;
            }
            ls = self.after_break(le);
        }
        let end = content_end.unwrap_or(header_end);
        let _ = stop;
        self.raw_end = if content_end.is_some() { self.after_break(cont) } else { self.after_break(hle) };
        let s = scalar::block(self.t, q, end, t, &mut self.sp);
        let id = self.alloc(Span::new(q, end), NodeKind::Scalar(s), props);
        self.place(id);
        self.last_end = end;
        if let Some(j) = bad_header {
            let e = self.unexpected(j);
            self.syntax(e.span, e.message);
        }
        Next::Resume(self.after_break(cont))
    }

    // ----- implicit keys ------------------------------------------------------------

    /// Whether an implicit key (properties, then one node) followed by `:` starts at `p`
    /// on this line; returns the `:` position.
    fn implicit_key(&self, p: usize, flow: bool) -> Option<KeyInfo> {
        let b = self.b;
        let limit = (p + MAX_KEY).min(b.len());
        let (_, q) = self.props(p, flow);
        if q >= limit {
            return None;
        }
        let c = b[q];
        let (end, json) = match c {
            b'"' | b'\'' => {
                let mut i = q + 1;
                loop {
                    if i >= limit || is_break(b[i]) {
                        return None;
                    }
                    if c == b'"' && b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == c {
                        if c == b'\'' && self.at(i + 1) == b'\'' {
                            i += 2;
                            continue;
                        }
                        break (i + 1, true);
                    }
                    i += 1;
                }
            }
            b'[' | b'{' => {
                let mut depth = 0usize;
                let mut i = q;
                let mut quote = 0u8;
                loop {
                    if i >= limit || is_break(b[i]) {
                        return None;
                    }
                    let x = b[i];
                    if quote != 0 {
                        if x == b'\\' && quote == b'"' {
                            i += 1;
                        } else if x == quote {
                            quote = 0;
                        }
                    } else if x == b'"' || x == b'\'' {
                        quote = x;
                    } else if x == b'[' || x == b'{' {
                        depth += 1;
                    } else if x == b']' || x == b'}' {
                        depth -= 1;
                        if depth == 0 {
                            break (i + 1, true);
                        }
                    } else if x == b'#' && is_ws(b[i - 1]) {
                        return None;
                    }
                    i += 1;
                }
            }
            b'*' => {
                let mut e = q + 1;
                while e < limit && !is_ws(b[e]) && !is_break(b[e]) && !is_flow_ind(b[e]) {
                    e += 1;
                }
                (e, false)
            }
            _ => {
                if !self.plain_start(q, flow) {
                    return None;
                }
                let (e, _) = self.plain_line(q, flow);
                if e > limit {
                    return None;
                }
                (e, false)
            }
        };
        let r = self.skip_ws(end);
        if self.at(r) != b':' || r >= b.len() {
            return None;
        }
        let n = self.at(r + 1);
        let ok =
            r + 1 >= b.len() || is_ws(n) || is_break(n) || (flow && (is_flow_ind(n) || (json && r == end)));
        ok.then_some(KeyInfo { colon: r })
    }

    // ----- flow collections ---------------------------------------------------------

    /// A flow collection starting at `q` (in a block context indented `t`).
    fn flow(&mut self, q: usize, t: i64, props: Props) -> Next {
        let base = self.frames.len();
        let kind = if self.b[q] == b'[' { FKind::Seq } else { FKind::Map };
        if !self.push_flow(q, kind, props) {
            return Next::Resume(self.skip_deep(q));
        }
        let b = self.b;
        let mut i = q + 1;
        // Just after a quoted scalar or a flow collection: `"a":1` is a pair.
        let mut json_end = usize::MAX;
        loop {
            // White space, line breaks and comments.
            loop {
                while i < b.len() && is_ws(b[i]) {
                    i += 1;
                }
                if i >= b.len() {
                    return self.unclosed(base, b.len());
                }
                if b[i] == b'#' && (i == 0 || is_ws(b[i - 1]) || is_break(b[i - 1])) {
                    let le = self.line_end(i);
                    self.comment(i, le);
                    i = le;
                    continue;
                }
                if is_break(b[i]) {
                    match self.next_content(i, t) {
                        Ok(n) => {
                            i = n;
                            continue;
                        }
                        Err(stop) => {
                            // A closing bracket may sit at any indentation.
                            let c = self.skip_ws(stop);
                            if stop < b.len()
                                && matches!(self.at(c), b']' | b'}')
                                && self.doc_marker(stop).is_none()
                            {
                                i = c;
                                continue;
                            }
                            return self.unclosed(base, stop);
                        }
                    }
                }
                break;
            }
            let c = b[i];
            let top_kind = self.frames.last().map(|f| f.kind);
            match c {
                b']' | b'}' => {
                    if top_kind == Some(FKind::Pair) {
                        self.close_top();
                    }
                    let want = if c == b']' { FKind::Seq } else { FKind::Map };
                    if self.frames.len() > base && self.frames.last().map(|f| f.kind) == Some(want) {
                        self.last_end = i + 1;
                        self.finish_flow_key();
                        self.close_top();
                        json_end = i + 1;
                        i += 1;
                        if self.frames.len() == base {
                            return Next::Finish(i);
                        }
                    } else {
                        self.syntax(Span::new(i, i + 1), format!("unexpected `{}`", c as char));
                        i += 1;
                    }
                }
                b',' => {
                    if top_kind == Some(FKind::Pair) {
                        self.close_top();
                    }
                    let filled =
                        self.frames.last().is_some_and(|f| f.filled || f.key.is_some() || f.colon.is_some());
                    if !filled {
                        self.syntax(Span::new(i, i + 1), "unexpected `,`");
                    }
                    self.finish_flow_key();
                    if let Some(f) = self.frames.last_mut() {
                        f.filled = false;
                    }
                    i += 1;
                }
                b':' if {
                    let n = self.at(i + 1);
                    i + 1 >= b.len() || is_ws(n) || is_break(n) || is_flow_ind(n) || i == json_end
                } =>
                {
                    if top_kind == Some(FKind::Seq) {
                        // `[: v]`: a pair with an empty key.
                        if !self.push_flow(i, FKind::Pair, (None, None)) {
                            return Next::Resume(self.skip_deep(i));
                        }
                    }
                    let has_key = self.frames.last().is_some_and(|f| f.key.is_some());
                    if !has_key {
                        let k = self.null(i, (None, None));
                        if let Some(f) = self.frames.last_mut() {
                            f.key = Some(k);
                        }
                    }
                    if let Some(f) = self.frames.last_mut() {
                        f.colon = Some(i + 1);
                        f.filled = true;
                    }
                    self.last_end = i + 1;
                    i += 1;
                }
                b'?' if self.ind(i, b'?') => {
                    i += 1;
                }
                _ => {
                    if top_kind == Some(FKind::Seq)
                        && !self.frames.last().is_some_and(|f| f.filled)
                        && self.implicit_key(i, true).is_some()
                        && !self.push_flow(i, FKind::Pair, (None, None))
                    {
                        return Next::Resume(self.skip_deep(i));
                    }
                    let (props, q2) = self.props(i, true);
                    let x = self.at(q2);
                    if self.frames.last().is_some_and(|f| f.kind == FKind::Seq && f.filled) {
                        self.syntax(self.token(q2.min(b.len().saturating_sub(1))), "expected `,` or `]`");
                    }
                    match x {
                        b'[' | b'{' => {
                            let k = if x == b'[' { FKind::Seq } else { FKind::Map };
                            if !self.push_flow(q2, k, props) {
                                return Next::Resume(self.skip_deep(q2));
                            }
                            i = q2 + 1;
                        }
                        b'"' | b'\'' => match self.quoted_end(q2, t, true) {
                            Ok(end) => {
                                let style = if x == b'"' {
                                    ScalarStyle::DoubleQuoted
                                } else {
                                    ScalarStyle::SingleQuoted
                                };
                                let s = scalar::quoted(self.t, q2, end, style, &mut self.sp);
                                let id = self.alloc(Span::new(q2, end), NodeKind::Scalar(s), props);
                                self.flow_place(id);
                                self.last_end = end;
                                json_end = end;
                                i = end;
                            }
                            Err(stop) => {
                                let span = self.to_line_end(q2);
                                let what = if x == b'"' { "double" } else { "single" };
                                self.syntax(span, format!("unclosed {what}-quoted string"));
                                self.close_flows(base);
                                return Next::Resume(stop);
                            }
                        },
                        b'*' => {
                            let e = self.flow_alias(q2, props);
                            i = e;
                        }
                        _ if q2 < b.len() && self.plain_start(q2, true) => {
                            let end = self.plain_flow(q2, t);
                            let s = scalar::plain(self.t, q2, end);
                            let id = self.alloc(Span::new(q2, end), NodeKind::Scalar(s), props);
                            self.flow_place(id);
                            self.last_end = end;
                            i = end;
                        }
                        _ => {
                            if props != (None, None) {
                                let end = props
                                    .0
                                    .iter()
                                    .chain(props.1.iter())
                                    .map(|(_, s)| s.end)
                                    .max()
                                    .unwrap_or(q2);
                                let id = self.null(end, props);
                                self.flow_place(id);
                                self.last_end = end;
                                i = q2;
                            } else {
                                let span = self.token(i);
                                self.syntax(span, format!("unexpected `{}`", &self.t[span.start..span.end]));
                                i = span.end.max(i + 1);
                            }
                        }
                    }
                }
            }
        }
    }

    fn flow_alias(&mut self, q: usize, props: Props) -> usize {
        // Placed in the flow frame, not through `place`, with what is pending kept aside.
        let saved = self.pending.take();
        let (id, e) = self.alias_node(q, props);
        self.flow_place(id);
        self.last_end = e;
        self.pending = saved;
        e
    }

    /// A plain scalar in a flow collection; returns its end.
    fn plain_flow(&self, q: usize, t: i64) -> usize {
        let (mut end, mut at_eol) = self.plain_line(q, true);
        while at_eol {
            let le = self.line_end(end);
            let Ok(c) = self.next_content(le, t) else { break };
            let x = self.b[c];
            if x == b'#' || is_flow_ind(x) || (x == b':' && !self.plain_start(c, true)) {
                break;
            }
            let (e, eol) = self.plain_line(c, true);
            if e == c {
                break;
            }
            end = e;
            at_eol = eol;
        }
        end
    }

    fn push_flow(&mut self, at: usize, kind: FKind, props: Props) -> bool {
        if self.frames.len() >= MAX_DEPTH {
            return false;
        }
        let id = self.alloc(Span::empty(at), NodeKind::Null, props);
        if self.is_in_flow() {
            self.flow_place(id);
        } else {
            self.place(id);
        }
        self.frames.push(Frame::new(id, kind, usize::MAX, at));
        self.last_end = at + 1;
        true
    }

    fn is_in_flow(&self) -> bool {
        self.frames.last().is_some_and(|f| f.indent == usize::MAX)
    }

    /// Places a node into the innermost flow frame.
    fn flow_place(&mut self, id: NodeId) {
        let Some(f) = self.frames.last_mut() else { return };
        match f.kind {
            FKind::Seq => {
                f.items.push(id);
                f.filled = true;
            }
            FKind::Map | FKind::Pair => {
                if f.colon.is_some() {
                    let k = f.key.take();
                    f.colon = None;
                    f.filled = true;
                    if let Some(k) = k {
                        f.pairs.push((k, id));
                    }
                } else if f.key.is_some() {
                    // Two nodes without `:` or `,` between them.
                    let start = self.y.nodes[id.0 as usize].span.start;
                    let (s, e) = scalar::clamp(self.t, start, start + 1);
                    let k = f.key.take();
                    if let Some(k) = k {
                        let at = self.y.nodes[k.0 as usize].span.end;
                        let v = self.null_raw(at);
                        if let Some(f) = self.frames.last_mut() {
                            f.pairs.push((k, v));
                        }
                    }
                    self.syntax(Span::new(s, e.max(s)), "expected `:` or `,`");
                    if let Some(f) = self.frames.last_mut() {
                        f.key = Some(id);
                    }
                } else {
                    f.key = Some(id);
                    f.filled = true;
                }
            }
        }
    }

    fn null_raw(&mut self, at: usize) -> NodeId {
        let id = NodeId(self.y.nodes.len() as u32);
        self.y.nodes.push(Node { span: Span::empty(at), kind: NodeKind::Null, props: None });
        self.y.fingerprints.push(super::NO_FINGERPRINT);
        id
    }

    /// A key without a value in a flow mapping: `Null` after the `:` or the key.
    fn finish_flow_key(&mut self) {
        let Some(f) = self.frames.last() else { return };
        if f.kind == FKind::Seq {
            return;
        }
        if let Some(k) = f.key {
            let at = f.colon.unwrap_or(self.y.nodes[k.0 as usize].span.end);
            let v = self.null_raw(at);
            if let Some(f) = self.frames.last_mut() {
                f.key = None;
                f.colon = None;
                f.pairs.push((k, v));
            }
        }
    }

    /// Closes every flow frame above `base`.
    fn close_flows(&mut self, base: usize) {
        while self.frames.len() > base {
            if self.frames.last().is_some_and(|f| f.kind != FKind::Seq) {
                self.finish_flow_key();
            }
            self.close_top();
        }
    }

    /// Reports the outermost unclosed bracket and closes everything; resumes at `stop`.
    fn unclosed(&mut self, base: usize, stop: usize) -> Next {
        if let Some(f) = self.frames.get(base) {
            let open = f.open;
            let what = if self.at(open) == b'[' { "missing `]`" } else { "missing `}`" };
            let span = self.to_line_end(open);
            self.syntax(span, what);
        }
        self.close_flows(base);
        Next::Resume(stop)
    }

    /// Nesting too deep: reports once and skips to the matching bracket.
    fn skip_deep(&mut self, q: usize) -> usize {
        if !self.depth_reported {
            self.depth_reported = true;
            self.syntax(
                Span::new(q, q + 1),
                format!("nesting deeper than {MAX_DEPTH} levels is not supported"),
            );
        }
        let b = self.b;
        let mut d = 0usize;
        let mut i = q;
        while i < b.len() {
            match b[i] {
                b'[' | b'{' => d += 1,
                b']' | b'}' => {
                    d = d.saturating_sub(1);
                    if d == 0 {
                        i += 1;
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        // Close all frames of this flow region; the rest of the line is dropped.
        while self.frames.last().is_some_and(|f| f.indent == usize::MAX) {
            self.close_top();
        }
        let le = self.line_end(i);
        self.after_break(le)
    }
}

struct KeyInfo {
    colon: usize,
}
