//! End-to-end tests of `cml-lsp check`: the built binary on temporary trees and on `examples/`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn check_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cml-lsp"))
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cml-lsp");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().expect("exited by a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A temporary tree from `(relative path, bytes)` pairs.
fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, bytes) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const WORKFLOW: &[u8] =
    b"name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";

#[test]
fn clean_dir_prints_nothing_and_exits_0() {
    let dir =
        tree(&[(".github/workflows/ci.yml", WORKFLOW), ("params.yaml", b"lr: 0.1\n"), ("notes.txt", b"\0")]);
    let out = check_in(dir.path(), &[], None);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    assert_eq!(out.stderr, "0 errors, 0 warnings in 2 files\n");
}

#[test]
fn empty_dir_and_empty_file() {
    let dir = tree(&[]);
    let out = check_in(dir.path(), &[], None);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "0 errors, 0 warnings in 0 files\n")
    );
    let dir = tree(&[("dvc.yaml", b"")]);
    let out = check_in(dir.path(), &["dvc.yaml"], None);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "0 errors, 0 warnings in 1 file\n")
    );
}

#[test]
fn non_utf8_file_reports_the_first_bad_byte() {
    let dir = tree(&[("params.yaml", b"lr: 0.1\nname: caf\xe9 \xff\n")]);
    let out = check_in(dir.path(), &[], None);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "params.yaml:2:10: error[file-unreadable]: not valid UTF-8: byte 0xE9 at line 2, column 10 \
         (byte offset 17); not checked\n"
    );
    assert_eq!(out.stderr, "1 error, 0 warnings in 1 file\n");
}

#[test]
fn binary_file_is_reported_not_analysed() {
    let dir = tree(&[(".github/workflows/x.yml", b"name: x\n\0\x01\x02")]);
    let out = check_in(dir.path(), &["."], None);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        ".github/workflows/x.yml:1:1: error[file-unreadable]: binary file (NUL byte at offset 8), not checked\n"
    );
}

#[test]
fn unreadable_file_is_an_error_with_its_path() {
    let dir = tree(&[]);
    std::os::unix::fs::symlink("missing-target", dir.path().join("params.yaml")).unwrap();
    let out = check_in(dir.path(), &["params.yaml"], None);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "params.yaml:1:1: error[file-unreadable]: broken symbolic link: its target missing-target does not exist; not checked\n"
    );
}

/// `check_in` with a deadline: a hang (e.g. blocking on a FIFO) fails the test instead of
/// stalling it; the child is killed by its own handle.
fn check_in_time(dir: &Path, args: &[&str], prefix: &[&str]) -> Out {
    let (prog, pre) = match prefix.split_first() {
        Some((p, rest)) => (PathBuf::from(p), rest.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        None => (PathBuf::from(env!("CARGO_BIN_EXE_cml-lsp")), Vec::new()),
    };
    let mut cmd = Command::new(prog);
    cmd.args(&pre);
    if !prefix.is_empty() {
        cmd.arg(env!("CARGO_BIN_EXE_cml-lsp"));
    }
    let mut child = cmd
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cml-lsp");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cml-lsp check {args:?} hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().expect("exited by a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[test]
fn symlink_loop_is_one_clear_line() {
    let dir = tree(&[("params.yaml", b"lr: 1\n")]);
    let d = dir.path();
    std::fs::create_dir(d.join("conf")).unwrap();
    std::os::unix::fs::symlink("b.yml", d.join("conf/a.yml")).unwrap();
    std::os::unix::fs::symlink("a.yml", d.join("conf/b.yml")).unwrap();
    std::os::unix::fs::symlink("b.yml", d.join("conf/params.yaml")).unwrap();
    // Named explicitly: reported whatever its name.
    let out = check_in_time(d, &["conf/a.yml"], &[]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            1,
            "conf/a.yml:1:1: error[file-unreadable]: symbolic link loop; not checked\n",
            "1 error, 0 warnings in 1 file\n"
        )
    );
    // Walked: the looping link with a params name is reported, the rest is checked, a link
    // to a regular file included.
    std::fs::create_dir_all(d.join(".github/workflows")).unwrap();
    std::fs::write(d.join("wf.yml"), WORKFLOW).unwrap();
    std::os::unix::fs::symlink("../../wf.yml", d.join(".github/workflows/ci.yml")).unwrap();
    let out = check_in_time(d, &[], &[]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            1,
            "conf/params.yaml:1:1: error[file-unreadable]: symbolic link loop; not checked\n",
            "1 error, 0 warnings in 3 files\n"
        )
    );
    // A directory link loop is not followed.
    std::os::unix::fs::symlink(".", d.join("conf/self")).unwrap();
    let out = check_in_time(d, &["conf/self/params.yaml"], &[]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "conf/self/params.yaml:1:1: error[file-unreadable]: symbolic link loop; not checked\n"
    );
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo").success();
    assert!(ok, "mkfifo {}", path.display());
}

