//! Forges (GitHub, GitLab, Bitbucket): detection from the remote's configured URL, API
//! base and token lookup, pull request requests and responses, and the manual
//! compare/new-MR page. The HTTP transport sits behind the [`Forge`] trait.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::error::{ErrorKind, ExpError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    Github,
    Gitlab,
    Bitbucket,
}

impl ForgeKind {
    pub fn parse(s: &str) -> Result<ForgeKind, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "github" => Ok(ForgeKind::Github),
            "gitlab" => Ok(ForgeKind::Gitlab),
            "bitbucket" => Ok(ForgeKind::Bitbucket),
            other => Err(format!("unknown forge {other:?} (expected github, gitlab or bitbucket)")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ForgeKind::Github => "GitHub",
            ForgeKind::Gitlab => "GitLab",
            ForgeKind::Bitbucket => "Bitbucket",
        }
    }

    fn request_word(self) -> &'static str {
        match self {
            ForgeKind::Gitlab => "merge request",
            _ => "pull request",
        }
    }
}

/// A remote URL taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteUrl {
    /// `https` or `http` for web URLs; `ssh` for ssh and scp-like forms.
    pub scheme: String,
    pub host: String,
    /// Kept for http(s) remotes only (an ssh port says nothing about the web UI).
    pub port: Option<u16>,
    /// The repository path without leading `/`, trailing `/` and `.git`.
    pub path: String,
}

/// Parses `https://[user[:pw]@]host[:port]/o/r(.git)`, `ssh://[user@]host[:port]/o/r.git`
/// and `[user@]host:o/r.git`.
pub fn parse_remote_url(url: &str) -> Option<RemoteUrl> {
    let url = url.trim();
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => {
            // scp-like: the ':' comes before any '/'
            let colon = url.find(':')?;
            if url[..colon].contains('/') {
                return None;
            }
            let host = url[..colon].rsplit('@').next()?.to_string();
            let path = clean_path(&url[colon + 1..])?;
            return (!host.is_empty()).then(|| RemoteUrl { scheme: "ssh".into(), host, port: None, path });
        }
    };
    let scheme = match scheme.as_str() {
        "https" | "http" => scheme,
        "ssh" | "git+ssh" | "ssh+git" | "git" => "ssh".to_string(),
        _ => return None,
    };
    let (authority, path) = rest.split_once('/')?;
    let hostport = authority.rsplit('@').next()?;
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().ok()),
        None => (hostport, None),
    };
    let port = if scheme == "ssh" { None } else { port };
    let path = clean_path(path)?;
    (!host.is_empty()).then(|| RemoteUrl { scheme, host: host.to_ascii_lowercase(), port, path })
}

fn clean_path(p: &str) -> Option<String> {
    let p = p.trim_matches('/');
    let p = p.strip_suffix(".git").unwrap_or(p).trim_end_matches('/');
    (!p.is_empty()).then(|| p.to_string())
}

/// The repository on its forge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForgeRepo {
    pub kind: ForgeKind,
    pub host: String,
    /// `https://github.com` (or `http://host:port` for an http remote).
    pub web_base: String,
    /// `owner/repo`; for GitLab the full group path `group/sub/project`.
    pub path: String,
}

/// Detects the forge from the remote's configured URL; `forced` overrides the host rule.
pub fn detect(url: &str, forced: Option<ForgeKind>) -> Result<ForgeRepo, String> {
    let u = parse_remote_url(url).ok_or_else(|| "the remote URL is not a URL git hosts use".to_string())?;
    let kind = match forced {
        Some(k) => k,
        None if u.host.contains("github") => ForgeKind::Github,
        None if u.host.contains("gitlab") => ForgeKind::Gitlab,
        None if u.host == "bitbucket.org" || u.host.ends_with(".bitbucket.org") => ForgeKind::Bitbucket,
        None => {
            return Err(format!(
                "cannot tell which forge hosts {} (not GitHub, GitLab or Bitbucket by name)",
                u.host
            ))
        }
    };
    let segs = u.path.split('/').count();
    let ok = match kind {
        ForgeKind::Gitlab => segs >= 2,
        _ => segs == 2,
    };
    if !ok {
        return Err(format!(
            "the remote path {:?} is not an owner/repository path on {}",
            u.path,
            kind.name()
        ));
    }
    let web_base = match (u.scheme.as_str(), u.port) {
        ("http" | "https", Some(p)) => format!("{}://{}:{p}", u.scheme, u.host),
        ("http" | "https", None) => format!("{}://{}", u.scheme, u.host),
        _ => format!("https://{}", u.host),
    };
    Ok(ForgeRepo { kind, host: u.host, web_base, path: u.path })
}

