//! Dense linear algebra (`mx.linalg`) on [`faer`]: LU with partial pivoting,
//! inverses (general and triangular), Cholesky, Householder QR, the SVD, the
//! self-adjoint eigendecomposition and triangular solves.
//!
//! Every kernel acts on the last two axes of its input, batched over the
//! leading axes (rayon across the batch; a single large matrix lets faer
//! use the rayon pool inside the factorization instead). Matrices are
//! factored in their own precision (`float32` or `float64`), as MLX's LAPACK
//! calls do. Conventions follow LAPACK where they are observable, and faer
//! agrees with it on each: `getrf`'s pivots (first largest magnitude, and a
//! zero pivot column is left unscaled, see [`lu`]), `geqrf`'s Householder
//! signs (`R[j][j] = -sign(a) * norm`, no reflection for a column already
//! zero below the diagonal), `potrf`'s partial result for a matrix that is
//! not positive definite (see [`cholesky`]), singular values descending,
//! eigenvalues ascending.

use crate::strided::{contiguous, output};
use crate::{failed, internal, unsupported, KResult};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{cholesky_in_place, cholesky_in_place_scratch, LltError};
use faer::linalg::lu::partial_pivoting::factor::{lu_in_place, lu_in_place_scratch};
use faer::linalg::lu::partial_pivoting::inverse::{inverse as lu_inverse, inverse_scratch};
use faer::linalg::triangular_inverse::{invert_lower_triangular, invert_upper_triangular};
use faer::linalg::triangular_solve::{
    solve_lower_triangular_in_place, solve_upper_triangular_in_place,
};
use faer::perm::PermRef;
use faer::{Mat, MatRef, Par, Side};
use mlx_core::backend::BackendError;
use mlx_core::{Dtype, HostBuffer, Native, OpCall};
use rayon::prelude::*;

/// The float types the factorizations accept (MLX: float32 and float64).
trait LFloat: faer::traits::RealField + Native + Copy + Send + Sync {
    fn to64(self) -> f64;
    fn from64(v: f64) -> Self;
}
impl LFloat for f32 {
    fn to64(self) -> f64 {
        self as f64
    }
    fn from64(v: f64) -> Self {
        v as f32
    }
}
impl LFloat for f64 {
    fn to64(self) -> f64 {
        self
    }
    fn from64(v: f64) -> Self {
        v
    }
}

/// A failed factorization: the message names the MLX op.
type LResult<T> = Result<T, String>;

/// A packed LU factorization: `L` (unit lower, below the diagonal) and `U`
/// (on and above) in one `m x n` matrix, and the row order: row `i` of
/// `L U` is row `rows[i]` of the input.
struct Lu<T> {
    packed: Mat<T>,
    rows: Vec<usize>,
}

impl<T: LFloat> Lu<T> {
    /// Whether a pivot (a diagonal entry of `U`) is exactly zero, which is
    /// where LAPACK's `getrf` reports a singular matrix.
    fn singular(&self) -> bool {
        let k = self.packed.nrows().min(self.packed.ncols());
        (0..k).any(|j| self.packed[(j, j)].to64() == 0.0)
    }

    /// LAPACK's `ipiv` (0-based): the row swapped with row `j` at step `j`.
    fn pivots(&self) -> Vec<usize> {
        let m = self.packed.nrows();
        let k = m.min(self.packed.ncols());
        let mut at: Vec<usize> = (0..m).collect();
        let mut pos: Vec<usize> = (0..m).collect();
        (0..k)
            .map(|j| {
                let p = pos[self.rows[j]];
                let (rj, rp) = (at[j], at[p]);
                at.swap(j, p);
                pos[rj] = p;
                pos[rp] = j;
                p
            })
            .collect()
    }

    /// Where each input row went: `inverse[rows[i]] = i`.
    fn inverse_rows(&self) -> Vec<usize> {
        let mut inv = vec![0; self.rows.len()];
        for (i, &r) in self.rows.iter().enumerate() {
            inv[r] = i;
        }
        inv
    }
}

