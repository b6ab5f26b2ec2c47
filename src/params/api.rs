//! The entry points `crate::analysis` delegates to for `dvc.yaml` and params files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::dvc::{analyze_dvc, DvcAnalysis};
use super::git::{Git2Head, HeadReader};
use super::index::{self, ParamsDoc};
use super::model::{scalar_type_name, NodeIdx, ProblemKind, Tree, Value, MAX_DEPTH};
use crate::analysis::FileInput;
use crate::codes;
use crate::config::Settings;
use crate::diag::{Diagnostic, Related, Span, TextEdit};
use crate::ide::{Completion, CompletionKind, Hover, Location, Symbol, WorkspaceEdit};
use crate::kind::{FileKind, ParamsFormat};
use crate::workspace::Workspace;
use crate::yaml::{NodeId, NodeKind, Yaml};

pub fn analyze(input: &FileInput<'_>, ws: &dyn Workspace, settings: &Settings) -> Vec<Diagnostic> {
    analyze_with(input, ws, settings, &Git2Head)
}

pub fn analyze_with(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    settings: &Settings,
    head: &dyn HeadReader,
) -> Vec<Diagnostic> {
    match input.kind {
        FileKind::DvcYaml => analyze_dvc(input.path, Arc::from(input.text), ws).diags,
        FileKind::Params(_) => params_diags(input, ws, settings, head),
        _ => Vec::new(),
    }
}

fn params_diags(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    settings: &Settings,
    head: &dyn HeadReader,
) -> Vec<Diagnostic> {
    let format = index::format_of(input.path);
    let doc = std::cell::OnceCell::new();
    let doc = || doc.get_or_init(|| index::load_text(input.path, Arc::from(input.text)));
    // The params model the checks below read: from the caller's tree when it has one (no
    // second parse of a text that changes with every keystroke), else from the loaded file.
    let from_tree = std::cell::OnceCell::new();
    let model = || match (format, input.yaml) {
        (ParamsFormat::Yaml, Some(y)) => from_tree.get_or_init(|| super::yaml_model::from_yaml(y).tree),
        _ => &doc().tree,
    };
    // What the checks after the problems need; the HEAD copy is parsed once per commit.
    let schema = params_schema(input.path, ws, settings);
    let old = match settings.diagnostics.type_changed_from_head {
        true => index::load_head_unless_same(input.path, head, input.text),
        false => None,
    };
    // A keystroke in a plain YAML file compares its tree with HEAD's model directly.
    let plain_tree = match (format, input.yaml, &old) {
        (ParamsFormat::Yaml, Some(y), Some(o)) if plain_yaml(&y.source) && plain_yaml(&o.text) => Some(y),
        _ => None,
    };
    let needs_model =
        schema.is_some() || (old.is_some() && plain_tree.is_none()) || settings.diagnostics.unused_params;
    // Without those, a YAML file's problems come straight from the tree, and no model is
    // built (its alias expansion is what may add a problem, so then they come from it).
    let problems = match (format, input.yaml) {
        (ParamsFormat::Yaml, Some(y)) if !needs_model => super::yaml_model::problems(y),
        _ => model().problems.clone(),
    };
    let mut out = Vec::new();
    for p in &problems {
        let mut d = match (p.kind, format) {
            (ProblemKind::Syntax, _) => Diagnostic::error(codes::YAML_SYNTAX, p.span, p.message.clone()),
            (ProblemKind::DuplicateKey, ParamsFormat::Json) => Diagnostic::warning(
                codes::PARAMS_JSON_DUPLICATE_KEY,
                p.span,
                format!("{}; DVC keeps the last value", p.message),
            ),
            (ProblemKind::DuplicateKey, _) => {
                Diagnostic::error(codes::YAML_DUPLICATE_KEY, p.span, p.message.clone())
            }
            (ProblemKind::UnknownAlias, _) => {
                Diagnostic::error(codes::YAML_UNKNOWN_ALIAS, p.span, p.message.clone())
            }
        };
        if let Some(first) = p.first {
            d = d.with_related(Related { path: None, span: first, message: "first defined here".into() });
        }
        out.push(d);
    }
    if problems.iter().any(|p| p.kind == ProblemKind::Syntax) {
        return out;
    }
    if let Some(schema) = schema {
        if let Ok(v) = super::schema::compile(&schema) {
            for e in super::schema::validate(model(), &v) {
                out.push(Diagnostic::error(codes::PARAMS_SCHEMA, e.span, e.message));
            }
        }
    }
    if let Some(old) = old {
        if let Some(y) = plain_tree {
            if let (Some(a), Some(b)) = (y.docs.iter().find_map(|d| d.root), old.tree.root) {
                type_changes_plain(y, a, &old, b, &mut Vec::new(), &mut out);
            }
        } else {
            let tree = model();
            if let (Some(a), Some(b)) = (tree.root, old.tree.root) {
                type_changes(tree, a, &old.tree, b, &mut Vec::new(), &mut out);
            }
        }
    }
    if settings.diagnostics.unused_params {
        let uses = uses_of(input.path, ws);
        let tree = model();
        if let Some(root) = tree.root {
            unused(tree, root, "", &uses, 0, &mut out);
        }
    }
    out
}

