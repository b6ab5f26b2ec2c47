//! The one position module: byte offsets <-> (line, column) in UTF-8, UTF-16 or UTF-32
//! code units, both ways. Lines end at `\n`; a `\r` before it belongs to the terminator.
//! A column past the end of a line clamps to the line's end (before the terminator);
//! a line past the end of the text means the end of the text.

/// The unit of columns, as negotiated with the client (`positionEncoding`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
    Utf32,
}

/// A zero-based line and column in some [`Encoding`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Line starts of one text. Cheap to build (one pass over the bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the start of each line; `starts[0] == 0`.
    starts: Vec<u32>,
    /// About every [`MARK_EVERY`] bytes, at a char boundary: the column there in UTF-16 and
    /// UTF-32 units, so a column on a long line is counted from the nearest mark, not from
    /// the line start (100,000 diagnostics on one 800 KB line stay linear).
    marks: Vec<Mark>,
    len: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Mark {
    offset: u32,
    utf16: u32,
    utf32: u32,
}

const MARK_EVERY: usize = 512;

/// Scans `text[from..to]`, where `from` is a line start: pushes the start of every following
/// line into `starts` and a mark about every [`MARK_EVERY`] bytes of each line into `marks`
/// (counted from the line start, so a line's marks depend on that line alone).
fn scan(text: &str, from: usize, to: usize, starts: &mut Vec<u32>, marks: &mut Vec<Mark>) {
    let (mut utf16, mut utf32, mut next_mark) = (0u32, 0u32, from + MARK_EVERY);
    for (i, b) in text.as_bytes()[from..to].iter().copied().enumerate() {
        let i = from + i;
        if b & 0xC0 == 0x80 {
            continue; // inside a character
        }
        if i >= next_mark {
            marks.push(Mark { offset: i as u32, utf16, utf32 });
            next_mark = i + MARK_EVERY;
        }
        if b == b'\n' {
            starts.push(i as u32 + 1);
            (utf16, utf32) = (0, 0);
            next_mark = i + 1 + MARK_EVERY;
        } else {
            utf32 += 1;
            utf16 += if b >= 0xF0 { 2 } else { 1 };
        }
    }
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        let mut marks = Vec::new();
        scan(text, 0, text.len(), &mut starts, &mut marks);
        LineIndex { starts, marks, len: text.len() as u32 }
    }

    /// Updates the index after `[a, b)` of the old text was replaced by `inserted` bytes;
    /// `text` is the new text. Costs the lines after the edit, not a scan of the text.
    pub fn edit(&mut self, text: &str, a: usize, b: usize, inserted: usize) {
        let delta = inserted as i64 - (b - a) as i64;
        // Old starts in (a, b] came from line feeds in the replaced bytes.
        let lo = self.starts.partition_point(|&s| s as usize <= a);
        let hi = self.starts.partition_point(|&s| s as usize <= b);
        let new_starts = text.as_bytes()[a..a + inserted]
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c == b'\n')
            .map(|(i, _)| (a + i + 1) as u32);
        let added: Vec<u32> = new_starts.collect();
        let n = added.len();
        self.starts.splice(lo..hi, added);
        if delta != 0 {
            for s in &mut self.starts[lo + n..] {
                *s = (*s as i64 + delta) as u32;
            }
        }
        // Marks are placed per line, so only the lines the edit touched get new ones; the
        // marks after them move with the text.
        let ls = self.starts[lo - 1] as usize;
        let new_end = self.starts.get(lo + n).map_or(text.len(), |&s| s as usize);
        let old_end = (new_end as i64 - delta) as usize;
        let first = self.marks.partition_point(|m| (m.offset as usize) < ls);
        let last = self.marks.partition_point(|m| (m.offset as usize) < old_end);
        if delta != 0 {
            for m in &mut self.marks[last..] {
                m.offset = (m.offset as i64 + delta) as u32;
            }
        }
        let mut fresh = Vec::new();
        scan(text, ls, new_end, &mut Vec::new(), &mut fresh);
        self.marks.splice(first..last, fresh);
        self.len = text.len() as u32;
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset of the start of `line`, or the text length past the last line.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).map_or(self.len as usize, |&s| s as usize)
    }

    /// Byte offset of the end of `line`'s content (before `\r\n` or `\n`).
    pub fn line_end(&self, text: &str, line: usize) -> usize {
        let start = self.line_start(line);
        let mut end = match self.starts.get(line + 1) {
            Some(&next) => next as usize - 1,
            None => self.len as usize,
        };
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') && end < self.len as usize {
            end -= 1;
        }
        end.max(start)
    }

    /// The zero-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len as usize) as u32;
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// Converts a byte offset (clamped to the text, moved back to a char boundary).
    pub fn to_line_col(&self, text: &str, offset: usize, enc: Encoding) -> LineCol {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let end = self.line_end(text, line);
        let target = offset.min(end).max(start);
        if enc == Encoding::Utf8 {
            return LineCol { line: line as u32, col: (target - start) as u32 };
        }
        let last = self.marks.partition_point(|m| m.offset as usize <= target);
        let (base, done) = match last.checked_sub(1).map(|i| self.marks[i]) {
            Some(m) if m.offset as usize >= start => {
                (m.offset as usize, if enc == Encoding::Utf16 { m.utf16 } else { m.utf32 } as usize)
            }
            _ => (start, 0),
        };
        let col = match text.get(base..target) {
            Some(rest) => done + width(rest, enc),
            None => width(&text[start..target], enc), // not the indexed text: count it all
        };
        LineCol { line: line as u32, col: col as u32 }
    }

    /// Converts a line and column to a byte offset. Columns past the line's end clamp to it;
    /// a column inside a character (e.g. between UTF-16 surrogates) moves to its start;
    /// a line past the end gives the text's length.
    pub fn to_offset(&self, text: &str, pos: LineCol, enc: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let start = self.line_start(line);
        let end = self.line_end(text, line);
        let mut units = pos.col as usize;
        for (i, ch) in text[start..end].char_indices() {
            let w = char_width(ch, enc);
            if units < w {
                return start + i;
            }
            units -= w;
        }
        end
    }
}