/// LU with partial pivoting (LAPACK `getrf`) of an `m x n` matrix.
///
/// faer scales the column below a zero pivot by its reciprocal, turning the
/// (all zero) multipliers into NaN, where `getrf` leaves them at zero and
/// carries on. When that happens the input entry that became the pivot is
/// shifted by a nonzero amount and the factorization repeated: the column
/// below the pivot stays zero, so the multipliers become exact zeros and
/// every other entry of the result is as `getrf` leaves it; the pivot is
/// then put back to zero.
fn lu<T: LFloat>(a: MatRef<'_, T>, par: Par) -> Lu<T> {
    let (m, n) = (a.nrows(), a.ncols());
    let mut shifted: Vec<usize> = Vec::new();
    let mut input = a.to_owned();
    // NaN or infinite inputs make NaN multipliers anyway (in LAPACK too)
    let finite = (0..n).all(|j| (0..m).all(|i| a[(i, j)].to64().is_finite()));
    let mut buf = MemBuffer::new(lu_in_place_scratch::<usize, T>(
        m,
        n,
        par,
        Default::default(),
    ));
    loop {
        let mut packed = input.clone();
        let mut perm = vec![0usize; m];
        let mut perm_inv = vec![0usize; m];
        lu_in_place(
            packed.as_mut(),
            &mut perm[..],
            &mut perm_inv[..],
            par,
            MemStack::new(&mut buf),
            Default::default(),
        );
        let k = m.min(n);
        let zero = (0..k).find(|&j| packed[(j, j)].to64() == 0.0 && !shifted.contains(&j));
        match zero {
            Some(j) if finite && (j + 1..m).any(|i| packed[(i, j)].to64().is_nan()) => {
                let r = perm[j];
                let x = input[(r, j)].to64();
                input[(r, j)] = T::from64(x + x.abs().max(1.0));
                shifted.push(j);
            }
            _ => {
                for &j in &shifted {
                    packed[(j, j)] = T::from64(0.0);
                }
                return Lu { packed, rows: perm };
            }
        }
    }
}

/// Inverse through LU; a zero pivot is an error (as MLX's `getrf` check).
fn inverse<T: LFloat>(a: MatRef<'_, T>, par: Par) -> LResult<Mat<T>> {
    let n = a.nrows();
    let f = lu(a, par);
    if f.singular() {
        return Err(
            "[linalg::inv] the matrix is singular (LU factorization hit a zero pivot)".into(),
        );
    }
    let inv_rows = f.inverse_rows();
    let perm = PermRef::new_checked(&f.rows[..], &inv_rows[..], n);
    let mut out = Mat::zeros(n, n);
    let mut buf = MemBuffer::new(inverse_scratch::<usize, T>(n, par));
    lu_inverse(
        out.as_mut(),
        f.packed.as_ref(),
        f.packed.as_ref(),
        perm,
        par,
        MemStack::new(&mut buf),
    );
    Ok(out)
}

/// The index of the first zero on the diagonal of a square matrix.
fn zero_diagonal<T: LFloat>(a: MatRef<'_, T>) -> Option<usize> {
    (0..a.nrows()).find(|&i| a[(i, i)].to64() == 0.0)
}

/// Inverse of a lower (or `upper`) triangular matrix, reading only that
/// triangle; a zero on the diagonal is an error (LAPACK `trtri`).
fn tri_inv<T: LFloat>(a: MatRef<'_, T>, upper: bool, par: Par) -> LResult<Mat<T>> {
    if let Some(i) = zero_diagonal(a) {
        return Err(format!(
            "[linalg::tri_inv] the triangular matrix is singular (zero diagonal element {i})"
        ));
    }
    let n = a.nrows();
    let mut x = Mat::zeros(n, n);
    if upper {
        invert_upper_triangular(x.as_mut(), a, par);
    } else {
        invert_lower_triangular(x.as_mut(), a, par);
    }
    Ok(x)
}

