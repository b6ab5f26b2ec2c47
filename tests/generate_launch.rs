//! The `cml runner launch` line of every generated variant, checked against CML's own
//! option rules as recorded in `data/cml-facts.json` (strict mode: unknown options,
//! wrong types, values outside the choices and conflicting flags all fail), plus the
//! forge wiring the workflow checks enforce (labels, credentials, timeout, GPU options).

use std::collections::BTreeSet;

use cml_lsp::generate::{
    credential_vars, generate, gpu_combos, Cloud, Forge, Generated, ReuseMode, WizardOptions,
    SYNTHETIC_REGIONS, SYNTHETIC_SIZES,
};
use serde_json::Value;

fn facts() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/cml-facts.json");
    let text = std::fs::read_to_string(path).expect("data/cml-facts.json");
    serde_json::from_str(&text).expect("facts parse")
}

struct Opt {
    names: Vec<String>,
    ty: String,
    choices: Option<Vec<String>>,
    conflicts: Vec<String>,
    hidden: bool,
    requires_cloud: Option<String>,
}

fn options(f: &Value) -> Vec<Opt> {
    let mut out = Vec::new();
    for key in ["runner_launch_options", "global_options"] {
        for o in f[key].as_array().expect("options array") {
            let mut names = vec![o["name"].as_str().expect("name").to_string()];
            for a in o["aliases"].as_array().into_iter().flatten() {
                names.push(a.as_str().expect("alias").to_string());
            }
            out.push(Opt {
                names,
                ty: o["type"].as_str().unwrap_or("string").to_string(),
                choices: o["choices"]
                    .as_array()
                    .map(|c| c.iter().map(|v| v.as_str().expect("choice").to_string()).collect()),
                conflicts: o["conflicts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| v.as_str().expect("conflict").to_string())
                    .collect(),
                hidden: o["hidden"].as_bool().unwrap_or(false),
                requires_cloud: o["requires"]["value"].as_str().map(str::to_string),
            });
        }
    }
    out
}

/// Splits a shell command line: whitespace-separated words, single quotes, `\`-newline.
fn shell_split(s: &str) -> Vec<String> {
    let s = s.replace("\\\n", " ");
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// The `cml runner launch ...` command in the workflow text, continuation lines joined.
fn launch_command(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start =
        lines.iter().position(|l| l.trim_start().starts_with("cml runner launch")).expect("launch line");
    let mut cmd = String::new();
    for l in &lines[start..] {
        cmd.push_str(l.trim());
        cmd.push('\n');
        if !l.ends_with('\\') {
            break;
        }
    }
    assert_eq!(text.matches("cml runner launch").count(), 1, "one launch command");
    cmd
}

fn check_launch(f: &Value, opts: &[Opt], forge: Forge, cloud: Cloud, g: &Generated) -> Result<(), String> {
    let words = shell_split(&launch_command(&g.text));
    if words.len() < 4 || words[..3] != ["cml", "runner", "launch"] {
        return Err(format!("not a launch command: {words:?}"));
    }
    let args = &words[3..];
    // The metadata matches the text.
    let meta: Vec<String> = g.launch_args.iter().flat_map(|a| shell_split(a)).collect();
    if meta != args {
        return Err(format!("launch_args {meta:?} differ from the text {args:?}"));
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut values = std::collections::BTreeMap::new();
    for a in args {
        let body = a.strip_prefix("--").ok_or_else(|| format!("`{a}` is not an option (strict mode)"))?;
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let opt = opts
            .iter()
            .find(|o| o.names.iter().any(|n| n == name))
            .ok_or_else(|| format!("unknown option --{name} (yargs strict mode rejects it)"))?;
        if opt.hidden {
            return Err(format!("--{name} is a hidden option"));
        }
        let canonical = opt.names[0].clone();
        if !seen.insert(canonical.clone()) {
            return Err(format!("--{name} given twice"));
        }
        match (opt.ty.as_str(), value) {
            ("boolean", None) => {}
            ("boolean", Some(v)) if v == "true" || v == "false" => {}
            ("boolean", Some(v)) => return Err(format!("boolean --{name} with value {v}")),
            (_, None) => return Err(format!("--{name} needs a value")),
            ("number", Some(v)) => {
                v.parse::<f64>().map_err(|_| format!("--{name}={v} is not a number"))?;
            }
            (_, Some("")) => return Err(format!("--{name} with an empty value")),
            (_, Some(_)) => {}
        }
        if let (Some(choices), Some(v)) = (&opt.choices, value) {
            if !choices.iter().any(|c| c == v) {
                return Err(format!("--{name}={v} is not one of {choices:?}"));
            }
        }
        if let Some(c) = &opt.requires_cloud {
            if c != cloud.as_str() {
                return Err(format!("--{name} only applies to --cloud={c}"));
            }
        }
        values.insert(canonical, value.map(str::to_string));
    }
    for o in opts {
        if seen.contains(&o.names[0]) {
            for c in &o.conflicts {
                if seen.contains(c) {
                    return Err(format!("--{} conflicts with --{c}", o.names[0]));
                }
            }
        }
    }
    // Cloud and forge rules from the facts.
    let get = |k: &str| values.get(k).cloned().flatten();
    if get("cloud").as_deref() != Some(cloud.as_str()) {
        return Err(format!("--cloud is {:?}, wanted {cloud}", get("cloud")));
    }
    if cloud == Cloud::Gcp && seen.contains("cloud-spot-price") {
        return Err("--cloud-spot-price with gcp (facts: must stay -1)".into());
    }
    if seen.contains("cloud-spot-price") && !seen.contains("cloud-spot") {
        return Err("--cloud-spot-price without --cloud-spot".into());
    }
    if forge == Forge::Bitbucket && seen.contains("reuse-idle") {
        return Err("--reuse-idle on bitbucket".into());
    }
    if cloud == Cloud::Kubernetes && (seen.contains("cloud-spot") || seen.contains("cloud-region")) {
        return Err("spot/region are ignored by the kubernetes runner".into());
    }
    let synth = &f["synthetic"];
    if let Some(region) = get("cloud-region") {
        let names: Vec<&str> =
            synth["regions"]["names"].as_array().expect("regions").iter().filter_map(Value::as_str).collect();
        let is_zone = |r: &str| {
            r.rsplit_once('-').is_some_and(|(reg, z)| {
                z.len() == 1 && reg.ends_with(|c: char| c.is_ascii_digit()) && reg.contains('-')
            })
        };
        if !names.contains(&region.as_str()) && cloud == Cloud::Gcp && !is_zone(&region) {
            return Err(format!("GCP native region {region} is not a zone"));
        }
    }
    let ty = get("cloud-type").ok_or("no --cloud-type")?;
    let sizes: Vec<&str> = synth["machine_types"]["size_names"]
        .as_array()
        .expect("sizes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let size = ty.split('+').next().unwrap_or("");
    if sizes.contains(&size) {
        let mapping = &synth["machine_types"]["mapping"][cloud.as_str()];
        if mapping.get(&ty).is_none() {
            return Err(format!("synthetic type {ty} has no {cloud} mapping in the facts"));
        }
    }
    let labels: Vec<String> = get("labels").ok_or("no --labels")?.split(',').map(str::to_string).collect();
    if labels != g.labels {
        return Err(format!("--labels {labels:?} differ from the metadata {:?}", g.labels));
    }
    Ok(())
}

/// The train job targets every label; credentials and tokens are wired per forge.
fn check_wiring(f: &Value, forge: Forge, cloud: Cloud, g: &Generated) -> Result<(), String> {
    let t = &g.text;
    let list = g.labels.join(", ");
    let target = match forge {
        Forge::Github => format!("runs-on: [self-hosted, {list}]"),
        Forge::Gitlab => format!("tags: [{list}]"),
        Forge::Bitbucket => format!("runs-on: [self.hosted, {list}]"),
    };
    if t.matches(&target).count() != 1 {
        return Err(format!("train job does not target the runner with `{target}`"));
    }
    let creds = &f["credentials_env"][cloud.as_str()];
    let needed: Vec<&str> = match creds["required"].as_array() {
        Some(r) => r.iter().filter_map(Value::as_str).collect(),
        None => vec![creds["one_of"][0].as_str().expect("one_of")],
    };
    let secret_names: Vec<&str> = g.secrets.iter().map(|s| s.name.as_str()).collect();
    for v in &needed {
        if !secret_names.contains(v) {
            return Err(format!("secret {v} missing from the metadata"));
        }
        if !t.contains(&format!("#   {v}: ")) {
            return Err(format!("secret {v} not named in the header comment"));
        }
    }
    match forge {
        Forge::Github => {
            for v in &needed {
                let line = format!("          {v}: ${{{{ secrets.{v} }}}}\n");
                if !t.contains(&line) {
                    return Err(format!("launch step env lacks {v}"));
                }
            }
            if t.matches("REPO_TOKEN: ${{ secrets.PERSONAL_ACCESS_TOKEN }}").count() != 2 {
                return Err("REPO_TOKEN must come from the PAT secret in both jobs".into());
            }
            if t.contains("secrets.GITHUB_TOKEN") {
                return Err("GITHUB_TOKEN cannot register runners".into());
            }
            if !t.contains("    timeout-minutes: 50400\n") {
                return Err("train job lacks timeout-minutes: 50400".into());
            }
            if !t.contains("    needs: ") {
                return Err("train job lacks needs".into());
            }
            let gpu_image = t.contains("-gpu\n");
            if gpu_image != t.contains("      options: --gpus all\n") {
                return Err("GPU container without --gpus all (or the reverse)".into());
            }
        }
        Forge::Gitlab => {
            if !t.contains("stages: [deploy, train]\n")
                || !t.contains("  stage: train\n")
                || !t.contains("  needs: [")
            {
                return Err("GitLab stages/needs missing".into());
            }
            if secret_names.first() != Some(&"REPO_TOKEN") {
                return Err("REPO_TOKEN variable missing".into());
            }
        }
        Forge::Bitbucket => {
            let deploy = t.find("name: deploy-runner").ok_or("no deploy step")?;
            let train = t.find("name: train").ok_or("no train step")?;
            if deploy > train {
                return Err("deploy step must come first".into());
            }
            if secret_names.first() != Some(&"REPO_TOKEN") || !t.contains("base64") {
                return Err("Bitbucket REPO_TOKEN (base64 user:app password) missing".into());
            }
        }
    }
    // Images are real CML tags.
    let tags: Vec<&str> = f["docker_images"]["all_current_tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for line in t.lines() {
        if let Some(img) =
            line.trim().strip_prefix("image: ").or_else(|| line.trim().strip_prefix("container: "))
        {
            let tag =
                img.strip_prefix("iterativeai/cml:").ok_or_else(|| format!("unexpected image {img}"))?;
            if !tags.contains(&tag) {
                return Err(format!("image tag {tag} is not a CML image tag"));
            }
        }
    }
    Ok(())
}

/// Every variant the validators also run: forge x cloud x GPU/CPU x spot (with and
/// without a price), plus the reuse modes. Returns (options, expected error prefix).
fn variants() -> Vec<(String, WizardOptions, Option<&'static str>)> {
    let mut out = Vec::new();
    out.push(("defaults".to_string(), WizardOptions::default(), None));
    for forge in Forge::ALL {
        for cloud in Cloud::ALL {
            for gpu in [false, true] {
                for spot in [0, 1, 2] {
                    let opts = WizardOptions {
                        forge: Some(forge),
                        cloud: Some(cloud),
                        gpu: gpu.then(|| if cloud == Cloud::Kubernetes { "v100" } else { "t4" }.to_string()),
                        spot: Some(spot > 0),
                        spot_price: (spot == 2).then_some(0.5),
                        ..Default::default()
                    };
                    let err = if forge == Forge::Bitbucket && gpu {
                        Some("Bitbucket runners launched by CML cannot use a GPU")
                    } else if cloud == Cloud::Kubernetes && spot > 0 {
                        Some("spot machines do not exist on Kubernetes")
                    } else if cloud == Cloud::Gcp && spot == 2 {
                        Some("GCP preemptible machines have no bidding price")
                    } else {
                        None
                    };
                    let name = format!(
                        "{forge}-{cloud}-{}-{}",
                        if gpu { "gpu" } else { "cpu" },
                        ["ondemand", "spot", "spotprice"][spot]
                    );
                    out.push((name, opts, err));
                }
            }
            for mode in [ReuseMode::None, ReuseMode::Reuse, ReuseMode::ReuseIdle, ReuseMode::Single] {
                let opts = WizardOptions {
                    forge: Some(forge),
                    cloud: Some(cloud),
                    reuse: Some(mode),
                    idle_timeout: Some("15min".into()),
                    ..Default::default()
                };
                let err = (forge == Forge::Bitbucket && mode == ReuseMode::ReuseIdle)
                    .then_some("`--reuse-idle` is not supported on Bitbucket");
                out.push((format!("{forge}-{cloud}-{}", mode.as_str()), opts, err));
            }
        }
    }
    out
}

#[test]
fn every_variant_passes_cml_option_rules() {
    let f = facts();
    let opts = options(&f);
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, o, expect_err) in variants() {
        let forge = o.forge.unwrap_or_default();
        let cloud = o.cloud.unwrap_or_default();
        match (generate(&o), expect_err) {
            (Ok(g), None) => {
                checked += 1;
                if let Err(e) = check_launch(&f, &opts, forge, cloud, &g)
                    .and_then(|()| check_wiring(&f, forge, cloud, &g))
                {
                    failures.push(format!("{name}: {e}"));
                }
            }
            (Err(e), Some(prefix)) if e.starts_with(prefix) => {}
            (Err(e), Some(prefix)) => {
                failures.push(format!("{name}: error `{e}` does not start with `{prefix}`"))
            }
            (Err(e), None) => failures.push(format!("{name}: unexpected error {e}")),
            (Ok(_), Some(prefix)) => {
                failures.push(format!("{name}: generated although it should fail with `{prefix}`"))
            }
        }
    }
    assert_eq!(failures, Vec::<String>::new());
    // 121 variants, 31 of them invalid on purpose.
    assert_eq!(checked, 90);
}

#[test]
fn tables_agree_with_the_facts() {
    let f = facts();
    let synth = &f["synthetic"];
    let regions: Vec<&str> =
        synth["regions"]["names"].as_array().expect("regions").iter().filter_map(Value::as_str).collect();
    assert_eq!(SYNTHETIC_REGIONS, regions.as_slice());
    let sizes: Vec<&str> = synth["machine_types"]["size_names"]
        .as_array()
        .expect("sizes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(SYNTHETIC_SIZES, sizes.as_slice());
    for cloud in Cloud::ALL {
        let mapping = synth["machine_types"]["mapping"][cloud.as_str()].as_object().expect("mapping");
        let mut want: Vec<&str> =
            mapping.keys().map(String::as_str).filter(|k| k.contains('+') && !k.contains('_')).collect();
        want.sort_unstable();
        let mut have = gpu_combos(cloud).to_vec();
        have.sort_unstable();
        assert_eq!(have, want, "{cloud}");
        let creds = &f["credentials_env"][cloud.as_str()];
        let want: Vec<&str> = match creds["required"].as_array() {
            Some(r) => r.iter().filter_map(Value::as_str).collect(),
            None => vec![creds["one_of"][0].as_str().expect("one_of")],
        };
        assert_eq!(credential_vars(cloud), want.as_slice(), "{cloud}");
    }
    let cloud_choices: Vec<&str> = f["runner_launch_options"]
        .as_array()
        .expect("options")
        .iter()
        .find(|o| o["name"] == "cloud")
        .expect("cloud option")["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(Cloud::ALL.map(Cloud::as_str).as_slice(), cloud_choices.as_slice());
}

#[test]
fn launch_rules_catch_bad_lines() {
    // The checker itself must fail on what CML rejects.
    let f = facts();
    let opts = options(&f);
    let good = generate(&WizardOptions::default()).expect("defaults");
    let mutate = |from: &str, to: &str| {
        let mut g = good.clone();
        g.text = g.text.replace(from, to);
        g.launch_args = g.launch_args.iter().map(|a| a.replace(from.trim(), to.trim())).collect();
        check_launch(&f, &opts, Forge::Github, Cloud::Aws, &g)
    };
    assert_eq!(
        mutate("--reuse-idle", "--reuse-idel"),
        Err("unknown option --reuse-idel (yargs strict mode rejects it)".into())
    );
    assert_eq!(
        mutate("--cloud=aws", "--cloud=az"),
        Err("--cloud=az is not one of [\"aws\", \"azure\", \"gcp\", \"kubernetes\"]".into())
    );
    assert_eq!(
        mutate("--cloud-hdd-size=100", "--cloud-hdd-size=big"),
        Err("--cloud-hdd-size=big is not a number".into())
    );
    assert_eq!(mutate("--reuse-idle", "--single --reuse"), Err("--single conflicts with --reuse".into()));
    assert_eq!(
        mutate("--cloud-type=m", "--cloud-type=l+t4"),
        Err("synthetic type l+t4 has no aws mapping in the facts".into())
    );
    assert!(check_launch(&f, &opts, Forge::Github, Cloud::Aws, &good).is_ok());
}

/// The project's own CML workflow rules (`workflow::analyze_workflow`, which `check` will
/// run) find nothing in any generated variant or add-a-runner-job result.
#[test]
fn workflow_rules_find_nothing() {
    use cml_lsp::kind::FileKind;
    let kind_of = |forge: Forge| match forge {
        Forge::Github => FileKind::GithubWorkflow,
        Forge::Gitlab => FileKind::GitlabCi,
        Forge::Bitbucket => FileKind::Bitbucket,
    };
    let mut files: Vec<(String, FileKind, String)> = Vec::new();
    for (name, o, err) in variants() {
        if err.is_none() {
            let g = generate(&o).expect("valid variant");
            files.push((name, kind_of(g.forge), g.text));
        }
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/generate/insert");
    for entry in std::fs::read_dir(dir).expect("insert goldens") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        if !name.ends_with(".out.yml") {
            continue;
        }
        let forge = if name.starts_with("github") {
            Forge::Github
        } else if name.starts_with("gitlab") {
            Forge::Gitlab
        } else {
            Forge::Bitbucket
        };
        files.push((name, kind_of(forge), std::fs::read_to_string(&path).expect("read")));
    }
    let mut findings = Vec::new();
    for (name, kind, text) in &files {
        let y = cml_lsp::yaml::parse(text);
        for d in cml_lsp::workflow::analyze_workflow(&y, text, *kind) {
            findings.push(format!("{name}: {}[{}] {}", d.severity.as_str(), d.code, d.message));
        }
    }
    assert_eq!(findings, Vec::<String>::new());
    assert_eq!(files.len(), 98);
}

/// Control for the test above: the rules do fire on a broken variant.
#[test]
fn workflow_rules_fire_on_a_broken_variant() {
    let g = generate(&WizardOptions::default()).expect("defaults");
    let broken = g.text.replace("--reuse-idle", "--reuse-idle --single");
    let y = cml_lsp::yaml::parse(&broken);
    let codes: Vec<&str> =
        cml_lsp::workflow::analyze_workflow(&y, &broken, cml_lsp::kind::FileKind::GithubWorkflow)
            .iter()
            .map(|d| d.code)
            .collect();
    assert!(codes.contains(&"cml-conflicting-options"), "{codes:?}");
}
