//! `vmap` against the stacked per-example results, for every primitive with
//! a batching rule, over random shapes, batch sizes and batch axes.

use mlx_autograd::{custom_function, grad, jvp, value_and_grad, vmap};
use mlx_core::{Dtype, Error};
use mlx_ops::{concatenate, random, stack, Result, Tensor, ALL};
use proptest::prelude::*;

/// Deterministic values in `[lo, hi]`.
fn input(shape: &[usize], lo: f64, hi: f64, seed: f64) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n)
        .map(|i| {
            let u = ((i as f64 + 1.0) * 12.9898 + seed * 78.233).sin() * 43758.5453;
            (lo + (hi - lo) * (u - u.floor())) as f32
        })
        .collect();
    Tensor::from_slice(&v, shape).expect("input")
}

/// Example `i` of a batch whose batch axis is `ax`.
fn example(t: &Tensor, ax: Option<usize>, i: usize) -> Tensor {
    match ax {
        Some(a) => t
            .slice_axis(a as i64, i as i64, i as i64 + 1, 1)
            .and_then(|s| s.squeeze(a as i64))
            .expect("example"),
        None => t.clone(),
    }
}

/// A batch of `size` examples of shape `shape` with the batch axis at `ax`.
fn batch_of(
    shape: &[usize],
    size: usize,
    ax: Option<usize>,
    lo: f64,
    hi: f64,
    seed: f64,
) -> Tensor {
    match ax {
        Some(a) => {
            let mut s = shape.to_vec();
            s.insert(a, size);
            input(&s, lo, hi, seed)
        }
        None => input(shape, lo, hi, seed),
    }
}

fn assert_close(name: &str, a: &Tensor, b: &Tensor) {
    assert_eq!(a.shape(), b.shape(), "{name}: shapes");
    assert_eq!(a.dtype(), b.dtype(), "{name}: dtypes");
    let a = a.astype(Dtype::Float64).unwrap().to_vec::<f64>().unwrap();
    let b = b.astype(Dtype::Float64).unwrap().to_vec::<f64>().unwrap();
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        let ok = (x - y).abs() <= 1e-5 * (1.0 + y.abs()) || (x.is_nan() && y.is_nan());
        assert!(ok, "{name}: element {i}: vmap {x} vs per-example {y}");
    }
}