#[test]
fn fifo_is_reported_never_read() {
    let dvc = b"stages:\n  a:\n    cmd: x\n    params:\n      - lr\n";
    let dir = tree(&[("dvc.yaml", dvc)]);
    mkfifo(&dir.path().join("params.yaml"));
    let want = "params.yaml:1:1: error[file-unreadable]: not a regular file (a FIFO); not checked\n";
    // Explicit, walked, and read through dvc.yaml's params: no hang, one line.
    let out = check_in_time(dir.path(), &["params.yaml"], &[]);
    assert_eq!((out.code, out.stdout.as_str()), (1, want));
    let out = check_in_time(dir.path(), &[], &[]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (1, want, "1 error, 0 warnings in 2 files\n")
    );
    let out = check_in_time(dir.path(), &["dvc.yaml"], &[]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    // An explicit FIFO with any name.
    mkfifo(&dir.path().join("notes"));
    let out = check_in_time(dir.path(), &["notes"], &[]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, "notes:1:1: error[file-unreadable]: not a regular file (a FIFO); not checked\n")
    );
}

/// An unreadable directory is one line naming it. Root reads any directory, so as root the
/// check runs as an unprivileged user through `setpriv` when that works, else is skipped.
#[test]
#[allow(clippy::print_stderr)] // says why it was skipped
fn unreadable_directory_is_one_clear_line() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(&[("params.yaml", b"lr: 1\n"), ("locked/params.yaml", b"lr: 2\n")]);
    let d = dir.path();
    for p in [d.to_path_buf(), d.join("params.yaml")] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let locked = d.join("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let restore = |_: ()| std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut prefix: Vec<&str> = Vec::new();
    if std::fs::read_dir(&locked).is_ok() {
        let drop_root = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
        let works = Command::new(drop_root[0])
            .args(&drop_root[1..])
            .arg(env!("CARGO_BIN_EXE_cml-lsp"))
            .arg("--version")
            .current_dir(d)
            .output()
            .is_ok_and(|o| o.status.success());
        if !works {
            restore(());
            eprintln!("skipped: running as root and cannot drop privileges");
            return;
        }
        prefix.extend(drop_root);
    }
    let cases = [
        (
            vec![],
            "locked:1:1: error[file-unreadable]: cannot read directory: permission denied\n",
            "1 error, 0 warnings in 2 files\n",
        ),
        (
            vec!["locked"],
            "locked:1:1: error[file-unreadable]: cannot read directory: permission denied\n",
            "1 error, 0 warnings in 1 file\n",
        ),
        (
            vec!["locked/params.yaml"],
            "locked/params.yaml:1:1: error[file-unreadable]: cannot read: permission denied\n",
            "1 error, 0 warnings in 1 file\n",
        ),
    ];
    let mut failures = Vec::new();
    for (args, stdout, stderr) in cases {
        let out = check_in_time(d, &args, &prefix);
        if (out.code, out.stdout.as_str(), out.stderr.as_str()) != (1, stdout, stderr) {
            failures.push(format!("{args:?}: {} {:?} {:?}", out.code, out.stdout, out.stderr));
        }
    }
    restore(());
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn too_large_file_is_a_warning_and_skipped() {
    let dir = tree(&[]);
    let f = std::fs::File::create(dir.path().join("params.yaml")).unwrap();
    f.set_len(10 * 1024 * 1024 + 1).unwrap();
    let out = check_in(dir.path(), &[], None);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "params.yaml:1:1: warning[file-too-large]: file is 10.0 MiB, over the 10 MiB limit; not checked\n"
    );
    assert_eq!(out.stderr, "0 errors, 1 warning in 1 file\n");
    // `diagnostics.disabled` from --config removes it.
    std::fs::write(dir.path().join("cfg.json"), br#"{"diagnostics": {"disabled": ["file-too-large"]}}"#)
        .unwrap();
    let out = check_in(dir.path(), &["--config", "cfg.json"], None);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    // One line per unknown setting, not a log line as well.
    std::fs::write(
        dir.path().join("cfg.json"),
        br#"{"diagnostics": {"disabled": ["file-too-large"], "disabeld": []}, "colour": 1}"#,
    )
    .unwrap();
    let out = check_in(dir.path(), &["--config", "cfg.json"], None);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            0,
            "",
            "cml-lsp check: warning: cfg.json: unknown setting `colour` ignored\n\
             cml-lsp check: warning: cfg.json: unknown setting `diagnostics.disabeld` ignored\n\
             0 errors, 0 warnings in 1 file\n"
        )
    );
}

