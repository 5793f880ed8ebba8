//! # mlx-sys
//!
//! A small, versioned C ABI over upstream MLX 0.32.4's C++ API
//! (`src/shim.cpp`, compiled by `build.rs` with the `cc` crate), and safe
//! wrappers over it. This crate holds all of the FFI bridge's `unsafe` code.
//!
//! * [`Lazy`] is an MLX graph node not yet evaluated (neither `Send` nor
//!   `Sync`: MLX graphs are built by one thread); [`Lazy::eval`] turns it
//!   into an [`Array`]: evaluated, row-contiguous, immutable, `Send + Sync`.
//!   Both free their MLX handle on `Drop`.
//! * Every C++ exception is caught in the shim and comes back as
//!   [`Error::Mlx`] with MLX's message; nothing panics or unwinds across the
//!   boundary.
//! * Calls into MLX are serialised by one process-wide lock (MLX's graph
//!   construction and evaluation are not documented as thread-safe);
//!   reading an evaluated array's bytes needs no lock.
//! * Built without the `link` feature (the default) the crate has the same
//!   API, and every constructor returns [`Error::NotBuilt`].
//!
//! ```
//! match mlx_sys::versions() {
//!     Ok(v) => assert_eq!(v.abi, mlx_sys::ABI_VERSION),
//!     Err(e) => assert_eq!(e, mlx_sys::Error::NotBuilt),
//! }
//! ```

#[cfg(all(feature = "link", mlx_missing))]
compile_error!(
    "mlx-sys: the `link` feature is on but MLX was not found. Install it with \
     `pip install \"mlx[cpu]==0.32.4\"` and set MLX_PYTHON=/path/to/that/python, or set \
     MLX_DIR to a directory holding include/mlx/mlx.h and lib/libmlx.so (see the build warnings)."
);

#[cfg(feature = "link")]
mod imp;
#[cfg(not(feature = "link"))]
#[path = "stub.rs"]
mod imp;

use mlx_core::{Buffer, HostBuffer};
use std::sync::Arc;

/// The version of the C ABI this crate expects from its shim.
pub const ABI_VERSION: u32 = 1;

/// The MLX version the shim is written for (`MLX_VERSION_NUMERIC` form:
/// major * 100000 + minor * 1000 + patch).
pub const EXPECTED_MLX_VERSION: i32 = 32_004;

/// Errors of the bridge.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The crate was compiled without the `link` feature.
    #[error("mlx-sys was built without MLX (enable the `link` feature of mlx-sys / `ffi` of mlx)")]
    NotBuilt,
    /// MLX raised an exception; the text is its message.
    #[error("MLX: {0}")]
    Mlx(String),
    /// The loaded library or the headers are not the expected version.
    #[error("MLX version mismatch: {0}")]
    Version(String),
    /// A request the wrapper refuses before calling MLX.
    #[error("mlx-sys: {0}")]
    Invalid(String),
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Versions of the pieces, as found at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versions {
    /// The shim's ABI version.
    pub abi: u32,
    /// `MLX_VERSION_NUMERIC` of the headers the shim was compiled with.
    pub header: i32,
    /// `mlx::core::version()` of the loaded library.
    pub runtime: String,
}

/// The versions of the shim, the headers and the loaded library, checked:
/// the ABI must be [`ABI_VERSION`], the headers
/// [`EXPECTED_MLX_VERSION`], and the loaded library's version string must
/// name the headers' version.
///
/// ```
/// let _ = mlx_sys::versions();
/// ```
pub fn versions() -> Result<Versions> {
    let v = imp::versions()?;
    if v.abi != ABI_VERSION {
        return Err(Error::Version(format!(
            "shim ABI {} but mlx-sys expects {ABI_VERSION}",
            v.abi
        )));
    }
    if v.header != EXPECTED_MLX_VERSION {
        return Err(Error::Version(format!(
            "built against MLX headers {} but the shim is written for {EXPECTED_MLX_VERSION}",
            v.header
        )));
    }
    let want = format!(
        "{}.{}.{}",
        v.header / 100_000,
        (v.header / 1000) % 100,
        v.header % 1000
    );
    if !(v.runtime == want || v.runtime.starts_with(&format!("{want}."))) {
        return Err(Error::Version(format!(
            "loaded libmlx is {} but the headers are {want}",
            v.runtime
        )));
    }
    Ok(v)
}

/// MLX's element types (codes of the C ABI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
#[allow(missing_docs)]
pub enum Dtype {
    Bool = 0,
    Uint8 = 1,
    Uint16 = 2,
    Uint32 = 3,
    Uint64 = 4,
    Int8 = 5,
    Int16 = 6,
    Int32 = 7,
    Int64 = 8,
    Float16 = 9,
    Float32 = 10,
    Float64 = 11,
    Bfloat16 = 12,
    Complex64 = 13,
}

