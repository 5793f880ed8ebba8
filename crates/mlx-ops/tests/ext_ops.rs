//! Creation, shape, math and nn ops checked against values from MLX 0.32.4.

use mlx_ops::{meshgrid, Dtype, Tensor};

fn a24() -> Tensor {
    Tensor::arange(0.0, 24.0, 1.0, None)
        .and_then(|t| t.reshape(&[2, 3, 4]))
        .expect("arange")
}

fn ints(t: &Tensor) -> Vec<i32> {
    t.reshape(&[-1]).unwrap().to_vec::<i32>().unwrap()
}

#[test]
fn tril_triu_batched_and_offsets() {
    let a = a24();
    assert_eq!(
        ints(&a.tril(-1).unwrap()),
        vec![0, 0, 0, 0, 4, 0, 0, 0, 8, 9, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 20, 21, 0, 0]
    );
    assert_eq!(
        ints(&a.triu(2).unwrap()),
        vec![0, 0, 2, 3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 14, 15, 0, 0, 0, 19, 0, 0, 0, 0]
    );
    let b = Tensor::ones(&[3, 3], Dtype::Bool).unwrap().tril(0).unwrap();
    assert_eq!(b.dtype(), Dtype::Bool);
    assert!(Tensor::ones(&[3], Dtype::Float32).unwrap().triu(0).is_err());
}

#[test]
fn diagonal_trace_and_diag() {
    let a = a24();
    let d = a.diagonal(1, 0, 2).unwrap();
    assert_eq!(d.shape(), &[3, 2]);
    assert_eq!(ints(&d), vec![1, 14, 5, 18, 9, 22]);
    assert_eq!(
        ints(&a.diagonal(-1, 2, 1).unwrap()),
        vec![1, 6, 11, 13, 18, 23]
    );
    assert_eq!(a.diagonal(5, 1, 2).unwrap().shape(), &[2, 0]);
    assert!(a.diagonal(0, 1, -2).is_err());
    assert!(a.diagonal(0, 0, 3).is_err());
    assert_eq!(ints(&a.trace(0, 1, 2, None).unwrap()), vec![15, 51]);
    let u8s = Tensor::ones(&[3, 3], Dtype::Uint8).unwrap();
    assert_eq!(u8s.trace(0, 0, 1, None).unwrap().dtype(), Dtype::Uint32);
    let v = Tensor::from_slice(&[1i32, 2], &[2]).unwrap();
    assert_eq!(ints(&v.diag(-1).unwrap()), vec![0, 0, 0, 1, 0, 0, 0, 2, 0]);
    assert_eq!(
        Tensor::zeros(&[0], Dtype::Int32)
            .unwrap()
            .diag(2)
            .unwrap()
            .shape(),
        &[2, 2]
    );
    assert!(a.diag(0).is_err());
}

#[test]
fn meshgrid_indexing_and_sparse() {
    let x = Tensor::from_slice(&[1i32, 2, 3], &[3]).unwrap();
    let y = Tensor::from_slice(&[4i32, 5], &[2]).unwrap();
    let z = Tensor::from_slice(&[6.0f32], &[1]).unwrap();
    let g = meshgrid(&[&x, &y, &z], false, "xy").unwrap();
    assert!(g.iter().all(|t| t.shape() == [2, 3, 1]));
    let g = meshgrid(&[&x, &y], false, "ij").unwrap();
    assert_eq!(ints(&g[0]), vec![1, 1, 2, 2, 3, 3]);
    let m = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2]).unwrap();
    let s = meshgrid(&[&m, &y], true, "xy").unwrap();
    assert_eq!(
        (s[0].shape(), s[1].shape()),
        (&[1usize, 4][..], &[2usize, 1][..])
    );
    assert!(meshgrid(&[&x], false, "yx").is_err());
    assert!(meshgrid(&[], false, "xy").unwrap().is_empty());
}

