//! The YAML layer: an error-tolerant parse into our own arena tree with byte spans.
//! Parsing never fails: broken input gives a best-effort tree plus syntax errors with
//! exact spans.
//!
//! The parser is hand-written (`block.rs`: one forward pass, explicit stacks, linear
//! time). tree-sitter-yaml was used before; it produced bogus errors and lost the tree
//! past line 32,768, overflowed its scanner's state on deep indentation, and was 10-30
//! times slower on large files. It stays as a dev-dependency: the reference of the
//! differential test (`diff_tests.rs`).
//!
//! Invariants:
//! - Every node span lies inside the text and on char boundaries.
//! - Scalars carry their decoded value and a [`SourceMap`] from decoded offsets back
//!   to source offsets, so text inside `run: |` can be analysed at exact positions.
//! - Aliases point at their anchor's node; `<<` merge keys are resolved by the
//!   lookup helpers ([`Yaml::get`], [`Yaml::entries`]), not by copying nodes.

use crate::diag::Span;

mod block;
#[cfg(test)]
mod diff_tests;
mod incremental;
#[cfg(test)]
mod incremental_tests;
#[cfg(test)]
mod parse;
mod query;
mod scalar;
mod sourcemap;
#[cfg(test)]
pub(crate) mod tests;

pub use incremental::{reparse, try_reparse};
pub use parser::{parse, Parsed, YamlParser};

mod parser {
    use super::Yaml;
    use crate::diag::Span;

    /// Parses a YAML stream. Never fails: broken input gives a best-effort tree and problems.
    pub fn parse(text: &str) -> Yaml {
        super::block::parse(text)
    }

    /// A YAML parser handle over [`parse`] and [`super::reparse`].
    #[derive(Default)]
    pub struct YamlParser;

    /// The result of a parse, with its text, for [`YamlParser::reparse`].
    pub struct Parsed {
        text: String,
        pub yaml: Yaml,
    }

    impl YamlParser {
        pub fn new() -> YamlParser {
            YamlParser
        }

        pub fn parse(&mut self, text: &str) -> Parsed {
            Parsed { text: text.to_string(), yaml: parse(text) }
        }

        /// Parses `new_text` after `edits` (each `(range, new_len)`, as in LSP
        /// `didChange`). The result equals a fresh parse of `new_text`; a single edit is
        /// re-parsed incrementally (see [`super::reparse`]).
        pub fn reparse(&mut self, old: &Parsed, new_text: &str, edits: &[(Span, usize)]) -> Parsed {
            if let [(span, len)] = edits {
                let fits = span.start <= span.end
                    && span.end <= old.text.len()
                    && old.text.len() - span.len() + len == new_text.len();
                if let Some(inserted) = new_text.get(span.start..span.start + len).filter(|_| fits) {
                    let yaml = super::reparse(old.yaml.clone(), *span, inserted);
                    if yaml.source == new_text {
                        return Parsed { text: new_text.to_string(), yaml };
                    }
                }
            }
            self.parse(new_text)
        }
    }

    impl Parsed {
        /// See [`YamlParser::reparse`].
        pub fn reparse(&self, new_text: &str, edits: &[(Span, usize)]) -> Parsed {
            YamlParser::new().reparse(self, new_text, edits)
        }

        pub fn text(&self) -> &str {
            &self.text
        }
    }
}
pub use sourcemap::SourceMap;

/// Index of a node in [`Yaml::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    pub style: ScalarStyle,
    /// The decoded value (escapes processed, folding and chomping applied).
    pub value: String,
    /// Decoded offset -> source offset.
    pub map: SourceMap,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// Block or flow mapping: key/value pairs in source order (duplicates kept).
    Mapping(Vec<(NodeId, NodeId)>),
    /// Block or flow sequence.
    Sequence(Vec<NodeId>),
    Scalar(Scalar),
    /// `*name`; `target` is the anchored node when the anchor is defined earlier in the document.
    Alias {
        name: String,
        target: Option<NodeId>,
    },
    /// An absent value (`key:` with nothing after it); its span is empty, placed where the value would start.
    ///
    /// Placement: right after the `:` of `key:`, right after the `-` of an empty sequence
    /// item, right after the key of `? key` without a value, right after an anchor or tag
    /// with no content, and at the `:` for a missing key (`: value`).
    /// An explicit `null`/`~` is a plain [`Scalar`], not `Null` (see [`Yaml::is_null`]).
    Null,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The node's content, without its anchor or tag.
    pub span: Span,
    pub kind: NodeKind,
    /// The node's anchor and tag, boxed: most nodes have neither, and a small node
    /// makes every pass over the tree cheaper (see [`Node::anchor`], [`Node::tag`]).
    pub props: Option<Box<Props>>,
}

/// What may stand before a node's content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Props {
    /// `&name` on this node: the name and the span of the whole `&name` token.
    pub anchor: Option<(String, Span)>,
    /// `!tag` on this node: the tag text and its span.
    pub tag: Option<(String, Span)>,
}

impl Props {
    /// `None` when there is neither an anchor nor a tag.
    pub fn boxed(anchor: Option<(String, Span)>, tag: Option<(String, Span)>) -> Option<Box<Props>> {
        (anchor.is_some() || tag.is_some()).then(|| Box::new(Props { anchor, tag }))
    }
}

impl Node {
    /// `&name` on this node: the name and the span of the whole `&name` token.
    pub fn anchor(&self) -> Option<&(String, Span)> {
        self.props.as_ref()?.anchor.as_ref()
    }

