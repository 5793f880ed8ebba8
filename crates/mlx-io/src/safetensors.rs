//! The safetensors format (`mx.save_safetensors`, `mx.load` of
//! `.safetensors` files).
//!
//! Layout: an 8-byte little-endian header length, a JSON header mapping each
//! name to `{"dtype", "shape", "data_offsets"}` (plus an optional
//! `"__metadata__"` map of strings), then the raw little-endian data.

use crate::bytes::{addressable, checked_numel, tensor_bytes, tensor_from_bytes, OwnedBytes};
use crate::error::{Ctx, IoError, Result};
use mlx_core::{Dtype, ExternalBytes};
use mlx_ops::Tensor;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

const FORMAT: &str = "safetensors";
/// The largest header accepted (as the reference implementation).
const MAX_HEADER: u64 = 100 << 20;
const METADATA_KEY: &str = "__metadata__";

/// Named arrays, sorted by name.
pub type Arrays = BTreeMap<String, Tensor>;
/// String metadata, sorted by key.
pub type Metadata = BTreeMap<String, String>;

/// The safetensors spelling of a dtype (complex64 as MLX writes it, `C64`).
///
/// ```
/// use mlx_core::Dtype;
/// assert_eq!(mlx_io::safetensors_dtype_name(Dtype::Bfloat16), "BF16");
/// assert_eq!(mlx_io::safetensors_dtype_name(Dtype::Complex64), "C64");
/// ```
pub fn safetensors_dtype_name(dtype: Dtype) -> &'static str {
    match dtype {
        Dtype::Bool => "BOOL",
        Dtype::Uint8 => "U8",
        Dtype::Uint16 => "U16",
        Dtype::Uint32 => "U32",
        Dtype::Uint64 => "U64",
        Dtype::Int8 => "I8",
        Dtype::Int16 => "I16",
        Dtype::Int32 => "I32",
        Dtype::Int64 => "I64",
        Dtype::Float16 => "F16",
        Dtype::Bfloat16 => "BF16",
        Dtype::Float32 => "F32",
        Dtype::Float64 => "F64",
        Dtype::Complex64 => "C64",
    }
}

fn dtype_from_name(name: &str) -> Option<Dtype> {
    Dtype::ALL
        .into_iter()
        .find(|&d| safetensors_dtype_name(d) == name)
}

/// Loads every array of a safetensors file and its `__metadata__`
/// (`mx.load(file, return_metadata=True)`).
///
/// The file is memory-mapped and arrays whose data is aligned borrow the map
/// without copying; the file must not be modified while they are alive.
///
/// ```
/// use mlx_ops::Tensor;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("w.safetensors");
/// let mut arrays = mlx_io::Arrays::new();
/// arrays.insert("w".into(), Tensor::from_slice(&[1.0f32, 2.0], &[2])?);
/// let meta = mlx_io::Metadata::from([("format".to_string(), "mlx".to_string())]);
/// mlx_io::save_safetensors(&path, &arrays, Some(&meta))?;
/// let (back, m) = mlx_io::load_safetensors(&path)?;
/// assert_eq!(back["w"].to_vec::<f32>()?, vec![1.0, 2.0]);
/// assert_eq!(m["format"], "mlx");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_safetensors(path: impl AsRef<Path>) -> Result<(Arrays, Metadata)> {
    let path = path.as_ref();
    let ctx = Ctx::new("load_safetensors", path.display().to_string());
    let map = mlx_cpu::mmap::MappedFile::shared(path).map_err(|e| ctx.file_err(e))?;
    parse(&ctx, map)
}

/// Parses safetensors data held in memory (the arrays borrow it).
///
/// ```
/// let err = mlx_io::read_safetensors(vec![1, 2, 3]).unwrap_err();
/// assert!(err.to_string().contains("not valid safetensors"));
/// ```
pub fn read_safetensors(bytes: Vec<u8>) -> Result<(Arrays, Metadata)> {
    let ctx = Ctx::new("read_safetensors", "<memory>");
    parse(&ctx, Arc::new(OwnedBytes::new(bytes)))
}

