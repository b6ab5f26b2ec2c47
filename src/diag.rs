//! Our own diagnostic types: byte spans, stable codes, fixes. No protocol types here.

use std::fmt;

/// A half-open byte range `[start, end)` into a file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end);
        Span { start, end }
    }

    pub fn empty(at: usize) -> Span {
        Span { start: at, end: at }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// True when `offset` lies inside the span or touches its end (cursor semantics).
    pub fn touches(&self, offset: usize) -> bool {
        self.start <= offset && offset <= self.end
    }

    pub fn contains_span(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn cover(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// The span moved by `delta` bytes (text before it grew or shrank by that much).
    pub fn shifted(self, delta: isize) -> Span {
        let mv = |x: usize| x.saturating_add_signed(delta);
        Span { start: mv(self.start), end: mv(self.end) }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

/// One replacement in a file's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub span: Span,
    pub new_text: String,
}

/// A quick fix: a titled set of edits to the same file as the diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<TextEdit>,
    /// The fix the client may apply without asking (`isPreferred`).
    pub preferred: bool,
}

/// Another place that explains a diagnostic, possibly in another file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub path: Option<std::path::PathBuf>,
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub severity: Severity,
    /// A stable code from [`crate::codes`], e.g. `yaml-syntax`.
    pub code: &'static str,
    pub message: String,
    pub fixes: Vec<Fix>,
    pub related: Vec<Related>,
    /// Marks code that is deprecated (rendered struck through by clients).
    pub deprecated: bool,
    /// Marks unused code (rendered faded by clients).
    pub unnecessary: bool,
}

impl Diagnostic {
    /// Moves every span in this file (its own, its fixes', its related places without
    /// a path) by `delta` bytes.
    pub fn shift(&mut self, delta: isize) {
        // Every field named: a span added later must be moved here too.
        let Diagnostic {
            span,
            severity: _,
            code: _,
            message: _,
            fixes,
            related,
            deprecated: _,
            unnecessary: _,
        } = self;
        *span = span.shifted(delta);
        for e in fixes.iter_mut().flat_map(|f| f.edits.iter_mut()) {
            e.span = e.span.shifted(delta);
        }
        for r in related.iter_mut().filter(|r| r.path.is_none()) {
            r.span = r.span.shifted(delta);
        }
    }

    pub fn new(code: &'static str, severity: Severity, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            span,
            severity,
            code,
            message: message.into(),
            fixes: Vec::new(),
            related: Vec::new(),
            deprecated: false,
            unnecessary: false,
        }
    }

    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, span, message)
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, span, message)
    }

    pub fn info(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Info, span, message)
    }

    pub fn hint(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Hint, span, message)
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
    }

    pub fn with_related(mut self, related: Related) -> Self {
        self.related.push(related);
        self
    }
}
