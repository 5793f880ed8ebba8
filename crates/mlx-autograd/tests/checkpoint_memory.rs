//! `checkpoint` lowers the peak memory of a backward pass through a deep
//! chain of blocks. Alone in its test binary: the memory counters are
//! process-wide.

use mlx_autograd::{checkpoint, value_and_grad};
use mlx_core::memory;
use mlx_ops::{eval, Dtype, Result, Tensor, ALL};

const N: usize = 1 << 16; // 256 KiB of float32 per activation
const LAYERS: usize = 12;

/// One block with several intermediates that reverse mode keeps alive.
fn block(a: &[Tensor]) -> Result<Vec<Tensor>> {
    let (h, w) = (&a[0], &a[1]);
    let z = h.multiply(w)?;
    let s = z.sin()?.multiply(&z.cos()?)?;
    let e = s.multiply(0.5)?.exp()?;
    Ok(vec![e.add(h)?.tanh()?])
}

/// Peak bytes above the starting point while evaluating the loss and its
/// gradients with respect to every layer's weights.
fn peak_of(checkpointed: bool, x: &Tensor, ws: &[Tensor]) -> Result<(usize, Vec<Vec<f32>>)> {
    let ck = checkpoint(block);
    let loss = move |a: &[Tensor]| {
        let mut h = a[0].clone();
        for w in &a[1..] {
            let ins = [h.clone(), w.clone()];
            h = if checkpointed {
                ck(&ins)?
            } else {
                block(&ins)?
            }
            .remove(0);
        }
        h.sum(ALL, false)
    };
    let mut args = vec![x.clone()];
    args.extend_from_slice(ws);
    let argnums: Vec<usize> = (1..=ws.len()).collect();
    memory::clear_cache();
    let base = memory::active_memory();
    memory::reset_peak_memory();
    let (v, g) = value_and_grad(loss, &argnums)(&args)?;
    let mut all = vec![&v];
    all.extend(g.iter());
    eval(&all)?;
    let peak = memory::peak_memory() - base;
    let grads = g.iter().map(|t| t.to_vec::<f32>()).collect::<Result<_>>()?;
    Ok((peak, grads))
}

#[test]
fn checkpointed_blocks_lower_the_peak_memory_with_identical_gradients() -> Result<()> {
    let x = Tensor::linspace(-1.0, 1.0, N, Some(Dtype::Float32))?;
    x.eval()?;
    let ws: Vec<Tensor> = (0..LAYERS)
        .map(|i| {
            let w = Tensor::linspace(0.5, 1.0 + i as f64 * 0.01, N, Some(Dtype::Float32))?;
            w.eval()?;
            Ok(w)
        })
        .collect::<Result<_>>()?;
    let (plain, g_plain) = peak_of(false, &x, &ws)?;
    let (ck, g_ck) = peak_of(true, &x, &ws)?;
    let act = N * 4;
    eprintln!(
        "peak above baseline: plain {:.1} activations, checkpointed {:.1} activations",
        plain as f64 / act as f64,
        ck as f64 / act as f64
    );
    // without checkpointing every block keeps several activations for the
    // backward pass; with it, roughly one per block plus one block's worth
    assert!(
        (ck as f64) < 0.6 * plain as f64,
        "checkpointed peak {ck} is not well below the plain peak {plain}"
    );
    assert_eq!(g_plain, g_ck, "gradients must be identical");
    Ok(())
}
