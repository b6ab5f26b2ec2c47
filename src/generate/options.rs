//! The wizard's choices ([`WizardOptions`]) and their validation into a [`Plan`]
//! that the renderers turn into YAML. Every rule here comes from CML's own option
//! handling (see `data/cml-facts.json`); a choice CML or the cloud would reject is an
//! error with a message that says what to pick instead.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The forge whose CI runs the workflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Forge {
    #[default]
    Github,
    Gitlab,
    Bitbucket,
}

/// The provider `cml runner launch --cloud` creates the machine on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    #[default]
    Aws,
    Azure,
    Gcp,
    Kubernetes,
}

/// How the launch step treats existing runners (CML's mutually exclusive
/// `--reuse`, `--reuse-idle` and `--single`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReuseMode {
    /// Always launch a new runner; it stops after the idle timeout.
    None,
    /// `--reuse`: skip launching when any online runner has all the labels, busy or not.
    Reuse,
    /// `--reuse-idle`: skip launching only when such a runner is online and idle.
    ReuseIdle,
    /// `--single`: the runner takes exactly one job, then goes away.
    Single,
}

/// One choice of the "set up CI" wizard. Every field is optional; see the
/// `DEFAULT_*` constants and [`Plan`] for what an absent field means.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct WizardOptions {
    /// Default: github.
    pub forge: Option<Forge>,
    /// Default: aws.
    pub cloud: Option<Cloud>,
    /// Synthetic (`us-east`, `us-west`, `eu-north`, `eu-west`) or native; default `us-west`.
    /// Not used on Kubernetes.
    pub region: Option<String>,
    /// Synthetic size `s`, `m`, `l`, `xl` (optionally `m+t4` style) or a native type; default `m`.
    #[serde(alias = "type")]
    pub machine_type: Option<String>,
    /// `none`, `k80`, `v100`, `t4`, or (GCP) a native accelerator like `nvidia-tesla-t4`.
    pub gpu: Option<String>,
    /// Ask for a spot/preemptible machine; default false.
    pub spot: Option<bool>,
    /// Maximum spot price in USD/hour (needs `spot`; not on GCP). Default: market price.
    pub spot_price: Option<f64>,
    /// Disk size in GB; default 100.
    pub hdd_size: Option<u32>,
    /// Default: `reuse-idle` on GitHub and GitLab, `none` on Bitbucket (which rejects `--reuse-idle`).
    pub reuse: Option<ReuseMode>,
    /// `--idle-timeout`: seconds or a duration like `10min`, `1h30m`. Default: CML's (5 minutes).
    pub idle_timeout: Option<String>,
    /// Runner labels; default `["cml"]`.
    pub labels: Option<Vec<String>>,
    /// Container image of the train job; default `iterativeai/cml:0-dvc2-base1` (`-gpu` with a GPU).
    pub image: Option<String>,
    /// The train job's shell script; default installs requirements, runs `dvc repro`
    /// and posts the metrics with `cml comment create report.md`.
    pub script: Option<String>,
    /// Run `dvc pull` before `dvc repro` in the default script; default false.
    pub dvc_pull: Option<bool>,
    /// GitHub trigger events; default `push` and `workflow_dispatch`.
    pub on: Option<Vec<String>>,
    /// Default `deploy-runner`.
    pub deploy_job: Option<String>,
    /// Default `train`.
    pub train_job: Option<String>,
    /// Workflow name (GitHub; also names the file). Default `CML`.
    pub name: Option<String>,
}

pub const DEFAULT_REGION: &str = "us-west";
pub const DEFAULT_TYPE: &str = "m";
pub const DEFAULT_HDD_SIZE: u32 = 100;
pub const DEFAULT_LABEL: &str = "cml";
pub const CPU_IMAGE: &str = "iterativeai/cml:0-dvc2-base1";
pub const GPU_IMAGE: &str = "iterativeai/cml:0-dvc2-base1-gpu";
pub const DEFAULT_DEPLOY_JOB: &str = "deploy-runner";
pub const DEFAULT_TRAIN_JOB: &str = "train";
pub const DEFAULT_NAME: &str = "CML";
pub const DEFAULT_EVENTS: &[&str] = &["push", "workflow_dispatch"];

/// The synthetic regions of CML/TPI.
pub const SYNTHETIC_REGIONS: &[&str] = &["us-east", "us-west", "eu-north", "eu-west"];
/// The synthetic machine sizes.
pub const SYNTHETIC_SIZES: &[&str] = &["s", "m", "l", "xl"];
/// The synthetic GPU names accepted in a `<size>+<gpu>` type.
pub const SYNTHETIC_GPUS: &[&str] = &["k80", "v100", "t4"];

