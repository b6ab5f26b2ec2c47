use expect_test::{expect, Expect};

use super::*;

/// Renders a parse compactly: one line per node (indented), then problems.
fn render(text: &str) -> String {
    let y = parse(text);
    let mut out = String::new();
    for (i, d) in y.docs.iter().enumerate() {
        out.push_str(&format!("doc {i} {}\n", d.span));
        if let Some(r) = d.root {
            render_node(&y, r, 1, &mut out);
        }
    }
    for p in &y.problems {
        out.push_str(&format!("{:?} {} {}", p.kind, p.span, p.message));
        if let Some(f) = p.first {
            out.push_str(&format!(" (first {f})"));
        }
        out.push('\n');
    }
    out
}

fn render_node(y: &Yaml, id: NodeId, depth: usize, out: &mut String) {
    let n = y.node(id);
    let pad = "  ".repeat(depth);
    let mut props = String::new();
    if let Some((a, s)) = &n.anchor {
        props.push_str(&format!(" &{a}@{s}"));
    }
    if let Some((t, s)) = &n.tag {
        props.push_str(&format!(" {t}@{s}"));
    }
    match &n.kind {
        NodeKind::Mapping(pairs) => {
            out.push_str(&format!("{pad}map {}{props}\n", n.span));
            for &(k, v) in pairs {
                render_node(y, k, depth + 1, out);
                render_node(y, v, depth + 2, out);
            }
        }
        NodeKind::Sequence(items) => {
            out.push_str(&format!("{pad}seq {}{props}\n", n.span));
            for &i in items {
                render_node(y, i, depth + 1, out);
            }
        }
        NodeKind::Scalar(s) => {
            out.push_str(&format!("{pad}{:?} {} {:?}{props}\n", s.style, n.span, s.value));
        }
        NodeKind::Alias { name, target } => {
            out.push_str(&format!("{pad}alias {} *{name} -> {target:?}{props}\n", n.span));
        }
        NodeKind::Null => out.push_str(&format!("{pad}null {}{props}\n", n.span)),
    }
}

fn check(text: &str, expect: Expect) {
    expect.assert_eq(&render(text));
}

#[test]
fn block_mapping_and_sequence() {
    check(
        "a: 1\nb:\n  - x\n  - &an {c: d, e}\n  - *an\n? k\n: v\nempty:\n",
        expect![[r#"
            doc 0 0..55
              map 0..55
                Plain 0..1 "a"
                  Plain 3..4 "1"
                Plain 5..6 "b"
                  seq 10..39
                    Plain 12..13 "x"
                    map 22..31 &an@18..21
                      Plain 23..24 "c"
                        Plain 26..27 "d"
                      Plain 29..30 "e"
                        null 30..30
                    alias 36..39 *an -> Some(NodeId(6))
                Plain 42..43 "k"
                  Plain 46..47 "v"
                Plain 48..53 "empty"
                  null 54..54
        "#]],
    );
}
