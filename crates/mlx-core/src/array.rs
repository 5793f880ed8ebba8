//! [`Array`]: the lazy handle to one graph node.

use crate::graph::{Context, Node, NodeId, ScalarKey};
use crate::{
    backend, default_device, shape::numel, ArrayData, Buffer, Device, Dtype, Element, Error,
    HostBuffer, Layout, Native, Primitive, Result,
};
use smallvec::SmallVec;
use std::fmt;
use std::sync::Arc;

struct Handle {
    id: NodeId,
    ctx: Arc<Context>,
    shape: Arc<[usize]>,
    dtype: Dtype,
    device: Device,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let mut garbage = Vec::new();
        {
            let mut g = self.ctx.graph.lock();
            g.node_mut(self.id).handles -= 1;
            g.maybe_free(self.id, &mut garbage);
        }
        drop(garbage);
    }
}

/// A lazy array: a cheap, `Send + Sync` handle (a node id plus a shared
/// context). Shape, dtype and device are known without evaluating.
/// Cloning shares the node; dropping the last handle frees the node and,
/// once nothing else needs it, its buffer.
///
/// This is the runtime's raw handle; users normally hold `mlx_ops::Tensor`,
/// which wraps it and carries the op API.
///
/// ```
/// use mlx_core::Array;
/// let a = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
/// assert_eq!(a.shape(), &[3]);
/// assert!(a.is_evaluated()); // constants carry their data
/// ```
#[derive(Clone)]
pub struct Array(Arc<Handle>);

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Array(id={}, shape={:?}, dtype={}, device={})",
            self.0.id,
            self.shape(),
            self.dtype(),
            self.device()
        )
    }
}

impl Array {
    /// Adds a node computing `prim` of `inputs`, with the given output shape
    /// and dtype, on the inputs' device. Op builders call this after checking
    /// shapes and dtypes; nothing is computed.
    pub fn from_op(
        op: &'static str,
        prim: Primitive,
        inputs: &[&Array],
        shape: Vec<usize>,
        dtype: Dtype,
    ) -> Result<Array> {
        let device = match inputs.first() {
            Some(a) => a.device(),
            None => default_device(),
        };
        Array::from_op_on(op, prim, inputs, shape, dtype, device)
    }

    /// As [`Array::from_op`], on an explicit device (sources and transfers).
    pub fn from_op_on(
        op: &'static str,
        prim: Primitive,
        inputs: &[&Array],
        shape: Vec<usize>,
        dtype: Dtype,
        device: Device,
    ) -> Result<Array> {
        let ctx = match inputs.first() {
            Some(a) => a.0.ctx.clone(),
            None => Context::current(),
        };
        for a in inputs {
            if !Arc::ptr_eq(&a.0.ctx, &ctx) {
                return Err(Error::ContextMismatch { op });
            }
            if a.device() != device && !matches!(prim, Primitive::Transfer) {
                return Err(Error::DeviceMismatch {
                    op,
                    a: device,
                    b: a.device(),
                });
            }
        }
        let ids: SmallVec<[NodeId; 2]> = inputs.iter().map(|a| a.0.id).collect();
        Ok(Array::insert(
            ctx,
            prim,
            ids,
            if shape.is_empty() {
                shared_shape(&[])
            } else {
                shape.into()
            },
            dtype,
            device,
            None,
        ))
    }

    fn insert(
        ctx: Arc<Context>,
        prim: Primitive,
        inputs: SmallVec<[NodeId; 2]>,
        shape: Arc<[usize]>,
        dtype: Dtype,
        device: Device,
        value: Option<ArrayData>,
    ) -> Array {
        let id = ctx.graph.lock().insert(Node {
            prim,
            inputs,
            shape: shape.clone(),
            dtype,
            device,
            handles: 1,
            users: 0,
            pins: 0,
            value,
            mark: 0,
            slot: 0,
            fusible: crate::fusion::fusion_enabled(),
        });
        Array(Arc::new(Handle {
            id,
            ctx,
            shape,
            dtype,
            device,
        }))
    }