#[test]
fn roll_tile_repeat_flip_unstack() {
    let a = a24();
    assert_eq!(
        ints(&a.roll(&[1, -2], Some(&[1, 2])).unwrap()),
        vec![10, 11, 8, 9, 2, 3, 0, 1, 6, 7, 4, 5, 22, 23, 20, 21, 14, 15, 12, 13, 18, 19, 16, 17]
    );
    let r = ints(&a.roll(&[5], None).unwrap());
    assert_eq!(&r[..6], &[19, 20, 21, 22, 23, 0]);
    // several shifts on one axis add up
    assert_eq!(ints(&a.roll(&[1, 2], Some(&[1])).unwrap()), ints(&a));
    assert!(a.roll(&[1], Some(&[0, 1])).is_ok());
    assert!(a.roll(&[1, 2], Some(&[0, 1, 2])).is_err());
    let row = a
        .slice(&[0, 0], &[1, 1], &[1, 1])
        .unwrap()
        .squeeze([0, 1])
        .unwrap();
    let t = row.tile(&[2, 1, 2]).unwrap();
    assert_eq!(t.shape(), &[2, 1, 8]);
    assert_eq!(ints(&t)[..8], [0, 1, 2, 3, 0, 1, 2, 3]);
    assert_eq!(a.tile(&[0]).unwrap().shape(), &[2, 3, 0]);
    let first = a.slice(&[0], &[1], &[1]).unwrap().squeeze(0).unwrap();
    assert_eq!(
        ints(&first.repeat(2, Some(0)).unwrap())[..12],
        [0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7]
    );
    assert_eq!(a.repeat(0, Some(1)).unwrap().shape(), &[2, 0, 4]);
    assert_eq!(a.repeat(3, None).unwrap().shape(), &[72]);
    assert!(a.repeat(2, Some(3)).is_err());
    assert_eq!(
        ints(&a.flip(Some(&[0, 2])).unwrap())[..5],
        [15, 14, 13, 12, 19]
    );
    let parts = a.unstack(-1).unwrap();
    assert_eq!(parts.len(), 4);
    assert_eq!(ints(&parts[3]), vec![3, 7, 11, 15, 19, 23]);
}

#[test]
fn as_strided_contiguous_view() {
    let a = a24();
    let s = a.as_strided(Some(&[3, 2]), Some(&[5, 2]), 3).unwrap();
    assert_eq!(ints(&s), vec![3, 5, 8, 10, 13, 15]);
    // the input is read in row-major order whatever its layout
    let t = a
        .transpose(&[])
        .unwrap()
        .as_strided(Some(&[2]), Some(&[1]), 1)
        .unwrap();
    assert_eq!(ints(&t), vec![12, 4]);
    assert!(a
        .as_strided(Some(&[30]), Some(&[1]), 0)
        .unwrap()
        .eval()
        .is_err());
    assert!(a.as_strided(Some(&[2]), Some(&[1, 1]), 0).is_err());
    let c = a.transpose(&[]).unwrap().contiguous(false).unwrap();
    assert!(c.data().unwrap().layout.is_row_contiguous());
    assert_eq!(ints(&c)[..3], [0, 12, 4]);

    let v = Tensor::from_slice(&[1i16, 2], &[2]).unwrap();
    assert_eq!(
        v.view(Dtype::Int32).unwrap().to_vec::<i32>().unwrap(),
        vec![131073]
    );
    let w = Tensor::from_slice(&[258i32], &[1, 1])
        .unwrap()
        .view(Dtype::Uint8)
        .unwrap();
    assert_eq!(w.shape(), &[1, 4]);
    assert_eq!(w.to_vec::<u8>().unwrap(), vec![2, 1, 0, 0]);
    let h = Tensor::from_slice(&[half::f16::from_f32(1.5)], &[1]).unwrap();
    let b = h
        .view(Dtype::Bfloat16)
        .unwrap()
        .to_vec::<half::bf16>()
        .unwrap();
    assert_eq!(b[0].to_f32(), 0.125);
    // strided input: the bytes of the logical (row-major) order
    let tr = Tensor::from_slice(&[1i16, 2, 3, 4], &[2, 2])
        .unwrap()
        .transpose(&[])
        .unwrap();
    assert_eq!(
        tr.view(Dtype::Int32).unwrap().to_vec::<i32>().unwrap(),
        vec![3 << 16 | 1, 4 << 16 | 2]
    );
    assert!(Tensor::from_slice(&[1i16, 2, 3], &[3])
        .unwrap()
        .view(Dtype::Int32)
        .is_err());
    assert!(Tensor::scalar(1i16).view(Dtype::Int32).is_err());
    let s = Tensor::scalar(1i32).view(Dtype::Float32).unwrap();
    assert_eq!(s.item::<f32>().unwrap(), f32::from_bits(1));
}

