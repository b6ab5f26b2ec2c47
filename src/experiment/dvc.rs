//! A simple reader of `stages.*.params` in `dvc.yaml` files, to warn about edited params
//! that no stage depends on.

use serde_json::Value;

use super::params::{Change, DiffEntry};

/// One params dependency: a key in a file, or the whole file (`key: None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracked {
    pub file: String,
    pub key: Option<String>,
}

/// The params dependencies of every stage of the given `dvc.yaml` files (repo-relative
/// path, text). Params paths are relative to the `dvc.yaml`'s directory.
pub fn tracked_params(files: &[(String, String)]) -> Vec<Tracked> {
    let mut out = Vec::new();
    for (path, text) in files {
        let dir = match path.rfind('/') {
            Some(i) => &path[..=i],
            None => "",
        };
        let y = super::yaml_edit::parse(text);
        let v = super::yaml_edit::to_value(&y);
        let Some(stages) = v.get("stages").and_then(Value::as_object) else { continue };
        for stage in stages.values() {
            for params in [stage.get("params"), stage.pointer("/do/params")].into_iter().flatten() {
                let Some(list) = params.as_array() else { continue };
                for item in list {
                    match item {
                        Value::String(k) => out.push(Tracked {
                            file: format!("{dir}{}", super::overrides::DEFAULT_PARAMS_FILE),
                            key: Some(k.clone()),
                        }),
                        Value::Object(m) => {
                            for (file, keys) in m {
                                let file = format!("{dir}{file}");
                                match keys {
                                    Value::Array(keys) if !keys.is_empty() => {
                                        for k in keys.iter().filter_map(Value::as_str) {
                                            out.push(Tracked {
                                                file: file.clone(),
                                                key: Some(k.to_string()),
                                            });
                                        }
                                    }
                                    _ => out.push(Tracked { file, key: None }),
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    out
}

fn is_tracked(e: &DiffEntry, tracked: &[Tracked]) -> bool {
    tracked.iter().any(|t| {
        t.file == e.file
            && match &t.key {
                None => true,
                Some(k) => {
                    *k == e.key
                        || e.key.starts_with(&format!("{k}."))
                        || k.starts_with(&format!("{}.", e.key))
                }
            }
    })
}

/// Warnings for changed params that no stage depends on (none when there is no `dvc.yaml`).
pub fn untracked_warnings(diff: &[DiffEntry], dvc_files: &[(String, String)]) -> Vec<String> {
    if dvc_files.is_empty() {
        return Vec::new();
    }
    let tracked = tracked_params(dvc_files);
    diff.iter()
        .filter(|e| e.change != Change::Removed && !is_tracked(e, &tracked))
        .map(|e| {
            format!(
                "{} in {} is not a parameter of any dvc.yaml stage: changing it will not re-run a stage",
                e.key, e.file
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(file: &str, key: &str) -> DiffEntry {
        DiffEntry {
            file: file.into(),
            key: key.into(),
            old: None,
            new: Some("1".into()),
            change: Change::Modified,
        }
    }

    #[test]
    fn reads_the_three_forms() {
        let dvc = "stages:\n  train:\n    cmd: python train.py\n    params:\n      - train.lr\n      - conf/model.yaml:\n          - layers\n      - extra.json:\n  eval:\n    foreach: [a]\n    do:\n      params: [eval]\n";
        let files = vec![("sub/dvc.yaml".to_string(), dvc.to_string())];
        assert_eq!(
            tracked_params(&files),
            vec![
                Tracked { file: "sub/params.yaml".into(), key: Some("train.lr".into()) },
                Tracked { file: "sub/conf/model.yaml".into(), key: Some("layers".into()) },
                Tracked { file: "sub/extra.json".into(), key: None },
                Tracked { file: "sub/params.yaml".into(), key: Some("eval".into()) },
            ]
        );
        let diff = vec![
            entry("sub/params.yaml", "train.lr"),
            entry("sub/params.yaml", "train.epochs"),
            entry("sub/conf/model.yaml", "layers.0.units"),
            entry("sub/extra.json", "anything"),
            entry("sub/params.yaml", "eval.k"),
        ];
        assert_eq!(
            untracked_warnings(&diff, &files),
            vec!["train.epochs in sub/params.yaml is not a parameter of any dvc.yaml stage: changing it will not re-run a stage"]
        );
        assert_eq!(untracked_warnings(&diff, &[]), Vec::<String>::new());
    }
}
