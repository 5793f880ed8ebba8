//! Comparison of an output with MLX's: exact dtype and shape, exact integer
//! and bool values, per-dtype tolerances for floats, matching NaN positions.

use crate::data::{HostData, Values};
use mlx_core::Dtype;
use std::fmt;

/// How close two floats must be: `|got - want| <= atol + rtol * |want|`, or
/// at most `ulps` units in the last place of the dtype apart. Infinities
/// must be equal and NaNs must sit at the same positions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Distance in representable values of the dtype.
    pub ulps: u64,
}

impl Tolerance {
    /// Bit-exact (NaN positions still compared as positions).
    pub const EXACT: Tolerance = Tolerance {
        rtol: 0.0,
        atol: 0.0,
        ulps: 0,
    };
}

/// Ops whose results are bit patterns of MLX's own algorithm: compared
/// exactly whatever the dtype.
const EXACT_OPS: &[&str] = &[
    "random.key",
    "random.split",
    "random.uniform",
    "random.randint",
    "random.bernoulli",
    "random.permutation",
    "quantize",
    "dequantize",
];

/// Ops computed through a libm-style approximation (or built on one):
/// a few more ulps for half and single precision.
const TRANSCENDENTAL_OPS: &[&str] = &[
    "random.truncated_normal",
    "random.gumbel",
    "random.laplace",
    "exp",
    "expm1",
    "log",
    "log1p",
    "log2",
    "log10",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "sigmoid",
    "erf",
    "erfinv",
    "power",
    "arctan2",
    "logaddexp",
    "logsumexp",
    "logcumsumexp",
    "softmax",
    "log_softmax",
    "random.normal",
];

/// Ops that MLX 0.32.4's CPU backend evaluates at float32 precision even
/// for float64 inputs (its vectorised `exp`/`sin`/`cos`/`erf`/`erfinv`
/// approximations and the ops built on them; `round` with decimals scales in
/// float32). We compute float64 at full precision, so these are compared at
/// float32's tolerance: MLX's own error, not ours, sets the bound.
const F64_AT_F32_OPS: &[&str] = &[
    "exp",
    "sin",
    "cos",
    "sigmoid",
    "erf",
    "erfinv",
    "logaddexp",
    "logsumexp",
    "logcumsumexp",
    "softmax",
    "log_softmax",
    "round",
];

/// The tolerance for a float output of `op` in `dtype` (exact for every
/// other dtype).
///
/// Principles: integer, bool and shape results are exact; a float result may
/// differ from MLX's by the rounding of a different (but correct) evaluation
/// order: a few units in the last place for single ops, more for ops that
/// go through a libm-style approximation (transcendental), and an absolute
/// slack for ops that accumulate many terms (`matmul`), whose rounding error
/// grows with the sum of the magnitudes of the products rather than with
/// the result. Half precision (float16, bfloat16) carries 11 or 8 bits, so
/// its relative tolerance is 1e-3 plus one or two ulps.
///
/// | dtype | rtol | atol | ulps |
/// | --- | --- | --- | --- |
/// | float16 | 1e-3 | 1e-3 | 1 (2 transcendental) |
/// | bfloat16 | 1e-3 | 1e-3 | 1 (2 transcendental) |
/// | float32, complex64 | 1e-5 | 1e-6 | 0 (4 transcendental) |
/// | float64 | 1e-12 | 1e-14 | 4 |
/// | float64, MLX computes at f32 (`F64_AT_F32_OPS`) | 1e-5 | 1e-6 | 0 |
/// | float32 `matmul`, convolutions (and [`ACCUMULATING_OPS`]) | 1e-5 | 1e-4 | 0 |
/// | float64 convolutions (MLX computes at f32) | 1e-5 | 1e-4 | 0 |
///
/// The `fft` family's absolute slack is then widened by [`fft_tolerance`].
pub fn tolerance(op: &str, dtype: Dtype) -> Tolerance {
    if EXACT_OPS.contains(&op) {
        return Tolerance::EXACT;
    }
    if let Some(t) = factorization_tolerance(op, dtype) {
        return t;
    }
    let tr = TRANSCENDENTAL_OPS.contains(&op);
    match dtype {
        Dtype::Float16 | Dtype::Bfloat16 => Tolerance {
            rtol: 1e-3,
            atol: 1e-3,
            ulps: if tr { 2 } else { 1 },
        },
        // matmul: K products of inputs of magnitude ~2 (our cases) accumulate
        // rounding of order K * eps * |a||b| in any summation order
        Dtype::Float32 if ACCUMULATING_OPS.contains(&op) || op.starts_with("conv") => Tolerance {
            rtol: 1e-5,
            atol: 1e-4,
            ulps: 0,
        },
        Dtype::Float32 | Dtype::Complex64 => Tolerance {
            rtol: 1e-5,
            atol: 1e-6,
            ulps: if tr { 4 } else { 0 },
        },
        // MLX's CPU backend convolves float64 at float32 precision, with
        // float32's accumulation slack
        Dtype::Float64 if op.starts_with("conv") => Tolerance {
            rtol: 1e-5,
            atol: 1e-4,
            ulps: 0,
        },
        Dtype::Float64 if F64_AT_F32_OPS.contains(&op) => Tolerance {
            rtol: 1e-5,
            atol: 1e-6,
            ulps: 0,
        },
        Dtype::Float64 => Tolerance {
            rtol: 1e-12,
            atol: 1e-14,
            ulps: 4,
        },
        _ => Tolerance::EXACT,
    }
}

