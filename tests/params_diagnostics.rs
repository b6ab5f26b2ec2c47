//! Fixture tests for the params and dvc.yaml diagnostics no other test pins down:
//! `params-bad-entry`, `params-json-duplicate-key`, `params-schema`, `dvc-foreach` and
//! `dvc-removed-field`. Each case asserts the exact byte range, severity, code and message,
//! and has a valid counterpart that must give no diagnostic at all.

use cml_lsp::analysis::FileInput;
use cml_lsp::config::Settings;
use cml_lsp::diag::{Severity, Span};
use cml_lsp::kind::{FileKind, ParamsFormat};
use cml_lsp::params::api::analyze_with;
use cml_lsp::params::git::NoHead;

mod project_support;
use project_support::project;

/// One diagnostic as asserted: code, severity, byte range, the text under it, message.
type Got = (&'static str, Severity, Span, String, String);

/// Writes `files` into a fresh workspace and analyses `target` (one of them).
fn check(files: &[(&str, &str)], target: &str, kind: FileKind, settings: &Settings) -> Vec<Got> {
    let (dir, ws) = project(files);
    let path = dir.path().join(target);
    let text = std::fs::read_to_string(&path).unwrap();
    let input = FileInput::new(&path, &text, kind);
    analyze_with(&input, &ws, settings, &NoHead)
        .into_iter()
        .map(|d| (d.code, d.severity, d.span, text[d.span.start..d.span.end].to_string(), d.message))
        .collect()
}

/// The span of the `nth` (0-based) occurrence of `needle` in `text`.
fn span(text: &str, needle: &str, nth: usize) -> Span {
    let start = text.match_indices(needle).nth(nth).unwrap().0;
    Span::new(start, start + needle.len())
}

fn dvc(files: &[(&str, &str)]) -> Vec<Got> {
    check(files, "dvc.yaml", FileKind::DvcYaml, &Settings::default())
}

const PARAMS: &str = "train:\n  lr: 0.1\n  sizes: [1, 2]\n";
const PREP: &str = "split: 0.2\nseed: 1\n";

// ---------------------------------------------------------------- params-bad-entry

#[test]
fn params_bad_entry_each_shape() {
    let d = "stages:\n  a:\n    cmd: x\n    params:\n      - prep.yaml: 3\n      - prep.yaml: [split, {b: 1}]\n      - [seed, split]\n";
    let e = |needle: &str, msg: &str| {
        ("params-bad-entry", Severity::Error, span(d, needle, 0), needle.to_string(), msg.to_string())
    };
    assert_eq!(
        dvc(&[("params.yaml", PARAMS), ("prep.yaml", PREP), ("dvc.yaml", d)]),
        vec![
            e("3", "expected a list of params for 'prep.yaml', got int"),
            e("{b: 1}", "a param key must be a string"),
            // The generic `dvc-schema` error on the same range is left out.
            e("[seed, split]", "a params entry is a key path or a `file: [keys]` map"),
        ]
    );
    // Line/column of the first one: line 5, column 20 (1-based).
    assert_eq!(span(d, "3", 0).start, d.find("      - prep.yaml: 3").unwrap() + 19);
}

#[test]
fn params_bad_entry_none_for_valid_shapes() {
    let d = "stages:\n  a:\n    cmd: x\n    params:\n      - train.lr\n      - prep.yaml: [split, seed]\n      - prep.yaml:\n      - params.yaml: []\n";
    assert_eq!(dvc(&[("params.yaml", PARAMS), ("prep.yaml", PREP), ("dvc.yaml", d)]), vec![]);
}

// ---------------------------------------------------------------- params-json-duplicate-key

#[test]
fn params_json_duplicate_key_warns_at_the_later_key() {
    let t = "{\"lr\": 1, \"opt\": {\"name\": \"a\", \"name\": \"b\"}, \"lr\": 2}";
    let got = check(
        &[("params.json", t)],
        "params.json",
        FileKind::Params(ParamsFormat::Json),
        &Settings::default(),
    );
    assert_eq!(
        got,
        vec![
            (
                "params-json-duplicate-key",
                Severity::Warning,
                span(t, "\"name\"", 1),
                "\"name\"".to_string(),
                "duplicate key \"name\"; DVC keeps the last value".to_string()
            ),
            (
                "params-json-duplicate-key",
                Severity::Warning,
                span(t, "\"lr\"", 1),
                "\"lr\"".to_string(),
                "duplicate key \"lr\"; DVC keeps the last value".to_string()
            ),
        ]
    );
}

#[test]
fn params_json_duplicate_key_related_points_at_the_first() {
    let t = "{\"lr\": 1, \"lr\": 2}";
    let (dir, ws) = project(&[("params.json", t)]);
    let p = dir.path().join("params.json");
    let input = FileInput::new(&p, t, FileKind::Params(ParamsFormat::Json));
    let d = analyze_with(&input, &ws, &Settings::default(), &NoHead);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].related.len(), 1);
    assert_eq!(d[0].related[0].span, span(t, "\"lr\"", 0));
    assert_eq!(d[0].related[0].message, "first defined here");
}