    /// `!tag` on this node: the tag text and its span.
    pub fn tag(&self) -> Option<&(String, Span)> {
        self.props.as_ref()?.tag.as_ref()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// `None` for an empty document.
    pub root: Option<NodeId>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    Syntax,
    DuplicateKey,
    UnknownAlias,
}

/// A problem found while parsing, with a plain message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub span: Span,
    pub message: String,
    /// For duplicate keys: the span of the first occurrence.
    pub first: Option<Span>,
}

/// A comment `# ...`: span from `#` to the end of the line (terminator excluded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Yaml {
    /// Nodes in pre-order: a collection comes before its children, a key before its value.
    pub nodes: Vec<Node>,
    /// Every document of the stream, in order.
    pub docs: Vec<Document>,
    pub problems: Vec<Problem>,
    pub comments: Vec<Comment>,
    /// The parsed text (spans index into it).
    pub source: String,
    /// For each node, the [`key_fingerprint`] of a scalar's value, [`NO_FINGERPRINT`]
    /// for anything else. Dense beside the nodes, so a key lookup skips the entries whose
    /// keys cannot match, and accepts a short key, without reading their nodes. Lookups
    /// use it only while it has one entry per node (code that builds nodes by hand may
    /// leave it empty).
    pub fingerprints: Vec<u64>,
}

/// The fingerprint of a node that is not a scalar (an alias, a collection, a null).
pub const NO_FINGERPRINT: u64 = 0;

const SCALAR_FP: u64 = 1 << 63;
const LONG_FP: u64 = 1 << 62;

/// A summary of a scalar value that equal values share. A value of up to 7 bytes is
/// packed whole (see [`fingerprint_is_exact`]): equal fingerprints mean equal values.
/// A longer one is hashed: different fingerprints mean different values. Never
/// [`NO_FINGERPRINT`].
pub const fn key_fingerprint(s: &str) -> u64 {
    let b = s.as_bytes();
    let n = b.len();
    // Bytes `i..i + len` as a little-endian number (`const`: no slice conversions).
    const fn le(b: &[u8], i: usize, len: usize) -> u64 {
        let mut v = 0u64;
        let mut j = 0;
        while j < len {
            v |= (b[i + j] as u64) << (8 * j);
            j += 1;
        }
        v
    }
    if n <= 7 {
        return SCALAR_FP | ((n as u64) << 56) | le(b, 0, n);
    }
    let h = (le(b, 0, 8) ^ le(b, n - 8, 8).rotate_left(29) ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .wrapping_mul(0xff51_afd7_ed55_8ccd);
    SCALAR_FP | LONG_FP | (h >> 2)
}

/// The fingerprint of the merge key `<<`.
pub(crate) const MERGE_FINGERPRINT: u64 = key_fingerprint("<<");

/// Whether equal fingerprints `fp` imply equal values (the value has at most 7 bytes).
pub fn fingerprint_is_exact(fp: u64) -> bool {
    fp & (SCALAR_FP | LONG_FP) == SCALAR_FP
}

/// The fingerprint a node gets in [`Yaml::fingerprints`].
pub(crate) fn node_fingerprint(kind: &NodeKind) -> u64 {
    match kind {
        NodeKind::Scalar(s) => key_fingerprint(&s.value),
        _ => NO_FINGERPRINT,
    }
}

/// One level of the cursor's context (see [`Yaml::path_at`]), outermost first.
///
/// Examples (`|` is the cursor):
/// - `jobs:\n  train:\n    runs-on: |` gives `jobs` (value), `train` (value),
///   `runs-on` (value, `node` = the empty `Null` value).
/// - `    run: cml runner launch --cl|` ends with `run` (value, `node` = the scalar).
/// - `a:\n  b: 1\n  |` ends with a [`PathSeg::NewEntry`] step: a new key of `a`'s mapping.
/// - `a:\n  ru|` ends with `a` (value, the scalar `ru`) and `maybe_key`: the word may be a
///   key being typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathStep {
    /// The mapping or sequence this step is inside.
    pub container: NodeId,
    pub seg: PathSeg,
    /// Whether the cursor is on the entry's key or in its value (sequence items are values).
    pub slot: Slot,
    /// The key node (for [`Slot::Key`]) or the value node (for [`Slot::Value`]) of this
    /// entry; `None` for [`PathSeg::NewEntry`].
    pub node: Option<NodeId>,
    /// The cursor is where a key of a (possibly not yet existing) mapping could be typed:
    /// on an empty value's next line, on a new entry line, or on a lone plain word.
    pub maybe_key: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg {
    /// The entry with this (decoded) key; empty for a non-scalar or missing key.
    Key(String),
    /// The item at this index.
    Index(usize),
    /// A blank line at the mapping's indentation: a new key is being started.
    NewEntry,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Key,
    Value,
}

/// Maps the problems of a parse to diagnostics with stable codes.
pub fn diagnostics(yaml: &Yaml) -> Vec<crate::diag::Diagnostic> {
    use crate::codes;
    use crate::diag::{Diagnostic, Related};
    yaml.problems
        .iter()
        .map(|p| match p.kind {
            ProblemKind::Syntax => Diagnostic::error(codes::YAML_SYNTAX, p.span, p.message.clone()),
            ProblemKind::UnknownAlias => {
                Diagnostic::error(codes::YAML_UNKNOWN_ALIAS, p.span, p.message.clone())
            }
            ProblemKind::DuplicateKey => {
                let d = Diagnostic::error(codes::YAML_DUPLICATE_KEY, p.span, p.message.clone());
                match p.first {
                    Some(first) => d.with_related(Related {
                        path: None,
                        span: first,
                        message: "first defined here".to_string(),
                    }),
                    None => d,
                }
            }
        })
        .collect()
}
