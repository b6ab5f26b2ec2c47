//! Tests of the shell analysis, completion and hover over plain text (identity map) and
//! over shifted / synthetic maps.

use crate::codes;
use crate::diag::{Diagnostic, Severity, Span, TextEdit};
use crate::yaml::SourceMap;

use super::*;

fn ctx() -> ShellContext {
    ShellContext::new(Forge::GitHub)
}

fn run_ctx(text: &str, ctx: &ShellContext) -> Vec<Diagnostic> {
    analyze_shell(text, &SourceMap::identity(0, text.len()), ctx)
}

fn run(text: &str) -> Vec<Diagnostic> {
    run_ctx(text, &ctx())
}

/// The span of the `n`th occurrence of `needle`.
fn at(text: &str, needle: &str) -> Span {
    let s = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {text:?}"));
    Span::new(s, s + needle.len())
}

fn codes_of(d: &[Diagnostic]) -> Vec<&'static str> {
    d.iter().map(|d| d.code).collect()
}

fn one(text: &str) -> Diagnostic {
    let d = run(text);
    assert_eq!(d.len(), 1, "{d:#?}");
    d.into_iter().next().unwrap()
}

fn edit(d: &Diagnostic) -> &TextEdit {
    &d.fixes[0].edits[0]
}

#[test]
fn clean_commands_have_no_diagnostics() {
    for t in [
        "cml runner launch --cloud=aws --cloud-region=us-west --cloud-type=m+t4 --cloud-hdd-size=100 --cloud-spot --reuse-idle --labels=cml-gpu",
        "cml runner launch \\\n  --cloud=gcp \\\n  --cloud-region=us-west1-b \\\n  --labels=cml",
        "cml comment create report.md",
        "cml comment create --target=pr --publish report.md",
        "cml comment update report.md --watermark-title=x",
        "cml pr create --squash --skip-ci .",
        "cml check create --title=T report.md",
        "cml workflow rerun --id 12",
        "cml repo prepare --fetch-depth=0",
        "cml asset publish plot.png --md",
        "cml runner launch --cloud=aws --cloud-spot --cloud-spot-price 0.5 --idle-timeout=1h30m",
        "cml runner launch --cloud=azure --cloud-region=eastus --idle-timeout='10 minutes'",
        "cml runner launch --cloud=aws --cloud-region=us-east-2b --idle-timeout=-1 --single",
        "cml runner launch --cloud=${{ matrix.cloud }} --cloud-region=$REGION --labels=${LABELS}",
        "cml runner launch --labels=cml --idle-timeout never --no-retry --log debug",
        "npx -y @dvcorg/cml@0.20 runner launch --labels=x",
        "sudo -E ./node_modules/.bin/cml comment create r.md",
        "CML_RUNNER_CLOUD=aws cml runner launch --cloud-region=us-west",
        "env REPO_TOKEN=x cml comment create r.md > out.log 2>&1",
        "cml runner launch --driver gitlab --repo https://gitlab.com/a/b --token=$T --labels a",
        "cml runner launch --cloud=kubernetes --cloud-type=m+k80 --cloud-kubernetes-node-selector a=b c=d --labels k",
        "if cml comment create r.md; then echo ok; fi",
        "echo \"cml runner launch --bogus\" # cml --bogus",
        "cat <<EOF > x\ncml runner launch --bogus\nEOF",
        "cml comment create report.md --help",
        "cml --version",
        "cml runner launch --cloud=aws --cloud-spot-price=-1 --labels=x",
    ] {
        assert_eq!(run(t), vec![], "{t}");
    }
}

#[test]
fn unknown_option_with_did_you_mean_fix() {
    let t = "cml runner launch --idle-timout=300 --cloud=aws";
    let d = one(t);
    assert_eq!(d.code, codes::CML_UNKNOWN_OPTION);
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.span, at(t, "--idle-timout"));
    assert_eq!(
        d.message,
        "unknown option `--idle-timout` for `cml runner launch`; did you mean `--idle-timeout`?"
    );
    assert_eq!(d.fixes[0].title, "Change to `--idle-timeout`");
    assert_eq!(*edit(&d), TextEdit { span: at(t, "idle-timout"), new_text: "idle-timeout".into() });

    let t = "cml comment create r.md --frobnicate";
    let d = one(t);
    assert_eq!(d.message, "unknown option `--frobnicate` for `cml comment create`");
    assert!(d.fixes.is_empty());

    let t = "cml tensorboard connect -x";
    let d = run(t);
    assert_eq!(codes_of(&d), [codes::CML_DEAD_COMMAND, codes::CML_UNKNOWN_OPTION]);
    assert_eq!(d[1].span, at(t, "-x"));
}

