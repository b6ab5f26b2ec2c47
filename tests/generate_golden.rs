//! Golden files of the workflow generator: each case's output is compared byte for byte
//! with `tests/golden/generate/<case>.yml`. `UPDATE_GOLDEN=1 cargo test --test generate_golden`
//! rewrites them.

use std::path::PathBuf;

use cml_lsp::generate::{generate, WizardOptions};

/// (case name, wizard options as the editor sends them).
const CASES: &[(&str, &str)] = &[
    // GitHub
    ("github-defaults", r#"{}"#),
    ("github-aws-gpu-spot-price", r#"{"cloud":"aws","gpu":"t4","spot":true,"spotPrice":0.6}"#),
    ("github-azure-cpu", r#"{"cloud":"azure","region":"eu-west","machineType":"l"}"#),
    ("github-gcp-gpu-spot", r#"{"cloud":"gcp","region":"us-central1-f","type":"m+v100","spot":true}"#),
    ("github-kubernetes-gpu", r#"{"cloud":"kubernetes","gpu":"v100"}"#),
    (
        "github-single-labels",
        r#"{"reuse":"single","labels":["cml","gpu"],"idleTimeout":"10min","hddSize":200}"#,
    ),
    (
        "github-reuse-pr",
        r#"{"reuse":"reuse","on":["pull_request","workflow_dispatch"],"name":"Train model"}"#,
    ),
    ("github-dvc-pull", r#"{"dvcPull":true,"cloud":"aws","type":"g5.2xlarge","region":"us-east-1"}"#),
    (
        "github-custom-script",
        r#"{"script":"  python train.py --epochs 3\npython eval.py\n","deployJob":"launch","trainJob":"fit"}"#,
    ),
    // GitLab
    ("gitlab-defaults", r#"{"forge":"gitlab"}"#),
    (
        "gitlab-azure-gpu-spot-price",
        r#"{"forge":"gitlab","cloud":"azure","gpu":"v100","type":"l","spot":true,"spotPrice":1.25}"#,
    ),
    (
        "gitlab-gcp-native-gpu",
        r#"{"forge":"gitlab","cloud":"gcp","region":"europe-west4-a","type":"n1-standard-8","gpu":"nvidia-tesla-t4"}"#,
    ),
    ("gitlab-kubernetes", r#"{"forge":"gitlab","cloud":"kubernetes","type":"8-32000"}"#),
    (
        "gitlab-custom-script-labels",
        r#"{"forge":"gitlab","labels":["cml-big"],"reuse":"none","script":"pip install -r requirements.txt\nif [ -f data.dvc ]; then\n  dvc pull\nfi\ndvc repro\ncml comment create report.md"}"#,
    ),
    // Bitbucket
    ("bitbucket-defaults", r#"{"forge":"bitbucket"}"#),
    ("bitbucket-aws-spot-price", r#"{"forge":"bitbucket","spot":true,"spotPrice":0.3,"reuse":"reuse"}"#),
    ("bitbucket-gcp-spot", r#"{"forge":"bitbucket","cloud":"gcp","spot":true,"reuse":"single"}"#),
    (
        "bitbucket-azure-labels",
        r#"{"forge":"bitbucket","cloud":"azure","labels":["cml.cpu"],"region":"westeurope"}"#,
    ),
    (
        "bitbucket-custom-script",
        r##"{"forge":"bitbucket","cloud":"kubernetes","script":"# data\ndvc pull\npython train.py: fast\ncml comment create report.md"}"##,
    ),
];

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/generate")
}

#[test]
fn golden_files_match() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for (name, json) in CASES {
        let opts: WizardOptions =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: bad options: {e}"));
        let g = generate(&opts).unwrap_or_else(|e| panic!("{name}: generate failed: {e}"));
        let path = golden_dir().join(format!("{name}.yml"));
        if update {
            std::fs::create_dir_all(golden_dir()).expect("create golden dir");
            std::fs::write(&path, &g.text).expect("write golden");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == g.text => {}
            Ok(want) => {
                let line = want.lines().zip(g.text.lines()).position(|(a, b)| a != b).map_or(0, |i| i + 1);
                failures.push(format!("{name}: differs from {} (first at line {line})", path.display()));
            }
            Err(e) => failures.push(format!("{name}: cannot read {}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "golden mismatches (UPDATE_GOLDEN=1 rewrites):\n{}", failures.join("\n"));
}

#[test]
fn no_stale_golden_files() {
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(golden_dir()).expect("golden dir exists") {
        let entry = entry.expect("dir entry");
        if entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let case = name.strip_suffix(".yml").unwrap_or(&name);
        if !CASES.iter().any(|(c, _)| *c == case) {
            stale.push(name);
        }
    }
    assert_eq!(stale, Vec::<String>::new());
}

#[test]
fn golden_outputs_are_lf_and_end_with_one_newline() {
    for (name, json) in CASES {
        let opts: WizardOptions = serde_json::from_str(json).expect("options");
        let text = generate(&opts).expect("generate").text;
        assert!(!text.contains('\r'), "{name}");
        assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{name}");
        assert!(!text.lines().any(|l| l.ends_with(' ')), "{name}: trailing space");
        assert!(!text.contains('\t'), "{name}: tab");
    }
}
