//! Renders the results of `cml-lsp check` as text: human lines, JSON, SARIF 2.1.0 or
//! GitHub workflow commands. Positions are 1-based; columns count Unicode scalar values;
//! end positions are exclusive (the column just after the last character).

use serde_json::{json, Value};

use crate::codes;
use crate::diag::{Diagnostic, Severity, Span};
use crate::text::{Encoding, LineIndex};

/// The diagnostics of one file, with the text their spans point into.
pub struct FileReport {
    /// The path as shown to the user (relative to the current directory when given so).
    pub path: String,
    pub text: String,
    /// Sorted by position.
    pub diags: Vec<Diagnostic>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `path:line:col: severity[code]: message`
    Human,
    /// An array of objects with path, range, severity, code, message and fixes.
    Json,
    /// A SARIF 2.1.0 log.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::message`).
    Github,
}

/// A 1-based position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    line: u32,
    col: u32,
}

struct Located<'a> {
    path: &'a str,
    diag: &'a Diagnostic,
    start: Pos,
    end: Pos,
}

fn pos(index: &LineIndex, text: &str, offset: usize) -> Pos {
    let lc = index.to_line_col(text, offset, Encoding::Utf32);
    Pos { line: lc.line + 1, col: lc.col + 1 }
}

fn range_json(index: &LineIndex, text: &str, span: Span) -> Value {
    let (s, e) = (pos(index, text, span.start), pos(index, text, span.end));
    json!({"start": {"line": s.line, "column": s.col}, "end": {"line": e.line, "column": e.col}})
}

/// Every diagnostic with its positions, files in the given order.
fn located(files: &[FileReport]) -> Vec<Located<'_>> {
    let mut out = Vec::new();
    for f in files {
        let index = LineIndex::new(&f.text);
        for d in &f.diags {
            out.push(Located {
                path: &f.path,
                diag: d,
                start: pos(&index, &f.text, d.span.start),
                end: pos(&index, &f.text, d.span.end),
            });
        }
    }
    out
}

pub fn render(format: Format, files: &[FileReport]) -> String {
    match format {
        Format::Human => human(files),
        Format::Json => to_pretty(&json_value(files)),
        Format::Sarif => to_pretty(&sarif_value(files)),
        Format::Github => github(files),
    }
}

fn to_pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

pub fn human(files: &[FileReport]) -> String {
    let mut out = String::new();
    for l in located(files) {
        out.push_str(&format!(
            "{}:{}:{}: {}[{}]: {}\n",
            l.path,
            l.start.line,
            l.start.col,
            l.diag.severity.as_str(),
            l.diag.code,
            l.diag.message
        ));
    }
    out
}

pub fn json_value(files: &[FileReport]) -> Value {
    let mut out = Vec::new();
    for f in files {
        let index = LineIndex::new(&f.text);
        for d in &f.diags {
            let fixes: Vec<Value> = d
                .fixes
                .iter()
                .map(|fix| {
                    let edits: Vec<Value> = fix
                        .edits
                        .iter()
                        .map(|e| json!({"range": range_json(&index, &f.text, e.span), "newText": e.new_text}))
                        .collect();
                    json!({"title": fix.title, "preferred": fix.preferred, "edits": edits})
                })
                .collect();
            out.push(json!({
                "path": f.path,
                "range": range_json(&index, &f.text, d.span),
                "severity": d.severity.as_str(),
                "code": d.code,
                "message": d.message,
                "fixes": fixes,
            }));
        }
    }
    Value::Array(out)
}

