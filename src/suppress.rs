//! Suppression comments and disabled codes.
//!
//! - `# cml-lsp: disable=CODE[,CODE...]` after content on a line suppresses those codes on
//!   that line.
//! - The same comment on a line of its own suppresses them on the next line that is neither
//!   blank nor a comment.
//! - `# cml-lsp: disable-file=CODE[,CODE...]` anywhere suppresses them in the whole file.
//! - `all` matches every code. Text after the codes (separated by whitespace) is a free reason.
//!
//! A diagnostic belongs to the line where its span starts. The scan is textual (no parser),
//! so it works for every kind with `#` comments (YAML, TOML, Python) and for broken files.
//! A `#` counts as a comment start at the beginning of a line or after whitespace, as in YAML.

use crate::codes;
use crate::config::Settings;
use crate::diag::{Diagnostic, Fix, Span, TextEdit};
use crate::kind::{FileKind, ParamsFormat};
use crate::text::LineIndex;
use crate::workflow::cml::did_you_mean;

/// The suppressions found in one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Suppressions {
    /// Codes suppressed in the whole file.
    file: Vec<String>,
    /// (zero-based line, code) pairs.
    lines: Vec<(usize, String)>,
    /// Every code written in a directive, with its byte span in the text.
    written: Vec<(Span, String)>,
}

const MARKER: &str = "cml-lsp:";

impl Suppressions {
    /// Scans `text` for suppression comments.
    pub fn parse(text: &str) -> Suppressions {
        let mut res = Suppressions::default();
        // Own-line directives wait here for the next line with content.
        let mut pending: Vec<String> = Vec::new();
        for (line_idx, line) in text.split('\n').enumerate() {
            // `line` is a slice of `text`, so its offset is the pointer difference.
            let line_start = line.as_ptr() as usize - text.as_ptr() as usize;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let trimmed = line.trim_start();
            if trimmed.is_empty() {
                continue;
            }
            let own_line = trimmed.starts_with('#');
            if !own_line {
                for code in pending.drain(..) {
                    res.lines.push((line_idx, code));
                }
            }
            let Some(comment) = comment_of(line) else { continue };
            let Some((directive, written)) = directive_of(comment) else { continue };
            let comment_start = line_start + (comment.as_ptr() as usize - line.as_ptr() as usize);
            let codes: Vec<String> = written.iter().map(|(_, c)| c.to_string()).collect();
            res.written.extend(written.into_iter().map(|(at, c)| {
                let start = comment_start + at;
                (Span::new(start, start + c.len()), c.to_string())
            }));
            match directive {
                Directive::File => res.file.extend(codes),
                Directive::Line if own_line => pending.extend(codes),
                Directive::Line => res.lines.extend(codes.into_iter().map(|c| (line_idx, c))),
            }
        }
        res
    }

    pub fn is_empty(&self) -> bool {
        self.file.is_empty() && self.lines.is_empty()
    }

    /// A `suppress-unknown-code` warning for each written code that is neither a known code
    /// nor `all`, with a did-you-mean when a known code is close.
    pub fn unknown_codes(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (span, code) in &self.written {
            if code == "all" || codes::info(code).is_some() {
                continue;
            }
            let close = did_you_mean(code, codes::ALL.iter().map(|c| c.code));
            let mut msg = format!("unknown code `{code}` in a suppression comment; it suppresses nothing");
            if let Some(c) = close {
                msg.push_str(&format!("; did you mean `{c}`?"));
            }
            let mut d = Diagnostic::warning(codes::SUPPRESS_UNKNOWN_CODE, *span, msg);
            if let Some(c) = close {
                d.fixes.push(Fix {
                    title: format!("Change to `{c}`"),
                    edits: vec![TextEdit { span: *span, new_text: c.to_string() }],
                    preferred: true,
                });
            }
            out.push(d);
        }
        out
    }

    /// True when `code` is suppressed on zero-based `line`.
    pub fn suppresses(&self, line: usize, code: &str) -> bool {
        let matches = |c: &String| c == "all" || c == code;
        self.file.iter().any(matches) || self.lines.iter().any(|(l, c)| *l == line && matches(c))
    }
}

enum Directive {
    Line,
    File,
}

/// The text after the first `#` that starts a comment on `line`.
fn comment_of(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(pos) = line[from..].find('#') {
        let at = from + pos;
        if at == 0 || bytes[at - 1] == b' ' || bytes[at - 1] == b'\t' {
            return Some(&line[at + 1..]);
        }
        from = at + 1;
    }
    None
}

