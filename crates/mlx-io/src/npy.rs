//! numpy's `.npy` format (`mx.save`, `mx.load` of `.npy` files).
//!
//! A magic string, a version, a header length and a Python dict literal
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, then the
//! data. Reading accepts versions 1 to 3, either byte order and Fortran
//! order; writing produces little-endian, C-order, version 1 files (version 2
//! when the header needs it), `bfloat16` as `<V2` like MLX.

use crate::bytes::{addressable, checked_numel, tensor_bytes, tensor_from_bytes, OwnedBytes};
use crate::error::{Ctx, IoError, Result};
use mlx_core::{Dtype, ExternalBytes};
use mlx_ops::Tensor;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

const FORMAT: &str = "npy";
const MAGIC: &[u8] = b"\x93NUMPY";

/// The numpy type string MLX writes for a dtype (little-endian).
///
/// ```
/// use mlx_core::Dtype;
/// assert_eq!(mlx_io::npy_descr(Dtype::Float16), "<f2");
/// assert_eq!(mlx_io::npy_descr(Dtype::Bool), "|b1");
/// ```
pub fn npy_descr(dtype: Dtype) -> &'static str {
    match dtype {
        Dtype::Bool => "|b1",
        Dtype::Uint8 => "|u1",
        Dtype::Uint16 => "<u2",
        Dtype::Uint32 => "<u4",
        Dtype::Uint64 => "<u8",
        Dtype::Int8 => "|i1",
        Dtype::Int16 => "<i2",
        Dtype::Int32 => "<i4",
        Dtype::Int64 => "<i8",
        Dtype::Float16 => "<f2",
        Dtype::Bfloat16 => "<V2",
        Dtype::Float32 => "<f4",
        Dtype::Float64 => "<f8",
        Dtype::Complex64 => "<c8",
    }
}

/// Parses a type string into the dtype and whether it is big-endian.
fn parse_descr(descr: &str) -> Option<(Dtype, bool)> {
    let mut chars = descr.chars();
    let (order, rest) = match chars.next()? {
        c @ ('<' | '>' | '|' | '=') => (c, chars.as_str()),
        _ => ('=', descr),
    };
    let dtype = match rest {
        "b1" | "?" => Dtype::Bool,
        "u1" | "B" => Dtype::Uint8,
        "u2" => Dtype::Uint16,
        "u4" => Dtype::Uint32,
        "u8" => Dtype::Uint64,
        "i1" | "b" => Dtype::Int8,
        "i2" => Dtype::Int16,
        "i4" => Dtype::Int32,
        "i8" => Dtype::Int64,
        "f2" | "e" => Dtype::Float16,
        "V2" => Dtype::Bfloat16,
        "f4" | "f" => Dtype::Float32,
        "f8" | "d" => Dtype::Float64,
        "c8" | "F" => Dtype::Complex64,
        _ => return None,
    };
    let big = match order {
        '>' => true,
        '=' => cfg!(target_endian = "big"),
        _ => false,
    };
    Some((dtype, big))
}

/// Loads an `.npy` file (memory-mapped; aligned little-endian data is not
/// copied).
///
/// ```
/// use mlx_ops::Tensor;
/// let dir = tempfile::tempdir().unwrap();
/// let x = Tensor::from_slice(&[1i32, 2, 3, 4], &[2, 2])?;
/// mlx_io::save_npy(dir.path().join("x.npy"), &x)?;
/// let y = mlx_io::load_npy(dir.path().join("x.npy"))?;
/// assert_eq!(y.shape(), &[2, 2]);
/// assert_eq!(y.to_vec::<i32>()?, vec![1, 2, 3, 4]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_npy(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let ctx = Ctx::new("load_npy", path.display().to_string());
    let map = mlx_cpu::mmap::MappedFile::shared(path).map_err(|e| ctx.file_err(e))?;
    parse(&ctx, "array", &map)
}

/// Parses `.npy` bytes held in memory.
///
/// ```
/// assert!(mlx_io::read_npy(b"\x93NUMPY\x01\x00".to_vec()).is_err());
/// ```
pub fn read_npy(bytes: Vec<u8>) -> Result<Tensor> {
    let ctx = Ctx::new("read_npy", "<memory>");
    let owner: Arc<dyn ExternalBytes> = Arc::new(OwnedBytes::new(bytes));
    parse(&ctx, "array", &owner)
}

