//! A throwaway project on disk for params and dvc.yaml tests.

use cml_lsp::workspace::DiskWorkspace;

/// Writes `files` (relative path, text) into a fresh temporary directory, the workspace's
/// one root. Keep the `TempDir`: the files go with it.
pub fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, DiskWorkspace) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let ws = DiskWorkspace { roots: vec![dir.path().to_path_buf()] };
    (dir, ws)
}