fn parse(ctx: &Ctx, owner: Arc<dyn ExternalBytes>) -> Result<(Arrays, Metadata)> {
    let all = owner.bytes();
    let bad = |msg: String| ctx.format(FORMAT, msg);
    if all.len() < 8 {
        return Err(bad(format!(
            "{} bytes is too short for the header length",
            all.len()
        )));
    }
    let n = u64::from_le_bytes(all[..8].try_into().expect("8 bytes"));
    if n > MAX_HEADER || n > (all.len() - 8) as u64 {
        return Err(bad(format!(
            "header length {n} exceeds the file ({} bytes) or the limit",
            all.len()
        )));
    }
    let data_start = 8 + n as usize;
    let header: Value = serde_json::from_slice(&all[8..data_start])
        .map_err(|e| bad(format!("header is not JSON: {e}")))?;
    let Value::Object(header) = header else {
        return Err(bad("header is not a JSON object".into()));
    };
    let data_len = (all.len() - data_start) as u64;
    let mut arrays = Arrays::new();
    let mut metadata = Metadata::new();
    for (key, entry) in &header {
        if key == METADATA_KEY {
            metadata = parse_metadata(ctx, entry)?;
            continue;
        }
        let (dtype, shape, begin, end) = parse_entry(ctx, key, entry)?;
        let expected = checked_numel(&shape)
            .and_then(|n| n.checked_mul(dtype.size_of()))
            .map_or(u64::MAX, |b| b as u64);
        if end < begin || end > data_len || end - begin != expected {
            return Err(IoError::Shape {
                op: ctx.op,
                file: ctx.file.clone(),
                key: key.clone(),
                shape: shape.into(),
                dtype: safetensors_dtype_name(dtype).into(),
                expected,
                actual: if end >= begin && end <= data_len {
                    end - begin
                } else {
                    data_len.saturating_sub(begin)
                },
            });
        }
        let t = tensor_from_bytes(
            ctx,
            key,
            dtype,
            &shape,
            &owner,
            data_start + begin as usize,
            false,
        )?;
        arrays.insert(key.clone(), t);
    }
    Ok((arrays, metadata))
}

fn parse_metadata(ctx: &Ctx, v: &Value) -> Result<Metadata> {
    match v {
        Value::Null => Ok(Metadata::new()),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(ctx.format(FORMAT, format!("metadata value of {k:?} is not a string"))),
            })
            .collect(),
        _ => Err(ctx.format(FORMAT, "__metadata__ is not an object")),
    }
}

fn parse_entry(ctx: &Ctx, key: &str, v: &Value) -> Result<(Dtype, Vec<usize>, u64, u64)> {
    let bad = |what: &str| ctx.format(FORMAT, format!("array {key:?}: {what}"));
    let obj = v.as_object().ok_or_else(|| bad("entry is not an object"))?;
    let name = obj
        .get("dtype")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("missing string \"dtype\""))?;
    let dtype = dtype_from_name(name).ok_or_else(|| ctx.dtype(key, name))?;
    let shape = obj
        .get("shape")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("missing array \"shape\""))?
        .iter()
        .map(|d| d.as_u64().and_then(|d| usize::try_from(d).ok()))
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| bad("shape holds a value that is not a size"))?;
    if !addressable(&shape) {
        return Err(bad(&format!("shape {shape:?} is too large")));
    }
    let offsets = obj
        .get("data_offsets")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("missing array \"data_offsets\""))?;
    match offsets.as_slice() {
        [b, e] => match (b.as_u64(), e.as_u64()) {
            (Some(b), Some(e)) => Ok((dtype, shape, b, e)),
            _ => Err(bad("data_offsets are not sizes")),
        },
        _ => Err(bad("data_offsets does not hold two values")),
    }
}

