// Scaled dot-product attention, flash-style: the (L, S) score matrix of a head is never held whole.
//
//     S = q k^T scale + M,   P = softmax(S) along the keys,   out = (P * keep) v,   lse = log sum_j e^(S_j)
//
// Forward. Queries are taken kQueryTile rows at a time, keys kKeyTile at a time; one tile of scores
// (kQueryTile x kKeyTile, 12 KiB of float32: it stays in L1) is all the memory a head's softmax uses.
// A softmax needs the row's maximum before it can exponentiate, and the maximum is known only after the
// last key tile. The online softmax (Milakov & Gimelshein 2018, as FlashAttention uses it) does not wait:
// each row keeps a running maximum m, a running sum l = sum_j e^(S_j - m) and an unnormalised output
// o = sum_j e^(S_j - m) (keep_j v_j) over the keys seen so far. A new tile with maximum m_t gives
// m' = max(m, m_t); everything kept so far was scaled by e^-m and must now be by e^-m', so
//     l' = l e^(m - m') + sum_{j in tile} e^(S_j - m'),    o' = o e^(m - m') + sum_{j in tile} e^(S_j - m') keep_j v_j
// After the last tile, out = o / l and lse = m + log l: the same numbers as the two-pass softmax, with
// every exponent <= 0 (no overflow). The products q k^T and P v of a tile run on our GEMM.
//
// Backward (FlashAttention-2's): P = e^(S - lse) is recomputed tile by tile from the lse the forward
// returned, then with dP = (g v^T) keep:
//     dv += (P keep)^T g,   dS = P (dP - D),   dq += dS k scale,   dk += dS^T q scale,
// where D_i = sum_j dP_ij P_ij = g_i . out_i (out_i = sum_j P_ij keep_ij v_j): a row's D comes from g
// and out before any tile, which is what lets dS be formed one tile at a time.
//
// Causal masking (key j after query i) skips whole key tiles past a query tile's last row, about half
// the work of a square problem. A row whose keys are all masked has l = 0: with `safe` its output is 0
// and its lse -inf (the backward then takes P = 0 for it), else NaN as a plain softmax gives.
//
// Threads: the forward shares out (batch, head, query tile) units, each writing its own rows of out and
// lse. The backward shares (batch, key/value head) units: a unit runs every query head of its group
// (grouped-query attention: query head h reads key/value head h / (Hq / Hkv)), so the dk and dv it sums
// over the group are written by it alone.
#include "fused/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "core/views.h"
#include "core/vmath.h"
#include "elementwise/elementwise.h"
#include "gemm/gemm.h"

namespace mytorch {
namespace {

// 48 x 64 tiles: 48 query rows are four 12-row GEMM register tiles and 64 keys two 32-wide ones (AVX-512
// micro-kernel, csrc/gemm/), and a float32 score tile is 12 KiB, which L1 holds with the q, k and v rows
// that feed it. Measured at GPT shapes (L = S = 128, E = 32, causal): 7% faster than 64 x 64, whose
// causal diagonal tiles also compute more masked scores; 32 x 32 tiles pay more calls for less work.
constexpr int64_t kQueryTile = 48;
constexpr int64_t kKeyTile = 64;

// A (B, H, N, X) operand read in place: element (b, h, n, x) at data + b sb + h sh + n sn + x sx.
template <typename T>
struct Heads {
  T* data = nullptr;
  int64_t sb = 0, sh = 0, sn = 0, sx = 0;
  Heads() = default;
  explicit Heads(const Array& a)
      : data(a.data<std::remove_const_t<T>>()),
        sb(a.strides()[0]), sh(a.strides()[1]), sn(a.strides()[2]), sx(a.strides()[3]) {}
  T* at(int64_t b, int64_t h, int64_t n) const { return data + b * sb + h * sh + n * sn; }
};

// One attention problem: the operands, the masks (each absent when its data is null) and the sizes.
template <typename T>
struct Problem {
  Heads<const T> q, k, v;
  Heads<const T> additive;  // a float mask, broadcast to (B, Hq, L, S)
  Heads<const bool> allowed;  // a bool mask, broadcast to (B, Hq, L, S)
  Heads<const T> keep;        // dropout multipliers (B, Hq, L, S)
  T scale;
  bool causal, safe;
  int64_t batch, heads, group, L, S, E, Ev;

