//! Walking a traced graph: reverse accumulation of cotangents and forward
//! propagation of tangents, with the rules of `mlx_ops::derivatives`.

use mlx_core::{Error, Primitive, Result};
use mlx_ops::derivatives::{custom_rules, jvp, vjp, CustomRules, NodeView};
use mlx_ops::Tensor;
use std::collections::{HashMap, HashSet};

pub(crate) struct Node {
    pub(crate) tensor: Tensor,
    pub(crate) prim: Primitive,
    pub(crate) inputs: Vec<Tensor>,
    /// Depends on at least one traced input.
    pub(crate) active: bool,
}

/// The nodes between `inputs` and `outputs`, in topological order
/// (inputs of a node come before it). Traced inputs are leaves.
pub(crate) fn collect(
    inputs: &[Tensor],
    outputs: &[Tensor],
) -> Result<(Vec<u32>, HashMap<u32, Node>)> {
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

/// The outputs of one call of a custom function that the traced graph
/// holds: node ids by output index, and the position in `order` of the
/// first of them.
struct CustomGroup {
    members: Vec<Option<u32>>,
    first: usize,
}

/// Groups the custom nodes that carry user rules by call (same function id
/// and the very same input nodes).
fn custom_groups(
    order: &[u32],
    nodes: &HashMap<u32, Node>,
) -> HashMap<u32, std::rc::Rc<CustomGroup>> {
    let mut groups: HashMap<(u64, Vec<u32>), CustomGroup> = HashMap::new();
    for (pos, id) in order.iter().enumerate() {
        let node = &nodes[id];
        let Primitive::Custom(c) = &node.prim else {
            continue;
        };
        if custom_rules(c).is_none() || node.inputs.is_empty() {
            continue;
        }
        let key = (c.id, node.inputs.iter().map(|t| t.array().id()).collect());
        let g = groups.entry(key).or_insert_with(|| CustomGroup {
            members: vec![None; c.num_outputs],
            first: pos,
        });
        if let Some(m) = g.members.get_mut(c.index) {
            *m = Some(*id);
        }
        g.first = g.first.min(pos);
    }
    let mut out = HashMap::new();
    for g in groups.into_values() {
        let g = std::rc::Rc::new(g);
        for id in g.members.iter().flatten() {
            out.insert(*id, g.clone());
        }
    }
    out
}

fn rules_of(p: &Primitive) -> Option<(&mlx_core::CustomCall, &CustomRules)> {
    match p {
        Primitive::Custom(c) => custom_rules(c).map(|r| (c, r)),
        _ => None,
    }
}

fn check_count(what: &str, got: usize, want: usize) -> Result<()> {
    if got != want {
        return Err(Error::invalid(
            "custom_function",
            format!("the {what} rule returned {got} tensors but {want} were expected"),
        ));
    }
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
    let groups = custom_groups(&order, &nodes);
    for (pos, id) in order.iter().enumerate().rev() {
        let node = &nodes[id];
        if leaf.contains(id) || !node.active || node.inputs.is_empty() {
            continue;
        }
        if let (Some((c, rules)), Some(group)) = (rules_of(&node.prim), groups.get(id)) {
            if let Some(rule) = &rules.vjp {
                // run the user rule once, when every output's cotangent is in
                if pos != group.first {
                    continue;
                }
                let k = c.num_outputs;
                let outs = &node.inputs[..k];
                let primals = &node.inputs[k..];
                let mut any = false;
                let cots: Vec<Tensor> = (0..k)
                    .map(|j| match group.members[j].and_then(|m| cot.remove(&m)) {
                        Some(g) => {
                            any = true;
                            Ok(g)
                        }
                        None => outs[j].zeros_like(),
                    })
                    .collect::<Result<_>>()?;
                if !any {
                    continue;
                }
                let grads = rule(primals, &cots, outs)?;
                check_count("vjp", grads.len(), primals.len())?;
                for (p, gp) in primals.iter().zip(grads) {
                    if gp.shape() != p.shape() {
                        return Err(Error::shape(
                            "custom_function",
                            "the vjp rule returned a cotangent of the wrong shape",
                            vec![p.shape().to_vec(), gp.shape().to_vec()],
                        ));
                    }
                    let pid = p.array().id();
                    if p.dtype().is_inexact() && nodes.get(&pid).is_some_and(|n| n.active) {
                        accumulate(&mut cot, pid, gp.astype(p.dtype())?)?;
                    }
                }
                continue;
            }
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
    let groups = custom_groups(&order, &nodes);
    for id in &order {
        let node = &nodes[id];
        if tan.contains_key(id) || !node.active || node.inputs.is_empty() {
            continue;
        }
        if let (Some((c, rules)), Some(group)) = (rules_of(&node.prim), groups.get(id)) {
            if let Some(rule) = &rules.jvp {
                let k = c.num_outputs;
                let primals = &node.inputs[k..];
                let ts: Vec<Option<Tensor>> = primals
                    .iter()
                    .map(|p| tan.get(&p.array().id()).cloned())
                    .collect();
                if ts.iter().all(|t| t.is_none()) {
                    continue;
                }
                let ts: Vec<Tensor> = ts
                    .into_iter()
                    .zip(primals)
                    .map(|(t, p)| match t {
                        Some(t) => Ok(t),
                        None => p.zeros_like(),
                    })
                    .collect::<Result<_>>()?;
                let outs = rule(primals, &ts)?;
                check_count("jvp", outs.len(), k)?;
                for (j, m) in group.members.iter().enumerate() {
                    if let Some(m) = m {
                        tan.insert(*m, outs[j].astype(node.inputs[j].dtype())?);
                    }
                }
                continue;
            }
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
