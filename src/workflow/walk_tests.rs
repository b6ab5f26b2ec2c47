//! Tests of the workflow walker and cross-checks over small YAML fixtures.

use crate::codes;
use crate::diag::{Diagnostic, Span};
use crate::kind::FileKind;

use super::walk::*;

fn run(text: &str, kind: FileKind) -> Vec<Diagnostic> {
    let yaml = crate::yaml::parse(text);
    analyze_workflow(&yaml, text, kind)
}

fn at(text: &str, needle: &str) -> Span {
    let s = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not found"));
    Span::new(s, s + needle.len())
}

fn codes_of(d: &[Diagnostic]) -> Vec<&'static str> {
    d.iter().map(|d| d.code).collect()
}

const GOOD: &str = r#"name: train
on: push
jobs:
  deploy-runner:
    runs-on: ubuntu-latest
    steps:
      - uses: iterative/setup-cml@v2
        with:
          version: latest
      - env:
          REPO_TOKEN: ${{ secrets.PERSONAL_ACCESS_TOKEN }}
          AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}
          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
        run: |
          cml runner launch \
            --cloud=aws \
            --cloud-region=us-west \
            --labels=cml-gpu
  train:
    needs: deploy-runner
    runs-on: [self-hosted, cml-gpu]
    container:
      image: iterativeai/cml:0-dvc2-base1-gpu
      options: --gpus all
    steps:
      - run: cml comment create report.md
"#;

#[test]
fn a_correct_workflow_is_clean() {
    assert_eq!(run(GOOD, FileKind::GithubWorkflow), vec![]);
}

#[test]
fn shell_diagnostics_map_to_file_positions() {
    let t = GOOD.replace("--cloud=aws \\", "--cloud=aws2 \\");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_INVALID_CHOICE]);
    assert_eq!(d[0].span, at(&t, "aws2"));
    assert_eq!(d[0].fixes[0].edits[0].span, at(&t, "aws2"));
    assert_eq!(d[0].fixes[0].edits[0].new_text, "aws");
}

#[test]
fn dropped_continuation_fix_in_a_literal_block() {
    let t = GOOD.replace("--cloud-region=us-west \\", "--cloud-region=us-west");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_DROPPED_CONTINUATION]);
    assert_eq!(d[0].span, at(&t, "--labels=cml-gpu"));
    let end = at(&t, "--cloud-region=us-west").end;
    assert_eq!(d[0].fixes[0].edits[0].span, Span::empty(end));
    assert_eq!(d[0].fixes[0].edits[0].new_text, " \\");
}

#[test]
fn label_mismatch_and_needs() {
    let t = GOOD.replace("runs-on: [self-hosted, cml-gpu]", "runs-on: [self-hosted, gpu]");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_UNKNOWN_RUNNER_LABEL]);
    assert_eq!(d[0].span, Span::new(at(&t, "gpu]").start, at(&t, "gpu]").start + 3));
    assert_eq!(
        d[0].message,
        "job `train` asks for label `gpu`, but no runner launched in this workflow registers it (labels: `cml-gpu`); the job would wait for a runner"
    );
    let t = GOOD.replace("    needs: deploy-runner\n", "");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_RUNNER_JOB_WITHOUT_NEEDS]);
    assert_eq!(d[0].span, Span::new(at(&t, "train:").start, at(&t, "train:").start + 5));
    // Dynamic labels: no check.
    let t = GOOD.replace("--labels=cml-gpu", "--labels=${{ env.L }}").replace("cml-gpu]", "other]");
    assert_eq!(run(&t, FileKind::GithubWorkflow), vec![]);
}