  int64_t kv_head(int64_t h) const { return h / group; }
  // Keys a tile of queries ending before row `end` reads: causally, none past its last query.
  int64_t key_end(int64_t end) const { return causal ? std::min(S, end) : S; }
};

// A mask broadcast to the scores' shape, or nothing.
std::optional<Array> broadcast_to_scores(const std::optional<Array>& m, const Shape& scores) {
  if (!m) return std::nullopt;
  return expand(*m, scores);
}

// The problem for q, k, v and the optional masks, or nullopt when the kernels leave it to the composite.
template <typename T>
std::optional<Problem<T>> problem_of(const Array& q, const Array& k, const Array& v, const std::optional<Array>& mask,
                                     const std::optional<Array>& keep, double scale, bool causal, bool safe,
                                     const char* kernel) {
  if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4 || k.dtype() != q.dtype() || v.dtype() != q.dtype()) {
    throw std::invalid_argument(std::string(kernel) + "(): expected q, k, v of one dtype, shaped (B, H, L, E)");
  }
  const Shape &qs = q.shape(), &ks = k.shape(), &vs = v.shape();
  if (ks[0] != qs[0] || vs[0] != qs[0] || vs[1] != ks[1] || ks[2] != vs[2] || ks[3] != qs[3] || ks[1] == 0 ||
      qs[1] % ks[1] != 0) {
    throw std::invalid_argument(std::string(kernel) + "(): expected k (B, Hkv, S, E) and v (B, Hkv, S, Ev) with Hkv "
                                "dividing q's heads");
  }
  if (ks[2] == 0) return std::nullopt;  // no keys: every row is fully masked, the composite's simple case
  const Shape scores{qs[0], qs[1], qs[2], ks[2]};
  if (mask && mask->dtype() != DType::Bool && mask->dtype() != q.dtype()) return std::nullopt;
  if (keep && keep->dtype() != q.dtype()) return std::nullopt;
  Problem<T> p{Heads<const T>(q), Heads<const T>(k), Heads<const T>(v), {}, {}, {}, static_cast<T>(scale), causal,
               safe, qs[0], qs[1], qs[1] / ks[1], qs[2], ks[2], qs[3], vs[3]};
  if (auto m = broadcast_to_scores(mask, scores)) {
    if (m->dtype() == DType::Bool) {
      p.allowed = Heads<const bool>(*m);
    } else {
      p.additive = Heads<const T>(*m);
    }
  }
  if (auto kp = broadcast_to_scores(keep, scores)) p.keep = Heads<const T>(*kp);
  return p;
}

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Tile of scores: s[r, c] = scale q_(i0 + r) . k_(j0 + c) + M, -inf where a mask or causality hides
// key j0 + c from query i0 + r; row stride kKeyTile.
template <typename T>
void score_tile(const Problem<T>& p, int64_t b, int64_t h, int64_t i0, int64_t rows, int64_t j0, int64_t cols,
                T* s) {
  gemm<T>(rows, cols, p.E, p.scale, p.q.at(b, h, i0), p.q.sn, p.q.sx, p.k.at(b, p.kv_head(h), j0), p.k.sx, p.k.sn,
          T(0), s, kKeyTile, 1);
  const T neg_inf = static_cast<T>(kNegInf);
  for (int64_t r = 0; r < rows; ++r) {
    T* row = s + r * kKeyTile;
    const int64_t i = i0 + r;
    if (p.additive.data) {
      const T* m = p.additive.at(b, h, i) + j0 * p.additive.sx;
      for (int64_t c = 0; c < cols; ++c) row[c] += m[c * p.additive.sx];
    }
    if (p.allowed.data) {
      const bool* m = p.allowed.at(b, h, i) + j0 * p.allowed.sx;
      for (int64_t c = 0; c < cols; ++c) row[c] = m[c * p.allowed.sx] ? row[c] : neg_inf;
    }
    if (p.causal) {
      for (int64_t c = std::max<int64_t>(0, i + 1 - j0); c < cols; ++c) row[c] = neg_inf;
    }
  }
}

// In place: the tile times the dropout multipliers of its positions.
template <typename T>
void apply_keep(const Problem<T>& p, int64_t b, int64_t h, int64_t i0, int64_t rows, int64_t j0, int64_t cols,
                const T* s, T* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* keep = p.keep.at(b, h, i0 + r) + j0 * p.keep.sx;
    for (int64_t c = 0; c < cols; ++c) out[r * kKeyTile + c] = s[r * kKeyTile + c] * keep[c * p.keep.sx];
  }
}