#[test]
fn params_json_duplicate_key_none_for_same_key_in_different_objects() {
    let t = "{\"a\": {\"lr\": 1}, \"b\": {\"lr\": 2}, \"lr\": 3}";
    let got = check(
        &[("params.json", t)],
        "params.json",
        FileKind::Params(ParamsFormat::Json),
        &Settings::default(),
    );
    assert_eq!(got, vec![]);
}

// ---------------------------------------------------------------- params-schema

const SCHEMA: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["train"],
  "properties": {
    "train": {
      "type": "object",
      "required": ["epochs"],
      "properties": {
        "lr": {"type": "number", "minimum": 0},
        "opt": {"enum": ["adam", "sgd"]},
        "layers": {"type": "array", "items": {"type": "integer"}},
        "epochs": {"type": "integer"}
      }
    }
  }
}"#;

fn schema_err(text: &str, needle: &str, nth: usize, msg: &str) -> Got {
    ("params-schema", Severity::Error, span(text, needle, nth), needle.to_string(), msg.to_string())
}

fn configured() -> Settings {
    let mut s = Settings::default();
    s.params.schemas.insert("conf/*.yaml".into(), "schemas/train.json".into());
    s
}

#[test]
fn params_schema_from_settings_each_error_on_its_value() {
    let t = "train:\n  lr: -1\n  opt: rmsprop\n  layers: [1, 2.5, \"x\"]\nextra: 1\n";
    let got = check(
        &[("schemas/train.json", SCHEMA), ("conf/train.yaml", t)],
        "conf/train.yaml",
        FileKind::Params(ParamsFormat::Yaml),
        &configured(),
    );
    assert_eq!(
        got,
        vec![
            schema_err(t, "train", 0, "missing required field 'epochs'"),
            schema_err(t, "-1", 0, "value is less than the minimum of 0"),
            schema_err(t, "rmsprop", 0, "value is not one of \"adam\" or \"sgd\""),
            schema_err(t, "2.5", 0, "value is not of type \"integer\""),
            schema_err(t, "\"x\"", 0, "value is not of type \"integer\""),
            schema_err(t, "extra", 0, "unknown field 'extra'"),
        ]
    );
}

#[test]
fn params_schema_from_settings_none_when_valid() {
    let t = "train:\n  lr: 0.5\n  opt: adam\n  layers: [1, 2]\n  epochs: 3\n";
    let got = check(
        &[("schemas/train.json", SCHEMA), ("conf/train.yaml", t)],
        "conf/train.yaml",
        FileKind::Params(ParamsFormat::Yaml),
        &configured(),
    );
    assert_eq!(got, vec![]);
}

#[test]
fn params_schema_settings_win_over_the_file_beside() {
    // The file beside would reject everything; the configured schema accepts the file.
    let t = "train:\n  epochs: 3\n";
    let got = check(
        &[
            ("schemas/train.json", SCHEMA),
            ("conf/params.schema.json", "{\"type\": \"array\"}"),
            ("conf/train.yaml", t),
        ],
        "conf/train.yaml",
        FileKind::Params(ParamsFormat::Yaml),
        &configured(),
    );
    assert_eq!(got, vec![]);
}

#[test]
fn params_schema_beside_the_file_yaml_json_toml() {
    let y = "train:\n  lr: \"fast\"\n  epochs: 3\n";
    let got = check(
        &[("params.schema.json", SCHEMA), ("params.yaml", y)],
        "params.yaml",
        FileKind::Params(ParamsFormat::Yaml),
        &Settings::default(),
    );
    assert_eq!(got, vec![schema_err(y, "\"fast\"", 0, "value is not of type \"number\"")]);

    let j = "{\"train\": {\"lr\": \"fast\", \"epochs\": 3}}";
    let got = check(
        &[("params.schema.json", SCHEMA), ("params.json", j)],
        "params.json",
        FileKind::Params(ParamsFormat::Json),
        &Settings::default(),
    );
    assert_eq!(got, vec![schema_err(j, "\"fast\"", 0, "value is not of type \"number\"")]);

    let t = "[train]\nlr = \"fast\"\nepochs = 3.5\n";
    let got = check(
        &[("params.schema.json", SCHEMA), ("params.toml", t)],
        "params.toml",
        FileKind::Params(ParamsFormat::Toml),
        &Settings::default(),
    );
    assert_eq!(
        got,
        vec![
            schema_err(t, "\"fast\"", 0, "value is not of type \"number\""),
            schema_err(t, "3.5", 0, "value is not of type \"integer\""),
        ]
    );
}

