//! Devices and the per-thread default device (MLX's `set_default_device`).

use std::cell::Cell;
use std::fmt;

/// The kind of a device, one per backend family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeviceKind {
    /// The pure-Rust CPU backend (always present; the fallback of every other).
    Cpu,
    /// Upstream MLX C++ through the FFI bridge.
    Ffi,
    /// The native CUDA backend.
    Cuda,
    /// A native Metal backend.
    Metal,
}

/// A device: a backend kind and an index (GPU ordinal; 0 for the CPU).
///
/// ```
/// use mlx_core::Device;
/// assert_eq!(Device::cpu().to_string(), "cpu:0");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Device {
    /// Backend kind.
    pub kind: DeviceKind,
    /// Ordinal within that kind.
    pub index: u32,
}

impl Device {
    /// The CPU device.
    pub const fn cpu() -> Device {
        Device {
            kind: DeviceKind::Cpu,
            index: 0,
        }
    }

    /// A device of `kind` with ordinal `index`.
    pub const fn new(kind: DeviceKind, index: u32) -> Device {
        Device { kind, index }
    }

    /// True for the CPU device.
    pub fn is_cpu(self) -> bool {
        self.kind == DeviceKind::Cpu
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = match self.kind {
            DeviceKind::Cpu => "cpu",
            DeviceKind::Ffi => "ffi",
            DeviceKind::Cuda => "cuda",
            DeviceKind::Metal => "metal",
        };
        write!(f, "{k}:{}", self.index)
    }
}

thread_local! {
    static DEFAULT_DEVICE: Cell<Device> = const { Cell::new(Device::cpu()) };
}

/// The device new tensors are created on by this thread.
///
/// ```
/// use mlx_core::{default_device, Device};
/// assert_eq!(default_device(), Device::cpu());
/// ```
pub fn default_device() -> Device {
    DEFAULT_DEVICE.with(|d| d.get())
}

/// Sets this thread's default device; returns the previous one.
///
/// ```
/// use mlx_core::{set_default_device, Device};
/// let old = set_default_device(Device::cpu());
/// set_default_device(old);
/// ```
pub fn set_default_device(device: Device) -> Device {
    DEFAULT_DEVICE.with(|d| d.replace(device))
}
