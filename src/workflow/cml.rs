//! The `cml` command model: finds every invocation in a shell text, parses its arguments
//! the way yargs (strict mode) does, and reports what CML 0.20.6 would reject or ignore.

use std::borrow::Cow;

use foldhash::{HashMap, HashMapExt};

use crate::codes;
use crate::diag::{Diagnostic, Fix, Severity, Span, TextEdit};
use crate::yaml::SourceMap;

use super::facts::{self, facts, CmdId, LegacyForm, LegacyStatus, OptSpec, OptType, Requires, TOP_COMMANDS};
use super::shell::{self, SimpleCommand, Terminator, Word};
use super::{map_verbatim, src_span, Forge, ShellContext};

/// How an invocation names its command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvocationKind {
    /// `cml runner launch`, `cml comment create`...
    Current,
    /// `cml runner` (runs `launch`).
    RunnerParent,
    /// `cml pr <paths>` (runs `create`).
    PrParent,
    /// An old spelling (`cml send-comment`, `cml-runner`...).
    Legacy(&'static LegacyForm),
    /// `cml tensorboard connect`: parses, but the service is gone.
    Dead,
    /// Not a CML command (unknown word, or only global flags).
    Unknown,
}

/// One option as written on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedOption {
    /// Canonical name (`driver-token` for `--token`, borrowed from the tables), or the
    /// written name when unknown.
    pub name: Cow<'static, str>,
    pub known: bool,
    /// `--no-x` or `--x=false` on a boolean.
    pub negated: bool,
    pub span: Span,
    pub name_span: Span,
    pub value: Option<String>,
    pub value_span: Option<Span>,
    /// The value contains `$VAR`, `${{ .. }}` or a substitution.
    pub dynamic: bool,
    /// On a line the shell runs as a separate command (missing `\`).
    pub dropped: bool,
}

/// One `cml` invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub command: Option<CmdId>,
    pub kind: InvocationKind,
    /// From the `cml` word to the last argument, in source coordinates.
    pub span: Span,
    /// The command words (`cml runner launch`).
    pub command_span: Span,
    pub options: Vec<ParsedOption>,
    pub positionals: Vec<(String, Span)>,
    /// `VAR=value` prefixes (and `env VAR=value`): name, literal value.
    pub assignments: Vec<(String, Option<String>, Span)>,
}

impl Invocation {
    /// The last occurrence of an option by canonical name.
    pub fn option(&self, name: &str) -> Option<&ParsedOption> {
        self.options.iter().rev().find(|o| o.known && o.name == name)
    }

    /// Labels a `runner launch` registers, with their spans when written on the command
    /// line. `None` when the value is dynamic. Falls back to the env then the default `cml`.
    pub fn labels(&self, ctx: &ShellContext) -> Option<Vec<(String, Option<Span>)>> {
        if self.command != Some(CmdId::RunnerLaunch) {
            return Some(Vec::new());
        }
        if let Some(o) = self.option("labels") {
            if o.dynamic {
                return None;
            }
            let v = o.value.clone().unwrap_or_default();
            let base = o.value_span.map_or(0, |s| s.start);
            let exact = o.value_span.is_some_and(|s| s.len() == v.len());
            let mut out = Vec::new();
            let mut at = 0;
            for part in v.split(',') {
                let t = part.trim();
                if !t.is_empty() {
                    let off = at + (part.len() - part.trim_start().len());
                    let span = exact.then(|| Span::new(base + off, base + off + t.len()));
                    out.push((t.to_string(), span));
                }
                at += part.len() + 1;
            }
            return Some(out);
        }
        for name in ["CML_RUNNER_LABELS", "RUNNER_LABELS"] {
            let assigned =
                self.assignments.iter().rev().find(|(n, _, _)| n == name).map(|(_, v, _)| v.clone());
            let value = assigned.or_else(|| ctx.env_var(name).map(|e| e.value.clone()));
            if let Some(v) = value {
                return v.map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| (s.to_string(), None))
                        .collect()
                });
            }
        }
        Some(vec![("cml".to_string(), None)])
    }

    /// The `--cloud` vendor: `Some(Some(v))` literal, `Some(None)` dynamic, `None` absent.
    pub fn cloud(&self, ctx: &ShellContext) -> Option<Option<String>> {
        if let Some(o) = self.option("cloud") {
            return Some(if o.dynamic { None } else { o.value.clone() });
        }
        if let Some((_, v, _)) = self.assignments.iter().rev().find(|(n, _, _)| n == "CML_RUNNER_CLOUD") {
            return Some(v.clone());
        }
        ctx.env_var("CML_RUNNER_CLOUD").map(|e| e.value.clone())
    }
}

/// Everything the shell analysis found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShellAnalysis {
    pub diagnostics: Vec<Diagnostic>,
    /// Shared, so that a memoized analysis is handed out without copying them.
    pub invocations: Vec<std::sync::Arc<Invocation>>,
    /// `export NAME=value` and bare `NAME=value` commands: name, literal value, span.
    pub exports: Vec<(String, Option<String>, Span)>,
}

/// Diagnostics for every `cml` invocation in `text`.
pub fn analyze_shell(text: &str, map: &SourceMap, ctx: &ShellContext) -> Vec<Diagnostic> {
    analyze_shell_full(text, map, ctx).diagnostics
}

/// Diagnostics plus the extracted invocations and exports.
pub fn analyze_shell_full(text: &str, map: &SourceMap, ctx: &ShellContext) -> ShellAnalysis {
    let script = shell::tokenize(text);
    let mut out = ShellAnalysis::default();
    let cmds = &script.commands;
    for (i, cmd) in cmds.iter().enumerate() {
        collect_exports(cmd, map, &mut out.exports);
        let Some(found) = find_cml(cmd) else { continue };
        let dropped = dropped_lines(text, cmds, i);
        let mut a = Analyzer { map, ctx, diags: Vec::new(), near: HashMap::new() };
        let inv = a.invocation(cmd, &found, &dropped);
        a.dropped_continuation(text, cmd, &dropped);
        out.diagnostics.extend(a.diags);
        out.invocations.push(std::sync::Arc::new(inv));
    }
    out.diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    out
}

/// Whether a script may run `cml` (or `cml-…`, `@dvcorg/cml`): the letters `c`, `m`, `l`
/// in a row, with only what the shell removes between them (quotes, `\`, a `\` line
/// continuation, `$'…'`). When not, [`analyze_shell_full`] finds no invocation, so
/// callers that only want invocations skip tokenizing.
pub fn may_name_cml(text: &str) -> bool {
    let b = text.as_bytes();
    let removed = |c: u8| matches!(c, b'\\' | b'"' | b'\'' | b'$' | b'\n' | b'\r');
    let next = |mut i: usize, want: u8| {
        while i < b.len() && removed(b[i]) {
            i += 1;
        }
        (i < b.len() && b[i] == want).then_some(i + 1)
    };
    memchr::memchr_iter(b'c', b).any(|i| next(i + 1, b'm').and_then(|j| next(j, b'l')).is_some())
}