#[test]
fn params_schema_beside_the_file_none_when_valid() {
    let y = "train: {lr: 0.1, opt: sgd, layers: [], epochs: 3}\n";
    let got = check(
        &[("params.schema.json", SCHEMA), ("params.yaml", y)],
        "params.yaml",
        FileKind::Params(ParamsFormat::Yaml),
        &Settings::default(),
    );
    assert_eq!(got, vec![]);
    // Without any schema nothing is validated.
    let got = check(
        &[("params.yaml", "extra: 1\n")],
        "params.yaml",
        FileKind::Params(ParamsFormat::Yaml),
        &Settings::default(),
    );
    assert_eq!(got, vec![]);
}

// ---------------------------------------------------------------- dvc-foreach

#[test]
fn dvc_foreach_not_a_list_or_map() {
    let d = "stages:\n  a:\n    foreach: 3\n    do:\n      cmd: x\n  b:\n    foreach: ${train.lr}\n    do:\n      cmd: x\n  c:\n    foreach: abc\n    do:\n      cmd: x\n";
    let e = |needle: &str, msg: &str| {
        ("dvc-foreach", Severity::Error, span(d, needle, 0), needle.to_string(), msg.to_string())
    };
    assert_eq!(
        dvc(&[("params.yaml", PARAMS), ("dvc.yaml", d)]),
        vec![
            // The generic `dvc-schema` type error on `3` is left out.
            e("3", "foreach expects a list, a map or a `${...}` that resolves to one"),
            e("${train.lr}", "foreach expects a list or a map, got float"),
            e("abc", "foreach expects a list, a map or a `${...}` that resolves to one"),
        ]
    );
}

#[test]
fn dvc_foreach_matrix_entry_not_a_list() {
    let d = "stages:\n  a:\n    matrix:\n      lr: ${train.lr}\n      n: 3\n      m: {x: 1}\n    cmd: echo ${item.lr}\n";
    let e = |needle: &str, msg: &str| {
        ("dvc-foreach", Severity::Error, span(d, needle, 0), needle.to_string(), msg.to_string())
    };
    assert_eq!(
        dvc(&[("params.yaml", PARAMS), ("dvc.yaml", d)]),
        vec![
            e("${train.lr}", "matrix 'lr' must be a list, got float"),
            e("3", "matrix 'n' must be a list, got int"),
            e("{x: 1}", "matrix 'm' must be a list, got map"),
        ]
    );
}

#[test]
fn dvc_foreach_none_for_lists_maps_and_resolving_interpolations() {
    let d = "stages:\n  a:\n    foreach: [x, y]\n    do:\n      cmd: echo ${item}\n  b:\n    foreach: ${train}\n    do:\n      cmd: echo ${key}\n  c:\n    foreach: {p: 1, q: 2}\n    do:\n      cmd: echo ${key} ${item}\n  d:\n    matrix:\n      s: ${train.sizes}\n      m: [cnn, rnn]\n    cmd: echo ${item.s} ${item.m}\n";
    assert_eq!(dvc(&[("params.yaml", PARAMS), ("dvc.yaml", d)]), vec![]);
}

// ---------------------------------------------------------------- dvc-removed-field

#[test]
fn dvc_removed_field_on_checkpoint_true_outputs() {
    let d = "stages:\n  a:\n    cmd: x\n    outs:\n      - m.pt:\n          checkpoint: true\n    metrics:\n      - m.json:\n          cache: false\n          checkpoint: true\n";
    let e = |nth: usize| {
        (
            "dvc-removed-field",
            Severity::Warning,
            span(d, "checkpoint", nth),
            "checkpoint".to_string(),
            "'checkpoint' outputs were removed in DVC 3.0; the flag is ignored".to_string(),
        )
    };
    assert_eq!(dvc(&[("dvc.yaml", d)]), vec![e(0), e(1)]);
}

#[test]
fn dvc_removed_field_none_for_checkpoint_false_and_plain_outputs() {
    let d = "stages:\n  a:\n    cmd: x\n    outs:\n      - m.pt:\n          checkpoint: false\n      - n.pt\n      - o.pt:\n          cache: false\n";
    assert_eq!(dvc(&[("dvc.yaml", d)]), vec![]);
}
