//! DVC's `${...}` interpolation syntax (dvc/parsing/interpolate.py): a match is `${`
//! not preceded by `\`, up to the first `}` on the same line; the expression inside is
//! `word ('.' word | '[' word ']')*` where a word is any run of characters other than
//! `.`, `[` and `]`. Words are trimmed when looked up.

use crate::diag::Span;

/// One `${...}` in a string. Spans are byte offsets into that string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interp {
    /// The whole `${...}`.
    pub span: Span,
    /// The text between the braces.
    pub inner: Span,
    /// The key path, or a syntax error message.
    pub expr: Result<Vec<Seg>, String>,
}

/// One step of an interpolated key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seg {
    /// The trimmed word.
    pub text: String,
    /// The trimmed word's span (empty at the word's position when it is all blanks).
    pub span: Span,
}

impl Interp {
    /// The dotted key path (`a.b.0`), when the expression parses.
    pub fn path(&self) -> Option<String> {
        let segs = self.expr.as_ref().ok()?;
        Some(segs.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("."))
    }

    /// True when the whole string is this one interpolation (DVC then keeps the value's type).
    pub fn is_whole(&self, s: &str) -> bool {
        self.span.start == 0 && self.span.end == s.len()
    }
}

/// Every `${...}` of `s`, in order.
pub fn find(s: &str) -> Vec<Interp> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'$' && b[i + 1] == b'{' && (i == 0 || b[i - 1] != b'\\') {
            let body = i + 2;
            let close = b[body..].iter().position(|&c| c == b'}' || c == b'\n');
            if let Some(rel) = close {
                let j = body + rel;
                if b[j] == b'}' {
                    let inner = Span::new(body, j);
                    out.push(Interp { span: Span::new(i, j + 1), inner, expr: parse(s, inner) });
                    i = j + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

/// True when `s` holds at least one interpolation.
pub fn has_interp(s: &str) -> bool {
    !find(s).is_empty()
}

fn parse(s: &str, inner: Span) -> Result<Vec<Seg>, String> {
    let text = &s[inner.start..inner.end];
    let b = text.as_bytes();
    let mut segs = Vec::new();
    let mut i = 0;
    let word = |i: usize| -> usize {
        let mut j = i;
        while j < b.len() && !matches!(b[j], b'.' | b'[' | b']') {
            j += 1;
        }
        j
    };
    let mut push = |from: usize, to: usize| {
        let raw = &text[from..to];
        let lead = raw.len() - raw.trim_start().len();
        let t = raw.trim();
        let start = inner.start + from + lead;
        segs.push(Seg { text: t.to_string(), span: Span::new(start, start + t.len()) });
    };
    let j = word(0);
    if j == 0 {
        return Err(if b.is_empty() {
            "empty interpolation".to_string()
        } else {
            format!("expected a key name at '{}'", &text[..1])
        });
    }
    push(0, j);
    i = i.max(j);
    while i < b.len() {
        match b[i] {
            b'.' => {
                let j = word(i + 1);
                if j == i + 1 {
                    return Err("expected a key name after '.'".to_string());
                }
                push(i + 1, j);
                i = j;
            }
            b'[' => {
                let j = word(i + 1);
                if j == i + 1 || j >= b.len() || b[j] != b']' {
                    return Err("expected 'key]' after '['".to_string());
                }
                push(i + 1, j);
                i = j + 1;
            }
            _ => return Err("unexpected ']'".to_string()),
        }
    }
    Ok(segs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(s: &str) -> Vec<Result<String, String>> {
        find(s)
            .into_iter()
            .map(|i| i.expr.map(|segs| segs.iter().map(|s| s.text.clone()).collect::<Vec<_>>().join(".")))
            .collect()
    }

    #[test]
    fn grammar_matches_dvc() {
        assert_eq!(paths("${ a.b }"), vec![Ok("a.b".into())]);
        assert_eq!(paths("${a[0]}"), vec![Ok("a.0".into())]);
        assert_eq!(paths("${a [0]}"), vec![Ok("a.0".into())]);
        assert_eq!(paths("${a.b[ 1 ]}"), vec![Ok("a.b.1".into())]);
        assert_eq!(paths("${a[0].c}"), vec![Ok("a.0.c".into())]);
        assert_eq!(paths("${a b}"), vec![Ok("a b".into())]);
        for bad in ["${}", "${a..b}", "${a[]}", "${a[0]b}", "${[0]}", "${a.}", "${a[[0]]}", "${a]}", "${a[0}"]
        {
            assert!(paths(bad)[0].is_err(), "{bad}");
        }
    }

    #[test]
    fn matching_follows_the_regex() {
        let s = "x ${a} \\${b} ${c ${d} ${e\n}";
        let found = find(s);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].span, Span::new(2, 6));
        assert_eq!(&s[found[1].span.start..found[1].span.end], "${c ${d}");
        assert!(!has_interp("plain $HOME {x}"));
    }

    #[test]
    fn segment_spans_are_trimmed() {
        let s = "cmd ${ train.lr }";
        let i = &find(s)[0];
        let segs = i.expr.as_ref().unwrap();
        assert_eq!(segs[0].span, Span::new(7, 12));
        assert_eq!(segs[1].span, Span::new(13, 15));
        assert_eq!(i.inner, Span::new(6, 16));
        assert!(!i.is_whole(s));
        assert!(find("${x}")[0].is_whole("${x}"));
    }
}
