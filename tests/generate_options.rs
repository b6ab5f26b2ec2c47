//! Defaults, metadata and robustness of `generate`.

use cml_lsp::generate::{generate, Cloud, Forge, ReuseMode, WizardOptions};

#[test]
fn defaults_and_metadata() {
    let g = generate(&WizardOptions::default()).expect("defaults");
    assert_eq!(g.path, ".github/workflows/cml.yml");
    assert_eq!(g.forge, Forge::Github);
    assert_eq!(g.labels, vec!["cml"]);
    assert_eq!(
        g.launch_args,
        vec![
            "--cloud=aws",
            "--cloud-region=us-west",
            "--cloud-type=m",
            "--cloud-hdd-size=100",
            "--reuse-idle",
            "--labels=cml"
        ]
    );
    let names: Vec<&str> = g.secrets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["PERSONAL_ACCESS_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    assert_eq!(g.warnings, Vec::<String>::new());

    let bb = generate(&WizardOptions {
        forge: Some(Forge::Bitbucket),
        cloud: Some(Cloud::Azure),
        ..Default::default()
    })
    .expect("bitbucket");
    assert_eq!(bb.path, "bitbucket-pipelines.yml");
    assert_eq!(
        bb.launch_args,
        vec![
            "--cloud=azure",
            "--cloud-region=us-west",
            "--cloud-type=m",
            "--cloud-hdd-size=100",
            "--labels=cml"
        ]
    );
    let names: Vec<&str> = bb.secrets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "REPO_TOKEN",
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_SUBSCRIPTION_ID",
            "AZURE_TENANT_ID"
        ]
    );
    let gl = generate(&WizardOptions { forge: Some(Forge::Gitlab), ..Default::default() }).expect("gitlab");
    assert_eq!(gl.path, ".gitlab-ci.yml");
}

