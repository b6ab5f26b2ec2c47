//! Shared fixtures for the experiment tests: an isolated git environment, a work repo with
//! a local bare "forge" remote reached through `url.<dir>.insteadOf`, a recording forge
//! stand-in on 127.0.0.1, and before/after snapshots of everything the user owns.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, Once, OnceLock};

use cml_lsp::experiment::{self, Deps, ExpError, ExperimentRequest, Outcome, Step};

/// A recognisable fake token: every test greps for it.
pub const TOKEN: &str = "ghp_FAKEt0kenF0rTests1234567890abcd";

static ENV: Once = Once::new();
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Isolates git from the machine's config (HOME, global and system config) once per test
/// binary, and captures every log line (trace level) for the token checks.
pub fn isolate() {
    ENV.call_once(|| {
        let home = tempfile::tempdir().unwrap().keep();
        let global = home.join("gitconfig");
        std::fs::write(&global, "").unwrap();
        // SAFETY: done once, before any test thread spawns a child or reads these.
        unsafe {
            std::env::set_var("HOME", &home);
            std::env::set_var("XDG_CONFIG_HOME", home.join("xdg"));
            std::env::set_var("GIT_CONFIG_GLOBAL", &global);
            std::env::set_var("GIT_CONFIG_NOSYSTEM", "1");
            std::env::set_var("GNUPGHOME", home.join("gnupg"));
            for v in
                ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN"]
            {
                std::env::remove_var(v);
            }
        }
        unsafe {
            git2::opts::set_search_path(git2::ConfigLevel::System, "").unwrap();
            git2::opts::set_search_path(git2::ConfigLevel::Global, &home).unwrap();
            git2::opts::set_search_path(git2::ConfigLevel::XDG, home.join("xdg")).unwrap();
        }
        let buf = Arc::new(Mutex::new(Vec::new()));
        LOGS.set(buf.clone()).unwrap();
        let writer = LogWriter(buf);
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .try_init();
    });
}

pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.get().unwrap().lock().unwrap()).into_owned()
}

/// Runs the git CLI, asserting success; returns trimmed stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().unwrap();
    assert!(out.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

pub fn git_ok(dir: &Path, args: &[&str]) -> bool {
    Command::new("git").arg("-C").arg(dir).args(args).output().unwrap().status.success()
}

pub const PARAMS: &str = "# training params\ntrain:\n  lr: 0.001  # learning rate\n  epochs: 10\n  optimizer: 'adam'\nmodel:\n  layers:\n    - units: 32\n";
pub const DVC: &str =
    "stages:\n  train:\n    cmd: python train.py\n    params:\n      - train.lr\n      - model\n";

pub struct Fixture {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub work: PathBuf,
    pub bare: PathBuf,
}

impl Fixture {
    /// A work repo on `main` with params.yaml and dvc.yaml pushed to a bare remote whose
    /// configured URL is `https://HOST/PATH.git`, an uncommitted edit and a staged change.
    pub fn new(host: &str, path: &str) -> Fixture {
        isolate();
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let forge_dir = root.join("forge");
        let bare = forge_dir.join(format!("{path}.git"));
        std::fs::create_dir_all(&bare).unwrap();
        git(&bare, &["init", "-q", "--bare", "-b", "main"]);
        let work = root.join("work");
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "-q", "-b", "main"]);
        git(&work, &["config", "user.name", "Ada Lovelace"]);
        git(&work, &["config", "user.email", "ada@example.com"]);
        git(&work, &["remote", "add", "origin", &format!("https://{host}/{path}.git")]);
        git(
            &work,
            &["config", &format!("url.{}/.insteadOf", forge_dir.display()), &format!("https://{host}/")],
        );
        std::fs::write(work.join("params.yaml"), PARAMS).unwrap();
        std::fs::write(work.join("dvc.yaml"), DVC).unwrap();
        std::fs::write(work.join("notes.txt"), "notes\n").unwrap();
        git(&work, &["add", "."]);
        git(&work, &["commit", "-q", "-m", "initial"]);
        git(&work, &["push", "-q", "-u", "origin", "main"]);
        // The user's own unfinished work: a staged change and an unstaged edit.
        std::fs::write(work.join("notes.txt"), "notes\nstaged line\n").unwrap();
        git(&work, &["add", "notes.txt"]);
        std::fs::write(work.join("params.yaml"), PARAMS.replace("epochs: 10", "epochs: 99  # wip")).unwrap();
        Fixture { _tmp: tmp, root, work, bare }
    }

    pub fn github() -> Fixture {
        Fixture::new("github.com", "acme/model")
    }

    pub fn head(&self) -> String {
        git(&self.work, &["rev-parse", "HEAD"])
    }

    pub fn request(&self) -> ExperimentRequest {
        ExperimentRequest { repo: self.work.clone(), ..Default::default() }
    }

    pub fn remote_ref(&self, branch: &str) -> Option<String> {
        let r = format!("refs/heads/{branch}");
        git_ok(&self.bare, &["rev-parse", "--verify", "-q", &r]).then(|| git(&self.bare, &["rev-parse", &r]))
    }

    pub fn snapshot(&self) -> Snapshot {
        let mut files = BTreeMap::new();
        walk(&self.work, &self.work, &mut files);
        Snapshot {
            files,
            index: std::fs::read(self.work.join(".git/index")).unwrap(),
            head: std::fs::read_to_string(self.work.join(".git/HEAD")).unwrap(),
            local_refs: git(&self.work, &["for-each-ref", "refs/heads", "refs/tags"]),
            config: std::fs::read_to_string(self.work.join(".git/config")).unwrap(),
            status: git(&self.work, &["status", "--porcelain=v1"]),
            cached_diff: git(&self.work, &["diff", "--cached"]),
        }
    }

    pub fn object_count(&self) -> usize {
        let mut n = 0;
        for d in std::fs::read_dir(self.work.join(".git/objects")).unwrap().flatten() {
            let name = d.file_name().to_string_lossy().into_owned();
            if name.len() == 2 {
                n += std::fs::read_dir(d.path()).unwrap().count();
            }
        }
        n
    }

    /// Changed paths between the base and the commit, with the new blobs' text.
    pub fn commit_changes(&self, commit: &str, base: &str) -> Vec<(String, String)> {
        let names = git(&self.work, &["diff-tree", "-r", "--name-only", "--no-commit-id", base, commit]);
        names
            .lines()
            .map(|p| (p.to_string(), git_raw(&self.work, &["show", &format!("{commit}:{p}")])))
            .collect()
    }
}

