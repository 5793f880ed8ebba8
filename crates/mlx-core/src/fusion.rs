//! Elementwise fusion: chains and trees of elementwise nodes become one
//! [`Primitive::Fused`] node holding a small expression program, which a
//! backend runs in a single pass over memory (the CPU backend interprets it
//! on cache-sized chunks; a GPU backend can generate one kernel from it).
//!
//! Fusion applies to nodes built inside [`fusion_scope`] (as `compile` does)
//! on devices whose backend says it [fuses](crate::backend::Backend::fuses).

use crate::{Dtype, Primitive};
use smallvec::SmallVec;
use std::cell::Cell;

/// One instruction of a fused program; its result is the register with the
/// instruction's index.
#[derive(Clone, Debug, PartialEq)]
pub enum FusedOp {
    /// Loads input `i` of the fused node.
    Input(u32),
    /// Applies an elementwise primitive (`Unary`, `Binary`, `Select` or
    /// `AsType`) to earlier registers.
    Apply {
        /// The primitive.
        prim: Primitive,
        /// Argument registers.
        args: SmallVec<[u32; 3]>,
        /// Result dtype.
        dtype: Dtype,
    },
}

/// A fused elementwise program; the last instruction is the output.
///
/// ```
/// use mlx_core::{fusion::{FusedExpr, FusedOp}, Dtype, Primitive, UnaryOp};
/// let e = FusedExpr { ops: vec![
///     FusedOp::Input(0),
///     FusedOp::Apply { prim: Primitive::Unary(UnaryOp::Exp), args: [0].into_iter().collect(), dtype: Dtype::Float32 },
/// ]};
/// assert_eq!(e.num_inputs(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FusedExpr {
    /// The instructions, in dependency order.
    pub ops: Vec<FusedOp>,
}

impl FusedExpr {
    /// Number of distinct inputs the program loads.
    pub fn num_inputs(&self) -> usize {
        self.ops
            .iter()
            .filter_map(|o| match o {
                FusedOp::Input(i) => Some(*i as usize + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }
}

thread_local! {
    static FUSE: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with fusion enabled for the nodes it builds on this thread.
///
/// ```
/// let v = mlx_core::fusion::fusion_scope(|| mlx_core::fusion::fusion_enabled());
/// assert!(v);
/// assert!(!mlx_core::fusion::fusion_enabled());
/// ```
pub fn fusion_scope<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            FUSE.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(FUSE.with(|c| c.replace(true)));
    f()
}

/// True inside [`fusion_scope`].
pub fn fusion_enabled() -> bool {
    FUSE.with(|c| c.get())
}
