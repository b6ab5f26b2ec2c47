//! Analysis time must grow linearly with the number of `cml` commands in one `run: |`
//! block and with the number of options on one line, positions included (each diagnostic
//! becomes a line and a UTF-16 column, as the editor and the CLI show it).
//! A release build gets absolute limits; a debug build compares a run 4 times larger
//! with a smaller one (linear: about 4 times slower; quadratic: 16).

use std::path::Path;
use std::time::{Duration, Instant};

use cml_lsp::analysis::{analyze, FileInput};
use cml_lsp::config::Settings;
use cml_lsp::kind::FileKind;
use cml_lsp::text::{Encoding, LineIndex};

const HEAD: &str =
    "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: iterative/setup-cml@v2\n";

fn many_commands(n: usize) -> String {
    format!("{HEAD}      - run: |\n{}", "          cml comment create r.md\n".repeat(n))
}

fn many_options(n: usize) -> String {
    format!("{HEAD}      - run: cml comment create r.md {}\n", "--bogus ".repeat(n))
}

/// Analyses `text` and converts every diagnostic's range; returns the time taken (best of
/// `runs`) and the number of diagnostics.
fn run(text: &str, runs: usize) -> (Duration, usize) {
    let path = Path::new(".github/workflows/t.yml");
    let mut best = Duration::MAX;
    let mut count = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let input = FileInput::new(path, text, FileKind::GithubWorkflow);
        let diags =
            analyze(&input, &cml_lsp::workspace::DiskWorkspace { roots: vec![] }, &Settings::default());
        let index = LineIndex::new(text);
        for d in &diags {
            std::hint::black_box(index.to_line_col(text, d.span.start, Encoding::Utf16));
            std::hint::black_box(index.to_line_col(text, d.span.end, Encoding::Utf16));
        }
        best = best.min(t.elapsed());
        count = diags.len();
    }
    (best, count)
}

#[test]
fn many_commands_in_one_block_are_linear() {
    if cfg!(debug_assertions) {
        let (small, n) = run(&many_commands(5_000), 3);
        assert_eq!(n, 0);
        let (large, _) = run(&many_commands(20_000), 3);
        assert!(large < small * 10, "5k commands: {small:?}, 20k: {large:?}");
    } else {
        let (t, n) = run(&many_commands(40_000), 1);
        assert_eq!(n, 0);
        assert!(t < Duration::from_millis(500), "40k commands: {t:?}");
    }
}

#[test]
fn many_options_on_one_line_are_linear() {
    if cfg!(debug_assertions) {
        let (small, n) = run(&many_options(5_000), 3);
        assert_eq!(n, 5_000);
        let (large, _) = run(&many_options(20_000), 3);
        assert!(large < small * 10, "5k options: {small:?}, 20k: {large:?}");
    } else {
        let (t, n) = run(&many_options(100_000), 1);
        assert_eq!(n, 100_000);
        assert!(t < Duration::from_millis(500), "100k options: {t:?}");
    }
}

/// The exact diagnostic for one of many bogus options, far along the line.
#[test]
fn the_last_of_many_bogus_options_is_reported_at_its_column() {
    let text = many_options(2_000);
    let path = Path::new(".github/workflows/t.yml");
    let input = FileInput::new(path, &text, FileKind::GithubWorkflow);
    let diags = analyze(&input, &cml_lsp::workspace::DiskWorkspace { roots: vec![] }, &Settings::default());
    assert_eq!(diags.len(), 2_000);
    let last = diags.last().unwrap();
    let start = text.rfind("--bogus").unwrap();
    assert_eq!((last.span.start, last.span.end), (start, start + 7));
    assert_eq!(last.message, "unknown option `--bogus` for `cml comment create`");
    let index = LineIndex::new(&text);
    let lc = index.to_line_col(&text, last.span.start, Encoding::Utf16);
    assert_eq!((lc.line, lc.col), (6, 37 + 8 * 1_999));
}
