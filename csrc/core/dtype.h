// Element types, and the two switches that turn a run-time dtype into a compile-time C++ type.
//
// Half types are stored as 16 bits and computed in float32, as PyTorch does on CPU: every kernel
// reads an element into `compute_t<T>`, does its math there, and rounds once when it stores.
// Complex types are std::complex<float> / std::complex<double>: two reals, the real part first (the
// layout `bitcast` and NumPy's complex64/complex128 share).
// uint16/uint32/uint64 and complex32 have PyTorch's "limited support": they are stored, converted, copied
// and moved (`dispatch_copy`), while arithmetic kernels (`dispatch`, `dispatch_all`) raise
// NotImplementedError for them; bindings/module.cpp hands the elementwise ops and reductions on them to
// Python (mytorch/backends/_np_limited.py), which computes the few that PyTorch's CPU kernels have.
#pragma once
#include <complex>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "core/errors.h"

namespace mytorch {

enum class DType : int8_t {
  Bool, UInt8, Int8, Int16, Int32, Int64, Float16, BFloat16, Float32, Float64, Complex64, Complex128,
  UInt16, UInt32, UInt64, Complex32
};
constexpr int kNumDTypes = 16;

// IEEE binary16. The compiler's _Float16 converts with round-to-nearest-even (F16C instructions where
// the CPU has them); we only ever convert through float, never do arithmetic in 16 bits.
struct Half {
  _Float16 v;
  Half() = default;
  Half(float f) : v(static_cast<_Float16>(f)) {}
  operator float() const { return static_cast<float>(v); }
};

// bfloat16 is the top half of a float32: same exponent range, 8 bits of mantissa. Rounding to nearest
// even adds 0x7FFF plus the lowest kept bit before truncating; NaN is kept a (quiet) NaN.
struct BFloat16 {
  uint16_t bits;
  BFloat16() = default;
  // Both conversions are kept out of line: GCC 12 at -O3 -march=native stops with an internal compiler
  // error when it vectorises this bit manipulation inside the elementwise loops.
  [[gnu::noinline]] BFloat16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) {
      bits = static_cast<uint16_t>((u >> 16) | 0x40);
    } else {
      bits = static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    }
  }
  [[gnu::noinline]] operator float() const {
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
};

// complex32 (PyTorch's ComplexHalf): two IEEE binary16 parts, the real part first. Only copies and
// conversions touch it, through std::complex<float>.
struct ComplexHalf {
  using value_type = Half;
  Half re, im;
  ComplexHalf() = default;
  ComplexHalf(Half r, Half i) : re(r), im(i) {}
  template <typename R> ComplexHalf(const std::complex<R>& z)
      : re(static_cast<float>(z.real())), im(static_cast<float>(z.imag())) {}
  operator std::complex<float>() const { return {static_cast<float>(re), static_cast<float>(im)}; }
};

// The type a kernel computes in for elements of type T.
template <typename T> struct Compute { using type = T; };
template <> struct Compute<ComplexHalf> { using type = std::complex<float>; };
template <> struct Compute<Half> { using type = float; };
template <> struct Compute<BFloat16> { using type = float; };
template <typename T> using compute_t = typename Compute<T>::type;

// The type a loop reads elements of type T through. bool is read as its byte (always 0 or 1): GCC 12
// vectorises no loop that loads a bool beside wider types, and a mask's branchy loop mispredicts half
// its elements (where() and logical_and took 60x longer than a multiply).
template <typename T> using load_t = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;

template <typename T> constexpr bool is_floating_v =
    std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
template <typename T> constexpr bool is_complex_v =
    std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>;

inline size_t itemsize(DType dt) {
  static constexpr size_t sizes[kNumDTypes] = {1, 1, 1, 2, 4, 8, 2, 2, 4, 8, 8, 16, 2, 4, 8, 4};
  return sizes[static_cast<int>(dt)];
}

inline const char* dtype_name(DType dt) {
  static constexpr const char* names[kNumDTypes] = {"bool",    "uint8",    "int8",    "int16",
                                                    "int32",   "int64",    "float16", "bfloat16",
                                                    "float32", "float64",  "complex64", "complex128",
                                                    "uint16",  "uint32",   "uint64",  "complex32"};
  return names[static_cast<int>(dt)];
}