impl Dtype {
    /// The dtype of a C ABI code.
    ///
    /// ```
    /// assert_eq!(mlx_sys::Dtype::from_code(10), Some(mlx_sys::Dtype::Float32));
    /// ```
    pub fn from_code(c: i32) -> Option<Dtype> {
        use Dtype::*;
        Some(match c {
            0 => Bool,
            1 => Uint8,
            2 => Uint16,
            3 => Uint32,
            4 => Uint64,
            5 => Int8,
            6 => Int16,
            7 => Int32,
            8 => Int64,
            9 => Float16,
            10 => Float32,
            11 => Float64,
            12 => Bfloat16,
            13 => Complex64,
            _ => return None,
        })
    }

    /// The same type in mlx-core's terms.
    ///
    /// ```
    /// assert_eq!(mlx_sys::Dtype::Int8.to_core(), mlx_core::Dtype::Int8);
    /// ```
    pub fn to_core(self) -> mlx_core::Dtype {
        use mlx_core::Dtype as C;
        match self {
            Dtype::Bool => C::Bool,
            Dtype::Uint8 => C::Uint8,
            Dtype::Uint16 => C::Uint16,
            Dtype::Uint32 => C::Uint32,
            Dtype::Uint64 => C::Uint64,
            Dtype::Int8 => C::Int8,
            Dtype::Int16 => C::Int16,
            Dtype::Int32 => C::Int32,
            Dtype::Int64 => C::Int64,
            Dtype::Float16 => C::Float16,
            Dtype::Bfloat16 => C::Bfloat16,
            Dtype::Float32 => C::Float32,
            Dtype::Float64 => C::Float64,
            Dtype::Complex64 => C::Complex64,
        }
    }

    /// mlx-core's type in MLX's terms.
    ///
    /// ```
    /// use mlx_sys::Dtype;
    /// assert_eq!(Dtype::from_core(mlx_core::Dtype::Bfloat16), Dtype::Bfloat16);
    /// ```
    pub fn from_core(d: mlx_core::Dtype) -> Dtype {
        use mlx_core::Dtype as C;
        match d {
            C::Bool => Dtype::Bool,
            C::Uint8 => Dtype::Uint8,
            C::Uint16 => Dtype::Uint16,
            C::Uint32 => Dtype::Uint32,
            C::Uint64 => Dtype::Uint64,
            C::Int8 => Dtype::Int8,
            C::Int16 => Dtype::Int16,
            C::Int32 => Dtype::Int32,
            C::Int64 => Dtype::Int64,
            C::Float16 => Dtype::Float16,
            C::Bfloat16 => Dtype::Bfloat16,
            C::Float32 => Dtype::Float32,
            C::Float64 => Dtype::Float64,
            C::Complex64 => Dtype::Complex64,
        }
    }
}

/// Elementwise ops of one input (C ABI codes, in mlx-core's `UnaryOp`
/// order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
#[allow(missing_docs)]
pub enum Unary {
    Abs,
    Negative,
    Sign,
    Square,
    Sqrt,
    Rsqrt,
    Reciprocal,
    Exp,
    Expm1,
    Log,
    Log1p,
    Log2,
    Log10,
    Sin,
    Cos,
    Tan,
    ArcSin,
    ArcCos,
    ArcTan,
    Sinh,
    Cosh,
    Tanh,
    ArcSinh,
    ArcCosh,
    ArcTanh,
    Sigmoid,
    Erf,
    ErfInv,
    Floor,
    Ceil,
    Round,
    LogicalNot,
    BitwiseInvert,
    IsNan,
    IsInf,
    IsPosInf,
    IsNegInf,
    IsFinite,
    Conjugate,
    Real,
    Imag,
}

/// Elementwise ops of two inputs (C ABI codes, in mlx-core's `BinaryOp`
/// order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
#[allow(missing_docs)]
pub enum Binary {
    Add,
    Subtract,
    Multiply,
    Divide,
    FloorDivide,
    Remainder,
    Power,
    Maximum,
    Minimum,
    ArcTan2,
    LogAddExp,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    LogicalAnd,
    LogicalOr,
    BitwiseAnd,
    BitwiseOr,
    BitwiseXor,
    LeftShift,
    RightShift,
}

/// Reductions over axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
#[allow(missing_docs)]
pub enum Reduce {
    Sum,
    Prod,
    Max,
    Min,
    All,
    Any,
    Mean,
    LogSumExp,
}

/// Index-valued reductions over one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
#[allow(missing_docs)]
pub enum ArgReduce {
    ArgMax,
    ArgMin,
}