#[test]
fn gitignore_is_honoured_without_git_and_dot_git_is_skipped() {
    let dir = tree(&[
        (".gitignore", b"build/\n"),
        ("build/params.yaml", b"\xff"),
        (".git/params.yaml", b"\xff"),
        ("sub/.github/workflows/a.yaml", b"\xfe"),
    ]);
    let out = check_in(dir.path(), &[], None);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "sub/.github/workflows/a.yaml:1:1: error[file-unreadable]: not valid UTF-8: byte 0xFE at line 1, column 1 \
         (byte offset 0); not checked\n"
    );
    let out = check_in(dir.path(), &["--no-ignore"], None);
    let paths: Vec<&str> = out.stdout.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(paths, vec!["build/params.yaml", "sub/.github/workflows/a.yaml"]);
    assert_eq!(out.stderr, "2 errors, 0 warnings in 2 files\n");
}

#[test]
fn params_files_named_by_dvc_yaml_are_checked() {
    let dvc = b"stages:\n  train:\n    cmd: python train.py\n    params:\n      - conf/train.yaml:\n          - lr\n    deps:\n      - train.py\n";
    let dir = tree(&[
        ("dvc.yaml", dvc),
        ("conf/train.yaml", b"\xff"),
        ("train.py", b"\xff"),
        ("conf/other.yaml", b"\xff"),
    ]);
    let out = check_in(dir.path(), &[], None);
    let paths: Vec<&str> = out.stdout.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(paths, vec!["conf/train.yaml"]);
    assert_eq!(out.stderr, "1 error, 0 warnings in 2 files\n");
}