#[test]
fn option_of_another_command() {
    let t = "cml comment create --reuse r.md";
    let d = one(t);
    assert_eq!(d.code, codes::CML_OPTION_WRONG_COMMAND);
    assert_eq!(d.span, at(t, "--reuse"));
    assert_eq!(d.message, "`--reuse` is an option of `cml runner launch`, not of `cml comment create`");
}

#[test]
fn missing_and_empty_values() {
    let t = "cml runner launch --labels=a --cloud";
    let d = one(t);
    assert_eq!(d.code, codes::CML_MISSING_VALUE);
    assert_eq!(d.span, at(t, "--cloud"));
    assert_eq!(d.message, "`--cloud` needs a value (string)");
    let t = "cml runner launch --cloud-region= --cloud=aws";
    let d = one(t);
    assert_eq!(d.code, codes::CML_MISSING_VALUE);
    assert_eq!(d.message, "`--cloud-region` has an empty value");
    // A flag right after is not a value.
    let t = "cml runner launch --labels --single";
    assert_eq!(codes_of(&run(t)), [codes::CML_MISSING_VALUE]);
}

#[test]
fn wrong_types() {
    let t = "cml runner launch --cloud=aws --cloud-hdd-size=abc";
    let d = one(t);
    assert_eq!(d.code, codes::CML_INVALID_VALUE);
    assert_eq!(d.span, at(t, "abc"));
    assert_eq!(d.message, "`--cloud-hdd-size` takes a number, not `abc`");
    let t = "cml runner launch --cloud=aws --cloud-spot=yes";
    let d = one(t);
    assert_eq!(d.code, codes::CML_INVALID_VALUE);
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(d.span, at(t, "yes"));
    for ok in ["1e3", "0x10", "-1", ".5", "10."] {
        assert!(cml::is_js_number(ok), "{ok}");
    }
    for bad in ["", "1e", "abc", "1.2.3", "0x"] {
        assert!(!cml::is_js_number(bad), "{bad}");
    }
}

#[test]
fn invalid_choice_with_fix() {
    let t = "cml runner launch --cloud=aws2";
    let d = one(t);
    assert_eq!(d.code, codes::CML_INVALID_CHOICE);
    assert_eq!(d.span, at(t, "aws2"));
    assert_eq!(
        d.message,
        "invalid value `aws2` for `--cloud`; choose one of `aws`, `azure`, `gcp`, `kubernetes`"
    );
    assert_eq!(*edit(&d), TextEdit { span: at(t, "aws2"), new_text: "aws".into() });
    let t = "cml runner launch --cloud k8s";
    let d = one(t);
    assert_eq!(*edit(&d), TextEdit { span: at(t, "k8s"), new_text: "kubernetes".into() });
    let t = "cml runner launch --labels=x --log=verbose";
    let d = one(t);
    assert_eq!(d.code, codes::CML_INVALID_CHOICE);
    assert!(d.fixes.is_empty());
    let t = "cml check create --conclusion=succes r.md";
    assert_eq!(edit(&one(t)).new_text, "success");
}

#[test]
fn region_vendor_mismatch() {
    let t = "cml runner launch --cloud=gcp --cloud-region=us-west1";
    let d = one(t);
    assert_eq!(d.code, codes::CML_REGION_VENDOR_MISMATCH);
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(d.span, at(t, "us-west1"));
    assert_eq!(
        d.message,
        "`us-west1` is a GCP region, but `--cloud=gcp` needs a zone such as `us-west1-b` (or a synthetic region like `us-west`)"
    );
    let t = "cml runner launch --cloud=aws --cloud-region=eastus";
    assert_eq!(
        one(t).message,
        "`eastus` looks like an Azure region; `--cloud=aws` needs an AWS region such as `us-east-1`"
    );
    let t = "cml runner launch --cloud=azure --cloud-region=us-east-1";
    assert_eq!(one(t).code, codes::CML_REGION_VENDOR_MISMATCH);
    let t = "cml runner launch --cloud=aws --cloud-region=europe-west1-d";
    assert_eq!(one(t).code, codes::CML_REGION_VENDOR_MISMATCH);
    for ok in [
        "cml runner launch --cloud=aws --cloud-region=us-gov-west-1",
        "cml runner launch --cloud=gcp --cloud-region=europe-west4-a",
        "cml runner launch --cloud=gcp --cloud-region=eu-west",
        "cml runner launch --cloud=azure --cloud-region=westus2",
        "cml runner launch --cloud=kubernetes --cloud-region=anything-1",
    ] {
        assert_eq!(run(ok), vec![], "{ok}");
    }
}