/// The API base URL: explicit (flag or setting), then the CI's env variable, then the
/// forge's default for the host.
pub fn api_base(repo: &ForgeRepo, explicit: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> String {
    if let Some(e) = explicit.map(str::trim).filter(|e| !e.is_empty()) {
        return e.trim_end_matches('/').to_string();
    }
    let from_env = match repo.kind {
        ForgeKind::Github => env("GITHUB_API_URL"),
        ForgeKind::Gitlab => env("CI_API_V4_URL"),
        ForgeKind::Bitbucket => None,
    };
    if let Some(e) = from_env.filter(|e| !e.trim().is_empty()) {
        return e.trim().trim_end_matches('/').to_string();
    }
    match repo.kind {
        ForgeKind::Github if repo.host == "github.com" => "https://api.github.com".into(),
        ForgeKind::Github => format!("{}/api/v3", repo.web_base),
        ForgeKind::Gitlab => format!("{}/api/v4", repo.web_base),
        ForgeKind::Bitbucket => "https://api.bitbucket.org".into(),
    }
}

/// Credentials for the forge API. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    Bearer(String),
    PrivateToken(String),
    Basic { user: String, password: String },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::Bearer(_) => "Auth::Bearer(***)",
            Auth::PrivateToken(_) => "Auth::PrivateToken(***)",
            Auth::Basic { .. } => "Auth::Basic(***)",
        })
    }
}

impl Auth {
    /// The secret strings, for redaction.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            Auth::Bearer(t) | Auth::PrivateToken(t) => vec![t.clone()],
            Auth::Basic { user, password } => vec![password.clone(), base64(&format!("{user}:{password}"))],
        }
    }

    /// Where the token came from, for messages.
    pub fn header(&self) -> (String, String) {
        match self {
            Auth::Bearer(t) => ("Authorization".into(), format!("Bearer {t}")),
            Auth::PrivateToken(t) => ("PRIVATE-TOKEN".into(), t.clone()),
            Auth::Basic { user, password } => {
                ("Authorization".into(), format!("Basic {}", base64(&format!("{user}:{password}"))))
            }
        }
    }
}

/// Finds a token in the environment (`GITHUB_TOKEN`/`GH_TOKEN`, `GITLAB_TOKEN`,
/// `BITBUCKET_TOKEN` or `BITBUCKET_USERNAME`+`BITBUCKET_APP_PASSWORD`), then `gh auth token`.
pub fn find_auth(
    kind: ForgeKind,
    host: &str,
    env: &dyn Fn(&str) -> Option<String>,
    gh: &dyn Fn(&str) -> Option<String>,
) -> Option<Auth> {
    let get = |k: &str| env(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    match kind {
        ForgeKind::Github => {
            get("GITHUB_TOKEN").or_else(|| get("GH_TOKEN")).or_else(|| gh(host)).map(Auth::Bearer)
        }
        ForgeKind::Gitlab => get("GITLAB_TOKEN").map(Auth::PrivateToken),
        ForgeKind::Bitbucket => get("BITBUCKET_TOKEN").map(Auth::Bearer).or_else(|| {
            Some(Auth::Basic { user: get("BITBUCKET_USERNAME")?, password: get("BITBUCKET_APP_PASSWORD")? })
        }),
    }
}

/// Percent-encodes everything but unreserved characters (and `/` when `keep_slash`).
pub fn pct(s: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The page where a person opens the pull/merge request by hand.
pub fn compare_url(repo: &ForgeRepo, base: &str, branch: &str) -> String {
    let web = format!("{}/{}", repo.web_base, repo.path);
    match repo.kind {
        ForgeKind::Github => format!("{web}/compare/{}...{}?expand=1", pct(base, true), pct(branch, true)),
        ForgeKind::Gitlab => format!(
            "{web}/-/merge_requests/new?merge_request[source_branch]={}&merge_request[target_branch]={}",
            pct(branch, false),
            pct(base, false)
        ),
        ForgeKind::Bitbucket => {
            format!("{web}/pull-requests/new?source={}&dest={}", pct(branch, false), pct(base, false))
        }
    }
}

/// One HTTP request to a forge API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRequest {
    pub method: &'static str,
    pub url: String,
    /// Headers, the auth header included (never logged).
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: String,
}

/// The HTTP transport to the forge API.
pub trait Forge: Send + Sync {
    /// Sends the request; `Err` only for transport failures (no connection, DNS, TLS, timeout).
    fn send(&self, req: &ApiRequest) -> Result<ApiResponse, String>;
}

/// ureq over rustls; HTTP error statuses are returned, not raised.
pub struct HttpForge {
    agent: ureq::Agent,
}

impl Default for HttpForge {
    fn default() -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        HttpForge { agent }
    }
}