/// Cumulative ops along one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
#[allow(missing_docs)]
pub enum Scan {
    Sum,
    Prod,
    Max,
    Min,
    LogAddExp,
}

/// An MLX graph node that is not evaluated yet (an op's result or a view).
/// Freed on drop.
pub struct Lazy(imp::Raw);

/// An evaluated, row-contiguous MLX array: immutable from here on. Freed on
/// drop (MLX frees the memory once no other array shares it).
pub struct Array(imp::Raw);

impl std::fmt::Debug for Array {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "mlx::Array({:?} {:?})", self.dtype(), self.shape())
    }
}

impl std::fmt::Debug for Lazy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "mlx::Lazy({:?} {:?})", self.dtype(), self.shape())
    }
}

/// Anything an op accepts as an input: a [`Lazy`] node or an [`Array`].
pub trait Node: private::Sealed {
    #[doc(hidden)]
    fn raw(&self) -> &imp::Raw;
    /// Element type.
    fn dtype(&self) -> Dtype {
        self.raw().dtype()
    }
    /// Shape.
    fn shape(&self) -> Vec<usize> {
        self.raw().shape()
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::Lazy {}
    impl Sealed for super::Array {}
}

impl Node for Lazy {
    fn raw(&self) -> &imp::Raw {
        &self.0
    }
}

impl Node for Array {
    fn raw(&self) -> &imp::Raw {
        &self.0
    }
}

fn check_len(bytes: usize, shape: &[usize], dtype: Dtype) -> Result<()> {
    let n = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .and_then(|n| n.checked_mul(dtype.to_core().size_of()));
    if n != Some(bytes) {
        return Err(Error::Invalid(format!(
            "{bytes} bytes do not hold {dtype:?} {shape:?}"
        )));
    }
    if shape.iter().any(|&d| d > i32::MAX as usize) {
        return Err(Error::Invalid(format!(
            "shape {shape:?} exceeds MLX's 32-bit dimensions"
        )));
    }
    Ok(())
}

impl Lazy {
    /// Evaluates the node: an immutable, row-contiguous array.
    ///
    /// ```
    /// # fn main() -> mlx_sys::Result<()> {
    /// # if mlx_sys::versions().is_err() { return Ok(()); }
    /// use mlx_sys::{Array, Dtype, Node};
    /// let a = Array::from_bytes(&1.5f32.to_le_bytes(), &[], Dtype::Float32)?;
    /// let b = mlx_sys::binary(mlx_sys::Binary::Add, &a, &a)?.eval()?;
    /// assert_eq!(b.bytes(), 3.0f32.to_le_bytes());
    /// # Ok(()) }
    /// ```
    pub fn eval(self) -> Result<Array> {
        let mut r = self.0;
        r.eval()?;
        Ok(Array(r))
    }
}

impl Array {
    /// A new array holding a copy of `bytes` (native-endian elements of
    /// `dtype`, row-major `shape`).
    ///
    /// ```
    /// let r = mlx_sys::Array::from_bytes(&[1, 0], &[2], mlx_sys::Dtype::Bool);
    /// if let Ok(a) = r { assert_eq!(a.bytes(), &[1, 0]); }
    /// ```
    pub fn from_bytes(bytes: &[u8], shape: &[usize], dtype: Dtype) -> Result<Array> {
        check_len(bytes.len(), shape, dtype)?;
        imp::Raw::from_bytes(bytes, shape, dtype).map(Array)
    }

    /// An array over the memory of a host buffer, without a copy when the
    /// buffer is a plain [`HostBuffer`] that owns its memory (the buffer is
    /// kept alive until MLX lets go of it; MLX never writes into memory it
    /// does not own). Other buffers are copied.
    ///
    /// ```
    /// use mlx_core::{Buffer, HostBuffer};
    /// let b = Buffer::new(HostBuffer::from_slice(&[1.0f32, 2.0]));
    /// if let Ok(a) = mlx_sys::Array::from_buffer(&b, &[2]) {
    ///     assert_eq!(a.bytes(), b.as_host().unwrap().bytes());
    /// }
    /// ```
    pub fn from_buffer(buffer: &Buffer, shape: &[usize]) -> Result<Array> {
        let dtype = Dtype::from_core(buffer.dtype());
        let host = buffer.as_host().ok_or_else(|| {
            Error::Invalid(format!("buffer on {} is not host memory", buffer.device()))
        })?;
        check_len(host.bytes().len(), shape, dtype)?;
        match buffer.downcast_ref::<HostBuffer>() {
            Some(h) if !h.is_external() && !h.is_empty() => {
                imp::Raw::from_buffer(buffer.clone(), shape, dtype).map(Array)
            }
            _ => Self::from_bytes(host.bytes(), shape, dtype),
        }
    }