fn collect_exports(cmd: &SimpleCommand, map: &SourceMap, out: &mut Vec<(String, Option<String>, Span)>) {
    let assign = |w: &Word| {
        shell::assignment_name(&w.text).map(|n| {
            let v = w.text[n.len()..].trim_start_matches('+').trim_start_matches('=');
            (n.to_string(), (!w.expansion).then(|| v.to_string()), src_span(map, w.range()))
        })
    };
    if cmd.words.is_empty() {
        out.extend(cmd.assignments.iter().filter_map(assign));
    } else if matches!(cmd.words[0].text.as_ref(), "export" | "declare" | "typeset") {
        out.extend(cmd.words[1..].iter().filter_map(assign));
    }
}

/// Where the `cml` part of a command starts.
pub(crate) struct Found {
    /// Index of the word naming the program (`cml`, `cml-runner`, `@dvcorg/cml`).
    pub(crate) prog: usize,
    /// A `cml-xxx` binary.
    binary: Option<&'static LegacyForm>,
    /// `VAR=value` words before the program (from the command and `env`).
    env: Vec<usize>,
}

const KEYWORDS: &[&str] =
    &["if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "nohup", "exec", "command"];

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

pub(crate) fn find_cml(cmd: &SimpleCommand) -> Option<Found> {
    let w = &cmd.words;
    let mut i = 0;
    let mut env = Vec::new();
    let mut guard = 0;
    while i < w.len() {
        guard += 1;
        if guard > 64 {
            return None;
        }
        let t = w[i].text.as_ref();
        if w[i].expansion {
            return None;
        }
        if KEYWORDS.contains(&t) {
            i += 1;
            while t == "time" && i < w.len() && w[i].text == "-p" {
                i += 1;
            }
            continue;
        }
        match t {
            "sudo" => {
                i += 1;
                while i < w.len() && w[i].text.starts_with('-') {
                    let takes = matches!(
                        w[i].text.as_ref(),
                        "-u" | "-g" | "-C" | "-D" | "-p" | "-r" | "-t" | "-U" | "-h"
                    );
                    i += if takes { 2 } else { 1 };
                }
                while i < w.len() && shell::assignment_name(&w[i].text).is_some() {
                    env.push(i);
                    i += 1;
                }
            }
            "env" => {
                i += 1;
                while i < w.len() {
                    let t = w[i].text.as_ref();
                    if t == "-u" || t == "--unset" || t == "-C" || t == "--chdir" {
                        i += 2;
                    } else if t.starts_with('-') {
                        i += 1;
                    } else if shell::assignment_name(t).is_some() {
                        env.push(i);
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
            "npx" => {
                i += 1;
                while i < w.len() && w[i].text.starts_with('-') {
                    let takes = matches!(w[i].text.as_ref(), "-p" | "--package");
                    i += if takes { 2 } else { 1 };
                }
                let pkg = w.get(i)?.text.as_ref();
                return (pkg == "@dvcorg/cml" || pkg.starts_with("@dvcorg/cml@")).then_some(Found {
                    prog: i,
                    binary: None,
                    env,
                });
            }
            _ => {
                let base = basename(t);
                if (base == "cml" || base == "cml.js") && !w[i].quoted || t == "cml" {
                    return Some(Found { prog: i, binary: None, env });
                }
                let legacy = facts::LEGACY_FORMS.iter().find(|l| l.binary && l.old == base)?;
                return Some(Found { prog: i, binary: Some(legacy), env });
            }
        }
    }
    None
}

/// Commands on the lines right after `cmds[i]` that start with `--`: the shell runs them
/// separately, so their options never reach `cml`.
fn dropped_lines<'c>(text: &str, cmds: &'c [SimpleCommand<'c>], i: usize) -> Vec<&'c SimpleCommand<'c>> {
    let mut out = Vec::new();
    let mut cur = &cmds[i];
    while let Terminator::Newline(nl) = cur.terminator {
        // Commands are sorted by start: a binary search keeps many commands linear overall.
        let Some(next) = cmds.get(cmds.partition_point(|c| c.start() <= nl)) else { break };
        let same_next_line = next.line_start == nl + 1 && next.starts_line;
        let starts_opt = next.assignments.is_empty()
            && next.words.first().is_some_and(|w| w.text.starts_with("--") && w.text.len() > 2 && !w.quoted);
        if !same_next_line || !starts_opt || next.start() >= text.len() {
            break;
        }
        out.push(next);
        cur = next;
    }
    out
}

pub(crate) struct Analyzer<'a> {
    pub(crate) map: &'a SourceMap,
    pub(crate) ctx: &'a ShellContext,
    pub(crate) diags: Vec<Diagnostic>,
    /// Unknown option names already looked up (other command, near miss): a line of
    /// thousands of the same bogus option looks each name up once.
    pub(crate) near: HashMap<(CmdId, usize, String), Near>,
}

#[derive(Clone, Copy)]
pub(crate) enum Near {
    OtherCommand(CmdId),
    Best(Option<&'static str>),
}

/// One argument while parsing.
struct Arg<'w> {
    word: &'w Word<'w>,
    dropped: bool,
}

impl<'a> Analyzer<'a> {
    fn span(&self, r: (usize, usize)) -> Span {
        src_span(self.map, r)
    }

    fn push(&mut self, code: &'static str, sev: Severity, r: (usize, usize), msg: String) -> &mut Diagnostic {
        let d = Diagnostic::new(code, sev, self.span(r), msg);
        self.diags.push(d);
        self.diags.last_mut().expect("just pushed")
    }

    /// An edit replacing decoded `[s, e)`, if it can be written exactly in the source.
    fn edit(&self, r: (usize, usize), new_text: &str) -> Option<TextEdit> {
        if !map_verbatim(self.map, r.0, r.1) {
            return None;
        }
        if r.0 == r.1 && r.0 > 0 && !map_verbatim(self.map, r.0 - 1, r.0) {
            return None;
        }
        let text = self.ctx.quoting.encode(new_text)?;
        let span =
            if r.0 == r.1 && r.0 > 0 { Span::empty(self.map.to_source_end(r.0)) } else { self.span(r) };
        Some(TextEdit { span, new_text: text })
    }

    /// Replaces `word.text[a..b]` with `new_text` when possible.
    fn word_edit(&self, w: &Word, a: usize, b: usize, new_text: &str) -> Option<TextEdit> {
        if !w.is_verbatim(a, b) {
            return None;
        }
        self.edit(w.sub_range(a, b), new_text)
    }

    fn fix(title: String, edit: Option<TextEdit>) -> Option<Fix> {
        edit.map(|e| Fix { title, edits: vec![e], preferred: true })
    }

    fn invocation(&mut self, cmd: &SimpleCommand, found: &Found, dropped: &[&SimpleCommand]) -> Invocation {
        let w = &cmd.words;
        let prog = &w[found.prog];
        let mut assignments: Vec<(String, Option<String>, Span)> = Vec::new();
        for a in cmd.assignments.iter().chain(found.env.iter().map(|&i| &w[i])) {
            if let Some(n) = shell::assignment_name(&a.text) {
                let v = a.text[n.len()..].trim_start_matches('+').trim_start_matches('=').to_string();
                assignments.push((n.to_string(), (!a.expansion).then_some(v), self.span(a.range())));
            }
        }
        let (kind, command, first_arg, cmd_end) = self.resolve(w, found);
        let mut args: Vec<Arg> =
            w[first_arg.min(w.len())..].iter().map(|word| Arg { word, dropped: false }).collect();
        for d in dropped {
            args.extend(d.words.iter().map(|word| Arg { word, dropped: true }));
        }
        let mut inv = Invocation {
            command,
            kind,
            span: self.span((prog.start, w.last().map_or(prog.end, |l| l.end))),
            command_span: self.span((prog.start, cmd_end)),
            options: Vec::new(),
            positionals: Vec::new(),
            assignments,
        };
        if let Some(id) = command {
            self.parse_args(id, &args, &mut inv);
            self.check(id, cmd, w, first_arg, &args, &inv, !dropped.is_empty());
        }
        for a in w.iter().skip(found.prog) {
            for &(s, e) in &a.malformed {
                self.push(
                    codes::CML_MALFORMED_EXPRESSION,
                    Severity::Error,
                    (s, e),
                    format!(
                        "malformed expression `{}`: write `${{{{ expr }}}}` for a CI expression or `${{NAME}}` for a shell variable",
                        expr_text(a, s, e)
                    ),
                );
            }
        }
        inv
    }

    /// Resolves the command words. Returns the kind, the command, the index of the first
    /// argument word, and the decoded end of the command words.
    pub(crate) fn resolve(
        &mut self,
        w: &[Word],
        found: &Found,
    ) -> (InvocationKind, Option<CmdId>, usize, usize) {
        let prog = &w[found.prog];
        if let Some(l) = found.binary {
            let base_start = prog.text.len() - basename(&prog.text).len();
            let r = prog.sub_range(base_start, prog.text.len());
            self.legacy(l, prog, base_start, r);
            return (InvocationKind::Legacy(l), Some(l.runs), found.prog + 1, prog.end);
        }
        // Global flags may come before the command word.
        let mut i = found.prog + 1;
        while i < w.len() && w[i].text.starts_with('-') {
            let name = w[i].text.trim_start_matches('-');
            let takes = facts().global(name).is_some_and(|o| o.ty.takes_value());
            i += if takes && !w[i].text.contains('=') { 2 } else { 1 };
        }
        let Some(word) = w.get(i) else {
            return (InvocationKind::Unknown, None, w.len(), prog.end);
        };
        if word.expansion {
            return (InvocationKind::Unknown, None, w.len(), word.end);
        }
        let name = word.text.as_ref();
        if let Some(top) = TOP_COMMANDS.iter().find(|t| t.name == name) {
            let sub = w.get(i + 1).filter(|s| !s.text.starts_with('-'));
            if let Some(&(_, id)) = sub.and_then(|s| top.subcommands.iter().find(|(n, _)| *n == s.text)) {
                let end = w[i + 1].end;
                if id == CmdId::TensorboardConnect {
                    self.push(
                        codes::CML_DEAD_COMMAND,
                        Severity::Error,
                        (word.start, end),
                        "`cml tensorboard connect` fails since TensorBoard.dev shut down on 2024-01-01; remove this step"
                            .to_string(),
                    );
                    return (InvocationKind::Dead, Some(id), i + 2, end);
                }
                return (InvocationKind::Current, Some(id), i + 2, end);
            }
            match (top.name, sub) {
                ("runner", None) => {
                    let d = self
                        .push(
                            codes::CML_LEGACY_COMMAND,
                            Severity::Info,
                            word.range(),
                            "`cml runner` is the old form of `cml runner launch`".to_string(),
                        )
                        .clone();
                    let fix = Self::fix(
                        "Use `cml runner launch`".into(),
                        self.edit((word.end, word.end), " launch"),
                    );
                    self.attach(d, fix);
                    return (InvocationKind::RunnerParent, Some(CmdId::RunnerLaunch), i + 1, word.end);
                }
                ("pr", _) => {
                    let d = self
                        .push(
                            codes::CML_LEGACY_COMMAND,
                            Severity::Info,
                            word.range(),
                            "`cml pr <paths>` is the old form of `cml pr create <paths>`".to_string(),
                        )
                        .clone();
                    let fix =
                        Self::fix("Use `cml pr create`".into(), self.edit((word.end, word.end), " create"));
                    self.attach(d, fix);
                    return (InvocationKind::PrParent, Some(CmdId::PrCreate), i + 1, word.end);
                }
                _ => {}
            }
            let expected: Vec<String> = top.subcommands.iter().map(|(n, _)| format!("`{n}`")).collect();
            match sub {
                Some(s) => {
                    let best = did_you_mean(&s.text, top.subcommands.iter().map(|(n, _)| *n));
                    let msg = format!(
                        "unknown subcommand `{}` of `cml {}`; expected {}",
                        s.text,
                        top.name,
                        expected.join(" or ")
                    );
                    let d = self.push(codes::CML_UNKNOWN_COMMAND, Severity::Error, s.range(), msg).clone();
                    let fix = best.and_then(|b| {
                        Self::fix(format!("Change to `{b}`"), self.word_edit(s, 0, s.text.len(), b))
                    });
                    self.attach(d, fix);
                }
                None => {
                    self.push(
                        codes::CML_UNKNOWN_COMMAND,
                        Severity::Error,
                        word.range(),
                        format!("`cml {}` needs a subcommand: {}", top.name, expected.join(" or ")),
                    );
                }
            }
            return (InvocationKind::Unknown, None, w.len(), word.end);
        }
        if let Some(l) = facts::LEGACY_FORMS.iter().find(|l| !l.binary && l.old == name) {
            self.legacy(l, word, 0, word.range());
            return (InvocationKind::Legacy(l), Some(l.runs), i + 1, word.end);
        }
        // `cml <other>` runs a `cml-<other>` plugin from PATH, if there is one.
        let names = TOP_COMMANDS.iter().filter(|t| !t.hidden).map(|t| t.name);
        match did_you_mean(name, names) {
            Some(best) => {
                let d = self
                    .push(
                        codes::CML_UNKNOWN_COMMAND,
                        Severity::Error,
                        word.range(),
                        format!("unknown command `cml {name}`; did you mean `cml {best}`?"),
                    )
                    .clone();
                let fix =
                    Self::fix(format!("Change to `{best}`"), self.word_edit(word, 0, word.text.len(), best));
                self.attach(d, fix);
            }
            None => {
                self.push(
                    codes::CML_UNKNOWN_COMMAND,
                    Severity::Warning,
                    word.range(),
                    format!("`{name}` is not a CML command; CML would run a `cml-{name}` plugin from PATH"),
                );
            }
        }
        (InvocationKind::Unknown, None, w.len(), word.end)
    }

    /// Replaces the last pushed diagnostic (a clone of it) with one carrying `fix`.
    fn attach(&mut self, d: Diagnostic, fix: Option<Fix>) {
        if let (Some(last), Some(fix)) = (self.diags.last_mut(), fix) {
            if *last == d {
                last.fixes.push(fix);
            }
        }
    }

    fn legacy(&mut self, l: &'static LegacyForm, word: &Word, a: usize, r: (usize, usize)) {
        let (code, sev) = match l.status {
            LegacyStatus::Legacy => (codes::CML_LEGACY_COMMAND, Severity::Info),
            LegacyStatus::Deprecated => (codes::CML_DEPRECATED_COMMAND, Severity::Warning),
            LegacyStatus::Dead => (codes::CML_DEAD_COMMAND, Severity::Error),
        };
        let old = if l.binary { l.old.to_string() } else { format!("cml {}", l.old) };
        let msg = match (l.status, l.replacement) {
            (LegacyStatus::Dead, _) => {
                format!("`{old}` fails since TensorBoard.dev shut down on 2024-01-01; remove this step")
            }
            (_, None) => format!(
                "`{old}` is deprecated: reference the image in the report (`![](./plot.png)`) and `cml comment create` uploads it"
            ),
            (LegacyStatus::Deprecated, Some(new)) => format!("`{old}` is deprecated; use `{new}`"),
            (_, Some(new)) => format!("`{old}` is the old form of `{new}`"),
        };
        let d = self.push(code, sev, r, msg).clone();
        let fix = l.replacement.and_then(|new| {
            let text = if l.binary { new } else { new.trim_start_matches("cml ") };
            Self::fix(format!("Use `{new}`"), self.word_edit(word, a, word.text.len(), text))
        });
        self.attach(d, fix);
    }

    fn parse_args(&mut self, id: CmdId, args: &[Arg], inv: &mut Invocation) {
        let mut i = 0;
        let mut rest_positional = false;
        while i < args.len() {
            let arg = &args[i];
            let w = arg.word;
            let t = w.text.as_ref();
            if rest_positional || !t.starts_with('-') || t == "-" || is_negative_number(t) {
                inv.positionals.push((t.to_string(), self.span(w.range())));
                i += 1;
                continue;
            }
            if t == "--" {
                rest_positional = true;
                i += 1;
                continue;
            }
            let dashes = if t.starts_with("--") { 2 } else { 1 };
            let eq = t.find('=');
            let name = &t[dashes..eq.unwrap_or(t.len())];
            let name_r = w.sub_range(dashes, eq.unwrap_or(t.len()));
            let mut spec = lookup(id, name);
            let mut negated = false;
            if spec.is_none() && dashes == 2 {
                if let Some(base) = name.strip_prefix("no-") {
                    spec = lookup(id, base);
                    negated = spec.is_some();
                }
            }
            let known = spec.is_some() || name.is_empty();
            let ty = spec.map_or(OptType::String, |s| if negated { OptType::Boolean } else { s.ty });
            // The value: inline after `=`, or the next word(s).
            let mut value: Option<(String, (usize, usize), bool)> = None;
            let mut consumed = 1;
            if let Some(eq) = eq {
                value = Some((t[eq + 1..].to_string(), w.sub_range(eq + 1, t.len()), w.expansion));
            } else if ty == OptType::Boolean {
                if let Some(n) = args.get(i + 1).filter(|n| n.word.text == "true" || n.word.text == "false") {
                    value = Some((n.word.text.to_string(), n.word.range(), false));
                    consumed = 2;
                }
            } else if ty == OptType::Array {
                let mut j = i + 1;
                let mut parts = Vec::new();
                while let Some(n) = args.get(j).filter(|n| takes_as_value(&n.word.text)) {
                    parts.push(n.word);
                    j += 1;
                }
                if let (Some(first), Some(last)) = (parts.first(), parts.last()) {
                    let text = parts.iter().map(|p| p.text.as_ref()).collect::<Vec<_>>().join(" ");
                    value = Some((text, (first.start, last.end), parts.iter().any(|p| p.expansion)));
                    consumed = j - i;
                }
            } else if let Some(n) = args.get(i + 1).filter(|n| takes_as_value(&n.word.text)) {
                value = Some((n.word.text.to_string(), n.word.range(), n.word.expansion));
                consumed = 2;
            }
            let end = if consumed > 1 { args[i + consumed - 1].word.end } else { w.end };
            let canonical =
                spec.map_or_else(|| Cow::Owned(name.to_string()), |s| Cow::Borrowed(s.name.as_str()));
            if !known && !w.expansion {
                self.unknown_option(id, w, dashes, name, name_r);
            }
            let value_neg =
                spec.is_some() && ty == OptType::Boolean && value.as_ref().is_some_and(|v| v.0 == "false");
            if let Some(spec) = spec {
                self.check_value(id, spec, negated, w, eq, value.as_ref(), name_r);
            }
            let (value_span, dynamic) =
                (value.as_ref().map(|v| self.span(v.1)), value.as_ref().is_some_and(|v| v.2));
            inv.options.push(ParsedOption {
                name: canonical,
                known: spec.is_some(),
                negated: spec.is_some() && (negated || value_neg),
                span: self.span((w.start, end)),
                name_span: self.span(name_r),
                value: value.map(|v| v.0),
                value_span,
                dynamic,
                dropped: arg.dropped,
            });
            i += consumed;
        }
    }

    fn unknown_option(&mut self, id: CmdId, w: &Word, dashes: usize, name: &str, name_r: (usize, usize)) {
        let path = id.path();
        let dash = if dashes == 2 { "--" } else { "-" };
        let key = (id, dashes, name.to_string());
        let near = match self.near.get(&key) {
            Some(n) => *n,
            None => {
                let n = near_option(id, dashes, name);
                self.near.insert(key, n);
                n
            }
        };
        let best = match near {
            Near::OtherCommand(other) => {
                self.push(
                    codes::CML_OPTION_WRONG_COMMAND,
                    Severity::Error,
                    name_r_with_dashes(w, dashes, name_r),
                    format!("`--{name}` is an option of `cml {}`, not of `cml {path}`", other.path()),
                );
                return;
            }
            Near::Best(b) => b,
        };
        let msg = match best {
            Some(b) => format!("unknown option `{dash}{name}` for `cml {path}`; did you mean `--{b}`?"),
            None => format!("unknown option `{dash}{name}` for `cml {path}`"),
        };
        let d = self
            .push(codes::CML_UNKNOWN_OPTION, Severity::Error, name_r_with_dashes(w, dashes, name_r), msg)
            .clone();
        let fix = best.and_then(|b| {
            let end = dashes + name.len();
            Self::fix(format!("Change to `--{b}`"), self.word_edit(w, dashes, end, b))
        });
        self.attach(d, fix);
    }

    #[allow(clippy::too_many_arguments)]
    fn check_value(
        &mut self,
        id: CmdId,
        spec: &OptSpec,
        negated: bool,
        w: &Word,
        eq: Option<usize>,
        value: Option<&(String, (usize, usize), bool)>,
        name_r: (usize, usize),
    ) {
        let opt_r = name_r_with_dashes(w, if w.text.starts_with("--") { 2 } else { 1 }, name_r);
        if negated {
            return;
        }
        if let Some(dep) = &spec.deprecated {
            self.push(
                codes::CML_DEPRECATED_OPTION,
                Severity::Warning,
                opt_r,
                format!("`--{}` is deprecated; use {dep}", spec.name),
            );
        }
        let Some((v, r, dynamic)) = value else {
            if spec.ty.takes_value() {
                self.push(
                    codes::CML_MISSING_VALUE,
                    Severity::Error,
                    opt_r,
                    format!("`--{}` needs a value ({})", spec.name, spec.ty.as_str()),
                );
            }
            return;
        };
        if *dynamic {
            return;
        }
        let r = *r;
        let inline = eq.is_some();
        if v.is_empty() && spec.ty.takes_value() {
            self.push(
                codes::CML_MISSING_VALUE,
                Severity::Error,
                opt_r,
                format!("`--{}` has an empty value", spec.name),
            );
            return;
        }
        let value_edit = |a: &Self, new: &str| -> Option<TextEdit> {
            match eq {
                Some(eq) => a.word_edit(w, eq + 1, w.text.len(), new),
                None => None,
            }
        };
        match spec.ty {
            OptType::Boolean => {
                if inline && v != "true" && v != "false" {
                    self.push(
                        codes::CML_INVALID_VALUE,
                        Severity::Warning,
                        r,
                        format!(
                            "`--{}` is a boolean: `{v}` is read as false; use `true` or `false`",
                            spec.name
                        ),
                    );
                }
                return;
            }
            OptType::Number if !is_js_number(v) => {
                self.push(
                    codes::CML_INVALID_VALUE,
                    Severity::Error,
                    r,
                    format!("`--{}` takes a number, not `{v}`", spec.name),
                );
                return;
            }
            _ => {}
        }
        if !spec.choices.is_empty() && !spec.choices.iter().any(|c| c == v) {
            let best = choice_fix(v, spec.choices.iter().map(String::as_str));
            let list: Vec<String> = spec.choices.iter().map(|c| format!("`{c}`")).collect();
            let d = self
                .push(
                    codes::CML_INVALID_CHOICE,
                    Severity::Error,
                    r,
                    format!("invalid value `{v}` for `--{}`; choose one of {}", spec.name, list.join(", ")),
                )
                .clone();
            let fix = best.and_then(|b| {
                let edit = match eq {
                    Some(_) => value_edit(self, b),
                    None => self.edit(r, b),
                };
                Self::fix(format!("Change to `{b}`"), edit)
            });
            self.attach(d, fix);
            return;
        }
        if id == CmdId::RunnerLaunch {
            match spec.name.as_str() {
                "idle-timeout" if !valid_idle_timeout(v) => {
                    self.push(
                        codes::CML_INVALID_IDLE_TIMEOUT,
                        Severity::Error,
                        r,
                        format!(
                            "`--idle-timeout` value `{v}` is not whole seconds, `never`, or a duration such as `5min`, `1h30m` or `10 minutes`"
                        ),
                    );
                }
                "cloud-gpu" => {
                    if let Some((_, new)) = spec.deprecated_values.iter().find(|(old, _)| old == v) {
                        let d = self
                            .push(
                                codes::CML_DEPRECATED_VALUE,
                                Severity::Warning,
                                r,
                                format!(
                                    "`--cloud-gpu={v}` is deprecated; {}",
                                    deprecated_value_advice(v, new)
                                ),
                            )
                            .clone();
                        let fix = (v == "tesla")
                            .then(|| Self::fix("Change to `v100`".to_string(), value_edit(self, "v100")))
                            .flatten();
                        self.attach(d, fix);
                    }
                }
                _ => {}
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check(
        &mut self,
        id: CmdId,
        cmd: &SimpleCommand,
        w: &[Word],
        first_arg: usize,
        args: &[Arg],
        inv: &Invocation,
        has_dropped: bool,
    ) {
        let f = facts();
        let help = inv.options.iter().any(|o| o.known && (o.name == "help" || o.name == "version"));
        // Conflicts.
        let present: Vec<&ParsedOption> = inv.options.iter().filter(|o| o.known && !o.negated).collect();
        for (k, b) in present.iter().enumerate() {
            let Some(bs) = f.option(id, &b.name) else { continue };
            if let Some(a) =
                present[..k].iter().find(|a| a.name != b.name && bs.conflicts.iter().any(|c| *c == a.name))
            {
                self.diags.push(Diagnostic::error(
                    codes::CML_CONFLICTING_OPTIONS,
                    b.name_span_with_dashes(),
                    format!("`--{}` and `--{}` are mutually exclusive", a.name, b.name),
                ));
            }
        }
        // Positionals.
        let spec = f.command(id);
        // Unknown options may swallow a following word: the positional count is then unsure.
        let dynamic_args = args.iter().any(|a| a.word.expansion) || inv.options.iter().any(|o| !o.known);
        if !help && !dynamic_args {
            let n = inv.positionals.len();
            let arity = if inv.kind == InvocationKind::PrParent {
                facts::Arity { min: 1, max: None, name: "<glob path...>" }
            } else {
                spec.arity
            };
            if n < arity.min && !cmd.piped {
                let r = w.get(first_arg.saturating_sub(1)).map_or((0, 0), |x| x.range());
                self.push(
                    codes::CML_MISSING_ARGUMENT,
                    Severity::Error,
                    r,
                    format!("`cml {}` needs an argument {}", id.path(), arity.name),
                );
            }
            if let Some(max) = arity.max {
                // `\ ` before a dropped line is reported with the dropped line.
                let extra = inv.positionals.iter().filter(|(t, _)| !(has_dropped && t.trim().is_empty()));
                for (text, span) in extra.skip(max) {
                    self.diags.push(Diagnostic::error(
                        codes::CML_UNEXPECTED_ARGUMENT,
                        *span,
                        format!("unexpected argument `{text}`: `cml {}` rejects extra arguments", id.path()),
                    ));
                }
            }
        }
        if id != CmdId::RunnerLaunch {
            return;
        }
        // `cml runner [launch]` with no dash-prefixed argument fails its parent's check.
        let any_dash = w.iter().skip(first_arg).any(|a| a.text.starts_with('-') || a.expansion);
        if !any_dash && !has_dropped {
            let last = w.last().map_or(0, |l| l.end);
            let r = (w[first_arg.saturating_sub(1).min(w.len() - 1)].start, last);
            let r = (inv_cmd_start(w, first_arg), r.1);
            let d = self
                .push(
                    codes::CML_RUNNER_NO_OPTIONS,
                    Severity::Error,
                    r,
                    "`cml runner launch` without any option fails (\"Argument check failed\"), even when options come from CML_RUNNER_* variables; add at least one, e.g. `--labels=cml`".to_string(),
                )
                .clone();
            let fix = Self::fix("Add `--labels=cml`".to_string(), self.edit((last, last), " --labels=cml"));
            self.attach(d, fix);
        }
        let cloud = inv.cloud(self.ctx);
        // Only a literal, valid vendor drives the vendor-dependent checks: an invalid value
        // is reported once (`cml-invalid-choice`) and a dynamic one is unknown.
        let vendor: Option<&str> = match &cloud {
            Some(Some(v)) => valid_vendor(v),
            _ => None,
        };
        let spot = inv.option("cloud-spot").is_some_and(|o| !o.negated)
            || self.ctx.env_var("CML_RUNNER_CLOUD_SPOT").is_some();
        for o in inv.options.iter().filter(|o| o.known && !o.negated) {
            let Some(spec) = f.option(id, &o.name) else { continue };
            let r = o.name_span_with_dashes();
            match &spec.requires {
                Some(Requires::Cloud) if cloud.is_none() => {
                    self.diags.push(Diagnostic::warning(
                        codes::CML_CLOUD_OPTION_WITHOUT_CLOUD,
                        r,
                        format!(
                            "`--{}` has no effect without `--cloud`: the runner starts on this machine",
                            o.name
                        ),
                    ));
                }
                Some(Requires::CloudVendor(v)) => {
                    if cloud.is_none() {
                        self.diags.push(Diagnostic::warning(
                            codes::CML_CLOUD_OPTION_WITHOUT_CLOUD,
                            r,
                            format!("`--{}` has no effect without `--cloud={v}`", o.name),
                        ));
                    } else if vendor.is_some_and(|c| c != v) {
                        self.diags.push(Diagnostic::warning(
                            codes::CML_OPTION_WRONG_CLOUD,
                            r,
                            format!(
                                "`--{}` only applies to `--cloud={v}`; it is ignored with `--cloud={}`",
                                o.name,
                                vendor.unwrap_or("")
                            ),
                        ));
                    }
                }
                Some(Requires::Option(req)) if req == "cloud-spot" => {
                    let default_price = o.value.as_deref().is_some_and(|v| v.trim() == "-1");
                    if cloud.is_none() {
                        self.diags.push(Diagnostic::warning(
                            codes::CML_CLOUD_OPTION_WITHOUT_CLOUD,
                            r,
                            format!("`--{}` has no effect without `--cloud`", o.name),
                        ));
                    } else if !spot && !default_price {
                        self.diags.push(Diagnostic::warning(
                            codes::CML_SPOT_PRICE_WITHOUT_SPOT,
                            r,
                            "`--cloud-spot-price` has no effect without `--cloud-spot`".to_string(),
                        ));
                    }
                    if vendor == Some("gcp") && !default_price && !o.dynamic {
                        self.diags.push(Diagnostic::error(
                            codes::CML_OPTION_UNSUPPORTED_CLOUD,
                            r,
                            "`--cloud-spot-price` must stay -1 with `--cloud=gcp`: Google Cloud preemptible instances have no bidding price".to_string(),
                        ));
                    }
                }
                _ => {}
            }
            if o.name == "cloud-permission-set" && vendor == Some("kubernetes") {
                self.diags.push(Diagnostic::error(
                    codes::CML_OPTION_UNSUPPORTED_CLOUD,
                    r,
                    "`--cloud-permission-set` is not supported with `--cloud=kubernetes` (the launch fails)"
                        .to_string(),
                ));
            }
            match (o.name.as_ref(), self.ctx.forge) {
                ("docker-volumes", Forge::GitHub | Forge::Bitbucket) => {
                    self.diags.push(Diagnostic::warning(
                        codes::CML_OPTION_IGNORED_FORGE,
                        r,
                        format!(
                            "`--docker-volumes` only works with GitLab runners; {} ignores it",
                            self.ctx.forge.name()
                        ),
                    ));
                }
                ("reuse-idle", Forge::Bitbucket) => {
                    self.diags.push(Diagnostic::error(
                        codes::CML_OPTION_UNSUPPORTED_FORGE,
                        r,
                        "`--reuse-idle` is unsupported by Bitbucket: the launch fails".to_string(),
                    ));
                }
                _ => {}
            }
        }
        // Vendor-specific values.
        if let Some(vendor) = vendor {
            if let Some(o) = inv.option("cloud-region").filter(|o| !o.dynamic) {
                if let (Some(v), Some(span)) = (&o.value, o.value_span) {
                    if let Some(msg) = region_mismatch(vendor, v) {
                        self.diags.push(Diagnostic::warning(codes::CML_REGION_VENDOR_MISMATCH, span, msg));
                    }
                }
            }
            let gpu = inv.option("cloud-gpu").filter(|o| !o.dynamic).and_then(|o| o.value.clone());
            if let Some(o) = inv.option("cloud-type").filter(|o| !o.dynamic) {
                if let (Some(v), Some(span)) = (&o.value, o.value_span) {
                    if let Some(msg) = machine_type_problem(vendor, v, gpu.as_deref()) {
                        self.diags.push(Diagnostic::warning(codes::CML_INVALID_MACHINE_TYPE, span, msg));
                    }
                }
            }
        }
    }

    fn dropped_continuation(&mut self, text: &str, cmd: &SimpleCommand, dropped: &[&SimpleCommand]) {
        let mut prev = cmd;
        for d in dropped {
            let Terminator::Newline(nl) = prev.terminator else { break };
            let r = (d.start(), d.end());
            let line = &text[prev.end().min(nl)..nl];
            let escaped_space = prev.words.last().is_some_and(|w| {
                text.get(w.start..w.end).is_some_and(|raw| raw.ends_with("\\ ") || raw.ends_with("\\\t"))
            });
            let msg = if escaped_space {
                "this line runs as a separate command: the `\\` on the line before is followed by a space, so it escapes the space instead of the line break".to_string()
            } else {
                "this line runs as a separate command, so `cml` never sees these options: the line before does not end with `\\`".to_string()
            };
            let mut diag = Diagnostic::error(codes::CML_DROPPED_CONTINUATION, src_span(self.map, r), msg);
            let edit = if escaped_space {
                // Remove the whitespace between the backslash and the line break.
                let raw_end = prev.words.last().map_or(nl, |w| w.end);
                let bs = text[..raw_end].rfind('\\').map_or(raw_end, |p| p + 1);
                self.edit((bs, nl), "")
            } else if line.contains('#') {
                None
            } else {
                self.edit((nl, nl), " \\")
            };
            if let Some(e) = edit {
                diag.fixes.push(Fix {
                    title: "Continue the command on this line".into(),
                    edits: vec![e],
                    preferred: true,
                });
            }
            self.diags.push(diag);
            prev = d;
        }
    }
}

impl ParsedOption {
    fn name_span_with_dashes(&self) -> Span {
        Span::new(self.span.start, self.name_span.end.max(self.span.start))
    }
}

fn inv_cmd_start(w: &[Word], first_arg: usize) -> usize {
    // The span of the command words: from `runner` (or the binary) to the end.
    let i = first_arg.saturating_sub(1).min(w.len().saturating_sub(1));
    let mut s = i;
    if i > 0 && (w[i].text == "launch") {
        s = i - 1;
    }
    w.get(s).map_or(0, |x| x.start)
}

fn name_r_with_dashes(w: &Word, dashes: usize, name_r: (usize, usize)) -> (usize, usize) {
    let _ = dashes;
    (w.start, name_r.1.max(w.start))
}

fn expr_text(w: &Word, s: usize, e: usize) -> String {
    // Malformed ranges are raw input ranges; recover the text from the word's own bytes.
    let a = w.text_index_of(s);
    let b = w.text_index_of_end(e);
    w.text.get(a..b).unwrap_or("").to_string()
}

impl Word<'_> {
    fn text_index_of(&self, raw: usize) -> usize {
        (0..self.text.len()).find(|&i| self.sub_range(i, i + 1).0 >= raw).unwrap_or(self.text.len())
    }

    fn text_index_of_end(&self, raw: usize) -> usize {
        (0..self.text.len()).rev().find(|&i| self.sub_range(i, i + 1).1 <= raw).map_or(0, |i| i + 1)
    }
}

pub(crate) fn lookup(id: CmdId, name: &str) -> Option<&'static OptSpec> {
    let f = facts();
    if name.is_empty() {
        return None;
    }
    if name == "options" {
        // The hidden internal `--options` every command registers.
        return None;
    }
    let spec = f.option(id, name)?;
    Some(spec)
}

pub(crate) fn takes_as_value(t: &str) -> bool {
    !t.starts_with('-') || is_negative_number(t)
}

fn is_negative_number(t: &str) -> bool {
    // After the sign, a number starts with a digit, `.` or `Infinity`: most option words
    // are decided by their second byte.
    t.starts_with('-') && matches!(t.as_bytes().get(1), Some(b'0'..=b'9' | b'.' | b'I')) && is_js_number(t)
}

/// A number as JavaScript's `Number()` reads it (decimal, exponent, hex/octal/binary).
pub fn is_js_number(t: &str) -> bool {
    let t = t.trim();
    if t.is_empty() {
        return false;
    }
    let u = t.strip_prefix(['-', '+']).unwrap_or(t);
    if u == "Infinity" {
        return true;
    }
    for (p, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(d) = t.strip_prefix(p) {
            return !d.is_empty() && d.chars().all(|c| c.is_digit(radix));
        }
    }
    let (mant, exp) = match u.find(['e', 'E']) {
        Some(i) => (&u[..i], Some(&u[i + 1..])),
        None => (u, None),
    };
    let mut parts = mant.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let mant_ok =
        digits(int) && frac.is_none_or(digits) && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mant_ok && exp_ok
}

/// Units timestring 6 understands.
const TIME_UNITS: &[&str] = &[
    "ms",
    "milli",
    "millisecond",
    "milliseconds",
    "s",
    "sec",
    "secs",
    "second",
    "seconds",
    "m",
    "min",
    "mins",
    "minute",
    "minutes",
    "h",
    "hr",
    "hrs",
    "hour",
    "hours",
    "d",
    "day",
    "days",
    "w",
    "week",
    "weeks",
    "mon",
    "mth",
    "mths",
    "month",
    "months",
    "y",
    "yr",
    "yrs",
    "year",
    "years",
];

/// `--idle-timeout`: `/^-?\d+$/` seconds, `never`, or something timestring parses.
pub fn valid_idle_timeout(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        return true;
    }
    if v == "never" {
        return true;
    }
    // timestring: lower-case, drop everything but [.\w+-], then groups of
    // `[-+]?[0-9.]+[a-z]+`; every unit must be known; at least one group.
    let cleaned: String = v
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-'))
        .collect();
    let cb = cleaned.as_bytes();
    let mut i = 0;
    let mut groups = 0;
    while i < cb.len() {
        // Find the next run of [0-9.] followed by letters.
        let start = i;
        while i < cb.len() && (cb[i].is_ascii_digit() || cb[i] == b'.') {
            i += 1;
        }
        if i > start {
            let us = i;
            while i < cb.len() && cb[i].is_ascii_lowercase() {
                i += 1;
            }
            if i > us {
                let unit = &cleaned[us..i];
                if !TIME_UNITS.contains(&unit) {
                    return false;
                }
                groups += 1;
            }
        } else {
            i += 1;
        }
    }
    groups > 0
}

fn deprecated_value_advice(v: &str, new: &str) -> String {
    if v == "tesla" {
        format!("CML rewrites it to `{new}`")
    } else {
        "CML treats it as no GPU: omit `--cloud-gpu`".to_string()
    }
}

/// What an unknown option `name` of command `id` is: another command's option, or a typo
/// of one of `id`'s (or a global) option.
fn near_option(id: CmdId, dashes: usize, name: &str) -> Near {
    let f = facts();
    if dashes == 2 {
        if let Some(other) =
            f.commands.iter().find(|c| c.id != id && c.options.iter().any(|o| o.matches(name) && !o.hidden))
        {
            return Near::OtherCommand(other.id);
        }
    }
    let candidates =
        f.command(id).options.iter().chain(f.globals.iter()).filter(|o| !o.hidden || o.name == name);
    let names: Vec<&'static str> = candidates.map(|o| o.name.as_str()).collect();
    Near::Best(if dashes == 2 { did_you_mean(name, names.iter().copied()) } else { None })
}

/// The best near miss among `candidates`.
pub fn did_you_mean<'c>(typed: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let lower = typed.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = strsim::damerau_levenshtein(&lower, c);
        let ok = d <= 2.min(c.len().saturating_sub(1)).max(1) || (lower.len() >= 4 && c.starts_with(&lower));
        let score = if c.starts_with(&lower) && lower.len() >= 4 { d.min(1) } else { d };
        if ok && best.is_none_or(|(bd, _)| score < bd) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

fn choice_fix<'c>(v: &str, choices: impl Iterator<Item = &'c str> + Clone) -> Option<&'c str> {
    let lower = v.to_ascii_lowercase();
    let alias = match lower.as_str() {
        "az" | "microsoft" => Some("azure"),
        "k8s" | "kube" => Some("kubernetes"),
        "google" | "gce" | "gcloud" | "google-cloud" => Some("gcp"),
        "amazon" | "ec2" => Some("aws"),
        _ => None,
    };
    if let Some(a) = alias {
        if let Some(c) = choices.clone().find(|c| *c == a) {
            return Some(c);
        }
    }
    did_you_mean(&lower, choices)
}

/// `v` when it is one of `--cloud`'s choices.
pub fn valid_vendor(v: &str) -> Option<&str> {
    let f = facts();
    let ok = f
        .command(CmdId::RunnerLaunch)
        .options
        .iter()
        .find(|o| o.name == "cloud")
        .is_some_and(|o| o.choices.iter().any(|c| c == v));
    ok.then_some(v)
}

/// What shape a native region name has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RegionShape {
    /// `us-east-1`, `us-east-1c`, `us-gov-west-1`.
    Aws,
    /// `eastus`, `westeurope`.
    Azure,
    /// `us-west1` (a GCP region).
    GcpRegion,
    /// `us-west1-b`.
    GcpZone,
    Other,
}

