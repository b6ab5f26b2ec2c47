//! Typed command tables built once from `data/cml-facts.json` (CML 0.20.6, read from its
//! source). Every option, choice, default and mapping used by the workflow rules comes
//! from here, so it stays traceable to the facts file. Only the command *structure*
//! (which facts list belongs to which command path, positional arity) and the lists of
//! common native regions and machine types are written in Rust.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};
use std::sync::OnceLock;

use serde_json::Value;

/// The vendored facts file.
pub const FACTS_JSON: &str = include_str!("../../data/cml-facts.json");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptType {
    Boolean,
    String,
    Number,
    Array,
    /// No declared type (internal options); takes a value like a string.
    Untyped,
}

impl OptType {
    pub fn as_str(self) -> &'static str {
        match self {
            OptType::Boolean => "boolean",
            OptType::String => "string",
            OptType::Number => "number",
            OptType::Array => "array",
            OptType::Untyped => "untyped",
        }
    }

    pub fn takes_value(self) -> bool {
        self != OptType::Boolean
    }
}

/// What an option needs to take effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requires {
    /// `--cloud` must be given (any vendor).
    Cloud,
    /// `--cloud` must be this vendor.
    CloudVendor(String),
    /// Another option must be given (e.g. `--cloud-spot`).
    Option(String),
}

#[derive(Clone, Debug)]
pub struct OptSpec {
    pub name: String,
    pub aliases: Vec<String>,
    pub ty: OptType,
    pub choices: Vec<String>,
    /// The default as shown to users (`default` or `default_description`).
    pub default: Option<String>,
    pub hidden: bool,
    /// A deprecation note (replacement) for the whole option.
    pub deprecated: Option<String>,
    /// Deprecated values and what they become (`tesla` -> `v100`).
    pub deprecated_values: Vec<(String, String)>,
    pub conflicts: Vec<String>,
    pub requires: Option<Requires>,
    pub description: String,
    /// Environment forms, e.g. `CML_RUNNER_CLOUD_HDD_SIZE`.
    pub env: Vec<String>,
    pub legacy_env: Vec<String>,
    /// Longer notes from the facts file (shown in hover).
    pub notes: Option<String>,
    /// Per-cloud behaviour, when the facts give one.
    pub per_cloud: Vec<(String, String)>,
    pub required: bool,
}

impl OptSpec {
    pub fn matches(&self, name: &str) -> bool {
        self.name == name
            || self.aliases.iter().any(|a| a == name)
            || camel_eq(&self.name, name)
            || self.aliases.iter().any(|a| camel_eq(a, name))
    }

    /// Short (one letter) aliases, used after a single dash.
    pub fn short_aliases(&self) -> impl Iterator<Item = &str> {
        self.aliases.iter().map(|s| s.as_str()).filter(|a| a.chars().count() == 1)
    }

    pub fn repeatable(&self) -> bool {
        self.ty == OptType::Array
    }
}

/// `camel(kebab) == candidate`, without allocating.
pub fn camel_eq(kebab: &str, candidate: &str) -> bool {
    let mut want = candidate.chars();
    let mut up = false;
    for c in kebab.chars() {
        if c == '-' {
            up = true;
            continue;
        }
        if up {
            up = false;
            for x in c.to_uppercase() {
                if want.next() != Some(x) {
                    return false;
                }
            }
        } else if want.next() != Some(c) {
            return false;
        }
    }
    want.next().is_none()
}

/// `cloud-hdd-size` -> `cloudHddSize` (yargs accepts both spellings).
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut up = false;
    for c in name.chars() {
        if c == '-' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The commands of CML 0.20.6 that take options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CmdId {
    RunnerLaunch,
    CommentCreate,
    CommentUpdate,
    PrCreate,
    CheckCreate,
    TensorboardConnect,
    AssetPublish,
    RepoPrepare,
    WorkflowRerun,
}

impl CmdId {
    pub const ALL: [CmdId; 9] = [
        CmdId::RunnerLaunch,
        CmdId::CommentCreate,
        CmdId::CommentUpdate,
        CmdId::PrCreate,
        CmdId::CheckCreate,
        CmdId::TensorboardConnect,
        CmdId::AssetPublish,
        CmdId::RepoPrepare,
        CmdId::WorkflowRerun,
    ];

    /// The current spelling, e.g. `runner launch`.
    pub fn path(self) -> &'static str {
        match self {
            CmdId::RunnerLaunch => "runner launch",
            CmdId::CommentCreate => "comment create",
            CmdId::CommentUpdate => "comment update",
            CmdId::PrCreate => "pr create",
            CmdId::CheckCreate => "check create",
            CmdId::TensorboardConnect => "tensorboard connect",
            CmdId::AssetPublish => "asset publish",
            CmdId::RepoPrepare => "repo prepare",
            CmdId::WorkflowRerun => "workflow rerun",
        }
    }
}