fn floats(t: &Tensor) -> Vec<f32> {
    t.reshape(&[-1]).unwrap().to_vec::<f32>().unwrap()
}

fn f32_range(n: usize, shape: &[i64]) -> Tensor {
    Tensor::arange(0.0, n as f64, 1.0, Some(Dtype::Float32))
        .and_then(|t| t.reshape(shape))
        .unwrap()
}

#[test]
fn einsum_forms() {
    use mlx_ops::einsum;
    let a = f32_range(6, &[2, 3]);
    let b = f32_range(12, &[3, 4]);
    let c = f32_range(24, &[2, 3, 4]);
    assert_eq!(
        floats(&einsum("ij,jk->ik", &[&a, &b]).unwrap()),
        vec![20.0, 23.0, 26.0, 29.0, 56.0, 68.0, 80.0, 92.0]
    );
    let l = c
        .reshape(&[2, 4, 3])
        .unwrap()
        .slice_axis(1, 0, 2, 1)
        .unwrap();
    let bmm = einsum("bij,bjk->bik", &[&l, &c]).unwrap();
    assert_eq!(bmm.shape(), &[2, 2, 4]);
    assert_eq!(
        floats(&bmm)[8..],
        [632.0, 671.0, 710.0, 749.0, 776.0, 824.0, 872.0, 920.0]
    );
    let d = f32_range(12, &[2, 3, 2]);
    assert_eq!(
        floats(&einsum("iji->j", &[&d]).unwrap()),
        vec![7.0, 11.0, 15.0]
    );
    let w = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[4]).unwrap();
    assert_eq!(
        floats(&einsum("...j,j", &[&c, &w]).unwrap()),
        vec![20.0, 60.0, 100.0, 140.0, 180.0, 220.0]
    );
    let ones = Tensor::ones(&[4, 2], Dtype::Float32).unwrap();
    assert_eq!(
        floats(&einsum("ij,jk,kl->il", &[&a, &b, &ones]).unwrap()),
        vec![98.0, 98.0, 296.0, 296.0]
    );
    let v = |x: [f32; 2]| Tensor::from_slice(&x, &[2]).unwrap();
    let o = einsum(
        "i,j,k->kji",
        &[&v([1.0, 2.0]), &v([1.0, 3.0]), &v([1.0, 5.0])],
    )
    .unwrap();
    assert_eq!(floats(&o), vec![1.0, 2.0, 3.0, 6.0, 5.0, 10.0, 15.0, 30.0]);
    assert_eq!(
        einsum("ijk->", &[&c]).unwrap().item::<f32>().unwrap(),
        276.0
    );
    assert_eq!(
        floats(&einsum("ijk->kj", &[&c]).unwrap())[..3],
        [12.0, 20.0, 28.0]
    );
    // implicit output: ellipsis first, then single labels sorted
    assert_eq!(einsum("a...b", &[&c]).unwrap().shape(), &[3, 2, 4]);
    // size-1 labels broadcast
    let one = Tensor::ones(&[1], Dtype::Float32).unwrap();
    let three = Tensor::ones(&[3], Dtype::Float32).unwrap();
    assert_eq!(
        einsum("i,i", &[&three, &one])
            .unwrap()
            .item::<f32>()
            .unwrap(),
        3.0
    );
    // integers without a contraction
    let i = Tensor::from_slice(&[1i32, 2], &[2]).unwrap();
    assert_eq!(einsum("i,j->ij", &[&i, &i]).unwrap().dtype(), Dtype::Int32);
    for (spec, ops) in [
        ("ij,jk->ik", vec![&a, &a]),
        ("ij->ii", vec![&a]),
        ("ij->k", vec![&a]),
        ("ij", vec![&three]),
        ("i,i->i", vec![&three]),
        ("i.j", vec![&a]),
    ] {
        assert!(einsum(spec, &ops).is_err(), "{spec}");
    }
}

