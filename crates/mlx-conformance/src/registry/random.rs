//! `mlx.core.random`: keys and samplers (bit-exact with MLX).

use super::{one, OpFn, Scalar};
use mlx_ops::random;

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("random.key", |a| {
        let seed = a.int(0, "seed")?;
        let seed = u64::try_from(seed).map_err(|_| a.error("seed", "must be non-negative"))?;
        one(Ok(random::key(seed)))
    }),
    ("random.split", |a| {
        let key = a.tensor(0, "key")?;
        let num = a.size_opt(1, "num")?.unwrap_or(2);
        one(random::split(&key, num))
    }),
    ("random.uniform", |a| {
        let low = a.operand_or(0, "low", Scalar::Int(0))?;
        let high = a.operand_or(1, "high", Scalar::Int(1))?;
        let shape = a.shape_or(2, "shape", &[])?;
        let dtype = a.dtype_opt(3, "dtype")?;
        let key = a.tensor_opt(4, "key")?;
        one(random::uniform(low, high, &shape, dtype, key.as_ref()))
    }),
    ("random.normal", |a| {
        let shape = a.shape_or(0, "shape", &[])?;
        let dtype = a.dtype_opt(1, "dtype")?;
        let loc = a.float_or(2, "loc", 0.0)?;
        let scale = a.float_or(3, "scale", 1.0)?;
        let key = a.tensor_opt(4, "key")?;
        one(random::normal(&shape, dtype, loc, scale, key.as_ref()))
    }),
    ("random.randint", |a| {
        let low = a.int(0, "low")?;
        let high = a.int(1, "high")?;
        let shape = a.shape_or(2, "shape", &[])?;
        let dtype = a.dtype_opt(3, "dtype")?;
        let key = a.tensor_opt(4, "key")?;
        one(random::randint(low, high, &shape, dtype, key.as_ref()))
    }),
    ("random.bernoulli", |a| {
        let p = a.operand_or(0, "p", Scalar::Float(0.5))?;
        let shape = a.shape_opt(1, "shape")?;
        let key = a.tensor_opt(2, "key")?;
        one(random::bernoulli(p, shape.as_deref(), key.as_ref()))
    }),
    ("random.categorical", |a| {
        let logits = a.tensor(0, "logits")?;
        let axis = a.int_or(1, "axis", -1)?;
        let shape = a.shape_opt(2, "shape")?;
        let num = a.size_opt(3, "num_samples")?;
        let key = a.tensor_opt(4, "key")?;
        let samples = match (shape, num) {
            (Some(_), Some(_)) => {
                return Err(a.error(
                    "shape",
                    "at most one of shape or num_samples can be specified",
                ))
            }
            (Some(s), None) => random::Samples::Shape(s),
            (None, Some(n)) => random::Samples::Num(n),
            (None, None) => random::Samples::One,
        };
        one(random::categorical(&logits, axis, samples, key.as_ref()))
    }),
    ("random.truncated_normal", |a| {
        let lo = a.operand(0, "lower")?;
        let hi = a.operand(1, "upper")?;
        let shape = a.shape_opt(2, "shape")?;
        let dtype = a.dtype_opt(3, "dtype")?;
        let key = a.tensor_opt(4, "key")?;
        one(random::truncated_normal(
            lo,
            hi,
            shape.as_deref(),
            dtype,
            key.as_ref(),
        ))
    }),
    ("random.gumbel", |a| {
        let shape = a.shape_or(0, "shape", &[])?;
        let dtype = a.dtype_opt(1, "dtype")?;
        let key = a.tensor_opt(2, "key")?;
        one(random::gumbel(&shape, dtype, key.as_ref()))
    }),
    ("random.laplace", |a| {
        let shape = a.shape_or(0, "shape", &[])?;
        let dtype = a.dtype_opt(1, "dtype")?;
        let loc = a.float_or(2, "loc", 0.0)?;
        let scale = a.float_or(3, "scale", 1.0)?;
        let key = a.tensor_opt(4, "key")?;
        one(random::laplace(&shape, dtype, loc, scale, key.as_ref()))
    }),
    ("random.permutation", |a| {
        let x = a.operand(0, "x")?;
        let axis = a.int_or(1, "axis", 0)?;
        let key = a.tensor_opt(2, "key")?;
        match x {
            mlx_ops::Operand::Tensor(t) => one(random::permutation_of(&t, axis, key.as_ref())),
            mlx_ops::Operand::Scalar(mlx_ops::Scalar::Int(n)) => {
                let n = usize::try_from(n).map_err(|_| a.error("x", "must be non-negative"))?;
                one(random::permutation(n, key.as_ref()))
            }
            mlx_ops::Operand::Scalar(_) => Err(a.error("x", "must be an integer or an array")),
        }
    }),
    ("random.multivariate_normal", |a| {
        let mean = a.tensor(0, "mean")?;
        let cov = a.tensor(1, "cov")?;
        let shape = a.shape_or(2, "shape", &[])?;
        let dtype = a.dtype_opt(3, "dtype")?;
        let key = a.tensor_opt(4, "key")?;
        one(random::multivariate_normal(
            &mean,
            &cov,
            &shape,
            dtype,
            key.as_ref(),
        ))
    }),
];
