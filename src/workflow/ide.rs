//! Completion and hover over `cml` command lines. Offsets in are decoded offsets into
//! the shell text; spans out are source spans (through the `SourceMap`).

use crate::diag::Span;
use crate::ide::{Completion, CompletionKind, Hover};
use crate::yaml::SourceMap;

use super::cml::{find_cml, lookup, takes_as_value, Analyzer};
use super::facts::{self, facts, CmdId, OptSpec, OptType, Requires, TOP_COMMANDS};
use super::shell::{self, SimpleCommand, Word};
use super::{src_span, ShellContext};

/// Where the cursor is inside one `cml` command.
struct At<'t> {
    cmd: &'t SimpleCommand<'t>,
    prog: usize,
    /// Index of the word under the cursor, if any.
    cur: Option<usize>,
    /// Words before the cursor's word (or before the cursor).
    before: usize,
}

fn locate<'t>(cmds: &'t [SimpleCommand], text: &str, offset: usize) -> Option<At<'t>> {
    for cmd in cmds {
        let Some(found) = find_cml(cmd) else { continue };
        let w = &cmd.words;
        let start = w[found.prog].start;
        if offset < start {
            continue;
        }
        if let Some(i) = w.iter().position(|x| x.start <= offset && offset <= x.end) {
            return Some(At { cmd, prog: found.prog, cur: Some(i), before: i });
        }
        let end = cmd.end();
        if offset >= end {
            // Only blanks (or escaped line breaks) between the command and the cursor.
            let gap = text.get(end..offset)?;
            let gap = gap.replace("\\\n", "");
            if gap.chars().all(|c| c == ' ' || c == '\t') {
                return Some(At { cmd, prog: found.prog, cur: None, before: w.len() });
            }
        }
    }
    None
}

