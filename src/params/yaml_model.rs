//! Builds a params [`Tree`] from the YAML layer's arena: aliases share the anchored node,
//! `<<` merge keys are resolved (explicit keys win, then earlier merged maps), plain
//! scalars are typed as DVC's YAML 1.2 loader types them.

use std::collections::HashMap;

use super::model::{
    yaml_plain_type, Entry, NodeIdx, Problem, ProblemKind, ScalarType, Tree, Value, MAX_DEPTH,
};
use crate::diag::Span;
use crate::yaml::{NodeId, NodeKind, Scalar, ScalarStyle, Yaml};

/// A tree built from YAML, with the YAML node each tree node came from.
#[derive(Clone, Debug, Default)]
pub struct YamlTree {
    pub tree: Tree,
    /// `origin[i]` is the YAML node of tree node `i`.
    pub origin: Vec<Option<NodeId>>,
}

/// How many nodes the tree may hold once its aliases are expanded: 64 per node written in
/// the file, at least 100,000 and at most 2,000,000. Aliases share the anchored node, but
/// every walk (JSON Schema validation, interpolation, hover) expands them, and a chain of
/// aliases of aliases ("billion laughs") grows exponentially in the file's length.
pub fn expansion_budget(written_nodes: usize) -> u64 {
    (written_nodes as u64).saturating_mul(64).clamp(100_000, 2_000_000)
}

/// Converts the first document of `y`. Problems of the YAML layer are carried over.
///
/// An alias whose expansion would take the whole tree over [`expansion_budget`] becomes a
/// null and is reported (once) as a syntax problem at the alias: DVC would expand it too
/// and run out of memory. So every walk of the result visits at most the budget.
pub fn from_yaml(y: &Yaml) -> YamlTree {
    let mut b = Builder {
        y,
        out: YamlTree::default(),
        memo: HashMap::new(),
        sizes: Vec::new(),
        total: 0,
        budget: expansion_budget(y.nodes.len()),
        cut: false,
    };
    b.out.tree.problems = problems(y);
    if let Some(root) = y.docs.iter().find_map(|d| d.root) {
        let r = b.node(root, 0);
        b.out.tree.root = Some(r);
    }
    b.out
}

/// The problems of a params file read as YAML: the parser's, and a second document (DVC
/// reads one). The same as [`from_yaml`]'s, without building the tree.
pub fn problems(y: &Yaml) -> Vec<Problem> {
    let mut out: Vec<Problem> = y
        .problems
        .iter()
        .map(|p| {
            let kind = match p.kind {
                crate::yaml::ProblemKind::Syntax => ProblemKind::Syntax,
                crate::yaml::ProblemKind::DuplicateKey => ProblemKind::DuplicateKey,
                crate::yaml::ProblemKind::UnknownAlias => ProblemKind::UnknownAlias,
            };
            Problem { span: p.span, message: p.message.clone(), kind, first: p.first }
        })
        .collect();
    let mut docs = y.docs.iter().filter(|d| d.root.is_some());
    if let (Some(_), Some(second)) = (docs.next(), docs.next()) {
        out.push(Problem {
            span: second.span,
            message: "DVC reads a single YAML document; this file has several".into(),
            kind: ProblemKind::Syntax,
            first: None,
        });
    }
    out
}

/// The type DVC's loader gives a scalar: `!!str` or quoted is a string, a plain scalar is
/// typed by YAML 1.2's core schema.
pub fn scalar_type(tag: Option<&(String, Span)>, s: &Scalar) -> ScalarType {
    match (tag.map(|(t, _)| t.as_str()), s.style) {
        (Some("!!str" | "tag:yaml.org,2002:str"), _) => ScalarType::Str,
        (_, ScalarStyle::Plain) => yaml_plain_type(&s.value),
        _ => ScalarType::Str,
    }
}

struct Builder<'a> {
    y: &'a Yaml,
    out: YamlTree,
    memo: HashMap<NodeId, NodeIdx>,
    /// `sizes[i]`: how many nodes tree node `i` expands to (itself and its descendants).
    sizes: Vec<u64>,
    /// The expanded size of everything built so far.
    total: u64,
    budget: u64,
    /// Whether an alias was cut (and reported) already.
    cut: bool,
}

