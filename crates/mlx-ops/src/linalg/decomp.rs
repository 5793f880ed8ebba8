//! `mx.linalg`: factorizations (`lu`, `lu_factor`, `qr`, `svd`, `eigh`,
//! `cholesky`), inverses (`inv`, `tri_inv`, `cholesky_inv`, `pinv`),
//! solves (`solve`, `solve_triangular`), `det`, `slogdet`, `norm` and
//! `cross`, with MLX 0.32.4's shape and dtype rules and errors.
//!
//! Factorizations are primitives acting on the last two axes, batched over
//! the leading ones; everything else composes them as MLX does. Like MLX's
//! CPU backend, the factorizations accept `float32` and `float64` only.

use crate::Tensor;
use mlx_core::{
    shape::{broadcast_shapes, normalize_axis},
    Dtype, Error, Primitive, Result,
};

/// MLX's dtype check of the LAPACK-backed ops.
fn check_float(op: &'static str, a: &Tensor) -> Result<()> {
    match a.dtype() {
        Dtype::Float32 | Dtype::Float64 => Ok(()),
        d => Err(Error::dtype(
            op,
            format!("Arrays must have type float32 or float64. Received array with type {d}."),
            vec![d],
        )),
    }
}

fn check_matrix(op: &'static str, a: &Tensor) -> Result<()> {
    if a.ndim() < 2 {
        return Err(Error::shape(
            op,
            format!(
                "Arrays must have >= 2 dimensions. Received array with {} dimensions.",
                a.ndim()
            ),
            vec![a.shape().to_vec()],
        ));
    }
    Ok(())
}

fn check_square(op: &'static str, a: &Tensor, what: &str) -> Result<()> {
    let nd = a.ndim();
    if a.shape()[nd - 1] != a.shape()[nd - 2] {
        return Err(Error::shape(
            op,
            format!("{what} for square matrices, got shape {:?}.", a.shape()),
            vec![a.shape().to_vec()],
        ));
    }
    Ok(())
}

/// Float, at least 2-D and (when `square`) square.
fn check(op: &'static str, a: &Tensor, square: bool) -> Result<()> {
    check_float(op, a)?;
    check_matrix(op, a)?;
    if square {
        check_square(op, a, "Only defined")?;
    }
    Ok(())
}

fn with_last2(a: &Tensor, r: usize, c: usize) -> Vec<usize> {
    let mut s = a.shape()[..a.ndim() - 2].to_vec();
    s.extend([r, c]);
    s
}

fn with_last1(a: &Tensor, n: usize) -> Vec<usize> {
    let mut s = a.shape()[..a.ndim() - 2].to_vec();
    s.push(n);
    s
}

fn mn(a: &Tensor) -> (usize, usize) {
    let nd = a.ndim();
    (a.shape()[nd - 2], a.shape()[nd - 1])
}

/// The inverse of square matrices (`mx.linalg.inv`), batched over leading
/// axes. A singular matrix is an error when evaluated.
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[4.0f32, 1.0, 1.0, 3.0], &[2, 2])?;
/// let i = linalg::inv(&a)?.to_vec::<f32>()?;
/// assert!((i[0] - 3.0 / 11.0).abs() < 1e-6);
/// assert!(linalg::inv(&Tensor::from_slice(&[1.0f32, 2.0, 2.0, 4.0], &[2, 2])?)?.eval().is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn inv(a: &Tensor) -> Result<Tensor> {
    check_float("linalg::inv", a)?;
    check_matrix("linalg::inv", a)?;
    check_square("linalg::inv", a, "Inverses are only defined")?;
    Tensor::op(
        "linalg::inv",
        Primitive::Inverse {
            tri: false,
            upper: false,
        },
        &[a],
        a.shape().to_vec(),
        a.dtype(),
    )
}

/// The inverse of lower (or `upper`) triangular matrices
/// (`mx.linalg.tri_inv`); the other triangle is not read.
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[2.0f32, 9.0, 1.0, 4.0], &[2, 2])?;
/// assert_eq!(linalg::tri_inv(&a, false)?.to_vec::<f32>()?, vec![0.5, 0.0, -0.125, 0.25]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn tri_inv(a: &Tensor, upper: bool) -> Result<Tensor> {
    check_float("linalg::tri_inv", a)?;
    check_matrix("linalg::tri_inv", a)?;
    check_square("linalg::tri_inv", a, "Inverses are only defined")?;
    Tensor::op(
        "linalg::tri_inv",
        Primitive::Inverse { tri: true, upper },
        &[a],
        a.shape().to_vec(),
        a.dtype(),
    )
}