/// How many positional arguments a command takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arity {
    pub min: usize,
    /// `None`: any number.
    pub max: Option<usize>,
    pub name: &'static str,
}

#[derive(Clone, Debug)]
pub struct CommandSpec {
    pub id: CmdId,
    pub description: &'static str,
    pub env_prefix: String,
    pub options: Vec<OptSpec>,
    pub arity: Arity,
    /// Hidden from `cml --help` (still runs).
    pub hidden: bool,
}

/// A top-level command word and its subcommands.
#[derive(Clone, Copy, Debug)]
pub struct TopCommand {
    pub name: &'static str,
    pub description: &'static str,
    pub subcommands: &'static [(&'static str, CmdId)],
    pub hidden: bool,
}

pub const TOP_COMMANDS: &[TopCommand] = &[
    TopCommand {
        name: "runner",
        description: "Manage self-hosted (cloud & on-premise) CI runners",
        subcommands: &[("launch", CmdId::RunnerLaunch)],
        hidden: false,
    },
    TopCommand {
        name: "comment",
        description: "Manage comments",
        subcommands: &[("create", CmdId::CommentCreate), ("update", CmdId::CommentUpdate)],
        hidden: false,
    },
    TopCommand {
        name: "pr",
        description: "Manage pull requests",
        subcommands: &[("create", CmdId::PrCreate)],
        hidden: false,
    },
    TopCommand {
        name: "check",
        description: "Manage CI checks",
        subcommands: &[("create", CmdId::CheckCreate)],
        hidden: false,
    },
    TopCommand {
        name: "workflow",
        description: "Manage CI workflows",
        subcommands: &[("rerun", CmdId::WorkflowRerun)],
        hidden: false,
    },
    TopCommand {
        name: "tensorboard",
        description: "Manage tensorboard.dev connections (TensorBoard.dev shut down on 2024-01-01)",
        subcommands: &[("connect", CmdId::TensorboardConnect)],
        hidden: true,
    },
    TopCommand {
        name: "asset",
        description: "Manage assets (deprecated: reference local images in the report instead)",
        subcommands: &[("publish", CmdId::AssetPublish)],
        hidden: true,
    },
    TopCommand {
        name: "repo",
        description: "Manage repository settings",
        subcommands: &[("prepare", CmdId::RepoPrepare)],
        hidden: true,
    },
];

/// Status of an old command spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegacyStatus {
    /// Still works silently; a newer spelling exists.
    Legacy,
    /// Works but prints a deprecation notice.
    Deprecated,
    /// Parses but fails at run time.
    Dead,
}

/// An old spelling: `cml send-comment` or a `cml-send-comment` binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegacyForm {
    /// For a `cml` subcommand the word after `cml`; for a binary the binary name.
    pub old: &'static str,
    pub binary: bool,
    pub runs: CmdId,
    /// The text that replaces the command words, when there is a current form.
    pub replacement: Option<&'static str>,
    pub status: LegacyStatus,
}

