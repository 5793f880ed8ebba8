//! An invalid op on the FFI path returns `Err` with MLX's message (needs the
//! `link` feature; without it, `register` must say why).

#[cfg(not(feature = "link"))]
#[test]
fn without_mlx_register_explains() {
    let e = mlx_ffi::register().unwrap_err();
    assert!(e.to_string().contains("without MLX"), "{e}");
}

#[cfg(feature = "link")]
mod linked {
    use mlx_core::backend::{Backend, BackendError};
    use mlx_core::{ArrayData, Buffer, Dtype, HostBuffer, OpCall, Primitive};
    use mlx_sys::{Array, Dtype as D};

    #[test]
    fn shim_matmul_of_mismatched_shapes_carries_mlx_message() {
        let a = Array::from_bytes(&[0u8; 24], &[2, 3], D::Float32).unwrap();
        let b = Array::from_bytes(&[0u8; 16], &[2, 2], D::Float32).unwrap();
        let e = mlx_sys::matmul(&a, &b).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, mlx_sys::Error::Mlx(_)), "{e:?}");
        assert!(msg.contains("[matmul]"), "{msg}");
    }

    #[test]
    fn backend_matmul_of_mismatched_shapes_is_failed_with_mlx_message() {
        mlx_ffi::register().unwrap();
        let be = mlx_ffi::FfiBackend;
        let up = |shape: &[usize]| {
            let n: usize = shape.iter().product();
            let h = Buffer::new(HostBuffer::from_slice(&vec![1.0f32; n]));
            ArrayData::contiguous(be.upload(&h).unwrap(), shape)
        };
        let inputs = [up(&[2, 3]), up(&[2, 2])];
        let call = OpCall {
            primitive: &Primitive::Matmul,
            inputs: &inputs,
            shape: &[2, 2],
            dtype: Dtype::Float32,
        };
        match be.eval(&call) {
            Err(BackendError::Failed { message, .. }) => {
                assert!(message.contains("[matmul]"), "{message}")
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn scheduler_surfaces_mlx_error_as_typed_err() {
        // A node the builder would never make (bypassing mlx-ops): the
        // scheduler must return Error::Backend with MLX's message, not panic.
        mlx_ffi::register().unwrap();
        let old = mlx_core::set_default_device(mlx_ffi::DEVICE);
        let a = mlx_core::Array::from_slice(&[1.0f32; 6], &[2, 3]).unwrap();
        let b = mlx_core::Array::from_slice(&[1.0f32; 4], &[2, 2]).unwrap();
        let bad = mlx_core::Array::from_op(
            "matmul",
            Primitive::Matmul,
            &[&a, &b],
            vec![2, 2],
            Dtype::Float32,
        )
        .unwrap();
        let e = bad.eval().unwrap_err();
        mlx_core::set_default_device(old);
        assert!(
            matches!(e, mlx_core::Error::Backend { backend: "ffi", .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("[matmul]"), "{e}");
    }

    #[test]
    fn version_check_passes() {
        let v = mlx_sys::versions().unwrap();
        assert_eq!(v.abi, mlx_sys::ABI_VERSION);
        assert_eq!(v.header, 32_004);
        assert!(v.runtime.starts_with("0.32.4"), "{}", v.runtime);
    }
}