#[test]
fn credentials_and_tokens() {
    let t = GOOD.replace("          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n", "");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_MISSING_CLOUD_CREDENTIALS]);
    assert_eq!(d[0].span, at(&t, "cml runner launch"));
    assert_eq!(
        d[0].message,
        "`--cloud=aws` needs `AWS_SECRET_ACCESS_KEY` in the step's environment (map them from secrets in `env:`)"
    );
    let t = GOOD.replace("secrets.PERSONAL_ACCESS_TOKEN", "secrets.GITHUB_TOKEN");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_RUNNER_GITHUB_TOKEN]);
    assert_eq!(d[0].span, at(&t, "${{ secrets.GITHUB_TOKEN }}"));
    let t = GOOD.replace("          REPO_TOKEN: ${{ secrets.PERSONAL_ACCESS_TOKEN }}\n", "");
    assert_eq!(codes_of(&run(&t, FileKind::GithubWorkflow)), [codes::CML_MISSING_TOKEN]);
    // OIDC through the AWS action.
    let t =
        GOOD.replace("          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n", "").replace(
            "      - uses: iterative/setup-cml@v2",
            "      - uses: aws-actions/configure-aws-credentials@v4\n      - uses: iterative/setup-cml@v2",
        );
    assert_eq!(run(&t, FileKind::GithubWorkflow), vec![]);
}

#[test]
fn setup_cml_inputs_and_gpu_containers() {
    let t = GOOD.replace("version: latest", "sudo: false");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_SETUP_CML_UNKNOWN_INPUT]);
    assert_eq!(d[0].span, at(&t, "sudo"));
    assert_eq!(d[0].message, "`iterative/setup-cml@v2` has no input `sudo`; it takes `version`, `vega`");
    let t = t.replace("setup-cml@v2", "setup-cml@v1");
    assert_eq!(run(&t, FileKind::GithubWorkflow), vec![]);
    let t = GOOD.replace("      options: --gpus all\n", "");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_GPU_CONTAINER_WITHOUT_GPUS]);
    assert_eq!(d[0].span, at(&t, "iterativeai/cml:0-dvc2-base1-gpu"));
}

#[test]
fn composite_action_runs() {
    let t =
        "runs:\n  using: composite\n  steps:\n    - run: cml runner launch --cloud=aws2\n      shell: bash\n";
    let d = run(t, FileKind::GithubAction);
    assert_eq!(codes_of(&d), [codes::CML_INVALID_CHOICE]);
    assert_eq!(d[0].span, at(t, "aws2"));
}

#[test]
fn gitlab_scripts_and_tags() {
    let t = r#"stages: [deploy, train]
.template: &tpl
  script:
    - cml runner launch --cloud=aws --labels=cml-gpu --cloud-region=eastus
deploy:
  stage: deploy
  <<: *tpl
train:
  stage: train
  tags: [cml-gpu, other]
  script:
    - !reference [.template, script]
    - cml comment create
    - >
      cml runner launch
      --cloud=aws2
"#;
    let d = run(t, FileKind::GitlabCi);
    assert_eq!(
        codes_of(&d),
        [
            codes::CML_REGION_VENDOR_MISMATCH,
            codes::CML_UNKNOWN_RUNNER_LABEL,
            codes::CML_MISSING_ARGUMENT,
            codes::CML_INVALID_CHOICE
        ]
    );
    assert_eq!(d[0].span, at(t, "eastus"));
    assert_eq!(d[1].span, at(t, "other"));
    assert_eq!(d[3].span, at(t, "aws2"));
    // `--docker-volumes` is fine on GitLab.
    let t = "job:\n  script: cml runner launch --docker-volumes /a:/a\n";
    assert_eq!(run(t, FileKind::GitlabCi), vec![]);
}

/// A GitLab file with a `spec:` header document: the jobs are in the second document,
/// and `$[[ inputs.x ]]` is substituted before the shell runs, quoted or not.
#[test]
fn gitlab_spec_header_and_inputs() {
    let t = r#"spec:
  inputs:
    cloud:
      default: aws
---
deploy:
  variables:
    REPO_TOKEN: $T
  script:
    - cml runner launch --cloud=$[[ inputs.cloud ]] --labels=cml
    - cml runner launch --cloud='$[[ inputs.cloud ]]' --labels=cml
    - 'cml runner launch --cloud=aws --labels=cml --cloud-region=$[[ inputs.r ]]'
    - cml runner launch --cloud=aws2 --labels=cml
"#;
    let d = run(t, FileKind::GitlabCi);
    assert_eq!(codes_of(&d), [codes::CML_INVALID_CHOICE]);
    assert_eq!(d[0].span, at(t, "aws2"));
}

