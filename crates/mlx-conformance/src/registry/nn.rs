//! Neural-network ops: `softmax`, `log_softmax`, ...

use super::{one, OpFn};

/// The ops of this family, by MLX name.
pub(super) const OPS: &[(&str, OpFn)] = &[
    ("softmax", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.axes(1, "axis")?;
        let precise = a.bool_or(2, "precise", false)?;
        one(x.softmax(axes, precise))
    }),
    ("log_softmax", |a| {
        let x = a.tensor(0, "a")?;
        let axes = a.axes(1, "axis")?;
        one(x.log_softmax(axes))
    }),
];
