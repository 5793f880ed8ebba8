//! The vocabulary of graph nodes: every primitive a backend may be asked to
//! run. Composite ops (mean, var, logsumexp, ...) are built from these by
//! `mlx-ops`; shape and dtype rules live there, kernels in the backends.

use crate::{Dtype, Scalar};

/// Elementwise ops of one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum UnaryOp {
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
    /// Round half to even.
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

/// Elementwise ops of two inputs of one dtype (the builder promotes first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BinaryOp {
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

impl BinaryOp {
    /// True for ops whose output is `bool` whatever the input dtype.
    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(
            self,
            Equal | NotEqual | Less | LessEqual | Greater | GreaterEqual
        )
    }
}

/// Reductions over a set of axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ReduceOp {
    Sum,
    Prod,
    Max,
    Min,
    All,
    Any,
}

/// Index-valued reductions over one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ArgReduceOp {
    ArgMax,
    ArgMin,
}

/// Cumulative ops along one axis (`cumsum`, `cumprod`, `cummax`, `cummin`,
/// `logcumsumexp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ScanOp {
    Sum,
    Prod,
    Max,
    Min,
    LogAddExp,
}

/// How a scatter combines an update with the value already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScatterOp {
    /// The update replaces the value (the last of duplicate indices wins).
    Assign,
    /// The update is added (duplicates accumulate).
    Add,
}

