//! The harness's error type: bad files, bad arguments, op errors and panics.

use std::path::PathBuf;

/// Result alias of the harness.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while loading or running cases.
///
/// [`Error::Op`] carries the error an `mlx_ops` call returned; every other
/// variant comes from the harness itself (files, arguments, panics).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A case file or report that is not valid JSON of the expected shape.
    #[error("{path}: invalid JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// A safetensors file that cannot be parsed or written.
    #[error("{path}: invalid safetensors: {msg}")]
    Safetensors {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// A tensor argument naming an input that the inputs file lacks.
    #[error("input `{0}` is in neither the inputs file nor its namespace")]
    MissingInput(String),
    /// An input whose stored data does not fit its dtype or shape.
    #[error("input `{key}`: {msg}")]
    BadInput {
        /// The input key.
        key: String,
        /// What is wrong.
        msg: String,
    },
    /// An op name the registry does not map.
    #[error("op `{0}` is not mapped in the registry")]
    UnknownOp(String),
    /// An argument that cannot be converted for the op (MLX's `TypeError`).
    #[error("{op}: argument `{arg}`: {msg}")]
    BadArgument {
        /// The op.
        op: String,
        /// The argument's name (or position).
        arg: String,
        /// What is wrong.
        msg: String,
    },
    /// An error returned by an `mlx_ops` call (at build or at evaluation).
    #[error("{0}")]
    Op(#[from] mlx_ops::Error),
    /// The op (or its kernel) panicked.
    #[error("panicked: {0}")]
    Panic(String),
    /// A bad command line.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
