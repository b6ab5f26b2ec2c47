//! Analysis of one `dvc.yaml`: stage `params:` references, `${...}` interpolations against
//! `vars`/params.yaml/foreach/matrix, vars loading, DVC's schema. Produces diagnostics and
//! the resolved references the editor features use.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::index::{self, join_norm, ParamsDoc};
use super::interp;
use super::model::{split_path, NodeIdx, ProblemKind, Tree, Value, MAX_DEPTH};
use crate::codes;
use crate::diag::{Diagnostic, Related, Span};
use crate::kind::ParamsFormat;
use crate::workspace::Workspace;

/// The dvc.yaml JSON Schema, written from DVC's documented format.
pub const DVC_SCHEMA: &str = include_str!("../../schemas/dvc.schema.json");

pub fn dvc_schema() -> &'static serde_json::Value {
    static S: OnceLock<serde_json::Value> = OnceLock::new();
    S.get_or_init(|| serde_json::from_str(DVC_SCHEMA).unwrap_or(serde_json::Value::Null))
}

fn dvc_validator() -> Option<&'static jsonschema::Validator> {
    static V: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    V.get_or_init(|| super::schema::compile(dvc_schema()).ok()).as_ref()
}

/// A key of a params file that a place in dvc.yaml refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub file: PathBuf,
    /// Dotted path inside the file.
    pub key: String,
}

/// A `params:` entry of a stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamRef {
    pub stage: String,
    pub file: PathBuf,
    /// The file name as written (`params.yaml` for bare keys).
    pub file_text: String,
    /// The span of the file name in dvc.yaml (`None` for bare keys).
    pub file_span: Option<Span>,
    /// `None` when the whole file is tracked.
    pub key: Option<String>,
    /// Each key segment and its span in dvc.yaml.
    pub segs: Vec<(String, Span)>,
}

/// A `${...}` use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterpRef {
    pub stage: Option<String>,
    /// The whole `${...}` in dvc.yaml.
    pub span: Span,
    pub segs: Vec<(String, Span)>,
    /// The params-file key it resolves to (for file-backed variables).
    pub target: Option<Target>,
}

/// A source of variables: a params file (maybe restricted to some top-level keys) or an
/// inline `vars` map of dvc.yaml.
#[derive(Clone)]
struct Src {
    doc: Arc<ParamsDoc>,
    root: NodeIdx,
    select: Option<Vec<String>>,
    /// The file path for file sources; `None` for inline maps.
    file: Option<PathBuf>,
    label: String,
}

type Val = (Arc<ParamsDoc>, NodeIdx);

/// The values `item` takes (foreach elements or matrix rows) and whether `key` exists.
#[derive(Clone, Default)]
struct Iter {
    active: bool,
    /// foreach: one value per element.
    items: Vec<Val>,
    /// matrix: name -> the values of that axis.
    matrix: Option<Vec<(String, Vec<Val>)>>,
    has_key: bool,
}

pub struct DvcAnalysis {
    pub path: PathBuf,
    pub dir: PathBuf,
    pub doc: Arc<ParamsDoc>,
    pub params: Vec<ParamRef>,
    pub interps: Vec<InterpRef>,
    pub diags: Vec<Diagnostic>,
    /// Stage names and their key spans.
    pub stages: Vec<(String, Span)>,
    /// The variable sources (file paths) of the whole file, for completion.
    pub var_files: Vec<PathBuf>,
}

struct Cx<'a> {
    ws: &'a dyn Workspace,
    a: DvcAnalysis,
    /// The params files loaded so far: a stage list of thousands of references reads and
    /// parses each file once, not once per reference.
    loaded: HashMap<PathBuf, Option<Arc<ParamsDoc>>>,
    /// foreach items and matrix values looked at so far by `item` references: each
    /// reference is checked against every item, so this bounds items × references.
    item_work: usize,
}

/// The most foreach/matrix item lookups one analysis makes; past it, `item` references
/// are accepted unchecked.
const ITEM_WORK_CAP: usize = 4_000_000;