fn char_width(ch: char, enc: Encoding) -> usize {
    match enc {
        Encoding::Utf8 => ch.len_utf8(),
        Encoding::Utf16 => ch.len_utf16(),
        Encoding::Utf32 => 1,
    }
}

/// The width of `s` in code units of `enc`.
pub fn width(s: &str, enc: Encoding) -> usize {
    match enc {
        Encoding::Utf8 => s.len(),
        Encoding::Utf16 => s.chars().map(char::len_utf16).sum(),
        Encoding::Utf32 => s.chars().count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str, enc: Encoding) {
        let idx = LineIndex::new(text);
        for (off, _) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
            let lc = idx.to_line_col(text, off, enc);
            let back = idx.to_offset(text, lc, enc);
            // Offsets inside a CRLF terminator map to the line end.
            let line_end = idx.line_end(text, lc.line as usize);
            let expected =
                if off > line_end && off < idx.line_start(lc.line as usize + 1) { line_end } else { off };
            assert_eq!(back, expected, "offset {off} -> {lc:?} in {text:?} ({enc:?})");
        }
    }

    /// Columns counted from the marks on long lines equal columns counted from the line start.
    #[test]
    fn long_lines_agree_with_counting_from_the_line_start() {
        let mut text = String::new();
        for i in 0..3000 {
            // Lines of about 1,200 bytes, then a few short ones.
            let nl = if i % 700 == 699 || i > 2900 && i % 3 == 0 { ["\r\n", "\n"][i % 2] } else { "" };
            text.push_str(["a", "é", "日", "😀", "bc"][i * 7 % 11 % 5]);
            text.push_str(nl);
        }
        let idx = LineIndex::new(&text);
        for (off, _) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
            let line = idx.line_of(off);
            let start = idx.line_start(line);
            let end = idx.line_end(&text, line);
            for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
                let naive = width(&text[start..off.min(end).max(start)], enc) as u32;
                assert_eq!(idx.to_line_col(&text, off, enc), LineCol { line: line as u32, col: naive });
            }
        }
        let long = "é".repeat(5000) + "x";
        let idx = LineIndex::new(&long);
        assert_eq!(idx.to_line_col(&long, 10_000, Encoding::Utf16), LineCol { line: 0, col: 5000 });
        assert_eq!(idx.to_line_col(&long, 9_999, Encoding::Utf32), LineCol { line: 0, col: 4999 });
    }

    /// An edited index equals one built from the new text, long lines and marks included.
    #[test]
    fn edits_equal_a_fresh_index() {
        let mut text = String::new();
        for i in 0..4000 {
            text.push_str(["a", "é", "日", "😀", "bc"][i * 7 % 11 % 5]);
            if i % 900 == 899 || i % 97 == 0 {
                text.push_str(["\r\n", "\n"][i % 2]);
            }
        }
        let mut idx = LineIndex::new(&text);
        let mut seed = 0x2545_f491_u64;
        let long = "é".repeat(600);
        for step in 0..400 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut a = (seed % (text.len() as u64 + 1)) as usize;
            while !text.is_char_boundary(a) {
                a -= 1;
            }
            let mut b = (a + (seed >> 20) as usize % 700).min(text.len());
            while !text.is_char_boundary(b) {
                b -= 1;
            }
            let ins = ["", "x", "\n", "日本\n😀", &long, "\r\n\n"][(seed >> 40) as usize % 6];
            text.replace_range(a..b, ins);
            idx.edit(&text, a, b, ins.len());
            assert!(idx == LineIndex::new(&text), "step {step}: {a}..{b} {ins:?}");
        }
    }

    #[test]
    fn utf16_emoji_and_cjk() {
        let text = "a: \"😀\" # 日本\nb: é\n";
        let idx = LineIndex::new(text);
        let b_after_emoji = text.find("\" #").unwrap();
        assert_eq!(idx.to_line_col(text, b_after_emoji, Encoding::Utf16), LineCol { line: 0, col: 6 });
        assert_eq!(idx.to_line_col(text, b_after_emoji, Encoding::Utf8), LineCol { line: 0, col: 8 });
        assert_eq!(idx.to_line_col(text, b_after_emoji, Encoding::Utf32), LineCol { line: 0, col: 5 });
        let hash = text.find('#').unwrap() + 2; // start of 日
        assert_eq!(idx.to_line_col(text, hash + 3, Encoding::Utf16), LineCol { line: 0, col: 11 });
        assert_eq!(idx.to_offset(text, LineCol { line: 0, col: 11 }, Encoding::Utf16), hash + 3);
        // Between the surrogates of the emoji: the emoji's start.
        assert_eq!(idx.to_offset(text, LineCol { line: 0, col: 5 }, Encoding::Utf16), 4);
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            roundtrip(text, enc);
        }
    }

    #[test]
    fn crlf_tabs_bom_and_no_final_newline() {
        let text = "\u{feff}k:\r\n\tv: 1\r\nlast";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 3);
        assert_eq!(idx.line_end(text, 0), 5);
        // Past the end of line 0 clamps before \r\n.
        assert_eq!(idx.to_offset(text, LineCol { line: 0, col: 99 }, Encoding::Utf16), 5);
        // BOM is one UTF-16 unit, three UTF-8 bytes.
        assert_eq!(idx.to_line_col(text, 3, Encoding::Utf16), LineCol { line: 0, col: 1 });
        assert_eq!(idx.to_line_col(text, 3, Encoding::Utf8), LineCol { line: 0, col: 3 });
        assert_eq!(idx.to_line_col(text, 8, Encoding::Utf16), LineCol { line: 1, col: 1 });
        assert_eq!(idx.to_offset(text, LineCol { line: 2, col: 4 }, Encoding::Utf16), text.len());
        assert_eq!(idx.to_offset(text, LineCol { line: 7, col: 0 }, Encoding::Utf16), text.len());
        assert_eq!(idx.to_line_col(text, 999, Encoding::Utf16), LineCol { line: 2, col: 4 });
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            roundtrip(text, enc);
        }
    }

    #[test]
    fn empty_text() {
        let idx = LineIndex::new("");
        assert_eq!(idx.to_line_col("", 0, Encoding::Utf16), LineCol { line: 0, col: 0 });
        assert_eq!(idx.to_offset("", LineCol { line: 3, col: 3 }, Encoding::Utf16), 0);
    }
}
