//! Host copies of tensors, their safetensors files, and element values for
//! comparison.

use crate::{Error, Result};
use mlx_core::{dispatch_dtype, Dtype};
use mlx_ops::Tensor;
use safetensors::tensor::{Dtype as StDtype, TensorView};
use std::collections::BTreeMap;
use std::path::Path;

/// A tensor's dtype, shape and row-major little-endian bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct HostData {
    /// Element type.
    pub dtype: Dtype,
    /// Shape.
    pub shape: Vec<usize>,
    /// Row-major elements, native little-endian encoding (complex64 as
    /// interleaved `f32` real/imaginary pairs, bool as one byte).
    pub bytes: Vec<u8>,
}

/// Element values widened for comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Booleans.
    Bool(Vec<bool>),
    /// Integers of any width (uint64 fits in `i128`).
    Int(Vec<i128>),
    /// Real floats, widened exactly to `f64`.
    Float(Vec<f64>),
    /// Complex numbers as `(re, im)`, widened exactly to `f64`.
    Complex(Vec<(f64, f64)>),
}

impl HostData {
    /// Evaluates `t` and copies it to the host.
    pub fn from_tensor(t: &Tensor) -> Result<HostData> {
        let bytes = dispatch_dtype!(t.dtype(), T => {
            let v: Vec<T> = t.to_vec::<T>()?;
            bytemuck::cast_slice::<T, u8>(&v).to_vec()
        });
        Ok(HostData {
            dtype: t.dtype(),
            shape: t.shape().to_vec(),
            bytes,
        })
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// Checks that the byte length matches dtype and shape.
    pub fn validate(&self, key: &str) -> Result<()> {
        let want = self.numel() * self.dtype.size_of();
        if self.bytes.len() != want {
            return Err(Error::BadInput {
                key: key.into(),
                msg: format!(
                    "{} bytes for {} {:?} ({want} expected)",
                    self.bytes.len(),
                    self.dtype,
                    self.shape
                ),
            });
        }
        Ok(())
    }

    /// A new (constant) tensor holding these elements.
    pub fn to_tensor(&self, key: &str) -> Result<Tensor> {
        self.validate(key)?;
        let t = dispatch_dtype!(self.dtype, T => {
            let v: Vec<T> = bytemuck::pod_collect_to_vec::<u8, T>(&self.bytes);
            Tensor::from_slice(&v, &self.shape)?
        });
        Ok(t)
    }

    /// The elements, widened.
    pub fn values(&self) -> Values {
        use half::{bf16, f16};
        fn typed<T: bytemuck::Pod>(b: &[u8]) -> Vec<T> {
            bytemuck::pod_collect_to_vec(b)
        }
        let b = &self.bytes;
        match self.dtype {
            Dtype::Bool => Values::Bool(b.iter().map(|&x| x != 0).collect()),
            Dtype::Uint8 => Values::Int(b.iter().map(|&x| x as i128).collect()),
            Dtype::Int8 => Values::Int(typed::<i8>(b).into_iter().map(i128::from).collect()),
            Dtype::Uint16 => Values::Int(typed::<u16>(b).into_iter().map(i128::from).collect()),
            Dtype::Int16 => Values::Int(typed::<i16>(b).into_iter().map(i128::from).collect()),
            Dtype::Uint32 => Values::Int(typed::<u32>(b).into_iter().map(i128::from).collect()),
            Dtype::Int32 => Values::Int(typed::<i32>(b).into_iter().map(i128::from).collect()),
            Dtype::Uint64 => Values::Int(typed::<u64>(b).into_iter().map(i128::from).collect()),
            Dtype::Int64 => Values::Int(typed::<i64>(b).into_iter().map(i128::from).collect()),
            Dtype::Float16 => Values::Float(typed::<f16>(b).into_iter().map(f64::from).collect()),
            Dtype::Bfloat16 => Values::Float(typed::<bf16>(b).into_iter().map(f64::from).collect()),
            Dtype::Float32 => Values::Float(typed::<f32>(b).into_iter().map(f64::from).collect()),
            Dtype::Float64 => Values::Float(typed::<f64>(b)),
            Dtype::Complex64 => Values::Complex(
                typed::<f32>(b)
                    .chunks_exact(2)
                    .map(|c| (f64::from(c[0]), f64::from(c[1])))
                    .collect(),
            ),
        }
    }

    /// Up to `n` leading elements, formatted for a report.
    pub fn preview(&self, n: usize) -> String {
        fn list<T: std::fmt::Display>(v: &[T], total: usize) -> String {
            let s: Vec<String> = v.iter().map(|x| x.to_string()).collect();
            let more = if total > v.len() {
                format!(", ... ({total} elements)")
            } else {
                String::new()
            };
            format!("[{}{more}]", s.join(", "))
        }
        let total = self.numel();
        match self.values() {
            Values::Bool(v) => list(&v[..n.min(v.len())], total),
            Values::Int(v) => list(&v[..n.min(v.len())], total),
            Values::Float(v) => list(&v[..n.min(v.len())], total),
            Values::Complex(v) => {
                let c: Vec<String> = v[..n.min(v.len())]
                    .iter()
                    .map(|(r, i)| format!("{r}{i:+}j"))
                    .collect();
                list(&c, total)
            }
        }
    }
}

/// The safetensors code of a dtype.
pub fn st_dtype(d: Dtype) -> StDtype {
    match d {
        Dtype::Bool => StDtype::BOOL,
        Dtype::Uint8 => StDtype::U8,
        Dtype::Uint16 => StDtype::U16,
        Dtype::Uint32 => StDtype::U32,
        Dtype::Uint64 => StDtype::U64,
        Dtype::Int8 => StDtype::I8,
        Dtype::Int16 => StDtype::I16,
        Dtype::Int32 => StDtype::I32,
        Dtype::Int64 => StDtype::I64,
        Dtype::Float16 => StDtype::F16,
        Dtype::Bfloat16 => StDtype::BF16,
        Dtype::Float32 => StDtype::F32,
        Dtype::Float64 => StDtype::F64,
        Dtype::Complex64 => StDtype::C64,
    }
}

/// The dtype of a safetensors code, when MLX has one.
pub fn from_st_dtype(d: StDtype) -> Option<Dtype> {
    Some(match d {
        StDtype::BOOL => Dtype::Bool,
        StDtype::U8 => Dtype::Uint8,
        StDtype::U16 => Dtype::Uint16,
        StDtype::U32 => Dtype::Uint32,
        StDtype::U64 => Dtype::Uint64,
        StDtype::I8 => Dtype::Int8,
        StDtype::I16 => Dtype::Int16,
        StDtype::I32 => Dtype::Int32,
        StDtype::I64 => Dtype::Int64,
        StDtype::F16 => Dtype::Float16,
        StDtype::BF16 => Dtype::Bfloat16,
        StDtype::F32 => Dtype::Float32,
        StDtype::F64 => Dtype::Float64,
        StDtype::C64 => Dtype::Complex64,
        _ => return None,
    })
}

/// Reads every tensor of a safetensors file.
pub fn read_safetensors(path: &Path) -> Result<BTreeMap<String, HostData>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bad = |msg: String| Error::Safetensors {
        path: path.to_path_buf(),
        msg,
    };
    let st = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| bad(e.to_string()))?;
    let mut out = BTreeMap::new();
    for (name, view) in st.tensors() {
        let dtype = from_st_dtype(view.dtype())
            .ok_or_else(|| bad(format!("{name}: dtype {:?} has no MLX dtype", view.dtype())))?;
        let d = HostData {
            dtype,
            shape: view.shape().to_vec(),
            bytes: view.data().to_vec(),
        };
        d.validate(&name)?;
        out.insert(name, d);
    }
    Ok(out)
}

/// Writes tensors to a safetensors file.
pub fn write_safetensors(path: &Path, tensors: &BTreeMap<String, HostData>) -> Result<()> {
    let bad = |msg: String| Error::Safetensors {
        path: path.to_path_buf(),
        msg,
    };
    let mut views = Vec::with_capacity(tensors.len());
    for (k, d) in tensors {
        let v = TensorView::new(st_dtype(d.dtype), d.shape.clone(), &d.bytes)
            .map_err(|e| bad(format!("{k}: {e}")))?;
        views.push((k.clone(), v));
    }
    let bytes = safetensors::serialize(views, None).map_err(|e| bad(e.to_string()))?;
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}
