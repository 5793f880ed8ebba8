//! Random bits from threefry-2x32 (20 rounds), laid out exactly as MLX's CPU
//! backend lays them out, so a key draws the same bits here and in MLX.
//!
//! For each key (the input's last axis holds `[k0, k1]`), the key's share of
//! the output bytes is filled as 32-bit words: with `half` the number of word
//! pairs, counter `(i, half + i)` hashes to words `i` and `half + i`; an odd
//! word count takes word `half` from the hash of `(half, 0)`, as MLX's
//! `RandomBits` does.

use crate::strided::{contiguous, output};
use crate::{internal, unsupported, KResult};
use mlx_core::{Dtype, HostBuffer, OpCall};

/// The threefry-2x32 block function with 20 rounds.
pub fn threefry2x32(key: (u32, u32), count: (u32, u32)) -> (u32, u32) {
    const ROT: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];
    let ks = [key.0, key.1, key.0 ^ key.1 ^ 0x1BD1_1BDA];
    let (mut x0, mut x1) = (count.0.wrapping_add(ks[0]), count.1.wrapping_add(ks[1]));
    for i in 0..5 {
        for &r in &ROT[i % 2] {
            x0 = x0.wrapping_add(x1);
            x1 = x1.rotate_left(r);
            x1 ^= x0;
        }
        x0 = x0.wrapping_add(ks[(i + 1) % 3]);
        x1 = x1.wrapping_add(ks[(i + 2) % 3]).wrapping_add(i as u32 + 1);
    }
    (x0, x1)
}

/// `RandomBits { width }`.
pub fn random_bits(width: u8, call: &OpCall<'_>) -> KResult {
    let key = &call.inputs[0];
    if key.dtype != Dtype::Uint32 {
        return Err(unsupported(call.primitive, "keys are uint32"));
    }
    let keys = contiguous::<u32>(key)?;
    let num_keys = (keys.len() / 2).max(1);
    let n: usize = call.shape.iter().product();
    let mut buf = HostBuffer::alloc(call.dtype, n);
    let bytes_total = n * width as usize;
    let mut bytes = vec![0u8; bytes_total];
    let bytes_per_key = bytes_total / num_keys;
    let words = bytes_per_key.div_ceil(4);
    let half = words / 2;
    let even = words.is_multiple_of(2);
    for (ki, chunk) in bytes
        .chunks_mut(bytes_per_key.max(1))
        .enumerate()
        .take(num_keys)
    {
        let k = (keys[2 * ki], keys[2 * ki + 1]);
        let mut w = vec![0u32; words];
        let second = half + usize::from(!even);
        for i in 0..half {
            let (a, b) = threefry2x32(k, (i as u32, (second + i) as u32));
            w[i] = a;
            if second + i < words {
                w[second + i] = b;
            }
        }
        if !even {
            w[half] = threefry2x32(k, (half as u32, 0)).0;
        }
        for (dst, src) in chunk.iter_mut().zip(w.iter().flat_map(|x| x.to_le_bytes())) {
            *dst = src;
        }
    }
    let out = buf.as_mut_slice::<u8>().ok();
    match out {
        Some(o) => o.copy_from_slice(&bytes),
        None => match call.dtype {
            Dtype::Uint16 => buf
                .as_mut_slice::<u16>()
                .map_err(internal)?
                .iter_mut()
                .zip(bytes.chunks_exact(2))
                .for_each(|(d, b)| *d = u16::from_le_bytes([b[0], b[1]])),
            Dtype::Uint32 => buf
                .as_mut_slice::<u32>()
                .map_err(internal)?
                .iter_mut()
                .zip(bytes.chunks_exact(4))
                .for_each(|(d, b)| *d = u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            d => return Err(unsupported(call.primitive, format!("random bits as {d}"))),
        },
    }
    let _ = width;
    Ok(output(buf, call.shape))
}