/// The `<size>+<gpu>` combinations TPI maps on `cloud`.
pub fn gpu_combos(cloud: Cloud) -> &'static [&'static str] {
    match cloud {
        Cloud::Aws | Cloud::Azure | Cloud::Gcp => {
            &["m+t4", "m+k80", "l+k80", "xl+k80", "m+v100", "l+v100", "xl+v100"]
        }
        Cloud::Kubernetes => &["m+k80", "l+k80", "xl+k80", "m+v100", "l+v100", "xl+v100"],
    }
}

/// The environment variables the launch step needs for `cloud` (all from secrets).
pub fn credential_vars(cloud: Cloud) -> &'static [&'static str] {
    match cloud {
        Cloud::Aws => &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
        Cloud::Azure => {
            &["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID"]
        }
        Cloud::Gcp => &["GOOGLE_APPLICATION_CREDENTIALS_DATA"],
        Cloud::Kubernetes => &["KUBERNETES_CONFIGURATION"],
    }
}

impl Forge {
    pub const ALL: [Forge; 3] = [Forge::Github, Forge::Gitlab, Forge::Bitbucket];

    pub fn as_str(self) -> &'static str {
        match self {
            Forge::Github => "github",
            Forge::Gitlab => "gitlab",
            Forge::Bitbucket => "bitbucket",
        }
    }
}

impl Cloud {
    pub const ALL: [Cloud; 4] = [Cloud::Aws, Cloud::Azure, Cloud::Gcp, Cloud::Kubernetes];

    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
            Cloud::Gcp => "gcp",
            Cloud::Kubernetes => "kubernetes",
        }
    }
}

impl ReuseMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReuseMode::None => "none",
            ReuseMode::Reuse => "reuse",
            ReuseMode::ReuseIdle => "reuse-idle",
            ReuseMode::Single => "single",
        }
    }

    /// The CML flag, if any.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            ReuseMode::None => None,
            ReuseMode::Reuse => Some("--reuse"),
            ReuseMode::ReuseIdle => Some("--reuse-idle"),
            ReuseMode::Single => Some("--single"),
        }
    }
}

impl fmt::Display for Forge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Forge {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "github" => Ok(Forge::Github),
            "gitlab" => Ok(Forge::Gitlab),
            "bitbucket" => Ok(Forge::Bitbucket),
            _ => Err(format!("unknown forge `{s}`: choose github, gitlab or bitbucket")),
        }
    }
}

impl FromStr for Cloud {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "aws" => Ok(Cloud::Aws),
            "azure" => Ok(Cloud::Azure),
            "gcp" => Ok(Cloud::Gcp),
            "kubernetes" => Ok(Cloud::Kubernetes),
            "az" => Err("unknown cloud `az`: CML accepts `azure` (`az` is only Terraform's name)".into()),
            "k8s" => {
                Err("unknown cloud `k8s`: CML accepts `kubernetes` (`k8s` is only Terraform's name)".into())
            }
            "google" | "gce" => Err(format!("unknown cloud `{s}`: CML calls Google Cloud `gcp`")),
            _ => Err(format!("unknown cloud `{s}`: choose aws, azure, gcp or kubernetes")),
        }
    }
}

impl FromStr for ReuseMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(ReuseMode::None),
            "reuse" => Ok(ReuseMode::Reuse),
            "reuse-idle" => Ok(ReuseMode::ReuseIdle),
            "single" => Ok(ReuseMode::Single),
            _ => Err(format!("unknown runner reuse mode `{s}`: choose none, reuse, reuse-idle or single")),
        }
    }
}

/// A trigger of the GitHub workflow.
pub const GITHUB_EVENTS: &[&str] = &["push", "pull_request", "workflow_dispatch"];

