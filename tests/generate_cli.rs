//! `cml-lsp generate-workflow` end to end: stdout, exit codes, --write/--force, --script -.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use cml_lsp::generate::{generate, Forge, WizardOptions};

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cml-lsp"))
        .arg("generate-workflow")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    if let Some(s) = stdin {
        child.stdin.take().expect("stdin").write_all(s.as_bytes()).expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn prints_the_same_text_as_the_library() {
    let out = run(&["--forge", "gitlab", "--cloud", "gcp", "--gpu", "v100", "--type", "l", "--spot"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let want = generate(&WizardOptions {
        forge: Some(Forge::Gitlab),
        cloud: Some(cml_lsp::generate::Cloud::Gcp),
        gpu: Some("v100".into()),
        machine_type: Some("l".into()),
        spot: Some(true),
        ..Default::default()
    })
    .expect("valid");
    assert_eq!(text(&out.stdout), want.text);
    assert_eq!(text(&out.stderr), "");
}

/// `-o -` is stdout, as usual on the command line, not a file named `-`.
#[test]
fn output_dash_is_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cml-lsp"))
        .args(["generate-workflow", "--forge", "github", "-o", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let want = generate(&WizardOptions { forge: Some(Forge::Github), ..Default::default() }).expect("valid");
    assert_eq!(text(&out.stdout), want.text);
    assert_eq!(text(&out.stderr), "");
    assert!(!dir.path().join("-").exists());
}

#[test]
fn invalid_choices_exit_2_with_the_reason() {
    let cases: &[(&[&str], &str)] = &[
        (&["--cloud", "k8s"], "error: unknown cloud `k8s`: CML accepts `kubernetes` (`k8s` is only Terraform's name)\n"),
        (&["--forge", "gitea"], "error: unknown forge `gitea`: choose github, gitlab or bitbucket\n"),
        (
            &["--cloud", "gcp", "--spot", "--spot-price", "0.2"],
            "error: GCP preemptible machines have no bidding price: leave the spot price out (CML fails with any \
             value but -1)\n",
        ),
        (
            &["--forge", "bitbucket", "--gpu", "t4"],
            "error: Bitbucket runners launched by CML cannot use a GPU (iterative/cml#1015): choose a CPU machine or \
             GitHub/GitLab\n",
        ),
        (
            &["--forge", "bitbucket", "--reuse-idle"],
            "error: `--reuse-idle` is not supported on Bitbucket (CML fails with \"unsupported by bitbucket\"): use \
             reuse, single or none\n",
        ),
        (
            &["--type", "l", "--gpu", "t4"],
            "error: aws has no synthetic machine `l+t4` (TPI would send the bare size and the cloud rejects it): \
             choose one of m+t4, m+k80, l+k80, xl+k80, m+v100, l+v100, xl+v100\n",
        ),
        (&["--spot-price", "1"], "error: a maximum spot price needs spot turned on\n"),
        (
            &["--name", ""],
            "error: --name is empty: give the workflow a name, or leave --name out for the default (CML)\n",
        ),
        (
            &["--image", " "],
            "error: --image is empty: give an image reference, or leave --image out for the default \
             (iterativeai/cml:0-dvc2-base1, iterativeai/cml:0-dvc2-base1-gpu with a GPU)\n",
        ),
        (&["--hdd-size", "-5"], "error: disk size -5 GB: give a size between 1 and 65536 GB (100 is a good start)\n"),
        (&["--hdd-size=-5"], "error: disk size -5 GB: give a size between 1 and 65536 GB (100 is a good start)\n"),
        (
            &["--hdd-size", "99999999999"],
            "error: disk size 99999999999 GB: give a size between 1 and 65536 GB (100 is a good start)\n",
        ),
        (&["--hdd-size", "0"], "error: disk size 0 GB: give a size between 1 and 65536 GB (100 is a good start)\n"),
        (&["--forge", "gitlab", "--on", "push"], "error: trigger events apply to GitHub workflows only; gitlab runs the pipeline on every push\n"),
    ];
    for (args, want) in cases {
        let out = run(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stderr), *want, "{args:?}");
        assert_eq!(text(&out.stdout), "", "{args:?}");
    }
    // Mutually exclusive flags are clap usage errors: exit 2 as well.
    let out = run(&["--reuse", "--single"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot be used with"), "{}", text(&out.stderr));
}

#[test]
fn write_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().to_str().expect("utf-8 path");
    let out = run(&["--write", "--repo", repo, "--name", "Train in cloud"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let path = dir.path().join(".github/workflows/train-in-cloud.yml");
    let written = std::fs::read_to_string(&path).expect("written");
    assert!(written.contains("name: Train in cloud\n"));
    assert_eq!(
        text(&out.stdout),
        format!(
            "wrote {}\ncreate these repository secrets: PERSONAL_ACCESS_TOKEN, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY\n",
            path.display()
        )
    );
    std::fs::write(&path, "keep me\n").expect("overwrite");
    let again = run(&["--write", "--repo", repo, "--name", "Train in cloud"], None);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        text(&again.stderr),
        format!("error: {} already exists; pass --force to overwrite it\n", path.display())
    );
    assert_eq!(std::fs::read_to_string(&path).expect("kept"), "keep me\n");
    let forced = run(&["--write", "--repo", repo, "--name", "Train in cloud", "--force"], None);
    assert_eq!(forced.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&path).expect("forced"), written);
    // --output, GitLab.
    let file = dir.path().join("ci.yml");
    let out = run(&["--forge", "gitlab", "--output", file.to_str().expect("utf-8")], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&file).expect("output").contains("stages: [deploy, train]\n"));
}

#[test]
fn script_from_stdin() {
    let out = run(
        &["--forge", "bitbucket", "--script", "-"],
        Some("python train.py\r\ncml comment create report.md\r\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.ends_with(
            "        script:\n          - python train.py\n          - cml comment create report.md\n"
        ),
        "{stdout}"
    );
    let missing = run(&["--script", "/nonexistent/script.sh"], None);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).starts_with("error: cannot read the script /nonexistent/script.sh: "));
}

/// The `name:` line's value read back with our YAML parser.
fn name_of(yaml_text: &str) -> Option<String> {
    let y = cml_lsp::yaml::parse(yaml_text);
    assert!(y.problems.is_empty(), "{yaml_text}");
    let root = y.docs.first()?.root?;
    let n = y.get(root, "name")?;
    y.str_value(n).map(str::to_string)
}

/// Workflow names are free text: any Unicode name is accepted, written so YAML reads it
/// back unchanged, and the file gets a safe ASCII name.
#[test]
fn unicode_workflow_names_round_trip_and_get_a_safe_file_name() {
    let cases = [
        ("训练", "name: 训练\n"),
        ("Обучение модели", "name: Обучение модели\n"),
        ("🚀 train: gpu", "name: '🚀 train: gpu'\n"),
        ("yes", "name: 'yes'\n"),
        ("a\u{2028}b", ""),
        ("odd\u{feff}mark", "name: \"odd\\uFEFFmark\"\n"),
    ];
    for (name, line) in cases {
        let out = run(&["--name", name], None);
        if name.contains('\u{2028}') {
            assert_eq!(out.status.code(), Some(2));
            assert_eq!(text(&out.stderr), "error: the workflow name must be a single line of text\n");
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        let yaml = text(&out.stdout);
        assert!(yaml.contains(line), "{name}: {yaml}");
        assert_eq!(name_of(&yaml).as_deref(), Some(name), "{yaml}");
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().to_str().expect("utf-8 path");
    let write = |name: &str| {
        let out = run(&["--write", "--repo", repo, "--name", name], None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        let path = stdout.lines().next().unwrap().strip_prefix("wrote ").unwrap().to_string();
        let file = std::path::Path::new(&path).file_name().unwrap().to_str().unwrap().to_string();
        assert_eq!(name_of(&std::fs::read_to_string(&path).unwrap()).as_deref(), Some(name));
        file
    };
    let a = write("训练");
    let b = write("评估");
    let c = write("训练 v2");
    for f in [&a, &b, &c] {
        assert!(f.ends_with(".yml") && f.is_ascii(), "{f}");
        assert!(f.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '.'), "{f}");
    }
    assert!(a.starts_with("cml-") && a.len() == "cml-".len() + 8 + 4, "{a}");
    assert!(c.starts_with("v2-"), "{c}");
    assert!(a != b && a != c, "different names, different files: {a} {b} {c}");
    // Stable: the same name names the same file (so --write finds it again).
    let again = run(&["--write", "--repo", repo, "--name", "训练"], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains(&a), "{}", text(&again.stderr));
    // ASCII names are unchanged.
    assert_eq!(write("Train in cloud"), "train-in-cloud.yml");
}