/// True for the Fourier transforms and their derivative probes (the `fft`
/// family).
pub fn is_fft(op: &str) -> bool {
    op.starts_with("fft.") || op.starts_with("fft_")
}

/// The Fourier transforms' tolerance: an FFT's rounding error grows with
/// the norm of the whole signal times `log2 n`, not with each output
/// element, so small outputs of a large transform carry the error of the
/// large ones. The absolute slack is `2e-6 * log2(size) * max |want|`
/// (float32's epsilon is 1.2e-7), on top of `base`.
pub fn fft_tolerance(base: Tolerance, want: &HostData) -> Tolerance {
    let scale = match want.values() {
        Values::Float(w) => w
            .iter()
            .filter(|v| v.is_finite())
            .fold(0f64, |m, v| m.max(v.abs())),
        Values::Complex(w) => w
            .iter()
            .flat_map(|c| [c.0, c.1])
            .filter(|v| v.is_finite())
            .fold(0f64, |m, v| m.max(v.abs())),
        _ => return base,
    };
    let n = want.numel().max(2) as f64;
    Tolerance {
        atol: base.atol.max(2e-6 * n.log2() * scale),
        ..base
    }
}

/// Factorizations and what is built on them (`linalg.*` but the cross
/// product, and `random.multivariate_normal`, which takes an SVD): MLX calls
/// LAPACK and we call faer, both in the input's precision, so the two differ
/// by each side's rounding, which grows with the condition number (our
/// cases keep it below ~100): float32 `rtol = atol = 1e-4`, float64
/// `rtol = 1e-9`, `atol = 1e-10` (float32's tolerance for float64 `det`,
/// which MLX computes at float32 precision).
fn factorization_tolerance(op: &str, dtype: Dtype) -> Option<Tolerance> {
    let factored =
        (op.starts_with("linalg.") && op != "linalg.cross") || op == "random.multivariate_normal";
    match dtype {
        // MLX 0.32.4 factors float64 matrices of size 4 and more at float32
        // precision for `det` (sizes up to 3 use a closed form in float64)
        Dtype::Float64 if op == "linalg.det" => Some(Tolerance {
            rtol: 1e-5,
            atol: 1e-6,
            ulps: 0,
        }),
        Dtype::Float32 if factored => Some(Tolerance {
            rtol: 1e-4,
            atol: 1e-4,
            ulps: 0,
        }),
        Dtype::Float64 if factored => Some(Tolerance {
            rtol: 1e-9,
            atol: 1e-10,
            ulps: 0,
        }),
        _ => None,
    }
}

/// Outputs defined only up to the sign of each column (or row): the
/// singular vectors of `linalg.svd` (outputs 0 and 2) and the eigenvectors
/// of `linalg.eigh` (output 1). They are compared by absolute value; the
/// cases use matrices with distinct singular values and eigenvalues (so
/// nothing else is free), and the Rust tests check reconstructions.
///
/// ```
/// use mlx_conformance::compare::sign_free;
/// assert!(sign_free("linalg.svd", "linalg_decomp/svd/square.0"));
/// assert!(!sign_free("linalg.svd", "linalg_decomp/svd/square.1"));
/// assert!(sign_free("linalg.eigh", "linalg_decomp/eigh/f32.1"));
/// ```
pub fn sign_free(op: &str, key: &str) -> bool {
    let index = key.rsplit_once('.').map(|(_, i)| i);
    matches!(
        (op, index),
        ("linalg.svd", Some("0" | "2")) | ("linalg.eigh", Some("1"))
    )
}