/// The validated choices, every default filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub forge: Forge,
    pub cloud: Cloud,
    /// `None` on Kubernetes (its runner ignores regions).
    pub region: Option<String>,
    /// The `--cloud-type` value (`m`, `m+t4`, `g5.2xlarge`, ...).
    pub cloud_type: String,
    /// A separate `--cloud-gpu` (only for a native GCP machine type with an accelerator).
    pub cloud_gpu: Option<String>,
    /// The machine has a GPU: GPU image and `--gpus all`.
    pub gpu_machine: bool,
    pub spot: bool,
    pub spot_price: Option<f64>,
    pub hdd_size: u32,
    pub reuse: ReuseMode,
    pub idle_timeout: Option<String>,
    pub labels: Vec<String>,
    pub image: String,
    /// The train script, one command per line (LF), without a final newline.
    pub script: String,
    /// The script is our default one.
    pub default_script: bool,
    pub dvc_pull: bool,
    pub events: Vec<String>,
    pub deploy_job: String,
    pub train_job: String,
    pub name: String,
    /// Advice that does not block generation.
    pub warnings: Vec<String>,
}

fn is_label_char_github(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Labels GitHub gives every self-hosted runner; a job targeting only those would
/// land on any runner of the repository.
const GITHUB_IMPLICIT_LABELS: &[&str] = &["self-hosted", "linux", "windows", "macos", "x64", "arm", "arm64"];

fn validate_labels(forge: Forge, raw: Option<&Vec<String>>) -> Result<Vec<String>, String> {
    let mut labels: Vec<String> = Vec::new();
    match raw {
        None => labels.push(DEFAULT_LABEL.to_string()),
        Some(list) => {
            for item in list {
                // Accept "a,b" inside one item too (the CLI passes a comma list).
                for l in item.split(',') {
                    let l = l.trim();
                    if l.is_empty() {
                        return Err(
                            "empty runner label: give labels as a comma-separated list like `cml,gpu`".into(),
                        );
                    }
                    if labels.iter().any(|x| x.eq_ignore_ascii_case(l)) {
                        return Err(format!("runner label `{l}` is given twice"));
                    }
                    labels.push(l.to_string());
                }
            }
            if labels.is_empty() {
                return Err(
                    "at least one runner label is needed so the train job can target the runner".into()
                );
            }
        }
    }
    for l in &labels {
        if l.len() > 50 {
            return Err(format!("runner label `{l}` is longer than 50 characters"));
        }
        match forge {
            Forge::Github | Forge::Gitlab => {
                if !l.chars().all(is_label_char_github) || !l.starts_with(|c: char| c.is_ascii_alphanumeric())
                {
                    return Err(format!(
                        "runner label `{l}`: use letters, digits, `.`, `_` and `-`, starting with a letter or digit"
                    ));
                }
                if forge == Forge::Github && GITHUB_IMPLICIT_LABELS.iter().any(|x| x.eq_ignore_ascii_case(l))
                {
                    return Err(format!(
                        "runner label `{l}` is one GitHub gives every self-hosted runner; \
                         pick a label of your own (e.g. `cml`) so the train job lands on the cloud runner"
                    ));
                }
            }
            Forge::Bitbucket => {
                let ok = !l.is_empty()
                    && l.split('.').all(|p| {
                        !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                    });
                if !ok {
                    return Err(format!(
                        "Bitbucket runner label `{l}`: use lowercase letters and digits, optionally joined by dots \
                         (e.g. `cml` or `cml.gpu`)"
                    ));
                }
                if l == "self.hosted" || l == "linux" || l == "windows" || l == "macos" {
                    return Err(format!(
                        "runner label `{l}` is a Bitbucket system label; pick a label of your own (e.g. `cml`)"
                    ));
                }
            }
        }
    }
    if forge == Forge::Bitbucket && labels.len() > 9 {
        return Err(
            "Bitbucket allows 10 labels in `runs-on`, one of them `self.hosted`: give at most 9".into()
        );
    }
    Ok(labels)
}

fn validate_region(cloud: Cloud, raw: Option<&str>) -> Result<Option<String>, String> {
    if cloud == Cloud::Kubernetes {
        return match raw {
            Some(r) if !r.trim().is_empty() => Err(format!(
                "the Kubernetes runner ignores the region (`{}`); leave it out and pick the cluster through \
                 KUBERNETES_CONFIGURATION",
                r.trim()
            )),
            _ => Ok(None),
        };
    }
    let r = raw.map(str::trim).filter(|r| !r.is_empty()).unwrap_or(DEFAULT_REGION);
    if SYNTHETIC_REGIONS.contains(&r) {
        return Ok(Some(r.to_string()));
    }
    let ok = match cloud {
        // A region (us-east-2) or an availability zone (us-east-2b).
        Cloud::Aws => {
            let parts: Vec<&str> = r.split('-').collect();
            parts.len() >= 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
                && parts[0].len() == 2
                && parts[0].chars().all(|c| c.is_ascii_lowercase())
                && parts.last().is_some_and(|p| {
                    let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
                    let rest = &p[digits.len()..];
                    !digits.is_empty()
                        && (rest.is_empty()
                            || (rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase())))
                })
        }
        Cloud::Azure => r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        Cloud::Gcp => {
            if gcp_region_shape(r) {
                return Err(format!(
                    "GCP needs a zone, not a region: use e.g. `{r}-b` instead of `{r}` (or a synthetic region: {})",
                    SYNTHETIC_REGIONS.join(", ")
                ));
            }
            gcp_zone_shape(r)
        }
        Cloud::Kubernetes => false,
    };
    if ok {
        Ok(Some(r.to_string()))
    } else {
        let example = match cloud {
            Cloud::Aws => "us-east-2 or us-east-2b",
            Cloud::Azure => "eastus",
            _ => "us-central1-f",
        };
        let vendor = match cloud {
            Cloud::Aws => "an AWS",
            Cloud::Azure => "an Azure",
            Cloud::Gcp => "a GCP",
            Cloud::Kubernetes => "a Kubernetes",
        };
        Err(format!(
            "region `{r}` is neither a synthetic region ({}) nor {vendor} region like {example}",
            SYNTHETIC_REGIONS.join(", ")
        ))
    }
}

