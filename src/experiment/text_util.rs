//! Small text helpers shared by the params editors.

/// `"\r\n"` when the text uses CRLF line ends, else `"\n"`.
pub fn newline_of(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The offset of the end of the line containing `at` (before `\r\n` / `\n`).
pub fn line_end(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    let e = text[at..].find('\n').map_or(text.len(), |i| at + i);
    if e > at && text.as_bytes()[e - 1] == b'\r' {
        e - 1
    } else {
        e
    }
}

/// The file's indentation step: the smallest positive leading-space count of a content
/// line (default two spaces).
pub fn indent_unit(text: &str) -> String {
    let n = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .filter(|n| *n > 0)
        .min()
        .unwrap_or(2);
    " ".repeat(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(newline_of("a\r\nb"), "\r\n");
        assert_eq!(newline_of("a\nb"), "\n");
        assert_eq!(newline_of("a"), "\n");
        assert_eq!(line_end("ab # c\r\nx", 1), 6);
        assert_eq!(line_end("ab\nx", 0), 2);
        assert_eq!(line_end("ab", 1), 2);
        assert_eq!(indent_unit("a:\n    b: 1\n        c: 2\n"), "    ");
        assert_eq!(indent_unit("a: 1\n"), "  ");
    }
}
