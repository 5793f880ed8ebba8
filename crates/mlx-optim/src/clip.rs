//! Global gradient-norm clipping (`optim.clip_grad_norm`).

use mlx_autograd::Tree;
use mlx_core::{Dtype, Error, Result};
use mlx_ops::{Tensor, ALL};

/// Scales a gradient tree so that its global L2 norm is at most `max_norm`;
/// returns the clipped tree and the norm before clipping. float16 squares
/// are summed in float32; floating gradients keep their dtype.
///
/// ```
/// use mlx_optim::{clip_grad_norm, Tree};
/// use mlx_ops::Tensor;
/// let g = Tree::dict([("a", Tree::leaf(Tensor::from_slice(&[3.0f32, 4.0], &[2])?))]);
/// let (c, norm) = clip_grad_norm(&g, 1.0)?;
/// assert_eq!(norm.item::<f32>()?, 5.0);
/// let v = c.get("a").unwrap().tensor().unwrap().to_vec::<f32>()?;
/// assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
/// assert!(clip_grad_norm(&g, -1.0).is_err());
/// # Ok::<(), mlx_core::Error>(())
/// ```
pub fn clip_grad_norm(grads: &Tree, max_norm: f64) -> Result<(Tree, Tensor)> {
    if max_norm.is_nan() || max_norm < 0.0 {
        return Err(Error::invalid(
            "clip_grad_norm",
            format!("max_norm should be >=0, {max_norm} was provided instead"),
        ));
    }
    let mut norm_sq: Option<Tensor> = None;
    for g in grads.leaves() {
        let g = if g.dtype() == Dtype::Float16 {
            g.astype(Dtype::Float32)?
        } else {
            g
        };
        let s = g.square()?.sum(ALL, false)?;
        norm_sq = Some(match norm_sq {
            None => s.add(0.0)?,
            Some(acc) => acc.add(&s)?,
        });
    }
    let total = norm_sq.unwrap_or_else(|| Tensor::scalar(0.0f32)).sqrt()?;
    let normalizer = (max_norm / &total.add(1e-6)?)?.minimum(1.0)?;
    let clipped = grads.map(&mut |g| {
        let scaled = g.multiply(&normalizer)?;
        if g.dtype().is_floating() {
            scaled.astype(g.dtype())
        } else {
            Ok(scaled)
        }
    })?;
    Ok((clipped, total))
}
