// The C ABI of mlx-sys over MLX's C++ API (written for MLX 0.32.4).
//
// Rules of this file:
// * every exported function is `extern "C"` and `noexcept`-by-construction:
//   its body runs inside `guard`, which catches every C++ exception and
//   turns it into a non-zero return code plus a thread-local message
//   (`mlxs_last_error`); no exception ever crosses into Rust;
// * an `mlxs_array` is a heap-allocated `mlx::core::array` (a shared handle);
//   the caller owns every `mlxs_array*` returned through an out-parameter and
//   frees it with `mlxs_array_free`;
// * inputs are never written: MLX only writes into memory it owns, and data
//   given through `mlxs_array_from_external` is not owned by MLX (it is
//   never donated to an output).
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mlx/mlx.h"
#include "mlx/version.h"

namespace mx = mlx::core;

#define MLXS_ABI_VERSION 1

struct mlxs_array {
  mx::array a;
};

namespace {

thread_local std::string last_error;

template <typename F>
int guard(F&& f) {
  try {
    f();
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return 1;
  } catch (...) {
    last_error = "unknown C++ exception";
    return 2;
  }
}

mx::Dtype to_dtype(int32_t code) {
  switch (code) {
    case 0: return mx::bool_;
    case 1: return mx::uint8;
    case 2: return mx::uint16;
    case 3: return mx::uint32;
    case 4: return mx::uint64;
    case 5: return mx::int8;
    case 6: return mx::int16;
    case 7: return mx::int32;
    case 8: return mx::int64;
    case 9: return mx::float16;
    case 10: return mx::float32;
    case 11: return mx::float64;
    case 12: return mx::bfloat16;
    case 13: return mx::complex64;
    default: throw std::invalid_argument("mlx-sys: unknown dtype code " + std::to_string(code));
  }
}

int32_t from_dtype(mx::Dtype d) {
  switch (d.val()) {
    case mx::Dtype::Val::bool_: return 0;
    case mx::Dtype::Val::uint8: return 1;
    case mx::Dtype::Val::uint16: return 2;
    case mx::Dtype::Val::uint32: return 3;
    case mx::Dtype::Val::uint64: return 4;
    case mx::Dtype::Val::int8: return 5;
    case mx::Dtype::Val::int16: return 6;
    case mx::Dtype::Val::int32: return 7;
    case mx::Dtype::Val::int64: return 8;
    case mx::Dtype::Val::float16: return 9;
    case mx::Dtype::Val::float32: return 10;
    case mx::Dtype::Val::float64: return 11;
    case mx::Dtype::Val::bfloat16: return 12;
    case mx::Dtype::Val::complex64: return 13;
  }
  return -1;
}

mx::Shape to_shape(const int64_t* shape, size_t ndim) {
  mx::Shape s;
  for (size_t i = 0; i < ndim; ++i) {
    if (shape[i] < 0 || shape[i] > INT32_MAX) {
      throw std::invalid_argument("mlx-sys: dimension out of range");
    }
    s.push_back(static_cast<int32_t>(shape[i]));
  }
  return s;
}

void put(mlxs_array** out, mx::array a) {
  *out = new mlxs_array{std::move(a)};
}

}  // namespace