impl Forge for HttpForge {
    fn send(&self, req: &ApiRequest) -> Result<ApiResponse, String> {
        let result = match (req.method, &req.body) {
            ("GET", _) => {
                let mut r = self.agent.get(&req.url);
                for (k, v) in &req.headers {
                    r = r.header(k.as_str(), v.as_str());
                }
                r.call()
            }
            (_, body) => {
                let mut r = self.agent.post(&req.url);
                for (k, v) in &req.headers {
                    r = r.header(k.as_str(), v.as_str());
                }
                let bytes = body.as_ref().map(|b| b.to_string()).unwrap_or_default();
                r.header("Content-Type", "application/json").send(bytes.as_bytes())
            }
        };
        let mut resp = result.map_err(|e| match e {
            ureq::Error::HostNotFound => "could not resolve the API host".to_string(),
            ureq::Error::Io(io) => format!("connection failed ({})", io.kind()),
            ureq::Error::Timeout(_) => "the API did not answer in time".to_string(),
            other => format!("request failed ({other})"),
        })?;
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        Ok(ApiResponse { status, body })
    }
}

/// What to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrSpec {
    pub title: String,
    pub body: String,
    pub head: String,
    pub base: String,
}

/// The opened (or found) pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrResult {
    pub url: String,
    /// False when an open pull request for the branch already existed.
    pub created: bool,
}

fn headers(kind: ForgeKind, auth: &Auth) -> Vec<(String, String)> {
    let mut h = vec![auth.header()];
    if kind == ForgeKind::Github {
        h.push(("Accept".into(), "application/vnd.github+json".into()));
        h.push(("X-GitHub-Api-Version".into(), "2022-11-28".into()));
    } else {
        h.push(("Accept".into(), "application/json".into()));
    }
    h.push(("User-Agent".into(), format!("cml-lsp/{}", env!("CARGO_PKG_VERSION"))));
    h
}

/// The create request for the forge's API.
pub fn create_request(repo: &ForgeRepo, api: &str, auth: &Auth, pr: &PrSpec) -> ApiRequest {
    let (url, body) = match repo.kind {
        ForgeKind::Github => (
            format!("{api}/repos/{}/pulls", repo.path),
            json!({"title": pr.title, "head": pr.head, "base": pr.base, "body": pr.body}),
        ),
        ForgeKind::Gitlab => (
            format!("{api}/projects/{}/merge_requests", pct(&repo.path, false)),
            json!({"source_branch": pr.head, "target_branch": pr.base, "title": pr.title, "description": pr.body}),
        ),
        ForgeKind::Bitbucket => (
            format!("{api}/2.0/repositories/{}/pullrequests", repo.path),
            json!({
                "title": pr.title,
                "description": pr.body,
                "source": {"branch": {"name": pr.head}},
                "destination": {"branch": {"name": pr.base}},
            }),
        ),
    };
    ApiRequest { method: "POST", url, headers: headers(repo.kind, auth), body: Some(body) }
}

