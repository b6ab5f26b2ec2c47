//! The generated inputs of the speed targets, shared by the benches.
//!
//! - [`workflow`]: a GitHub workflow of `jobs` jobs, alternating a job that launches a
//!   cloud runner and a training job on it (1,000 jobs: about 34,500 lines, 1.08 MB).
//! - [`params`]: a params.yaml of `keys` leaf keys in groups of 100, sub-maps of 4 and
//!   comments (100,000 keys: about 130,000 lines, 2.4 MB).
#![allow(dead_code)]

/// The allocator of the `cml-lsp` binary (see `src/main.rs`), so the figures are the
/// product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A GitHub workflow with `jobs` jobs: `deploy-i` launches a runner labelled `cml-i`,
/// `train-i` runs on it.
pub fn workflow(jobs: usize) -> String {
    let mut s = String::from(
        "name: train\non:\n  push:\n    branches: [main]\n  workflow_dispatch:\nenv:\n  PYTHONUNBUFFERED: 1\njobs:\n",
    );
    for j in 0..jobs {
        let i = j / 2;
        if j % 2 == 0 {
            s.push_str(&format!(
                r#"  deploy-{i}:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
      pull-requests: write
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: iterative/setup-cml@v2
        with:
          version: latest
      - name: Launch runner {i}
        env:
          REPO_TOKEN: ${{{{ secrets.PERSONAL_ACCESS_TOKEN }}}}
          AWS_ACCESS_KEY_ID: ${{{{ secrets.AWS_ACCESS_KEY_ID }}}}
          AWS_SECRET_ACCESS_KEY: ${{{{ secrets.AWS_SECRET_ACCESS_KEY }}}}
        run: |
          echo "launching runner {i}"
          export TF_LOG_PROVIDER=INFO
          cml runner launch \
            --cloud=aws \
            --cloud-region=us-west \
            --cloud-type=m+t4 \
            --cloud-hdd-size=100 \
            --cloud-spot \
            --idle-timeout=10min \
            --reuse-idle \
            --labels=cml-{i}
          echo "runner {i} launched"
      # The train job waits for this runner.
      - name: Record the runner
        run: |
          echo "deploy-{i} done" >> "$GITHUB_STEP_SUMMARY"
          echo "labels: cml-{i}"
"#
            ));
        } else {
            s.push_str(&format!(
                r#"  train-{i}:
    needs: deploy-{i}
    runs-on: [self-hosted, cml-{i}]
    container:
      image: iterativeai/cml:0-dvc2-base1-gpu
      options: --gpus all
    timeout-minutes: 600
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install dependencies
        run: |
          pip install --upgrade pip
          pip install -r requirements.txt
      - name: Train model {i}
        env:
          REPO_TOKEN: ${{{{ secrets.PERSONAL_ACCESS_TOKEN }}}}
          AWS_ACCESS_KEY_ID: ${{{{ secrets.AWS_ACCESS_KEY_ID }}}}
          AWS_SECRET_ACCESS_KEY: ${{{{ secrets.AWS_SECRET_ACCESS_KEY }}}}
        run: |
          dvc pull data
          dvc repro train-{i}
          dvc metrics diff main --md >> report.md
          dvc plots diff main > plot.json
          cml comment create --publish report.md
      - uses: actions/upload-artifact@v4
        with:
          name: model-{i}
          path: models/
          retention-days: 7
      # Keep the metrics of every run.
"#
            ));
        }
    }
    s
}

/// A params.yaml with `keys` leaf keys: groups of 100 keys, each in sub-maps of 4, with
/// numbers, strings, flow lists, booleans and comments.
pub fn params(keys: usize) -> String {
    let mut s = String::from("# generated params\n");
    for g in 0..keys.div_ceil(100) {
        s.push_str(&format!("group{g}:  # stage {g}\n"));
        for k in 0..100.min(keys - g * 100) {
            if k % 25 == 0 {
                s.push_str(&format!("  # block {}\n", k / 25));
            }
            if k % 4 == 0 {
                s.push_str(&format!("  sub{}:\n", k / 4));
            }
            match k % 4 {
                0 => s.push_str(&format!("    lr{k}: 0.{k:03}\n")),
                1 => s.push_str(&format!("    name{k}: \"model-{g}-{k}\"\n")),
                2 => s.push_str(&format!("    layers{k}: [{k}, {}, 8]\n", k * 2)),
                _ => s.push_str(&format!("    flag{k}: true\n")),
            }
        }
    }
    s
}

/// "N lines, X.XX MB" for bench names and headers.
pub fn size(text: &str) -> String {
    format!("{} lines, {:.2} MB", text.lines().count(), text.len() as f64 / 1e6)
}
