//! Walking a traced graph: reverse accumulation of cotangents and forward
//! propagation of tangents, with the rules of `mlx_ops::derivatives`.

use mlx_core::{Error, Primitive, Result};
use mlx_ops::derivatives::{jvp, vjp, NodeView};
use mlx_ops::Tensor;
use std::collections::{HashMap, HashSet};

struct Node {
    tensor: Tensor,
    prim: Primitive,
    inputs: Vec<Tensor>,
    /// Depends on at least one traced input.
    active: bool,
}

/// The nodes between `inputs` and `outputs`, in topological order
/// (inputs of a node come before it). Traced inputs are leaves.
fn collect(inputs: &[Tensor], outputs: &[Tensor]) -> Result<(Vec<u32>, HashMap<u32, Node>)> {
    let ctx = outputs
        .first()
        .or(inputs.first())
        .map(|t| t.array().context().clone());
    for t in inputs.iter().chain(outputs) {
        if let Some(c) = &ctx {
            if !std::sync::Arc::ptr_eq(c, t.array().context()) {
                return Err(Error::ContextMismatch { op: "transform" });
            }
        }
    }
    let leaf: HashSet<u32> = inputs.iter().map(|t| t.array().id()).collect();
    let mut nodes: HashMap<u32, Node> = HashMap::new();
    let mut order = Vec::new();
    let mut visiting: HashSet<u32> = HashSet::new();
    // iterative post-order DFS
    let mut stack: Vec<(Tensor, bool)> = outputs.iter().map(|t| (t.clone(), false)).collect();
    while let Some((t, expanded)) = stack.pop() {
        let id = t.array().id();
        if expanded {
            let inputs: Vec<Tensor> = if leaf.contains(&id) {
                vec![]
            } else {
                t.array()
                    .inputs()
                    .into_iter()
                    .map(Tensor::from_array)
                    .collect()
            };
            let active = leaf.contains(&id)
                || inputs
                    .iter()
                    .any(|i| nodes.get(&i.array().id()).is_some_and(|n| n.active));
            let prim = t.array().primitive();
            nodes.insert(
                id,
                Node {
                    tensor: t,
                    prim,
                    inputs,
                    active,
                },
            );
            order.push(id);
            continue;
        }
        if nodes.contains_key(&id) || !visiting.insert(id) {
            continue;
        }
        stack.push((t.clone(), true));
        if !leaf.contains(&id) {
            for i in t.array().inputs() {
                if !nodes.contains_key(&i.id()) {
                    stack.push((Tensor::from_array(i), false));
                }
            }
        }
    }
    Ok((order, nodes))
}

fn accumulate(map: &mut HashMap<u32, Tensor>, id: u32, g: Tensor) -> Result<()> {
    let g = match map.remove(&id) {
        Some(prev) => prev.add(&g)?,
        None => g,
    };
    map.insert(id, g);
    Ok(())
}

/// Cotangents of `inputs` given cotangents of `outputs`.
pub(crate) fn backward(
    inputs: &[Tensor],
    outputs: &[Tensor],
    cotangents: &[Tensor],
) -> Result<Vec<Tensor>> {
    let (order, nodes) = collect(inputs, outputs)?;
    let leaf: HashSet<u32> = inputs.iter().map(|t| t.array().id()).collect();
    let mut cot: HashMap<u32, Tensor> = HashMap::new();
    for (o, c) in outputs.iter().zip(cotangents) {
        accumulate(&mut cot, o.array().id(), c.astype(o.dtype())?)?;
    }
    for id in order.iter().rev() {
        let node = &nodes[id];
        if leaf.contains(id) || !node.active || node.inputs.is_empty() {
            continue;
        }
        let Some(g) = cot.remove(id) else { continue };
        let view = NodeView {
            primitive: &node.prim,
            inputs: &node.inputs,
            output: &node.tensor,
        };
        let grads = vjp(&view, &g)?;
        for (inp, gi) in node.inputs.iter().zip(grads) {
            let iid = inp.array().id();
            if let Some(gi) = gi {
                if nodes.get(&iid).is_some_and(|n| n.active) {
                    accumulate(&mut cot, iid, gi)?;
                }
            }
        }
    }
    inputs
        .iter()
        .map(|x| match cot.get(&x.array().id()) {
            Some(g) => Ok(g.clone()),
            None => x.zeros_like(),
        })
        .collect()
}

/// Tangents of `outputs` given tangents of `inputs`.
pub(crate) fn forward(
    inputs: &[Tensor],
    tangents: &[Tensor],
    outputs: &[Tensor],
) -> Result<Vec<Tensor>> {
    let (order, nodes) = collect(inputs, outputs)?;
    let mut tan: HashMap<u32, Tensor> = HashMap::new();
    for (x, t) in inputs.iter().zip(tangents) {
        tan.insert(x.array().id(), t.astype(x.dtype())?);
    }
    for id in &order {
        let node = &nodes[id];
        if tan.contains_key(id) || !node.active || node.inputs.is_empty() {
            continue;
        }
        let ts: Vec<Option<Tensor>> = node
            .inputs
            .iter()
            .map(|i| tan.get(&i.array().id()).cloned())
            .collect();
        if ts.iter().all(|t| t.is_none()) {
            continue;
        }
        let view = NodeView {
            primitive: &node.prim,
            inputs: &node.inputs,
            output: &node.tensor,
        };
        if let Some(t) = jvp(&view, &ts)? {
            tan.insert(*id, t);
        }
    }
    outputs
        .iter()
        .map(|o| match tan.get(&o.array().id()) {
            Some(t) => Ok(t.clone()),
            None => o.zeros_like(),
        })
        .collect()
}