#[test]
fn contractions() {
    let c = f32_range(24, &[2, 3, 4]);
    let m = f32_range(12, &[4, 3]);
    assert_eq!(
        floats(&c.tensordot(&m, &[1, 2], &[1, 0]).unwrap()),
        vec![440.0, 1232.0]
    );
    assert!(c.tensordot(&m, &[2], &[1]).is_err());
    assert!(c.tensordot(&m, &[1, 2], &[1]).is_err());
    let k = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2])
        .unwrap()
        .kron(&Tensor::from_slice(&[0i32, 1, 1, 0], &[2, 2]).unwrap())
        .unwrap();
    assert_eq!(ints(&k)[..8], [0, 1, 0, 2, 1, 0, 2, 0]);
    assert!(Tensor::zeros(&[0], Dtype::Float32)
        .unwrap()
        .kron(&c)
        .is_err());
    let v = Tensor::from_slice(&[1.0f32, 2.0], &[2]).unwrap();
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
    let ones = Tensor::ones(&[3, 2], Dtype::Float32).unwrap();
    assert_eq!(
        floats(&v.addmm(&x, &ones, 0.5, -1.0).unwrap()),
        vec![2.0, 1.0]
    );
    let big = Tensor::ones(&[2, 2, 2], Dtype::Float32).unwrap();
    let a23 = Tensor::ones(&[2, 3], Dtype::Float32).unwrap();
    assert!(big.addmm(&a23, &ones, 1.0, 1.0).is_err());
    let i = Tensor::ones(&[2, 2], Dtype::Int32).unwrap();
    assert!(i.addmm(&i, &i, 1.0, 1.0).is_err());
    assert_eq!(v.inner(&v).unwrap().item::<f32>().unwrap(), 5.0);
    assert!(v.inner(&x).is_err());
    assert_eq!(v.outer(&x).unwrap().shape(), &[2, 3]);
    assert_eq!(c.vecdot(&c, 1).unwrap().shape(), &[2, 4]);
    assert!(v.vecdot(&a23, -1).is_err());
}

#[test]
fn nan_to_num_and_count_nonzero() {
    let t = Tensor::from_slice(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0], &[4]).unwrap();
    assert_eq!(
        floats(&t.nan_to_num(2.5, None, Some(-7.0)).unwrap()),
        vec![2.5, f32::MAX, -7.0, 1.0]
    );
    let h = t
        .astype(Dtype::Float16)
        .unwrap()
        .nan_to_num(0.0, Some(1e10), None)
        .unwrap();
    let hv = h.to_vec::<half::f16>().unwrap();
    assert!(hv[1].is_infinite() && hv[2].to_f32() == -65504.0);
    assert!(t
        .astype(Dtype::Float64)
        .unwrap()
        .nan_to_num(0.0, None, None)
        .is_err());
    let i = Tensor::from_slice(&[1i32, 0, 3], &[3]).unwrap();
    assert!(i.nan_to_num(0.0, None, None).unwrap().same_node(&i));
    let n = i.count_nonzero(mlx_ops::ALL, true).unwrap();
    assert_eq!((n.shape(), n.dtype()), (&[1usize][..], Dtype::Int32));
    assert_eq!(n.to_vec::<i32>().unwrap(), vec![2]);
}

#[test]
fn categorical_shapes_and_support() {
    use mlx_ops::random::{self, categorical, Samples};
    let k = random::key(3);
    let p = Tensor::from_slice(&[0.1f32, 0.0, 0.9], &[3])
        .unwrap()
        .log()
        .unwrap();
    // one distribution drawn many times (inverse-CDF path)
    let s = categorical(&p, 0, Samples::Num(2000), Some(&k)).unwrap();
    let v = s.to_vec::<u32>().unwrap();
    assert!(v.iter().all(|&i| i != 1));
    let twos = v.iter().filter(|&&i| i == 2).count();
    assert!((1600..1990).contains(&twos), "{twos}");
    // batched (Gumbel-max path)
    let l = p.broadcast_to(&[4, 3]).unwrap().transpose(&[]).unwrap();
    let g = categorical(&l, 0, Samples::Shape(vec![5, 4]), Some(&k)).unwrap();
    assert_eq!(g.shape(), &[5, 4]);
    assert!(g.to_vec::<u32>().unwrap().iter().all(|&i| i != 1));
    assert_eq!(
        categorical(&l, 1, Samples::One, Some(&k)).unwrap().shape(),
        &[3]
    );
    assert!(categorical(&l, 0, Samples::Shape(vec![3]), Some(&k)).is_err());
    assert!(categorical(&l, 2, Samples::One, Some(&k)).is_err());
}

