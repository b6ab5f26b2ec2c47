//! Differential check of the incremental reparse: after every edit of a random chain,
//! `reparse(old tree, edit)` must equal a full parse of the new text, node for node.

use super::incremental::try_reparse;
use super::tests::Rng;
use super::*;

const WORKFLOW: &str = "name: train\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Launch\n        env:\n          REPO_TOKEN: ${{ secrets.PAT }}\n        run: |\n          cml runner launch \\\n            --cloud=aws \\\n            --labels=cml-gpu\n\n          echo done\n  # between jobs\n  train:\n    needs: deploy\n    runs-on: [self-hosted, cml-gpu]\n    steps:\n    - run: dvc repro\n    - run: >-\n        folded text\n        more\n    container:\n      image: \"iterativeai/cml:0-dvc2-base1\"\n      options: '--gpus all'\n";

const PARAMS: &str = "# params\ntrain:  # the stage\n  lr: 0.01\n  name: \"modèle-1\"\n  layers: [32, 64, 8]\n  opt:\n    kind: adam\n    betas: {b1: 0.9, b2: 0.999}\n\n  # tail comment\nevaluate:\n  metric: f1\n  漢字: true\n  list:\n    - a\n    - b: 1\n      c: 2\nbase: &base\n  x: 1\nderived:\n  <<: *base\n  y: 2\nlast: ? complex\n";

const MISC: &str = "a:\n\tb: 1\nc:\n  d: |+\n    keep\n\n  e: 'it''s'\n  f: \"esc\\n\\u00e9\"\n---\nsecond: doc\nnested: [good, \"ok\"]\n...\nthird:\n  - x\n  -\n  - y: z\n";

/// Duplicate keys at several levels: typing elsewhere stays incremental.
const DUPS: &str = "train:\n  lr: 0.1\n  lr: 0.2\n  opt:\n    kind: adam\nevaluate:\n  metric: f1\n  split: 0.2\ntrain: again\nlast:\n  a: 1\n  b:\n    c: 3\n    c: 4\n  d: [1, 2]\n";

fn inputs() -> Vec<String> {
    let mut out = Vec::new();
    for t in [WORKFLOW, PARAMS, MISC, DUPS] {
        out.push(t.to_string());
        out.push(t.replace('\n', "\r\n"));
        // No line break at the end: the last document then ends where its content does.
        out.push(t.trim_end_matches('\n').to_string());
    }
    out
}

const INSERTS: &[&str] = &[
    "x",
    "7",
    "é",
    "漢",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    ":",
    ": ",
    "- ",
    "#",
    "# c",
    "'",
    "\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "|",
    ">",
    "\n  k: v",
    "\nk: v\n",
    "\n    - i",
    "---\n",
    "",
    "",
    "",
    "? ",
    "!t ",
    "key: value",
    "\\",
    "${{ x }}",
];

fn boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Applies `edits` random edits in a chain; returns how many took the incremental path.
fn chain(text: &str, seed: u64, edits: usize) -> usize {
    let mut rng = Rng(seed | 1);
    let mut tree = parse(text);
    let mut text = text.to_string();
    let mut incremental = 0;
    for step in 0..edits {
        // Mostly edits inside a line, sometimes anywhere.
        let a = boundary(&text, rng.below(text.len() + 1));
        let b = boundary(&text, a + rng.below(4)).max(a);
        let insert = INSERTS[rng.below(INSERTS.len())];
        let mut new_text = text.clone();
        new_text.replace_range(a..b, insert);
        let full = parse(&new_text);
        let got = match try_reparse(tree, Span::new(a, b), insert) {
            Ok(y) => {
                incremental += 1;
                y
            }
            Err(t) => {
                assert_eq!(t, new_text, "fallback text, seed {seed} step {step}");
                parse(&t)
            }
        };
        assert!(
            got == full,
            "seed {seed} step {step}: edit {a}..{b} -> {insert:?}\nold text:\n{text}\nnew text:\n{new_text}\n\
             incremental: {:#?}\nfull: {:#?}",
            got.nodes,
            full.nodes
        );
        text = new_text;
        tree = got;
        // Drift back toward valid input now and then.
        if !tree.problems.is_empty() && rng.below(3) == 0 {
            text = inputs()[rng.below(inputs().len())].clone();
            tree = parse(&text);
        }
    }
    incremental
}

#[test]
fn random_edits_equal_a_full_parse() {
    let mut incremental = 0;
    for (i, text) in inputs().iter().enumerate() {
        for seed in 0..120u64 {
            incremental += chain(text, seed * 7919 + i as u64 * 104_729 + 1, 25);
        }
    }
    // The incremental path must actually be exercised.
    assert!(incremental > 1500, "only {incremental} incremental reparses");
}

