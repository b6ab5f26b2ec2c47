//! The protocol layer: the only module that knows LSP types.
//!
//! - `mod.rs`: [`serve`], the [`Backend`] and its `LanguageServer` impl (a dispatch table).
//! - `caps.rs`: client capabilities resolved to booleans, our capabilities, encoding negotiation.
//! - `convert.rs`: our types <-> LSP types; positions only through [`crate::text`].
//! - `handlers.rs`: request handlers over a store snapshot.
//! - `commands.rs`: `workspace/executeCommand` ids, typed arguments and entry points.
//!
//! Document edits are applied synchronously (no `.await` before the store is updated), so
//! notifications keep their order even though tower-lsp runs handlers concurrently.
//!
//! Requests come before background diagnostics: diagnostics run on their own thread below
//! normal priority (on Linux), and the diagnostics loop lets the messages already read be
//! dispatched, then waits (at most [`REQUEST_PRIORITY`]) while requests are running. So a
//! completion sent right after a keystroke does not share the CPU with that keystroke's
//! whole-file analysis.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};
use tracing::{info_span, warn, Instrument};

use crate::analysis::FileInput;
use crate::config::Settings;
use crate::diag::Diagnostic;
use crate::kind::FileKind;
use crate::store::{ChangeError, Store, TextChange};
use crate::text::Encoding;
use crate::workspace::Workspace;

pub mod caps;
pub mod commands;
pub mod convert;
pub mod experiment;
pub mod generate;
pub mod handlers;
pub mod inbound;

use caps::ClientCaps;
use handlers::Ctx;

