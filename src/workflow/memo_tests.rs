//! The memo of shell analyses gives what a fresh analysis gives, on chains of random
//! edits (moving scripts, editing them, their environment and their quoting).

use crate::diag::Span;
use crate::kind::FileKind;
use crate::yaml::tests::Rng;

use super::memo::ShellMemo;
use super::walk::{analyze_workflow, analyze_workflow_with};

/// Scripts whose analyses carry every kind of span: diagnostics with fixes, options with
/// values, positionals, `VAR=` assignments, exports, and quoted and folded scalars whose
/// maps are not one run.
const WORKFLOW: &str = "name: train\non: push\nenv:\n  CML_RUNNER_CLOUD: aws\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: iterative/setup-cml@v2\n      - name: Launch 🚀\n        env:\n          REPO_TOKEN: ${{ secrets.PAT }}\n          AWS_ACCESS_KEY_ID: ${{ secrets.A }}\n        run: |\n          export CML_RUNNER_LABELS=gpu\n          cml runner launch \\\n            --cloud=aws --cloud-region=us-west \\\n            --cloud-typo=m --reuse --single\n          --labels=cml-gpu\n  train:\n    needs: deploy\n    runs-on: [self-hosted, cml-gpu]\n    steps:\n      - run: \"cml send-comment --rm-watermark\\\n          \\ report.md\"\n      - run: >-\n          LOG=1 cml comment create\n          --publish report.md\n      - run: 'cml pr create --squash ''a b''.txt'\n      - run: cml runner --cloud=gcp --cloud-spot-price=1\n";

/// A GitLab pipeline: scripts as lists and strings, job and global `variables`, a CRLF.
const GITLAB: &str = "variables:\n  CML_RUNNER_CLOUD: aws\nstages: [deploy, train]\ndeploy:\n  stage: deploy\n  variables:\n    REPO_TOKEN: $PAT\n  script:\n    - cml runner launch --cloud=aws --labels=cml-gpu --single --reuse\n    - |\n      cml comment create \\\n        --publish report.md\r\n      --watermark-title=x\ntrain:\n  stage: train\n  tags: [cml-gpu]\n  script: cml send-comment report.md 🚀\n";

const ALPHABET: &[&str] =
    &["x", " ", "-", "\\", "\n", "'", "\"", "=", "$", "é", "🚀", "\r\n", "  ", "--cloud=az", "\n  ", "cml "];

#[test]
fn memo_results_equal_fresh_analyses_on_random_edits() {
    // Both starting points carry diagnostics (with fixes) for the memo to move.
    for (text, kind) in [(WORKFLOW, FileKind::GithubWorkflow), (GITLAB, FileKind::GitlabCi)] {
        let d = analyze_workflow(&crate::yaml::parse(text), text, kind);
        assert!(d.len() >= 3 && d.iter().any(|d| !d.fixes.is_empty()), "{kind:?}: {d:#?}");
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut hits = 0;
    for chain in 0..80 {
        let memo = ShellMemo::new();
        let (start, kind) =
            if chain % 4 == 3 { (GITLAB, FileKind::GitlabCi) } else { (WORKFLOW, FileKind::GithubWorkflow) };
        let mut text = start.to_string();
        for step in 0..25 {
            let yaml = crate::yaml::parse(&text);
            let fresh = analyze_workflow(&yaml, &text, kind);
            let memoized = analyze_workflow_with(&yaml, kind, Some(&memo));
            assert_eq!(memoized, fresh, "chain {chain}, step {step}, text:\n{text}");
            // A random edit: insert, delete or replace at a char boundary.
            let mut at = rng.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + rng.below(4)).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let insert = if rng.below(3) == 0 { "" } else { ALPHABET[rng.below(ALPHABET.len())] };
            text.replace_range(at..end, insert);
        }
        hits += memo.hits();
    }
    // Most edits leave most scripts alone: the memo must have answered for them.
    assert!(hits > 1000, "only {hits} analyses came from the memo");
}

#[test]
fn an_edit_outside_the_scripts_reuses_every_analysis_moved() {
    let memo = ShellMemo::new();
    let yaml = crate::yaml::parse(WORKFLOW);
    let before = analyze_workflow_with(&yaml, FileKind::GithubWorkflow, Some(&memo));
    let scripts = memo.len();
    assert_eq!(scripts, 5);
    assert_eq!(memo.hits(), 0);
    // Three bytes typed into the workflow's name move every script.
    let text = WORKFLOW.replacen("name: train", "name: trainABC", 1);
    let yaml = crate::yaml::parse(&text);
    let after = analyze_workflow_with(&yaml, FileKind::GithubWorkflow, Some(&memo));
    assert_eq!(memo.hits(), scripts);
    assert_eq!(after, analyze_workflow(&yaml, &text, FileKind::GithubWorkflow));
    let moved: Vec<Span> = before.iter().map(|d| d.span.shifted(3)).collect();
    assert_eq!(after.iter().map(|d| d.span).collect::<Vec<_>>(), moved);
    // Renaming the job's environment variable changes that script's context: analysed again.
    let text = text.replacen("CML_RUNNER_CLOUD: aws", "CML_RUNNER_CLOUD: gcp", 1);
    let yaml = crate::yaml::parse(&text);
    let again = analyze_workflow_with(&yaml, FileKind::GithubWorkflow, Some(&memo));
    assert_eq!(again, analyze_workflow(&yaml, &text, FileKind::GithubWorkflow));
    assert_eq!(memo.len(), scripts);
}