fn region_shape(v: &str) -> RegionShape {
    let parts: Vec<&str> = v.split('-').collect();
    let alpha = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let alnum = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    // AWS: geo-[gov-]direction-N[letter]
    let last = parts.last().copied().unwrap_or("");
    let aws_tail = {
        let d = last.trim_end_matches(|c: char| c.is_ascii_lowercase());
        digits(d) && last.len() - d.len() <= 1
    };
    if parts.len() >= 3 && parts[..parts.len() - 1].iter().all(|p| alpha(p)) && aws_tail {
        return RegionShape::Aws;
    }
    // GCP: geo-locationN[-z]
    let gcp_mid = |s: &str| {
        let d = s.trim_start_matches(|c: char| c.is_ascii_lowercase());
        d.len() < s.len() && digits(d)
    };
    if parts.len() == 2 && alpha(parts[0]) && gcp_mid(parts[1]) {
        return RegionShape::GcpRegion;
    }
    if parts.len() == 3 && alpha(parts[0]) && gcp_mid(parts[1]) && parts[2].len() == 1 && alpha(parts[2]) {
        return RegionShape::GcpZone;
    }
    if parts.len() == 1 && alnum(v) && v.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) {
        return RegionShape::Azure;
    }
    RegionShape::Other
}

/// A warning when a native `--cloud-region` does not fit the vendor.
pub fn region_mismatch(vendor: &str, v: &str) -> Option<String> {
    let f = facts();
    if f.synthetic_regions.iter().any(|r| r == v) || vendor == "kubernetes" {
        return None;
    }
    let shape = region_shape(v);
    match (vendor, shape) {
        ("gcp", RegionShape::GcpRegion) => Some(format!(
            "`{v}` is a GCP region, but `--cloud=gcp` needs a zone such as `{v}-b` (or a synthetic region like `us-west`)"
        )),
        ("gcp", RegionShape::Aws) => {
            Some(format!("`{v}` looks like an AWS region; `--cloud=gcp` needs a GCP zone such as `us-west1-b`"))
        }
        ("gcp", RegionShape::Azure) => {
            Some(format!("`{v}` looks like an Azure region; `--cloud=gcp` needs a GCP zone such as `us-west1-b`"))
        }
        ("aws", RegionShape::Azure) => {
            Some(format!("`{v}` looks like an Azure region; `--cloud=aws` needs an AWS region such as `us-east-1`"))
        }
        ("aws", RegionShape::GcpRegion | RegionShape::GcpZone) => {
            Some(format!("`{v}` looks like a GCP region or zone; `--cloud=aws` needs an AWS region such as `us-east-1`"))
        }
        ("azure", RegionShape::Aws) => {
            Some(format!("`{v}` looks like an AWS region; `--cloud=azure` needs an Azure region such as `eastus`"))
        }
        ("azure", RegionShape::GcpRegion | RegionShape::GcpZone) => {
            Some(format!("`{v}` looks like a GCP region or zone; `--cloud=azure` needs an Azure region such as `eastus`"))
        }
        _ => None,
    }
}

