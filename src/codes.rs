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
    YAML_SYNTAX = "yaml-syntax", Error, "The file is not valid YAML (or JSON/TOML for such params files), or its aliases expand to too many nodes (\"billion laughs\").";
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
    CML_UNKNOWN_COMMAND = "cml-unknown-command", Error, "`cml` is followed by a word that is not a CML command or subcommand.";
    CML_UNKNOWN_OPTION = "cml-unknown-option", Error, "An option the CML command does not define (yargs strict mode rejects it).";
    CML_OPTION_WRONG_COMMAND = "cml-option-wrong-command", Error, "An option of another CML command (e.g. `--reuse` on `comment create`).";
    CML_MISSING_VALUE = "cml-missing-value", Error, "An option that takes a value has none.";
    CML_INVALID_VALUE = "cml-invalid-value", Error, "A value of the wrong type (a number or boolean option given text).";
    CML_INVALID_CHOICE = "cml-invalid-choice", Error, "A value outside the option's choices (e.g. `--cloud=aws2`).";
    CML_INVALID_IDLE_TIMEOUT = "cml-invalid-idle-timeout", Error, "`--idle-timeout` is not seconds, `never`, or a duration timestring understands.";
    CML_DEPRECATED_VALUE = "cml-deprecated-value", Warning, "A deprecated option value (`--cloud-gpu=tesla`, `nogpu`).";
    CML_DEPRECATED_OPTION = "cml-deprecated-option", Warning, "A deprecated (hidden) option such as `comment create --pr`.";
    CML_REGION_VENDOR_MISMATCH = "cml-region-vendor-mismatch", Warning, "A native `--cloud-region` that does not fit the `--cloud` vendor (GCP needs a zone).";
    CML_INVALID_MACHINE_TYPE = "cml-invalid-machine-type", Warning, "A synthetic size and GPU pair missing from the vendor's table (sent raw and rejected).";
    CML_CONFLICTING_OPTIONS = "cml-conflicting-options", Error, "Mutually exclusive options used together (`--single` with `--reuse`).";
    CML_CLOUD_OPTION_WITHOUT_CLOUD = "cml-cloud-option-without-cloud", Warning, "A `--cloud-*` option without `--cloud`: silently ignored.";
    CML_OPTION_WRONG_CLOUD = "cml-option-wrong-cloud", Warning, "A vendor-specific option used with another vendor (ignored).";
    CML_OPTION_UNSUPPORTED_CLOUD = "cml-option-unsupported-cloud", Error, "An option the chosen cloud rejects (`--cloud-spot-price` on GCP).";
    CML_SPOT_PRICE_WITHOUT_SPOT = "cml-spot-price-without-spot", Warning, "`--cloud-spot-price` without `--cloud-spot`.";
    CML_OPTION_IGNORED_FORGE = "cml-option-ignored-forge", Warning, "An option this forge ignores (`--docker-volumes` outside GitLab).";
    CML_OPTION_UNSUPPORTED_FORGE = "cml-option-unsupported-forge", Error, "An option this forge rejects (`--reuse-idle` on Bitbucket).";
    CML_RUNNER_NO_OPTIONS = "cml-runner-no-options", Error, "`cml runner launch` with no option at all fails its argument check.";
    CML_MISSING_ARGUMENT = "cml-missing-argument", Error, "A required positional argument is missing (`comment create` needs a file).";
    CML_UNEXPECTED_ARGUMENT = "cml-unexpected-argument", Error, "An extra positional argument that strict mode rejects.";
    CML_DROPPED_CONTINUATION = "cml-dropped-continuation", Error, "Options on a line after a `cml` line without a trailing backslash: the shell runs them separately.";
    CML_LEGACY_COMMAND = "cml-legacy-command", Info, "An old spelling that still works (`cml-runner`, `cml runner`, `cml ci`).";
    CML_DEPRECATED_COMMAND = "cml-deprecated-command", Warning, "A deprecated command (`cml send-comment`, `cml publish`).";
    CML_DEAD_COMMAND = "cml-dead-command", Error, "A command that always fails now (`cml tensorboard connect`).";
    CML_MALFORMED_EXPRESSION = "cml-malformed-expression", Error, "A `${{ }}` or `${ }` expression that is not well formed.";
    CML_UNKNOWN_RUNNER_LABEL = "cml-unknown-runner-label", Warning, "A job asks for a runner label that no runner launched in the workflow registers.";
    CML_RUNNER_JOB_WITHOUT_NEEDS = "cml-runner-job-without-needs", Warning, "A job on a launched runner does not `needs:` the job that launches it.";
    CML_MISSING_CLOUD_CREDENTIALS = "cml-missing-cloud-credentials", Warning, "The step launching a cloud runner lacks the cloud's credential variables.";
    CML_MISSING_TOKEN = "cml-missing-token", Warning, "The step launching a runner has no forge token (`REPO_TOKEN`).";
    CML_RUNNER_GITHUB_TOKEN = "cml-runner-github-token", Warning, "`cml runner launch` given `secrets.GITHUB_TOKEN`, which cannot register runners.";
    CML_SETUP_CML_UNKNOWN_INPUT = "cml-setup-cml-unknown-input", Warning, "A `with:` input that this major version of `iterative/setup-cml` does not have.";
    CML_NOT_INSTALLED = "cml-not-installed", Warning, "A job runs `cml` without installing it (`setup-cml`, a CML image, or `npm install -g @dvcorg/cml`).";
    CML_UNKNOWN_ENV_VAR = "cml-unknown-env-var", Error, "A `CML_<PREFIX>_*` variable the command has no option for (strict mode rejects it).";
    CML_IGNORED_ENV_VAR = "cml-ignored-env-var", Warning, "A variable CML ignores (`RUNNER_NAME`; use `CML_RUNNER_NAME`).";
    CML_EMPTY_CREDENTIAL = "cml-empty-credential", Warning, "A cloud credential variable set to an empty value where `cml runner launch` runs.";
    CML_GPU_CONTAINER_WITHOUT_GPUS = "cml-gpu-container-without-gpus", Warning, "A `-gpu` CML container image without `options: --gpus all`.";
    SUPPRESS_UNKNOWN_CODE = "suppress-unknown-code", Warning, "A suppression comment names a code that does not exist (a typo suppresses nothing).";
    WORKFLOW_UNKNOWN_NEEDS = "workflow-unknown-needs", Error, "A GitHub job `needs:` a job the workflow does not have (GitHub rejects the file).";
    WORKFLOW_MULTIPLE_DOCUMENTS = "workflow-multiple-documents", Warning, "A CI file with more YAML documents than the forge reads (one; GitLab allows a `spec:` header first): the rest are ignored.";
}

pub fn info(code: &str) -> Option<&'static CodeInfo> {
    ALL.iter().find(|c| c.code == code)
}