/// The directive and its codes, each with its byte offset in `comment`.
fn directive_of(comment: &str) -> Option<(Directive, Vec<(usize, &str)>)> {
    let rest = comment.trim_start().strip_prefix(MARKER)?.trim_start();
    let (directive, rest) = if let Some(r) = rest.strip_prefix("disable-file=") {
        (Directive::File, r)
    } else if let Some(r) = rest.strip_prefix("disable=") {
        (Directive::Line, r)
    } else {
        return None;
    };
    let mut codes = Vec::new();
    for piece in rest.split(',') {
        let piece = piece.trim_start();
        let end =
            piece.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(piece.len());
        if end > 0 {
            codes.push((piece.as_ptr() as usize - comment.as_ptr() as usize, &piece[..end]));
        }
        // Anything after the code other than whitespace ends the list (a free-text reason).
        if !piece[end..].trim().is_empty() {
            break;
        }
    }
    Some((directive, codes))
}

/// True for kinds whose syntax has `#` comments.
fn has_hash_comments(kind: FileKind) -> bool {
    !matches!(kind, FileKind::Params(ParamsFormat::Json))
}

/// Removes disabled and suppressed diagnostics and sorts the rest by span
/// (then code and message, so the order is total).
pub fn finish(
    text: &str,
    kind: FileKind,
    mut diags: Vec<Diagnostic>,
    settings: &Settings,
) -> Vec<Diagnostic> {
    // The marker test is a fast scan; most files have no directive at all.
    let sup = (has_hash_comments(kind) && text.contains(MARKER)).then(|| Suppressions::parse(text));
    if let Some(sup) = &sup {
        diags.extend(sup.unknown_codes());
    }
    diags.retain(|d| !settings.is_disabled(d.code));
    if let Some(sup) = sup.filter(|_| !diags.is_empty()) {
        if !sup.is_empty() {
            let index = LineIndex::new(text);
            diags.retain(|d| !sup.suppresses(index.line_of(d.span.start), d.code));
        }
    }
    diags.sort_by(|a, b| {
        (a.span.start, a.span.end, a.code, &a.message).cmp(&(b.span.start, b.span.end, b.code, &b.message))
    });
    diags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;

    fn diag_at_line(text: &str, line: usize, code: &'static str) -> Diagnostic {
        let start = LineIndex::new(text).line_start(line);
        Diagnostic::error(code, Span::new(start, start), format!("{code} on {line}"))
    }

    /// The (line, code) pairs left after `finish` for one diagnostic of each code on each line.
    fn left(text: &str, codes: &[&'static str], settings: &Settings) -> Vec<(usize, &'static str)> {
        let n_lines = LineIndex::new(text).line_count();
        let diags = (0..n_lines).flat_map(|l| codes.iter().map(move |c| diag_at_line(text, l, c))).collect();
        let index = LineIndex::new(text);
        finish(text, FileKind::DvcYaml, diags, settings)
            .into_iter()
            // The test codes are not real codes; their `suppress-unknown-code` warnings are tested below.
            .filter(|d| d.code != codes::SUPPRESS_UNKNOWN_CODE)
            .map(|d| (index.line_of(d.span.start), d.code))
            .collect()
    }

    #[test]
    fn end_of_line_directive_suppresses_that_line_only() {
        let text = "a: 1 # cml-lsp: disable=x\nb: 2\n";
        assert_eq!(
            left(text, &["x", "y"], &Settings::default()),
            vec![(0, "y"), (1, "x"), (1, "y"), (2, "x"), (2, "y")]
        );
    }

    #[test]
    fn own_line_directive_skips_blank_and_comment_lines() {
        let text = "# cml-lsp: disable=x, y\n\n# other\nb: 2\nc: 3\n";
        let sup = Suppressions::parse(text);
        assert_eq!(sup.lines, vec![(3, "x".to_string()), (3, "y".to_string())]);
        assert!(sup.suppresses(3, "y"));
        assert!(!sup.suppresses(4, "x"));
        assert!(!sup.suppresses(0, "x"));
    }

    #[test]
    fn file_directive_and_all() {
        let sup = Suppressions::parse("a: 1\n  # cml-lsp: disable-file=x,z because reasons\n");
        assert_eq!(sup.file, vec!["x".to_string(), "z".to_string()]);
        assert!(sup.suppresses(0, "x") && sup.suppresses(9, "z") && !sup.suppresses(0, "y"));
        let sup = Suppressions::parse("a: 1 # cml-lsp: disable=all\n");
        assert!(sup.suppresses(0, "anything") && !sup.suppresses(1, "anything"));
    }

    #[test]
    fn reason_text_ends_the_code_list() {
        let sup = Suppressions::parse("a: 1 # cml-lsp: disable=x  known issue, see y\n");
        assert_eq!(sup.lines, vec![(0, "x".to_string())]);
    }

    #[test]
    fn hash_inside_a_word_or_other_comments_is_not_a_directive() {
        assert!(Suppressions::parse("a: b#cml-lsp: disable=x\n").is_empty());
        assert!(Suppressions::parse("a: 1 # cml-lsp disable=x\n").is_empty());
        assert!(Suppressions::parse("a: 1 # cml-lsp: enable=x\n").is_empty());
        assert!(Suppressions::parse("a: 1 # note # cml-lsp: disable=x\n").is_empty());
        // CRLF line ends and a directive on the last line without a newline.
        let sup = Suppressions::parse("a: 1\r\nb: 2 # cml-lsp: disable=x\r\n# cml-lsp: disable=y");
        assert_eq!(sup.lines, vec![(1, "x".to_string())]);
    }

    #[test]
    fn settings_disable_codes_and_json_ignores_comments() {
        let mut settings = Settings::default();
        settings.diagnostics.disabled = vec!["y".into()];
        let text = "a: 1 # cml-lsp: disable=x\n";
        assert_eq!(left(text, &["x", "y"], &settings), vec![(1, "x")]);
        let diags = vec![diag_at_line(text, 0, "x")];
        let kept = finish(text, FileKind::Params(ParamsFormat::Json), diags, &Settings::default());
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn sorted_by_span_then_code() {
        let d = |s, e, code| Diagnostic::error(code, Span::new(s, e), "m");
        let out = finish(
            "abcdef",
            FileKind::DvcYaml,
            vec![d(3, 4, "b"), d(0, 5, "a"), d(0, 2, "z"), d(3, 4, "a")],
            &Settings::default(),
        );
        let got: Vec<_> = out.iter().map(|d| (d.span.start, d.span.end, d.code)).collect();
        assert_eq!(got, vec![(0, 2, "z"), (0, 5, "a"), (3, 4, "a"), (3, 4, "b")]);
    }

    #[test]
    fn unknown_codes_are_reported_at_their_span_with_a_did_you_mean() {
        let text = "a: 1 # cml-lsp: disable=yaml-sytnax, nonexistent-code reason\n\
                    b: 2 # cml-lsp: disable=all\n\
                    # cml-lsp: disable-file=params-unused\n";
        let out = finish(text, FileKind::DvcYaml, Vec::new(), &Settings::default());
        let got: Vec<_> =
            out.iter().map(|d| (d.span, d.severity, d.code, d.message.as_str(), d.fixes.len())).collect();
        assert_eq!(
            got,
            vec![
                (
                    Span::new(24, 35),
                    Severity::Warning,
                    "suppress-unknown-code",
                    "unknown code `yaml-sytnax` in a suppression comment; it suppresses nothing; did you mean `yaml-syntax`?",
                    1
                ),
                (
                    Span::new(37, 53),
                    Severity::Warning,
                    "suppress-unknown-code",
                    "unknown code `nonexistent-code` in a suppression comment; it suppresses nothing",
                    0
                ),
            ]
        );
        assert_eq!((&text[24..35], &text[37..53]), ("yaml-sytnax", "nonexistent-code"));
        assert_eq!(
            out[0].fixes[0].edits,
            vec![TextEdit { span: Span::new(24, 35), new_text: "yaml-syntax".into() }]
        );
        // The warning can itself be suppressed, and JSON has no comments.
        let quiet = format!("{text}# cml-lsp: disable-file=suppress-unknown-code\n");
        assert_eq!(finish(&quiet, FileKind::DvcYaml, Vec::new(), &Settings::default()), vec![]);
        let json = "{\"a\": \"# cml-lsp: disable=nope\"}";
        assert_eq!(
            finish(json, FileKind::Params(ParamsFormat::Json), Vec::new(), &Settings::default()),
            vec![]
        );
    }
}
