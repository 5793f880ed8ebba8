//! Type promotion and weak scalars against the table MLX 0.32.4 itself
//! printed (`tests/data/mlx_promotion.json`, made by `mx.result_type` and
//! `(mx.zeros((2,), dtype) + scalar).dtype` for every pair).

use mlx::prelude::*;

fn table() -> serde_like::Table {
    serde_like::parse(include_str!("../../mlx-core/tests/data/mlx_promotion.json"))
}

#[test]
fn promote_matches_mlx_for_every_pair() {
    let t = table();
    assert_eq!(t.promote.len(), 196);
    for (a, b, want) in &t.promote {
        let (a, b, want) = (d(a), d(b), d(want));
        assert_eq!(Dtype::promote(a, b), want, "{a} with {b}");
    }
}

#[test]
fn weak_scalars_match_mlx_for_every_dtype() -> Result<()> {
    let t = table();
    assert_eq!(t.weak.len(), 56);
    for (a, kind, want) in &t.weak {
        let x = Tensor::zeros(&[2], d(a))?;
        let got = match kind.as_str() {
            "bool" => x.add(true)?,
            "int" => x.add(2)?,
            "float" => x.add(2.5)?,
            "complex" => x.add(num_complex::Complex32::new(1.0, 2.0))?,
            k => panic!("unknown scalar kind {k}"),
        };
        assert_eq!(got.dtype(), d(want), "{a} + {kind}");
    }
    Ok(())
}

fn d(name: &str) -> Dtype {
    Dtype::from_name(name).unwrap_or_else(|| panic!("unknown dtype {name}"))
}

/// A tiny reader for the flat two-level JSON object of string pairs.
mod serde_like {
    pub struct Table {
        pub promote: Vec<(String, String, String)>,
        pub weak: Vec<(String, String, String)>,
    }

    pub fn parse(s: &str) -> Table {
        let section = |name: &str| -> Vec<(String, String, String)> {
            let start = s.find(&format!("\"{name}\"")).expect("section") + name.len() + 2;
            let body = &s[start..];
            let open = body.find('{').expect("{");
            let close = body.find('}').expect("}");
            body[open + 1..close]
                .split(", ")
                .filter(|e| !e.trim().is_empty())
                .map(|entry| {
                    let parts: Vec<&str> = entry.split('"').collect();
                    let (k, v) = (parts[1], parts[3]);
                    let (a, b) = k.split_once(',').expect("pair key");
                    (a.to_string(), b.to_string(), v.to_string())
                })
                .collect()
        };
        Table {
            promote: section("promote"),
            weak: section("weak"),
        }
    }
}
