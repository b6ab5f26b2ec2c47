//! DVC params files and `dvc.yaml`: the params model, interpolation, the workspace index
//! and the editor features over them.

pub mod dvc;
pub mod formats;
pub mod index;
pub mod interp;
pub mod model;
pub mod schema;
pub mod yaml_model;