/// [`compare`] of output `key`, by absolute value where [`sign_free`].
pub fn compare_output(
    op: &str,
    key: &str,
    want: &HostData,
    got: &HostData,
) -> Result<(), Box<Mismatch>> {
    if !sign_free(op, key) {
        return compare(op, want, got);
    }
    compare(op, &abs_of(want), &abs_of(got))
}

/// A float32/float64 array's absolute values (other dtypes unchanged).
fn abs_of(d: &HostData) -> HostData {
    let mut out = d.clone();
    match d.dtype {
        Dtype::Float32 => {
            let v: Vec<f32> = bytemuck::pod_collect_to_vec(&d.bytes);
            let a: Vec<f32> = v.iter().map(|x| x.abs()).collect();
            out.bytes = bytemuck::cast_slice(&a).to_vec();
        }
        Dtype::Float64 => {
            let v: Vec<f64> = bytemuck::pod_collect_to_vec(&d.bytes);
            let a: Vec<f64> = v.iter().map(|x| x.abs()).collect();
            out.bytes = bytemuck::cast_slice(&a).to_vec();
        }
        _ => {}
    }
    out
}

/// Ops whose float32 results accumulate `K` products (the `matmul` slack):
/// the matrix product and the quantized and expert-indexed products.
pub const ACCUMULATING_OPS: &[&str] = &["matmul", "quantized_matmul", "gather_mm", "gather_qmm"];

/// Why an output differs from MLX's.
#[derive(Clone, Debug, PartialEq)]
pub enum Mismatch {
    /// Different dtypes.
    Dtype {
        /// MLX's.
        want: Dtype,
        /// Ours.
        got: Dtype,
    },
    /// Different shapes.
    Shape {
        /// MLX's.
        want: Vec<usize>,
        /// Ours.
        got: Vec<usize>,
    },
    /// Values out of tolerance.
    Values {
        /// How many elements differ.
        count: usize,
        /// Number of elements.
        total: usize,
        /// The first differing element's index (row-major, per axis).
        first_index: Vec<usize>,
        /// MLX's value there.
        want: String,
        /// Ours.
        got: String,
        /// Largest absolute error over all finite pairs.
        max_abs: f64,
        /// Largest relative error over all finite pairs.
        max_rel: f64,
        /// The tolerance applied.
        tol: Tolerance,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Dtype { want, got } => write!(f, "dtype: expected {want}, got {got}"),
            Mismatch::Shape { want, got } => write!(f, "shape: expected {want:?}, got {got:?}"),
            Mismatch::Values {
                count,
                total,
                first_index,
                want,
                got,
                max_abs,
                max_rel,
                tol,
            } => write!(
                f,
                "{count}/{total} values differ; first at index {first_index:?}: expected {want}, got {got}; \
                 max abs err {max_abs:.3e}, max rel err {max_rel:.3e} (rtol {:e}, atol {:e}, ulps {})",
                tol.rtol, tol.atol, tol.ulps
            ),
        }
    }
}

/// The position of an element in the total order of a float dtype's values
/// (adjacent representable values differ by one).
fn ordered(x: f64, dtype: Dtype) -> i64 {
    let (bits, sign_bit) = match dtype {
        Dtype::Float16 => (half::f16::from_f64(x).to_bits() as i64, 1i64 << 15),
        Dtype::Bfloat16 => (half::bf16::from_f64(x).to_bits() as i64, 1i64 << 15),
        Dtype::Float64 => {
            let b = x.to_bits();
            let mag = (b & !(1u64 << 63)) as i64;
            return if b >> 63 == 1 { -mag } else { mag };
        }
        _ => ((x as f32).to_bits() as i64, 1i64 << 31),
    };
    if bits & sign_bit != 0 {
        -(bits & !sign_bit)
    } else {
        bits
    }
}

fn close(want: f64, got: f64, tol: &Tolerance, dtype: Dtype) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if want == got {
        return true;
    }
    if want.is_infinite() || got.is_infinite() {
        return false;
    }
    if (got - want).abs() <= tol.atol + tol.rtol * want.abs() {
        return true;
    }
    tol.ulps > 0 && ordered(want, dtype).abs_diff(ordered(got, dtype)) <= tol.ulps
}

fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (d, &n) in shape.iter().enumerate().rev() {
        if n > 0 {
            idx[d] = i % n;
            i /= n;
        }
    }
    idx
}

