//! The Fourier transforms against a naive DFT in f64 (1-d and n-d, every
//! axis, strided inputs, sizes that run on several threads), round trips,
//! Parseval's identity, the crop/pad and output-length rules, the shifts,
//! errors, and the derivative rules against their adjoint identities.

use mlx_ops::{fft, Dtype, Tensor};
use num_complex::{Complex32, Complex64};

/// Deterministic values in `[-1, 1]`.
fn values(n: usize, seed: f64) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let u = ((i as f64 + 1.0) * 12.9898 + seed * 78.233).sin() * 43758.5453;
            (2.0 * (u - u.floor()) - 1.0) as f32
        })
        .collect()
}

fn cvalues(n: usize, seed: f64) -> Vec<Complex32> {
    let re = values(n, seed);
    let im = values(n, seed + 0.5);
    re.into_iter()
        .zip(im)
        .map(|(a, b)| Complex32::new(a, b))
        .collect()
}

/// A naive DFT of `x` (row-major, `shape`) along `axis`, in f64.
fn dft_axis(x: &[Complex64], shape: &[usize], axis: usize, inverse: bool) -> Vec<Complex64> {
    let n = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let sign = if inverse { 1.0 } else { -1.0 };
    let mut out = vec![Complex64::default(); x.len()];
    for o in 0..outer {
        for j in 0..inner {
            for k in 0..n {
                let mut acc = Complex64::default();
                for t in 0..n {
                    let ang = sign * 2.0 * std::f64::consts::PI * ((t * k) % n) as f64 / n as f64;
                    acc += x[o * n * inner + t * inner + j] * Complex64::from_polar(1.0, ang);
                }
                if inverse {
                    acc /= n as f64;
                }
                out[o * n * inner + k * inner + j] = acc;
            }
        }
    }
    out
}

fn widen(v: &[Complex32]) -> Vec<Complex64> {
    v.iter()
        .map(|c| Complex64::new(c.re as f64, c.im as f64))
        .collect()
}

fn assert_close(got: &[Complex32], want: &[Complex64], tol: f64) {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().map(|c| c.norm()).fold(1.0, f64::max);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let d = (Complex64::new(g.re as f64, g.im as f64) - w).norm();
        assert!(d <= tol * scale, "element {i}: {g} vs {w} (scale {scale})");
    }
}

#[test]
fn fft_and_ifft_match_naive_dft_on_every_axis() {
    let shape = [3usize, 7, 5];
    let x = cvalues(105, 1.0);
    let t = Tensor::from_slice(&x, &shape).unwrap();
    for axis in 0..3 {
        for inverse in [false, true] {
            let got = if inverse {
                fft::ifft(&t, None, axis as i64)
            } else {
                fft::fft(&t, None, axis as i64)
            }
            .unwrap()
            .to_vec::<Complex32>()
            .unwrap();
            assert_close(&got, &dft_axis(&widen(&x), &shape, axis, inverse), 1e-5);
        }
    }
}

#[test]
fn sizes_one_prime_and_large_match_naive_dft() {
    for n in [1usize, 2, 7, 97, 1000] {
        let x = cvalues(n, n as f64);
        let t = Tensor::from_slice(&x, &[n]).unwrap();
        let got = fft::fft(&t, None, -1)
            .unwrap()
            .to_vec::<Complex32>()
            .unwrap();
        assert_close(&got, &dft_axis(&widen(&x), &[n], 0, false), 1e-5);
    }
}

#[test]
fn fftn_matches_successive_naive_dfts_over_strided_input() {
    // a transposed view: the kernel gathers it
    let base = cvalues(4 * 6 * 5, 2.0);
    let t = Tensor::from_slice(&base, &[4, 6, 5])
        .unwrap()
        .transpose(&[2, 0, 1])
        .unwrap(); // [5, 4, 6]
    let dense = t.to_vec::<Complex32>().unwrap();
    let shape = [5usize, 4, 6];
    let mut want = widen(&dense);
    for ax in 0..3 {
        want = dft_axis(&want, &shape, ax, false);
    }
    let got = fft::fftn(&t, None, None)
        .unwrap()
        .to_vec::<Complex32>()
        .unwrap();
    assert_close(&got, &want, 1e-5);
}