/// The Cholesky factor of symmetric positive definite matrices
/// (`mx.linalg.cholesky`): lower `L` with `a = L Lᵀ`, or `upper` `U = Lᵀ`.
/// Only the lower triangle of `a` is read; as in MLX, the result for a
/// matrix that is not positive definite is unspecified (no error).
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[4.0f64, 2.0, 2.0, 5.0], &[2, 2])?;
/// assert_eq!(linalg::cholesky(&a, false)?.to_vec::<f64>()?, vec![2.0, 0.0, 1.0, 2.0]);
/// assert_eq!(linalg::cholesky(&a, true)?.to_vec::<f64>()?, vec![2.0, 1.0, 0.0, 2.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn cholesky(a: &Tensor, upper: bool) -> Result<Tensor> {
    check_float("linalg::cholesky", a)?;
    check_matrix("linalg::cholesky", a)?;
    check_square(
        "linalg::cholesky",
        a,
        "Cholesky decomposition is only defined",
    )?;
    Tensor::op(
        "linalg::cholesky",
        Primitive::Cholesky { upper },
        &[a],
        a.shape().to_vec(),
        a.dtype(),
    )
}

/// The inverse of `L Lᵀ` (or `Uᵀ U` with `upper`) from the Cholesky factor
/// `L` (`mx.linalg.cholesky_inv`).
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let l = Tensor::from_slice(&[2.0f64, 0.0, 1.0, 2.0], &[2, 2])?; // of [[4, 2], [2, 5]]
/// let i = linalg::cholesky_inv(&l, false)?.to_vec::<f64>()?;
/// assert!((i[0] - 5.0 / 16.0).abs() < 1e-12 && (i[1] + 2.0 / 16.0).abs() < 1e-12);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn cholesky_inv(l: &Tensor, upper: bool) -> Result<Tensor> {
    check_float("linalg::cholesky_inv", l)?;
    check_matrix("linalg::cholesky_inv", l)?;
    check_square(
        "linalg::cholesky_inv",
        l,
        "Cholesky inverse is only defined",
    )?;
    let li = tri_inv(l, upper)?;
    if upper {
        li.matmul(&li.swapaxes(-1, -2)?)
    } else {
        li.swapaxes(-1, -2)?.matmul(&li)
    }
}

/// The reduced QR factorization (`mx.linalg.qr`): `(Q, R)` with `Q` of
/// shape `[..., m, k]` with orthonormal columns and `R` `[..., k, n]` upper
/// triangular, `k = min(m, n)`; LAPACK's sign convention (as MLX).
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[3.0f32, 1.0, 4.0, 2.0], &[2, 2])?;
/// let (q, r) = linalg::qr(&a)?;
/// let back = q.matmul(&r)?.to_vec::<f32>()?;
/// assert!(back.iter().zip([3.0, 1.0, 4.0, 2.0]).all(|(x, y)| (x - y).abs() < 1e-5));
/// assert!((r.to_vec::<f32>()?[0] + 5.0).abs() < 1e-5);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn qr(a: &Tensor) -> Result<(Tensor, Tensor)> {
    check("linalg::qr", a, false)?;
    let (m, n) = mn(a);
    let k = m.min(n);
    let part = |p: u8, shape: Vec<usize>| {
        Tensor::op(
            "linalg::qr",
            Primitive::Qr { part: p },
            &[a],
            shape,
            a.dtype(),
        )
    };
    Ok((part(0, with_last2(a, m, k))?, part(1, with_last2(a, k, n))?))
}

/// The singular value decomposition (`mx.linalg.svd`): with `compute_uv`,
/// `[U, S, Vt]` (`U` `[..., m, m]`, `S` `[..., min(m, n)]` descending, `Vt`
/// `[..., n, n]`, `a = U[:, :k] diag(S) Vt[:k]`), else `[S]`. Singular
/// vectors are unique only up to sign.
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[3.0f32, 0.0, 0.0, -4.0], &[2, 2])?;
/// let s = &linalg::svd(&a, false)?[0];
/// assert_eq!(s.to_vec::<f32>()?, vec![4.0, 3.0]);
/// assert_eq!(linalg::svd(&a, true)?.len(), 3);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn svd(a: &Tensor, compute_uv: bool) -> Result<Vec<Tensor>> {
    check_svd_dtype("linalg::svd", a)?;
    if a.ndim() < 2 {
        return Err(Error::shape(
            "linalg::svd",
            format!(
                "Input array must have >= 2 dimensions. Received array with {} dimensions.",
                a.ndim()
            ),
            vec![a.shape().to_vec()],
        ));
    }
    let (m, n) = mn(a);
    let part = |p: u8, shape: Vec<usize>| {
        Tensor::op(
            "linalg::svd",
            Primitive::Svd { part: p },
            &[a],
            shape,
            a.dtype(),
        )
    };
    let s = part(1, with_last1(a, m.min(n)))?;
    if !compute_uv {
        return Ok(vec![s]);
    }
    Ok(vec![
        part(0, with_last2(a, m, m))?,
        s,
        part(2, with_last2(a, n, n))?,
    ])
}

