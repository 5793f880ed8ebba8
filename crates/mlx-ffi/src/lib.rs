//! # mlx-ffi
//!
//! The FFI backend: graph nodes on the device `ffi:0` run on upstream MLX
//! 0.32.4's own kernels through [`mlx_sys`]. It implements the same
//! [`Backend`] trait as the CPU backend; anything the shim does not cover
//! (an op, a dtype, a layout) answers [`BackendError::Unsupported`], and the
//! scheduler runs that node on the CPU backend instead.
//!
//! * Buffers: an [`FfiBuffer`] owns an evaluated, row-contiguous MLX array.
//!   MLX's memory is host memory on Linux, so the buffer also exposes it as
//!   a [`HostBuffer`] without a copy, and [`Backend::download`] hands the
//!   CPU backend a host buffer that shares the array's memory and keeps the
//!   array alive (no dangling). [`Backend::upload`] gives MLX the host
//!   buffer's memory through `array(void*, shape, dtype, deleter)`; MLX
//!   0.32.4's CPU allocator copies it there (its `make_buffer` cannot adopt
//!   foreign memory), and the deleter releases the host buffer.
//! * Strided inputs (transposes, slices, broadcasts) reach MLX as
//!   `as_strided` views of the buffer's array, without a copy.
//! * Errors MLX raises (bad shapes, failing kernels) come back as
//!   [`BackendError::Failed`] carrying MLX's message.
//!
//! Built without the `link` feature, [`register`] returns an error and
//! nothing is registered.
//!
//! ```
//! match mlx_ffi::register() {
//!     Ok(()) => assert!(mlx_core::backend::backend_for(mlx_ffi::DEVICE).is_some()),
//!     Err(e) => assert!(e.to_string().contains("without MLX")),
//! }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use mlx_core::backend::{register_backend, Backend, BackendError};
use mlx_core::{
    ArgReduceOp, ArrayData, BinaryOp, Buffer, Device, DeviceBuffer, DeviceKind, Dtype, HostBuffer,
    OpCall, Primitive, ReduceOp, ScanOp, ScatterOp, UnaryOp,
};
use mlx_sys::{Array, Lazy, Node};
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The device this backend serves.
pub const DEVICE: Device = Device::new(DeviceKind::Ffi, 0);

const NAME: &str = "ffi";

/// Registers the FFI backend for [`DEVICE`] (and the CPU backend, its
/// fallback), after checking the shim's ABI and MLX's version. Idempotent.
///
/// ```
/// let _ = mlx_ffi::register();
/// ```
pub fn register() -> Result<(), mlx_sys::Error> {
    static DONE: OnceLock<Result<(), mlx_sys::Error>> = OnceLock::new();
    DONE.get_or_init(|| {
        mlx_sys::versions()?;
        mlx_cpu::install();
        register_backend(Arc::new(FfiBackend));
        Ok(())
    })
    .clone()
}

/// True when this build links MLX and its version checks pass.
///
/// ```
/// assert_eq!(mlx_ffi::available(), mlx_sys::versions().is_ok());
/// ```
pub fn available() -> bool {
    mlx_sys::versions().is_ok()
}

/// Per primitive name: how many nodes MLX ran, and how many this backend
/// answered "unsupported" (the CPU backend ran those).
///
/// ```
/// let before = mlx_ffi::coverage();
/// assert!(before.values().all(|&(ran, fell_back)| ran + fell_back > 0));
/// ```
pub fn coverage() -> BTreeMap<String, (u64, u64)> {
    counts().lock().map(|m| m.clone()).unwrap_or_default()
}

fn counts() -> &'static Mutex<BTreeMap<String, (u64, u64)>> {
    static C: OnceLock<Mutex<BTreeMap<String, (u64, u64)>>> = OnceLock::new();
    C.get_or_init(|| Mutex::new(BTreeMap::new()))
}

