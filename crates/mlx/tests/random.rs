//! The key-based generator draws the same numbers as MLX 0.32.4 for the same
//! key. Expected values were printed by MLX itself:
//! `python -c "import mlx.core as mx; k = mx.random.key(0); print(mx.random.split(k).tolist(), ...)"`.

use mlx::prelude::*;
use mlx::random;

#[test]
fn split_matches_mlx_bit_for_bit() -> Result<()> {
    let k = random::key(0);
    assert_eq!(k.to_vec::<u32>()?, vec![0, 0]);
    assert_eq!(
        random::split(&k, 2)?.to_vec::<u32>()?,
        vec![4146024105, 967050713, 2718843009, 1272950319]
    );
    assert_eq!(
        random::split(&random::key(42), 3)?.to_vec::<u32>()?,
        vec![3134548294, 3733159049, 3746501087, 894150801, 801545058, 2363201431]
    );
    Ok(())
}

#[test]
fn distributions_match_mlx() -> Result<()> {
    let k = random::key(0);
    let u = random::uniform(0.0, 1.0, &[4], None, Some(&k))?.to_vec::<f32>()?;
    // MLX prints f32 values widened to f64; they must round-trip exactly.
    let mlx_u: [f64; 4] = [
        0.9653214812278748,
        0.22515903413295746,
        0.6330299973487854,
        0.2963818311691284,
    ];
    assert_eq!(u, mlx_u.map(|v| v as f32));
    let n = random::normal(&[4], None, 0.0, 1.0, Some(&k))?.to_vec::<f32>()?;
    let mlx_n: [f64; 4] = [
        1.8160871267318726,
        -0.7548847794532776,
        0.339889258146286,
        -0.5348353385925293,
    ];
    for (a, b) in n.iter().zip(mlx_n.map(|v| v as f32)) {
        assert!((a - b).abs() <= 2e-6 * b.abs().max(1.0), "{a} vs {b}");
    }
    assert_eq!(
        random::randint(0, 10, &[6], None, Some(&k))?.to_vec::<i32>()?,
        vec![5, 0, 7, 8, 5, 4]
    );
    let h =
        random::uniform(0.0, 1.0, &[3], Some(Dtype::Float16), Some(&k))?.astype(Dtype::Float32)?;
    let mlx_h: [f64; 3] = [0.96533203125, 0.314697265625, 0.6328125];
    assert_eq!(h.to_vec::<f32>()?, mlx_h.map(|v| v as f32));
    Ok(())
}

#[test]
fn seeded_global_sequence_is_reproducible_and_bernoulli_has_the_right_mean() -> Result<()> {
    random::seed(7);
    let a = random::normal(&[8], None, 0.0, 1.0, None)?.to_vec::<f32>()?;
    random::seed(7);
    let b = random::normal(&[8], None, 0.0, 1.0, None)?.to_vec::<f32>()?;
    assert_eq!(a, b);
    let k = random::key(3);
    let draws = random::bernoulli(0.25, Some(&[100_000]), Some(&k))?;
    let mean = draws
        .astype(Dtype::Float32)?
        .mean(ALL, false)?
        .item::<f32>()?;
    assert!((mean - 0.25).abs() < 0.01, "{mean}");
    let n = random::normal(&[200_000], None, 1.0, 2.0, Some(&k))?;
    let (m, s) = (
        n.mean(ALL, false)?.item::<f32>()?,
        n.std(ALL, false, 0)?.item::<f32>()?,
    );
    assert!((m - 1.0).abs() < 0.02 && (s - 2.0).abs() < 0.02, "{m} {s}");
    assert!(random::uniform(0.0, 1.0, &[2], Some(Dtype::Int32), None).is_err());
    assert!(random::bits(&[2], 3, Some(&k)).is_err());
    Ok(())
}