/// Compares our output with MLX's under `op`'s tolerance.
pub fn compare(op: &str, want: &HostData, got: &HostData) -> Result<(), Box<Mismatch>> {
    if want.dtype != got.dtype {
        return Err(Box::new(Mismatch::Dtype {
            want: want.dtype,
            got: got.dtype,
        }));
    }
    if want.shape != got.shape {
        return Err(Box::new(Mismatch::Shape {
            want: want.shape.clone(),
            got: got.shape.clone(),
        }));
    }
    let mut tol = tolerance(op, want.dtype);
    if is_fft(op) {
        tol = fft_tolerance(tol, want);
    }
    let total = want.numel();
    // (index of first mismatch, its values), count, max errors
    let mut first: Option<(usize, String, String)> = None;
    let mut count = 0usize;
    let (mut max_abs, mut max_rel) = (0f64, 0f64);
    let mut note = |i: usize, ok: bool, w: String, g: String| {
        if !ok {
            count += 1;
            if first.is_none() {
                first = Some((i, w, g));
            }
        }
    };
    let mut err = |w: f64, g: f64| {
        if w.is_finite() && g.is_finite() {
            let a = (w - g).abs();
            max_abs = max_abs.max(a);
            if w != 0.0 {
                max_rel = max_rel.max(a / w.abs());
            }
        }
    };
    match (want.values(), got.values()) {
        (Values::Bool(w), Values::Bool(g)) => {
            for (i, (a, b)) in w.iter().zip(&g).enumerate() {
                note(i, a == b, a.to_string(), b.to_string());
            }
        }
        (Values::Int(w), Values::Int(g)) => {
            for (i, (a, b)) in w.iter().zip(&g).enumerate() {
                err(*a as f64, *b as f64);
                note(i, a == b, a.to_string(), b.to_string());
            }
        }
        (Values::Float(w), Values::Float(g)) => {
            for (i, (a, b)) in w.iter().zip(&g).enumerate() {
                err(*a, *b);
                note(
                    i,
                    close(*a, *b, &tol, want.dtype),
                    a.to_string(),
                    b.to_string(),
                );
            }
        }
        (Values::Complex(w), Values::Complex(g)) => {
            for (i, (a, b)) in w.iter().zip(&g).enumerate() {
                err(a.0, b.0);
                err(a.1, b.1);
                let ok =
                    close(a.0, b.0, &tol, Dtype::Float32) && close(a.1, b.1, &tol, Dtype::Float32);
                note(
                    i,
                    ok,
                    format!("{}{:+}j", a.0, a.1),
                    format!("{}{:+}j", b.0, b.1),
                );
            }
        }
        // equal dtypes give equal kinds of values
        _ => {}
    }
    match first {
        None => Ok(()),
        Some((i, w, g)) => Err(Box::new(Mismatch::Values {
            count,
            total,
            first_index: unravel(i, &want.shape),
            want: w,
            got: g,
            max_abs,
            max_rel,
            tol,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32s(v: &[f32]) -> HostData {
        HostData {
            dtype: Dtype::Float32,
            shape: vec![v.len()],
            bytes: bytemuck::cast_slice(v).to_vec(),
        }
    }

    #[test]
    fn nan_positions_and_infinities() {
        let a = f32s(&[1.0, f32::NAN, f32::INFINITY]);
        assert!(compare("add", &a, &a).is_ok());
        assert!(compare("add", &a, &f32s(&[1.0, 0.0, f32::INFINITY])).is_err());
        assert!(compare("add", &a, &f32s(&[1.0, f32::NAN, f32::MAX])).is_err());
        assert!(compare("add", &f32s(&[0.0]), &f32s(&[-0.0])).is_ok());
    }

    #[test]
    fn tolerances() {
        let a = f32s(&[1.0, 100.0]);
        assert!(compare("add", &a, &f32s(&[1.000001, 100.0001])).is_ok());
        let e = compare("add", &a, &f32s(&[1.0, 100.01])).unwrap_err();
        assert!(
            matches!(*e, Mismatch::Values { count: 1, ref first_index, .. } if first_index == &[1])
        );
        assert!(compare("random.uniform", &a, &f32s(&[1.0, 100.00001])).is_err());
        assert_eq!(
            ordered(1.0, Dtype::Float16) + 1,
            ordered(1.0009765625, Dtype::Float16)
        );
        assert_eq!(ordered(-0.0, Dtype::Float32), ordered(0.0, Dtype::Float32));
        assert_eq!(unravel(7, &[2, 3, 4]), vec![0, 1, 3]);
    }
}