    /// A constant array holding a host buffer, on this thread's default
    /// device (a non-CPU device gets an explicit transfer node).
    pub fn from_host(buffer: HostBuffer, shape: &[usize]) -> Result<Array> {
        if buffer.len() != numel(shape) {
            return Err(Error::DataLength {
                op: "array",
                len: buffer.len(),
                shape: shape.to_vec(),
                expected: numel(shape),
            });
        }
        let dtype = buffer.dtype();
        let ctx = Context::current();
        let key = (shape.is_empty() && buffer.bytes().len() <= 8).then(|| {
            let mut bytes = [0u8; 8];
            bytes[..buffer.bytes().len()].copy_from_slice(buffer.bytes());
            (dtype, bytes)
        });
        let device = default_device();
        if let Some(a) = key.and_then(|k| Array::interned(&ctx, &k, device)) {
            return Ok(a);
        }
        let data = ArrayData::contiguous(Buffer::new(buffer), shape);
        let cpu = Array::insert(
            ctx,
            Primitive::Constant,
            SmallVec::new(),
            shared_shape(shape),
            dtype,
            Device::cpu(),
            Some(data),
        );
        if let Some(key) = key {
            cpu.0.ctx.graph.lock().intern_scalar(key, cpu.0.id);
        }
        if device.is_cpu() {
            Ok(cpu)
        } else {
            cpu.to_device(device)
        }
    }

    /// A live 0-d CPU constant with this key, as a new handle.
    fn interned(ctx: &Arc<Context>, key: &ScalarKey, device: Device) -> Option<Array> {
        if !device.is_cpu() {
            return None;
        }
        let mut g = ctx.graph.lock();
        let id = g.interned_scalar(key)?;
        let n = g.node_mut(id);
        n.handles += 1;
        let shape = n.shape.clone();
        drop(g);
        Some(Array(Arc::new(Handle {
            id,
            ctx: ctx.clone(),
            shape,
            dtype: key.0,
            device,
        })))
    }

    /// A 0-d constant holding `value` converted to `dtype` with MLX's
    /// conversion rules. Equal constants built on the same thread share one
    /// node while it is alive, so `x + 1.0` in a loop allocates nothing for
    /// the scalar.
    ///
    /// ```
    /// use mlx_core::{Array, Dtype, Scalar};
    /// let a = Array::from_scalar(Scalar::from(2.5), Dtype::Float16);
    /// assert_eq!(a.dtype(), Dtype::Float16);
    /// assert!(a.same_node(&Array::from_scalar(Scalar::from(2.5), Dtype::Float16)));
    /// ```
    pub fn from_scalar(value: crate::Scalar, dtype: Dtype) -> Array {
        let key = crate::dispatch_dtype!(dtype, T => {
            let v = <T as crate::scalar::FromScalar>::from_scalar(value);
            let b = bytemuck::bytes_of(&v);
            let mut bytes = [0u8; 8];
            bytes[..b.len()].copy_from_slice(b);
            (dtype, bytes)
        });
        let ctx = Context::current();
        if let Some(a) = Array::interned(&ctx, &key, default_device()) {
            return a;
        }
        Array::from_host(value.to_buffer(dtype), &[]).expect("one element fills a 0-d shape")
    }

    /// A constant array from a slice of Rust values.
    ///
    /// ```
    /// use mlx_core::{Array, Dtype};
    /// let a = Array::from_slice(&[true, false], &[2, 1]).unwrap();
    /// assert_eq!(a.dtype(), Dtype::Bool);
    /// assert!(Array::from_slice(&[1u8, 2], &[3]).is_err());
    /// ```
    pub fn from_slice<T: Element>(data: &[T], shape: &[usize]) -> Result<Array> {
        let mut buf = HostBuffer::alloc(T::DTYPE, data.len());
        for (o, &x) in buf.as_mut_slice::<T::Native>()?.iter_mut().zip(data) {
            *o = x.to_native();
        }
        Array::from_host(buf, shape)
    }

    /// A 0-d constant.
    ///
    /// ```
    /// let a = mlx_core::Array::scalar(2.5f64);
    /// assert_eq!(a.item::<f64>().unwrap(), 2.5);
    /// ```
    pub fn scalar<T: Element>(value: T) -> Array {
        Array::from_slice(&[value], &[]).expect("one element fills a 0-d shape")
    }

