//! A small, safe shell tokenizer: enough of POSIX sh / bash to find simple commands and
//! their words with exact positions. It never fails: constructs it does not model
//! (heredoc bodies, `$(...)`, backticks, arithmetic) are skipped or kept opaque inside a
//! word, and such words are marked as containing an expansion.
//!
//! Offsets are byte offsets into the text given to [`tokenize`] (the decoded YAML scalar);
//! callers map them to the file through a `SourceMap`.

use std::borrow::Cow;

/// One shell word: its text after quote removal, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word<'a> {
    /// The word after quote removal and escape processing. Expansions (`$X`, `$(..)`,
    /// `${{ .. }}`) are kept verbatim. Borrowed from the input when it is a slice of it
    /// (most words: no quote or escape inside).
    pub text: Cow<'a, str>,
    /// Raw range in the input, quotes included.
    pub start: usize,
    pub end: usize,
    /// For each byte of `text`, the input offset of the byte that produced it.
    offs: Offsets,
    /// Contains `$NAME`, `${..}`, `$(..)`, backticks or `${{ .. }}`.
    pub expansion: bool,
    /// Contains a GitHub/Bitbucket-style `${{ .. }}` expression.
    pub expression: bool,
    /// Some part of the word was quoted or escaped.
    pub quoted: bool,
    /// Malformed expression-like parts: input ranges of e.g. `${{ x }` or `${ x }}`.
    pub malformed: Vec<(usize, usize)>,
}

/// Where each byte of a word's text comes from in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Offsets {
    /// Byte `i` comes from `base + i` (a run copied verbatim: most words, no table).
    Run(usize),
    /// Byte `i` comes from `table[i]`.
    Table(Vec<usize>),
}

impl Word<'_> {
    fn off(&self, i: usize) -> usize {
        match &self.offs {
            Offsets::Run(base) => base + i,
            Offsets::Table(t) => t[i],
        }
    }

    /// The input range of `text[a..b]`.
    pub fn sub_range(&self, a: usize, b: usize) -> (usize, usize) {
        let a = a.min(self.text.len());
        let b = b.clamp(a, self.text.len());
        if self.text.is_empty() {
            return (self.start, self.end);
        }
        let s = if a < self.text.len() { self.off(a) } else { self.end };
        let e = if b == a { s } else { self.off(b - 1) + 1 };
        (s, e.max(s))
    }

    /// True when `text[a..b]` is a verbatim copy of the input (no quotes or escapes
    /// inside), so an edit of that range can be expressed in the input.
    pub fn is_verbatim(&self, a: usize, b: usize) -> bool {
        if a > b || b > self.text.len() {
            return false;
        }
        matches!(self.offs, Offsets::Run(_))
            || (a..b).all(|i| i + 1 >= b || self.off(i + 1) == self.off(i) + 1)
    }

    pub fn range(&self) -> (usize, usize) {
        (self.start, self.end)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminator {
    /// An unescaped newline at this offset.
    Newline(usize),
    /// `;`, `&&`, `||`, `|`, `&`, `(`, `)` ...
    Operator,
    Eof,
}

/// A simple command: leading assignments, then words, up to a separator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimpleCommand<'a> {
    pub assignments: Vec<Word<'a>>,
    pub words: Vec<Word<'a>>,
    pub terminator: Terminator,
    /// The command's first token is the first thing on its line.
    pub starts_line: bool,
    /// Offset of the start of the line the command starts on.
    pub line_start: usize,
    /// The command was preceded by `|` (it reads a pipe).
    pub piped: bool,
}

impl SimpleCommand<'_> {
    pub fn start(&self) -> usize {
        self.assignments.first().or(self.words.first()).map_or(0, |w| w.start)
    }

    pub fn end(&self) -> usize {
        self.words.last().or(self.assignments.last()).map_or(0, |w| w.end)
    }
}

/// The result of tokenizing a script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script<'a> {
    /// Commands of the top level and of every `$(..)` / backtick substitution, in order of
    /// their start.
    pub commands: Vec<SimpleCommand<'a>>,
}

