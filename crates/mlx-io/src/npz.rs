//! numpy's `.npz` archives (`mx.savez`, `mx.savez_compressed`, `mx.load` of
//! `.npz` files): a zip of `.npy` members, one per named array.

use crate::bytes::OwnedBytes;
use crate::error::{Ctx, Result};
use crate::npy;
use crate::safetensors::Arrays;
use mlx_core::ExternalBytes;
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::sync::Arc;

const FORMAT: &str = "npz";

/// Loads every array of an `.npz` archive, keyed by member name without the
/// `.npy` suffix (positional arrays of `mx.savez` are `arr_0`, `arr_1`, ...).
///
/// ```
/// use mlx_ops::Tensor;
/// let dir = tempfile::tempdir().unwrap();
/// let mut a = mlx_io::Arrays::new();
/// a.insert("arr_0".into(), Tensor::from_slice(&[1.0f32, 2.0], &[2])?);
/// mlx_io::savez_compressed(dir.path().join("a.npz"), &a)?;
/// let back = mlx_io::load_npz(dir.path().join("a.npz"))?;
/// assert_eq!(back["arr_0"].to_vec::<f32>()?, vec![1.0, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_npz(path: impl AsRef<Path>) -> Result<Arrays> {
    let path = path.as_ref();
    let ctx = Ctx::new("load_npz", path.display().to_string());
    let file = std::fs::File::open(path).map_err(|e| ctx.file_err(e))?;
    parse(&ctx, std::io::BufReader::new(file))
}

/// Parses `.npz` bytes held in memory.
///
/// ```
/// assert!(mlx_io::read_npz(b"PK\x03\x04garbage".to_vec()).is_err());
/// ```
pub fn read_npz(bytes: Vec<u8>) -> Result<Arrays> {
    let ctx = Ctx::new("read_npz", "<memory>");
    parse(&ctx, std::io::Cursor::new(bytes))
}

fn parse<R: Read + Seek>(ctx: &Ctx, reader: R) -> Result<Arrays> {
    let bad = |e: zip::result::ZipError| ctx.format(FORMAT, e.to_string());
    let mut zip = zip::ZipArchive::new(reader).map_err(bad)?;
    let mut arrays = Arrays::new();
    for i in 0..zip.len() {
        let mut member = zip.by_index(i).map_err(bad)?;
        if member.is_dir() {
            continue;
        }
        let name = member.name().to_string();
        let key = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        let mut bytes = Vec::with_capacity(member.size().min(1 << 26) as usize);
        member
            .read_to_end(&mut bytes)
            .map_err(|e| ctx.format(FORMAT, format!("member {name:?}: {e}")))?;
        let owner: Arc<dyn ExternalBytes> = Arc::new(OwnedBytes::new(bytes));
        let t = npy::parse(ctx, &key, &owner)?;
        arrays.insert(key, t);
    }
    Ok(arrays)
}

/// Saves arrays to an uncompressed `.npz` archive (`mx.savez`); appends
/// `.npz` to a path without that extension.
///
/// ```
/// use mlx_ops::Tensor;
/// let dir = tempfile::tempdir().unwrap();
/// let mut a = mlx_io::Arrays::new();
/// a.insert("w".into(), Tensor::from_slice(&[7i64], &[1])?);
/// mlx_io::savez(dir.path().join("p"), &a)?;
/// assert_eq!(mlx_io::load_npz(dir.path().join("p.npz"))?["w"].to_vec::<i64>()?, vec![7]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn savez(path: impl AsRef<Path>, arrays: &Arrays) -> Result<()> {
    save(path.as_ref(), arrays, false, "savez")
}

/// Saves arrays to a deflate-compressed `.npz` archive
/// (`mx.savez_compressed`); appends `.npz` to a path without that extension.
///
/// ```
/// use mlx_ops::Tensor;
/// let dir = tempfile::tempdir().unwrap();
/// let mut a = mlx_io::Arrays::new();
/// a.insert("z".into(), Tensor::zeros(&[1000], mlx_core::Dtype::Float32)?);
/// mlx_io::savez_compressed(dir.path().join("z.npz"), &a)?;
/// assert!(std::fs::metadata(dir.path().join("z.npz"))?.len() < 1000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn savez_compressed(path: impl AsRef<Path>, arrays: &Arrays) -> Result<()> {
    save(path.as_ref(), arrays, true, "savez_compressed")
}

fn save(path: &Path, arrays: &Arrays, compressed: bool, op: &'static str) -> Result<()> {
    let path = crate::with_extension(path, "npz");
    let ctx = Ctx::new(op, path.display().to_string());
    let file = std::fs::File::create(&path).map_err(|e| ctx.file_err(e))?;
    write(&ctx, std::io::BufWriter::new(file), arrays, compressed)
}

/// Serialises arrays to `.npz` bytes.
///
/// ```
/// use mlx_ops::Tensor;
/// let mut a = mlx_io::Arrays::new();
/// a.insert("x".into(), Tensor::from_slice(&[1u16, 2], &[2])?);
/// let back = mlx_io::read_npz(mlx_io::npz_bytes(&a, false)?)?;
/// assert_eq!(back["x"].to_vec::<u16>()?, vec![1, 2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn npz_bytes(arrays: &Arrays, compressed: bool) -> Result<Vec<u8>> {
    let ctx = Ctx::new(
        if compressed {
            "savez_compressed"
        } else {
            "savez"
        },
        "<memory>",
    );
    let mut out = std::io::Cursor::new(Vec::new());
    write(&ctx, &mut out, arrays, compressed)?;
    Ok(out.into_inner())
}

fn write<W: Write + Seek>(ctx: &Ctx, w: W, arrays: &Arrays, compressed: bool) -> Result<()> {
    let bad = |e: zip::result::ZipError| ctx.format(FORMAT, e.to_string());
    let method = if compressed {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let mut zip = zip::ZipWriter::new(w);
    for (key, t) in arrays {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .large_file(t.nbytes() as u64 >= u32::MAX as u64 - 4096);
        zip.start_file(format!("{key}.npy"), options).map_err(bad)?;
        npy::write(ctx, key, &mut zip, t)?;
    }
    let mut inner = zip.finish().map_err(bad)?;
    inner.flush().map_err(|e| ctx.file_err(e))
}