/// The params file at HEAD, parsed (once per committed version).
fn head_doc(path: &Path, head: &dyn HeadReader) -> Option<Arc<ParamsDoc>> {
    index::load_head(path, head)
}

/// Parses the committed copy of the params file at `path` ahead of the first edit (see
/// [`index::load_head_unless_same`]); for an editor's idle time after opening the file.
pub fn warm_head(path: &Path) {
    let _ = index::load_head(path, &Git2Head);
}

/// Whether a YAML text's params model is its YAML tree as written: no anchor (so no alias
/// resolves and nothing is shared) and no `<<` merge key. Conservative: an `&` or `<<`
/// anywhere, even inside a string, says no.
fn plain_yaml(text: &str) -> bool {
    !text.contains('&') && !text.contains("<<")
}

/// [`type_changes`] without the current file's model, for keystrokes: walks the editor's
/// YAML tree `y` beside HEAD's model, and skips every collection whose text, at the same
/// column, is the one HEAD has there. Only when [`plain_yaml`] holds for both texts: then
/// each side's model is its YAML tree as written, and equal text at an equal column
/// parses to equal values (the tests hold it to [`type_changes`] on random edits).
fn type_changes_plain<'y>(
    y: &'y Yaml,
    ia: NodeId,
    old: &ParamsDoc,
    ib: NodeIdx,
    path: &mut Vec<std::borrow::Cow<'y, str>>,
    out: &mut Vec<Diagnostic>,
) {
    // The model turns what lies deeper than MAX_DEPTH into nulls on both sides.
    if path.len() >= MAX_DEPTH {
        return;
    }
    let b = &old.tree;
    let (Some(na), Some(nb)) = (y.nodes.get(ia.0 as usize), b.node(ib)) else { return };
    let same_text = || {
        let (sa, sb) = (na.span, nb.span);
        let (ta, tb) = (&y.source, &*old.text);
        let column = |t: &str, at: usize| at - t[..at].rfind('\n').map_or(0, |i| i + 1);
        ta.get(sa.start..sa.end) == tb.get(sb.start..sb.end)
            && ta.is_char_boundary(sa.start)
            && tb.is_char_boundary(sb.start)
            && column(ta, sa.start) == column(tb, sb.start)
    };
    match (&na.kind, &nb.value) {
        (NodeKind::Mapping(pairs), Value::Map(eb)) => {
            if same_text() {
                return;
            }
            // HEAD's entry for each key: the one at the same position (shifted by what was
            // inserted or removed before it) unless HEAD's file has duplicate keys, where
            // the last one wins as on lookup.
            let dups = b.problems.iter().any(|p| p.kind == ProblemKind::DuplicateKey);
            let mut index: Option<std::collections::HashMap<&str, NodeIdx>> = None;
            let mut shift = 0isize;
            let key_of = |k: NodeId| match y.nodes.get(k.0 as usize).map(|n| &n.kind) {
                Some(NodeKind::Scalar(s)) => s.value.as_str(),
                _ => "",
            };
            // Only the last of a key duplicated here is compared, as in [`type_changes`].
            let shadowed = if y.problems.iter().any(|p| p.kind == crate::yaml::ProblemKind::DuplicateKey) {
                shadowed(pairs.iter().map(|&(k, _)| key_of(k)))
            } else {
                Vec::new()
            };
            for (i, &(k, v)) in pairs.iter().enumerate() {
                if shadowed.get(i) == Some(&true) {
                    continue;
                }
                let key = key_of(k);
                let near =
                    i.checked_add_signed(shift).and_then(|j| eb.get(j)).filter(|e| !dups && e.key == key);
                let vb = match near {
                    Some(e) => Some(e.value),
                    None => {
                        let index = index.get_or_insert_with(|| {
                            eb.iter().enumerate().map(|(j, e)| (e.key.as_str(), j)).collect()
                        });
                        index.get(key).map(|&j| {
                            shift = j as isize - i as isize;
                            eb[j].value
                        })
                    }
                };
                if let Some(vb) = vb {
                    path.push(std::borrow::Cow::Borrowed(key));
                    type_changes_plain(y, v, old, vb, path, out);
                    path.pop();
                }
            }
        }
        (NodeKind::Sequence(xa), Value::List(xb)) => {
            if same_text() {
                return;
            }
            for (i, (&x, &v)) in xa.iter().zip(xb.iter()).enumerate() {
                path.push(std::borrow::Cow::Owned(i.to_string()));
                type_changes_plain(y, x, old, v, path, out);
                path.pop();
            }
        }
        (kind, _) => {
            let ta = match kind {
                NodeKind::Mapping(_) => "map",
                NodeKind::Sequence(_) => "list",
                NodeKind::Scalar(s) => scalar_type_name(super::yaml_model::scalar_type(na.tag(), s)),
                NodeKind::Alias { .. } | NodeKind::Null => "null",
            };
            out.extend(type_hint(ta, na.span, b, ib, path));
        }
    }
}