/// Typing inside values, as in an editor: every keystroke takes the incremental path.
/// Deleting the last entry of a file that has no final line break: the document now ends
/// after the line break that ended the previous entry, as a full parse says.
#[test]
fn deleting_the_last_line_of_a_file_without_a_final_break() {
    let text = "a: 1\nc:\n  d: x\n  e: y";
    let got = try_reparse(parse(text), Span::new(15, 21), "");
    let full = parse("a: 1\nc:\n  d: x\n");
    assert_eq!(full.docs[0].span, Span::new(0, 15));
    match got {
        Ok(y) => assert!(y == full, "incremental: {:?}\nfull: {:?}", y.docs, full.docs),
        Err(t) => assert_eq!(t, "a: 1\nc:\n  d: x\n"),
    }
}

#[test]
fn typing_in_values_is_incremental() {
    for text in inputs() {
        let mut tree = parse(&text);
        let mut cur = text.clone();
        for needle in ["0.01", "adam", "f1", "cml-gpu", "dvc repro", "echo done", "doc"] {
            let Some(at) = cur.find(needle) else { continue };
            let at = at + needle.len();
            for (k, ch) in ["9", "é", "x"].iter().enumerate() {
                let pos = at + ["9", "é", "x"][..k].iter().map(|s| s.len()).sum::<usize>();
                let mut next = cur.clone();
                next.insert_str(pos, ch);
                let full = parse(&next);
                let inc = try_reparse(tree, Span::new(pos, pos), ch);
                let Ok(inc) = inc else {
                    // Only the documents after a broken one may need the full parse.
                    assert!(!full.problems.is_empty(), "{needle}: not incremental");
                    tree = full;
                    cur = next;
                    continue;
                };
                assert!(inc == full, "{needle} +{ch}");
                tree = inc;
                cur = next;
            }
        }
    }
}

#[test]
fn structure_changing_edits_fall_back_or_agree() {
    let text = "a:\n  b: 1\n  c: 2\nd: 3\n";
    for (a, b, ins) in [
        (9, 9, "\n e: 4"),
        (9, 9, "\ne: 4"),
        (2, 3, ""),
        (12, 12, "- "),
        (0, 1, "d"),
        (4, 5, "c"),
        (14, 16, "[1,\n"),
        (6, 6, " |\n   x"),
    ] {
        let mut new_text = text.to_string();
        new_text.replace_range(a..b, ins);
        assert_eq!(reparse(parse(text), Span::new(a, b), ins), parse(&new_text), "{a}..{b} {ins:?}");
    }
}

/// A file with duplicate keys elsewhere stays incremental, and the problems keep their
/// (shifted) places; an edit where a duplicate lives falls back to a full parse.
#[test]
fn duplicates_elsewhere_stay_incremental() {
    let mut cur = DUPS.to_string();
    let mut tree = parse(&cur);
    assert_eq!(tree.problems.len(), 3);
    for (needle, ins) in [("adam", "w"), ("f1", "_macro"), ("0.2\ntrain", "5"), ("[1, 2", ", 3")] {
        let at = cur.find(needle).unwrap() + needle.split('\n').next().unwrap().len();
        let mut next = cur.clone();
        next.insert_str(at, ins);
        let inc =
            try_reparse(tree, Span::new(at, at), ins).unwrap_or_else(|_| panic!("{needle}: not incremental"));
        let full = parse(&next);
        assert!(inc == full, "{needle}");
        assert_eq!(inc.problems.len(), 3);
        tree = inc;
        cur = next;
    }
    // Inside the entry holding a duplicate (`lr` twice under `train`): full parse.
    let at = cur.find("0.2\n  opt").unwrap() + 3;
    assert!(try_reparse(tree, Span::new(at, at), "1").is_err());
}

/// An edit on the line of a key whose value is a mapping below it (its trailing comment,
/// the key itself) re-parses that entry, not the whole text.
#[test]
fn editing_a_key_line_above_its_mapping_is_incremental() {
    let text = "group0:  # stage 0\n  a: 1\n  b: 2\ngroup1:  # stage 1\n  a: 3\n  b:\n    c: 4\ngroup2: {}\n";
    // (after this text, bytes removed there, text inserted)
    for (needle, del, insert) in
        [("# stage 1", 0, "5"), ("group1", 0, "x"), ("  a: 3\n  b:", 0, " # note"), ("# stage", 2, "")]
    {
        let at = text.find(needle).unwrap() + needle.len();
        let b = at + del;
        let mut next = text.to_string();
        next.replace_range(at..b, insert);
        let got = try_reparse(parse(text), Span::new(at, b), insert);
        let Ok(got) = got else { panic!("{needle:?} + {insert:?}: not incremental") };
        assert!(got == parse(&next), "{needle:?} + {insert:?}");
    }
}