/// The dtype rule of `svd`, `eigh` and `eigvalsh`: MLX accepts float32,
/// float64 and complex64; complex inputs are not implemented here.
fn check_svd_dtype(op: &'static str, a: &Tensor) -> Result<()> {
    match a.dtype() {
        Dtype::Float32 | Dtype::Float64 => Ok(()),
        Dtype::Complex64 => Err(Error::dtype(
            op,
            "complex64 inputs are not supported yet (MLX accepts them)",
            vec![Dtype::Complex64],
        )),
        d => Err(Error::dtype(
            op,
            format!(
                "Arrays must have type float32, float64 or complex64. Received array with type {d}."
            ),
            vec![d],
        )),
    }
}

/// `UPLO` as MLX reads it: `"L"` selects the lower triangle, anything else
/// the upper.
fn uplo_upper(uplo: &str) -> bool {
    uplo != "L"
}

fn check_eigh(op: &'static str, a: &Tensor) -> Result<()> {
    check_svd_dtype(op, a)?;
    check_matrix(op, a)?;
    check_square(op, a, "Only defined")
}

/// Eigenvalues (ascending) and eigenvectors (columns) of real symmetric
/// matrices (`mx.linalg.eigh`), reading the lower triangle for `uplo ==
/// "L"` and the upper otherwise. Eigenvectors are unique only up to sign.
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[2.0f64, 1.0, 1.0, 2.0], &[2, 2])?;
/// let (w, v) = linalg::eigh(&a, "L")?;
/// let w = w.to_vec::<f64>()?;
/// assert!((w[0] - 1.0).abs() < 1e-12 && (w[1] - 3.0).abs() < 1e-12);
/// assert_eq!(v.shape(), &[2, 2]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn eigh(a: &Tensor, uplo: &str) -> Result<(Tensor, Tensor)> {
    check_eigh("linalg::eigh", a)?;
    let upper = uplo_upper(uplo);
    let (_, n) = mn(a);
    let w = Tensor::op(
        "linalg::eigh",
        Primitive::Eigh { upper, part: 0 },
        &[a],
        with_last1(a, n),
        a.dtype(),
    )?;
    let v = Tensor::op(
        "linalg::eigh",
        Primitive::Eigh { upper, part: 1 },
        &[a],
        a.shape().to_vec(),
        a.dtype(),
    )?;
    Ok((w, v))
}

/// Eigenvalues (ascending) of real symmetric matrices
/// (`mx.linalg.eigvalsh`).
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[2.0f32, 0.0, 0.0, -1.0], &[2, 2])?;
/// assert_eq!(linalg::eigvalsh(&a, "L")?.to_vec::<f32>()?, vec![-1.0, 2.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn eigvalsh(a: &Tensor, uplo: &str) -> Result<Tensor> {
    check_eigh("linalg::eigvalsh", a)?;
    let (_, n) = mn(a);
    Tensor::op(
        "linalg::eigvalsh",
        Primitive::Eigh {
            upper: uplo_upper(uplo),
            part: 0,
        },
        &[a],
        with_last1(a, n),
        a.dtype(),
    )
}

fn lu_part(op: &'static str, a: &Tensor, part: u8) -> Result<Tensor> {
    let (m, n) = mn(a);
    let (shape, dtype) = match part {
        0 => (a.shape().to_vec(), a.dtype()),
        1 => (with_last1(a, m.min(n)), Dtype::Uint32),
        _ => (with_last1(a, m), Dtype::Uint32),
    };
    Tensor::op(op, Primitive::Lu { part }, &[a], shape, dtype)
}

/// The compact LU factorization with partial pivoting
/// (`mx.linalg.lu_factor`): the packed factors (unit-lower `L` strictly
/// below the diagonal, `U` on and above) and the `uint32` pivots (LAPACK's
/// 0-based row swaps: row `i` was swapped with row `pivots[i]`).
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2])?;
/// let (lu, piv) = linalg::lu_factor(&a)?;
/// assert_eq!(piv.to_vec::<u32>()?, vec![1, 1]);
/// assert_eq!(lu.to_vec::<f32>()?[0], 3.0);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn lu_factor(a: &Tensor) -> Result<(Tensor, Tensor)> {
    check("linalg::lu_factor", a, false)?;
    Ok((
        lu_part("linalg::lu_factor", a, 0)?,
        lu_part("linalg::lu_factor", a, 1)?,
    ))
}