fn type_changes<'t>(
    a: &'t Tree,
    ia: NodeIdx,
    b: &Tree,
    ib: NodeIdx,
    path: &mut Vec<std::borrow::Cow<'t, str>>,
    out: &mut Vec<Diagnostic>,
) {
    if path.len() > MAX_DEPTH {
        return;
    }
    let (Some(na), Some(nb)) = (a.node(ia), b.node(ib)) else { return };
    match (&na.value, &nb.value) {
        (Value::Map(ea), Value::Map(eb)) => {
            // The last of duplicated keys wins on both sides, as on lookup (the earlier
            // ones are reported as duplicates, not compared); keys are borrowed.
            let bmap: std::collections::HashMap<&str, NodeIdx> =
                eb.iter().map(|e| (e.key.as_str(), e.value)).collect();
            let shadowed = shadowed(ea.iter().map(|e| e.key.as_str()));
            for (e, _) in ea.iter().zip(&shadowed).filter(|(_, &s)| !s) {
                if let Some(&vb) = bmap.get(e.key.as_str()) {
                    path.push(std::borrow::Cow::Borrowed(&e.key));
                    type_changes(a, e.value, b, vb, path, out);
                    path.pop();
                }
            }
        }
        (Value::List(xa), Value::List(xb)) => {
            for (i, (&x, &y)) in xa.iter().zip(xb.iter()).enumerate() {
                path.push(std::borrow::Cow::Owned(i.to_string()));
                type_changes(a, x, b, y, path, out);
                path.pop();
            }
        }
        _ => out.extend(type_hint(a.type_name(ia), na.span, b, ib, path)),
    }
}

/// For each key of a map in order: whether a later entry has the same key (and wins).
fn shadowed<'k>(keys: impl DoubleEndedIterator<Item = &'k str> + ExactSizeIterator) -> Vec<bool> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<bool> = keys.rev().map(|k| !seen.insert(k)).collect();
    out.reverse();
    out
}

