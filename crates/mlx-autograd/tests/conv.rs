//! Forward mode and `vmap` of convolutions: `jvp` against finite
//! differences of the (bilinear) convolution, and `vmap` over the input, the
//! weight and both against per-example results.

use mlx_autograd::{jvp, vmap};
use mlx_ops::{stack, Tensor};

fn input(shape: &[usize], seed: f64) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n)
        .map(|i| {
            let u = ((i as f64 + 1.0) * 12.9898 + seed * 78.233).sin() * 43758.5453;
            (2.0 * (u - u.floor()) - 1.0) as f32
        })
        .collect();
    Tensor::from_slice(&v, shape).expect("input")
}

fn close(a: &Tensor, b: &Tensor) {
    assert_eq!(a.shape(), b.shape());
    let (a, b) = (a.to_vec::<f32>().unwrap(), b.to_vec::<f32>().unwrap());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!(
            (x - y).abs() <= 1e-4 * (1.0 + y.abs()),
            "at {i}: {x} vs {y}"
        );
    }
}

fn conv(x: &Tensor, w: &Tensor) -> mlx_ops::Result<Tensor> {
    x.conv2d(w, (2, 1), (1, 0), (1, 2), 2)
}

#[test]
fn jvp_is_the_sum_of_both_partial_convolutions() {
    let (x, w) = (input(&[2, 7, 6, 4], 1.0), input(&[6, 3, 2, 2], 2.0));
    let (tx, tw) = (input(&[2, 7, 6, 4], 3.0), input(&[6, 3, 2, 2], 4.0));
    let (_, t) = jvp(
        |a| Ok(vec![conv(&a[0], &a[1])?]),
        &[x.clone(), w.clone()],
        &[tx.clone(), tw.clone()],
    )
    .unwrap();
    // bilinear: d conv = conv(tx, w) + conv(x, tw)
    let want = conv(&tx, &w).unwrap().add(conv(&x, &tw).unwrap()).unwrap();
    close(&t[0], &want);
}

#[test]
fn vmap_over_input_weight_and_both() {
    let xs = input(&[3, 2, 9, 4], 5.0);
    let ws = input(&[3, 5, 3, 4], 6.0);
    let f = |a: &[Tensor]| Ok(vec![a[0].conv1d(&a[1], 2, 1, 1, 1)?]);
    let ex = |t: &Tensor, i: i64| t.slice_axis(0, i, i + 1, 1).unwrap().squeeze(0).unwrap();
    let per = |xb: bool, wb: bool| -> Tensor {
        let ys: Vec<Tensor> = (0..3)
            .map(|i| {
                let x = if xb { ex(&xs, i) } else { ex(&xs, 0) };
                let w = if wb { ex(&ws, i) } else { ex(&ws, 0) };
                x.conv1d(&w, 2, 1, 1, 1).unwrap()
            })
            .collect();
        stack(&ys.iter().collect::<Vec<_>>(), 0).unwrap()
    };
    let x0 = ex(&xs, 0);
    let w0 = ex(&ws, 0);
    let both = vmap(f, &[Some(0), Some(0)], &[Some(0)])(&[xs.clone(), ws.clone()]).unwrap();
    close(&both[0], &per(true, true));
    let only_x = vmap(f, &[Some(0), None], &[Some(0)])(&[xs.clone(), w0]).unwrap();
    close(&only_x[0], &per(true, false));
    let only_w = vmap(f, &[None, Some(0)], &[Some(0)])(&[x0, ws.clone()]).unwrap();
    close(&only_w[0], &per(false, true));
}
