//! `cml-lsp generate-workflow`: the wizard on the command line.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::generate::{generate, Generated, ReuseMode, WizardOptions};

/// The flags of `generate-workflow`, boxed so the command enum stays small.
#[derive(clap::Args, Debug, Default)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub flags: Box<GenerateFlags>,
}

#[derive(clap::Args, Debug, Default)]
#[command(after_help = "Examples:\n  \
    cml-lsp generate-workflow --cloud aws --gpu t4 --spot\n  \
    cml-lsp generate-workflow --forge gitlab --cloud gcp --region us-west1-b --write\n  \
    cml-lsp generate-workflow --forge bitbucket --cloud azure --labels cml.cpu --output bitbucket-pipelines.yml")]
pub struct GenerateFlags {
    /// github, gitlab or bitbucket [default: github]
    #[arg(long, value_name = "FORGE")]
    pub forge: Option<String>,
    /// aws, azure, gcp or kubernetes [default: aws]
    #[arg(long, value_name = "CLOUD")]
    pub cloud: Option<String>,
    /// Synthetic (us-east, us-west, eu-north, eu-west) or native region; a zone on GCP [default: us-west]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Synthetic size s, m, l, xl (or m+t4 style) or a native machine type [default: m]
    #[arg(long = "type", value_name = "TYPE")]
    pub machine_type: Option<String>,
    /// none, k80, v100, t4 (m+t4 only), or a native GCP accelerator [default: none]
    #[arg(long, value_name = "GPU")]
    pub gpu: Option<String>,
    /// Use a spot/preemptible machine
    #[arg(long)]
    pub spot: bool,
    /// Maximum spot price in USD per hour (needs --spot; not on GCP)
    #[arg(long, value_name = "USD", allow_negative_numbers = true)]
    pub spot_price: Option<f64>,
    /// Disk size in GB [default: 100]
    // Signed and wide, so a negative or huge size gets our message rather than clap's.
    #[arg(long, value_name = "GB", allow_negative_numbers = true)]
    pub hdd_size: Option<i64>,
    /// Do not launch when an online runner already has the labels
    #[arg(long, group = "reuse_mode")]
    pub reuse: bool,
    /// Do not launch when an idle runner already has the labels (default on GitHub and GitLab)
    #[arg(long, group = "reuse_mode")]
    pub reuse_idle: bool,
    /// The runner takes a single job, then goes away
    #[arg(long, group = "reuse_mode")]
    pub single: bool,
    /// Always launch a new runner (the default on Bitbucket)
    #[arg(long, group = "reuse_mode")]
    pub no_reuse: bool,
    /// Seconds or a duration like 10min, 1h30m before an idle runner shuts down [CML default: 5 minutes]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub idle_timeout: Option<String>,
    /// Comma-separated runner labels [default: cml]
    #[arg(long, value_name = "LABELS")]
    pub labels: Option<String>,
    /// Container image of the train job [default: iterativeai/cml:0-dvc2-base1, -gpu with a GPU]
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// File with the train job's script, `-` for stdin [default: pip install, dvc repro, cml comment create]
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// Run `dvc pull` before `dvc repro` in the default script
    #[arg(long)]
    pub dvc_pull: bool,
    /// GitHub trigger events, comma-separated [default: push,workflow_dispatch]
    #[arg(long, value_name = "EVENTS")]
    pub on: Option<String>,
    /// Workflow name (GitHub; also names the file) [default: CML]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Name of the job that launches the runner [default: deploy-runner]
    #[arg(long, value_name = "NAME")]
    pub deploy_job: Option<String>,
    /// Name of the job that trains on the runner [default: train]
    #[arg(long, value_name = "NAME")]
    pub train_job: Option<String>,
    /// Write the workflow to FILE instead of stdout (`-`: stdout)
    #[arg(long, short, value_name = "FILE", conflicts_with = "write")]
    pub output: Option<PathBuf>,
    /// Write the workflow to the forge's default path under --repo
    #[arg(long)]
    pub write: bool,
    /// Repository root for --write
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// Overwrite an existing file
    #[arg(long)]
    pub force: bool,
}

