//! DVC params files and `dvc.yaml`: the params model, interpolation, the workspace index
//! and the editor features over them.

pub mod formats;
pub mod interp;
pub mod model;
