//! The graph arena: immutable nodes addressed by `u32` ids, reference counted
//! by handles and by the nodes that use them, freed (slot and buffer) as soon
//! as nothing refers to them.

use crate::{ArrayData, Device, Dtype, Primitive};
use parking_lot::Mutex;
use smallvec::SmallVec;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// Node id inside one [`Context`].
pub type NodeId = u32;

pub(crate) struct Node {
    pub prim: Primitive,
    pub inputs: SmallVec<[NodeId; 2]>,
    pub shape: Arc<[usize]>,
    pub dtype: Dtype,
    pub device: Device,
    /// Live [`crate::Array`] handles on this node.
    pub handles: u32,
    /// Live nodes that use this one as an input (counted per edge).
    pub users: u32,
    /// Evaluations in flight that need the node to stay.
    pub pins: u32,
    /// The materialised value, once evaluated.
    pub value: Option<ArrayData>,
    /// Scratch for the scheduler: the epoch that last visited the node and
    /// its index in that plan.
    pub mark: u32,
    pub slot: u32,
    /// Built inside a fusion scope.
    pub fusible: bool,
}

impl Node {
    fn refs(&self) -> u32 {
        self.handles + self.users + self.pins
    }
}

/// Key of an interned 0-d constant: dtype and the value's bytes.
pub(crate) type ScalarKey = (Dtype, [u8; 8]);

/// How many 0-d constants a graph interns (most recently created first).
const INTERNED_SCALARS: usize = 8;

#[derive(Default)]
pub(crate) struct Graph {
    pub nodes: Vec<Option<Node>>,
    free: Vec<NodeId>,
    pub epoch: u32,
    live: usize,
    /// Live 0-d constants by value, so that `x + 1.0` in a loop reuses one
    /// node instead of allocating a node and a buffer per scalar. Entries
    /// leave when their node is freed; they never keep a node alive.
    scalars: SmallVec<[(ScalarKey, NodeId); INTERNED_SCALARS]>,
}

impl Graph {
    pub fn insert(&mut self, node: Node) -> NodeId {
        for &i in &node.inputs {
            if let Some(n) = self.nodes[i as usize].as_mut() {
                n.users += 1;
            }
        }
        self.live += 1;
        if let Some(id) = self.free.pop() {
            self.nodes[id as usize] = Some(node);
            id
        } else {
            self.nodes.push(Some(node));
            (self.nodes.len() - 1) as NodeId
        }
    }

    /// The live interned constant with this key, if any.
    pub fn interned_scalar(&self, key: &ScalarKey) -> Option<NodeId> {
        self.scalars
            .iter()
            .find(|(k, _)| k == key)
            .map(|&(_, id)| id)
    }

    /// Records `id` as the constant for `key`, evicting the oldest entry
    /// when the table is full.
    pub fn intern_scalar(&mut self, key: ScalarKey, id: NodeId) {
        if self.scalars.len() == INTERNED_SCALARS {
            self.scalars.remove(0);
        }
        self.scalars.push((key, id));
    }

    pub fn node(&self, id: NodeId) -> &Node {
        self.nodes[id as usize]
            .as_ref()
            .expect("graph invariant: a referenced node is live")
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        self.nodes[id as usize]
            .as_mut()
            .expect("graph invariant: a referenced node is live")
    }

    /// Frees `id` if nothing refers to it, and then every input that this
    /// leaves unreferenced. Values of freed nodes go to `garbage`, to be
    /// dropped after the lock is released.
    pub fn maybe_free(&mut self, id: NodeId, garbage: &mut Vec<ArrayData>) {
        let mut stack: SmallVec<[NodeId; 16]> = SmallVec::new();
        stack.push(id);
        while let Some(id) = stack.pop() {
            let Some(n) = self.nodes[id as usize].as_ref() else {
                continue;
            };
            if n.refs() > 0 {
                continue;
            }
            let n = self.nodes[id as usize].take().expect("checked above");
            if n.shape.is_empty() && n.inputs.is_empty() && !self.scalars.is_empty() {
                self.scalars.retain(|(_, s)| *s != id);
            }
            self.free.push(id);
            self.live -= 1;
            if let Some(v) = n.value {
                garbage.push(v);
            }
            for &i in &n.inputs {
                let inp = self.node_mut(i);
                inp.users -= 1;
                if inp.refs() == 0 {
                    stack.push(i);
                }
            }
        }
    }

    /// Drops a node's edges to its inputs (MLX's detach after evaluation).
    pub fn detach(&mut self, id: NodeId, garbage: &mut Vec<ArrayData>) {
        let inputs = std::mem::take(&mut self.node_mut(id).inputs);
        for i in inputs {
            self.node_mut(i).users -= 1;
            self.maybe_free(i, garbage);
        }
    }
}

/// Counters of one context, for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Nodes currently alive in the arena.
    pub live_nodes: usize,
    /// Slots allocated in the arena (live or free).
    pub capacity: usize,
    /// Backend kernels run since the context was made (views excluded).
    pub kernels_dispatched: u64,
    /// Calls to `eval` that had work to do.
    pub evaluations: u64,
}

/// A graph arena. Every [`crate::Array`] points into one context; ops combine
/// arrays of one context only. Most programs use [`Context::global`]; a test
/// can make its own and [`Context::enter`] it to count what it alone does.
///
/// ```
/// use mlx_core::Context;
/// let ctx = Context::new();
/// assert_eq!(ctx.stats().live_nodes, 0);
/// ```
pub struct Context {
    pub(crate) graph: Mutex<Graph>,
    pub(crate) dispatched: AtomicU64,
    pub(crate) evaluations: AtomicU64,
}

thread_local! {
    static CURRENT: RefCell<Vec<Arc<Context>>> = const { RefCell::new(Vec::new()) };
}

impl Context {
    /// A new, empty context.
    pub fn new() -> Arc<Context> {
        Arc::new(Context {
            graph: Mutex::new(Graph::default()),
            dispatched: AtomicU64::new(0),
            evaluations: AtomicU64::new(0),
        })
    }

    /// The process-wide default context.
    pub fn global() -> Arc<Context> {
        static G: OnceLock<Arc<Context>> = OnceLock::new();
        G.get_or_init(Context::new).clone()
    }

    /// The context new source arrays (constants, `zeros`, ...) of this
    /// thread go into: the innermost [`Context::enter`]ed one, else the
    /// global one.
    pub fn current() -> Arc<Context> {
        CURRENT
            .with(|c| c.borrow().last().cloned())
            .unwrap_or_else(Context::global)
    }

    /// Makes this context current for this thread until the guard drops.
    pub fn enter(self: &Arc<Self>) -> ContextGuard {
        CURRENT.with(|c| c.borrow_mut().push(self.clone()));
        ContextGuard { _private: () }
    }

    /// Current counters.
    pub fn stats(&self) -> Stats {
        let g = self.graph.lock();
        Stats {
            live_nodes: g.live,
            capacity: g.nodes.len(),
            kernels_dispatched: self.dispatched.load(Ordering::Relaxed),
            evaluations: self.evaluations.load(Ordering::Relaxed),
        }
    }
}

/// Restores the previous current context when dropped.
#[must_use = "the context is current only while the guard lives"]
pub struct ContextGuard {
    _private: (),
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.borrow_mut().pop());
    }
}