    /// A graph node over this array (a new handle, no copy), to pass to ops
    /// together with [`Lazy`] nodes.
    ///
    /// ```
    /// # fn main() -> mlx_sys::Result<()> {
    /// # if mlx_sys::versions().is_err() { return Ok(()); }
    /// use mlx_sys::{Array, Dtype, Node};
    /// let a = Array::from_bytes(&[1, 2], &[2], Dtype::Uint8)?;
    /// assert_eq!(a.lazy()?.shape(), vec![2]);
    /// # Ok(()) }
    /// ```
    pub fn lazy(&self) -> Result<Lazy> {
        imp::clone(&self.0).map(Lazy)
    }

    /// The elements' bytes, row-major.
    pub fn bytes(&self) -> &[u8] {
        self.0.bytes()
    }

    /// Number of elements.
    pub fn size(&self) -> usize {
        self.0.size()
    }

    /// A view with `shape`, `strides` and `offset` (in elements) over this
    /// array's data. Fails unless every addressed element is inside it.
    ///
    /// ```
    /// # fn main() -> mlx_sys::Result<()> {
    /// # if mlx_sys::versions().is_err() { return Ok(()); }
    /// use mlx_sys::{Array, Dtype};
    /// let a = Array::from_bytes(&[1, 2, 3, 4], &[2, 2], Dtype::Uint8)?;
    /// let t = a.as_strided(&[2, 2], &[1, 2], 0)?.eval()?; // transpose
    /// assert_eq!(t.bytes(), &[1, 3, 2, 4]);
    /// # Ok(()) }
    /// ```
    pub fn as_strided(&self, shape: &[usize], strides: &[isize], offset: usize) -> Result<Lazy> {
        if shape.len() != strides.len() {
            return Err(Error::Invalid(
                "as_strided: shape and strides differ in rank".into(),
            ));
        }
        let n = self.size() as isize;
        if shape.iter().all(|&d| d > 0) {
            let (mut lo, mut hi) = (offset as isize, offset as isize);
            for (&d, &s) in shape.iter().zip(strides) {
                let ext = (d as isize - 1) * s;
                if ext < 0 {
                    lo += ext;
                } else {
                    hi += ext;
                }
            }
            if lo < 0 || hi >= n {
                return Err(Error::Invalid(format!(
                    "as_strided: shape {shape:?} strides {strides:?} offset {offset} reads outside {n} elements"
                )));
            }
        }
        imp::as_strided(&self.0, shape, strides, offset).map(Lazy)
    }

