// cross_entropy and cross_entropy_backward of the backend contract (mytorch/backends/base.py states the
// math; cross_entropy.cpp says how the kernels compute it). Every floating dtype; half types are
// computed in float32.
#pragma once
#include <optional>
#include <tuple>

#include "core/array.h"

namespace mytorch {

// (loss, w_t, row_max, log_sum, probs) per sample; row_max and log_sum are nullopt for NLL
// (log_softmax false), probs always (the backward recomputes p from row_max and log_sum).
using CrossEntropyResult =
    std::tuple<Array, Array, std::optional<Array>, std::optional<Array>, std::optional<Array>>;

CrossEntropyResult cross_entropy(const Array& x, const Array& target, const std::optional<Array>& weight,
                                 int64_t ignore_index, double label_smoothing, bool log_softmax);

// dx for the upstream gradient g (0-d or the target's shape); reads probs when given, else recomputes
// p from row_max and log_sum.
Array cross_entropy_backward(const Array& g, const Array& x, const Array& target, const std::optional<Array>& weight,
                             const std::optional<Array>& row_max, const std::optional<Array>& log_sum,
                             const std::optional<Array>& probs, int64_t ignore_index, double label_smoothing,
                             bool log_softmax);

}  // namespace mytorch