/// `us-west1`: letters, `-`, letters+digits.
fn gcp_region_shape(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && !parts[0].is_empty()
        && parts[1].chars().any(|c| c.is_ascii_digit())
        && parts[1].chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && parts[1].ends_with(|c: char| c.is_ascii_digit())
}

/// `us-west1-b`.
fn gcp_zone_shape(r: &str) -> bool {
    match r.rsplit_once('-') {
        Some((region, zone)) => {
            gcp_region_shape(region) && zone.len() == 1 && zone.chars().all(|c| c.is_ascii_lowercase())
        }
        None => false,
    }
}

/// Characters we accept in a native machine type or accelerator.
fn is_type_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '*')
}

/// An AWS or Azure native type whose family carries a GPU (a heuristic for the image choice).
fn native_type_has_gpu(cloud: Cloud, t: &str) -> bool {
    match cloud {
        Cloud::Aws => {
            let mut cs = t.chars();
            matches!(cs.next(), Some('g' | 'p')) && cs.next().is_some_and(|c| c.is_ascii_digit())
        }
        Cloud::Azure => t.to_ascii_lowercase().starts_with("standard_n"),
        Cloud::Gcp | Cloud::Kubernetes => t.contains('+'),
    }
}

struct MachineChoice {
    cloud_type: String,
    cloud_gpu: Option<String>,
    gpu_machine: bool,
}