pub const LEGACY_FORMS: &[LegacyForm] = &[
    LegacyForm {
        old: "send-comment",
        binary: false,
        runs: CmdId::CommentCreate,
        replacement: Some("cml comment create"),
        status: LegacyStatus::Deprecated,
    },
    LegacyForm {
        old: "send-github-check",
        binary: false,
        runs: CmdId::CheckCreate,
        replacement: Some("cml check create"),
        status: LegacyStatus::Deprecated,
    },
    LegacyForm {
        old: "publish",
        binary: false,
        runs: CmdId::AssetPublish,
        replacement: None,
        status: LegacyStatus::Deprecated,
    },
    LegacyForm {
        old: "tensorboard-dev",
        binary: false,
        runs: CmdId::TensorboardConnect,
        replacement: None,
        status: LegacyStatus::Dead,
    },
    LegacyForm {
        old: "ci",
        binary: false,
        runs: CmdId::RepoPrepare,
        replacement: Some("cml repo prepare"),
        status: LegacyStatus::Legacy,
    },
    LegacyForm {
        old: "rerun-workflow",
        binary: false,
        runs: CmdId::WorkflowRerun,
        replacement: Some("cml workflow rerun"),
        status: LegacyStatus::Deprecated,
    },
    LegacyForm {
        old: "cml-runner",
        binary: true,
        runs: CmdId::RunnerLaunch,
        replacement: Some("cml runner launch"),
        status: LegacyStatus::Legacy,
    },
    LegacyForm {
        old: "cml-send-comment",
        binary: true,
        runs: CmdId::CommentCreate,
        replacement: Some("cml comment create"),
        status: LegacyStatus::Deprecated,
    },
    LegacyForm {
        old: "cml-send-github-check",
        binary: true,
        runs: CmdId::CheckCreate,
        replacement: Some("cml check create"),
        status: LegacyStatus::Deprecated,
    },
    LegacyForm {
        old: "cml-publish",
        binary: true,
        runs: CmdId::AssetPublish,
        replacement: None,
        status: LegacyStatus::Deprecated,
    },
    LegacyForm {
        old: "cml-tensorboard-dev",
        binary: true,
        runs: CmdId::TensorboardConnect,
        replacement: None,
        status: LegacyStatus::Dead,
    },
    LegacyForm {
        old: "cml-pr",
        binary: true,
        runs: CmdId::PrCreate,
        replacement: Some("cml pr create"),
        status: LegacyStatus::Legacy,
    },
];

pub const VENDORS: [&str; 4] = ["aws", "azure", "gcp", "kubernetes"];

/// Common native regions (AWS, Azure) and zones (GCP): examples for completion, not exhaustive.
pub const COMMON_NATIVE_REGIONS: &[(&str, &[&str])] = &[
    (
        "aws",
        &[
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "ca-central-1",
            "eu-west-1",
            "eu-west-2",
            "eu-central-1",
            "eu-north-1",
            "ap-south-1",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-northeast-1",
            "sa-east-1",
        ],
    ),
    (
        "azure",
        &[
            "eastus",
            "eastus2",
            "centralus",
            "westus",
            "westus2",
            "westus3",
            "northeurope",
            "westeurope",
            "uksouth",
            "francecentral",
            "germanywestcentral",
            "japaneast",
            "southeastasia",
            "australiaeast",
        ],
    ),
    (
        "gcp",
        &[
            "us-central1-a",
            "us-central1-b",
            "us-central1-c",
            "us-central1-f",
            "us-east1-b",
            "us-east1-c",
            "us-east1-d",
            "us-east4-a",
            "us-west1-a",
            "us-west1-b",
            "us-west2-a",
            "europe-west1-b",
            "europe-west1-d",
            "europe-west4-a",
            "europe-north1-a",
            "asia-east1-a",
            "asia-southeast1-b",
        ],
    ),
];

/// Common native machine types: examples for completion, not exhaustive.
pub const COMMON_NATIVE_TYPES: &[(&str, &[&str])] = &[
    (
        "aws",
        &[
            "t3.medium",
            "m5.large",
            "m5.2xlarge",
            "c5.4xlarge",
            "g4dn.xlarge",
            "g4dn.2xlarge",
            "g5.xlarge",
            "g5.2xlarge",
            "p3.2xlarge",
        ],
    ),
    ("azure", &["Standard_D4s_v3", "Standard_F8s_v2", "Standard_NC4as_T4_v3", "Standard_NC6s_v3"]),
    ("gcp", &["e2-standard-4", "n1-standard-4", "n1-standard-8", "n2-standard-8", "a2-highgpu-1g"]),
];

pub fn common_native_regions(vendor: &str) -> &'static [&'static str] {
    COMMON_NATIVE_REGIONS.iter().find(|(v, _)| *v == vendor).map_or(&[], |(_, l)| l)
}

