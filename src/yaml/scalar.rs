//! Scalar decoding: turns the source text of a scalar into its value and a [`SourceMap`].
//!
//! All decoders read the original text directly and never panic: offsets are clamped to
//! the text and every slice is taken on char boundaries (only ASCII bytes are ever used as
//! delimiters).

use super::{Scalar, ScalarStyle, SourceMap};
use crate::diag::Span;

/// A problem found while decoding (always a syntax problem).
pub(crate) type ScalarProblem = (Span, String);

fn is_break(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

fn is_white(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The offset just after the line break starting at `i` (`\r\n`, `\n` or `\r`).
fn after_break(bytes: &[u8], i: usize) -> usize {
    if bytes.get(i) == Some(&b'\r') && bytes.get(i + 1) == Some(&b'\n') {
        i + 2
    } else {
        i + 1
    }
}

/// Emits a decoded line feed for the source break at `i`: verbatim when the break is a
/// lone `\n`, synthetic otherwise (a `\r\n` or `\r` decodes to `\n`).
fn push_break(out: &mut String, map: &mut SourceMap, bytes: &[u8], i: usize) {
    out.push('\n');
    if bytes.get(i) == Some(&b'\n') {
        map.push_verbatim(i, 1);
    } else {
        map.push_synthetic(i, after_break(bytes, i), 1);
    }
}

/// Clamps `[start, end)` to the text and to char boundaries.
pub(crate) fn clamp(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut s = start.min(text.len());
    while !text.is_char_boundary(s) {
        s -= 1;
    }
    let mut e = end.clamp(s, text.len());
    while !text.is_char_boundary(e) {
        e += 1;
    }
    (s, e)
}

/// A plain scalar occupying `[start, end)`.
pub(crate) fn plain(text: &str, start: usize, end: usize) -> Scalar {
    let (start, end) = clamp(text, start, end);
    let mut problems = Vec::new();
    flow(text, start, end, ScalarStyle::Plain, &mut problems)
}

/// A quoted scalar whose source (quotes included) is `[start, end)`. A missing closing
/// quote is tolerated (the body then runs to `end`).
pub(crate) fn quoted(
    text: &str,
    start: usize,
    end: usize,
    style: ScalarStyle,
    problems: &mut Vec<ScalarProblem>,
) -> Scalar {
    let (start, end) = clamp(text, start, end);
    let quote = if style == ScalarStyle::DoubleQuoted { b'"' } else { b'\'' };
    let bytes = text.as_bytes();
    let body_start = if bytes.get(start) == Some(&quote) { start + 1 } else { start };
    let mut body_end = end;
    if end > body_start && bytes[end - 1] == quote {
        // Not a closing quote when it is the second half of `\"` or of `''`.
        let escaped = if quote == b'"' {
            let mut n = 0;
            while end - 1 - n > body_start && bytes[end - 2 - n] == b'\\' {
                n += 1;
            }
            n % 2 == 1
        } else {
            false
        };
        if !escaped {
            body_end = end - 1;
        }
    }
    flow(text, body_start.min(body_end), body_end, style, problems)
}

/// Decodes a flow scalar body `[start, end)`: folding for all three styles, `''` for
/// single-quoted and escapes for double-quoted.
fn flow(
    text: &str,
    start: usize,
    end: usize,
    style: ScalarStyle,
    problems: &mut Vec<ScalarProblem>,
) -> Scalar {
    let bytes = text.as_bytes();
    // Most scalars (keys, single-line values) decode to their source: no break to fold,
    // no escape or quote to process (white space is only dropped before a break). One
    // scan decides; the map is then one verbatim run, as the loop below would build.
    let body = &bytes[start..end];
    let special = match style {
        ScalarStyle::DoubleQuoted => memchr::memchr3(b'\n', b'\r', b'\\', body),
        ScalarStyle::SingleQuoted => memchr::memchr3(b'\n', b'\r', b'\'', body),
        _ => memchr::memchr2(b'\n', b'\r', body),
    };
    if !body.is_empty() && special.is_none() {
        return Scalar {
            style,
            value: text[start..end].to_string(),
            map: SourceMap::identity(start, end - start),
        };
    }
    let mut out = String::with_capacity(end - start);
    let mut map = SourceMap::builder();
    let mut i = start;
    while i < end {
        let b = bytes[i];
        if is_white(b) {
            let mut j = i;
            while j < end && is_white(bytes[j]) {
                j += 1;
            }
            if j < end && is_break(bytes[j]) {
                // Trailing white space before a line break is not content.
            } else {
                out.push_str(&text[i..j]);
                map.push_verbatim(i, j - i);
            }
            i = j;
        } else if is_break(b) {
            i = fold_break(text, i, end, &mut out, &mut map, true);
        } else if b == b'\\' && style == ScalarStyle::DoubleQuoted {
            i = escape(text, i, end, &mut out, &mut map, problems);
        } else if b == b'\'' && style == ScalarStyle::SingleQuoted && bytes.get(i + 1) == Some(&b'\'') {
            out.push('\'');
            map.push_verbatim(i, 1);
            i += 2;
        } else {
            let mut j = i + 1;
            while j < end
                && !is_white(bytes[j])
                && !is_break(bytes[j])
                && bytes[j] != b'\\'
                && bytes[j] != b'\''
            {
                j += 1;
            }
            // Only ASCII delimiters stop the run, so `j` is a char boundary.
            out.push_str(&text[i..j]);
            map.push_verbatim(i, j - i);
            i = j;
        }
    }
    if out.is_empty() {
        map.finish(start);
    }
    Scalar { style, value: out, map }
}

/// Folds the line break at `i` together with any following empty lines and the next
/// line's leading white space. A single break becomes a space (when `space` is true),
/// otherwise each empty line becomes `\n`. Returns the offset of the next content.
fn fold_break(text: &str, i: usize, end: usize, out: &mut String, map: &mut SourceMap, space: bool) -> usize {
    let bytes = text.as_bytes();
    let brk = i;
    let mut i = after_break(bytes, i).min(end);
    let mut n_empty = 0;
    loop {
        let mut j = i;
        while j < end && is_white(bytes[j]) {
            j += 1;
        }
        if j < end && is_break(bytes[j]) {
            push_break(out, map, bytes, j);
            n_empty += 1;
            i = after_break(bytes, j).min(end);
        } else {
            i = j;
            break;
        }
    }
    if n_empty == 0 && space {
        out.push(' ');
        map.push_synthetic(brk, i, 1);
    }
    i
}

/// Decodes the escape starting with the backslash at `i`.
fn escape(
    text: &str,
    i: usize,
    end: usize,
    out: &mut String,
    map: &mut SourceMap,
    problems: &mut Vec<ScalarProblem>,
) -> usize {
    let bytes = text.as_bytes();
    let Some(&c) = bytes.get(i + 1).filter(|_| i + 1 < end) else {
        problems.push((Span::new(i, i + 1), "unfinished escape sequence".to_string()));
        out.push('\\');
        map.push_verbatim(i, 1);
        return i + 1;
    };
    if is_break(c) {
        // An escaped line break: the break is removed, empty lines still give `\n`.
        return fold_break(text, i + 1, end, out, map, false);
    }
    let simple = match c {
        b'0' => Some('\0'),
        b'a' => Some('\u{7}'),
        b'b' => Some('\u{8}'),
        b't' | b'\t' => Some('\t'),
        b'n' => Some('\n'),
        b'v' => Some('\u{b}'),
        b'f' => Some('\u{c}'),
        b'r' => Some('\r'),
        b'e' => Some('\u{1b}'),
        b' ' => Some(' '),
        b'"' => Some('"'),
        b'/' => Some('/'),
        b'\\' => Some('\\'),
        b'N' => Some('\u{85}'),
        b'_' => Some('\u{a0}'),
        b'L' => Some('\u{2028}'),
        b'P' => Some('\u{2029}'),
        _ => None,
    };
    if let Some(ch) = simple {
        out.push(ch);
        map.push_synthetic(i, i + 2, ch.len_utf8());
        return i + 2;
    }
    let digits = match c {
        b'x' => 2,
        b'u' => 4,
        b'U' => 8,
        _ => 0,
    };
    if digits > 0 {
        let hex_end = (i + 2 + digits).min(end);
        let hex = &bytes[i + 2..hex_end];
        let ok = hex.len() == digits && hex.iter().all(u8::is_ascii_hexdigit);
        let ch = if ok {
            // The digits are ASCII hex, so this slice and parse cannot fail.
            u32::from_str_radix(&text[i + 2..hex_end], 16).ok().and_then(char::from_u32)
        } else {
            None
        };
        if let Some(ch) = ch {
            out.push(ch);
            map.push_synthetic(i, hex_end, ch.len_utf8());
            return hex_end;
        }
        let mut bad_end = i + 2;
        while bad_end < hex_end && bytes[bad_end].is_ascii_hexdigit() {
            bad_end += 1;
        }
        let msg = if ok {
            format!("invalid code point in escape `{}`", &text[i..bad_end])
        } else {
            format!("invalid escape `{}`: expected {digits} hexadecimal digits", &text[i..bad_end])
        };
        problems.push((Span::new(i, bad_end), msg));
        out.push_str(&text[i..bad_end]);
        map.push_verbatim(i, bad_end - i);
        return bad_end;
    }
    // Unknown escape: keep it verbatim and report it.
    let (_, esc_end) = clamp(text, i + 2, i + 2);
    problems.push((Span::new(i, esc_end), format!("invalid escape `{}`", &text[i..esc_end])));
    out.push_str(&text[i..esc_end]);
    map.push_verbatim(i, esc_end - i);
    esc_end
}

/// Header of a block scalar: `|` or `>`, then chomping and indentation indicators in
/// either order.
struct Header {
    chomp: Chomp,
    indent: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

/// A block scalar whose indicator is at `start`. `ts_end` is where the parser says its
/// content ends (trailing empty lines are looked for after it); `parent_indent` is the
/// indentation of the enclosing block collection (`-1` at the document level).
pub(crate) fn block(
    text: &str,
    start: usize,
    ts_end: usize,
    parent_indent: i64,
    problems: &mut Vec<ScalarProblem>,
) -> Scalar {
    let (start, ts_end) = clamp(text, start, ts_end);
    let bytes = text.as_bytes();
    let folded = bytes.get(start) == Some(&b'>');
    let mut h = Header { chomp: Chomp::Clip, indent: None };
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'-' => h.chomp = Chomp::Strip,
            b'+' => h.chomp = Chomp::Keep,
            b'1'..=b'9' => h.indent = Some(usize::from(b - b'0')),
            b'0' => {
                problems.push((Span::new(i, i + 1), "indentation indicator must be 1 to 9".to_string()));
            }
            _ => break,
        }
        i += 1;
    }
    // Skip the rest of the header line (white space and a comment).
    while i < bytes.len() && !is_break(bytes[i]) {
        i += 1;
    }
    let style = if folded { ScalarStyle::Folded } else { ScalarStyle::Literal };
    let mut map = SourceMap::builder();
    // The value is at most as long as its source: one allocation.
    let mut out = String::with_capacity(ts_end.saturating_sub(i));
    if i >= bytes.len() {
        map.finish(i);
        return Scalar { style, value: out, map };
    }
    let body = after_break(bytes, i);

    // Lines of the body: (start, end before the break, break position or None at EOF).
    let mut lines: Vec<(usize, usize, Option<usize>)> = Vec::new();
    let mut ls = body;
    while ls < bytes.len() {
        let mut le = ls;
        while le < bytes.len() && !is_break(bytes[le]) {
            le += 1;
        }
        let blank = bytes[ls..le].iter().all(|&b| b == b' ');
        if ls >= ts_end && !blank {
            break;
        }
        lines.push((ls, le, (le < bytes.len()).then_some(le)));
        if le >= bytes.len() {
            break;
        }
        ls = after_break(bytes, le);
    }

    let indent_of = |s: usize, e: usize| bytes[s..e].iter().take_while(|&&b| b == b' ').count();
    let base = usize::try_from(parent_indent.max(0)).unwrap_or(0);
    let n = match h.indent {
        Some(m) => (parent_indent + m as i64).max(0) as usize,
        None => {
            let first = lines.iter().find(|&&(s, e, _)| indent_of(s, e) < e - s);
            match first {
                Some(&(s, e, _)) => indent_of(s, e),
                None => lines.iter().map(|&(s, e, _)| e - s).max().unwrap_or(0).max(base + 1),
            }
        }
    };
    // Stop at the first non-empty line that is less indented than `n`.
    let mut n_lines = lines.len();
    for (k, &(s, e, _)) in lines.iter().enumerate() {
        let ind = indent_of(s, e);
        if ind < e - s && ind < n {
            n_lines = k;
            break;
        }
    }
    lines.truncate(n_lines);
    let is_content = |&(s, e, _): &(usize, usize, Option<usize>)| e - s > n;
    let last_content = lines.iter().rposition(is_content);

    let mut prev: Option<(bool, Option<usize>)> = None; // (more indented, its break)
    let mut empties: Vec<Option<usize>> = Vec::new();
    let upto = last_content.map_or(0, |k| k + 1);
    for &(s, e, brk) in &lines[..upto] {
        if e - s <= n {
            empties.push(brk);
            continue;
        }
        let cs = s + n;
        let spaced = is_white(bytes[cs]);
        if let Some((prev_spaced, prev_brk)) = prev {
            if folded && !prev_spaced && !spaced {
                if empties.is_empty() {
                    out.push(' ');
                    if let Some(b) = prev_brk {
                        map.push_synthetic(b, after_break(bytes, b), 1);
                    }
                }
            } else if let Some(b) = prev_brk {
                push_break(&mut out, &mut map, bytes, b);
            }
        }
        for b in empties.drain(..).flatten() {
            push_break(&mut out, &mut map, bytes, b);
        }
        out.push_str(&text[cs..e]);
        map.push_verbatim(cs, e - cs);
        prev = Some((spaced, brk));
    }
    // Chomping: the last content line's break and the trailing empty lines.
    let trailing = &lines[upto..];
    match h.chomp {
        Chomp::Strip => {}
        Chomp::Clip => {
            if let Some((_, Some(b))) = prev {
                push_break(&mut out, &mut map, bytes, b);
            }
        }
        Chomp::Keep => {
            if let Some((_, Some(b))) = prev {
                push_break(&mut out, &mut map, bytes, b);
            }
            for &(_, _, brk) in trailing {
                if let Some(b) = brk {
                    push_break(&mut out, &mut map, bytes, b);
                }
            }
        }
    }
    if out.is_empty() {
        map.finish(body.min(text.len()));
    }
    Scalar { style, value: out, map }
}