/// Analyses the dvc.yaml at `path` with text `text`.
pub fn analyze_dvc(path: &Path, text: Arc<str>, ws: &dyn Workspace) -> DvcAnalysis {
    let doc = index::load_text(path, text);
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut cx = Cx {
        ws,
        a: DvcAnalysis {
            path: path.to_path_buf(),
            dir: dir.clone(),
            doc: doc.clone(),
            params: Vec::new(),
            interps: Vec::new(),
            diags: Vec::new(),
            stages: Vec::new(),
            var_files: Vec::new(),
        },
        loaded: HashMap::new(),
        item_work: 0,
    };
    let mut syntax = false;
    for p in &doc.tree.problems {
        let code = match p.kind {
            ProblemKind::Syntax => {
                syntax = true;
                codes::YAML_SYNTAX
            }
            ProblemKind::DuplicateKey => codes::YAML_DUPLICATE_KEY,
            ProblemKind::UnknownAlias => codes::YAML_UNKNOWN_ALIAS,
        };
        let mut d = Diagnostic::error(code, p.span, p.message.clone());
        if let Some(first) = p.first {
            d = d.with_related(Related { path: None, span: first, message: "first defined here".into() });
        }
        cx.a.diags.push(d);
    }
    let Some(root) = doc.tree.root else {
        return cx.a;
    };
    if !syntax {
        cx.schema(root);
    }
    let tree = &doc.tree;
    // Global context: the default params.yaml, then `vars`.
    let mut ctx: Vec<Src> = Vec::new();
    let default = dir.join("params.yaml");
    if let Some(d) = cx.load(&default) {
        if let Some(r) = d.tree.root {
            if d.tree.is_map(r) {
                ctx.push(Src {
                    doc: d,
                    root: r,
                    select: None,
                    file: Some(default.clone()),
                    label: "params.yaml".into(),
                });
            }
        }
    }
    if let Some(vars) = tree.entry(root, "vars").map(|e| e.value) {
        cx.load_vars(&mut ctx, vars, &dir, "vars");
    }
    cx.a.var_files = ctx.iter().filter_map(|s| s.file.clone()).collect();
    if let Some(stages) = tree.entry(root, "stages").map(|e| e.value) {
        if let Some(Value::Map(entries)) = tree.node(stages).map(|n| n.value.clone()) {
            for e in entries {
                cx.a.stages.push((e.key.clone(), e.key_span));
                cx.stage(&ctx, &e.key, e.value, &dir);
            }
        }
    }
    for section in ["params", "metrics", "plots"] {
        if let Some(v) = tree.entry(root, section).map(|e| e.value) {
            cx.interps_in(&ctx, &Iter::default(), v, None, section, 0);
        }
    }
    // A rule that explains a value (`dvc-foreach`, `params-bad-entry`) replaces the generic
    // schema error on the same range.
    let specific: Vec<Span> =
        cx.a.diags
            .iter()
            .filter(|d| matches!(d.code, codes::DVC_FOREACH | codes::PARAMS_BAD_ENTRY))
            .map(|d| d.span)
            .collect();
    cx.a.diags.retain(|d| d.code != codes::DVC_SCHEMA || !specific.contains(&d.span));
    cx.a.diags.sort_by_key(|d| (d.span.start, d.span.end));
    cx.a
}

