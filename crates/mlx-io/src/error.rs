//! The error type of every loader and saver.

use thiserror::Error;

/// What can go wrong reading or writing an array file. Every variant names
/// the operation and the file (`<memory>` for in-memory data), and where it
/// applies the key, dtype and shape involved.
///
/// ```
/// let e = mlx_io::load_safetensors("/no/such/file.safetensors").unwrap_err();
/// assert!(e.to_string().contains("/no/such/file.safetensors"));
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IoError {
    /// The file could not be opened, read or written.
    #[error("{op}: cannot access {file}: {source}")]
    File {
        /// The operation (`load_safetensors`, `save_npy`, ...).
        op: &'static str,
        /// The file.
        file: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a valid file of the format (truncated, garbled).
    #[error("{op}: {file} is not valid {format}: {msg}")]
    Format {
        /// The operation.
        op: &'static str,
        /// The file.
        file: String,
        /// The format expected.
        format: &'static str,
        /// What is wrong.
        msg: String,
    },
    /// An element type the format names but oxidized MLX does not have (or
    /// the reverse).
    #[error("{op}: {file}: array {key:?} has unsupported dtype {dtype}")]
    Dtype {
        /// The operation.
        op: &'static str,
        /// The file.
        file: String,
        /// The array's key.
        key: String,
        /// The dtype as the file (or the tensor) spells it.
        dtype: String,
    },
    /// An array whose stored bytes do not match its shape and dtype.
    #[error("{op}: {file}: array {key:?} of shape {shape:?} and dtype {dtype} needs {expected} bytes, found {actual}")]
    Shape {
        /// The operation.
        op: &'static str,
        /// The file.
        file: String,
        /// The array's key.
        key: String,
        /// The declared shape.
        shape: Box<[usize]>,
        /// The declared dtype.
        dtype: Box<str>,
        /// Bytes the shape and dtype need (saturated at `u64::MAX`).
        expected: u64,
        /// Bytes available.
        actual: u64,
    },
    /// A request the format cannot serve (metadata for npy, unknown format).
    #[error("{op}: {file}: {msg}")]
    Unsupported {
        /// The operation.
        op: &'static str,
        /// The file.
        file: String,
        /// What is not supported.
        msg: String,
    },
    /// Evaluating or building a tensor failed.
    #[error("{op}: {file}: array {key:?}: {source}")]
    Tensor {
        /// The operation.
        op: &'static str,
        /// The file.
        file: String,
        /// The array's key.
        key: String,
        /// The runtime's error.
        #[source]
        source: Box<mlx_core::Error>,
    },
}

impl From<IoError> for mlx_core::Error {
    /// Lets `?` carry an I/O failure into code returning `mlx::Result`.
    fn from(e: IoError) -> mlx_core::Error {
        let op = match &e {
            IoError::File { op, .. }
            | IoError::Format { op, .. }
            | IoError::Dtype { op, .. }
            | IoError::Shape { op, .. }
            | IoError::Unsupported { op, .. }
            | IoError::Tensor { op, .. } => *op,
        };
        mlx_core::Error::invalid(op, e.to_string())
    }
}

/// Result alias of this crate.
pub type Result<T, E = IoError> = std::result::Result<T, E>;

/// The operation and file an error is reported against.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    pub op: &'static str,
    pub file: String,
}

impl Ctx {
    pub fn new(op: &'static str, file: impl Into<String>) -> Ctx {
        Ctx {
            op,
            file: file.into(),
        }
    }
    pub fn file_err(&self, source: std::io::Error) -> IoError {
        IoError::File {
            op: self.op,
            file: self.file.clone(),
            source,
        }
    }
    pub fn format(&self, format: &'static str, msg: impl Into<String>) -> IoError {
        IoError::Format {
            op: self.op,
            file: self.file.clone(),
            format,
            msg: msg.into(),
        }
    }
    pub fn dtype(&self, key: &str, dtype: impl Into<String>) -> IoError {
        IoError::Dtype {
            op: self.op,
            file: self.file.clone(),
            key: key.to_string(),
            dtype: dtype.into(),
        }
    }
    pub fn unsupported(&self, msg: impl Into<String>) -> IoError {
        IoError::Unsupported {
            op: self.op,
            file: self.file.clone(),
            msg: msg.into(),
        }
    }
    pub fn tensor(&self, key: &str, source: mlx_core::Error) -> IoError {
        IoError::Tensor {
            op: self.op,
            file: self.file.clone(),
            key: key.to_string(),
            source: Box::new(source),
        }
    }
}