/// The LU factorization (`mx.linalg.lu`): `(P, L, U)` with `P` the `uint32`
/// row permutation such that `a = L[P] @ U` (`L` `[..., m, k]` unit lower,
/// `U` `[..., k, n]` upper, `k = min(m, n)`).
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[1.0f32, 2.0, 4.0, 6.0], &[2, 2])?;
/// let (p, l, u) = linalg::lu(&a)?;
/// assert_eq!(p.to_vec::<u32>()?, vec![1, 0]);
/// assert_eq!(u.to_vec::<f32>()?, vec![4.0, 6.0, 0.0, 0.5]);
/// assert_eq!(l.to_vec::<f32>()?, vec![1.0, 0.0, 0.25, 1.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn lu(a: &Tensor) -> Result<(Tensor, Tensor, Tensor)> {
    check("linalg::lu", a, false)?;
    let (m, n) = mn(a);
    let k = m.min(n) as i64;
    let packed = lu_part("linalg::lu", a, 0)?;
    let perm = lu_part("linalg::lu", a, 2)?;
    let nd = a.ndim();
    let lead = vec![0i64; nd - 2];
    let big = vec![i64::MAX; nd - 2];
    let ones = vec![1i64; nd];
    let cut = |r: i64, c: i64, from_r: i64| -> Result<Tensor> {
        let mut start = lead.clone();
        start.extend([from_r, 0]);
        let mut stop = big.clone();
        stop.extend([r, c]);
        packed.slice(&start, &stop, &ones)
    };
    let l = cut(m as i64, k, 0)?
        .tril(-1)?
        .add(&Tensor::eye(m, Some(k as usize), 0, a.dtype())?)?;
    let u = cut(k, n as i64, 0)?.triu(0)?;
    Ok((perm, l, u))
}

/// MLX's dtype rule of the solves: the promoted dtype must be a float.
fn solve_dtype(op: &'static str, a: &Tensor, b: &Tensor) -> Result<Dtype> {
    let d = Dtype::promote(a.dtype(), b.dtype());
    match d {
        Dtype::Float32 | Dtype::Float64 => Ok(d),
        _ => Err(Error::dtype(
            op,
            format!(
                "Input arrays must promote to float32 or float64. Received arrays with type {} and {}.",
                a.dtype(),
                b.dtype()
            ),
            vec![a.dtype(), b.dtype()],
        )),
    }
}

/// Validates `a x = b` and returns `(a, b as a matrix, b was a vector)`
/// cast to the common dtype and broadcast to one batch shape.
fn solve_operands(op: &'static str, a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor, bool)> {
    let dtype = solve_dtype(op, a, b)?;
    check_matrix(op, a)?;
    check_square(op, a, "First input must be a square matrix; only defined")?;
    if b.ndim() == 0 {
        return Err(Error::shape(
            op,
            "The second input must have at least one dimension.",
            vec![a.shape().to_vec(), b.shape().to_vec()],
        ));
    }
    let n = a.shape()[a.ndim() - 1];
    let vector = b.ndim() == 1;
    let bm = if vector {
        b.expand_dims(-1)?
    } else {
        b.clone()
    };
    if bm.shape()[bm.ndim() - 2] != n {
        return Err(Error::shape(
            op,
            format!(
                "Last dimension of first input with shape {:?} must match second to last dimension of second input with shape {:?}.",
                a.shape(),
                b.shape()
            ),
            vec![a.shape().to_vec(), b.shape().to_vec()],
        ));
    }
    let batch = broadcast_shapes(op, &a.shape()[..a.ndim() - 2], &bm.shape()[..bm.ndim() - 2])?;
    let k = bm.shape()[bm.ndim() - 1];
    let mut sa = batch.clone();
    sa.extend([n, n]);
    let mut sb = batch;
    sb.extend([n, k]);
    let a = a.astype(dtype)?.broadcast_to(&sa)?;
    let bm = bm.astype(dtype)?.broadcast_to(&sb)?;
    Ok((a, bm, vector))
}

/// Solves `a x = b` for lower (or `upper`) triangular `a`
/// (`mx.linalg.solve_triangular`); `b` is `[..., n]` or `[..., n, k]`,
/// batch axes broadcast. A zero on the diagonal is an error when evaluated.
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[2.0f32, 0.0, 1.0, 4.0], &[2, 2])?;
/// let b = Tensor::from_slice(&[2.0f32, 9.0], &[2])?;
/// assert_eq!(linalg::solve_triangular(&a, &b, false)?.to_vec::<f32>()?, vec![1.0, 2.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn solve_triangular(a: &Tensor, b: &Tensor, upper: bool) -> Result<Tensor> {
    let op = "linalg::solve_triangular";
    let (a, bm, vector) = solve_operands(op, a, b)?;
    let x = Tensor::op(
        op,
        Primitive::SolveTriangular { upper },
        &[&a, &bm],
        bm.shape().to_vec(),
        bm.dtype(),
    )?;
    if vector {
        x.squeeze(-1)
    } else {
        Ok(x)
    }
}

