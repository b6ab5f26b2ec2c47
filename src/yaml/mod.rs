//! The YAML layer: an error-tolerant parse (tree-sitter-yaml) into our own arena tree
//! with byte spans. Parsing never fails: broken input gives a best-effort tree plus
//! syntax errors with exact spans.
//!
//! Invariants:
//! - Every node span lies inside the text and on char boundaries.
//! - Scalars carry their decoded value and a [`SourceMap`] from decoded offsets back
//!   to source offsets, so text inside `run: |` can be analysed at exact positions.
//! - Aliases point at their anchor's node; `<<` merge keys are resolved by the
//!   lookup helpers ([`Yaml::get`], [`Yaml::entries`]), not by copying nodes.

use crate::diag::Span;

mod sourcemap;

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
    Null,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The node's content, without its anchor or tag.
    pub span: Span,
    pub kind: NodeKind,
    /// `&name` on this node: the name and the span of the whole `&name` token.
    pub anchor: Option<(String, Span)>,
    /// `!tag` on this node: the tag text and its span.
    pub tag: Option<(String, Span)>,
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

#[derive(Clone, Debug, Default)]
pub struct Yaml {
    pub nodes: Vec<Node>,
    /// Every document of the stream, in order.
    pub docs: Vec<Document>,
    pub problems: Vec<Problem>,
    pub comments: Vec<Comment>,
}
