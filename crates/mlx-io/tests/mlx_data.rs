//! Files written by MLX 0.32.4 itself (tests/data/make_data.py) load with
//! the values MLX reports.

use mlx_core::Dtype;
use mlx_io::Loaded;
use mlx_ops::Tensor;
use serde_json::Value;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn expected() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(data("expected.json")).unwrap();
    match serde_json::from_str(&text).unwrap() {
        Value::Object(m) => m,
        _ => panic!("expected.json is not an object"),
    }
}

fn dtype_of(name: &str) -> Dtype {
    let name = name.trim_end_matches('_');
    Dtype::ALL
        .into_iter()
        .find(|d| d.to_string() == name || (name == "bool" && *d == Dtype::Bool))
        .unwrap_or_else(|| panic!("unknown dtype {name}"))
}

/// Asserts that `t` has the dtype, shape and values recorded by MLX.
fn check(key: &str, t: &Tensor, want: &Value) {
    assert_eq!(
        t.dtype(),
        dtype_of(want["dtype"].as_str().unwrap()),
        "{key}"
    );
    let shape: Vec<usize> = want["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(t.shape(), shape.as_slice(), "{key}");
    let values = want["values"].as_array().unwrap();
    if t.dtype() == Dtype::Complex64 {
        let re = t.real().unwrap().astype(Dtype::Float64).unwrap();
        let im = t.imag().unwrap().astype(Dtype::Float64).unwrap();
        let (re, im) = (re.to_vec::<f64>().unwrap(), im.to_vec::<f64>().unwrap());
        let want: Vec<(f64, f64)> = values
            .iter()
            .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect();
        let got: Vec<(f64, f64)> = re.into_iter().zip(im).collect();
        assert_eq!(got, want, "{key}");
    } else {
        let got = t.astype(Dtype::Float64).unwrap().to_vec::<f64>().unwrap();
        let want: Vec<f64> = values.iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(got, want, "{key}");
    }
}

#[test]
fn npy_files_of_every_dtype() {
    let exp = expected();
    let mut n = 0;
    for (key, want) in &exp {
        let t = match mlx_io::load(data(&format!("{key}.npy")), None).unwrap() {
            Loaded::Array(t) => t,
            Loaded::Arrays(_) => panic!("npy gave a dict"),
        };
        check(key, &t, want);
        n += 1;
    }
    assert_eq!(n, 18);
}

#[test]
fn safetensors_with_metadata() {
    let exp = expected();
    let (arrays, meta) = mlx_io::load_with_metadata(data("mlx.safetensors"), None).unwrap();
    assert_eq!(arrays.len(), 13);
    for (key, t) in &arrays {
        check(key, t, &exp[key]);
    }
    assert_eq!(meta.len(), 2);
    assert_eq!(meta["format"], "mlx");
    assert_eq!(meta["step"], "7");
}

#[test]
fn npz_plain_and_compressed() {
    let exp = expected();
    let a = mlx_io::load_npz(data("mlx.npz")).unwrap();
    assert_eq!(a.keys().collect::<Vec<_>>(), ["arr_0", "b", "w"]);
    check("arr_0", &a["arr_0"], &exp["float32"]);
    check("b", &a["b"], &exp["bool_"]);
    check("w", &a["w"], &exp["int16"]);
    let c = mlx_io::load_npz(data("mlx_compressed.npz")).unwrap();
    assert_eq!(c.len(), 2);
    check("c", &c["c"], &exp["complex64"]);
    check("h", &c["h"], &exp["float16"]);
}

#[test]
fn metadata_of_npy_is_an_error_like_mlx() {
    let e = mlx_io::load_with_metadata(data("float32.npy"), None).unwrap_err();
    assert!(e
        .to_string()
        .contains("metadata not supported for format npy"));
}

#[test]
fn resaved_files_load_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    let (arrays, meta) = mlx_io::load_safetensors(data("mlx.safetensors")).unwrap();
    let p = dir.path().join("again.safetensors");
    mlx_io::save_safetensors(&p, &arrays, Some(&meta)).unwrap();
    let (back, meta2) = mlx_io::load_safetensors(&p).unwrap();
    assert_eq!(meta, meta2);
    let exp = expected();
    for (key, t) in &back {
        check(key, t, &exp[key]);
    }
    // A Fortran-order file saved again is C order with the same values.
    let f = mlx_io::load_npy(data("fortran_big_f8.npy")).unwrap();
    mlx_io::save_npy(dir.path().join("c.npy"), &f).unwrap();
    check(
        "fortran_big_f8",
        &mlx_io::load_npy(dir.path().join("c.npy")).unwrap(),
        &exp["fortran_big_f8"],
    );
}
