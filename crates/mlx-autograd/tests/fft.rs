//! `vmap`, `vjp` and `jvp` of the Fourier transforms: vmap against the
//! transform of each example, and the derivative rules against their
//! defining identities (the transforms are linear).

use mlx_autograd::{jvp, vjp, vmap};
use mlx_ops::{fft, Tensor};
use num_complex::Complex32;

fn cvalues(n: usize, seed: f32) -> Vec<Complex32> {
    (0..n)
        .map(|i| {
            let t = i as f32 + seed;
            Complex32::new((t * 1.3).sin(), (t * 0.7).cos())
        })
        .collect()
}

#[test]
fn vmap_of_each_transform_matches_per_example() {
    let xs = Tensor::from_slice(&cvalues(3 * 4 * 6, 0.0), &[4, 3, 6]).unwrap();
    type F = fn(&Tensor) -> mlx_ops::Result<Tensor>;
    let ops: [F; 4] = [
        |x| fft::fft(x, None, -1),
        |x| fft::ifft2(x, Some(&[3, 5]), None),
        |x| fft::rfftn(&x.real()?, None, Some(&[1, 0])),
        |x| fft::irfft(x, Some(9), 0),
    ];
    for (i, op) in ops.iter().enumerate() {
        // batch axis 1 of xs: examples are xs[:, b, :]
        let batched =
            vmap(|a| Ok(vec![op(&a[0])?]), &[Some(1)], &[Some(0)])(std::slice::from_ref(&xs))
                .unwrap()
                .remove(0);
        for b in 0..3 {
            let ex = xs
                .slice_axis(1, b, b + 1, 1)
                .unwrap()
                .squeeze(1i64)
                .unwrap();
            let want = op(&ex).unwrap();
            let got = batched
                .slice_axis(0, b, b + 1, 1)
                .unwrap()
                .squeeze(0i64)
                .unwrap();
            assert_eq!(got.shape(), want.shape(), "op {i}");
            let d = got
                .astype(mlx_ops::Dtype::Complex64)
                .unwrap()
                .subtract(want.astype(mlx_ops::Dtype::Complex64).unwrap())
                .unwrap()
                .abs()
                .unwrap()
                .max(mlx_ops::ALL, false)
                .unwrap()
                .item::<f32>()
                .unwrap();
            assert!(d < 1e-4, "op {i} example {b}: {d}");
        }
    }
}

#[test]
fn jvp_is_the_transform_of_the_tangent() {
    let x = Tensor::from_slice(&cvalues(10, 1.0), &[10]).unwrap();
    let t = Tensor::from_slice(&cvalues(10, 2.0), &[10]).unwrap();
    let (_, d) = jvp(
        |a| Ok(vec![fft::fft(&a[0], None, -1)?]),
        &[x],
        std::slice::from_ref(&t),
    )
    .unwrap();
    let want = fft::fft(&t, None, -1)
        .unwrap()
        .to_vec::<Complex32>()
        .unwrap();
    for (a, b) in d[0].to_vec::<Complex32>().unwrap().iter().zip(&want) {
        assert!((a - b).norm() < 1e-5);
    }
}

#[test]
fn vjp_of_fft_is_n_times_ifft_of_the_cotangent() {
    let x = Tensor::from_slice(&cvalues(7, 1.0), &[7]).unwrap();
    let g = Tensor::from_slice(&cvalues(7, 3.0), &[7]).unwrap();
    let (_, ct) = vjp(
        |a| Ok(vec![fft::fft(&a[0], None, -1)?]),
        &[x],
        std::slice::from_ref(&g),
    )
    .unwrap();
    let want = fft::ifft(&g, None, -1)
        .unwrap()
        .multiply(7.0)
        .unwrap()
        .to_vec::<Complex32>()
        .unwrap();
    for (a, b) in ct[0].to_vec::<Complex32>().unwrap().iter().zip(&want) {
        assert!((a - b).norm() < 1e-4);
    }
}