/// The hint for a value of type `ta` at `span` (key path `path`) that is `b`'s `ib` at HEAD,
/// when the type changed (int and float are both numbers).
fn type_hint(
    ta: &str,
    span: Span,
    b: &Tree,
    ib: NodeIdx,
    path: &[std::borrow::Cow<'_, str>],
) -> Option<Diagnostic> {
    let tb = b.type_name(ib);
    if ta == tb || (matches!(ta, "int" | "float") && matches!(tb, "int" | "float")) {
        return None;
    }
    Some(Diagnostic::hint(
        codes::PARAMS_TYPE_CHANGED,
        span,
        format!("'{}' is {ta} here but {tb} at HEAD ({})", path.join("."), b.render(ib, 60)),
    ))
}

/// The schema for a params file: `params.schemas` globs first, then `params.schema.json` beside it.
fn params_schema(path: &Path, ws: &dyn Workspace, settings: &Settings) -> Option<serde_json::Value> {
    for root in ws.roots() {
        let Ok(rel) = path.strip_prefix(&root) else { continue };
        for (glob, schema) in &settings.params.schemas {
            let Ok(g) = globset::Glob::new(glob) else { continue };
            if g.compile_matcher().is_match(rel) {
                let text = ws.read_text(&root.join(schema))?;
                return serde_json::from_str(&text).ok();
            }
        }
    }
    let beside = path.parent()?.join("params.schema.json");
    let text = ws.read_text(&beside)?;
    serde_json::from_str(&text).ok()
}

/// Every dvc.yaml analysis of the workspace.
fn all_dvc(ws: &dyn Workspace) -> Vec<DvcAnalysis> {
    index::dvc_yaml_files(ws)
        .into_iter()
        .filter_map(|p| ws.read_text(&p).map(|t| analyze_dvc(&p, t, ws)))
        .collect()
}

/// A use of a params key from some dvc.yaml.
struct Use {
    dvc: PathBuf,
    stage: Option<String>,
    key: String,
    /// Span of each key segment in the dvc.yaml.
    segs: Vec<Span>,
}

fn uses_of(file: &Path, ws: &dyn Workspace) -> Vec<Use> {
    let mut out = Vec::new();
    for a in all_dvc(ws) {
        for r in &a.params {
            if r.file == file {
                out.push(Use {
                    dvc: a.path.clone(),
                    stage: Some(r.stage.clone()),
                    key: r.key.clone().unwrap_or_default(),
                    segs: r.segs.iter().map(|s| s.1).collect(),
                });
            }
        }
        for i in &a.interps {
            if let Some(t) = &i.target {
                if t.file == file {
                    out.push(Use {
                        dvc: a.path.clone(),
                        stage: i.stage.clone(),
                        key: t.key.clone(),
                        segs: i.segs.iter().map(|s| s.1).collect(),
                    });
                }
            }
        }
    }
    out
}

fn unused(tree: &Tree, idx: NodeIdx, prefix: &str, uses: &[Use], depth: usize, out: &mut Vec<Diagnostic>) {
    if depth > MAX_DEPTH || uses.iter().any(|u| u.key.is_empty()) {
        return;
    }
    if let Some(Value::Map(es)) = tree.node(idx).map(|n| &n.value) {
        for e in es {
            let p = if prefix.is_empty() { e.key.clone() } else { format!("{prefix}.{}", e.key) };
            let dotted = format!("{p}.");
            let used_here = uses.iter().any(|u| u.key == p || p.starts_with(&format!("{}.", u.key)));
            let used_below = uses.iter().any(|u| u.key.starts_with(&dotted));
            if used_here {
                continue;
            }
            if used_below {
                unused(tree, e.value, &p, uses, depth + 1, out);
                continue;
            }
            let mut d = Diagnostic::hint(
                codes::PARAMS_UNUSED,
                e.key_span,
                format!("'{p}' is not used by any dvc.yaml stage"),
            );
            d.unnecessary = true;
            out.push(d);
        }
    }
}

/// What the cursor is on.
enum At {
    /// A key path of a params file (from a params file, a `params:` entry or a `${...}`).
    Key { file: PathBuf, key: String, span: Span, depth: usize },
}

fn at(input: &FileInput<'_>, ws: &dyn Workspace, offset: usize) -> Option<At> {
    match input.kind {
        FileKind::DvcYaml => {
            let a = analyze_dvc(input.path, Arc::from(input.text), ws);
            for r in &a.params {
                for (i, (_, sp)) in r.segs.iter().enumerate() {
                    if sp.touches(offset) {
                        let key = r.segs[..=i].iter().map(|s| s.0.as_str()).collect::<Vec<_>>().join(".");
                        return Some(At::Key { file: r.file.clone(), key, span: *sp, depth: i });
                    }
                }
            }
            for it in &a.interps {
                let Some(t) = &it.target else { continue };
                if !it.span.touches(offset) {
                    continue;
                }
                let i = it
                    .segs
                    .iter()
                    .position(|s| s.1.touches(offset))
                    .unwrap_or(it.segs.len().saturating_sub(1));
                let key = it.segs[..=i].iter().map(|s| s.0.as_str()).collect::<Vec<_>>().join(".");
                let _ = t;
                let file = t.file.clone();
                return Some(At::Key { file, key, span: it.segs.get(i).map_or(it.span, |s| s.1), depth: i });
            }
            None
        }
        FileKind::Params(_) => {
            let doc = index::load_text(input.path, Arc::from(input.text));
            let loc = doc.tree.at_offset(offset)?;
            let span = loc.key_span?;
            if !loc.on_key {
                return None;
            }
            let depth = loc.path.split('.').count() - 1;
            Some(At::Key { file: input.path.to_path_buf(), key: loc.path, span, depth })
        }
        _ => None,
    }
}

pub fn hover(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    _settings: &Settings,
    offset: usize,
) -> Option<Hover> {
    hover_with(input, ws, offset, &Git2Head)
}

pub fn hover_with(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    offset: usize,
    head: &dyn HeadReader,
) -> Option<Hover> {
    let At::Key { file, key, span, .. } = at(input, ws, offset)?;
    let doc = index::load(ws, &file)?;
    let node = doc.tree.lookup(&key)?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let mut md =
        format!("`{key}` = `{}` ({})\n\nin `{name}`", doc.tree.render(node, 200), doc.tree.type_name(node));
    if let Some(old) = head_doc(&file, head) {
        match old.tree.lookup(&key) {
            Some(o) if !old.tree.same_value(o, &doc.tree, node) => {
                md.push_str(&format!("\n\nat HEAD: `{}`", old.tree.render(o, 200)));
            }
            None => md.push_str("\n\nnot in HEAD"),
            _ => {}
        }
    }
    if matches!(input.kind, FileKind::Params(_)) {
        let mut stages: Vec<String> = uses_of(&file, ws)
            .into_iter()
            .filter(|u| {
                u.key == key
                    || key.starts_with(&format!("{}.", u.key))
                    || u.key.starts_with(&format!("{key}."))
            })
            .filter_map(|u| u.stage)
            .collect();
        stages.sort();
        stages.dedup();
        if !stages.is_empty() {
            md.push_str(&format!(
                "\n\nused by: {}",
                stages.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    Some(Hover { span, markdown: md })
}

pub fn definition(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    _settings: &Settings,
    offset: usize,
) -> Vec<Location> {
    let Some(At::Key { file, key, .. }) = at(input, ws, offset) else { return Vec::new() };
    if matches!(input.kind, FileKind::Params(_)) {
        return Vec::new();
    }
    let Some(doc) = index::load(ws, &file) else { return Vec::new() };
    match doc.tree.key_span(&key) {
        Some(span) => vec![Location { path: file, span }],
        None => Vec::new(),
    }
}

pub fn references(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    _settings: &Settings,
    offset: usize,
    decl: bool,
) -> Vec<Location> {
    let Some(At::Key { file, key, depth, .. }) = at(input, ws, offset) else { return Vec::new() };
    let mut out = Vec::new();
    if decl {
        if let Some(doc) = index::load(ws, &file) {
            if let Some(span) = doc.tree.key_span(&key) {
                out.push(Location { path: file.clone(), span });
            }
        }
    }
    let dotted = format!("{key}.");
    for u in uses_of(&file, ws) {
        if (u.key == key || u.key.starts_with(&dotted)) && u.segs.len() > depth {
            out.push(Location { path: u.dvc.clone(), span: u.segs[depth] });
        }
    }
    out.sort();
    out.dedup();
    out
}

pub fn prepare_rename(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    _settings: &Settings,
    offset: usize,
) -> Option<Span> {
    let At::Key { file, key, span, .. } = at(input, ws, offset)?;
    let doc = index::load(ws, &file)?;
    doc.tree.key_span(&key)?;
    Some(unquote(input.text, span))
}

fn unquote(text: &str, span: Span) -> Span {
    let s = text.get(span.start..span.end).unwrap_or("");
    if s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')))
    {
        Span::new(span.start + 1, span.end - 1)
    } else {
        span
    }
}

pub fn rename(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    _settings: &Settings,
    offset: usize,
    new_name: &str,
) -> Result<WorkspaceEdit, String> {
    if new_name.is_empty() || new_name.contains(['.', '[', ']', '$', '{', '}', ':', '\n', '"', '\'']) {
        return Err(format!("'{new_name}' is not a valid params key"));
    }
    let Some(At::Key { file, key, depth, .. }) = at(input, ws, offset) else {
        return Err("nothing to rename here".into());
    };
    let doc = index::load(ws, &file).ok_or("the params file does not exist")?;
    let decl = doc.tree.key_span(&key).ok_or("the key is not in its params file")?;
    let mut files: Vec<(PathBuf, Vec<TextEdit>)> = Vec::new();
    let mut add = |path: &Path, span: Span, text: &str| {
        let span = unquote(text, span);
        let edit = TextEdit { span, new_text: new_name.to_string() };
        match files.iter_mut().find(|(p, _)| p == path) {
            Some((_, es)) => {
                if !es.contains(&edit) {
                    es.push(edit)
                }
            }
            None => files.push((path.to_path_buf(), vec![edit])),
        }
    };
    add(&file, decl, &doc.text);
    let dotted = format!("{key}.");
    for u in uses_of(&file, ws) {
        if (u.key == key || u.key.starts_with(&dotted)) && u.segs.len() > depth {
            let text = ws.read_text(&u.dvc).unwrap_or_else(|| Arc::from(""));
            add(&u.dvc, u.segs[depth], &text);
        }
    }
    for (_, es) in &mut files {
        es.sort_by_key(|e| e.span.start);
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(WorkspaceEdit { files })
}

pub fn symbols(input: &FileInput<'_>, _ws: &dyn Workspace, _settings: &Settings) -> Vec<Symbol> {
    let doc = index::load_text(input.path, Arc::from(input.text));
    let Some(root) = doc.tree.root else { return Vec::new() };
    let mut budget = 20_000usize;
    outline(&doc.tree, root, 0, &mut budget)
}

fn outline(tree: &Tree, idx: NodeIdx, depth: usize, budget: &mut usize) -> Vec<Symbol> {
    let mut out = Vec::new();
    if depth > MAX_DEPTH {
        return out;
    }
    if let Some(Value::Map(es)) = tree.node(idx).map(|n| &n.value) {
        for e in es {
            if *budget == 0 {
                break;
            }
            *budget -= 1;
            let Some(v) = tree.node(e.value) else { continue };
            let local = v.span.start >= e.key_span.end;
            let span = if local { e.key_span.cover(v.span) } else { e.key_span };
            let detail = if tree.is_container(e.value) {
                tree.type_name(e.value).to_string()
            } else {
                tree.render(e.value, 40)
            };
            let children = if local { outline(tree, e.value, depth + 1, budget) } else { Vec::new() };
            out.push(Symbol {
                name: e.key.clone(),
                detail: Some(detail),
                span,
                selection: e.key_span,
                children,
            });
        }
    }
    out
}

pub fn completion(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    settings: &Settings,
    offset: usize,
) -> Vec<Completion> {
    match input.kind {
        FileKind::DvcYaml => dvc_completion(input, ws, offset),
        FileKind::Params(_) => params_completion(input, ws, settings, offset),
        _ => Vec::new(),
    }
}

fn key_completions(tree: &Tree, replace: Span, out: &mut Vec<Completion>, prefix: &str) {
    tree.walk(5_000, &mut |path, _, n| {
        out.push(Completion {
            label: format!("{prefix}{path}"),
            kind: CompletionKind::Key,
            detail: Some(if tree.is_container(n) {
                tree.type_name(n).to_string()
            } else {
                tree.render(n, 40)
            }),
            documentation: None,
            replace,
            insert_text: format!("{prefix}{path}"),
            sort_text: None,
            deprecated: false,
        });
    });
}

fn dvc_completion(input: &FileInput<'_>, ws: &dyn Workspace, offset: usize) -> Vec<Completion> {
    let text = input.text;
    let mut out = Vec::new();
    // Inside `${...}`: the variables of the file.
    let line_start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset.min(text.len())];
    if let Some(open) = before.rfind("${") {
        if !before[open..].contains('}') {
            let a = analyze_dvc(input.path, Arc::from(text), ws);
            let replace = Span::new(line_start + open + 2, offset);
            for f in &a.var_files {
                if let Some(d) = index::load(ws, f) {
                    key_completions(&d.tree, replace, &mut out, "");
                }
            }
            for (label, detail) in [("item", "foreach/matrix item"), ("key", "foreach/matrix key")] {
                out.push(Completion {
                    label: label.into(),
                    kind: CompletionKind::Key,
                    detail: Some(detail.into()),
                    documentation: None,
                    replace,
                    insert_text: label.into(),
                    sort_text: Some(format!("~{label}")),
                    deprecated: false,
                });
            }
            return out;
        }
    }
    // A `params:` list item: keys of the file it refers to.
    let a = analyze_dvc(input.path, Arc::from(text), ws);
    for r in &a.params {
        let Some(first) = r.segs.first() else { continue };
        let span = Span::new(first.1.start, r.segs.last().map_or(first.1.end, |s| s.1.end));
        if span.touches(offset) {
            if let Some(d) = index::load(ws, &r.file) {
                key_completions(&d.tree, span, &mut out, "");
            }
            return out;
        }
    }
    // Stage fields on a key of a stage map.
    let doc = &a.doc;
    if let Some(loc) = doc.tree.at_offset(offset) {
        let parts: Vec<&str> = loc.path.split('.').collect();
        if loc.on_key && parts.len() == 3 && parts[0] == "stages" {
            let (props, _) = super::schema::properties_at(super::dvc::dvc_schema(), &["stages", parts[1]]);
            let replace = loc.key_span.unwrap_or(Span::empty(offset));
            for (name, desc) in props {
                out.push(Completion {
                    label: name.clone(),
                    kind: CompletionKind::Key,
                    detail: None,
                    documentation: desc,
                    replace,
                    insert_text: name,
                    sort_text: None,
                    deprecated: false,
                });
            }
        }
    }
    out
}

fn params_completion(
    input: &FileInput<'_>,
    ws: &dyn Workspace,
    settings: &Settings,
    offset: usize,
) -> Vec<Completion> {
    let Some(schema) = params_schema(input.path, ws, settings) else { return Vec::new() };
    let doc = index::load_text(input.path, Arc::from(input.text));
    let Some(loc) = doc.tree.at_offset(offset) else { return Vec::new() };
    let mut parts: Vec<&str> = loc.path.split('.').collect();
    let mut out = Vec::new();
    if loc.on_key {
        parts.pop();
        let (props, _) = super::schema::properties_at(&schema, &parts);
        for (name, desc) in props {
            out.push(Completion {
                label: name.clone(),
                kind: CompletionKind::Key,
                detail: None,
                documentation: desc,
                replace: unquote(input.text, loc.key_span.unwrap_or(Span::empty(offset))),
                insert_text: name,
                sort_text: None,
                deprecated: false,
            });
        }
    } else {
        let (_, enums) = super::schema::properties_at(&schema, &parts);
        let replace = doc.tree.node(loc.node).map_or(Span::empty(offset), |n| n.span);
        for e in enums {
            let label = match &e {
                serde_json::Value::String(s) if doc.format == ParamsFormat::Yaml => s.clone(),
                other => other.to_string(),
            };
            out.push(Completion {
                label: label.clone(),
                kind: CompletionKind::Value,
                detail: None,
                documentation: None,
                replace,
                insert_text: label,
                sort_text: None,
                deprecated: false,
            });
        }
    }
    out
}

#[cfg(test)]
#[path = "head_tests.rs"]
mod head_tests;