/// Solves `a x = b` for square `a` through its LU factorization
/// (`mx.linalg.solve`); `b` is `[..., n]` or `[..., n, k]` and batch axes
/// broadcast. A singular `a` is an error when evaluated.
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[0.0f64, 2.0, 1.0, 1.0], &[2, 2])?;
/// let b = Tensor::from_slice(&[4.0f64, 3.0], &[2])?;
/// assert_eq!(linalg::solve(&a, &b)?.to_vec::<f64>()?, vec![1.0, 2.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn solve(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let op = "linalg::solve";
    let (a, bm, vector) = solve_operands(op, a, b)?;
    let packed = lu_part(op, &a, 0)?;
    // rows of `L U` in terms of `a`'s rows: the inverse permutation
    let rows = lu_part(op, &a, 3)?;
    let k = bm.shape()[bm.ndim() - 1];
    let mut idx_shape = rows.shape().to_vec();
    idx_shape.push(k);
    let idx = rows.expand_dims(-1)?.broadcast_to(&idx_shape)?;
    let pb = bm.take_along_axis(&idx, Some(-2))?;
    let y = Tensor::op(
        op,
        Primitive::SolveTriangular { upper: false },
        &[&unit_lower(&packed)?, &pb],
        pb.shape().to_vec(),
        pb.dtype(),
    )?;
    let x = Tensor::op(
        op,
        Primitive::SolveTriangular { upper: true },
        &[&packed, &y],
        y.shape().to_vec(),
        y.dtype(),
    )?;
    if vector {
        x.squeeze(-1)
    } else {
        Ok(x)
    }
}

/// The unit-lower factor of a packed square LU.
fn unit_lower(packed: &Tensor) -> Result<Tensor> {
    let n = packed.shape()[packed.ndim() - 1];
    packed
        .tril(-1)?
        .add(&Tensor::eye(n, None, 0, packed.dtype())?)
}

/// Validates a `det`/`slogdet` input and converts integers and bools to
/// float32 (MLX's rule).
fn det_input(op: &'static str, a: &Tensor) -> Result<Tensor> {
    if a.dtype().is_complex() {
        return Err(Error::dtype(
            op,
            "Complex inputs are not supported.",
            vec![a.dtype()],
        ));
    }
    check_matrix(op, a)?;
    check_square(op, a, "Only defined")?;
    if a.dtype().is_floating() {
        Ok(a.clone())
    } else {
        a.astype(Dtype::Float32)
    }
}

/// The closed-form determinant of matrices of size 1, 2 or 3 (MLX uses it
/// below 4, in the input's dtype, and it is differentiable); `None` for
/// other sizes.
fn small_det(a: &Tensor) -> Result<Option<Tensor>> {
    let n = a.shape()[a.ndim() - 1];
    if n == 0 || n > 3 {
        return Ok(None);
    }
    let nd = a.ndim();
    let e = |i: i64, j: i64| -> Result<Tensor> {
        let mut start = vec![0i64; nd];
        let mut stop = vec![i64::MAX; nd];
        start[nd - 2] = i;
        stop[nd - 2] = i + 1;
        start[nd - 1] = j;
        stop[nd - 1] = j + 1;
        a.slice(&start, &stop, &vec![1; nd])?.squeeze(vec![-2, -1])
    };
    let m2 = |a: i64, b: i64, c: i64, d: i64| -> Result<Tensor> {
        // e(a, c) * e(b, d) - e(a, d) * e(b, c) over rows a, b and columns c, d
        e(a, c)?
            .multiply(&e(b, d)?)?
            .subtract(&e(a, d)?.multiply(&e(b, c)?)?)
    };
    Ok(Some(match n {
        1 => e(0, 0)?,
        2 => m2(0, 1, 0, 1)?,
        _ => e(0, 0)?
            .multiply(&m2(1, 2, 1, 2)?)?
            .subtract(&e(0, 1)?.multiply(&m2(1, 2, 0, 2)?)?)?
            .add(&e(0, 2)?.multiply(&m2(1, 2, 0, 1)?)?)?,
    }))
}

/// The diagonal of `U` and `(-1)^swaps` of the LU factorization (float32
/// or float64 only, as MLX's `lu_factor`).
fn lu_diag_parity(a: &Tensor) -> Result<(Tensor, Tensor)> {
    check_float("linalg::lu_factor", a)?;
    let packed = lu_part("linalg::lu_factor", a, 0)?;
    let piv = lu_part("linalg::lu_factor", a, 1)?;
    let n = a.shape()[a.ndim() - 1];
    let diag = packed.diagonal(0, -2, -1)?;
    let ar = Tensor::arange(0.0, n as f64, 1.0, Some(Dtype::Uint32))?;
    let swaps = piv
        .not_equal(&ar)?
        .astype(Dtype::Int32)?
        .sum(-1, false)?
        .remainder(2)?;
    let parity =
        Tensor::scalar_as(1.0, a.dtype()).subtract(&swaps.astype(a.dtype())?.multiply(2.0)?)?;
    Ok((diag, parity))
}

/// The determinant of square matrices (`mx.linalg.det`): closed forms for
/// sizes up to 3 (differentiable, any float dtype), the LU factorization
/// beyond (float32/float64; no derivative, as in MLX). Integer inputs give
/// float32.
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[0.0f32, 2.0, 3.0, 1.0], &[2, 2])?;
/// assert_eq!(linalg::det(&a)?.item::<f32>()?, -6.0);
/// let i4 = Tensor::eye(4, None, 0, mlx_ops::Dtype::Float64)?.multiply(2.0)?;
/// assert_eq!(linalg::det(&i4)?.item::<f64>()?, 16.0);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn det(a: &Tensor) -> Result<Tensor> {
    let a = det_input("linalg::det", a)?;
    if let Some(d) = small_det(&a)? {
        return Ok(d);
    }
    let (diag, parity) = lu_diag_parity(&a)?;
    diag.prod(-1, false)?.multiply(&parity)
}