/// A warning for a synthetic size whose GPU combination the vendor's table lacks.
pub fn machine_type_problem(vendor: &str, ty: &str, gpu: Option<&str>) -> Option<String> {
    let f = facts();
    let (size, gpu_in_type) = match ty.split_once('+') {
        Some((s, g)) => (s, Some(g)),
        None => (ty, None),
    };
    if !f.size_names.iter().any(|s| s == size) {
        return None;
    }
    let gpu = match (gpu_in_type, gpu) {
        (Some(g), _) => g,
        (None, Some(g)) if f.synthetic_gpus.iter().any(|s| s == g) => g,
        _ => return None,
    };
    if gpu.contains('*') || !f.synthetic_gpus.iter().any(|s| s == gpu) {
        return None;
    }
    let combo = format!("{size}+{gpu}");
    if f.type_on(vendor, &combo).is_some() {
        return None;
    }
    let valid: Vec<String> = f
        .type_map
        .get(vendor)
        .map(|m| m.keys().filter(|k| k.contains('+')).map(|k| format!("`{k}`")).collect())
        .unwrap_or_default();
    Some(format!(
        "`{combo}` is not a synthetic type on {vendor}: the raw size `{size}` is sent to the cloud, which rejects it; use one of {}",
        valid.join(", ")
    ))
}