/// Tokenizes `text`.
pub fn tokenize(text: &str) -> Script<'_> {
    let mut out = Vec::new();
    let mut lx = Lexer { t: text, b: text.as_bytes(), pos: 0, end: text.len(), subs: Vec::new() };
    lx.run(&mut out);
    // Substitutions found while lexing; their own substitutions are appended as we go.
    let mut i = 0;
    while i < lx.subs.len() {
        let (s, e) = lx.subs[i];
        let mut sub = Lexer { t: text, b: text.as_bytes(), pos: s, end: e, subs: Vec::new() };
        sub.run(&mut out);
        lx.subs.extend(sub.subs);
        i += 1;
        if i > 10_000 {
            break;
        }
    }
    out.sort_by_key(|c| c.start());
    Script { commands: out }
}

struct Lexer<'a> {
    t: &'a str,
    b: &'a [u8],
    pos: usize,
    end: usize,
    subs: Vec<(usize, usize)>,
}

struct Heredoc {
    delim: Vec<u8>,
    strip_tabs: bool,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `NAME=...` or `NAME+=...`: the length of the name, when `text` is an assignment.
pub fn assignment_name(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    if b.is_empty() || !is_name_start(b[0]) {
        return None;
    }
    let mut i = 1;
    while i < b.len() && is_name(b[i]) {
        i += 1;
    }
    if b.get(i) == Some(&b'=') || (b.get(i) == Some(&b'+') && b.get(i + 1) == Some(&b'=')) {
        Some(&text[..i])
    } else {
        None
    }
}

impl<'a> Lexer<'a> {
    fn peek(&self, k: usize) -> Option<u8> {
        let i = self.pos + k;
        if i < self.end {
            Some(self.b[i])
        } else {
            None
        }
    }

    fn line_start_of(&self, at: usize) -> usize {
        let mut i = at.min(self.b.len());
        while i > 0 && self.b[i - 1] != b'\n' {
            i -= 1;
        }
        i
    }

    fn run(&mut self, out: &mut Vec<SimpleCommand<'a>>) {
        let mut cur = self.new_cmd(false);
        let mut heredocs: Vec<Heredoc> = Vec::new();
        let mut guard = 0usize;
        while self.pos < self.end {
            guard += 1;
            if guard > 4 * self.b.len() + 16 {
                break;
            }
            let c = self.b[self.pos];
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\\' if self.peek(1) == Some(b'\n') => self.pos += 2,
                b'\n' => {
                    self.finish(&mut cur, out, Terminator::Newline(self.pos), false);
                    self.pos += 1;
                    for h in heredocs.drain(..) {
                        self.skip_heredoc(&h);
                    }
                }
                b'#' => {
                    while self.pos < self.end && self.b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b';' | b'&' | b'|' | b'(' | b')' => {
                    if c == b'&' && self.peek(1) == Some(b'>') {
                        // `&>` / `&>>` redirection
                        self.pos += if self.peek(2) == Some(b'>') { 3 } else { 2 };
                        self.skip_redirect_target();
                        continue;
                    }
                    let piped = c == b'|' && self.peek(1) != Some(b'|');
                    let two = matches!(
                        (c, self.peek(1)),
                        (b';', Some(b';')) | (b'&', Some(b'&')) | (b'|', Some(b'|')) | (b'|', Some(b'&'))
                    );
                    self.finish(&mut cur, out, Terminator::Operator, piped);
                    self.pos += if two { 2 } else { 1 };
                }
                b'<' | b'>' => self.redirect(&mut heredocs),
                b'0'..=b'9' if self.digits_then_redirect() => {
                    while self.pos < self.end && self.b[self.pos].is_ascii_digit() {
                        self.pos += 1;
                    }
                    self.redirect(&mut heredocs);
                }
                _ => {
                    let w = self.word();
                    if cur.words.is_empty() && !w.quoted && assignment_name(&w.text).is_some() {
                        cur.assignments.push(w);
                    } else {
                        if cur.words.is_empty() && cur.assignments.is_empty() {
                            let ls = self.line_start_of(w.start);
                            cur.line_start = ls;
                            cur.starts_line = self.b[ls..w.start].iter().all(|&c| c == b' ' || c == b'\t');
                        }
                        if cur.words.is_empty() {
                            // Most commands have a few words: one allocation for them.
                            cur.words.reserve(8);
                        }
                        cur.words.push(w);
                    }
                }
            }
        }
        self.finish(&mut cur, out, Terminator::Eof, false);
    }

