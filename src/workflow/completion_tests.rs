//! Completion through `crate::analysis::completion` in half-typed, editor-realistic files.

use std::path::Path;

use crate::analysis::{completion, FileInput};
use crate::config::Settings;
use crate::diag::Span;
use crate::ide::Completion;
use crate::kind::FileKind;
use crate::workspace::DiskWorkspace;

/// Completions at the `‸` in `text` (the marker is removed).
fn complete_at(marked: &str, kind: FileKind) -> (Vec<Completion>, usize) {
    let offset = marked.find('‸').expect("cursor marker");
    let text = marked.replacen('‸', "", 1);
    let path = match kind {
        FileKind::GitlabCi => Path::new(".gitlab-ci.yml"),
        _ => Path::new(".github/workflows/train.yml"),
    };
    let input = FileInput { path, text: &text, kind, yaml: None };
    (completion(&input, &DiskWorkspace::default(), &Settings::default(), offset), offset)
}

fn labels(c: &[Completion]) -> Vec<&str> {
    c.iter().map(|c| c.label.as_str()).collect()
}

const REGIONS: [&str; 4] = ["us-east", "us-west", "eu-north", "eu-west"];

#[test]
fn region_at_the_end_of_a_block_that_ends_the_file() {
    let t = "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          cml runner launch \\\n            --cloud=aws \\\n            --cloud-region=‸";
    let (c, off) = complete_at(t, FileKind::GithubWorkflow);
    assert_eq!(labels(&c)[..4], REGIONS);
    assert_eq!(labels(&c)[4], "us-east-1");
    assert_eq!(c[0].replace, Span::empty(off));
    // Partly typed value.
    let (c, off) = complete_at(&t.replace("region=‸", "region=eu‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), ["eu-north", "eu-west", "eu-west-1", "eu-west-2", "eu-central-1", "eu-north-1"]);
    assert_eq!(c[0].replace, Span::new(off - 2, off));
}

#[test]
fn options_after_dashes_in_a_single_line_plain_run() {
    let t = "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cml runner launch --‸\n";
    let (c, off) = complete_at(t, FileKind::GithubWorkflow);
    assert!(labels(&c).contains(&"--cloud"), "{:?}", labels(&c));
    assert!(labels(&c).contains(&"--labels"));
    assert_eq!(c[0].replace, Span::new(off - 2, off));
    // Also with no trailing newline at the end of the file.
    let (c2, _) = complete_at(t.trim_end(), FileKind::GithubWorkflow);
    assert_eq!(labels(&c2), labels(&c));
}

#[test]
fn commands_in_a_gitlab_script_item() {
    let t = "train:\n  script:\n    - cml ‸\n";
    let (c, off) = complete_at(t, FileKind::GitlabCi);
    assert_eq!(labels(&c), ["runner", "comment", "pr", "check", "workflow"]);
    assert_eq!(c[0].replace, Span::empty(off));
    let (c, _) = complete_at("train:\n  script:\n    - cml ‸", FileKind::GitlabCi);
    assert_eq!(labels(&c), ["runner", "comment", "pr", "check", "workflow"]);
    let (c, _) = complete_at("train:\n  script:\n    - cml co‸\n", FileKind::GitlabCi);
    assert_eq!(labels(&c), ["comment"]);
}

#[test]
fn values_inside_a_folded_scalar() {
    let t = "train:\n  script:\n    - >\n      cml runner launch\n      --cloud=gcp\n      --cloud-type=‸\n";
    let (c, off) = complete_at(t, FileKind::GitlabCi);
    assert_eq!(labels(&c)[..3], ["s", "m", "l"]);
    assert!(labels(&c).contains(&"m+t4"), "{:?}", labels(&c));
    assert_eq!(c[0].replace, Span::empty(off));
}

#[test]
fn completion_in_a_crlf_file() {
    let t = "jobs:\r\n  deploy:\r\n    runs-on: ubuntu-latest\r\n    steps:\r\n      - run: |\r\n          cml runner launch \\\r\n            --cloud=azure \\\r\n            --cloud-region=‸\r\n      - run: echo\r\n";
    let (c, off) = complete_at(t, FileKind::GithubWorkflow);
    assert_eq!(labels(&c)[..4], REGIONS);
    assert_eq!(labels(&c)[4], "eastus");
    assert_eq!(c[0].replace, Span::empty(off));
    let (c, off) = complete_at(&t.replace("--cloud-region=‸", "--clo‸"), FileKind::GithubWorkflow);
    assert!(labels(&c).iter().all(|l| l.starts_with("--clo")), "{:?}", labels(&c));
    assert!(labels(&c).contains(&"--cloud-region"));
    assert_eq!(c[0].replace, Span::new(off - 5, off));
}

#[test]
fn a_new_continuation_line_being_typed() {
    let t = "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          cml runner launch \\\n            --labels=x \\\n            --clo‸\n      - run: echo done\n";
    let (c, off) = complete_at(t, FileKind::GithubWorkflow);
    assert!(labels(&c).contains(&"--cloud"), "{:?}", labels(&c));
    assert!(labels(&c).contains(&"--cloud-region"));
    assert!(!labels(&c).contains(&"--labels"));
    assert_eq!(c[0].replace, Span::new(off - 5, off));
    // The same as the last line of the file, without a newline.
    let t = "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          cml runner launch \\\n            --labels=x \\\n            --clo‸";
    let (c, off) = complete_at(t, FileKind::GithubWorkflow);
    assert!(labels(&c).contains(&"--cloud-region"), "{:?}", labels(&c));
    assert_eq!(c[0].replace, Span::new(off - 5, off));
}
