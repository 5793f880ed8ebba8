//! Save/load round trips over every dtype, strided inputs, metadata and the
//! zero-copy path.

use mlx_core::Dtype;
use mlx_io::{Arrays, Metadata};
use mlx_ops::Tensor;
use proptest::prelude::*;

/// A tensor of `dtype` and `shape` with varied values.
fn sample(dtype: Dtype, shape: &[usize], seed: i64) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n as i64)
        .map(|i| ((i * 37 + seed * 11) % 23 - 11) as f64 * 0.5)
        .collect();
    let t = Tensor::from_slice(&v, shape).unwrap();
    let t = if dtype.is_integer()
        && !matches!(
            dtype,
            Dtype::Int8 | Dtype::Int16 | Dtype::Int32 | Dtype::Int64
        ) {
        t.abs().unwrap()
    } else {
        t
    };
    if dtype == Dtype::Complex64 {
        let im = Tensor::from_slice(&v.iter().map(|x| -x).collect::<Vec<_>>(), shape).unwrap();
        let i = Tensor::from_array(mlx_core::Array::scalar(num_complex::Complex32::new(
            0.0, 1.0,
        )));
        return t
            .astype(Dtype::Complex64)
            .unwrap()
            .add(im.multiply(&i).unwrap())
            .unwrap();
    }
    t.astype(dtype).unwrap()
}

/// True when `a` and `b` have the same dtype, shape and bits.
fn same(a: &Tensor, b: &Tensor) -> bool {
    a.dtype() == b.dtype()
        && a.shape() == b.shape()
        && mlx_io::npy_bytes(a).unwrap() == mlx_io::npy_bytes(b).unwrap()
}

fn all_dtypes(shape: &[usize]) -> Arrays {
    Dtype::ALL
        .into_iter()
        .enumerate()
        .map(|(i, d)| (format!("{d}"), sample(d, shape, i as i64)))
        .collect()
}

#[test]
fn safetensors_every_dtype_and_metadata() {
    let arrays = all_dtypes(&[3, 2]);
    let meta = Metadata::from([("a".into(), "1".into()), ("é".into(), "\"q\"".into())]);
    let bytes = mlx_io::safetensors_bytes(&arrays, Some(&meta)).unwrap();
    let (back, m) = mlx_io::read_safetensors(bytes).unwrap();
    assert_eq!(m, meta);
    assert_eq!(back.len(), 14);
    for (k, t) in &arrays {
        assert!(same(t, &back[k]), "{k}");
    }
}

#[test]
fn npy_and_npz_every_dtype() {
    let arrays = all_dtypes(&[2, 1, 3]);
    for (k, t) in &arrays {
        let back = mlx_io::read_npy(mlx_io::npy_bytes(t).unwrap()).unwrap();
        assert!(same(t, &back), "{k}");
    }
    for compressed in [false, true] {
        let back = mlx_io::read_npz(mlx_io::npz_bytes(&arrays, compressed).unwrap()).unwrap();
        assert_eq!(back.len(), 14);
        for (k, t) in &arrays {
            assert!(same(t, &back[k]), "{k}");
        }
    }
}

#[test]
fn strided_and_broadcast_inputs_save_row_major() {
    let x = Tensor::arange(0.0, 12.0, 1.0, Some(Dtype::Int32))
        .unwrap()
        .reshape(&[3, 4])
        .unwrap();
    let t = x.transpose(&[1, 0]).unwrap();
    let b = Tensor::scalar(5u8).broadcast_to(&[2, 2]).unwrap();
    let back = mlx_io::read_npy(mlx_io::npy_bytes(&t).unwrap()).unwrap();
    assert_eq!(back.to_vec::<i32>().unwrap(), t.to_vec::<i32>().unwrap());
    let back = mlx_io::read_npy(mlx_io::npy_bytes(&b).unwrap()).unwrap();
    assert_eq!(back.to_vec::<u8>().unwrap(), vec![5; 4]);
}

