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
    if let Some((a, s)) = n.anchor() {
        props.push_str(&format!(" &{a}@{s}"));
    }
    if let Some((t, s)) = n.tag() {
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
              map 0..54
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

/// The decoded value of the value of key `k` in the first document.
fn val(text: &str) -> String {
    let y = parse(text);
    let root = y.root(0).expect("a document");
    let v = y.get(root, "k").expect("key k");
    y.str_value(v).expect("a scalar").to_string()
}

/// Every decoded char maps inside the text on a char boundary; verbatim chars map to
/// themselves.
fn assert_map_sane(text: &str) {
    let y = parse(text);
    for n in &y.nodes {
        if let NodeKind::Scalar(s) = &n.kind {
            for (i, ch) in s.value.char_indices() {
                let src = s.map.to_source(i);
                assert!(src <= text.len() && text.is_char_boundary(src), "{text:?} {i}");
                let end = s.map.to_source_end(i + ch.len_utf8());
                assert!(end >= src && end <= text.len(), "{text:?} {i}");
            }
        }
    }
}

#[test]
fn plain_multi_line_folds() {
    assert_eq!(val("k: a\n  b\n\n  c\n"), "a b\nc");
    assert_eq!(val("k: a  \n   b\n"), "a b");
    assert_eq!(val("k: a\r\n  b\r\n\r\n\r\n  c\r\n"), "a b\n\nc");
    assert_map_sane("k: a\r\n  b\r\n\r\n\r\n  c\r\n");
}

#[test]
fn single_quoted() {
    assert_eq!(val("k: 'it''s'"), "it's");
    assert_eq!(val("k: ' a  \n   b \n\n  c '"), " a b\nc ");
    assert_eq!(val("k: ''"), "");
    assert_eq!(val("k: ''''"), "'");
}

#[test]
fn double_quoted_escapes() {
    assert_eq!(
        val(r#"k: "\x41\u00e9\U0001F600\N\_\L\P\0\a\b\t\n\v\f\r\e\ \"\/\\""#),
        "A\u{e9}\u{1F600}\u{85}\u{a0}\u{2028}\u{2029}\0\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1b} \"/\\"
    );
    // YAML 1.2 example 7.5: double-quoted line breaks.
    assert_eq!(
        val("k: \"folded \nto a space,\t\n \nto a line feed, or \t\\\n \\ \tnon-content\""),
        "folded to a space,\nto a line feed, or \t \tnon-content"
    );
    // YAML 1.2 example 7.6: double-quoted lines.
    assert_eq!(
        val("k: \" 1st non-empty\n\n 2nd non-empty \n\t3rd non-empty \""),
        " 1st non-empty\n2nd non-empty 3rd non-empty "
    );
    assert_map_sane("k: \"a\\tb\\\r\n  c\\u00e9\"");
}

#[test]
fn double_quoted_maps_escapes_to_their_source() {
    let text = "k: \"a\\tb\\u00e9c\"";
    let y = parse(text);
    let v = y.get(y.root(0).unwrap(), "k").unwrap();
    let s = y.scalar(v).unwrap();
    assert_eq!(s.value, "a\tb\u{e9}c");
    // a, \t, b, é (2 bytes), c
    let starts: Vec<usize> = s.value.char_indices().map(|(i, _)| s.map.to_source(i)).collect();
    assert_eq!(starts, vec![4, 5, 7, 8, 14]);
    assert_eq!(s.map.span(1, 2), Span::new(5, 7));
    assert_eq!(s.map.span(3, 5), Span::new(8, 14));
    assert_eq!(s.map.to_source(s.value.len()), 15);
}

#[test]
fn invalid_escape_is_reported_at_the_escape() {
    check(
        "a: \"x\\qy\"\nc: 1\n",
        expect![[r#"
            doc 0 0..15
              map 0..14
                Plain 0..1 "a"
                  DoubleQuoted 3..9 "x\\qy"
                Plain 10..11 "c"
                  Plain 13..14 "1"
            Syntax 5..7 invalid escape `\q`
        "#]],
    );
}

#[test]
fn literal_chomping() {
    assert_eq!(val("k: |\n  a\n\n  b\n\n\n"), "a\n\nb\n");
    assert_eq!(val("k: |-\n  a\n\n  b\n\n\n"), "a\n\nb");
    assert_eq!(val("k: |+\n  a\n\n  b\n\n\n"), "a\n\nb\n\n\n");
    assert_eq!(val("k: |+\n  a\n\n  b\n\n\nz: 1\n"), "a\n\nb\n\n\n");
    assert_eq!(val("k: |\n  a\n   b\n  c"), "a\n b\nc");
    assert_eq!(val("k: |\n\nz: 1\n"), "");
    assert_eq!(val("k: |+\n\n\nz: 1\n"), "\n\n");
    // YAML 1.2 example 8.4: chomping final line break.
    assert_eq!(val("k: |-\n  text\n"), "text");
    assert_eq!(val("k: |+\n  text\n"), "text\n");
}

#[test]
fn block_indentation_indicators() {
    // YAML 1.2 example 8.2 (block indentation indicator), as sequence items.
    let y = parse("- |\n detected\n- >\n \n  \n  # detected\n- |1\n  explicit\n- >\n \t\n detected\n");
    let items: Vec<&str> = y.items(y.root(0).unwrap()).iter().map(|&i| y.str_value(i).unwrap()).collect();
    assert_eq!(items, vec!["detected\n", "\n\n# detected\n", " explicit\n", "\t\ndetected\n"]);
    assert_eq!(val("k: |2-\n    x\n  y\n"), "  x\ny");
    assert_eq!(val("k: >+1\n  a\n b\n\n"), " a\nb\n\n");
    assert_eq!(val("k: |-2\n    x\n"), "  x");
}

#[test]
fn folded_more_indented_lines() {
    // YAML 1.2 examples 8.10 to 8.13.
    let text = ">\n\n folded\n line\n\n next\n line\n   * bullet\n\n   * list\n   * lines\n\n last\n line\n\n# Comment\n";
    let y = parse(text);
    assert_eq!(
        y.str_value(y.root(0).unwrap()).unwrap(),
        "\nfolded line\nnext line\n  * bullet\n\n  * list\n  * lines\n\nlast line\n"
    );
    assert_map_sane(text);
    assert_eq!(val("k: >\n  a\n  b\n\n  c\n"), "a b\nc\n");
    assert_eq!(val("k: >-\n  a\r\n  b\r\n"), "a b");
}

#[test]
fn block_scalar_crlf_map_is_exact() {
    let text = "k: |\r\n  ab\r\n  c\r\n";
    let y = parse(text);
    let s = y.scalar(y.get(y.root(0).unwrap(), "k").unwrap()).unwrap();
    assert_eq!(s.value, "ab\nc\n");
    let starts: Vec<usize> = (0..s.value.len()).map(|i| s.map.to_source(i)).collect();
    // a, b, \r\n, c, \r\n
    assert_eq!(starts, vec![8, 9, 10, 14, 15]);
    assert_eq!(s.map.span(2, 3), Span::new(10, 12));
    assert_eq!(&text[s.map.span(3, 4).start..s.map.span(3, 4).end], "c");
}

#[test]
fn run_script_offsets() {
    let text = "steps:\n  - run: |\n      cml runner launch \\\n        --cloud=aws\n";
    let y = parse(text);
    let step = y.items(y.get(y.root(0).unwrap(), "steps").unwrap())[0];
    let s = y.scalar(y.get(step, "run").unwrap()).unwrap();
    assert_eq!(s.value, "cml runner launch \\\n  --cloud=aws\n");
    let at = s.value.find("--cloud").unwrap();
    assert_eq!(s.map.to_source(at), text.find("--cloud").unwrap());
}

fn problems(text: &str) -> String {
    let y = parse(text);
    let mut out = String::new();
    for p in &y.problems {
        let (s, e) = (p.span.start, p.span.end);
        out.push_str(&format!("{:?} {} {:?} {}\n", p.kind, p.span, &text[s..e], p.message));
    }
    out
}

#[test]
fn syntax_problems() {
    expect![[r#"
        Syntax 9..10 ":" mapping values are not allowed here
    "#]]
    .assert_eq(&problems("a: 1\nb: c: d\ne: 1\n"));
    expect![[r#"
        Syntax 3..4 "\t" tab characters cannot be used for indentation
    "#]]
    .assert_eq(&problems("a:\n\tb: 1\nc: 2\n"));
    expect![[r#"
        Syntax 3..7 "\"abc" unclosed double-quoted string
    "#]]
    .assert_eq(&problems("a: \"abc\nb: 1\n"));
    expect![[r#"
        Syntax 8..13 "[1, 2" missing `]`
    "#]]
    .assert_eq(&problems("a: 1\nb: [1, 2\n"));
    expect![[r#"
        Syntax 8..13 "[1, 2" missing `]`
    "#]]
    .assert_eq(&problems("a: 1\nc: [1, 2\nd: e\n"));
    expect![[r#"
        Syntax 3..8 "{x: 1" missing `}`
    "#]]
    .assert_eq(&problems("a: {x: 1\nb: 2\n"));
    expect![[r#"
        Syntax 3..7 "'abc" unclosed single-quoted string
    "#]]
    .assert_eq(&problems("a: 'abc\n"));
    expect![[r#"
        Syntax 9..10 ":" mapping values are not allowed here
    "#]]
    .assert_eq(&problems("a: 1\n   b: 2\nc: 3\n"));
    expect![[r#"
        Syntax 11..12 "]" unexpected `]`
    "#]]
    .assert_eq(&problems("key: [a, b]]\nz: 1\n"));
}

#[test]
fn recovery_keeps_the_rest_of_the_file() {
    check(
        "a: 1\nb: c: d\ne: 1\n",
        expect![[r#"
            doc 0 0..18
              map 0..17
                Plain 0..1 "a"
                  Plain 3..4 "1"
                Plain 13..14 "e"
                  Plain 16..17 "1"
            Syntax 9..10 mapping values are not allowed here
        "#]],
    );
    check(
        "a:\n\tb: 1\nc: 2\n",
        expect![[r#"
        doc 0 0..14
          map 0..13
            Plain 0..1 "a"
              null 2..2
            Plain 9..10 "c"
              Plain 12..13 "2"
        Syntax 3..4 tab characters cannot be used for indentation
    "#]],
    );
}

#[test]
fn duplicate_keys() {
    expect![[r#"
        DuplicateKey 13..17 "name" duplicate key `name`
    "#]]
    .assert_eq(&problems("name: a\nx: 1\nname: b\n"));
    expect![[r#"
        DuplicateKey 10..13 "'a'" duplicate key `a`
    "#]]
    .assert_eq(&problems("m: {a: 1, 'a': 2, b: 3}\n"));
    expect![[r#"
        DuplicateKey 9..10 "a" duplicate key `a`
    "#]]
    .assert_eq(&problems("- a: 1\n  a: 2\n- a: 3\n"));
    let y = parse("name: a\nname: b\n");
    let d = diagnostics(&y);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, crate::codes::YAML_DUPLICATE_KEY);
    assert_eq!(d[0].span, Span::new(8, 12));
    assert_eq!(d[0].message, "duplicate key `name`");
    assert_eq!(d[0].related[0].span, Span::new(0, 4));
}

#[test]
fn aliases_and_anchors() {
    check(
        "a: &x 1\nb: *x\nc: *nope\nd: &self [*self]\n---\ne: *x\n",
        expect![[r#"
            doc 0 0..39
              map 0..39
                Plain 0..1 "a"
                  Plain 6..7 "1" &x@3..5
                Plain 8..9 "b"
                  alias 11..13 *x -> Some(NodeId(2))
                Plain 14..15 "c"
                  alias 17..22 *nope -> None
                Plain 23..24 "d"
                  seq 32..39 &self@26..31
                    alias 33..38 *self -> Some(NodeId(8))
            doc 1 40..50
              map 44..49
                Plain 44..45 "e"
                  alias 47..49 *x -> None
            UnknownAlias 17..22 unknown anchor `nope`
            UnknownAlias 47..49 unknown anchor `x`
        "#]],
    );
    let y = parse("a: &x 1\nb: *x\nc: *nope\n");
    let d = diagnostics(&y);
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].code, d[0].span, d[0].message.as_str()),
        (crate::codes::YAML_UNKNOWN_ALIAS, Span::new(17, 22), "unknown anchor `nope`")
    );
}

#[test]
fn documents_tags_and_comments() {
    check("# only a comment\n", expect![[""]]);
    check("", expect![[""]]);
    check(
        "---\n--- !t\n...\n--- !!str x\n...\n%YAML 1.2\n---\ny: 1 # c\n",
        expect![[r#"
        doc 0 0..3
        doc 1 4..14
          null 10..10 !t@8..10
        doc 2 15..30
          Plain 25..26 "x" !!str@19..24
        doc 3 31..54
          map 45..53
            Plain 45..46 "y"
              Plain 48..49 "1"
    "#]],
    );
    let y = parse("a: 1 # one\n# two\nb: 2\n");
    let spans: Vec<Span> = y.comments.iter().map(|c| c.span).collect();
    assert_eq!(spans, vec![Span::new(5, 10), Span::new(11, 16)]);
}

#[test]
fn bom_is_accepted() {
    check(
        "\u{feff}a: 1\nb: |\n  x\n",
        expect![[r#"
        doc 0 3..17
          map 3..16
            Plain 3..4 "a"
              Plain 6..7 "1"
            Plain 8..9 "b"
              Literal 11..16 "x\n"
    "#]],
    );
}

#[test]
fn flow_collections() {
    check(
        "{a: [1, 'two', \"three\"], b: {c: d}, e, f: }\n",
        expect![[r#"
        doc 0 0..43
          map 0..43
            Plain 1..2 "a"
              seq 4..23
                Plain 5..6 "1"
                SingleQuoted 8..13 "two"
                DoubleQuoted 15..22 "three"
            Plain 25..26 "b"
              map 28..34
                Plain 29..30 "c"
                  Plain 32..33 "d"
            Plain 36..37 "e"
              null 37..37
            Plain 39..40 "f"
              null 41..41
    "#]],
    );
    check(
        "[a: b, c]\n",
        expect![[r#"
        doc 0 0..9
          seq 0..9
            map 1..5
              Plain 1..2 "a"
                Plain 4..5 "b"
            Plain 7..8 "c"
    "#]],
    );
}

#[test]
fn merge_keys_and_lookup() {
    let text = "base: &b {x: 1, y: 2}\nother: &o {y: 3, z: 4}\nm:\n  <<: [*b, *o]\n  x: 10\n  w: 0\n  w: 5\n";
    let y = parse(text);
    let m = y.get(y.root(0).unwrap(), "m").unwrap();
    let get = |k: &str| y.get(m, k).and_then(|v| y.str_value(v)).map(str::to_string);
    assert_eq!(get("x").as_deref(), Some("10"));
    assert_eq!(get("y").as_deref(), Some("2"));
    assert_eq!(get("z").as_deref(), Some("4"));
    assert_eq!(get("w").as_deref(), Some("5"));
    assert_eq!(get("<<"), None);
    let keys: Vec<&str> = y.entries(m).iter().map(|&(k, _)| y.key_str(k).unwrap()).collect();
    assert_eq!(keys, vec!["x", "w", "y", "z"]);
    let single = parse("a: &a {p: 1}\nb:\n  <<: *a\n");
    let b = single.get(single.root(0).unwrap(), "b").unwrap();
    assert_eq!(single.get(b, "p").and_then(|v| single.str_value(v)), Some("1"));
}

#[test]
fn key_lookups_agree_with_and_without_fingerprints() {
    // Alias keys, quoted and tagged keys, merges, keys of equal fingerprint
    // (same length, first, middle and last byte), and a duplicate.
    let text = "k: &k runs-on\nbase: &b {rxns-on: 0, ab: 1}\nm:\n  <<: *b\n  *k : [self-hosted]\n  'runs-on': 2\n  !!str steps: 3\n  rbnz-on: 4\n  ab: 5\n  ab: 6\n  \"\": 7\n  container: 8\n  runs-on-a-long-name: 9\n";
    let y = parse(text);
    assert_eq!(y.fingerprints.len(), y.nodes.len());
    let mut bare = y.clone();
    bare.fingerprints.clear();
    let m = y.get(y.root(0).unwrap(), "m").unwrap();
    let keys =
        ["runs-on", "rxns-on", "rbnz-on", "steps", "ab", "", "<<", "k", "missing", "runs-o", "container"];
    for key in keys.into_iter().chain(["containers", "container-x", "runs-on-a-long-name"]) {
        assert_eq!(y.get_entry(m, key), bare.get_entry(m, key), "{key:?}");
    }
    let val = |k: &str| y.get(m, k).and_then(|v| y.str_value(v)).map(str::to_string);
    assert_eq!(val("runs-on").as_deref(), Some("2"));
    assert_eq!(val("rbnz-on").as_deref(), Some("4"));
    assert_eq!(val("rxns-on").as_deref(), Some("0"));
    assert_eq!(val("ab").as_deref(), Some("6"));
    assert_eq!(val("steps").as_deref(), Some("3"));
    assert_eq!(val("").as_deref(), Some("7"));
    assert_eq!(val("container").as_deref(), Some("8"));
    assert_eq!(val("runs-on-a-long-name").as_deref(), Some("9"));
    assert_eq!(val("containers"), None);
    assert!(fingerprint_is_exact(key_fingerprint("runs-on")));
    assert!(!fingerprint_is_exact(key_fingerprint("runs-on!")));
    assert_ne!(key_fingerprint("runs-on"), key_fingerprint("rxns-on"));
    assert_ne!(key_fingerprint(""), NO_FINGERPRINT);
}

#[test]
fn cycles_are_safe() {
    let y = parse("a: &a\n  <<: *a\n  k: 1\nb: &s [*s]\n");
    let root = y.root(0).unwrap();
    let a = y.get(root, "a").unwrap();
    assert_eq!(y.get(a, "k").and_then(|v| y.str_value(v)), Some("1"));
    assert_eq!(y.get(a, "missing"), None);
    assert_eq!(y.entries(a).len(), 1);
    let b = y.get(root, "b").unwrap();
    let inner = y.items(b)[0];
    assert_eq!(y.resolve(inner), b);
    assert!(y.is_sequence(inner));
}

#[test]
fn null_and_type_queries() {
    let y = parse("a:\nb: ~\nc: null\nd: 'null'\ne: [1]\nf: {}\n");
    let root = y.root(0).unwrap();
    let is_null: Vec<bool> =
        ["a", "b", "c", "d", "e", "f"].iter().map(|k| y.is_null(y.get(root, k).unwrap())).collect();
    assert_eq!(is_null, vec![true, true, true, false, false, false]);
    assert!(y.is_sequence(y.get(root, "e").unwrap()));
    assert!(y.is_mapping(y.get(root, "f").unwrap()));
    assert_eq!(y.node(y.get(root, "a").unwrap()).span, Span::empty(2));
    assert_eq!(y.node_at(15), y.get(root, "c"));
    assert_eq!(y.node_at(9), y.get_entry(root, "c").map(|(k, _)| k));
}

/// Renders `path_at` at the `$0` marker compactly: `key:V` / `key:K` / `[i]` / `+new`,
/// with the node span and `?` when `maybe_key`.
fn path(fixture: &str) -> String {
    let offset = fixture.find("$0").expect("cursor marker");
    let text = fixture.replace("$0", "");
    let y = parse(&text);
    y.path_at(offset)
        .iter()
        .map(|s| {
            let seg = match &s.seg {
                PathSeg::Key(k) => format!("{k}:{}", if s.slot == Slot::Key { "K" } else { "V" }),
                PathSeg::Index(i) => format!("[{i}]"),
                PathSeg::NewEntry => "+new".to_string(),
            };
            let node = s.node.map(|n| format!("@{}", y.node(n).span)).unwrap_or_default();
            format!("{seg}{node}{}", if s.maybe_key { "?" } else { "" })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn path_at_on_half_typed_yaml() {
    let fixtures = [
        "jobs:\n  train:\n    runs-on: $0",
        "jobs:\n  train:\n    runs-on:$0",
        "jobs:\n  train:\n    steps:\n      - run: cml runner launch --cl$0\n",
        "jobs:\n  train:\n    runs-o$0",
        "jobs:\n  train:\n    $0",
        "jobs:\n  train:\n    runs-on: x\n    $0",
        "jobs:\n  train:\n    runs-on: x\n  $0",
        "jobs:\n  train:\n    runs-on: x\n$0",
        "jobs:\n  tr$0ain:\n    runs-on: x\n",
        "steps:\n  - name: a\n    $0",
        "steps:\n  - na$0",
        "steps:\n  - $0",
        "a: [1, b$0]",
        "a: {x: $0}",
        "$0",
        "---\na: 1\n---\nb: $0",
    ];
    let out: String = fixtures.iter().map(|f| format!("{f:?}\n    => {}\n", path(f))).collect();
    expect![[r#"
        "jobs:\n  train:\n    runs-on: $0"
            => jobs:V@8..27 train:V@19..27 runs-on:V@27..27
        "jobs:\n  train:\n    runs-on:$0"
            => jobs:V@8..27 train:V@19..27 runs-on:V@27..27
        "jobs:\n  train:\n    steps:\n      - run: cml runner launch --cl$0\n"
            => jobs:V@8..61 train:V@19..61 steps:V@32..61 [0]@34..61 run:V@39..61
        "jobs:\n  train:\n    runs-o$0"
            => jobs:V@8..25 train:V@19..25?
        "jobs:\n  train:\n    $0"
            => jobs:V@8..14 train:V@14..14?
        "jobs:\n  train:\n    runs-on: x\n    $0"
            => jobs:V@8..29 train:V@19..29 +new?
        "jobs:\n  train:\n    runs-on: x\n  $0"
            => jobs:V@8..29 +new?
        "jobs:\n  train:\n    runs-on: x\n$0"
            => +new?
        "jobs:\n  tr$0ain:\n    runs-on: x\n"
            => jobs:V@8..29 train:K@8..13
        "steps:\n  - name: a\n    $0"
            => steps:V@9..18 [0]@11..18 +new?
        "steps:\n  - na$0"
            => steps:V@9..13 [0]@11..13?
        "steps:\n  - $0"
            => steps:V@9..10 [0]@10..10?
        "a: [1, b$0]"
            => a:V@3..9 [1]@7..8
        "a: {x: $0}"
            => a:V@3..8 x:V@6..6
        "$0"
            => 
        "---\na: 1\n---\nb: $0"
            => b:V@15..15
    "#]]
    .assert_eq(&out);
}

/// A tiny deterministic PRNG (xorshift64*), enough for fuzz-style tests.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const WORKFLOW: &str = "name: train\non:\n  push:\n    branches: [main]\nenv: &env\n  REPO_TOKEN: ${{ secrets.TOKEN }}\njobs:\n  launch:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: \"Deploy runner\"\n        env: *env\n        run: |\n          cml runner launch \\\n            --cloud=aws --labels=cml-gpu\n  train:\n    <<: {needs: launch}\n    runs-on: [self-hosted, cml-gpu]\n    steps:\n      - run: >-\n          dvc repro # comment\n          && cml comment create report.md\n";

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[test]
fn incremental_reparse_equals_fresh_parse() {
    const SNIPPETS: &[&str] = &[
        ":", " ", "\n", "- ", "a", "\"", "'", "[", "]", "{", "}", "#", "\t", "é", "|\n  x", "&a ", "*a",
        "\r\n", "key: v\n", ",",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut parser = YamlParser::new();
    let mut text = WORKFLOW.to_string();
    let mut parsed = parser.parse(&text);
    assert_eq!(parsed.yaml, parse(&text));
    for round in 0..300 {
        let n_edits = 1 + rng.below(3);
        let mut edits = Vec::new();
        for _ in 0..n_edits {
            let start = floor_boundary(&text, rng.below(text.len() + 1));
            let end = floor_boundary(&text, start + rng.below(6));
            let end = end.max(start);
            let ins = SNIPPETS[rng.below(SNIPPETS.len())];
            text.replace_range(start..end, ins);
            edits.push((Span::new(start, end), ins.len()));
        }
        // Keep the document from growing or shrinking without bound.
        if text.len() > 3 * WORKFLOW.len() || text.len() < WORKFLOW.len() / 3 {
            text = WORKFLOW.to_string();
            parsed = parser.parse(&text);
            continue;
        }
        let next = parser.reparse(&parsed, &text, &edits);
        assert_eq!(next.yaml, parse(&text), "round {round}: {text:?}");
        parsed = next;
    }
}

fn assert_spans_valid(text: &str, y: &Yaml) {
    let ok = |s: Span| {
        s.start <= s.end
            && s.end <= text.len()
            && text.is_char_boundary(s.start)
            && text.is_char_boundary(s.end)
    };
    for n in &y.nodes {
        assert!(ok(n.span), "node {:?} in {text:?}", n.span);
        if let Some((_, s)) = n.anchor() {
            assert!(ok(*s));
        }
        if let Some((_, s)) = n.tag() {
            assert!(ok(*s));
        }
        if let NodeKind::Scalar(sc) = &n.kind {
            for (i, _) in sc.value.char_indices() {
                let src = sc.map.to_source(i);
                assert!(src <= text.len(), "map {i} in {text:?}");
            }
        }
    }
    for p in &y.problems {
        assert!(ok(p.span), "problem {p:?} in {text:?}");
        assert!(p.first.is_none_or(ok));
    }
    for c in &y.comments {
        assert!(ok(c.span));
    }
    for d in &y.docs {
        assert!(ok(d.span));
    }
    for off in [0, text.len() / 3, text.len() / 2, text.len()] {
        let off = floor_boundary(text, off);
        let _ = y.path_at(off);
        let _ = y.node_at(off);
    }
    let _ = diagnostics(y);
}

fn robust(text: &str) {
    let y = parse(text);
    assert_spans_valid(text, &y);
}

#[test]
fn malformed_inputs_never_panic() {
    let bytes = WORKFLOW.as_bytes();
    for cut in 0..=bytes.len() {
        robust(&String::from_utf8_lossy(&bytes[..cut]));
    }
    let crlf = WORKFLOW.replace('\n', "\r\n");
    for cut in (0..=crlf.len()).step_by(3) {
        robust(&String::from_utf8_lossy(&crlf.as_bytes()[..cut]));
    }
    let mut rng = Rng(42);
    const ALPHABET: &[u8] = b" \n\r\t:-?,[]{}#&*!|>'\"%@`\\abc019\0\xef\xbb\xbf\xff\xc3";
    for _ in 0..300 {
        let len = rng.below(120);
        let raw: Vec<u8> = (0..len)
            .map(|_| if rng.below(4) == 0 { rng.next() as u8 } else { ALPHABET[rng.below(ALPHABET.len())] })
            .collect();
        robust(&String::from_utf8_lossy(&raw));
    }
    for text in [
        "\u{feff}",
        "\u{feff}a: 1",
        "\t",
        "a:\t1\n\tb: 2",
        "\0",
        "a: \0\n",
        "\r",
        "\r\r\n\n",
        "k: |",
        "k: >+9\n",
        "k: |0\n x",
        "\"\\",
        "\"\\x4",
        "\"\\ud800\"",
        "'",
        "- - - - -",
        "? ? ? :",
        "&a *a",
        "!!",
        "%YAML 1.2\n%TAG ! tag:x\n--- a",
        "...\n...\n---",
        "a: *b\nb: &b [*b]",
        "\u{3000}",
        "a: [\u{3000}\u{2028}é",
        "a: 1\n\u{3000}b: c: d",
        "é: \"\\é\"",
    ] {
        robust(text);
    }
}

#[test]
fn deep_open_brackets() {
    robust(&"[".repeat(100_000));
}

#[test]
fn deep_open_braces() {
    robust(&"{".repeat(100_000));
}

#[test]
fn deep_balanced_brackets() {
    robust(&format!("{}{}", "[".repeat(20_000), "]".repeat(20_000)));
    robust(&format!("{}{}", "{a: ".repeat(5_000), "}".repeat(5_000)));
}

#[test]
fn deep_block_nesting() {
    let text: String = (0..2_000).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    let y = parse(&text);
    assert_spans_valid(&text, &y);
    let p = &y.problems[0];
    assert_eq!(
        (p.span, p.message.as_str()),
        (Span::new(503500, 503502), "nesting deeper than 1000 levels is not supported")
    );
    assert_eq!(y.problems.len(), 1);
    robust(&"- ".repeat(5_000));
}

#[test]
fn generated_workflow_job_parses_cleanly() {
    let text = "jobs:\n  job0:\n    runs-on: [self-hosted, cml-gpu]\n    env:\n      REPO_TOKEN: ${{ secrets.TOKEN }}\n    steps:\n      - uses: actions/checkout@v4\n      - name: \"Launch 0\"\n        run: |\n          cml runner launch \\\n            --cloud=aws --labels=cml-0\n          dvc repro\n";
    let y = parse(text);
    assert_eq!(y.problems, vec![]);
    let job = y.get(y.get(y.root(0).unwrap(), "jobs").unwrap(), "job0").unwrap();
    let token = y.get(y.get(job, "env").unwrap(), "REPO_TOKEN").unwrap();
    assert_eq!(y.str_value(token), Some("${{ secrets.TOKEN }}"));
    let run = y.get(y.items(y.get(job, "steps").unwrap())[1], "run").unwrap();
    assert_eq!(y.str_value(run), Some("cml runner launch \\\n  --cloud=aws --labels=cml-0\ndvc repro\n"));
}

#[test]
fn files_longer_than_32k_lines_parse_cleanly() {
    let mut text = String::new();
    for s in 0..400 {
        text.push_str(&format!("section_{s}:\n"));
        for k in 0..100 {
            text.push_str(&format!("  key_{k}: {k}.5\n"));
        }
    }
    text.push_str("train:\n  lr: 0.1\n");
    let y = parse(&text);
    assert_eq!(y.problems, vec![]);
    let train = y.get(y.root(0).unwrap(), "train").unwrap();
    assert_eq!(y.get(train, "lr").and_then(|v| y.str_value(v)), Some("0.1"));
    assert_eq!(y.entries(y.root(0).unwrap()).len(), 401);
}

#[test]
fn broken_lines_report_once_and_keep_the_rest() {
    expect![[r#"
        Syntax 25..26 "-" this line is indented less than the sequence items above
    "#]]
    .assert_eq(&problems("steps:\n    - a\n    - b\n  - c\nz: 1\n"));
    expect![[r#"
        Syntax 9..10 ":" mapping values are not allowed here
    "#]]
    .assert_eq(&problems("a:\n  b: c: d\n  e: 1\n"));
    let y = parse("a:\n  b: c: d\n  e: 1\n");
    let a = y.get(y.root(0).unwrap(), "a").unwrap();
    assert_eq!(y.get(a, "e").and_then(|v| y.str_value(v)), Some("1"));
    expect![[r#"
        Syntax 7..8 "}" unexpected `}`
    "#]]
    .assert_eq(&problems("a: [1, }]\n"));
}

#[test]
fn junk_parses_in_linear_time() {
    let mut rng = Rng(7);
    const ALPHABET: &[u8] = b" \n\n:-?,[]{}#&*!|>'\"abc\t";
    let raw: Vec<u8> = (0..1_000_000).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect();
    robust(&String::from_utf8_lossy(&raw));
    robust(&"\"\n".repeat(200_000));
    robust(&"- \"\n'\n".repeat(100_000));
    robust(&"a: [\n".repeat(100_000));
}

/// A text without `\r` finds a plain scalar's stops by memchr; one with a `\r` scans
/// byte by byte. Both must stop at the same places.
#[test]
fn plain_scalar_stops_agree_with_and_without_cr() {
    let lf = "a: b:c # d\nurl: http://x#y \t\nk: v  # c\n? q:r\n: s\nt: u\n  w:x\n  y\nz: #\n- m\n";
    check(
        lf,
        expect![[r#"
            doc 0 0..73
              map 0..72
                Plain 0..1 "a"
                  Plain 3..6 "b:c"
                Plain 11..14 "url"
                  Plain 16..26 "http://x#y"
                Plain 29..30 "k"
                  Plain 32..33 "v"
                Plain 41..44 "q:r"
                  Plain 47..48 "s"
                Plain 49..50 "t"
                  Plain 52..63 "u w:x y"
                Plain 64..65 "z"
                  seq 69..72
                    Plain 71..72 "m"
        "#]],
    );
    // The same text with a comment ending in `\r` after it takes the byte-by-byte path:
    // the same scalars at the same spans (the collections then run over the comment).
    let scalars =
        |text: &str| render(text).lines().filter(|l| l.contains("Plain")).collect::<Vec<_>>().join("\n");
    assert_eq!(scalars(&format!("{lf}#\r")), scalars(lf));
    assert_eq!(scalars(lf).matches("Plain").count(), 12);
}
