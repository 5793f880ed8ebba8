//! `mx.linalg` factorizations on random matrices: reconstructions and
//! orthogonality (sign-free properties), and typed errors.

use mlx_ops::linalg::{self, NormOrd};
use mlx_ops::{random, Dtype, Tensor};

fn rand(shape: &[usize], seed: u64, dtype: Dtype) -> Tensor {
    random::normal(
        shape,
        Some(Dtype::Float32),
        0.0,
        1.0,
        Some(&random::key(seed)),
    )
    .and_then(|t| t.astype(dtype))
    .unwrap()
}

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.shape(), b.shape());
    let a = a.astype(Dtype::Float64).unwrap().to_vec::<f64>().unwrap();
    let b = b.astype(Dtype::Float64).unwrap().to_vec::<f64>().unwrap();
    a.iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn t(x: &Tensor) -> Tensor {
    x.swapaxes(-1, -2).unwrap()
}

fn eye_like(n: usize, batch: &[usize], dtype: Dtype) -> Tensor {
    let mut s = batch.to_vec();
    s.extend([n, n]);
    Tensor::eye(n, None, 0, dtype)
        .unwrap()
        .broadcast_to(&s)
        .unwrap()
}

/// `B Bᵀ + n I`: symmetric positive definite.
fn spd(n: usize, batch: &[usize], seed: u64, dtype: Dtype) -> Tensor {
    let mut s = batch.to_vec();
    s.extend([n, n]);
    let b = rand(&s, seed, dtype);
    b.matmul(&t(&b))
        .unwrap()
        .add(eye_like(n, batch, dtype).multiply(n as f64).unwrap())
        .unwrap()
}

#[test]
fn qr_reconstructs_with_orthonormal_q() {
    for (shape, dtype, tol) in [
        (vec![5, 3], Dtype::Float32, 1e-5),
        (vec![3, 6], Dtype::Float64, 1e-12),
        (vec![2, 4, 4], Dtype::Float64, 1e-12),
    ] {
        let a = rand(&shape, 1, dtype);
        let (q, r) = linalg::qr(&a).unwrap();
        assert!(max_diff(&q.matmul(&r).unwrap(), &a) < tol);
        let k = q.shape()[q.ndim() - 1];
        let qtq = t(&q).matmul(&q).unwrap();
        assert!(max_diff(&qtq, &eye_like(k, &shape[..shape.len() - 2], dtype)) < tol);
        assert!(max_diff(&r, &r.triu(0).unwrap()) == 0.0);
    }
}

#[test]
fn cholesky_reconstructs() {
    let a = spd(6, &[3], 2, Dtype::Float64);
    let l = linalg::cholesky(&a, false).unwrap();
    assert!(max_diff(&l.matmul(&t(&l)).unwrap(), &a) < 1e-10);
    let u = linalg::cholesky(&a, true).unwrap();
    assert!(max_diff(&u, &t(&l)) == 0.0);
    let ai = linalg::cholesky_inv(&l, false).unwrap();
    assert!(max_diff(&a.matmul(&ai).unwrap(), &eye_like(6, &[3], Dtype::Float64)) < 1e-10);
}

#[test]
fn svd_reconstructs() {
    for (shape, dtype, tol) in [
        (vec![5, 3], Dtype::Float32, 1e-5),
        (vec![3, 5], Dtype::Float64, 1e-12),
        (vec![2, 4, 4], Dtype::Float64, 1e-12),
    ] {
        let a = rand(&shape, 3, dtype);
        let usv = linalg::svd(&a, true).unwrap();
        let (u, s, vt) = (&usv[0], &usv[1], &usv[2]);
        let nd = a.ndim();
        let (m, n) = (shape[nd - 2], shape[nd - 1]);
        let k = m.min(n) as i64;
        let mut lo = vec![0i64; nd];
        let mut hi = vec![i64::MAX; nd];
        let one = vec![1i64; nd];
        hi[nd - 1] = k;
        let uk = u.slice(&lo, &hi, &one).unwrap();
        hi[nd - 1] = i64::MAX;
        hi[nd - 2] = k;
        let vk = vt.slice(&lo, &hi, &one).unwrap();
        lo[nd - 2] = 0;
        let back = uk
            .multiply(s.expand_dims(-2).unwrap())
            .unwrap()
            .matmul(&vk)
            .unwrap();
        assert!(max_diff(&back, &a) < tol, "{shape:?}");
        let batch = &shape[..nd - 2];
        assert!(max_diff(&t(u).matmul(u).unwrap(), &eye_like(m, batch, dtype)) < tol);
        assert!(max_diff(&vt.matmul(&t(vt)).unwrap(), &eye_like(n, batch, dtype)) < tol);
        let sv = s.astype(Dtype::Float64).unwrap().to_vec::<f64>().unwrap();
        for w in sv.chunks(k as usize) {
            assert!(w.windows(2).all(|p| p[0] >= p[1]), "descending: {w:?}");
        }
        let only = linalg::svd(&a, false).unwrap();
        assert_eq!(only.len(), 1);
        assert!(max_diff(&only[0], s) < tol);
    }
}