pub fn git_raw(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.insert(p.strip_prefix(root).unwrap().display().to_string(), std::fs::read(&p).unwrap());
        }
    }
}

/// Everything of the user's that a run must leave alone.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub files: BTreeMap<String, Vec<u8>>,
    pub index: Vec<u8>,
    pub head: String,
    pub local_refs: String,
    pub config: String,
    pub status: String,
    pub cached_diff: String,
}

/// One request the forge stand-in received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Lower-case names.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

type Responder = dyn Fn(&Recorded) -> (u16, String) + Send + Sync;

/// A forge stand-in on 127.0.0.1 that records requests and answers with `respond`.
pub struct FakeForge {
    pub url: String,
    pub port: u16,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeForge {
    pub fn start(respond: impl Fn(&Recorded) -> (u16, String) + Send + Sync + 'static) -> FakeForge {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let reqs = requests.clone();
        let respond: Arc<Responder> = Arc::new(respond);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() || line.is_empty() {
                    continue;
                }
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or_default().to_string();
                let path = parts.next().unwrap_or_default().to_string();
                let mut headers = HashMap::new();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                    }
                }
                let len: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                let rec =
                    Recorded { method, path, headers, body: String::from_utf8_lossy(&body).into_owned() };
                let (status, body) = respond(&rec);
                reqs.lock().unwrap().push(rec);
                let extra = if status == 401 { "WWW-Authenticate: Basic realm=\"forge\"\r\n" } else { "" };
                let resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(resp.as_bytes());
            }
        });
        FakeForge { url: format!("http://127.0.0.1:{port}"), port, requests }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

/// The result of a run with its progress messages.
pub struct Ran {
    pub result: Result<Outcome, ExpError>,
    pub steps: Vec<(Step, String)>,
}

pub fn run_with_env(req: &ExperimentRequest, env: &[(&str, &str)], cancel: bool) -> Ran {
    let mut steps = Vec::new();
    let flag = AtomicBool::new(cancel);
    let result = with_deps(env, |deps| {
        experiment::run_with(req, deps, &mut |s, m| steps.push((s, m.to_string())), &flag)
    });
    Ran { result, steps }
}

pub fn preview_with_env(
    req: &ExperimentRequest,
    env: &[(&str, &str)],
) -> Result<experiment::Preview, ExpError> {
    with_deps(env, |deps| experiment::preview_with(req, deps))
}

/// [`preview_with_env`] for the editor's review step.
pub fn review_with_env(
    req: &ExperimentRequest,
    env: &[(&str, &str)],
) -> Result<experiment::Preview, ExpError> {
    with_deps(env, |deps| experiment::preview_for_review_with(req, deps))
}

/// The real git and HTTP providers with `env` as the only environment.
fn with_deps<T>(env: &[(&str, &str)], f: impl FnOnce(&Deps<'_>) -> T) -> T {
    let git = experiment::SystemGit { git: "git".into(), gh: None };
    let http = experiment::HttpForge::default();
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let lookup = move |k: &str| env.get(k).cloned();
    f(&Deps { git: &git, forge: &http, env: &lookup })
}

/// Fails when the fake token shows up in any text the user or the logs could see.
pub fn assert_no_token(fx: &Fixture, texts: &[String]) {
    for t in texts {
        assert!(!t.contains(TOKEN), "token leaked into: {t}");
    }
    let config = std::fs::read_to_string(fx.work.join(".git/config")).unwrap();
    assert!(!config.contains(TOKEN), "token in .git/config");
    let remotes = git(&fx.work, &["remote", "-v"]);
    assert!(!remotes.contains(TOKEN));
    assert!(!logs().contains(TOKEN), "token in logs");
}
