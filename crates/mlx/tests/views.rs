//! Reshape of contiguous data, transpose, broadcast, slicing and
//! expand/squeeze are views: no kernel runs and the buffer is shared.

use mlx::prelude::*;
use mlx::Context;

#[test]
fn view_ops_share_the_buffer_and_run_no_kernel() -> Result<()> {
    let ctx = Context::new();
    let _g = ctx.enter();
    let base = Tensor::from_slice(&(0..24).map(|i| i as f32).collect::<Vec<_>>(), &[2, 3, 4])?;
    let buf = base.data()?.buffer;
    let views = [
        base.reshape(&[6, 4])?,
        base.transpose(&[2, 0, 1])?,
        base.expand_dims(1)?.squeeze(1)?,
        base.slice(&[1, 0, 3], &[2, 3, i64::MIN], &[1, 2, -2])?,
        base.slice_axis(0, 0, 1, 1)?.broadcast_to(&[5, 1, 3, 4])?,
        base.swapaxes(0, 2)?.moveaxis(0, 1)?,
    ];
    for v in &views {
        assert!(v.data()?.buffer.ptr_eq(&buf), "{:?} copied", v.shape());
    }
    assert_eq!(ctx.stats().kernels_dispatched, 0);
    assert_eq!(
        views[1].to_vec::<f32>()?[..6],
        [0.0, 4.0, 8.0, 12.0, 16.0, 20.0]
    );
    assert_eq!(views[3].shape(), &[1, 2, 2]);
    assert_eq!(views[3].to_vec::<f32>()?, vec![15.0, 13.0, 23.0, 21.0]);
    Ok(())
}

#[test]
fn reshape_of_a_non_contiguous_view_copies_once() -> Result<()> {
    let ctx = Context::new();
    let _g = ctx.enter();
    let base = Tensor::from_slice(&(0..6i32).collect::<Vec<_>>(), &[2, 3])?;
    let r = base.transpose(&[])?.reshape(&[-1])?;
    assert_eq!(r.to_vec::<i32>()?, vec![0, 3, 1, 4, 2, 5]);
    assert_eq!(ctx.stats().kernels_dispatched, 1);
    Ok(())
}

#[test]
fn zeros_ones_full_are_broadcast_scalars() -> Result<()> {
    let z = Tensor::zeros(&[1000, 1000], Dtype::Float16)?;
    let d = z.data()?;
    assert_eq!(d.buffer.len(), 1);
    assert_eq!(d.layout.strides(), &[0, 0]);
    let f = Tensor::full(&[2], 7u8, None)?;
    assert_eq!(f.dtype(), Dtype::Int32);
    assert_eq!(f.to_vec::<i32>()?, vec![7, 7]);
    Ok(())
}