/// Cholesky factor `L` (lower) from the lower triangle of `a`.
///
/// MLX does not check definiteness; LAPACK's `potrf` stops at the first
/// pivot `d <= 0` (or NaN), stores `d` there and leaves the columns from
/// that one on as they were (MLX then zeroes the upper triangle). faer
/// reports the failing pivot `k` instead, so that result is rebuilt: the
/// leading `k x k` block is factored again, the rows below it solved
/// against it, and `d = a[k][k] - |L[k][:k]|²`.
fn cholesky<T: LFloat>(a: MatRef<'_, T>, par: Par) -> Mat<T> {
    let n = a.nrows();
    let lower = |m: &mut Mat<T>| {
        for j in 0..n {
            for i in 0..j {
                m[(i, j)] = T::from64(0.0);
            }
        }
    };
    let factor = |m: &mut Mat<T>| {
        let dim = m.nrows();
        let mut buf = MemBuffer::new(cholesky_in_place_scratch::<T>(dim, par, Default::default()));
        cholesky_in_place(
            m.as_mut(),
            Default::default(),
            par,
            MemStack::new(&mut buf),
            Default::default(),
        )
    };
    let mut l = a.to_owned();
    let k = match factor(&mut l) {
        Ok(_) => {
            lower(&mut l);
            return l;
        }
        Err(LltError::NonPositivePivot { index }) => index,
    };
    let mut l = a.to_owned();
    let mut l11 = a.submatrix(0, 0, k, k).to_owned();
    // the leading block of a failed factorization is positive definite
    if factor(&mut l11).is_ok() {
        // L21 = A21 L11⁻ᵀ, i.e. L11 L21ᵀ = A21ᵀ
        let mut l21t = a.submatrix(k, 0, n - k, k).transpose().to_owned();
        solve_lower_triangular_in_place(l11.as_ref(), l21t.as_mut(), par);
        for j in 0..k {
            for i in j..k {
                l[(i, j)] = l11[(i, j)];
            }
            for i in k..n {
                l[(i, j)] = l21t[(j, i - k)];
            }
        }
        let d = a[(k, k)].to64() - (0..k).map(|j| l[(k, j)].to64().powi(2)).sum::<f64>();
        l[(k, k)] = T::from64(d);
    }
    lower(&mut l);
    l
}

/// `(Q, R)` with `Q` `m x k` and `R` `k x n`, `k = min(m, n)` (LAPACK
/// `geqrf` + `orgqr`).
fn qr<T: LFloat>(a: MatRef<'_, T>) -> (Mat<T>, Mat<T>) {
    let f = a.qr();
    (f.compute_thin_Q(), f.thin_R().to_owned())
}

/// Full SVD: `(U m x m, s descending, Vt n x n)`.
fn svd<T: LFloat>(a: MatRef<'_, T>) -> LResult<(Mat<T>, Vec<T>, Mat<T>)> {
    let f = a
        .svd()
        .map_err(|e| format!("[linalg::svd] the SVD did not converge ({e:?})"))?;
    let s = f.S().column_vector().iter().copied().collect();
    let (m, n) = (a.nrows(), a.ncols());
    let (mut u, mut vt) = (f.U().to_owned(), f.V().transpose().to_owned());
    // the columns of U past n (rows of Vt past m) are any orthonormal basis
    // of the complement; LAPACK (`gesdd` after `geqrf`) takes the trailing
    // columns of the QR factor Q of A (of Aᵀ when wide): do the same
    if m > n {
        let q = a.qr().compute_Q();
        for j in n..m {
            for i in 0..m {
                u[(i, j)] = q[(i, j)];
            }
        }
    } else if m < n {
        let q = a.transpose().qr().compute_Q();
        for j in m..n {
            for i in 0..n {
                vt[(j, i)] = q[(i, j)];
            }
        }
    }
    Ok((u, s, vt))
}

/// Self-adjoint eigendecomposition reading the lower (or `upper`) triangle:
/// eigenvalues ascending, eigenvectors as columns.
fn eigh<T: LFloat>(a: MatRef<'_, T>, upper: bool) -> LResult<(Vec<T>, Mat<T>)> {
    let side = if upper { Side::Upper } else { Side::Lower };
    let f = a
        .self_adjoint_eigen(side)
        .map_err(|e| format!("[linalg::eigh] the eigensolver did not converge ({e:?})"))?;
    let w = f.S().column_vector().iter().copied().collect();
    Ok((w, f.U().to_owned()))
}