/// Completions at decoded `offset` of `text`.
pub fn complete_shell(text: &str, map: &SourceMap, offset: usize, ctx: &ShellContext) -> Vec<Completion> {
    if offset > text.len() {
        return Vec::new();
    }
    let script = shell::tokenize(text);
    let Some(at) = locate(&script.commands, text, offset) else { return Vec::new() };
    let w = &at.cmd.words;
    let (cur_text, cur_range) = match at.cur {
        Some(i) => {
            let word = &w[i];
            let typed = text.get(word.start..offset).unwrap_or("").to_string();
            (typed, (word.start, word.end))
        }
        None => (String::new(), (offset, offset)),
    };
    let replace = src_span(map, cur_range);
    let after_prog = &w[at.prog + 1..at.before.max(at.prog + 1)];
    // Command position: nothing but global flags after `cml`.
    let positional_before: Vec<&Word> = after_prog.iter().filter(|x| !x.text.starts_with('-')).collect();
    let binary = facts::LEGACY_FORMS.iter().any(|l| l.binary && w[at.prog].text.ends_with(l.old));
    if !binary && positional_before.is_empty() && !cur_text.starts_with('-') {
        return TOP_COMMANDS
            .iter()
            .filter(|t| t.name.starts_with(&cur_text) && (!t.hidden || t.name == cur_text))
            .map(|t| Completion {
                label: t.name.to_string(),
                kind: CompletionKind::Command,
                detail: Some(t.subcommands.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")),
                documentation: Some(t.description.to_string()),
                replace,
                insert_text: t.name.to_string(),
                sort_text: None,
                deprecated: false,
            })
            .collect();
    }
    if !binary && positional_before.len() == 1 && !cur_text.starts_with('-') {
        if let Some(top) = TOP_COMMANDS.iter().find(|t| t.name == positional_before[0].text) {
            let f = facts();
            return top
                .subcommands
                .iter()
                .filter(|(n, _)| n.starts_with(&cur_text))
                .map(|(n, id)| Completion {
                    label: n.to_string(),
                    kind: CompletionKind::Command,
                    detail: Some(format!("cml {}", id.path())),
                    documentation: Some(f.command(*id).description.to_string()),
                    replace,
                    insert_text: n.to_string(),
                    sort_text: None,
                    deprecated: *id == CmdId::TensorboardConnect,
                })
                .collect();
        }
    }
    // Resolve the command quietly.
    let mut an = Analyzer { map, ctx, diags: Vec::new(), near: Default::default() };
    let Some(found) = find_cml(at.cmd) else { return Vec::new() };
    let (_, id, first_arg, _) = an.resolve(w, &found);
    let Some(id) = id else { return Vec::new() };
    if at.before < first_arg {
        return Vec::new();
    }
    let args = &w[first_arg..at.before];
    let vendor = valid_vendor_of(w, first_arg, id, ctx);
    // `--opt=value`
    if cur_text.starts_with("--") {
        if let (Some(eq), Some(i)) = (cur_text.find('='), at.cur) {
            let word = &w[i];
            let name = &cur_text[2..eq];
            let Some(spec) = lookup(id, name) else { return Vec::new() };
            let vr = (word.start + eq + 1, word.end.max(word.start + eq + 1));
            if !word.is_verbatim(0, eq + 1) {
                return Vec::new();
            }
            let typed = &cur_text[eq + 1..];
            return values(spec, vendor.as_deref(), typed, src_span(map, vr));
        }
        return options(id, args, &cur_text, replace);
    }
    if cur_text.starts_with('-') {
        return options(id, args, &cur_text, replace);
    }
    // A value after `--opt `?
    if let Some(prev) = args.last() {
        if prev.text.starts_with("--") && !prev.text.contains('=') {
            if let Some(spec) = lookup(id, &prev.text[2..]) {
                if spec.ty.takes_value() {
                    return values(spec, vendor.as_deref(), &cur_text, replace);
                }
            }
        }
    }
    if cur_text.is_empty() {
        return options(id, args, "", replace);
    }
    Vec::new()
}

/// The literal `--cloud` of the command, or `CML_RUNNER_CLOUD` from the environment.
fn vendor_of(w: &[Word], first_arg: usize, id: CmdId, ctx: &ShellContext) -> Option<String> {
    if id != CmdId::RunnerLaunch {
        return None;
    }
    let args = w.get(first_arg..).unwrap_or(&[]);
    for (i, a) in args.iter().enumerate() {
        if a.expansion {
            continue;
        }
        if let Some(v) = a.text.strip_prefix("--cloud=") {
            return Some(v.to_string());
        }
        if a.text == "--cloud" {
            return args
                .get(i + 1)
                .filter(|n| !n.expansion && takes_as_value(&n.text))
                .map(|n| n.text.to_string());
        }
    }
    ctx.env_var("CML_RUNNER_CLOUD").and_then(|e| e.value.clone())
}

/// The vendor for value completion: only a valid `--cloud` value narrows the lists.
fn valid_vendor_of(w: &[Word], first_arg: usize, id: CmdId, ctx: &ShellContext) -> Option<String> {
    vendor_of(w, first_arg, id, ctx).filter(|v| super::cml::valid_vendor(v).is_some())
}

fn option_detail(spec: &OptSpec) -> String {
    match &spec.default {
        Some(d) if !d.is_empty() => format!("{} · default: {}", spec.ty.as_str(), d),
        _ => spec.ty.as_str().to_string(),
    }
}

fn option_doc(id: CmdId, spec: &OptSpec) -> String {
    let f = facts();
    let mut md =
        format!("**--{}** ({}) · `cml {}`\n\n{}\n", spec.name, spec.ty.as_str(), id.path(), spec.description);
    if !spec.aliases.is_empty() {
        let a: Vec<String> = spec
            .aliases
            .iter()
            .map(|a| if a.len() == 1 { format!("`-{a}`") } else { format!("`--{a}`") })
            .collect();
        md.push_str(&format!("\n- Aliases: {}", a.join(", ")));
    }
    if !spec.choices.is_empty() {
        let c: Vec<String> = spec.choices.iter().map(|c| format!("`{c}`")).collect();
        md.push_str(&format!("\n- Choices: {}", c.join(", ")));
    }
    if let Some(d) = spec.default.as_ref().filter(|d| !d.is_empty()) {
        md.push_str(&format!("\n- Default: `{d}`"));
    }
    let global = f.global(&spec.name).is_some_and(|g| g.name == spec.name)
        && !f.command(id).options.iter().any(|o| o.name == spec.name);
    if !global || spec.name != "help" && spec.name != "version" {
        md.push_str(&format!("\n- Env: `{}`", f.env_form(id, spec)));
    }
    match &spec.requires {
        Some(Requires::Cloud) => md.push_str("\n- Needs `--cloud` (ignored without it)"),
        Some(Requires::CloudVendor(v)) => md.push_str(&format!("\n- Only with `--cloud={v}`")),
        Some(Requires::Option(o)) => md.push_str(&format!("\n- Only with `--{o}`")),
        None => {}
    }
    if !spec.conflicts.is_empty() {
        let c: Vec<String> = spec.conflicts.iter().map(|c| format!("`--{c}`")).collect();
        md.push_str(&format!("\n- Conflicts with {}", c.join(", ")));
    }
    if let Some(dep) = &spec.deprecated {
        md.push_str(&format!("\n- Deprecated: use {dep}"));
    }
    for (cloud, what) in &spec.per_cloud {
        md.push_str(&format!("\n- {cloud}: {what}"));
    }
    md
}

fn options(id: CmdId, args: &[Word], typed: &str, replace: Span) -> Vec<Completion> {
    let f = facts();
    let bare = typed.trim_start_matches('-');
    let present: Vec<&str> = args
        .iter()
        .filter_map(|a| a.text.strip_prefix("--"))
        .map(|a| a.split('=').next().unwrap_or(a))
        .filter_map(|n| lookup(id, n).map(|s| s.name.as_str()))
        .collect();
    let cmd_opts = f.command(id).options.iter().map(|o| (o, "0"));
    let hidden_globals = id == CmdId::TensorboardConnect;
    let globals = f
        .globals
        .iter()
        .filter(|g| g.name != "version" && !f.command(id).options.iter().any(|o| o.name == g.name))
        .map(|o| (o, "1"));
    let mut out = Vec::new();
    for (o, group) in cmd_opts.chain(globals) {
        let hidden = o.hidden || (group == "1" && hidden_globals && o.name != "log" && o.name != "help");
        if hidden && !(o.name == bare || o.aliases.iter().any(|a| a == bare)) {
            continue;
        }
        if !o.repeatable() && present.contains(&o.name.as_str()) {
            continue;
        }
        let label = format!("--{}", o.name);
        if !label.starts_with(typed) && !o.aliases.iter().any(|a| format!("--{a}").starts_with(typed)) {
            continue;
        }
        out.push(Completion {
            label: label.clone(),
            kind: CompletionKind::Option,
            detail: Some(option_detail(o)),
            documentation: Some(option_doc(id, o)),
            replace,
            insert_text: label,
            sort_text: Some(format!("{group}-{}", o.name)),
            deprecated: o.deprecated.is_some(),
        });
    }
    out
}

fn value(label: &str, detail: String, doc: Option<String>, sort: String, replace: Span) -> Completion {
    Completion {
        label: label.to_string(),
        kind: CompletionKind::Value,
        detail: Some(detail),
        documentation: doc,
        replace,
        insert_text: label.to_string(),
        sort_text: Some(sort),
        deprecated: false,
    }
}

fn values(spec: &OptSpec, vendor: Option<&str>, typed: &str, replace: Span) -> Vec<Completion> {
    let f = facts();
    let mut out = Vec::new();
    if !spec.choices.is_empty() {
        for (i, c) in spec.choices.iter().enumerate() {
            let doc = (spec.name == "cloud").then(|| cloud_doc(c));
            out.push(value(c, format!("--{}", spec.name), doc, format!("{i:02}"), replace));
        }
    } else {
        match spec.name.as_str() {
            "cloud-region" => {
                for (i, r) in f.synthetic_regions.iter().enumerate() {
                    out.push(value(
                        r,
                        "synthetic region".into(),
                        Some(region_doc(r)),
                        format!("0-{i:02}"),
                        replace,
                    ));
                }
                if let Some(v) = vendor {
                    let what = if v == "gcp" { "zone" } else { "region" };
                    for (i, r) in facts::common_native_regions(v).iter().enumerate() {
                        out.push(value(
                            r,
                            format!("{v} {what} (common example)"),
                            None,
                            format!("1-{i:02}"),
                            replace,
                        ));
                    }
                }
            }
            "cloud-type" => {
                let synth = f.size_names.iter().chain(f.gpu_type_forms.iter());
                for (i, t) in synth.enumerate() {
                    if let Some(v) = vendor {
                        if f.type_on(v, t).is_none() {
                            continue;
                        }
                    }
                    out.push(value(
                        t,
                        "synthetic type".into(),
                        Some(type_doc(t)),
                        format!("0-{i:02}"),
                        replace,
                    ));
                }
                if let Some(v) = vendor {
                    for (i, t) in facts::common_native_types(v).iter().enumerate() {
                        out.push(value(
                            t,
                            format!("{v} type (common example)"),
                            None,
                            format!("1-{i:02}"),
                            replace,
                        ));
                    }
                }
            }
            "cloud-gpu" => {
                for (i, g) in f.synthetic_gpus.iter().enumerate() {
                    let detail =
                        if g == "t4" { "synthetic GPU (with --cloud-type=m)" } else { "synthetic GPU" };
                    out.push(value(g, detail.into(), None, format!("0-{i:02}"), replace));
                }
                for (i, g) in f.native_gpu_examples.iter().enumerate() {
                    out.push(value(
                        g,
                        "native accelerator (example)".into(),
                        None,
                        format!("1-{i:02}"),
                        replace,
                    ));
                }
            }
            _ => {}
        }
    }
    out.retain(|c| c.label.starts_with(typed));
    let _ = OptType::Boolean;
    out
}

fn cloud_doc(vendor: &str) -> String {
    let f = facts();
    let mut md = format!("**{vendor}**");
    if let Some(c) = f.credentials.get(vendor) {
        if !c.required.is_empty() {
            md.push_str(&format!(
                "\n\nCredentials: {}",
                c.required.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
            ));
        }
        if !c.one_of.is_empty() {
            md.push_str(&format!(
                "\n\nCredentials (one of): {}",
                c.one_of.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if let Some(n) = f.native_region_note.get(vendor) {
        md.push_str(&format!("\n\nNative `--cloud-region`: {n}"));
    }
    md
}

fn region_doc(region: &str) -> String {
    let f = facts();
    let mut md = format!("**{region}** (synthetic region)\n");
    for (vendor, m) in &f.region_map {
        if let Some(n) = m.get(region) {
            md.push_str(&format!("\n- {vendor}: `{n}`"));
        }
    }
    md
}

fn type_doc(ty: &str) -> String {
    let f = facts();
    let mut md = format!("**{ty}** (synthetic machine type)\n");
    for (vendor, m) in &f.type_map {
        match m.get(ty) {
            Some(n) => md.push_str(&format!("\n- {vendor}: `{n}`")),
            None => md.push_str(&format!("\n- {vendor}: not available")),
        }
    }
    md
}

/// Hover at decoded `offset` of `text`.
pub fn hover_shell(text: &str, map: &SourceMap, offset: usize, ctx: &ShellContext) -> Option<Hover> {
    let script = shell::tokenize(text);
    let at = locate(&script.commands, text, offset)?;
    let i = at.cur?;
    let w = &at.cmd.words;
    let word = &w[i];
    let mut an = Analyzer { map, ctx, diags: Vec::new(), near: Default::default() };
    let found = find_cml(at.cmd)?;
    let (_, id, first_arg, _) = an.resolve(w, &found);
    let f = facts();
    if i < first_arg {
        // The command words.
        let id = id?;
        let s = f.command(id);
        let start = w[found.prog].start;
        let end = w[first_arg.saturating_sub(1).max(found.prog)].end;
        let mut md = format!("**cml {}**\n\n{}", id.path(), s.description);
        if !s.arity.name.is_empty() {
            md.push_str(&format!("\n\nUsage: `cml {} {}`", id.path(), s.arity.name));
        }
        md.push_str(&format!("\n\nEnv prefix: `{}_*`", s.env_prefix));
        return Some(Hover { span: src_span(map, (start, end)), markdown: md });
    }
    let id = id?;
    let t = word.text.as_ref();
    if let Some(body) = t.strip_prefix("--") {
        let eq = body.find('=');
        let name = &body[..eq.unwrap_or(body.len())];
        let spec = lookup(id, name).or_else(|| name.strip_prefix("no-").and_then(|n| lookup(id, n)))?;
        let name_end = word.start + 2 + name.len();
        if let Some(eq) = eq {
            let vstart = word.start + 2 + eq + 1;
            if offset >= vstart && word.is_verbatim(0, 2 + eq + 1) {
                let v = &body[eq + 1..];
                let md = value_doc(spec, v)?;
                return Some(Hover { span: src_span(map, (vstart, word.end)), markdown: md });
            }
        }
        return Some(Hover {
            span: src_span(map, (word.start, name_end.min(word.end))),
            markdown: option_doc(id, spec),
        });
    }
    // A value after `--opt `.
    let prev = w.get(i.checked_sub(1)?)?;
    let name = prev.text.strip_prefix("--")?;
    if name.contains('=') {
        return None;
    }
    let spec = lookup(id, name)?;
    if !spec.ty.takes_value() || word.expansion {
        return None;
    }
    let md = value_doc(spec, t)?;
    Some(Hover { span: src_span(map, word.range()), markdown: md })
}

fn value_doc(spec: &OptSpec, v: &str) -> Option<String> {
    let f = facts();
    match spec.name.as_str() {
        "cloud-region" if f.synthetic_regions.iter().any(|r| r == v) => Some(region_doc(v)),
        "cloud-type" if f.type_map.values().any(|m| m.contains_key(v)) => Some(type_doc(v)),
        "cloud" if spec.choices.iter().any(|c| c == v) => Some(cloud_doc(v)),
        "cloud-gpu" => spec
            .deprecated_values
            .iter()
            .find(|(o, _)| o == v)
            .map(|(o, n)| format!("**{o}** (deprecated): {n}")),
        _ => None,
    }
}
