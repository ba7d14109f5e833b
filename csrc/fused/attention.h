// scaled_dot_product_attention and its backward, flash-style (attention.cpp explains the tiling and the
// online softmax; mytorch/backends/base.py states the math and the arguments).
//
// Both take float32 and float64 (the GEMM's types) with a bool mask or an additive one of q's dtype,
// and answer nullopt for what they leave to the contract's composite body (half types, a mask of a
// third dtype, no keys at all, and in the backward an upstream gradient of the weights): the Python
// binding (mytorch/backends/cpp_backend.py) then runs the composite.
#pragma once
#include <array>
#include <optional>
#include <tuple>

#include "core/array.h"

namespace mytorch {

// (out, lse, probs): probs is P (B, Hq, L, S) when need_weights, else nullopt (never materialised).
using AttentionResult = std::tuple<Array, Array, std::optional<Array>>;
// (dq, dk, dv, dS), each nullopt when output_mask does not ask for it.
using AttentionGrads =
    std::tuple<std::optional<Array>, std::optional<Array>, std::optional<Array>, std::optional<Array>>;

std::optional<AttentionResult> scaled_dot_product_attention_native(
    const Array& q, const Array& k, const Array& v, const std::optional<Array>& mask,
    const std::optional<Array>& keep, double scale, bool is_causal, bool safe, bool need_weights);

// Recomputes P = e^(S - lse) tile by tile (probs, when given, is not read: it equals that P).
std::optional<AttentionGrads> scaled_dot_product_attention_backward_native(
    const std::optional<Array>& g, const std::optional<Array>& g_weights, const Array& q, const Array& k,
    const Array& v, const Array& out, const Array& lse, const std::optional<Array>& probs,
    const std::optional<Array>& mask, const std::optional<Array>& keep, double scale, bool is_causal, bool safe,
    std::array<bool, 4> output_mask);

}  // namespace mytorch