fn count(p: &Primitive, ran: bool) {
    if let Ok(mut m) = counts().lock() {
        let e = m.entry(p.name()).or_default();
        if ran {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
}

/// A buffer of the FFI device: an evaluated MLX array, also readable as host
/// memory.
pub struct FfiBuffer {
    array: Arc<Array>,
    host: HostBuffer,
}

impl std::fmt::Debug for FfiBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FfiBuffer({:?})", self.array)
    }
}

impl FfiBuffer {
    /// Wraps an evaluated array.
    ///
    /// ```
    /// if let Ok(a) = mlx_sys::Array::from_bytes(&[1, 2], &[2], mlx_sys::Dtype::Uint8) {
    ///     let b = mlx_ffi::FfiBuffer::new(a).unwrap();
    ///     assert_eq!(b.host().bytes(), &[1, 2]);
    /// }
    /// ```
    pub fn new(array: Array) -> Result<FfiBuffer, BackendError> {
        let array = Arc::new(array);
        let host = Array::host_buffer(&array).map_err(|e| failed(e.to_string()))?;
        Ok(FfiBuffer { array, host })
    }

    /// The MLX array.
    pub fn array(&self) -> &Array {
        &self.array
    }

    /// The same memory as a host buffer.
    pub fn host(&self) -> &HostBuffer {
        &self.host
    }
}