/// GitHub substitutes `${{ .. }}` before the shell runs, even inside single quotes.
#[test]
fn github_expression_in_single_quotes_is_not_checked() {
    let t = "on: push\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: iterative/setup-cml@v2\n      - env: {REPO_TOKEN: x}\n        run: cml runner launch --cloud='${{ matrix.cloud }}' --labels=cml\n";
    assert_eq!(run(t, FileKind::GithubWorkflow), vec![]);
}

#[test]
fn bitbucket_steps() {
    let t = r#"definitions:
  steps:
    - step: &deploy
        name: deploy
        image: iterativeai/cml:0-dvc2-base1
        script:
          - cml runner launch --cloud=aws --labels=cml.runner --reuse-idle
pipelines:
  default:
    - step: *deploy
    - parallel:
        - step:
            name: train
            runs-on: [self.hosted, cml.runner, gpu]
            script:
              - cml comment create report.md
"#;
    let d = run(t, FileKind::Bitbucket);
    assert_eq!(codes_of(&d), [codes::CML_OPTION_UNSUPPORTED_FORGE, codes::CML_UNKNOWN_RUNNER_LABEL]);
    assert_eq!(d[0].span, at(t, "--reuse-idle"));
    assert_eq!(d[1].span, at(t, "gpu"));
}

#[test]
fn completion_hover_and_definition_in_a_file() {
    let yaml = crate::yaml::parse(GOOD);
    let off = at(GOOD, "--cloud-region=us-west").start + "--cloud-region=".len();
    let c = complete_workflow(&yaml, FileKind::GithubWorkflow, off);
    assert_eq!(
        c.iter().map(|c| c.label.as_str()).take(5).collect::<Vec<_>>(),
        ["us-east", "us-west", "eu-north", "eu-west", "us-east-1"]
    );
    assert_eq!(c[0].replace, Span::new(off, off + "us-west".len()));
    let h = hover_workflow(&yaml, FileKind::GithubWorkflow, off + 1).unwrap();
    assert_eq!(h.span, Span::new(off, off + "us-west".len()));
    let p = std::path::Path::new("w.yml");
    let label = at(GOOD, "cml-gpu]").start + 1;
    let defs = definition_workflow(&yaml, FileKind::GithubWorkflow, label, p);
    assert_eq!(defs.len(), 1);
    let l = at(GOOD, "cml-gpu\n").start;
    assert_eq!(defs[0].span, Span::new(l, l + 7));
}

#[test]
fn never_panics_on_odd_files() {
    for t in [
        "",
        "jobs:",
        "jobs: [1]",
        "jobs:\n  a:\n    steps: x",
        "- a",
        "pipelines: {default: [{step: 1}]}",
        "a: *x",
    ] {
        for k in [FileKind::GithubWorkflow, FileKind::GithubAction, FileKind::GitlabCi, FileKind::Bitbucket] {
            let _ = run(t, k);
            let yaml = crate::yaml::parse(t);
            for o in 0..=t.len() {
                let _ = complete_workflow(&yaml, k, o);
                let _ = hover_workflow(&yaml, k, o);
            }
        }
    }
}

/// `text` with the edits of `fix` applied.
fn apply(text: &str, fix: &crate::diag::Fix) -> String {
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut out = text.to_string();
    for e in edits {
        out.replace_range(e.span.start..e.span.end, &e.new_text);
    }
    out
}

