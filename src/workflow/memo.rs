//! Shell analyses kept from one analysis of a document to the next.
//!
//! A keystroke changes one script; every other script of the file keeps its text and
//! its context and at most moves. [`ShellMemo`] keeps each script's [`ShellAnalysis`]
//! from the last analysis, keyed by the decoded text, and hands it back moved by the
//! edit when the text, the context ([`ShellContext`]: forge, quoting, environment) and
//! the shape of the source map are the same. The analysis is a pure function of those
//! three and every span in it comes from the map, so the moved result is the result a
//! fresh analysis gives (`memo_tests.rs` holds it to that on random edits).
//!
//! Only the scripts of the last analysis are kept, so memory stays at one analysis per
//! script of the file.

use std::sync::{Mutex, MutexGuard};

use foldhash::HashMap;

use super::cml::{analyze_shell_full, Invocation, ParsedOption, ShellAnalysis};
use super::ShellContext;
use crate::yaml::SourceMap;

/// The shell analyses of one document's last analysis (see the module documentation).
#[derive(Default)]
pub struct ShellMemo(Mutex<State>);

#[derive(Default)]
struct State {
    /// By decoded script text (several sites may share a text).
    entries: HashMap<String, Vec<Entry>>,
    /// The number of the analysis running or last run.
    pass: u64,
    /// Analyses answered from the memo, over its life.
    hits: usize,
}

struct Entry {
    ctx: ShellContext,
    map: SourceMap,
    result: ShellAnalysis,
    /// The last analysis that used this entry.
    pass: u64,
}

impl ShellMemo {
    pub fn new() -> ShellMemo {
        ShellMemo::default()
    }

    /// Starts an analysis of the document. `None` while another analysis of it holds
    /// the memo (that one then runs without).
    pub(super) fn pass(&self) -> Option<MemoPass<'_>> {
        let mut state = self.0.try_lock().ok()?;
        state.pass += 1;
        Some(MemoPass { state })
    }

    /// How many script analyses are kept.
    pub fn len(&self) -> usize {
        self.0.lock().map_or(0, |m| m.entries.values().map(Vec::len).sum())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many analyses were answered from the memo so far.
    pub fn hits(&self) -> usize {
        self.0.lock().map_or(0, |m| m.hits)
    }
}

/// A cache: documents compare equal whatever their memos hold.
impl PartialEq for ShellMemo {
    fn eq(&self, _: &ShellMemo) -> bool {
        true
    }
}

impl Eq for ShellMemo {}

impl std::fmt::Debug for ShellMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ShellMemo({} scripts)", self.len())
    }
}

/// One analysis' use of the memo; when it ends, the entries it did not use are dropped.
pub(super) struct MemoPass<'m> {
    state: MutexGuard<'m, State>,
}

impl MemoPass<'_> {
    /// [`analyze_shell_full`], from the memo when the script is unchanged. The copy
    /// handed out shares the invocations with the memo.
    pub(super) fn analyze(&mut self, text: &str, map: &SourceMap, ctx: &ShellContext) -> ShellAnalysis {
        let State { entries, pass, hits } = &mut *self.state;
        if let Some(list) = entries.get_mut(text) {
            // Unused in this analysis, same context, same map but for its place.
            let found = list.iter_mut().find_map(|e| {
                let delta = (e.pass != *pass && e.ctx == *ctx).then(|| e.map.offset_to(map)).flatten()?;
                Some((e, delta))
            });
            if let Some((e, delta)) = found {
                if delta != 0 {
                    shift(&mut e.result, delta);
                    e.map = map.clone();
                }
                e.pass = *pass;
                *hits += 1;
                return e.result.clone();
            }
        }
        let result = analyze_shell_full(text, map, ctx);
        let e = Entry { ctx: ctx.clone(), map: map.clone(), result: result.clone(), pass: *pass };
        match entries.get_mut(text) {
            Some(list) => list.push(e),
            None => {
                entries.insert(text.to_string(), vec![e]);
            }
        }
        result
    }
}

impl Drop for MemoPass<'_> {
    fn drop(&mut self) {
        let pass = self.state.pass;
        self.state.entries.retain(|_, list| {
            list.retain(|e| e.pass == pass);
            !list.is_empty()
        });
    }
}

/// Moves every span of `r` by `delta` bytes. The patterns name every field, so a span
/// added to these types later fails to compile here until it is moved too.
fn shift(r: &mut ShellAnalysis, delta: isize) {
    let ShellAnalysis { diagnostics, invocations, exports } = r;
    for d in diagnostics {
        d.shift(delta);
    }
    for inv in invocations {
        // Between analyses the memo holds the only reference: this does not copy.
        let Invocation { command: _, kind: _, span, command_span, options, positionals, assignments } =
            std::sync::Arc::make_mut(inv);
        *span = span.shifted(delta);
        *command_span = command_span.shifted(delta);
        for o in options {
            let ParsedOption {
                name: _,
                known: _,
                negated: _,
                span,
                name_span,
                value: _,
                value_span,
                dynamic: _,
                dropped: _,
            } = o;
            *span = span.shifted(delta);
            *name_span = name_span.shifted(delta);
            *value_span = value_span.map(|s| s.shifted(delta));
        }
        for (_, s) in positionals {
            *s = s.shifted(delta);
        }
        for (_, _, s) in assignments {
            *s = s.shifted(delta);
        }
    }
    for (_, _, s) in exports {
        *s = s.shifted(delta);
    }
}
