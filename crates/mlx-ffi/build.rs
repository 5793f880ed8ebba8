//! Sets the run path of this crate's tests, examples and benches to the
//! directory of `libmlx.so` that mlx-sys linked (cargo passes mlx-sys's
//! `cargo:libdir` as `DEP_MLX_LIBDIR`; link args do not propagate to
//! dependents by themselves). Passes the directory on as `cargo:libdir`
//! (`DEP_MLX_FFI_LIBDIR` for the `mlx` facade's build script).

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_MLX_LIBDIR");
    if let Ok(dir) = std::env::var("DEP_MLX_LIBDIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        println!("cargo:libdir={dir}");
    }
}
