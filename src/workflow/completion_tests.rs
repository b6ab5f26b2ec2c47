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
    let input = FileInput::new(path, &text, kind);
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

/// A GitHub step whose `run: |` block ends with `line` (holding the `‸`).
fn literal_run(line: &str) -> String {
    format!("jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          {line}\n      - run: echo done\n")
}

const CLOUDS: [&str; 4] = ["aws", "azure", "gcp", "kubernetes"];
const TOPS: [&str; 5] = ["runner", "comment", "pr", "check", "workflow"];

#[test]
fn commands_after_cml_in_a_literal_block() {
    let (c, off) = complete_at(&literal_run("cml ‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), TOPS);
    assert_eq!(c[0].replace, Span::empty(off));
    let (c, off) = complete_at(&literal_run("cml ru‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), ["runner"]);
    assert_eq!(c[0].replace, Span::new(off - 2, off));
}

#[test]
fn subcommands_after_a_command() {
    let (c, off) = complete_at(&literal_run("cml runner ‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), ["launch"]);
    assert_eq!(c[0].replace, Span::empty(off));
    let (c, _) = complete_at(&literal_run("cml comment ‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), ["create", "update"]);
    let (c, off) = complete_at(&literal_run("cml comment up‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), ["update"]);
    assert_eq!(c[0].replace, Span::new(off - 2, off));
}

#[test]
fn options_after_a_single_dash() {
    let (c, off) = complete_at(&literal_run("cml runner launch -‸"), FileKind::GithubWorkflow);
    let l = labels(&c);
    assert!(l.contains(&"--cloud") && l.contains(&"--labels") && l.contains(&"--driver"), "{l:?}");
    assert!(l.iter().all(|l| l.starts_with("--")), "{l:?}");
    assert!(c.iter().all(|c| c.replace == Span::new(off - 1, off)));
    // The same set as after `--`.
    let (c2, _) = complete_at(&literal_run("cml runner launch --‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c2), l);
}

#[test]
fn cloud_values_after_equals_and_after_a_space() {
    for line in ["cml runner launch --cloud=‸", "cml runner launch --cloud ‸"] {
        let (c, off) = complete_at(&literal_run(line), FileKind::GithubWorkflow);
        assert_eq!(labels(&c), CLOUDS, "{line}");
        assert_eq!(c[0].replace, Span::empty(off), "{line}");
    }
    for line in ["cml runner launch --cloud=g‸", "cml runner launch --cloud g‸"] {
        let (c, off) = complete_at(&literal_run(line), FileKind::GithubWorkflow);
        assert_eq!(labels(&c), ["gcp"], "{line}");
        assert_eq!(c[0].replace, Span::new(off - 1, off), "{line}");
    }
}

#[test]
fn region_values_after_a_space_narrowed_by_a_spaced_cloud() {
    let (c, off) =
        complete_at(&literal_run("cml runner launch --cloud aws --cloud-region ‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c)[..4], REGIONS);
    assert_eq!(labels(&c)[4], "us-east-1");
    assert_eq!(c[0].replace, Span::empty(off));
    // Without --cloud only the synthetic regions.
    let (c, _) = complete_at(&literal_run("cml runner launch --cloud-region ‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), REGIONS);
}

#[test]
fn type_values_after_equals_and_after_a_space() {
    for line in ["cml runner launch --cloud-type=‸", "cml runner launch --cloud-type ‸"] {
        let (c, off) = complete_at(&literal_run(line), FileKind::GithubWorkflow);
        assert_eq!(labels(&c)[..4], ["s", "m", "l", "xl"], "{line}");
        assert!(labels(&c).contains(&"m+t4"), "{line}: {:?}", labels(&c));
        assert_eq!(c[0].replace, Span::empty(off), "{line}");
    }
    let (c, off) =
        complete_at(&literal_run("cml runner launch --cloud=aws --cloud-type m+‸"), FileKind::GithubWorkflow);
    assert!(!c.is_empty() && labels(&c).iter().all(|l| l.starts_with("m+")), "{:?}", labels(&c));
    assert_eq!(c[0].replace, Span::new(off - 2, off));
}

#[test]
fn gpu_values_after_equals_and_after_a_space() {
    for line in ["cml runner launch --cloud-gpu=‸", "cml runner launch --cloud-gpu ‸"] {
        let (c, off) = complete_at(&literal_run(line), FileKind::GithubWorkflow);
        assert_eq!(labels(&c)[0], "k80", "{line}: {:?}", labels(&c));
        assert!(labels(&c).contains(&"t4"), "{line}: {:?}", labels(&c));
        assert_eq!(c[0].replace, Span::empty(off), "{line}");
    }
}

#[test]
fn driver_values_after_equals_and_after_a_space() {
    for line in [
        "cml runner launch --driver=‸",
        "cml runner launch --driver ‸",
        "cml comment create --driver=‸",
        "cml comment create --driver ‸",
    ] {
        let (c, off) = complete_at(&literal_run(line), FileKind::GithubWorkflow);
        assert_eq!(labels(&c), ["github", "gitlab", "bitbucket"], "{line}");
        assert_eq!(c[0].replace, Span::empty(off), "{line}");
    }
    let (c, _) = complete_at(&literal_run("cml pr create --driver git‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), ["github", "gitlab"]);
}

#[test]
fn no_values_for_booleans() {
    for line in [
        "cml runner launch --cloud-spot=‸",
        "cml runner launch --single=‸",
        "cml runner launch --cloud-spot=t‸",
    ] {
        let (c, _) = complete_at(&literal_run(line), FileKind::GithubWorkflow);
        assert_eq!(labels(&c), Vec::<&str>::new(), "{line}");
    }
    // After a boolean and a space the next word is an option again, not a value.
    let (c, _) = complete_at(&literal_run("cml runner launch --cloud-spot ‸"), FileKind::GithubWorkflow);
    let l = labels(&c);
    assert!(l.contains(&"--cloud") && !l.contains(&"--cloud-spot"), "{l:?}");
    assert!(l.iter().all(|l| l.starts_with("--")), "{l:?}");
}

#[test]
fn hidden_options_and_commands_only_when_typed_in_full() {
    let (c, _) = complete_at(&literal_run("cml runner launch --cloud-im‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), Vec::<&str>::new());
    let (c, _) = complete_at(&literal_run("cml runner launch --cloud-image‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), ["--cloud-image"]);
    let (c, _) = complete_at(&literal_run("cml runner launch --‸"), FileKind::GithubWorkflow);
    assert!(
        !labels(&c).contains(&"--workdir") && !labels(&c).contains(&"--destroy-delay"),
        "{:?}",
        labels(&c)
    );
    // A hidden option typed in full by an alias.
    let (c, _) = complete_at(&literal_run("cml runner launch --path‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), ["--workdir"]);
    let (c, _) = complete_at(&literal_run("cml comment create --p‸"), FileKind::GithubWorkflow);
    assert!(!labels(&c).contains(&"--pr"), "{:?}", labels(&c));
    let (c, _) = complete_at(&literal_run("cml comment create --pr‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), ["--pr"]);
    // Hidden top-level commands.
    let (c, _) = complete_at(&literal_run("cml tens‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), Vec::<&str>::new());
    let (c, _) = complete_at(&literal_run("cml tensorboard‸"), FileKind::GithubWorkflow);
    assert_eq!(labels(&c), ["tensorboard"]);
}

#[test]
fn values_in_a_folded_scalar_and_after_a_continuation() {
    // Folded `>`: value after a space.
    let t = "train:\n  script:\n    - >\n      cml runner launch\n      --cloud ‸\n";
    let (c, off) = complete_at(t, FileKind::GitlabCi);
    assert_eq!(labels(&c), CLOUDS);
    assert_eq!(c[0].replace, Span::empty(off));
    // Literal `|` with `\` continuations: values after `=` and after a space.
    let t = "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          cml runner launch \\\n            --cloud=gcp \\\n            --cloud-gpu ‸\n";
    let (c, off) = complete_at(t, FileKind::GithubWorkflow);
    assert_eq!(labels(&c)[0], "k80", "{:?}", labels(&c));
    assert_eq!(c[0].replace, Span::empty(off));
    let t = "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          cml runner launch \\\n            --driver=‸\n";
    let (c, off) = complete_at(t, FileKind::GithubWorkflow);
    assert_eq!(labels(&c), ["github", "gitlab", "bitbucket"]);
    assert_eq!(c[0].replace, Span::empty(off));
}
