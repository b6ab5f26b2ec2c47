//! Measures indexing of a 100,000-key params file and one keystroke's analysis:
//! `cargo run --release --example params_bench`.

use std::sync::Arc;
use std::time::Instant;

use cml_lsp::analysis::FileInput;
use cml_lsp::config::Settings;
use cml_lsp::kind::{FileKind, ParamsFormat};
use cml_lsp::params::{api, git::NoHead, index};
use cml_lsp::workspace::DiskWorkspace;

fn main() {
    let mut yaml = String::new();
    for g in 0..1000 {
        yaml.push_str(&format!("group{g}:\n"));
        for k in 0..100 {
            yaml.push_str(&format!("  key{k}: {}\n", g * 100 + k));
        }
    }
    let path = std::path::PathBuf::from("/nonexistent/params.yaml");
    let ws = DiskWorkspace::default();
    let t = Instant::now();
    let doc = index::load_text(&path, Arc::from(yaml.as_str()));
    let idx = t.elapsed();
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "nodes {} problems {:?} root {:?}\n",
            doc.tree.nodes.len(),
            doc.tree.problems.first(),
            doc.tree.root
        )
        .as_bytes(),
    );
    let mut edited = yaml.clone();
    edited.insert(yaml.len() - 2, '1');
    let t = Instant::now();
    let input = FileInput { path: &path, text: &edited, kind: FileKind::Params(ParamsFormat::Yaml) };
    let d = api::analyze_with(&input, &ws, &Settings::default(), &NoHead);
    let key = t.elapsed();
    let mut json = String::from("{");
    for i in 0..100_000 {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!("\"k{i}\": {i}"));
    }
    json.push('}');
    let mut js = std::time::Duration::MAX;
    let mut raw = std::time::Duration::MAX;
    let mut ty = std::time::Duration::MAX;
    let mut toml = String::new();
    for i in 0..100_000 {
        toml.push_str(&format!("k{i} = {i}\n"));
    }
    for _ in 0..5 {
        let t = Instant::now();
        let _ = cml_lsp::params::formats::from_json(&json);
        js = js.min(t.elapsed());
        let t = Instant::now();
        let _ = jsonc_parser::parse_to_ast(&json, &Default::default(), &Default::default());
        raw = raw.min(t.elapsed());
        let t = Instant::now();
        let _ = cml_lsp::params::formats::from_toml(&toml);
        ty = ty.min(t.elapsed());
    }
    let js = format!("{js:?} (jsonc-parser alone {raw:?}); toml 100k keys {ty:?}");
    let _ = d;
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("yaml 100k keys ({} bytes): index {idx:?}; keystroke re-analysis {key:?}; json 100k keys {js:?}\n", yaml.len()).as_bytes(),
    );
}
