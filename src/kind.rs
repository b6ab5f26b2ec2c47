//! Which kind of file a path is, from its path alone (plus configured globs).

use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    GithubWorkflow,
    /// `action.yml` / `action.yaml` of a composite action: its `runs.steps[*].run` holds shell.
    GithubAction,
    GitlabCi,
    Bitbucket,
    DvcYaml,
    /// A params file; the format follows from the extension.
    Params(ParamsFormat),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamsFormat {
    Yaml,
    Json,
    Toml,
    Python,
}

impl FileKind {
    pub fn is_workflow(self) -> bool {
        matches!(
            self,
            FileKind::GithubWorkflow | FileKind::GithubAction | FileKind::GitlabCi | FileKind::Bitbucket
        )
    }

    pub fn is_yaml(self) -> bool {
        !matches!(self, FileKind::Params(ParamsFormat::Json | ParamsFormat::Toml | ParamsFormat::Python))
    }
}

/// Path rules, built once from settings.
#[derive(Clone, Debug)]
pub struct KindRules {
    gitlab: GlobSet,
    github: GlobSet,
    params: GlobSet,
}

impl Default for KindRules {
    fn default() -> Self {
        KindRules::new(&[], &[], &[])
    }
}

fn build(globs: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        match Glob::new(g) {
            Ok(g) => {
                b.add(g);
            }
            Err(e) => tracing::warn!("ignoring invalid glob {g:?}: {e}"),
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

impl KindRules {
    /// Extra globs are matched against the path relative to the workspace root
    /// (or the whole path when it lies outside every root).
    pub fn new(gitlab_globs: &[String], github_globs: &[String], params_globs: &[String]) -> Self {
        KindRules { gitlab: build(gitlab_globs), github: build(github_globs), params: build(params_globs) }
    }

    /// The kind of `path`, or `None` for files we leave alone.
    /// `rel` is the path relative to its workspace root when known.
    pub fn classify(&self, path: &Path, rel: Option<&Path>) -> Option<FileKind> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        let matchp = rel.unwrap_or(path);
        let is_yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
        if is_yaml && self.github.is_match(matchp) {
            return Some(FileKind::GithubWorkflow);
        }
        if is_yaml && self.gitlab.is_match(matchp) {
            return Some(FileKind::GitlabCi);
        }
        if is_yaml {
            let parent = path.parent();
            let pname = parent.and_then(|p| p.file_name()).and_then(|n| n.to_str());
            let gpname = parent.and_then(|p| p.parent()).and_then(|p| p.file_name()).and_then(|n| n.to_str());
            if pname == Some("workflows") && gpname == Some(".github") {
                return Some(FileKind::GithubWorkflow);
            }
        }
        match lower.as_str() {
            ".gitlab-ci.yml" | ".gitlab-ci.yaml" => return Some(FileKind::GitlabCi),
            "bitbucket-pipelines.yml" | "bitbucket-pipelines.yaml" => return Some(FileKind::Bitbucket),
            "dvc.yaml" | "dvc.yml" => return Some(FileKind::DvcYaml),
            "action.yml" | "action.yaml" => return Some(FileKind::GithubAction),
            "params.yaml" | "params.yml" => return Some(FileKind::Params(ParamsFormat::Yaml)),
            "params.json" => return Some(FileKind::Params(ParamsFormat::Json)),
            "params.toml" => return Some(FileKind::Params(ParamsFormat::Toml)),
            _ => {}
        }
        if self.params.is_match(matchp) {
            return params_format(path).map(FileKind::Params);
        }
        None
    }
}

/// The params format of a path by its extension.
pub fn params_format(path: &Path) -> Option<ParamsFormat> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "yaml" | "yml" => Some(ParamsFormat::Yaml),
        "json" => Some(ParamsFormat::Json),
        "toml" => Some(ParamsFormat::Toml),
        "py" => Some(ParamsFormat::Python),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(p: &str) -> Option<FileKind> {
        KindRules::new(&["ci/*.gitlab-ci.yml".into()], &[], &[]).classify(Path::new(p), Some(Path::new(p)))
    }

    #[test]
    fn classifies_by_path() {
        assert_eq!(kind(".github/workflows/cml.yaml"), Some(FileKind::GithubWorkflow));
        assert_eq!(kind("a/.github/workflows/x.YML"), Some(FileKind::GithubWorkflow));
        assert_eq!(kind(".github/workflows/readme.md"), None);
        assert_eq!(kind(".gitlab-ci.yml"), Some(FileKind::GitlabCi));
        assert_eq!(kind("ci/deploy.gitlab-ci.yml"), Some(FileKind::GitlabCi));
        assert_eq!(kind("bitbucket-pipelines.yml"), Some(FileKind::Bitbucket));
        assert_eq!(kind("sub/dvc.yaml"), Some(FileKind::DvcYaml));
        assert_eq!(kind("params.yaml"), Some(FileKind::Params(ParamsFormat::Yaml)));
        assert_eq!(kind("params.toml"), Some(FileKind::Params(ParamsFormat::Toml)));
        assert_eq!(kind("docker-compose.yml"), None);
        assert_eq!(kind("config.yaml"), None);
    }
}