#[test]
fn synthetic_type_gpu_combinations() {
    let t = "cml runner launch --cloud=aws --cloud-type=l+t4";
    let d = one(t);
    assert_eq!(d.code, codes::CML_INVALID_MACHINE_TYPE);
    assert_eq!(d.span, at(t, "l+t4"));
    let t = "cml runner launch --cloud=kubernetes --cloud-type=m+t4";
    assert_eq!(one(t).code, codes::CML_INVALID_MACHINE_TYPE);
    let t = "cml runner launch --cloud=aws --cloud-type=xl --cloud-gpu=t4";
    assert_eq!(one(t).code, codes::CML_INVALID_MACHINE_TYPE);
    assert_eq!(run("cml runner launch --cloud=aws --cloud-type=m --cloud-gpu=k80"), vec![]);
    assert_eq!(
        run("cml runner launch --cloud=gcp --cloud-type=n1-standard-4 --cloud-gpu=nvidia-tesla-t4"),
        vec![]
    );
}

#[test]
fn conflicting_options() {
    let t = "cml runner launch --single --reuse";
    let d = one(t);
    assert_eq!(d.code, codes::CML_CONFLICTING_OPTIONS);
    assert_eq!(d.span, at(t, "--reuse"));
    assert_eq!(d.message, "`--single` and `--reuse` are mutually exclusive");
    let t = "cml pr create --merge --rebase --squash .";
    assert_eq!(codes_of(&run(t)), [codes::CML_CONFLICTING_OPTIONS, codes::CML_CONFLICTING_OPTIONS]);
    assert_eq!(run("cml runner launch --single --no-reuse"), vec![]);
    assert_eq!(run("cml runner launch --single --reuse=false"), vec![]);
}

#[test]
fn cloud_options_need_cloud() {
    let t = "cml runner launch --cloud-region=us-west --labels=x";
    let d = one(t);
    assert_eq!(d.code, codes::CML_CLOUD_OPTION_WITHOUT_CLOUD);
    assert_eq!(d.span, at(t, "--cloud-region"));
    assert_eq!(
        d.message,
        "`--cloud-region` has no effect without `--cloud`: the runner starts on this machine"
    );
    // Cloud from the environment counts.
    let mut c = ctx();
    std::sync::Arc::make_mut(&mut c.env).push(EnvVar { name: "CML_RUNNER_CLOUD".into(), value: None });
    assert_eq!(run_ctx(t, &c), vec![]);
}

#[test]
fn vendor_specific_options() {
    let t = "cml runner launch --cloud=gcp --cloud-aws-subnet=s-1";
    let d = one(t);
    assert_eq!(d.code, codes::CML_OPTION_WRONG_CLOUD);
    assert_eq!(d.span, at(t, "--cloud-aws-subnet"));
    let t = "cml runner launch --cloud=kubernetes --cloud-permission-set=x";
    assert_eq!(one(t).code, codes::CML_OPTION_UNSUPPORTED_CLOUD);
}

#[test]
fn spot_price_rules() {
    let t = "cml runner launch --cloud=aws --cloud-spot-price=0.3";
    let d = one(t);
    assert_eq!(d.code, codes::CML_SPOT_PRICE_WITHOUT_SPOT);
    assert_eq!(d.span, at(t, "--cloud-spot-price"));
    let t = "cml runner launch --cloud=gcp --cloud-spot --cloud-spot-price=0.3";
    let d = one(t);
    assert_eq!(d.code, codes::CML_OPTION_UNSUPPORTED_CLOUD);
    assert_eq!(d.severity, Severity::Error);
}

#[test]
fn idle_timeout_forms() {
    for ok in ["300", "-1", "never", "5min", "1h30m", "10 minutes", "2 hours", "1.5h", "30s", "1d"] {
        assert!(cml::valid_idle_timeout(ok), "{ok}");
    }
    for bad in ["", "abc", "5 parsecs", "300.5", "forever", "-"] {
        assert!(!cml::valid_idle_timeout(bad), "{bad}");
    }
    let t = "cml runner launch --idle-timeout=5 mins --labels=x";
    // `mins` is an unexpected positional, `5` is fine.
    assert_eq!(codes_of(&run(t)), [codes::CML_UNEXPECTED_ARGUMENT]);
    let t = "cml runner launch --idle-timeout=forever";
    let d = one(t);
    assert_eq!(d.code, codes::CML_INVALID_IDLE_TIMEOUT);
    assert_eq!(d.span, at(t, "forever"));
}