// The online-softmax step of one row (header comment): folds a tile of scores s (cols of them) into the
// row's running max m and sum l, rescales its output o (ev values) and leaves e^(s_j - m') in s.
template <typename T>
void online_softmax_row(T* s, int64_t cols, T& m, T& l, T* o, int64_t ev) {
  T tile_max = static_cast<T>(kNegInf);
#pragma omp simd reduction(max : tile_max)
  for (int64_t c = 0; c < cols; ++c) tile_max = s[c] > tile_max ? s[c] : tile_max;
  const T new_max = std::max(m, tile_max);
  // a row masked so far shifts by 0: its e^(-inf) are then 0, where e^(-inf - -inf) would be NaN
  const T shift = new_max == static_cast<T>(kNegInf) ? T(0) : new_max;
  T sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t c = 0; c < cols; ++c) {
    s[c] = vmath::exp(s[c] - shift);
    sum += s[c];
  }
  const T rescale = vmath::exp(m - shift);  // 0 on a row's first tile (m = -inf)
  if (rescale != T(1)) {
    for (int64_t x = 0; x < ev; ++x) o[x] *= rescale;
  }
  l = l * rescale + sum;
  m = new_max;
}

// The lse the backward subtracts: +inf for a fully masked row of a `safe` attention, so that
// e^(S - lse) = e^(-inf) = 0 there rather than NaN.
template <typename T>
T effective_lse(T lse, bool safe) {
  return safe && lse == static_cast<T>(kNegInf) ? std::numeric_limits<T>::infinity() : lse;
}

// The buffers of one thread: tiles of kQueryTile x kKeyTile (row stride kKeyTile) and per-row values.
template <typename T>
struct Tile {
  std::vector<T> data = std::vector<T>(kQueryTile * kKeyTile);
  T* operator()() { return data.data(); }
};

template <typename T>
struct ForwardWorkspace {
  Tile<T> scores, kept;  // S, then e^(S - m'); P keep
  std::vector<T> max = std::vector<T>(kQueryTile), sum = std::vector<T>(kQueryTile);  // m and l of each row
};

template <typename T>
struct BackwardWorkspace {
  Tile<T> scores, grad, kept;  // S, then P; dP, then dS; P keep
  std::vector<T> d, shift = std::vector<T>(kQueryTile);  // D of every query row; the lse of the tile's rows
  explicit BackwardWorkspace(int64_t rows) : d(rows) {}
};

