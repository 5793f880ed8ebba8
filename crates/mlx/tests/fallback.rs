//! The Backend contract: a device backend that answers "unsupported" gets
//! its nodes run on the CPU with explicit transfers, and results are right.

use mlx::backend::{register_backend, Backend, BackendError, CpuBackend};
use mlx::prelude::*;
use mlx::{ArrayData, Buffer, DeviceKind, HostBuffer};
use mlx_core::{DeviceBuffer, OpCall, Primitive};
use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Memory of the toy device: host bytes the CPU may not read directly.
#[derive(Debug)]
struct ToyBuffer(Buffer);

impl DeviceBuffer for ToyBuffer {
    fn device(&self) -> Device {
        TOY
    }
    fn dtype(&self) -> Dtype {
        self.0.dtype()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const TOY: Device = Device::new(DeviceKind::Metal, 7);

/// Runs only `Add`; everything else is unsupported.
#[derive(Default)]
struct Toy {
    ran: AtomicUsize,
    uploads: AtomicUsize,
}

impl Backend for Toy {
    fn name(&self) -> &'static str {
        "toy"
    }
    fn device(&self) -> Device {
        TOY
    }
    fn eval(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
        if call.primitive != &Primitive::Binary(mlx_core::BinaryOp::Add) {
            return Err(BackendError::Unsupported {
                backend: "toy",
                op: call.primitive.name(),
                reason: "the toy runs only add".into(),
            });
        }
        self.ran.fetch_add(1, Ordering::SeqCst);
        let host: Vec<ArrayData> = call
            .inputs
            .iter()
            .map(|d| ArrayData {
                buffer: self.download(&d.buffer).expect("toy buffers"),
                ..d.clone()
            })
            .collect();
        let out = CpuBackend.eval(&OpCall {
            inputs: &host,
            ..*call
        })?;
        Ok(ArrayData {
            buffer: self.upload(&out.buffer)?,
            ..out
        })
    }
    fn download(&self, b: &Buffer) -> Result<Buffer, BackendError> {
        b.downcast_ref::<ToyBuffer>()
            .map(|t| t.0.clone())
            .ok_or(BackendError::Failed {
                backend: "toy",
                message: "foreign buffer".into(),
            })
    }
    fn upload(&self, b: &Buffer) -> Result<Buffer, BackendError> {
        self.uploads.fetch_add(1, Ordering::SeqCst);
        Ok(Buffer::new(ToyBuffer(b.clone())))
    }
}

#[test]
fn unsupported_nodes_fall_back_to_the_cpu() -> Result<()> {
    let toy = Arc::new(Toy::default());
    register_backend(toy.clone());
    let old = mlx::set_default_device(TOY);
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?;
    assert_eq!(x.device(), TOY);
    let y = x.add(&x)?.exp()?.add(1.0)?; // add on the toy, exp on the CPU
    assert_eq!(y.device(), TOY);
    let d = y.data()?;
    assert_eq!(d.buffer.device(), TOY);
    assert!(d.buffer.as_host().is_none());
    let v = y.to_vec::<f32>()?;
    for (got, x) in v.iter().zip([1.0f32, 2.0, 3.0]) {
        assert!((got - ((2.0 * x).exp() + 1.0)).abs() < 1e-3, "{got}");
    }
    assert_eq!(toy.ran.load(Ordering::SeqCst), 2);
    assert!(toy.uploads.load(Ordering::SeqCst) >= 3);
    mlx::set_default_device(old);
    // mixing devices without an explicit transfer is an error
    let cpu = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?;
    let e = cpu.add(&y).unwrap_err();
    assert!(matches!(e, Error::DeviceMismatch { .. }), "{e}");
    let back = y.to_device(Device::cpu())?;
    assert_eq!(cpu.add(&back)?.to_vec::<f32>()?.len(), 3);
    Ok(())
}

#[test]
fn default_device_is_per_thread() {
    let other = std::thread::spawn(|| {
        mlx::set_default_device(Device::new(DeviceKind::Cuda, 3));
        mlx::default_device()
    })
    .join()
    .expect("thread");
    assert_eq!(other, Device::new(DeviceKind::Cuda, 3));
    assert_eq!(mlx::default_device(), Device::cpu());
}

#[test]
fn a_device_without_a_backend_is_a_typed_error() -> Result<()> {
    let dev = Device::new(DeviceKind::Cuda, 99);
    let x = Tensor::from_slice(&[1.0f32], &[1])?.to_device(dev)?;
    let e = x.eval().unwrap_err();
    assert!(matches!(e, Error::NoBackend(d) if d == dev), "{e}");
    let _ = HostBuffer::zeros(Dtype::Bool, 1);
    Ok(())
}