extern "C" {

uint32_t mlxs_abi_version(void) { return MLXS_ABI_VERSION; }

// MLX_VERSION_NUMERIC of the headers this file was compiled with.
int32_t mlxs_header_version(void) { return MLX_VERSION_NUMERIC; }

// The version string of the loaded libmlx (`mx::version()`).
const char* mlxs_runtime_version(void) { return mx::version(); }

// The message of the last failed call on this thread (valid until the next
// failing call on this thread).
const char* mlxs_last_error(void) { return last_error.c_str(); }

void mlxs_array_free(mlxs_array* a) { delete a; }

int mlxs_array_clone(const mlxs_array* a, mlxs_array** out) {
  return guard([&] { put(out, a->a); });
}

// A new array holding a copy of `nbytes` bytes.
int mlxs_array_from_bytes(const void* data, size_t nbytes, const int64_t* shape,
                          size_t ndim, int32_t dtype, mlxs_array** out) {
  return guard([&] {
    auto dt = to_dtype(dtype);
    auto s = to_shape(shape, ndim);
    size_t n = 1;
    for (auto d : s) n *= static_cast<size_t>(d);
    if (n * dt.size() != nbytes) {
      throw std::invalid_argument("mlx-sys: byte length does not match shape and dtype");
    }
    auto buf = mx::allocator::malloc(nbytes);
    if (nbytes > 0) std::memcpy(buf.buffer().raw_ptr(), data, nbytes);
    put(out, mx::array(std::move(buf), std::move(s), dt));
  });
}

// An array over memory the caller keeps alive until `release(ctx)` is
// called. `release` is called exactly once (also when this call fails).
int mlxs_array_from_external(void* data, const int64_t* shape, size_t ndim,
                             int32_t dtype, void (*release)(void*), void* ctx,
                             mlxs_array** out) {
  struct Keep {
    void (*release)(void*);
    void* ctx;
    ~Keep() { release(ctx); }
  };
  return guard([&] {
    // Not make_shared: a temporary Keep would run the release early.
    std::shared_ptr<Keep> keep(new Keep{release, ctx});
    auto dt = to_dtype(dtype);
    auto s = to_shape(shape, ndim);
    std::function<void(void*)> deleter = [k = keep](void*) mutable { k.reset(); };
    put(out, mx::array(data, std::move(s), dt, deleter));
  });
}

int32_t mlxs_array_dtype(const mlxs_array* a) { return from_dtype(a->a.dtype()); }
size_t mlxs_array_ndim(const mlxs_array* a) { return a->a.ndim(); }
size_t mlxs_array_size(const mlxs_array* a) { return a->a.size(); }

void mlxs_array_shape(const mlxs_array* a, int64_t* out) {
  for (size_t i = 0; i < a->a.ndim(); ++i) out[i] = a->a.shape()[i];
}

// Strides in elements (only meaningful once evaluated).
void mlxs_array_strides(const mlxs_array* a, int64_t* out) {
  for (size_t i = 0; i < a->a.ndim(); ++i) out[i] = a->a.strides()[i];
}

int mlxs_array_is_row_contiguous(const mlxs_array* a) {
  return a->a.flags().row_contiguous ? 1 : 0;
}

// Evaluates `a` and makes it row-contiguous (replacing it with a contiguous
// copy when MLX returned a strided view).
int mlxs_eval(mlxs_array* a) {
  return guard([&] {
    mx::eval({a->a});
    if (!a->a.flags().row_contiguous) {
      auto c = mx::contiguous(a->a);
      mx::eval({c});
      if (!c.flags().row_contiguous) {
        throw std::runtime_error("mlx-sys: contiguous() returned a strided array");
      }
      a->a = std::move(c);
    }
  });
}

// The first element of an evaluated array (null when empty).
const void* mlxs_array_data(const mlxs_array* a) {
  if (a->a.size() == 0) return nullptr;
  return a->a.data<char>();
}

int mlxs_unary(int32_t op, const mlxs_array* x, mlxs_array** out) {
  return guard([&] {
    const auto& a = x->a;
    mx::array r = [&]() -> mx::array {
      switch (op) {
        case 0: return mx::abs(a);
        case 1: return mx::negative(a);
        case 2: return mx::sign(a);
        case 3: return mx::square(a);
        case 4: return mx::sqrt(a);
        case 5: return mx::rsqrt(a);
        case 6: return mx::reciprocal(a);
        case 7: return mx::exp(a);
        case 8: return mx::expm1(a);
        case 9: return mx::log(a);
        case 10: return mx::log1p(a);
        case 11: return mx::log2(a);
        case 12: return mx::log10(a);
        case 13: return mx::sin(a);
        case 14: return mx::cos(a);
        case 15: return mx::tan(a);
        case 16: return mx::arcsin(a);
        case 17: return mx::arccos(a);
        case 18: return mx::arctan(a);
        case 19: return mx::sinh(a);
        case 20: return mx::cosh(a);
        case 21: return mx::tanh(a);
        case 22: return mx::arcsinh(a);
        case 23: return mx::arccosh(a);
        case 24: return mx::arctanh(a);
        case 25: return mx::sigmoid(a);
        case 26: return mx::erf(a);
        case 27: return mx::erfinv(a);
        case 28: return mx::floor(a);
        case 29: return mx::ceil(a);
        case 30: return mx::round(a);
        case 31: return mx::logical_not(a);
        case 32: return mx::bitwise_invert(a);
        case 33: return mx::isnan(a);
        case 34: return mx::isinf(a);
        case 35: return mx::isposinf(a);
        case 36: return mx::isneginf(a);
        case 37: return mx::isfinite(a);
        case 38: return mx::conjugate(a);
        case 39: return mx::real(a);
        case 40: return mx::imag(a);
        default: throw std::invalid_argument("mlx-sys: unknown unary op " + std::to_string(op));
      }
    }();
    put(out, std::move(r));
  });
}

int mlxs_binary(int32_t op, const mlxs_array* x, const mlxs_array* y, mlxs_array** out) {
  return guard([&] {
    const auto& a = x->a;
    const auto& b = y->a;
    mx::array r = [&]() -> mx::array {
      switch (op) {
        case 0: return mx::add(a, b);
        case 1: return mx::subtract(a, b);
        case 2: return mx::multiply(a, b);
        case 3: return mx::divide(a, b);
        case 4: return mx::floor_divide(a, b);
        case 5: return mx::remainder(a, b);
        case 6: return mx::power(a, b);
        case 7: return mx::maximum(a, b);
        case 8: return mx::minimum(a, b);
        case 9: return mx::arctan2(a, b);
        case 10: return mx::logaddexp(a, b);
        case 11: return mx::equal(a, b);
        case 12: return mx::not_equal(a, b);
        case 13: return mx::less(a, b);
        case 14: return mx::less_equal(a, b);
        case 15: return mx::greater(a, b);
        case 16: return mx::greater_equal(a, b);
        case 17: return mx::logical_and(a, b);
        case 18: return mx::logical_or(a, b);
        case 19: return mx::bitwise_and(a, b);
        case 20: return mx::bitwise_or(a, b);
        case 21: return mx::bitwise_xor(a, b);
        case 22: return mx::left_shift(a, b);
        case 23: return mx::right_shift(a, b);
        default: throw std::invalid_argument("mlx-sys: unknown binary op " + std::to_string(op));
      }
    }();
    put(out, std::move(r));
  });
}

int mlxs_where(const mlxs_array* c, const mlxs_array* x, const mlxs_array* y, mlxs_array** out) {
  return guard([&] { put(out, mx::where(c->a, x->a, y->a)); });
}

int mlxs_astype(const mlxs_array* x, int32_t dtype, mlxs_array** out) {
  return guard([&] { put(out, mx::astype(x->a, to_dtype(dtype))); });
}

// 0 sum, 1 prod, 2 max, 3 min, 4 all, 5 any, 6 mean, 7 logsumexp.
int mlxs_reduce(int32_t op, const mlxs_array* x, const int32_t* axes, size_t naxes,
                int keepdims, mlxs_array** out) {
  return guard([&] {
    std::vector<int> ax(axes, axes + naxes);
    bool k = keepdims != 0;
    const auto& a = x->a;
    mx::array r = [&]() -> mx::array {
      switch (op) {
        case 0: return mx::sum(a, ax, k);
        case 1: return mx::prod(a, ax, k);
        case 2: return mx::max(a, ax, k);
        case 3: return mx::min(a, ax, k);
        case 4: return mx::all(a, ax, k);
        case 5: return mx::any(a, ax, k);
        case 6: return mx::mean(a, ax, k);
        case 7: return mx::logsumexp(a, ax, k);
        default: throw std::invalid_argument("mlx-sys: unknown reduction " + std::to_string(op));
      }
    }();
    put(out, std::move(r));
  });
}

// 0 argmax, 1 argmin.
int mlxs_argreduce(int32_t op, const mlxs_array* x, int32_t axis, int keepdims, mlxs_array** out) {
  return guard([&] {
    bool k = keepdims != 0;
    switch (op) {
      case 0: put(out, mx::argmax(x->a, axis, k)); break;
      case 1: put(out, mx::argmin(x->a, axis, k)); break;
      default: throw std::invalid_argument("mlx-sys: unknown arg reduction");
    }
  });
}

// 0 cumsum, 1 cumprod, 2 cummax, 3 cummin, 4 logcumsumexp.
int mlxs_scan(int32_t op, const mlxs_array* x, int32_t axis, int reverse, int inclusive,
              mlxs_array** out) {
  return guard([&] {
    bool rv = reverse != 0, inc = inclusive != 0;
    const auto& a = x->a;
    switch (op) {
      case 0: put(out, mx::cumsum(a, axis, rv, inc)); break;
      case 1: put(out, mx::cumprod(a, axis, rv, inc)); break;
      case 2: put(out, mx::cummax(a, axis, rv, inc)); break;
      case 3: put(out, mx::cummin(a, axis, rv, inc)); break;
      case 4: put(out, mx::logcumsumexp(a, axis, rv, inc)); break;
      default: throw std::invalid_argument("mlx-sys: unknown scan");
    }
  });
}

// 0 sort, 1 argsort.
int mlxs_sort(int32_t op, const mlxs_array* x, int32_t axis, mlxs_array** out) {
  return guard([&] {
    switch (op) {
      case 0: put(out, mx::sort(x->a, axis)); break;
      case 1: put(out, mx::argsort(x->a, axis)); break;
      default: throw std::invalid_argument("mlx-sys: unknown sort");
    }
  });
}

int mlxs_matmul(const mlxs_array* x, const mlxs_array* y, mlxs_array** out) {
  return guard([&] { put(out, mx::matmul(x->a, y->a)); });
}

int mlxs_softmax(const mlxs_array* x, const int32_t* axes, size_t naxes, int precise,
                 mlxs_array** out) {
  return guard([&] {
    std::vector<int> ax(axes, axes + naxes);
    put(out, mx::softmax(x->a, ax, precise != 0));
  });
}

int mlxs_concatenate(const mlxs_array* const* xs, size_t n, int32_t axis, mlxs_array** out) {
  return guard([&] {
    std::vector<mx::array> v;
    v.reserve(n);
    for (size_t i = 0; i < n; ++i) v.push_back(xs[i]->a);
    put(out, mx::concatenate(std::move(v), axis));
  });
}

// Constant padding of every axis: `low[i]` before and `high[i]` after axis
// `i`, filled with the 0-d array `value`.
int mlxs_pad(const mlxs_array* x, const int64_t* low, const int64_t* high, size_t ndim,
             const mlxs_array* value, mlxs_array** out) {
  return guard([&] {
    std::vector<int> axes;
    for (size_t i = 0; i < ndim; ++i) axes.push_back(static_cast<int>(i));
    put(out, mx::pad(x->a, axes, to_shape(low, ndim), to_shape(high, ndim), value->a, "constant"));
  });
}

int mlxs_take(const mlxs_array* x, const mlxs_array* idx, int32_t axis, mlxs_array** out) {
  return guard([&] { put(out, mx::take(x->a, idx->a, axis)); });
}

int mlxs_take_along_axis(const mlxs_array* x, const mlxs_array* idx, int32_t axis,
                         mlxs_array** out) {
  return guard([&] { put(out, mx::take_along_axis(x->a, idx->a, axis)); });
}

// A strided view over the row-contiguous data of `x` (strides and offset in
// elements).
int mlxs_as_strided(const mlxs_array* x, const int64_t* shape, const int64_t* strides,
                    size_t ndim, size_t offset, mlxs_array** out) {
  return guard([&] {
    mx::Strides st(strides, strides + ndim);
    put(out, mx::as_strided(x->a, to_shape(shape, ndim), std::move(st), offset));
  });
}

int mlxs_arange(double start, double stop, double step, int32_t dtype, mlxs_array** out) {
  return guard([&] { put(out, mx::arange(start, stop, step, to_dtype(dtype))); });
}

int mlxs_full(const int64_t* shape, size_t ndim, const mlxs_array* value, int32_t dtype,
              mlxs_array** out) {
  return guard([&] { put(out, mx::full(to_shape(shape, ndim), value->a, to_dtype(dtype))); });
}

// 0 partition, 1 argpartition.
int mlxs_partition(int32_t op, const mlxs_array* x, int32_t kth, int32_t axis, mlxs_array** out) {
  return guard([&] {
    switch (op) {
      case 0: put(out, mx::partition(x->a, kth, axis)); break;
      case 1: put(out, mx::argpartition(x->a, kth, axis)); break;
      default: throw std::invalid_argument("mlx-sys: unknown partition");
    }
  });
}

// 0 put_along_axis, 1 scatter_add_axis.
int mlxs_scatter_axis(int32_t op, const mlxs_array* x, const mlxs_array* idx,
                      const mlxs_array* upd, int32_t axis, mlxs_array** out) {
  return guard([&] {
    switch (op) {
      case 0: put(out, mx::put_along_axis(x->a, idx->a, upd->a, axis)); break;
      case 1: put(out, mx::scatter_add_axis(x->a, idx->a, upd->a, axis)); break;
      default: throw std::invalid_argument("mlx-sys: unknown scatter");
    }
  });
}

int mlxs_rms_norm(const mlxs_array* x, const mlxs_array* w, float eps, mlxs_array** out) {
  return guard([&] { put(out, mx::fast::rms_norm(x->a, w->a, eps)); });
}

int mlxs_view(const mlxs_array* x, int32_t dtype, mlxs_array** out) {
  return guard([&] { put(out, mx::view(x->a, to_dtype(dtype))); });
}

// conv_general; every per-axis list has `nspatial` entries.
int mlxs_conv(const mlxs_array* x, const mlxs_array* w, const int32_t* stride,
              const int32_t* pad_lo, const int32_t* pad_hi, const int32_t* kdil,
              const int32_t* idil, size_t nspatial, int32_t groups, int flip,
              mlxs_array** out) {
  return guard([&] {
    auto v = [&](const int32_t* p) { return std::vector<int>(p, p + nspatial); };
    put(out, mx::conv_general(x->a, w->a, v(stride), v(pad_lo), v(pad_hi), v(kdil), v(idil),
                              groups, flip != 0));
  });
}

// fftn / ifftn (complex), rfftn / irfftn (real) over `axes` with lengths `n`.
int mlxs_fft(const mlxs_array* x, const int64_t* n, const int32_t* axes, size_t naxes,
             int inverse, int real, mlxs_array** out) {
  return guard([&] {
    auto ns = to_shape(n, naxes);
    std::vector<int> ax(axes, axes + naxes);
    if (real) {
      put(out, inverse ? mx::fft::irfftn(x->a, ns, ax) : mx::fft::rfftn(x->a, ns, ax));
    } else {
      put(out, inverse ? mx::fft::ifftn(x->a, ns, ax) : mx::fft::fftn(x->a, ns, ax));
    }
  });
}

// 0 eye, 1 tri.
int mlxs_eye_tri(int32_t op, int32_t n, int32_t m, int32_t k, int32_t dtype, mlxs_array** out) {
  return guard([&] {
    auto dt = to_dtype(dtype);
    put(out, op == 0 ? mx::eye(n, m, k, dt) : mx::tri(n, m, k, dt));
  });
}

// Random bits of `width` bytes per element from a threefry key.
int mlxs_random_bits(const int64_t* shape, size_t ndim, int32_t width, const mlxs_array* key,
                     mlxs_array** out) {
  return guard([&] { put(out, mx::random::bits(to_shape(shape, ndim), width, key->a)); });
}

int mlxs_searchsorted(const mlxs_array* sorted, const mlxs_array* values, int right,
                      mlxs_array** out) {
  return guard([&] {
    put(out, mx::searchsorted(sorted->a, values->a, right ? "right" : "left"));
  });
}

// Affine quantization: output `part` (0 words, 1 scales, 2 biases).
int mlxs_quantize(const mlxs_array* w, int32_t group_size, int32_t bits, int32_t part,
                  mlxs_array** out) {
  return guard([&] {
    auto r = mx::quantize(w->a, group_size, bits, "affine");
    if (part < 0 || static_cast<size_t>(part) >= r.size()) {
      throw std::invalid_argument("mlx-sys: quantize has no such output");
    }
    put(out, r[part]);
  });
}

int mlxs_dequantize(const mlxs_array* w, const mlxs_array* scales, const mlxs_array* biases,
                    int32_t group_size, int32_t bits, mlxs_array** out) {
  return guard([&] {
    put(out, mx::dequantize(w->a, scales->a, biases->a, group_size, bits, "affine"));
  });
}

int mlxs_quantized_matmul(const mlxs_array* x, const mlxs_array* w, const mlxs_array* scales,
                          const mlxs_array* biases, int transpose, int32_t group_size,
                          int32_t bits, mlxs_array** out) {
  return guard([&] {
    put(out, mx::quantized_matmul(x->a, w->a, scales->a, biases->a, transpose != 0, group_size,
                                  bits, "affine"));
  });
}

}  // extern "C"