#[test]
fn runner_without_options() {
    let t = "cml runner launch";
    let d = one(t);
    assert_eq!(d.code, codes::CML_RUNNER_NO_OPTIONS);
    assert_eq!(d.span, at(t, "runner launch"));
    assert_eq!(*edit(&d), TextEdit { span: Span::empty(17), new_text: " --labels=cml".into() });
    let t = "cml runner";
    assert_eq!(codes_of(&run(t)), [codes::CML_LEGACY_COMMAND, codes::CML_RUNNER_NO_OPTIONS]);
    assert_eq!(run("cml runner launch $ARGS"), vec![]);
}

#[test]
fn forge_specific_options() {
    let t = "cml runner launch --docker-volumes /a:/a";
    let d = one(t);
    assert_eq!(d.code, codes::CML_OPTION_IGNORED_FORGE);
    assert_eq!(d.span, at(t, "--docker-volumes"));
    assert_eq!(run_ctx(t, &ShellContext::new(Forge::GitLab)), vec![]);
    let t = "cml runner launch --reuse-idle";
    let d = run_ctx(t, &ShellContext::new(Forge::Bitbucket));
    assert_eq!(codes_of(&d), [codes::CML_OPTION_UNSUPPORTED_FORGE]);
    assert_eq!(run_ctx(t, &ShellContext::new(Forge::GitLab)), vec![]);
}

#[test]
fn dropped_continuation_lines() {
    let t = "cml runner launch \\\n  --cloud=aws\n  --labels=gpu\n  --single\necho done";
    let d = run(t);
    assert_eq!(codes_of(&d), [codes::CML_DROPPED_CONTINUATION, codes::CML_DROPPED_CONTINUATION]);
    assert_eq!(d[0].span, at(t, "--labels=gpu"));
    assert_eq!(
        *edit(&d[0]),
        TextEdit { span: Span::empty(at(t, "--cloud=aws").end), new_text: " \\".into() }
    );
    assert_eq!(d[1].span, at(t, "--single"));
    assert_eq!(
        *edit(&d[1]),
        TextEdit { span: Span::empty(at(t, "--labels=gpu").end), new_text: " \\".into() }
    );
    // A backslash followed by a space.
    let t = "cml runner launch --cloud=aws \\ \n  --labels=gpu";
    let d = one(t);
    assert_eq!(d.code, codes::CML_DROPPED_CONTINUATION);
    assert_eq!(*edit(&d), TextEdit { span: Span::new(31, 32), new_text: String::new() });
    // A comment at the end of the line: no fix.
    let t = "cml runner launch --cloud=aws # c\n  --labels=gpu";
    let d = one(t);
    assert!(d.fixes.is_empty());
    // Options of dropped lines are still checked.
    let t = "cml runner launch\n  --cloud=aws2";
    assert_eq!(codes_of(&run(t)), [codes::CML_DROPPED_CONTINUATION, codes::CML_INVALID_CHOICE]);
}

#[test]
fn legacy_and_deprecated_commands() {
    let t = "cml-runner --cloud=aws";
    let d = one(t);
    assert_eq!(d.code, codes::CML_LEGACY_COMMAND);
    assert_eq!(d.severity, Severity::Info);
    assert_eq!(d.span, at(t, "cml-runner"));
    assert_eq!(*edit(&d), TextEdit { span: at(t, "cml-runner"), new_text: "cml runner launch".into() });
    let t = "cml-send-comment report.md";
    let d = one(t);
    assert_eq!(d.code, codes::CML_DEPRECATED_COMMAND);
    assert_eq!(d.message, "`cml-send-comment` is deprecated; use `cml comment create`");
    assert_eq!(edit(&d).new_text, "cml comment create");
    let t = "cml send-comment report.md";
    let d = one(t);
    assert_eq!(*edit(&d), TextEdit { span: at(t, "send-comment"), new_text: "comment create".into() });
    let t = "cml-publish plot.png --md >> report.md";
    let d = one(t);
    assert_eq!(d.code, codes::CML_DEPRECATED_COMMAND);
    assert!(d.fixes.is_empty());
    let t = "cml tensorboard connect --credentials=x";
    let d = one(t);
    assert_eq!(d.code, codes::CML_DEAD_COMMAND);
    assert_eq!(d.span, at(t, "tensorboard connect"));
    assert_eq!(one("cml-tensorboard-dev --credentials=x").code, codes::CML_DEAD_COMMAND);
    let t = "cml ci";
    assert_eq!(edit(&one(t)).new_text, "repo prepare");
    let t = "cml pr report.md";
    let d = one(t);
    assert_eq!(*edit(&d), TextEdit { span: Span::empty(6), new_text: " create".into() });
    let t = "/usr/local/bin/cml-pr a.txt";
    assert_eq!(*edit(&one(t)), TextEdit { span: at(t, "cml-pr"), new_text: "cml pr create".into() });
}