#[test]
fn eigh_diagonalizes() {
    let a = spd(5, &[2], 4, Dtype::Float64).subtract(7.0).unwrap();
    let (w, v) = linalg::eigh(&a, "L").unwrap();
    let av = a.matmul(&v).unwrap();
    let vw = v.multiply(w.expand_dims(-2).unwrap()).unwrap();
    assert!(max_diff(&av, &vw) < 1e-10);
    assert!(max_diff(&linalg::eigvalsh(&a, "U").unwrap(), &w) < 1e-10);
    let wv = w.to_vec::<f64>().unwrap();
    assert!(wv.chunks(5).all(|c| c.windows(2).all(|p| p[0] <= p[1])));
}

#[test]
fn inverse_lu_solve_det() {
    let a = rand(&[3, 4, 4], 5, Dtype::Float64);
    let i = linalg::inv(&a).unwrap();
    assert!(max_diff(&a.matmul(&i).unwrap(), &eye_like(4, &[3], Dtype::Float64)) < 1e-10);
    let (p, l, u) = linalg::lu(&a).unwrap();
    let lu = l.matmul(&u).unwrap();
    let idx = p.expand_dims(-1).unwrap().broadcast_to(&[3, 4, 4]).unwrap();
    let back = lu.take_along_axis(&idx, Some(-2)).unwrap();
    assert!(max_diff(&back, &a) < 1e-12);
    let b = rand(&[3, 4, 2], 6, Dtype::Float64);
    let x = linalg::solve(&a, &b).unwrap();
    assert!(max_diff(&a.matmul(&x).unwrap(), &b) < 1e-10);
    let xt = linalg::solve_triangular(&u, &b, true).unwrap();
    assert!(max_diff(&u.matmul(&xt).unwrap(), &b) < 1e-10);
    // det = product of eigenvalues for a symmetric matrix
    let s = spd(4, &[], 7, Dtype::Float64);
    let w = linalg::eigvalsh(&s, "L").unwrap().prod(-1, false).unwrap();
    let d = linalg::det(&s).unwrap();
    assert!((d.item::<f64>().unwrap() / w.item::<f64>().unwrap() - 1.0).abs() < 1e-10);
    let (sign, logabs) = linalg::slogdet(&s).unwrap();
    assert_eq!(sign.item::<f64>().unwrap(), 1.0);
    assert!((logabs.item::<f64>().unwrap() - w.item::<f64>().unwrap().ln()).abs() < 1e-10);
    let pi = linalg::pinv(&a).unwrap();
    assert!(max_diff(&pi, &i) < 1e-9);
}

#[test]
fn norms() {
    let x = Tensor::from_slice(&[1.0f32, -2.0, 3.0, 4.0, 5.0, -6.0], &[2, 3]).unwrap();
    let n = |o: Option<NormOrd>| {
        linalg::norm(&x, o, None, false)
            .unwrap()
            .item::<f32>()
            .unwrap()
    };
    assert!((n(None) - 91f32.sqrt()).abs() < 1e-5);
    assert_eq!(n(Some(NormOrd::P(1.0))), 9.0);
    assert_eq!(n(Some(NormOrd::P(f64::INFINITY))), 15.0);
    assert_eq!(n(Some(NormOrd::P(-1.0))), 5.0);
    assert!((n(Some(NormOrd::Nuc)) - 11.6538).abs() < 1e-3);
    assert!(linalg::norm(&x, Some(NormOrd::P(3.0)), None, false).is_err());
    let rows = linalg::norm(&x, Some(NormOrd::P(1.0)), Some(&[1]), true).unwrap();
    assert_eq!(rows.shape(), &[2, 1]);
    assert_eq!(rows.to_vec::<f32>().unwrap(), vec![6.0, 15.0]);
}

#[test]
fn typed_errors() {
    let sing = Tensor::from_slice(&[1.0f32, 2.0, 2.0, 4.0], &[2, 2]).unwrap();
    let e = linalg::inv(&sing).unwrap().eval().unwrap_err().to_string();
    assert!(e.contains("linalg::inv"), "{e}");
    let z = Tensor::from_slice(&[0.0f32, 0.0, 1.0, 1.0], &[2, 2]).unwrap();
    let b = Tensor::from_slice(&[1.0f32, 1.0], &[2]).unwrap();
    let e = linalg::solve_triangular(&z, &b, false)
        .unwrap()
        .eval()
        .unwrap_err()
        .to_string();
    assert!(e.contains("solve_triangular"), "{e}");
    assert!(linalg::solve(&sing, &b).unwrap().eval().is_err());
    let ints = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2]).unwrap();
    for r in [
        linalg::inv(&ints),
        linalg::cholesky(&ints, false),
        linalg::tri_inv(&ints, false),
        linalg::pinv(&ints),
    ] {
        assert!(r.unwrap_err().to_string().contains("float32 or float64"));
    }
    assert!(linalg::qr(&ints).is_err());
    assert!(linalg::svd(&ints, true).is_err());
    assert!(linalg::eigh(&ints, "L").is_err());
    let wide = rand(&[2, 3], 1, Dtype::Float32);
    assert!(linalg::inv(&wide).is_err());
    assert!(linalg::eigvalsh(&wide, "L").is_err());
    assert!(linalg::det(&wide).is_err());
    assert!(linalg::inv(&b).is_err());
    let v4 = rand(&[4], 1, Dtype::Float32);
    assert!(linalg::cross(&v4, &v4, -1).is_err());
    let v3 = rand(&[3], 1, Dtype::Float32);
    assert!(linalg::cross(&v3, &v3, 1).is_err());
    assert_eq!(linalg::det(&ints).unwrap().item::<f32>().unwrap(), -2.0);
}
