//! The declarative case files (`cases/*.json`).
//!
//! ```json
//! {"inputs": {"x": {"shape": [3, 4], "dtype": "float32", "init": "normal"}},
//!  "cases": [{"name": "unary/exp/f32", "op": "exp", "args": [{"tensor": "x"}]}]}
//! ```
//!
//! The input specs only matter to the Python generator, which materialises
//! them; the runner reads the stored inputs from a safetensors file.

use crate::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One case file: named input specs and the cases that use them.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The script that wrote the file, when it is generated.
    #[serde(default)]
    pub generated_by: Option<String>,
    /// Input specs by key.
    #[serde(default)]
    pub inputs: BTreeMap<String, InputSpec>,
    /// The cases, in order.
    pub cases: Vec<Case>,
}

/// How the generator builds one input (the runner only checks its dtype and
/// shape against the stored data).
#[derive(Clone, Debug, Deserialize)]
pub struct InputSpec {
    /// The shape.
    pub shape: Vec<usize>,
    /// MLX's dtype name (`float32` when absent).
    #[serde(default = "default_dtype")]
    pub dtype: String,
    /// `normal`, `uniform`, `randint`, `bool`, `arange`, `special` or `values`.
    #[serde(default)]
    pub init: Option<String>,
    /// Init parameters (`low`, `high`, `scale`, `values`, ...).
    #[serde(flatten)]
    pub params: BTreeMap<String, serde_json::Value>,
}

fn default_dtype() -> String {
    "float32".into()
}

/// One call of one op.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// A name unique across all case files.
    pub name: String,
    /// MLX's name of the op as in `mlx.core` (`add`, `random.normal`, ...).
    pub op: String,
    /// Positional arguments: `{"tensor": key, "view": ...}`, `{"dtype": name}`
    /// or JSON literals (lists may nest tensors).
    #[serde(default)]
    pub args: Vec<serde_json::Value>,
    /// Keyword arguments with MLX's names.
    #[serde(default)]
    pub kwargs: BTreeMap<String, serde_json::Value>,
    /// Makes this a gradient case: the outputs are the gradients of
    /// `sum(op(args))` (summed over every output of a tuple result) with
    /// respect to the positional tensor arguments `argnums`, stored as
    /// `<case>.<i>` (`mx.grad` in MLX, [`mlx_autograd::grad`] here).
    #[serde(default)]
    pub grad: Option<GradSpec>,
}

/// The differentiated arguments of a gradient case.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradSpec {
    /// Positions (in `args`) of the tensor arguments to differentiate.
    pub argnums: Vec<usize>,
}

impl CaseFile {
    /// Parses a case file.
    pub fn load(path: &Path) -> Result<CaseFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text).map_err(|source| Error::Json {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Parses case-file JSON text.
    pub fn parse(text: &str) -> std::result::Result<CaseFile, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// The namespace of a case file's inputs in a shared inputs file: the file
/// stem (`cases/unary.json` stores its input `x` as `unary/x`).
pub fn namespace(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every `*.json` file of a directory, sorted.
pub fn case_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files = vec![];
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
