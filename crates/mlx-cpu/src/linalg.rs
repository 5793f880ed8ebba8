//! Dense linear algebra (`mx.linalg`): LU with partial pivoting, inverses
//! (general and triangular), Cholesky, Householder QR, the SVD and the
//! symmetric eigendecomposition, and triangular solves.
//!
//! Every kernel acts on the last two axes of its input, batched over the
//! leading axes (rayon across the batch). `float32` inputs are factored in
//! `float64` and rounded once at the end, so they are at least as accurate
//! as MLX's LAPACK calls in single precision. Conventions follow LAPACK where
//! they are observable: `getrf`'s pivots (first largest magnitude), `geqrf`'s
//! Householder signs (`R[j][j] = -sign(a) * norm`, no reflection for a
//! column that is already zero below the diagonal), singular values
//! descending, eigenvalues ascending.
//!
//! The SVD is a Householder QR followed by one-sided (Hestenes) Jacobi on
//! the square factor, and the eigendecomposition is cyclic Jacobi: both are
//! accurate to a few ulps of the largest singular value or eigenvalue.

// index loops mirror the textbook algorithms (rows and columns of several
// matrices move together)
#![allow(clippy::needless_range_loop)]

use crate::strided::{contiguous, output};
use crate::{failed, internal, unsupported, KResult};
use mlx_core::backend::BackendError;
use mlx_core::{Dtype, HostBuffer, Native, OpCall};
use rayon::prelude::*;

