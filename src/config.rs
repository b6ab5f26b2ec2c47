//! Settings: one camelCase serde struct, read from `initializationOptions` and
//! `workspace/configuration` (section `cml-lsp`). Unknown keys are ignored with a log line.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kind::KindRules;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Extra globs (relative to the workspace root) for GitLab CI files, e.g. `ci/*.yml`.
    pub gitlab_globs: Vec<String>,
    /// Extra globs for GitHub workflow files outside `.github/workflows/`.
    pub github_globs: Vec<String>,
    /// Extra globs for params files besides `params.*` and the files `dvc.yaml` names.
    pub params_globs: Vec<String>,
    pub diagnostics: DiagnosticsSettings,
    pub params: ParamsSettings,
    pub experiment: ExperimentSettings,
    /// Default choices of the workflow generator (the wizard's fields: `cloud`, `region`,
    /// `machineType`, `gpu`, `spot`, `hddSize`, `reuse`, `labels`, ...).
    pub generate: serde_json::Map<String, Value>,
    #[serde(flatten, skip_serializing)]
    pub unknown: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DiagnosticsSettings {
    /// Codes never reported, e.g. `["cml-cloud-option-without-cloud"]`.
    pub disabled: Vec<String>,
    /// Report params keys that no `dvc.yaml` stage uses (hint).
    pub unused_params: bool,
    /// Report params whose type differs from the committed one at HEAD (hint).
    pub type_changed_from_head: bool,
    #[serde(flatten, skip_serializing)]
    pub unknown: BTreeMap<String, Value>,
}

impl Default for DiagnosticsSettings {
    fn default() -> Self {
        DiagnosticsSettings {
            disabled: Vec::new(),
            unused_params: false,
            type_changed_from_head: true,
            unknown: BTreeMap::new(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParamsSettings {
    /// JSON Schema for params files: a path (relative to the workspace root) per params glob.
    pub schemas: BTreeMap<String, String>,
    #[serde(flatten, skip_serializing)]
    pub unknown: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExperimentSettings {
    /// The git remote to push to (default: the base branch's upstream remote, else `origin`).
    pub remote: Option<String>,
    /// Forge API base URL, e.g. `https://github.example.com/api/v3`.
    pub api_url: Option<String>,
    /// `github`, `gitlab` or `bitbucket`; detected from the remote URL when unset.
    pub forge: Option<String>,
    /// Prefix of generated branch names.
    pub branch_prefix: Option<String>,
    #[serde(flatten, skip_serializing)]
    pub unknown: BTreeMap<String, Value>,
}

impl Settings {
    /// Parses settings from a JSON value, never failing: a malformed value yields the
    /// defaults and an error line in the log. Accepts both `{...}` and `{"cml-lsp": {...}}`.
    pub fn from_json(value: &Value) -> Settings {
        let s = Settings::from_json_unlogged(value);
        s.log_unknown();
        s
    }

    /// [`Settings::from_json`] without the log line per unknown key, for callers that
    /// report [`Settings::unknown_keys`] themselves (the CLI prints one line per key).
    pub fn from_json_unlogged(value: &Value) -> Settings {
        let value = match value.get("cml-lsp") {
            Some(inner) => inner,
            None => value,
        };
        if value.is_null() {
            return Settings::default();
        }
        match Settings::deserialize(value) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("invalid cml-lsp settings, using defaults: {e}");
                Settings::default()
            }
        }
    }

    /// Every unknown key, as a dotted path.
    pub fn unknown_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = self.unknown.keys().cloned().collect();
        out.extend(self.diagnostics.unknown.keys().map(|k| format!("diagnostics.{k}")));
        out.extend(self.params.unknown.keys().map(|k| format!("params.{k}")));
        out.extend(self.experiment.unknown.keys().map(|k| format!("experiment.{k}")));
        out
    }

    fn log_unknown(&self) {
        for k in self.unknown_keys() {
            tracing::warn!("ignoring unknown setting cml-lsp.{k}");
        }
    }

    /// The generator's default choices; invalid ones are logged and ignored.
    pub fn wizard_defaults(&self) -> crate::generate::WizardOptions {
        if self.generate.is_empty() {
            return Default::default();
        }
        crate::generate::WizardOptions::deserialize(Value::Object(self.generate.clone())).unwrap_or_else(
            |e| {
                tracing::warn!("ignoring invalid cml-lsp.generate settings: {e}");
                Default::default()
            },
        )
    }

    pub fn kind_rules(&self) -> KindRules {
        KindRules::new(&self.gitlab_globs, &self.github_globs, &self.params_globs)
    }

    pub fn is_disabled(&self, code: &str) -> bool {
        self.diagnostics.disabled.iter().any(|c| c == code)
    }
}

/// Every setting as `{key, type, default}` (dotted keys below `cml-lsp.`), the list that
/// editor integrations declare; `editors/code/settings-keys.json` is checked against it.
pub fn setting_keys() -> Vec<Value> {
    const SECTIONS: [&str; 3] = ["diagnostics", "params", "experiment"];
    let mut out = Vec::new();
    let Ok(Value::Object(top)) = serde_json::to_value(Settings::default()) else { return out };
    for (k, v) in top {
        match v {
            Value::Object(section) if SECTIONS.contains(&k.as_str()) => {
                for (k2, v2) in section {
                    out.push(key_entry(&format!("{k}.{k2}"), v2));
                }
            }
            v => out.push(key_entry(&k, v)),
        }
    }
    out
}

fn key_entry(key: &str, default: Value) -> Value {
    let ty = match &default {
        Value::Array(_) => Value::from("array"),
        Value::Bool(_) => Value::from("boolean"),
        Value::Object(_) => Value::from("object"),
        Value::Null => serde_json::json!(["string", "null"]),
        Value::Number(_) => Value::from("number"),
        Value::String(_) => Value::from("string"),
    };
    serde_json::json!({ "key": key, "type": ty, "default": default })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The VS Code extension's settings list must be the server's (the extension's own
    /// sync check then compares package.json against that file).
    #[test]
    fn editor_settings_list_matches_the_struct() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/editors/code/settings-keys.json");
        let declared: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut expected = setting_keys();
        let mut declared = declared.as_array().cloned().unwrap_or_default();
        let by_key = |v: &Value| v["key"].as_str().unwrap_or_default().to_string();
        expected.sort_by_key(by_key);
        declared.sort_by_key(by_key);
        assert_eq!(
            declared,
            expected,
            "update editors/code/settings-keys.json (and package.json) to:\n{}",
            serde_json::to_string_pretty(&expected).unwrap()
        );
    }

    #[test]
    fn unknown_keys_are_ignored_and_listed() {
        let s = Settings::from_json(&json!({
            "gitlabGlobs": ["ci/*.yml"],
            "bogus": 1,
            "diagnostics": {"disabled": ["yaml-syntax"], "nope": true}
        }));
        assert_eq!(s.gitlab_globs, vec!["ci/*.yml".to_string()]);
        assert_eq!(s.diagnostics.disabled, vec!["yaml-syntax".to_string()]);
        assert_eq!(s.unknown_keys(), vec!["bogus".to_string(), "diagnostics.nope".to_string()]);
    }

    #[test]
    fn malformed_settings_give_defaults() {
        let s = Settings::from_json(&json!({"gitlabGlobs": 3}));
        assert_eq!(s, Settings::default());
        let s = Settings::from_json(&json!({"cml-lsp": {"paramsGlobs": ["conf/*.yaml"]}}));
        assert_eq!(s.params_globs, vec!["conf/*.yaml".to_string()]);
    }
}