pub fn common_native_types(vendor: &str) -> &'static [&'static str] {
    COMMON_NATIVE_TYPES.iter().find(|(v, _)| *v == vendor).map_or(&[], |(_, l)| l)
}

/// Credentials a cloud needs in the environment of the launching step.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// All of these.
    pub required: Vec<String>,
    /// At least one of these (GCP).
    pub one_of: Vec<String>,
    pub optional: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct SetupCmlInput {
    pub name: String,
    pub default: String,
    pub description: String,
}

#[derive(Debug)]
pub struct Facts {
    pub cml_version: String,
    pub commands: Vec<CommandSpec>,
    pub globals: Vec<OptSpec>,
    pub synthetic_regions: Vec<String>,
    pub default_region: String,
    /// vendor -> synthetic region -> native value.
    pub region_map: BTreeMap<String, BTreeMap<String, String>>,
    /// vendor -> note on native values.
    pub native_region_note: BTreeMap<String, String>,
    pub size_names: Vec<String>,
    pub gpu_type_forms: Vec<String>,
    /// vendor -> synthetic type -> native type.
    pub type_map: BTreeMap<String, BTreeMap<String, String>>,
    pub synthetic_gpus: Vec<String>,
    pub native_gpu_examples: Vec<String>,
    pub credentials: BTreeMap<String, Credentials>,
    pub forge_tokens: Vec<String>,
    pub setup_cml_inputs: BTreeMap<String, Vec<SetupCmlInput>>,
    pub docker_registries: Vec<String>,
    pub legacy_images: Vec<String>,
    /// Every spelling of every option (name, alias or their camelCase) -> its index in the
    /// option list, one map per command in `CmdId::ALL` order, then one for the globals.
    /// The first option listed keeps a spelling, as a search in order would find it.
    spellings: Vec<HashMap<String, usize>>,
}

fn spellings(commands: &[CommandSpec], globals: &[OptSpec]) -> Vec<HashMap<String, usize>> {
    let lists = commands.iter().map(|c| &c.options[..]).chain([globals]);
    lists
        .map(|options| {
            let mut out = HashMap::new();
            for (i, o) in options.iter().enumerate() {
                for name in std::iter::once(&o.name).chain(&o.aliases) {
                    out.entry(name.clone()).or_insert(i);
                    out.entry(camel(name)).or_insert(i);
                }
            }
            out
        })
        .collect()
}

static FACTS: OnceLock<Facts> = OnceLock::new();

/// The tables, parsed on first use.
pub fn facts() -> &'static Facts {
    FACTS.get_or_init(|| load(FACTS_JSON))
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().map(s).collect(),
        Some(Value::String(x)) => vec![x.clone()],
        _ => Vec::new(),
    }
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    match v {
        Some(Value::Object(o)) => o.iter().map(|(k, v)| (k.clone(), s(v))).collect(),
        _ => BTreeMap::new(),
    }
}

fn opt_type(v: Option<&Value>) -> OptType {
    match v.and_then(Value::as_str) {
        Some("boolean") => OptType::Boolean,
        Some("string") => OptType::String,
        Some("number") => OptType::Number,
        Some("array") => OptType::Array,
        _ => OptType::Untyped,
    }
}

fn env_name(prefix: &str, name: &str) -> String {
    format!("{}_{}", prefix, name.to_ascii_uppercase().replace('-', "_"))
}

