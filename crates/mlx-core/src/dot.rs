//! Graphviz export of the graph behind some arrays (MLX's `export_to_dot`).

use crate::graph::NodeId;
use crate::{Array, Primitive};
use std::collections::HashSet;
use std::fmt::Write;

/// The DOT text of every node the arrays reach: one box per node (id,
/// primitive, shape, dtype; evaluated nodes are filled), one edge per input.
///
/// ```
/// use mlx_core::{export_to_dot, Array};
/// let a = Array::scalar(1.0f32);
/// let dot = export_to_dot(&[&a]);
/// assert!(dot.starts_with("digraph"));
/// assert!(dot.contains("Constant"));
/// ```
pub fn export_to_dot(outputs: &[&Array]) -> String {
    let mut out =
        String::from("digraph mlx {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
    let Some(first) = outputs.first() else {
        out.push_str("}\n");
        return out;
    };
    let g = first.context().graph.lock();
    let mut seen: HashSet<NodeId> = HashSet::new();
    let mut stack: Vec<NodeId> = outputs.iter().map(|a| a.id()).collect();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let n = g.node(id);
        let label = match &n.prim {
            Primitive::Constant => "Constant".to_string(),
            p => p.name(),
        };
        let style = if n.value.is_some() {
            ", style=filled, fillcolor=\"#dde8f7\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  n{id} [label=\"{id}: {label}\\n{:?} {}\"{style}];",
            n.shape, n.dtype
        );
        for &i in &n.inputs {
            let _ = writeln!(out, "  n{i} -> n{id};");
            stack.push(i);
        }
    }
    out.push_str("}\n");
    out
}
