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

#[test]
fn bitbucket_steps() {
    let t = r#"definitions:
  steps:
    - step: &deploy
        name: deploy
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
