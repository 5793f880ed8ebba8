//! Read-only memory maps of files, as [`ExternalBytes`] that a
//! [`HostBuffer`](mlx_core::HostBuffer) can borrow without copying (the
//! zero-copy path of `mlx-io`'s loaders).

use mlx_core::ExternalBytes;
use std::fmt;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// A read-only memory map of a whole file.
///
/// ```
/// let path = std::env::temp_dir().join("mlx_cpu_mmap_doc.bin");
/// std::fs::write(&path, [1u8, 2, 3]).unwrap();
/// let m = mlx_cpu::mmap::MappedFile::open(&path).unwrap();
/// use mlx_core::ExternalBytes;
/// assert_eq!(m.bytes(), &[1, 2, 3]);
/// ```
pub struct MappedFile {
    map: Option<memmap2::Mmap>,
}

impl fmt::Debug for MappedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MappedFile({} bytes)", self.bytes().len())
    }
}

impl MappedFile {
    /// Maps `path` read-only. An empty file gives an empty mapping.
    pub fn open(path: &Path) -> std::io::Result<MappedFile> {
        let file = File::open(path)?;
        if file.metadata()?.len() == 0 {
            return Ok(MappedFile { map: None });
        }
        // SAFETY: the map is read-only and private to this process; Rust
        // code only ever sees it as `&[u8]`. The one hazard of file maps is
        // another process truncating or rewriting the file while it is
        // mapped: like MLX (and numpy's mmap mode) we document that files
        // must not be modified while arrays loaded from them are alive.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(MappedFile { map: Some(map) })
    }

    /// Maps `path` and returns it as shareable external bytes.
    pub fn shared(path: &Path) -> std::io::Result<Arc<dyn ExternalBytes>> {
        Ok(Arc::new(MappedFile::open(path)?))
    }
}

impl ExternalBytes for MappedFile {
    fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }
}
