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
    FILE_UNREADABLE = "file-unreadable", Error, "The file could not be read, is binary, or is not UTF-8.";
    FILE_TOO_LARGE = "file-too-large", Warning, "The file is larger than 10 MiB and was not checked.";
}

pub fn info(code: &str) -> Option<&'static CodeInfo> {
    ALL.iter().find(|c| c.code == code)
}