#[test]
fn unknown_commands_and_subcommands() {
    let t = "cml comment craete r.md";
    let d = one(t);
    assert_eq!(d.code, codes::CML_UNKNOWN_COMMAND);
    assert_eq!(d.span, at(t, "craete"));
    assert_eq!(d.message, "unknown subcommand `craete` of `cml comment`; expected `create` or `update`");
    assert_eq!(edit(&d).new_text, "create");
    let t = "cml comment";
    assert_eq!(one(t).message, "`cml comment` needs a subcommand: `create` or `update`");
    let t = "cml runer launch";
    let d = one(t);
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.message, "unknown command `cml runer`; did you mean `cml runner`?");
    let t = "cml frobnicate";
    let d = one(t);
    assert_eq!(d.severity, Severity::Warning);
}

#[test]
fn positional_arguments() {
    let t = "cml comment create";
    let d = one(t);
    assert_eq!(d.code, codes::CML_MISSING_ARGUMENT);
    assert_eq!(d.span, at(t, "create"));
    let t = "cml comment create a.md b.md";
    let d = one(t);
    assert_eq!(d.code, codes::CML_UNEXPECTED_ARGUMENT);
    assert_eq!(d.span, at(t, "b.md"));
    let t = "cml runner launch --cloud-spot yes --cloud=aws";
    let d = one(t);
    assert_eq!(d.code, codes::CML_UNEXPECTED_ARGUMENT);
    assert_eq!(d.span, at(t, "yes"));
}

#[test]
fn deprecated_values_and_options() {
    let t = "cml runner launch --cloud=aws --cloud-gpu=tesla";
    let d = one(t);
    assert_eq!(d.code, codes::CML_DEPRECATED_VALUE);
    assert_eq!(*edit(&d), TextEdit { span: at(t, "tesla"), new_text: "v100".into() });
    let t = "cml runner launch --cloud=aws --cloud-gpu=nogpu";
    assert!(one(t).fixes.is_empty());
    let t = "cml comment create --pr r.md";
    let d = one(t);
    assert_eq!(d.code, codes::CML_DEPRECATED_OPTION);
    assert_eq!(d.message, "`--pr` is deprecated; use --target=pr");
}

#[test]
fn malformed_expressions() {
    let t = "cml runner launch --labels=${ github.run_id }}";
    let d = one(t);
    assert_eq!(d.code, codes::CML_MALFORMED_EXPRESSION);
    assert_eq!(d.span, at(t, "${ github.run_id }}"));
    let t = "cml runner launch --labels=${{ github.run_id }";
    let d = one(t);
    assert_eq!(d.span, at(t, "${{ github.run_id }"));
    assert_eq!(
        d.message,
        "malformed expression `${{ github.run_id }`: write `${{ expr }}` for a CI expression or `${NAME}` for a shell variable"
    );
}

#[test]
fn spans_and_fixes_go_through_the_source_map() {
    // The shell text sits at offset 100 of a file.
    let t = "cml runner launch --cloud=aws2";
    let map = SourceMap::identity(100, t.len());
    let d = analyze_shell(t, &map, &ctx());
    assert_eq!(d[0].span, Span::new(126, 130));
    assert_eq!(d[0].fixes[0].edits[0].span, Span::new(126, 130));
    // A double-quoted YAML scalar where `\t` was an escape before the value: the value is
    // still verbatim, but inserted text is escaped.
    let t = "cml runner launch\t--cloud=aws2";
    let mut map = SourceMap::builder();
    map.push_verbatim(1, 17);
    map.push_synthetic(18, 20, 1);
    map.push_verbatim(20, 12);
    map.finish(32);
    let mut c = ctx();
    c.quoting = Quoting::DoubleQuoted;
    let d = analyze_shell(t, &map, &c);
    assert_eq!(d[0].span, Span::new(28, 32));
    assert_eq!(d[0].fixes[0].edits[0].span, Span::new(28, 32));
    // An escape inside the replaced range (`w` written as `\x77`): no fix.
    let t = "cml runner launch --cloud=aws2";
    let mut map = SourceMap::builder();
    map.push_verbatim(1, 27);
    map.push_synthetic(28, 32, 1);
    map.push_verbatim(32, 2);
    map.finish(34);
    let d = analyze_shell(t, &map, &ctx());
    assert_eq!(d[0].span, Span::new(27, 34));
    assert!(d[0].fixes.is_empty(), "{d:#?}");
    assert_eq!(Quoting::DoubleQuoted.encode(" \\"), Some(" \\\\".to_string()));
    assert_eq!(Quoting::SingleQuoted.encode("it's"), Some("it''s".to_string()));
    assert_eq!(Quoting::Plain.encode("a: b"), None);
}

