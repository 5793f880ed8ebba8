//! The convolution kernel against a direct (naive) convolution in f64, over
//! strides, padding, both dilations, groups, flips, every float dtype,
//! strided inputs and sizes large enough to run on several threads.

use mlx_ops::{Dtype, Tensor};

/// Deterministic values in `[-1, 1]`.
fn values(n: usize, seed: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let u = ((i as f64 + 1.0) * 12.9898 + seed * 78.233).sin() * 43758.5453;
            2.0 * (u - u.floor()) - 1.0
        })
        .collect()
}

struct Conv<'a> {
    stride: &'a [usize],
    lo: &'a [usize],
    hi: &'a [usize],
    kdil: &'a [usize],
    idil: &'a [usize],
    groups: usize,
    flip: bool,
}

/// Row-major strides of a shape.
fn strides(s: &[usize]) -> Vec<usize> {
    let mut st = vec![1; s.len()];
    for i in (0..s.len().saturating_sub(1)).rev() {
        st[i] = st[i + 1] * s[i + 1];
    }
    st
}

/// The direct definition: `out[n, o.., co] = sum_{k.., c} x[n, i.., c] *
/// w[co, k.., c]` over the taps that land on input elements.
fn naive(x: &[f64], xs: &[usize], w: &[f64], ws: &[usize], p: &Conv<'_>) -> (Vec<f64>, Vec<usize>) {
    let nd = xs.len() - 2;
    let mut os = vec![xs[0]];
    for d in 0..nd {
        let id = (xs[d + 1] - 1) * p.idil[d] + 1;
        let kd = (ws[d + 1] - 1) * p.kdil[d] + 1;
        os.push((id + p.lo[d] + p.hi[d] - kd) / p.stride[d] + 1);
    }
    os.push(ws[0]);
    let (xst, wst, ost) = (strides(xs), strides(ws), strides(&os));
    let cg = ws[nd + 1];
    let cog = ws[0] / p.groups;
    let total: usize = os.iter().product();
    let ktotal: usize = ws[1..=nd].iter().product();
    let mut out = vec![0.0; total];
    for (flat, o) in out.iter_mut().enumerate() {
        let idx: Vec<usize> = (0..os.len()).map(|a| flat / ost[a] % os[a]).collect();
        let (n, co) = (idx[0], idx[nd + 1]);
        let g = co / cog;
        let mut acc = 0.0;
        for kf in 0..ktotal {
            let mut xoff = n * xst[0];
            let mut woff = co * wst[0];
            let mut ok = true;
            let mut rem = kf;
            for d in (0..nd).rev() {
                let k = rem % ws[d + 1];
                rem /= ws[d + 1];
                let kk = if p.flip { ws[d + 1] - 1 - k } else { k };
                let pos = (idx[d + 1] * p.stride[d] + kk * p.kdil[d]) as i64 - p.lo[d] as i64;
                if pos < 0
                    || pos % p.idil[d] as i64 != 0
                    || pos / p.idil[d] as i64 >= xs[d + 1] as i64
                {
                    ok = false;
                    break;
                }
                xoff += (pos / p.idil[d] as i64) as usize * xst[d + 1];
                woff += k * wst[d + 1];
            }
            if ok {
                for c in 0..cg {
                    acc += x[xoff + g * cg + c] * w[woff + c];
                }
            }
        }
        *o = acc;
    }
    (out, os)
}

fn check(xs: &[usize], ws: &[usize], p: &Conv<'_>, dtype: Dtype, tol: f64) {
    let xv = values(xs.iter().product(), 1.0);
    let wv = values(ws.iter().product(), 2.0);
    let (want, os) = naive(&xv, xs, &wv, ws, p);
    let x = Tensor::from_slice(&xv, xs).unwrap().astype(dtype).unwrap();
    let w = Tensor::from_slice(&wv, ws).unwrap().astype(dtype).unwrap();
    let y = x
        .conv_general(&w, p.stride, p.lo, p.hi, p.kdil, p.idil, p.groups, p.flip)
        .unwrap();
    assert_eq!(y.shape(), &os[..], "shape for {xs:?} {ws:?}");
    assert_eq!(y.dtype(), dtype);
    let got = y.astype(Dtype::Float64).unwrap().to_vec::<f64>().unwrap();
    for (i, (a, b)) in got.iter().zip(&want).enumerate() {
        assert!(
            (a - b).abs() <= tol * (1.0 + b.abs()),
            "{dtype} {xs:?} {ws:?} at {i}: got {a}, want {b}"
        );
    }
}

const F32: f64 = 1e-5;

#[test]
fn conv1d_matches_the_definition() {
    for (s, lo, hi, kd, id, flip) in [
        (1, 0, 0, 1, 1, false),
        (2, 1, 1, 1, 1, false),
        (3, 2, 0, 2, 1, true),
        (1, 0, 3, 1, 2, false),
        (2, 3, 1, 2, 3, true),
    ] {
        let p = Conv {
            stride: &[s],
            lo: &[lo],
            hi: &[hi],
            kdil: &[kd],
            idil: &[id],
            groups: 1,
            flip,
        };
        check(&[2, 11, 5], &[3, 3, 5], &p, Dtype::Float32, F32);
    }
}