// out, lse (and probs, when asked) of query rows i0 .. i0 + rows of head (b, h). out: those rows of
// the (B, Hq, L, Ev) output; lse: of (B, Hq, L); probs: of (B, Hq, L, S), or null.
template <typename T>
void forward_tile(const Problem<T>& p, int64_t b, int64_t h, int64_t i0, int64_t rows, T* out, T* lse, T* probs,
                  ForwardWorkspace<T>& w) {
  T *s = w.scores(), *m = w.max.data(), *l = w.sum.data();
  const T neg_inf = static_cast<T>(kNegInf);
  std::fill(m, m + rows, neg_inf);
  std::fill(l, l + rows, T(0));
  std::fill(out, out + rows * p.Ev, T(0));
  const int64_t key_end = p.key_end(i0 + rows);
  if (probs) {  // the keys no tile visits are masked: -inf scores, P = 0 after the last step
    for (int64_t r = 0; r < rows; ++r) std::fill(probs + r * p.S + key_end, probs + (r + 1) * p.S, neg_inf);
  }
  for (int64_t j0 = 0; j0 < key_end; j0 += kKeyTile) {
    const int64_t cols = std::min(kKeyTile, key_end - j0);
    score_tile(p, b, h, i0, rows, j0, cols, s);
    if (probs) {
      for (int64_t r = 0; r < rows; ++r) std::copy(s + r * kKeyTile, s + r * kKeyTile + cols, probs + r * p.S + j0);
    }
    for (int64_t r = 0; r < rows; ++r) online_softmax_row(s + r * kKeyTile, cols, m[r], l[r], out + r * p.Ev, p.Ev);
    const T* a = s;
    if (p.keep.data) {
      apply_keep(p, b, h, i0, rows, j0, cols, s, w.kept());
      a = w.kept();
    }
    gemm<T>(rows, p.Ev, cols, T(1), a, kKeyTile, 1, p.v.at(b, p.kv_head(h), j0), p.v.sn, p.v.sx, T(1), out, p.Ev, 1);
  }
  const T nan = std::numeric_limits<T>::quiet_NaN();
  for (int64_t r = 0; r < rows; ++r) {
    T* o = out + r * p.Ev;
    if (l[r] == T(0)) {  // every key masked
      std::fill(o, o + p.Ev, p.safe ? T(0) : nan);
      lse[r] = p.safe ? neg_inf : nan;
      continue;
    }
    const T inv = T(1) / l[r];
    for (int64_t x = 0; x < p.Ev; ++x) o[x] *= inv;
    lse[r] = m[r] + std::log(l[r]);
  }
  if (probs) {  // the scores kept above become P = e^(S - lse)
    for (int64_t r = 0; r < rows; ++r) {
      const T shift = effective_lse(lse[r], p.safe);
      T* row = probs + r * p.S;
#pragma omp simd
      for (int64_t j = 0; j < p.S; ++j) row[j] = vmath::exp(row[j] - shift);
    }
  }
}

template <typename F>
auto dispatch_gemm_type(DType dt, F&& f) -> decltype(f(float{})) {
  if (dt == DType::Float32) return f(float{});
  if (dt == DType::Float64) return f(double{});
  return std::nullopt;
}