impl Cx<'_> {
    fn load(&mut self, path: &Path) -> Option<Arc<ParamsDoc>> {
        if let Some(d) = self.loaded.get(path) {
            return d.clone();
        }
        let d = index::load(self.ws, path);
        self.loaded.insert(path.to_path_buf(), d.clone());
        d
    }

    fn tree(&self) -> &Tree {
        &self.a.doc.tree
    }

    fn err(&mut self, code: &'static str, span: Span, msg: String) {
        self.a.diags.push(Diagnostic::error(code, span, msg));
    }

    /// The decoded string of a scalar node and a function from decoded offsets to source.
    fn scalar(&self, idx: NodeIdx) -> Option<(String, Span)> {
        match &self.tree().node(idx)?.value {
            Value::Scalar { ty: super::model::ScalarType::Str, text } => {
                Some((text.clone(), self.tree().nodes[idx].span))
            }
            _ => None,
        }
    }

    /// Maps a span of a scalar's decoded value to the source.
    fn map_span(&self, idx: NodeIdx, dec: Span) -> Span {
        if let Some((origin, y)) = &self.a.doc.yaml {
            if let Some(Some(id)) = origin.get(idx) {
                if let Some(crate::yaml::NodeKind::Scalar(s)) = y.nodes.get(id.0 as usize).map(|n| &n.kind) {
                    return s.map.span(dec.start, dec.end);
                }
            }
        }
        let base = self.tree().node(idx).map_or(0, |n| n.span.start);
        Span::new(base + dec.start, base + dec.end)
    }

    fn schema(&mut self, root: NodeIdx) {
        let Some(v) = dvc_validator() else { return };
        let errs = super::schema::validate(self.tree(), v);
        for e in errs {
            let msg = match e.unknown.as_deref() {
                Some("live") => "unknown field 'live': the `live` section was removed in DVC 3.0 (DVCLive writes its own outputs)".to_string(),
                Some("locked") => "unknown field 'locked': use 'frozen'".to_string(),
                Some("checkpoints") => "unknown field 'checkpoints': checkpoints were removed in DVC 3.0".to_string(),
                _ => e.message.clone(),
            };
            self.err(codes::DVC_SCHEMA, e.span, msg);
        }
        // Outputs flagged `checkpoint: true` are accepted and ignored by DVC 3.
        let doc = Arc::clone(&self.a.doc);
        let tree = &doc.tree;
        let Some(stages) = tree.entry(root, "stages").map(|e| e.value) else { return };
        for (_, st) in tree.child_keys(stages) {
            let body = tree.entry(st, "do").map_or(st, |e| e.value);
            for section in ["outs", "metrics", "plots"] {
                let Some(list) = tree.entry(body, section).map(|e| e.value) else { continue };
                for (_, item) in tree.child_keys(list) {
                    for (_, flags) in tree.child_keys(item) {
                        let Some(e) = tree.entry(flags, "checkpoint") else { continue };
                        // `checkpoint: false` meant a plain output before and still does.
                        if matches!(&tree.nodes[e.value].value, Value::Scalar { ty: super::model::ScalarType::Bool, text } if text == "true")
                        {
                            let mut d = Diagnostic::warning(
                                codes::DVC_REMOVED_FIELD,
                                e.key_span,
                                "'checkpoint' outputs were removed in DVC 3.0; the flag is ignored",
                            );
                            d.deprecated = true;
                            self.a.diags.push(d);
                        }
                    }
                }
            }
        }
    }

    fn load_vars(&mut self, ctx: &mut Vec<Src>, vars: NodeIdx, base: &Path, what: &str) {
        let doc = Arc::clone(&self.a.doc);
        let tree = &doc.tree;
        let Some(Value::List(items)) = tree.node(vars).map(|n| n.value.clone()) else { return };
        for it in items {
            let node = &tree.nodes[it];
            match &node.value {
                Value::Map(_) => {
                    if let Some(first) = first_interp(tree, it) {
                        self.err(codes::DVC_VARS, first, format!("interpolation is not allowed in '{what}'"));
                        continue;
                    }
                    let src = Src {
                        doc: self.a.doc.clone(),
                        root: it,
                        select: None,
                        file: None,
                        label: what.to_string(),
                    };
                    self.merge(ctx, src, node.span);
                }
                Value::Scalar { .. } => {
                    let Some((s, span)) = self.scalar(it).or_else(|| match &node.value {
                        Value::Scalar { text, .. } => Some((text.clone(), node.span)),
                        _ => None,
                    }) else {
                        continue;
                    };
                    if interp::has_interp(&s) {
                        self.err(codes::DVC_VARS, span, format!("interpolation is not allowed in '{what}'"));
                        continue;
                    }
                    let (file, keys) = match s.split_once(':') {
                        Some((f, k)) => (f.to_string(), Some(k.to_string())),
                        None => (s.clone(), None),
                    };
                    let path = join_norm(base, &file);
                    let fspan = self.map_span(it, Span::new(0, file.len()));
                    let Some(doc) = self.load(&path) else {
                        if self.ws.exists(&path) {
                            continue;
                        }
                        self.err(
                            codes::PARAMS_MISSING_FILE,
                            fspan,
                            format!("vars file '{file}' does not exist"),
                        );
                        continue;
                    };
                    let Some(root) = doc.tree.root.filter(|&r| doc.tree.is_map(r)) else {
                        if doc.format != ParamsFormat::Python && doc.tree.problems.is_empty() {
                            self.err(
                                codes::DVC_VARS,
                                fspan,
                                format!("'{file}' does not hold a map of variables"),
                            );
                        }
                        continue;
                    };
                    let select = keys.as_ref().map(|k| {
                        let mut sel = Vec::new();
                        let mut off = file.len() + 1;
                        for part in k.split(',') {
                            if !part.is_empty() {
                                if doc.tree.entry(root, part).is_none() {
                                    let sp = self.map_span(it, Span::new(off, off + part.len()));
                                    self.err(
                                        codes::DVC_VARS,
                                        sp,
                                        format!("could not find '{part}' in '{file}'"),
                                    );
                                } else {
                                    sel.push(part.to_string());
                                }
                            }
                            off += part.len() + 1;
                        }
                        sel
                    });
                    let select =
                        select.filter(|s| !s.is_empty() || keys.as_deref().is_some_and(|k| !k.is_empty()));
                    if ctx.iter().any(|c| c.file.as_deref() == Some(path.as_path()) && c.select.is_none())
                        && select.is_none()
                    {
                        continue; // The same whole file twice is allowed.
                    }
                    self.merge(ctx, Src { doc, root, select, file: Some(path), label: file }, span);
                }
                Value::List(_) => {}
            }
        }
    }

    /// Adds a source, reporting variables it redefines (DVC refuses to merge them).
    fn merge(&mut self, ctx: &mut Vec<Src>, src: Src, entry_span: Span) {
        for old in ctx.iter() {
            if let Some((path, span)) = conflict(old, &src) {
                let span = if src.file.is_none() { span } else { entry_span };
                self.err(
                    codes::DVC_VARS,
                    span,
                    format!("cannot redefine '{path}': it is already defined in '{}'", old.label),
                );
                return;
            }
        }
        ctx.push(src);
    }

    fn stage(&mut self, global: &[Src], name: &str, st: NodeIdx, dir: &Path) {
        let doc = Arc::clone(&self.a.doc);
        let tree = &doc.tree;
        if !tree.is_map(st) {
            return;
        }
        let mut it = Iter::default();
        let foreach = tree.entry(st, "foreach").map(|e| e.value);
        let body = if foreach.is_some() || tree.entry(st, "do").is_some() {
            match tree.entry(st, "do") {
                Some(e) => e.value,
                None => return,
            }
        } else {
            st
        };
        if let Some(fe) = foreach {
            it.active = true;
            self.interps_in(global, &Iter::default(), fe, Some(name), "foreach", 0);
            let data: Option<Val> = match &tree.nodes[fe].value {
                Value::Scalar { text, .. } => {
                    let found = interp::find(text);
                    match found.first() {
                        Some(i) if i.is_whole(text) => i.path().and_then(|p| lookup(global, &p).ok()),
                        _ => {
                            self.err(
                                codes::DVC_FOREACH,
                                tree.nodes[fe].span,
                                "foreach expects a list, a map or a `${...}` that resolves to one".into(),
                            );
                            None
                        }
                    }
                }
                _ => Some((self.a.doc.clone(), fe)),
            };
            if let Some((d, idx)) = data {
                match &d.tree.nodes[idx].value {
                    Value::Map(_) => {
                        it.has_key = true;
                        it.items = d.tree.child_keys(idx).into_iter().map(|(_, v)| (d.clone(), v)).collect();
                    }
                    Value::List(items) => it.items = items.iter().map(|&v| (d.clone(), v)).collect(),
                    Value::Scalar { .. } => {
                        it.has_key = true;
                        if !interp::has_interp(&d.tree.render(idx, 50)) {
                            self.err(
                                codes::DVC_FOREACH,
                                tree.nodes[fe].span,
                                format!("foreach expects a list or a map, got {}", d.tree.type_name(idx)),
                            );
                        }
                    }
                }
            } else {
                // The source is reported already (or unknown): accept any `item`/`key` rather
                // than report each use as undefined.
                it.has_key = true;
            }
        } else if let Some(m) = tree.entry(st, "matrix").map(|e| e.value) {
            it.active = true;
            it.has_key = true;
            let mut axes = Vec::new();
            for (axis, v) in tree.child_keys(m) {
                // The type of a value that is not a list, reported once below.
                let mut not_list = None;
                let vals: Option<Vec<Val>> = match &tree.nodes[v].value {
                    Value::List(items) => Some(items.iter().map(|&x| (self.a.doc.clone(), x)).collect()),
                    Value::Scalar { text, .. } => {
                        let found = interp::find(text);
                        self.interps_in(global, &Iter::default(), v, Some(name), "matrix", 0);
                        match found.first().filter(|i| i.is_whole(text)).and_then(|i| i.path()) {
                            Some(p) => match lookup(global, &p) {
                                Ok((d, idx)) => match &d.tree.nodes[idx].value {
                                    Value::List(items) => {
                                        Some(items.iter().map(|&x| (d.clone(), x)).collect())
                                    }
                                    _ => {
                                        not_list = Some(d.tree.type_name(idx));
                                        None
                                    }
                                },
                                Err(_) => None,
                            },
                            None if tree.type_name(v) == "string" => None,
                            None => {
                                not_list = Some(tree.type_name(v));
                                None
                            }
                        }
                    }
                    _ => {
                        not_list = Some(tree.type_name(v));
                        None
                    }
                };
                if let Some(ty) = not_list {
                    self.err(
                        codes::DVC_FOREACH,
                        tree.nodes[v].span,
                        format!("matrix '{axis}' must be a list, got {ty}"),
                    );
                }
                // An axis whose values are unknown still exists: `item.<axis>` is not checked further.
                axes.push((axis, vals.unwrap_or_default()));
            }
            it.matrix = Some(axes);
        }
        // wdir and stage vars.
        let mut wdir = dir.to_path_buf();
        if let Some((w, _)) = tree.entry(body, "wdir").and_then(|e| self.scalar(e.value)) {
            if !interp::has_interp(&w) {
                wdir = join_norm(dir, &w);
            }
        }
        let mut ctx = global.to_vec();
        if let Some(v) = tree.entry(body, "vars").map(|e| e.value) {
            self.load_vars(&mut ctx, v, &wdir, &format!("stages.{name}.vars"));
        }
        if let Some(p) = tree.entry(body, "params").map(|e| e.value) {
            self.params(name, p, &wdir);
        }
        if let Value::Map(entries) = &tree.nodes[body].value {
            for e in entries {
                if matches!(e.key.as_str(), "vars" | "matrix" | "foreach" | "do") {
                    continue;
                }
                self.interps_in(&ctx, &it, e.value, Some(name), &e.key.clone(), 0);
            }
        }
    }

    fn params(&mut self, stage: &str, list: NodeIdx, wdir: &Path) {
        let doc = Arc::clone(&self.a.doc);
        let tree = &doc.tree;
        let Some(Value::List(items)) = tree.node(list).map(|n| n.value.clone()) else { return };
        // Files tracked whole: their keys are not checked (DVC ignores them).
        let mut whole: Vec<String> = Vec::new();
        for &it in &items {
            if let Value::Map(es) = &tree.nodes[it].value {
                for e in es {
                    if is_empty(tree, e.value) {
                        whole.push(e.key.clone());
                    }
                }
            }
        }
        for &it in &items {
            match &tree.nodes[it].value {
                Value::Scalar { text, .. } => {
                    if interp::has_interp(text) {
                        continue;
                    }
                    if whole.iter().any(|w| w == "params.yaml") {
                        self.a.params.push(self.param_ref(stage, wdir, "params.yaml", None, Some(it)));
                        continue;
                    }
                    let r = self.param_ref(stage, wdir, "params.yaml", None, Some(it));
                    self.check_ref(&r, tree.nodes[it].span);
                    self.a.params.push(r);
                }
                Value::Map(es) => {
                    for e in es.clone() {
                        if interp::has_interp(&e.key) {
                            continue;
                        }
                        if is_empty(tree, e.value) {
                            let r = self.param_ref(stage, wdir, &e.key, Some(e.key_span), None);
                            self.check_ref(&r, e.key_span);
                            self.a.params.push(r);
                            continue;
                        }
                        let Value::List(keys) = tree.nodes[e.value].value.clone() else {
                            self.err(
                                codes::PARAMS_BAD_ENTRY,
                                tree.nodes[e.value].span,
                                format!(
                                    "expected a list of params for '{}', got {}",
                                    e.key,
                                    tree.type_name(e.value)
                                ),
                            );
                            continue;
                        };
                        for k in keys {
                            if !matches!(tree.nodes[k].value, Value::Scalar { .. }) {
                                self.err(
                                    codes::PARAMS_BAD_ENTRY,
                                    tree.nodes[k].span,
                                    "a param key must be a string".into(),
                                );
                                continue;
                            }
                            let r = self.param_ref(stage, wdir, &e.key, Some(e.key_span), Some(k));
                            if !whole.contains(&e.key) {
                                self.check_ref(&r, tree.nodes[k].span);
                            }
                            self.a.params.push(r);
                        }
                    }
                }
                Value::List(_) => self.err(
                    codes::PARAMS_BAD_ENTRY,
                    tree.nodes[it].span,
                    "a params entry is a key path or a `file: [keys]` map".into(),
                ),
            }
        }
    }

    fn param_ref(
        &self,
        stage: &str,
        wdir: &Path,
        file: &str,
        file_span: Option<Span>,
        key: Option<NodeIdx>,
    ) -> ParamRef {
        let (key_text, segs) = match key {
            Some(k) => {
                let text = match &self.tree().nodes[k].value {
                    Value::Scalar { text, .. } => text.clone(),
                    _ => String::new(),
                };
                let segs = split_path(&text, 0)
                    .into_iter()
                    .map(|s| (s.text.to_string(), self.map_span(k, s.span)))
                    .collect();
                (Some(text), segs)
            }
            None => (None, Vec::new()),
        };
        ParamRef {
            stage: stage.to_string(),
            file: join_norm(wdir, file),
            file_text: file.to_string(),
            file_span,
            key: key_text,
            segs,
        }
    }

    fn check_ref(&mut self, r: &ParamRef, span: Span) {
        let Some(doc) = self.load(&r.file) else {
            if self.ws.exists(&r.file) {
                return;
            }
            self.err(
                codes::PARAMS_MISSING_FILE,
                r.file_span.unwrap_or(span),
                format!("params file '{}' does not exist", r.file_text),
            );
            return;
        };
        // A file DVC refuses to load (a syntax error, or a YAML duplicate key; JSON keeps the
        // last value) has that error reported on it: what looks missing here may be its effect.
        let refused = doc.tree.problems.iter().any(|p| {
            p.kind == ProblemKind::Syntax
                || (p.kind == ProblemKind::DuplicateKey && doc.format != ParamsFormat::Json)
        });
        if doc.format == ParamsFormat::Python || refused {
            return;
        }
        let Some(key) = &r.key else { return };
        let (n, _) = doc.tree.lookup_prefix(r.segs.iter().map(|s| s.0.as_str()));
        if n < r.segs.len() {
            let from = r.segs[n].1.start;
            let to = r.segs.last().map_or(from, |s| s.1.end);
            let msg = if n == 0 {
                format!("param '{key}' is missing from '{}'", r.file_text)
            } else {
                let found: Vec<&str> = r.segs[..n].iter().map(|s| s.0.as_str()).collect();
                format!(
                    "param '{key}' is missing from '{}': '{}' has no '{}'",
                    r.file_text,
                    found.join("."),
                    r.segs[n].0
                )
            };
            self.err(codes::PARAMS_MISSING_KEY, Span::new(from, to.max(from)), msg);
        }
    }

    /// Checks every `${...}` in the strings under `idx`.
    fn interps_in(
        &mut self,
        ctx: &[Src],
        it: &Iter,
        idx: NodeIdx,
        stage: Option<&str>,
        field: &str,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let doc = Arc::clone(&self.a.doc);
        let tree = &doc.tree;
        match &tree.nodes[idx].value {
            Value::Map(es) => {
                for e in es {
                    self.interps_in(ctx, it, e.value, stage, field, depth + 1);
                }
            }
            Value::List(items) => {
                for &c in items {
                    self.interps_in(ctx, it, c, stage, field, depth + 1);
                }
            }
            Value::Scalar { text, .. } => {
                // Only nodes written at this place (not aliased from elsewhere) are reported.
                for i in interp::find(text) {
                    let span = self.map_span(idx, i.span);
                    let segs = match &i.expr {
                        Ok(segs) => segs,
                        Err(e) => {
                            self.err(codes::DVC_INTERP_SYNTAX, span, format!("invalid interpolation: {e}"));
                            continue;
                        }
                    };
                    let msegs: Vec<(String, Span)> =
                        segs.iter().map(|s| (s.text.clone(), self.map_span(idx, s.span))).collect();
                    let path: Vec<&str> = segs.iter().map(|s| s.text.as_str()).collect();
                    let unchecked;
                    let mut it = it;
                    if it.active && path.first() == Some(&"item") {
                        let cost = it.items.len()
                            + it.matrix.as_ref().map_or(0, |m| m.iter().map(|(_, v)| v.len()).sum());
                        self.item_work = self.item_work.saturating_add(cost);
                        if self.item_work > ITEM_WORK_CAP {
                            unchecked = Iter { active: true, has_key: it.has_key, ..Iter::default() };
                            it = &unchecked;
                        }
                    }
                    let res = resolve(ctx, it, &path);
                    let mut target = None;
                    match res {
                        Ok(vals) => {
                            if let Some((src, _)) = vals.first() {
                                if let (Some(f), Some(s)) = (&src.0, &src.1) {
                                    target = Some(Target { file: f.clone(), key: s.clone() });
                                }
                            }
                            let container = vals.iter().find(|(_, (d, n))| d.tree.is_container(*n));
                            if let Some((_, (d, n))) = container {
                                let is_map = d.tree.is_map(*n);
                                let allowed = field.contains("foreach")
                                    || field == "matrix"
                                    || (field == "cmd" && is_map);
                                if !allowed {
                                    let ty = d.tree.type_name(*n);
                                    self.err(
                                        codes::DVC_INTERP_TYPE,
                                        span,
                                        format!("cannot interpolate a {ty} into '{field}'"),
                                    );
                                }
                            }
                        }
                        // Below an alias that was not expanded, nothing is known missing.
                        Err(_) if self.a.doc.tree.truncated || ctx.iter().any(|s| s.doc.tree.truncated) => {}
                        Err((n, why)) => {
                            let from = msegs.get(n).map_or(span.start, |s| s.1.start);
                            let to = msegs.last().map_or(span.end, |s| s.1.end);
                            self.err(codes::DVC_INTERP_UNRESOLVED, Span::new(from, to.max(from)), why);
                        }
                    }
                    self.a.interps.push(InterpRef {
                        stage: stage.map(str::to_string),
                        span,
                        segs: msegs,
                        target,
                    });
                }
            }
        }
    }
}