#[test]
fn extracts_invocations_labels_and_exports() {
    let t = "export CML_RUNNER_LABELS=a\nFOO=$X\ncml runner launch --cloud aws --labels=gpu, big\ncml runner launch --single";
    let r = analyze_shell_full(t, &SourceMap::identity(0, t.len()), &ctx());
    assert_eq!(r.exports.len(), 2);
    assert_eq!(
        r.exports[0],
        ("CML_RUNNER_LABELS".to_string(), Some("a".to_string()), at(t, "CML_RUNNER_LABELS=a"))
    );
    assert_eq!(r.exports[1].1, None);
    let inv = &r.invocations[0];
    assert_eq!(inv.command, Some(facts::CmdId::RunnerLaunch));
    assert_eq!(inv.cloud(&ctx()), Some(Some("aws".to_string())));
    assert_eq!(inv.labels(&ctx()), Some(vec![("gpu".to_string(), Some(at(t, "gpu")))]));
    // `big` is an unexpected positional argument.
    assert_eq!(codes_of(&r.diagnostics), [codes::CML_UNEXPECTED_ARGUMENT]);
    let inv = &r.invocations[1];
    assert_eq!(inv.labels(&ctx()), Some(vec![("cml".to_string(), None)]));
    let mut c = ctx();
    std::sync::Arc::make_mut(&mut c.env)
        .push(EnvVar { name: "RUNNER_LABELS".into(), value: Some("x,y".into()) });
    assert_eq!(inv.labels(&c), Some(vec![("x".to_string(), None), ("y".to_string(), None)]));
    let t = "CML_RUNNER_LABELS=$L cml runner launch --single";
    let r = analyze_shell_full(t, &SourceMap::identity(0, t.len()), &ctx());
    assert_eq!(r.invocations[0].labels(&ctx()), None);
}

#[test]
fn never_panics() {
    let inputs = [
        "",
        "cml",
        "cml ",
        "cml -",
        "cml --",
        "cml runner launch --",
        "cml runner launch --=",
        "cml runner launch -",
        "cml runner launch --cloud=",
        "cml-runner",
        "npx",
        "npx @dvcorg/cml",
        "sudo",
        "env",
        "cml $X",
        "cml runner $X",
        "cml runner launch --labels=\"é,ü\" --cloud=é",
        "cml comment create \\",
        "cml runner launch\n--",
        "cml\n--x",
    ];
    for t in inputs {
        let map = SourceMap::identity(0, t.len());
        let _ = analyze_shell_full(t, &map, &ctx());
        for o in 0..=t.len() + 1 {
            let _ = complete_shell(t, &map, o, &ctx());
            let _ = hover_shell(t, &map, o, &ctx());
        }
    }
}

fn labels(c: &[crate::ide::Completion]) -> Vec<&str> {
    c.iter().map(|c| c.label.as_str()).collect()
}

fn complete(t: &str) -> Vec<crate::ide::Completion> {
    complete_shell(t, &SourceMap::identity(0, t.len()), t.len(), &ctx())
}

#[test]
fn completes_commands_and_subcommands() {
    let c = complete("cml ");
    assert_eq!(labels(&c), ["runner", "comment", "pr", "check", "workflow"]);
    assert_eq!(c[0].replace, Span::empty(4));
    assert_eq!(c[0].detail.as_deref(), Some("launch"));
    let c = complete("cml co");
    assert_eq!(labels(&c), ["comment"]);
    assert_eq!(c[0].replace, Span::new(4, 6));
    let c = complete("cml runner ");
    assert_eq!(labels(&c), ["launch"]);
    assert_eq!(c[0].detail.as_deref(), Some("cml runner launch"));
    assert_eq!(labels(&complete("cml comment u")), ["update"]);
    assert_eq!(labels(&complete("cml tensorboard")), ["tensorboard"]);
}