pub(crate) fn parse(ctx: &Ctx, key: &str, owner: &Arc<dyn ExternalBytes>) -> Result<Tensor> {
    let all = owner.bytes();
    let bad = |msg: String| ctx.format(FORMAT, format!("array {key:?}: {msg}"));
    if all.len() < 10 || &all[..6] != MAGIC {
        return Err(bad("missing the \\x93NUMPY magic string".into()));
    }
    let (len, start) = match all[6] {
        1 => (u16::from_le_bytes([all[8], all[9]]) as usize, 10usize),
        2 | 3 if all.len() >= 12 => (
            u32::from_le_bytes(all[8..12].try_into().expect("4 bytes")) as usize,
            12,
        ),
        v => return Err(bad(format!("unsupported version {v}.{}", all[7]))),
    };
    let end = start
        .checked_add(len)
        .filter(|&e| e <= all.len())
        .ok_or_else(|| bad(format!("header of {len} bytes runs past the end")))?;
    let text =
        std::str::from_utf8(&all[start..end]).map_err(|_| bad("header is not text".into()))?;
    let header = parse_header(text).map_err(|m| bad(format!("header {text:?}: {m}")))?;
    let (dtype, big) = parse_descr(&header.descr).ok_or_else(|| ctx.dtype(key, &header.descr))?;
    if !addressable(&header.shape) {
        return Err(bad(format!("shape {:?} is too large", header.shape)));
    }
    let expected = checked_numel(&header.shape).and_then(|n| n.checked_mul(dtype.size_of()));
    let actual = all.len() - end;
    match expected {
        Some(n) if n <= actual => {}
        _ => {
            return Err(IoError::Shape {
                op: ctx.op,
                file: ctx.file.clone(),
                key: key.to_string(),
                shape: header.shape.into(),
                dtype: header.descr.into(),
                expected: expected.map_or(u64::MAX, |n| n as u64),
                actual: actual as u64,
            })
        }
    }
    if !header.fortran_order || header.shape.len() < 2 {
        return tensor_from_bytes(ctx, key, dtype, &header.shape, owner, end, big);
    }
    // Fortran order: the data is the row-major array of the reversed shape;
    // transposing it gives the array.
    let reversed: Vec<usize> = header.shape.iter().rev().copied().collect();
    let t = tensor_from_bytes(ctx, key, dtype, &reversed, owner, end, big)?;
    t.transpose(&[]).map_err(|e| ctx.tensor(key, e))
}

struct Header {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

/// A value of the Python literal subset npy headers use.
#[derive(Debug)]
enum Lit {
    Str(String),
    Bool(bool),
    Int(usize),
    Tuple(Vec<Lit>),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at byte {}", c as char, self.i))
        }
    }
    fn value(&mut self) -> Result<Lit, String> {
        match self.peek() {
            Some(q @ (b'\'' | b'"')) => {
                self.i += 1;
                let from = self.i;
                while self.i < self.s.len() && self.s[self.i] != q {
                    self.i += 1;
                }
                let v = String::from_utf8_lossy(&self.s[from..self.i]).into_owned();
                self.eat(q)?;
                Ok(Lit::Str(v))
            }
            Some(b'(') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    if self.peek() == Some(b')') {
                        self.i += 1;
                        break;
                    }
                    items.push(self.value()?);
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b')') => {}
                        _ => return Err(format!("expected ',' or ')' at byte {}", self.i)),
                    }
                }
                Ok(Lit::Tuple(items))
            }
            Some(c) if c.is_ascii_digit() => {
                let from = self.i;
                while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                    self.i += 1;
                }
                // Python 2 era files may write sizes as `3L`.
                let digits = std::str::from_utf8(&self.s[from..self.i]).expect("ascii digits");
                if self.s.get(self.i) == Some(&b'L') {
                    self.i += 1;
                }
                digits
                    .parse()
                    .map(Lit::Int)
                    .map_err(|_| format!("size {digits} is too large"))
            }
            Some(_) if self.s[self.i..].starts_with(b"True") => {
                self.i += 4;
                Ok(Lit::Bool(true))
            }
            Some(_) if self.s[self.i..].starts_with(b"False") => {
                self.i += 5;
                Ok(Lit::Bool(false))
            }
            _ => Err(format!("unexpected input at byte {}", self.i)),
        }
    }
}