#[test]
fn fast_ops_match_their_definitions() {
    use mlx_ops::fast::{self, AttentionMask};
    let x = f32_range(24, &[2, 3, 4]).multiply(0.1).unwrap();
    let w = Tensor::from_slice(&[1.0f32, 2.0, 0.5, -1.0], &[4]).unwrap();
    // rms_norm against its formula
    let y = fast::rms_norm(&x, Some(&w), 1e-5).unwrap();
    let ms = x.square().unwrap().mean(-1, true).unwrap();
    let want = x
        .divide(ms.add(1e-5).unwrap().sqrt().unwrap())
        .unwrap()
        .multiply(&w)
        .unwrap();
    assert!(y
        .allclose(&want, 1e-5, 1e-6, false)
        .unwrap()
        .item::<bool>()
        .unwrap());
    // layer_norm: zero mean and unit variance per row without affine
    let l = fast::layer_norm(&x, None, None, 0.0).unwrap();
    let m = l
        .mean(-1, false)
        .unwrap()
        .abs()
        .unwrap()
        .max(mlx_ops::ALL, false)
        .unwrap();
    assert!(m.item::<f32>().unwrap() < 1e-5);
    assert!(fast::layer_norm(&Tensor::scalar(1.0f32), None, None, 0.0).is_err());
    // rope: a rotation keeps the norm of every rotated pair
    let q = x.reshape(&[1, 2, 3, 4]).unwrap();
    let off = Tensor::scalar(3i32);
    for trad in [false, true] {
        let r = fast::rope(&q, 4, trad, Some(100.0), 1.0, &off, None).unwrap();
        let n0 = q.square().unwrap().sum(-1, false).unwrap();
        let n1 = r.square().unwrap().sum(-1, false).unwrap();
        assert!(n0
            .allclose(&n1, 1e-5, 1e-5, false)
            .unwrap()
            .item::<bool>()
            .unwrap());
    }
    let bad = Tensor::from_slice(&[1i32, 2, 3], &[3]).unwrap();
    assert!(fast::rope(&q, 4, false, Some(100.0), 1.0, &bad, None).is_err());
    assert!(fast::rope(&q, 4, false, None, 1.0, &off, None).is_err());
    // attention with GQA equals attention with the KV heads repeated
    let qh = f32_range(48, &[1, 4, 3, 4]).multiply(0.05).unwrap();
    let kv = f32_range(40, &[1, 2, 5, 4]).multiply(-0.03).unwrap();
    let o = fast::scaled_dot_product_attention(&qh, &kv, &kv, 0.5, AttentionMask::Causal, None)
        .unwrap();
    let rep = kv.repeat(2, Some(1)).unwrap();
    let o2 = fast::scaled_dot_product_attention(&qh, &rep, &rep, 0.5, AttentionMask::Causal, None)
        .unwrap();
    assert!(o
        .allclose(&o2, 1e-5, 1e-6, false)
        .unwrap()
        .item::<bool>()
        .unwrap());
    // an additive mask of -inf on the future equals the causal mask
    let causal = Tensor::tri(3, Some(5), 2, Dtype::Bool).unwrap();
    let add = causal.where_(0.0f32, f32::NEG_INFINITY).unwrap();
    let o3 =
        fast::scaled_dot_product_attention(&qh, &kv, &kv, 0.5, AttentionMask::Array(&add), None)
            .unwrap();
    assert!(o
        .allclose(&o3, 1e-5, 1e-6, false)
        .unwrap()
        .item::<bool>()
        .unwrap());
    let q3 = Tensor::ones(&[1, 3, 3, 4], Dtype::Float32).unwrap();
    assert!(
        fast::scaled_dot_product_attention(&q3, &kv, &kv, 1.0, AttentionMask::None, None).is_err()
    );
}