type Hit = ((Option<PathBuf>, Option<String>), Val);
type Resolved = Vec<Hit>;

/// Resolves a key path; `Err((index of the first unresolved segment, message))`.
fn resolve(ctx: &[Src], it: &Iter, path: &[&str]) -> Result<Resolved, (usize, String)> {
    let joined = path.join(".");
    if it.active && path.first() == Some(&"key") && it.has_key {
        if path.len() > 1 {
            return Err((1, format!("'key' is a string; cannot get '{}'", path[1..].join("."))));
        }
        return Ok(Vec::new());
    }
    if it.active && path.first() == Some(&"item") {
        let mut out = Vec::new();
        if let Some(axes) = &it.matrix {
            if path.len() == 1 {
                return Ok(Vec::new());
            }
            let Some((_, vals)) = axes.iter().find(|(a, _)| a == path[1]) else {
                return Err((1, format!("'{}' is not a matrix entry", path[1])));
            };
            for (d, v) in vals {
                let (n, _) = d.tree.lookup_prefix_from(*v, &path[2..]);
                if n < path.len() - 2 {
                    return Err((n + 2, format!("'{joined}' is not defined for every matrix value")));
                }
                if let Some(x) = d.tree.lookup_from(*v, &path[2..]) {
                    out.push(((None, None), (d.clone(), x)));
                }
            }
            return Ok(out);
        }
        for (d, v) in &it.items {
            let (n, _) = d.tree.lookup_prefix_from(*v, &path[1..]);
            if n < path.len() - 1 {
                return Err((n + 1, format!("'{joined}' is not defined for every foreach item")));
            }
            if let Some(x) = d.tree.lookup_from(*v, &path[1..]) {
                out.push(((None, None), (d.clone(), x)));
            }
        }
        return Ok(out);
    }
    match lookup_full(ctx, path) {
        Ok(v) => Ok(vec![v]),
        Err(n) => {
            let mut names: Vec<&str> = Vec::new();
            for s in ctx {
                if !names.contains(&s.label.as_str()) {
                    names.push(&s.label);
                }
            }
            let msg = if n == 0 {
                let mut m = format!("'{joined}' is not defined");
                if names.is_empty() {
                    m.push_str(" (no vars and no params.yaml)");
                } else {
                    m.push_str(&format!(" in {}", names.join(", ")));
                }
                if it.active {
                    m.push_str(" nor is it 'item'");
                    if it.has_key {
                        m.push_str("/'key'");
                    }
                }
                m
            } else {
                format!("'{joined}' is not defined: '{}' has no '{}'", path[..n].join("."), path[n])
            };
            Err((n, msg))
        }
    }
}