/// The sign and the log of the absolute value of the determinant
/// (`mx.linalg.slogdet`): `(sign, logabsdet)`; a singular matrix gives
/// `(0, -inf)`. Sizes up to 3 go through the closed-form determinant.
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[0.0f64, 2.0, 3.0, 1.0], &[2, 2])?;
/// let (s, l) = linalg::slogdet(&a)?;
/// assert_eq!(s.item::<f64>()?, -1.0);
/// assert!((l.item::<f64>()? - 6f64.ln()).abs() < 1e-12);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn slogdet(a: &Tensor) -> Result<(Tensor, Tensor)> {
    let a = det_input("linalg::slogdet", a)?;
    if let Some(d) = small_det(&a)? {
        return Ok((d.sign()?, d.abs()?.log()?));
    }
    let (diag, parity) = lu_diag_parity(&a)?;
    let sign = diag.sign()?.prod(-1, false)?.multiply(&parity)?;
    let logabs = diag.abs()?.log()?.sum(-1, false)?;
    Ok((sign, logabs))
}

/// The Moore-Penrose pseudo-inverse through the SVD (`mx.linalg.pinv`):
/// singular values below `max(m, n) * eps * max(S)` count as zero.
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[1.0f64, 2.0, 2.0, 4.0], &[2, 2])?;
/// let p = linalg::pinv(&a)?.to_vec::<f64>()?;
/// assert!((p[0] - 0.04).abs() < 1e-12 && (p[3] - 0.16).abs() < 1e-12);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn pinv(a: &Tensor) -> Result<Tensor> {
    check("linalg::pinv", a, false)?;
    let (m, n) = mn(a);
    let k = m.min(n) as i64;
    let usv = svd(a, true)?;
    let (u, s, vt) = (&usv[0], &usv[1], &usv[2]);
    let nd = a.ndim();
    let start = vec![0i64; nd];
    let mut stop = vec![i64::MAX; nd];
    let ones = vec![1i64; nd];
    stop[nd - 1] = k;
    let uk = u.slice(&start, &stop, &ones)?; // [.., m, k]
    stop[nd - 1] = i64::MAX;
    stop[nd - 2] = k;
    let vtk = vt.slice(&start, &stop, &ones)?; // [.., k, n]
    let eps = if a.dtype() == Dtype::Float64 {
        f64::EPSILON
    } else {
        f32::EPSILON as f64
    };
    let rcond = m.max(n) as f64 * eps;
    let cutoff = s.max(-1, true)?.multiply(rcond)?;
    let zero = Tensor::scalar_as(0.0, a.dtype());
    let rs = s.greater(&cutoff)?.where_(&s.reciprocal()?, &zero)?;
    vtk.swapaxes(-1, -2)?
        .multiply(&rs.expand_dims(-2)?)?
        .matmul(&uk.swapaxes(-1, -2)?)
}