#[test]
fn view_batches_with_the_batch_axis_in_front() {
    use mlx_ops::{batching::batch, derivatives::NodeView};
    let xs = f32_range(6, &[2, 3]); // batch axis 1: three examples of [2]
    let x0 = xs.slice_axis(1, 0, 1, 1).unwrap().squeeze(1).unwrap();
    let y0 = x0.view(Dtype::Uint16).unwrap();
    let node = NodeView {
        primitive: &y0.array().primitive(),
        inputs: std::slice::from_ref(&x0),
        output: &y0,
    };
    let (yb, ax) = batch(&node, &[(xs.clone(), Some(1))], 3).unwrap();
    assert_eq!((yb.shape(), ax), (&[3usize, 4][..], 0));
    let per: Vec<u16> = (0..3)
        .flat_map(|i| {
            let xi = xs.slice_axis(1, i, i + 1, 1).unwrap().squeeze(1).unwrap();
            xi.view(Dtype::Uint16).unwrap().to_vec::<u16>().unwrap()
        })
        .collect();
    assert_eq!(yb.to_vec::<u16>().unwrap(), per);
}

#[test]
fn fused_rms_norm_matches_the_formula_in_every_float_dtype() {
    use mlx_ops::fast;
    // rows long enough for the parallel path, and a strided input
    let x = Tensor::linspace(-3.0, 5.0, 70 * 600, None)
        .unwrap()
        .sin()
        .unwrap()
        .reshape(&[70, 600])
        .unwrap();
    let w = Tensor::linspace(-1.0, 2.0, 600, None).unwrap();
    for dt in [
        Dtype::Float32,
        Dtype::Float16,
        Dtype::Bfloat16,
        Dtype::Float64,
    ] {
        let (xd, wd) = (x.astype(dt).unwrap(), w.astype(dt).unwrap());
        let y = fast::rms_norm(&xd, Some(&wd), 1e-5).unwrap();
        assert_eq!(y.dtype(), dt);
        let xf = xd.astype(Dtype::Float32).unwrap();
        let r = xf
            .square()
            .unwrap()
            .mean(-1, true)
            .unwrap()
            .add(1e-5)
            .unwrap()
            .rsqrt()
            .unwrap();
        let want = xf
            .multiply(&r)
            .unwrap()
            .astype(dt)
            .unwrap()
            .multiply(&wd)
            .unwrap();
        let tol = if dt == Dtype::Float32 || dt == Dtype::Float64 {
            1e-5
        } else {
            1e-2
        };
        let ok = y.astype(Dtype::Float32).unwrap().allclose(
            &want.astype(Dtype::Float32).unwrap(),
            tol,
            tol,
            false,
        );
        assert!(ok.unwrap().item::<bool>().unwrap(), "{dt}");
    }
    let t = x.transpose(&[]).unwrap();
    let y = fast::rms_norm(&t, None, 0.0).unwrap();
    let ms = y.square().unwrap().mean(-1, false).unwrap();
    let one = Tensor::ones(&[600], Dtype::Float32).unwrap();
    assert!(ms
        .allclose(&one, 1e-4, 1e-4, false)
        .unwrap()
        .item::<bool>()
        .unwrap());
    assert!(fast::rms_norm(&x.astype(Dtype::Int32).unwrap(), None, 0.0).is_err());
}