fn lookup_full(ctx: &[Src], path: &[&str]) -> Result<Hit, usize> {
    let mut best = 0;
    for s in ctx.iter().rev() {
        if let (Some(sel), Some(first)) = (&s.select, path.first()) {
            if !sel.iter().any(|k| k == first) {
                continue;
            }
        }
        let (n, _) = s.doc.tree.lookup_prefix_from(s.root, path);
        if n == path.len() {
            if let Some(x) = s.doc.tree.lookup_from(s.root, path) {
                let key = s.file.as_ref().map(|_| path.join("."));
                return Ok(((s.file.clone(), key), (s.doc.clone(), x)));
            }
        }
        best = best.max(n);
    }
    Err(best)
}

fn lookup(ctx: &[Src], path: &str) -> Result<Val, usize> {
    let segs: Vec<&str> = path.split('.').collect();
    lookup_full(ctx, &segs).map(|(_, v)| v)
}

/// The first path defined in both sources where they cannot be merged.
fn conflict(a: &Src, b: &Src) -> Option<(String, Span)> {
    fn rec(
        ta: &Tree,
        ia: NodeIdx,
        tb: &Tree,
        ib: NodeIdx,
        sel: Option<&[String]>,
        prefix: &str,
        depth: usize,
    ) -> Option<(String, Span)> {
        if depth > MAX_DEPTH {
            return None;
        }
        for (k, vb) in tb.child_keys(ib) {
            if let Some(sel) = sel {
                if !sel.contains(&k) {
                    continue;
                }
            }
            let Some(va) = ta.entry(ia, &k).map(|e| e.value) else { continue };
            let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            if ta.is_map(va) && tb.is_map(vb) {
                if let Some(c) = rec(ta, va, tb, vb, None, &path, depth + 1) {
                    return Some(c);
                }
            } else {
                let span = tb.entry(ib, &k).map_or(Span::default(), |e| e.key_span);
                return Some((path, span));
            }
        }
        None
    }
    let c = rec(&a.doc.tree, a.root, &b.doc.tree, b.root, b.select.as_deref(), "", 0)?;
    if let Some(sel) = &a.select {
        let first = c.0.split('.').next().unwrap_or("");
        if !sel.iter().any(|s| s == first) {
            return None;
        }
    }
    Some(c)
}

fn is_empty(tree: &Tree, idx: NodeIdx) -> bool {
    match &tree.nodes[idx].value {
        Value::Scalar { ty: super::model::ScalarType::Null, .. } => true,
        Value::List(items) => items.is_empty(),
        _ => false,
    }
}

fn first_interp(tree: &Tree, idx: NodeIdx) -> Option<Span> {
    fn rec(tree: &Tree, idx: NodeIdx, depth: usize) -> Option<Span> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = tree.node(idx)?;
        match &node.value {
            Value::Scalar { text, .. } => interp::has_interp(text).then_some(node.span),
            Value::List(items) => items.iter().find_map(|&c| rec(tree, c, depth + 1)),
            Value::Map(es) => es.iter().find_map(|e| rec(tree, e.value, depth + 1)),
        }
    }
    rec(tree, idx, 0)
}
