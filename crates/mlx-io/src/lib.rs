//! # mlx-io
//!
//! Array files with MLX's semantics: safetensors with metadata
//! (`mx.save_safetensors`), numpy's `.npy` (`mx.save`) and `.npz`
//! (`mx.savez`, `mx.savez_compressed`), and [`load`], which picks the format
//! from the extension like `mx.load`.
//!
//! Loading memory-maps the file; arrays whose bytes are aligned and in the
//! host's byte order borrow the map instead of copying it, so a file must
//! not be modified while arrays loaded from it are alive. Malformed input is
//! always an [`IoError`] naming the file, key, dtype or shape, never a panic.
//!
//! ## Differences from MLX 0.32.4
//! * `float64` arrays are read and written in safetensors (`F64`, which the
//!   format defines); MLX refuses them.
//! * A big-endian `complex64` npy is swapped per `float32` half, giving
//!   numpy's values; MLX swaps the 8 bytes whole, exchanging the real and
//!   imaginary parts.
//! * `bool` bytes other than 0 and 1 read as `true`.
//!
//! ```
//! use mlx_ops::Tensor;
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("model.safetensors");
//! let mut arrays = mlx_io::Arrays::new();
//! arrays.insert("w".into(), Tensor::from_slice(&[1.0f32, 2.0, 3.0], &[3])?);
//! mlx_io::save(&path, &mlx_io::Loaded::Arrays(arrays))?;
//! let mlx_io::Loaded::Arrays(back) = mlx_io::load(&path, None)? else { unreachable!() };
//! assert_eq!(back["w"].to_vec::<f32>()?, vec![1.0, 2.0, 3.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod bytes;
mod error;
mod npy;
mod npz;
mod safetensors;

pub use bytes::OwnedBytes;
pub use error::{IoError, Result};
pub use npy::{load_npy, npy_bytes, npy_descr, read_npy, save_npy};
pub use npz::{load_npz, npz_bytes, read_npz, savez, savez_compressed};
pub use safetensors::{
    load_safetensors, read_safetensors, safetensors_bytes, safetensors_dtype_name,
    save_safetensors, Arrays, Metadata,
};

use error::Ctx;
use mlx_ops::Tensor;
use std::path::{Path, PathBuf};

/// A file format `load` understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.npy`: one array.
    Npy,
    /// `.npz`: a zip of named `.npy` arrays.
    Npz,
    /// `.safetensors`: named arrays and string metadata.
    Safetensors,
}

impl Format {
    /// The format a path's extension names (`None` for any other).
    ///
    /// ```
    /// use mlx_io::Format;
    /// assert_eq!(Format::from_path("a/b.npz".as_ref()), Some(Format::Npz));
    /// assert_eq!(Format::from_path("a/b.gguf".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "npy" => Some(Format::Npy),
            "npz" => Some(Format::Npz),
            "safetensors" => Some(Format::Safetensors),
            _ => None,
        }
    }
}

/// What `load` returns: one array (`.npy`) or named arrays.
///
/// ```
/// let one = mlx_io::Loaded::Array(mlx_ops::Tensor::scalar(1.0f32));
/// assert!(matches!(one, mlx_io::Loaded::Array(_)));
/// ```
#[derive(Clone, Debug)]
pub enum Loaded {
    /// The array of an `.npy` file.
    Array(Tensor),
    /// The arrays of an `.npz` or `.safetensors` file.
    Arrays(Arrays),
}

/// Loads a file (`mx.load`): the format is `format`, or else the one the
/// extension names.
///
/// ```
/// let e = mlx_io::load("weights.bin", None).unwrap_err();
/// assert!(e.to_string().contains("weights.bin"));
/// ```
pub fn load(path: impl AsRef<Path>, format: Option<Format>) -> Result<Loaded> {
    let path = path.as_ref();
    let format = format_of(path, format, "load")?;
    Ok(match format {
        Format::Npy => Loaded::Array(load_npy(path)?),
        Format::Npz => Loaded::Arrays(load_npz(path)?),
        Format::Safetensors => Loaded::Arrays(load_safetensors(path)?.0),
    })
}

/// Loads a file with its metadata (`mx.load(..., return_metadata=True)`);
/// only safetensors carries metadata, as in MLX.
///
/// ```
/// let e = mlx_io::load_with_metadata("x.npy", None).unwrap_err();
/// assert!(e.to_string().contains("metadata not supported for format npy"));
/// ```
pub fn load_with_metadata(
    path: impl AsRef<Path>,
    format: Option<Format>,
) -> Result<(Arrays, Metadata)> {
    let path = path.as_ref();
    match format_of(path, format, "load")? {
        Format::Safetensors => load_safetensors(path),
        f => Err(
            Ctx::new("load", path.display().to_string()).unsupported(format!(
                "metadata not supported for format {}",
                if f == Format::Npy { "npy" } else { "npz" }
            )),
        ),
    }
}

/// Saves by extension: an array as `.npy` (the default for a path without a
/// known extension, as `mx.save`), named arrays as `.safetensors` or
/// (uncompressed) `.npz`.
///
/// ```
/// use mlx_ops::Tensor;
/// let dir = tempfile::tempdir().unwrap();
/// let x = Tensor::from_slice(&[1i8, -1], &[2])?;
/// mlx_io::save(dir.path().join("x"), &mlx_io::Loaded::Array(x))?;
/// assert!(dir.path().join("x.npy").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save(path: impl AsRef<Path>, value: &Loaded) -> Result<()> {
    let path = path.as_ref();
    let ctx = Ctx::new("save", path.display().to_string());
    match (Format::from_path(path), value) {
        (Some(Format::Npy) | None, Loaded::Array(t)) => save_npy(path, t),
        (Some(Format::Safetensors), Loaded::Arrays(a)) => save_safetensors(path, a, None),
        (Some(Format::Npz), Loaded::Arrays(a)) => savez(path, a),
        (None, Loaded::Arrays(_)) => {
            Err(ctx.unsupported("named arrays need a .safetensors or .npz extension"))
        }
        (Some(f), _) => Err(ctx.unsupported(format!("{f:?} cannot hold this value"))),
    }
}

fn format_of(path: &Path, format: Option<Format>, op: &'static str) -> Result<Format> {
    format.or_else(|| Format::from_path(path)).ok_or_else(|| {
        Ctx::new(op, path.display().to_string())
            .unsupported("cannot infer the format from the extension (npy, npz, safetensors)")
    })
}

/// `path` with `.ext` appended unless it already ends so.
pub(crate) fn with_extension(path: &Path, ext: &str) -> PathBuf {
    if path.extension().and_then(|e| e.to_str()) == Some(ext) {
        path.to_path_buf()
    } else {
        let mut s = path.as_os_str().to_owned();
        s.push(".");
        s.push(ext);
        PathBuf::from(s)
    }
}