fn validate_machine(
    forge: Forge,
    cloud: Cloud,
    ty: Option<&str>,
    gpu: Option<&str>,
) -> Result<MachineChoice, String> {
    let ty = ty.map(str::trim).filter(|t| !t.is_empty()).unwrap_or(DEFAULT_TYPE);
    if !ty.chars().all(is_type_char) {
        return Err(format!("machine type `{ty}` has characters CML types never contain"));
    }
    let mut gpu = match gpu.map(str::trim).filter(|g| !g.is_empty()) {
        None => None,
        Some(g) => match g.to_ascii_lowercase().as_str() {
            "none" => None,
            "nogpu" => {
                return Err(
                    "GPU `nogpu` is CML's deprecated spelling: use `none` (or leave the GPU out)".into()
                )
            }
            "tesla" => return Err("GPU `tesla` is deprecated (CML rewrites it to v100): use `v100`".into()),
            _ if !g.chars().all(is_type_char) || g.contains('+') || g.contains('*') => {
                return Err(format!("GPU `{g}` is not a GPU name"))
            }
            _ => Some(g.to_string()),
        },
    };
    // `m+t4` style: split into size and GPU.
    let mut size = ty.to_string();
    if let Some((s, g)) = ty.split_once('+') {
        if SYNTHETIC_SIZES.contains(&s) {
            if let Some(other) = &gpu {
                if !other.eq_ignore_ascii_case(g) {
                    return Err(format!(
                        "type `{ty}` already names GPU `{g}`, which differs from GPU `{other}`"
                    ));
                }
            }
            size = s.to_string();
            gpu = Some(g.to_string());
        }
    }
    if forge == Forge::Bitbucket && gpu.is_some() {
        return Err("Bitbucket runners launched by CML cannot use a GPU (iterative/cml#1015): \
                    choose a CPU machine or GitHub/GitLab"
            .into());
    }
    if SYNTHETIC_SIZES.contains(&size.as_str()) {
        let Some(g) = gpu else {
            return Ok(MachineChoice { cloud_type: size, cloud_gpu: None, gpu_machine: false });
        };
        let g = g.to_ascii_lowercase();
        let combo = format!("{size}+{g}");
        let allowed = gpu_combos(cloud);
        if !SYNTHETIC_GPUS.contains(&g.as_str()) {
            let hint = if cloud == Cloud::Gcp {
                " (a native accelerator needs a native machine type, e.g. n1-standard-4)"
            } else {
                ""
            };
            return Err(format!(
                "GPU `{g}` is not a synthetic GPU: with a synthetic size pick one of {}{hint}",
                allowed.join(", ")
            ));
        }
        if !allowed.contains(&combo.as_str()) {
            return Err(format!(
                "{cloud} has no synthetic machine `{combo}` (TPI would send the bare size and the cloud rejects it): \
                 choose one of {}",
                allowed.join(", ")
            ));
        }
        return Ok(MachineChoice { cloud_type: combo, cloud_gpu: None, gpu_machine: true });
    }
    // A native type.
    match cloud {
        Cloud::Kubernetes => {
            let (res, acc) = match ty.split_once('+') {
                Some((r, a)) => (r, Some(a)),
                None => (ty, None),
            };
            let res_ok = res.split_once('-').is_some_and(|(c, m)| {
                !c.is_empty() && !m.is_empty() && c.chars().chain(m.chars()).all(|c| c.is_ascii_digit())
            });
            let acc_ok = acc.is_none_or(|a| {
                a.split_once('*').is_some_and(|(name, n)| {
                    !name.is_empty()
                        && !name.contains('*')
                        && n.chars().all(|c| c.is_ascii_digit())
                        && !n.is_empty()
                        && !n.starts_with('0')
                })
            });
            if !res_ok || !acc_ok {
                return Err(format!(
                    "Kubernetes type `{ty}`: use a synthetic size ({}) or `<cpus>-<memoryMB>[+<accelerator>*<count>]`, \
                     e.g. 8-32000+nvidia-tesla-t4*1",
                    SYNTHETIC_SIZES.join(", ")
                ));
            }
            if gpu.is_some() {
                return Err(format!(
                    "on Kubernetes put the accelerator in the type, e.g. `{res}+nvidia-tesla-t4*1`, not in a separate GPU"
                ));
            }
            Ok(MachineChoice { cloud_type: ty.to_string(), cloud_gpu: None, gpu_machine: acc.is_some() })
        }
        Cloud::Gcp => {
            if ty.contains('+') {
                let valid =
                    ty.split_once('+').and_then(|(_, rest)| rest.split_once('*')).is_some_and(|(a, n)| {
                        !a.is_empty() && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
                    });
                if !valid {
                    return Err(format!("GCP type `{ty}`: use `<machine>+<accelerator>*<count>`"));
                }
                if gpu.is_some() {
                    return Err(format!("type `{ty}` already names its accelerator; leave the GPU out"));
                }
                return Ok(MachineChoice { cloud_type: ty.to_string(), cloud_gpu: None, gpu_machine: true });
            }
            match gpu {
                None => Ok(MachineChoice { cloud_type: ty.to_string(), cloud_gpu: None, gpu_machine: false }),
                Some(g) if g.eq_ignore_ascii_case("t4") => Err(
                    "with a native GCP machine type name the accelerator natively: `nvidia-tesla-t4` (only k80 and \
                     v100 are translated)"
                        .into(),
                ),
                Some(g) => Ok(MachineChoice {
                    cloud_type: ty.to_string(),
                    cloud_gpu: Some(g.to_ascii_lowercase()),
                    gpu_machine: true,
                }),
            }
        }
        Cloud::Aws | Cloud::Azure => {
            if ty.contains('+') || ty.contains('*') {
                return Err(format!(
                    "type `{ty}`: `+` combines a synthetic size with a GPU (e.g. m+t4); on {cloud} use one or the \
                     other"
                ));
            }
            if gpu.is_some() {
                return Err(format!(
                    "on {cloud} a native machine type already fixes its GPU (e.g. g4dn.xlarge has a T4): \
                     leave the GPU out, or use a synthetic size like m+t4"
                ));
            }
            Ok(MachineChoice {
                cloud_type: ty.to_string(),
                cloud_gpu: None,
                gpu_machine: native_type_has_gpu(cloud, ty),
            })
        }
    }
}