/// A params file two directories up, checked from the dvc.yaml's own directory with a
/// relative path: `./../../p.yaml` once normalised to `p.yaml` (a missing file).
/// The kind also comes from where the file really is: run inside `.github/workflows/`, or
/// on a params file that a dvc.yaml above names.
#[test]
fn kind_from_the_canonical_path() {
    let bad = b"on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: iterative/setup-cml@v2\n      - run: cml comment create r.md --bogus\n";
    let dvc = b"stages:\n  s:\n    cmd: echo\n    params:\n      - conf/train.yaml:\n          - lr\n";
    let dir = tree(&[
        (".github/workflows/train.yml", bad),
        ("dvc.yaml", dvc),
        ("conf/train.yaml", b"lr: 1\nlr: 2\n"),
    ]);
    let wf = dir.path().join(".github/workflows");
    let line =
        "train.yml:7:38: error[cml-unknown-option]: unknown option `--bogus` for `cml comment create`\n";
    for args in [&["train.yml"][..], &[][..], &["."][..]] {
        let out = check_in(&wf, args, None);
        assert_eq!((out.code, out.stdout.as_str()), (1, line), "{args:?}");
    }
    let dup = "train.yaml:2:1: error[yaml-duplicate-key]: duplicate key `lr`\n";
    for args in [&["train.yaml"][..], &[][..]] {
        let out = check_in(&dir.path().join("conf"), args, None);
        assert_eq!((out.code, out.stdout.as_str()), (1, dup), "{args:?}");
    }
}

#[test]
fn params_file_in_a_parent_dir_resolves_from_a_relative_path() {
    let dvc =
        b"stages:\n  s:\n    cmd: echo\n    params:\n      - ../../p.yaml:\n          - x\n          - y\n";
    let dir = tree(&[("a/b/dvc.yaml", dvc), ("p.yaml", b"x: 1\n")]);
    let out = check_in(&dir.path().join("a/b"), &["."], None);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, "dvc.yaml:7:13: error[params-missing-key]: param 'y' is missing from '../../p.yaml'\n")
    );
    assert_eq!(out.stderr, "1 error, 0 warnings in 2 files\n");
}

#[test]
fn explicit_files_of_unknown_kind_are_skipped_unless_forced() {
    let dir = tree(&[("ci/pipeline.yml", b"\xff"), ("params.yaml", b"a: 1\n")]);
    // Named alone, a file that cannot be checked is a usage error.
    let out = check_in(dir.path(), &["ci/pipeline.yml"], None);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(
        out.stderr,
        "cml-lsp check: error: ci/pipeline.yml was not checked: not a workflow, dvc.yaml or params file \
         (use --kind to force one)\n"
    );
    // Beside a file that is checked (a pre-commit batch), it is a note.
    let out = check_in(dir.path(), &["ci/pipeline.yml", "params.yaml"], None);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    assert_eq!(
        out.stderr,
        "cml-lsp check: note: skipping ci/pipeline.yml: not a workflow, dvc.yaml or params file \
         (use --kind to force one)\n0 errors, 0 warnings in 1 file\n"
    );
    // A directory without any file to check is fine.
    let out = check_in(&dir.path().join("ci"), &["."], None);
    assert_eq!((out.code, out.stderr.as_str()), (0, "0 errors, 0 warnings in 0 files\n"));
    let out = check_in(dir.path(), &["--kind", "gitlab", "ci/pipeline.yml"], None);
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("ci/pipeline.yml:1:1: error[file-unreadable]: "), "{}", out.stdout);
}

