//! Truncated and garbled files return errors and never panic.

use mlx_core::Dtype;
use mlx_io::{Arrays, Metadata};
use mlx_ops::Tensor;
use proptest::prelude::*;

fn arrays() -> Arrays {
    let mut a = Arrays::new();
    a.insert(
        "f".into(),
        Tensor::from_slice(&[1.0f32, -2.0, 3.5], &[3]).unwrap(),
    );
    a.insert(
        "b".into(),
        Tensor::from_slice(&[true, false], &[2, 1]).unwrap(),
    );
    a.insert(
        "c".into(),
        Tensor::from_slice(&[1i64, 2, 3, 4], &[2, 2])
            .unwrap()
            .astype(Dtype::Complex64)
            .unwrap(),
    );
    a
}

fn files() -> Vec<(&'static str, Vec<u8>)> {
    let a = arrays();
    let meta = Metadata::from([("k".into(), "v".into())]);
    vec![
        (
            "safetensors",
            mlx_io::safetensors_bytes(&a, Some(&meta)).unwrap(),
        ),
        ("npy", mlx_io::npy_bytes(&a["c"]).unwrap()),
        ("npz", mlx_io::npz_bytes(&a, false).unwrap()),
        ("npz", mlx_io::npz_bytes(&a, true).unwrap()),
    ]
}

/// Parses `bytes` as `format`, evaluating whatever loads.
fn read(format: &str, bytes: Vec<u8>) -> Result<(), mlx_io::IoError> {
    let touch = |t: &Tensor| {
        let _ = t
            .astype(Dtype::Float32)
            .and_then(|t| t.sum(mlx_ops::ALL, false))
            .and_then(|s| s.eval());
    };
    match format {
        "safetensors" => mlx_io::read_safetensors(bytes).map(|(a, _)| a.values().for_each(touch)),
        "npy" => mlx_io::read_npy(bytes).map(|t| touch(&t)),
        _ => mlx_io::read_npz(bytes).map(|a| a.values().for_each(touch)),
    }
}

#[test]
fn every_truncation_is_an_error() {
    for (format, bytes) in files() {
        for n in 0..bytes.len() {
            assert!(
                read(format, bytes[..n].to_vec()).is_err(),
                "{format} truncated to {n} of {} bytes loaded",
                bytes.len()
            );
        }
        read(format, bytes).unwrap();
    }
}