    /// The node id (unique among live nodes of its context).
    pub fn id(&self) -> NodeId {
        self.0.id
    }
    /// The context the node lives in.
    pub fn context(&self) -> &Arc<Context> {
        &self.0.ctx
    }
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.0.shape
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.0.shape.len()
    }
    /// Number of elements.
    pub fn size(&self) -> usize {
        numel(&self.0.shape)
    }
    /// Element type.
    pub fn dtype(&self) -> Dtype {
        self.0.dtype
    }
    /// Device.
    pub fn device(&self) -> Device {
        self.0.device
    }

    /// The node's primitive.
    pub fn primitive(&self) -> Primitive {
        self.0.ctx.graph.lock().node(self.0.id).prim.clone()
    }

    /// Handles to the node's inputs (empty once evaluated: evaluation
    /// detaches a node from its inputs).
    pub fn inputs(&self) -> Vec<Array> {
        let mut g = self.0.ctx.graph.lock();
        let ids = g.node(self.0.id).inputs.clone();
        ids.iter()
            .map(|&i| {
                let n = g.node_mut(i);
                n.handles += 1;
                Array(Arc::new(Handle {
                    id: i,
                    ctx: self.0.ctx.clone(),
                    shape: n.shape.clone(),
                    dtype: n.dtype,
                    device: n.device,
                }))
            })
            .collect()
    }

    /// True once the node holds its value.
    pub fn is_evaluated(&self) -> bool {
        self.0.ctx.graph.lock().node(self.0.id).value.is_some()
    }

    /// True when two handles refer to the same node.
    pub fn same_node(&self, other: &Array) -> bool {
        Arc::ptr_eq(&self.0.ctx, &other.0.ctx) && self.0.id == other.0.id
    }

    /// Evaluates this array (see [`crate::eval`]).
    pub fn eval(&self) -> Result<()> {
        crate::eval(&[self])
    }

    /// Evaluates and returns the value (buffer and layout).
    pub fn data(&self) -> Result<ArrayData> {
        self.eval()?;
        let g = self.0.ctx.graph.lock();
        g.node(self.0.id)
            .value
            .clone()
            .ok_or_else(|| Error::invalid("data", "array has no value after evaluation"))
    }

    /// A lazy copy of this array on `device` (an explicit transfer node).
    pub fn to_device(&self, device: Device) -> Result<Array> {
        if device == self.device() {
            return Ok(self.clone());
        }
        Array::from_op_on(
            "to_device",
            Primitive::Transfer,
            &[self],
            self.shape().to_vec(),
            self.dtype(),
            device,
        )
    }

    /// Evaluates and copies the elements out, in row-major order.
    ///
    /// ```
    /// let a = mlx_core::Array::from_slice(&[1i16, 2, 3, 4], &[2, 2]).unwrap();
    /// assert_eq!(a.to_vec::<i16>().unwrap(), vec![1, 2, 3, 4]);
    /// assert!(a.to_vec::<f32>().is_err());
    /// ```
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        if T::DTYPE != self.dtype() {
            return Err(Error::DtypeMismatch {
                op: "to_vec",
                actual: self.dtype(),
                requested: T::DTYPE,
            });
        }
        let data = self.data()?;
        let host = host_buffer(&data.buffer)?;
        let src = host
            .as_host()
            .ok_or_else(|| Error::invalid("to_vec", "backend returned a non-host buffer"))?
            .as_slice::<T::Native>()?;
        Ok(gather(src, &data.layout)
            .into_iter()
            .map(T::from_native)
            .collect())
    }

    /// The single element of a one-element array.
    pub fn item<T: Element>(&self) -> Result<T> {
        if self.size() != 1 {
            return Err(Error::shape(
                "item",
                "item() needs an array of exactly one element",
                vec![self.shape().to_vec()],
            ));
        }
        Ok(self.to_vec::<T>()?[0])
    }
}

/// The shape as a shared slice; 0-d shapes share one allocation.
fn shared_shape(shape: &[usize]) -> Arc<[usize]> {
    static EMPTY: std::sync::OnceLock<Arc<[usize]>> = std::sync::OnceLock::new();
    if shape.is_empty() {
        EMPTY.get_or_init(|| Arc::from(Vec::new())).clone()
    } else {
        Arc::from(shape)
    }
}

/// A host-resident buffer with the contents of `buffer` (a no-op for CPU
/// buffers).
pub fn host_buffer(buffer: &Buffer) -> Result<Buffer> {
    if buffer.as_host().is_some() {
        return Ok(buffer.clone());
    }
    let d = buffer.device();
    let be = backend::backend_for(d).ok_or(Error::NoBackend(d))?;
    be.download(buffer).map_err(|e| Error::Backend {
        backend: be.name(),
        op: "download".into(),
        shape: vec![buffer.len()],
        dtype: buffer.dtype(),
        msg: e.to_string(),
    })
}

/// Copies the elements a layout addresses, in row-major order.
pub fn gather<T: Native>(src: &[T], layout: &Layout) -> Vec<T> {
    let n = layout.numel();
    if layout.is_row_contiguous() {
        return src[layout.offset()..layout.offset() + n].to_vec();
    }
    let mut out = Vec::with_capacity(n);
    crate::layout_iter::for_each_offset(layout, |o| out.push(src[o]));
    out
}