fn parse_option(v: &Value, env_prefix: &str) -> Option<OptSpec> {
    let name = v.get("name")?.as_str()?.to_string();
    let default = match v.get("default") {
        None | Some(Value::Null) => v.get("default_description").and_then(Value::as_str).map(str::to_string),
        Some(Value::Array(a)) if a.is_empty() => Some("[]".to_string()),
        Some(d) => Some(s(d)),
    };
    let mut deprecated = None;
    let mut deprecated_values = Vec::new();
    if let Some(Value::Object(d)) = v.get("deprecated") {
        if let Some(r) = d.get("replacement") {
            deprecated = Some(s(r));
        }
        if let Some(Value::Object(vals)) = d.get("values") {
            deprecated_values = vals.iter().map(|(k, v)| (k.clone(), s(v))).collect();
        }
    }
    let requires = match v.get("requires") {
        Some(Value::Object(r)) => match (r.get("option").and_then(Value::as_str), r.get("value")) {
            (Some("cloud"), Some(Value::String(vendor))) => Some(Requires::CloudVendor(vendor.clone())),
            (Some("cloud"), _) => Some(Requires::Cloud),
            (Some(o), _) => Some(Requires::Option(o.to_string())),
            _ => None,
        },
        _ => None,
    };
    let mut env = strings(v.get("env"));
    env.retain(|e| e.starts_with("CML_") && !e.contains(' '));
    if env.is_empty() && !env_prefix.is_empty() {
        env.push(env_name(env_prefix, &name));
    }
    Some(OptSpec {
        aliases: strings(v.get("aliases")),
        ty: opt_type(v.get("type")),
        choices: strings(v.get("choices")),
        default,
        hidden: v.get("hidden").and_then(Value::as_bool).unwrap_or(false),
        deprecated,
        deprecated_values,
        conflicts: strings(v.get("conflicts")),
        requires,
        description: v.get("description").map(s).unwrap_or_default(),
        env,
        legacy_env: strings(v.get("legacy_env")),
        notes: v.get("notes").and_then(Value::as_str).map(str::to_string),
        per_cloud: string_map(v.get("per_cloud")).into_iter().collect(),
        required: v.get("required").and_then(Value::as_bool).unwrap_or(false),
        name,
    })
}

fn parse_options(v: Option<&Value>, env_prefix: &str) -> Vec<OptSpec> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(|o| parse_option(o, env_prefix)).collect(),
        _ => Vec::new(),
    }
}

fn other_command<'a>(root: &'a Value, key: &str) -> Option<&'a Value> {
    root.get("other_commands")?.as_object()?.iter().find(|(k, _)| k.starts_with(key)).map(|(_, v)| v)
}

fn command_spec(root: &Value, id: CmdId) -> CommandSpec {
    let other = |key: &str| {
        let c = other_command(root, key);
        let prefix = c.and_then(|c| c.get("env_prefix")).and_then(Value::as_str).unwrap_or("").to_string();
        let options = parse_options(c.and_then(|c| c.get("options")), &prefix);
        let hidden = c.and_then(|c| c.get("hidden_command")).and_then(Value::as_bool).unwrap_or(false);
        (prefix, options, hidden)
    };
    let (env_prefix, options, hidden, description, arity) = match id {
        CmdId::RunnerLaunch => (
            "CML_RUNNER".to_string(),
            parse_options(root.get("runner_launch_options"), "CML_RUNNER"),
            false,
            "Launch and register a self-hosted runner (locally, or on a new cloud machine with --cloud)",
            Arity { min: 0, max: Some(0), name: "" },
        ),
        CmdId::CommentCreate | CmdId::CommentUpdate => (
            "CML_COMMENT".to_string(),
            parse_options(root.get("comment_create_options"), "CML_COMMENT"),
            false,
            if id == CmdId::CommentCreate {
                "Create a comment on a commit, pull request or issue from a markdown report"
            } else {
                "Update the last CML comment (same options as `comment create`)"
            },
            Arity { min: 1, max: Some(1), name: "<markdown file>" },
        ),
        CmdId::PrCreate => (
            "CML_PR".to_string(),
            parse_options(root.get("pr_create_options"), "CML_PR"),
            false,
            "Commit the given files to a new branch and open a pull request",
            Arity { min: 0, max: None, name: "[glob path...]" },
        ),
        CmdId::CheckCreate => {
            let (p, o, h) = other("check create");
            (
                p,
                o,
                h,
                "Create a check report (GitHub)",
                Arity { min: 1, max: Some(1), name: "<markdown file>" },
            )
        }
        CmdId::TensorboardConnect => {
            let (p, o, h) = other("tensorboard connect");
            (
                p,
                o,
                h,
                "Connect to tensorboard.dev (shut down on 2024-01-01)",
                Arity { min: 0, max: Some(0), name: "" },
            )
        }
        CmdId::AssetPublish => {
            let (p, o, h) = other("asset publish");
            (p, o, h, "Publish an asset (deprecated)", Arity { min: 1, max: Some(1), name: "<asset>" })
        }
        CmdId::RepoPrepare => {
            let (p, o, h) = other("repo prepare");
            (
                p,
                o,
                h,
                "Prepare the Git repository for CML operations",
                Arity { min: 0, max: Some(0), name: "" },
            )
        }
        CmdId::WorkflowRerun => {
            let (p, o, h) = other("workflow rerun");
            (p, o, h, "Rerun a workflow given its id", Arity { min: 0, max: Some(0), name: "" })
        }
    };
    CommandSpec { id, description, env_prefix, options, arity, hidden }
}