// The gradients of one (batch, key/value head) unit: every query head of its group (header comment).
template <typename T>
void backward_unit(const Problem<T>& p, int64_t b, int64_t kv, Heads<const T> g, Heads<const T> out, const T* lse,
                   T* dq, T* dk, T* dv, T* ds, BackwardWorkspace<T>& w) {
  const bool need_ds = dq || dk || ds;
  T *s = w.scores(), *dp = w.grad(), *d = w.d.data(), *shift = w.shift.data();
  const int64_t kv_rows = (b * (p.heads / p.group) + kv) * p.S;  // first row of this unit in dk and dv
  if (dk) std::fill(dk + kv_rows * p.E, dk + (kv_rows + p.S) * p.E, T(0));
  if (dv) std::fill(dv + kv_rows * p.Ev, dv + (kv_rows + p.S) * p.Ev, T(0));
  for (int64_t h = kv * p.group; h < (kv + 1) * p.group; ++h) {
    const int64_t q_rows = (b * p.heads + h) * p.L;  // first row of this head in dq, lse and ds
    if (dq) std::fill(dq + q_rows * p.E, dq + (q_rows + p.L) * p.E, T(0));
    if (ds) std::fill(ds + q_rows * p.S, ds + (q_rows + p.L) * p.S, T(0));
    for (int64_t i = 0; i < p.L; ++i) {  // D_i = g_i . out_i
      const T *gi = g.at(b, h, i), *oi = out.at(b, h, i);
      T dot = 0;
      for (int64_t x = 0; x < p.Ev; ++x) dot += gi[x * g.sx] * oi[x * out.sx];
      d[i] = dot;
    }
    for (int64_t i0 = 0; i0 < p.L; i0 += kQueryTile) {
      const int64_t rows = std::min(kQueryTile, p.L - i0), key_end = p.key_end(i0 + rows);
      for (int64_t r = 0; r < rows; ++r) shift[r] = effective_lse(lse[q_rows + i0 + r], p.safe);
      for (int64_t j0 = 0; j0 < key_end; j0 += kKeyTile) {
        const int64_t cols = std::min(kKeyTile, key_end - j0);
        score_tile(p, b, h, i0, rows, j0, cols, s);
        for (int64_t r = 0; r < rows; ++r) {
          T* row = s + r * kKeyTile;
#pragma omp simd
          for (int64_t c = 0; c < cols; ++c) row[c] = vmath::exp(row[c] - shift[r]);  // P
        }
        const T* a = s;  // A = P keep
        if (p.keep.data) {
          apply_keep(p, b, h, i0, rows, j0, cols, s, w.kept());
          a = w.kept();
        }
        if (dv) {  // dv += A^T g
          gemm<T>(cols, p.Ev, rows, T(1), a, 1, kKeyTile, g.at(b, h, i0), g.sn, g.sx, T(1),
                  dv + (kv_rows + j0) * p.Ev, p.Ev, 1);
        }
        if (!need_ds) continue;
        // dP = g v^T (times keep), then dS = P (dP - D) in its place
        const T* v0 = p.v.at(b, kv, j0);
        gemm<T>(rows, cols, p.Ev, T(1), g.at(b, h, i0), g.sn, g.sx, v0, p.v.sx, p.v.sn, T(0), dp, kKeyTile, 1);
        if (p.keep.data) apply_keep(p, b, h, i0, rows, j0, cols, dp, dp);
        for (int64_t r = 0; r < rows; ++r) {
          const T* pr = s + r * kKeyTile;
          T* dr = dp + r * kKeyTile;
          const T di = d[i0 + r];
#pragma omp simd
          for (int64_t c = 0; c < cols; ++c) dr[c] = pr[c] * (dr[c] - di);
          if (ds) std::copy(dr, dr + cols, ds + (q_rows + i0 + r) * p.S + j0);
        }
        if (dq) {  // dq += dS k scale
          gemm<T>(rows, p.E, cols, p.scale, dp, kKeyTile, 1, p.k.at(b, kv, j0), p.k.sn, p.k.sx, T(1),
                  dq + (q_rows + i0) * p.E, p.E, 1);
        }
        if (dk) {  // dk += dS^T q scale
          gemm<T>(cols, p.E, rows, p.scale, dp, 1, kKeyTile, p.q.at(b, h, i0), p.q.sn, p.q.sx, T(1),
                  dk + (kv_rows + j0) * p.E, p.E, 1);
        }
      }
    }
  }
}

}  // namespace