impl DeviceBuffer for FfiBuffer {
    fn device(&self) -> Device {
        DEVICE
    }
    fn dtype(&self) -> Dtype {
        self.host.dtype()
    }
    fn len(&self) -> usize {
        self.host.len()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_host(&self) -> Option<&HostBuffer> {
        Some(&self.host)
    }
}

/// The backend (see the crate documentation).
#[derive(Debug, Default, Clone, Copy)]
pub struct FfiBackend;

fn failed(message: impl Into<String>) -> BackendError {
    BackendError::Failed {
        backend: NAME,
        message: message.into(),
    }
}

fn unsupported(p: &Primitive, reason: impl Into<String>) -> BackendError {
    BackendError::Unsupported {
        backend: NAME,
        op: p.name(),
        reason: reason.into(),
    }
}

fn sys_err(p: &Primitive, e: mlx_sys::Error) -> BackendError {
    match e {
        mlx_sys::Error::NotBuilt | mlx_sys::Error::Version(_) => unsupported(p, e.to_string()),
        e => failed(e.to_string()),
    }
}

fn unary_op(op: UnaryOp) -> mlx_sys::Unary {
    use mlx_sys::Unary as U;
    use UnaryOp::*;
    match op {
        Abs => U::Abs,
        Negative => U::Negative,
        Sign => U::Sign,
        Square => U::Square,
        Sqrt => U::Sqrt,
        Rsqrt => U::Rsqrt,
        Reciprocal => U::Reciprocal,
        Exp => U::Exp,
        Expm1 => U::Expm1,
        Log => U::Log,
        Log1p => U::Log1p,
        Log2 => U::Log2,
        Log10 => U::Log10,
        Sin => U::Sin,
        Cos => U::Cos,
        Tan => U::Tan,
        ArcSin => U::ArcSin,
        ArcCos => U::ArcCos,
        ArcTan => U::ArcTan,
        Sinh => U::Sinh,
        Cosh => U::Cosh,
        Tanh => U::Tanh,
        ArcSinh => U::ArcSinh,
        ArcCosh => U::ArcCosh,
        ArcTanh => U::ArcTanh,
        Sigmoid => U::Sigmoid,
        Erf => U::Erf,
        ErfInv => U::ErfInv,
        Floor => U::Floor,
        Ceil => U::Ceil,
        Round => U::Round,
        LogicalNot => U::LogicalNot,
        BitwiseInvert => U::BitwiseInvert,
        IsNan => U::IsNan,
        IsInf => U::IsInf,
        IsPosInf => U::IsPosInf,
        IsNegInf => U::IsNegInf,
        IsFinite => U::IsFinite,
        Conjugate => U::Conjugate,
        Real => U::Real,
        Imag => U::Imag,
    }
}

fn binary_op(op: BinaryOp) -> mlx_sys::Binary {
    use mlx_sys::Binary as B;
    use BinaryOp::*;
    match op {
        Add => B::Add,
        Subtract => B::Subtract,
        Multiply => B::Multiply,
        Divide => B::Divide,
        FloorDivide => B::FloorDivide,
        Remainder => B::Remainder,
        Power => B::Power,
        Maximum => B::Maximum,
        Minimum => B::Minimum,
        ArcTan2 => B::ArcTan2,
        LogAddExp => B::LogAddExp,
        Equal => B::Equal,
        NotEqual => B::NotEqual,
        Less => B::Less,
        LessEqual => B::LessEqual,
        Greater => B::Greater,
        GreaterEqual => B::GreaterEqual,
        LogicalAnd => B::LogicalAnd,
        LogicalOr => B::LogicalOr,
        BitwiseAnd => B::BitwiseAnd,
        BitwiseOr => B::BitwiseOr,
        BitwiseXor => B::BitwiseXor,
        LeftShift => B::LeftShift,
        RightShift => B::RightShift,
    }
}

/// The values of an integer index buffer, widened (None for other dtypes).
fn index_values(h: &HostBuffer) -> Option<Vec<i64>> {
    macro_rules! widen {
        ($t:ty) => {
            h.as_slice::<$t>().ok()?.iter().map(|&v| v as i64).collect()
        };
    }
    Some(match h.dtype() {
        Dtype::Uint8 => widen!(u8),
        Dtype::Uint16 => widen!(u16),
        Dtype::Uint32 => widen!(u32),
        Dtype::Int8 => widen!(i8),
        Dtype::Int16 => widen!(i16),
        Dtype::Int32 => widen!(i32),
        Dtype::Int64 => widen!(i64),
        Dtype::Uint64 => {
            let v = h.as_slice::<u64>().ok()?;
            if v.iter().any(|&x| x > i64::MAX as u64) {
                return None;
            }
            v.iter().map(|&x| x as i64).collect()
        }
        _ => return None,
    })
}

impl FfiBackend {
    /// An MLX node for one input: its array, viewed through the input's
    /// layout (`as_strided`, no copy). Host buffers are uploaded first.
    fn input(&self, p: &Primitive, d: &ArrayData) -> Result<Lazy, BackendError> {
        if d.dtype != d.buffer.dtype() {
            return Err(unsupported(p, "bit-reinterpreted views"));
        }
        let uploaded;
        let fb = match d.buffer.downcast_ref::<FfiBuffer>() {
            Some(fb) => fb,
            None => {
                uploaded = self.upload(&d.buffer)?;
                uploaded
                    .downcast_ref::<FfiBuffer>()
                    .ok_or_else(|| failed("upload did not return an FFI buffer"))?
            }
        };
        let a = fb.array();
        let l = &d.layout;
        if l.offset() == 0 && l.is_row_contiguous() && a.shape() == l.shape() {
            a.lazy().map_err(|e| sys_err(p, e))
        } else {
            a.as_strided(l.shape(), l.strides(), l.offset())
                .map_err(|e| sys_err(p, e))
        }
    }

    /// Runs one call on MLX.
    fn run(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
        let p = call.primitive;
        let node = self.build(call)?;
        // MLX's own shape and dtype rules must agree with the node's; where
        // they do not (an op MLX types differently at this level), the CPU
        // backend runs the node.
        let want = mlx_sys::Dtype::from_core(call.dtype);
        // A copy may be asked for under a new shape (a reshape of a strided
        // view): the row-major copy is the same bytes.
        let relabel = matches!(p, Primitive::Copy)
            && node.shape().iter().product::<usize>() == call.shape.iter().product::<usize>();
        if node.dtype() != want || (node.shape() != call.shape && !relabel) {
            return Err(unsupported(
                p,
                format!(
                    "MLX gives {:?} {:?} where the node is {} {:?}",
                    node.dtype(),
                    node.shape(),
                    call.dtype,
                    call.shape
                ),
            ));
        }
        let array = node.eval().map_err(|e| sys_err(p, e))?;
        let buffer = Buffer::new(FfiBuffer::new(array)?);
        Ok(ArrayData::contiguous(buffer, call.shape))
    }