    /// A host buffer sharing this array's memory (no copy): the buffer
    /// keeps the array alive.
    ///
    /// ```
    /// # fn main() -> mlx_sys::Result<()> {
    /// # if mlx_sys::versions().is_err() { return Ok(()); }
    /// let a = std::sync::Arc::new(mlx_sys::Array::from_bytes(&[7], &[1], mlx_sys::Dtype::Int8)?);
    /// let h = mlx_sys::Array::host_buffer(&a).unwrap();
    /// assert_eq!(h.as_slice::<i8>().unwrap(), &[7]);
    /// # Ok(()) }
    /// ```
    pub fn host_buffer(this: &Arc<Array>) -> mlx_core::Result<HostBuffer> {
        let dtype = this.dtype().to_core();
        HostBuffer::from_external(dtype, this.size(), this.clone(), 0)
    }
}

impl mlx_core::ExternalBytes for Array {
    fn bytes(&self) -> &[u8] {
        self.0.bytes()
    }
}

/// An elementwise op of one input.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// let a = mlx_sys::Array::from_bytes(&(-2i32).to_ne_bytes(), &[], mlx_sys::Dtype::Int32)?;
/// let b = mlx_sys::unary(mlx_sys::Unary::Abs, &a)?.eval()?;
/// assert_eq!(b.bytes(), 2i32.to_ne_bytes());
/// # Ok(()) }
/// ```
pub fn unary(op: Unary, x: &impl Node) -> Result<Lazy> {
    imp::unary(op as i32, x.raw()).map(Lazy)
}

/// An elementwise op of two inputs (MLX broadcasts and promotes).
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let a = Array::from_bytes(&[0u8; 24], &[2, 3], Dtype::Float32)?;
/// let b = Array::from_bytes(&[0u8; 8], &[2], Dtype::Float32)?;
/// let e = mlx_sys::binary(mlx_sys::Binary::Add, &a, &b).unwrap_err();
/// assert!(e.to_string().contains("broadcast"), "{e}");
/// # Ok(()) }
/// ```
pub fn binary(op: Binary, a: &impl Node, b: &impl Node) -> Result<Lazy> {
    imp::binary(op as i32, a.raw(), b.raw()).map(Lazy)
}

/// `where(cond, a, b)`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let c = Array::from_bytes(&[1, 0], &[2], Dtype::Bool)?;
/// let r = mlx_sys::select(&c, &x, &x)?.eval()?;
/// assert_eq!(r.bytes(), x.bytes());
/// # Ok(()) }
/// ```
pub fn select(cond: &impl Node, a: &impl Node, b: &impl Node) -> Result<Lazy> {
    imp::select(cond.raw(), a.raw(), b.raw()).map(Lazy)
}

/// Conversion to `dtype`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let r = mlx_sys::astype(&x, Dtype::Int16)?.eval()?;
/// assert_eq!(r.bytes().len(), 8);
/// # Ok(()) }
/// ```
pub fn astype(x: &impl Node, dtype: Dtype) -> Result<Lazy> {
    imp::astype(x.raw(), dtype).map(Lazy)
}

/// A reduction over `axes`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let r = mlx_sys::reduce(mlx_sys::Reduce::Max, &x, &[1], false)?.eval()?;
/// assert_eq!(r.bytes(), &[3, 4]);
/// # Ok(()) }
/// ```
pub fn reduce(op: Reduce, x: &impl Node, axes: &[usize], keepdims: bool) -> Result<Lazy> {
    imp::reduce(op as i32, x.raw(), &axes_i32(axes)?, keepdims).map(Lazy)
}

/// `argmax` / `argmin` along `axis`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let r = mlx_sys::arg_reduce(mlx_sys::ArgReduce::ArgMax, &x, 1, false)?.eval()?;
/// assert_eq!(r.bytes(), [0u32, 1].iter().flat_map(|v| v.to_ne_bytes()).collect::<Vec<_>>());
/// # Ok(()) }
/// ```
pub fn arg_reduce(op: ArgReduce, x: &impl Node, axis: usize, keepdims: bool) -> Result<Lazy> {
    imp::arg_reduce(op as i32, x.raw(), axis_i32(axis)?, keepdims).map(Lazy)
}

/// A cumulative op along `axis`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let r = mlx_sys::scan(mlx_sys::Scan::Sum, &x, 1, false, true)?.eval()?;
/// assert_eq!(r.bytes(), &[3, 4, 2, 6]);
/// # Ok(()) }
/// ```
pub fn scan(op: Scan, x: &impl Node, axis: usize, reverse: bool, inclusive: bool) -> Result<Lazy> {
    imp::scan(op as i32, x.raw(), axis_i32(axis)?, reverse, inclusive).map(Lazy)
}

/// `sort` (`arg == false`) or `argsort` along `axis`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let r = mlx_sys::sort(&x, 1, false)?.eval()?;
/// assert_eq!(r.bytes(), &[1, 3, 2, 4]);
/// # Ok(()) }
/// ```
pub fn sort(x: &impl Node, axis: usize, arg: bool) -> Result<Lazy> {
    imp::sort(i32::from(arg), x.raw(), axis_i32(axis)?).map(Lazy)
}

/// Matrix product.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let a = Array::from_bytes(&[0u8; 24], &[2, 3], Dtype::Float32)?;
/// let e = mlx_sys::matmul(&a, &a).unwrap_err();
/// assert!(e.to_string().contains("matmul"), "{e}");
/// # Ok(()) }
/// ```
pub fn matmul(a: &impl Node, b: &impl Node) -> Result<Lazy> {
    imp::matmul(a.raw(), b.raw()).map(Lazy)
}

/// Softmax over `axes`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let f = mlx_sys::astype(&x, Dtype::Float32)?;
/// let r = mlx_sys::softmax(&f, &[1], false)?.eval()?;
/// assert_eq!(r.bytes().len(), 16);
/// # Ok(()) }
/// ```
pub fn softmax(x: &impl Node, axes: &[usize], precise: bool) -> Result<Lazy> {
    imp::softmax(x.raw(), &axes_i32(axes)?, precise).map(Lazy)
}

/// Concatenation along `axis`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let r = mlx_sys::concatenate(&[&x, &x], 0)?.eval()?;
/// assert_eq!(r.bytes(), &[3, 1, 2, 4, 3, 1, 2, 4]);
/// # Ok(()) }
/// ```
pub fn concatenate<N: Node>(xs: &[&N], axis: usize) -> Result<Lazy> {
    let raws: Vec<&imp::Raw> = xs.iter().map(|x| x.raw()).collect();
    imp::concatenate(&raws, axis_i32(axis)?).map(Lazy)
}

/// Constant padding: `low[i]` elements before and `high[i]` after axis `i`,
/// filled with the 0-d `value`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let z = Array::from_bytes(&[9], &[], Dtype::Uint8)?;
/// let r = mlx_sys::pad(&x, &[0, 1], &[0, 0], &z)?.eval()?;
/// assert_eq!(r.bytes(), &[9, 3, 1, 9, 2, 4]);
/// # Ok(()) }
/// ```
pub fn pad(x: &impl Node, low: &[usize], high: &[usize], value: &impl Node) -> Result<Lazy> {
    if low.len() != high.len() {
        return Err(Error::Invalid("pad: low and high differ in length".into()));
    }
    imp::pad(x.raw(), low, high, value.raw()).map(Lazy)
}

/// `take(x, indices, axis)`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let i = Array::from_bytes(&1u32.to_ne_bytes(), &[1], Dtype::Uint32)?;
/// let r = mlx_sys::take(&x, &i, 0)?.eval()?;
/// assert_eq!(r.bytes(), &[2, 4]);
/// # Ok(()) }
/// ```
pub fn take(x: &impl Node, indices: &impl Node, axis: usize) -> Result<Lazy> {
    imp::take(x.raw(), indices.raw(), axis_i32(axis)?, false).map(Lazy)
}

/// `take_along_axis(x, indices, axis)`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let i = Array::from_bytes(&[0u8, 0, 1, 1], &[2, 2], Dtype::Uint8)?;
/// let r = mlx_sys::take_along_axis(&x, &i, 1)?.eval()?;
/// assert_eq!(r.bytes(), &[3, 3, 4, 4]);
/// # Ok(()) }
/// ```
pub fn take_along_axis(x: &impl Node, indices: &impl Node, axis: usize) -> Result<Lazy> {
    imp::take(x.raw(), indices.raw(), axis_i32(axis)?, true).map(Lazy)
}

/// `arange(start, stop, step)` of `dtype`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// let a = mlx_sys::arange(0.0, 3.0, 1.0, mlx_sys::Dtype::Uint8)?.eval()?;
/// assert_eq!(a.bytes(), &[0, 1, 2]);
/// # Ok(()) }
/// ```
pub fn arange(start: f64, stop: f64, step: f64, dtype: Dtype) -> Result<Lazy> {
    imp::arange(start, stop, step, dtype).map(Lazy)
}

/// An array of `shape` filled with the 0-d `value`, converted to `dtype`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let v = Array::from_bytes(&[5], &[], Dtype::Uint8)?;
/// let r = mlx_sys::full(&[3], &v, Dtype::Uint8)?.eval()?;
/// assert_eq!(r.bytes(), &[5, 5, 5]);
/// # Ok(()) }
/// ```
pub fn full(shape: &[usize], value: &impl Node, dtype: Dtype) -> Result<Lazy> {
    imp::full(shape, value.raw(), dtype).map(Lazy)
}

/// `partition` (`arg == false`) or `argpartition` around the `kth`
/// element along `axis`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let r = mlx_sys::partition(&x, 0, 1, false)?.eval()?;
/// assert_eq!(r.bytes(), &[1, 3, 2, 4]);
/// # Ok(()) }
/// ```
pub fn partition(x: &impl Node, kth: usize, axis: usize, arg: bool) -> Result<Lazy> {
    imp::partition(i32::from(arg), x.raw(), axis_i32(kth)?, axis_i32(axis)?).map(Lazy)
}

/// `put_along_axis` (`add == false`) or `scatter_add_axis`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let i = Array::from_bytes(&[0u8, 0], &[2, 1], Dtype::Uint8)?;
/// let u = Array::from_bytes(&[9, 9], &[2, 1], Dtype::Uint8)?;
/// let r = mlx_sys::scatter_axis(&x, &i, &u, 1, false)?.eval()?;
/// assert_eq!(r.bytes(), &[9, 1, 9, 4]);
/// # Ok(()) }
/// ```
pub fn scatter_axis(
    x: &impl Node,
    indices: &impl Node,
    updates: &impl Node,
    axis: usize,
    add: bool,
) -> Result<Lazy> {
    imp::scatter_axis(
        i32::from(add),
        x.raw(),
        indices.raw(),
        updates.raw(),
        axis_i32(axis)?,
    )
    .map(Lazy)
}

/// `mx.fast.rms_norm(x, weight, eps)`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let f = mlx_sys::astype(&x, Dtype::Float32)?.eval()?;
/// let w = Array::from_bytes(&[0u8; 8], &[2], Dtype::Float32)?;
/// let r = mlx_sys::rms_norm(&f, &w, 1e-5)?.eval()?;
/// assert_eq!(r.bytes(), &[0u8; 16]);
/// # Ok(()) }
/// ```
pub fn rms_norm(x: &impl Node, weight: &impl Node, eps: f32) -> Result<Lazy> {
    imp::rms_norm(x.raw(), weight.raw(), eps).map(Lazy)
}

/// The bytes of `x` reinterpreted as `dtype` (`mx.view`).
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let x = Array::from_bytes(&[3, 1, 2, 4], &[2, 2], Dtype::Uint8)?;
/// let r = mlx_sys::view(&x, Dtype::Int8)?.eval()?;
/// assert_eq!(r.bytes(), &[3, 1, 2, 4]);
/// # Ok(()) }
/// ```
pub fn view(x: &impl Node, dtype: Dtype) -> Result<Lazy> {
    imp::view(x.raw(), dtype).map(Lazy)
}

/// The parameters of [`conv`] (one entry per spatial axis in each list).
#[derive(Clone, Copy, Debug)]
pub struct ConvParams<'a> {
    /// Window step.
    pub stride: &'a [usize],
    /// Zeros before each spatial axis.
    pub padding_lo: &'a [usize],
    /// Zeros after each spatial axis.
    pub padding_hi: &'a [usize],
    /// Kernel tap spacing.
    pub kernel_dilation: &'a [usize],
    /// Input element spacing.
    pub input_dilation: &'a [usize],
    /// Channel groups.
    pub groups: usize,
    /// Convolution (flipped kernel) instead of cross-correlation.
    pub flip: bool,
}