#[test]
fn stdin_mode() {
    let dir = tree(&[]);
    let out = check_in(dir.path(), &["-", "--stdin-filename", "conf/params.yaml"], Some(b"a: 1\nb: \xc3\n"));
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "conf/params.yaml:2:4: error[file-unreadable]: not valid UTF-8: byte 0xC3 at line 2, column 4 \
         (byte offset 8); not checked\n"
    );
    let out = check_in(dir.path(), &["--kind", "dvc", "-"], Some(b"stages: {}\n"));
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "0 errors, 0 warnings in 1 file\n")
    );
    let out = check_in(dir.path(), &["--kind", "params", "-"], Some(b"\0"));
    assert_eq!(
        out.stdout,
        "<stdin>:1:1: error[file-unreadable]: binary file (NUL byte at offset 0), not checked\n"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tree(&[("params.yaml", b"a: 1\n"), ("bad.json", b"{")]);
    let cases: &[(&[&str], &str)] = &[
        (&["missing"], "cml-lsp check: error: no such file or directory: missing\n"),
        (&["-"], "cml-lsp check: error: reading stdin needs --kind or --stdin-filename\n"),
        (&["-", "-", "--kind", "dvc"], "cml-lsp check: error: `-` (stdin) may be given only once\n"),
        (
            &["--stdin-filename", "x.yml", "."],
            "cml-lsp check: error: --stdin-filename applies only when reading stdin (`-`)\n",
        ),
        (
            &["--stdin-filename", "x.yml", "-"],
            "cml-lsp check: error: cannot tell the kind of x.yml from its name; pass --kind\n",
        ),
    ];
    for (args, stderr) in cases {
        let out = check_in(dir.path(), args, Some(b""));
        assert_eq!((out.code, out.stdout.as_str(), out.stderr.as_str()), (2, "", *stderr), "{args:?}");
    }
    let out = check_in(dir.path(), &["--config", "bad.json"], None);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("cml-lsp check: error: cannot read config bad.json: invalid JSON: "),
        "{}",
        out.stderr
    );
    for args in [&["--bogus"][..], &["--format", "xml"], &["--kind", "jenkins", "params.yaml"]] {
        let out = check_in(dir.path(), args, None);
        assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{args:?}");
        assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    }
}

/// A tree with one non-UTF-8 params file and one binary workflow.
fn two_faults() -> tempfile::TempDir {
    tree(&[("a b/params.yaml", b"x: \"\xff\"\n"), (".github/workflows/ci.yml", b"\0")])
}

#[test]
fn json_format() {
    let dir = two_faults();
    let out = check_in(dir.path(), &["--format", "json"], None);
    assert_eq!(out.code, 1);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["path"], ".github/workflows/ci.yml");
    assert_eq!(items[1]["path"], "a b/params.yaml");
    assert_eq!(items[1]["severity"], "error");
    assert_eq!(items[1]["code"], "file-unreadable");
    assert_eq!(
        items[1]["message"],
        "not valid UTF-8: byte 0xFF at line 1, column 5 (byte offset 4); not checked"
    );
    assert_eq!(
        items[1]["range"],
        serde_json::json!({"start": {"line": 1, "column": 5}, "end": {"line": 1, "column": 6}})
    );
    assert_eq!(items[1]["fixes"], serde_json::json!([]));
    assert_eq!(out.stderr, "2 errors, 0 warnings in 2 files\n");
}

#[test]
fn sarif_format() {
    let dir = two_faults();
    let out = check_in(dir.path(), &["--format", "sarif"], None);
    assert_eq!(out.code, 1);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "cml-lsp");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let all: Vec<&str> = cml_lsp::codes::ALL.iter().map(|c| c.code).collect();
    assert_eq!(rule_ids, all);
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let r = &results[1];
    assert_eq!(r["ruleId"], "file-unreadable");
    assert_eq!(r["ruleIndex"], all.iter().position(|c| *c == "file-unreadable").unwrap());
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "a%20b/params.yaml");
    assert_eq!(
        loc["region"],
        serde_json::json!({"startLine": 1, "startColumn": 5, "endLine": 1, "endColumn": 6})
    );
}

#[test]
fn github_format() {
    let dir = two_faults();
    let out = check_in(dir.path(), &["--format", "github"], None);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout.lines().collect::<Vec<_>>(),
        vec![
            "::error file=.github/workflows/ci.yml,line=1,col=1,endLine=1,endColumn=1,title=cml-lsp file-unreadable\
             ::binary file (NUL byte at offset 0), not checked",
            "::error file=a b/params.yaml,line=1,col=5,endLine=1,endColumn=6,title=cml-lsp file-unreadable\
             ::not valid UTF-8: byte 0xFF at line 1, column 5 (byte offset 4); not checked",
        ]
    );
}