/// Serialises arrays and optional metadata to safetensors bytes: names
/// sorted, data packed in name order, the header padded with spaces to a
/// multiple of 8 bytes so that the data starts aligned.
///
/// ```
/// use mlx_ops::Tensor;
/// let mut a = mlx_io::Arrays::new();
/// a.insert("x".into(), Tensor::from_slice(&[1u8, 2, 3], &[3])?);
/// let bytes = mlx_io::safetensors_bytes(&a, None)?;
/// let (back, _) = mlx_io::read_safetensors(bytes)?;
/// assert_eq!(back["x"].to_vec::<u8>()?, vec![1, 2, 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn safetensors_bytes(arrays: &Arrays, metadata: Option<&Metadata>) -> Result<Vec<u8>> {
    let ctx = Ctx::new("save_safetensors", "<memory>");
    let mut out = Vec::new();
    write(&ctx, &mut out, arrays, metadata)?;
    Ok(out)
}

/// Saves arrays and optional string metadata (`mx.save_safetensors`).
/// Appends `.safetensors` to a path without that extension, as MLX does.
///
/// ```
/// use mlx_ops::Tensor;
/// let dir = tempfile::tempdir().unwrap();
/// let mut a = mlx_io::Arrays::new();
/// a.insert("b".into(), Tensor::from_slice(&[true, false], &[2])?);
/// mlx_io::save_safetensors(dir.path().join("m"), &a, None)?;
/// let (back, meta) = mlx_io::load_safetensors(dir.path().join("m.safetensors"))?;
/// assert_eq!(back["b"].to_vec::<bool>()?, vec![true, false]);
/// assert!(meta.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save_safetensors(
    path: impl AsRef<Path>,
    arrays: &Arrays,
    metadata: Option<&Metadata>,
) -> Result<()> {
    let path = crate::with_extension(path.as_ref(), "safetensors");
    let ctx = Ctx::new("save_safetensors", path.display().to_string());
    let file = std::fs::File::create(&path).map_err(|e| ctx.file_err(e))?;
    let mut w = std::io::BufWriter::new(file);
    write(&ctx, &mut w, arrays, metadata)?;
    w.flush().map_err(|e| ctx.file_err(e))
}

fn write(ctx: &Ctx, w: &mut dyn Write, arrays: &Arrays, metadata: Option<&Metadata>) -> Result<()> {
    if arrays.contains_key(METADATA_KEY) {
        return Err(ctx.unsupported("the name \"__metadata__\" is reserved for metadata"));
    }
    let mut header = Map::new();
    if let Some(m) = metadata.filter(|m| !m.is_empty()) {
        let m: Map<String, Value> = m
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        header.insert(METADATA_KEY.into(), Value::Object(m));
    }
    let mut offset = 0usize;
    for (key, t) in arrays {
        let end = offset + t.nbytes();
        let mut e = Map::new();
        e.insert(
            "dtype".into(),
            Value::from(safetensors_dtype_name(t.dtype())),
        );
        e.insert("shape".into(), Value::from(t.shape().to_vec()));
        e.insert("data_offsets".into(), Value::from(vec![offset, end]));
        header.insert(key.clone(), Value::Object(e));
        offset = end;
    }
    let mut text = serde_json::to_vec(&Value::Object(header))
        .map_err(|e| ctx.unsupported(format!("header: {e}")))?;
    while (8 + text.len()) % 8 != 0 {
        text.push(b' ');
    }
    let io = |e| ctx.file_err(e);
    w.write_all(&(text.len() as u64).to_le_bytes())
        .map_err(io)?;
    w.write_all(&text).map_err(io)?;
    for (key, t) in arrays {
        let mut keep = None;
        let bytes = tensor_bytes(ctx, key, t, &mut keep)?;
        w.write_all(&bytes).map_err(io)?;
    }
    Ok(())
}