/// The request listing open pull requests from `head` (to find an existing one).
pub fn find_request(repo: &ForgeRepo, api: &str, auth: &Auth, pr: &PrSpec) -> Option<ApiRequest> {
    let url = match repo.kind {
        ForgeKind::Github => {
            let owner = repo.path.split('/').next().unwrap_or_default();
            format!(
                "{api}/repos/{}/pulls?head={}&state=open",
                repo.path,
                pct(&format!("{owner}:{}", pr.head), false)
            )
        }
        ForgeKind::Gitlab => format!(
            "{api}/projects/{}/merge_requests?source_branch={}&target_branch={}&state=opened",
            pct(&repo.path, false),
            pct(&pr.head, false),
            pct(&pr.base, false)
        ),
        ForgeKind::Bitbucket => return None,
    };
    Some(ApiRequest { method: "GET", url, headers: headers(repo.kind, auth), body: None })
}

fn created_url(kind: ForgeKind, v: &Value) -> Option<String> {
    let u = match kind {
        ForgeKind::Github => v.get("html_url"),
        ForgeKind::Gitlab => v.get("web_url"),
        ForgeKind::Bitbucket => v.pointer("/links/html/href"),
    };
    u.and_then(Value::as_str).map(str::to_string)
}

fn api_message(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let mut parts = Vec::new();
    for p in ["/message", "/error/message", "/error", "/errors/0/message", "/message/0"] {
        if let Some(s) = v.pointer(p).and_then(Value::as_str) {
            if !parts.iter().any(|x: &String| x == s) {
                parts.push(s.to_string());
            }
        }
    }
    if parts.is_empty() {
        let t: String = body.trim().chars().take(200).collect();
        if !t.is_empty() {
            parts.push(t);
        }
    }
    parts.join(": ")
}

/// Opens the pull request; finds the open one when the forge says it already exists.
pub fn open_pr(
    forge: &dyn Forge,
    repo: &ForgeRepo,
    api: &str,
    auth: &Auth,
    pr: &PrSpec,
) -> Result<PrResult, ExpError> {
    let secrets = auth.secrets();
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let clean = |s: &str| super::redact::redact(s, &secret_refs);
    let req = create_request(repo, api, auth, pr);
    let resp = forge.send(&req).map_err(|e| {
        ExpError::new(
            ErrorKind::Network,
            format!("could not reach the {} API at {api}: {}", repo.kind.name(), clean(&e)),
        )
    })?;
    if (200..300).contains(&resp.status) {
        let v: Value = serde_json::from_str(&resp.body).unwrap_or(Value::Null);
        let url = created_url(repo.kind, &v).ok_or_else(|| {
            ExpError::new(
                ErrorKind::Forge,
                format!(
                    "the {} API answered without a link to the {}",
                    repo.kind.name(),
                    repo.kind.request_word()
                ),
            )
        })?;
        return Ok(PrResult { url, created: true });
    }
    let msg = clean(&api_message(&resp.body));
    let exists = match repo.kind {
        ForgeKind::Github => resp.status == 422 && resp.body.contains("already exists"),
        ForgeKind::Gitlab => resp.status == 409,
        ForgeKind::Bitbucket => false,
    };
    if exists {
        if let Some(find) = find_request(repo, api, auth, pr) {
            if let Ok(r) = forge.send(&find) {
                let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                if let Some(url) = v.get(0).and_then(|x| created_url(repo.kind, x)) {
                    return Ok(PrResult { url, created: false });
                }
            }
        }
    }
    let word = repo.kind.request_word();
    let name = repo.kind.name();
    let (message, hint) = match resp.status {
        401 => (
            format!("the {name} API rejected the token (401 Unauthorized)"),
            "check that the token is valid and not expired".to_string(),
        ),
        403 => (
            format!("the token may not open {word}s in {} (403 Forbidden): {msg}", repo.path),
            "give the token write access to pull requests (GitHub: pull-requests: write; GitLab: api scope)"
                .into(),
        ),
        404 => (
            format!("the {name} API does not show {} (404 Not Found)", repo.path),
            "check the repository path and that the token can see it; for self-hosted servers set --api-url"
                .into(),
        ),
        422 | 409 | 400 => {
            (format!("the {name} API refused the {word} ({}): {msg}", resp.status), String::new())
        }
        s if s >= 500 => (format!("the {name} API failed ({s}): {msg}"), "try again later".into()),
        s => (format!("the {name} API answered {s}: {msg}"), String::new()),
    };
    let mut e = ExpError::new(ErrorKind::Forge, message);
    if !hint.is_empty() {
        e = e.hint(hint);
    }
    e.status = Some(resp.status);
    Err(e)
}