/// Units `timestring` (CML's duration parser) understands.
const DURATION_UNITS: &[&str] = &[
    "ms",
    "milli",
    "millisecond",
    "milliseconds",
    "s",
    "sec",
    "secs",
    "second",
    "seconds",
    "m",
    "min",
    "mins",
    "minute",
    "minutes",
    "h",
    "hr",
    "hrs",
    "hour",
    "hours",
    "d",
    "day",
    "days",
    "w",
    "wk",
    "wks",
    "week",
    "weeks",
];

fn validate_idle_timeout(raw: Option<&str>) -> Result<Option<String>, String> {
    let Some(t) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.eq_ignore_ascii_case("never") {
        return Err("idle timeout `never` does not work with a cloud runner (Terraform needs a number): \
                    give seconds (0 or less disables it) or a duration such as `1h`"
            .into());
    }
    let digits = t.strip_prefix('-').unwrap_or(t);
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return if digits.len() > 9 {
            Err(format!("idle timeout `{t}` is too large"))
        } else {
            Ok(Some(t.to_string()))
        };
    }
    // <number><unit> repeated, e.g. 1h30m, 10min, 1.5h.
    let mut rest = t;
    let mut parts = 0;
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let num = &rest[..n];
        if num.is_empty() || num.starts_with('.') || num.ends_with('.') || num.matches('.').count() > 1 {
            return Err(idle_err(t));
        }
        rest = &rest[n..];
        let u = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let unit = &rest[..u];
        if !DURATION_UNITS.contains(&unit.to_ascii_lowercase().as_str()) {
            return Err(idle_err(t));
        }
        rest = &rest[u..];
        parts += 1;
    }
    if parts == 0 {
        return Err(idle_err(t));
    }
    Ok(Some(t.to_string()))
}

fn idle_err(t: &str) -> String {
    format!(
        "idle timeout `{t}`: give whole seconds (e.g. 600) or a duration without spaces (e.g. 10min, 1h30m)"
    )
}

fn validate_image(
    raw: Option<&str>,
    gpu_machine: bool,
    warnings: &mut Vec<String>,
) -> Result<String, String> {
    let Some(img) = raw.map(str::trim).filter(|i| !i.is_empty()) else {
        return Ok(if gpu_machine { GPU_IMAGE } else { CPU_IMAGE }.to_string());
    };
    let ok = img.starts_with(|c: char| c.is_ascii_alphanumeric())
        && img.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@'))
        || img.strip_prefix("docker://").is_some_and(|i| {
            !i.is_empty()
                && i.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@'))
        });
    if !ok {
        return Err(format!("container image `{img}` is not an image reference like `{CPU_IMAGE}`"));
    }
    let gpu_image = img.contains("gpu");
    if gpu_machine && !gpu_image {
        warnings.push(format!(
            "the machine has a GPU but image `{img}` does not look like a GPU image (e.g. {GPU_IMAGE}); \
             CUDA must be in the image for the job to use the GPU"
        ));
    }
    if !gpu_machine && gpu_image {
        warnings.push(format!("image `{img}` looks like a GPU image but the machine has no GPU"));
    }
    Ok(img.to_string())
}

fn validate_job_name(what: &str, raw: Option<&str>, default: &str, forge: Forge) -> Result<String, String> {
    let n = raw.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(default);
    let ok = n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && n.len() <= 100;
    if !ok {
        return Err(format!(
            "{what} name `{n}`: start with a letter or `_`, then use letters, digits, `_` and `-`"
        ));
    }
    const GITLAB_RESERVED: &[&str] = &[
        "image",
        "services",
        "stages",
        "types",
        "before_script",
        "after_script",
        "variables",
        "cache",
        "include",
        "workflow",
        "default",
        "spec",
    ];
    if forge == Forge::Gitlab && GITLAB_RESERVED.contains(&n) {
        return Err(format!("{what} name `{n}` is a GitLab CI keyword, not a job name"));
    }
    Ok(n.to_string())
}

/// The default training script: one command per line.
pub fn default_script(dvc_pull: bool) -> String {
    let mut s = String::from("pip install -r requirements.txt\n");
    if dvc_pull {
        s.push_str("dvc pull\n");
    }
    s.push_str(
        "dvc repro\n\
         echo '## Metrics' > report.md\n\
         dvc metrics show --md >> report.md\n\
         echo '## Changes against the last commit' >> report.md\n\
         dvc metrics diff --md >> report.md\n\
         cml comment create report.md",
    );
    s
}

