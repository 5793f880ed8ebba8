//! The narrow waist between the graph and the hardware.
//!
//! # The contract
//!
//! * A backend owns the buffers of its device ([`Buffer`] wraps a
//!   [`crate::DeviceBuffer`] of the backend's own type) and is `Send + Sync`.
//! * [`Backend::eval`] receives one [`OpCall`]: a primitive, its inputs as
//!   [`ArrayData`] (a buffer plus the strided [`crate::Layout`] through which
//!   the node sees it; inputs may be broadcast, transposed or sliced views)
//!   and the output shape and dtype. It returns a new `ArrayData`, normally a
//!   row-contiguous freshly written buffer. It never mutates an input.
//! * View primitives (reshape of contiguous data, broadcast, transpose,
//!   slice, as_strided) never reach a backend: the scheduler rewrites the
//!   layout itself.
//! * A backend that cannot run a primitive (an op, a dtype, a layout) returns
//!   [`BackendError::Unsupported`]. The scheduler then moves the inputs to the
//!   host with [`Backend::download`], runs the node on the CPU backend, and
//!   moves the result back with [`Backend::upload`]: there is always a
//!   fallback. Any other failure is [`BackendError::Failed`], which becomes
//!   [`crate::Error::Backend`] for the user.
//! * Work may be queued asynchronously; [`Backend::download`] must return
//!   data that reflects every write queued before it (it waits), and
//!   [`Backend::synchronize`] waits for everything queued.
//! * A backend for Metal maps the same way: `eval` encodes into a command
//!   buffer, buffers are `MTLBuffer`s (shared storage makes `download` a wait
//!   plus a view), and a pipeline cache keyed by primitive, dtypes and layout
//!   plays the role NVRTC's cache plays for CUDA.

use crate::{ArrayData, Buffer, Device, OpCall};
use parking_lot::RwLock;
use std::sync::Arc;
use thiserror::Error;

/// A backend's answer when it does not run a node.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum BackendError {
    /// This backend does not implement the request; the scheduler falls back
    /// to the CPU backend.
    #[error("{backend} does not support {op}: {reason}")]
    Unsupported {
        /// The backend's name.
        backend: &'static str,
        /// The primitive's name.
        op: String,
        /// Why (dtype, layout, op).
        reason: String,
    },
    /// The backend tried and failed.
    #[error("{backend} failed: {message}")]
    Failed {
        /// The backend's name.
        backend: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// A compute backend (see the module documentation for the contract).
///
/// ```
/// use mlx_core::{backend::{Backend, BackendError}, ArrayData, Buffer, Device, OpCall};
/// /// A backend that runs nothing: every node falls back to the CPU.
/// struct Null;
/// impl Backend for Null {
///     fn name(&self) -> &'static str { "null" }
///     fn device(&self) -> Device { Device::new(mlx_core::DeviceKind::Metal, 9) }
///     fn eval(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
///         Err(BackendError::Unsupported { backend: "null", op: call.primitive.name(), reason: "nothing is".into() })
///     }
///     fn download(&self, b: &Buffer) -> Result<Buffer, BackendError> { Ok(b.clone()) }
///     fn upload(&self, b: &Buffer) -> Result<Buffer, BackendError> { Ok(b.clone()) }
/// }
/// ```
pub trait Backend: Send + Sync + 'static {
    /// A short name for messages.
    fn name(&self) -> &'static str;
    /// The device this backend serves.
    fn device(&self) -> Device;
    /// Runs one node.
    fn eval(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError>;
    /// A host-resident buffer with the same contents (waits for pending
    /// writes). The CPU backend returns its input unchanged.
    fn download(&self, buffer: &Buffer) -> Result<Buffer, BackendError>;
    /// A buffer of this device holding the contents of a host buffer.
    fn upload(&self, buffer: &Buffer) -> Result<Buffer, BackendError>;
    /// True when the backend runs [`crate::Primitive::Fused`] nodes; the
    /// scheduler fuses elementwise chains only for such backends, so others
    /// see the unfused graph.
    fn fuses(&self) -> bool {
        false
    }
    /// Waits for all queued work.
    fn synchronize(&self) -> Result<(), BackendError> {
        Ok(())
    }
}

static REGISTRY: RwLock<Vec<Arc<dyn Backend>>> = RwLock::new(Vec::new());

/// Registers (or replaces) the backend serving `backend.device()`.
///
/// ```
/// # use mlx_core::backend::*;
/// assert!(registered_devices().len() <= 8);
/// ```
pub fn register_backend(backend: Arc<dyn Backend>) {
    let mut r = REGISTRY.write();
    let d = backend.device();
    r.retain(|b| b.device() != d);
    r.push(backend);
}

/// The backend serving `device`, if one is registered.
pub fn backend_for(device: Device) -> Option<Arc<dyn Backend>> {
    REGISTRY
        .read()
        .iter()
        .find(|b| b.device() == device)
        .cloned()
}

/// The devices that have a backend.
pub fn registered_devices() -> Vec<Device> {
    REGISTRY.read().iter().map(|b| b.device()).collect()
}