inline bool is_floating(DType dt) { return dt >= DType::Float16 && dt <= DType::Float64; }
inline bool is_complex(DType dt) { return dt == DType::Complex64 || dt == DType::Complex128 || dt == DType::Complex32; }

// PyTorch's name of a complex dtype in its "not implemented for" errors.
inline const char* complex_scalar_name(DType dt) {
  return dt == DType::Complex64 ? "ComplexFloat" : dt == DType::Complex32 ? "ComplexHalf" : "ComplexDouble";
}

// PyTorch's name of a dtype with limited support, for the NotImplementedError its kernels raise.
inline const char* limited_scalar_name(DType dt) {
  switch (dt) {
    case DType::UInt16: return "UInt16";
    case DType::UInt32: return "UInt32";
    case DType::UInt64: return "UInt64";
    default: return "ComplexHalf";
  }
}

// Calls f(T{}) with T the C++ type of dt, for the real (ordered) dtypes:
// `dispatch(dt, [&](auto tag) { using T = decltype(tag); ... })`. For kernels that compare, sort, round or
// take extremes, which complex numbers don't support: a complex dtype raises PyTorch's NotImplementedError.
template <typename F>
decltype(auto) dispatch(DType dt, F&& f) {
  switch (dt) {
    case DType::Bool: return f(bool{});
    case DType::UInt8: return f(uint8_t{});
    case DType::Int8: return f(int8_t{});
    case DType::Int16: return f(int16_t{});
    case DType::Int32: return f(int32_t{});
    case DType::Int64: return f(int64_t{});
    case DType::Float16: return f(Half{});
    case DType::BFloat16: return f(BFloat16{});
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    case DType::Complex64:
    case DType::Complex128:
      throw NotImplementedError(std::string("not implemented for '") + complex_scalar_name(dt) + "'");
    case DType::UInt16:
    case DType::UInt32:
    case DType::UInt64:
    case DType::Complex32:
      throw NotImplementedError(std::string("not implemented for '") + limited_scalar_name(dt) + "'");
  }
  throw std::invalid_argument("unknown dtype");
}

// The same for every dtype, complex included: for kernels that only move, convert, add and multiply
// elements (storage, copies, indexing, arithmetic, sums, products).
template <typename F>
decltype(auto) dispatch_all(DType dt, F&& f) {
  if (dt == DType::Complex64) return f(std::complex<float>{});
  if (dt == DType::Complex128) return f(std::complex<double>{});
  return dispatch(dt, std::forward<F>(f));
}

// Every dtype, those with limited support included: for kernels that only store, convert and move
// elements (assign, cast, where, advanced indexing).
template <typename F>
decltype(auto) dispatch_copy(DType dt, F&& f) {
  switch (dt) {
    case DType::UInt16: return f(uint16_t{});
    case DType::UInt32: return f(uint32_t{});
    case DType::UInt64: return f(uint64_t{});
    case DType::Complex32: return f(ComplexHalf{});
    default: return dispatch_all(dt, std::forward<F>(f));
  }
}

template <typename T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::UInt8; }
template <> constexpr DType dtype_of<int8_t>() { return DType::Int8; }
template <> constexpr DType dtype_of<int16_t>() { return DType::Int16; }
template <> constexpr DType dtype_of<int32_t>() { return DType::Int32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }
template <> constexpr DType dtype_of<Half>() { return DType::Float16; }
template <> constexpr DType dtype_of<BFloat16>() { return DType::BFloat16; }
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<double>() { return DType::Float64; }
template <> constexpr DType dtype_of<std::complex<float>>() { return DType::Complex64; }
template <> constexpr DType dtype_of<std::complex<double>>() { return DType::Complex128; }
template <> constexpr DType dtype_of<uint16_t>() { return DType::UInt16; }
template <> constexpr DType dtype_of<uint32_t>() { return DType::UInt32; }
template <> constexpr DType dtype_of<uint64_t>() { return DType::UInt64; }
template <> constexpr DType dtype_of<ComplexHalf>() { return DType::Complex32; }

}  // namespace mytorch