#[test]
fn aligned_files_load_without_copying() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Arrays::new();
    a.insert("w".into(), sample(Dtype::Float32, &[64], 1));
    let p = dir.path().join("w.safetensors");
    mlx_io::save_safetensors(&p, &a, None).unwrap();
    let (back, _) = mlx_io::load_safetensors(&p).unwrap();
    let data = back["w"].data().unwrap();
    assert!(data.buffer.as_host().unwrap().is_external());
    assert!(same(&a["w"], &back["w"]));
    // npy headers end on a 64-byte boundary: also borrowed.
    mlx_io::save_npy(dir.path().join("w.npy"), &a["w"]).unwrap();
    let t = mlx_io::load_npy(dir.path().join("w.npy")).unwrap();
    assert!(t.data().unwrap().buffer.as_host().unwrap().is_external());
    // bool data is normalised to 0/1, so it is copied.
    let mut bytes = mlx_io::npy_bytes(&Tensor::from_slice(&[true, false], &[2]).unwrap()).unwrap();
    let n = bytes.len();
    bytes[n - 2] = 7;
    let b = mlx_io::read_npy(bytes).unwrap();
    assert_eq!(b.to_vec::<bool>().unwrap(), vec![true, false]);
    assert_eq!(
        b.astype(Dtype::Uint8).unwrap().to_vec::<u8>().unwrap(),
        vec![1, 0]
    );
}

#[test]
fn paths_get_extensions_and_load_dispatches() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Arrays::new();
    a.insert("x".into(), sample(Dtype::Float16, &[2], 0));
    mlx_io::savez(dir.path().join("p"), &a).unwrap();
    mlx_io::save_safetensors(dir.path().join("p"), &a, None).unwrap();
    for f in ["p.npz", "p.safetensors"] {
        match mlx_io::load(dir.path().join(f), None).unwrap() {
            mlx_io::Loaded::Arrays(b) => assert!(same(&a["x"], &b["x"])),
            mlx_io::Loaded::Array(_) => panic!("{f} gave one array"),
        }
    }
    // An explicit format overrides the extension.
    std::fs::copy(dir.path().join("p.npz"), dir.path().join("p.bin")).unwrap();
    assert!(mlx_io::load(dir.path().join("p.bin"), None).is_err());
    assert!(mlx_io::load(dir.path().join("p.bin"), Some(mlx_io::Format::Npz)).is_ok());
    let e = mlx_io::load(dir.path().join("p.bin"), Some(mlx_io::Format::Safetensors)).unwrap_err();
    assert!(e.to_string().contains("p.bin"), "{e}");
}

#[test]
fn reserved_metadata_name_is_refused() {
    let mut a = Arrays::new();
    a.insert("__metadata__".into(), Tensor::scalar(1.0f32));
    let e = mlx_io::safetensors_bytes(&a, None).unwrap_err();
    assert!(e.to_string().contains("reserved"));
}

fn dtype_strategy() -> impl Strategy<Value = Dtype> {
    (0..Dtype::ALL.len()).prop_map(|i| Dtype::ALL[i])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_shape_and_dtype_round_trips(
        dtype in dtype_strategy(),
        shape in proptest::collection::vec(0usize..4, 0..4),
        seed in 0i64..100,
        key in "[a-z][a-z0-9_.]{0,8}",
    ) {
        let t = sample(dtype, &shape, seed);
        let mut a = Arrays::new();
        a.insert(key.clone(), t.clone());
        let (s, _) = mlx_io::read_safetensors(mlx_io::safetensors_bytes(&a, None).unwrap()).unwrap();
        prop_assert!(same(&t, &s[&key]));
        let n = mlx_io::read_npy(mlx_io::npy_bytes(&t).unwrap()).unwrap();
        prop_assert!(same(&t, &n));
        let z = mlx_io::read_npz(mlx_io::npz_bytes(&a, seed % 2 == 0).unwrap()).unwrap();
        prop_assert!(same(&t, &z[&key]));
    }
}
