//! The registry of stable diagnostic codes. Every code a rule emits is listed here
//! with its default severity and a one-line summary; the README table is checked
//! against this list by a test.

use crate::diag::Severity;

pub struct CodeInfo {
    pub code: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

macro_rules! codes {
    ($($name:ident = $code:literal, $sev:ident, $summary:literal;)*) => {
        $(pub const $name: &str = $code;)*
        pub const ALL: &[CodeInfo] = &[
            $(CodeInfo { code: $code, severity: Severity::$sev, summary: $summary },)*
        ];
    };
}

codes! {
    YAML_SYNTAX = "yaml-syntax", Error, "The file is not valid YAML (or JSON/TOML for such params files).";
    YAML_DUPLICATE_KEY = "yaml-duplicate-key", Error, "A mapping has the same key twice.";
    YAML_UNKNOWN_ALIAS = "yaml-unknown-alias", Error, "An alias names an anchor that is not defined before it.";
    PARAMS_MISSING_KEY = "params-missing-key", Error, "A stage's `params:` names a key its params file does not have (DVC refuses to run).";
    PARAMS_MISSING_FILE = "params-missing-file", Error, "A params file a stage depends on (or a `vars` file) does not exist.";
    PARAMS_BAD_ENTRY = "params-bad-entry", Error, "A `params:` entry is not `key.path`, `file: [keys]` or `file:` (whole file).";
    PARAMS_JSON_DUPLICATE_KEY = "params-json-duplicate-key", Warning, "A JSON params file has the same key twice; DVC silently keeps the last value.";
    PARAMS_SCHEMA = "params-schema", Error, "A params value does not match the params file's JSON Schema.";
    PARAMS_TYPE_CHANGED = "params-type-changed", Hint, "A param's type differs from its committed value at HEAD.";
    PARAMS_UNUSED = "params-unused", Hint, "A params key that no `dvc.yaml` stage depends on or interpolates (off by default).";
    DVC_INTERP_UNRESOLVED = "dvc-interp-unresolved", Error, "A `${...}` does not resolve against vars, params.yaml, or the foreach/matrix `item`/`key`.";
    DVC_INTERP_SYNTAX = "dvc-interp-syntax", Error, "A `${...}` is not a valid DVC key path (`a.b`, `a[0]`).";
    DVC_INTERP_TYPE = "dvc-interp-type", Error, "A `${...}` resolves to a map or list where DVC needs a scalar (only `cmd` takes a map).";
    DVC_VARS = "dvc-vars", Error, "A `vars` entry cannot be loaded: missing file or key, interpolation, or a variable defined twice.";
    DVC_FOREACH = "dvc-foreach", Error, "`foreach` does not resolve to a list or map, or a `matrix` entry is not a list.";
    DVC_SCHEMA = "dvc-schema", Error, "A dvc.yaml field is unknown (or removed in DVC 3), misses a required field, or has the wrong type.";
    DVC_REMOVED_FIELD = "dvc-removed-field", Warning, "A dvc.yaml field DVC 3 still accepts but ignores (`checkpoint: true` outputs).";
    FILE_UNREADABLE = "file-unreadable", Error, "The file could not be read, is binary, or is not UTF-8.";
    FILE_TOO_LARGE = "file-too-large", Warning, "The file is larger than 10 MiB and was not checked.";
}

pub fn info(code: &str) -> Option<&'static CodeInfo> {
    ALL.iter().find(|c| c.code == code)
}
