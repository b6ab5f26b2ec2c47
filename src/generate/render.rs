//! Text of the generated workflows, one function per forge. Output is LF, two-space
//! indented, and ends with one newline.

use std::fmt::Write as _;

use super::options::{credential_vars, Cloud, Forge, Plan};

/// A secret or CI/CD variable the user must create.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    pub name: String,
    pub description: String,
}

/// The arguments after `cml runner launch`, in a fixed order.
pub fn launch_args(p: &Plan) -> Vec<String> {
    let mut a = vec![format!("--cloud={}", p.cloud)];
    if let Some(r) = &p.region {
        a.push(format!("--cloud-region={r}"));
    }
    a.push(format!("--cloud-type={}", shell_word(&p.cloud_type)));
    if let Some(g) = &p.cloud_gpu {
        a.push(format!("--cloud-gpu={}", shell_word(g)));
    }
    a.push(format!("--cloud-hdd-size={}", p.hdd_size));
    if p.spot {
        a.push("--cloud-spot".into());
    }
    if let Some(price) = p.spot_price {
        a.push(format!("--cloud-spot-price={price}"));
    }
    if let Some(f) = p.reuse.flag() {
        a.push(f.into());
    }
    if let Some(t) = &p.idle_timeout {
        a.push(format!("--idle-timeout={t}"));
    }
    a.push(format!("--labels={}", p.labels.join(",")));
    a
}