#[test]
fn completes_options() {
    let c = complete("cml runner launch --cloud-s");
    assert_eq!(
        labels(&c),
        ["--cloud-ssh-private", "--cloud-spot", "--cloud-spot-price", "--cloud-startup-script"]
    );
    assert_eq!(c[0].replace, Span::new(18, 27));
    let price = &c[2];
    assert_eq!(price.detail.as_deref(), Some("number · default: -1"));
    let doc = price.documentation.as_deref().unwrap();
    assert!(doc.starts_with("**--cloud-spot-price** (number) · `cml runner launch`\n\nUpper bound"), "{doc}");
    assert!(
        doc.contains("\n- Default: `-1`\n- Env: `CML_RUNNER_CLOUD_SPOT_PRICE`\n- Only with `--cloud-spot`"),
        "{doc}"
    );
    // Hidden options only when typed in full; present options are excluded.
    assert_eq!(labels(&complete("cml runner launch --cloud-im")), Vec::<&str>::new());
    assert_eq!(labels(&complete("cml runner launch --cloud-image")), ["--cloud-image"]);
    assert_eq!(labels(&complete("cml runner launch --single --sin")), Vec::<&str>::new());
    assert_eq!(labels(&complete("cml runner launch --cloud-metadata a=b --cloud-me")), ["--cloud-metadata"]);
    // Global options come after the command's own.
    let c = complete("cml workflow rerun --");
    assert_eq!(labels(&c), ["--id", "--log", "--driver", "--repo", "--driver-token", "--help"]);
    assert_eq!(c[1].sort_text.as_deref(), Some("1-log"));
    // After a space: all options.
    assert!(labels(&complete("cml comment create r.md ")).contains(&"--target"));
    // Deprecated flag.
    let c = complete("cml comment create --pr");
    assert_eq!(labels(&c), ["--pr"]);
    assert!(c[0].deprecated);
}

#[test]
fn completes_values() {
    let c = complete("cml runner launch --cloud=");
    assert_eq!(labels(&c), ["aws", "azure", "gcp", "kubernetes"]);
    assert_eq!(c[0].replace, Span::empty(26));
    assert!(c[0].documentation.as_deref().unwrap().contains("`AWS_ACCESS_KEY_ID`"));
    let c = complete("cml runner launch --cloud a");
    assert_eq!(labels(&c), ["aws", "azure"]);
    assert_eq!(c[0].replace, Span::new(26, 27));
    let c = complete("cml runner launch --cloud=gcp --cloud-region=");
    let l = labels(&c);
    assert_eq!(&l[..4], ["us-east", "us-west", "eu-north", "eu-west"]);
    assert_eq!(l[4], "us-central1-a");
    assert_eq!(
        c[1].documentation.as_deref(),
        Some("**us-west** (synthetic region)\n\n- aws: `us-west-1`\n- azure: `westus2`\n- gcp: `us-west1-b`")
    );
    assert_eq!(c[4].detail.as_deref(), Some("gcp zone (common example)"));
    let c = complete("cml runner launch --cloud-region=");
    assert_eq!(labels(&c), ["us-east", "us-west", "eu-north", "eu-west"]);
    let c = complete("cml runner launch --cloud=kubernetes --cloud-type=");
    assert_eq!(labels(&c), ["s", "m", "l", "xl", "m+k80", "l+k80", "xl+k80", "m+v100", "l+v100", "xl+v100"]);
    let c = complete("cml runner launch --cloud=aws --cloud-type=m+");
    assert_eq!(labels(&c), ["m+t4", "m+k80", "m+v100"]);
    let c = complete("cml runner launch --cloud-gpu=");
    assert_eq!(labels(&c), ["k80", "v100", "t4", "nvidia-tesla-t4", "nvidia-tesla-k80", "nvidia-tesla-v100"]);
    assert_eq!(labels(&complete("cml runner launch --driver=")), ["github", "gitlab", "bitbucket"]);
    assert_eq!(labels(&complete("cml runner launch --log ")), ["error", "warn", "info", "debug"]);
    assert_eq!(labels(&complete("cml runner launch --cloud-spot=")), Vec::<&str>::new());
}

#[test]
fn hover_on_options_values_and_commands() {
    let t = "cml runner launch --cloud-hdd-size=100 --cloud-region=us-west --cloud-type m+t4 --cloud=aws";
    let map = SourceMap::identity(0, t.len());
    let h = hover_shell(t, &map, at(t, "hdd").start, &ctx()).unwrap();
    assert_eq!(h.span, at(t, "--cloud-hdd-size"));
    assert!(h.markdown.contains("- Env: `CML_RUNNER_CLOUD_HDD_SIZE`"), "{}", h.markdown);
    assert!(h.markdown.starts_with("**--cloud-hdd-size** (number)"));
    let h = hover_shell(t, &map, at(t, "us-west").start + 1, &ctx()).unwrap();
    assert_eq!(h.span, at(t, "us-west"));
    assert!(h.markdown.contains("- aws: `us-west-1`\n- azure: `westus2`\n- gcp: `us-west1-b`"));
    let h = hover_shell(t, &map, at(t, "m+t4").start, &ctx()).unwrap();
    assert_eq!(h.span, at(t, "m+t4"));
    assert!(h.markdown.contains("- aws: `g4dn.xlarge`"), "{}", h.markdown);
    assert!(h.markdown.contains("- kubernetes: not available"));
    let h = hover_shell(t, &map, 5, &ctx()).unwrap();
    assert_eq!(h.span, at(t, "cml runner launch"));
    assert!(h.markdown.starts_with("**cml runner launch**"));
    let h = hover_shell(t, &map, at(t, "--cloud=aws").end - 1, &ctx()).unwrap();
    assert!(h.markdown.starts_with("**aws**"));
    assert_eq!(hover_shell("echo hi", &SourceMap::identity(0, 7), 2, &ctx()), None);
}