std::optional<AttentionResult> scaled_dot_product_attention_native(
    const Array& q, const Array& k, const Array& v, const std::optional<Array>& mask,
    const std::optional<Array>& keep, double scale, bool is_causal, bool safe, bool need_weights) {
  return dispatch_gemm_type(q.dtype(), [&](auto tag) -> std::optional<AttentionResult> {
    using T = decltype(tag);
    const auto problem = problem_of<T>(q, k, v, mask, keep, scale, is_causal, safe, "scaled_dot_product_attention");
    if (!problem) return std::nullopt;
    const Problem<T>& p = *problem;
    Array out({p.batch, p.heads, p.L, p.Ev}, q.dtype()), lse({p.batch, p.heads, p.L}, q.dtype());
    std::optional<Array> probs;
    if (need_weights) probs = Array({p.batch, p.heads, p.L, p.S}, q.dtype());
    const int64_t tiles = (p.L + kQueryTile - 1) / kQueryTile;
    T *out_p = out.data<T>(), *lse_p = lse.data<T>(), *probs_p = need_weights ? probs->data<T>() : nullptr;
    parallel_for(p.batch * p.heads * tiles, kQueryTile * p.S * (p.E + p.Ev), [&](int64_t begin, int64_t end) {
      ForwardWorkspace<T> w;
      for (int64_t unit = begin; unit < end; ++unit) {
        const int64_t head = unit / tiles, i0 = unit % tiles * kQueryTile;
        const int64_t rows = std::min(kQueryTile, p.L - i0), first = head * p.L + i0;
        forward_tile(p, head / p.heads, head % p.heads, i0, rows, out_p + first * p.Ev, lse_p + first,
                     probs_p ? probs_p + first * p.S : nullptr, w);
      }
    });
    return AttentionResult{out, lse, probs};
  });
}

std::optional<AttentionGrads> scaled_dot_product_attention_backward_native(
    const std::optional<Array>& g, const std::optional<Array>& g_weights, const Array& q, const Array& k,
    const Array& v, const Array& out, const Array& lse, const std::optional<Array>& probs,
    const std::optional<Array>& mask, const std::optional<Array>& keep, double scale, bool is_causal, bool safe,
    std::array<bool, 4> output_mask) {
  // the upstream gradient of the weights adds to dP a term that D = g . out does not account for
  if (!g || g_weights) return std::nullopt;
  return dispatch_gemm_type(q.dtype(), [&](auto tag) -> std::optional<AttentionGrads> {
    using T = decltype(tag);
    const auto problem =
        problem_of<T>(q, k, v, mask, keep, scale, is_causal, safe, "scaled_dot_product_attention_backward");
    if (!problem) return std::nullopt;
    const Problem<T>& p = *problem;
    const Shape rows_shape{p.batch, p.heads, p.L};
    if (g->shape() != out.shape() || out.shape() != Shape{p.batch, p.heads, p.L, p.Ev} || lse.shape() != rows_shape ||
        g->dtype() != q.dtype() || out.dtype() != q.dtype() || lse.dtype() != q.dtype()) {
      throw std::invalid_argument("scaled_dot_product_attention_backward(): g, out and lse do not match q, k, v");
    }
    const Array lse_dense = lse.is_contiguous() ? lse : contiguous_copy(lse);
    const auto grad = [&](bool wanted, const Shape& shape) {
      return wanted ? std::optional<Array>(Array(shape, q.dtype())) : std::nullopt;
    };
    const int64_t kv_heads = p.heads / p.group;
    std::optional<Array> dq = grad(output_mask[0], q.shape()), dk = grad(output_mask[1], {p.batch, kv_heads, p.S, p.E}),
                         dv = grad(output_mask[2], {p.batch, kv_heads, p.S, p.Ev}),
                         ds = grad(output_mask[3], {p.batch, p.heads, p.L, p.S});
    const auto ptr = [](std::optional<Array>& a) { return a ? a->data<T>() : nullptr; };
    T *dq_p = ptr(dq), *dk_p = ptr(dk), *dv_p = ptr(dv), *ds_p = ptr(ds);
    const Heads<const T> g_heads(*g), out_heads(out);
    const int64_t cost = p.group * p.L * p.S * (p.E + p.Ev);
    parallel_for(p.batch * kv_heads, cost, [&](int64_t begin, int64_t end) {
      BackwardWorkspace<T> w(p.L);
      for (int64_t unit = begin; unit < end; ++unit) {
        backward_unit(p, unit / kv_heads, unit % kv_heads, g_heads, out_heads, lse_dense.data<T>(), dq_p, dk_p, dv_p,
                      ds_p, w);
      }
    });
    return AttentionGrads{dq, dk, dv, ds};
  });
}

}  // namespace mytorch