    fn new_cmd(&self, piped: bool) -> SimpleCommand<'a> {
        SimpleCommand {
            assignments: Vec::new(),
            words: Vec::new(),
            terminator: Terminator::Eof,
            starts_line: false,
            line_start: 0,
            piped,
        }
    }

    fn finish(
        &self,
        cur: &mut SimpleCommand<'a>,
        out: &mut Vec<SimpleCommand<'a>>,
        t: Terminator,
        next_piped: bool,
    ) {
        if !cur.words.is_empty() || !cur.assignments.is_empty() {
            if cur.words.is_empty() {
                let ls = self.line_start_of(cur.start());
                cur.line_start = ls;
                cur.starts_line = self.b[ls..cur.start()].iter().all(|&c| c == b' ' || c == b'\t');
            }
            cur.terminator = t;
            out.push(std::mem::replace(cur, self.new_cmd(next_piped)));
        } else {
            cur.piped = next_piped;
        }
    }

    fn digits_then_redirect(&self) -> bool {
        let mut i = self.pos;
        while i < self.end && self.b[i].is_ascii_digit() {
            i += 1;
        }
        // Only at a word start: the previous byte must not be part of a word.
        let at_start =
            self.pos == 0 || matches!(self.b[self.pos - 1], b' ' | b'\t' | b'\n' | b';' | b'&' | b'|');
        at_start && i < self.end && matches!(self.b[i], b'<' | b'>')
    }

    fn redirect(&mut self, heredocs: &mut Vec<Heredoc>) {
        let c = self.b[self.pos];
        if c == b'<' && self.peek(1) == Some(b'<') && self.peek(2) != Some(b'<') {
            self.pos += 2;
            let strip_tabs = self.peek(0) == Some(b'-');
            if strip_tabs {
                self.pos += 1;
            }
            while matches!(self.peek(0), Some(b' ' | b'\t')) {
                self.pos += 1;
            }
            if self.pos < self.end && !matches!(self.b[self.pos], b'\n' | b';' | b'&' | b'|') {
                let w = self.word();
                heredocs.push(Heredoc { delim: w.text.as_bytes().to_vec(), strip_tabs });
            }
            return;
        }
        // <, >, >>, <<<, <>, >|, >&, <&
        self.pos += 1;
        let mut n = 0;
        while n < 2 && matches!(self.peek(0), Some(b'<' | b'>')) {
            self.pos += 1;
            n += 1;
        }
        if matches!(self.peek(0), Some(b'&' | b'|')) {
            self.pos += 1;
        }
        self.skip_redirect_target();
    }

