//! The one error type at mlx-core's public boundary.

use crate::{Device, Dtype};
use thiserror::Error;

/// Result alias used throughout oxidized MLX.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when building or evaluating a graph.
///
/// Each variant names the op and the offending shapes or dtypes so that the
/// message alone is enough to find the bug.
///
/// ```
/// use mlx_core::Error;
/// let e = Error::Broadcast { op: "add", lhs: vec![2, 3], rhs: vec![4] };
/// assert!(e.to_string().contains("[2, 3]"));
/// ```
#[derive(Debug, Clone, Error, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Two shapes that do not broadcast together.
    #[error("{op}: shapes {lhs:?} and {rhs:?} cannot be broadcast together")]
    Broadcast {
        /// The op being built.
        op: &'static str,
        /// Left shape.
        lhs: Vec<usize>,
        /// Right shape.
        rhs: Vec<usize>,
    },
    /// An axis outside `[-ndim, ndim)`.
    #[error("{op}: axis {axis} is out of range for an array with {ndim} dimensions")]
    Axis {
        /// The op being built.
        op: &'static str,
        /// The axis as given.
        axis: i64,
        /// The array's rank.
        ndim: usize,
    },
    /// A shape that does not fit the op (wrong rank, mismatched sizes, ...).
    #[error("{op}: {msg} (shapes {shapes:?})")]
    Shape {
        /// The op being built.
        op: &'static str,
        /// What is wrong.
        msg: String,
        /// The shapes involved.
        shapes: Vec<Vec<usize>>,
    },
    /// A dtype the op does not accept.
    #[error("{op}: {msg} (dtypes {dtypes:?})")]
    Dtype {
        /// The op being built.
        op: &'static str,
        /// What is wrong.
        msg: String,
        /// The dtypes involved.
        dtypes: Vec<Dtype>,
    },
    /// Any other invalid argument (negative size, bad parameter value, ...).
    #[error("{op}: {msg}")]
    InvalidArgument {
        /// The op being built.
        op: &'static str,
        /// What is wrong.
        msg: String,
    },
    /// Host data whose length does not match the requested shape.
    #[error("{op}: {len} elements cannot fill shape {shape:?} ({expected} elements)")]
    DataLength {
        /// The op being built.
        op: &'static str,
        /// Elements provided.
        len: usize,
        /// Shape requested.
        shape: Vec<usize>,
        /// Elements the shape needs.
        expected: usize,
    },
    /// Reading data as the wrong Rust type.
    #[error("{op}: array has dtype {actual}, not {requested}")]
    DtypeMismatch {
        /// The op being built.
        op: &'static str,
        /// The array's dtype.
        actual: Dtype,
        /// The requested dtype.
        requested: Dtype,
    },
    /// Inputs of one op living on different devices.
    #[error("{op}: inputs live on different devices ({a} and {b}); move one with to_device")]
    DeviceMismatch {
        /// The op being built.
        op: &'static str,
        /// First device.
        a: Device,
        /// Second device.
        b: Device,
    },
    /// Inputs of one op from different graph contexts.
    #[error("{op}: inputs belong to different graph contexts")]
    ContextMismatch {
        /// The op being built.
        op: &'static str,
    },
    /// No backend is registered for a device.
    #[error("no backend is registered for device {0}")]
    NoBackend(Device),
    /// A function transform has no rule for a primitive.
    #[error("{transform}: no rule for primitive {primitive}")]
    NoRule {
        /// The transform (`vmap`, `vjp`, `jvp`).
        transform: &'static str,
        /// The primitive's name.
        primitive: String,
    },
    /// A backend failed while running an op.
    #[error("backend {backend} failed on {op} (shape {shape:?}, dtype {dtype}): {msg}")]
    Backend {
        /// The backend's name.
        backend: &'static str,
        /// The op being run.
        op: String,
        /// Output shape.
        shape: Vec<usize>,
        /// Output dtype.
        dtype: Dtype,
        /// The backend's message.
        msg: String,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid(op: &'static str, msg: impl Into<String>) -> Self {
        Error::InvalidArgument {
            op,
            msg: msg.into(),
        }
    }

    /// Shorthand for [`Error::Shape`].
    pub fn shape(op: &'static str, msg: impl Into<String>, shapes: Vec<Vec<usize>>) -> Self {
        Error::Shape {
            op,
            msg: msg.into(),
            shapes,
        }
    }

    /// Shorthand for [`Error::Dtype`].
    pub fn dtype(op: &'static str, msg: impl Into<String>, dtypes: Vec<Dtype>) -> Self {
        Error::Dtype {
            op,
            msg: msg.into(),
            dtypes,
        }
    }
}