/// Builds the wizard options from the flags. `Err` is a usage error (exit 2).
pub fn options(args: &GenerateFlags, script: Option<String>) -> Result<WizardOptions, String> {
    let reuse = if args.reuse {
        Some(ReuseMode::Reuse)
    } else if args.reuse_idle {
        Some(ReuseMode::ReuseIdle)
    } else if args.single {
        Some(ReuseMode::Single)
    } else if args.no_reuse {
        Some(ReuseMode::None)
    } else {
        None
    };
    let list = |s: &Option<String>| s.as_ref().map(|s| vec![s.clone()]);
    // An explicit empty value is a mistake, not a request for the default.
    if args.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(format!(
            "--name is empty: give the workflow a name, or leave --name out for the default ({})",
            crate::generate::DEFAULT_NAME
        ));
    }
    if args.image.as_deref().is_some_and(|i| i.trim().is_empty()) {
        return Err(format!(
            "--image is empty: give an image reference, or leave --image out for the default ({}, {} with a GPU)",
            crate::generate::CPU_IMAGE,
            crate::generate::GPU_IMAGE
        ));
    }
    let hdd_size = match args.hdd_size {
        None => None,
        Some(n) => Some(u32::try_from(n).map_err(|_| {
            format!("disk size {n} GB: give a size between 1 and 65536 GB (100 is a good start)")
        })?),
    };
    Ok(WizardOptions {
        forge: args.forge.as_deref().map(str::parse).transpose()?,
        cloud: args.cloud.as_deref().map(str::parse).transpose()?,
        region: args.region.clone(),
        machine_type: args.machine_type.clone(),
        gpu: args.gpu.clone(),
        spot: Some(args.spot),
        spot_price: args.spot_price,
        hdd_size,
        reuse,
        idle_timeout: args.idle_timeout.clone(),
        labels: list(&args.labels),
        image: args.image.clone(),
        script,
        dvc_pull: Some(args.dvc_pull),
        on: list(&args.on),
        deploy_job: args.deploy_job.clone(),
        train_job: args.train_job.clone(),
        name: args.name.clone(),
    })
}

fn read_script(path: &Path) -> Result<String, String> {
    let mut s = String::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read the script from stdin: {e}"))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read the script {}: {e}", path.display()))
}

fn write_file(path: &Path, text: &str, force: bool) -> Result<(), String> {
    if !force && (path.exists() || path.is_symlink()) {
        return Err(format!("{} already exists; pass --force to overwrite it", path.display()));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn summary(g: &Generated, path: &Path) -> String {
    let mut s = format!("wrote {}\n", path.display());
    let what = match g.forge {
        crate::generate::Forge::Github => "repository secrets",
        crate::generate::Forge::Gitlab => "CI/CD variables",
        crate::generate::Forge::Bitbucket => "secured repository variables",
    };
    s.push_str(&format!("create these {what}: "));
    s.push_str(&g.secrets.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join(", "));
    s
}

pub fn run(args: GenerateArgs) -> ExitCode {
    let args = *args.flags;
    let script = match &args.script {
        Some(p) => match read_script(p) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        },
        None => None,
    };
    let generated = match options(&args, script).and_then(|o| generate(&o)) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for w in &generated.warnings {
        eprintln!("warning: {w}");
    }
    let target = if args.write {
        Some(args.repo.join(&generated.path))
    } else {
        args.output.clone().filter(|p| p.as_os_str() != "-")
    };
    match target {
        None => {
            print!("{}", generated.text);
            ExitCode::SUCCESS
        }
        Some(path) => match write_file(&path, &generated.text, args.force) {
            Ok(()) => {
                println!("{}", summary(&generated, &path));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        },
    }
}
