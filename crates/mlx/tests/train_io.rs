//! End to end through the facade: fit a linear model with AdamW and a
//! warmup schedule, checkpoint parameters and optimizer state, resume.
#![cfg(all(feature = "io", feature = "optim"))]

use mlx::optim::{join_schedules, linear_schedule, AdamW, AdamWOptions, Optimizer, Schedule};
use mlx::{eval, value_and_grad_tree, Dtype, Tensor, Tree, ALL};

fn loss(p: &Tree) -> mlx::Result<Tensor> {
    let x = Tensor::arange(0.0, 8.0, 1.0, Some(Dtype::Float32))?.reshape(&[8, 1])?;
    let y = (&x * 3.0)?.add(-2.0)?;
    let w = p.get("w").unwrap().tensor().unwrap();
    let b = p.get("b").unwrap().tensor().unwrap();
    let pred = x.matmul(w)?.add(b)?;
    pred.subtract(&y)?.square()?.mean(ALL, false)
}

fn steps(opt: &mut AdamW, mut p: Tree, n: usize) -> mlx::Result<Tree> {
    let vg = value_and_grad_tree(loss);
    for _ in 0..n {
        let (_, g) = vg(&p)?;
        p = opt.apply_gradients(&g, &p)?;
        let mut live = p.leaves();
        live.extend(opt.state_tensors());
        eval(&live.iter().collect::<Vec<_>>())?;
    }
    Ok(p)
}

fn schedule() -> Schedule {
    join_schedules(
        vec![
            linear_schedule(0.0, 0.1, 10).unwrap(),
            linear_schedule(0.1, 0.1, 1).unwrap(),
        ],
        &[10],
    )
    .unwrap()
}

#[test]
fn fit_checkpoint_resume() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let opts = AdamWOptions {
        weight_decay: 0.0,
        ..Default::default()
    };
    let p0 = Tree::dict([
        ("w", Tree::leaf(Tensor::zeros(&[1, 1], Dtype::Float32)?)),
        ("b", Tree::leaf(Tensor::zeros(&[1], Dtype::Float32)?)),
    ]);
    let mut opt = AdamW::new(schedule(), opts)?;
    let p = steps(&mut opt, p0, 150)?;

    // Checkpoint: parameters and optimizer state as safetensors.
    let flat: mlx::io::Arrays = p.flatten_keys().into_iter().zip(p.leaves()).collect();
    mlx::io::save_safetensors(dir.path().join("params"), &flat, None)?;
    opt.save_state(&dir.path().join("opt.safetensors"))?;

    // Straight on vs resumed from disk: the same parameters.
    let direct = steps(&mut opt, p, 150)?;
    let (back, _) = mlx::io::load_safetensors(dir.path().join("params.safetensors"))?;
    let p = Tree::dict(back.into_iter().map(|(k, t)| (k, Tree::leaf(t))));
    let mut resumed_opt = AdamW::new(schedule(), opts)?;
    resumed_opt.load_state(&dir.path().join("opt.safetensors"))?;
    assert_eq!(resumed_opt.step().item::<u64>()?, 150);
    let resumed = steps(&mut resumed_opt, p, 150)?;
    for (a, b) in direct.leaves().iter().zip(resumed.leaves()) {
        assert_eq!(a.to_vec::<f32>()?, b.to_vec::<f32>()?);
    }
    assert!(loss(&direct)?.item::<f32>()? < 0.05, "did not fit");
    let w = direct.get("w").unwrap().tensor().unwrap().item::<f32>()?;
    assert!((w - 3.0).abs() < 0.1, "w = {w}");
    Ok(())
}