/// `conv_general(x, w, ...)`: `x` is `[N, spatial.., C_in]`, `w` is
/// `[C_out, kernel.., C_in / groups]`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, ConvParams, Dtype};
/// let x = Array::from_bytes(&[0u8; 12], &[1, 3, 1], Dtype::Float32)?;
/// let w = Array::from_bytes(&[0u8; 8], &[1, 2, 1], Dtype::Float32)?;
/// let p = ConvParams { stride: &[1], padding_lo: &[0], padding_hi: &[0],
///     kernel_dilation: &[1], input_dilation: &[1], groups: 1, flip: false };
/// assert_eq!(mlx_sys::conv(&x, &w, &p)?.eval()?.size(), 2);
/// # Ok(()) }
/// ```
pub fn conv(x: &impl Node, w: &impl Node, p: &ConvParams<'_>) -> Result<Lazy> {
    let n = p.stride.len();
    if [
        p.padding_lo,
        p.padding_hi,
        p.kernel_dilation,
        p.input_dilation,
    ]
    .iter()
    .any(|l| l.len() != n)
    {
        return Err(Error::Invalid(
            "conv: per-axis lists differ in length".into(),
        ));
    }
    imp::conv(x.raw(), w.raw(), p).map(Lazy)
}

/// `fftn` / `ifftn` (complex) or `rfftn` / `irfftn` (`real`) over `axes`
/// with transform lengths `n`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype, Node};
/// let x = Array::from_bytes(&[0u8; 16], &[4], Dtype::Float32)?;
/// assert_eq!(mlx_sys::fft(&x, &[4], &[0], false, true)?.shape(), vec![3]);
/// # Ok(()) }
/// ```
pub fn fft(x: &impl Node, n: &[usize], axes: &[usize], inverse: bool, real: bool) -> Result<Lazy> {
    if n.len() != axes.len() {
        return Err(Error::Invalid("fft: n and axes differ in length".into()));
    }
    imp::fft(x.raw(), n, &axes_i32(axes)?, inverse, real).map(Lazy)
}