/// One node's operation. The node carries its output shape and dtype; the
/// fields here are whatever else a kernel needs.
///
/// View primitives (`Reshape`, `Broadcast`, `Transpose`, `Slice`,
/// `AsStrided`) are resolved by the scheduler into new layouts over the input
/// buffer and never reach a backend (a non-contiguous `Reshape` first asks the
/// backend for a `Copy`).
#[derive(Clone, Debug, PartialEq)]
pub enum Primitive {
    /// Data given at creation; never evaluated.
    Constant,
    /// `start + i * step`, converted to the node's dtype.
    Arange {
        /// First value.
        start: f64,
        /// Increment.
        step: f64,
    },
    /// Ones on the `k`-th diagonal of an `N x M` matrix, zeros elsewhere.
    Eye {
        /// Diagonal offset.
        k: i64,
    },
    /// Ones at and below the `k`-th diagonal of an `N x M` matrix.
    Tri {
        /// Diagonal offset.
        k: i64,
    },
    /// Random bits from a threefry key (input 0, `uint32` of shape `[2]`),
    /// each element `width` bytes, output dtype `uint8/16/32`.
    RandomBits {
        /// Bytes per element (1, 2 or 4).
        width: u8,
    },
    /// Elementwise unary op.
    Unary(UnaryOp),
    /// Elementwise binary op.
    Binary(BinaryOp),
    /// `where(cond, a, b)`: inputs `bool`, `T`, `T`.
    Select,
    /// Conversion to the node's dtype.
    AsType,
    /// Reduction over `axes`; output keeps reduced axes with size 1.
    Reduce {
        /// Which reduction.
        op: ReduceOp,
        /// Sorted, normalised axes.
        axes: Vec<usize>,
    },
    /// Index of the max/min along `axis` (`uint32`, axis kept with size 1).
    ArgReduce {
        /// Which reduction.
        op: ArgReduceOp,
        /// Normalised axis.
        axis: usize,
    },
    /// Inclusive or exclusive running reduction along `axis` (input and
    /// output of one dtype).
    Scan {
        /// Which reduction.
        op: ScanOp,
        /// Normalised axis.
        axis: usize,
        /// Scan from the end of the axis.
        reverse: bool,
        /// Include the element itself (else the identity comes first).
        inclusive: bool,
    },
    /// `take` along `axis`: inputs `x` and integer `indices`; the output is
    /// `x.shape[..axis] ++ indices.shape ++ x.shape[axis + 1..]`. Negative
    /// indices count from the end.
    Gather {
        /// Normalised axis.
        axis: usize,
    },
    /// `take_along_axis`: inputs `x` and integer `indices` of the output's
    /// shape (equal to `x`'s except along `axis`).
    GatherAxis {
        /// Normalised axis.
        axis: usize,
    },
    /// `put_along_axis` / scatter-add along an axis: inputs `x`, integer
    /// `indices` and `updates` (both of one shape, equal to `x`'s except
    /// along `axis`); the output has `x`'s shape.
    ScatterAxis {
        /// How updates combine.
        op: ScatterOp,
        /// Normalised axis.
        axis: usize,
    },
    /// Sorted copy along `axis` (stable, NaN last).
    Sort {
        /// Normalised axis.
        axis: usize,
    },
    /// Indices (`uint32`) that sort along `axis` (stable, NaN last).
    ArgSort {
        /// Normalised axis.
        axis: usize,
    },
    /// Copy partitioned along `axis` around its `kth` element (C++
    /// `std::nth_element` order, as MLX).
    Partition {
        /// Normalised axis.
        axis: usize,
        /// Normalised (non-negative) pivot position.
        kth: usize,
    },
    /// Indices (`uint32`) that partition along `axis` (see `Partition`).
    ArgPartition {
        /// Normalised axis.
        axis: usize,
        /// Normalised (non-negative) pivot position.
        kth: usize,
    },
    /// Insertion points (`uint32`) of input 1's values into the sorted 1-D
    /// input 0 (both of one dtype).
    SearchSorted {
        /// `side="right"`: after equal elements.
        right: bool,
    },
    /// Softmax over the last axis.
    Softmax {
        /// Accumulate in `float32` for half-precision inputs.
        precise: bool,
    },
    /// Batched matrix product of two arrays of equal rank whose batch
    /// dimensions already broadcast to the output's.
    Matmul,
    /// MLX's affine quantization of input 0 (a float array of at least two
    /// dimensions) in groups of `group_size` along the last axis: `part` 0
    /// is the packed `uint32` words (a little-endian bit stream of `bits`-bit
    /// codes), 1 the scales and 2 the biases (both of the input's dtype).
    Quantize {
        /// Elements per group (32, 64 or 128).
        group_size: u32,
        /// Bits per code (2, 3, 4, 5, 6 or 8).
        bits: u32,
        /// Which output: 0 words, 1 scales, 2 biases.
        part: u8,
    },
    /// `scales * q + biases` per group: inputs the packed words, scales and
    /// biases (one float dtype, the output's).
    Dequantize {
        /// Elements per group.
        group_size: u32,
        /// Bits per code.
        bits: u32,
    },
    /// `x @ dequantize(w).T` (`transpose`) or `x @ dequantize(w)`: inputs
    /// `x`, the packed `w`, scales and biases; `x`, scales and biases share
    /// the output's float dtype; batch dimensions already broadcast.
    QuantizedMatmul {
        /// Elements per group.
        group_size: u32,
        /// Bits per code.
        bits: u32,
        /// `w` holds `[n, k]` (true) or `[k, n]` (false).
        transpose: bool,
    },
    /// Expert-indexed matrix product (`mx.gather_mm`): inputs `a`
    /// (`[..., m, k]`), `b` (`[..., k, n]`) and `uint32` indices of one
    /// shape `S` into the flattened batch matrices of `a` and `b`; the
    /// output is `S ++ [m, n]`.
    GatherMm,
    /// Expert-indexed quantized product (`mx.gather_qmm`): inputs `x`, the
    /// packed `w`, scales, biases, then the `uint32` lhs and rhs indices of
    /// one shape `S`; the output is `S ++ [m, n]`.
    GatherQmm {
        /// Elements per group.
        group_size: u32,
        /// Bits per code.
        bits: u32,
        /// `w` holds `[.., n, k]` (true) or `[.., k, n]` (false).
        transpose: bool,
    },
    /// Same elements, new shape.
    Reshape,
    /// Broadcast to the node's shape.
    Broadcast,
    /// Dimension permutation.
    Transpose {
        /// `out.shape[i] = in.shape[perm[i]]`.
        perm: Vec<usize>,
    },
    /// Strided slice; the node's shape gives the length per axis.
    Slice {
        /// Start index per axis.
        start: Vec<i64>,
        /// Step per axis (non-zero, possibly negative).
        step: Vec<i64>,
    },
    /// Arbitrary strides and offset over the input's contiguous data.
    AsStrided {
        /// Strides in elements.
        strides: Vec<isize>,
        /// Offset in elements.
        offset: usize,
    },
    /// A row-contiguous copy.
    Copy,
    /// Identity on values that blocks gradients (a view).
    StopGradient,
    /// Concatenation of all inputs along `axis`.
    Concatenate {
        /// The axis.
        axis: usize,
    },
    /// Constant padding: `low[i]` elements before each axis (the node's shape
    /// gives the rest), filled with `value`.
    Pad {
        /// Elements added before each axis.
        low: Vec<usize>,
        /// Fill value.
        value: Scalar,
    },
    /// Explicit transfer from the input's device to the node's device.
    Transfer,
    /// A fused elementwise program over the inputs (all of the node's shape).
    Fused(std::sync::Arc<crate::fusion::FusedExpr>),
    /// One output of a function with user-defined derivative rules
    /// (`custom_function`): a view of input `index`. The inputs are the
    /// function's `num_outputs` outputs followed by its primals.
    Custom(CustomCall),
    /// A view of input 0 that is evaluated only after inputs `1..` (MLX's
    /// `depends`): orders recomputation after the values it waits for.
    Depends,
    /// The input's bytes (in row-major order) reinterpreted as the node's
    /// dtype; the last axis scales by the ratio of the element sizes.
    View,
    /// N-d convolution (1 to 3 spatial axes) of input 0 (`[N, spatial..,
    /// C_in]`) with weight input 1 (`[C_out, kernel.., C_in / groups]`),
    /// both of the node's dtype; the output is `[N, out_spatial.., C_out]`.
    /// The input is dilated (`input_dilation - 1` zeros between elements),
    /// padded, then correlated with the dilated kernel at `stride`.
    Convolution {
        /// Step of the window per spatial axis.
        stride: Vec<usize>,
        /// Zeros added before each spatial axis (after input dilation).
        padding_lo: Vec<usize>,
        /// Zeros added after each spatial axis (after input dilation).
        padding_hi: Vec<usize>,
        /// Spacing of kernel taps per spatial axis.
        kernel_dilation: Vec<usize>,
        /// Spacing of input elements per spatial axis.
        input_dilation: Vec<usize>,
        /// Channel groups (input and output channels split evenly).
        groups: usize,
        /// Convolution (kernel flipped) instead of cross-correlation.
        flip: bool,
    },
    /// Root-mean-square normalisation of the last axis of input 0, computed
    /// in float32, then scaled by input 1 (the weight, 1-D, one per feature):
    /// `(x / sqrt(mean(x²) + eps)) * w` (`mx.fast.rms_norm`).
    RmsNorm {
        /// Added to the mean square.
        eps: f64,
    },
    /// Discrete Fourier transform of input 0 over `axes` (MLX's `FFT`):
    /// complex64 in and out (`real: false`), float32 in and the half
    /// spectrum out (`real`, forward: the last axis becomes `n / 2 + 1`),
    /// or the half spectrum in and float32 out (`real`, `inverse`: the node's
    /// shape gives the last axis's length). Inverse transforms divide by the
    /// product of the transformed lengths.
    Fft {
        /// Transformed axes (normalised, distinct); the real transform's
        /// halved axis is the last.
        axes: Vec<usize>,
        /// Inverse transform (positive exponent, divided by n).
        inverse: bool,
        /// Real transform (rfft / irfft).
        real: bool,
    },
    // ---- linear algebra (`mx.linalg`): each acts on the last two axes of
    // input 0, batched over the leading axes; float32 and float64 only ----
    /// Inverse of square matrices; with `tri`, of the lower (or `upper`)
    /// triangle (the other triangle is not read: `linalg.tri_inv`). A
    /// singular matrix is an evaluation error.
    Inverse {
        /// The input is triangular.
        tri: bool,
        /// Which triangle, for `tri`.
        upper: bool,
    },
    /// Cholesky factor of the symmetric positive definite matrix whose lower
    /// triangle is read: `L` (lower) or `Lᵀ` (`upper`).
    Cholesky {
        /// Return the upper factor.
        upper: bool,
    },
    /// Householder QR of an `m x n` matrix: part 0 `Q` (`m x k`), part 1 `R`
    /// (`k x n`), `k = min(m, n)`.
    Qr {
        /// Which output.
        part: u8,
    },
    /// Singular value decomposition: part 0 `U` (`m x m`), part 1 the
    /// singular values (descending, `min(m, n)`), part 2 `Vt` (`n x n`).
    Svd {
        /// Which output.
        part: u8,
    },
    /// Symmetric eigendecomposition of the matrix whose lower (or `upper`)
    /// triangle is read: part 0 the eigenvalues (ascending), part 1 the
    /// eigenvectors (columns).
    Eigh {
        /// Read the upper triangle.
        upper: bool,
        /// Which output.
        part: u8,
    },
    /// LU factorization with partial pivoting (LAPACK `getrf`): part 0 the
    /// packed factors (`m x n`: unit-lower `L` below the diagonal, `U` on and
    /// above), part 1 the `uint32` row swaps (`min(m, n)`, 0-based), part 2
    /// the `uint32` row permutation (`m`) with `A = (L U)[perm]`, part 3 its
    /// inverse (row `i` of `L U` is row `rows[i]` of `A`).
    Lu {
        /// Which output.
        part: u8,
    },
    /// Solution `x` of `a x = b` for triangular `a` (input 0, `[..., n, n]`,
    /// only the lower or `upper` triangle read) and `b` (input 1, `[..., n,
    /// k]`, same batch). A zero diagonal is an evaluation error.
    SolveTriangular {
        /// Which triangle of `a`.
        upper: bool,
    },
}