#[test]
fn label_fixes_rename_the_job_label_or_extend_labels() {
    let t = GOOD.replace("runs-on: [self-hosted, cml-gpu]", "runs-on: [self-hosted, cml-gpuu]");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_UNKNOWN_RUNNER_LABEL]);
    let f = &d[0].fixes;
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].title, "Change to `cml-gpu`");
    assert!(f[0].preferred);
    assert_eq!(apply(&t, &f[0]), GOOD);
    assert_eq!(f[1].title, "Add `cml-gpuu` to the runner's `--labels`");
    assert!(!f[1].preferred);
    assert_eq!(apply(&t, &f[1]), t.replace("--labels=cml-gpu\n", "--labels=cml-gpu,cml-gpuu\n"));
    // A quoted label keeps its quotes; an unrelated label is not preferred.
    let t = GOOD.replace("runs-on: [self-hosted, cml-gpu]", "runs-on: [self-hosted, \"big\"]");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(d[0].fixes[0].edits[0].new_text, "\"cml-gpu\"");
    assert!(!d[0].fixes[0].preferred);
    // Two launches: ambiguous, no fix.
    let t2 = t.replace(
        "  train:\n",
        "  other:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cml runner launch --labels=x\n  train:\n",
    );
    let d = run(&t2, FileKind::GithubWorkflow);
    let d: Vec<_> = d.into_iter().filter(|d| d.code == codes::CML_UNKNOWN_RUNNER_LABEL).collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].fixes, vec![]);
}

#[test]
fn needs_fixes_follow_the_job_layout() {
    let t = GOOD.replace("    needs: deploy-runner\n", "");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_RUNNER_JOB_WITHOUT_NEEDS]);
    assert_eq!(d[0].fixes[0].title, "Add `needs: deploy-runner`");
    assert_eq!(apply(&t, &d[0].fixes[0]), GOOD);
    // Existing needs: scalar, flow and block lists.
    let t = GOOD.replace("    needs: deploy-runner\n", "    needs: lint\n");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(apply(&t, &d[0].fixes[0]), t.replace("needs: lint", "needs: [lint, deploy-runner]"));
    let t = GOOD.replace("    needs: deploy-runner\n", "    needs: [lint]\n");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(apply(&t, &d[0].fixes[0]), t.replace("needs: [lint]", "needs: [lint, deploy-runner]"));
    let t = GOOD.replace("    needs: deploy-runner\n", "    needs:\n      - lint\n");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(
        apply(&t, &d[0].fixes[0]),
        t.replace("      - lint\n", "      - lint\n      - deploy-runner\n")
    );
}

#[test]
fn credential_fixes_add_env_entries() {
    // Into the existing step env, after its last entry.
    let t = GOOD.replace("          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n", "");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(d[0].fixes[0].title, "Add the credentials from secrets to `env:`");
    assert_eq!(
        apply(&t, &d[0].fixes[0]),
        t.replace(
            "AWS_ACCESS_KEY_ID }}\n",
            "AWS_ACCESS_KEY_ID }}\n          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n"
        )
    );
    // A new `env:` when the step has none, with 4-space indentation, CRLF and no final newline.
    let t = "jobs:\r\n    deploy:\r\n        runs-on: ubuntu-latest\r\n        steps:\r\n            - uses: iterative/setup-cml@v2\r\n            - name: launch\r\n              run: |\r\n                  cml runner launch --cloud=aws --labels=x";
    let d = run(t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_MISSING_CLOUD_CREDENTIALS, codes::CML_MISSING_TOKEN]);
    assert_eq!(
        apply(t, &d[0].fixes[0]),
        format!("{t}\r\n              env:\r\n                  AWS_ACCESS_KEY_ID: ${{{{ secrets.AWS_ACCESS_KEY_ID }}}}\r\n                  AWS_SECRET_ACCESS_KEY: ${{{{ secrets.AWS_SECRET_ACCESS_KEY }}}}")
    );
    assert_eq!(
        apply(t, &d[1].fixes[0]),
        format!("{t}\r\n              env:\r\n                  REPO_TOKEN: ${{{{ secrets.PERSONAL_ACCESS_TOKEN }}}}")
    );
    // A `- run:` step followed by another step: the env goes right after the run block.
    let t = "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: iterative/setup-cml@v2\n      - run: |\n          cml runner launch --labels=x\n\n      - run: echo\n";
    let d = run(t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_MISSING_TOKEN]);
    let fixed = apply(t, &d[0].fixes[0]);
    assert_eq!(
        fixed,
        t.replace(
            "--labels=x\n",
            "--labels=x\n        env:\n          REPO_TOKEN: ${{ secrets.PERSONAL_ACCESS_TOKEN }}\n"
        )
    );
    assert_eq!(run(&fixed, FileKind::GithubWorkflow), vec![]);
}

