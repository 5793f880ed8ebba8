//! Sorting along one axis: `sort`, `argsort` (stable, NaN last) and
//! `partition`, `argpartition` (C++ `std::nth_element` as libstdc++ runs
//! it, so the order of the unsorted parts matches MLX's CPU backend).
//!
//! Each line along the axis is gathered into a contiguous row (directly
//! when the axis is last and the input row-contiguous), sorted or
//! partitioned, and written back; lines run in parallel.

use crate::indexing::nan_less;
use crate::num::Num;
use crate::strided::{contiguous, output};
use crate::{internal, KResult, PARALLEL_THRESHOLD};
use mlx_core::{ArrayData, Dtype, HostBuffer, Layout, OpCall};
use rayon::prelude::*;
use std::cmp::Ordering;

/// What to do with each line.
#[derive(Clone, Copy)]
enum Job {
    Sort,
    ArgSort,
    Partition(usize),
    ArgPartition(usize),
}

/// `Sort { axis }`.
pub fn sort(axis: usize, call: &OpCall<'_>) -> KResult {
    run(Job::Sort, axis, call)
}

/// `ArgSort { axis }`.
pub fn argsort(axis: usize, call: &OpCall<'_>) -> KResult {
    run(Job::ArgSort, axis, call)
}

/// `Partition { axis, kth }`.
pub fn partition(axis: usize, kth: usize, call: &OpCall<'_>) -> KResult {
    run(Job::Partition(kth), axis, call)
}

/// `ArgPartition { axis, kth }`.
pub fn argpartition(axis: usize, kth: usize, call: &OpCall<'_>) -> KResult {
    run(Job::ArgPartition(kth), axis, call)
}

fn run(job: Job, axis: usize, call: &OpCall<'_>) -> KResult {
    let x = &call.inputs[0];
    mlx_core::dispatch_dtype!(x.dtype, T => typed::<T>(job, axis, x, call))
}

