//! With the `ffi` feature: sets the run path of this crate's tests and
//! examples to the directory of `libmlx.so` (from mlx-ffi's
//! `DEP_MLX_FFI_LIBDIR`).

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_MLX_FFI_LIBDIR");
    if let Ok(dir) = std::env::var("DEP_MLX_FFI_LIBDIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
