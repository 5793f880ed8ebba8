//! The implementation without MLX: no handle can exist, and every
//! constructor answers [`Error::NotBuilt`].

use crate::{Dtype, Error, Result, Versions};
use mlx_core::Buffer;

/// No MLX handle can exist without MLX.
pub enum Raw {}

pub fn versions() -> Result<Versions> {
    Err(Error::NotBuilt)
}

impl Raw {
    pub fn dtype(&self) -> Dtype {
        match *self {}
    }
    pub fn shape(&self) -> Vec<usize> {
        match *self {}
    }
    pub fn size(&self) -> usize {
        match *self {}
    }
    pub fn bytes(&self) -> &[u8] {
        match *self {}
    }
    pub fn eval(&mut self) -> Result<()> {
        match *self {}
    }
    pub fn from_bytes(_: &[u8], _: &[usize], _: Dtype) -> Result<Raw> {
        Err(Error::NotBuilt)
    }
    pub fn from_buffer(_: Buffer, _: &[usize], _: Dtype) -> Result<Raw> {
        Err(Error::NotBuilt)
    }
}

pub fn as_strided(x: &Raw, _: &[usize], _: &[isize], _: usize) -> Result<Raw> {
    match *x {}
}
pub fn unary(_: i32, x: &Raw) -> Result<Raw> {
    match *x {}
}
pub fn binary(_: i32, a: &Raw, _: &Raw) -> Result<Raw> {
    match *a {}
}
pub fn select(c: &Raw, _: &Raw, _: &Raw) -> Result<Raw> {
    match *c {}
}
pub fn astype(x: &Raw, _: Dtype) -> Result<Raw> {
    match *x {}
}
pub fn reduce(_: i32, x: &Raw, _: &[i32], _: bool) -> Result<Raw> {
    match *x {}
}
pub fn arg_reduce(_: i32, x: &Raw, _: i32, _: bool) -> Result<Raw> {
    match *x {}
}
pub fn scan(_: i32, x: &Raw, _: i32, _: bool, _: bool) -> Result<Raw> {
    match *x {}
}
pub fn sort(_: i32, x: &Raw, _: i32) -> Result<Raw> {
    match *x {}
}
pub fn matmul(a: &Raw, _: &Raw) -> Result<Raw> {
    match *a {}
}
pub fn softmax(x: &Raw, _: &[i32], _: bool) -> Result<Raw> {
    match *x {}
}
pub fn concatenate(xs: &[&Raw], _: i32) -> Result<Raw> {
    match xs.first() {
        Some(x) => match **x {},
        None => Err(Error::NotBuilt),
    }
}
pub fn pad(x: &Raw, _: &[usize], _: &[usize], _: &Raw) -> Result<Raw> {
    match *x {}
}
pub fn take(x: &Raw, _: &Raw, _: i32, _: bool) -> Result<Raw> {
    match *x {}
}
pub fn arange(_: f64, _: f64, _: f64, _: Dtype) -> Result<Raw> {
    Err(Error::NotBuilt)
}
pub fn full(_: &[usize], value: &Raw, _: Dtype) -> Result<Raw> {
    match *value {}
}
pub fn clone(x: &Raw) -> Result<Raw> {
    match *x {}
}
pub fn partition(_: i32, x: &Raw, _: i32, _: i32) -> Result<Raw> {
    match *x {}
}
pub fn scatter_axis(_: i32, x: &Raw, _: &Raw, _: &Raw, _: i32) -> Result<Raw> {
    match *x {}
}
pub fn rms_norm(x: &Raw, _: &Raw, _: f32) -> Result<Raw> {
    match *x {}
}
pub fn view(x: &Raw, _: Dtype) -> Result<Raw> {
    match *x {}
}
pub fn conv(x: &Raw, _: &Raw, _: &crate::ConvParams<'_>) -> Result<Raw> {
    match *x {}
}
pub fn fft(x: &Raw, _: &[usize], _: &[i32], _: bool, _: bool) -> Result<Raw> {
    match *x {}
}
pub fn eye_tri(_: i32, _: i32, _: i32, _: i32, _: Dtype) -> Result<Raw> {
    Err(Error::NotBuilt)
}
pub fn random_bits(_: &[usize], _: i32, key: &Raw) -> Result<Raw> {
    match *key {}
}
pub fn searchsorted(x: &Raw, _: &Raw, _: bool) -> Result<Raw> {
    match *x {}
}
pub fn quantize(x: &Raw, _: i32, _: i32, _: i32) -> Result<Raw> {
    match *x {}
}
pub fn dequantize(x: &Raw, _: &Raw, _: &Raw, _: i32, _: i32) -> Result<Raw> {
    match *x {}
}
pub fn quantized_matmul(
    x: &Raw,
    _: &Raw,
    _: &Raw,
    _: &Raw,
    _: bool,
    _: i32,
    _: i32,
) -> Result<Raw> {
    match *x {}
}