#[test]
fn cml_must_be_installed_before_use() {
    let job = |steps: &str| format!("jobs:\n  report:\n    runs-on: ubuntu-latest\n    steps:\n{steps}");
    // GitHub-hosted runner, no setup: reported on the command, with a setup-cml step fix.
    let t = job("      - uses: actions/checkout@v4\n      - name: report\n        run: cml comment create report.md\n");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_NOT_INSTALLED]);
    assert_eq!(d[0].span, at(&t, "cml comment create"));
    assert_eq!(
        d[0].message,
        "CML is not installed in job `report` when this runs: add an `iterative/setup-cml` step before it, or run the job in a CML image (`container: iterativeai/cml:0-dvc2-base1`)"
    );
    let fixed = apply(&t, &d[0].fixes[0]);
    assert_eq!(
        fixed,
        t.replace("      - name: report\n", "      - uses: iterative/setup-cml@v2\n      - name: report\n")
    );
    assert_eq!(run(&fixed, FileKind::GithubWorkflow), vec![]);
    // setup-cml AFTER the use does not count.
    let t2 = format!("{t}      - uses: iterative/setup-cml@v1\n");
    assert_eq!(codes_of(&run(&t2, FileKind::GithubWorkflow)), [codes::CML_NOT_INSTALLED]);
    // Installed by npm earlier in the same script or an earlier step; npx; CML images.
    for ok in [
        job("      - run: |\n          npm i -g @dvcorg/cml\n          cml comment create r.md\n"),
        job("      - run: npm install -g @dvcorg/cml\n      - run: cml comment create r.md\n"),
        job("      - run: npx @dvcorg/cml comment create r.md\n"),
        job("      - uses: iterative/setup-tools@v1\n      - run: cml comment create r.md\n"),
        job("      - run: cml comment create r.md\n")
            .replace("    steps:", "    container: docker://iterativeai/cml:0-dvc2-base1\n    steps:"),
        job("      - run: cml comment create r.md\n")
            .replace("    steps:", "    container:\n      image: ghcr.io/iterative/cml:latest\n    steps:"),
        job("      - run: cml comment create r.md\n")
            .replace("    steps:", "    container: dvcorg/cml-py3:latest\n    steps:"),
        // Unknown: a custom image or another self-hosted runner.
        job("      - run: cml comment create r.md\n")
            .replace("    steps:", "    container: me/ml:1\n    steps:"),
        job("      - run: cml comment create r.md\n").replace("ubuntu-latest", "[self-hosted, gpu]"),
        job("      - run: cml comment create r.md\n").replace("ubuntu-latest", "${{ matrix.os }}"),
    ] {
        assert_eq!(run(&ok, FileKind::GithubWorkflow), vec![], "{ok}");
    }
    // A plain base container lacks CML.
    let t = job("      - run: cml comment create r.md\n")
        .replace("    steps:", "    container: python:3.10\n    steps:");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_NOT_INSTALLED]);
    assert_eq!(d[0].fixes, vec![]);
    // A job on the runner launched by this workflow has CML (the GOOD fixture's train job
    // has a CML container; without it the machine's own CML is used).
    let t = GOOD.replace(
        "    container:\n      image: iterativeai/cml:0-dvc2-base1-gpu\n      options: --gpus all\n",
        "",
    );
    assert_eq!(run(&t, FileKind::GithubWorkflow), vec![]);
}