fn validate_script(raw: Option<&str>, dvc_pull: bool) -> Result<(String, bool), String> {
    let Some(s) = raw else {
        return Ok((default_script(dvc_pull), true));
    };
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    if let Some(c) = s.chars().find(|&c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{feff}') {
        return Err(format!("the training script contains the control character U+{:04X}", c as u32));
    }
    // Drop blank lines at both ends and trailing spaces.
    let lines: Vec<&str> = s.lines().map(str::trim_end).collect();
    let first = lines.iter().position(|l| !l.is_empty());
    let last = lines.iter().rposition(|l| !l.is_empty());
    let (Some(first), Some(last)) = (first, last) else {
        return Err("the training script is empty".into());
    };
    let body = lines[first..=last].join("\n");
    if dvc_pull {
        return Err("`dvc pull` only changes the default script; add it to your own script instead".into());
    }
    Ok((body, false))
}

fn validate_events(forge: Forge, raw: Option<&Vec<String>>) -> Result<Vec<String>, String> {
    let Some(list) = raw else {
        return Ok(if forge == Forge::Github {
            DEFAULT_EVENTS.iter().map(|s| s.to_string()).collect()
        } else {
            vec![]
        });
    };
    if forge != Forge::Github {
        return Err(format!(
            "trigger events apply to GitHub workflows only; {forge} runs the pipeline on every push"
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for item in list {
        for e in item.split(',') {
            let e = e.trim();
            if e.is_empty() {
                continue;
            }
            if e == "pull_request_target" {
                return Err(
                    "`pull_request_target` runs with secrets on code from forks; use `pull_request`".into()
                );
            }
            if e == "schedule" {
                return Err(
                    "`schedule` needs a cron expression: add it to the generated workflow by hand".into()
                );
            }
            if !GITHUB_EVENTS.contains(&e) {
                return Err(format!("trigger `{e}`: choose from {}", GITHUB_EVENTS.join(", ")));
            }
            if !out.iter().any(|x| x == e) {
                out.push(e.to_string());
            }
        }
    }
    if out.is_empty() {
        return Err(format!("give at least one trigger event ({})", GITHUB_EVENTS.join(", ")));
    }
    Ok(out)
}

fn validate_name(raw: Option<&str>) -> Result<String, String> {
    let n = raw.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(DEFAULT_NAME);
    // Workflow names are free text in any script; only line breaks are refused.
    if n.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')) {
        return Err("the workflow name must be a single line of text".into());
    }
    if n.chars().count() > 100 {
        return Err("the workflow name is longer than 100 characters".into());
    }
    Ok(n.to_string())
}

/// File-name form of a workflow name: its ASCII letters and digits, lowercased, joined by `-`.
/// When that loses letters or digits of other scripts (`训练`), or leaves nothing (`🚀`), the
/// FNV-1a hash of the whole name follows as 8 hex digits (`cml-` when nothing else is left),
/// so different names get different files and the same name always the same file.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    let mut lost = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else {
            lost |= c.is_alphanumeric() || (!c.is_ascii() && !c.is_whitespace());
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() && !name.trim().is_empty() {
        lost = true;
        out.push_str("cml");
    }
    if lost {
        let mut h: u32 = 0x811c_9dc5;
        for b in name.bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        out.push_str(&format!("-{h:08x}"));
    }
    out
}

/// "an" before a number read aloud with a vowel sound (8, 11, 18, 80-89, 800-899, 11,000, ...), else "a".
fn article_of_number(n: u32) -> &'static str {
    let digits = n.to_string();
    let eleven_or_eighteen = digits.len() % 3 == 2 && (digits.starts_with("11") || digits.starts_with("18"));
    if digits.starts_with('8') || eleven_or_eighteen {
        "an"
    } else {
        "a"
    }
}