fn load(json: &str) -> Facts {
    let root: Value = serde_json::from_str(json).unwrap_or(Value::Null);
    let commands: Vec<CommandSpec> = CmdId::ALL.iter().map(|&id| command_spec(&root, id)).collect();
    let globals = parse_options(root.get("global_options"), "");
    let synth = root.get("synthetic").cloned().unwrap_or(Value::Null);
    let regions = synth.get("regions").cloned().unwrap_or(Value::Null);
    let mut region_map = BTreeMap::new();
    if let Some(Value::Object(m)) = regions.get("mapping") {
        for (vendor, v) in m {
            if v.is_object() {
                region_map.insert(vendor.clone(), string_map(Some(v)));
            }
        }
    }
    let types = synth.get("machine_types").cloned().unwrap_or(Value::Null);
    let mut type_map = BTreeMap::new();
    if let Some(Value::Object(m)) = types.get("mapping") {
        for (vendor, v) in m {
            let mut map = string_map(Some(v));
            map.retain(|k, _| !k.contains('_') && k != "notes");
            type_map.insert(vendor.clone(), map);
        }
    }
    let gpus = synth.get("gpus").cloned().unwrap_or(Value::Null);
    let creds = root.get("credentials_env").cloned().unwrap_or(Value::Null);
    let mut credentials = BTreeMap::new();
    for vendor in VENDORS {
        let c = creds.get(vendor);
        credentials.insert(
            vendor.to_string(),
            Credentials {
                required: strings(c.and_then(|c| c.get("required"))),
                one_of: strings(c.and_then(|c| c.get("one_of"))),
                optional: strings(c.and_then(|c| c.get("optional"))),
            },
        );
    }
    let forge_tokens = strings(creds.get("forge_token").and_then(|f| f.get("read_by_cml_in_order")));
    let mut setup_cml_inputs = BTreeMap::new();
    if let Some(Value::Object(m)) = root.get("setup_cml_action").and_then(|a| a.get("inputs_by_major")) {
        for (major, list) in m {
            let inputs = list
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|i| SetupCmlInput {
                            name: i.get("name").map(s).unwrap_or_default(),
                            default: i.get("default").map(s).unwrap_or_default(),
                            description: i.get("description").map(s).unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            setup_cml_inputs.insert(major.clone(), inputs);
        }
    }
    let images = root.get("docker_images");
    let spellings = spellings(&commands, &globals);
    Facts {
        cml_version: root
            .get("cml_version_seen")
            .and_then(|v| v.get("package_json_version"))
            .map(s)
            .unwrap_or_default(),
        commands,
        globals,
        synthetic_regions: strings(regions.get("names")),
        default_region: regions.get("default").map(s).unwrap_or_default(),
        region_map,
        native_region_note: string_map(regions.get("native")),
        size_names: strings(types.get("size_names")),
        gpu_type_forms: strings(types.get("gpu_suffix_forms")),
        type_map,
        synthetic_gpus: strings(gpus.get("synthetic"))
            .into_iter()
            .map(|g| g.split(' ').next().unwrap_or("").to_string())
            .collect(),
        native_gpu_examples: strings(gpus.get("native_examples")),
        credentials,
        forge_tokens,
        setup_cml_inputs,
        docker_registries: strings(images.and_then(|i| i.get("registries"))),
        legacy_images: strings(images.and_then(|i| i.get("legacy_names_seen_in_old_workflows"))),
        spellings,
    }
}

impl Facts {
    pub fn command(&self, id: CmdId) -> &CommandSpec {
        // `commands` is built from `CmdId::ALL` in order.
        &self.commands[CmdId::ALL.iter().position(|&c| c == id).unwrap_or(0)]
    }

    /// An option of `id` or a global option, by any of its spellings.
    pub fn option(&self, id: CmdId, name: &str) -> Option<&OptSpec> {
        let at = CmdId::ALL.iter().position(|&c| c == id).unwrap_or(0);
        match self.spellings.get(at).and_then(|m| m.get(name)) {
            Some(&i) => self.commands.get(at).and_then(|c| c.options.get(i)),
            None => self.global(name),
        }
    }

    pub fn global(&self, name: &str) -> Option<&OptSpec> {
        self.spellings.get(self.commands.len()).and_then(|m| m.get(name)).and_then(|&i| self.globals.get(i))
    }

    /// The native value of a synthetic region on `vendor`.
    pub fn region_on(&self, vendor: &str, region: &str) -> Option<&str> {
        self.region_map.get(vendor)?.get(region).map(String::as_str)
    }

    /// The native machine type of a synthetic type on `vendor`.
    pub fn type_on(&self, vendor: &str, ty: &str) -> Option<&str> {
        self.type_map.get(vendor)?.get(ty).map(String::as_str)
    }

    /// Env form of an option for a command: `CML_RUNNER_CLOUD_HDD_SIZE`.
    pub fn env_form(&self, id: CmdId, opt: &OptSpec) -> String {
        opt.env.first().cloned().unwrap_or_else(|| env_name(&self.command(id).env_prefix, &opt.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_eq_agrees_with_camel() {
        for (k, c) in
            [("cloud-hdd-size", "cloudHddSize"), ("labels", "labels"), ("a-", "a"), ("", ""), ("x-y", "xy")]
        {
            assert_eq!(camel_eq(k, c), camel(k) == c, "{k} {c}");
        }
        assert!(camel_eq("cloud-hdd-size", "cloudHddSize"));
        assert!(!camel_eq("cloud-hdd-size", "cloudHddSiz"));
        assert!(!camel_eq("cloud", "cloudX"));
    }

    #[test]
    fn loads_runner_options_from_facts() {
        let f = facts();
        assert_eq!(f.cml_version, "0.20.6");
        let launch = f.command(CmdId::RunnerLaunch);
        assert_eq!(launch.options.len(), 30);
        assert_eq!(launch.options.iter().filter(|o| o.hidden).count(), 8);
        let cloud = f.option(CmdId::RunnerLaunch, "cloud").unwrap();
        assert_eq!(cloud.choices, ["aws", "azure", "gcp", "kubernetes"]);
        assert_eq!(cloud.ty, OptType::String);
        let hdd = f.option(CmdId::RunnerLaunch, "cloudHddSize").unwrap();
        assert_eq!(hdd.name, "cloud-hdd-size");
        assert_eq!(hdd.ty, OptType::Number);
        assert_eq!(f.env_form(CmdId::RunnerLaunch, hdd), "CML_RUNNER_CLOUD_HDD_SIZE");
        let single = f.option(CmdId::RunnerLaunch, "single").unwrap();
        assert_eq!(single.conflicts, ["reuse", "reuse-idle"]);
        let subnet = f.option(CmdId::RunnerLaunch, "cloud-aws-subnet-id").unwrap();
        assert_eq!(subnet.requires, Some(Requires::CloudVendor("aws".into())));
        let price = f.option(CmdId::RunnerLaunch, "cloud-spot-price").unwrap();
        assert_eq!(price.requires, Some(Requires::Option("cloud-spot".into())));
        assert_eq!(price.default.as_deref(), Some("-1"));
        let gpu = f.option(CmdId::RunnerLaunch, "cloud-gpu").unwrap();
        assert_eq!(
            gpu.deprecated_values,
            [("tesla".to_string(), "v100".to_string()), ("nogpu".to_string(), "omit the flag".to_string())]
        );
        assert_eq!(f.option(CmdId::RunnerLaunch, "token").unwrap().name, "driver-token");
        assert_eq!(f.option(CmdId::RunnerLaunch, "log").unwrap().choices, ["error", "warn", "info", "debug"]);
    }

    #[test]
    fn loads_other_commands() {
        let f = facts();
        let check = f.command(CmdId::CheckCreate);
        assert_eq!(check.env_prefix, "CML_CHECK");
        let names: Vec<_> = check.options.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["token", "commit-sha", "conclusion", "status", "title"]);
        let tb = f.command(CmdId::TensorboardConnect);
        assert!(tb.hidden);
        assert_eq!(f.option(CmdId::TensorboardConnect, "c").unwrap().name, "credentials");
        let pr = f.command(CmdId::PrCreate);
        assert_eq!(f.option(CmdId::PrCreate, "auto-merge").unwrap().name, "merge");
        assert_eq!(pr.options.len(), 13);
        assert_eq!(f.command(CmdId::CommentUpdate).options.len(), 11);
        assert_eq!(
            f.env_form(CmdId::CommentCreate, f.option(CmdId::CommentCreate, "watch").unwrap()),
            "CML_COMMENT_WATCH"
        );
        assert_eq!(f.command(CmdId::RepoPrepare).options.len(), 4);
        assert_eq!(f.command(CmdId::WorkflowRerun).options.len(), 1);
        assert_eq!(f.command(CmdId::AssetPublish).options.len(), 9);
    }

    #[test]
    fn loads_synthetic_tables_and_credentials() {
        let f = facts();
        assert_eq!(f.synthetic_regions, ["us-east", "us-west", "eu-north", "eu-west"]);
        assert_eq!(f.default_region, "us-west");
        assert_eq!(f.region_on("aws", "us-west"), Some("us-west-1"));
        assert_eq!(f.region_on("azure", "us-west"), Some("westus2"));
        assert_eq!(f.region_on("gcp", "us-west"), Some("us-west1-b"));
        assert_eq!(f.region_on("kubernetes", "us-west"), None);
        assert_eq!(f.type_on("aws", "m+t4"), Some("g4dn.xlarge"));
        assert_eq!(f.type_on("kubernetes", "m+t4"), None);
        assert_eq!(f.type_on("kubernetes", "custom_form"), None);
        assert_eq!(f.size_names, ["s", "m", "l", "xl"]);
        assert_eq!(f.synthetic_gpus, ["k80", "v100", "t4"]);
        assert_eq!(f.credentials["aws"].required, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
        assert_eq!(f.credentials["azure"].required.len(), 4);
        assert_eq!(
            f.credentials["gcp"].one_of,
            ["GOOGLE_APPLICATION_CREDENTIALS_DATA", "GOOGLE_APPLICATION_CREDENTIALS"]
        );
        assert_eq!(f.credentials["kubernetes"].required, ["KUBERNETES_CONFIGURATION"]);
        assert_eq!(
            f.forge_tokens,
            ["REPO_TOKEN", "repo_token", "GITHUB_TOKEN", "GITLAB_TOKEN", "BITBUCKET_TOKEN"]
        );
        let v2: Vec<_> = f.setup_cml_inputs["v2"].iter().map(|i| i.name.as_str()).collect();
        assert_eq!(v2, ["version", "vega"]);
        let v1: Vec<_> = f.setup_cml_inputs["v1"].iter().map(|i| i.name.as_str()).collect();
        assert_eq!(v1, ["version", "sudo", "force"]);
        assert_eq!(
            f.docker_registries,
            ["docker.io/iterativeai/cml", "docker.io/dvcorg/cml", "ghcr.io/iterative/cml"]
        );
    }

    #[test]
    fn legacy_forms_run_known_commands() {
        for l in LEGACY_FORMS {
            assert_eq!(l.binary, l.old.starts_with("cml-"), "{}", l.old);
            if let Some(r) = l.replacement {
                assert_eq!(r, format!("cml {}", l.runs.path()));
            }
        }
    }

    #[test]
    fn load_is_fast() {
        let t = std::time::Instant::now();
        let f = load(FACTS_JSON);
        let elapsed = t.elapsed();
        assert_eq!(f.commands.len(), 9);
        // Generous bound for debug builds on a busy machine; release is well under 5 ms.
        assert!(elapsed.as_millis() < 200, "{elapsed:?}");
    }

    #[test]
    fn bad_json_gives_empty_tables() {
        let f = load("{");
        assert!(f.command(CmdId::RunnerLaunch).options.is_empty());
        assert!(f.option(CmdId::RunnerLaunch, "cloud").is_none());
    }
}
