//! Builds the C++ shim (`src/shim.cpp`) against upstream MLX when the `link`
//! feature is on. MLX is found through `MLX_DIR` (a directory with
//! `include/mlx/mlx.h` and `lib/libmlx.so`) or, if unset, through the `mlx`
//! Python package of `MLX_PYTHON` (default `python3`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/shim.cpp");
    println!("cargo:rerun-if-env-changed=MLX_DIR");
    println!("cargo:rerun-if-env-changed=MLX_PYTHON");
    println!("cargo:rustc-check-cfg=cfg(mlx_missing)");
    if std::env::var_os("CARGO_FEATURE_LINK").is_none() {
        return;
    }
    build();
}

/// Where MLX lives, or why it could not be found.
fn find_mlx() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("MLX_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let python = std::env::var("MLX_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .args([
            "-c",
            "import mlx, sys; sys.stdout.write(list(mlx.__path__)[0])",
        ])
        .output()
        .map_err(|e| format!("could not run `{python}`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{python} -c 'import mlx'` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn check(dir: &Path) -> Result<(), String> {
    let header = dir.join("include/mlx/mlx.h");
    if !header.is_file() {
        return Err(format!("{} does not exist", header.display()));
    }
    let lib = dir.join("lib/libmlx.so");
    let dylib = dir.join("lib/libmlx.dylib");
    if !lib.is_file() && !dylib.is_file() {
        return Err(format!("{} does not exist", lib.display()));
    }
    Ok(())
}

#[cfg(feature = "link")]
fn build() {
    let dir = match find_mlx().and_then(|d| check(&d).map(|_| d)) {
        Ok(d) => d,
        Err(why) => {
            // A short, actionable message instead of a linker wall of text:
            // the crate then fails with `compile_error!` (see lib.rs).
            println!("cargo:warning=mlx-sys: MLX not found: {why}");
            println!(
                "cargo:warning=mlx-sys: install it with `pip install \"mlx[cpu]==0.32.4\"` and set MLX_PYTHON to that interpreter, or set MLX_DIR to a directory holding include/mlx/mlx.h and lib/libmlx.so"
            );
            println!("cargo:rustc-cfg=mlx_missing");
            return;
        }
    };
    let include = dir.join("include");
    let lib = dir.join("lib");
    cc::Build::new()
        .cpp(true)
        .std("c++20")
        .file("src/shim.cpp")
        .include(&include)
        .flag_if_supported("-Wno-unused-parameter")
        .compile("mlxs_shim");
    // (No symlink of libmlx into the target directory for cargo's library
    // path: the wheel's libmlx finds its bundled LAPACK through $ORIGIN,
    // which a symlink would break. Dependents set their own rpath from
    // DEP_MLX_LIBDIR, as mlx-ffi's build.rs does.)
    println!("cargo:rustc-link-search=native={}", lib.display());
    println!("cargo:rustc-link-lib=dylib=mlx");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    println!("cargo:include={}", include.display());
    println!("cargo:libdir={}", lib.display());
}

#[cfg(not(feature = "link"))]
fn build() {
    let _ = (find_mlx, check);
}