#[test]
fn handmade_corrupt_headers_name_the_problem() {
    let st = |header: &str, data: usize| {
        let mut b = (header.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(header.as_bytes());
        b.extend(std::iter::repeat_n(0u8, data));
        mlx_io::read_safetensors(b).unwrap_err().to_string()
    };
    assert!(st("[1, 2]", 0).contains("not a JSON object"));
    assert!(st(
        r#"{"a": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}"#,
        1
    )
    .contains("unsupported dtype F8_E4M3"));
    let e = st(
        r#"{"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}"#,
        24,
    );
    assert!(
        e.contains("\"a\"") && e.contains("[2, 3]") && e.contains("needs 24 bytes"),
        "{e}"
    );
    assert!(st(
        r#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}}"#,
        4
    )
    .contains("needs 4 bytes"));
    assert!(st(
        r#"{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#,
        4
    )
    .contains("not a size"));
    let huge = format!(
        r#"{{"a": {{"dtype": "F64", "shape": [{0}, {0}, {0}], "data_offsets": [0, 8]}}}}"#,
        u64::MAX / 2
    );
    assert!(st(&huge, 8).contains("too large"));
    assert!(st(r#"{"__metadata__": {"k": 1}}"#, 0).contains("not a string"));
    let mut b = u64::MAX.to_le_bytes().to_vec();
    b.extend_from_slice(b"{}");
    assert!(mlx_io::read_safetensors(b).is_err());

    let npy = |header: &str, data: usize| {
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(header.len() as u16).to_le_bytes());
        b.extend_from_slice(header.as_bytes());
        b.extend(std::iter::repeat_n(0u8, data));
        mlx_io::read_npy(b).unwrap_err().to_string()
    };
    assert!(npy(
        "{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }",
        12
    )
    .contains("unsupported dtype <U3"));
    assert!(npy(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
        12
    )
    .contains("needs 16 bytes, found 12"));
    assert!(npy("{'descr': '<f4', 'shape': (2,), }", 8).contains("needs 'descr'"));
    assert!(npy(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }",
        8
    )
    .contains("header"));
    assert!(npy(
        "{'descr': '<f4', 'fortran_order': maybe, 'shape': (2,), }",
        8
    )
    .contains("header"));
    assert!(npy(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
        8
    )
    .contains("too large"));
    let e = mlx_io::read_npy(b"\x93NUMPY\x07\x00\x00\x00".to_vec()).unwrap_err();
    assert!(e.to_string().contains("unsupported version 7"));
    assert!(mlx_io::read_npz(b"not a zip".to_vec())
        .unwrap_err()
        .to_string()
        .contains("npz"));
}

#[test]
fn missing_files_name_the_file() {
    for e in [
        mlx_io::load_npy("/nonexistent/a.npy").unwrap_err(),
        mlx_io::load_npz("/nonexistent/a.npz").unwrap_err(),
        mlx_io::load_safetensors("/nonexistent/a.safetensors").unwrap_err(),
    ] {
        assert!(matches!(e, mlx_io::IoError::File { .. }));
        assert!(e.to_string().contains("/nonexistent/a."));
        // Converts into the runtime's error for `?` in mlx code.
        let m: mlx_core::Error = e.into();
        assert!(m.to_string().contains("/nonexistent/a."));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Flipping bytes may still give a loadable file, but never a panic.
    #[test]
    fn garbled_bytes_never_panic(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let (format, mut bytes) = files().swap_remove(which);
        for (i, v) in edits {
            let i = i.index(bytes.len());
            bytes[i] = v;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        let _ = read(format, bytes);
    }
}

#[test]
fn empty_shapes_with_huge_dimensions_do_not_overflow() {
    let npy = |shape: &str| {
        let header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(header.len() as u16).to_le_bytes());
        b.extend_from_slice(header.as_bytes());
        mlx_io::read_npy(b)
    };
    for shape in ["(0, 9223372036854775807, 4)", "(4611686018427387904, 4, 0)"] {
        let e = npy(shape).unwrap_err().to_string();
        assert!(e.contains("too large"), "{e}");
    }
    let t = npy("(0, 1000000, 4)").unwrap();
    assert_eq!(t.shape(), &[0, 1_000_000, 4]);
    assert_eq!(
        t.sum(mlx_ops::ALL, false).unwrap().item::<f32>().unwrap(),
        0.0
    );
}

#[test]
fn empty_file_on_disk_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["e.safetensors", "e.npy", "e.npz"] {
        let p = dir.path().join(name);
        std::fs::write(&p, b"").unwrap();
        let e = mlx_io::load(&p, None).unwrap_err();
        assert!(e.to_string().contains(name), "{e}");
    }
}

fn dim() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..5,
        Just(u32::MAX as u64),
        Just(u64::MAX),
        Just(1u64 << 62)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Well-formed headers with arbitrary dtypes, shapes and offsets: each
    /// loads with exactly the declared bytes or is an error.
    #[test]
    fn structured_safetensors_headers(
        dtype in prop::sample::select(vec!["F32", "BOOL", "C64", "BF16", "U64", "I4", "f32", ""]),
        shape in proptest::collection::vec(dim(), 0..4),
        begin in prop_oneof![0u64..8, Just(u64::MAX)],
        len in prop_oneof![0u64..40, Just(u64::MAX - 1)],
        data in 0usize..48,
    ) {
        let end = begin.saturating_add(len);
        let header = format!(
            r#"{{"t": {{"dtype": "{dtype}", "shape": {shape:?}, "data_offsets": [{begin}, {end}]}}}}"#
        );
        let mut b = (header.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(header.as_bytes());
        b.extend((0..data).map(|i| i as u8));
        if let Ok((a, _)) = mlx_io::read_safetensors(b) {
            let t = &a["t"];
            prop_assert_eq!(t.shape().iter().map(|&d| d as u64).collect::<Vec<_>>(), shape);
            prop_assert_eq!(t.nbytes() as u64, len);
            prop_assert!(end as usize <= data);
            t.eval().unwrap();
        }
    }

    /// npy headers with arbitrary descriptors, orders and shapes.
    #[test]
    fn structured_npy_headers(
        descr in prop::sample::select(vec!["<f4", ">f8", "|b1", "<c8", ">c8", "<V2", "<u8", "|O", "<f16", "f4"]),
        fortran in any::<bool>(),
        shape in proptest::collection::vec(dim(), 0..4),
        data in 0usize..80,
    ) {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let header = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': ({},), }}",
            if fortran { "True" } else { "False" },
            dims.join(", ")
        );
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(header.len() as u16).to_le_bytes());
        b.extend_from_slice(header.as_bytes());
        b.extend((0..data).map(|i| i as u8));
        if let Ok(t) = mlx_io::read_npy(b) {
            prop_assert_eq!(t.shape().iter().map(|&d| d as u64).collect::<Vec<_>>(), shape);
            prop_assert!(t.nbytes() <= data);
            t.astype(Dtype::Float32).unwrap().eval().unwrap();
        }
    }
}