#[test]
fn cml_installed_on_gitlab_and_bitbucket() {
    let t = "train:\n  image: python:3.10\n  script:\n    - cml comment create report.md\n";
    let d = run(t, FileKind::GitlabCi);
    assert_eq!(codes_of(&d), [codes::CML_NOT_INSTALLED]);
    assert_eq!(
        d[0].message,
        "CML is not installed in job `train` when this runs: use a CML image (`image: iterativeai/cml:0-dvc2-base1`) or install it first (`npm install -g @dvcorg/cml`)"
    );
    for ok in [
        "train:\n  image: iterativeai/cml\n  script:\n    - cml comment create report.md\n",
        "image: iterativeai/cml:latest\ntrain:\n  script:\n    - cml comment create report.md\n",
        "default:\n  image: {name: dvcorg/cml:latest}\ntrain:\n  script:\n    - cml comment create report.md\n",
        "train:\n  image: node:18\n  before_script:\n    - npm install -g @dvcorg/cml\n  script:\n    - cml comment create report.md\n",
        ".base:\n  image: iterativeai/cml\ntrain:\n  extends: .base\n  script:\n    - cml comment create report.md\n",
        // No image: the runner's default is unknown.
        "train:\n  script:\n    - cml comment create report.md\n",
        "include: x.yml\ntrain:\n  image: python:3\n  script:\n    - cml comment create report.md\n",
    ] {
        assert_eq!(run(ok, FileKind::GitlabCi), vec![], "{ok}");
    }
    let t = "pipelines:\n  default:\n    - step:\n        name: report\n        script:\n          - cml comment create report.md\n";
    let d = run(t, FileKind::Bitbucket);
    assert_eq!(codes_of(&d), [codes::CML_NOT_INSTALLED]);
    assert_eq!(d[0].span, at(t, "cml comment create"));
    let ok = format!("image: iterativeai/cml:0-dvc2-base1\n{t}");
    assert_eq!(run(&ok, FileKind::Bitbucket), vec![]);
}

#[test]
fn unknown_and_ignored_cml_env_vars() {
    let t = GOOD
        .replace("        run: |\n          cml runner launch", "          CML_RUNNER_IDLE_TIMOUT: 300\n          CML_RUNNERS: 1\n          CML_RUNNER_CLOUD_HDD_SIZE: 100\n          RUNNER_NAME: x\n          CML_COMMENT_FOO: x\n        run: |\n          cml runner launch");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(
        codes_of(&d),
        [codes::CML_UNKNOWN_ENV_VAR, codes::CML_UNKNOWN_ENV_VAR, codes::CML_IGNORED_ENV_VAR]
    );
    assert_eq!(d[0].span, at(&t, "CML_RUNNER_IDLE_TIMOUT"));
    assert_eq!(
        d[0].message,
        "`CML_RUNNER_IDLE_TIMOUT`: `cml runner launch` reads it as option `--idle-timout`, which it does not have, and strict mode fails with \"Unknown argument\"; did you mean `CML_RUNNER_IDLE_TIMEOUT`?"
    );
    assert_eq!(apply(&t, &d[0].fixes[0]), t.replace("IDLE_TIMOUT", "IDLE_TIMEOUT"));
    assert_eq!(d[1].span, at(&t, "CML_RUNNERS"));
    assert_eq!(
        d[1].message,
        "`CML_RUNNERS`: it starts with `CML_RUNNER`, so `cml runner launch` reads it as an unknown option `s`, and strict mode fails with \"Unknown argument\""
    );
    assert_eq!(d[2].severity, crate::diag::Severity::Warning);
    let rn = at(&t, "RUNNER_NAME: x").start;
    assert_eq!(d[2].span, Span::new(rn, rn + "RUNNER_NAME".len()));
    // In the script, and for other commands (legacy prefixes rewritten).
    let t = "jobs:\n  a:\n    runs-on: [self-hosted]\n    steps:\n      - run: |\n          export CML_SEND_COMMENT_PRR=1\n          CML_COMMENT_TARGET=pr cml comment create r.md\n";
    let d = run(t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_UNKNOWN_ENV_VAR]);
    assert_eq!(d[0].span, at(t, "CML_SEND_COMMENT_PRR"));
    // GitLab variables; DOCKER_MACHINE is a warning.
    let t = "variables:\n  DOCKER_MACHINE: x\nlaunch:\n  image: iterativeai/cml\n  script:\n    - cml runner launch --labels=x\n";
    let d = run(t, FileKind::GitlabCi);
    assert_eq!(codes_of(&d), [codes::CML_UNKNOWN_ENV_VAR]);
    assert_eq!(d[0].severity, crate::diag::Severity::Warning);
}

