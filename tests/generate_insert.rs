//! Putting the wizard's output into existing files: a blank file gets the whole workflow;
//! a workflow without a runner gets a runner job wired to a chosen job. Expected results
//! are golden files (`tests/golden/generate/insert/<case>.out.yml`, rewritten with
//! `UPDATE_GOLDEN=1`); every result must parse without problems and keep all bytes
//! outside the edits.

use std::path::{Path, PathBuf};

use cml_lsp::generate::{
    add_runner_job, apply_edits, code_actions, generate, insert_into_blank, wirable_jobs, Forge,
    WizardOptions,
};
use cml_lsp::ide::CodeActionKind;
use cml_lsp::kind::FileKind;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/generate/insert")
}

/// (case, forge, target job, options JSON)
const CASES: &[(&str, Forge, &str, &str)] = &[
    ("github-2space", Forge::Github, "train", r#"{}"#),
    ("github-4space-needs", Forge::Github, "train", r#"{"cloud":"gcp","gpu":"t4","spot":true}"#),
    ("github-crlf", Forge::Github, "train", r#"{"labels":["cml","big"],"deployJob":"launch"}"#),
    ("gitlab-stages", Forge::Gitlab, "train", r#"{"cloud":"azure","gpu":"v100"}"#),
    ("gitlab-no-stages", Forge::Gitlab, "train", r#"{"cloud":"kubernetes"}"#),
    ("gitlab-flow-stages", Forge::Gitlab, "fit", r#"{"reuse":"single"}"#),
    ("bitbucket", Forge::Bitbucket, "Train", r#"{"spot":true}"#),
    ("bitbucket-unnamed-2space", Forge::Bitbucket, "step 1", r#"{"labels":["cml.cpu"]}"#),
];

/// Checks that `out` is `input` with only insertions/replacements at the edits.
fn outside_edits_unchanged(input: &str, edits: &[cml_lsp::diag::TextEdit]) {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| e.span.start);
    let mut at = 0;
    for e in &sorted {
        assert!(e.span.start >= at && e.span.end <= input.len(), "edits overlap or leave the text");
        at = e.span.end;
    }
}

#[test]
fn add_runner_job_golden() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for (name, forge, target, json) in CASES {
        let input = std::fs::read_to_string(dir().join(format!("{name}.in.yml"))).expect("input");
        let opts: WizardOptions = serde_json::from_str(json).expect("options");
        let edits = add_runner_job(*forge, &input, &opts, target).unwrap_or_else(|e| panic!("{name}: {e}"));
        outside_edits_unchanged(&input, &edits);
        let out = apply_edits(&input, &edits);
        let y = cml_lsp::yaml::parse(&out);
        assert!(y.problems.is_empty(), "{name}: result has YAML problems: {:?}\n{out}", y.problems);
        if input.contains("\r\n") {
            assert_eq!(out.matches('\n').count(), out.matches("\r\n").count(), "{name}: mixed line endings");
        }
        let path = dir().join(format!("{name}.out.yml"));
        if update {
            std::fs::write(&path, &out).expect("write golden");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == out => {}
            Ok(_) => failures.push(format!("{name}: differs from {}", path.display())),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn wirable_jobs_per_forge() {
    let read = |n: &str| std::fs::read_to_string(dir().join(format!("{n}.in.yml"))).expect("input");
    assert_eq!(wirable_jobs(Forge::Github, &read("github-2space")), Ok(vec!["lint".into(), "train".into()]));
    assert_eq!(
        wirable_jobs(Forge::Gitlab, &read("gitlab-stages")),
        Ok(vec!["build".into(), "train".into(), "publish".into()])
    );
    assert_eq!(wirable_jobs(Forge::Bitbucket, &read("bitbucket")), Ok(vec!["Test".into(), "Train".into()]));
    assert_eq!(wirable_jobs(Forge::Bitbucket, &read("bitbucket-unnamed-2space")), Ok(vec!["step 1".into()]));
}

#[test]
fn declines_unusual_files_with_a_reason() {
    let o = WizardOptions::default();
    let cases: &[(Forge, &str, &str, &str)] = &[
        (
            Forge::Github,
            "jobs: {train: {runs-on: x}}\n",
            "train",
            "`jobs` is not a block mapping; edit it by hand",
        ),
        (
            Forge::Github,
            "jobs:\n  train: {runs-on: x}\n",
            "train",
            "job `train` is not a block mapping; edit it by hand",
        ),
        (Forge::Github, "on: push\n", "train", "the workflow has no `jobs`"),
        (Forge::Github, "jobs:\n  a:\n    runs-on: x\n", "train", "no job named `train`"),
        (
            Forge::Github,
            "jobs:\n  deploy-runner:\n    runs-on: x\n  a:\n    runs-on: x\n",
            "a",
            "a job named `deploy-runner` already exists; choose another name for the runner job",
        ),
        (
            Forge::Github,
            "jobs:\n  a:\n    steps:\n      - run: cml runner launch --cloud=aws\n",
            "a",
            "the file already launches a CML runner",
        ),
        (Forge::Github, "- a\n- b\n", "a", "the file's top level is not a block mapping"),
        (
            Forge::Github,
            "a: 1\n---\nb: 2\n",
            "a",
            "the file holds several YAML documents; add the runner job by hand",
        ),
        (
            Forge::Gitlab,
            "stages: [build]\ntrain:\n  stage: test\n  script: [x]\n",
            "train",
            "stage `test` of job `train` is not in `stages`",
        ),
        (
            Forge::Gitlab,
            "train:\n  stage: .pre\n  script: [x]\n",
            "train",
            "job `train` runs in stage `.pre`, before any stage a runner job could use",
        ),
        (Forge::Bitbucket, "pipelines:\n  branches: {}\n", "x", "the file has no `pipelines.default`"),
        (
            Forge::Bitbucket,
            "pipelines:\n  default:\n    - step:\n        name: a\n        script: [x]\n",
            "a",
            "",
        ),
        (
            Forge::Bitbucket,
            "pipelines:\n  default:\n    - step:\n        script: [x]\n",
            "a",
            "no step named `a` in `pipelines.default`",
        ),
    ];
    for (forge, text, target, want) in cases {
        let got = add_runner_job(*forge, text, &o, target);
        if want.is_empty() {
            assert!(got.is_ok(), "{text}: {got:?}");
        } else {
            assert_eq!(got, Err(want.to_string()), "{text}");
        }
    }
    // YAML errors and bad options are reported before anything else.
    let broken = add_runner_job(Forge::Github, "jobs:\n  a: [\n", &o, "a").expect_err("broken");
    assert!(broken.starts_with("the file has YAML problems to fix first ("), "{broken}");
    let bad = WizardOptions { gpu: Some("t4".into()), ..Default::default() };
    assert_eq!(
        add_runner_job(Forge::Bitbucket, "pipelines:\n  default:\n    - step:\n        script: [x]\n", &bad, "step 1"),
        Err("Bitbucket runners launched by CML cannot use a GPU (iterative/cml#1015): choose a CPU machine or \
             GitHub/GitLab"
            .into())
    );
}

#[test]
fn blank_files_get_the_whole_workflow() {
    let g = generate(&WizardOptions::default()).expect("defaults");
    for blank in ["", "\n\n", "  \n\t\n"] {
        let edits = insert_into_blank(blank, &g).expect("blank");
        assert_eq!(apply_edits(blank, &edits), g.text);
    }
    // Comments stay, CRLF is followed.
    let text = "# my workflow\r\n# todo\r\n\r\n";
    let out = apply_edits(text, &insert_into_blank(text, &g).expect("comments"));
    assert_eq!(out, format!("# my workflow\r\n# todo\r\n\r\n{}", g.text.replace('\n', "\r\n")));
    // A BOM stays in front.
    let out = apply_edits("\u{feff}", &insert_into_blank("\u{feff}", &g).expect("bom"));
    assert_eq!(out, format!("\u{feff}{}", g.text));
    // A comment without a final newline.
    let out = apply_edits("# x", &insert_into_blank("# x", &g).expect("no newline"));
    assert_eq!(out, format!("# x\n\n{}", g.text));
    assert_eq!(
        insert_into_blank("jobs: {}\n", &g),
        Err("the file already has content; add a runner job to it instead".into())
    );
}

#[test]
fn code_actions_offer_generation_or_wiring() {
    let o = WizardOptions::default();
    let p = Path::new(".github/workflows/ci.yml");
    let blank = code_actions(FileKind::GithubWorkflow, p, "# empty\n", &o);
    assert_eq!(blank.len(), 1);
    assert_eq!(blank[0].title, "Generate a CML cloud-runner workflow");
    assert_eq!(blank[0].kind, CodeActionKind::Source);
    assert_eq!(blank[0].edit.files[0].0, p);
    let gl = code_actions(FileKind::GitlabCi, Path::new(".gitlab-ci.yml"), "", &o);
    assert!(gl[0].edit.files[0].1[0].new_text.contains("stages: [deploy, train]\n"));

    let text = std::fs::read_to_string(dir().join("github-2space.in.yml")).expect("input");
    let titles: Vec<String> =
        code_actions(FileKind::GithubWorkflow, p, &text, &o).into_iter().map(|a| a.title).collect();
    assert_eq!(
        titles,
        vec!["Add a CML cloud-runner job for `lint`", "Add a CML cloud-runner job for `train`"]
    );
    let done = generate(&o).expect("defaults").text;
    assert!(code_actions(FileKind::GithubWorkflow, p, &done, &o).is_empty());
    assert!(code_actions(FileKind::DvcYaml, Path::new("dvc.yaml"), "", &o).is_empty());
}

#[test]
fn never_panics_on_truncated_or_odd_files() {
    let o = WizardOptions::default();
    let mut inputs: Vec<String> = Vec::new();
    for (name, _, _, _) in CASES {
        let t = std::fs::read_to_string(dir().join(format!("{name}.in.yml"))).expect("input");
        // Every line end and every fifth character: enough cuts through keys, values and items.
        for (i, ch) in t.char_indices() {
            if ch == '\n' || i % 5 == 0 {
                inputs.push(t[..i].to_string());
            }
        }
    }
    for odd in [
        "jobs:\n\tbuild:\n",
        "jobs: &j\n  a: *j\n",
        "jobs:\n  ? [a]\n  : b\n",
        "\u{feff}jobs:\n  é:\n    x: 1\n",
        "::\n- - -\n",
    ] {
        inputs.push(odd.to_string());
    }
    for t in &inputs {
        for forge in Forge::ALL {
            if let Ok(jobs) = wirable_jobs(forge, t) {
                for j in jobs {
                    if let Ok(edits) = add_runner_job(forge, t, &o, &j) {
                        let out = apply_edits(t, &edits);
                        assert!(
                            cml_lsp::yaml::parse(&out).problems.is_empty(),
                            "{forge} {j}:\n{t}\n---\n{out}"
                        );
                    }
                }
            }
            let _ = add_runner_job(forge, t, &o, "train");
        }
    }
}