#[test]
fn conv2d_groups_and_dtypes() {
    let p = Conv {
        stride: &[2, 1],
        lo: &[1, 2],
        hi: &[0, 1],
        kdil: &[1, 2],
        idil: &[1, 1],
        groups: 3,
        flip: false,
    };
    check(&[2, 9, 8, 6], &[9, 3, 2, 2], &p, Dtype::Float32, F32);
    check(&[2, 9, 8, 6], &[9, 3, 2, 2], &p, Dtype::Float64, 1e-12);
    check(&[2, 9, 8, 6], &[9, 3, 2, 2], &p, Dtype::Float16, 1e-2);
    check(&[2, 9, 8, 6], &[9, 3, 2, 2], &p, Dtype::Bfloat16, 3e-2);
}

#[test]
fn conv3d_flipped_and_dilated() {
    let p = Conv {
        stride: &[1, 2, 1],
        lo: &[1, 0, 2],
        hi: &[1, 1, 0],
        kdil: &[1, 1, 2],
        idil: &[2, 1, 1],
        groups: 1,
        flip: true,
    };
    check(&[1, 4, 5, 6, 3], &[2, 2, 3, 2, 3], &p, Dtype::Float32, F32);
}

#[test]
fn pointwise_kernels_read_the_input_in_place() {
    let p = Conv {
        stride: &[1, 1],
        lo: &[0, 0],
        hi: &[0, 0],
        kdil: &[1, 1],
        idil: &[1, 1],
        groups: 2,
        flip: false,
    };
    check(&[3, 7, 9, 8], &[6, 1, 1, 4], &p, Dtype::Float32, F32);
}

#[test]
fn large_multithreaded_blocks() {
    // many blocks of output rows, more channels than one SIMD register
    let p = Conv {
        stride: &[1, 1],
        lo: &[1, 1],
        hi: &[1, 1],
        kdil: &[1, 1],
        idil: &[1, 1],
        groups: 1,
        flip: false,
    };
    check(&[4, 30, 29, 19], &[21, 3, 3, 19], &p, Dtype::Float32, 1e-4);
}

#[test]
fn strided_and_transposed_inputs() {
    let xv = values(2 * 6 * 10, 3.0);
    let x = Tensor::from_slice(&xv, &[2, 6, 10]).unwrap();
    let w = Tensor::from_slice(&values(4 * 3 * 6, 4.0), &[4, 3, 6]).unwrap();
    let xt = x.swapaxes(1, 2).unwrap(); // [2, 10, 6], not contiguous
    let want = xt
        .contiguous(false)
        .unwrap()
        .conv1d(&w, 1, 1, 1, 1)
        .unwrap();
    let got = xt.conv1d(&w, 1, 1, 1, 1).unwrap();
    assert_eq!(got.to_vec::<f64>().unwrap(), want.to_vec::<f64>().unwrap());
}

#[test]
fn empty_batch_and_empty_channels() {
    let x = Tensor::zeros(&[0, 5, 3], Dtype::Float32).unwrap();
    let w = Tensor::ones(&[2, 3, 3], Dtype::Float32).unwrap();
    assert_eq!(x.conv1d(&w, 1, 0, 1, 1).unwrap().shape(), &[0, 3, 2]);
    let x = Tensor::ones(&[1, 5, 0], Dtype::Float32).unwrap();
    let w = Tensor::ones(&[2, 3, 0], Dtype::Float32).unwrap();
    assert_eq!(
        x.conv1d(&w, 1, 0, 1, 1).unwrap().to_vec::<f32>().unwrap(),
        vec![0.0; 6]
    );
}

#[test]
fn errors_name_the_problem() {
    let x = Tensor::ones(&[1, 5, 4], Dtype::Float32).unwrap();
    let msg = |r: mlx_ops::Result<Tensor>| r.unwrap_err().to_string();
    assert!(msg(x.conv1d(
        &Tensor::ones(&[2, 3, 3], Dtype::Float32).unwrap(),
        1,
        0,
        1,
        1
    ))
    .contains("input channels"));
    assert!(msg(x.conv1d(
        &Tensor::ones(&[2, 7, 4], Dtype::Float32).unwrap(),
        1,
        0,
        1,
        1
    ))
    .contains("cannot be smaller"));
    assert!(msg(x.conv1d(
        &Tensor::ones(&[2, 3, 4], Dtype::Float32).unwrap(),
        0,
        0,
        1,
        1
    ))
    .contains("Stride"));
    assert!(msg(x.conv1d(
        &Tensor::ones(&[2, 3, 4], Dtype::Float32).unwrap(),
        1,
        0,
        1,
        0
    ))
    .contains("groups"));
    assert!(msg(x.conv1d(
        &Tensor::ones(&[3, 3, 2], Dtype::Float32).unwrap(),
        1,
        0,
        1,
        2
    ))
    .contains("output channels"));
    let xi = Tensor::ones(&[1, 5, 4], Dtype::Int32).unwrap();
    assert!(msg(xi.conv1d(
        &Tensor::ones(&[2, 3, 4], Dtype::Float32).unwrap(),
        1,
        0,
        1,
        1
    ))
    .contains("floating point"));
    let x3 = Tensor::ones(&[1, 4, 4, 4, 2], Dtype::Float32).unwrap();
    assert!(msg(x3.conv3d(
        &Tensor::ones(&[2, 2, 2, 2, 1], Dtype::Float32).unwrap(),
        (1, 1, 1),
        (0, 0, 0),
        (1, 1, 1),
        2
    ))
    .contains("groups"));
}