/// `eye(n, m, k)` (`tri == false`) or `tri(n, m, k)` of `dtype`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// let r = mlx_sys::eye_tri(2, 2, 0, mlx_sys::Dtype::Uint8, false)?.eval()?;
/// assert_eq!(r.bytes(), &[1, 0, 0, 1]);
/// # Ok(()) }
/// ```
pub fn eye_tri(n: usize, m: usize, k: i64, dtype: Dtype, tri: bool) -> Result<Lazy> {
    let k = i32::try_from(k).map_err(|_| Error::Invalid(format!("diagonal {k} out of range")))?;
    imp::eye_tri(i32::from(tri), axis_i32(n)?, axis_i32(m)?, k, dtype).map(Lazy)
}

/// `mx.random.bits(shape, width, key)`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype, Node};
/// let key = Array::from_bytes(&[0u8; 8], &[2], Dtype::Uint32)?;
/// assert_eq!(mlx_sys::random_bits(&[3], 4, &key)?.shape(), vec![3]);
/// # Ok(()) }
/// ```
pub fn random_bits(shape: &[usize], width: u8, key: &impl Node) -> Result<Lazy> {
    imp::random_bits(shape, i32::from(width), key.raw()).map(Lazy)
}

/// Insertion points of `values` into the sorted 1-D `sorted`
/// (`side="right"` when `right`).
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype};
/// let s = Array::from_bytes(&[1, 3, 5], &[3], Dtype::Uint8)?;
/// let v = Array::from_bytes(&[3], &[1], Dtype::Uint8)?;
/// let r = mlx_sys::searchsorted(&s, &v, true)?.eval()?;
/// assert_eq!(r.bytes(), 2u32.to_ne_bytes());
/// # Ok(()) }
/// ```
pub fn searchsorted(sorted: &impl Node, values: &impl Node, right: bool) -> Result<Lazy> {
    imp::searchsorted(sorted.raw(), values.raw(), right).map(Lazy)
}