fn ordering<T: Num>(a: T, b: T) -> Ordering {
    if nan_less(a, b) {
        Ordering::Less
    } else if nan_less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn typed<T: Num>(job: Job, axis: usize, x: &ArrayData, call: &OpCall<'_>) -> KResult {
    let shape = x.layout.shape();
    let nd = shape.len();
    let n = shape[axis];
    let total: usize = shape.iter().product();
    // lines along the axis, each contiguous
    let mut perm: Vec<usize> = (0..nd).filter(|&a| a != axis).collect();
    perm.push(axis);
    let moved = ArrayData {
        layout: x.layout.transpose(&perm),
        ..x.clone()
    };
    let lines = contiguous::<T>(&moved)?;
    let lines: &[T] = &lines;
    let big = total > PARALLEL_THRESHOLD;
    match job {
        Job::Sort | Job::Partition(_) => {
            let mut rows = lines.to_vec();
            let f = |r: &mut [T]| match job {
                Job::Partition(k) => nth_element(r, k, &|a: &T, b: &T| nan_less(*a, *b)),
                _ => r.sort_by(|a, b| ordering(*a, *b)),
            };
            if n > 0 {
                if big {
                    rows.par_chunks_mut(n).for_each(f);
                } else {
                    rows.chunks_mut(n).for_each(f);
                }
            }
            put_back(rows, axis, &perm, shape, T::DTYPE, call)
        }
        Job::ArgSort | Job::ArgPartition(_) => {
            let mut rows = vec![0u32; total];
            let f = |(r, src): (&mut [u32], &[T])| {
                r.iter_mut().enumerate().for_each(|(i, v)| *v = i as u32);
                match job {
                    Job::ArgPartition(k) => nth_element(r, k, &|&a: &u32, &b: &u32| {
                        let (va, vb) = (src[a as usize], src[b as usize]);
                        if va.is_nan() {
                            return false;
                        }
                        if vb.is_nan() {
                            return true;
                        }
                        va.lt(vb) || (va.eq(vb) && a < b)
                    }),
                    _ => r.sort_by(|&a, &b| ordering(src[a as usize], src[b as usize])),
                }
            };
            if n > 0 {
                if big {
                    rows.par_chunks_mut(n).zip(lines.par_chunks(n)).for_each(f);
                } else {
                    rows.chunks_mut(n).zip(lines.chunks(n)).for_each(f);
                }
            }
            put_back(rows, axis, &perm, shape, Dtype::Uint32, call)
        }
    }
}

/// Writes rows laid out in `perm` order back in the original axis order.
fn put_back<U: mlx_core::Native>(
    rows: Vec<U>,
    axis: usize,
    perm: &[usize],
    shape: &[usize],
    dtype: Dtype,
    call: &OpCall<'_>,
) -> KResult {
    let mut buf = HostBuffer::alloc(dtype, rows.len());
    let out = buf.as_mut_slice::<U>().map_err(internal)?;
    if axis + 1 == shape.len() || rows.is_empty() {
        out.copy_from_slice(&rows);
    } else {
        // `rows` is the row-major array of the transposed shape: read it
        // through the inverse permutation
        let pshape: Vec<usize> = perm.iter().map(|&a| shape[a]).collect();
        let mut inv = vec![0usize; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            inv[p] = i;
        }
        let back = Layout::contiguous(&pshape).transpose(&inv);
        crate::strided::gather_range(&rows, &back, 0, out);
    }
    Ok(output(buf, call.shape))
}

/// libstdc++'s `std::nth_element` (introselect): after it, `v[k]` holds
/// the element a full sort would put there, smaller ones before it and
/// larger ones after, in the exact order the C++ library leaves them.
pub(crate) fn nth_element<E: Copy>(v: &mut [E], k: usize, less: &impl Fn(&E, &E) -> bool) {
    let n = v.len();
    if n == 0 || k >= n {
        return;
    }
    let depth = 2 * (usize::BITS - 1 - n.leading_zeros()) as usize;
    introselect(v, 0, k, n, depth, less);
}

fn introselect<E: Copy>(
    v: &mut [E],
    mut first: usize,
    nth: usize,
    mut last: usize,
    mut depth: usize,
    less: &impl Fn(&E, &E) -> bool,
) {
    while last - first > 3 {
        if depth == 0 {
            heap_select(v, first, nth + 1, last, less);
            v.swap(first, nth);
            return;
        }
        depth -= 1;
        let cut = partition_pivot(v, first, last, less);
        if cut <= nth {
            first = cut;
        } else {
            last = cut;
        }
    }
    insertion_sort(v, first, last, less);
}

fn partition_pivot<E: Copy>(
    v: &mut [E],
    first: usize,
    last: usize,
    less: &impl Fn(&E, &E) -> bool,
) -> usize {
    let mid = first + (last - first) / 2;
    move_median_to_first(v, first, first + 1, mid, last - 1, less);
    unguarded_partition(v, first + 1, last, first, less)
}

fn move_median_to_first<E: Copy>(
    v: &mut [E],
    result: usize,
    a: usize,
    b: usize,
    c: usize,
    less: &impl Fn(&E, &E) -> bool,
) {
    let pick = if less(&v[a], &v[b]) {
        if less(&v[b], &v[c]) {
            b
        } else if less(&v[a], &v[c]) {
            c
        } else {
            a
        }
    } else if less(&v[a], &v[c]) {
        a
    } else if less(&v[b], &v[c]) {
        c
    } else {
        b
    };
    v.swap(result, pick);
}

fn unguarded_partition<E: Copy>(
    v: &mut [E],
    mut first: usize,
    mut last: usize,
    pivot: usize,
    less: &impl Fn(&E, &E) -> bool,
) -> usize {
    loop {
        while less(&v[first], &v[pivot]) {
            first += 1;
        }
        last -= 1;
        while less(&v[pivot], &v[last]) {
            last -= 1;
        }
        if first >= last {
            return first;
        }
        v.swap(first, last);
        first += 1;
    }
}

fn insertion_sort<E: Copy>(v: &mut [E], first: usize, last: usize, less: &impl Fn(&E, &E) -> bool) {
    if first == last {
        return;
    }
    for i in first + 1..last {
        let val = v[i];
        if less(&val, &v[first]) {
            v.copy_within(first..i, first + 1);
            v[first] = val;
        } else {
            let mut j = i;
            while less(&val, &v[j - 1]) {
                v[j] = v[j - 1];
                j -= 1;
            }
            v[j] = val;
        }
    }
}

/// libstdc++'s `__heap_select`: a max-heap of the first `middle - first`
/// elements keeps the smallest ones seen.
fn heap_select<E: Copy>(
    v: &mut [E],
    first: usize,
    middle: usize,
    last: usize,
    less: &impl Fn(&E, &E) -> bool,
) {
    let len = middle - first;
    // make_heap
    if len >= 2 {
        let mut parent = (len - 2) / 2;
        loop {
            let val = v[first + parent];
            adjust_heap(v, first, parent, len, val, less);
            if parent == 0 {
                break;
            }
            parent -= 1;
        }
    }
    for i in middle..last {
        if less(&v[i], &v[first]) {
            // pop_heap(first, middle, i)
            let val = v[i];
            v[i] = v[first];
            adjust_heap(v, first, 0, len, val, less);
        }
    }
}

/// libstdc++'s `__adjust_heap`: sift the hole at `hole` down, then push
/// `val` up from where it stopped.
fn adjust_heap<E: Copy>(
    v: &mut [E],
    first: usize,
    mut hole: usize,
    len: usize,
    val: E,
    less: &impl Fn(&E, &E) -> bool,
) {
    let top = hole;
    let mut child = hole;
    while child < (len.saturating_sub(1)) / 2 {
        child = 2 * (child + 1);
        if less(&v[first + child], &v[first + child - 1]) {
            child -= 1;
        }
        v[first + hole] = v[first + child];
        hole = child;
    }
    if len & 1 == 0 && len >= 2 && child == (len - 2) / 2 {
        child = 2 * (child + 1);
        v[first + hole] = v[first + child - 1];
        hole = child - 1;
    }
    // push_heap
    let mut parent = hole.saturating_sub(1) / 2;
    while hole > top && less(&v[first + parent], &val) {
        v[first + hole] = v[first + parent];
        hole = parent;
        parent = hole.saturating_sub(1) / 2;
    }
    v[first + hole] = val;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(n: usize, seed: u64) -> Vec<i32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 33) % 50) as i32
            })
            .collect()
    }

    #[test]
    fn nth_element_partitions_around_k() {
        for n in [0usize, 1, 2, 3, 4, 5, 17, 100, 1000] {
            for k in [0, n / 3, n / 2, n.saturating_sub(1)] {
                let mut v = lcg(n, n as u64 * 31 + k as u64);
                let mut sorted = v.clone();
                sorted.sort();
                nth_element(&mut v, k, &|a: &i32, b: &i32| a < b);
                if n == 0 {
                    continue;
                }
                assert_eq!(v[k], sorted[k], "n={n} k={k}");
                assert!(v[..k].iter().all(|&x| x <= v[k]));
                assert!(v[k + 1..].iter().all(|&x| x >= v[k]));
                let mut again = v.clone();
                again.sort();
                assert_eq!(again, sorted);
            }
        }
    }

    #[test]
    fn heap_select_keeps_the_smallest() {
        let mut v = lcg(40, 7);
        let mut sorted = v.clone();
        sorted.sort();
        heap_select(&mut v, 0, 10, 40, &|a: &i32, b: &i32| a < b);
        let mut head = v[..10].to_vec();
        head.sort();
        assert_eq!(head, sorted[..10]);
        // the heap's top is the largest of the kept ones
        assert_eq!(v[0], sorted[9]);
    }

    #[test]
    fn small_ranges_match_the_cpp_order() {
        // n <= 3: insertion sort, i.e. fully sorted
        let mut v = [3, 1, 2];
        nth_element(&mut v, 0, &|a: &i32, b: &i32| a < b);
        assert_eq!(v, [1, 2, 3]);
        // MLX 0.32.4: partition([5, 1, 4, 2, 3, 9, 0], 2) on the CPU
        let mut v = [5, 1, 4, 2, 3, 9, 0];
        nth_element(&mut v, 2, &|a: &i32, b: &i32| a < b);
        assert_eq!(v[2], 2);
    }
}