#[test]
fn empty_credentials_on_every_forge() {
    let t = GOOD.replace(
        "AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}",
        "AWS_SECRET_ACCESS_KEY: \"\"",
    );
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_EMPTY_CREDENTIAL]);
    assert_eq!(d[0].span, at(&t, "\"\""));
    assert_eq!(
        d[0].message,
        "`AWS_SECRET_ACCESS_KEY` is set to an empty value here, which hides any value from the CI settings; `--cloud=aws` needs it"
    );
    let t = "launch:\n  image: iterativeai/cml\n  variables:\n    AWS_ACCESS_KEY_ID:\n  script:\n    - cml runner launch --cloud=aws --labels=x\n";
    let d = run(t, FileKind::GitlabCi);
    assert_eq!(codes_of(&d), [codes::CML_EMPTY_CREDENTIAL]);
    assert_eq!(d[0].span, at(t, "AWS_ACCESS_KEY_ID"));
    // Missing ones are not reported on GitLab/Bitbucket (project settings).
    let t = "launch:\n  image: iterativeai/cml\n  script:\n    - cml runner launch --cloud=aws --labels=x\n";
    assert_eq!(run(t, FileKind::GitlabCi), vec![]);
    // GCP: one of two is enough.
    let t = "launch:\n  image: iterativeai/cml\n  variables:\n    GOOGLE_APPLICATION_CREDENTIALS: ''\n    GOOGLE_APPLICATION_CREDENTIALS_DATA: $GCP\n  script:\n    - cml runner launch --cloud=gcp --labels=x\n";
    assert_eq!(run(t, FileKind::GitlabCi), vec![]);
}

#[test]
fn gitlab_runner_jobs_wait_for_the_launch() {
    let base = "launch:\n  image: iterativeai/cml\n  script:\n    - cml runner launch --labels=gpu\ntrain:\n  image: iterativeai/cml\n  tags: [gpu]\n  script:\n    - python train.py\n";
    // Both in the default stage `test`.
    let d = run(base, FileKind::GitlabCi);
    assert_eq!(codes_of(&d), [codes::CML_RUNNER_JOB_WITHOUT_NEEDS]);
    assert_eq!(d[0].span, at(base, "train"));
    assert_eq!(
        d[0].message,
        "job `train` (stage `test`) runs on the runner launched by `launch` (stage `test`) but does not wait for it: put it in a later stage or add `needs: [launch]`"
    );
    assert_eq!(apply(base, &d[0].fixes[0]), base.replace("train:\n", "train:\n  needs: [launch]\n"));
    for ok in [
        base.replace("train:\n", "train:\n  stage: deploy\n"),
        base.replace("launch:\n", "launch:\n  stage: .pre\n"),
        base.replace("train:\n", "train:\n  needs: [launch]\n"),
        base.replace("train:\n", "train:\n  needs:\n    - job: launch\n"),
        format!(
            "stages: [a, b]\n{}",
            base.replace("launch:\n", "launch:\n  stage: a\n").replace("train:\n", "train:\n  stage: b\n")
        ),
        base.replace("train:\n", "train:\n  stage: $STAGE\n"),
    ] {
        assert_eq!(run(&ok, FileKind::GitlabCi), vec![], "{ok}");
    }
    let t = base.replace("train:\n", "train:\n  stage: deploy\n  needs: [lint]\n");
    let d = run(&t, FileKind::GitlabCi);
    assert_eq!(codes_of(&d), [codes::CML_RUNNER_JOB_WITHOUT_NEEDS]);
    assert_eq!(apply(&t, &d[0].fixes[0]), t.replace("needs: [lint]", "needs: [lint, launch]"));
}

