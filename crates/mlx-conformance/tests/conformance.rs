//! Runs the whole conformance suite (cases/*.json) against the committed
//! golden data from MLX 0.32.4 (no Python needed) and fails on any
//! mismatch, printing a repro for each failing case and the coverage line.

use mlx_conformance::runner::{report, run_file, write_outputs};
use mlx_conformance::verify::{check_all, read_ops_list, KnownDifferences, Summary, Verdict};
use std::path::Path;

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn suite_matches_mlx() {
    let dir = crate_dir();
    let known = KnownDifferences::load(&dir.join("known_differences.txt")).unwrap();
    let (results, version) = check_all(&dir.join("cases"), &dir.join("golden"), &known).unwrap();
    assert_eq!(
        version, "0.32.4",
        "golden data from an unexpected MLX version"
    );
    let ops = read_ops_list(&dir.join("ops.txt")).unwrap();
    let summary = Summary::new(&results, &ops);
    println!("{}", summary.line());
    let fails: Vec<&str> = results
        .iter()
        .filter_map(|r| match &r.verdict {
            Verdict::Fail(repro) => Some(repro.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        summary.mapped > 1000,
        "too few cases ran: {}",
        summary.mapped
    );
    assert!(
        fails.is_empty(),
        "{} of {} conformance cases differ from MLX:\n\n{}\n\n{}",
        fails.len(),
        summary.mapped,
        fails
            .iter()
            .take(40)
            .copied()
            .collect::<Vec<_>>()
            .join("\n\n"),
        summary.line()
    );
}

#[test]
fn every_listed_op_is_known_and_registry_names_are_unique() {
    let ops = read_ops_list(&crate_dir().join("ops.txt")).unwrap();
    assert_eq!(ops.len(), 226);
    let mut seen = std::collections::BTreeSet::new();
    for op in mlx_conformance::registry::mapped_ops() {
        assert!(seen.insert(op), "op {op} is mapped twice");
    }
}

/// The `run` command's pieces: a case file and an inputs file in, outputs
/// (`<case>` / `<case>.<i>`) and a report (ok or the error) out.
#[test]
fn run_writes_outputs_and_report() {
    let tmp = std::env::temp_dir().join(format!("mlx-conformance-run-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let cases = tmp.join("demo.json");
    std::fs::write(
        &cases,
        r#"{"inputs": {"x": {"shape": [2], "dtype": "float32"}},
            "cases": [{"name": "demo/sqrt", "op": "sqrt", "args": [{"tensor": "x"}]},
                      {"name": "demo/split", "op": "split", "args": [{"tensor": "x"}, 2]},
                      {"name": "demo/bad", "op": "add", "args": [{"tensor": "x"}, {"tensor": "x", "view": {"slice": [[0, 1, 1]]}}], "kwargs": {"nope": 1}},
                      {"name": "demo/grad", "op": "square", "args": [{"tensor": "x"}], "grad": {"argnums": [0]}}]}"#,
    )
    .unwrap();
    let x = mlx_ops::Tensor::from_slice(&[4.0f32, 9.0], &[2]).unwrap();
    let data = mlx_conformance::data::HostData::from_tensor(&x).unwrap();
    let inputs = tmp.join("in.safetensors");
    mlx_conformance::data::write_safetensors(&inputs, &[("x".to_string(), data)].into()).unwrap();
    let outcomes = run_file(&cases, &inputs).unwrap();
    let out = tmp.join("out.safetensors");
    write_outputs(&out, &outcomes).unwrap();
    let stored = mlx_conformance::data::read_safetensors(&out).unwrap();
    let keys: Vec<&str> = stored.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["demo/grad.0", "demo/split.0", "demo/split.1", "demo/sqrt"]
    );
    assert_eq!(
        stored["demo/sqrt"]
            .to_tensor("s")
            .unwrap()
            .to_vec::<f32>()
            .unwrap(),
        [2.0, 3.0]
    );
    // d/dx sum(x^2) = 2x
    assert_eq!(
        stored["demo/grad.0"]
            .to_tensor("g")
            .unwrap()
            .to_vec::<f32>()
            .unwrap(),
        [8.0, 18.0]
    );
    let rep = report(&outcomes);
    assert_eq!(rep["cases"]["demo/sqrt"], "ok");
    let err = rep["cases"]["demo/bad"].as_str().unwrap();
    assert!(err.contains("unexpected keyword argument"), "{err}");
    std::fs::remove_dir_all(&tmp).unwrap();
}
