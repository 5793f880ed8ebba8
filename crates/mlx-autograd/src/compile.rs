//! `compile`: trace a function once per input signature, optimise the
//! traced graph (dead code is never recorded; common subexpressions are
//! merged) and replay it with elementwise fusion enabled.

use mlx_core::{fusion::fusion_scope, Array, Dtype, Error, Primitive, Result};
use mlx_ops::Tensor;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Ref {
    Input(usize),
    Node(usize),
    Const(usize),
}

struct TapeNode {
    prim: Primitive,
    inputs: Vec<Ref>,
    shape: Vec<usize>,
    dtype: Dtype,
}

struct Tape {
    nodes: Vec<TapeNode>,
    consts: Vec<Tensor>,
    outputs: Vec<Ref>,
    traced_nodes: usize,
}

type Signature = Vec<(Vec<usize>, Dtype)>;

/// A compiled function (see [`compile`]).
pub struct Compiled<F> {
    f: F,
    cache: Mutex<HashMap<Signature, std::sync::Arc<Tape>>>,
    traces: std::sync::atomic::AtomicUsize,
}

/// Node counts of the last trace, before and after optimisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TapeStats {
    /// Nodes the trace recorded.
    pub traced: usize,
    /// Nodes left after common-subexpression elimination.
    pub optimized: usize,
}

/// Compiles `f` (MLX's `mx.compile`): the first call with a given list of
/// input shapes and dtypes traces `f`, later calls with the same signature
/// replay the optimised graph without running `f`. A new shape or dtype
/// traces again. Replayed graphs fuse chains of elementwise ops into single
/// kernels.
///
/// ```
/// use mlx_autograd::compile;
/// use mlx_ops::Tensor;
/// let f = compile(|x: &[Tensor]| Ok(vec![x[0].exp()?.multiply(&x[1])?.add(&x[0])?]));
/// let x = Tensor::from_slice(&[0.0f32, 1.0], &[2])?;
/// let y = Tensor::from_slice(&[2.0f32, 2.0], &[2])?;
/// let out = f.call(&[x.clone(), y.clone()])?;
/// assert_eq!(out[0].to_vec::<f32>()?[0], 2.0);
/// f.call(&[x, y])?;
/// assert_eq!(f.traces(), 1);
/// # Ok::<(), mlx_ops::Error>(())
/// ```
pub fn compile<F>(f: F) -> Compiled<F>
where
    F: Fn(&[Tensor]) -> Result<Vec<Tensor>>,
{
    Compiled {
        f,
        cache: Mutex::new(HashMap::new()),
        traces: 0.into(),
    }
}