/// Checks every choice and fills in the defaults.
pub fn plan(opts: &WizardOptions) -> Result<Plan, String> {
    let forge = opts.forge.unwrap_or_default();
    let cloud = opts.cloud.unwrap_or_default();
    let mut warnings = Vec::new();
    let region = validate_region(cloud, opts.region.as_deref())?;
    let machine = validate_machine(forge, cloud, opts.machine_type.as_deref(), opts.gpu.as_deref())?;
    if machine.cloud_type.contains("k80") || machine.cloud_gpu.as_deref().is_some_and(|g| g.contains("k80")) {
        // Name only the chosen cloud's K80 families; a Kubernetes cluster's nodes are its own.
        let families = match cloud {
            Cloud::Aws => "K80 machine families (AWS p2) are",
            Cloud::Azure => "K80 machine families (Azure NC v1) are",
            Cloud::Gcp => "K80 accelerators (GCP nvidia-tesla-k80) are",
            Cloud::Kubernetes => "K80 GPUs are",
        };
        warnings.push(format!("{families} retired or being retired; prefer v100 or t4"));
    }
    let spot = opts.spot.unwrap_or(false);
    if spot && cloud == Cloud::Kubernetes {
        return Err(
            "spot machines do not exist on Kubernetes (CML ignores the flag there): turn spot off".into()
        );
    }
    let spot_price = match opts.spot_price {
        None => None,
        Some(p) => {
            if !spot {
                return Err("a maximum spot price needs spot turned on".into());
            }
            if cloud == Cloud::Gcp {
                return Err("GCP preemptible machines have no bidding price: leave the spot price out \
                            (CML fails with any value but -1)"
                    .into());
            }
            if p == -1.0 {
                None
            } else if !p.is_finite() || p <= 0.0 || p > 1000.0 {
                return Err(format!(
                    "spot price `{p}`: give the maximum USD per hour as a positive number, e.g. 0.5"
                ));
            } else {
                Some(p)
            }
        }
    };
    let hdd_size = opts.hdd_size.unwrap_or(DEFAULT_HDD_SIZE);
    if hdd_size == 0 || hdd_size > 65536 {
        return Err(format!(
            "disk size {hdd_size} GB: give a size between 1 and 65536 GB (100 is a good start)"
        ));
    }
    if hdd_size < 35 {
        warnings.push(format!(
            "{} {hdd_size} GB disk is small: full disks have left runners hung (iterative/cml#1006); 100 GB is safer",
            article_of_number(hdd_size)
        ));
    }
    let reuse = match opts.reuse {
        Some(ReuseMode::ReuseIdle) if forge == Forge::Bitbucket => return Err(
            "`--reuse-idle` is not supported on Bitbucket (CML fails with \"unsupported by bitbucket\"): \
                        use reuse, single or none"
                .into(),
        ),
        Some(m) => m,
        None if forge == Forge::Bitbucket => ReuseMode::None,
        None => ReuseMode::ReuseIdle,
    };
    let idle_timeout = validate_idle_timeout(opts.idle_timeout.as_deref())?;
    let labels = validate_labels(forge, opts.labels.as_ref())?;
    if cloud == Cloud::Kubernetes
        && forge == Forge::Github
        && opts.image.as_deref().is_some_and(|i| !i.trim().is_empty())
    {
        return Err(
            "on Kubernetes the GitHub train job runs directly in the runner's pod (a CML image without \
                    Docker), so it cannot use a job image: leave the image out"
                .into(),
        );
    }
    let image = validate_image(opts.image.as_deref(), machine.gpu_machine, &mut warnings)?;
    let dvc_pull = opts.dvc_pull.unwrap_or(false);
    let (script, default_script) = validate_script(opts.script.as_deref(), dvc_pull)?;
    let events = validate_events(forge, opts.on.as_ref())?;
    let deploy_job = validate_job_name("deploy job", opts.deploy_job.as_deref(), DEFAULT_DEPLOY_JOB, forge)?;
    let train_job = validate_job_name("train job", opts.train_job.as_deref(), DEFAULT_TRAIN_JOB, forge)?;
    if deploy_job == train_job {
        return Err(format!("the deploy and train jobs are both named `{deploy_job}`"));
    }
    let name = validate_name(opts.name.as_deref())?;
    if cloud == Cloud::Kubernetes && forge != Forge::Github {
        warnings.push(format!(
            "on Kubernetes the {forge} runner runs in a pod and needs Docker there for the job image; \
             this combination is untested"
        ));
    }
    Ok(Plan {
        forge,
        cloud,
        region,
        cloud_type: machine.cloud_type,
        cloud_gpu: machine.cloud_gpu,
        gpu_machine: machine.gpu_machine,
        spot,
        spot_price,
        hdd_size,
        reuse,
        idle_timeout,
        labels,
        image,
        script,
        default_script,
        dvc_pull,
        events,
        deploy_job,
        train_job,
        name,
        warnings,
    })
}
