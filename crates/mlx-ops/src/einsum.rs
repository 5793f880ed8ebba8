//! `einsum`: Einstein summation lowered to diagonals, sums, transposes,
//! reshapes and batched matrix products.
//!
//! The subscripts are parsed into one label list per operand (an ellipsis
//! becomes labels of its own, right-aligned across operands). Repeated
//! labels within an operand take its diagonal; labels that appear in one
//! operand only and not in the output are summed at once; then operands are
//! contracted pairwise, always the pair whose result is smallest, each
//! contraction a `[batch, m, k] @ [batch, k, n]` product (an elementwise
//! product when nothing is contracted). Labels of size 1 broadcast, as in
//! MLX.

use crate::Tensor;
use mlx_core::{Dtype, Error, Result};

/// A label: a subscript letter, or an ellipsis dimension (counted from the
/// right of the ellipsis).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Label {
    Ellipsis(usize),
    Letter(char),
}

/// One operand's subscripts: letters with at most one ellipsis.
#[derive(Clone, Debug)]
struct Term {
    before: Vec<char>,
    ellipsis: bool,
    after: Vec<char>,
}

fn parse_term(s: &str) -> Result<Term> {
    let mut term = Term {
        before: vec![],
        ellipsis: false,
        after: vec![],
    };
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("...") {
            if term.ellipsis {
                return Err(Error::invalid(
                    "einsum",
                    format!("more than one ellipsis in subscript {s:?}"),
                ));
            }
            term.ellipsis = true;
            rest = r;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        if !c.is_ascii_alphabetic() {
            return Err(Error::invalid(
                "einsum",
                format!("invalid character {c:?} in subscript {s:?}"),
            ));
        }
        if term.ellipsis {
            term.after.push(c);
        } else {
            term.before.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Ok(term)
}

impl Term {
    /// The labels of an operand of `ndim` dimensions.
    fn labels(&self, ndim: usize, index: usize) -> Result<Vec<Label>> {
        let named = self.before.len() + self.after.len();
        if (!self.ellipsis && named != ndim) || (self.ellipsis && named > ndim) {
            return Err(Error::invalid(
                "einsum",
                format!(
                    "invalid number of subscripts {named} for input {index} with {ndim} dimensions"
                ),
            ));
        }
        let n_ell = ndim - named;
        let mut out: Vec<Label> = self.before.iter().map(|&c| Label::Letter(c)).collect();
        out.extend((0..n_ell).rev().map(Label::Ellipsis));
        out.extend(self.after.iter().map(|&c| Label::Letter(c)));
        Ok(out)
    }
}

/// An operand during the contraction: its tensor and one label per axis.
#[derive(Clone)]
struct Operand {
    t: Tensor,
    labels: Vec<Label>,
}

impl Operand {
    /// Takes diagonals until every label appears once.
    fn dedupe(mut self) -> Result<Operand> {
        loop {
            let dup = (0..self.labels.len()).find_map(|i| {
                (i + 1..self.labels.len())
                    .find(|&j| self.labels[j] == self.labels[i])
                    .map(|j| (i, j))
            });
            let Some((i, j)) = dup else { return Ok(self) };
            let (ni, nj) = (self.t.shape()[i], self.t.shape()[j]);
            if ni != nj {
                return Err(Error::shape(
                    "einsum",
                    format!(
                        "repeated subscript {:?} has sizes {ni} and {nj}",
                        self.labels[i]
                    ),
                    vec![self.t.shape().to_vec()],
                ));
            }
            let l = self.labels[i];
            self.t = self.t.diagonal(0, i as i64, j as i64)?;
            self.labels = self
                .labels
                .iter()
                .enumerate()
                .filter(|&(k, _)| k != i && k != j)
                .map(|(_, &x)| x)
                .collect();
            self.labels.push(l);
        }
    }

    /// Sums out the labels not in `keep`.
    fn sum_except(self, keep: &dyn Fn(Label) -> bool) -> Result<Operand> {
        let axes: Vec<i64> = (0..self.labels.len())
            .filter(|&i| !keep(self.labels[i]))
            .map(|i| i as i64)
            .collect();
        if axes.is_empty() {
            return Ok(self);
        }
        let labels = self.labels.iter().copied().filter(|&l| keep(l)).collect();
        Ok(Operand {
            t: self.t.sum(axes, false)?,
            labels,
        })
    }

    /// Transposes to `order` (a permutation of the labels), then broadcasts
    /// to the given sizes.
    fn arrange(&self, order: &[Label], sizes: &[usize]) -> Result<Tensor> {
        let perm: Vec<i64> = order
            .iter()
            .map(|l| self.labels.iter().position(|x| x == l).unwrap_or(0) as i64)
            .collect();
        self.t.transpose(&perm)?.broadcast_to(sizes)
    }
}

/// Einstein summation over `operands` (`mx.einsum`): `"ij,jk->ik"`,
/// implicit outputs (`"ij,jk"`: labels seen once, alphabetically, after the
/// ellipsis), ellipses (`"...ij,...jk->...ik"`), repeated labels
/// (`"ii->i"` is the diagonal, `"ii"` the trace) and reductions (`"ij->"`).
/// Operands promote to one dtype; contractions use `matmul`, so they need
/// a floating-point dtype, as in MLX.
///
/// ```
/// use mlx_ops::{einsum, Tensor};
/// let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2])?;
/// let b = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 1.0], &[2, 2])?;
/// assert_eq!(einsum("ij,jk->ik", &[&a, &b])?.to_vec::<f32>()?, vec![1.0, 2.0, 3.0, 4.0]);
/// assert_eq!(einsum("ii", &[&a])?.item::<f32>()?, 5.0);
/// assert_eq!(einsum("ij->ji", &[&a])?.to_vec::<f32>()?, vec![1.0, 3.0, 2.0, 4.0]);
/// assert!(einsum("ij,jk->ik", &[&a]).is_err());
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn einsum(subscripts: &str, operands: &[&Tensor]) -> Result<Tensor> {
    let spec: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match spec.split_once("->") {
        Some((l, r)) => (l, Some(r)),
        None => (spec.as_str(), None),
    };
    let terms: Vec<Term> = lhs.split(',').map(parse_term).collect::<Result<_>>()?;
    if terms.len() != operands.len() {
        return Err(Error::invalid(
            "einsum",
            format!(
                "number of operands, {}, does not match number of input subscripts, {}",
                operands.len(),
                terms.len()
            ),
        ));
    }
    let dtype = operands
        .iter()
        .map(|t| t.dtype())
        .reduce(Dtype::promote)
        .unwrap_or(Dtype::Float32);
    let mut ops: Vec<Operand> = Vec::with_capacity(operands.len());
    for (i, (term, t)) in terms.iter().zip(operands).enumerate() {
        ops.push(Operand {
            t: t.astype(dtype)?,
            labels: term.labels(t.ndim(), i)?,
        });
    }
    let n_ell = ops
        .iter()
        .flat_map(|o| o.labels.iter())
        .filter_map(|l| match l {
            Label::Ellipsis(k) => Some(k + 1),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    // the output labels
    let out: Vec<Label> = match rhs {
        Some(r) => {
            let term = parse_term(r)?;
            let mut v: Vec<Label> = term.before.iter().map(|&c| Label::Letter(c)).collect();
            if term.ellipsis {
                v.extend((0..n_ell).rev().map(Label::Ellipsis));
            }
            v.extend(term.after.iter().map(|&c| Label::Letter(c)));
            for (i, l) in v.iter().enumerate() {
                if v[..i].contains(l) {
                    return Err(Error::invalid(
                        "einsum",
                        "repeated indices are not allowed in the output",
                    ));
                }
                if !ops.iter().any(|o| o.labels.contains(l)) {
                    return Err(Error::invalid(
                        "einsum",
                        format!("output subscript {l:?} does not appear in any input"),
                    ));
                }
            }
            v
        }
        None => {
            let mut count: std::collections::BTreeMap<char, usize> = Default::default();
            for t in &terms {
                for &c in t.before.iter().chain(&t.after) {
                    *count.entry(c).or_default() += 1;
                }
            }
            let mut v: Vec<Label> = (0..n_ell).rev().map(Label::Ellipsis).collect();
            v.extend(
                count
                    .into_iter()
                    .filter(|&(_, n)| n == 1)
                    .map(|(c, _)| Label::Letter(c)),
            );
            v
        }
    };
    // every label's size: equal, or 1 (broadcast)
    let mut sizes: std::collections::BTreeMap<Label, usize> = Default::default();
    for (i, o) in ops.iter().enumerate() {
        for (ax, &l) in o.labels.iter().enumerate() {
            let d = o.t.shape()[ax];
            let e = sizes.entry(l).or_insert(d);
            if *e == 1 {
                *e = d;
            } else if d != 1 && d != *e {
                return Err(Error::shape(
                    "einsum",
                    format!("cannot broadcast dimension {ax} of input {i} to size {e}"),
                    operands.iter().map(|t| t.shape().to_vec()).collect(),
                ));
            }
        }
    }
    let mut ops: Vec<Operand> = ops
        .into_iter()
        .map(Operand::dedupe)
        .collect::<Result<_>>()?;
    // labels used by `others` or the output survive a reduction
    let needed = |ops: &[Operand], skip: &[usize], l: Label| -> bool {
        out.contains(&l)
            || ops
                .iter()
                .enumerate()
                .any(|(i, o)| !skip.contains(&i) && o.labels.contains(&l))
    };
    for i in 0..ops.len() {
        let o = ops[i].clone();
        ops[i] = o.sum_except(&|l| needed(&ops, &[i], l))?;
    }
    while ops.len() > 1 {
        // the pair with the smallest result
        let mut best: Option<(usize, usize, usize)> = None;
        for i in 0..ops.len() {
            for j in i + 1..ops.len() {
                let size: usize = union(&ops[i].labels, &ops[j].labels)
                    .into_iter()
                    .filter(|&l| needed(&ops, &[i, j], l))
                    .map(|l| sizes[&l])
                    .product();
                if best.is_none_or(|(_, _, s)| size < s) {
                    best = Some((i, j, size));
                }
            }
        }
        let (i, j, _) = best.unwrap_or((0, 1, 0));
        let b = ops.remove(j);
        let a = ops.remove(i);
        let keep = |l: Label| needed(&ops, &[], l);
        let c = contract(a, b, &keep, &sizes)?;
        ops.insert(i, c);
    }
    let last = ops
        .pop()
        .ok_or_else(|| Error::invalid("einsum", "no operands given"))?;
    let last = last.sum_except(&|l| out.contains(&l))?;
    let shape: Vec<usize> = out.iter().map(|l| sizes[l]).collect();
    last.arrange(&out, &shape)
}

/// The labels of `a` followed by those of `b` not in `a`.
fn union(a: &[Label], b: &[Label]) -> Vec<Label> {
    let mut v = a.to_vec();
    v.extend(b.iter().filter(|l| !a.contains(l)));
    v
}

/// Contracts two operands; the result keeps the labels `keep` accepts.
fn contract(
    a: Operand,
    b: Operand,
    keep: &dyn Fn(Label) -> bool,
    sizes: &std::collections::BTreeMap<Label, usize>,
) -> Result<Operand> {
    let (la, lb) = (a.labels.clone(), b.labels.clone());
    let in_b = |l: &Label| lb.contains(l);
    let in_a = |l: &Label| la.contains(l);
    let batch: Vec<Label> = a
        .labels
        .iter()
        .copied()
        .filter(|l| in_b(l) && keep(*l))
        .collect();
    let inner: Vec<Label> = a
        .labels
        .iter()
        .copied()
        .filter(|l| in_b(l) && !keep(*l))
        .collect();
    // labels of one side only that nothing needs are summed first
    let a = a.sum_except(&|l| in_b(&l) || keep(l))?;
    let b = b.sum_except(&|l| in_a(&l) || keep(l))?;
    let left: Vec<Label> = a.labels.iter().copied().filter(|l| !in_b(l)).collect();
    let right: Vec<Label> = b.labels.iter().copied().filter(|l| !in_a(l)).collect();
    let size = |ls: &[Label]| ls.iter().map(|l| sizes[l]).product::<usize>();
    let dims = |ls: &[Label]| ls.iter().map(|l| sizes[l]).collect::<Vec<usize>>();
    let mut labels = batch.clone();
    labels.extend(&left);
    labels.extend(&right);
    let out_shape: Vec<i64> = dims(&labels).iter().map(|&d| d as i64).collect();
    if inner.is_empty() {
        // no contraction: an elementwise product of broadcast operands
        let mut oa: Vec<Label> = batch.clone();
        oa.extend(&left);
        let mut ob: Vec<Label> = batch.clone();
        ob.extend(&right);
        let mut sa = dims(&oa);
        sa.extend(std::iter::repeat_n(1, right.len()));
        let ta = a
            .arrange(&oa, &dims(&oa))?
            .reshape(&sa.iter().map(|&d| d as i64).collect::<Vec<_>>())?;
        let mut sb = dims(&batch);
        sb.extend(std::iter::repeat_n(1, left.len()));
        sb.extend(dims(&right));
        let tb = b
            .arrange(&ob, &dims(&ob))?
            .reshape(&sb.iter().map(|&d| d as i64).collect::<Vec<_>>())?;
        let t = ta.multiply(&tb)?;
        return Ok(Operand { t, labels });
    }
    let mut oa = batch.clone();
    oa.extend(&left);
    oa.extend(&inner);
    let mut ob = batch.clone();
    ob.extend(&inner);
    ob.extend(&right);
    let (nb, m, k, n) = (size(&batch), size(&left), size(&inner), size(&right));
    let ta = a
        .arrange(&oa, &dims(&oa))?
        .reshape(&[nb as i64, m as i64, k as i64])?;
    let tb = b
        .arrange(&ob, &dims(&ob))?
        .reshape(&[nb as i64, k as i64, n as i64])?;
    let t = ta.matmul(&tb)?.reshape(&out_shape)?;
    Ok(Operand { t, labels })
}