/// Each `path:line:col: severity[code]: message` line up to the code.
fn heads(stdout: &str) -> Vec<String> {
    stdout.lines().map(|l| l.splitn(5, ':').take(4).collect::<Vec<_>>().join(":")).collect()
}

/// The faults planted in `examples/` (each marked by a `# FAULT:` comment). Add lines here as
/// the rules for the others land (e.g. the `dvc.yaml` param missing from `params.yaml`).
#[test]
fn examples_report_their_faults() {
    let out = check_in(&repo_root(), &["examples"], None);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let heads = heads(&out.stdout);
    let train = "examples/cloud-training/.github/workflows/train.yml";
    for expected in [
        "examples/broken/.github/workflows/broken.yml:9:6: error[yaml-syntax]".to_string(),
        format!("{train}:24:21: error[cml-invalid-choice]"),
        format!("{train}:25:13: error[cml-unknown-option]"),
        format!("{train}:54:28: warning[cml-unknown-runner-label]"),
        "examples/cloud-training/params.yaml:10:3: error[yaml-duplicate-key]".to_string(),
    ] {
        assert!(heads.contains(&expected), "missing {expected:?} in:\n{}", out.stdout);
    }
    assert!(out.stderr.ends_with(" in 4 files\n"), "{}", out.stderr);
}

/// The README's quick start: `check examples/cloud-training` gives four findings; the fifth
/// fault (a param missing from a params file that has a duplicate key) shows once the
/// duplicate is gone, as README says.
#[test]
fn quick_start_output_is_what_readme_says() {
    let out = check_in(&repo_root(), &["examples/cloud-training"], None);
    let train = "examples/cloud-training/.github/workflows/train.yml";
    let heads = heads(&out.stdout);
    assert_eq!(
        (out.code, heads, out.stderr.as_str()),
        (
            1,
            vec![
                format!("{train}:24:21: error[cml-invalid-choice]"),
                format!("{train}:25:13: error[cml-unknown-option]"),
                format!("{train}:54:28: warning[cml-unknown-runner-label]"),
                "examples/cloud-training/params.yaml:10:3: error[yaml-duplicate-key]".to_string(),
            ],
            "3 errors, 1 warning in 3 files\n"
        )
    );
    let example = repo_root().join("examples/cloud-training");
    let params = std::fs::read_to_string(example.join("params.yaml")).unwrap();
    assert!(params.contains("  epochs: 30\n"));
    let dvc = std::fs::read(example.join("dvc.yaml")).unwrap();
    let dir = tree(&[("params.yaml", params.replace("  epochs: 30\n", "").as_bytes()), ("dvc.yaml", &dvc)]);
    let out = check_in(dir.path(), &[], None);
    assert_eq!(
        out.stdout,
        "dvc.yaml:19:15: error[params-missing-key]: param 'train.dropout' is missing from 'params.yaml': 'train' has no 'dropout'\n"
    );
}

/// Every fault in `examples/` is marked the way README says: a comment starting `# FAULT:`.
#[test]
fn examples_mark_faults_with_the_readme_marker() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let root = repo_root();
    let mut files = Vec::new();
    walk(&root.join("examples"), &mut files);
    files.sort();
    let mut marked = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else { continue };
        let rel = f.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            if !line.contains("FAULT") {
                continue;
            }
            if line.trim_start().starts_with("# FAULT:") {
                marked.push(format!("{rel}:{}", i + 1));
            } else {
                // Only an explanation of the marker itself may name it otherwise.
                assert!(line.contains("`# FAULT:`"), "{rel}:{}: {line}", i + 1);
            }
        }
    }
    let train = "examples/cloud-training/.github/workflows/train.yml";
    assert_eq!(
        marked,
        [
            "examples/broken/.github/workflows/broken.yml:8".to_string(),
            format!("{train}:20"),
            format!("{train}:21"),
            format!("{train}:52"),
            "examples/cloud-training/dvc.yaml:18".to_string(),
            "examples/cloud-training/params.yaml:9".to_string(),
        ]
    );
}