#[test]
fn needs_an_unknown_job() {
    let t =
        GOOD.replace("    needs: deploy-runner\n", "    needs: [deploy-runer, \"${{ inputs.after }}\"]\n");
    let d = run(&t, FileKind::GithubWorkflow);
    let d: Vec<_> = d.into_iter().filter(|d| d.code == codes::WORKFLOW_UNKNOWN_NEEDS).collect();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].span, at(&t, "deploy-runer"));
    assert_eq!(
        d[0].message,
        "job `train` needs `deploy-runer`, which is not a job of this workflow; GitHub rejects the file; did you mean `deploy-runner`?"
    );
    assert_eq!(d[0].fixes[0].edits[0].new_text, "deploy-runner");
    assert_eq!(d[0].fixes[0].edits[0].span, at(&t, "deploy-runer"));
    // Job ids compare case-insensitively; a known job or an expression is fine.
    let t = GOOD.replace("    needs: deploy-runner\n", "    needs: [Deploy-Runner]\n");
    assert!(!codes_of(&run(&t, FileKind::GithubWorkflow)).contains(&codes::WORKFLOW_UNKNOWN_NEEDS));
    let t = GOOD.replace("    needs: deploy-runner\n", "    needs: nothing-like-it\n");
    let d = run(&t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::CML_RUNNER_JOB_WITHOUT_NEEDS, codes::WORKFLOW_UNKNOWN_NEEDS]);
    assert_eq!(
        d[1].message,
        "job `train` needs `nothing-like-it`, which is not a job of this workflow; GitHub rejects the file"
    );
    assert!(d[1].fixes.is_empty());
}

#[test]
fn documents_after_the_one_the_forge_reads_are_reported() {
    let gh = "on: push\njobs: {}\n---\njobs: {}\n---\nx: 1\n";
    let d = run(gh, FileKind::GithubWorkflow);
    let got: Vec<_> = d.iter().map(|d| (d.code, d.severity, d.span, d.message.as_str())).collect();
    assert_eq!(
        got,
        vec![(
            codes::WORKFLOW_MULTIPLE_DOCUMENTS,
            crate::diag::Severity::Warning,
            Span::new(18, 21),
            "GitHub reads only one YAML document per workflow file; this one and those after it are ignored"
        )]
    );
    let d = run(gh, FileKind::Bitbucket);
    assert_eq!(
        d.iter().map(|d| (d.span, d.message.as_str())).collect::<Vec<_>>(),
        vec![(
            Span::new(18, 21),
            "Bitbucket reads only one YAML document per workflow file; this one and those after it are ignored"
        )]
    );
    // GitLab: a `spec:` header and one document are fine; a third document is not.
    let header = "spec:\n  inputs:\n    a: {}\n---\njob:\n  script: echo\n";
    assert_eq!(run(header, FileKind::GitlabCi), vec![]);
    let third = format!("{header}---\nb:\n  script: echo\n");
    let d = run(&third, FileKind::GitlabCi);
    let gitlab = "GitLab reads only one YAML document per CI file, after an optional `spec:` header; \
                  this one and those after it are ignored";
    assert_eq!(
        d.iter().map(|d| (d.code, d.span, d.message.as_str())).collect::<Vec<_>>(),
        vec![(codes::WORKFLOW_MULTIPLE_DOCUMENTS, Span::new(header.len(), header.len() + 3), gitlab)]
    );
    // Without a header, the second document is already one too many.
    let d = run("a:\n  script: echo\n---\nb:\n  script: echo\n", FileKind::GitlabCi);
    assert_eq!(
        d.iter().map(|d| (d.span, d.message.as_str())).collect::<Vec<_>>(),
        vec![(Span::new(18, 21), gitlab)]
    );
    // A leading `---` and a trailing empty document ignore nothing.
    assert_eq!(run("---\non: push\njobs: {}\n---\n", FileKind::GithubWorkflow), vec![]);
}

/// Only GitLab has a `spec:` header document: on GitHub the first document is the workflow,
/// so a second one is ignored (and reported), not analysed.
#[test]
fn spec_header_is_gitlab_only() {
    let t = "spec:\n  inputs: {}\n---\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cml runner launch --bogus\n";
    let d = run(t, FileKind::GithubWorkflow);
    assert_eq!(codes_of(&d), [codes::WORKFLOW_MULTIPLE_DOCUMENTS]);
    assert_eq!(d[0].span, at(t, "---"));
    let g = "spec:\n  inputs: {}\n---\ntrain:\n  script:\n    - cml runner launch --bogus\n";
    let d = run(g, FileKind::GitlabCi);
    assert!(codes_of(&d).contains(&codes::CML_UNKNOWN_OPTION), "{d:#?}");
    assert!(!codes_of(&d).contains(&codes::WORKFLOW_MULTIPLE_DOCUMENTS));
}