/// Solves `a x = b` for triangular `a` (`n x n`) and `b` (`n x k`); a zero
/// on the diagonal is an error (as MLX's `trtri` check).
fn solve_tri<T: LFloat>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    upper: bool,
    par: Par,
) -> LResult<Mat<T>> {
    if let Some(i) = zero_diagonal(a) {
        return Err(format!(
            "[linalg::solve_triangular] the matrix is singular (zero diagonal element {i})"
        ));
    }
    let mut x = b.to_owned();
    if upper {
        solve_upper_triangular_in_place(a, x.as_mut(), par);
    } else {
        solve_lower_triangular_in_place(a, x.as_mut(), par);
    }
    Ok(x)
}

/// What a factorization kernel computes from one input matrix (and, for
/// solves, a second): the flat values of its output matrix.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Factor {
    /// Inverse (`tri`: of the `upper`/lower triangle).
    Inverse { tri: bool, upper: bool },
    /// Cholesky factor, lower or `upper`.
    Cholesky { upper: bool },
    /// QR part 0 `Q`, 1 `R`.
    Qr(u8),
    /// SVD part 0 `U`, 1 `S`, 2 `Vt`.
    Svd(u8),
    /// Eigh part 0 values, 1 vectors.
    Eigh { upper: bool, part: u8 },
    /// LU part 0 packed, 1 pivots, 2 permutation, 3 its inverse (uint32).
    Lu(u8),
    /// Triangular solve `a x = b`.
    SolveTriangular { upper: bool },
}

/// One output matrix (or vector) of a kernel, row-major.
enum Out<T> {
    /// A float matrix.
    Mat(Mat<T>),
    /// A float vector.
    Vec(Vec<T>),
    /// Indices (pivots, permutations), stored as `uint32`.
    Idx(Vec<usize>),
}

impl<T: LFloat> Out<T> {
    fn len(&self) -> usize {
        match self {
            Out::Mat(m) => m.nrows() * m.ncols(),
            Out::Vec(v) => v.len(),
            Out::Idx(v) => v.len(),
        }
    }

    /// Writes the values row-major into `dst` (of [`Out::len`] elements).
    fn write(&self, dst: &mut [T]) {
        match self {
            Out::Mat(m) => {
                let c = m.ncols();
                for (i, row) in dst.chunks_mut(c.max(1)).enumerate().take(m.nrows()) {
                    for (j, d) in row.iter_mut().enumerate() {
                        *d = m[(i, j)];
                    }
                }
            }
            Out::Vec(v) => dst.copy_from_slice(v),
            Out::Idx(v) => {
                for (d, &x) in dst.iter_mut().zip(v) {
                    *d = T::from64(x as f64);
                }
            }
        }
    }
}

fn one_matrix<T: LFloat>(
    f: Factor,
    a: MatRef<'_, T>,
    b: Option<MatRef<'_, T>>,
    par: Par,
) -> LResult<Out<T>> {
    Ok(match f {
        Factor::Inverse { tri: false, .. } => Out::Mat(inverse(a, par)?),
        Factor::Inverse { tri: true, upper } => Out::Mat(tri_inv(a, upper, par)?),
        Factor::Cholesky { upper } => {
            let l = cholesky(a, par);
            Out::Mat(if upper { l.transpose().to_owned() } else { l })
        }
        Factor::Qr(p) => {
            let (q, r) = qr(a);
            Out::Mat(if p == 0 { q } else { r })
        }
        Factor::Svd(1) => Out::Vec(
            a.singular_values()
                .map_err(|e| format!("[linalg::svd] the SVD did not converge ({e:?})"))?,
        ),
        Factor::Svd(p) => {
            let (u, _, vt) = svd(a)?;
            Out::Mat(if p == 0 { u } else { vt })
        }
        Factor::Eigh { upper, part: 0 } => {
            let side = if upper { Side::Upper } else { Side::Lower };
            Out::Vec(
                a.self_adjoint_eigenvalues(side).map_err(|e| {
                    format!("[linalg::eigh] the eigensolver did not converge ({e:?})")
                })?,
            )
        }
        Factor::Eigh { upper, .. } => Out::Mat(eigh(a, upper)?.1),
        Factor::Lu(p) => {
            let f = lu(a, par);
            match p {
                0 => Out::Mat(f.packed),
                1 => Out::Idx(f.pivots()),
                2 => Out::Idx(f.inverse_rows()),
                _ => Out::Idx(f.rows),
            }
        }
        Factor::SolveTriangular { upper } => {
            let b = b.ok_or("[linalg::solve_triangular] missing right-hand side")?;
            Out::Mat(solve_tri(a, b, upper, par)?)
        }
    })
}