/// Suppression comments and `diagnostics.disabled`, through the whole pipeline.
#[test]
fn suppressions_and_disabled_codes() {
    let params = b"a: 1\na: 2 # cml-lsp: disable=yaml-duplicate-key\nb: 1\n# cml-lsp: disable=all\n\nb: 2\nc: 1\nc: 2\n";
    let dir = tree(&[("params.yaml", params)]);
    let out = check_in(dir.path(), &[], None);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "params.yaml:8:1: error[yaml-duplicate-key]: duplicate key `c`\n");
    std::fs::write(dir.path().join("cfg.json"), br#"{"diagnostics": {"disabled": ["yaml-duplicate-key"]}}"#)
        .unwrap();
    let out = check_in(dir.path(), &["--config", "cfg.json"], None);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    let dir = tree(&[("params.yaml", b"# cml-lsp: disable-file=yaml-duplicate-key\nc: 1\nc: 2\n")]);
    let out = check_in(dir.path(), &[], None);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    // A misspelt code suppresses nothing and says so (a warning: exit 0).
    let dir = tree(&[("params.yaml", b"c: 1 # cml-lsp: disable=yaml-duplicte-key\n")]);
    let out = check_in(dir.path(), &[], None);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            0,
            "params.yaml:1:25: warning[suppress-unknown-code]: unknown code `yaml-duplicte-key` in a suppression \
             comment; it suppresses nothing; did you mean `yaml-duplicate-key`?\n",
            "0 errors, 1 warning in 1 file\n"
        )
    );
}

/// A second YAML document in a GitHub workflow is ignored by GitHub, and reported.
#[test]
fn workflow_with_two_documents_is_a_warning() {
    let dir = tree(&[(".github/workflows/ci.yml", b"on: push\njobs: {}\n---\njobs: {}\n")]);
    let out = check_in(dir.path(), &[], None);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            0,
            ".github/workflows/ci.yml:3:1: warning[workflow-multiple-documents]: GitHub reads only one YAML \
             document per workflow file; this one and those after it are ignored\n",
            "0 errors, 1 warning in 1 file\n"
        )
    );
}

/// YAML diagnostics through stdin; columns count characters, not bytes.
#[test]
fn stdin_yaml_diagnostics_count_columns_in_chars() {
    let dir = tree(&[]);
    let text = "name: x\non: push\njobs:\n  a:\n    steps:\n      - run: x\n     - run: y\n";
    let out =
        check_in(dir.path(), &["--kind", "github", "-", "--stdin-filename", "w.yml"], Some(text.as_bytes()));
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout.lines().next().unwrap_or(""),
        "w.yml:7:6: error[yaml-syntax]: this line is indented less than the sequence items above"
    );
    let out = check_in(
        dir.path(),
        &["-", "--stdin-filename", "params.yaml"],
        Some("x: {é: 1, a: 2, a: 3}\n".as_bytes()),
    );
    assert_eq!(out.stdout, "params.yaml:1:17: error[yaml-duplicate-key]: duplicate key `a`\n");
}

/// The README's table of diagnostic codes must match `codes::ALL`.
#[test]
fn readme_code_table_matches_registry() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = "<!-- codes:start -->\n";
    let end = "<!-- codes:end -->";
    let a = readme.find(start).expect("README lacks the codes:start marker") + start.len();
    let b = readme[a..].find(end).expect("README lacks the codes:end marker") + a;
    let mut expected = String::from("| Code | Severity | Meaning |\n| --- | --- | --- |\n");
    for c in cml_lsp::codes::ALL {
        expected.push_str(&format!("| `{}` | {} | {} |\n", c.code, c.severity.as_str(), c.summary));
    }
    assert_eq!(&readme[a..b], expected, "update README.md's code table to:\n{expected}");
}