fn sarif_level(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// Percent-encodes a relative path for a SARIF `artifactLocation.uri`.
fn uri_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

pub fn sarif_value(files: &[FileReport]) -> Value {
    let rules: Vec<Value> = codes::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.code,
                "shortDescription": {"text": c.summary},
                "defaultConfiguration": {"level": sarif_level(c.severity)},
            })
        })
        .collect();
    let results: Vec<Value> = located(files)
        .iter()
        .map(|l| {
            let mut r = json!({
                "ruleId": l.diag.code,
                "level": sarif_level(l.diag.severity),
                "message": {"text": l.diag.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri_path(l.path)},
                        "region": {
                            "startLine": l.start.line,
                            "startColumn": l.start.col,
                            "endLine": l.end.line,
                            "endColumn": l.end.col,
                        },
                    },
                }],
            });
            if let Some(idx) = codes::ALL.iter().position(|c| c.code == l.diag.code) {
                r["ruleIndex"] = json!(idx);
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "cml-lsp",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// Escapes a workflow-command message (GitHub's `escapeData`).
fn gh_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow-command property value (GitHub's `escapeProperty`).
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn github(files: &[FileReport]) -> String {
    let mut out = String::new();
    for l in located(files) {
        let command = match l.diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Hint => "notice",
        };
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            gh_property(l.path),
            l.start.line,
            l.start.col,
            l.end.line,
            l.end.col,
            gh_property(&format!("cml-lsp {}", l.diag.code)),
            gh_data(&l.diag.message)
        ));
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `3 errors, 1 warning in 5 files` (infos and hints only when present).
pub fn summary(files: &[FileReport]) -> String {
    let count = |sev: Severity| files.iter().flat_map(|f| &f.diags).filter(|d| d.severity == sev).count();
    let mut parts = vec![
        plural(count(Severity::Error), "error", "errors"),
        plural(count(Severity::Warning), "warning", "warnings"),
    ];
    let infos = count(Severity::Info);
    if infos > 0 {
        parts.push(plural(infos, "info", "infos"));
    }
    let hints = count(Severity::Hint);
    if hints > 0 {
        parts.push(plural(hints, "hint", "hints"));
    }
    format!("{} in {}", parts.join(", "), plural(files.len(), "file", "files"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Fix, TextEdit};

    fn report() -> Vec<FileReport> {
        let text = "a: 1\nné: x, y\n".to_string();
        let at = text.find("x,").unwrap();
        let d = Diagnostic::error("yaml-syntax", Span::new(at, at + 4), "bad: 100%, really\nsecond line");
        let w = Diagnostic::warning("file-too-large", Span::new(0, 1), "big").with_fix(Fix {
            title: "Fix it".into(),
            edits: vec![TextEdit { span: Span::new(0, 1), new_text: "b".into() }],
            preferred: true,
        });
        vec![FileReport { path: "dir, x/a:b.yml".into(), text, diags: vec![w, d] }]
    }

    #[test]
    fn human_lines_count_columns_in_chars() {
        assert_eq!(
            human(&report()),
            "dir, x/a:b.yml:1:1: warning[file-too-large]: big\n\
             dir, x/a:b.yml:2:5: error[yaml-syntax]: bad: 100%, really\nsecond line\n"
        );
    }

    #[test]
    fn github_commands_escape_properties_and_data() {
        let out = github(&report());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            vec![
                "::warning file=dir%2C x/a%3Ab.yml,line=1,col=1,endLine=1,endColumn=2,title=cml-lsp file-too-large::big",
                "::error file=dir%2C x/a%3Ab.yml,line=2,col=5,endLine=2,endColumn=9,title=cml-lsp yaml-syntax::bad: 100%25, really%0Asecond line",
            ]
        );
    }

    #[test]
    fn json_has_ranges_and_fixes() {
        let v = json_value(&report());
        assert_eq!(v[0]["fixes"][0]["edits"][0]["range"]["end"], json!({"line": 1, "column": 2}));
        assert_eq!(v[0]["fixes"][0]["preferred"], json!(true));
        assert_eq!(
            v[1]["range"],
            json!({"start": {"line": 2, "column": 5}, "end": {"line": 2, "column": 9}})
        );
    }

    #[test]
    fn sarif_uri_is_percent_encoded() {
        let v = sarif_value(&report());
        let loc = &v["runs"][0]["results"][1]["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], json!("dir%2C%20x/a%3Ab.yml"));
        assert_eq!(uri_path("/tmp/a b"), "file:///tmp/a%20b");
    }

    #[test]
    fn summary_pluralises() {
        assert_eq!(summary(&report()), "1 error, 1 warning in 1 file");
        assert_eq!(summary(&[]), "0 errors, 0 warnings in 0 files");
    }
}