impl Builder<'_> {
    fn push(&mut self, span: Span, value: Value, origin: Option<NodeId>) -> NodeIdx {
        let size = match &value {
            Value::Map(es) => es.iter().fold(1u64, |acc, e| acc.saturating_add(self.sizes[e.value])),
            Value::List(items) => items.iter().fold(1u64, |acc, &i| acc.saturating_add(self.sizes[i])),
            Value::Scalar { .. } => 1,
        };
        self.sizes.push(size);
        self.total = self.total.saturating_add(1);
        self.out.origin.push(origin);
        self.out.tree.push(span, value)
    }

    /// The anchored node `t` shared at alias `id`, or a null when sharing it would take
    /// the expanded tree over the budget.
    fn share(&mut self, t: NodeIdx, id: NodeId, span: Span) -> NodeIdx {
        let size = self.sizes[t];
        if self.total.saturating_add(size) <= self.budget {
            self.total += size;
            return t;
        }
        if !self.cut {
            self.cut = true;
            self.out.tree.truncated = true;
            self.out.tree.problems.push(Problem {
                span,
                message: format!("aliases expand to more than {} nodes; not expanded further", self.budget),
                kind: ProblemKind::Syntax,
                first: None,
            });
        }
        self.null(span, Some(id))
    }

    fn null(&mut self, span: Span, origin: Option<NodeId>) -> NodeIdx {
        self.push(span, Value::Scalar { ty: ScalarType::Null, text: "null".into() }, origin)
    }

    fn node(&mut self, id: NodeId, depth: usize) -> NodeIdx {
        if let Some(&done) = self.memo.get(&id) {
            return done;
        }
        let Some(n) = self.y.nodes.get(id.0 as usize) else {
            return self.null(Span::default(), None);
        };
        if depth >= MAX_DEPTH {
            return self.null(n.span, Some(id));
        }
        let idx = match &n.kind {
            NodeKind::Null => self.null(n.span, Some(id)),
            NodeKind::Scalar(s) => {
                let ty = scalar_type(n.tag(), s);
                let text = match ty {
                    ScalarType::Null => "null".to_string(),
                    ScalarType::Bool => s.value.to_ascii_lowercase(),
                    _ => s.value.clone(),
                };
                self.push(n.span, Value::Scalar { ty, text }, Some(id))
            }
            NodeKind::Alias { target, .. } => match target {
                Some(t) if self.memo.contains_key(t) => self.share(self.memo[t], id, n.span),
                _ => self.null(n.span, Some(id)),
            },
            NodeKind::Sequence(items) => {
                let items = items.clone();
                let kids = items.iter().map(|&c| self.node(c, depth + 1)).collect();
                self.push(n.span, Value::List(kids), Some(id))
            }
            NodeKind::Mapping(pairs) => {
                let pairs = pairs.clone();
                let mut entries: Vec<Entry> = Vec::with_capacity(pairs.len());
                let mut merged: Vec<Entry> = Vec::new();
                for (k, v) in pairs {
                    let (key, key_span, is_merge) = self.key_text(k);
                    if is_merge {
                        let src = self.node(v, depth + 1);
                        self.collect_merge(src, &mut merged);
                        continue;
                    }
                    let value = self.node(v, depth + 1);
                    entries.push(Entry { key, key_span, value });
                }
                for m in merged {
                    if !entries.iter().any(|e| e.key == m.key) {
                        entries.push(m);
                    }
                }
                self.push(n.span, Value::Map(entries), Some(id))
            }
        };
        if n.anchor().is_some() {
            self.memo.insert(id, idx);
        }
        idx
    }

    /// Adds the entries of merged map(s) `src` that are not there yet.
    fn collect_merge(&mut self, src: NodeIdx, merged: &mut Vec<Entry>) {
        let maps: Vec<NodeIdx> = match self.out.tree.node(src).map(|n| &n.value) {
            Some(Value::Map(_)) => vec![src],
            Some(Value::List(items)) => items.clone(),
            _ => Vec::new(),
        };
        for m in maps {
            if let Some(Value::Map(es)) = self.out.tree.node(m).map(|n| n.value.clone()) {
                for e in es {
                    if !merged.iter().any(|x| x.key == e.key) {
                        merged.push(e);
                    }
                }
            }
        }
    }

    fn key_text(&self, k: NodeId) -> (String, Span, bool) {
        let Some(n) = self.y.nodes.get(k.0 as usize) else { return (String::new(), Span::default(), false) };
        match &n.kind {
            NodeKind::Scalar(s) => {
                let merge = s.style == ScalarStyle::Plain && s.value == "<<";
                (s.value.clone(), n.span, merge)
            }
            NodeKind::Null => (String::new(), n.span, false),
            NodeKind::Alias { target: Some(t), .. } => {
                let text = match self.y.nodes.get(t.0 as usize).map(|n| &n.kind) {
                    Some(NodeKind::Scalar(s)) => s.value.clone(),
                    _ => String::new(),
                };
                (text, n.span, false)
            }
            _ => (String::new(), n.span, false),
        }
    }
}
