// LSTM and GRU cells, forward and backward, each one pass over the batch rows.
//
// The composite bodies (_composite.py) run about ten elementwise primitives per step, each reading and
// writing (B, H) or (B, 4H) arrays, plus a concatenate for the workspace. Here one loop over the H
// columns of a row reads every gate once and writes every output once; the row's gate blocks (i, f, g,
// o for the LSTM, r, z, n for the GRU) are H apart, so each block is a contiguous run the compiler
// vectorises, with vmath's sigmoid and tanh. Rows are split over threads.
#include <initializer_list>
#include <stdexcept>
#include <string>

#include "core/parallel.h"
#include "core/vmath.h"
#include "fused/fused.h"
#include "fused/rnn_cell.h"

namespace mytorch {
namespace {

// H of a (B, parts * H) gate array; std::invalid_argument unless it and the (B, H) operands agree.
int64_t hidden_size(const char* kernel, const Array& gates, int64_t parts, std::initializer_list<const Array*> rows) {
  const bool ok = gates.ndim() == 2 && gates.shape()[1] % parts == 0;
  const int64_t batch = ok ? gates.shape()[0] : 0, h = ok ? gates.shape()[1] / parts : 0;
  for (const Array* a : rows) {
    if (!ok || a->ndim() != 2 || a->shape()[0] != batch || a->shape()[1] != h || a->dtype() != gates.dtype()) {
      throw std::invalid_argument(std::string(kernel) + "(): expected gates (B, " + std::to_string(parts) +
                                  "H) and (B, H) operands of one dtype");
    }
  }
  return h;
}

// p[i] in the compute type.
template <typename C, typename T> inline C from(const T* p, int64_t i) { return static_cast<C>(p[i]); }

}  // namespace

// i, f, o = sigmoid, g = tanh of the gate blocks;  c_new = f c + i g;  h = o tanh(c_new).
std::tuple<Array, Array, Array> lstm_cell(const Array& gates_in, const Array& c_in) {
  const int64_t hs = hidden_size("lstm_cell", gates_in, 4, {&c_in});
  const Array gates = dense(gates_in), c = dense(c_in);
  const int64_t batch = gates.shape()[0];
  Array h(c.shape(), c.dtype()), c_new(c.shape(), c.dtype()), ws(gates.shape(), gates.dtype());
  dispatch_floating(gates.dtype(), "lstm_cell", [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* gp = gates.data<T>();
    const T* cp = c.data<T>();
    T *hp = h.data<T>(), *np = c_new.data<T>(), *wp = ws.data<T>();
    parallel_for(batch, 4 * hs, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* gr = gp + b * 4 * hs;
        T* wr = wp + b * 4 * hs;
        const int64_t o = b * hs;
#pragma omp simd
        for (int64_t j = 0; j < hs; ++j) {
          C i = vmath::sigmoid(from<C>(gr, j)), f = vmath::sigmoid(from<C>(gr, hs + j));
          C g = vmath::tanh(from<C>(gr, 2 * hs + j)), out = vmath::sigmoid(from<C>(gr, 3 * hs + j));
          C cn = f * from<C>(cp, o + j) + i * g;
          wr[j] = static_cast<T>(i);
          wr[hs + j] = static_cast<T>(f);
          wr[2 * hs + j] = static_cast<T>(g);
          wr[3 * hs + j] = static_cast<T>(out);
          np[o + j] = static_cast<T>(cn);
          hp[o + j] = static_cast<T>(out * vmath::tanh(cn));
        }
      }
    });
  });
  return {h, c_new, ws};
}

// dc' = dc + dh o (1 - tanh^2 c_new);  dc_prev = dc' f;
// dgates = (dc' g i (1 - i), dc' c f (1 - f), dc' i (1 - g^2), dh tanh(c_new) o (1 - o)).
std::tuple<Array, Array> lstm_cell_backward(const Array& dh_in, const Array& dc_in, const Array& c_in,
                                            const Array& c_new_in, const Array& ws_in) {
  const int64_t hs = hidden_size("lstm_cell_backward", ws_in, 4, {&dh_in, &dc_in, &c_in, &c_new_in});
  const Array dh = dense(dh_in), dc = dense(dc_in), c = dense(c_in), c_new = dense(c_new_in), ws = dense(ws_in);
  const int64_t batch = ws.shape()[0];
  Array dgates(ws.shape(), ws.dtype()), dc_prev(c.shape(), c.dtype());
  dispatch_floating(ws.dtype(), "lstm_cell_backward", [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T *dhp = dh.data<T>(), *dcp = dc.data<T>(), *cp = c.data<T>(), *np = c_new.data<T>(), *wp = ws.data<T>();
    T *gp = dgates.data<T>(), *pp = dc_prev.data<T>();
    parallel_for(batch, 4 * hs, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* wr = wp + b * 4 * hs;
        T* gr = gp + b * 4 * hs;
        const int64_t o = b * hs;
#pragma omp simd
        for (int64_t j = 0; j < hs; ++j) {
          C i = from<C>(wr, j), f = from<C>(wr, hs + j), g = from<C>(wr, 2 * hs + j), out = from<C>(wr, 3 * hs + j);
          C dhj = from<C>(dhp, o + j), tc = vmath::tanh(from<C>(np, o + j));
          C dcj = from<C>(dcp, o + j) + dhj * out * (C(1) - tc * tc);
          gr[j] = static_cast<T>(dcj * g * (i * (C(1) - i)));
          gr[hs + j] = static_cast<T>(dcj * from<C>(cp, o + j) * (f * (C(1) - f)));
          gr[2 * hs + j] = static_cast<T>(dcj * i * (C(1) - g * g));
          gr[3 * hs + j] = static_cast<T>(dhj * tc * (out * (C(1) - out)));
          pp[o + j] = static_cast<T>(dcj * f);
        }
      }
    });
  });
  return {dgates, dc_prev};
}