    /// MLX does not bounds-check gather/scatter indices (input 1): calls
    /// with an out-of-range index go to the CPU backend, which reports them.
    /// Conservatively checks every element of the index buffer.
    fn check_indices(
        &self,
        p: &Primitive,
        call: &OpCall<'_>,
        axis: usize,
    ) -> Result<(), BackendError> {
        let n = *call.inputs[0]
            .layout
            .shape()
            .get(axis)
            .ok_or_else(|| failed(format!("{}: axis out of range", p.name())))?
            as i64;
        let idx = call.inputs[1]
            .buffer
            .as_host()
            .and_then(index_values)
            .ok_or_else(|| unsupported(p, "index dtype"))?;
        if idx.iter().any(|&i| i < -n || i >= n) {
            return Err(unsupported(p, "indices out of range"));
        }
        Ok(())
    }

    /// Builds the MLX node of one call (not evaluated).
    fn build(&self, call: &OpCall<'_>) -> Result<Lazy, BackendError> {
        let p = call.primitive;
        let e = |err| sys_err(p, err);
        let ins = || -> Result<Vec<Lazy>, BackendError> {
            call.inputs.iter().map(|d| self.input(p, d)).collect()
        };
        let arity = |n: usize| {
            if call.inputs.len() == n {
                Ok(())
            } else {
                Err(failed(format!(
                    "{} expects {n} inputs, got {}",
                    p.name(),
                    call.inputs.len()
                )))
            }
        };
        match p {
            Primitive::Unary(op) => {
                arity(1)?;
                let x = ins()?;
                mlx_sys::unary(unary_op(*op), &x[0]).map_err(e)
            }
            Primitive::Binary(op) => {
                arity(2)?;
                let x = ins()?;
                mlx_sys::binary(binary_op(*op), &x[0], &x[1]).map_err(e)
            }
            Primitive::Select => {
                arity(3)?;
                let x = ins()?;
                mlx_sys::select(&x[0], &x[1], &x[2]).map_err(e)
            }
            Primitive::AsType => {
                arity(1)?;
                let x = ins()?;
                mlx_sys::astype(&x[0], mlx_sys::Dtype::from_core(call.dtype)).map_err(e)
            }
            Primitive::Copy => {
                arity(1)?;
                Ok(ins()?.remove(0))
            }
            Primitive::Reduce { op, axes } => {
                arity(1)?;
                let x = ins()?;
                let r = match op {
                    ReduceOp::Sum => mlx_sys::Reduce::Sum,
                    ReduceOp::Prod => mlx_sys::Reduce::Prod,
                    ReduceOp::Max => mlx_sys::Reduce::Max,
                    ReduceOp::Min => mlx_sys::Reduce::Min,
                    ReduceOp::All => mlx_sys::Reduce::All,
                    ReduceOp::Any => mlx_sys::Reduce::Any,
                };
                mlx_sys::reduce(r, &x[0], axes, true).map_err(e)
            }
            Primitive::ArgReduce { op, axis } => {
                arity(1)?;
                let x = ins()?;
                let r = match op {
                    ArgReduceOp::ArgMax => mlx_sys::ArgReduce::ArgMax,
                    ArgReduceOp::ArgMin => mlx_sys::ArgReduce::ArgMin,
                };
                mlx_sys::arg_reduce(r, &x[0], *axis, true).map_err(e)
            }
            Primitive::Scan {
                op,
                axis,
                reverse,
                inclusive,
            } => {
                arity(1)?;
                let x = ins()?;
                let s = match op {
                    ScanOp::Sum => mlx_sys::Scan::Sum,
                    ScanOp::Prod => mlx_sys::Scan::Prod,
                    ScanOp::Max => mlx_sys::Scan::Max,
                    ScanOp::Min => mlx_sys::Scan::Min,
                    ScanOp::LogAddExp => mlx_sys::Scan::LogAddExp,
                };
                mlx_sys::scan(s, &x[0], *axis, *reverse, *inclusive).map_err(e)
            }
            Primitive::Sort { axis } | Primitive::ArgSort { axis } => {
                arity(1)?;
                let x = ins()?;
                let arg = matches!(p, Primitive::ArgSort { .. });
                mlx_sys::sort(&x[0], *axis, arg).map_err(e)
            }
            Primitive::Softmax { precise } => {
                arity(1)?;
                let nd = call.inputs[0].layout.ndim();
                if nd == 0 {
                    return Err(unsupported(p, "0-d input"));
                }
                let x = ins()?;
                mlx_sys::softmax(&x[0], &[nd - 1], *precise).map_err(e)
            }
            Primitive::Matmul => {
                arity(2)?;
                let x = ins()?;
                mlx_sys::matmul(&x[0], &x[1]).map_err(e)
            }
            Primitive::Concatenate { axis } => {
                let x = ins()?;
                let refs: Vec<&Lazy> = x.iter().collect();
                mlx_sys::concatenate(&refs, *axis).map_err(e)
            }
            Primitive::Pad { low, value } => {
                arity(1)?;
                let in_shape = call.inputs[0].layout.shape();
                if low.len() != in_shape.len() || call.shape.len() != in_shape.len() {
                    return Err(failed("pad: rank mismatch"));
                }
                let mut high = Vec::with_capacity(low.len());
                for i in 0..low.len() {
                    let h = call.shape[i]
                        .checked_sub(in_shape[i] + low[i])
                        .ok_or_else(|| unsupported(p, "negative padding"))?;
                    high.push(h);
                }
                let v = value.to_buffer(call.dtype);
                let v = Array::from_bytes(v.bytes(), &[], mlx_sys::Dtype::from_core(call.dtype))
                    .map_err(e)?;
                let x = ins()?;
                mlx_sys::pad(&x[0], low, &high, &v).map_err(e)
            }
            Primitive::Gather { axis } | Primitive::GatherAxis { axis } => {
                arity(2)?;
                self.check_indices(p, call, *axis)?;
                let x = ins()?;
                if matches!(p, Primitive::Gather { .. }) {
                    mlx_sys::take(&x[0], &x[1], *axis).map_err(e)
                } else {
                    mlx_sys::take_along_axis(&x[0], &x[1], *axis).map_err(e)
                }
            }
            Primitive::Arange { start, step } => {
                let [n] = call.shape else {
                    return Err(failed("arange: output is not 1-D"));
                };
                let stop = start + (*n as f64) * step;
                mlx_sys::arange(*start, stop, *step, mlx_sys::Dtype::from_core(call.dtype))
                    .map_err(e)
            }
            Primitive::Partition { axis, kth } | Primitive::ArgPartition { axis, kth } => {
                arity(1)?;
                let x = ins()?;
                let arg = matches!(p, Primitive::ArgPartition { .. });
                mlx_sys::partition(&x[0], *kth, *axis, arg).map_err(e)
            }
            Primitive::ScatterAxis { op, axis } => {
                arity(3)?;
                self.check_indices(p, call, *axis)?;
                let x = ins()?;
                let add = matches!(op, ScatterOp::Add);
                mlx_sys::scatter_axis(&x[0], &x[1], &x[2], *axis, add).map_err(e)
            }
            Primitive::RmsNorm { eps } => {
                arity(2)?;
                let x = ins()?;
                mlx_sys::rms_norm(&x[0], &x[1], *eps as f32).map_err(e)
            }
            Primitive::View => {
                arity(1)?;
                let x = ins()?;
                mlx_sys::view(&x[0], mlx_sys::Dtype::from_core(call.dtype)).map_err(e)
            }
            Primitive::Convolution {
                stride,
                padding_lo,
                padding_hi,
                kernel_dilation,
                input_dilation,
                groups,
                flip,
            } => {
                arity(2)?;
                let x = ins()?;
                let params = mlx_sys::ConvParams {
                    stride,
                    padding_lo,
                    padding_hi,
                    kernel_dilation,
                    input_dilation,
                    groups: *groups,
                    flip: *flip,
                };
                mlx_sys::conv(&x[0], &x[1], &params).map_err(e)
            }
            Primitive::Fft {
                axes,
                inverse,
                real,
            } => {
                arity(1)?;
                let from = if *real && !*inverse {
                    call.inputs[0].layout.shape()
                } else {
                    call.shape
                };
                let n = axes
                    .iter()
                    .map(|&a| from.get(a).copied())
                    .collect::<Option<Vec<usize>>>()
                    .ok_or_else(|| failed("fft: axis out of range"))?;
                let x = ins()?;
                mlx_sys::fft(&x[0], &n, axes, *inverse, *real).map_err(e)
            }
            Primitive::Eye { k } | Primitive::Tri { k } => {
                let [n, m] = call.shape else {
                    return Err(failed("eye/tri: output is not 2-D"));
                };
                let tri = matches!(p, Primitive::Tri { .. });
                mlx_sys::eye_tri(*n, *m, *k, mlx_sys::Dtype::from_core(call.dtype), tri).map_err(e)
            }
            Primitive::RandomBits { width } => {
                arity(1)?;
                let x = ins()?;
                mlx_sys::random_bits(call.shape, *width, &x[0]).map_err(e)
            }
            Primitive::SearchSorted { right } => {
                arity(2)?;
                let x = ins()?;
                mlx_sys::searchsorted(&x[0], &x[1], *right).map_err(e)
            }
            Primitive::Quantize {
                group_size,
                bits,
                part,
            } => {
                arity(1)?;
                let x = ins()?;
                mlx_sys::quantize(&x[0], *group_size, *bits, *part).map_err(e)
            }
            Primitive::Dequantize { group_size, bits } => {
                arity(3)?;
                let x = ins()?;
                mlx_sys::dequantize(&x[0], &x[1], &x[2], *group_size, *bits).map_err(e)
            }
            Primitive::QuantizedMatmul {
                group_size,
                bits,
                transpose,
            } => {
                arity(4)?;
                let x = ins()?;
                mlx_sys::quantized_matmul(
                    &x[0],
                    &x[1],
                    &x[2],
                    &x[3],
                    *transpose,
                    *group_size,
                    *bits,
                )
                .map_err(e)
            }
            p => Err(unsupported(p, "not covered by the shim")),
        }
    }
}

impl Backend for FfiBackend {
    fn name(&self) -> &'static str {
        NAME
    }