impl<F> Compiled<F>
where
    F: Fn(&[Tensor]) -> Result<Vec<Tensor>>,
{
    /// Calls the compiled function.
    pub fn call(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let sig: Signature = inputs
            .iter()
            .map(|t| (t.shape().to_vec(), t.dtype()))
            .collect();
        let cached = self
            .cache
            .lock()
            .map_err(|_| poisoned())?
            .get(&sig)
            .cloned();
        let tape = match cached {
            Some(t) => t,
            None => {
                let t = std::sync::Arc::new(self.trace(inputs)?);
                self.traces
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.cache
                    .lock()
                    .map_err(|_| poisoned())?
                    .insert(sig, t.clone());
                t
            }
        };
        fusion_scope(|| replay(&tape, inputs))
    }

    /// How many times `f` was traced.
    pub fn traces(&self) -> usize {
        self.traces.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Node counts of the tape for these inputs' signature, if traced.
    pub fn tape_stats(&self, inputs: &[Tensor]) -> Option<TapeStats> {
        let sig: Signature = inputs
            .iter()
            .map(|t| (t.shape().to_vec(), t.dtype()))
            .collect();
        let cache = self.cache.lock().ok()?;
        cache.get(&sig).map(|t| TapeStats {
            traced: t.traced_nodes,
            optimized: t.nodes.len(),
        })
    }

    fn trace(&self, inputs: &[Tensor]) -> Result<Tape> {
        let placeholders: Vec<Tensor> = inputs.iter().map(|t| t.fresh()).collect::<Result<_>>()?;
        let outputs = (self.f)(&placeholders)?;
        record(&placeholders, &outputs)
    }
}

fn poisoned() -> Error {
    Error::invalid("compile", "the compile cache was poisoned by a panic")
}

/// Records the graph between placeholders and outputs, merging equal nodes.
fn record(placeholders: &[Tensor], outputs: &[Tensor]) -> Result<Tape> {
    let input_ids: HashMap<u32, usize> = placeholders
        .iter()
        .enumerate()
        .map(|(i, t)| (t.array().id(), i))
        .collect();
    let mut tape = Tape {
        nodes: vec![],
        consts: vec![],
        outputs: vec![],
        traced_nodes: 0,
    };
    let mut done: HashMap<u32, Ref> = HashMap::new();
    let mut cse: HashMap<(String, Vec<Ref>, Vec<usize>, Dtype), usize> = HashMap::new();
    let mut depends: HashMap<u32, bool> = HashMap::new();
    // does a node depend on a placeholder? (post-order over the graph)
    fn dep(a: &Array, ids: &HashMap<u32, usize>, memo: &mut HashMap<u32, bool>) -> bool {
        if let Some(&d) = memo.get(&a.id()) {
            return d;
        }
        let d = ids.contains_key(&a.id()) || a.inputs().iter().any(|i| dep(i, ids, memo));
        memo.insert(a.id(), d);
        d
    }
    let mut stack: Vec<(Array, bool)> = outputs
        .iter()
        .rev()
        .map(|t| (t.array().clone(), false))
        .collect();
    while let Some((a, expanded)) = stack.pop() {
        let id = a.id();
        if done.contains_key(&id) {
            continue;
        }
        if let Some(&i) = input_ids.get(&id) {
            done.insert(id, Ref::Input(i));
            continue;
        }
        if !dep(&a, &input_ids, &mut depends) {
            tape.consts.push(Tensor::from_array(a));
            done.insert(id, Ref::Const(tape.consts.len() - 1));
            continue;
        }
        let ins = a.inputs();
        if !expanded {
            stack.push((a.clone(), true));
            for i in ins.into_iter().rev() {
                if !done.contains_key(&i.id()) {
                    stack.push((i, false));
                }
            }
            continue;
        }
        let refs: Vec<Ref> = ins.iter().map(|i| done[&i.id()].clone()).collect();
        let prim = a.primitive();
        tape.traced_nodes += 1;
        let key = (
            format!("{prim:?}"),
            refs.clone(),
            a.shape().to_vec(),
            a.dtype(),
        );
        let r = match cse.get(&key) {
            Some(&k) => k,
            None => {
                tape.nodes.push(TapeNode {
                    prim,
                    inputs: refs,
                    shape: a.shape().to_vec(),
                    dtype: a.dtype(),
                });
                let k = tape.nodes.len() - 1;
                cse.insert(key, k);
                k
            }
        };
        done.insert(id, Ref::Node(r));
    }
    tape.outputs = outputs
        .iter()
        .map(|t| done[&t.array().id()].clone())
        .collect();
    Ok(tape)
}

fn replay(tape: &Tape, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
    let mut built: Vec<Tensor> = Vec::with_capacity(tape.nodes.len());
    let get = |r: &Ref, built: &[Tensor]| -> Tensor {
        match r {
            Ref::Input(i) => inputs[*i].clone(),
            Ref::Node(k) => built[*k].clone(),
            Ref::Const(c) => tape.consts[*c].clone(),
        }
    };
    for n in &tape.nodes {
        let ins: Vec<Tensor> = n.inputs.iter().map(|r| get(r, &built)).collect();
        let arrays: Vec<&Array> = ins.iter().map(|t| t.array()).collect();
        let a = Array::from_op(
            "compiled",
            n.prim.clone(),
            &arrays,
            n.shape.clone(),
            n.dtype,
        )?;
        built.push(Tensor::from_array(a));
    }
    Ok(tape.outputs.iter().map(|r| get(r, &built)).collect())
}
