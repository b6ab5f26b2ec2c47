//! TEMPORARY: a minimal YAML reader producing [`crate::yaml::Yaml`] until the YAML layer's
//! `crate::yaml::parse` lands; delete this file after merging it and call that instead.

use tree_sitter::{Node as TsNode, Parser};

use crate::diag::Span;
use crate::yaml::{Comment, Document, Node, NodeId, NodeKind, Scalar, ScalarStyle, SourceMap, Yaml};

pub fn parse(text: &str) -> Yaml {
    let mut y = Yaml::default();
    let mut parser = Parser::new();
    if parser.set_language(&tree_sitter_yaml::LANGUAGE.into()).is_err() {
        return y;
    }
    let Some(tree) = parser.parse(text, None) else { return y };
    let root = tree.root_node();
    let mut b = Builder { text, y: &mut y };
    b.comments(root);
    let mut cur = root.walk();
    for doc in root.named_children(&mut cur).filter(|n| n.kind() == "document") {
        let mut c2 = doc.walk();
        let node = doc.named_children(&mut c2).find(|n| matches!(n.kind(), "block_node" | "flow_node"));
        let root = node.map(|n| b.node(n));
        b.y.docs.push(Document { root, span: Span::new(doc.start_byte(), doc.end_byte()) });
    }
    if root.has_error() {
        b.y.problems.push(crate::yaml::Problem {
            kind: crate::yaml::ProblemKind::Syntax,
            span: Span::new(0, text.len()),
            message: "syntax error".into(),
            first: None,
        });
    }
    y
}

struct Builder<'a, 'y> {
    text: &'a str,
    y: &'y mut Yaml,
}

impl Builder<'_, '_> {
    fn comments(&mut self, n: TsNode) {
        if n.kind() == "comment" {
            self.y.comments.push(Comment { span: Span::new(n.start_byte(), n.end_byte()) });
        }
        let mut c = n.walk();
        for ch in n.children(&mut c) {
            self.comments(ch);
        }
    }

    fn push(&mut self, span: Span, kind: NodeKind) -> NodeId {
        self.y.nodes.push(Node { span, kind, anchor: None, tag: None });
        NodeId(self.y.nodes.len() as u32 - 1)
    }

    fn null_at(&mut self, at: usize) -> NodeId {
        self.push(Span::empty(at), NodeKind::Null)
    }

    fn node(&mut self, n: TsNode) -> NodeId {
        let mut c = n.walk();
        let kids: Vec<TsNode> = n.named_children(&mut c).collect();
        match n.kind() {
            "block_node" | "flow_node" => {
                let mut anchor = None;
                let mut tag = None;
                let mut inner = None;
                for k in &kids {
                    match k.kind() {
                        "anchor" => {
                            let t = &self.text[k.start_byte()..k.end_byte()];
                            anchor = Some((t.trim_start_matches('&').to_string(), span(*k)));
                        }
                        "tag" => tag = Some((self.text[k.start_byte()..k.end_byte()].to_string(), span(*k))),
                        "comment" => {}
                        _ => inner = Some(*k),
                    }
                }
                let id = match inner {
                    Some(i) => self.node(i),
                    None => self.null_at(n.end_byte()),
                };
                let node = &mut self.y.nodes[id.0 as usize];
                node.anchor = anchor;
                node.tag = tag;
                id
            }
            "block_mapping" | "flow_mapping" => {
                let mut pairs = Vec::new();
                for k in kids
                    .iter()
                    .filter(|k| matches!(k.kind(), "block_mapping_pair" | "flow_pair" | "flow_node"))
                {
                    if k.kind() == "flow_node" {
                        let key = self.node(*k);
                        let v = self.null_at(k.end_byte());
                        pairs.push((key, v));
                        continue;
                    }
                    let key = match k.child_by_field_name("key") {
                        Some(kn) => self.node(kn),
                        None => self.null_at(k.start_byte()),
                    };
                    let val = match k.child_by_field_name("value") {
                        Some(vn) => self.node(vn),
                        None => self.null_at(k.end_byte()),
                    };
                    pairs.push((key, val));
                }
                self.push(span(n), NodeKind::Mapping(pairs))
            }
            "block_sequence" | "flow_sequence" => {
                let mut items = Vec::new();
                for k in &kids {
                    match k.kind() {
                        "block_sequence_item" => {
                            let mut c3 = k.walk();
                            let inner = k.named_children(&mut c3).find(|x| x.kind() != "comment");
                            let id = match inner {
                                Some(i) => self.node(i),
                                None => self.null_at(k.end_byte()),
                            };
                            items.push(id);
                        }
                        "flow_node" => items.push(self.node(*k)),
                        "flow_pair" => {
                            let key = match k.child_by_field_name("key") {
                                Some(kn) => self.node(kn),
                                None => self.null_at(k.start_byte()),
                            };
                            let val = match k.child_by_field_name("value") {
                                Some(vn) => self.node(vn),
                                None => self.null_at(k.end_byte()),
                            };
                            items.push(self.push(span(*k), NodeKind::Mapping(vec![(key, val)])));
                        }
                        _ => {}
                    }
                }
                self.push(span(n), NodeKind::Sequence(items))
            }
            "alias" => {
                let name = self.text[n.start_byte()..n.end_byte()].trim_start_matches('*').to_string();
                let target = self
                    .y
                    .nodes
                    .iter()
                    .rposition(|x| x.anchor.as_ref().is_some_and(|(a, _)| *a == name))
                    .map(|i| NodeId(i as u32));
                self.push(span(n), NodeKind::Alias { name, target })
            }
            "plain_scalar" => {
                let t = &self.text[n.start_byte()..n.end_byte()];
                self.scalar(n, ScalarStyle::Plain, t.to_string())
            }
            "single_quote_scalar" => {
                let t =
                    &self.text[n.start_byte() + 1..n.end_byte().saturating_sub(1).max(n.start_byte() + 1)];
                self.scalar(n, ScalarStyle::SingleQuoted, t.replace("''", "'"))
            }
            "double_quote_scalar" => {
                let t =
                    &self.text[n.start_byte() + 1..n.end_byte().saturating_sub(1).max(n.start_byte() + 1)];
                let v = crate::experiment::overrides::parse_value(&format!("\"{t}\""))
                    .ok()
                    .and_then(|v| v.value.as_str().map(str::to_string))
                    .unwrap_or_else(|| t.to_string());
                self.scalar(n, ScalarStyle::DoubleQuoted, v)
            }
            "block_scalar" => {
                let t = &self.text[n.start_byte()..n.end_byte()];
                let style = if t.starts_with('>') { ScalarStyle::Folded } else { ScalarStyle::Literal };
                let body: Vec<&str> = t.lines().skip(1).collect();
                let ind = body
                    .iter()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| l.len() - l.trim_start().len())
                    .min();
                let mut v: String =
                    body.iter().map(|l| format!("{}\n", l.get(ind.unwrap_or(0)..).unwrap_or(""))).collect();
                if t.lines().next().is_some_and(|h| h.contains('-')) {
                    v = v.trim_end_matches('\n').to_string();
                }
                self.scalar(n, style, v)
            }
            _ => self.null_at(n.start_byte()),
        }
    }

    fn scalar(&mut self, n: TsNode, style: ScalarStyle, value: String) -> NodeId {
        let map = SourceMap::identity(n.start_byte(), value.len());
        self.push(span(n), NodeKind::Scalar(Scalar { style, value, map }))
    }
}

fn span(n: TsNode) -> Span {
    Span::new(n.start_byte(), n.end_byte())
}