/// The diagnostics function the server runs; [`crate::analysis::analyze`] unless a test
/// injects another one with [`Backend::with_analyzer`].
pub type AnalyzeFn = Arc<dyn Fn(&FileInput<'_>, &dyn Workspace, &Settings) -> Vec<Diagnostic> + Send + Sync>;

/// How long we wait for the client to answer our requests (configuration, registration).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the background thread must be idle before it frees a closed document's tree.
const FREE_WHEN_IDLE: Duration = Duration::from_millis(100);

/// How long background diagnostics wait for running requests before starting anyway.
const REQUEST_PRIORITY: Duration = Duration::from_millis(50);

/// A document whose last analysis took at least this long is analysed [`REQUEST_GRACE`]
/// after a change, so that the request an editor sends with the keystroke (completion,
/// signature help) is read and answered first instead of sharing the CPU with the analysis.
/// Not lower: at 1 ms the 100,000-key committed params file (2 ms of analysis) got the
/// grace too, and its keystroke's diagnostics went from 2.6-3.6 to 6.1-7.2 ms, while the
/// completion after a 1,000-job keystroke did not get faster (same-hour A/B).
const SLOW_ANALYSIS: Duration = Duration::from_millis(4);
const REQUEST_GRACE: Duration = Duration::from_millis(2);

/// Runs the server over stdio until the client exits or closes stdin.
/// Exit code 0 after `shutdown` then `exit`, 1 otherwise (as the LSP specification asks).
pub fn serve() -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shut_down = Arc::new(AtomicBool::new(false));
    let flag = shut_down.clone();
    rt.block_on(async move {
        let (service, socket) = LspService::new(|client| Backend::new(client).with_shutdown_flag(flag));
        // Frames are checked before the protocol library reads them: it would end the
        // session at the first one it cannot decode.
        let stdin = inbound::Checked::new(tokio::io::stdin(), |p: inbound::Problem| {
            tracing::error!(
                "dropped a message from the client (at byte {} of the stream): {}",
                p.offset,
                p.message
            );
        });
        Server::new(stdin, tokio::io::stdout(), socket).serve(service).await;
    });
    // The stdin reader may be blocked in a read that never returns (exit without EOF).
    rt.shutdown_timeout(Duration::from_millis(100));
    if shut_down.load(Ordering::SeqCst) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// What `initialize` decided; fixed for the session.
#[derive(Clone, Copy, Debug, Default)]
struct Session {
    caps: ClientCaps,
    enc: Encoding,
}

pub struct Backend {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    store: Store,
    session: OnceLock<Session>,
    analyze: AnalyzeFn,
    diag_tx: mpsc::UnboundedSender<Vec<String>>,
    diag_rx: Mutex<Option<mpsc::UnboundedReceiver<Vec<String>>>>,
    /// URIs whose last push had diagnostics (so they can be cleared).
    published: Mutex<BTreeSet<String>>,
    shut_down: Arc<AtomicBool>,
    /// Orders concurrent settings refreshes: only the newest reply is applied.
    settings_gen: AtomicU64,
    /// Requests running now, and a wake-up when that drops to zero.
    inflight: AtomicUsize,
    idle: tokio::sync::Notify,
    background: Background,
    /// How long each open document's last analysis took.
    analysis_cost: Mutex<HashMap<String, Duration>>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Work for the background thread: an analysis; work that can wait until the thread has
/// been idle for [`FREE_WHEN_IDLE`] (warming a cache for the next request), keyed so that
/// only the latest job of a key waits; or freeing something large (a closed document's
/// tree), also when idle.
enum Work {
    Job(Job),
    Idle(String, Job),
    Free(Box<dyn Send>),
}

/// `f` as a job whose panic is logged instead of ending the thread.
fn guarded(f: impl FnOnce() + Send + 'static) -> Job {
    Box::new(move || {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err() {
            tracing::error!("a background job panicked");
        }
    })
}

/// The thread that runs idle work (see [`Background::when_idle`]), one job at a time, at a
/// lower priority than diagnostics. `None` when it cannot be started (idle work then runs
/// on the diagnostics thread).
fn start_warm_thread() -> Option<std::sync::mpsc::Sender<Job>> {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let spawned = std::thread::Builder::new().name("cml-lsp-warm".into()).spawn(move || {
        lower_priority(WARM_NICE);
        while let Ok(job) = rx.recv() {
            job();
        }
    });
    match spawned {
        Ok(_) => Some(tx),
        Err(e) => {
            tracing::error!("cannot start the warming thread: {e}");
            None
        }
    }
}

/// The thread background diagnostics run on, one job at a time, below normal priority so
/// that request handlers preempt it.
struct Background {
    tx: std::sync::mpsc::Sender<Work>,
}

impl Background {
    fn start() -> Background {
        let (tx, rx) = std::sync::mpsc::channel::<Work>();
        let spawned = std::thread::Builder::new().name("cml-lsp-diagnostics".into()).spawn(move || {
            lower_priority(DIAGNOSTICS_NICE);
            let warm = start_warm_thread();
            let mut frees: Vec<Box<dyn Send>> = Vec::new();
            let mut idle: Vec<(String, Job)> = Vec::new();
            loop {
                // Analyses first; idle work, then a free, once nothing has come for a while
                // (an editor pauses between bursts), so they rarely delay an analysis.
                let work = if frees.is_empty() && idle.is_empty() {
                    match rx.recv() {
                        Ok(w) => w,
                        Err(_) => return,
                    }
                } else {
                    match rx.recv_timeout(FREE_WHEN_IDLE) {
                        Ok(w) => w,
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                            // Idle work runs on its own thread, so that an analysis
                            // arriving meanwhile does not wait for it.
                            if idle.is_empty() {
                                drop(frees.pop());
                            }
                            for (_, job) in idle.drain(..) {
                                match &warm {
                                    Some(w) => {
                                        let _ = w.send(job);
                                    }
                                    None => job(),
                                }
                            }
                            continue;
                        }
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                };
                match work {
                    Work::Job(job) => job(),
                    Work::Idle(key, job) => {
                        idle.retain(|(k, _)| *k != key);
                        idle.push((key, job));
                    }
                    Work::Free(f) => frees.push(f),
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!("cannot start the diagnostics thread: {e}");
        }
        Background { tx }
    }

    /// Runs `f` on the thread; `Err` with a message when it panicked or the thread is gone.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = done.send(r.map_err(|_| "the analysis panicked".to_string()));
        });
        self.tx.send(Work::Job(job)).map_err(|_| "the diagnostics thread is gone".to_string())?;
        result.await.map_err(|_| "the diagnostics thread is gone".to_string())?
    }

    /// Runs `f` on the thread after what is queued, without waiting for it.
    fn spawn(&self, f: impl FnOnce() + Send + 'static) {
        let _ = self.tx.send(Work::Job(guarded(f)));
    }

    /// Runs `f` once the thread has been idle for [`FREE_WHEN_IDLE`], on the warming
    /// thread, so an analysis that arrives meanwhile does not wait for it. A later job with
    /// the same `key` replaces this one if it has not started.
    fn when_idle(&self, key: String, f: impl FnOnce() + Send + 'static) {
        let _ = self.tx.send(Work::Idle(key, guarded(f)));
    }

    /// Drops `value` on the thread when it is idle (freeing a large tree takes milliseconds).
    fn free(&self, value: impl Send + 'static) {
        // If the thread is gone the value comes back and is dropped here.
        let _ = self.tx.send(Work::Free(Box::new(value)));
    }
}

/// Lowers the calling thread's priority to `nice`. On Linux the nice value is per thread.
#[cfg(target_os = "linux")]
fn lower_priority(nice: libc::c_int) {
    // SAFETY: plain system calls on the calling thread's own id; no memory is shared.
    let failed = unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, nice) != 0
    };
    if failed {
        warn!("cannot lower a background thread's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(_nice: i32) {}

/// The diagnostics thread's nice value; the warming thread's is lower still.
const DIAGNOSTICS_NICE: i32 = 5;
const WARM_NICE: i32 = 10;

/// Counts a running request (see [`Inner::requests_done`]).
struct Inflight<'a>(&'a Inner);

impl<'a> Inflight<'a> {
    fn new(inner: &'a Inner) -> Inflight<'a> {
        inner.inflight.fetch_add(1, Ordering::SeqCst);
        Inflight(inner)
    }
}

impl Drop for Inflight<'_> {
    fn drop(&mut self) {
        if self.0.inflight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend::with_analyzer(client, Arc::new(crate::analysis::analyze))
    }

    /// A backend whose diagnostics come from `analyze` (a seam for protocol tests).
    pub fn with_analyzer(client: Client, analyze: AnalyzeFn) -> Backend {
        let (diag_tx, diag_rx) = mpsc::unbounded_channel();
        Backend {
            inner: Arc::new(Inner {
                client,
                store: Store::new(),
                session: OnceLock::new(),
                analyze,
                diag_tx,
                diag_rx: Mutex::new(Some(diag_rx)),
                published: Mutex::new(BTreeSet::new()),
                shut_down: Arc::new(AtomicBool::new(false)),
                settings_gen: AtomicU64::new(0),
                inflight: AtomicUsize::new(0),
                idle: tokio::sync::Notify::new(),
                background: Background::start(),
                analysis_cost: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Shares the flag that `shutdown` sets (read by [`serve`] for the exit code).
    pub fn with_shutdown_flag(self, flag: Arc<AtomicBool>) -> Backend {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.shut_down = flag;
                Backend { inner: Arc::new(inner) }
            }
            Err(inner) => Backend { inner },
        }
    }

    /// The document store (for tests and commands).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }
}

impl Inner {
    fn session(&self) -> Session {
        self.session.get().copied().unwrap_or_default()
    }

    fn ctx(&self) -> Ctx {
        let s = self.session();
        Ctx { snap: self.store.snapshot(), enc: s.enc, caps: s.caps }
    }

    /// Queues push diagnostics for `uris` (pull clients get a refresh request instead).
    fn schedule(self: &Arc<Self>, uris: Vec<String>) {
        if uris.is_empty() {
            return;
        }
        let caps = self.session().caps;
        if caps.pull_diagnostics {
            if caps.diagnostic_refresh {
                let client = self.client.clone();
                tokio::spawn(async move {
                    if tokio::time::timeout(CLIENT_TIMEOUT, client.workspace_diagnostic_refresh())
                        .await
                        .is_err()
                    {
                        warn!("workspace/diagnostic/refresh timed out");
                    }
                });
            }
            return;
        }
        let _ = self.diag_tx.send(uris);
    }

    /// The open documents of the given kinds (all known kinds when `kinds` is `None`).
    fn open_uris(&self, kinds: Option<&dyn Fn(FileKind) -> bool>) -> Vec<String> {
        self.store
            .documents()
            .into_iter()
            .filter(|d| match (d.kind, kinds) {
                (Some(k), Some(f)) => f(k),
                (Some(_), None) => true,
                // Files that lost their kind may need their old diagnostics cleared.
                (None, _) => self.published.lock().is_ok_and(|p| p.contains(&d.uri)),
            })
            .map(|d| d.uri.clone())
            .collect()
    }

    /// Files another file's analysis may read: dvc.yaml and params files.
    fn dependents_of(&self, kind: Option<FileKind>) -> Vec<String> {
        match kind {
            Some(FileKind::DvcYaml | FileKind::Params(_)) => {
                self.open_uris(Some(&|k| matches!(k, FileKind::DvcYaml | FileKind::Params(_))))
            }
            _ => Vec::new(),
        }
    }

    /// Lets already-read messages be dispatched, then waits while requests run (at most
    /// [`REQUEST_PRIORITY`]).
    async fn requests_done(&self) {
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        let deadline = tokio::time::Instant::now() + REQUEST_PRIORITY;
        loop {
            let idle = self.idle.notified();
            if self.inflight.load(Ordering::SeqCst) == 0 {
                return;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return;
            }
        }
    }

    /// Analyses the current version of `uri` and publishes, unless a newer version arrived.
    async fn publish(self: &Arc<Self>, uri: String) {
        let slow = self.analysis_cost.lock().ok().and_then(|c| c.get(&uri).copied()) >= Some(SLOW_ANALYSIS);
        if slow {
            tokio::time::sleep(REQUEST_GRACE).await;
        }
        self.requests_done().await;
        let ctx = self.ctx();
        let Some(doc) = ctx.snap.get(&uri).cloned() else { return };
        let Ok(lsp_uri) = lsp::Uri::from_str(&uri) else { return };
        let analyze = self.analyze.clone();
        let doc2 = doc.clone();
        let res = self
            .background
            .run(move || {
                let _span = info_span!("diagnostics", uri = %doc2.uri, version = doc2.version).entered();
                let started = std::time::Instant::now();
                (handlers::diagnostics(&ctx, &doc2, &analyze), started.elapsed())
            })
            .await;
        let diags = match res {
            Ok((d, cost)) => {
                if let Ok(mut c) = self.analysis_cost.lock() {
                    c.insert(uri.clone(), cost);
                }
                d
            }
            Err(e) => {
                tracing::error!("analysis of {uri} failed: {e}");
                return;
            }
        };
        if self.store.get(&uri).map(|d| d.version) != Some(doc.version) {
            return;
        }
        {
            let Ok(mut published) = self.published.lock() else { return };
            if diags.is_empty() && !published.remove(&uri) && doc.kind.is_none() {
                return;
            }
            if !diags.is_empty() {
                published.insert(uri.clone());
            }
        }
        let version = self.session().caps.diagnostic_version.then_some(doc.version);
        self.client.publish_diagnostics(lsp_uri, diags, version).await;
        self.warm_head(&doc);
        self.warm_model(&doc);
    }

    /// A large params file's model (what hover, completion and definition read) is built
    /// once the thread is idle, for the text the document has then: a hover after a pause
    /// in typing finds it built instead of building it (about 100 ms at 100,000 keys). While
    /// the user types, each publish replaces the waiting job, which holds no text.
    fn warm_model(self: &Arc<Self>, doc: &crate::store::Document) {
        const LARGE: usize = 64 * 1024;
        let (Some(FileKind::Params(_)), Some(path)) = (doc.kind, doc.path.clone()) else { return };
        if doc.text.len() < LARGE {
            return;
        }
        let (inner, uri) = (Arc::downgrade(self), doc.uri.clone());
        self.background.when_idle(format!("model {uri}"), move || {
            if let Some(doc) = inner.upgrade().and_then(|i| i.store.get(&uri)) {
                crate::params::index::load_text(&path, doc.text.clone());
            }
        });
    }

    /// A params file just opened unmodified was not compared with HEAD (nothing differs);
    /// HEAD's copy is parsed now, after its diagnostics are out, not on the first keystroke.
    fn warm_head(&self, doc: &crate::store::Document) {
        if let (Some(FileKind::Params(_)), Some(path)) = (doc.kind, doc.path.clone()) {
            if self.store.settings().diagnostics.type_changed_from_head {
                self.background.spawn(move || crate::params::api::warm_head(&path));
            }
        }
    }

    /// Fetches `workspace/configuration` (section `cml-lsp`); keeps the settings on failure.
    async fn refresh_settings(self: &Arc<Self>) {
        let generation = self.settings_gen.fetch_add(1, Ordering::SeqCst) + 1;
        let item = lsp::ConfigurationItem { scope_uri: None, section: Some("cml-lsp".into()) };
        let reply = tokio::time::timeout(CLIENT_TIMEOUT, self.client.configuration(vec![item])).await;
        let value = match reply {
            Ok(Ok(mut values)) if !values.is_empty() => values.swap_remove(0),
            Ok(Ok(_)) => Value::Null,
            Ok(Err(e)) => return warn!("workspace/configuration failed, keeping settings: {e}"),
            Err(_) => return warn!("workspace/configuration timed out, keeping settings"),
        };
        if value.is_null() {
            return;
        }
        if self.settings_gen.load(Ordering::SeqCst) != generation {
            return;
        }
        self.apply_settings(Settings::from_json(&value));
    }

    fn apply_settings(self: &Arc<Self>, settings: Settings) {
        self.store.set_settings(settings);
        self.schedule(self.open_uris(None));
    }

    async fn register_watchers(&self) {
        let watchers = ["**/dvc.{yaml,yml}", "**/params.{yaml,yml,json,toml}", "**/*.{yaml,yml,json,toml}"]
            .iter()
            .map(|g| lsp::FileSystemWatcher {
                glob_pattern: lsp::GlobPattern::String(g.to_string()),
                kind: None,
            })
            .collect();
        let options = lsp::DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = lsp::Registration {
            id: "cml-lsp-watched-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        match tokio::time::timeout(CLIENT_TIMEOUT, self.client.register_capability(vec![registration])).await
        {
            Ok(Ok(())) => {}
            Ok(Err(e)) => warn!("registering file watchers failed: {e}"),
            Err(_) => warn!("registering file watchers timed out"),
        }
    }

    /// Runs a request handler on a blocking thread; a panic becomes an internal error.
    async fn request<T, F>(&self, method: &'static str, f: F) -> jsonrpc::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Ctx) -> jsonrpc::Result<T> + Send + 'static,
    {
        let _running = Inflight::new(self);
        let ctx = self.ctx();
        let res = tokio::task::spawn_blocking(move || {
            let _span = info_span!("request", method).entered();
            f(&ctx)
        })
        .await;
        res.unwrap_or_else(|e| {
            tracing::error!("{method} failed: {e}");
            Err(jsonrpc::Error::internal_error())
        })
    }
}

/// The diagnostics loop: takes queued URIs (coalescing bursts) and publishes in order,
/// so an older analysis never overtakes a newer one.
async fn diagnostics_loop(inner: Weak<Inner>, mut rx: mpsc::UnboundedReceiver<Vec<String>>) {
    while let Some(first) = rx.recv().await {
        let mut uris: BTreeSet<String> = first.into_iter().collect();
        while let Ok(more) = rx.try_recv() {
            uris.extend(more);
        }
        let Some(inner) = inner.upgrade() else { return };
        for uri in uris {
            inner.publish(uri).await;
        }
    }
}

fn roots_from(params: &lsp::InitializeParams) -> Vec<PathBuf> {
    if let Some(folders) = &params.workspace_folders {
        return folders.iter().filter_map(|f| convert::uri_to_path(&f.uri)).collect();
    }
    #[allow(deprecated)]
    let root = params.root_uri.as_ref().and_then(convert::uri_to_path);
    #[allow(deprecated)]
    let root = root.or_else(|| params.root_path.as_ref().map(PathBuf::from));
    root.into_iter().collect()
}

fn text_change(c: lsp::TextDocumentContentChangeEvent) -> TextChange {
    TextChange {
        range: c.range.map(|r| (convert::line_col(r.start), convert::line_col(r.end))),
        text: c.text,
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: lsp::InitializeParams) -> jsonrpc::Result<lsp::InitializeResult> {
        let _span = info_span!("initialize").entered();
        let caps = ClientCaps::resolve(&params.capabilities);
        let enc = caps::negotiate_encoding(&params.capabilities);
        let _ = self.inner.session.set(Session { caps, enc });
        self.inner.store.set_roots(roots_from(&params));
        if let Some(options) = &params.initialization_options {
            self.inner.store.set_settings(Settings::from_json(options));
        }
        if let Some(rx) = self.inner.diag_rx.lock().ok().and_then(|mut rx| rx.take()) {
            tokio::spawn(diagnostics_loop(Arc::downgrade(&self.inner), rx));
        }
        Ok(lsp::InitializeResult {
            capabilities: caps::server_capabilities(&caps, enc),
            server_info: Some(lsp::ServerInfo {
                name: "cml-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: lsp::InitializedParams) {
        let caps = self.inner.session().caps;
        let inner = self.inner.clone();
        tokio::spawn(async move {
            if caps.watched_files_dynamic {
                inner.register_watchers().await;
            }
            if caps.configuration {
                inner.refresh_settings().await;
            }
        });
    }

    async fn shutdown(&self) -> jsonrpc::Result<()> {
        self.inner.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: lsp::DidOpenTextDocumentParams) {
        let td = params.text_document;
        let path = convert::uri_to_path(&td.uri);
        let doc = self.inner.store.open(td.uri.as_str(), path, td.version, td.text);
        let mut uris = vec![doc.uri.clone()];
        uris.extend(self.inner.dependents_of(doc.kind));
        self.inner.schedule(uris);
    }

    async fn did_change(&self, params: lsp::DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let changes: Vec<TextChange> = params.content_changes.into_iter().map(text_change).collect();
        let enc = self.inner.session().enc;
        match self.inner.store.change(uri.as_str(), params.text_document.version, &changes, enc) {
            Ok(doc) => {
                let mut uris = vec![doc.uri.clone()];
                uris.extend(self.inner.dependents_of(doc.kind));
                self.inner.schedule(uris);
            }
            Err(e @ ChangeError::StaleVersion { .. }) => warn!("ignoring change to {}: {e}", uri.as_str()),
            Err(e) => warn!("ignoring change to {}: {e}", uri.as_str()),
        }
    }

    async fn did_close(&self, params: lsp::DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let Some(doc) = self.inner.store.close(uri.as_str()) else { return };
        let kind = doc.kind;
        if let Ok(mut c) = self.inner.analysis_cost.lock() {
            c.remove(uri.as_str());
        }
        // Freeing a large parsed tree takes milliseconds: not on the message loop.
        self.inner.background.free(doc);
        let had = self.inner.published.lock().is_ok_and(|mut p| p.remove(uri.as_str()));
        if had && !self.inner.session().caps.pull_diagnostics {
            self.inner.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
        self.inner.schedule(self.inner.dependents_of(kind));
    }

    async fn did_change_configuration(&self, params: lsp::DidChangeConfigurationParams) {
        if self.inner.session().caps.configuration {
            let inner = self.inner.clone();
            tokio::spawn(async move { inner.refresh_settings().await });
        } else if !params.settings.is_null() {
            self.inner.settings_gen.fetch_add(1, Ordering::SeqCst);
            self.inner.apply_settings(Settings::from_json(&params.settings));
        }
    }

    async fn did_change_workspace_folders(&self, params: lsp::DidChangeWorkspaceFoldersParams) {
        let paths = |fs: &[lsp::WorkspaceFolder]| -> Vec<PathBuf> {
            fs.iter().filter_map(|f| convert::uri_to_path(&f.uri)).collect()
        };
        let added = paths(&params.event.added);
        let removed = paths(&params.event.removed);
        self.inner.store.update_roots(added, &removed);
        self.inner.schedule(self.inner.open_uris(None));
    }

    async fn did_change_watched_files(&self, _: lsp::DidChangeWatchedFilesParams) {
        self.inner.schedule(self.inner.open_uris(None));
    }

    async fn diagnostic(
        &self,
        params: lsp::DocumentDiagnosticParams,
    ) -> jsonrpc::Result<lsp::DocumentDiagnosticReportResult> {
        let analyze = self.inner.analyze.clone();
        self.inner.request("diagnostic", move |ctx| handlers::pull_diagnostics(ctx, params, &analyze)).await
    }

    async fn completion(
        &self,
        params: lsp::CompletionParams,
    ) -> jsonrpc::Result<Option<lsp::CompletionResponse>> {
        self.inner.request("completion", move |ctx| handlers::completion(ctx, params)).await
    }

    async fn hover(&self, params: lsp::HoverParams) -> jsonrpc::Result<Option<lsp::Hover>> {
        self.inner.request("hover", move |ctx| handlers::hover(ctx, params)).await
    }

    async fn goto_definition(
        &self,
        params: lsp::GotoDefinitionParams,
    ) -> jsonrpc::Result<Option<lsp::GotoDefinitionResponse>> {
        self.inner.request("definition", move |ctx| handlers::definition(ctx, params)).await
    }

    async fn references(&self, params: lsp::ReferenceParams) -> jsonrpc::Result<Option<Vec<lsp::Location>>> {
        self.inner.request("references", move |ctx| handlers::references(ctx, params)).await
    }

    async fn prepare_rename(
        &self,
        params: lsp::TextDocumentPositionParams,
    ) -> jsonrpc::Result<Option<lsp::PrepareRenameResponse>> {
        self.inner.request("prepareRename", move |ctx| handlers::prepare_rename(ctx, params)).await
    }

    async fn rename(&self, params: lsp::RenameParams) -> jsonrpc::Result<Option<lsp::WorkspaceEdit>> {
        self.inner.request("rename", move |ctx| handlers::rename(ctx, params)).await
    }

    async fn code_action(
        &self,
        params: lsp::CodeActionParams,
    ) -> jsonrpc::Result<Option<lsp::CodeActionResponse>> {
        self.inner.request("codeAction", move |ctx| handlers::code_action(ctx, params)).await
    }

    async fn document_symbol(
        &self,
        params: lsp::DocumentSymbolParams,
    ) -> jsonrpc::Result<Option<lsp::DocumentSymbolResponse>> {
        self.inner.request("documentSymbol", move |ctx| handlers::document_symbol(ctx, params)).await
    }

    async fn code_lens(&self, params: lsp::CodeLensParams) -> jsonrpc::Result<Option<Vec<lsp::CodeLens>>> {
        self.inner.request("codeLens", move |ctx| handlers::code_lens(ctx, params)).await
    }

    async fn execute_command(&self, params: lsp::ExecuteCommandParams) -> jsonrpc::Result<Option<Value>> {
        let span = info_span!("executeCommand", command = %params.command);
        let command = commands::Command::parse(&params.command, &params.arguments)?;
        let session = self.inner.session();
        let ctx = commands::CommandContext {
            snapshot: self.inner.store.snapshot(),
            client: self.inner.client.clone(),
            caps: session.caps,
            encoding: session.enc,
            work_done_token: params.work_done_progress_params.work_done_token.clone(),
        };
        commands::execute(&ctx, command).instrument(span).await
    }
}