type Case = (&'static str, fn(&[Tensor]) -> Result<Tensor>);

/// Per-example functions of `x` (shape S), `y` (shape S) and `w` (shape
/// `[S.last, 2]`), covering every primitive with a batching rule.
fn cases() -> Vec<Case> {
    vec![
        // Unary
        ("exp", |a| a[0].exp()),
        ("log", |a| a[0].log()),
        ("sqrt", |a| a[0].sqrt()),
        ("tanh", |a| a[0].tanh()),
        ("sigmoid", |a| a[0].sigmoid()),
        ("floor", |a| a[0].floor()),
        ("negative", |a| a[0].negative()),
        // AsType
        ("astype_f64", |a| a[0].astype(Dtype::Float64)),
        ("astype_i32", |a| a[0].multiply(3.0)?.astype(Dtype::Int32)),
        // Binary (and the broadcasts the builders insert)
        ("add", |a| a[0].add(&a[1])),
        ("multiply", |a| a[0].multiply(&a[1])),
        ("divide", |a| a[0].divide(&a[1])),
        ("power", |a| a[0].power(&a[1])),
        ("maximum", |a| a[0].maximum(&a[1])),
        ("arctan2", |a| a[0].arctan2(&a[1])),
        ("greater", |a| a[0].greater(&a[1])),
        ("scalar", |a| a[0].multiply(2.5)?.subtract(1.0)),
        ("broadcast_keepdims", |a| {
            a[0].subtract(&a[0].sum(-1, true)?)
        }),
        // Select
        ("where", |a| a[0].greater(1.2)?.where_(&a[0], &a[1])),
        // Reduce
        ("sum_axis0", |a| a[0].sum(0, false)),
        ("sum_all", |a| a[0].sum(ALL, false)),
        ("prod_last", |a| a[0].prod(-1, true)),
        ("max_last", |a| a[0].max(-1, false)),
        ("min_first", |a| a[0].min(0, true)),
        ("any", |a| a[0].greater(1.5)?.any(-1, false)),
        ("all", |a| a[0].greater(0.6)?.all(ALL, false)),
        ("mean_var", |a| {
            a[0].var(-1, false, 0)?.add(&a[0].mean(-1, false)?)
        }),
        // ArgReduce
        ("argmax_last", |a| a[0].argmax(Some(-1), false)),
        ("argmin_flat", |a| a[0].argmin(None, false)),
        // Softmax (one node over the last axis; a composite otherwise)
        ("softmax_last", |a| a[0].softmax(-1, false)),
        ("softmax_first", |a| a[0].softmax(0, false)),
        ("logsumexp", |a| a[0].logsumexp(ALL, false)),
        // Matmul (matrix-vector when S has rank 1)
        ("matmul", |a| a[0].matmul(&a[2])),
        ("matmul_t", |a| {
            a[2].swapaxes(0, 1)?.matmul(&a[0].expand_dims(-1)?)
        }),
        // Reshape / Broadcast / Transpose / Slice / Pad / Concatenate
        ("reshape", |a| a[0].reshape(&[-1])),
        ("reshape_2", |a| a[0].reshape(&[1, -1, 1])),
        ("reshape_of_transpose", |a| {
            a[0].transpose(&[])?.reshape(&[-1])
        }),
        ("broadcast", |a| {
            let mut s = vec![2];
            s.extend_from_slice(a[0].shape());
            a[0].broadcast_to(&s)
        }),
        ("expand_squeeze", |a| a[0].expand_dims(-1)?.squeeze(-1)),
        ("transpose", |a| a[0].transpose(&[])),
        ("slice_step", |a| a[0].slice_axis(-1, 0, i64::MAX, 2)),
        ("slice_reverse", |a| {
            a[0].slice_axis(0, i64::MAX, i64::MIN, -1)
        }),
        ("pad", |a| a[0].pad(&[(1, 2)], 0.5)),
        ("concatenate", |a| concatenate(&[&a[0], &a[1]], -1)),
        ("stack", |a| stack(&[&a[0], &a[1]], 0)),
        // StopGradient / Depends
        ("stop_gradient", |a| a[0].stop_gradient()?.exp()),
        ("depends", |a| a[0].depends(&[&a[1]])?.add(1.0)),
    ]
}

fn check_case(
    name: &str,
    f: fn(&[Tensor]) -> Result<Tensor>,
    shape: &[usize],
    size: usize,
    axes: [Option<usize>; 3],
) {
    let wshape = [*shape.last().unwrap(), 2];
    let xs = [
        batch_of(shape, size, axes[0], 0.5, 2.0, 1.0),
        batch_of(shape, size, axes[1], 0.5, 2.0, 2.0),
        batch_of(&wshape, size, axes[2], -1.0, 1.0, 3.0),
    ];
    let in_axes: Vec<Option<i64>> = axes.iter().map(|a| a.map(|a| a as i64)).collect();
    let v = vmap(move |a: &[Tensor]| Ok(vec![f(a)?]), &in_axes, &[Some(0)])(&xs)
        .unwrap_or_else(|e| panic!("{name}: vmap failed: {e}"));
    let per: Vec<Tensor> = (0..size)
        .map(|i| {
            let ex: Vec<Tensor> = (0..3).map(|k| example(&xs[k], axes[k], i)).collect();
            f(&ex).expect("per-example")
        })
        .collect();
    let refs: Vec<&Tensor> = per.iter().collect();
    assert_close(name, &v[0], &stack(&refs, 0).expect("stack"));
}

fn shape_and_axes() -> impl Strategy<Value = (Vec<usize>, usize, [Option<usize>; 3])> {
    (prop::collection::vec(1usize..4, 1..4), 1usize..4).prop_flat_map(|(shape, size)| {
        let r = shape.len();
        let ax = |n: usize| prop_oneof![3 => (0..=n).prop_map(Some), 1 => Just(None)];
        (
            Just(shape),
            Just(size),
            ((0..=r).prop_map(Some), ax(r), ax(2)).prop_map(|(a, b, c)| [a, b, c]),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn vmap_equals_stacked_per_example_results((shape, size, axes) in shape_and_axes()) {
        for (name, f) in cases() {
            check_case(name, f, &shape, size, axes);
        }
    }
}

#[test]
fn random_bits_with_one_key_per_example() -> Result<()> {
    let keys = random::split(&random::key(7), 3)?;
    let draw = vmap(
        |k: &[Tensor]| Ok(vec![random::uniform(0.0, 1.0, &[2, 3], None, Some(&k[0]))?]),
        &[Some(0)],
        &[Some(0)],
    );
    let v = draw(std::slice::from_ref(&keys))?;
    let per: Vec<Tensor> = (0..3)
        .map(|i| random::uniform(0.0, 1.0, &[2, 3], None, Some(&example(&keys, Some(0), i))))
        .collect::<Result<_>>()?;
    let refs: Vec<&Tensor> = per.iter().collect();
    assert_eq!(v[0].to_vec::<f32>()?, stack(&refs, 0)?.to_vec::<f32>()?);
    // keys along axis 1, bits of width 1
    let kt = keys.transpose(&[])?;
    let v = vmap(
        |k: &[Tensor]| Ok(vec![random::bits(&[5], 1, Some(&k[0]))?]),
        &[Some(1)],
        &[Some(0)],
    )(&[kt])?;
    for i in 0..3 {
        let want = random::bits(&[5], 1, Some(&example(&keys, Some(0), i)))?;
        assert_eq!(
            example(&v[0], Some(0), i).to_vec::<u8>()?,
            want.to_vec::<u8>()?
        );
    }
    Ok(())
}

#[test]
fn nested_vmap_is_a_double_loop() -> Result<()> {
    // outer over rows of x, inner over columns of y: an outer product
    let x = input(&[3], -1.0, 1.0, 1.0);
    let y = input(&[4], -1.0, 1.0, 2.0);
    let inner = |a: &[Tensor]| Ok(vec![a[0].multiply(&a[1])?.exp()?]);
    let row = move |a: &[Tensor]| vmap(inner, &[None, Some(0)], &[Some(0)])(a);
    let outer = vmap(row, &[Some(0), None], &[Some(0)]);
    let v = outer(&[x.clone(), y.clone()])?;
    let want = x.reshape(&[3, 1])?.multiply(&y.reshape(&[1, 4])?)?.exp()?;
    assert_close("outer", &v[0], &want);
    // and a batched matmul from two vmaps of a dot product
    let a = input(&[2, 3, 5], -1.0, 1.0, 3.0);
    let b = input(&[2, 5, 4], -1.0, 1.0, 4.0);
    let dot = |t: &[Tensor]| Ok(vec![t[0].multiply(&t[1])?.sum(ALL, false)?]);
    let mv = move |t: &[Tensor]| vmap(dot, &[None, Some(1)], &[Some(0)])(t);
    let mm = move |t: &[Tensor]| vmap(mv, &[Some(0), None], &[Some(0)])(t);
    let bmm = vmap(mm, &[Some(0), Some(0)], &[Some(0)]);
    assert_close("bmm", &bmm(&[a.clone(), b.clone()])?[0], &a.matmul(&b)?);
    Ok(())
}

#[test]
fn in_axes_none_out_axes_and_errors() -> Result<()> {
    let x = input(&[2, 3], 0.5, 2.0, 1.0); // 3 examples along axis 1
    let c = input(&[2], 0.5, 2.0, 2.0);
    let f = |a: &[Tensor]| Ok(vec![a[0].multiply(&a[1])?, a[1].clone()]);
    let out = vmap(f, &[Some(-1), None], &[Some(1), Some(0)])(&[x.clone(), c.clone()])?;
    // out_axes 1: the batch axis comes back where it was
    assert_close("out_axes", &out[0], &x.multiply(&c.reshape(&[2, 1])?)?);
    // an output that does not depend on the batch is broadcast along it
    assert_eq!(out[1].shape(), &[3, 2]);
    assert_close("broadcast", &out[1], &c.broadcast_to(&[3, 2])?);
    // out_axes None keeps an unbatched output as it is, and refuses a batched one
    let out = vmap(f, &[Some(1), None], &[Some(0), None])(&[x.clone(), c.clone()])?;
    assert_eq!(out[1].shape(), &[2]);
    assert!(vmap(f, &[Some(1), None], &[None])(&[x.clone(), c.clone()]).is_err());
    // negative out axis
    let out = vmap(f, &[Some(1), None], &[Some(-1)])(&[x.clone(), c.clone()])?;
    assert_eq!(out[0].shape(), &[2, 3]);
    // errors: axis out of range, inconsistent sizes, nothing to vectorize
    assert!(vmap(f, &[Some(2), None], &[Some(0)])(&[x.clone(), c.clone()]).is_err());
    assert!(
        vmap(f, &[Some(0), Some(0)], &[Some(0)])(&[x.clone(), input(&[3], 0.0, 1.0, 1.0)]).is_err()
    );
    assert!(vmap(f, &[None, None], &[Some(0)])(&[x.clone(), c.clone()]).is_err());
    assert!(vmap(f, &[Some(0)], &[Some(3)])(&[x.clone(), x.clone()]).is_err());
    Ok(())
}

#[test]
fn a_primitive_without_a_rule_is_a_typed_error() {
    // Fused nodes only exist inside an evaluation; their rule is missing
    let p = mlx_core::Primitive::Fused(Default::default());
    let e = mlx_ops::batching::no_rule(&p);
    assert!(
        matches!(&e, Error::NoRule { transform: "vmap", primitive } if primitive.starts_with("Fused"))
    );
    assert!(e.to_string().contains("vmap: no rule for primitive Fused"));
}

/// A small MLP: x [784-ish] -> hidden -> 3 logits, cross-entropy with a
/// one-hot label.
fn mlp_loss(a: &[Tensor]) -> Result<Tensor> {
    let (w1, b1, w2, x, y) = (&a[0], &a[1], &a[2], &a[3], &a[4]);
    let h = x.matmul(w1)?.add(b1)?.tanh()?;
    let logits = h.matmul(w2)?;
    logits
        .log_softmax(-1)?
        .multiply(y)?
        .sum(ALL, false)?
        .negative()
}

#[test]
fn per_example_gradients_of_an_mlp_equal_one_by_one_gradients() -> Result<()> {
    let w1 = input(&[6, 5], -0.5, 0.5, 1.0);
    let b1 = input(&[5], -0.1, 0.1, 2.0);
    let w2 = input(&[5, 3], -0.5, 0.5, 3.0);
    let xs = input(&[4, 6], -1.0, 1.0, 4.0);
    let ys = Tensor::eye(4, Some(3), 0, Dtype::Float32)?; // rows: one-hot labels
    let g = grad(mlp_loss, &[0, 1, 2]);
    let per_example = vmap(
        move |a: &[Tensor]| g(a),
        &[None, None, None, Some(0), Some(0)],
        &[Some(0)],
    );
    let pg = per_example(&[w1.clone(), b1.clone(), w2.clone(), xs.clone(), ys.clone()])?;
    assert_eq!(pg[0].shape(), &[4, 6, 5]);
    assert_eq!(pg[2].shape(), &[4, 5, 3]);
    let g = grad(mlp_loss, &[0, 1, 2]);
    for i in 0..4 {
        let one = g(&[
            w1.clone(),
            b1.clone(),
            w2.clone(),
            example(&xs, Some(0), i),
            example(&ys, Some(0), i),
        ])?;
        for k in 0..3 {
            assert_close("per-example grad", &example(&pg[k], Some(0), i), &one[k]);
        }
    }
    // value_and_grad inside vmap too: per-example losses
    let vg = value_and_grad(mlp_loss, &[0]);
    let losses = vmap(
        move |a: &[Tensor]| Ok(vec![vg(a)?.0]),
        &[None, None, None, Some(0), Some(0)],
        &[Some(0)],
    )(&[w1.clone(), b1.clone(), w2.clone(), xs.clone(), ys.clone()])?;
    assert_eq!(losses[0].shape(), &[4]);
    Ok(())
}

#[test]
fn grad_and_jvp_of_a_vmapped_function() -> Result<()> {
    // d/dx sum_i sin(x_i) * c through vmap over rows
    let x = input(&[3, 2], -1.0, 1.0, 1.0);
    let f = |a: &[Tensor]| Ok(vec![a[0].sin()?.multiply(2.0)?]);
    let g = grad(
        move |a: &[Tensor]| vmap(f, &[Some(0)], &[Some(0)])(a)?[0].sum(ALL, false),
        &[0],
    )(std::slice::from_ref(&x))?;
    assert_close("grad of vmap", &g[0], &x.cos()?.multiply(2.0)?);
    let (_, t) = jvp(
        |a: &[Tensor]| vmap(f, &[Some(1)], &[Some(1)])(a),
        std::slice::from_ref(&x),
        &[x.ones_like()?],
    )?;
    assert_close("jvp of vmap", &t[0], &x.cos()?.multiply(2.0)?);
    Ok(())
}

#[test]
fn custom_functions_under_vmap_use_the_forward() -> Result<()> {
    let cf = custom_function(|a: &[Tensor]| Ok(vec![a[0].square()?]))
        .vjp(|_, c, _| Ok(vec![c[0].clone()]));
    let x = input(&[3, 2], -1.0, 1.0, 1.0);
    let v = vmap(move |a: &[Tensor]| cf.call(a), &[Some(0)], &[Some(0)])(std::slice::from_ref(&x))?;
    assert_close("custom", &v[0], &x.square()?);
    Ok(())
}
