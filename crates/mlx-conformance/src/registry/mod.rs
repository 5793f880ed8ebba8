//! The registry from MLX op names to calls into `mlx_ops`.
//!
//! Each entry reads MLX's parameters (by position or keyword, with MLX's
//! defaults) through [`Args`] and makes the equivalent `mlx_ops` call. Entries
//! live in one file per op family (`creation.rs`, `unary.rs`, ...), each with
//! its own `OPS` table; [`FAMILIES`] joins them. Mapping an op is adding one
//! line to its family's table. Map only ops whose kernels exist, since the
//! conformance test fails on every mismatch of a mapped op.

mod binary;
mod conv;
mod creation;
mod fft;
mod indexing;
mod linalg;
mod linalg_decomp;
mod nn;
mod quantized;
mod random;
mod reduce;
mod scan;
mod shape;
mod sort;
mod unary;

pub(crate) use crate::args::{Arg, Args};
use crate::{Error, Result};
pub(crate) use mlx_ops::{Axes, Dtype, Operand, Scalar, Tensor};
pub(crate) use serde_json::Value;
use std::cell::RefCell;

/// The families' tables; an op name must appear in at most one of them.
pub const FAMILIES: &[(&str, &[(&str, OpFn)])] = &[
    ("creation", creation::OPS),
    ("unary", unary::OPS),
    ("binary", binary::OPS),
    ("reduce", reduce::OPS),
    ("scan", scan::OPS),
    ("shape", shape::OPS),
    ("indexing", indexing::OPS),
    ("sort", sort::OPS),
    ("linalg", linalg::OPS),
    ("linalg_decomp", linalg_decomp::OPS),
    ("conv", conv::OPS),
    ("fft", fft::OPS),
    ("nn", nn::OPS),
    ("random", random::OPS),
    ("quantized", quantized::OPS),
];

/// What an op returned: one array, or a tuple/list of arrays (stored as
/// `<case>.<i>`).
#[derive(Clone, Debug)]
pub enum Out {
    /// A single array.
    One(Tensor),
    /// A tuple or list of arrays.
    Many(Vec<Tensor>),
}

impl Out {
    /// The arrays with the keys they are stored under.
    pub fn keyed(self, case: &str) -> Vec<(String, Tensor)> {
        match self {
            Out::One(t) => vec![(case.to_string(), t)],
            Out::Many(v) => v
                .into_iter()
                .enumerate()
                .map(|(i, t)| (format!("{case}.{i}"), t))
                .collect(),
        }
    }

    /// The arrays, in order.
    pub fn into_vec(self) -> Vec<Tensor> {
        match self {
            Out::One(t) => vec![t],
            Out::Many(v) => v,
        }
    }
}

/// A mapping: reads the arguments, builds the result.
pub type OpFn = fn(&mut Args) -> Result<Out>;

pub(crate) type R = mlx_ops::Result<Tensor>;

pub(crate) fn one(t: R) -> Result<Out> {
    Ok(Out::One(t?))
}

pub(crate) fn many(v: mlx_ops::Result<Vec<Tensor>>) -> Result<Out> {
    Ok(Out::Many(v?))
}

/// `op(a)`.
pub(crate) fn unary(a: &mut Args, f: fn(&Tensor) -> R) -> Result<Out> {
    let x = a.tensor(0, "a")?;
    one(f(&x))
}

/// `op(a, b)` where either may be a weak Python scalar.
pub(crate) fn binary(a: &mut Args, f: fn(&Tensor, Operand) -> R) -> Result<Out> {
    let (x, y) = (a.operand(0, "a")?, a.operand(1, "b")?);
    one(f(&lhs_tensor(x, &y), y))
}

/// A left operand as a tensor: a weak scalar takes the other side's dtype
/// where its kind allows (MLX's rule for Python scalars).
pub(crate) fn lhs_tensor(x: Operand, y: &Operand) -> Tensor {
    match (x, y) {
        (Operand::Tensor(t), _) => t,
        (Operand::Scalar(s), Operand::Tensor(t)) => Tensor::scalar_as(s, s.weak_dtype(t.dtype())),
        (Operand::Scalar(s), Operand::Scalar(_)) => Tensor::scalar_as(s, s.default_dtype()),
    }
}

/// The tensors of a list, by reference.
pub(crate) fn refs(v: &[Tensor]) -> Vec<&Tensor> {
    v.iter().collect()
}

/// The mapping of an op name.
pub fn lookup(op: &str) -> Option<OpFn> {
    FAMILIES
        .iter()
        .flat_map(|(_, ops)| ops.iter())
        .find(|(n, _)| *n == op)
        .map(|&(_, f)| f)
}

/// True when the registry maps `op`.
pub fn is_mapped(op: &str) -> bool {
    lookup(op).is_some()
}

/// Every mapped op name.
pub fn mapped_ops() -> impl Iterator<Item = &'static str> {
    FAMILIES
        .iter()
        .flat_map(|(_, ops)| ops.iter())
        .map(|&(n, _)| n)
}

/// Runs `op` on `args` (lazily: the result is not evaluated).
pub fn call(op: &str, mut args: Args) -> Result<Out> {
    let f = lookup(op).ok_or_else(|| Error::UnknownOp(op.to_string()))?;
    let out = f(&mut args)?;
    args.finish()?;
    Ok(out)
}

/// The gradients of `sum(op(args))` (every output of a tuple result summed)
/// with respect to the positional tensor arguments `argnums`, through
/// [`mlx_autograd::grad`]: MLX's `mx.grad` of the same function.
pub fn call_grad(op: &str, args: Args, argnums: &[usize]) -> Result<Out> {
    if !is_mapped(op) {
        return Err(Error::UnknownOp(op.to_string()));
    }
    let primals = argnums
        .iter()
        .map(|&i| args.positional_tensor(i))
        .collect::<Result<Vec<Tensor>>>()?;
    // harness errors (bad arguments) cannot cross mlx_autograd's error type:
    // they are kept here and returned as they are
    let harness_err: RefCell<Option<Error>> = RefCell::new(None);
    let loss = |ts: &[Tensor]| -> mlx_ops::Result<Tensor> {
        let mut a = args.clone();
        for (&i, t) in argnums.iter().zip(ts) {
            a.set_positional(i, t.clone());
        }
        let outs = match call(op, a) {
            Ok(o) => o.into_vec(),
            Err(Error::Op(e)) => return Err(e),
            Err(e) => {
                let msg = e.to_string();
                *harness_err.borrow_mut() = Some(e);
                return Err(mlx_ops::Error::invalid("conformance", msg));
            }
        };
        let mut total: Option<Tensor> = None;
        for o in &outs {
            let s = o.sum(mlx_ops::ALL, false)?;
            total = Some(match total {
                None => s,
                Some(t) => t.add(&s)?,
            });
        }
        total.ok_or_else(|| mlx_ops::Error::invalid("conformance", "op returned no arrays"))
    };
    let all: Vec<usize> = (0..primals.len()).collect();
    let grads = mlx_autograd::grad(loss, &all)(&primals);
    if let Some(e) = harness_err.into_inner() {
        return Err(e);
    }
    Ok(Out::Many(grads?))
}