/// The cross product of 2- or 3-element vectors along `axis`
/// (`mx.linalg.cross`); 2-element vectors have a zero third component, the
/// inputs broadcast, and the result has 3 elements along `axis`.
///
/// ```
/// use mlx_ops::{linalg, Tensor};
/// let a = Tensor::from_slice(&[1.0f32, 0.0, 0.0], &[3])?;
/// let b = Tensor::from_slice(&[0.0f32, 1.0, 0.0], &[3])?;
/// assert_eq!(linalg::cross(&a, &b, -1)?.to_vec::<f32>()?, vec![0.0, 0.0, 1.0]);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn cross(a: &Tensor, b: &Tensor, axis: i64) -> Result<Tensor> {
    let op = "linalg::cross";
    if a.ndim() != b.ndim() {
        return Err(Error::shape(
            op,
            format!(
                "Inputs must have the same number of dimensions but got {} and {} dimensions.",
                a.ndim(),
                b.ndim()
            ),
            vec![a.shape().to_vec(), b.shape().to_vec()],
        ));
    }
    let ax = normalize_axis(op, axis, a.ndim())?;
    let (la, lb) = (a.shape()[ax], b.shape()[ax]);
    if !(la == 2 || la == 3) || !(lb == 2 || lb == 3) {
        return Err(Error::shape(
            op,
            "The specified axis must have size 2 or 3.",
            vec![a.shape().to_vec(), b.shape().to_vec()],
        ));
    }
    let dtype = Dtype::promote(a.dtype(), b.dtype());
    let comp = |t: &Tensor, i: i64| -> Result<Tensor> {
        let nd = t.ndim();
        let mut start = vec![0i64; nd];
        let mut stop = vec![i64::MAX; nd];
        start[ax] = i;
        stop[ax] = i + 1;
        t.astype(dtype)?.slice(&start, &stop, &vec![1; nd])
    };
    let third = |t: &Tensor, len: usize| -> Result<Option<Tensor>> {
        if len == 3 {
            Ok(Some(comp(t, 2)?))
        } else {
            Ok(None)
        }
    };
    let (a0, a1, a2) = (comp(a, 0)?, comp(a, 1)?, third(a, la)?);
    let (b0, b1, b2) = (comp(b, 0)?, comp(b, 1)?, third(b, lb)?);
    // missing third components are zero
    let mul = |x: &Tensor, y: &Option<Tensor>| -> Result<Option<Tensor>> {
        y.as_ref().map(|y| x.multiply(y)).transpose()
    };
    let sub = |x: Option<Tensor>, y: Option<Tensor>, like: &Tensor| -> Result<Tensor> {
        match (x, y) {
            (Some(x), Some(y)) => x.subtract(&y),
            (Some(x), None) => Ok(x),
            (None, Some(y)) => y.negative(),
            (None, None) => like.multiply(0),
        }
    };
    let base = a0.multiply(&b0)?;
    let c0 = sub(mul(&a1, &b2)?, mul(&b1, &a2)?, &base)?;
    let c1 = sub(mul(&b0, &a2)?, mul(&a0, &b2)?, &base)?;
    let c2 = a0.multiply(&b1)?.subtract(&a1.multiply(&b0)?)?;
    let shape = broadcast_shapes(op, c0.shape(), c2.shape())?;
    let shape = broadcast_shapes(op, &shape, c1.shape())?;
    let parts = [
        c0.broadcast_to(&shape)?,
        c1.broadcast_to(&shape)?,
        c2.broadcast_to(&shape)?,
    ];
    crate::concatenate(&[&parts[0], &parts[1], &parts[2]], ax as i64)
}

/// The order of a norm (`ord` of `mx.linalg.norm`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NormOrd {
    /// A number: `p` for vector norms; 1, -1, 2, -2, inf, -inf for matrix
    /// norms.
    P(f64),
    /// `'fro'`: the Frobenius norm (matrices only).
    Fro,
    /// `'nuc'`: the nuclear norm, the sum of the singular values (matrices
    /// only).
    Nuc,
}

impl NormOrd {
    /// Parses MLX's string orders (`"fro"`, `"f"`, `"nuc"`).
    ///
    /// ```
    /// use mlx_ops::linalg::NormOrd;
    /// assert_eq!(NormOrd::parse("fro")?, NormOrd::Fro);
    /// assert!(NormOrd::parse("abc").is_err());
    /// # Ok::<(), mlx_ops::Error>(())
    /// ```
    pub fn parse(s: &str) -> Result<NormOrd> {
        match s {
            "fro" | "f" => Ok(NormOrd::Fro),
            "nuc" => Ok(NormOrd::Nuc),
            _ => Err(Error::invalid(
                "linalg::norm",
                format!("Invalid ord value '{s}' for matrix norm."),
            )),
        }
    }
}

/// At least float32 (MLX's `at_least_float`).
fn at_least_float(d: Dtype) -> Dtype {
    if d.is_inexact() {
        d
    } else {
        Dtype::Float32
    }
}

/// `sqrt(sum(|a|^2))` over `axes`.
fn l2(a: &Tensor, axes: &[i64], keepdims: bool) -> Result<Tensor> {
    let m = a.abs()?;
    let out = m.multiply(&m)?.sum(axes.to_vec(), keepdims)?.sqrt()?;
    out.astype(at_least_float(out.dtype()))
}

fn vector_norm(a: &Tensor, p: f64, axis: i64, keepdims: bool) -> Result<Tensor> {
    let dtype = at_least_float(a.dtype());
    let ax = vec![axis];
    if p == 0.0 {
        return a.not_equal(0)?.sum(ax, keepdims)?.astype(dtype);
    }
    if p == 1.0 {
        return a.abs()?.sum(ax, keepdims)?.astype(dtype);
    }
    if p == 2.0 {
        return l2(a, &ax, keepdims);
    }
    if p == f64::INFINITY {
        return a.abs()?.max(ax, keepdims)?.astype(dtype);
    }
    if p == f64::NEG_INFINITY {
        return a.abs()?.min(ax, keepdims)?.astype(dtype);
    }
    a.abs()?
        .astype(dtype)?
        .power(p)?
        .sum(ax, keepdims)?
        .power(1.0 / p)
}