#[test]
fn every_cml_code_is_registered() {
    for c in crate::codes::ALL.iter().filter(|c| c.code.starts_with("cml-")) {
        assert!(crate::codes::info(c.code).is_some());
    }
    assert!(crate::codes::ALL.iter().filter(|c| c.code.starts_with("cml-")).count() >= 26);
}

#[test]
fn an_invalid_or_dynamic_cloud_skips_vendor_checks() {
    // Only the invalid `--cloud` is reported: no machine-type, region, vendor-option or
    // spot-price findings that assume a vendor.
    let t = "cml runner launch --cloud=aws2 --cloud-type=m+t4 --cloud-gpu=k80 --cloud-region=eastus \
             --cloud-aws-subnet=s --cloud-spot --cloud-spot-price=1 --cloud-permission-set=x";
    let d = run(t);
    assert_eq!(codes_of(&d), [codes::CML_INVALID_CHOICE]);
    assert_eq!(d[0].span, at(t, "aws2"));
    assert_eq!(
        d[0].message,
        "invalid value `aws2` for `--cloud`; choose one of `aws`, `azure`, `gcp`, `kubernetes`"
    );
    // Not "without --cloud" either: a cloud is given.
    let t = "cml runner launch --cloud=$CLOUD --cloud-type=l+t4 --cloud-region=us-west1 --cloud-spot --cloud-spot-price=1";
    assert_eq!(run(t), vec![]);
    let t = "cml runner launch --cloud=k8s --cloud-type=m+t4";
    assert_eq!(codes_of(&run(t)), [codes::CML_INVALID_CHOICE]);
    // The same through the environment.
    let mut c = ctx();
    std::sync::Arc::make_mut(&mut c.env)
        .push(EnvVar { name: "CML_RUNNER_CLOUD".into(), value: Some("gce".into()) });
    assert_eq!(run_ctx("cml runner launch --cloud-type=l+t4 --cloud-region=us-west1", &c), vec![]);
    // Completion does not narrow by an invalid vendor either.
    let t = "cml runner launch --cloud=aws2 --cloud-type=";
    let c = complete(t);
    assert!(labels(&c).contains(&"m+t4"), "{:?}", labels(&c));
    assert!(!labels(&c).contains(&"m5.2xlarge"), "{:?}", labels(&c));
}

#[test]
fn scripts_that_cannot_name_cml_are_known_without_tokenizing() {
    for t in [
        "cml",
        "npx @dvcorg/cml pr",
        "c\\\nml runner",
        "'c'm\"l\" pr create",
        "c$'m'l pr",
        "cml-send-comment r",
    ] {
        assert!(cml::may_name_cml(t), "{t:?}");
        let r = analyze_shell_full(t, &SourceMap::identity(0, t.len()), &ctx());
        assert_eq!(r.invocations.len(), 1, "{t:?}");
    }
    for t in ["echo hi", "dvc repro", "c m l", "c#\nml", "pip install -r requirements.txt", ""] {
        assert!(!cml::may_name_cml(t), "{t:?}");
    }
    // Whatever the shell makes of a script the filter rejects, it runs no `cml`.
    const BITS: &[&str] = &[
        "cml ",
        "cml ",
        "c",
        "m",
        "l",
        "ml",
        "cm",
        "\\\n",
        "\\",
        "'",
        "\"",
        "$",
        " ",
        "\n",
        "sudo ",
        "env A=1 ",
        "x",
        "runner launch",
        " --cloud=aws",
        ";",
        "&&",
        "|",
        "#",
        "(",
        ")",
        "`",
        "{",
        "}",
        "<<EOF\n",
        "EOF\n",
        "=",
    ];
    let mut rng = crate::yaml::tests::Rng(0x0c31_0c31_0c31_0c31);
    let (mut rejected, mut found) = (0, 0);
    for _ in 0..20_000 {
        let t: String = (0..1 + rng.below(12)).map(|_| BITS[rng.below(BITS.len())]).collect();
        let r = analyze_shell_full(&t, &SourceMap::identity(0, t.len()), &ctx());
        if !cml::may_name_cml(&t) {
            rejected += 1;
            assert!(r.invocations.is_empty(), "{t:?} runs cml");
        } else {
            found += usize::from(!r.invocations.is_empty());
        }
    }
    assert!(rejected > 5_000 && found > 1_000, "{rejected} rejected, {found} with invocations");
}
