//! Evaluation: plan the unevaluated part of the graph the outputs reach,
//! order it topologically (Kahn), run each node once, keep the values that
//! are still needed and detach every evaluated node from its inputs.

use crate::backend::{backend_for, Backend, BackendError};
use crate::graph::{Graph, NodeId};
use crate::{Array, ArrayData, Device, Dtype, Error, Layout, OpCall, Primitive, Result};
use smallvec::SmallVec;
use std::sync::atomic::Ordering;
use std::sync::Arc;

#[derive(Clone)]
enum Src {
    Ready(ArrayData),
    Step(u32),
}

struct Step {
    id: NodeId,
    prim: Primitive,
    shape: Arc<[usize]>,
    dtype: Dtype,
    device: Device,
    inputs: SmallVec<[Src; 2]>,
    /// The value must outlive the evaluation (a handle, a requested output,
    /// or a user outside this plan needs it).
    keep: bool,
    /// Edges from later steps of this plan.
    consumers: u32,
    /// Built inside a fusion scope.
    fusible: bool,
    /// Absorbed into a fused step: not run.
    skip: bool,
}

/// Evaluates arrays: computes every unevaluated node they depend on, once.
///
/// Nodes not reachable from `outputs` are not run. Evaluated nodes keep their
/// value and drop their inputs, so a loop that builds and evaluates a graph
/// per step does not grow memory.
///
/// ```
/// use mlx_core::{eval, Array};
/// let a = Array::scalar(1.0f32);
/// eval(&[&a]).unwrap();
/// ```
pub fn eval(outputs: &[&Array]) -> Result<()> {
    let Some(first) = outputs.first() else {
        return Ok(());
    };
    let ctx = first.context().clone();
    if outputs.iter().any(|a| !Arc::ptr_eq(a.context(), &ctx)) {
        return Err(Error::ContextMismatch { op: "eval" });
    }
    let mut steps = {
        let mut g = ctx.graph.lock();
        plan(&mut g, outputs)
    };
    if steps.is_empty() {
        return Ok(());
    }
    ctx.evaluations.fetch_add(1, Ordering::Relaxed);
    let mut backends = BackendCache::default();
    if steps.iter().any(|s| s.fusible) {
        fuse(&mut steps, &mut backends);
    }
    let mut results: Vec<Option<ArrayData>> = Vec::with_capacity(steps.len());
    let mut remaining: Vec<u32> = steps.iter().map(|s| s.consumers).collect();
    let mut outcome = Ok(());
    for k in 0..steps.len() {
        let (earlier, rest) = steps.split_at_mut(k);
        let step = &mut rest[0];
        if step.skip {
            results.push(None);
            continue;
        }
        // Ready values move into the call; only edges to earlier steps stay
        // (they drive the freeing below). A value this edge is the last
        // user of moves too, instead of being cloned and then freed.
        let mut inputs: SmallVec<[ArrayData; 2]> = SmallVec::new();
        let srcs = std::mem::take(&mut step.inputs);
        for src in srcs {
            match src {
                Src::Ready(d) => inputs.push(d),
                Src::Step(j) => {
                    let ju = j as usize;
                    let value = if remaining[ju] == 1 && !earlier[ju].keep {
                        results[ju].take()
                    } else {
                        results[ju].clone()
                    };
                    match value {
                        Some(d) => inputs.push(d),
                        None => {
                            outcome = Err(Error::invalid("eval", "an input failed to evaluate"));
                            break;
                        }
                    }
                    step.inputs.push(Src::Step(j));
                }
            }
        }
        if outcome.is_err() {
            break;
        }
        match run(&ctx, &mut backends, step, &inputs) {
            Ok(v) => results.push(Some(v)),
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
        drop(inputs);
        // free intermediates nobody needs any more
        for src in &steps[k].inputs {
            if let Src::Step(j) = src {
                let j = *j as usize;
                remaining[j] -= 1;
                if remaining[j] == 0 && !steps[j].keep {
                    results[j] = None;
                }
            }
        }
    }
    let ok = outcome.is_ok();
    let mut garbage = Vec::new();
    {
        let mut g = ctx.graph.lock();
        for (k, step) in steps.iter().enumerate() {
            let n = g.node_mut(step.id);
            n.pins -= 1;
            if ok && step.keep && n.value.is_none() {
                n.value = results.get_mut(k).and_then(|r| r.take());
                g.detach(step.id, &mut garbage);
            }
            g.maybe_free(step.id, &mut garbage);
        }
    }
    drop(garbage);
    drop(results);
    outcome
}

fn plan(g: &mut Graph, outputs: &[&Array]) -> Vec<Step> {
    g.epoch = g.epoch.wrapping_add(1).max(1);
    let epoch = g.epoch;
    // 1. the unevaluated nodes the outputs reach
    let mut set: Vec<NodeId> = Vec::new();
    let mut stack: Vec<NodeId> = Vec::new();
    for a in outputs {
        stack.push(a.id());
    }
    while let Some(id) = stack.pop() {
        let n = g.node_mut(id);
        if n.mark == epoch || n.value.is_some() {
            continue;
        }
        n.mark = epoch;
        n.slot = set.len() as u32;
        set.push(id);
        stack.extend(n.inputs.iter().copied());
    }
    if set.is_empty() {
        return Vec::new();
    }
    // 2. in-degrees and consumer lists (CSR) over the edges inside the set
    let m = set.len();
    let mut indeg = vec![0u32; m];
    let mut out_count = vec![0u32; m + 1];
    for (s, &id) in set.iter().enumerate() {
        for &i in &g.node(id).inputs {
            let inp = g.node(i);
            if inp.mark == epoch && inp.value.is_none() {
                indeg[s] += 1;
                out_count[inp.slot as usize + 1] += 1;
            }
        }
    }
    for s in 0..m {
        out_count[s + 1] += out_count[s];
    }
    let mut fill = out_count.clone();
    let mut consumers = vec![0u32; out_count[m] as usize];
    for (s, &id) in set.iter().enumerate() {
        for &i in &g.node(id).inputs {
            let inp = g.node(i);
            if inp.mark == epoch && inp.value.is_none() {
                let c = &mut fill[inp.slot as usize];
                consumers[*c as usize] = s as u32;
                *c += 1;
            }
        }
    }
    // 3. Kahn's algorithm
    let mut order: Vec<u32> = (0..m as u32).filter(|&s| indeg[s as usize] == 0).collect();
    let mut head = 0;
    while head < order.len() {
        let s = order[head] as usize;
        head += 1;
        for &c in &consumers[out_count[s] as usize..out_count[s + 1] as usize] {
            indeg[c as usize] -= 1;
            if indeg[c as usize] == 0 {
                order.push(c);
            }
        }
    }
    debug_assert_eq!(order.len(), m, "the graph is acyclic by construction");
    // position of each set member in the execution order
    let mut pos = vec![0u32; m];
    for (p, &s) in order.iter().enumerate() {
        pos[s as usize] = p as u32;
    }
    let requested: SmallVec<[NodeId; 4]> = outputs.iter().map(|a| a.id()).collect();
    let mut steps = Vec::with_capacity(m);
    for &s in &order {
        let id = set[s as usize];
        let in_plan_users = out_count[s as usize + 1] - out_count[s as usize];
        let n = g.node(id);
        let inputs = n
            .inputs
            .iter()
            .map(|&i| {
                let inp = g.node(i);
                match &inp.value {
                    Some(v) => Src::Ready(v.clone()),
                    None => Src::Step(pos[inp.slot as usize]),
                }
            })
            .collect();
        let keep = n.handles > 0 || n.users > in_plan_users || requested.contains(&id);
        steps.push(Step {
            id,
            prim: n.prim.clone(),
            shape: n.shape.clone(),
            dtype: n.dtype,
            device: n.device,
            inputs,
            keep,
            consumers: in_plan_users,
            fusible: n.fusible,
            skip: false,
        });
        g.node_mut(id).pins += 1;
    }
    steps
}

fn fusible_prim(p: &Primitive) -> bool {
    matches!(
        p,
        Primitive::Unary(_) | Primitive::Binary(_) | Primitive::Select | Primitive::AsType
    )
}

/// Merges chains and trees of fusible elementwise steps into one
/// [`Primitive::Fused`] step each. An intermediate is absorbed when nothing
/// outside the chain needs its value: no handle, one consumer, and that
/// consumer fusible on the same device.
fn fuse(steps: &mut [Step], backends: &mut BackendCache) {
    use crate::fusion::{FusedExpr, FusedOp};
    let n = steps.len();
    let ok: Vec<bool> = steps
        .iter()
        .map(|s| {
            s.fusible
                && fusible_prim(&s.prim)
                && backends.get(s.device).map(|b| b.fuses()).unwrap_or(false)
        })
        .collect();
    let mut sole: Vec<Option<usize>> = vec![None; n];
    for (k, s) in steps.iter().enumerate() {
        for src in &s.inputs {
            if let Src::Step(j) = src {
                if steps[*j as usize].consumers == 1 {
                    sole[*j as usize] = Some(k);
                }
            }
        }
    }
    let absorbed: Vec<bool> = (0..n)
        .map(|j| {
            ok[j]
                && !steps[j].keep
                && sole[j].is_some_and(|k| ok[k] && steps[k].device == steps[j].device)
        })
        .collect();
    fn emit(
        j: usize,
        steps: &[Step],
        absorbed: &[bool],
        ops: &mut Vec<FusedOp>,
        ext: &mut Vec<Src>,
        ext_reg: &mut Vec<(Option<u32>, u32)>,
    ) -> u32 {
        let mut args = SmallVec::new();
        for src in &steps[j].inputs {
            let reg = match src {
                Src::Step(i) if absorbed[*i as usize] => {
                    emit(*i as usize, steps, absorbed, ops, ext, ext_reg)
                }
                other => {
                    let key = match other {
                        Src::Step(i) => Some(*i),
                        Src::Ready(_) => None,
                    };
                    match ext_reg.iter().find(|(k, _)| key.is_some() && *k == key) {
                        Some((_, r)) => *r,
                        None => {
                            ops.push(FusedOp::Input(ext.len() as u32));
                            ext.push(other.clone());
                            let r = (ops.len() - 1) as u32;
                            ext_reg.push((key, r));
                            r
                        }
                    }
                }
            };
            args.push(reg);
        }
        ops.push(FusedOp::Apply {
            prim: steps[j].prim.clone(),
            args,
            dtype: steps[j].dtype,
        });
        (ops.len() - 1) as u32
    }
    let mut any = false;
    for k in 0..n {
        if !ok[k] || absorbed[k] {
            continue;
        }
        let has_absorbed_input = steps[k]
            .inputs
            .iter()
            .any(|s| matches!(s, Src::Step(i) if absorbed[*i as usize]));
        if !has_absorbed_input {
            continue;
        }
        let (mut ops, mut ext, mut ext_reg) = (Vec::new(), Vec::new(), Vec::new());
        emit(k, steps, &absorbed, &mut ops, &mut ext, &mut ext_reg);
        steps[k].prim = Primitive::Fused(Arc::new(FusedExpr { ops }));
        steps[k].inputs = ext.into_iter().collect();
        any = true;
    }
    if !any {
        return;
    }
    for j in 0..n {
        if absorbed[j] {
            steps[j].skip = true;
        }
        steps[j].consumers = 0;
    }
    for k in 0..n {
        if steps[k].skip {
            continue;
        }
        let srcs: SmallVec<[u32; 4]> = steps[k]
            .inputs
            .iter()
            .filter_map(|s| match s {
                Src::Step(j) => Some(*j),
                Src::Ready(_) => None,
            })
            .collect();
        for j in srcs {
            steps[j as usize].consumers += 1;
        }
    }
}

#[derive(Default)]
struct BackendCache(SmallVec<[(Device, Arc<dyn Backend>); 2]>);

impl BackendCache {
    fn get(&mut self, d: Device) -> Result<Arc<dyn Backend>> {
        if let Some((_, b)) = self.0.iter().find(|(x, _)| *x == d) {
            return Ok(b.clone());
        }
        let b = backend_for(d).ok_or(Error::NoBackend(d))?;
        self.0.push((d, b.clone()));
        Ok(b)
    }
}

fn run(
    ctx: &crate::Context,
    backends: &mut BackendCache,
    step: &Step,
    inputs: &[ArrayData],
) -> Result<ArrayData> {
    let view = |layout: Layout| ArrayData {
        buffer: inputs[0].buffer.clone(),
        layout,
        dtype: step.dtype,
    };
    match &step.prim {
        Primitive::Reshape => match inputs[0].layout.reshape(&step.shape) {
            Some(l) => Ok(view(l)),
            None => {
                let c = dispatch(ctx, backends, step, &Primitive::Copy, inputs, None)?;
                let l = c.layout.reshape(&step.shape).ok_or_else(|| {
                    Error::invalid("reshape", "backend copy was not row-contiguous")
                })?;
                Ok(ArrayData { layout: l, ..c })
            }
        },
        Primitive::Broadcast => Ok(view(inputs[0].layout.broadcast_to(&step.shape))),
        Primitive::StopGradient | Primitive::Depends => Ok(view(inputs[0].layout.clone())),
        Primitive::Custom(c) => {
            let src = inputs.get(c.index).ok_or_else(|| {
                Error::invalid("custom_function", "a custom node lacks its output input")
            })?;
            Ok(src.clone())
        }
        Primitive::Transpose { perm } => Ok(view(inputs[0].layout.transpose(perm))),
        Primitive::Slice { start, step: st } => {
            Ok(view(inputs[0].layout.slice(start, st, &step.shape)))
        }
        Primitive::AsStrided { strides, offset } => {
            let base = if inputs[0].layout.is_row_contiguous() {
                inputs[0].clone()
            } else {
                let shape = inputs[0].layout.shape().to_vec();
                dispatch(ctx, backends, step, &Primitive::Copy, inputs, Some(&shape))?
            };
            let l = Layout::from_parts(
                step.shape.to_vec(),
                strides.clone(),
                base.layout.offset() + offset,
            );
            let (lo, hi) = l.span();
            if l.numel() > 0 && (hi > base.buffer.len() || lo < base.layout.offset()) {
                return Err(Error::invalid(
                    "as_strided",
                    format!(
                        "shape {:?} with strides {strides:?} and offset {offset} reads outside the {} elements of the input",
                        step.shape,
                        base.layout.numel()
                    ),
                ));
            }
            Ok(ArrayData {
                buffer: base.buffer,
                layout: l,
                dtype: step.dtype,
            })
        }
        Primitive::Transfer => transfer(backends, &inputs[0], step.device),
        p => dispatch(ctx, backends, step, p, inputs, None),
    }
}

fn backend_error(
    be: &dyn Backend,
    prim: &Primitive,
    shape: &[usize],
    dtype: Dtype,
    e: BackendError,
) -> Error {
    Error::Backend {
        backend: be.name(),
        op: prim.name(),
        shape: shape.to_vec(),
        dtype,
        msg: e.to_string(),
    }
}

fn dispatch(
    ctx: &crate::Context,
    backends: &mut BackendCache,
    step: &Step,
    prim: &Primitive,
    inputs: &[ArrayData],
    shape_override: Option<&[usize]>,
) -> Result<ArrayData> {
    ctx.dispatched.fetch_add(1, Ordering::Relaxed);
    let shape = shape_override.unwrap_or(&step.shape);
    let dtype = if shape_override.is_some() {
        inputs[0].dtype
    } else {
        step.dtype
    };
    let be = backends.get(step.device)?;
    let call = OpCall {
        primitive: prim,
        inputs,
        shape,
        dtype,
    };
    match be.eval(&call) {
        Ok(v) => Ok(v),
        Err(BackendError::Unsupported { .. }) if !step.device.is_cpu() => {
            // explicit fallback: inputs to the host, run on the CPU, result back
            let cpu = backends.get(Device::cpu())?;
            let host_inputs = inputs
                .iter()
                .map(|d| transfer(backends, d, Device::cpu()))
                .collect::<Result<Vec<_>>>()?;
            let call = OpCall {
                primitive: prim,
                inputs: &host_inputs,
                shape,
                dtype,
            };
            let out = cpu
                .eval(&call)
                .map_err(|e| backend_error(cpu.as_ref(), prim, shape, dtype, e))?;
            transfer(backends, &out, step.device)
        }
        Err(e) => Err(backend_error(be.as_ref(), prim, shape, dtype, e)),
    }
}

fn transfer(backends: &mut BackendCache, data: &ArrayData, to: Device) -> Result<ArrayData> {
    let from = data.buffer.device();
    if from == to {
        return Ok(data.clone());
    }
    let host = if from.is_cpu() {
        data.buffer.clone()
    } else {
        let be = backends.get(from)?;
        be.download(&data.buffer).map_err(|e| {
            backend_error(
                be.as_ref(),
                &Primitive::Transfer,
                data.layout.shape(),
                data.dtype,
                e,
            )
        })?
    };
    let buffer = if to.is_cpu() {
        host
    } else {
        let be = backends.get(to)?;
        be.upload(&host).map_err(|e| {
            backend_error(
                be.as_ref(),
                &Primitive::Transfer,
                data.layout.shape(),
                data.dtype,
                e,
            )
        })?
    };
    Ok(ArrayData {
        buffer,
        layout: data.layout.clone(),
        dtype: data.dtype,
    })
}
