//! DVC params files and `dvc.yaml`: the params model, interpolation, the workspace index
//! and the editor features over them.

pub mod api;
pub mod dvc;
pub mod formats;
pub mod git;
pub mod index;
pub mod interp;
pub mod model;
pub mod schema;
pub mod yaml_model;

pub use api::{analyze, completion, definition, hover, prepare_rename, references, rename, symbols};