#[test]
fn serde_is_camel_case_and_strict() {
    let o: WizardOptions = serde_json::from_str(
        r#"{"forge":"gitlab","cloud":"gcp","spotPrice":null,"hddSize":50,"reuse":"reuse-idle","type":"l"}"#,
    )
    .expect("parse");
    assert_eq!(o.forge, Some(Forge::Gitlab));
    assert_eq!(o.hdd_size, Some(50));
    assert_eq!(o.reuse, Some(ReuseMode::ReuseIdle));
    assert_eq!(o.machine_type.as_deref(), Some("l"));
    let err = serde_json::from_str::<WizardOptions>(r#"{"clould":"aws"}"#).expect_err("unknown field");
    assert!(err.to_string().starts_with("unknown field `clould`"), "{err}");
    let err = serde_json::from_str::<WizardOptions>(r#"{"cloud":"az"}"#).expect_err("unknown cloud");
    assert!(err.to_string().starts_with("unknown variant `az`"), "{err}");
}

#[test]
fn warnings_for_advice() {
    let g = generate(&WizardOptions { gpu: Some("k80".into()), hdd_size: Some(20), ..Default::default() })
        .expect("k80");
    assert_eq!(
        g.warnings,
        vec![
            "K80 machine families (AWS p2) are retired or being retired; prefer v100 or t4".to_string(),
            "a 20 GB disk is small: full disks have left runners hung (iterative/cml#1006); 100 GB is safer"
                .to_string(),
        ]
    );
}

#[test]
fn k80_warning_names_only_the_chosen_clouds_families() {
    let k80 = |cloud| {
        let o = WizardOptions { cloud: Some(cloud), gpu: Some("k80".into()), ..Default::default() };
        generate(&o).expect("k80").warnings
    };
    assert_eq!(
        k80(Cloud::Azure),
        ["K80 machine families (Azure NC v1) are retired or being retired; prefer v100 or t4"]
    );
    assert_eq!(
        k80(Cloud::Gcp),
        ["K80 accelerators (GCP nvidia-tesla-k80) are retired or being retired; prefer v100 or t4"]
    );
    assert_eq!(k80(Cloud::Kubernetes), ["K80 GPUs are retired or being retired; prefer v100 or t4"]);
}

#[test]
fn articles_fit_the_word_after_them() {
    let disk =
        |n| generate(&WizardOptions { hdd_size: Some(n), ..Default::default() }).expect("disk").warnings;
    let small = "GB disk is small: full disks have left runners hung (iterative/cml#1006); 100 GB is safer";
    assert_eq!(disk(8), [format!("an 8 {small}")]);
    assert_eq!(disk(11), [format!("an 11 {small}")]);
    assert_eq!(disk(18), [format!("an 18 {small}")]);
    assert_eq!(disk(1), [format!("a 1 {small}")]);
    assert_eq!(disk(34), [format!("a 34 {small}")]);
    let region = |cloud| {
        let o = WizardOptions { cloud: Some(cloud), region: Some("Mars".into()), ..Default::default() };
        generate(&o).expect_err("bad region")
    };
    let synthetic = "region `Mars` is neither a synthetic region (us-east, us-west, eu-north, eu-west) nor ";
    assert_eq!(region(Cloud::Aws), format!("{synthetic}an AWS region like us-east-2 or us-east-2b"));
    assert_eq!(region(Cloud::Azure), format!("{synthetic}an Azure region like eastus"));
    assert_eq!(region(Cloud::Gcp), format!("{synthetic}a GCP region like us-central1-f"));
}

#[test]
fn never_panics_on_odd_choices() {
    let odd = [
        "",
        " ",
        "m",
        "m+t4",
        "+",
        "m+",
        "+t4",
        "x+y*",
        "a*",
        "1-",
        "-1",
        "8-32000+nvidia-tesla-t4*0",
        "é",
        "\u{0}",
        "us-west1",
        "us-west1-b",
        "us-",
        "never",
        "1h30m",
        "1.5.h",
        "..",
        "cml,,gpu",
        "self-hosted",
        "a b",
        "'",
        "\"",
        "${{ x }}",
        "#",
        "- x",
        "none",
        "nogpu",
        "tesla",
        "nvidia-tesla-t4",
        "g5.2xlarge",
        "Standard_NC6",
    ];
    let mut n = 0;
    for (i, a) in odd.iter().enumerate() {
        let b = odd[(i * 7 + 3) % odd.len()];
        let c = odd[(i * 11 + 5) % odd.len()];
        for forge in Forge::ALL {
            for cloud in Cloud::ALL {
                let o = WizardOptions {
                    forge: Some(forge),
                    cloud: Some(cloud),
                    region: Some(a.to_string()),
                    machine_type: Some(b.to_string()),
                    gpu: Some(c.to_string()),
                    idle_timeout: Some(a.to_string()),
                    labels: Some(vec![c.to_string()]),
                    image: Some(b.to_string()),
                    script: Some(format!("{a}\n{b}\n{c}")),
                    on: Some(vec![a.to_string()]),
                    name: Some(c.to_string()),
                    deploy_job: Some(b.to_string()),
                    spot_price: Some(f64::NAN),
                    spot: Some(true),
                    ..Default::default()
                };
                if let Ok(g) = generate(&o) {
                    assert!(g.text.ends_with('\n'));
                }
                for partial in [
                    WizardOptions { region: Some(a.to_string()), cloud: Some(cloud), ..Default::default() },
                    WizardOptions {
                        machine_type: Some(b.to_string()),
                        gpu: Some(c.to_string()),
                        cloud: Some(cloud),
                        forge: Some(forge),
                        ..Default::default()
                    },
                    WizardOptions { script: Some(a.to_string()), forge: Some(forge), ..Default::default() },
                    WizardOptions {
                        labels: Some(vec![a.to_string(), c.to_string()]),
                        forge: Some(forge),
                        ..Default::default()
                    },
                ] {
                    if let Ok(g) = generate(&partial) {
                        let y = cml_lsp::yaml::parse(&g.text);
                        assert!(y.problems.is_empty(), "{partial:?}\n{}", g.text);
                        n += 1;
                    }
                }
            }
        }
    }
    assert_eq!(n, 527, "valid partial combinations");
}