#[test]
fn rfft_is_the_half_spectrum_and_irfft_inverts_it() {
    for n in [1usize, 2, 7, 8, 97, 1000] {
        let x = values(n, 3.0);
        let t = Tensor::from_slice(&x, &[n]).unwrap();
        let r = fft::rfft(&t, None, -1).unwrap();
        assert_eq!(r.shape(), &[n / 2 + 1]);
        let full = fft::fft(&t, None, -1)
            .unwrap()
            .to_vec::<Complex32>()
            .unwrap();
        let half = r.to_vec::<Complex32>().unwrap();
        for k in 0..=n / 2 {
            assert!((full[k] - half[k]).norm() < 1e-4 * (n as f32).sqrt());
        }
        if n > 1 {
            let back = fft::irfft(&r, Some(n), -1)
                .unwrap()
                .to_vec::<f32>()
                .unwrap();
            for (a, b) in x.iter().zip(&back) {
                assert!((a - b).abs() < 1e-5, "n {n}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn rfftn_and_irfftn_round_trip_with_odd_last_axis() {
    let x = values(4 * 6 * 9, 4.0);
    let t = Tensor::from_slice(&x, &[4, 6, 9]).unwrap();
    let r = fft::rfftn(&t, None, None).unwrap();
    assert_eq!(r.shape(), &[4, 6, 5]);
    let back = fft::irfftn(&r, Some(&[4, 6, 9]), Some(&[0, 1, 2]))
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    for (a, b) in x.iter().zip(&back) {
        assert!((a - b).abs() < 1e-5);
    }
    // default length of the last axis: 2 * (m - 1)
    assert_eq!(fft::irfftn(&r, None, None).unwrap().shape(), &[4, 6, 8]);
}

#[test]
fn parseval_holds_and_large_batches_run_in_parallel() {
    // 64 x 2048 = 131072 points: above the parallel threshold, both for
    // contiguous lines (axis 1) and gathered ones (axis 0)
    let (r, c) = (64usize, 2048usize);
    let x = cvalues(r * c, 5.0);
    let t = Tensor::from_slice(&x, &[r, c]).unwrap();
    let energy: f64 = x.iter().map(|v| v.norm_sqr() as f64).sum();
    for axis in [0i64, 1] {
        let n = if axis == 0 { r } else { c } as f64;
        let y = fft::fft(&t, None, axis)
            .unwrap()
            .to_vec::<Complex32>()
            .unwrap();
        let e: f64 = y.iter().map(|v| v.norm_sqr() as f64).sum::<f64>() / n;
        assert!(
            (e - energy).abs() < 1e-4 * energy,
            "axis {axis}: {e} vs {energy}"
        );
        let back = fft::ifft(&fft::fft(&t, None, axis).unwrap(), None, axis)
            .unwrap()
            .to_vec::<Complex32>()
            .unwrap();
        for (a, b) in x.iter().zip(&back) {
            assert!((a - b).norm() < 1e-5);
        }
    }
    // the real passes in parallel on both kinds of line
    let xr = values(r * c, 6.0);
    let tr = Tensor::from_slice(&xr, &[r, c]).unwrap();
    for axis in [0i64, 1] {
        let n = if axis == 0 { r } else { c };
        let back = fft::irfft(&fft::rfft(&tr, None, axis).unwrap(), Some(n), axis)
            .unwrap()
            .to_vec::<f32>()
            .unwrap();
        for (a, b) in xr.iter().zip(&back) {
            assert!((a - b).abs() < 1e-5);
        }
    }
}

#[test]
fn crop_pad_and_dtypes_follow_mlx() {
    let x = Tensor::from_slice(&values(8, 7.0), &[8]).unwrap();
    assert_eq!(fft::fft(&x, Some(5), -1).unwrap().shape(), &[5]);
    assert_eq!(fft::fft(&x, Some(12), -1).unwrap().shape(), &[12]);
    assert_eq!(fft::rfft(&x, Some(12), -1).unwrap().shape(), &[7]);
    assert_eq!(fft::irfft(&x, None, -1).unwrap().shape(), &[14]);
    assert_eq!(fft::irfft(&x, Some(5), -1).unwrap().dtype(), Dtype::Float32);
    // padding is with zeros: fft of x padded equals fft of the explicit pad
    let padded = x.pad(&[(0, 4)], 0.0).unwrap();
    let a = fft::fft(&x, Some(12), -1)
        .unwrap()
        .to_vec::<Complex32>()
        .unwrap();
    let b = fft::fft(&padded, None, -1)
        .unwrap()
        .to_vec::<Complex32>()
        .unwrap();
    assert_eq!(a, b);
    for dt in [
        Dtype::Bool,
        Dtype::Int32,
        Dtype::Float16,
        Dtype::Bfloat16,
        Dtype::Float64,
    ] {
        let v = x.astype(dt).unwrap();
        assert_eq!(fft::fft(&v, None, -1).unwrap().dtype(), Dtype::Complex64);
        assert_eq!(fft::irfft(&v, None, -1).unwrap().dtype(), Dtype::Float32);
    }
    // empty axes: the input itself
    assert_eq!(
        fft::fftn(&x, None, Some(&[])).unwrap().dtype(),
        Dtype::Float32
    );
    // empty batch
    let e = Tensor::zeros(&[0, 4], Dtype::Float32).unwrap();
    assert_eq!(fft::rfft(&e, None, -1).unwrap().shape(), &[0, 3]);
    assert_eq!(
        fft::rfft(&e, None, -1)
            .unwrap()
            .to_vec::<Complex32>()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn errors_as_mlx() {
    let x = Tensor::from_slice(&values(12, 8.0), &[3, 4]).unwrap();
    assert!(fft::fft(&x, Some(0), -1).is_err());
    assert!(fft::fft(&x, None, 2).is_err());
    assert!(fft::fft(&x, Some(4), -3).is_err());
    assert!(fft::fft(&Tensor::scalar(1.0f32), None, -1).is_err());
    assert!(fft::fft(&Tensor::zeros(&[0], Dtype::Float32).unwrap(), None, -1).is_err());
    assert!(fft::irfft(&Tensor::zeros(&[1], Dtype::Float32).unwrap(), None, -1).is_err());
    assert!(fft::fftn(&x, None, Some(&[0, -2])).is_err());
    assert!(fft::fftn(&x, Some(&[2, 2]), None).is_err());
    assert!(fft::fftn(&x, Some(&[2]), Some(&[0, 1])).is_err());
    assert!(fft::fft2(&Tensor::zeros(&[4], Dtype::Float32).unwrap(), None, None).is_err());
    assert!(fft::fftshift(&x, Some(&[2])).is_err());
    assert!(fft::fftshift(&Tensor::scalar(1.0f32), Some(&[0])).is_err());
}

#[test]
fn shifts_match_numpy() {
    let x = Tensor::arange(0.0, 12.0, 1.0, Some(Dtype::Int32))
        .unwrap()
        .reshape(&[3, 4])
        .unwrap();
    assert_eq!(
        fft::fftshift(&x, None).unwrap().to_vec::<i32>().unwrap(),
        vec![10, 11, 8, 9, 2, 3, 0, 1, 6, 7, 4, 5]
    );
    let back = fft::ifftshift(&fft::fftshift(&x, None).unwrap(), None).unwrap();
    assert_eq!(back.to_vec::<i32>().unwrap(), x.to_vec::<i32>().unwrap());
    assert_eq!(
        fft::fftshift(&x, Some(&[1, 1]))
            .unwrap()
            .to_vec::<i32>()
            .unwrap(),
        x.to_vec::<i32>().unwrap()
    );
    assert_eq!(
        fft::fftshift(&Tensor::scalar(2.0f32), None)
            .unwrap()
            .item::<f32>()
            .unwrap(),
        2.0
    );
}