/// `s` as one shell word: unchanged when it has no special characters, else single-quoted.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "._+=/:,@%-".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `s` as a YAML scalar on one line: plain when that reads back as the same string, else quoted.
pub fn yaml_str(s: &str) -> String {
    if plain_safe(s) {
        return s.to_string();
    }
    if s.chars().any(|c| (c.is_control() && c != '\t') || needs_escape(c)) {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() || needs_escape(c) => {
                    let _ = write!(out, "\\u{:04X}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
        return out;
    }
    format!("'{}'", s.replace('\'', "''"))
}

/// Characters YAML reads as line breaks or a byte order mark, or does not allow unescaped.
fn needs_escape(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

fn plain_safe(s: &str) -> bool {
    if s.is_empty() || s != s.trim() {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-x` and `:x` are plain in YAML, but quoting them costs nothing and reads clearer.
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.contains('\t') {
        return false;
    }
    if s.chars().any(|c| c.is_control() || needs_escape(c)) {
        return false;
    }
    // Values that would read back as something other than a string.
    let lower = s.to_ascii_lowercase();
    const SPECIAL: &[&str] = &["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"];
    if SPECIAL.contains(&lower.as_str()) {
        return false;
    }
    if s.parse::<f64>().is_ok()
        || lower.starts_with("0x")
        || lower.starts_with("0o")
        || lower.starts_with(".")
    {
        return false;
    }
    true
}

fn secrets(p: &Plan) -> Vec<Secret> {
    let mut out = Vec::new();
    let token = match p.forge {
        Forge::Github => Secret {
            name: "PERSONAL_ACCESS_TOKEN".into(),
            description: "a personal access token with the `repo` scope (or a GitHub App token allowed to manage \
                          self-hosted runners), handed to CML as REPO_TOKEN; the built-in GITHUB_TOKEN cannot \
                          register runners"
                .into(),
        },
        Forge::Gitlab => Secret {
            name: "REPO_TOKEN".into(),
            description: "a personal access token with the api, read_repository and write_repository scopes \
                          (or a project access token with the Developer role)"
                .into(),
        },
        Forge::Bitbucket => Secret {
            name: "REPO_TOKEN".into(),
            description: "base64 of `<username>:<app password>`; the app password needs Account: Read and \
                          Pull requests, Pipelines and Runners: Write"
                .into(),
        },
    };
    out.push(token);
    let describe = |name: &str| -> &'static str {
        match name {
            "AWS_ACCESS_KEY_ID" => "access key of an AWS IAM user allowed to create EC2 instances",
            "AWS_SECRET_ACCESS_KEY" => "the secret of that access key",
            "AZURE_CLIENT_ID" => "application (client) id of an Azure service principal",
            "AZURE_CLIENT_SECRET" => "a client secret of that service principal",
            "AZURE_SUBSCRIPTION_ID" => "the subscription the machines are created in",
            "AZURE_TENANT_ID" => "the directory (tenant) id",
            "GOOGLE_APPLICATION_CREDENTIALS_DATA" => {
                "the JSON key of a GCP service account allowed to create Compute Engine instances"
            }
            "KUBERNETES_CONFIGURATION" => "the contents of a kubeconfig for the cluster",
            _ => "",
        }
    };
    for v in credential_vars(p.cloud) {
        out.push(Secret { name: (*v).into(), description: describe(v).into() });
    }
    out
}

/// The header comment: what the file does and what to create.
fn header(out: &mut String, p: &Plan, secrets: &[Secret]) {
    out.push_str(
        "# Generated by cml-lsp: a job launches a cloud runner with CML, a second job trains on it\n",
    );
    out.push_str("# and posts the metrics as a comment.\n#\n");
    match p.forge {
        Forge::Github => {
            out.push_str("# Create these repository secrets (Settings > Secrets and variables > Actions):\n")
        }
        Forge::Gitlab => out.push_str(
            "# Create these CI/CD variables (Settings > CI/CD > Variables), masked, and protected only if\n\
             # every branch that runs this pipeline is protected:\n",
        ),
        Forge::Bitbucket => out.push_str(
            "# Create these repository variables (Repository settings > Pipelines > Repository variables),\n\
             # all secured:\n",
        ),
    }
    for s in secrets {
        wrap_comment(out, &format!("{}: {}", s.name, s.description), "#   ", "#     ");
    }
    match (p.forge, p.cloud) {
        (Forge::Gitlab, Cloud::Gcp) => out.push_str(
            "#   (GitLab masks one-line values only: store the key compacted with `jq -c . key.json`)\n",
        ),
        (Forge::Gitlab, Cloud::Kubernetes) => out.push_str(
            "#   (GitLab masks one-line values only: store it as compact JSON, e.g.\n\
             #   `kubectl config view --raw --flatten -o json | jq -c .`)\n",
        ),
        (_, Cloud::Aws) => out
            .push_str("#   (temporary AWS credentials also need AWS_SESSION_TOKEN next to the other two)\n"),
        _ => {}
    }
    match p.forge {
        Forge::Github if p.events.iter().any(|e| e == "pull_request") => out.push_str(
            "# Secrets are not passed to workflows triggered from forks, so those runs cannot launch runners.\n",
        ),
        Forge::Github => {}
        Forge::Gitlab => out.push_str(
            "# The runner also accepts untagged jobs of this project while it is up (CML registers it with\n\
             # run_untagged), so tag your other jobs or keep the runner short-lived.\n",
        ),
        Forge::Bitbucket => out.push_str(
            "# For the report to appear on pull requests, install the \"Pull Request Commit Links\" app.\n\
             # Bitbucket stops a step after max-time minutes (120 unless set): raise it on the train\n\
             # step for longer training.\n",
        ),
    }
    if p.default_script && p.dvc_pull {
        match p.forge {
            Forge::Github => out.push_str(
                "# `dvc pull` needs the DVC remote's credentials: add them to the train step's env.\n",
            ),
            _ => out.push_str("# `dvc pull` needs the DVC remote's credentials as variables too.\n"),
        }
    }
    out.push('\n');
}

/// Appends `text` as comment lines of at most 100 columns.
fn wrap_comment(out: &mut String, text: &str, first: &str, rest: &str) {
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !empty && line.len() + 1 + word.len() > 100 {
            out.push_str(&line);
            out.push('\n');
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

fn launch_block(out: &mut String, p: &Plan, indent: &str) {
    let args = launch_args(p);
    out.push_str(indent);
    out.push_str("cml runner launch \\\n");
    for (i, a) in args.iter().enumerate() {
        out.push_str(indent);
        out.push_str("  ");
        out.push_str(a);
        if i + 1 < args.len() {
            out.push_str(" \\");
        }
        out.push('\n');
    }
}

/// The script as the body of a literal block at `indent`.
fn script_block(out: &mut String, script: &str, indent: &str) {
    for line in script.split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(indent);
            out.push_str(line);
            out.push('\n');
        }
    }
}

/// The block header for `script`: `|`, with an indentation indicator when the first line starts with a space.
fn block_header(script: &str) -> &'static str {
    if script.starts_with(' ') {
        "|2"
    } else {
        "|"
    }
}

/// Lines of the default script that are comments about optional steps.
fn default_script_with_hints(p: &Plan) -> String {
    if !p.default_script || p.dvc_pull {
        return p.script.clone();
    }
    // Offer `dvc pull` as a comment right before `dvc repro`.
    let mut s = String::new();
    for line in p.script.split('\n') {
        if line == "dvc repro" {
            s.push_str(
                "# dvc pull  # when the pipeline needs DVC-tracked data (and the remote's credentials)\n",
            );
        }
        s.push_str(line);
        s.push('\n');
    }
    s.pop();
    s
}

pub fn github(p: &Plan) -> (String, Vec<Secret>) {
    let secrets = secrets(p);
    let mut o = String::new();
    header(&mut o, p, &secrets);
    let _ = writeln!(o, "name: {}", yaml_str(&p.name));
    o.push_str("on:\n");
    for e in &p.events {
        let _ = writeln!(o, "  {e}:");
    }
    o.push_str("\njobs:\n");
    let _ = writeln!(o, "  {}:", p.deploy_job);
    o.push_str(
        "    runs-on: ubuntu-latest\n\
         \x20   # The CML image has both CML and the Terraform it drives (ubuntu-latest has no Terraform).\n",
    );
    let _ = writeln!(o, "    container: {}", super::options::CPU_IMAGE);
    o.push_str(
        "    steps:\n\
         \x20     - uses: actions/checkout@v5\n\
         \x20     - name: Launch the cloud runner\n\
         \x20       env:\n\
         \x20         REPO_TOKEN: ${{ secrets.PERSONAL_ACCESS_TOKEN }}\n",
    );
    for v in credential_vars(p.cloud) {
        let _ = writeln!(o, "          {v}: ${{{{ secrets.{v} }}}}");
    }
    o.push_str("        run: |\n");
    launch_block(&mut o, p, "          ");
    o.push('\n');
    let _ = writeln!(o, "  {}:", p.train_job);
    let _ = writeln!(o, "    needs: {}", p.deploy_job);
    let _ = writeln!(o, "    runs-on: [self-hosted, {}]", p.labels.join(", "));
    o.push_str("    # Jobs on self-hosted runners may run up to 35 days; the default limit is 6 hours.\n");
    o.push_str("    timeout-minutes: 50400\n");
    if p.cloud == Cloud::Kubernetes {
        o.push_str("    # The Kubernetes runner already runs in a CML image and has no Docker for a job container.\n");
    } else {
        o.push_str("    container:\n");
        let _ = writeln!(o, "      image: {}", yaml_str(&p.image));
        if p.gpu_machine {
            o.push_str("      options: --gpus all\n");
        }
    }
    o.push_str(
        "    steps:\n\
         \x20     - uses: actions/checkout@v5\n\
         \x20     - name: Train and report\n\
         \x20       env:\n\
         \x20         REPO_TOKEN: ${{ secrets.PERSONAL_ACCESS_TOKEN }}\n",
    );
    let script = default_script_with_hints(p);
    let _ = writeln!(o, "        run: {}", block_header(&script));
    script_block(&mut o, &script, "          ");
    (o, secrets)
}

/// Script lines as YAML list items at `indent`; a script that is not one command per
/// line (continuations, here-documents, compound commands) stays one literal block.
fn script_items(out: &mut String, script: &str, indent: &str) {
    let multi = script.lines().any(|l| {
        let t = l.trim_start();
        let first = t.split_whitespace().next().unwrap_or("");
        l.ends_with('\\')
            || l.contains("<<")
            || l.starts_with([' ', '\t'])
            || matches!(
                first,
                "if" | "then"
                    | "else"
                    | "elif"
                    | "fi"
                    | "for"
                    | "while"
                    | "until"
                    | "do"
                    | "done"
                    | "case"
                    | "esac"
                    | "{"
                    | "}"
                    | "function"
            )
            || t.ends_with('{')
            || t.ends_with('(')
            || t.ends_with("&&")
            || t.ends_with("||")
            || t.ends_with('|')
    });
    if multi {
        let _ = writeln!(out, "{indent}- {}", block_header(script));
        script_block(out, script, &format!("{indent}  "));
        return;
    }
    for line in script.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with('#') {
            let _ = writeln!(out, "{indent}{t}");
        } else {
            let _ = writeln!(out, "{indent}- {}", yaml_str(t));
        }
    }
}

pub fn gitlab(p: &Plan) -> (String, Vec<Secret>) {
    let secrets = secrets(p);
    let mut o = String::new();
    header(&mut o, p, &secrets);
    o.push_str("stages: [deploy, train]\n\n");
    let _ = writeln!(o, "{}:", p.deploy_job);
    o.push_str("  stage: deploy\n");
    let _ = writeln!(o, "  image: {}", super::options::CPU_IMAGE);
    o.push_str("  script:\n    - |\n");
    launch_block(&mut o, p, "      ");
    o.push('\n');
    let _ = writeln!(o, "{}:", p.train_job);
    o.push_str("  stage: train\n");
    let _ = writeln!(o, "  needs: [{}]", p.deploy_job);
    let _ = writeln!(o, "  tags: [{}]", p.labels.join(", "));
    let _ = writeln!(o, "  image: {}", yaml_str(&p.image));
    o.push_str("  script:\n");
    script_items(&mut o, &default_script_with_hints(p), "    ");
    (o, secrets)
}

pub fn bitbucket(p: &Plan) -> (String, Vec<Secret>) {
    let secrets = secrets(p);
    let mut o = String::new();
    header(&mut o, p, &secrets);
    o.push_str("pipelines:\n  default:\n    - step:\n");
    let _ = writeln!(o, "        name: {}", p.deploy_job);
    let _ = writeln!(o, "        image: {}", super::options::CPU_IMAGE);
    o.push_str("        script:\n          - |\n");
    launch_block(&mut o, p, "            ");
    o.push_str("    - step:\n");
    let _ = writeln!(o, "        name: {}", p.train_job);
    let _ = writeln!(o, "        runs-on: [self.hosted, {}]", p.labels.join(", "));
    let _ = writeln!(o, "        image: {}", yaml_str(&p.image));
    o.push_str("        script:\n");
    script_items(&mut o, &default_script_with_hints(p), "          ");
    (o, secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_str_quotes_only_when_needed() {
        assert_eq!(yaml_str("CML"), "CML");
        assert_eq!(yaml_str("train in cloud"), "train in cloud");
        assert_eq!(yaml_str("a: b"), "'a: b'");
        assert_eq!(yaml_str("it's #1"), "'it''s #1'");
        assert_eq!(yaml_str("yes"), "'yes'");
        assert_eq!(yaml_str("1.5"), "'1.5'");
        assert_eq!(yaml_str("*x"), "'*x'");
        assert_eq!(yaml_str("a\u{1}"), "\"a\\u0001\"");
        assert_eq!(yaml_str(""), "''");
    }

    #[test]
    fn shell_word_quotes_globs() {
        assert_eq!(shell_word("m+t4"), "m+t4");
        assert_eq!(shell_word("n1-standard-4+nvidia-tesla-t4*1"), "'n1-standard-4+nvidia-tesla-t4*1'");
        assert_eq!(shell_word("a'b"), "'a'\\''b'");
    }
}
