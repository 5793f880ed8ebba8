//! Printing tensors the way MLX prints arrays.

use crate::Tensor;
use mlx_core::{dispatch_dtype, Dtype};
use std::fmt;

impl fmt::Display for Tensor {
    /// Evaluates and prints, e.g. `array([[1, 2], [3, 4]], dtype=int32)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items = match self.formatted_items() {
            Ok(v) => v,
            Err(e) => return write!(f, "array(<error: {e}>)"),
        };
        write!(f, "array(")?;
        let mut pos = 0;
        write_nested(f, self.shape(), &items, &mut pos)?;
        write!(f, ", dtype={})", self.dtype())
    }
}

impl Tensor {
    fn formatted_items(&self) -> mlx_core::Result<Vec<String>> {
        let data = self.data()?;
        let host = mlx_core::host_buffer(&data.buffer)?;
        let host = host
            .as_host()
            .ok_or_else(|| mlx_core::Error::invalid("display", "no host copy"))?;
        Ok(dispatch_dtype!(self.dtype(), T => {
            mlx_core::gather(host.as_slice::<T>()?, &data.layout)
                .into_iter()
                .map(|x| format_item(self.dtype(), &x))
                .collect()
        }))
    }
}

fn format_item<T: fmt::Debug>(dtype: Dtype, x: &T) -> String {
    let s = format!("{x:?}");
    match dtype {
        Dtype::Bool => {
            if s.contains('1') {
                "True".into()
            } else {
                "False".into()
            }
        }
        d if d.is_floating() => {
            let s = s.trim_end_matches(".0").to_string();
            if s == "-0" {
                "-0".into()
            } else {
                s
            }
        }
        _ => s,
    }
}

fn write_nested(
    f: &mut fmt::Formatter<'_>,
    shape: &[usize],
    items: &[String],
    pos: &mut usize,
) -> fmt::Result {
    match shape.split_first() {
        None => {
            let r = write!(f, "{}", items[*pos]);
            *pos += 1;
            r
        }
        Some((&n, rest)) => {
            write!(f, "[")?;
            for i in 0..n {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write_nested(f, rest, items, pos)?;
            }
            write!(f, "]")
        }
    }
}