// r = sigmoid(gx_r + gh_r), z = sigmoid(gx_z + gh_z), n = tanh(gx_n + r gh_n);  h_new = n + z (h - n).
std::tuple<Array, Array> gru_cell(const Array& gx_in, const Array& gh_in, const Array& h_in) {
  const int64_t hs = hidden_size("gru_cell", gx_in, 3, {&h_in});
  check_same("gru_cell", gx_in, gh_in);
  const Array gx = dense(gx_in), gh = dense(gh_in), h = dense(h_in);
  const int64_t batch = gx.shape()[0];
  Array h_new(h.shape(), h.dtype()), ws({batch, 4 * hs}, h.dtype());
  dispatch_floating(gx.dtype(), "gru_cell", [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T *xp = gx.data<T>(), *gp = gh.data<T>(), *hp = h.data<T>();
    T *np = h_new.data<T>(), *wp = ws.data<T>();
    parallel_for(batch, 3 * hs, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* xr = xp + b * 3 * hs;
        const T* gr = gp + b * 3 * hs;
        T* wr = wp + b * 4 * hs;
        const int64_t o = b * hs;
#pragma omp simd
        for (int64_t j = 0; j < hs; ++j) {
          C r = vmath::sigmoid(from<C>(xr, j) + from<C>(gr, j));
          C z = vmath::sigmoid(from<C>(xr, hs + j) + from<C>(gr, hs + j));
          C gh_n = from<C>(gr, 2 * hs + j);
          C n = vmath::tanh(from<C>(xr, 2 * hs + j) + r * gh_n);
          wr[j] = static_cast<T>(r);
          wr[hs + j] = static_cast<T>(z);
          wr[2 * hs + j] = static_cast<T>(n);
          wr[3 * hs + j] = static_cast<T>(gh_n);
          np[o + j] = static_cast<T>(n + z * (from<C>(hp, o + j) - n));
        }
      }
    });
  });
  return {h_new, ws};
}

// dn = dh (1 - z)(1 - n^2);  dgx = (dn gh_n r (1 - r), dh (h - n) z (1 - z), dn);
// dgh = dgx with its n block times r;  dh_direct = dh z.
std::tuple<Array, Array, Array> gru_cell_backward(const Array& dh_in, const Array& h_in, const Array& ws_in) {
  const int64_t hs = hidden_size("gru_cell_backward", ws_in, 4, {&dh_in, &h_in});
  const Array dh = dense(dh_in), h = dense(h_in), ws = dense(ws_in);
  const int64_t batch = ws.shape()[0];
  Array dgx({batch, 3 * hs}, ws.dtype()), dgh({batch, 3 * hs}, ws.dtype()), direct(h.shape(), h.dtype());
  dispatch_floating(ws.dtype(), "gru_cell_backward", [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T *dhp = dh.data<T>(), *hp = h.data<T>(), *wp = ws.data<T>();
    T *xp = dgx.data<T>(), *gp = dgh.data<T>(), *dp = direct.data<T>();
    parallel_for(batch, 4 * hs, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* wr = wp + b * 4 * hs;
        T* xr = xp + b * 3 * hs;
        T* gr = gp + b * 3 * hs;
        const int64_t o = b * hs;
#pragma omp simd
        for (int64_t j = 0; j < hs; ++j) {
          C r = from<C>(wr, j), z = from<C>(wr, hs + j), n = from<C>(wr, 2 * hs + j), gh_n = from<C>(wr, 3 * hs + j);
          C dhj = from<C>(dhp, o + j);
          C dn = dhj * (C(1) - z) * (C(1) - n * n);
          C dr = dn * gh_n * (r * (C(1) - r));
          C dz = dhj * (from<C>(hp, o + j) - n) * (z * (C(1) - z));
          xr[j] = gr[j] = static_cast<T>(dr);
          xr[hs + j] = gr[hs + j] = static_cast<T>(dz);
          xr[2 * hs + j] = static_cast<T>(dn);
          gr[2 * hs + j] = static_cast<T>(dn * r);
          dp[o + j] = static_cast<T>(dhj * z);
        }
      }
    });
  });
  return {dgx, dgh, direct};
}

}  // namespace mytorch