fn parse_header(text: &str) -> Result<Header, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    p.eat(b'{')?;
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    loop {
        if p.peek() == Some(b'}') {
            break;
        }
        let Lit::Str(k) = p.value()? else {
            return Err("a key is not a string".into());
        };
        p.eat(b':')?;
        match (k.as_str(), p.value()?) {
            ("descr", Lit::Str(s)) => descr = Some(s),
            ("fortran_order", Lit::Bool(b)) => fortran = Some(b),
            ("shape", Lit::Tuple(items)) => {
                shape = Some(
                    items
                        .into_iter()
                        .map(|v| match v {
                            Lit::Int(d) => Ok(d),
                            _ => Err("shape holds a value that is not a size".to_string()),
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
            (k, v) => return Err(format!("unexpected entry {k:?}: {v:?}")),
        }
        match p.peek() {
            Some(b',') => p.i += 1,
            Some(b'}') => {}
            _ => return Err(format!("expected ',' or '}}' at byte {}", p.i)),
        }
    }
    match (descr, fortran, shape) {
        (Some(descr), Some(fortran_order), Some(shape)) => Ok(Header {
            descr,
            fortran_order,
            shape,
        }),
        _ => Err("needs 'descr', 'fortran_order' and 'shape'".into()),
    }
}

/// Serialises one tensor to `.npy` bytes (C order, little-endian).
///
/// ```
/// use mlx_ops::Tensor;
/// let b = mlx_io::npy_bytes(&Tensor::from_slice(&[1.0f32], &[1])?)?;
/// assert!(b.starts_with(b"\x93NUMPY"));
/// assert_eq!(b.len() % 64, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn npy_bytes(t: &Tensor) -> Result<Vec<u8>> {
    let ctx = Ctx::new("save_npy", "<memory>");
    let mut out = Vec::new();
    write(&ctx, "array", &mut out, t)?;
    Ok(out)
}

/// Saves one tensor as `.npy` (`mx.save`); appends `.npy` to a path without
/// that extension, as MLX does.
///
/// ```
/// use mlx_ops::Tensor;
/// let dir = tempfile::tempdir().unwrap();
/// mlx_io::save_npy(dir.path().join("h"), &Tensor::from_slice(&[0.5f64], &[])?)?;
/// assert_eq!(mlx_io::load_npy(dir.path().join("h.npy"))?.item::<f64>()?, 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save_npy(path: impl AsRef<Path>, t: &Tensor) -> Result<()> {
    let path = crate::with_extension(path.as_ref(), "npy");
    let ctx = Ctx::new("save_npy", path.display().to_string());
    let file = std::fs::File::create(&path).map_err(|e| ctx.file_err(e))?;
    let mut w = std::io::BufWriter::new(file);
    write(&ctx, "array", &mut w, t)?;
    w.flush().map_err(|e| ctx.file_err(e))
}

pub(crate) fn write(ctx: &Ctx, key: &str, w: &mut dyn Write, t: &Tensor) -> Result<()> {
    let shape = match t.shape() {
        [d] => format!("({d},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        npy_descr(t.dtype())
    )
    .into_bytes();
    let v1 = header.len() + 11 <= u16::MAX as usize;
    let prefix = if v1 { 10 } else { 12 };
    while (prefix + header.len() + 1) % 64 != 0 {
        header.push(b' ');
    }
    header.push(b'\n');
    let io = |e| ctx.file_err(e);
    w.write_all(MAGIC).map_err(io)?;
    if v1 {
        w.write_all(&[1, 0]).map_err(io)?;
        w.write_all(&(header.len() as u16).to_le_bytes())
            .map_err(io)?;
    } else {
        w.write_all(&[2, 0]).map_err(io)?;
        w.write_all(&(header.len() as u32).to_le_bytes())
            .map_err(io)?;
    }
    w.write_all(&header).map_err(io)?;
    let mut keep = None;
    let bytes = tensor_bytes(ctx, key, t, &mut keep)?;
    w.write_all(&bytes).map_err(io)
}