#[test]
fn fused_rms_norm_rules_match_the_composite() {
    use mlx_ops::{batching::batch, derivatives, derivatives::NodeView, fast};
    let x = f32_range(24, &[2, 3, 4])
        .multiply(0.3)
        .unwrap()
        .sin()
        .unwrap();
    let w = Tensor::from_slice(&[1.0f32, -2.0, 0.5, 3.0], &[4]).unwrap();
    let y = fast::rms_norm(&x, Some(&w), 1e-5).unwrap();
    let prim = y.array().primitive();
    let inputs = [x.clone(), w.clone()];
    let node = NodeView {
        primitive: &prim,
        inputs: &inputs,
        output: &y,
    };
    let g = f32_range(24, &[2, 3, 4]).multiply(-0.1).unwrap();
    let grads = derivatives::vjp(&node, &g).unwrap();
    // finite differences of <g, y> along a direction
    let dir = f32_range(24, &[2, 3, 4]).cos().unwrap();
    let h = 1e-2f64;
    let f = |x: &Tensor, w: &Tensor| -> f64 {
        let y = fast::rms_norm(x, Some(w), 1e-5).unwrap();
        y.multiply(&g)
            .unwrap()
            .sum(mlx_ops::ALL, false)
            .unwrap()
            .item::<f32>()
            .unwrap() as f64
    };
    let fd = (f(&x.add(dir.multiply(h).unwrap()).unwrap(), &w)
        - f(&x.subtract(dir.multiply(h).unwrap()).unwrap(), &w))
        / (2.0 * h);
    let an = grads[0]
        .as_ref()
        .unwrap()
        .multiply(&dir)
        .unwrap()
        .sum(mlx_ops::ALL, false)
        .unwrap();
    assert!((an.item::<f32>().unwrap() as f64 - fd).abs() < 1e-2, "{fd}");
    let dw = Tensor::from_slice(&[0.5f32, 1.0, -1.0, 2.0], &[4]).unwrap();
    let fdw = (f(&x, &w.add(dw.multiply(h).unwrap()).unwrap())
        - f(&x, &w.subtract(dw.multiply(h).unwrap()).unwrap()))
        / (2.0 * h);
    let anw = grads[1]
        .as_ref()
        .unwrap()
        .multiply(&dw)
        .unwrap()
        .sum(mlx_ops::ALL, false)
        .unwrap();
    assert!(
        (anw.item::<f32>().unwrap() as f64 - fdw).abs() < 1e-2,
        "{fdw}"
    );
    // forward mode agrees with reverse mode: <g, J t> = <J^T g, t>
    let jt = derivatives::jvp(&node, &[Some(dir.clone()), Some(dw.clone())])
        .unwrap()
        .unwrap();
    let lhs = jt
        .multiply(&g)
        .unwrap()
        .sum(mlx_ops::ALL, false)
        .unwrap()
        .item::<f32>()
        .unwrap();
    let rhs = an.item::<f32>().unwrap() + anw.item::<f32>().unwrap();
    assert!((lhs - rhs).abs() < 1e-4, "{lhs} {rhs}");
    // vmap: shared weight (fused) and per-example weights (composite)
    let ex = |i: i64| x.slice_axis(1, i, i + 1, 1).unwrap().squeeze(1).unwrap();
    let x0 = ex(0);
    let y0 = fast::rms_norm(&x0, Some(&w), 1e-5).unwrap();
    let inputs0 = [x0.clone(), w.clone()];
    let node = NodeView {
        primitive: &prim,
        inputs: &inputs0,
        output: &y0,
    };
    let (yb, ax) = batch(&node, &[(x.clone(), Some(1)), (w.clone(), None)], 3).unwrap();
    assert_eq!((yb.shape(), ax), (&[3usize, 2, 4][..], 0));
    let ws = mlx_ops::stack(&[&w, &w.multiply(2.0).unwrap(), &w.negative().unwrap()], 0).unwrap();
    let (yw, _) = batch(&node, &[(x.clone(), Some(1)), (ws.clone(), Some(0))], 3).unwrap();
    for i in 0..3 {
        let wi = ws.slice_axis(0, i, i + 1, 1).unwrap().squeeze(0).unwrap();
        let want = fast::rms_norm(&ex(i), Some(&wi), 1e-5).unwrap();
        let got = yw.slice_axis(0, i, i + 1, 1).unwrap().squeeze(0).unwrap();
        assert!(got
            .allclose(&want, 1e-5, 1e-6, false)
            .unwrap()
            .item::<bool>()
            .unwrap());
        let got = yb.slice_axis(0, i, i + 1, 1).unwrap().squeeze(0).unwrap();
        let want = fast::rms_norm(&ex(i), Some(&w), 1e-5).unwrap();
        assert!(got
            .allclose(&want, 1e-5, 1e-6, false)
            .unwrap()
            .item::<bool>()
            .unwrap());
    }
}