/// The payload of [`Primitive::Custom`]: which output this node is, and the
/// rules (an opaque object the transforms downcast).
#[derive(Clone)]
pub struct CustomCall {
    /// A name for messages and graph dumps.
    pub name: &'static str,
    /// Identifies the custom function (equal calls share the rules).
    pub id: u64,
    /// Which output of the function this node is.
    pub index: usize,
    /// How many outputs the function has (inputs `0..num_outputs`).
    pub num_outputs: usize,
    /// The derivative rules, downcast by the transforms.
    pub rules: std::sync::Arc<dyn std::any::Any + Send + Sync>,
}

impl std::fmt::Debug for CustomCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CustomCall({}#{}, output {} of {})",
            self.name, self.id, self.index, self.num_outputs
        )
    }
}

impl PartialEq for CustomCall {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.index == other.index && self.num_outputs == other.num_outputs
    }
}

impl Primitive {
    /// A short name for messages and graph dumps.
    ///
    /// ```
    /// use mlx_core::{Primitive, UnaryOp};
    /// assert_eq!(Primitive::Unary(UnaryOp::Exp).name(), "Exp");
    /// ```
    pub fn name(&self) -> String {
        match self {
            Primitive::Unary(u) => format!("{u:?}"),
            Primitive::Binary(b) => format!("{b:?}"),
            Primitive::Reduce { op, .. } => format!("Reduce{op:?}"),
            Primitive::ArgReduce { op, .. } => format!("{op:?}"),
            Primitive::Fused(e) => format!("Fused[{}]", e.ops.len()),
            Primitive::Custom(c) => format!("Custom[{}]", c.name),
            p => {
                let s = format!("{p:?}");
                s.split([' ', '{', '(']).next().unwrap_or("?").to_string()
            }
        }
    }

    /// True for primitives the scheduler resolves as views (no kernel).
    pub fn is_view(&self) -> bool {
        matches!(
            self,
            Primitive::Reshape
                | Primitive::Broadcast
                | Primitive::Transpose { .. }
                | Primitive::Slice { .. }
                | Primitive::AsStrided { .. }
                | Primitive::StopGradient
                | Primitive::Custom(_)
                | Primitive::Depends
        )
    }

    /// True for elementwise primitives (candidates for fusion).
    pub fn is_elementwise(&self) -> bool {
        matches!(
            self,
            Primitive::Unary(_)
                | Primitive::Binary(_)
                | Primitive::Select
                | Primitive::AsType
                | Primitive::Fused(_)
        )
    }
}

/// What a backend is asked to compute: one primitive, its materialised
/// inputs, and the output's shape and dtype.
#[derive(Debug)]
pub struct OpCall<'a> {
    /// The operation.
    pub primitive: &'a Primitive,
    /// Inputs, resident on the backend's device, with their layouts.
    pub inputs: &'a [crate::ArrayData],
    /// Output shape.
    pub shape: &'a [usize],
    /// Output dtype.
    pub dtype: Dtype,
}