/// The float types the factorizations accept (MLX: float32 and float64).
trait LFloat: Native + Copy + Send + Sync {
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

/// A row-major `r x c` matrix of `f64`.
#[derive(Clone, Debug)]
struct Mat {
    r: usize,
    c: usize,
    v: Vec<f64>,
}

impl Mat {
    fn zeros(r: usize, c: usize) -> Mat {
        Mat {
            r,
            c,
            v: vec![0.0; r * c],
        }
    }
    fn eye(n: usize) -> Mat {
        let mut m = Mat::zeros(n, n);
        for i in 0..n {
            m.v[i * n + i] = 1.0;
        }
        m
    }
    #[inline(always)]
    fn at(&self, i: usize, j: usize) -> f64 {
        self.v[i * self.c + j]
    }
    #[inline(always)]
    fn set(&mut self, i: usize, j: usize, x: f64) {
        self.v[i * self.c + j] = x;
    }
    fn t(&self) -> Mat {
        let mut m = Mat::zeros(self.c, self.r);
        for i in 0..self.r {
            for j in 0..self.c {
                m.v[j * self.r + i] = self.v[i * self.c + j];
            }
        }
        m
    }
    #[cfg(test)]
    fn mul(&self, o: &Mat) -> Mat {
        let mut m = Mat::zeros(self.r, o.c);
        for i in 0..self.r {
            for k in 0..self.c {
                let a = self.at(i, k);
                if a == 0.0 {
                    continue;
                }
                let row = &o.v[k * o.c..(k + 1) * o.c];
                let dst = &mut m.v[i * o.c..(i + 1) * o.c];
                for (d, &b) in dst.iter_mut().zip(row) {
                    *d += a * b;
                }
            }
        }
        m
    }
}

/// A failed factorization: the message names the MLX op.
type LResult<T> = Result<T, String>;

/// LU with partial pivoting (LAPACK `getrf`): the packed factors (unit lower
/// `L` below the diagonal, `U` on and above), the 0-based row swaps, and
/// whether a pivot was exactly zero.
fn lu(a: &Mat) -> (Mat, Vec<usize>, bool) {
    let (m, n) = (a.r, a.c);
    let k = m.min(n);
    let mut f = a.clone();
    let mut piv = Vec::with_capacity(k);
    let mut singular = false;
    for j in 0..k {
        // first row of largest magnitude in column j (idamax)
        let mut p = j;
        let mut best = f.at(j, j).abs();
        for i in j + 1..m {
            let x = f.at(i, j).abs();
            if x > best {
                best = x;
                p = i;
            }
        }
        piv.push(p);
        if p != j {
            for c in 0..n {
                f.v.swap(j * n + c, p * n + c);
            }
        }
        let d = f.at(j, j);
        if d == 0.0 {
            singular = true;
            continue;
        }
        for i in j + 1..m {
            let l = f.at(i, j) / d;
            f.set(i, j, l);
            if l != 0.0 {
                for c in j + 1..n {
                    let x = f.at(i, c) - l * f.at(j, c);
                    f.set(i, c, x);
                }
            }
        }
    }
    (f, piv, singular)
}

/// The row permutation of a sequence of swaps: `A = (L U)[perm]`, i.e.
/// row `i` of `A` is row `perm[i]` of `L U`.
fn permutation(m: usize, piv: &[usize]) -> Vec<usize> {
    // P A = L U where P applies the swaps in order; track where rows go
    let mut rows: Vec<usize> = (0..m).collect();
    for (j, &p) in piv.iter().enumerate() {
        rows.swap(j, p);
    }
    // rows[i] = original row at position i of L U; invert
    let mut perm = vec![0; m];
    for (pos, &orig) in rows.iter().enumerate() {
        perm[orig] = pos;
    }
    perm
}

/// Inverse of a lower (or upper) triangular matrix, reading only that
/// triangle.
fn tri_inv(a: &Mat, upper: bool, op: &str) -> LResult<Mat> {
    let n = a.r;
    let mut x = Mat::zeros(n, n);
    for i in 0..n {
        if a.at(i, i) == 0.0 {
            return Err(format!(
                "[{op}] the triangular matrix is singular (zero diagonal element {i})"
            ));
        }
    }
    // solve A X = I column by column
    for col in 0..n {
        if upper {
            for i in (0..=col).rev() {
                let mut s = if i == col { 1.0 } else { 0.0 };
                for k in i + 1..=col {
                    s -= a.at(i, k) * x.at(k, col);
                }
                x.set(i, col, s / a.at(i, i));
            }
        } else {
            for i in col..n {
                let mut s = if i == col { 1.0 } else { 0.0 };
                for k in col..i {
                    s -= a.at(i, k) * x.at(k, col);
                }
                x.set(i, col, s / a.at(i, i));
            }
        }
    }
    Ok(x)
}

/// Inverse through LU; a zero pivot is an error (as MLX's `getrf` check).
fn inverse(a: &Mat) -> LResult<Mat> {
    let n = a.r;
    let (f, piv, singular) = lu(a);
    if singular {
        return Err(
            "[linalg::inv] the matrix is singular (LU factorization hit a zero pivot)".into(),
        );
    }
    let perm = permutation(n, &piv);
    // A = (LU)[perm]  =>  A^-1 = U^-1 L^-1 Pᵀ-ish: solve column by column
    let mut x = Mat::zeros(n, n);
    let mut y = vec![0.0; n];
    for col in 0..n {
        // right-hand side e_col permuted: (L U) x = e' where e'[perm[i]] = e[i]
        y.iter_mut().for_each(|v| *v = 0.0);
        y[perm[col]] = 1.0;
        for i in 0..n {
            let mut s = y[i];
            for k in 0..i {
                s -= f.at(i, k) * y[k];
            }
            y[i] = s;
        }
        for i in (0..n).rev() {
            let mut s = y[i];
            for k in i + 1..n {
                s -= f.at(i, k) * y[k];
            }
            y[i] = s / f.at(i, i);
        }
        for i in 0..n {
            x.set(i, col, y[i]);
        }
    }
    Ok(x)
}

/// Cholesky factor `L` (lower) from the lower triangle of `a`; like LAPACK's
/// unblocked `potrf`, a non-positive pivot is stored where it occurred and
/// the factorization stops (MLX does not check: the result is undefined for
/// matrices that are not positive definite).
fn cholesky(a: &Mat) -> Mat {
    let n = a.r;
    let mut l = Mat::zeros(n, n);
    for i in 0..n {
        for j in 0..=i {
            l.set(i, j, a.at(i, j));
        }
    }
    for j in 0..n {
        let mut d = l.at(j, j);
        for k in 0..j {
            d -= l.at(j, k) * l.at(j, k);
        }
        if d.is_nan() || d <= 0.0 {
            l.set(j, j, d);
            break;
        }
        let d = d.sqrt();
        l.set(j, j, d);
        for i in j + 1..n {
            let mut s = l.at(i, j);
            for k in 0..j {
                s -= l.at(i, k) * l.at(j, k);
            }
            l.set(i, j, s / d);
        }
    }
    l
}

/// Householder QR (LAPACK `geqrf` signs): the reflectors `(v, tau)` with
/// `v[0] = 1`, and `R` (upper part of the returned matrix).
fn householder(a: &Mat) -> (Mat, Vec<(Vec<f64>, f64)>) {
    let (m, n) = (a.r, a.c);
    let k = m.min(n);
    let mut r = a.clone();
    let mut refl = Vec::with_capacity(k);
    for j in 0..k {
        let alpha = r.at(j, j);
        let xnorm = (j + 1..m).map(|i| r.at(i, j).powi(2)).sum::<f64>().sqrt();
        if xnorm == 0.0 {
            // H = I (dlarfg's tau = 0)
            let mut v = vec![0.0; m - j];
            v[0] = 1.0;
            refl.push((v, 0.0));
            continue;
        }
        let norm = alpha.hypot(xnorm);
        let beta = if alpha >= 0.0 { -norm } else { norm };
        let tau = (beta - alpha) / beta;
        let scale = 1.0 / (alpha - beta);
        let mut v = vec![1.0; m - j];
        for i in j + 1..m {
            v[i - j] = r.at(i, j) * scale;
        }
        // apply H = I - tau v vᵀ to the trailing columns
        r.set(j, j, beta);
        for i in j + 1..m {
            r.set(i, j, 0.0);
        }
        for c in j + 1..n {
            let mut s = 0.0;
            for i in j..m {
                s += v[i - j] * r.at(i, c);
            }
            s *= tau;
            for i in j..m {
                let x = r.at(i, c) - s * v[i - j];
                r.set(i, c, x);
            }
        }
        refl.push((v, tau));
    }
    (r, refl)
}

/// The first `cols` columns of `Q = H_0 H_1 ... H_{k-1}` (`m x cols`).
fn form_q(m: usize, refl: &[(Vec<f64>, f64)], cols: usize) -> Mat {
    let mut q = Mat::zeros(m, cols);
    for i in 0..m.min(cols) {
        q.set(i, i, 1.0);
    }
    for (j, (v, tau)) in refl.iter().enumerate().rev() {
        if *tau == 0.0 {
            continue;
        }
        for c in 0..cols {
            let mut s = 0.0;
            for i in j..m {
                s += v[i - j] * q.at(i, c);
            }
            s *= tau;
            for i in j..m {
                let x = q.at(i, c) - s * v[i - j];
                q.set(i, c, x);
            }
        }
    }
    q
}

/// `(Q, R)` with `Q` `m x k` and `R` `k x n`, `k = min(m, n)`.
fn qr(a: &Mat) -> (Mat, Mat) {
    let (m, n) = (a.r, a.c);
    let k = m.min(n);
    let (r, refl) = householder(a);
    let q = form_q(m, &refl, k);
    let mut rr = Mat::zeros(k, n);
    for i in 0..k {
        for j in i..n {
            rr.set(i, j, r.at(i, j));
        }
    }
    (q, rr)
}

/// Columns of `u` after the first `have` made orthonormal to the earlier
/// ones (completing a basis): Gram-Schmidt (twice) of unit vectors.
fn complete_basis(u: &mut Mat, have: usize) {
    let m = u.r;
    let mut next_unit = 0;
    for c in have..u.c {
        loop {
            let mut v = vec![0.0; m];
            if next_unit >= m {
                break;
            }
            v[next_unit] = 1.0;
            next_unit += 1;
            for _ in 0..2 {
                for p in 0..c {
                    let d: f64 = (0..m).map(|i| u.at(i, p) * v[i]).sum();
                    for (i, vi) in v.iter_mut().enumerate() {
                        *vi -= d * u.at(i, p);
                    }
                }
            }
            let nrm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if nrm > 1e-6 {
                for (i, vi) in v.iter().enumerate() {
                    u.set(i, c, vi / nrm);
                }
                break;
            }
        }
    }
}

/// SVD of a square matrix by one-sided Jacobi: `(U, s, V)` with `a = U
/// diag(s) Vᵀ`, `s` descending.
fn jacobi_svd_square(a: &Mat) -> (Mat, Vec<f64>, Mat) {
    let n = a.c;
    let mut b = a.clone();
    let mut v = Mat::eye(n);
    for _sweep in 0..60 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (mut alpha, mut beta, mut gamma) = (0.0, 0.0, 0.0);
                for i in 0..b.r {
                    let (x, y) = (b.at(i, p), b.at(i, q));
                    alpha += x * x;
                    beta += y * y;
                    gamma += x * y;
                }
                if gamma == 0.0 || gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let t = if zeta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for i in 0..b.r {
                    let (x, y) = (b.at(i, p), b.at(i, q));
                    b.set(i, p, c * x - s * y);
                    b.set(i, q, s * x + c * y);
                }
                for i in 0..n {
                    let (x, y) = (v.at(i, p), v.at(i, q));
                    v.set(i, p, c * x - s * y);
                    v.set(i, q, s * x + c * y);
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let norms: Vec<f64> = (0..n)
        .map(|j| (0..b.r).map(|i| b.at(i, j).powi(2)).sum::<f64>().sqrt())
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| norms[y].total_cmp(&norms[x]));
    let smax = norms.iter().cloned().fold(0.0, f64::max);
    let mut u = Mat::zeros(b.r, n);
    let mut vs = Mat::zeros(n, n);
    let mut s = vec![0.0; n];
    let mut rank = 0;
    for (k, &j) in order.iter().enumerate() {
        s[k] = norms[j];
        for i in 0..n {
            vs.set(i, k, v.at(i, j));
        }
        if norms[j] > smax * 1e-300 && norms[j] > 0.0 {
            for i in 0..b.r {
                u.set(i, k, b.at(i, j) / norms[j]);
            }
            rank = k + 1;
        }
    }
    complete_basis(&mut u, rank);
    (u, s, vs)
}

/// Full SVD: `(U m x m, s, Vt n x n)`.
fn svd(a: &Mat) -> (Mat, Vec<f64>, Mat) {
    let (m, n) = (a.r, a.c);
    if m < n {
        let (u, s, vt) = svd(&a.t());
        return (vt.t(), s, u.t());
    }
    if n == 0 {
        return (Mat::eye(m), vec![], Mat::zeros(0, 0));
    }
    // m >= n: A = Q R, R = Ur S Vᵀ
    let (r, refl) = householder(a);
    let mut rs = Mat::zeros(n, n);
    for i in 0..n {
        for j in i..n {
            rs.set(i, j, r.at(i, j));
        }
    }
    let (ur, s, v) = jacobi_svd_square(&rs);
    let q = form_q(m, &refl, m);
    let mut u = Mat::zeros(m, m);
    // U[:, :n] = Q[:, :n] Ur ; U[:, n:] = Q[:, n:]
    for i in 0..m {
        for j in 0..n {
            let mut x = 0.0;
            for k in 0..n {
                x += q.at(i, k) * ur.at(k, j);
            }
            u.set(i, j, x);
        }
        for j in n..m {
            u.set(i, j, q.at(i, j));
        }
    }
    (u, s, v.t())
}

/// Symmetric eigendecomposition by cyclic Jacobi of the matrix whose lower
/// (or `upper`) triangle is read: eigenvalues ascending, eigenvectors as
/// columns.
fn eigh(a: &Mat, upper: bool) -> (Vec<f64>, Mat) {
    let n = a.r;
    let mut s = Mat::zeros(n, n);
    for i in 0..n {
        for j in 0..=i {
            let x = if upper { a.at(j, i) } else { a.at(i, j) };
            s.set(i, j, x);
            s.set(j, i, x);
        }
    }
    let mut v = Mat::eye(n);
    for _sweep in 0..60 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| s.at(i, j).powi(2))
            .sum();
        let diag: f64 = (0..n).map(|i| s.at(i, i).powi(2)).sum();
        if off == 0.0 || off <= f64::EPSILON * f64::EPSILON * diag * 1e-4 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = s.at(p, q);
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (s.at(p, p), s.at(q, q));
                let theta = (aqq - app) / (2.0 * apq);
                let t = if theta == 0.0 {
                    1.0
                } else {
                    theta.signum() / (theta.abs() + (1.0 + theta * theta).sqrt())
                };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let sn = t * c;
                for k in 0..n {
                    let (x, y) = (s.at(k, p), s.at(k, q));
                    s.set(k, p, c * x - sn * y);
                    s.set(k, q, sn * x + c * y);
                }
                for k in 0..n {
                    let (x, y) = (s.at(p, k), s.at(q, k));
                    s.set(p, k, c * x - sn * y);
                    s.set(q, k, sn * x + c * y);
                }
                s.set(p, q, 0.0);
                s.set(q, p, 0.0);
                for k in 0..n {
                    let (x, y) = (v.at(k, p), v.at(k, q));
                    v.set(k, p, c * x - sn * y);
                    v.set(k, q, sn * x + c * y);
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| s.at(x, x).total_cmp(&s.at(y, y)));
    let w: Vec<f64> = order.iter().map(|&j| s.at(j, j)).collect();
    let mut vs = Mat::zeros(n, n);
    for (k, &j) in order.iter().enumerate() {
        for i in 0..n {
            vs.set(i, k, v.at(i, j));
        }
    }
    (w, vs)
}