    fn device(&self) -> Device {
        DEVICE
    }

    fn eval(&self, call: &OpCall<'_>) -> Result<ArrayData, BackendError> {
        let r = self.run(call);
        count(
            call.primitive,
            !matches!(r, Err(BackendError::Unsupported { .. })),
        );
        r
    }

    fn download(&self, buffer: &Buffer) -> Result<Buffer, BackendError> {
        if let Some(fb) = buffer.downcast_ref::<FfiBuffer>() {
            let h = Array::host_buffer(&fb.array).map_err(|e| failed(e.to_string()))?;
            return Ok(Buffer::new(h));
        }
        if buffer.as_host().is_some() {
            return Ok(buffer.clone());
        }
        Err(failed(format!(
            "cannot download a buffer of {}",
            buffer.device()
        )))
    }

    fn upload(&self, buffer: &Buffer) -> Result<Buffer, BackendError> {
        if buffer.downcast_ref::<FfiBuffer>().is_some() {
            return Ok(buffer.clone());
        }
        let a = Array::from_buffer(buffer, &[buffer.len()]).map_err(|e| match e {
            mlx_sys::Error::Mlx(m) | mlx_sys::Error::Invalid(m) => failed(m),
            e => failed(e.to_string()),
        })?;
        Ok(Buffer::new(FfiBuffer::new(a)?))
    }
}