fn base64(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 { T[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if c.len() > 2 { T[n as usize & 63] as char } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_remote_urls() {
        let u = parse_remote_url("https://github.com/acme/model.git").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.port, u.path.as_str()),
            ("https", "github.com", None, "acme/model")
        );
        let u = parse_remote_url("git@gitlab.com:group/sub/proj.git").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.path.as_str()),
            ("ssh", "gitlab.com", "group/sub/proj")
        );
        let u = parse_remote_url("ssh://git@git.corp.example:2222/team/repo.git/").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.path.as_str()), ("git.corp.example", None, "team/repo"));
        let u = parse_remote_url("http://user:pw@localhost:8080/a/b").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.path.as_str()), ("localhost", Some(8080), "a/b"));
        assert_eq!(parse_remote_url("/srv/git/repo.git"), None);
        assert_eq!(parse_remote_url("file:///srv/git/repo.git"), None);
    }

    #[test]
    fn detects_forges() {
        let r = detect("git@github.com:acme/model.git", None).unwrap();
        assert_eq!(
            r,
            ForgeRepo {
                kind: ForgeKind::Github,
                host: "github.com".into(),
                web_base: "https://github.com".into(),
                path: "acme/model".into()
            }
        );
        let r = detect("https://github.acme.corp/ml/model", None).unwrap();
        assert_eq!((r.kind, r.web_base.as_str()), (ForgeKind::Github, "https://github.acme.corp"));
        let r = detect("https://gitlab.example.org/a/b/c.git", None).unwrap();
        assert_eq!((r.kind, r.path.as_str()), (ForgeKind::Gitlab, "a/b/c"));
        let r = detect("git@bitbucket.org:ws/slug.git", None).unwrap();
        assert_eq!((r.kind, r.path.as_str()), (ForgeKind::Bitbucket, "ws/slug"));
        let r = detect("https://git.corp/ml/model.git", Some(ForgeKind::Gitlab)).unwrap();
        assert_eq!((r.kind, r.web_base.as_str()), (ForgeKind::Gitlab, "https://git.corp"));
        assert_eq!(
            detect("https://git.corp/ml/model.git", None).unwrap_err(),
            "cannot tell which forge hosts git.corp (not GitHub, GitLab or Bitbucket by name)"
        );
        assert_eq!(
            detect("https://github.com/a/b/c", None).unwrap_err(),
            "the remote path \"a/b/c\" is not an owner/repository path on GitHub"
        );
    }

    #[test]
    fn api_bases() {
        let none = |_: &str| None;
        let gh = detect("https://github.com/a/b", None).unwrap();
        assert_eq!(api_base(&gh, None, &none), "https://api.github.com");
        assert_eq!(api_base(&gh, Some("http://127.0.0.1:9/"), &none), "http://127.0.0.1:9");
        let env = |k: &str| (k == "GITHUB_API_URL").then(|| "https://ghe.example/api/v3/".to_string());
        assert_eq!(api_base(&gh, None, &env), "https://ghe.example/api/v3");
        let ghe = detect("git@github.acme.corp:a/b.git", None).unwrap();
        assert_eq!(api_base(&ghe, None, &none), "https://github.acme.corp/api/v3");
        let gl = detect("git@gitlab.example.org:g/p.git", None).unwrap();
        assert_eq!(api_base(&gl, None, &none), "https://gitlab.example.org/api/v4");
        let bb = detect("https://bitbucket.org/w/s.git", None).unwrap();
        assert_eq!(api_base(&bb, None, &env), "https://api.bitbucket.org");
    }

    #[test]
    fn compare_urls() {
        let gh = detect("https://github.com/acme/model.git", None).unwrap();
        assert_eq!(
            compare_url(&gh, "main", "exp/lr-abc1234"),
            "https://github.com/acme/model/compare/main...exp/lr-abc1234?expand=1"
        );
        let gl = detect("git@gitlab.com:g/s/p.git", None).unwrap();
        assert_eq!(
            compare_url(&gl, "main", "exp/x"),
            "https://gitlab.com/g/s/p/-/merge_requests/new?merge_request[source_branch]=exp%2Fx&merge_request[target_branch]=main"
        );
        let bb = detect("git@bitbucket.org:w/s.git", None).unwrap();
        assert_eq!(
            compare_url(&bb, "main", "exp/x"),
            "https://bitbucket.org/w/s/pull-requests/new?source=exp%2Fx&dest=main"
        );
    }

    #[test]
    fn auth_lookup_and_headers() {
        let env = |k: &str| match k {
            "GH_TOKEN" => Some("tok-gh".to_string()),
            "BITBUCKET_USERNAME" => Some("me".to_string()),
            "BITBUCKET_APP_PASSWORD" => Some("pw".to_string()),
            _ => None,
        };
        let no_gh = |_: &str| None;
        assert_eq!(
            find_auth(ForgeKind::Github, "github.com", &env, &no_gh),
            Some(Auth::Bearer("tok-gh".into()))
        );
        assert_eq!(find_auth(ForgeKind::Gitlab, "gitlab.com", &env, &no_gh), None);
        let bb = find_auth(ForgeKind::Bitbucket, "bitbucket.org", &env, &no_gh).unwrap();
        assert_eq!(bb.header(), ("Authorization".to_string(), "Basic bWU6cHc=".to_string()));
        assert_eq!(format!("{bb:?}"), "Auth::Basic(***)");
        let from_gh = |h: &str| Some(format!("gh-for-{h}"));
        assert_eq!(
            find_auth(ForgeKind::Github, "github.com", &|_| None, &from_gh),
            Some(Auth::Bearer("gh-for-github.com".into()))
        );
        assert_eq!(base64("ab"), "YWI=");
        assert_eq!(base64("abc"), "YWJj");
    }

    #[test]
    fn create_requests_follow_each_api() {
        let pr = PrSpec { title: "T".into(), body: "B".into(), head: "exp/x".into(), base: "main".into() };
        let gl = detect("git@gitlab.com:g/s/p.git", None).unwrap();
        let r = create_request(&gl, "https://gitlab.com/api/v4", &Auth::PrivateToken("t".into()), &pr);
        assert_eq!(r.url, "https://gitlab.com/api/v4/projects/g%2Fs%2Fp/merge_requests");
        assert_eq!(r.headers[0], ("PRIVATE-TOKEN".to_string(), "t".to_string()));
        assert_eq!(
            r.body,
            Some(
                json!({"source_branch": "exp/x", "target_branch": "main", "title": "T", "description": "B"})
            )
        );
        let bb = detect("git@bitbucket.org:w/s.git", None).unwrap();
        let r = create_request(&bb, "https://api.bitbucket.org", &Auth::Bearer("t".into()), &pr);
        assert_eq!(r.url, "https://api.bitbucket.org/2.0/repositories/w/s/pullrequests");
        assert_eq!(
            r.body,
            Some(
                json!({"title": "T", "description": "B", "source": {"branch": {"name": "exp/x"}}, "destination": {"branch": {"name": "main"}}})
            )
        );
        let gh = detect("git@github.com:acme/model.git", None).unwrap();
        let f = find_request(&gh, "https://api.github.com", &Auth::Bearer("t".into()), &pr).unwrap();
        assert_eq!(f.url, "https://api.github.com/repos/acme/model/pulls?head=acme%3Aexp%2Fx&state=open");
    }

    #[test]
    fn api_messages() {
        assert_eq!(
            api_message(
                r#"{"message":"Validation Failed","errors":[{"message":"No commits between main and x"}]}"#
            ),
            "Validation Failed: No commits between main and x"
        );
        assert_eq!(api_message(r#"{"error":{"message":"Bad"}}"#), "Bad");
        assert_eq!(api_message("oops"), "oops");
    }
}