/// Evaluates a linear-algebra primitive: input 0 holds `[..., m, n]`
/// matrices (input 1, for solves, `[..., n, k]` with the same batch); the
/// output is the node's shape and dtype (`uint32` for pivots and
/// permutations, else the input's float dtype).
pub(crate) fn factor(f: Factor, call: &OpCall<'_>) -> KResult {
    match call.inputs[0].dtype {
        Dtype::Float32 => typed::<f32>(f, call),
        Dtype::Float64 => typed::<f64>(f, call),
        d => Err(unsupported(
            call.primitive,
            format!("linear algebra needs float32 or float64, got {d}"),
        )),
    }
}

fn typed<T: LFloat>(f: Factor, call: &OpCall<'_>) -> KResult {
    let a_in = &call.inputs[0];
    let shape = a_in.layout.shape().to_vec();
    if shape.len() < 2 {
        return Err(failed(format!("{f:?}: input of rank {}", shape.len())));
    }
    let (m, n) = (shape[shape.len() - 2], shape[shape.len() - 1]);
    let batch: usize = shape[..shape.len() - 2].iter().product();
    let a = contiguous::<T>(a_in)?;
    let b_data = match f {
        Factor::SolveTriangular { .. } => {
            let b = call
                .inputs
                .get(1)
                .ok_or_else(|| failed("solve_triangular: missing input"))?;
            let bs = b.layout.shape();
            let k = bs.last().copied().unwrap_or(1);
            Some((contiguous::<T>(b)?, k))
        }
        _ => None,
    };
    let out_len: usize = call.shape.iter().product();
    let per = out_len.checked_div(batch).unwrap_or(0);
    let mut buf = HostBuffer::alloc(call.dtype, out_len);
    if out_len == 0 {
        return Ok(output(buf, call.shape));
    }
    // many matrices: rayon across the batch, each factored sequentially;
    // one (or a few small ones): faer's own parallelism inside
    let across = batch > 1 && m * n * batch >= 4096;
    let par = if across {
        Par::Seq
    } else {
        faer::get_global_parallelism()
    };
    let work = |i: usize| -> LResult<Out<T>> {
        let a = MatRef::from_row_major_slice(&a[i * m * n..(i + 1) * m * n], m, n);
        let b = b_data
            .as_ref()
            .map(|(b, k)| MatRef::from_row_major_slice(&b[i * n * k..(i + 1) * n * k], n, *k));
        one_matrix(f, a, b, par)
    };
    let results: Vec<LResult<Out<T>>> = if across {
        (0..batch).into_par_iter().map(work).collect()
    } else {
        (0..batch).map(work).collect()
    };
    if call.dtype == Dtype::Uint32 {
        let out = buf.as_mut_slice::<u32>().map_err(internal)?;
        for (i, r) in results.into_iter().enumerate() {
            let Out::Idx(r) = r.map_err(failed)? else {
                return Err(failed(format!(
                    "{f:?}: expected indices for a uint32 output"
                )));
            };
            check_len(r.len(), per)?;
            for (d, s) in out[i * per..(i + 1) * per].iter_mut().zip(r) {
                *d = s as u32;
            }
        }
    } else {
        let out = buf.as_mut_slice::<T>().map_err(internal)?;
        for (i, r) in results.into_iter().enumerate() {
            let r = r.map_err(failed)?;
            check_len(r.len(), per)?;
            r.write(&mut out[i * per..(i + 1) * per]);
        }
    }
    Ok(output(buf, call.shape))
}