fn small(v: u32, what: &str) -> Result<i32> {
    i32::try_from(v).map_err(|_| Error::Invalid(format!("{what} {v} out of range")))
}

/// One output of MLX's affine `quantize(w, group_size, bits)`: `part` 0 is
/// the packed words, 1 the scales, 2 the biases.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype, Node};
/// let w = Array::from_bytes(&[0u8; 4 * 64], &[1, 64], Dtype::Float32)?;
/// assert_eq!(mlx_sys::quantize(&w, 64, 4, 0)?.shape(), vec![1, 8]);
/// # Ok(()) }
/// ```
pub fn quantize(w: &impl Node, group_size: u32, bits: u32, part: u8) -> Result<Lazy> {
    imp::quantize(
        w.raw(),
        small(group_size, "group size")?,
        small(bits, "bits")?,
        i32::from(part),
    )
    .map(Lazy)
}

/// MLX's affine `dequantize(w, scales, biases, group_size, bits)`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype, Node};
/// let w = Array::from_bytes(&[0u8; 4 * 64], &[1, 64], Dtype::Float32)?;
/// let q: Vec<_> = (0..3).map(|p| mlx_sys::quantize(&w, 64, 4, p)?.eval()).collect::<Result<_, _>>()?;
/// assert_eq!(mlx_sys::dequantize(&q[0], &q[1], &q[2], 64, 4)?.shape(), vec![1, 64]);
/// # Ok(()) }
/// ```
pub fn dequantize(
    w: &impl Node,
    scales: &impl Node,
    biases: &impl Node,
    group_size: u32,
    bits: u32,
) -> Result<Lazy> {
    imp::dequantize(
        w.raw(),
        scales.raw(),
        biases.raw(),
        small(group_size, "group size")?,
        small(bits, "bits")?,
    )
    .map(Lazy)
}

/// MLX's affine `quantized_matmul(x, w, scales, biases, transpose,
/// group_size, bits)`.
///
/// ```
/// # fn main() -> mlx_sys::Result<()> {
/// # if mlx_sys::versions().is_err() { return Ok(()); }
/// use mlx_sys::{Array, Dtype, Node};
/// let w = Array::from_bytes(&[0u8; 4 * 128], &[2, 64], Dtype::Float32)?;
/// let q: Vec<_> = (0..3).map(|p| mlx_sys::quantize(&w, 64, 4, p)?.eval()).collect::<Result<_, _>>()?;
/// let x = Array::from_bytes(&[0u8; 4 * 64], &[1, 64], Dtype::Float32)?;
/// let y = mlx_sys::quantized_matmul(&x, &q[0], &q[1], &q[2], true, 64, 4)?;
/// assert_eq!(y.shape(), vec![1, 2]);
/// # Ok(()) }
/// ```
pub fn quantized_matmul(
    x: &impl Node,
    w: &impl Node,
    scales: &impl Node,
    biases: &impl Node,
    transpose: bool,
    group_size: u32,
    bits: u32,
) -> Result<Lazy> {
    imp::quantized_matmul(
        x.raw(),
        w.raw(),
        scales.raw(),
        biases.raw(),
        transpose,
        small(group_size, "group size")?,
        small(bits, "bits")?,
    )
    .map(Lazy)
}

fn axis_i32(a: usize) -> Result<i32> {
    i32::try_from(a).map_err(|_| Error::Invalid(format!("axis {a} out of range")))
}

fn axes_i32(axes: &[usize]) -> Result<Vec<i32>> {
    axes.iter().map(|&a| axis_i32(a)).collect()
}

// SAFETY: an `Array` is evaluated and immutable: its bytes are only read,
// its handle is only freed (under the crate's MLX lock) when the owner drops
// it, and MLX's reference counting is atomic. Moving it to, or sharing it
// with, another thread is therefore sound. `Lazy` stays `!Send`/`!Sync`.
unsafe impl Send for Array {}
// SAFETY: see `Send` above; `&Array` only offers reads of immutable data.
unsafe impl Sync for Array {}