/// Solves `a x = b` for triangular `a` (`n x n`) and `b` (`n x k`).
fn solve_tri(a: &Mat, b: &Mat, upper: bool) -> LResult<Mat> {
    let n = a.r;
    for i in 0..n {
        if a.at(i, i) == 0.0 {
            return Err(format!(
                "[linalg::solve_triangular] the matrix is singular (zero diagonal element {i})"
            ));
        }
    }
    let mut x = b.clone();
    for col in 0..b.c {
        if upper {
            for i in (0..n).rev() {
                let mut s = x.at(i, col);
                for k in i + 1..n {
                    s -= a.at(i, k) * x.at(k, col);
                }
                x.set(i, col, s / a.at(i, i));
            }
        } else {
            for i in 0..n {
                let mut s = x.at(i, col);
                for k in 0..i {
                    s -= a.at(i, k) * x.at(k, col);
                }
                x.set(i, col, s / a.at(i, i));
            }
        }
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

fn one_matrix(f: Factor, a: &Mat, b: Option<&Mat>) -> LResult<Vec<f64>> {
    Ok(match f {
        Factor::Inverse { tri: false, .. } => inverse(a)?.v,
        Factor::Inverse { tri: true, upper } => tri_inv(a, upper, "linalg::tri_inv")?.v,
        Factor::Cholesky { upper } => {
            let l = cholesky(a);
            if upper {
                l.t().v
            } else {
                l.v
            }
        }
        Factor::Qr(p) => {
            let (q, r) = qr(a);
            if p == 0 {
                q.v
            } else {
                r.v
            }
        }
        Factor::Svd(1) => {
            // singular values only: Jacobi on the square factor
            let mut t = a.clone();
            if t.r < t.c {
                t = t.t();
            }
            if t.c == 0 {
                return Ok(vec![]);
            }
            let (r, _) = householder(&t);
            let mut rs = Mat::zeros(t.c, t.c);
            for i in 0..t.c {
                for j in i..t.c {
                    rs.set(i, j, r.at(i, j));
                }
            }
            jacobi_svd_square(&rs).1
        }
        Factor::Svd(p) => {
            let (u, _, vt) = svd(a);
            if p == 0 {
                u.v
            } else {
                vt.v
            }
        }
        Factor::Eigh { upper, part } => {
            let (w, v) = eigh(a, upper);
            if part == 0 {
                w
            } else {
                v.v
            }
        }
        Factor::Lu(p) => {
            let (f, piv, _) = lu(a);
            match p {
                0 => f.v,
                1 => piv.iter().map(|&x| x as f64).collect(),
                2 => permutation(a.r, &piv).iter().map(|&x| x as f64).collect(),
                _ => {
                    // the inverse permutation: row i of L U is row rows[i] of A
                    let perm = permutation(a.r, &piv);
                    let mut rows = vec![0.0; a.r];
                    for (i, &p) in perm.iter().enumerate() {
                        rows[p] = i as f64;
                    }
                    rows
                }
            }
        }
        Factor::SolveTriangular { upper } => {
            let b = b.ok_or("[linalg::solve_triangular] missing right-hand side")?;
            solve_tri(a, b, upper)?.v
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
    let mat = |i: usize| -> Mat {
        let src = &a[i * m * n..(i + 1) * m * n];
        Mat {
            r: m,
            c: n,
            v: src.iter().map(|x| x.to64()).collect(),
        }
    };
    let rhs = |i: usize| -> Option<Mat> {
        b_data.as_ref().map(|(b, k)| {
            let src = &b[i * n * k..(i + 1) * n * k];
            Mat {
                r: n,
                c: *k,
                v: src.iter().map(|x| x.to64()).collect(),
            }
        })
    };
    let work = |i: usize| one_matrix(f, &mat(i), rhs(i).as_ref());
    let results: Vec<LResult<Vec<f64>>> = if batch > 1 && m * n * batch >= 4096 {
        (0..batch).into_par_iter().map(work).collect()
    } else {
        (0..batch).map(work).collect()
    };
    if call.dtype == Dtype::Uint32 {
        let out = buf.as_mut_slice::<u32>().map_err(internal)?;
        for (i, r) in results.into_iter().enumerate() {
            let r = r.map_err(failed)?;
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
            for (d, s) in out[i * per..(i + 1) * per].iter_mut().zip(r) {
                *d = T::from64(s);
            }
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

    fn m(r: usize, c: usize, v: &[f64]) -> Mat {
        Mat {
            r,
            c,
            v: v.to_vec(),
        }
    }

    fn close(a: &Mat, b: &Mat, tol: f64) -> bool {
        a.r == b.r && a.c == b.c && a.v.iter().zip(&b.v).all(|(x, y)| (x - y).abs() <= tol)
    }

    #[test]
    fn lu_matches_lapack_pivots() {
        let a = m(3, 3, &[1., 2., 0., 3., 4., 1., 5., 6., 9.]);
        let (f, piv, sing) = lu(&a);
        assert!(!sing);
        assert_eq!(piv, vec![2, 2, 2]);
        assert_eq!(permutation(3, &piv), vec![1, 2, 0]);
        assert!((f.at(2, 2) + 3.5).abs() < 1e-12);
    }

    #[test]
    fn qr_svd_eigh_reconstruct() {
        let a = m(3, 2, &[1., 2., 3., 4., 5., 6.]);
        let (q, r) = qr(&a);
        assert!(close(&q.mul(&r), &a, 1e-12));
        assert!(r.at(0, 0) < 0.0);
        let (u, s, vt) = svd(&a);
        let mut us = Mat::zeros(3, 2);
        for i in 0..3 {
            for j in 0..2 {
                us.set(i, j, u.at(i, j) * s[j]);
            }
        }
        assert!(close(&us.mul(&vt), &a, 1e-12));
        assert!(close(&u.t().mul(&u), &Mat::eye(3), 1e-12));
        let sym = m(2, 2, &[4., 1., 1., 3.]);
        let (w, v) = eigh(&sym, false);
        assert!(w[0] < w[1]);
        assert!((w[0] + w[1] - 7.0).abs() < 1e-12);
        assert!(close(&v.t().mul(&v), &Mat::eye(2), 1e-12));
    }

    #[test]
    fn inverse_and_errors() {
        let a = m(2, 2, &[4., 1., 1., 3.]);
        assert!(close(&a.mul(&inverse(&a).unwrap()), &Mat::eye(2), 1e-12));
        assert!(inverse(&m(2, 2, &[1., 2., 2., 4.])).is_err());
        assert!(tri_inv(&m(2, 2, &[0., 0., 1., 1.]), false, "t").is_err());
        let l = cholesky(&a);
        assert!(close(&l.mul(&l.t()), &a, 1e-12));
    }
}