fn check_len(got: usize, want: usize) -> Result<(), BackendError> {
    if got == want {
        Ok(())
    } else {
        Err(failed(format!(
            "linalg kernel produced {got} values per matrix, expected {want}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(r: usize, c: usize, v: &[f64]) -> Mat<f64> {
        MatRef::from_row_major_slice(v, r, c).to_owned()
    }

    fn close(a: &Mat<f64>, b: &Mat<f64>, tol: f64) -> bool {
        a.nrows() == b.nrows()
            && a.ncols() == b.ncols()
            && (0..a.nrows()).all(|i| (0..a.ncols()).all(|j| (a[(i, j)] - b[(i, j)]).abs() <= tol))
    }

    fn eye(n: usize) -> Mat<f64> {
        Mat::identity(n, n)
    }

    #[test]
    fn lu_matches_lapack_pivots() {
        let a = m(3, 3, &[1., 2., 0., 3., 4., 1., 5., 6., 9.]);
        let f = lu(a.as_ref(), Par::Seq);
        assert!(!f.singular());
        assert_eq!(f.pivots(), vec![2, 2, 2]);
        assert_eq!(f.inverse_rows(), vec![1, 2, 0]);
        assert_eq!(f.rows, vec![2, 0, 1]);
        assert!((f.packed[(2, 2)] + 3.5).abs() < 1e-12);
    }

    #[test]
    fn lu_zero_pivot_mid_column_matches_getrf() {
        // rank 2: the second pivot column is all zero below the diagonal;
        // getrf leaves zero multipliers there and goes on (no NaN)
        let a = m(3, 3, &[1., 1., 1., 1., 1., 2., 1., 1., 3.]);
        let f = lu(a.as_ref(), Par::Seq);
        assert!(f.singular());
        let want = m(3, 3, &[1., 1., 1., 1., 0., 1., 1., 0., 2.]);
        assert!(close(&f.packed, &want, 1e-15), "{:?}", f.packed);
        assert_eq!(f.pivots(), vec![0, 1, 2]);
    }

    #[test]
    fn qr_svd_eigh_reconstruct() {
        let a = m(3, 2, &[1., 2., 3., 4., 5., 6.]);
        let (q, r) = qr(a.as_ref());
        assert!(close(&(&q * &r), &a, 1e-12));
        // geqrf's signs
        assert!(r[(0, 0)] < 0.0);
        let (u, s, vt) = svd(a.as_ref()).unwrap();
        assert!(s[0] > s[1]);
        let mut us = Mat::zeros(3, 2);
        for i in 0..3 {
            for (j, &sj) in s.iter().enumerate() {
                us[(i, j)] = u[(i, j)] * sj;
            }
        }
        assert!(close(&(&us * &vt), &a, 1e-12));
        assert!(close(&(u.transpose() * &u), &eye(3), 1e-12));
        let sym = m(2, 2, &[4., 1., 100., 3.]);
        let (w, v) = eigh(sym.as_ref(), false).unwrap();
        assert!(w[0] < w[1]);
        assert!((w[0] + w[1] - 7.0).abs() < 1e-12);
        assert!(close(&(v.transpose() * &v), &eye(2), 1e-12));
    }

    #[test]
    fn inverse_and_errors() {
        let a = m(2, 2, &[4., 1., 1., 3.]);
        let inv = inverse(a.as_ref(), Par::Seq).unwrap();
        assert!(close(&(&a * &inv), &eye(2), 1e-12));
        assert!(inverse(m(2, 2, &[1., 2., 2., 4.]).as_ref(), Par::Seq).is_err());
        assert!(tri_inv(m(2, 2, &[0., 0., 1., 1.]).as_ref(), false, Par::Seq).is_err());
        let l = cholesky(a.as_ref(), Par::Seq);
        assert!(close(&(&l * l.transpose()), &a, 1e-12));
    }

    #[test]
    fn cholesky_not_positive_definite_matches_potrf() {
        // potrf: L00 = 1, L10 = 2, then d = 1 - 4 = -3 stored, stop
        let a = m(2, 2, &[1., 2., 2., 1.]);
        let l = cholesky(a.as_ref(), Par::Seq);
        assert!(close(&l, &m(2, 2, &[1., 0., 2., -3.]), 1e-15), "{l:?}");
        // fails at the first pivot: the lower triangle is returned as is
        let a = m(2, 2, &[-1., 7., 2., 5.]);
        let l = cholesky(a.as_ref(), Par::Seq);
        assert!(close(&l, &m(2, 2, &[-1., 0., 2., 5.]), 1e-15), "{l:?}");
    }
}