    fn skip_redirect_target(&mut self) {
        while matches!(self.peek(0), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        if self.pos < self.end && !matches!(self.b[self.pos], b'\n' | b';' | b'&' | b'|' | b'(' | b')') {
            let _ = self.word();
        }
    }

    fn skip_heredoc(&mut self, h: &Heredoc) {
        while self.pos < self.end {
            let ls = self.pos;
            while self.pos < self.end && self.b[self.pos] != b'\n' {
                self.pos += 1;
            }
            let mut line = &self.b[ls..self.pos];
            if self.pos < self.end {
                self.pos += 1;
            }
            if h.strip_tabs {
                while let [b'\t', rest @ ..] = line {
                    line = rest;
                }
            }
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line == h.delim.as_slice() {
                return;
            }
        }
    }

    /// Finds the `)` matching an opening `(` just before `self.pos`; returns its offset.
    fn skip_parens(&mut self) -> usize {
        let mut depth = 1usize;
        while self.pos < self.end {
            match self.b[self.pos] {
                b'\\' => self.pos += 2,
                b'\'' => {
                    self.pos += 1;
                    while self.pos < self.end && self.b[self.pos] != b'\'' {
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                b'"' => {
                    self.pos += 1;
                    while self.pos < self.end && self.b[self.pos] != b'"' {
                        if self.b[self.pos] == b'\\' {
                            self.pos += 1;
                        }
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                b'(' => {
                    depth += 1;
                    self.pos += 1;
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        let at = self.pos;
                        self.pos += 1;
                        return at;
                    }
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        self.pos = self.pos.min(self.end);
        self.end
    }

    /// Handles a `$` at `self.pos`, appending raw bytes to the word.
    fn dollar(&mut self, w: &mut WordBuf<'a>) {
        let start = self.pos;
        match self.peek(1) {
            Some(b'(') => {
                w.expansion = true;
                self.pos += 2;
                let arith = self.peek(0) == Some(b'(');
                let inner = self.pos;
                let close = self.skip_parens();
                if !arith && close > inner {
                    self.subs.push((inner, close));
                }
            }
            Some(b'{') if self.peek(2) == Some(b'{') => {
                w.expansion = true;
                w.expression = true;
                // `${{ ... }}`: the first `}` outside a '...' string literal must start `}}`.
                let mut i = self.pos + 3;
                let mut found = None;
                let mut stop = None;
                while i < self.end && self.b[i] != b'\n' {
                    match self.b[i] {
                        b'\'' => {
                            i += 1;
                            while i < self.end && !matches!(self.b[i], b'\'' | b'\n') {
                                i += 1;
                            }
                        }
                        b'}' => {
                            if i + 1 < self.end && self.b[i + 1] == b'}' {
                                found = Some(i + 2);
                            } else {
                                stop = Some(i + 1);
                            }
                            break;
                        }
                        _ => {}
                    }
                    i += 1;
                }
                match found {
                    Some(e) => self.pos = e,
                    None => {
                        let j = stop.unwrap_or(i).min(self.end);
                        w.malformed.push((start, j));
                        self.pos = j;
                    }
                }
            }
            Some(b'{') => {
                w.expansion = true;
                let body = self.pos + 2;
                let mut i = body;
                while i < self.end && !matches!(self.b[i], b'}' | b'\n') {
                    i += 1;
                }
                let closed = i < self.end && self.b[i] == b'}';
                let content = &self.b[body.min(i)..i];
                let name_len = content.iter().take_while(|c| is_name(**c)).count();
                let bad = !closed
                    || content.first().is_some_and(|c| c.is_ascii_whitespace())
                    || (name_len > 0 && content.get(name_len) == Some(&b'.'));
                if closed {
                    i += 1;
                    if bad && i < self.end && self.b[i] == b'}' {
                        i += 1;
                    }
                }
                if bad {
                    w.malformed.push((start, i));
                }
                self.pos = i;
            }
            Some(b'[') => {
                // GitLab's `$[[ inputs.x ]]` (substituted before the shell runs) or
                // bash's `$[ arithmetic ]`: one expansion up to the closing brackets.
                w.expansion = true;
                let gitlab = self.peek(2) == Some(b'[');
                w.expression |= gitlab;
                let close: &[u8] = if gitlab { b"]]" } else { b"]" };
                let mut i = self.pos + if gitlab { 3 } else { 2 };
                while i < self.end && self.b[i] != b'\n' && !self.b[i..self.end].starts_with(close) {
                    i += 1;
                }
                if i < self.end && self.b[i..self.end].starts_with(close) {
                    i += close.len();
                } else {
                    w.malformed.push((start, i));
                }
                self.pos = i;
            }
            Some(c) if is_name_start(c) => {
                w.expansion = true;
                self.pos += 1;
                while self.pos < self.end && is_name(self.b[self.pos]) {
                    self.pos += 1;
                }
            }
            Some(c) if c.is_ascii_digit() || b"?@*#$!-".contains(&c) => {
                w.expansion = true;
                self.pos += 2;
            }
            _ => {
                self.pos += 1;
            }
        }
        let end = self.pos.min(self.end);
        for i in start..end {
            w.push(self.b[i], i);
        }
    }

    fn backtick(&mut self, w: &mut WordBuf<'a>) {
        let start = self.pos;
        self.pos += 1;
        let inner = self.pos;
        while self.pos < self.end && self.b[self.pos] != b'`' {
            if self.b[self.pos] == b'\\' {
                self.pos += 1;
            }
            self.pos += 1;
        }
        let close = self.pos.min(self.end);
        if close > inner {
            self.subs.push((inner, close));
        }
        self.pos = (close + 1).min(self.end);
        w.expansion = true;
        for i in start..self.pos {
            w.push(self.b[i], i);
        }
    }

    fn word(&mut self) -> Word<'a> {
        let start = self.pos;
        let mut w = WordBuf::new(self.t);
        while self.pos < self.end {
            let c = self.b[self.pos];
            match c {
                c if is_word_end(c) => break,
                b'\\' => {
                    w.quoted = true;
                    match self.peek(1) {
                        Some(b'\n') => self.pos += 2,
                        Some(n) => {
                            w.push(n, self.pos + 1);
                            self.pos += 2;
                        }
                        None => self.pos += 1,
                    }
                }
                b'\'' => {
                    w.quoted = true;
                    self.pos += 1;
                    let inner = self.pos;
                    while self.pos < self.end && self.b[self.pos] != b'\'' {
                        w.push(self.b[self.pos], self.pos);
                        self.pos += 1;
                    }
                    // The CI system substitutes `${{ .. }}` and GitLab's `$[[ .. ]]`
                    // before the shell runs, single quotes or not.
                    let quoted = &self.b[inner..self.pos];
                    if quoted.windows(3).any(|t| t == b"${{" || t == b"$[[") {
                        w.expansion = true;
                        w.expression = true;
                    }
                    self.pos = (self.pos + 1).min(self.end);
                }
                b'$' if self.peek(1) == Some(b'\'') => {
                    w.quoted = true;
                    self.pos += 2;
                    while self.pos < self.end && self.b[self.pos] != b'\'' {
                        if self.b[self.pos] == b'\\' && self.pos + 1 < self.end {
                            let e = self.b[self.pos + 1];
                            let v = match e {
                                b'n' => b'\n',
                                b't' => b'\t',
                                b'r' => b'\r',
                                b'\\' | b'\'' | b'"' => e,
                                _ => {
                                    w.push(b'\\', self.pos);
                                    e
                                }
                            };
                            w.push(v, self.pos + 1);
                            self.pos += 2;
                        } else {
                            w.push(self.b[self.pos], self.pos);
                            self.pos += 1;
                        }
                    }
                    self.pos = (self.pos + 1).min(self.end);
                }
                b'"' => {
                    w.quoted = true;
                    self.pos += 1;
                    while self.pos < self.end && self.b[self.pos] != b'"' {
                        match self.b[self.pos] {
                            b'\\' if self.pos + 1 < self.end => {
                                let n = self.b[self.pos + 1];
                                if n == b'\n' {
                                    self.pos += 2;
                                } else if matches!(n, b'$' | b'`' | b'"' | b'\\') {
                                    w.push(n, self.pos + 1);
                                    self.pos += 2;
                                } else {
                                    w.push(b'\\', self.pos);
                                    self.pos += 1;
                                }
                            }
                            b'$' => self.dollar(&mut w),
                            b'`' => self.backtick(&mut w),
                            _ => {
                                // The run of bytes up to the next one with a meaning here.
                                let run = self.b[self.pos..self.end]
                                    .iter()
                                    .position(|&c| matches!(c, b'"' | b'\\' | b'$' | b'`'))
                                    .unwrap_or(self.end - self.pos)
                                    .max(1);
                                w.push_run(&self.b[self.pos..self.pos + run], self.pos);
                                self.pos += run;
                            }
                        }
                    }
                    self.pos = (self.pos + 1).min(self.end);
                }
                b'$' => self.dollar(&mut w),
                b'`' => self.backtick(&mut w),
                _ => {
                    // The run of ordinary bytes from here, copied at once.
                    let run = self.b[self.pos..self.end]
                        .iter()
                        .position(|&c| is_word_end(c) || matches!(c, b'\\' | b'\'' | b'"' | b'$' | b'`'))
                        .unwrap_or(self.end - self.pos)
                        .max(1);
                    w.push_run(&self.b[self.pos..self.pos + run], self.pos);
                    self.pos += run;
                }
            }
        }
        if self.pos == start {
            // Never loop without progress.
            self.pos += 1;
        }
        w.finish(start, self.pos.min(self.end))
    }
}

/// Bytes that end an unquoted word.
fn is_word_end(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>')
}

/// A word being read. Its bytes stay a slice of the input (no copy) while every byte
/// pushed is the input byte at the next offset; the first one that is not (after a
/// quote, an escape, a gap) makes it copy them.
struct WordBuf<'a> {
    input: &'a str,
    /// The bytes, once they are not a slice of the input.
    bytes: Option<Vec<u8>>,
    /// Bytes so far.
    len: usize,
    /// The input offset of byte 0 while every byte so far came from the next input
    /// offset (`None` before the first byte).
    base: Option<usize>,
    /// The offset of each byte, once they stopped being one run.
    offs: Option<Vec<usize>>,
    expansion: bool,
    expression: bool,
    quoted: bool,
    malformed: Vec<(usize, usize)>,
}

impl<'a> WordBuf<'a> {
    fn new(input: &'a str) -> WordBuf<'a> {
        WordBuf {
            input,
            bytes: None,
            len: 0,
            base: None,
            offs: None,
            expansion: false,
            expression: false,
            quoted: false,
            malformed: Vec::new(),
        }
    }

    fn push(&mut self, b: u8, at: usize) {
        self.push_run(&[b], at);
    }

    /// Appends `run`, produced by the input bytes `at..at + run.len()` (equal to them
    /// unless an escape was translated).
    fn push_run(&mut self, run: &[u8], at: usize) {
        let next = self.base.map_or(at, |b| b + self.len);
        // `run` is usually the input itself (same address): no need to compare bytes.
        let is_input = |s: &[u8]| std::ptr::eq(s.as_ptr(), run.as_ptr()) || s == run;
        if self.bytes.is_none()
            && (self.offs.is_some()
                || next != at
                || !self.input.as_bytes().get(at..at + run.len()).is_some_and(is_input))
        {
            // No longer a slice of the input: copy what it was so far.
            let base = self.base.unwrap_or(at);
            let mut bytes = Vec::with_capacity(self.len + run.len() + 8);
            bytes.extend_from_slice(self.input.as_bytes().get(base..base + self.len).unwrap_or_default());
            self.bytes = Some(bytes);
        }
        match (&mut self.offs, self.base) {
            (Some(offs), _) => offs.extend(at..at + run.len()),
            (None, None) => self.base = Some(at),
            (None, Some(base)) if base + self.len == at => {}
            (None, Some(base)) => {
                let mut offs: Vec<usize> = (base..base + self.len).collect();
                offs.extend(at..at + run.len());
                self.offs = Some(offs);
            }
        }
        if let Some(bytes) = &mut self.bytes {
            bytes.extend_from_slice(run);
        }
        self.len += run.len();
    }

    fn finish(self, start: usize, end: usize) -> Word<'a> {
        let len = self.len;
        let base = self.base.unwrap_or(start);
        let lossy = |b: &[u8]| Cow::Owned(String::from_utf8_lossy(b).into_owned());
        let text: Cow<'a, str> = match self.bytes {
            // Words start and end at ASCII delimiters or the ends of the text, so the
            // slice is on char boundaries (checked, not assumed).
            None => match self.input.get(base..base + len) {
                Some(s) => Cow::Borrowed(s),
                None => lossy(self.input.as_bytes().get(base..base + len).unwrap_or_default()),
            },
            Some(bytes) => match String::from_utf8(bytes) {
                Ok(s) => Cow::Owned(s),
                Err(e) => lossy(e.as_bytes()),
            },
        };
        let offs = match self.offs {
            None if text.len() == len => Offsets::Run(base),
            offs => {
                let mut offs = offs.unwrap_or_else(|| (base..base + len).collect());
                // Lossy conversion may change lengths; keep offsets aligned with the text.
                offs.resize(text.len(), end.saturating_sub(1).max(start));
                Offsets::Table(offs)
            }
        };
        Word {
            text,
            start,
            end,
            offs,
            expansion: self.expansion,
            expression: self.expression,
            quoted: self.quoted,
            malformed: self.malformed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<String>> {
        tokenize(text).commands.iter().map(|c| c.words.iter().map(|w| w.text.to_string()).collect()).collect()
    }

    #[test]
    fn splits_on_operators_and_newlines() {
        assert_eq!(
            words("a b && c 'd e'; f | g\nh & i || j"),
            vec![vec!["a", "b"], vec!["c", "d e"], vec!["f"], vec!["g"], vec!["h"], vec!["i"], vec!["j"]]
        );
    }

    #[test]
    fn quotes_escapes_and_ansi_c() {
        let s = tokenize(r#"cml "--labels=a b" x\ y $'c\td' "q\"r""#);
        let w = &s.commands[0].words;
        assert_eq!(w[1].text, "--labels=a b");
        assert_eq!(w[1].range(), (4, 18));
        assert_eq!(w[1].sub_range(9, 12), (14, 17));
        assert_eq!(w[2].text, "x y");
        assert_eq!(w[3].text, "c\td");
        assert_eq!(w[4].text, "q\"r");
        assert!(w[1].is_verbatim(0, 12));
        assert!(!w[2].is_verbatim(0, 3));
        assert!(w[2].is_verbatim(1, 3));
    }

    #[test]
    fn continuation_joins_lines() {
        let s = tokenize("cml runner \\\n  --cloud=aws\necho");
        assert_eq!(s.commands.len(), 2);
        assert_eq!(s.commands[0].words.len(), 3);
        assert_eq!(s.commands[0].words[2].range(), (15, 26));
        assert_eq!(s.commands[0].terminator, Terminator::Newline(26));
        assert!(s.commands[1].starts_line);
        assert_eq!(s.commands[1].line_start, 27);
    }

    #[test]
    fn comments_redirects_and_heredocs_are_skipped() {
        assert_eq!(
            words("cml comment create r.md > out.txt 2>&1 # a comment\ncat <<EOF >> r.md\ncml --bogus\nEOF\nnext"),
            vec![vec!["cml", "comment", "create", "r.md"], vec!["cat"], vec!["next"]]
        );
        assert_eq!(words("cat <<-'END'\n\tcml x\n\tEND\nz"), vec![vec!["cat"], vec!["z"]]);
        assert_eq!(words("a &> log; b 2> err"), vec![vec!["a"], vec!["b"]]);
    }

    #[test]
    fn expansions_are_marked_and_substitutions_scanned() {
        let s = tokenize(
            "X=1 cml --a=${{ secrets.T }} --b=$HOME \"--c=${X}\" --d=$(cml asset publish p.png --md)",
        );
        let c = &s.commands[0];
        assert_eq!(c.assignments[0].text, "X=1");
        assert_eq!(c.words[1].text, "--a=${{ secrets.T }}");
        assert!(c.words[1].expression && c.words[1].expansion);
        assert!(c.words[2].expansion && !c.words[2].expression);
        assert!(c.words[3].expansion);
        assert_eq!(
            s.commands[1].words.iter().map(|w| w.text.as_ref()).collect::<Vec<_>>(),
            ["cml", "asset", "publish", "p.png", "--md"]
        );
        assert_eq!(s.commands[1].words[0].start, 56);
        let s = tokenize("echo `cml ci`");
        assert_eq!(s.commands[1].words[1].text, "ci");
    }

    #[test]
    fn ci_expressions_in_single_quotes_and_gitlab_inputs_are_expressions() {
        let s = tokenize("cml --a='${{ matrix.cloud }}' --b=$[[ inputs.cloud ]] --c='$[[ inputs.r ]]' --d=$[ 1 + 2 ] --e='$X'");
        let w = &s.commands[0].words;
        let texts: Vec<&str> = w.iter().map(|w| w.text.as_ref()).collect();
        assert_eq!(
            texts,
            [
                "cml",
                "--a=${{ matrix.cloud }}",
                "--b=$[[ inputs.cloud ]]",
                "--c=$[[ inputs.r ]]",
                "--d=$[ 1 + 2 ]",
                "--e=$X"
            ]
        );
        let flags: Vec<(bool, bool)> = w.iter().map(|w| (w.expansion, w.expression)).collect();
        assert_eq!(
            flags,
            [(false, false), (true, true), (true, true), (true, true), (true, false), (false, false)]
        );
        assert_eq!(w[2].range(), (30, 53));
        assert!(w.iter().all(|w| w.malformed.is_empty()));
        assert_eq!(tokenize("cml --a=$[[ x").commands[0].words[1].malformed, vec![(8, 13)]);
    }

    #[test]
    fn malformed_expressions_are_recorded() {
        let s = tokenize("cml --a=${{ github.run_id } --b=${ github.sha }} --c=${{ ok }}");
        let w = &s.commands[0].words;
        assert_eq!(w[1].malformed, vec![(8, 27)]);
        assert_eq!(w[2].malformed, vec![(32, 48)]);
        assert!(w[3].malformed.is_empty());
    }

    #[test]
    fn never_panics_on_odd_input() {
        for t in [
            "\\", "'", "\"", "$", "$(", "${", "${{", "$[", "$[[", "$[[ ]", "`", "<<", "2>", "&>", "a\\",
            "é'ü", "$'\\", "((", "))",
        ] {
            let _ = tokenize(t);
        }
        assert_eq!(words("é ü"), vec![vec!["é", "ü"]]);
    }

    #[test]
    fn words_borrow_the_input_unless_quotes_or_escapes_change_them() {
        let text = "cml --a=b \"q\"x $'n\\n' d\\ e 'f'g --h=${{ x }} é";
        let s = tokenize(text);
        let w = &s.commands[0].words;
        let got: Vec<(&str, bool)> =
            w.iter().map(|w| (w.text.as_ref(), matches!(w.text, Cow::Borrowed(_)))).collect();
        assert_eq!(
            got,
            vec![
                ("cml", true),
                ("--a=b", true),
                // The quote is removed, and `q` is the input at its offset: still a slice.
                ("qx", false),
                // `$'n\n'`: the escape becomes a line feed, not the `n` it is written with.
                ("n\n", false),
                ("d e", false),
                ("fg", false),
                ("--h=${{ x }}", true),
                ("é", true),
            ]
        );
        // Offsets of a borrowed word and of a copied one.
        assert_eq!(w[1].sub_range(4, 5), (8, 9));
        assert_eq!(&text[w[2].sub_range(0, 1).0..w[2].sub_range(0, 1).1], "q");
        assert_eq!(&text[w[2].sub_range(1, 2).0..w[2].sub_range(1, 2).1], "x");
        assert_eq!(w[3].sub_range(1, 2), (19, 20));
    }
}