fn matrix_norm(a: &Tensor, ord: NormOrd, r: usize, c: usize, keepdims: bool) -> Result<Tensor> {
    let dtype = at_least_float(a.dtype());
    let (ri, ci) = (r as i64, c as i64);
    match ord {
        NormOrd::Fro => l2(a, &[ri, ci], keepdims),
        NormOrd::Nuc => singular_values_reduce(a, r, c, keepdims, |s| s.sum(-1, false)),
        NormOrd::P(p) if p == 1.0 || p == -1.0 => {
            let ci2 = if !keepdims && c > r { ci - 1 } else { ci };
            let s = a.abs()?.sum(vec![ri], keepdims)?;
            let out = if p == 1.0 {
                s.max(vec![ci2], keepdims)?
            } else {
                s.min(vec![ci2], keepdims)?
            };
            out.astype(dtype)
        }
        NormOrd::P(p) if p.is_infinite() => {
            let ri2 = if !keepdims && r > c { ri - 1 } else { ri };
            let s = a.abs()?.sum(vec![ci], keepdims)?;
            let out = if p > 0.0 {
                s.max(vec![ri2], keepdims)?
            } else {
                s.min(vec![ri2], keepdims)?
            };
            out.astype(dtype)
        }
        NormOrd::P(2.0) => singular_values_reduce(a, r, c, keepdims, |s| s.max(-1, false)),
        NormOrd::P(-2.0) => singular_values_reduce(a, r, c, keepdims, |s| s.min(-1, false)),
        NormOrd::P(p) => Err(Error::invalid(
            "linalg::norm",
            format!("Invalid ord {p} for matrix norm."),
        )),
    }
}

/// Moves axes `r`, `c` last, reduces the singular values with `f`, and
/// restores kept dimensions.
fn singular_values_reduce(
    a: &Tensor,
    r: usize,
    c: usize,
    keepdims: bool,
    f: impl Fn(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    let nd = a.ndim();
    let mut perm: Vec<i64> = (0..nd)
        .filter(|&i| i != r && i != c)
        .map(|i| i as i64)
        .collect();
    perm.extend([r as i64, c as i64]);
    let moved = a.transpose(&perm)?;
    let s = svd(&moved, false)?.remove(0);
    let out = f(&s)?;
    if keepdims {
        let (lo, hi) = (r.min(c) as i64, r.max(c) as i64);
        out.expand_dims(vec![lo, hi])
    } else {
        Ok(out)
    }
}

/// Matrix or vector norms (`mx.linalg.norm`). Without `ord`: the 2-norm of
/// the flattened `axes` (all by default). With `ord`: one axis (or a 1-D
/// input) gives a vector norm, two axes (or a 2-D input) a matrix norm.
/// Integer inputs give float32.
///
/// ```
/// use mlx_ops::{linalg::{self, NormOrd}, Tensor};
/// let x = Tensor::from_slice(&[3.0f32, -4.0], &[2])?;
/// assert_eq!(linalg::norm(&x, None, None, false)?.item::<f32>()?, 5.0);
/// assert_eq!(linalg::norm(&x, Some(NormOrd::P(1.0)), None, false)?.item::<f32>()?, 7.0);
/// assert_eq!(linalg::norm(&x, Some(NormOrd::P(f64::INFINITY)), None, false)?.item::<f32>()?, 4.0);
/// assert!(linalg::norm(&x, Some(NormOrd::Fro), None, false).is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn norm(
    a: &Tensor,
    ord: Option<NormOrd>,
    axes: Option<&[i64]>,
    keepdims: bool,
) -> Result<Tensor> {
    let op = "linalg::norm";
    let nd = a.ndim();
    let all: Vec<i64> = (0..nd as i64).collect();
    let axes_v: Vec<i64> = axes.map(|x| x.to_vec()).unwrap_or(all);
    let norm_axes = axes_v
        .iter()
        .map(|&x| normalize_axis(op, x, nd))
        .collect::<Result<Vec<usize>>>()?;
    for (i, x) in norm_axes.iter().enumerate() {
        if norm_axes[..i].contains(x) {
            return Err(Error::invalid(op, "Duplicate axes detected in reduction."));
        }
    }
    let Some(ord) = ord else {
        if axes.is_none() {
            let flat = a.reshape(&[-1])?;
            let out = l2(&flat, &[0], false)?;
            return if keepdims {
                out.reshape(&vec![1; nd])
            } else {
                Ok(out)
            };
        }
        if norm_axes.len() > 2 {
            return Err(Error::invalid(op, "Received too many axes for norm."));
        }
        let ax: Vec<i64> = norm_axes.iter().map(|&x| x as i64).collect();
        return l2(a, &ax, keepdims);
    };
    match (norm_axes.len(), ord) {
        (1, NormOrd::P(p)) => vector_norm(a, p, norm_axes[0] as i64, keepdims),
        (1, o) => Err(Error::invalid(
            op,
            format!(
                "Norm '{}' only supported for matrices, but received 1 axis/axes.",
                if o == NormOrd::Fro { "fro" } else { "nuc" }
            ),
        )),
        (2, o) => matrix_norm(a, o, norm_axes[0], norm_axes[1], keepdims),
        _ => Err(Error::invalid(op, "Received too many axes for norm.")),
    }
}
